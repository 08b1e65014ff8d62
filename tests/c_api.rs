//! The C API from C: test programs in tests/c/ (and the examples in examples-c/) are compiled
//! with `cc` against the static and the shared library that cargo built next to this test, run
//! against an in-process emulator, and again under valgrind (when present) and with
//! AddressSanitizer + UndefinedBehaviorSanitizer.
//!
//! Valgrind: when it is missing the valgrind runs are skipped with a message, except when the
//! environment variable CI is set: then the test fails.

mod c_harness;

use c_harness::{Emu, Variant};
use std::path::PathBuf;
use std::time::Instant;

#[test]
fn header_compiles_alone_as_c99_and_cxx11() {
    let h = c_harness::root().join("include/cosv4.h");
    for (cc, std, lang) in [
        ("cc", "-std=c99", "c"),
        ("cc", "-std=c11", "c"),
        ("c++", "-std=c++11", "c++"),
        ("c++", "-std=c++17", "c++"),
    ] {
        c_harness::command_ok(
            std::process::Command::new(cc)
                .args([
                    std,
                    "-Wall",
                    "-Wextra",
                    "-Werror",
                    "-pedantic",
                    "-fsyntax-only",
                ])
                .args(["-x", lang])
                .arg(&h),
        );
    }
}

#[test]
fn header_matches_the_committed_one() {
    // The build just regenerated include/cosv4.h; it must be what is committed (an untracked
    // header, before the first commit, passes).
    let root = c_harness::root();
    match std::process::Command::new("git")
        .current_dir(&root)
        .args(["diff", "--exit-code", "--stat", "--", "include/cosv4.h"])
        .output()
    {
        Ok(out) if out.status.code() == Some(1) => panic!(
            "include/cosv4.h differs from the committed header; commit the regenerated one:\n{}",
            String::from_utf8_lossy(&out.stdout)
        ),
        Ok(_) => {}
        Err(e) => eprintln!("skipped: git is not available ({e})"),
    }
}

#[test]
fn shared_library_exports_only_cosv4_symbols() {
    let libs = c_harness::libs();
    let out = c_harness::command_ok(
        std::process::Command::new("nm")
            .args(["-D", "--defined-only"])
            .arg(&libs.so),
    );
    let names: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    assert!(names.len() > 50, "too few exports: {names:?}");
    let foreign: Vec<_> = names.iter().filter(|n| !n.starts_with("cosv4_")).collect();
    assert!(
        foreign.is_empty(),
        "exported symbols without the cosv4_ prefix: {foreign:?}"
    );
    let soname = c_harness::command_ok(
        std::process::Command::new("readelf")
            .arg("-d")
            .arg(&libs.so),
    );
    assert!(
        soname.contains("[libcosv4.so.0]"),
        "no SONAME libcosv4.so.0:\n{soname}"
    );
}

#[test]
fn arguments_nulls_utf8_versions_signing() {
    let version = cargo_version();
    let mut env = c_harness::credentials_env();
    env.push(("COS_ENDPOINT", c_harness::closed_endpoint()));
    for v in Variant::all() {
        let t = Instant::now();
        let out = c_harness::run_ok("tests/c/api_args.c", v, &env);
        eprintln!("api_args {v:?}: {:.1?}", t.elapsed());
        assert!(
            out.contains(&format!("VERSION {version}\n")),
            "{v:?}: {out}"
        );
        assert!(out.contains("api_args OK"), "{v:?}: {out}");
    }
}

/// The version in Cargo.toml, read from the file itself (not from the build's environment).
fn cargo_version() -> String {
    let toml = std::fs::read_to_string(c_harness::root().join("Cargo.toml")).unwrap();
    let package = toml.split("[package]").nth(1).expect("a [package] table");
    let line = package
        .lines()
        .find(|l| l.trim_start().starts_with("version"))
        .expect("a version line");
    let v = line
        .split('"')
        .nth(1)
        .expect("a quoted version")
        .to_string();
    assert_eq!(v, env!("CARGO_PKG_VERSION"));
    v
}

/// Writes `len` bytes of test content to a file of its own and returns the path and content.
fn test_file(name: &str, len: usize, seed: u64) -> (PathBuf, Vec<u8>) {
    let dir = c_harness::out_dir().join("data");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let data = c_harness::content(len, seed);
    std::fs::write(&path, &data).unwrap();
    (path, data)
}

/// Checks every "OBJECT <path>" a program printed against `expected(path)`.
fn check_objects(emu: &Emu, out: &str, expected: impl Fn(&str) -> Vec<u8>) -> usize {
    let mut n = 0;
    for path in out.lines().filter_map(|l| l.strip_prefix("OBJECT ")) {
        let stored = emu
            .emu
            .object(path)
            .unwrap_or_else(|| panic!("no object at {path}"));
        let want = expected(path);
        assert!(
            stored == want,
            "{path}: {} bytes stored, {} expected, content differs",
            stored.len(),
            want.len()
        );
        n += 1;
    }
    n
}

