//! The C library from Python: runs the unittest suite of the ctypes binding
//! (`python/tests/test_cosv4.py` and `test_sync.py`, loading `python/cosv4.py`) with the
//! `libcosv4.so` cargo built next to this test and the `cosv4-emulator` binary of the same
//! profile and target directory
//! (built here when it is missing or stale: cargo releases its lock while tests run), and
//! `python/tests/test_header.py`, which checks the module's prototypes, enums and structures
//! against `include/cosv4.h`.
//!
//! Without python3 the test is skipped with a message, except when the environment variable
//! CI is set: then it fails.

mod c_harness;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The `cosv4-emulator` binary: `COSV4_EMULATOR` when set, else the one of this test's target
/// directory and profile after `cargo build -p cosv4-emulator` (a no-op when it is fresh).
fn emulator_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("COSV4_EMULATOR") {
        return PathBuf::from(p);
    }
    // <target>/<profile>/deps/python-<hash>
    let exe = std::env::current_exe().expect("the test executable's path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("profile dir");
    let target_dir = profile_dir.parent().expect("target dir");
    let profile = profile_dir.file_name().unwrap().to_string_lossy();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(c_harness::root())
        .args([
            "build",
            "--quiet",
            "-p",
            "cosv4-emulator",
            "--bin",
            "cosv4-emulator",
        ])
        .env("CARGO_TARGET_DIR", target_dir);
    // Not the variables cargo set for this test: build scripts that watch them (ring's watches
    // CARGO_MANIFEST_DIR) would rebuild, here and again in the next plain cargo build.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key == "CARGO_MANIFEST_DIR"
            || key == "CARGO_MANIFEST_PATH"
            || key == "CARGO_CRATE_NAME"
            || key == "CARGO_PRIMARY_PACKAGE"
            || key == "CARGO_TARGET_TMPDIR"
            || key == "OUT_DIR"
            || key.starts_with("CARGO_PKG_")
            || key.starts_with("CARGO_BIN_")
        {
            cmd.env_remove(key.as_ref());
        }
    }
    match profile.as_ref() {
        "debug" => {}
        "release" => {
            cmd.arg("--release");
        }
        other => {
            cmd.args(["--profile", other]);
        }
    }
    let t = Instant::now();
    c_harness::command_ok(&mut cmd);
    eprintln!("cargo build -p cosv4-emulator: {:.1?}", t.elapsed());
    let bin = profile_dir.join("cosv4-emulator");
    assert!(bin.is_file(), "no emulator at {}", bin.display());
    bin
}

#[test]
fn python_binding_unittests() {
    if !c_harness::have_python() {
        return;
    }
    let lib = &c_harness::libs().so;
    let emulator = emulator_binary();
    let t = Instant::now();
    let out = c_harness::output_within(
        Command::new("python3")
            .current_dir(c_harness::root())
            .args(["-m", "unittest", "discover", "-s", "python/tests", "-v"])
            .env("COSV4_LIB", lib)
            .env("COSV4_EMULATOR", &emulator)
            // No stray bytecode caches in the source tree.
            .env("PYTHONDONTWRITEBYTECODE", "1"),
        Duration::from_secs(120),
    );
    let text = format!(
        "--- stdout\n{}--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "python unittest failed ({}):\n{text}",
        out.status
    );
    // unittest reports on stderr; make sure the suite ran and nothing was skipped silently.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("\nOK"), "{text}");
    assert!(!stderr.contains("skipped"), "tests were skipped:\n{text}");
    // The header checks were discovered too (python/tests/test_header.py).
    assert!(
        stderr.contains("test_prototypes_match_the_header")
            && stderr.contains("test_enums_match_the_header"),
        "python/tests/test_header.py did not run:\n{text}"
    );
    eprintln!("python unittests: {:.1?}\n{stderr}", t.elapsed());
}

/// `pip install ./python` installs the module (python/pyproject.toml; setuptools comes from
/// the package index through pip's build isolation), and the installed module finds the
/// library through `COSV4_LIB` and answers `version()`.
#[test]
fn pip_installs_the_module() {
    if !c_harness::have_python() {
        return;
    }
    let target = c_harness::out_dir().join("pip-target");
    let _ = std::fs::remove_dir_all(&target);
    // From a copy: setuptools builds in the source folder (build/, *.egg-info).
    let source = c_harness::out_dir().join("pip-source");
    let _ = std::fs::remove_dir_all(&source);
    std::fs::create_dir_all(&source).unwrap();
    for name in ["pyproject.toml", "cosv4.py"] {
        std::fs::copy(
            c_harness::root().join("python").join(name),
            source.join(name),
        )
        .unwrap();
    }
    let out = Command::new("python3")
        .args(["-m", "pip", "install", "--quiet", "--no-deps", "--target"])
        .arg(&target)
        .arg(&source)
        .output()
        .expect("run python3 -m pip");
    assert!(
        out.status.success(),
        "pip install ./python failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(target.join("cosv4.py").is_file());
    let dist = format!("cosv4-{}.dist-info", env!("CARGO_PKG_VERSION"));
    assert!(
        target.join(&dist).is_dir(),
        "no {dist}: python/pyproject.toml's version is not the library's"
    );
    // Not the source tree's module: run from the target, with nothing else on the path.
    let out = Command::new("python3")
        .args(["-I", "-c", "import sys; sys.path.insert(0, sys.argv[1]); import cosv4; print(cosv4.version()); print(cosv4.__file__)"])
        .arg(&target)
        .env("COSV4_LIB", &c_harness::libs().so)
        .current_dir(&target)
        .output()
        .expect("run python3");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.starts_with(env!("CARGO_PKG_VERSION")), "{text}");
    assert!(text.contains("pip-target"), "{text}");
}
