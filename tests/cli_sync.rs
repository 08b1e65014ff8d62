//! `cosv4-upload -r --sync ...` (examples-c/cosv4-upload-batch.h) against an emulator that
//! enforces the service's folder rule, checked in its request log: an unchanged rerun sends
//! list requests only; exactly the changed files go up; `--delete` removes what the local tree
//! lacks, never an excluded path, and is refused for an empty source; `--dry-run` changes
//! nothing; `--size-only`; a folder listed across pages; the `--json` lines and the summary of
//! each; usage errors of the new options.

mod c_harness;
mod common;

use c_harness::{Emu, Variant};
use common::{content, write_file};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

const CLI: &str = "examples-c/cosv4-upload.c";

/// A fresh local directory `name` holding the sample tree: nested folders, an empty file, a
/// log, an empty directory.
fn sample(name: &str) -> PathBuf {
    let root = c_harness::out_dir().join("cli-sync").join(name);
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("emptydir")).unwrap();
    for (i, (rel, len)) in [
        ("a.txt", 100),
        ("b.txt", 3000),
        ("empty.bin", 0),
        ("sub/c.txt", 5000),
        ("sub/deep/d.txt", 10),
        ("logs/x.log", 50),
    ]
    .into_iter()
    .enumerate()
    {
        write_file(&root, rel, &content(len, i as u64 + 1));
    }
    root
}

/// Runs the CLI (static build unless `v` says otherwise) to its end; (exit code, stdout,
/// stderr).
fn run_in(v: Variant, emu: &Emu, args: &[&str]) -> (i32, String, String) {
    let exe = c_harness::build(CLI, v);
    let mut cmd = c_harness::command(&exe, v);
    cmd.envs(emu.env()).args(args);
    let out = c_harness::output_within(&mut cmd, Duration::from_secs(120));
    let text = |b: Vec<u8>| String::from_utf8(b).expect("UTF-8 output");
    (
        out.status.code().unwrap_or(-1),
        text(out.stdout),
        text(out.stderr),
    )
}

fn run(emu: &Emu, args: &[&str]) -> (i32, String, String) {
    run_in(Variant::Static, emu, args)
}

/// A `-r --json` run that must exit 0: its item lines by cos path, and its summary.
struct Report {
    items: BTreeMap<String, Value>,
    summary: Value,
    stderr: String,
}

impl Report {
    fn of(v: Variant, emu: &Emu, args: &[&str]) -> Report {
        let args = [&["-r", "--json"], args].concat();
        let (code, out, err) = run_in(v, emu, &args);
        assert_eq!(code, 0, "{args:?}:\n{out}{err}");
        let mut values: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
            .collect();
        let summary = values.pop().expect("a summary line")["summary"].clone();
        assert!(summary.is_object(), "no summary at the end:\n{out}");
        let mut items = BTreeMap::new();
        for v in values {
            let path = v["path"].as_str().unwrap_or_else(|| panic!("no path: {v}"));
            assert!(
                items.insert(path.to_string(), v.clone()).is_none(),
                "twice: {v}"
            );
        }
        Report {
            items,
            summary,
            stderr: err,
        }
    }

    /// The cos paths whose line has `status`.
    fn with(&self, status: &str) -> Vec<&str> {
        let has = |v: &&Value| v["status"] == status;
        let items = self.items.iter().filter(|(_, v)| has(v));
        items.map(|(p, _)| p.as_str()).collect()
    }

    fn count(&self, key: &str) -> u64 {
        let summary = &self.summary;
        summary[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key}: {summary}"))
    }

    /// Every item skipped as unchanged.
    fn all_unchanged(&self) {
        for (path, v) in &self.items {
            assert_eq!(
                (&v["status"], &v["reason"]),
                (&"skipped".into(), &"unchanged".into())
            );
            assert!(
                v["local"].is_string() && v["bytes_sent"].is_null(),
                "{path}: {v}"
            );
        }
    }
}

/// The ops of the requests logged since the last clear (tests/common), with how many of each.
fn ops(emu: &Emu) -> BTreeMap<String, usize> {
    common::ops(&emu.emu)
}

fn assert_nothing_changed(emu: &Emu) {
    common::assert_nothing_changed(&emu.emu)
}

