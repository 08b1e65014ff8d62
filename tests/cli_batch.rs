//! `cosv4-upload -r` (examples-c/cosv4-upload.c with cosv4-upload-batch.h) against an emulator
//! that enforces the service's folder rule (an upload's folder must exist): a tree mirrored
//! byte-exact with its `--json` lines and summary checked; bad names and a refused object fail
//! alone (exit 1); usage errors (exit 2); `kill -9` mid-batch then the same command completes
//! without sending a stored slice again; SIGINT exits 130 and a rerun completes.

mod c_harness;

use c_harness::{Emu, Variant};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CLI: &str = "examples-c/cosv4-upload.c";
/// Files above 1 MiB go in 512 KiB slices.
const SLICED: [&str; 4] = ["--simple-threshold", "1048576", "--slice-size", "524288"];
const SLICE: u64 = 524_288;

/// An emulator with the service's folder rule; `f` may change more.
fn enforcing(f: impl FnOnce(&mut cosv4_emulator::Config)) -> Emu {
    Emu::with(|c| {
        c.implicit_folders = false;
        f(c)
    })
}

/// A local tree: (relative path, content) of its files, written under `root`.
struct Tree {
    root: PathBuf,
    files: Vec<(String, Vec<u8>)>,
}

impl Tree {
    /// A fresh directory `name` with `files` (relative path, size) and the empty directories
    /// `empty`.
    fn new(name: &str, files: &[(&str, usize)], empty: &[&str]) -> Tree {
        let root = c_harness::out_dir().join("cli-batch").join(name);
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let mut tree = Tree {
            root,
            files: Vec::new(),
        };
        for (i, (rel, len)) in files.iter().enumerate() {
            tree.add(rel, c_harness::content(*len, 100 + i as u64));
        }
        for d in empty {
            std::fs::create_dir_all(tree.root.join(d)).unwrap();
        }
        tree
    }

    fn add(&mut self, rel: &str, data: Vec<u8>) {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, &data).unwrap();
        self.files.push((rel.to_string(), data));
    }

    /// A file under a name of raw bytes (not kept in `files`).
    fn add_raw(&self, name: &[u8], data: &[u8]) {
        std::fs::write(self.root.join(OsStr::from_bytes(name)), data).unwrap();
    }

    fn arg(&self) -> String {
        self.root.display().to_string()
    }

    fn bytes(&self) -> u64 {
        self.files.iter().map(|(_, d)| d.len() as u64).sum()
    }

    /// Every file is stored under `folder` with its exact content.
    fn assert_stored(&self, emu: &Emu, folder: &str) {
        for (rel, data) in &self.files {
            let path = format!("{folder}{rel}");
            let stored = emu.emu.object(&path);
            assert!(
                stored.as_ref() == Some(data),
                "{path}: stored {:?} bytes, the file has {}",
                stored.map(|s| s.len()),
                data.len()
            );
        }
    }
}

/// Runs the CLI to its end (at most 120 s); returns (exit code, stdout, stderr). Stdout must
/// be UTF-8 whatever the names: it is JSON or text.
fn cli(v: Variant, emu: &Emu, args: &[&str]) -> (i32, String, String) {
    let exe = c_harness::build(CLI, v);
    let mut cmd = c_harness::command(&exe, v);
    cmd.envs(emu.env()).args(args);
    let out = c_harness::output_within(&mut cmd, Duration::from_secs(120));
    let stdout = String::from_utf8(out.stdout).expect("stdout is UTF-8");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

/// The item lines by cos path, and the summary (the last line). Every line must be one JSON
/// object.
fn json_lines(stdout: &str) -> (HashMap<String, Value>, Value) {
    let mut lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l:?}")))
        .collect();
    let last = lines.pop().expect("at least the summary line");
    let summary = last["summary"].clone();
    assert!(summary.is_object(), "the last line is no summary: {last}");
    let mut items = HashMap::new();
    for item in lines {
        assert!(
            item["summary"].is_null(),
            "a summary before the end: {stdout}"
        );
        let path = item["path"].as_str().expect("a path").to_string();
        assert!(
            items.insert(path, item).is_none(),
            "an item twice: {stdout}"
        );
    }
    (items, summary)
}

