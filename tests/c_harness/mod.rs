//! Building and running C programs against the library cargo just built (shared by the C API
//! and install tests).
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};

pub const APPID: u64 = 1250000000;
pub const BUCKET: &str = "testbucket";
pub const SECRET_ID: &str = "AKIDcapitest";
pub const SECRET_KEY: &str = "capi-secret-key";

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where this test's programs go.
pub fn out_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("c_api")
}

/// The libraries cargo built for this test run.
pub struct Libs {
    /// `libcosv4.a` in `target/<profile>/deps`.
    pub a: PathBuf,
    /// `libcosv4.so` in `target/<profile>/deps`.
    pub so: PathBuf,
    /// A directory with `libcosv4.so` and the `libcosv4.so.0` SONAME link, for -L and
    /// LD_LIBRARY_PATH (deps/ has no SONAME link).
    pub so_dir: PathBuf,
    /// The system libraries a static link needs (`--print native-static-libs`).
    pub native: Vec<String>,
}

pub fn libs() -> &'static Libs {
    static LIBS: OnceLock<Libs> = OnceLock::new();
    LIBS.get_or_init(|| {
        // target/<profile>/deps/c_api-<hash>: the libraries of this build are its neighbours.
        let exe = std::env::current_exe().expect("the test executable's path");
        let deps = exe.parent().expect("deps directory");
        let a = deps.join("libcosv4.a");
        let so = deps.join("libcosv4.so");
        assert!(
            a.is_file() && so.is_file(),
            "no libcosv4.a/.so in {}",
            deps.display()
        );
        let so_dir = out_dir().join("shared");
        std::fs::create_dir_all(&so_dir).unwrap();
        for name in ["libcosv4.so", "libcosv4.so.0"] {
            let link = so_dir.join(name);
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(&so, &link).unwrap();
        }
        Libs {
            a,
            so,
            so_dir,
            native: native_static_libs(),
        }
    })
}

/// The native libraries of a Rust staticlib on this host, as rustc prints them for an empty
/// crate (cosv4 adds none of its own: ureq uses rustls, ring builds its C code in).
pub fn native_static_libs() -> Vec<String> {
    let dir = out_dir().join("native-libs");
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("empty.rs");
    std::fs::write(&src, "").unwrap();
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc)
        .args([
            "--crate-type",
            "staticlib",
            "--print",
            "native-static-libs",
            "-o",
        ])
        .arg(dir.join("libempty.a"))
        .arg(&src)
        .output()
        .expect("run rustc");
    let text = String::from_utf8_lossy(&out.stderr);
    let line = text
        .lines()
        .find_map(|l| l.split("native-static-libs:").nth(1))
        .unwrap_or_else(|| panic!("rustc printed no native-static-libs:\n{text}"));
    line.split_whitespace().map(str::to_string).collect()
}

/// How a program is built and run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    /// Linked with libcosv4.a.
    Static,
    /// Linked with libcosv4.so (found through LD_LIBRARY_PATH).
    Shared,
    /// Static, built with -fsanitize=address,undefined.
    Sanitized,
    /// The static build run under valgrind.
    Valgrind,
}

impl Variant {
    /// Every variant that can run here (valgrind only when it is installed; see [`valgrind`]).
    pub fn all() -> Vec<Variant> {
        let mut v = vec![Variant::Static, Variant::Shared, Variant::Sanitized];
        if valgrind() {
            v.push(Variant::Valgrind);
        }
        v
    }
}

/// Whether valgrind is on PATH. Missing valgrind fails the test when CI is set.
pub fn valgrind() -> bool {
    static HAVE: OnceLock<bool> = OnceLock::new();
    *HAVE.get_or_init(|| {
        let have = Command::new("valgrind")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !have {
            assert!(
                std::env::var_os("CI").is_none(),
                "valgrind is not installed, and CI is set: the valgrind runs must not be skipped"
            );
            eprintln!("valgrind runs skipped: valgrind is not installed");
        }
        have
    })
}

/// Whether python3 runs; a missing python3 fails the test when CI is set.
pub fn have_python() -> bool {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 is not installed, and CI is set: the Python tests must not be skipped"
        );
        eprintln!("skipped: python3 is not installed");
    }
    ok
}

