//! Bad input, checked against its documentation: docs/BAD-INPUT.md holds one table row per
//! case (number, case, through, result code, message substring). `tests/c/bad_input.c` prints
//! one line `#<n> <RESULT_NAME> <message>` per "C API" row; the "CLI" rows carry their command
//! line, which this test runs with the C CLI it names (cosv4-upload or cosv4). Every row must
//! have a result that agrees with it, and every result a row, so the document cannot drift
//! from the library.
//!
//! The C program runs linked statically and dynamically, and once under valgrind (when it is
//! installed; required when CI is set, as in tests/c_api.rs). Scripted wrong answers (not
//! JSON, truncated, oversized, wrong echoes, service errors) come from [`FakeServer`] below.
//!
//! Rows that fail because of a known library problem are listed in [`KNOWN_FAILING`] with the
//! reason: they are printed but do not fail the test, and the test fails once such a row
//! passes, so that the list is kept short.

mod c_harness;

use c_harness::{Emu, Variant};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const DOC: &str = "docs/BAD-INPUT.md";
const PROGRAM: &str = "tests/c/bad_input.c";
/// The CLIs a "CLI" row may run: its command's name, and the source it is built from.
const CLIS: &[(&str, &str)] = &[
    ("cosv4-upload", "examples-c/cosv4-upload.c"),
    ("cosv4", "examples-c/cosv4.c"),
];

/// Rows that fail today, with the library problem behind each (see docs/BAD-INPUT.md).
const KNOWN_FAILING: &[(u32, &str)] = &[];

/// One row of the table.
#[derive(Debug, Clone)]
struct Row {
    n: u32,
    case: String,
    through: String,
    /// `COSV4_RESULT_*`, or `exit N` for the CLI.
    code: String,
    needle: String,
}

/// The text of a Markdown code span (`x` or `` x ``), or the cell as it is.
fn unquote(cell: &str) -> String {
    let c = cell.trim();
    for ticks in ["``", "`"] {
        if let Some(inner) = c.strip_prefix(ticks).and_then(|r| r.strip_suffix(ticks)) {
            return if ticks == "``" {
                inner
                    .strip_prefix(' ')
                    .unwrap_or(inner)
                    .strip_suffix(' ')
                    .unwrap_or(inner)
            } else {
                inner
            }
            .to_string();
        }
    }
    c.to_string()
}

/// The table rows of docs/BAD-INPUT.md (lines `| <number> | ... |`).
fn rows() -> Vec<Row> {
    let text = std::fs::read_to_string(c_harness::root().join(DOC)).expect("read the doc");
    let mut rows = Vec::new();
    for line in text.lines().map(str::trim) {
        let Some(inner) = line.strip_prefix('|').and_then(|l| l.strip_suffix('|')) else {
            continue;
        };
        let cells: Vec<&str> = inner.split('|').map(str::trim).collect();
        let Ok(n) = cells[0].parse::<u32>() else {
            continue; // header and separator
        };
        assert_eq!(cells.len(), 5, "{DOC} row {n} needs 5 cells: {line}");
        rows.push(Row {
            n,
            case: cells[1].to_string(),
            through: cells[2].to_string(),
            code: unquote(cells[3]),
            needle: unquote(cells[4]),
        });
    }
    rows
}

#[test]
fn the_table_is_well_formed() {
    let rows = rows();
    assert!(rows.len() >= 40, "only {} rows", rows.len());
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(
            r.n as usize,
            i + 1,
            "rows must be numbered 1, 2, ...: {r:?}"
        );
        assert!(
            r.through == "C API" || r.through == "CLI",
            "row {}: through is {:?}",
            r.n,
            r.through
        );
        let code_ok = r.code.starts_with("COSV4_RESULT_")
            || r.code
                .strip_prefix("exit ")
                .is_some_and(|c| c.parse::<u8>().is_ok());
        assert!(code_ok, "row {}: code {:?}", r.n, r.code);
        assert!(!r.needle.is_empty(), "row {}: no message substring", r.n);
    }
    for (n, _) in KNOWN_FAILING {
        assert!(
            rows.iter().any(|r| r.n == *n),
            "KNOWN_FAILING names row {n}"
        );
    }
}

