//! Papercuts of the `examples-c/cosv4.c` CLI (issue 15, items 5 to 9): signals in every
//! subcommand, one JSON object with `--json` whatever happens, `get` into a directory, numbers
//! in digits only, and the list prefixes `.` and `..`. Against the emulator, a closed port, or a
//! small server below that answers the first page of a listing and never answers anything
//! else.

mod c_harness;

use c_harness::{Emu, Variant};
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

const CLI: &str = "examples-c/cosv4.c";

/// The longest any CLI run here may take: well under the 30 s the library waits on a stalled
/// answer, so a command that is not interrupted fails the test instead of passing late.
const LIMIT: Duration = Duration::from_secs(20);

/// The CLI built for `v` (Static, or Sanitized: ASan with leak checks, UBSan), with `env` as
/// its whole COS_* environment.
fn cli_command(v: Variant, env: &[(&str, String)], args: &[&OsStr]) -> Command {
    let exe = c_harness::build(CLI, v);
    let mut cmd = c_harness::command(&exe, v);
    for var in ["COS_APPID", "COS_SECRET_ID", "COS_SECRET_KEY", "COS_BUCKET"] {
        cmd.env_remove(var);
    }
    cmd.env_remove("COS_ENDPOINT").env_remove("COS_REGION");
    cmd.envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .args(args);
    cmd
}

fn os<'a>(args: &[&'a str]) -> Vec<&'a OsStr> {
    args.iter().map(|a| OsStr::new(*a)).collect()
}

fn run(env: &[(&str, String)], args: &[&str]) -> Output {
    c_harness::output_within(&mut cli_command(Variant::Static, env, &os(args)), LIMIT)
}

