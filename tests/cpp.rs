//! The C library from C++: examples-cpp/upload.cpp (using the header-only RAII wrapper
//! examples-cpp/cosv4.hpp) is compiled with `c++ -std=c++11 -Wall -Wextra -Werror -pedantic`
//! against the static and the shared library cargo built next to this test, and run against
//! an in-process emulator: statically and dynamically linked, with AddressSanitizer +
//! UndefinedBehaviorSanitizer, and under valgrind when it is installed (required when the
//! environment variable CI is set, as for the C tests).

mod c_harness;

use c_harness::{Emu, Variant};
use std::process::Command;
use std::time::{Duration, Instant};

const PROGRAM: &str = "examples-cpp/upload.cpp";

#[test]
fn wrapper_header_compiles_alone_as_cxx11_and_cxx17() {
    let root = c_harness::root();
    for std in ["-std=c++11", "-std=c++14", "-std=c++17"] {
        c_harness::command_ok(
            Command::new("c++")
                .args([
                    std,
                    "-Wall",
                    "-Wextra",
                    "-Werror",
                    "-pedantic",
                    "-fsyntax-only",
                ])
                .arg("-I")
                .arg(root.join("include"))
                .args(["-x", "c++"])
                .arg(root.join("examples-cpp/cosv4.hpp")),
        );
    }
}

