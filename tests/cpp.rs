//! The C library from C++: the header-only RAII wrapper examples-cpp/cosv4.hpp (and its parts
//! cosv4_*.hpp) and the examples over it, upload.cpp, batch.cpp and objects.cpp, compiled with
//! `c++ -std=c++11 -Wall -Wextra -Werror -pedantic` against the static and the shared library
//! cargo built next to this test, and run against an in-process emulator: statically and
//! dynamically linked, with AddressSanitizer + UndefinedBehaviorSanitizer, and under valgrind
//! when it is installed (required when the environment variable CI is set, as for the C
//! tests). The wrapper must use every function of include/cosv4.h.

mod c_harness;

use c_harness::{Emu, Variant};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// The wrapper's headers: cosv4.hpp and the parts it includes.
fn wrapper_headers() -> Vec<PathBuf> {
    let dir = c_harness::root().join("examples-cpp");
    let mut headers: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("cosv4") && name.ends_with(".hpp")
        })
        .collect();
    headers.sort();
    assert!(
        headers.len() >= 5 && headers.contains(&dir.join("cosv4.hpp")),
        "{headers:?}"
    );
    headers
}

#[test]
fn wrapper_headers_compile_alone_as_cxx11_to_cxx17() {
    let root = c_harness::root();
    for header in wrapper_headers() {
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
                    .arg(&header),
            );
        }
    }
}

/// C functions the wrapper deliberately does not call, each with the reason. Empty: every
/// function of the header has a C++ counterpart.
const NOT_WRAPPED: &[(&str, &str)] = &[(
    "cosv4_config_new",
    "the wrapper's Config uses cosv4_config_new_with_error, the same call with the reason",
)];