/// The object at /dst/`rel` holds what the local file does.
fn assert_same(emu: &Emu, root: &Path, rel: &str) {
    common::assert_same(&emu.emu, root, rel)
}

fn enforcing() -> Emu {
    Emu::with(|c| c.implicit_folders = false)
}

/// The sample tree synced once to /dst/ (5 files: the log is left out).
fn synced(name: &str) -> (Emu, PathBuf, String) {
    let emu = enforcing();
    let root = sample(name);
    let arg = root.display().to_string();
    let first = Report::of(
        Variant::Static,
        &emu,
        &["--sync", "--exclude", "*.log", &arg, "/dst/"],
    );
    assert_eq!((first.count("uploaded"), first.count("folders")), (5, 1));
    emu.emu.clear_log();
    (emu, root, arg)
}

#[test]
fn an_unchanged_rerun_sends_list_requests_only_and_skips_every_file() {
    for v in [Variant::Static, Variant::Sanitized] {
        let emu = enforcing();
        let root = sample(&format!("unchanged-{v:?}"));
        let arg = root.display().to_string();
        let first = Report::of(v, &emu, &["--sync", &arg, "/dst/"]);
        assert_eq!(first.count("uploaded"), 6, "{:?}", first.items);
        assert_eq!(first.with("uploaded").len(), 7, "6 files and a folder");
        emu.emu.clear_log();
        let again = Report::of(v, &emu, &["--sync", "--delete", &arg, "/dst/"]);
        assert_eq!(again.items.len(), 7, "{:?}", again.items);
        again.all_unchanged();
        assert_eq!(again.items["/dst/emptydir/"]["folder"], true);
        let counts = [
            "uploaded",
            "skipped",
            "unchanged",
            "failed",
            "deleted",
            "bytes_sent",
        ];
        let counts = counts.map(|k| again.count(k));
        assert_eq!(counts, [0, 7, 7, 0, 0, 0], "{}", again.summary);
        assert!(again.summary["would_upload"].is_null(), "{}", again.summary);
        assert!(again.stderr.is_empty(), "{}", again.stderr);
        let ops = ops(&emu);
        assert_eq!(ops.keys().collect::<Vec<_>>(), ["list"], "{ops:?}");
        // As text: the summary says so; no line per unchanged file.
        let (code, out, err) = run_in(v, &emu, &["-r", "--sync", &arg, "/dst/"]);
        assert_eq!(code, 0, "{out}{err}");
        let want = "uploaded 0 files, 0 folders; 7 skipped (7 unchanged), 0 failed; 0 deleted; 0 B";
        assert!(out.starts_with(want) && out.lines().count() == 1, "{out}");
        assert!(err.is_empty(), "{err}");
        emu.emu.stop();
    }
}

#[test]
fn exactly_the_three_changed_files_are_uploaded() {
    let (emu, root, arg) = synced("three");
    let mut b = content(3000, 2);
    b[1500] ^= 0xff; // same size
    write_file(&root, "b.txt", &b);
    write_file(&root, "sub/c.txt", &content(5001, 3)); // appended
    write_file(&root, "new/n.txt", b"new"); // in a new folder
    let out = Report::of(
        Variant::Static,
        &emu,
        &["--sync", "--exclude", "*.log", &arg, "/dst/"],
    );
    assert_eq!(
        out.with("uploaded"),
        ["/dst/b.txt", "/dst/new/n.txt", "/dst/sub/c.txt"]
    );
    assert_eq!(out.count("bytes_sent"), 3000 + 5001 + 3, "{}", out.summary);
    assert_eq!((out.count("unchanged"), out.count("failed")), (4, 0));
    for rel in ["b.txt", "sub/c.txt", "new/n.txt", "a.txt"] {
        assert_same(&emu, &root, rel);
    }
    let log = emu.emu.log();
    let mut uploads: Vec<&str> = (log.iter().filter(|e| e.op == "upload"))
        .map(|e| e.path.as_str())
        .collect();
    uploads.sort();
    assert_eq!(uploads, ["/dst/b.txt", "/dst/new/n.txt", "/dst/sub/c.txt"]);
    assert!(!ops(&emu).contains_key("delete"));
}