#[test]
fn uploads_progress_abort_recursion_auth_threads() {
    // 3 slices of 512 KiB, the last one short.
    let (file, data) = test_file("upload.bin", 1_300_000, 1);
    for v in Variant::all() {
        let t = Instant::now();
        let emu = Emu::start();
        let mut env = emu.env();
        env.push(("COS_TEST_FILE", file.display().to_string()));
        let out = c_harness::run_ok("tests/c/api_upload.c", v, &env);
        assert!(out.contains("api_upload OK"), "{v:?}: {out}");
        let n = check_objects(&emu, &out, |p| match p {
            "/c/small.txt" => b"second small content".to_vec(),
            _ => data.clone(),
        });
        assert_eq!(n, 3, "{out}");
        for i in 0..4u8 {
            let len = 100_000 + usize::from(i) * 1000;
            let want: Vec<u8> = (0..len).map(|j| (j * 7 + usize::from(i)) as u8).collect();
            assert!(
                emu.emu.object(&format!("/c/thread-{i}.bin")) == Some(want),
                "thread {i}"
            );
        }
        assert!(emu.emu.object("/c/recursive.bin").is_none());
        assert!(emu.emu.object("/c/abort.bin").is_none());
        assert!(out.contains("auth: http 403 cos -97"), "{out}");
        emu.emu.stop();
        eprintln!("api_upload {v:?}: {:.1?}", t.elapsed());
    }
}

#[test]
fn cancel_from_another_thread_is_prompt_and_resumable() {
    // 4 slices, one at a time, each answered after 300 ms.
    let (file, data) = test_file("cancel.bin", 4 * 524_288 - 1000, 2);
    for v in Variant::all() {
        let t = Instant::now();
        let emu = Emu::with(|c| c.faults.delay_ms = 300);
        let mut env = emu.env();
        env.push(("COS_TEST_FILE", file.display().to_string()));
        env.push(("COS_TEST_WORKERS", "1".into()));
        let out = c_harness::run_ok("tests/c/api_cancel.c", v, &env);
        assert!(out.contains("api_cancel OK"), "{v:?}: {out}");
        let latency: f64 = out
            .lines()
            .find_map(|l| l.strip_prefix("CANCEL_LATENCY_MS "))
            .and_then(|s| s.trim().parse().ok())
            .expect("a latency line");
        let limit = if v == Variant::Valgrind {
            3000.0
        } else {
            1000.0
        };
        assert!(latency < limit, "{v:?}: cancel took {latency} ms");
        assert_eq!(check_objects(&emu, &out, |_| data.clone()), 1);
        emu.emu.stop();
        eprintln!(
            "api_cancel {v:?}: {:.1?} (cancel latency {latency} ms)",
            t.elapsed()
        );
    }
}

const CLI: &str = "examples-c/cosv4-upload.c";

/// An emulator with the service's rule (an upload's folder must exist): the CLI creates the
/// missing folders itself, by default.
fn enforcing(f: impl FnOnce(&mut cosv4_emulator::Config)) -> Emu {
    Emu::with(|c| {
        c.implicit_folders = false;
        f(c)
    })
}

/// Runs the CLI example with `args`; returns (exit code, stdout, stderr).
fn cli(v: Variant, env: &[(&str, String)], args: &[&str]) -> (i32, String, String) {
    let exe = c_harness::build(CLI, v);
    let out = c_harness::command(&exe, v)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .args(args)
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("not one JSON object ({e}): {stdout}"))
}

#[test]
fn example_sign_prints_signatures() {
    let emu = Emu::start();
    for v in [Variant::Static, Variant::Shared] {
        let out = c_harness::run_ok("examples-c/sign.c", v, &emu.env());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(
            lines[0].starts_with("multi ") && lines[1].starts_with("once "),
            "{out}"
        );
        assert!(lines.iter().all(|l| l.len() > 60), "{out}");
    }
}