/// The names of the functions include/cosv4.h declares: `cosv4_name(` on a line that is not
/// a comment, a typedef, a preprocessor line or a continuation.
fn header_functions() -> Vec<String> {
    let header = std::fs::read_to_string(c_harness::root().join("include/cosv4.h")).unwrap();
    let mut names = Vec::new();
    for line in header.lines() {
        let skip = ["typedef", "#", "/", "*", " ", "}", "enum"];
        if line.is_empty() || skip.iter().any(|s| line.starts_with(s)) {
            continue;
        }
        let Some(open) = line.find('(') else { continue };
        let before = &line[..open];
        let start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let name = &before[start..];
        if name.starts_with("cosv4_") && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names
}

/// Whether `text` holds `name` as a whole identifier.
fn mentions(text: &str, name: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

#[test]
fn wrapper_uses_every_function_of_the_c_header() {
    let functions = header_functions();
    // The header has about 170 functions; a parse that finds few is broken.
    assert!(
        functions.len() > 150,
        "{} functions: {functions:?}",
        functions.len()
    );
    for required in [
        "cosv4_client_new",
        "cosv4_client_list_next",
        "cosv4_stat_sha",
    ] {
        assert!(
            functions.iter().any(|f| f == required),
            "{required} not found"
        );
    }
    let wrapper: String = wrapper_headers()
        .iter()
        .map(|h| std::fs::read_to_string(h).unwrap())
        .collect();
    for (name, reason) in NOT_WRAPPED {
        assert!(
            functions.iter().any(|f| f == name),
            "{name} is not in the header"
        );
        assert!(
            !mentions(&wrapper, name),
            "{name} is wrapped now ({reason}): drop it"
        );
    }
    let missing: Vec<&String> = functions
        .iter()
        .filter(|f| !mentions(&wrapper, f) && !NOT_WRAPPED.iter().any(|(n, _)| n == f))
        .collect();
    assert!(
        missing.is_empty(),
        "C functions without a C++ counterpart in examples-cpp/cosv4*.hpp: {missing:?}"
    );
}

const PROGRAM: &str = "examples-cpp/upload.cpp";

/// Runs the upload example for `variant` with the emulator's environment and `args`; returns
/// (exit code, stdout, stderr).
fn upload(
    variant: Variant,
    env: &[(&str, String)],
    args: &[&str],
) -> (Option<i32>, String, String) {
    run_example(PROGRAM, variant, env, args)
}

/// Runs the C++ program `src` for `variant` (killed, and the test failed, after 120 s).
fn run_example(
    src: &str,
    variant: Variant,
    env: &[(&str, String)],
    args: &[&str],
) -> (Option<i32>, String, String) {
    let exe = c_harness::build_cpp(src, variant);
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
        // The statistics count every request the emulator saw; no faults, no retries.
        let stats = (out.lines())
            .find_map(|l| l.strip_prefix("stats "))
            .unwrap_or_else(|| panic!("{v:?}: no stats line: {out}"));
        let requests = emu.emu.log().len();
        assert!(
            stats.starts_with(&format!(
                "requests={requests} retries=0 bytes_sent=5242880 bytes_resent=0 hashing_ms="
            )),
            "{v:?}: {stats} ({requests} requests logged)"
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

const BATCH: &str = "examples-cpp/batch.cpp";

/// The ops of the requests the emulator logged since its log was cleared, with their counts.
fn ops(emu: &Emu) -> std::collections::BTreeMap<String, usize> {
    let mut out = std::collections::BTreeMap::new();
    for e in emu.emu.log() {
        *out.entry(e.op).or_insert(0) += 1;
    }
    out
}

/// The result line of `cos_path` ("<status> <cos_path> <bytes> bytes ..."), which must be there.
fn item_line<'a>(out: &'a str, cos_path: &str) -> &'a str {
    let of_path = |l: &&str| {
        let rest = l
            .split_once(' ')
            .and_then(|(_, r)| r.strip_prefix(cos_path));
        rest.and_then(|r| r.strip_prefix(' '))
            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
    };
    out.lines()
        .find(of_path)
        .unwrap_or_else(|| panic!("no line for {cos_path}:\n{out}"))
}

/// A tree with nested and empty folders, unicode and spaces in names, a 0-byte file and a
/// file sent in slices among small ones; returns (relative path, content) of its files.
fn batch_tree(root: &std::path::Path) -> Vec<(&'static str, Vec<u8>)> {
    let _ = std::fs::remove_dir_all(root);
    let files = vec![
        ("a.txt", c_harness::content(100, 41)),
        ("big.bin", c_harness::content(1_500_000, 42)),
        ("sub dir/é ü.txt", c_harness::content(3000, 43)),
        ("sub dir/deeper/zero", Vec::new()),
    ];
    for (rel, data) in &files {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, data).unwrap();
    }
    std::fs::create_dir_all(root.join("empty")).unwrap();
    files
}

/// The C++ batch API (examples-cpp/batch.cpp over cosv4.hpp) against an emulator with the
/// service's folder rule: a tree and a list byte-exact with per-file results, a stop from a
/// callback, an exception from a callback rethrown in C++ (then a rerun completes), a cancel
/// from a callback, a sync rerun that sends no content and deletes a remote-only file (not an
/// excluded one), a dry run that changes nothing, and bad input (a bad cos path in the list,
/// a bad option, a bad pattern, delete without sync, a bandwidth limit below 1 KiB/s).
#[test]
fn batch_example_tree_list_stops_and_exceptions() {
    let root = c_harness::out_dir().join("cpp-batch-tree");
    let files = batch_tree(&root);
    let tree = root.display().to_string();
    let local = |rel: &str| root.join(rel).display().to_string();
    let tuning = ["--slice-size", "524288", "--simple-threshold", "1048576"];
    for v in Variant::all() {
        let t = Instant::now();
        // Every upload request answered after 10 ms, so the batches below can be stopped
        // while files are in flight.
        let emu = Emu::with(|c| {
            c.implicit_folders = false;
            c.faults.delay_ms = 10;
        });
        let env = emu.env();
        let run = |extra: &[&str]| run_example(BATCH, v, &env, &[&tuning[..], extra].concat());
        let exact = |folder: &str| {
            for (rel, data) in &files {
                let path = format!("{folder}{rel}");
                assert!(
                    emu.emu.object(&path).as_ref() == Some(data),
                    "{v:?}: {path}"
                );
            }
        };

        // The whole tree: every file uploaded, the empty directory mirrored, per-file lines.
        let (code, out, err) = run(&["--jobs", "2", &tree, "/tree/"]);
        assert_eq!(code, Some(0), "{v:?}:\n{out}{err}");
        exact("/tree/");
        for (rel, data) in &files {
            let line = item_line(&out, &format!("/tree/{rel}"));
            let want = format!("uploaded /tree/{rel} {} bytes ", data.len());
            assert!(line.starts_with(&want), "{v:?}: {line}");
            assert!(
                line.ends_with(&format!("<- {}", local(rel))),
                "{v:?}: {line}"
            );
        }
        assert!(item_line(&out, "/tree/empty/").starts_with("folder /tree/empty/ 0 bytes"));
        assert!(
            out.contains(
                "summary uploaded=4 folders=1 skipped=0 failed=0 bytes_sent=1503100 items=5"
            ),
            "{v:?}: {out}"
        );
        // Four files started, five items ended; the last progress event counts them all.
        assert!(
            out.contains("events started=4 ended=5 progress=")
                && out.contains(" last=5/5 files 1503100/1503100 bytes walk_done=1"),
            "{v:?}: {out}"
        );

        // A sync rerun sends no content (list requests, and the one delete), and --delete
        // removes the remote-only file but not the excluded one.
        emu.emu.put_object("/tree/gone.txt", b"remote only");
        emu.emu.put_object("/tree/keep.log", b"remote log");
        emu.emu.clear_log();
        let sync = ["--sync", "--delete", "--exclude", "*.log"];
        let (code, out, err) = run(&[&sync[..], &[&tree, "/tree/"]].concat());
        assert_eq!(code, Some(0), "{v:?}:\n{out}{err}");
        assert!(
            out.contains(
                "summary uploaded=0 folders=0 skipped=0 failed=0 bytes_sent=0 items=6 \
                 unchanged=5 deleted=1 would_upload=0 would_delete=0"
            ),
            "{v:?}: {out}"
        );
        for (rel, _) in &files {
            let line = item_line(&out, &format!("/tree/{rel}"));
            assert!(line.starts_with("unchanged "), "{v:?}: {line}");
        }
        assert!(item_line(&out, "/tree/gone.txt").starts_with("deleted "));
        let sent = ops(&emu);
        assert_eq!(
            sent.keys().collect::<Vec<_>>(),
            ["delete", "list"],
            "{v:?}: {sent:?}"
        );
        assert_eq!(sent["delete"], 1, "{v:?}: {sent:?}");
        assert!(emu.emu.object("/tree/gone.txt").is_none(), "{v:?}");
        assert!(emu.emu.object("/tree/keep.log").is_some(), "{v:?}");
        exact("/tree/");

        // An exception thrown in the file callback stops the batch and is rethrown in C++;
        // the same command again completes the tree.
        let (code, out, err) = run(&["--jobs", "1", "--throw-after", "1", &tree, "/throw/"]);
        assert_eq!(code, Some(3), "{v:?}:\n{out}{err}");
        assert!(err.contains("batch: stopped after 1 items"), "{v:?}: {err}");
        if v == Variant::Valgrind {
            // The rest runs the same code; the sanitized build covers it.
            emu.emu.stop();
            eprintln!("batch.cpp {v:?}: {:.1?}", t.elapsed());
            continue;
        }
        let (code, out, err) = run(&[&tree, "/throw/"]);
        assert_eq!(code, Some(0), "{v:?}:\n{out}{err}");
        exact("/throw/");

        // A dry run says what a sync would change and changes nothing; a bad pattern and a
        // delete without a sync are usage errors, with nothing sent.
        emu.emu.put_object("/tree/a.txt", b"changed remotely");
        emu.emu.put_object("/tree/extra.txt", b"remote only");
        emu.emu.clear_log();
        let (code, out, err) = run(&["--sync", "--delete", "--dry-run", &tree, "/tree/"]);
        assert_eq!(code, Some(0), "{v:?}:\n{out}{err}");
        assert!(
            out.contains(
                "bytes_sent=0 items=7 unchanged=4 deleted=0 would_upload=1 would_delete=2"
            ),
            "{v:?}: {out}"
        );
        assert!(item_line(&out, "/tree/a.txt").starts_with("would-upload "));
        assert!(item_line(&out, "/tree/extra.txt").starts_with("would-delete "));
        // Not excluded this time: the remote log would go too.
        assert!(item_line(&out, "/tree/keep.log").starts_with("would-delete "));
        assert_eq!(ops(&emu).keys().collect::<Vec<_>>(), ["list"], "{v:?}");
        assert!(emu.emu.object("/tree/a.txt") == Some(b"changed remotely".to_vec()));
        let (code, _, err) = run(&["--sync", "--exclude", "a[b", &tree, "/tree/"]);
        assert_eq!(code, Some(2), "{v:?}: {err}");
        assert!(err.contains("exclude pattern \"a[b\""), "{v:?}: {err}");
        let (code, _, err) = run(&["--delete", &tree, "/tree/"]);
        assert_eq!(code, Some(2), "{v:?}: {err}");
        assert!(
            err.contains("delete is set but sync is off"),
            "{v:?}: {err}"
        );
        let (code, _, err) = run(&["--limit-rate", "1000", &tree, "/tree/"]);
        assert_eq!(code, Some(2), "{v:?}: {err}");
        assert!(
            err.contains("COSV4_RESULT_INVALID_CONFIG") && err.contains("limit_rate"),
            "{v:?}: {err}"
        );
        assert_eq!(ops(&emu).keys().collect::<Vec<_>>(), ["list"], "{v:?}");

        // A list: two files (one into folders that do not exist) and a missing one, which
        // fails alone with its error detail.
        let missing = root.join("missing.bin").display().to_string();
        let (code, out, err) = run(&[
            "--list",
            &local("a.txt"),
            "/lst/a.txt",
            &missing,
            "/lst/missing.bin",
            &local("big.bin"),
            "/lst/x/y/big.bin",
        ]);
        assert_eq!(code, Some(1), "{v:?}:\n{out}{err}");
        assert!(item_line(&out, "/lst/a.txt").starts_with("uploaded /lst/a.txt 100 bytes"));
        assert!(item_line(&out, "/lst/x/y/big.bin")
            .starts_with("uploaded /lst/x/y/big.bin 1500000 bytes"));
        let line = item_line(&out, "/lst/missing.bin");
        assert!(
            line.starts_with("failed /lst/missing.bin 0 bytes")
                && line.contains("COSV4_RESULT_LOCAL_IO (HTTP 0, COS code none)")
                && line.contains("No such file or directory"),
            "{v:?}: {line}"
        );
        assert!(
            out.contains("summary uploaded=2 folders=0 skipped=0 failed=1"),
            "{out}"
        );
        assert!(emu.emu.object("/lst/a.txt").as_ref() == Some(&files[0].1));
        assert!(emu.emu.object("/lst/x/y/big.bin").as_ref() == Some(&files[1].1));
        assert!(emu.emu.object("/lst/missing.bin").is_none());

        // A bad cos path is refused when added to the list, a bad option when the batch
        // starts: usage errors, nothing sent.
        emu.emu.clear_log();
        let (code, _, err) = run(&["--list", &local("a.txt"), "no-slash"]);
        assert_eq!(code, Some(2), "{v:?}: {err}");
        assert!(
            err.contains("COSV4_RESULT_INVALID_PATH") && err.contains("does not start with '/'"),
            "{v:?}: {err}"
        );
        let (code, _, err) = run(&["--jobs", "0", &tree, "/jobs0/"]);
        assert_eq!(code, Some(2), "{v:?}: {err}");
        assert!(
            err.contains("COSV4_RESULT_INVALID_ARGUMENT") && err.contains("jobs"),
            "{err}"
        );
        assert!(emu.emu.log().is_empty(), "{v:?}: requests were sent");

        // The file callback returns false: the batch stops with ABORTED_BY_CALLBACK.
        let (code, out, err) = run(&["--jobs", "1", "--stop-after", "1", &tree, "/stop/"]);
        assert_eq!(code, Some(1), "{v:?}:\n{out}{err}");
        assert!(
            err.contains("COSV4_RESULT_ABORTED_BY_CALLBACK") && err.contains("(callback value 1)"),
            "{v:?}: {err}"
        );
        let arrived = |folder: &str| {
            (files.iter())
                .filter(|(rel, _)| emu.emu.object(&format!("{folder}{rel}")).is_some())
                .count()
        };
        assert!(
            arrived("/stop/") < files.len(),
            "{v:?}: the batch did not stop"
        );
        // The file callback cancels the token: the batch stops with CANCELLED.
        let (code, out, err) = run(&["--jobs", "1", "--cancel-after", "1", &tree, "/cancel/"]);
        assert_eq!(code, Some(130), "{v:?}:\n{out}{err}");
        assert!(err.contains("COSV4_RESULT_CANCELLED"), "{v:?}: {err}");
        emu.emu.stop();
        eprintln!("batch.cpp {v:?}: {:.1?}", t.elapsed());
    }
}

const OBJECTS: &str = "examples-cpp/objects.cpp";

/// Runs examples-cpp/objects.cpp for `variant` against the emulator of `env`; it must exit
/// with `want`. Returns (stdout, stderr).
fn objects(variant: Variant, env: &[(&str, String)], args: &[&str], want: i32) -> (String, String) {
    let (code, out, err) = run_example(OBJECTS, variant, env, args);
    assert_eq!(
        code,
        Some(want),
        "{variant:?} objects {args:?}:\n--- stdout\n{out}--- stderr\n{err}"
    );
    (out, err)
}

/// The value of the line "`key` value" of `out`, which must be there.
fn field<'a>(out: &'a str, key: &str) -> &'a str {
    (out.lines())
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no {key} line:\n{out}"))
}