#[test]
fn a_file_removed_locally_stays_without_delete_and_goes_with_it() {
    let (emu, root, arg) = synced("removed");
    std::fs::remove_file(root.join("a.txt")).unwrap();
    std::fs::remove_dir_all(root.join("sub/deep")).unwrap();
    let kept = Report::of(
        Variant::Static,
        &emu,
        &["--sync", "--exclude", "*.log", &arg, "/dst/"],
    );
    assert_eq!(kept.count("deleted"), 0);
    assert!(kept.with("deleted").is_empty(), "{:?}", kept.items);
    assert_nothing_changed(&emu);
    assert!(emu.emu.object("/dst/a.txt").is_some());

    let args = ["--sync", "--delete", "--exclude", "*.log", &arg, "/dst/"];
    let gone = Report::of(Variant::Static, &emu, &args);
    let deleted = ["/dst/a.txt", "/dst/sub/deep/", "/dst/sub/deep/d.txt"];
    assert_eq!(gone.with("deleted"), deleted);
    for path in deleted {
        let item = &gone.items[path];
        assert!(item["local"].is_null(), "{item}");
        assert_eq!(
            item["folder"].as_bool(),
            path.ends_with('/').then_some(true)
        );
    }
    assert_eq!(gone.items["/dst/a.txt"]["bytes"], 100);
    assert_eq!((gone.count("deleted"), gone.count("uploaded")), (3, 0));
    assert!(emu.emu.object("/dst/a.txt").is_none());
    assert!(!emu.emu.folder_exists("/dst/sub/deep/"));
    assert_same(&emu, &root, "sub/c.txt");
}

#[test]
fn a_dry_run_changes_nothing_and_says_what_it_would_do() {
    let (emu, root, arg) = synced("dry");
    write_file(&root, "b.txt", &content(3000, 99));
    write_file(&root, "newdir/n.txt", b"n");
    std::fs::remove_file(root.join("a.txt")).unwrap();
    std::fs::create_dir_all(root.join("empty2")).unwrap();
    let args = [
        "--sync",
        "--delete",
        "--dry-run",
        "--exclude",
        "*.log",
        &arg,
        "/dst/",
    ];
    let dry = Report::of(Variant::Static, &emu, &args);
    let would = ["/dst/b.txt", "/dst/empty2/", "/dst/newdir/n.txt"];
    assert_eq!(dry.with("would-upload"), would);
    assert_eq!(dry.items["/dst/b.txt"]["local"], format!("{arg}/b.txt"));
    assert_eq!(dry.with("would-delete"), ["/dst/a.txt"]);
    assert!(dry.items["/dst/a.txt"]["local"].is_null());
    assert_eq!(dry.items["/dst/sub/c.txt"]["reason"], "unchanged");
    let counts = [
        "would_upload",
        "would_delete",
        "uploaded",
        "deleted",
        "bytes_sent",
    ];
    assert_eq!(
        counts.map(|k| dry.count(k)),
        [3, 1, 0, 0, 0],
        "{}",
        dry.summary
    );
    assert_eq!(ops(&emu).keys().collect::<Vec<_>>(), ["list"]);
    assert!(emu.emu.object("/dst/a.txt").is_some());
    assert!(emu.emu.object("/dst/newdir/n.txt").is_none());

    // As text: a line per change, then the summary.
    let (code, out, err) = run(&emu, &[&["-r"], &args[..]].concat());
    assert_eq!(code, 0, "{out}{err}");
    let mut lines: Vec<&str> = out.lines().collect();
    let summary = lines.pop().unwrap();
    assert!(
        summary.starts_with("dry run: would upload 3, would delete 1; 4 skipped (4 unchanged)"),
        "{out}"
    );
    lines.sort();
    let want = [
        "would delete \"/dst/a.txt\"".to_string(),
        format!("would upload \"{arg}/b.txt\" -> \"/dst/b.txt\""),
        format!("would upload \"{arg}/empty2\" -> \"/dst/empty2/\""),
        format!("would upload \"{arg}/newdir/n.txt\" -> \"/dst/newdir/n.txt\""),
    ];
    assert_eq!(lines, want);
    assert_eq!(ops(&emu).keys().collect::<Vec<_>>(), ["list"]);
    assert_same(&emu, &root, "sub/c.txt");
}

