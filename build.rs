//! Generates `include/cosv4.h` from `src/ffi` with cbindgen (our own sources only, no
//! `cargo metadata`), sets the SONAME of the shared library and puts its link beside it.
//!
//! The header is written only when its content changed, through a temporary file and a rename,
//! so a build never leaves a half-written header and never touches an up-to-date one (which
//! would make the `rerun-if-changed` below loop). cbindgen's warnings become cargo warnings.

use std::path::Path;

/// Forwards cbindgen's `log` records to cargo (`cargo:warning=`), which drops plain stderr.
struct CargoLogger;

impl log::Log for CargoLogger {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.level() <= log::Level::Warn
    }
    fn log(&self, r: &log::Record<'_>) {
        let text = r.args().to_string();
        // Private items of the FFI module (tables, constants) are skipped by design.
        let expected = text.starts_with("Skip ") && text.ends_with("(not `pub`).");
        if self.enabled(r.metadata()) && !expected {
            for line in text.lines() {
                println!("cargo:warning=cbindgen {}: {line}", r.level());
            }
        }
    }
    fn flush(&self) {}
}

static LOGGER: CargoLogger = CargoLogger;

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=include/cosv4.h");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libcosv4.so.0");
    soname_link();

    let _ = log::set_logger(&LOGGER).map(|()| log::set_max_level(log::LevelFilter::Warn));

    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&root);
    let mut config = cbindgen::Config::from_file(root.join("cbindgen.toml"))
        .unwrap_or_else(|e| panic!("cbindgen.toml: {e}"));
    config.after_includes = Some(version_macros());
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        // Only the FFI module (it follows its `mod` declarations): the core's public items
        // must not leak into the header.
        .with_src(root.join("src/ffi/mod.rs"))
        .generate()
        .unwrap_or_else(|e| panic!("cbindgen could not generate include/cosv4.h: {e}"));
    let mut text = Vec::new();
    bindings.write(&mut text);
    write_if_changed(&root.join("include/cosv4.h"), &text);
}

/// Puts the SONAME link `libcosv4.so.0 -> libcosv4.so` beside the library cargo builds
/// (`target/<profile>/`, three levels above `OUT_DIR`), so that a program linked with
/// `-Ltarget/release -lcosv4` finds `libcosv4.so.0` there at run time (rpath or
/// LD_LIBRARY_PATH), as it would in an installed prefix. Made before the library is linked: the
/// link names its target relatively and resolves once cargo writes `libcosv4.so`.
fn soname_link() {
    let Ok(out) = std::env::var("OUT_DIR") else {
        return;
    };
    let Some(dir) = Path::new(&out).ancestors().nth(3) else {
        return;
    };
    let link = dir.join("libcosv4.so.0");
    if std::fs::read_link(&link).is_ok_and(|t| t == Path::new("libcosv4.so")) {
        return;
    }
    let _ = std::fs::remove_file(&link);
    if let Err(e) = std::os::unix::fs::symlink("libcosv4.so", &link) {
        println!("cargo:warning=could not make {}: {e}", link.display());
    }
}

/// `COSV4_VERSION_*` from Cargo.toml's version (curl's `LIBCURL_VERSION_NUM` layout).
fn version_macros() -> String {
    let part = |name: &str| -> u32 {
        let v = std::env::var(name).unwrap_or_else(|_| panic!("cargo sets {name}"));
        v.parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a number"))
    };
    let (major, minor, patch) = (
        part("CARGO_PKG_VERSION_MAJOR"),
        part("CARGO_PKG_VERSION_MINOR"),
        part("CARGO_PKG_VERSION_PATCH"),
    );
    assert!(
        major < 256 && minor < 256 && patch < 256,
        "version parts must fit a byte"
    );
    format!(
        "\n/** Version of this header: major, minor, patch (compare with cosv4_version()). */\n\
         #define COSV4_VERSION_MAJOR {major}\n\
         #define COSV4_VERSION_MINOR {minor}\n\
         #define COSV4_VERSION_PATCH {patch}\n\
         /** The version as one number, 0xMMmmpp (e.g. 0x000100 for 0.1.0), for `#if` checks. */\n\
         #define COSV4_VERSION_NUM 0x{:06x}\n\
         /** The version as a string literal. */\n\
         #define COSV4_VERSION_STRING \"{major}.{minor}.{patch}\"",
        (major << 16) | (minor << 8) | patch
    )
}

/// Replaces `path` with `content` atomically, and only when the content differs.
fn write_if_changed(path: &Path, content: &[u8]) {
    if std::fs::read(path).ok().as_deref() == Some(content) {
        return;
    }
    let dir = path.parent().expect("the header path has a directory");
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    let tmp = dir.join(format!(".cosv4.h.{}.tmp", std::process::id()));
    std::fs::write(&tmp, content).unwrap_or_else(|e| panic!("write {}: {e}", tmp.display()));
    std::fs::rename(&tmp, path).unwrap_or_else(|e| {
        let _ = std::fs::remove_file(&tmp);
        panic!("rename {} to {}: {e}", tmp.display(), path.display())
    });
}