/// Stat of `cos_path` through the Rust library (to check what the C++ program changed).
fn library_stat(emu: &Emu, cos_path: &str) -> cosv4::ObjectStat {
    c_harness::library_client(emu)
        .stat_path(c_harness::BUCKET, cos_path)
        .unwrap_or_else(|e| panic!("stat {cos_path}: {e}"))
}

/// The object calls of the wrapper through examples-cpp/objects.cpp, against an emulator
/// with the service's folder rule, each checked from the Rust side: folders created (twice:
/// COS code -178) and deleted (not empty: -173), stat of files and folders (and a missing
/// path: -197), a listing of 9 entries 4 per page (3 list requests) walked by the lazy
/// iterator and page by page with contexts, a prefix, copy and move (a bare name, an existing
/// destination refused then overwritten), update of biz_attr, authority and custom headers
/// (a bad header and an empty update refused, headers cleared), and a download URL.
#[test]
fn objects_example_stat_list_folders_move_copy_update_delete() {
    for v in Variant::all() {
        let t = Instant::now();
        let emu = Emu::with(|c| c.implicit_folders = false);
        let env = emu.env();
        let ok = |args: &[&str]| objects(v, &env, args, 0).0;
        let fails = |args: &[&str], want: i32| objects(v, &env, args, want).1;
        let lib = c_harness::library_client(&emu);
        let bucket = c_harness::BUCKET;

        // A folder with a biz_attr; the same again is refused by the service.
        assert_eq!(ok(&["mkdir", "/objs/", "folder attr"]), "created /objs/\n");
        assert!(emu.emu.folder_exists("/objs/"), "{v:?}");
        assert_eq!(library_stat(&emu, "/objs/").biz_attr, "folder attr");
        if v != Variant::Valgrind {
            let err = fails(&["mkdir", "/objs/"], 1);
            assert!(
                err.contains("COSV4_RESULT_SERVICE (HTTP ") && err.contains("COS code -178"),
                "{v:?}: {err}"
            );
        }

        // Seven files and two folders: 9 entries, 3 pages of at most 4.
        let files: Vec<(String, Vec<u8>)> = (0..7)
            .map(|i| {
                (
                    format!("f{i}.bin"),
                    c_harness::content(100 + i, 70 + i as u64),
                )
            })
            .collect();
        for (name, data) in &files {
            emu.emu.put_object(&format!("/objs/{name}"), data);
        }
        for folder in ["/objs/sub/", "/objs/sub2/"] {
            lib.create_folder(bucket, folder, "").unwrap();
        }
        let mut want: Vec<String> = (files.iter())
            .map(|(name, data)| {
                let sha = emu.emu.object_sha1(&format!("/objs/{name}")).unwrap();
                format!("file {name} {} {sha}", data.len())
            })
            .collect();
        want.extend(["folder sub".to_string(), "folder sub2".to_string()]);
        want.sort();
        let listed = |out: &str| {
            let mut lines: Vec<String> = (out.lines())
                .filter(|l| !l.starts_with("listed "))
                .map(str::to_string)
                .collect();
            lines.sort();
            lines
        };
        emu.emu.clear_log();
        let out = ok(&["ls", "--num", "4", "/objs/"]);
        assert_eq!(listed(&out), want, "{v:?}:\n{out}");
        assert!(
            out.ends_with("listed 9 entries in 3 pages\n"),
            "{v:?}: {out}"
        );
        assert_eq!(ops(&emu).get("list"), Some(&3), "{v:?}: {:?}", ops(&emu));

        // Update a file's biz_attr, authority and custom headers; stat shows them.
        let update = [
            "update",
            "/objs/f4.bin",
            "--biz-attr",
            "hello",
            "--authority",
            "public-read",
            "--header",
            "Content-Type",
            "text/plain",
            "--header",
            "x-cos-meta-color",
            "blue",
        ];
        assert_eq!(ok(&update), "updated /objs/f4.bin\n");
        let st = library_stat(&emu, "/objs/f4.bin");
        assert_eq!(
            (st.biz_attr.as_str(), st.authority.as_str()),
            ("hello", "eWPrivateRPublic"),
            "{v:?}"
        );
        let headers: Vec<(&str, &str)> = (st.custom_headers.iter())
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            headers,
            [("Content-Type", "text/plain"), ("x-cos-meta-color", "blue")],
            "{v:?}"
        );
        let out = ok(&["stat", "/objs/f4.bin"]);
        assert!(
            out.starts_with("file /objs/f4.bin\nsize 104\nfilelen 104\n"),
            "{out}"
        );
        assert_eq!(field(&out, "sha"), st.sha);
        assert_eq!(field(&out, "authority"), "eWPrivateRPublic");
        assert_eq!(field(&out, "biz_attr"), "hello");
        assert_eq!(field(&out, "access_url"), st.access_url);
        assert_eq!(field(&out, "mtime"), st.mtime.to_string());
        assert!(
            out.ends_with("header Content-Type: text/plain\nheader x-cos-meta-color: blue\n"),
            "{v:?}: {out}"
        );
        if v == Variant::Valgrind {
            // The rest runs the same wrapper code; the sanitized build covers it.
            emu.emu.stop();
            eprintln!("objects.cpp {v:?}: {:.1?}", t.elapsed());
            continue;
        }

        // The same listing page by page (contexts), a prefix, an empty folder, a folder stat.
        let out = ok(&["ls", "--num", "4", "--by-page", "/objs/"]);
        assert_eq!(listed(&out), want, "{v:?}:\n{out}");
        assert!(
            out.ends_with("listed 9 entries in 3 pages\n"),
            "{v:?}: {out}"
        );
        let out = ok(&["ls", "--prefix", "f1", "/objs/"]);
        assert_eq!(out, format!("{}\nlisted 1 entries in 1 pages\n", want[1]));
        assert_eq!(ok(&["ls", "/objs/sub/"]), "listed 0 entries in 1 pages\n");
        let out = ok(&["stat", "/objs/"]);
        assert!(
            out.starts_with("folder /objs/\nbiz_attr folder attr\n"),
            "{out}"
        );
        let err = fails(&["stat", "/objs/missing.bin"], 1);
        assert!(err.contains("COS code -197"), "{v:?}: {err}");
        assert_eq!(
            ok(&["exists", "/objs/missing.bin"]),
            "exists /objs/missing.bin no\n"
        );
        assert_eq!(ok(&["exists", "/objs/sub/"]), "exists /objs/sub/ yes\n");

        // Copy into a folder, move to a bare name, refuse then allow an overwrite.
        let content = |i: usize| Some(files[i].1.clone());
        ok(&["cp", "/objs/f1.bin", "/objs/sub/c1.bin"]);
        assert!(emu.emu.object("/objs/sub/c1.bin") == content(1), "{v:?}");
        assert!(emu.emu.object("/objs/f1.bin") == content(1), "{v:?}");
        assert_eq!(
            ok(&["mv", "/objs/f2.bin", "renamed.bin"]),
            "moved /objs/f2.bin -> renamed.bin\n"
        );
        assert!(emu.emu.object("/objs/renamed.bin") == content(2), "{v:?}");
        assert!(emu.emu.object("/objs/f2.bin").is_none(), "{v:?}");
        let err = fails(&["mv", "/objs/f3.bin", "/objs/renamed.bin"], 1);
        assert!(
            err.contains("COSV4_RESULT_FILE_EXISTS") && err.contains("COS code -177"),
            "{v:?}: {err}"
        );
        assert!(emu.emu.object("/objs/renamed.bin") == content(2), "{v:?}");
        ok(&["mv", "--overwrite", "/objs/f3.bin", "/objs/renamed.bin"]);
        assert!(emu.emu.object("/objs/renamed.bin") == content(3), "{v:?}");
        assert!(emu.emu.object("/objs/f3.bin").is_none(), "{v:?}");

        // A header the service does not allow and an update of nothing: usage errors, the
        // file unchanged; then the headers cleared and a folder's biz_attr changed.
        let err = fails(&["update", "/objs/f4.bin", "--header", "Bogus", "x"], 2);
        assert!(
            err.contains("COSV4_RESULT_INVALID_ARGUMENT")
                && err.contains("custom header \"Bogus\""),
            "{v:?}: {err}"
        );
        let err = fails(&["update", "/objs/f4.bin"], 2);
        assert!(err.contains("changes nothing"), "{v:?}: {err}");
        assert_eq!(library_stat(&emu, "/objs/f4.bin").custom_headers.len(), 2);
        ok(&["update", "/objs/f4.bin", "--clear-headers"]);
        let st = library_stat(&emu, "/objs/f4.bin");
        assert!(st.custom_headers.is_empty(), "{v:?}: {st:?}");
        assert_eq!(st.biz_attr, "hello", "{v:?}: only the headers changed");
        ok(&["update", "/objs/", "--biz-attr", "new attr"]);
        assert_eq!(library_stat(&emu, "/objs/").biz_attr, "new attr");

        // A folder that is not empty is refused; emptied, it goes.
        let err = fails(&["rm", "/objs/sub/"], 1);
        assert!(err.contains("COS code -173"), "{v:?}: {err}");
        assert!(emu.emu.folder_exists("/objs/sub/"), "{v:?}");
        assert_eq!(
            ok(&["rm", "/objs/sub/c1.bin"]),
            "deleted /objs/sub/c1.bin\n"
        );
        assert!(emu.emu.object("/objs/sub/c1.bin").is_none(), "{v:?}");
        ok(&["rm", "/objs/sub/"]);
        assert!(!emu.emu.folder_exists("/objs/sub/"), "{v:?}");

        // A download URL, signed for the path (no request made).
        emu.emu.clear_log();
        let url = ok(&["url", "--lifetime", "600", "/objs/f1.bin"]);
        let base = format!(
            "{}/{bucket}-{}/objs/f1.bin?sign=",
            emu.emu.base_url(),
            c_harness::APPID
        );
        assert!(
            url.starts_with(&base) && url.len() > base.len() + 80,
            "{v:?}: {url}"
        );
        assert!(emu.emu.log().is_empty(), "{v:?}");
        emu.emu.stop();
        eprintln!("objects.cpp {v:?}: {:.1?}", t.elapsed());
    }
}