/// Runs a command, panics with its output when it fails, returns its stdout.
pub fn command_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Compiles `src` (relative to the crate root) for `variant`, once per test process.
pub fn build(src: &str, variant: Variant) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<(String, Variant), PathBuf>>> = OnceLock::new();
    let variant = match variant {
        Variant::Valgrind => Variant::Static,
        v => v,
    };
    let key = (src.to_string(), variant);
    // One lock for all builds: simple, and parallel tests then do not link the same program
    // twice.
    let mut built = BUILT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(p) = built.get(&key) {
        return p.clone();
    }
    let stem = Path::new(src).file_stem().unwrap().to_string_lossy();
    let exe = out_dir().join(format!("{stem}-{variant:?}").to_lowercase());
    let mut cmd = Command::new("cc");
    cmd.args(["-std=c99", "-D_POSIX_C_SOURCE=200809L", "-g", "-O1"])
        .args(["-Wall", "-Wextra", "-Werror", "-pedantic"])
        .arg("-I")
        .arg(root().join("include"))
        .arg(root().join(src))
        .arg("-o")
        .arg(&exe);
    link(&mut cmd, variant);
    command_ok(&mut cmd);
    built.insert(key, exe.clone());
    exe
}

/// Adds what linking against the library takes for `variant`: the shared library, or the
/// static one with its system libraries (and the sanitizers for `Sanitized`).
fn link(cmd: &mut Command, variant: Variant) {
    let libs = libs();
    match variant {
        Variant::Shared => {
            cmd.arg("-L")
                .arg(&libs.so_dir)
                .arg("-lcosv4")
                .arg("-lpthread");
        }
        Variant::Static | Variant::Sanitized | Variant::Valgrind => {
            if variant == Variant::Sanitized {
                cmd.args(["-fsanitize=address,undefined", "-fno-omit-frame-pointer"]);
                cmd.arg("-fno-sanitize-recover=all");
            }
            cmd.arg(&libs.a).args(&libs.native);
        }
    }
}

/// A program's command line for `variant` (under valgrind for Valgrind).
pub fn command(exe: &Path, variant: Variant) -> Command {
    let mut cmd = if variant == Variant::Valgrind {
        let mut c = Command::new("valgrind");
        c.args([
            "-q",
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--show-leak-kinds=definite,indirect",
        ])
        .arg(exe);
        c
    } else {
        Command::new(exe)
    };
    // The CLIs honour the proxy variables as curl does: a test's requests go to 127.0.0.1
    // directly unless the test sets one.
    for var in CLI_VARS {
        cmd.env_remove(var);
    }
    for var in PROXY_VARS {
        cmd.env_remove(var).env_remove(var.to_uppercase());
    }
    cmd.env("LD_LIBRARY_PATH", &libs().so_dir)
        .env("HOME", empty_home())
        .env("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        .env("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1");
    cmd
}

/// The variables the CLIs read (examples-c/cli_config.h): cleared in [`command`], so that a
/// test sees only what it sets. The proxy variables count in lower and upper case.
pub const CLI_VARS: [&str; 8] = [
    "COS_APPID",
    "COS_SECRET_ID",
    "COS_SECRET_KEY",
    "COS_BUCKET",
    "COS_ENDPOINT",
    "COS_REGION",
    "COS_RETRIES",
    "COS_RETRY_WINDOW",
];
pub const PROXY_VARS: [&str; 4] = ["http_proxy", "https_proxy", "all_proxy", "no_proxy"];

/// An empty directory for HOME: the CLIs read `~/.cos.conf`, and a developer's own must not
/// change what a test sees.
pub fn empty_home() -> PathBuf {
    let home = out_dir().join("empty-home");
    std::fs::create_dir_all(&home).unwrap();
    home
}

/// Builds and runs `src` for `variant` with `env`; returns the output.
pub fn run(src: &str, variant: Variant, env: &[(&str, String)]) -> Output {
    let exe = build(src, variant);
    let mut cmd = command(&exe, variant);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output()
        .unwrap_or_else(|e| panic!("run {}: {e}", exe.display()))
}

/// As [`run`], and the program must succeed; returns its stdout.
pub fn run_ok(src: &str, variant: Variant, env: &[(&str, String)]) -> String {
    let out = run(src, variant, env);
    assert!(
        out.status.success(),
        "{src} ({variant:?}) failed ({}):\n--- stdout\n{}--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An emulator and the environment a C program needs to reach it.
pub struct Emu {
    pub emu: cosv4_emulator::Emulator,
}

impl Emu {
    pub fn start() -> Emu {
        Emu::with(|_| {})
    }

    /// Folders are implicit (uploads may go into folders never created, as most tests assume);
    /// `f` may set `implicit_folders = false` for the service's rule.
    pub fn with(f: impl FnOnce(&mut cosv4_emulator::Config)) -> Emu {
        let mut cfg = cosv4_emulator::Config::new(APPID, BUCKET, SECRET_ID, SECRET_KEY);
        cfg.implicit_folders = true;
        f(&mut cfg);
        Emu {
            emu: cosv4_emulator::Emulator::start(cfg).expect("start the emulator"),
        }
    }

    /// COS_* variables for the test programs and the examples.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = credentials_env();
        env.push(("COS_ENDPOINT", self.emu.base_url()));
        env
    }
}

/// A library client for the emulator of `emu` (to check what a C program did).
pub fn library_client(emu: &Emu) -> cosv4::Client {
    let mut c = cosv4::Config::new(cosv4::Credentials::new(APPID, SECRET_ID, SECRET_KEY).unwrap());
    c.endpoint = Some(cosv4::Endpoint::BaseUrl(emu.emu.base_url()));
    cosv4::Client::new(c).unwrap()
}

/// COS_APPID, COS_SECRET_ID, COS_SECRET_KEY, COS_BUCKET (no endpoint).
pub fn credentials_env() -> Vec<(&'static str, String)> {
    vec![
        ("COS_APPID", APPID.to_string()),
        ("COS_SECRET_ID", SECRET_ID.to_string()),
        ("COS_SECRET_KEY", SECRET_KEY.to_string()),
        ("COS_BUCKET", BUCKET.to_string()),
    ]
}

/// An endpoint where nothing listens (a port just freed).
pub fn closed_endpoint() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", l.local_addr().unwrap())
}

/// A test server's loop: accepts connections on `listener` for at most `limit`, each served by
/// `serve` on a thread of its own (the connection is blocking).
pub fn serve_for(
    listener: std::net::TcpListener,
    limit: std::time::Duration,
    serve: impl Fn(std::net::TcpStream) + Send + Sync + 'static,
) {
    let serve = std::sync::Arc::new(serve);
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let end = std::time::Instant::now() + limit;
        while std::time::Instant::now() < end {
            match listener.accept() {
                Ok((conn, _)) => {
                    let _ = conn.set_nonblocking(false);
                    let serve = serve.clone();
                    std::thread::spawn(move || serve(conn));
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(std::time::Duration::from_millis(5))
                }
                Err(_) => break,
            }
        }
    });
}