/// Compares results (row number → (name, message)) with the rows `through`; returns the
/// problems, known failures left out but printed.
fn compare(rows: &[Row], results: &BTreeMap<u32, (String, String)>, label: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for r in rows {
        let known = KNOWN_FAILING.iter().find(|(n, _)| *n == r.n).map(|k| k.1);
        let problem = match results.get(&r.n) {
            None => Some("no result".to_string()),
            Some((name, _)) if name == "SKIP" && r.case.contains("skipped as root") => None,
            Some((name, msg)) if *name != r.code || !msg.contains(&r.needle) => Some(format!(
                "want {} with {:?}, got {name} {msg:?}",
                r.code, r.needle
            )),
            Some(_) => None,
        };
        match (problem, known) {
            (Some(p), Some(why)) => eprintln!("{label} row {} fails as known ({why}): {p}", r.n),
            (Some(p), None) => problems.push(format!("row {} ({}): {p}", r.n, r.case)),
            (None, Some(_)) => problems.push(format!(
                "row {} passes now: remove it from KNOWN_FAILING in tests/bad_input.rs",
                r.n
            )),
            (None, None) => {}
        }
    }
    for n in results.keys().filter(|n| !rows.iter().any(|r| r.n == **n)) {
        problems.push(format!("result #{n} has no row in {DOC}"));
    }
    problems
}

fn fail_on(problems: Vec<String>, label: &str, output: &str) {
    assert!(
        problems.is_empty(),
        "{label}: {} mismatch(es) with {DOC}:\n  {}\n--- output\n{output}",
        problems.len(),
        problems.join("\n  ")
    );
}

/// `#<n> <NAME> <message>` lines.
fn parse_results(stdout: &str) -> BTreeMap<u32, (String, String)> {
    let mut results = BTreeMap::new();
    for line in stdout.lines().filter_map(|l| l.strip_prefix('#')) {
        let mut parts = line.splitn(3, ' ');
        let n: u32 = parts.next().unwrap().parse().expect("a case number");
        let name = parts.next().unwrap_or("").to_string();
        let msg = parts.next().unwrap_or("").to_string();
        assert!(
            results.insert(n, (name, msg)).is_none(),
            "case #{n} printed twice"
        );
    }
    results
}

#[test]
fn c_api_rows_agree_with_the_library() {
    let rows: Vec<Row> = rows()
        .into_iter()
        .filter(|r| r.through == "C API")
        .collect();
    let fake = FakeServer::start();
    let mut variants = vec![Variant::Static, Variant::Shared];
    if c_harness::valgrind() {
        variants.push(Variant::Valgrind);
    }
    // The variants run at once (valgrind takes longest); each has its own emulator.
    std::thread::scope(|scope| {
        for v in variants {
            let (rows, fake_url) = (&rows, &fake.url);
            scope.spawn(move || run_c_variant(v, rows, fake_url));
        }
    });
    fake.stop();
}

/// Runs the C program for `v` against a fresh emulator and checks its lines against `rows`.
fn run_c_variant(v: Variant, rows: &[Row], fake_url: &str) {
    let t = Instant::now();
    let emu = Emu::with(|c| c.faults.delay_ms = 50);
    let dir = c_harness::out_dir().join(format!("bad-input-{v:?}").to_lowercase());
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut env = emu.env();
    env.push(("COS_FAKE_ENDPOINT", fake_url.to_string()));
    env.push(("COS_TEST_DIR", dir.display().to_string()));
    let exe = c_harness::build(PROGRAM, v);
    let mut cmd = c_harness::command(&exe, v);
    cmd.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    let limit = Duration::from_secs(if v == Variant::Valgrind { 180 } else { 60 });
    let out = c_harness::output_within(&mut cmd, limit);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let all = format!(
        "{stdout}--- stderr\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && stdout.contains("bad_input END"),
        "{PROGRAM} ({v:?}) failed ({}):\n{all}",
        out.status
    );
    let label = format!("{v:?}");
    fail_on(compare(rows, &parse_results(&stdout), &label), &label, &all);
    emu.emu.stop();
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("bad_input {v:?}: {:.1?}", t.elapsed());
}