/// The summary's counts: (uploaded, folders, skipped, failed, deleted, bytes_sent).
fn counts(summary: &Value) -> (u64, u64, u64, u64, u64, u64) {
    let n = |k: &str| {
        summary[k]
            .as_u64()
            .unwrap_or_else(|| panic!("{k}: {summary}"))
    };
    (
        n("uploaded"),
        n("folders"),
        n("skipped"),
        n("failed"),
        n("deleted"),
        n("bytes_sent"),
    )
}

/// Offsets of the `upload_slice_data` requests for `path` in the emulator's log.
fn slices_sent(emu: &Emu, path: &str) -> Vec<u64> {
    let log = emu.emu.log();
    let sent = log
        .iter()
        .filter(|e| e.op == "upload_slice_data" && e.path == path);
    sent.filter_map(|e| e.offset).collect()
}

#[test]
fn a_tree_is_mirrored_exactly_with_json_lines_and_a_summary() {
    let tree = Tree::new(
        "exact",
        &[
            ("a.txt", 100),
            ("with space.txt", 3000),
            ("ünïcödé 文件.bin", 70_000),
            ("empty.bin", 0),
            ("sub/nested/deep.txt", 10),
            ("sub/nested/zero", 0),
            ("sub/big.bin", 3 * 1024 * 1024 + 12_345),
            ("sub/small.bin", 5000),
        ],
        &["emptydir", "sub/empty inner"],
    );
    std::os::unix::fs::symlink("a.txt", tree.root.join("link.txt")).unwrap();
    let root = tree.arg();
    for v in [Variant::Static, Variant::Sanitized] {
        let t = Instant::now();
        let emu = enforcing(|_| {});
        let args = [&["-r", "--json"][..], &SLICED, &[&root, "/dst/"]].concat();
        let (code, out, err) = cli(v, &emu, &args);
        assert_eq!(code, 0, "{v:?}: {out}{err}");
        let (items, summary) = json_lines(&out);
        assert_eq!(counts(&summary), (8, 2, 1, 0, 0, tree.bytes()), "{out}");
        assert!(summary["elapsed_s"].as_f64().is_some(), "{summary}");
        assert_eq!(items.len(), 11, "{out}");
        for (rel, data) in &tree.files {
            let item = &items[&format!("/dst/{rel}")];
            assert_eq!(item["status"], "uploaded", "{item}");
            assert_eq!(item["local"], format!("{root}/{rel}"), "{item}");
            assert_eq!(item["bytes"], data.len(), "{item}");
            assert_eq!(item["bytes_sent"], data.len(), "{item}");
            assert!(
                item["error"].is_null() && item["folder"].is_null(),
                "{item}"
            );
        }
        for folder in ["/dst/emptydir/", "/dst/sub/empty inner/"] {
            let item = &items[folder];
            assert_eq!(
                (&item["status"], &item["folder"]),
                (&"uploaded".into(), &true.into())
            );
            c_harness::library_client(&emu)
                .stat_folder(c_harness::BUCKET, folder)
                .unwrap_or_else(|e| panic!("{folder}: {e}"));
        }
        let link = &items["/dst/link.txt"];
        assert_eq!(link["status"], "skipped", "{link}");
        assert!(
            link["reason"].as_str().unwrap().contains("symbolic link"),
            "{link}"
        );
        // Not a terminal, nothing failed or skipped but the link: no progress lines.
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("skipped") && err.contains("link.txt"), "{err}");
        tree.assert_stored(&emu, "/dst/");
        let big = slices_sent(&emu, "/dst/sub/big.bin");
        assert_eq!(big.len(), 7, "the large file goes in 7 slices: {big:?}");

        // Again, following links, as text: the sliced file is not sent again.
        emu.emu.clear_log();
        let args = [&["-r", "--follow-symlinks"][..], &SLICED, &[&root, "/dst/"]].concat();
        let (code, out, err) = cli(v, &emu, &args);
        assert_eq!(code, 0, "{v:?}: {out}{err}");
        assert!(
            out.starts_with("uploaded 9 files, 2 folders; 0 skipped, 0 failed;"),
            "{out}"
        );
        assert!(err.is_empty(), "{err}");
        assert!(slices_sent(&emu, "/dst/sub/big.bin").is_empty());
        assert!(emu.emu.object("/dst/link.txt") == Some(tree.files[0].1.clone()));
        emu.emu.stop();
        eprintln!("cli_batch exact {v:?}: {:.1?}", t.elapsed());
    }
}