/// Deterministic test content.
pub fn content(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Runs `cmd` to completion, but kills it (and panics, with what it printed so far) when it
/// takes longer than `limit`: a test must not hang on a program that blocks.
pub fn output_within(cmd: &mut Command, limit: std::time::Duration) -> Output {
    use std::io::Read;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let Some(status) = wait_or_kill(&mut child, limit) else {
        panic!(
            "{cmd:?} did not finish within {limit:?}; killed it:\n--- stdout\n{}--- stderr\n{}",
            String::from_utf8_lossy(&out.join().unwrap()),
            String::from_utf8_lossy(&err.join().unwrap())
        );
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// Waits for `child` to exit, at most `limit`: its status, or None when it took longer (it is
/// then killed and reaped).
pub fn wait_or_kill(
    child: &mut std::process::Child,
    limit: std::time::Duration,
) -> Option<std::process::ExitStatus> {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Compiles the C++ program `src` (relative to the crate root) for `variant` with
/// `c++ -std=c++11 -Wall -Wextra -Werror -pedantic`, with include/ and the directory of `src`
/// on the include path (for a header next to it, such as examples-cpp/cosv4.hpp); once per
/// test process. The C++ counterpart of [`build`].
pub fn build_cpp(src: &str, variant: Variant) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<(String, Variant), PathBuf>>> = OnceLock::new();
    let variant = match variant {
        Variant::Valgrind => Variant::Static,
        v => v,
    };
    let key = (src.to_string(), variant);
    let mut built = BUILT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(p) = built.get(&key) {
        return p.clone();
    }
    let src_path = root().join(src);
    let stem = src_path.file_stem().unwrap().to_string_lossy().into_owned();
    let exe = out_dir().join(format!("{stem}-cpp-{variant:?}").to_lowercase());
    let mut cmd = Command::new("c++");
    cmd.args(["-std=c++11", "-g", "-O1"])
        .args(["-Wall", "-Wextra", "-Werror", "-pedantic"])
        .arg("-I")
        .arg(root().join("include"))
        .arg("-I")
        .arg(src_path.parent().unwrap())
        .arg(&src_path)
        .arg("-o")
        .arg(&exe);
    link(&mut cmd, variant);
    command_ok(&mut cmd);
    built.insert(key, exe.clone());
    exe
}