/// Runs the command line of a CLI row: `[env [-u VAR]... [VAR=VALUE]...] CLI ARGS`, CLI one of
/// [`CLIS`], `$FILE` standing for a small existing file and `$MISSING` for a path that does not
/// exist.
fn run_cli_row(row: &Row, file: &str, missing: &str) -> (String, String) {
    let line = row
        .case
        .split('`')
        .nth(1)
        .unwrap_or_else(|| panic!("row {}: no `command` in the case", row.n));
    let mut words = line.split_whitespace().peekable();
    let mut env: Vec<(String, String)> = c_harness::credentials_env()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    env.push(("COS_ENDPOINT".into(), c_harness::closed_endpoint()));
    // No retries: a row that reaches the closed endpoint fails at once, not after the
    // library's default window of 60 s.
    env.push(("COS_RETRY_WINDOW".into(), "0".into()));
    if words.peek() == Some(&"env") {
        words.next();
        while let Some(w) = words.next_if(|w| !CLIS.iter().any(|(name, _)| name == w)) {
            let (var, value) = match w {
                "-u" => (words.next().expect("a variable after -u"), None),
                _ => w
                    .split_once('=')
                    .map(|(k, v)| (k, Some(v)))
                    .expect("VAR=VALUE"),
            };
            env.retain(|(k, _)| k != var);
            if let Some(v) = value {
                env.push((var.to_string(), v.to_string()));
            }
        }
    }
    let program = words.next();
    let src = CLIS
        .iter()
        .find(|(name, _)| Some(*name) == program)
        .unwrap_or_else(|| panic!("row {}: no CLI named in {line}", row.n))
        .1;
    let args: Vec<String> = words
        .map(|w| w.replace("$FILE", file).replace("$MISSING", missing))
        .collect();
    let exe = c_harness::build(src, Variant::Static);
    let mut cmd = c_harness::command(&exe, Variant::Static); // clears every COS_* variable
    cmd.envs(env);
    let out = c_harness::output_within(cmd.args(&args), Duration::from_secs(30));
    let code = out.status.code().map_or("killed".into(), |c| c.to_string());
    (
        format!("exit {code}"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_rows_agree_with_the_cli() {
    let rows: Vec<Row> = rows().into_iter().filter(|r| r.through == "CLI").collect();
    let dir = c_harness::out_dir().join("bad-input-cli");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("small.bin");
    std::fs::write(&file, c_harness::content(1000, 9)).unwrap();
    let missing = dir.join("does-not-exist.bin");
    let t = Instant::now();
    let mut results = BTreeMap::new();
    let mut all = String::new();
    for row in &rows {
        let (code, stderr) = run_cli_row(
            row,
            &file.display().to_string(),
            &missing.display().to_string(),
        );
        all.push_str(&format!("#{} {code}: {stderr}", row.n));
        results.insert(row.n, (code, stderr));
    }
    fail_on(compare(&rows, &results, "CLI"), "CLI", &all);
    eprintln!("bad_input CLI: {} rows in {:.1?}", rows.len(), t.elapsed());
}

/// A scripted v4 server on 127.0.0.1: the last path segment before `.bin` names the script
/// (`/files/v2/<appid>/<bucket>/fake/<script>.bin`), and each script answers each `op` with a
/// canned response. It parses just enough of a request: the request line, Content-Length, and
/// the `op` and `offset` fields of the multipart body.
struct FakeServer {
    url: String,
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl FakeServer {
    fn start() -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        std::thread::spawn(move || serve(conn));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        FakeServer { url, stop, thread }
    }

    fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.join().unwrap();
    }
}

/// Answers the requests of one connection until it closes (or stays idle for 10 s).
fn serve(conn: TcpStream) {
    conn.set_nonblocking(false).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut out = conn.try_clone().unwrap();
    let mut reader = BufReader::new(conn);
    for _ in 0..1000 {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let target = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("")
            .to_string();
        let mut length = 0usize;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            if h.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                if k.trim().eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let script = target
            .rsplit('/')
            .next()
            .and_then(|s| s.split(['.', '?']).next())
            .unwrap_or("")
            .to_string();
        let op = field(&body, "op").or_else(|| {
            let query = target.split_once('?')?.1;
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix("op=").map(str::to_string))
        });
        let offset: u64 = field(&body, "offset")
            .and_then(|o| o.parse().ok())
            .unwrap_or(0);
        let (status, answer) = answer(&script, op.as_deref().unwrap_or(""), offset);
        let head = format!(
            "HTTP/1.1 {status} Scripted\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            answer.len()
        );
        if out.write_all(head.as_bytes()).is_err() || out.write_all(&answer).is_err() {
            return;
        }
    }
}

/// The value of the text field `name` of a multipart body.
fn field(body: &[u8], name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\"\r\n\r\n");
    let at = body
        .windows(marker.len())
        .position(|w| w == marker.as_bytes())?
        + marker.len();
    let len = body[at..].windows(2).position(|w| w == b"\r\n")?;
    Some(String::from_utf8_lossy(&body[at..at + len]).into_owned())
}