/// The "progress DONE/TOTAL resumed=R done=D" lines of a download: (done bytes, resumed,
/// done); checks that the counts never decrease.
fn download_events(out: &str) -> Vec<(u64, u64, bool)> {
    let events: Vec<(u64, u64, bool)> = (out.lines())
        .filter_map(|l| l.strip_prefix("progress "))
        .map(|l| {
            let num = |s: Option<&str>| s.and_then(|s| s.parse::<u64>().ok()).unwrap();
            let mut words = l.split([' ', '/', '=']);
            let done = num(words.next());
            words.next(); // total
            words.next(); // "resumed"
            let resumed = num(words.next());
            (done, resumed, l.ends_with(" done=1"))
        })
        .collect();
    assert!(
        events.windows(2).all(|w| w[0].0 <= w[1].0),
        "progress went back:\n{out}"
    );
    events
}

/// (received, resumed) of the "downloaded ..." line of `out`, whose size must be `total`.
fn downloaded(out: &str, total: usize) -> (u64, u64) {
    let line = (out.lines())
        .find(|l| l.starts_with("downloaded "))
        .unwrap_or_else(|| panic!("no downloaded line:\n{out}"));
    let rest = line
        .split_once(&format!(" ({total} bytes, "))
        .unwrap_or_else(|| panic!("{line}"))
        .1;
    let mut words = rest.split(' ');
    let received = words.next().unwrap().parse().unwrap();
    let resumed = words.nth(1).unwrap().parse().unwrap();
    (received, resumed)
}

