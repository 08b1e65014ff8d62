//! The batch rows' measurements, their Markdown report with the ratios against the targets,
//! and their CSV (`batch.md`, `batch.csv`: the single-file report stays in `results.*`).

use std::fmt::Write as _;

use crate::report::{mark, median, MachineFacts};

/// One measurement of a batch row.
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub name: &'static str,
    pub run: usize,
    /// Files the measurement handled (the loop row: the files it really ran, not 1000).
    pub files: u64,
    pub bytes: u64,
    pub secs: f64,
    /// User + system CPU of the client (this process or the measured child); NaN: not
    /// measured (the emulator ran inside this process).
    pub cpu_s: f64,
    pub rss_kib: Option<u64>,
    /// CPU the emulator child spent meanwhile; NaN when it ran inside this process.
    pub server_cpu_s: f64,
    /// Requests the emulator answered, all of them and upload requests (`op=upload`,
    /// `upload_slice_*`).
    pub requests: Option<u64>,
    pub upload_requests: Option<u64>,
    /// TCP connections the emulator accepted.
    pub connections: Option<u64>,
    /// Requests by op, or what else the row needs to say.
    pub detail: String,
    /// Bytes the measured child read (`rchar`: files and sockets).
    pub read_bytes: Option<u64>,
}

impl Row {
    /// A row from `measured`'s [wall, client CPU, emulator CPU].
    pub fn timed(name: &'static str, run: usize, files: u64, bytes: u64, m: [f64; 3]) -> Row {
        Row {
            name,
            run,
            files,
            bytes,
            secs: m[0],
            cpu_s: m[1],
            server_cpu_s: m[2],
            ..Row::default()
        }
    }

    pub fn files_per_s(&self) -> f64 {
        self.files as f64 / self.secs
    }
}

/// A section of the report: its title and its rows (name, label), in order.
type Section = (&'static str, &'static [(&'static str, &'static str)]);

const SECTIONS: [Section; 7] = [
    (
        "1000 × 16 KiB files in 10 folders",
        &[
            (
                "small_cli_loop",
                "loop of single-file `cosv4-upload` processes (every 10th file: files/s compares)",
            ),
            (
                "small_raw",
                "limit: raw sender, 4 keep-alive conns, pre-built `op=upload` requests, folders first",
            ),
            (
                "small_api",
                "cosv4 `upload_batch` (Rust API, defaults: 4 jobs, integrity on)",
            ),
            ("small_cli_r", "`cosv4-upload -r` (process)"),
            (
                "small_sha",
                "(info) reading and SHA-1 of the 1000 files alone (one thread)",
            ),
        ],
    ),
    (
        "4 × 128 MiB, integrity on",
        &[
            ("large_sha", "limit: one SHA-1 pass over the 4 files"),
            (
                "large_raw",
                "limit: raw sender, the 4 files one after the other (4 conns, 1 MiB slices)",
            ),
            (
                "large_api",
                "cosv4 `upload_batch` (Rust API, defaults, integrity on)",
            ),
            ("large_cli_r", "(info) `cosv4-upload -r` (process)"),
        ],
    ),
    (
        "Many files of 256 B (folders of 1000)",
        &[
            (
                "many_api",
                "cosv4 `upload_batch`, `Keep::Failed`, in a child process (`--child-batch`)",
            ),
            ("many_cli_r", "`cosv4-upload -r --quiet` (process)"),
        ],
    ),
    (
        "Sync of an unchanged tree: 10 000 files of 1 KiB in 10 folders",
        &[
            ("sync_full_api", "full upload (Rust API)"),
            (
                "sync_rerun_api",
                "sync rerun, nothing changed (Rust API, compare by size + SHA-1)",
            ),
            (
                "sync_list",
                "(info) floor: listing the 11 folders alone (library `list_iter`, 199 a page, sequential)",
            ),
            (
                "sync_local",
                "(info) floor: reading and hashing the 10 000 files alone (one thread)",
            ),
            ("sync_full_cli", "full upload (`cosv4-upload -r`)"),
            (
                "sync_rerun_cli",
                "sync rerun, nothing changed (`cosv4-upload -r --sync`)",
            ),
        ],
    ),
    (
        "Sync with one changed 1 GiB file among 100 unchanged ones (`cosv4-upload -r`, same-size edit)",
        &[
            ("sync_big_full", "full upload (`cosv4-upload -r`)"),
            (
                "sync_big_changed",
                "sync rerun after the edit (`cosv4-upload -r --sync`)",
            ),
        ],
    ),
    (
        "Connections opened (counted by the emulator's accept loop)",
        &[
            ("conns_stat", "16 threads, one client: `stat` of one file"),
            ("conns_upload", "16 threads, one client: 1 KiB uploads"),
            ("conns_batch", "`upload_batch` with 16 jobs (16 KiB files)"),
        ],
    ),
    (
        "Bandwidth limit (`limit_rate` 16 MiB/s, one 48 MiB upload, emulator in process)",
        &[
            ("limit_w1", "1 worker"),
            ("limit_w8", "8 workers sharing the one limit"),
        ],
    ),
];