/// The scripted answer of `script` to `op`.
fn answer(script: &str, op: &str, offset: u64) -> (u16, Vec<u8>) {
    let envelope = |code: i64, message: &str, data: serde_json::Value| {
        serde_json::json!({"code": code, "message": message, "request_id": "fake-1", "data": data})
            .to_string()
            .into_bytes()
    };
    let ok = |data: serde_json::Value| (200, envelope(0, "SUCCESS", data));
    let session = serde_json::json!({"session": "S1", "slice_size": 524288, "serial_upload": 0});
    let echo = serde_json::json!({"session": "S1", "offset": offset});
    let urls = serde_json::json!({"access_url": "http://fake/x", "resource_path": "/x"});
    match (script, op) {
        ("notjson", _) => (200, b"<html><body>502 Bad Gateway</body></html>".to_vec()),
        ("truncated", _) => (
            200,
            br#"{"code":0,"message":"SUCCESS","data":{"acc"#.to_vec(),
        ),
        ("oversized", _) => {
            let pad = "x".repeat(1_200_000);
            ok(serde_json::json!({ "pad": pad }))
        }
        ("auth97", _) => (
            403,
            envelope(-97, "signature verification failed", serde_json::json!({})),
        ),
        ("conflict4020", "upload_slice_init") => (
            409,
            envelope(
                -4020,
                "an unfinished upload with a different sha exists",
                serde_json::json!({}),
            ),
        ),
        ("nosession", "upload_slice_init") => ok(serde_json::json!({"slice_size": 524288})),
        ("slice64", "upload_slice_init") => {
            ok(serde_json::json!({"session": "S1", "slice_size": 64}))
        }
        (_, "upload_slice_init") => ok(session),
        ("badoffset", "upload_slice_data") => {
            ok(serde_json::json!({"session": "S1", "offset": offset + 1}))
        }
        ("badsession", "upload_slice_data") => {
            ok(serde_json::json!({"session": "S2", "offset": offset}))
        }
        (_, "upload_slice_data") => ok(echo),
        ("finisherror", "upload_slice_finish") => (
            400,
            envelope(-5999, "scripted finish failure", serde_json::json!({})),
        ),
        ("finish503", "upload_slice_finish") => (
            503,
            envelope(-71, "scripted: too many requests", serde_json::json!({})),
        ),
        ("unknownsession", "upload_slice_finish") => (
            400,
            envelope(-94, "scripted: unknown session", serde_json::json!({})),
        ),
        // An upload in progress, all slices there: its slice size, no URLs.
        ("unknownsession", "stat") => ok(serde_json::json!({
            "filesize": 1_100_000, "filelen": 1_100_000, "slicesize": 524288,
            "sha": "0000000000000000000000000000000000000000",
        })),
        ("unknownsession", "upload_slice_list") => ok(serde_json::json!({
            "session": "S1", "slice_size": 524288, "filesize": 1_100_000, "listparts": [],
        })),
        (_, "upload_slice_finish") => ok(urls),
        _ => (
            404,
            envelope(
                -5999,
                &format!("no script for {script}/{op}"),
                serde_json::json!({}),
            ),
        ),
    }
}