#[test]
fn excluded_files_are_neither_uploaded_nor_deleted() {
    let emu = enforcing();
    let root = sample("excluded");
    let arg = root.display().to_string();
    // Remote-only files: one excluded by name, one under an excluded folder, one not.
    emu.emu.put_object("/dst/keep.log", b"remote log");
    emu.emu.put_object("/dst/cache/blob", b"remote cache");
    emu.emu.put_object("/dst/gone.txt", b"remote only");
    let list = root.with_extension("excludes");
    let text = "# a comment, then a blank line\n\n   \ncache/\r\nsub/deep/\n";
    std::fs::write(&list, text).unwrap();
    let list = list.display().to_string();
    let args = [
        "--sync",
        "--delete",
        "--exclude",
        "*.log",
        "--exclude-from",
        &list,
    ];
    let out = Report::of(
        Variant::Static,
        &emu,
        &[&args[..], &[&arg, "/dst/"]].concat(),
    );
    assert_eq!(out.with("deleted"), ["/dst/gone.txt"]);
    for path in [
        "/dst/logs/x.log",
        "/dst/sub/deep/d.txt",
        "/dst/keep.log",
        "/dst/cache/",
    ] {
        assert!(!out.items.contains_key(path), "{path}: {:?}", out.items);
    }
    assert_eq!(out.count("uploaded"), 4, "{:?}", out.items);
    assert!(emu.emu.object("/dst/logs/x.log").is_none());
    assert!(emu.emu.object("/dst/sub/deep/d.txt").is_none());
    assert!(emu.emu.object("/dst/keep.log").is_some());
    assert!(emu.emu.object("/dst/cache/blob").is_some());
    assert!(emu.emu.object("/dst/gone.txt").is_none());

    // Without --sync: only the .txt files (the patterns select, every file is sent).
    let only = Report::of(
        Variant::Static,
        &emu,
        &["--include", "*.txt", &arg, "/txt/"],
    );
    let sent = [
        "/txt/a.txt",
        "/txt/b.txt",
        "/txt/sub/c.txt",
        "/txt/sub/deep/d.txt",
    ];
    assert_eq!(only.with("uploaded"), sent);
    assert_eq!(only.items.len(), 4, "{:?}", only.items);
}

#[test]
fn delete_with_an_empty_source_is_refused_unless_forced() {
    let (emu, root, _) = synced("refused");
    let empty = root.with_extension("empty");
    let _ = std::fs::remove_dir_all(&empty);
    std::fs::create_dir_all(&empty).unwrap();
    let empty = empty.display().to_string();
    let (code, out, err) = run(&emu, &["-r", "--sync", "--delete", &empty, "/dst/"]);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(
        err.contains("is empty: refusing") && err.contains("/dst/"),
        "{err}"
    );
    let args = ["-r", "--json", "--size-only", "--delete", &empty, "/dst/"];
    let (code, out, _) = run(&emu, &args);
    let summary: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(code, 2);
    let e = &summary["summary"]["error"];
    assert_eq!(
        e["result_name"], "COSV4_RESULT_INVALID_ARGUMENT",
        "{summary}"
    );
    assert!(
        e["message"].as_str().unwrap().contains("refusing"),
        "{summary}"
    );
    assert_nothing_changed(&emu);
    assert!(emu.emu.object("/dst/a.txt").is_some());

    let forced = ["--sync", "--delete", "--force", &empty, "/dst/"];
    let out = Report::of(Variant::Static, &emu, &forced);
    // Everything under /dst/ goes; /dst/ itself mirrors the empty directory.
    let deleted = out.with("deleted");
    assert_eq!(deleted.len() as u64, out.count("deleted"));
    assert_eq!(deleted.len() + 1, out.items.len(), "{:?}", out.items);
    assert_eq!(out.items["/dst/"]["reason"], "unchanged");
    assert!(deleted.contains(&"/dst/a.txt") && deleted.contains(&"/dst/sub/"));
    assert!(emu.emu.object("/dst/a.txt").is_none());
    assert!(!emu.emu.folder_exists("/dst/sub/"));
}