/// The one JSON object on stdout (parsed from the raw bytes: invalid UTF-8 fails).
fn one_object(out: &Output, what: &str) -> serde_json::Value {
    let text = format!(
        "{what}: {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.stdout.iter().filter(|b| **b == b'\n').count(),
        1,
        "one line: {text}"
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect(&text);
    assert!(j.is_object(), "{text}");
    j
}

/// COS_* variables for the CLI.
type Env = Vec<(&'static str, String)>;

/// The credentials and an endpoint where nothing listens (no retries: the refused connection
/// is the answer, not an outage to ride out for a minute).
fn closed_env() -> Env {
    let mut env = c_harness::credentials_env();
    env.push(("COS_ENDPOINT", c_harness::closed_endpoint()));
    env.push(("COS_RETRY_WINDOW", "0".to_string()));
    env
}

/// `env` with `var` set to `value`, or removed.
fn with(env: &Env, var: &'static str, value: Option<&str>) -> Env {
    let mut env: Vec<_> = env.iter().filter(|(k, _)| *k != var).cloned().collect();
    if let Some(v) = value {
        env.push((var, v.to_string()));
    }
    env
}

fn scratch(name: &str) -> PathBuf {
    let dir = c_harness::out_dir().join("cli-papercuts").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Everything under `dir`, sorted (to show that nothing was left behind).
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

// ---- item 5: signals ----

/// On 127.0.0.1: answers a listing's first page (one file `f1`, more pages follow) and holds
/// every other request open without an answer, for at most a minute.
struct Staller {
    url: String,
    requests: Arc<AtomicUsize>,
}

impl Staller {
    fn start() -> Staller {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let count = requests.clone();
        std::thread::spawn(move || {
            let end = Instant::now() + Duration::from_secs(60);
            while Instant::now() < end {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let count = count.clone();
                        std::thread::spawn(move || stall_or_answer(conn, &count, end));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5))
                    }
                    Err(_) => break,
                }
            }
        });
        Staller { url, requests }
    }

    /// Waits (at most [`LIMIT`]) until `n` requests have arrived.
    fn wait_for(&self, n: usize) {
        let start = Instant::now();
        while self.requests.load(Ordering::SeqCst) < n {
            assert!(start.elapsed() < LIMIT, "{n} requests did not arrive");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn stall_or_answer(conn: TcpStream, count: &AtomicUsize, end: Instant) {
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    for _ in 0..100 {
        let mut header = String::new();
        if reader.read_line(&mut header).map_or(true, |n| n == 0) || header.trim().is_empty() {
            break;
        }
    }
    count.fetch_add(1, Ordering::SeqCst);
    let first_page = line.contains("op=list") && !line.contains("context=p2");
    if !first_page {
        // Never answer: hold the connection until the client goes or the minute is over.
        let mut buf = [0u8; 64];
        let _ = conn.set_read_timeout(Some(Duration::from_millis(100)));
        while Instant::now() < end {
            match (&conn).read(&mut buf) {
                Ok(0) => return,
                Err(e)
                    if e.kind() != std::io::ErrorKind::WouldBlock
                        && e.kind() != std::io::ErrorKind::TimedOut =>
                {
                    return
                }
                _ => {}
            }
        }
        return;
    }
    let body = serde_json::json!({"code": 0, "message": "SUCCESS", "data": {
        "context": "p2", "listover": false,
        "infos": [{"name": "f1", "filesize": 1, "filelen": 1, "sha": "", "ctime": 1, "mtime": 1}]}})
    .to_string();
    let _ = write!(
        &conn,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
}

/// Starts the CLI against `staller`, waits until it has sent `requests` requests (and, with
/// `first_line`, printed a first line on stdout), sends `signal`, and returns the exit code,
/// the stdout lines and stderr.
fn interrupt(
    v: Variant,
    staller: &Staller,
    args: &[&str],
    requests: usize,
    first_line: bool,
    signal: &str,
) -> (Option<i32>, Vec<String>, String) {
    let mut env = c_harness::credentials_env();
    env.push(("COS_ENDPOINT", staller.url.clone()));
    let before = staller.requests.load(Ordering::SeqCst);
    let mut child = cli_command(v, &env, &os(args))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let out = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in stdout.lines().map_while(Result::ok) {
            let _ = tx.send(());
            lines.push(line);
        }
        lines
    });
    let mut stderr = child.stderr.take().unwrap();
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    staller.wait_for(before + requests);
    if first_line {
        // The first page is on stdout while the second request is still in flight.
        if rx.recv_timeout(LIMIT).is_err() {
            let _ = child.kill();
            panic!("{args:?}: no whole line on stdout while the next page was awaited");
        }
    }
    c_harness::command_ok(
        // The shell's own `kill`: a fresh machine may lack procps' /bin/kill.
        Command::new("sh").args(["-c", &format!("kill -{signal} {}", child.id())]),
    );
    let status = c_harness::wait_or_kill(&mut child, LIMIT)
        .unwrap_or_else(|| panic!("{args:?}: still running {LIMIT:?} after SIG{signal}"));
    (status.code(), out.join().unwrap(), err.join().unwrap())
}

fn parse_line(line: &str, what: &str) -> serde_json::Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {line}"))
}

#[test]
fn every_subcommand_stops_on_sigint_and_sigterm_with_exit_130() {
    for v in [Variant::Static, Variant::Sanitized] {
        interrupt_each_subcommand(v);
    }
}

