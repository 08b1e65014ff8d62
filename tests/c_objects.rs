//! The object, folder and download C API from C (tests/c/objects.c), against the static and
//! the shared library, with ASan/UBSan, and under valgrind when present (missing valgrind fails
//! when CI is set, as in tests/c_api.rs); and the `examples-c/cosv4.c` CLI, once per
//! subcommand.

mod c_harness;
mod fake_list;

use c_harness::{Emu, Variant};
use std::path::PathBuf;
use std::time::Instant;

fn test_file(name: &str, len: usize, seed: u64) -> (PathBuf, Vec<u8>) {
    let dir = c_harness::out_dir().join("objects-data");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let data = c_harness::content(len, seed);
    std::fs::write(&path, &data).unwrap();
    (path, data)
}

#[test]
fn objects_folders_listing_update_download() {
    let (file, _) = test_file("objects.bin", 1_500_000, 11);
    for v in Variant::all() {
        let t = Instant::now();
        let emu = Emu::start();
        let mut env = emu.env();
        env.push(("COS_TEST_FILE", file.display().to_string()));
        let local = c_harness::out_dir().join(format!("objects-download-{v:?}.bin"));
        env.push(("COS_TEST_LOCAL", local.display().to_string()));
        let out = c_harness::run_ok("tests/c/objects.c", v, &env);
        assert!(out.contains("objects OK"), "{v:?}: {out}");
        // The printed URL is fetchable with a plain GET.
        let url = out
            .lines()
            .find_map(|l| l.strip_prefix("URL "))
            .expect("a URL line");
        let mut body = Vec::new();
        let mut resp = ureq::get(url).call().unwrap();
        std::io::Read::read_to_end(&mut resp.body_mut().as_reader(), &mut body).unwrap();
        assert!(body == std::fs::read(&file).unwrap(), "{v:?}");
        emu.emu.stop();
        eprintln!("objects {v:?}: {:.1?}", t.elapsed());
    }
}

const CLI: &str = "examples-c/cosv4.c";

/// Runs the CLI with `env` and `args`, killed (and the test failed) after 60 s.
fn cli_output(v: Variant, env: &[(&str, String)], args: &[&str]) -> std::process::Output {
    let exe = c_harness::build(CLI, v);
    c_harness::output_within(
        c_harness::command(&exe, v)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .args(args),
        std::time::Duration::from_secs(60),
    )
}