#[test]
fn example_cli_options_json_and_errors() {
    let (file, data) = test_file("cli.bin", 1_300_000, 3);
    let file = file.display().to_string();
    let path = "/cli/quote\"and é.bin";
    for v in Variant::all() {
        let t = Instant::now();
        let emu = enforcing(|_| {});
        let env = emu.env();
        let (code, out, _) = cli(v, &env, &["--help"]);
        assert!(code == 0 && out.contains("usage: cosv4-upload"), "{out}");
        let (code, out, _) = cli(v, &env, &["--version"]);
        assert!(code == 0 && out.contains(&format!("libcosv4 {}", env!("CARGO_PKG_VERSION"))));
        assert_eq!(cli(v, &env, &["--bogus", "a", "/b"]).0, 2);
        assert_eq!(cli(v, &env, &["only-one"]).0, 2);
        assert_eq!(cli(v, &env, &["--threads", "99", &file, "/x"]).0, 2);
        assert_eq!(
            cli(v, &env, &[&file, "no-slash"]).0,
            2,
            "an invalid path is a usage error"
        );

        let (code, out, err) = cli(v, &env, &["--json", "--biz-attr", "a \"b\"", &file, path]);
        assert_eq!(code, 0, "{out}{err}");
        let j = json(&out);
        assert_eq!(j["ok"], true);
        assert_eq!(j["cos_path"], path);
        assert_eq!(j["bytes_total"], 1_300_000);
        assert_eq!(j["method"], "simple");
        assert!(emu.emu.object(path) == Some(data.clone()));
        // Not a terminal and not quiet: progress lines go to stderr.
        assert!(err.contains("done 100%"), "{err}");

        // Other content at the same path: refused, then overwritten on request.
        let (other, other_data) = test_file("cli-other.bin", 1000, 4);
        let other = other.display().to_string();
        let (code, out, err) = cli(v, &env, &["--quiet", "--json", &other, path]);
        assert_eq!(code, 1, "{out}{err}");
        assert_eq!(json(&out)["result_name"], "COSV4_RESULT_FILE_EXISTS");
        assert_eq!(json(&out)["cos_code"], -177);
        assert_eq!(err.lines().count(), 1, "one stderr line: {err}");
        let (code, _, err) = cli(v, &env, &["--quiet", "--overwrite", &other, path]);
        assert_eq!(code, 0, "{err}");
        assert!(emu.emu.object(path) == Some(other_data));

        // A wrong secret key: one line naming the code, the COS code and the HTTP status.
        let mut bad = env.clone();
        bad.retain(|(k, _)| *k != "COS_SECRET_KEY");
        bad.push(("COS_SECRET_KEY", "wrong".into()));
        let (code, out, err) = cli(v, &bad, &["--quiet", "--json", &file, "/cli/denied"]);
        assert_eq!(code, 1, "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("COSV4_RESULT_AUTH") && err.contains("-97") && err.contains("403"),
            "{err}"
        );
        let j = json(&out);
        assert_eq!(
            (j["ok"].clone(), j["http_status"].clone()),
            (false.into(), 403.into())
        );
        assert_eq!(j["cos_code"], -97);
        emu.emu.stop();
        eprintln!("cli {v:?}: {:.1?}", t.elapsed());
    }
}

#[test]
fn example_cli_interrupt_exits_130_and_rerun_resumes() {
    use std::io::{BufRead, BufReader};
    // Above the 8 MiB simple-upload threshold: 18 slices of 512 KiB, one at a time, 200 ms each.
    let (file, data) = test_file("cli-big.bin", 9_000_000, 5);
    let file = file.display().to_string();
    let emu = enforcing(|c| c.faults.delay_ms = 200);
    let args = [
        "--slice-size",
        "524288",
        "--threads",
        "1",
        &file,
        "/cli/big.bin",
    ];
    for v in [Variant::Static, Variant::Sanitized] {
        let exe = c_harness::build(CLI, v);
        let mut child = c_harness::command(&exe, v)
            .envs(emu.env())
            .args(args)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        // Wait until slices are being sent, then press Ctrl-C.
        let mut seen = Vec::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            let uploading = line.starts_with("uploading 1") || line.starts_with("uploading 2");
            seen.push(line);
            if uploading {
                break;
            }
        }
        let t = Instant::now();
        c_harness::command_ok(
            // The shell's own `kill`: a fresh machine may lack procps' /bin/kill.
            std::process::Command::new("sh").args(["-c", &format!("kill -INT {}", child.id())]),
        );
        let status = child.wait().unwrap();
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        assert_eq!(status.code(), Some(130), "{v:?}: {seen:?} {rest:?}");
        assert!(
            t.elapsed().as_secs_f64() < 2.0,
            "cancel took {:?}",
            t.elapsed()
        );
        assert!(
            rest.iter().any(|l| l.contains("COSV4_RESULT_CANCELLED")),
            "{rest:?}"
        );
        assert!(emu.emu.object("/cli/big.bin").is_none());

        let (code, out, err) = cli(v, &emu.env(), &[&["--json", "--quiet"], &args[..]].concat());
        assert_eq!(code, 0, "{err}");
        let j = json(&out);
        assert_eq!(j["resumed"], true, "{out}");
        assert!(j["slices_skipped"].as_u64().unwrap() > 0, "{out}");
        assert!(emu.emu.object("/cli/big.bin") == Some(data.clone()));
        // The next round starts from scratch.
        break_object(&emu, "/cli/big.bin");
    }
}