fn interrupt_each_subcommand(v: Variant) {
    let staller = Staller::start();
    let dir = scratch(&format!("interrupt-{v:?}"));
    let local = dir.join("got.bin").display().to_string();

    // A listing cut short between pages: the page so far, "complete":false, then the error.
    let (code, lines, err) = interrupt(v, &staller, &["--json", "ls", "/"], 2, false, "INT");
    let what = format!("{v:?} --json ls: {lines:?} {err}");
    assert_eq!(code, Some(130), "{what}");
    assert_eq!(lines.len(), 2, "{what}");
    let (page, error) = (parse_line(&lines[0], &what), parse_line(&lines[1], &what));
    assert_eq!(
        (
            page["complete"].clone(),
            page["count"].clone(),
            page["pages"].clone()
        ),
        (false.into(), 1.into(), 1.into()),
        "{what}"
    );
    assert_eq!(page["entries"][0]["name"], "f1", "{what}");
    assert_eq!(error["result_name"], "COSV4_RESULT_CANCELLED", "{what}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("interrupted by SIGINT"),
        "{what}"
    );
    assert_eq!(err.lines().count(), 1, "{what}");

    // Text: the first page's line is out (whole, flushed) before the next page comes.
    let (code, lines, err) = interrupt(v, &staller, &["ls", "/"], 2, true, "TERM");
    assert_eq!(code, Some(130), "ls: {lines:?} {err}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].ends_with("  f1"), "{lines:?}");
    assert!(
        err.contains("COSV4_RESULT_CANCELLED") && err.contains("SIGTERM"),
        "{err}"
    );

    // One request that cannot be cancelled: abandoned; a change may or may not have happened.
    for (args, signal, change) in [
        (&["--json", "stat", "/a.txt"][..], "TERM", false),
        (&["--json", "rm", "/a.txt"][..], "INT", true),
        (&["--json", "mkdir", "/new/"][..], "TERM", true),
        (&["--json", "mv", "/a.txt", "b.txt"][..], "INT", true),
    ] {
        let (code, lines, err) = interrupt(v, &staller, args, 1, false, signal);
        let what = format!("{v:?} {args:?}: {lines:?} {err}");
        assert_eq!(code, Some(130), "{what}");
        assert_eq!(lines.len(), 1, "{what}");
        let j = parse_line(&lines[0], &what);
        assert_eq!(j["result_name"], "COSV4_RESULT_CANCELLED", "{what}");
        let message = j["message"].as_str().unwrap();
        assert!(message.contains(&format!("SIG{signal}")), "{what}");
        assert_eq!(message.contains("unknown"), change, "{what}");
    }

    // get: cancelled through the library's token (here in its first request, the stat).
    let (code, lines, err) = interrupt(
        v,
        &staller,
        &["--json", "get", "/a.txt", &local],
        1,
        false,
        "INT",
    );
    let what = format!("get: {lines:?} {err}");
    assert_eq!(code, Some(130), "{what}");
    assert_eq!(lines.len(), 1, "{what}");
    assert_eq!(
        parse_line(&lines[0], &what)["result_name"],
        "COSV4_RESULT_CANCELLED"
    );
    assert!(
        err.contains("run the same command again to resume"),
        "{what}"
    );
    assert!(listing(&dir).is_empty(), "{:?}", listing(&dir));
}

// ---- item 6: --json always prints one object ----

#[test]
fn json_is_one_object_for_usage_and_setup_errors() {
    let env = closed_env();
    let cases: Vec<(Env, &[&str], i32)> = vec![
        (env.clone(), &["--json", "stat"], 2),
        (env.clone(), &["--json"], 2),
        (env.clone(), &["--json", "bogus", "/a"], 2),
        (env.clone(), &["stat", "/a", "--bogus", "--json"], 2),
        (env.clone(), &["--json", "ls", "--num", "+5", "/"], 2),
        (env.clone(), &["--json", "ls", "/", "p", "extra"], 2),
        (env.clone(), &["--json", "ls", "--num"], 2),
        (with(&env, "COS_BUCKET", None), &["--json", "stat", "/a"], 2),
        (
            with(&env, "COS_APPID", Some("-5")),
            &["--json", "stat", "/a"],
            2,
        ),
        (
            with(&env, "COS_SECRET_KEY", None),
            &["--json", "stat", "/a"],
            2,
        ),
        (
            with(&env, "COS_ENDPOINT", None),
            &["--json", "stat", "/a"],
            2,
        ),
        (
            with(&env, "COS_ENDPOINT", Some("ftp://x")),
            &["--json", "stat", "/a"],
            2,
        ),
        (env.clone(), &["--json", "stat", "no-slash"], 2),
        (env.clone(), &["--json", "stat", "/a"], 1),
    ];
    for (env, args, code) in cases {
        let out = run(&env, args);
        let what = format!("{args:?}");
        let j = one_object(&out, &what);
        assert_eq!(out.status.code(), Some(code), "{what}: {j}");
        assert_eq!(j["ok"], false, "{what}: {j}");
        assert!(
            j["result_name"]
                .as_str()
                .unwrap()
                .starts_with("COSV4_RESULT_"),
            "{j}"
        );
        assert!(!j["message"].as_str().unwrap().is_empty(), "{j}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).lines().count(),
            1,
            "{what}"
        );
    }
    let out = run(&env, &["--json", "--help"]);
    let j = one_object(&out, "--json --help");
    assert!(out.status.success());
    assert!(
        j["usage"].as_str().unwrap().starts_with("usage: cosv4"),
        "{j}"
    );
}

/// `dir` joined with the raw bytes of `name`.
fn in_dir(dir: &Path, name: &[u8]) -> Vec<u8> {
    let mut path = dir.as_os_str().as_bytes().to_vec();
    path.push(b'/');
    path.extend_from_slice(name);
    path
}

#[test]
fn json_stays_valid_whatever_the_bytes_of_a_local_path() {
    let emu = Emu::start();
    emu.emu.put_object("/a.txt", b"hello");
    for v in [Variant::Static, Variant::Sanitized] {
        let dir = scratch(&format!("json-bytes-{v:?}"));
        // A folder that does not exist, named with a byte that is not UTF-8: a failure.
        let missing = in_dir(&dir, b"no\xffpe/x.txt");
        let args = ["--json", "get", "/a.txt"].map(OsStr::new);
        let args = [&args[..], &[OsStr::from_bytes(&missing)]].concat();
        let out = c_harness::output_within(&mut cli_command(v, &closed_env(), &args), LIMIT);
        let j = one_object(&out, "get into a non-UTF-8 folder");
        assert_eq!(out.status.code(), Some(1), "{v:?} {j}");
        assert!(
            j["message"].as_str().unwrap().contains("no\u{FFFD}pe"),
            "{v:?} {j}"
        );
        // A success: a stray byte, a bad lead byte, a surrogate (3 bytes); UTF-8 kept.
        let target = in_dir(&dir, "b\u{e9}\u{6587}".as_bytes());
        let target = [&target[..], b"\xff\xc0\xed\xa0\x80c.txt"].concat();
        let args = ["--json", "get", "--quiet", "/a.txt"].map(OsStr::new);
        let args = [&args[..], &[OsStr::from_bytes(&target)]].concat();
        let out = c_harness::output_within(&mut cli_command(v, &emu.env(), &args), LIMIT);
        let j = one_object(&out, "get to a non-UTF-8 name");
        assert!(out.status.success(), "{v:?} {j}");
        let shown = j["local"].as_str().unwrap();
        assert!(
            shown.ends_with("/b\u{e9}\u{6587}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}c.txt"),
            "{v:?} {j}"
        );
        assert_eq!(std::fs::read(OsStr::from_bytes(&target)).unwrap(), b"hello");
    }
    emu.emu.stop();
}

// ---- item 7: get into a directory ----

#[test]
fn get_into_a_directory_is_checked_before_downloading() {
    let emu = Emu::start();
    emu.emu.put_object("/cli/a.txt", b"hello");
    let env = emu.env();
    let dir = scratch("get-dir");
    let d = dir.join("DIR");
    std::fs::create_dir(&d).unwrap();
    let into = |local: &Path, extra: &str| -> Output {
        let local = format!("{}{extra}", local.display());
        run(&env, &["get", "--quiet", "/cli/a.txt", &local])
    };
    // DIR and DIR/: the file of that name inside, as cp does.
    let out = into(&d, "");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(std::fs::read(d.join("a.txt")).unwrap(), b"hello");
    assert_eq!(listing(&dir), ["DIR"]);
    assert_eq!(listing(&d), ["a.txt"]);
    // Now DIR/a.txt exists: refused before any request (the endpoint is closed), kept.
    let closed = closed_env();
    for extra in ["", "/"] {
        let local = format!("{}{extra}", d.display());
        let out = run(&closed, &["get", "/cli/a.txt", &local]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("DIR/a.txt already exists; add --overwrite"),
            "{err}"
        );
    }
    std::fs::remove_file(d.join("a.txt")).unwrap();
    let out = into(&d, "/");
    assert!(out.status.success(), "{out:?}");
    let out = run(
        &env,
        &[
            "--json",
            "get",
            "--quiet",
            "--overwrite",
            "/cli/a.txt",
            &d.display().to_string(),
        ],
    );
    let j = one_object(&out, "get --overwrite into DIR");
    assert_eq!(j["local"], format!("{}/a.txt", d.display()), "{j}");
    assert_eq!(listing(&d), ["a.txt"]);

    // Targets that cannot be written: named as given, refused before any request, nothing left.
    std::fs::write(dir.join("file"), b"mine").unwrap();
    for (local, needle) in [
        (
            "nope/x.txt",
            "cannot download to {dir}/nope/x.txt: its folder {dir}/nope does not exist",
        ),
        (
            "nope/",
            "cannot download into {dir}/nope/: no such directory",
        ),
        ("file/", "cannot download into {dir}/file/: not a directory"),
        ("file/x.txt", "its folder {dir}/file is not a directory"),
    ] {
        let local = format!("{}/{local}", dir.display());
        let needle = needle.replace("{dir}", &dir.display().to_string());
        let out = run(&closed, &["get", "/cli/a.txt", &local]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{local}: {err}");
        assert!(
            err.contains("COSV4_RESULT_LOCAL_IO") && err.contains(&needle),
            "{err}"
        );
        assert!(!err.contains(".part"), "{err}");
        assert_eq!(listing(&dir), ["DIR", "file"], "{local}");
        assert_eq!(listing(&d), ["a.txt"], "{local}");
    }
    assert_eq!(std::fs::read(dir.join("file")).unwrap(), b"mine");
    // Under ASan/UBSan with leak checks: into DIR/, replacing DIR/a.txt.
    let slash = format!("{}/", d.display());
    let args = os(&["get", "--quiet", "--overwrite", "/cli/a.txt", &slash]);
    let out = c_harness::output_within(&mut cli_command(Variant::Sanitized, &env, &args), LIMIT);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(listing(&d), ["a.txt"]);
    // A folder path has no name to write into DIR.
    let out = run(&closed, &["get", "/cli/", &d.display().to_string()]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    emu.emu.stop();
}

// ---- item 8: numbers ----

#[test]
fn numbers_are_decimal_digits_only() {
    let env = closed_env();
    for appid in [
        "-5",
        "+5",
        " 7",
        "7 ",
        "12ab",
        "0",
        "18446744073709551616",
        "0x10",
    ] {
        let out = run(&with(&env, "COS_APPID", Some(appid)), &["stat", "/a"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "COS_APPID={appid:?}: {err}");
        assert!(err.contains("COS_APPID must be a positive number"), "{err}");
        assert!(err.contains(&format!("not \"{appid}\"")), "{err}");
    }
    for num in ["+5", " 7", "7 ", "5x", "0", "1001", "-1", "", "4294967297"] {
        let out = run(&env, &["ls", "--num", num, "/"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "--num {num:?}: {err}");
        assert!(err.contains("--num needs a number from 1 to 1000"), "{err}");
    }
    // Accepted: the request is made (and fails: nothing listens).
    for num in ["1", "007", "1000"] {
        let out = run(&env, &["ls", "--num", num, "/"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "--num {num:?}: {err}");
        assert!(err.contains("COSV4_RESULT_TRANSPORT"), "{err}");
    }
    let out = run(
        &with(&env, "COS_APPID", Some("1250000000")),
        &["stat", "/a"],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
}

// ---- item 9: the prefixes . and .. ----

#[test]
fn ls_prefixes_dot_and_dot_dot() {
    let emu = Emu::start();
    for name in [".hidden", "..two", "a.txt", ".cfg/x"] {
        emu.emu.put_object(&format!("/d/{name}"), b"d");
    }
    let env = emu.env();
    let out = run(&env, &["--json", "ls", "--num", "1", "/d/", "."]);
    let j = one_object(&out, "ls /d/ .");
    assert!(out.status.success(), "{j}");
    let mut names: Vec<&str> = j["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["..two", ".cfg", ".hidden"], "{j}");
    assert_eq!(j["complete"], true);
    let out = run(&env, &["ls", "/d/", ".."]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.trim_end().ends_with("  ..two"), "{text}");
    emu.emu.stop();
}
