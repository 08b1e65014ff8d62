//! scripts/install.sh into a temporary prefix, its CLIs (`bin/cosv4-upload`, `bin/cosv4`) run
//! with `--version`, then examples-c/sign.c built from the installed tree: with pkg-config (or
//! the .pc file read by hand when pkg-config is missing), shared and static, and with CMake
//! when `cmake` is installed. The script installs the libraries this test run built
//! (COSV4_LIB_DIR) instead of building a release.

mod c_harness;

use c_harness::{command_ok, Emu};
use std::path::{Path, PathBuf};
use std::process::Command;

fn install() -> PathBuf {
    let prefix = c_harness::out_dir().join("install-prefix");
    let _ = std::fs::remove_dir_all(&prefix);
    let libs = c_harness::libs();
    command_ok(
        Command::new("sh")
            .arg(c_harness::root().join("scripts/install.sh"))
            .arg(&prefix)
            .env("COSV4_LIB_DIR", libs.a.parent().unwrap()),
    );
    for f in [
        "lib/libcosv4.a",
        "lib/libcosv4.so.0",
        "lib/libcosv4.so",
        "include/cosv4.h",
        "lib/pkgconfig/cosv4.pc",
        "lib/cmake/cosv4/cosv4Config.cmake",
        "lib/cmake/cosv4/cosv4ConfigVersion.cmake",
        "bin/cosv4-upload",
        "bin/cosv4",
    ] {
        assert!(prefix.join(f).exists(), "{f} was not installed");
    }
    let link = std::fs::read_link(prefix.join("lib/libcosv4.so")).unwrap();
    assert_eq!(link, Path::new("libcosv4.so.0"));
    prefix
}

/// `pkg-config <args> cosv4`, or the same answer read from the .pc file by hand.
fn pkg_config(prefix: &Path, args: &[&str]) -> Vec<String> {
    let pc_dir = prefix.join("lib/pkgconfig");
    if let Ok(out) = Command::new("pkg-config")
        .args(args)
        .arg("cosv4")
        .env("PKG_CONFIG_PATH", &pc_dir)
        .output()
    {
        assert!(
            out.status.success(),
            "pkg-config {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_string)
            .collect();
    }
    eprintln!("pkg-config is not installed: reading cosv4.pc by hand");
    let pc = PcFile::read(&pc_dir.join("cosv4.pc"));
    let mut words = Vec::new();
    if args.contains(&"--cflags") {
        words.extend(pc.field("Cflags"));
    }
    if args.contains(&"--libs") {
        words.extend(pc.field("Libs"));
        if args.contains(&"--static") {
            words.extend(pc.field("Libs.private"));
        }
    }
    words
}

/// A minimal reader of .pc files: `name=value` variables and `Field: value` lines.
struct PcFile {
    vars: Vec<(String, String)>,
    fields: Vec<(String, String)>,
}

impl PcFile {
    fn read(path: &Path) -> PcFile {
        let mut pc = PcFile {
            vars: Vec::new(),
            fields: Vec::new(),
        };
        for line in std::fs::read_to_string(path).unwrap().lines() {
            if let Some((k, v)) = line.split_once('=').filter(|(k, _)| !k.contains(':')) {
                let v = pc.expand(v);
                pc.vars.push((k.trim().into(), v));
            } else if let Some((k, v)) = line.split_once(':') {
                let v = pc.expand(v);
                pc.fields.push((k.trim().into(), v));
            }
        }
        pc
    }

    fn expand(&self, v: &str) -> String {
        let mut v = v.trim().to_string();
        for (k, val) in &self.vars {
            v = v.replace(&format!("${{{k}}}"), val);
        }
        v
    }

    fn field(&self, name: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split_whitespace().map(str::to_string))
            .collect()
    }
}

fn run_sign(exe: &Path, emu: &Emu, libdir: Option<&Path>) -> String {
    let mut cmd = Command::new(exe);
    cmd.envs(emu.env()).env_remove("LD_LIBRARY_PATH");
    if let Some(d) = libdir {
        cmd.env("LD_LIBRARY_PATH", d);
    }
    let out = command_ok(&mut cmd);
    assert!(
        out.starts_with("multi ") && out.contains("\nonce "),
        "{out}"
    );
    out
}

/// The installed CLIs answer `--version` with the library's version, without libcosv4 on the
/// library path (they are linked statically).
fn installed_clis_run(prefix: &Path) {
    for name in ["cosv4-upload", "cosv4"] {
        let exe = prefix.join("bin").join(name);
        let out = command_ok(
            Command::new(&exe)
                .arg("--version")
                .env_remove("LD_LIBRARY_PATH"),
        );
        let want = format!("{name} (libcosv4 {}, ", env!("CARGO_PKG_VERSION"));
        assert!(out.starts_with(&want), "{name} --version: {out}");
        let needed = command_ok(Command::new("readelf").arg("-d").arg(&exe));
        assert!(!needed.contains("libcosv4"), "{needed}");
    }
}