#[test]
fn bad_names_and_a_refused_object_fail_alone() {
    let tree = Tree::new(
        "bad-names",
        &[("good.txt", 10), ("dir/good 2.txt", 20), ("taken.txt", 30)],
        &[],
    );
    tree.add_raw(b"bad\xff.txt", b"not utf-8");
    tree.add_raw(b"new\nline.txt", b"a control character");
    let root = tree.arg();
    for v in Variant::all() {
        let t = Instant::now();
        let emu = enforcing(|_| {});
        emu.emu.put_object("/dst/taken.txt", b"other content");
        let (code, out, err) = cli(v, &emu, &["-r", "--json", &root, "/dst/"]);
        assert_eq!(code, 1, "{v:?}: {out}{err}");
        let (items, summary) = json_lines(&out);
        assert_eq!(counts(&summary), (2, 0, 0, 3, 0, 30), "{out}");
        for (path, local) in [
            ("/dst/bad\u{FFFD}.txt", format!("{root}/bad\u{FFFD}.txt")),
            ("/dst/new\nline.txt", format!("{root}/new\nline.txt")),
        ] {
            let item = &items[path];
            assert_eq!(
                (&item["status"], &item["local"]),
                (&"failed".into(), &local.into())
            );
            let e = &item["error"];
            assert_eq!(e["result_name"], "COSV4_RESULT_INVALID_PATH", "{item}");
            assert_eq!(
                (&e["http_status"], &e["cos_code"]),
                (&0.into(), &Value::Null)
            );
            assert!(!e["message"].as_str().unwrap().is_empty(), "{item}");
        }
        let e = &items["/dst/taken.txt"]["error"];
        assert_eq!(e["result_name"], "COSV4_RESULT_FILE_EXISTS", "{e}");
        assert_eq!(e["cos_code"], -177, "{e}");
        assert!(e["http_status"].as_u64().unwrap() >= 400, "{e}");
        // One stderr line per failure, each naming its file.
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 3, "{err}");
        for name in ["bad\\ufffd.txt\"", "new\\nline.txt\"", "taken.txt\""] {
            let line = lines.iter().find(|l| l.contains(name));
            let line = line.unwrap_or_else(|| panic!("no line for {name}: {err}"));
            assert!(line.starts_with("cosv4-upload: failed \""), "{line}");
        }
        assert!(lines
            .iter()
            .any(|l| l.contains("COSV4_RESULT_FILE_EXISTS (COS code -177")));
        for (rel, data) in &tree.files[..2] {
            assert!(
                emu.emu.object(&format!("/dst/{rel}")).as_ref() == Some(data),
                "{rel}"
            );
        }
        assert!(emu.emu.object("/dst/taken.txt") == Some(b"other content".to_vec()));

        // --overwrite replaces the object; the bad names still fail.
        let (code, out, err) = cli(v, &emu, &["-r", "--overwrite", "--quiet", &root, "/dst/"]);
        assert_eq!((code, out.as_str()), (1, ""), "{err}");
        assert_eq!(err.lines().count(), 2, "{err}");
        tree.assert_stored(&emu, "/dst/");
        emu.emu.stop();
        eprintln!("cli_batch bad names {v:?}: {:.1?}", t.elapsed());
    }
}