fn label(name: &str) -> &str {
    SECTIONS
        .iter()
        .flat_map(|(_, rows)| rows.iter())
        .find(|(n, _)| *n == name)
        .map_or(name, |(_, l)| l)
}

/// Median of one row's runs: seconds, client CPU, emulator CPU, peak RSS (max), runs.
struct Stat {
    secs: f64,
    files_per_s: f64,
    cpu: f64,
    server_cpu: f64,
    rss_max: Option<u64>,
    runs: usize,
    last: Row,
}

fn stat(rows: &[Row], name: &str) -> Option<Stat> {
    let v: Vec<&Row> = rows.iter().filter(|r| r.name == name).collect();
    let last = (*v.last()?).clone();
    let med = |f: fn(&Row) -> f64| median(v.iter().map(|r| f(r)).collect());
    Some(Stat {
        secs: med(|r| r.secs),
        files_per_s: med(Row::files_per_s),
        cpu: med(|r| r.cpu_s),
        server_cpu: med(|r| r.server_cpu_s),
        rss_max: v.iter().filter_map(|r| r.rss_kib).max(),
        runs: v.len(),
        last,
    })
}

fn num(x: f64, digits: usize) -> String {
    if x.is_nan() {
        "–".into()
    } else {
        format!("{x:.digits$}")
    }
}

fn opt(x: Option<u64>) -> String {
    x.map_or("–".into(), |v| v.to_string())
}

/// One section's table: its rows that were measured (none: no table, as after `--only`).
fn table(out: &mut String, rows: &[Row], (title, names): &Section) {
    if names.iter().all(|(name, _)| stat(rows, name).is_none()) {
        return;
    }
    let _ = writeln!(out, "\n## {title}\n");
    out.push_str(
        "| measurement | runs | items | median s | items/s | client CPU s | emulator CPU s | peak RSS | requests | upload requests | connections | detail (last run) |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for (name, label) in names.iter() {
        let Some(s) = stat(rows, name) else {
            continue;
        };
        let rss = crate::report::rss_cell(s.rss_max);
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {:.3} | {:.0} | {} | {} | {rss} | {} | {} | {} | {} |",
            s.runs,
            s.last.files,
            s.secs,
            s.files_per_s,
            num(s.cpu, 2),
            num(s.server_cpu, 2),
            opt(s.last.requests),
            opt(s.last.upload_requests),
            opt(s.last.connections),
            s.last.detail
        );
    }
}

/// A ratio line: `value` against `target` (`le`: value ≤ target, else ≥).
fn check(out: &mut String, what: &str, value: Option<f64>, target: f64, le: bool) {
    let Some(v) = value else {
        let _ = writeln!(out, "| {what} | not measured | | |");
        return;
    };
    let ok = if le { v <= target } else { v >= target };
    let op = if le { "≤" } else { "≥" };
    let digits = if v.fract() == 0.0 { 0 } else { 3 };
    let _ = writeln!(
        out,
        "| {what} | {v:.digits$} | {op} {target} | {} |",
        mark(ok)
    );
}