fn cli(v: Variant, env: &[(&str, String)], args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = cli_output(v, env, args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = if args.contains(&"--json") {
        serde_json::from_str(stdout.trim())
            .unwrap_or_else(|e| panic!("{args:?}: not one JSON object ({e}): {stdout}{stderr}"))
    } else {
        serde_json::Value::String(stdout)
    };
    (out.status.code().unwrap_or(-1), json, stderr)
}

#[test]
fn example_cli_every_subcommand() {
    let (file, data) = test_file("cli-get.bin", 700_000, 12);
    let variants: Vec<Variant> = Variant::all()
        .into_iter()
        .filter(|v| *v != Variant::Sanitized)
        .collect();
    for v in variants {
        let t = Instant::now();
        let emu = Emu::start();
        let env = emu.env();
        emu.emu.put_object("/cli/a.txt", b"hello");
        emu.emu.put_object("/cli/big.bin", &data);
        for i in 0..5 {
            emu.emu.put_object(&format!("/cli/n{i}"), b"n");
        }
        let ok = |args: &[&str]| {
            let (code, j, err) = cli(v, &env, args);
            assert_eq!(code, 0, "{v:?} {args:?}: {j} {err}");
            j
        };
        let (code, _, err) = cli(v, &env, &["bogus"]);
        assert_eq!(code, 2, "{err}");
        assert_eq!(cli(v, &env, &["mv", "/only-one"]).0, 2);
        let (code, j, _) = cli(v, &env, &["--help"]);
        assert!(code == 0 && j.as_str().unwrap().contains("usage: cosv4"));

        let j = ok(&["--json", "stat", "/cli/a.txt"]);
        assert_eq!(
            (j["filesize"].clone(), j["is_folder"].clone()),
            (5.into(), false.into())
        );
        assert_eq!(j["sha"], "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d");
        let j = ok(&["stat", "/cli/"]);
        assert!(j.as_str().unwrap().contains("type:      folder"), "{j}");
        let (code, j, err) = cli(v, &env, &["--json", "stat", "/cli/none"]);
        assert_eq!((code, j["cos_code"].clone()), (1, (-197).into()), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");

        ok(&["--json", "mkdir", "/cli/dir/"]);
        let j = ok(&["--json", "ls", "--num", "2", "/cli/"]);
        assert_eq!(j["count"], 8, "{j}"); // a.txt, big.bin, dir, n0..n4
        assert_eq!(j["pages"], 4, "{j}");
        assert_eq!(j["complete"], true, "{j}");
        assert_eq!(j["entries"][2]["name"], "dir");
        assert_eq!(j["entries"][2]["is_folder"], true);
        let j = ok(&["ls", "/cli/", "n"]);
        assert_eq!(j.as_str().unwrap().lines().count(), 5, "{j}");

        let (code, j, _) = cli(v, &env, &["--json", "mv", "/cli/n0", "n1"]);
        assert_eq!(
            (code, j["result_name"].clone()),
            (1, "COSV4_RESULT_FILE_EXISTS".into())
        );
        ok(&["--json", "mv", "/cli/n0", "n1", "--overwrite"]);
        ok(&["mv", "/cli/n1", "/cli/dir/moved"]);
        assert!(emu.emu.object("/cli/dir/moved").is_some());

        let (code, j, _) = cli(v, &env, &["--json", "rm", "/cli/dir/"]);
        assert_eq!((code, j["cos_code"].clone()), (1, (-173).into()));
        ok(&["--json", "rm", "/cli/dir/moved"]);
        ok(&["rm", "/cli/dir/"]);

        // get: whole, then a resume from a partial file left by an interrupted run.
        let dir = c_harness::out_dir().join(format!("cli-get-{v:?}"));
        std::fs::create_dir_all(&dir).unwrap();
        let local = dir.join("got.bin");
        let _ = std::fs::remove_file(&local);
        let l = local.display().to_string();
        let (code, _, err) = cli(v, &env, &["get", "/cli/big.bin", &l]);
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("done 100%"), "{err}");
        assert!(std::fs::read(&local).unwrap() == data);
        // An existing LOCAL is kept without --overwrite, replaced with it.
        std::fs::write(&local, b"my notes").unwrap();
        let (code, _, err) = cli(v, &env, &["get", "/cli/big.bin", &l]);
        assert_ne!(code, 0, "{err}");
        assert!(err.contains("--overwrite"), "{err}");
        assert_eq!(std::fs::read(&local).unwrap(), b"my notes");
        ok(&["get", "--quiet", "--overwrite", "/cli/big.bin", &l]);
        assert!(std::fs::read(&local).unwrap() == data);
        std::fs::remove_file(&local).unwrap();
        // A partial file is resumed only with the library's resume record matching the object.
        let st = ok(&["--json", "stat", "/cli/big.bin"]);
        std::fs::write(dir.join("got.bin.part"), &data[..300_000]).unwrap();
        // The record names the part file it describes (device, inode, birth time).
        let m = std::fs::metadata(dir.join("got.bin.part")).unwrap();
        let part = {
            use std::os::unix::fs::MetadataExt;
            let born = m.created().ok().map(|t| {
                let d = t.duration_since(std::time::UNIX_EPOCH).unwrap();
                (d.as_secs(), d.subsec_nanos())
            });
            serde_json::json!({"dev": m.dev(), "ino": m.ino(), "born": born})
        };
        let record = serde_json::json!({"version": 1, "size": st["filesize"],
            "mtime": st["mtime"], "sha": st["sha"], "part": part});
        std::fs::write(dir.join("got.bin.part.cosv4-resume"), record.to_string()).unwrap();
        let j = ok(&["--json", "get", "--quiet", "/cli/big.bin", &l]);
        assert_eq!(j["bytes_resumed"], 300_000, "{j}");
        assert_eq!(j["bytes_received"], data.len() - 300_000);
        assert!(std::fs::read(&local).unwrap() == data);
        assert!(!dir.join("got.bin.part.cosv4-resume").exists());
        let _ = file.exists();
        emu.emu.stop();
        eprintln!("cli {v:?}: {:.1?}", t.elapsed());
    }
}

/// Listings against misbehaving fake servers (issue 10, case 7): tests/c/list_paging.c, then
/// `cosv4 ls`, which must fail naming the problem and never report a cut listing complete.
#[test]
fn listing_a_repeated_or_missing_context_is_a_protocol_error() {
    use fake_list::{FakeList, CYCLE, EMPTY, REPEAT};
    for v in Variant::all() {
        let mut env = c_harness::credentials_env();
        for (name, script) in [
            ("COS_FAKE_REPEAT", REPEAT),
            ("COS_FAKE_EMPTY", EMPTY),
            ("COS_FAKE_CYCLE", CYCLE),
        ] {
            env.push((name, FakeList::start(script).url));
        }
        let exe = c_harness::build("tests/c/list_paging.c", v);
        let out = c_harness::output_within(
            c_harness::command(&exe, v).envs(env.iter().map(|(k, v)| (*k, v.as_str()))),
            std::time::Duration::from_secs(120),
        );
        let text = format!("{v:?}: {out:?}");
        assert!(out.status.success(), "{text}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("list_paging OK"),
            "{text}"
        );
    }
    let cli_variants = Variant::all()
        .into_iter()
        .filter(|v| *v != Variant::Sanitized);
    for v in cli_variants {
        for (script, json) in [
            (REPEAT, true),
            (REPEAT, false),
            (EMPTY, true),
            (EMPTY, false),
        ] {
            let mut env = c_harness::credentials_env();
            env.push(("COS_ENDPOINT", FakeList::start(script).url));
            let args: &[&str] = if json {
                &["--json", "ls", "/"]
            } else {
                &["ls", "/"]
            };
            let out = cli_output(v, &env, args);
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let text = format!("{v:?} {args:?}:\n{stdout}{stderr}");
            assert_eq!(out.status.code(), Some(1), "{text}");
            assert!(stderr.contains("COSV4_RESULT_PROTOCOL"), "{text}");
            assert!(stderr.contains("context"), "{text}");
            assert!(!stdout.contains("\"complete\":true"), "{text}");
            if json {
                // The first page, marked incomplete, then the error object.
                let lines: Vec<serde_json::Value> = stdout
                    .lines()
                    .map(|l| serde_json::from_str(l).expect(&text))
                    .collect();
                assert_eq!(lines.len(), 2, "{text}");
                assert_eq!(lines[0]["complete"], false, "{text}");
                assert_eq!(lines[0]["count"], 1, "{text}");
                assert_eq!(lines[1]["result_name"], "COSV4_RESULT_PROTOCOL", "{text}");
            }
        }
    }
}

/// A user's file at a download's target survives without overwrite and is replaced with it
/// (tests/c/download_safety.c).
#[test]
fn download_onto_an_existing_file() {
    for v in Variant::all() {
        let emu = Emu::start();
        let mut env = emu.env();
        let local = c_harness::out_dir().join(format!("download-safety-{v:?}.txt"));
        env.push(("COS_TEST_LOCAL", local.display().to_string()));
        let out = c_harness::run_ok("tests/c/download_safety.c", v, &env);
        assert!(out.contains("download safety OK"), "{v:?}: {out}");
        assert_eq!(
            std::fs::read(&local).unwrap(),
            b"the object's content",
            "{v:?}"
        );
        emu.emu.stop();
    }
}

#[test]
fn batch_upload_dir() {
    // a.txt, sub/b.bin (in slices), sub/deeper/c.txt, and the empty directory empty/.
    let tree = c_harness::out_dir().join("batch-tree");
    let _ = std::fs::remove_dir_all(&tree);
    std::fs::create_dir_all(tree.join("sub/deeper")).unwrap();
    std::fs::create_dir_all(tree.join("empty")).unwrap();
    std::fs::write(tree.join("a.txt"), c_harness::content(100, 21)).unwrap();
    std::fs::write(tree.join("sub/b.bin"), c_harness::content(200_000, 22)).unwrap();
    std::fs::write(tree.join("sub/deeper/c.txt"), c_harness::content(30, 23)).unwrap();
    for v in Variant::all() {
        let t = Instant::now();
        let emu = Emu::start();
        let mut env = emu.env();
        env.push(("COS_TEST_TREE", tree.display().to_string()));
        let out = c_harness::run_ok("tests/c/batch.c", v, &env);
        assert!(out.contains("batch OK"), "{v:?}: {out}");
        emu.emu.stop();
        eprintln!("batch {v:?}: {:.1?}", t.elapsed());
    }
}

/// Sync (tests/c/batch_sync.c): unchanged files, delete, excluded paths kept, dry run,
/// keep-failed, the setters' checks.
#[test]
fn batch_sync() {
    let tree = c_harness::out_dir().join("batch-sync-tree");
    let _ = std::fs::remove_dir_all(&tree);
    std::fs::create_dir_all(tree.join("sub")).unwrap();
    std::fs::write(tree.join("a.txt"), c_harness::content(100, 41)).unwrap();
    std::fs::write(tree.join("sub/b.bin"), c_harness::content(200_000, 42)).unwrap();
    std::fs::write(tree.join("skip.log"), b"log").unwrap();
    for v in Variant::all() {
        let emu = Emu::with(|c| c.implicit_folders = false);
        emu.emu.put_object("/s/remote-only.txt", b"remote");
        emu.emu.put_object("/s/keep.log", b"remote log");
        let mut env = emu.env();
        env.push(("COS_TEST_TREE", tree.display().to_string()));
        let out = c_harness::run_ok("tests/c/batch_sync.c", v, &env);
        assert!(out.contains("batch_sync OK"), "{v:?}: {out}");
        assert!(emu.emu.object("/s/remote-only.txt").is_none(), "{v:?}");
        assert!(emu.emu.object("/s/keep.log").is_some(), "{v:?}");
        assert!(emu.emu.object("/s/skip.log").is_none(), "{v:?}");
        assert_eq!(
            emu.emu.object("/s/sub/b.bin").unwrap(),
            c_harness::content(200_000, 42)
        );
        emu.emu.stop();
    }
}

/// The list form (tests/c/batch_list.c) against an emulator with the service's folder rule,
/// every upload request answered after 20 ms; the stored objects checked byte for byte.
#[test]
fn batch_upload_list() {
    use std::os::unix::ffi::OsStrExt;
    let dir = c_harness::out_dir().join("batch-list");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let one = c_harness::content(100, 31);
    let two = c_harness::content(200_000, 32);
    let odd = c_harness::content(30, 33);
    std::fs::write(dir.join("one.txt"), &one).unwrap();
    std::fs::write(dir.join("two.bin"), &two).unwrap();
    std::fs::write(dir.join(std::ffi::OsStr::from_bytes(b"\xffodd.bin")), &odd).unwrap();
    for v in Variant::all() {
        let t = Instant::now();
        let emu = Emu::with(|c| {
            c.implicit_folders = false;
            c.faults.delay_ms = 20;
        });
        let mut env = emu.env();
        env.push(("COS_TEST_DIR", dir.display().to_string()));
        let out = c_harness::run_ok("tests/c/batch_list.c", v, &env);
        assert!(out.contains("batch_list OK"), "{v:?}: {out}");
        for (path, want) in [
            ("/list/one.txt", &one),
            ("/list/deep/er/two.bin", &two),
            ("/list/odd.bin", &odd),
            ("/list/late.txt", &one),
            ("/freed/one.txt", &one),
            ("/freed/two.bin", &two),
            ("/freed/odd.bin", &odd),
        ] {
            assert!(emu.emu.object(path).as_ref() == Some(want), "{v:?}: {path}");
        }
        for path in ["/list/missing.bin", "/list/dir.bin"] {
            assert!(emu.emu.object(path).is_none(), "{v:?}: {path} exists");
        }
        emu.emu.stop();
        eprintln!("batch_list {v:?}: {:.1?}", t.elapsed());
    }
}