#[test]
fn size_only_trusts_equal_sizes_and_sync_replaces_an_object_without_sha() {
    let emu = enforcing();
    let root = c_harness::out_dir().join("cli-sync/size-only");
    let _ = std::fs::remove_dir_all(&root);
    write_file(&root, "f.txt", b"same size!");
    let arg = root.display().to_string();
    c_harness::library_client(&emu)
        .create_folder(c_harness::BUCKET, "/dst/", "")
        .unwrap();
    emu.emu.put_object_with_sha("/dst/f.txt", b"SAME SIZE!", "");
    emu.emu.clear_log();
    let out = Report::of(Variant::Static, &emu, &["--size-only", &arg, "/dst/"]);
    out.all_unchanged();
    assert_eq!(out.items.len(), 1);
    assert_nothing_changed(&emu);
    // With --size-only too, --sync still compares sizes only.
    let out = Report::of(
        Variant::Static,
        &emu,
        &["--sync", "--size-only", &arg, "/dst/"],
    );
    assert_eq!(out.with("skipped"), ["/dst/f.txt"]);
    // --sync alone: no SHA-1 remotely, so changed.
    let out = Report::of(Variant::Static, &emu, &["--sync", &arg, "/dst/"]);
    assert_eq!(out.with("uploaded"), ["/dst/f.txt"]);
    assert_same(&emu, &root, "f.txt");
}

#[test]
fn a_folder_of_more_than_199_entries_is_listed_across_pages() {
    let emu = enforcing();
    let root = c_harness::out_dir().join("cli-sync/pages");
    let _ = std::fs::remove_dir_all(&root);
    for i in 0..250 {
        write_file(&root, &format!("many/f{i:03}"), format!("{i}").as_bytes());
    }
    let arg = root.display().to_string();
    let first = Report::of(
        Variant::Static,
        &emu,
        &["--sync", "--jobs", "8", &arg, "/dst/"],
    );
    assert_eq!(first.count("uploaded"), 250);
    emu.emu.put_object("/dst/many/zz-remote-only", b"x");
    emu.emu.clear_log();
    let again = Report::of(
        Variant::Static,
        &emu,
        &["--sync", "--delete", &arg, "/dst/"],
    );
    assert_eq!(again.with("deleted"), ["/dst/many/zz-remote-only"]);
    assert_eq!(
        (again.count("unchanged"), again.count("uploaded")),
        (250, 0)
    );
    assert_eq!(again.with("skipped").len(), 250);
    let log = emu.emu.log();
    let lists = log
        .iter()
        .filter(|e| e.op == "list" && e.path == "/dst/many/");
    assert!(lists.count() >= 2, "251 entries in one list request");
    let ops = ops(&emu);
    assert_eq!(
        ops.keys().collect::<Vec<_>>(),
        ["delete", "list"],
        "{ops:?}"
    );
}