fn ratios(out: &mut String, rows: &[Row]) {
    out.push_str("\n## Ratios and targets\n\n| check | value | target | |\n|---|---|---|---|\n");
    let per_file = |n: &str| stat(rows, n).map(|s| 1.0 / s.files_per_s);
    let secs = |n: &str| stat(rows, n).map(|s| s.secs);
    let ratio = |a: Option<f64>, b: Option<f64>| Some(a? / b?);
    let (lp, raw) = (per_file("small_cli_loop"), per_file("small_raw"));
    let (cli, api) = (per_file("small_cli_r"), per_file("small_api"));
    if let Some(l) = lp {
        let _ = writeln!(
            out,
            "| (info) loop of single-file processes, extrapolated to 1000 files, s | {:.1} | | |",
            1000.0 * l
        );
    }
    check(
        out,
        "1000 × 16 KiB: loop time / `-r` time",
        ratio(lp, cli),
        10.0,
        false,
    );
    check(
        out,
        "1000 × 16 KiB: `-r` time / raw sender",
        ratio(cli, raw),
        1.2,
        true,
    );
    check(
        out,
        "(info) 1000 × 16 KiB: loop time / API batch time",
        ratio(lp, api),
        10.0,
        false,
    );
    check(
        out,
        "(info) 1000 × 16 KiB: API batch time / raw sender",
        ratio(api, raw),
        1.2,
        true,
    );
    floor(
        out,
        "1000 × 16 KiB",
        [stat(rows, "small_raw"), stat(rows, "small_sha")],
        secs("small_raw"),
    );
    let limit = secs("large_sha").zip(secs("large_raw")).map(|(a, b)| a + b);
    floor(
        out,
        "4 × 128 MiB",
        [stat(rows, "large_raw"), stat(rows, "large_sha")],
        limit,
    );
    let wall = ratio(secs("large_api"), limit);
    check(
        out,
        "4 × 128 MiB: batch wall / (SHA-1 pass + raw sender)",
        wall,
        0.6,
        true,
    );
    if let Some(w) = wall {
        let _ = writeln!(
            out,
            "| 4 × 128 MiB: overlap achieved = 1 − wall / (sha + send) | {:.3} | | |",
            1.0 - w
        );
    }
    let cli_wall = ratio(secs("large_cli_r"), limit);
    if cli_wall.is_some() {
        check(
            out,
            "(info) 4 × 128 MiB: `-r` wall / (SHA-1 pass + raw sender)",
            cli_wall,
            0.6,
            true,
        );
    }
    let rss = |n: &str| {
        stat(rows, n)
            .and_then(|s| s.rss_max)
            .map(|k| k as f64 / 1024.0)
    };
    check(
        out,
        "many files: CLI `-r` peak RSS, MiB",
        rss("many_cli_r"),
        64.0,
        true,
    );
    check(
        out,
        "(info) many files: API batch (`Keep::Failed`, child) peak RSS, MiB",
        rss("many_api"),
        64.0,
        true,
    );
    for (full, rerun, who) in [
        ("sync_full_api", "sync_rerun_api", "API"),
        ("sync_full_cli", "sync_rerun_cli", "CLI"),
    ] {
        if stat(rows, full).is_none() {
            continue;
        }
        let what = format!("10 000 unchanged files: full upload / sync rerun ({who})");
        check(out, &what, ratio(secs(full), secs(rerun)), 5.0, false);
        if let Some(r) = ratio(secs(rerun), secs("sync_list")) {
            let _ = writeln!(
                out,
                "| (info) 10 000 unchanged files: sync rerun ({who}) / listing alone | {r:.3} | | |"
            );
        }
        let ups = stat(rows, rerun).and_then(|s| s.last.upload_requests);
        let what = format!("10 000 unchanged files: upload requests of the rerun ({who})");
        check(out, &what, ups.map(|u| u as f64), 0.0, true);
    }
    if let Some(changed) = stat(rows, "sync_big_changed") {
        let read = changed
            .last
            .read_bytes
            .map(|b| b as f64 / (1u64 << 30) as f64);
        let what = "changed 1 GiB file: bytes the sync rerun read / its size (hashed once: 2)";
        check(out, what, read, 2.01, true);
        if let Some(r) = ratio(Some(changed.secs), secs("sync_big_full")) {
            let _ = writeln!(
                out,
                "| (info) changed 1 GiB file: sync rerun / full upload, time | {r:.3} | | |"
            );
        }
    }
    for name in ["conns_stat", "conns_upload", "conns_batch"] {
        if let Some(s) = stat(rows, name) {
            let per_k = ratio(
                s.last.connections.map(|c| c as f64),
                s.last.requests.map(|r| r as f64 / 1000.0),
            );
            let _ = writeln!(
                out,
                "| (info) connections per 1000 requests, {} | {} | | |",
                label(name),
                per_k.map_or("–".into(), |v| format!("{v:.1}"))
            );
        }
    }
}