/// Runs the example for `variant` with the emulator's environment and `args`; returns (exit
/// code, stdout, stderr).
fn upload(
    variant: Variant,
    env: &[(&str, String)],
    args: &[&str],
) -> (Option<i32>, String, String) {
    let exe = c_harness::build_cpp(PROGRAM, variant);
    let mut cmd = c_harness::command(&exe, variant);
    cmd.envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .args(args);
    let out = c_harness::output_within(&mut cmd, Duration::from_secs(120));
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn example_uploads_reports_progress_rethrows_and_resumes() {
    // 5 MiB in 10 slices of 512 KiB (simple uploads only up to 1 MiB here), 2 at a time.
    let dir = c_harness::out_dir().join("cpp-data");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("five.bin");
    let data = c_harness::content(5 << 20, 21);
    std::fs::write(&file, &data).unwrap();
    let file = file.display().to_string();
    // Other content for the interrupted upload (the same content would be an instant copy).
    let stop_file = dir.join("five-stop.bin");
    let stop_data = c_harness::content(5 << 20, 22);
    std::fs::write(&stop_file, &stop_data).unwrap();
    let stop_file = stop_file.display().to_string();
    let tuning = [
        "--slice-size",
        "524288",
        "--simple-threshold",
        "1048576",
        "--threads",
        "2",
    ];
    let args_for = |local: &str, extra: &[&'static str], path: &'static str| -> Vec<String> {
        let mut v: Vec<String> = tuning.iter().chain(extra).map(|s| s.to_string()).collect();
        v.push(local.to_string());
        v.push(path.to_string());
        v
    };
    let args = |extra: &[&'static str], path: &'static str| args_for(&file, extra, path);
    for v in Variant::all() {
        let t = Instant::now();
        // Each slice answered after 40 ms: long enough for progress events (at most one per
        // 50 ms) to arrive while slices are in flight.
        let emu = Emu::with(|c| c.faults.delay_ms = 40);
        let env = emu.env();
        let run = |a: Vec<String>| {
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            upload(v, &env, &a)
        };

        // A plain upload: progress by phase and 10 % step, then the access URL.
        let (code, out, err) = run(args(&[], "/cpp/five.bin"));
        assert_eq!(code, Some(0), "{v:?}:\n{out}{err}");
        assert!(out.contains("hashing "), "{v:?}: {out}");
        assert!(out.contains("uploading "), "{v:?}: {out}");
        assert!(
            out.contains("done 100% (5242880/5242880 bytes, 10/10 slices)"),
            "{v:?}: {out}"
        );
        assert!(
            out.contains("uploaded /cpp/five.bin (5242880 bytes, slices, 10 slices)"),
            "{v:?}: {out}"
        );
        let url = out
            .lines()
            .find_map(|l| l.strip_prefix("access_url "))
            .unwrap_or_else(|| panic!("{v:?}: no access_url line: {out}"));
        assert!(
            url.starts_with("http://") && url.ends_with("/cpp/five.bin"),
            "{url}"
        );
        assert!(
            emu.emu.object("/cpp/five.bin") == Some(data.clone()),
            "{v:?}"
        );
        if v == Variant::Valgrind {
            // Once is enough under valgrind (slow); the sanitized build covers the rest.
            emu.emu.stop();
            eprintln!("upload.cpp {v:?}: {:.1?}", t.elapsed());
            continue;
        }

        // An exception thrown in the progress callback stops the upload, crosses back over
        // the C library only as a return value, and is rethrown in C++; a rerun resumes.
        let (code, out, err) = run(args_for(
            &stop_file,
            &["--stop-after", "1"],
            "/cpp/stopped.bin",
        ));
        assert_eq!(code, Some(3), "{v:?}:\n{out}{err}");
        assert!(err.contains("upload: stopped after "), "{v:?}: {err}");
        assert!(emu.emu.object("/cpp/stopped.bin").is_none());
        let (code, out, err) = run(args_for(&stop_file, &[], "/cpp/stopped.bin"));
        assert_eq!(code, Some(0), "{v:?}:\n{out}{err}");
        assert!(out.contains(", resumed, 10 slices)"), "{v:?}: {out}");
        assert!(emu.emu.object("/cpp/stopped.bin") == Some(stop_data.clone()));

        // Other content at the path: cosv4::Error with the service's details, exit 1.
        let (code, _, err) = run(args(&[], "/cpp/five.bin"));
        assert_eq!(code, Some(0), "the same content again is fine: {err}");
        emu.emu.put_object("/cpp/other.bin", b"other content");
        let (code, _, err) = run(args(&[], "/cpp/other.bin"));
        assert_eq!(code, Some(1), "{v:?}: {err}");
        assert!(
            err.contains("COSV4_RESULT_FILE_EXISTS") && err.contains("COS code -177"),
            "{v:?}: {err}"
        );
        assert!(emu.emu.object("/cpp/other.bin") == Some(b"other content".to_vec()));
        emu.emu.stop();
        eprintln!("upload.cpp {v:?}: {:.1?}", t.elapsed());
    }
}

#[test]
fn example_reports_auth_and_usage_errors() {
    let emu = Emu::start();
    let dir = c_harness::out_dir().join("cpp-data");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("small.bin");
    std::fs::write(&file, b"small").unwrap();
    let file = file.display().to_string();
    for v in [Variant::Static, Variant::Shared] {
        let mut bad = emu.env();
        bad.retain(|(k, _)| *k != "COS_SECRET_KEY");
        bad.push(("COS_SECRET_KEY", "wrong".into()));
        let (code, out, err) = upload(v, &bad, &[&file, "/cpp/denied.bin"]);
        assert_eq!(code, Some(1), "{v:?}:\n{out}{err}");
        assert!(
            err.contains("COSV4_RESULT_AUTH (HTTP 403, COS code -97, request id "),
            "{v:?}: {err}"
        );
        assert!(!err.contains("request id none"), "a request id: {err}");
        // A cos path without '/' and an unsupported slice size: usage errors (exit 2).
        let (code, _, err) = upload(v, &emu.env(), &[&file, "no-slash"]);
        assert_eq!(code, Some(2), "{v:?}: {err}");
        assert!(err.contains("COSV4_RESULT_INVALID_PATH"), "{v:?}: {err}");
        let (code, _, err) = upload(v, &emu.env(), &["--slice-size", "1000", &file, "/cpp/x"]);
        assert_eq!(code, Some(2), "{v:?}: {err}");
        assert!(err.contains("COSV4_RESULT_INVALID_CONFIG"), "{v:?}: {err}");
        assert!(emu.emu.object("/cpp/denied.bin").is_none());
    }
}