#[test]
fn usage_errors_of_the_sync_options_exit_2_with_a_sentence() {
    let emu = Emu::start();
    let root = sample("usage");
    let (dir, file) = (
        root.display().to_string(),
        format!("{}/a.txt", root.display()),
    );
    let (code, help, _) = run(&emu, &["--help"]);
    assert_eq!(code, 0);
    for opt in [
        "--sync",
        "--size-only",
        "--delete",
        "--force",
        "--dry-run",
        "--include GLOB",
        "--exclude GLOB",
        "--exclude-from FILE",
    ] {
        assert!(help.contains(opt), "--help lacks {opt}: {help}");
    }
    let bad = root.with_extension("bad-excludes");
    std::fs::write(&bad, "# fine\n*.tmp\na[\n").unwrap();
    let bad = bad.display().to_string();
    let missing = format!("{dir}/no-such-list");
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["-r", "--delete", &dir, "/d/"],
            "--delete needs --sync".into(),
        ),
        (
            vec!["-r", "--sync", "--force", &dir, "/d/"],
            "--force applies only with --delete".into(),
        ),
        (
            vec!["--sync", &file, "/f"],
            "--sync applies only to -r".into(),
        ),
        (
            vec!["--size-only", &file, "/f"],
            "--size-only applies only to -r".into(),
        ),
        (
            vec!["--dry-run", &file, "/f"],
            "--dry-run applies only to -r".into(),
        ),
        (
            vec!["--exclude", "x", &file, "/f"],
            "--exclude applies only to -r".into(),
        ),
        (
            vec!["-r", &dir, "/d/", "--include"],
            "--include needs a value".into(),
        ),
        (
            vec!["-r", "--exclude", "a[", &dir, "/d/"],
            "--exclude: usage error: exclude pattern \"a[\": unclosed character class".into(),
        ),
        (
            vec!["-r", "--include", "", &dir, "/d/"],
            "include pattern \"\": it is empty".into(),
        ),
        (
            vec!["-r", "--exclude-from", &missing, &dir, "/d/"],
            format!("--exclude-from {missing}: cannot read it: No such file"),
        ),
        (
            vec!["-r", "--exclude-from", &dir, &dir, "/d/"],
            format!("--exclude-from {dir}: cannot read it: Is a directory"),
        ),
        (
            vec!["-r", "--exclude-from", &bad, &dir, "/d/"],
            format!("--exclude-from {bad}, line 3: usage error: exclude pattern \"a[\""),
        ),
    ];
    for (args, want) in &cases {
        let (code, out, err) = run(&emu, args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(want.as_str()), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // Options and their values may come anywhere; "--" ends the options.
    let (code, out, err) = run(&emu, &["-r", "--exclude", "--", &dir, "--dry-run", "/d/"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("would upload \""), "{out}");
    assert!(
        emu.emu.log().is_empty(),
        "a usage error or a dry run sent a request"
    );
}

/// The bytes a CLI run read (`rchar` of /proc: files and sockets), with its exit code and
/// output: the run goes through `sh`, which reads its own counts once the CLI is reaped (a
/// reaped child's counts are added to its parent's).
fn run_counting_reads(emu: &Emu, args: &[&str]) -> (i32, u64, String) {
    let exe = c_harness::build(CLI, Variant::Static);
    let script = r#""$0" "$@"; rc=$?; grep '^rchar:' /proc/$$/io >&2; exit $rc"#;
    let mut cmd = std::process::Command::new("sh");
    cmd.envs(emu.env())
        .arg("-c")
        .arg(script)
        .arg(&exe)
        .args(args);
    let out = c_harness::output_within(&mut cmd, Duration::from_secs(120));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let rchar = err
        .lines()
        .find_map(|l| l.strip_prefix("rchar:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no rchar line:\n{err}"));
    (out.status.code().unwrap_or(-1), rchar, err)
}

/// Issue 13: a changed large file among unchanged ones is hashed once — the digest that found
/// it changed is the one its upload sends — so the rerun reads it twice (that hash, then its
/// slices), not three times; an unchanged one is read once (the hash) and not sent.
#[test]
fn a_changed_large_file_is_hashed_once() {
    const BIG: u64 = 24 << 20; // sliced (above the simple-upload threshold)
    let emu = enforcing();
    let root = sample("read-once");
    let mut big = content(BIG, 9);
    write_file(&root, "big.bin", &big);
    let arg = root.display().to_string();
    let sync = ["-r", "--sync", "--quiet", &arg, "/dst/"];
    let (code, first, err) = run_counting_reads(&emu, &sync);
    assert_eq!(code, 0, "{err}");
    assert!(first >= 2 * BIG, "first upload read {first} B");
    let small = 256 << 10; // the rest of the tree (8 KiB), answers, the loader: 17 KiB here
    let (code, unchanged, err) = run_counting_reads(&emu, &sync);
    assert_eq!(code, 0, "{err}");
    let once = BIG;
    assert!(
        (once..once + small).contains(&unchanged),
        "an unchanged rerun read {unchanged} B for a {BIG} B file"
    );
    big[BIG as usize / 2] ^= 0xff; // same size: only the SHA-1 tells
    write_file(&root, "big.bin", &big);
    emu.emu.clear_log();
    let (code, changed, err) = run_counting_reads(&emu, &sync);
    assert_eq!(code, 0, "{err}");
    let twice = 2 * BIG;
    assert!(
        (twice..twice + small).contains(&changed),
        "a rerun with the file changed read {changed} B for a {BIG} B file (3 × is {})",
        3 * BIG
    );
    assert_same(&emu, &root, "big.bin");
    let ops = ops(&emu);
    assert_eq!(ops.get("upload"), None, "{ops:?}");
    assert_eq!(ops.get("upload_slice_finish"), Some(&1), "{ops:?}");
}