/// The CPU floor of a row as a ratio to its limit `base`: the CPU that any client and the
/// emulator must spend — the raw sender's and the emulator's in the raw run, plus the reading
/// and hashing that the raw sender skips — spread perfectly over every core. A client as lean
/// as the raw sender with hashing hidden entirely reaches it, none goes below.
fn floor(out: &mut String, what: &str, [raw, sha]: [Option<Stat>; 2], base: Option<f64>) {
    let (Some(raw), Some(sha), Some(base)) = (raw, sha, base) else {
        return;
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let cpu = raw.cpu + raw.server_cpu + sha.cpu;
    let _ = writeln!(
        out,
        "| (info) {what}: CPU floor on {cores} cores = (raw sender {:.3} + its emulator {:.3} + \
         reading and SHA-1 {:.3} CPU s) / {cores} / limit | {:.3} | | |",
        raw.cpu,
        raw.server_cpu,
        sha.cpu,
        cpu / cores / base
    );
}

/// The whole batch report as Markdown (also what is printed).
pub fn markdown(facts: &MachineFacts, run: &str, rows: &[Row], notes: &[String]) -> String {
    let mut out = String::from("# cosv4 benchmark: batches\n\n");
    facts.head(&mut out, run);
    out.push_str(
        "- set-up: rows 1–3 against an emulator child started with `--discard-data` (slices are \
         not stored; small files' `op=upload` bodies still are, on /dev/shm) and without \
         `--implicit-folders` (folders must exist: the raw sender creates them first, the batch \
         itself); rows 4–5 against emulators inside the bench process (a fresh one per measurement), \
         which count requests by op (their request log) and TCP connections (their accept \
         counter); client CPU = user+sys of the bench process or of the measured child (wait4), \
         peak RSS from wait4 of a child started by a fresh process (see the notes for the \
         method's floor); items = files, or requests in the connection rows\n",
    );
    for section in &SECTIONS {
        table(&mut out, rows, section);
    }
    ratios(&mut out, rows);
    crate::report::notes_section(&mut out, notes);
    out
}

pub fn csv(rows: &[Row]) -> String {
    let mut out = String::from(
        "name,run,files,bytes,seconds,files_per_s,cpu_s,rss_kib,server_cpu_s,requests,upload_requests,connections,detail\n",
    );
    let o = |x: Option<u64>| x.map_or(String::new(), |v| v.to_string());
    // Not measured (NaN): an empty field.
    let cpu = |x: f64| num(x, 3).replace('–', "");
    for r in rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{:.6},{:.1},{},{},{},{},{},{},\"{}\"",
            r.name,
            r.run,
            r.files,
            r.bytes,
            r.secs,
            r.files_per_s(),
            cpu(r.cpu_s),
            o(r.rss_kib),
            cpu(r.server_cpu_s),
            o(r.requests),
            o(r.upload_requests),
            o(r.connections),
            r.detail.replace('"', "\"\"")
        );
    }
    out
}