/// Downloads through the wrapper (examples-cpp/objects.cpp `get`): progress events, a cancel
/// from the progress callback leaving the partial file and a rerun resuming from it (byte-exact,
/// the partial file gone); not under valgrind also an exception thrown in the callback
/// (rethrown in C++, then resumed), a stop (false), an existing file refused then
/// overwritten, a resume in place, a SHA-1 mismatch refused unless unchecked, and a missing
/// object. The download is slowed by the client's bandwidth limit so that it can be stopped
/// halfway.
#[test]
fn objects_example_downloads_with_progress_cancel_and_resume() {
    const TOTAL: usize = 3_000_000;
    let data = c_harness::content(TOTAL, 81);
    for v in Variant::all() {
        let t = Instant::now();
        let emu = Emu::start();
        emu.emu.put_object("/dl/big.bin", &data);
        let env = emu.env();
        let dir = c_harness::out_dir().join(format!("cpp-download-{v:?}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let local = |name: &str| dir.join(name).display().to_string();
        let part_len =
            |name: &str| std::fs::metadata(dir.join(format!("{name}.part"))).map(|m| m.len());
        let slow = ["--limit-rate", "1048576"];
        let get = |extra: &[&str], name: &str, want: i32| {
            let target = local(name);
            let args = [&["get"], extra, &["/dl/big.bin", target.as_str()]].concat();
            objects(v, &env, &args, want)
        };
        // Stopped halfway in `how`; the partial file is left; the rerun resumes from it.
        let stop_and_resume = |how: &[&str], name: &str, want: i32| {
            let (out, err) = get(&[&slow[..], how].concat(), name, want);
            let events = download_events(&out);
            assert!(
                !events.is_empty() && !events.iter().any(|e| e.2),
                "{v:?}: {out}"
            );
            assert!(
                !dir.join(name).exists(),
                "{v:?}: {name} in place after a stop"
            );
            let part = part_len(name).unwrap_or_else(|e| panic!("{v:?}: no {name}.part: {e}"));
            assert!(part > 0 && part < TOTAL as u64, "{v:?}: {part}");
            let (out, _) = get(&[], name, 0);
            assert_eq!(
                downloaded(&out, TOTAL),
                (TOTAL as u64 - part, part),
                "{v:?}: {out}"
            );
            let events = download_events(&out);
            assert_eq!(events.first().map(|e| e.1), Some(part), "{v:?}: {out}");
            assert_eq!(
                events.last(),
                Some(&(TOTAL as u64, part, true)),
                "{v:?}: {out}"
            );
            assert!(
                std::fs::read(dir.join(name)).unwrap() == data,
                "{v:?}: {name}"
            );
            assert!(part_len(name).is_err(), "{v:?}: {name}.part left");
            err
        };

        let err = stop_and_resume(&["--cancel-after", "400000"], "got.bin", 130);
        assert!(err.contains("COSV4_RESULT_CANCELLED"), "{v:?}: {err}");
        if v == Variant::Valgrind {
            emu.emu.stop();
            eprintln!("objects.cpp get {v:?}: {:.1?}", t.elapsed());
            continue;
        }
        let err = stop_and_resume(&["--throw-after", "400000"], "thrown.bin", 3);
        assert!(err.contains("objects: stopped after "), "{v:?}: {err}");
        let err = stop_and_resume(&["--stop-after", "400000"], "stopped.bin", 1);
        assert!(
            err.contains("COSV4_RESULT_ABORTED_BY_CALLBACK") && err.contains("(callback value 1)"),
            "{v:?}: {err}"
        );

        // An existing file is not ours to replace, unless asked (then whole, not resumed).
        std::fs::write(dir.join("got.bin"), b"mine").unwrap();
        let (_, err) = get(&[], "got.bin", 2);
        assert!(err.contains("already exists"), "{v:?}: {err}");
        assert_eq!(std::fs::read(dir.join("got.bin")).unwrap(), b"mine");
        let (out, _) = get(&["--overwrite"], "got.bin", 0);
        assert_eq!(downloaded(&out, TOTAL), (TOTAL as u64, 0), "{v:?}: {out}");
        assert!(std::fs::read(dir.join("got.bin")).unwrap() == data, "{v:?}");

        // In place: the local file itself grows, and is resumed.
        let (out, _) = get(
            &[&slow[..], &["--in-place", "--cancel-after", "400000"]].concat(),
            "inplace.bin",
            130,
        );
        assert!(!download_events(&out).is_empty(), "{v:?}: {out}");
        let have = std::fs::metadata(dir.join("inplace.bin")).unwrap().len();
        assert!(have > 0 && have < TOTAL as u64, "{v:?}: {have}");
        let (out, _) = get(&["--in-place"], "inplace.bin", 0);
        assert_eq!(downloaded(&out, TOTAL).1, have, "{v:?}: {out}");
        assert!(
            std::fs::read(dir.join("inplace.bin")).unwrap() == data,
            "{v:?}"
        );

        // A SHA-1 that does not match the content: refused (nothing left), unless unchecked.
        emu.emu
            .put_object_with_sha("/dl/big.bin", &data, &"0".repeat(40));
        let (_, err) = get(&[], "badsha.bin", 1);
        assert!(err.contains("COSV4_RESULT_INTEGRITY"), "{v:?}: {err}");
        assert!(!dir.join("badsha.bin").exists() && part_len("badsha.bin").is_err());
        get(&["--no-sha-check"], "badsha.bin", 0);
        assert!(
            std::fs::read(dir.join("badsha.bin")).unwrap() == data,
            "{v:?}"
        );

        // A missing object: the service's error, no local file.
        let missing = local("missing.bin");
        let (_, err) = objects(v, &env, &["get", "/dl/missing.bin", &missing], 1);
        assert!(err.contains("COS code -197"), "{v:?}: {err}");
        assert!(!dir.join("missing.bin").exists() && part_len("missing.bin").is_err());
        emu.emu.stop();
        eprintln!("objects.cpp get {v:?}: {:.1?}", t.elapsed());
    }
}

/// Client settings through the wrapper: a Config setter the library refuses throws with the
/// library's sentence (cosv4_config_last_error), not only the generic text of the code;
/// --verbose sends the library's log lines through Config::log (a request line, never the
/// key), also of a request that failed (an unreachable endpoint, with few retries allowed).
#[test]
fn objects_example_config_errors_logging_and_retries() {
    let emu = Emu::start();
    emu.emu.put_object("/cfg/a.txt", b"a");
    for v in [Variant::Static, Variant::Shared, Variant::Sanitized] {
        let env = emu.env();
        let refused = |args: &[&str], reason: &str| {
            let (_, err) = objects(v, &env, &[args, &["stat", "/cfg/a.txt"]].concat(), 2);
            assert!(
                err.contains("COSV4_RESULT_INVALID_CONFIG") && err.contains(reason),
                "{v:?}: {err}"
            );
        };
        refused(
            &["--endpoint", "ftp://x"],
            "endpoint: usage error: endpoint \"ftp://x\" is not usable: it must start with http:// or https://",
        );
        refused(
            &["--retries", "500"],
            "retries: usage error: retries 500 is out of range",
        );
        refused(&["--limit-rate", "10"], "limit_rate: ");

        let (out, err) = objects(v, &env, &["--verbose", "stat", "/cfg/a.txt"], 0);
        assert!(out.starts_with("file /cfg/a.txt\nsize 1\n"), "{v:?}: {out}");
        assert!(
            err.lines()
                .any(|l| l.starts_with("log 4: stat ") && l.contains("HTTP 200")),
            "{v:?}: {err}"
        );
        assert!(!err.contains(c_harness::SECRET_KEY), "{v:?}: {err}");

        // An endpoint where nothing listens, with the retry settings accepted: the service's
        // sentence names the refusal, and the request line was logged.
        let closed = c_harness::closed_endpoint();
        let args = [
            "--verbose",
            "--endpoint",
            &closed,
            "--retries",
            "2",
            "--retry-window-ms",
            "500",
            "stat",
            "/cfg/a.txt",
        ];
        let (_, err) = objects(v, &env, &args, 1);
        assert!(
            err.contains("objects: COSV4_RESULT_TRANSPORT") && err.contains("Connection refused"),
            "{v:?}: {err}"
        );
        assert!(
            err.lines()
                .any(|l| l.starts_with("log 4: stat ") && l.contains(&closed)),
            "{v:?}: {err}"
        );
    }
}