#[test]
fn usage_errors_exit_2_with_a_sentence() {
    let tree = Tree::new("usage", &[("f.txt", 10)], &[]);
    let (dir, file) = (tree.arg(), format!("{}/f.txt", tree.arg()));
    let emu = Emu::with(|_| {});
    let (code, out, _) = cli(Variant::Static, &emu, &["--help"]);
    assert_eq!(code, 0);
    for opt in [
        "-r, --recursive",
        "--jobs N",
        "--follow-symlinks",
        "--simple-threshold",
    ] {
        assert!(out.contains(opt), "--help lacks {opt}: {out}");
    }
    let cases: &[(&[&str], &str)] = &[
        (&["-r", &dir], "need LOCAL_DIR and COS_FOLDER/"),
        (
            &["-r", "--biz-attr", "x", &dir, "/d/"],
            "--biz-attr does not apply to -r",
        ),
        (
            &["-r", "--replace-stale", &dir, "/d/"],
            "--replace-stale does not apply to -r",
        ),
        (
            &["--recursive", "--no-create-parents", &dir, "/d/"],
            "--no-create-parents does not apply",
        ),
        (&["--jobs", "2", &file, "/f"], "--jobs applies only to -r"),
        (
            &["--follow-symlinks", &file, "/f"],
            "--follow-symlinks applies only to -r",
        ),
        (
            &["-r", "--jobs", "0", &dir, "/d/"],
            "--jobs needs a positive number in decimal digits (no sign or spaces), not \"0\"",
        ),
        (&["-r", "--jobs", "33", &dir, "/d/"], "bad --jobs (1 to 32)"),
        (
            &["-r", "--simple-threshold", "30000000", &dir, "/d/"],
            "bad --simple-threshold",
        ),
        (&["-r", &dir, "/no-slash"], "COSV4_RESULT_INVALID_PATH"),
        (&["-r", &file, "/d/"], "is not a directory"),
    ];
    for (args, want) in cases {
        let (code, out, err) = cli(Variant::Static, &emu, args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    // With --json the batch's own failure is in the summary line.
    let (code, out, _) = cli(Variant::Static, &emu, &["-r", "--json", &file, "/d/"]);
    assert_eq!(code, 2);
    let (items, summary) = json_lines(&out);
    assert!(items.is_empty(), "{out}");
    assert!(summary["error"]["message"]
        .as_str()
        .unwrap()
        .contains("is not a directory"));
    assert!(emu.emu.log().is_empty(), "a usage error sent requests");
}

/// Two files in slices (each 10 slices of 512 KiB, sent one file at a time, 2 slices at once,
/// 40 ms each) before 20 small files in nested folders and an empty one.
fn slow_tree(name: &str) -> Tree {
    let mut files = vec![
        ("big1.bin", 10 * SLICE as usize),
        ("big2.bin", 10 * SLICE as usize),
    ];
    let small: Vec<String> = (0..20).map(|i| format!("s/{}/f{i}.txt", i % 3)).collect();
    files.extend(small.iter().map(|s| (s.as_str(), 300)));
    Tree::new(name, &files, &["s/empty"])
}

/// A run of the slow tree: its emulator (slices answered after 40 ms), the command line, and
/// where the output goes (`spawn`).
struct SlowRun {
    tree: Tree,
    emu: Emu,
    args: Vec<String>,
    out: PathBuf,
}

impl SlowRun {
    fn new(name: &str) -> SlowRun {
        let tree = slow_tree(name);
        let fixed = ["-r", "--json", "--jobs", "1", "--threads", "2"];
        let mut args: Vec<String> = fixed.iter().chain(&SLICED).map(|s| s.to_string()).collect();
        args.extend([tree.arg(), "/up/".to_string()]);
        SlowRun {
            tree,
            emu: enforcing(|c| c.faults.delay_ms = 40),
            args,
            out: c_harness::out_dir().join(format!("cli-batch/{name}-run")),
        }
    }
}

/// Starts the CLI with its stdout and stderr in files (`out`.stdout, `out`.stderr).
fn spawn(emu: &Emu, args: &[String], out: &Path) -> Child {
    let exe = c_harness::build(CLI, Variant::Static);
    let file = |ext: &str| std::fs::File::create(out.with_extension(ext)).unwrap();
    c_harness::command(&exe, Variant::Static)
        .envs(emu.env())
        .args(args)
        .stdout(file("stdout"))
        .stderr(file("stderr"))
        .spawn()
        .expect("start the CLI")
}

/// Offsets the emulator holds of the unfinished upload at `path`.
fn stored(emu: &Emu, path: &str) -> BTreeSet<u64> {
    let session = emu.emu.session(path);
    session
        .map(|s| s.offsets.into_iter().collect())
        .unwrap_or_default()
}

/// Waits (at most 60 s) until the emulator holds `n` slices of `path`; panics when the run
/// ends first.
fn wait_stored(emu: &Emu, child: &mut Child, path: &str, n: usize) {
    let start = Instant::now();
    while stored(emu, path).len() < n {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the batch ended ({status}) before {n} slices of {path} were stored");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{path}: not {n} slices in 60 s"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Waits (at most 30 s) for the child's exit code.
fn wait_exit(child: &mut Child) -> i32 {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap_or(-1);
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the CLI did not end within 30 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The final run of a resumed batch: exit 0, every item in the summary, every file exact.
fn completes(emu: &Emu, tree: &Tree, args: &[String]) -> String {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = cli(Variant::Static, emu, &args);
    assert_eq!(code, 0, "{out}{err}");
    let (_, summary) = json_lines(&out);
    let (uploaded, folders, _, failed, _, _) = counts(&summary);
    assert_eq!(
        (uploaded, folders, failed),
        (tree.files.len() as u64, 1, 0),
        "{out}"
    );
    tree.assert_stored(emu, "/up/");
    out
}

/// What the server held of the interrupted file around a kill.
struct Kill {
    /// Stored when SIGKILL was sent: the next run must not send these again.
    at_kill: BTreeSet<u64>,
    /// Stored once the requests in flight ended: the next run starts from these.
    settled: BTreeSet<u64>,
}

#[test]
fn killed_mid_batch_then_the_same_command_completes_without_resending_stored_slices() {
    let SlowRun {
        tree,
        emu,
        args,
        out,
    } = SlowRun::new("killed");
    let mut previous: Option<Kill> = None;
    let mut resent = 0;
    // Two kills while the second large file is on the wire (the first one is complete and
    // the small files not started), the second one in the run that resumed it.
    for run in 0..2 {
        emu.emu.clear_log();
        let mut child = spawn(&emu, &args, &out);
        let have = stored(&emu, "/up/big2.bin").len();
        wait_stored(&emu, &mut child, "/up/big2.bin", have + 3);
        child.kill().unwrap(); // SIGKILL
        let at_kill = stored(&emu, "/up/big2.bin");
        child.wait().unwrap();
        assert!(emu.emu.object("/up/big1.bin").is_some(), "big1 is complete");
        assert!(emu.emu.object("/up/big2.bin").is_none(), "big2 is not");
        assert!(
            emu.emu.object("/up/s/0/f0.txt").is_none(),
            "the small files are not"
        );
        // Requests whose body had arrived are still stored and answered; let them end.
        std::thread::sleep(Duration::from_millis(150));
        if let Some(before) = &previous {
            resent += check_rerun(run, &emu, before);
        }
        let settled = stored(&emu, "/up/big2.bin");
        previous = Some(Kill { at_kill, settled });
    }
    emu.emu.clear_log();
    completes(&emu, &tree, &args);
    resent += check_rerun(2, &emu, previous.as_ref().unwrap());
    eprintln!("cli_batch kill -9: 2 kills, {resent} slices in flight at a kill sent again");
}

/// What the run after a kill sent: no slice the server held at the kill, nothing of the file
/// completed before it, and at most a window (2) of the slices in flight at the kill; returns
/// how many of those it sent again.
fn check_rerun(run: usize, emu: &Emu, before: &Kill) -> usize {
    let sent = slices_sent(emu, "/up/big2.bin");
    let stored_before: Vec<&u64> = sent.iter().filter(|o| before.at_kill.contains(o)).collect();
    assert!(
        stored_before.is_empty(),
        "run {run} sent stored slices again: {stored_before:?}"
    );
    let again = sent.iter().filter(|o| before.settled.contains(o)).count();
    assert!(
        again <= 2,
        "run {run} sent again {again} slices in flight at the kill: {sent:?}"
    );
    assert!(
        slices_sent(emu, "/up/big1.bin").is_empty(),
        "run {run} sent big1 again"
    );
    again
}

#[test]
fn sigint_mid_batch_exits_130_and_a_rerun_completes() {
    let SlowRun {
        tree,
        emu,
        args,
        out,
    } = SlowRun::new("sigint");
    let mut child = spawn(&emu, &args, &out);
    wait_stored(&emu, &mut child, "/up/big2.bin", 2);
    let t = Instant::now();
    c_harness::command_ok(
        // The shell's own `kill`: a fresh machine may lack procps' /bin/kill.
        Command::new("sh")
            .args(["-c", &format!("kill -INT {}", child.id())])
            .stdin(Stdio::null()),
    );
    let code = wait_exit(&mut child);
    let stdout = std::fs::read_to_string(out.with_extension("stdout")).unwrap();
    let stderr = std::fs::read_to_string(out.with_extension("stderr")).unwrap();
    assert_eq!(code, 130, "{stdout}{stderr}");
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "cancel took {:?}",
        t.elapsed()
    );
    assert!(stderr.contains("interrupted"), "{stderr}");
    let (items, summary) = json_lines(&stdout);
    assert_eq!(summary["interrupted"], true, "{summary}");
    assert_eq!(
        summary["error"]["result_name"], "COSV4_RESULT_CANCELLED",
        "{summary}"
    );
    assert_eq!(items["/up/big1.bin"]["status"], "uploaded", "{stdout}");
    assert!(emu.emu.object("/up/big2.bin").is_none());

    emu.emu.clear_log();
    let out = completes(&emu, &tree, &args);
    assert!(slices_sent(&emu, "/up/big1.bin").is_empty(), "{out}");
}

#[test]
fn a_terminal_gets_one_progress_line_redrawn_in_place() {
    if !c_harness::have_python() {
        return;
    }
    let SlowRun { tree, emu, .. } = SlowRun::new("terminal");
    let exe = c_harness::build(CLI, Variant::Static);
    // python3's pty.spawn runs the CLI on a pseudo-terminal and copies what it prints.
    let spawn = "import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)";
    let mut cmd = c_harness::command(Path::new("python3"), Variant::Static);
    cmd.envs(emu.env()).args(["-c", spawn]).arg(&exe);
    cmd.args(["-r", "--threads", "2"])
        .args(SLICED)
        .args([&tree.arg(), "/up/"]);
    let out = c_harness::output_within(&mut cmd, Duration::from_secs(120));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text:?}");
    let (progress, summary) = text
        .split_once("uploaded 22 files, 1 folders; 0 skipped, 0 failed;")
        .unwrap_or_else(|| panic!("no summary: {text:?}"));
    // Redrawn with \r and cleared with ESC [K: never a new line until the summary.
    assert!(progress.matches("\rfiles ").count() >= 2, "{progress:?}");
    assert!(
        !progress.contains('\n') && progress.ends_with("\r\x1b[K"),
        "{progress:?}"
    );
    assert!(progress.contains(" MiB/s"), "{progress:?}");
    assert_eq!(summary.matches('\n').count(), 1, "{summary:?}");
    tree.assert_stored(&emu, "/up/");
}