#[test]
fn installed_tree_builds_with_pkg_config_and_cmake() {
    let prefix = install();
    installed_clis_run(&prefix);
    let lib = prefix.join("lib");
    let sign = c_harness::root().join("examples-c/sign.c");
    let out = c_harness::out_dir().join("installed");
    std::fs::create_dir_all(&out).unwrap();
    let emu = Emu::start();

    // Shared: cflags + libs; runs through the SONAME link libcosv4.so.0.
    let shared = out.join("sign-shared");
    command_ok(
        Command::new("cc")
            .arg(&sign)
            .args(pkg_config(&prefix, &["--cflags", "--libs"]))
            .arg("-o")
            .arg(&shared),
    );
    run_sign(&shared, &emu, Some(&lib));
    let needed = command_ok(Command::new("readelf").arg("-d").arg(&shared));
    assert!(needed.contains("[libcosv4.so.0]"), "{needed}");

    // Static: the archive by path plus Libs.private; needs no libcosv4 at run time.
    let libs_private: Vec<String> = pkg_config(&prefix, &["--static", "--libs"])
        .into_iter()
        .filter(|w| w.starts_with("-l") && w != "-lcosv4")
        .collect();
    assert!(
        libs_private.iter().any(|l| l == "-lpthread"),
        "{libs_private:?}"
    );
    let stat = out.join("sign-static");
    command_ok(
        Command::new("cc")
            .arg(&sign)
            .args(pkg_config(&prefix, &["--cflags"]))
            .arg(lib.join("libcosv4.a"))
            .args(&libs_private)
            .arg("-o")
            .arg(&stat),
    );
    run_sign(&stat, &emu, None);
    let needed = command_ok(Command::new("readelf").arg("-d").arg(&stat));
    assert!(!needed.contains("libcosv4"), "{needed}");

    cmake_build(&prefix, &sign, &out, &emu);
}

fn cmake_build(prefix: &Path, sign: &Path, out: &Path, emu: &Emu) {
    if Command::new("cmake").arg("--version").output().is_err() {
        eprintln!("cmake is not installed: CMake package not tested");
        return;
    }
    let project = out.join("cmake-project");
    let build = out.join("cmake-build");
    let _ = std::fs::remove_dir_all(&build);
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("CMakeLists.txt"),
        format!(
            "cmake_minimum_required(VERSION 3.10)\n\
             project(cosv4_consumer C)\n\
             find_package(cosv4 {} REQUIRED)\n\
             add_executable(sign_shared \"{s}\")\n\
             target_link_libraries(sign_shared PRIVATE cosv4::cosv4)\n\
             add_executable(sign_static \"{s}\")\n\
             target_link_libraries(sign_static PRIVATE cosv4::cosv4_static)\n\
             add_custom_target(cli_versions ALL\n\
               COMMAND $<TARGET_FILE:cosv4::cli_cosv4_upload> --version\n\
               COMMAND $<TARGET_FILE:cosv4::cli_cosv4> --version)\n",
            env!("CARGO_PKG_VERSION"),
            s = sign.display()
        ),
    )
    .unwrap();
    command_ok(
        Command::new("cmake")
            .arg("-S")
            .arg(&project)
            .arg("-B")
            .arg(&build)
            .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display())),
    );
    command_ok(Command::new("cmake").arg("--build").arg(&build));
    // CMake puts the library directory in the RUNPATH of the shared build.
    run_sign(&build.join("sign_shared"), emu, None);
    run_sign(&build.join("sign_static"), emu, None);
    // An incompatible version is refused.
    std::fs::write(
        project.join("CMakeLists.txt"),
        "cmake_minimum_required(VERSION 3.10)\nproject(x C)\nfind_package(cosv4 9.0 REQUIRED)\n",
    )
    .unwrap();
    let _ = std::fs::remove_dir_all(&build);
    let status = Command::new("cmake")
        .arg("-S")
        .arg(&project)
        .arg("-B")
        .arg(&build)
        .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display()))
        .output()
        .unwrap();
    assert!(
        !status.status.success(),
        "find_package(cosv4 9.0) must fail"
    );
}

/// The README's link line against the build tree as cargo leaves it: `-Ltarget/<profile>
/// -lcosv4`, run with that directory on the library path, finds the SONAME `libcosv4.so.0`
/// there (build.rs puts the link beside the library). `cargo test` does not copy the library
/// up to `target/<profile>/` as `cargo build` does: when it is not there, the library of this
/// run goes into a directory of its own beside a copy of build.rs's link.
#[test]
fn the_build_tree_links_and_runs_as_it_is() {
    let libs = c_harness::libs();
    let profile_dir = libs.a.parent().unwrap().parent().unwrap(); // deps/ -> <profile>/
    let so0 = profile_dir.join("libcosv4.so.0");
    let target = std::fs::read_link(&so0).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; a program linked with -lcosv4 cannot start",
            so0.display()
        )
    });
    assert_eq!(target, Path::new("libcosv4.so"), "{}", so0.display());
    let dir = if profile_dir.join("libcosv4.so").is_file() {
        profile_dir.to_path_buf()
    } else {
        let dir = c_harness::out_dir().join("build-tree");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(&libs.so, dir.join("libcosv4.so")).unwrap();
        std::os::unix::fs::symlink(&target, dir.join("libcosv4.so.0")).unwrap();
        dir
    };
    let sign = c_harness::root().join("examples-c/sign.c");
    let exe = c_harness::out_dir().join("sign-build-tree");
    command_ok(
        Command::new("cc")
            .arg(format!("-I{}", c_harness::root().join("include").display()))
            .arg(&sign)
            .arg(format!("-L{}", dir.display()))
            .arg("-lcosv4")
            .arg("-o")
            .arg(&exe),
    );
    run_sign(&exe, &Emu::start(), Some(&dir));
}