/// Issue 10 through the CLI: an upload whose finish the service never confirms is a failure
/// (it was reported `"ok":true` with an empty access_url), and `--replace-stale` without
/// `--overwrite` never deletes a finished object.
#[test]
fn example_cli_reports_only_confirmed_uploads_and_keeps_protected_objects() {
    let (file, _) = test_file("cli-unfinished.bin", 9_000_000, 6);
    let file = file.display().to_string();
    let v = Variant::Static;
    let emu = enforcing(|c| c.finish_unavailable = u32::MAX);
    let (code, out, err) = cli(v, &emu.env(), &["--json", "--quiet", &file, "/cli/u.bin"]);
    assert_eq!(code, 1, "{out}{err}");
    let j = json(&out);
    assert_eq!(
        (j["ok"].clone(), j["cos_code"].clone()),
        (false.into(), (-71).into())
    );
    assert!(emu.emu.object("/cli/u.bin").is_none());

    let emu = enforcing(|c| c.faults.delay_ms = 20);
    let v1 = c_harness::content(9_000_000, 7);
    emu.emu.put_object("/cli/keep.bin", &v1);
    let client = c_harness::library_client(&emu);
    let opts = cosv4::UploadOptions {
        insert_only: false,
        ..Default::default()
    };
    let mut stop = |p: &cosv4::Progress| {
        if p.slices_done >= 2 {
            std::ops::ControlFlow::Break(())
        } else {
            std::ops::ControlFlow::Continue(())
        }
    };
    let v2 = c_harness::content(9_000_000, 8);
    let e = client
        .upload_bytes_with_progress(c_harness::BUCKET, "/cli/keep.bin", &v2, &opts, &mut stop)
        .unwrap_err();
    assert_eq!(e.kind(), cosv4::ErrorKind::Aborted, "{e}");
    let args = [
        "--json",
        "--quiet",
        "--replace-stale",
        &file,
        "/cli/keep.bin",
    ];
    let (code, out, err) = cli(v, &emu.env(), &args);
    assert_eq!(code, 1, "{out}{err}");
    let j = json(&out);
    assert_eq!(j["result_name"], "COSV4_RESULT_FILE_EXISTS", "{out}");
    assert_eq!(j["cos_code"], -177);
    assert!(
        emu.emu.object("/cli/keep.bin") == Some(v1),
        "the protected object was lost"
    );
}

/// The CLI creates the missing folders of the path by default (after one stat when the folder
/// exists), and `--no-create-parents` leaves the service's -197 error.
#[test]
fn example_cli_creates_missing_folders_unless_told_not_to() {
    let (file, data) = test_file("cli-parents.bin", 5000, 9);
    let file = file.display().to_string();
    let v = Variant::Static;
    let emu = enforcing(|_| {});
    let (code, out, _) = cli(v, &emu.env(), &["--help"]);
    assert!(code == 0 && out.contains("--no-create-parents"), "{out}");

    let (code, out, err) = cli(
        v,
        &emu.env(),
        &["--json", "--quiet", &file, "/new/dir/f.bin"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(json(&out)["ok"], true);
    assert!(emu.emu.object("/new/dir/f.bin") == Some(data.clone()));
    let creates: Vec<String> = emu
        .emu
        .log()
        .iter()
        .filter(|e| e.op == "create" && e.status == 200)
        .map(|e| e.path.clone())
        .collect();
    assert_eq!(creates, ["/new/", "/new/dir/"]);

    // Into the folder that exists now: one stat, no create.
    emu.emu.clear_log();
    let (code, _, err) = cli(v, &emu.env(), &["--quiet", &file, "/new/dir/g.bin"]);
    assert_eq!(code, 0, "{err}");
    let ops: Vec<String> = emu.emu.log().iter().map(|e| e.op.clone()).collect();
    assert_eq!(ops, ["stat", "upload"]);

    let args = [
        "--json",
        "--quiet",
        "--no-create-parents",
        &file,
        "/other/dir/f.bin",
    ];
    let (code, out, err) = cli(v, &emu.env(), &args);
    assert_eq!(code, 1, "{out}{err}");
    let j = json(&out);
    assert_eq!(j["result_name"], "COSV4_RESULT_SERVICE", "{out}");
    assert_eq!(
        (j["cos_code"].clone(), j["http_status"].clone()),
        ((-197).into(), 404.into())
    );
    assert!(err.contains("create_parents"), "{err}");
    assert!(emu.emu.object("/other/dir/f.bin").is_none());
    assert!(emu.emu.log().iter().all(|e| e.op != "create"));
}

/// Removes an object so the next round uploads it again (a delete through the library).
fn break_object(emu: &Emu, path: &str) {
    c_harness::library_client(emu)
        .delete(c_harness::BUCKET, path)
        .unwrap();
}
