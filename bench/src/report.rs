//! Aggregation, the printed/Markdown tables, the ratios against the targets, and the CSV.

use std::fmt::Write as _;
use std::path::Path;

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// One measurement.
#[derive(Clone, Debug)]
pub struct Sample {
    pub name: String,
    pub size: u64,
    pub workers: usize,
    pub slice: u64,
    pub run: usize,
    pub secs: f64,
    /// User + system CPU of the client (this process, or the CLI child).
    pub cpu_s: f64,
    /// Peak RSS of the CLI process.
    pub rss_kib: Option<u64>,
    /// CPU the emulator spent meanwhile.
    pub server_cpu_s: f64,
}

impl Sample {
    pub fn mbps(&self) -> f64 {
        self.size as f64 / self.secs / 1e6
    }
}

/// `64 MiB`, `1 GiB`, `512 KiB`.
pub fn size_label(b: u64) -> String {
    if b >= GIB && b.is_multiple_of(GIB) {
        format!("{} GiB", b / GIB)
    } else if b >= MIB && b.is_multiple_of(MIB) {
        format!("{} MiB", b / MIB)
    } else if b.is_multiple_of(1024) {
        format!("{} KiB", b / 1024)
    } else {
        format!("{b} B")
    }
}

pub fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Median and spread of the samples of one measurement.
struct Stat {
    secs: f64,
    mbps: f64,
    mbps_min: f64,
    mbps_max: f64,
    cpu: f64,
    server_cpu: f64,
    rss_max: Option<u64>,
    runs: usize,
}

fn stat<'a>(samples: impl Iterator<Item = &'a Sample>) -> Option<Stat> {
    let v: Vec<&Sample> = samples.collect();
    if v.is_empty() {
        return None;
    }
    let mbps: Vec<f64> = v.iter().map(|s| s.mbps()).collect();
    Some(Stat {
        secs: median(v.iter().map(|s| s.secs).collect()),
        mbps: median(mbps.clone()),
        mbps_min: mbps.iter().copied().fold(f64::INFINITY, f64::min),
        mbps_max: mbps.iter().copied().fold(0.0, f64::max),
        cpu: median(v.iter().map(|s| s.cpu_s).collect()),
        server_cpu: median(v.iter().map(|s| s.server_cpu_s).collect()),
        rss_max: v.iter().filter_map(|s| s.rss_kib).max(),
        runs: v.len(),
    })
}

/// The measurement `name` at `size` (for the table rows: `workers`/`slice` too).
fn find(samples: &[Sample], name: &str, size: u64) -> Option<Stat> {
    stat(samples.iter().filter(|s| s.name == name && s.size == size))
}

const ROWS: [(&str, &str); 11] = [
    (
        "limit_sha",
        "limit_sha: one SHA-1 pass (sha1 0.11, 1 MiB reads)",
    ),
    (
        "limit_wire",
        "limit_wire: raw sender, 4 conns, 1 MiB slices",
    ),
    ("api_integrity_on", "cosv4 API, integrity on"),
    ("api_integrity_off", "cosv4 API, integrity off"),
    (
        "limit_wire_verify",
        "(info) limit_wire vs the verifying emulator",
    ),
    (
        "api_integrity_on_verify",
        "(info) cosv4 API, integrity on, vs the verifying emulator",
    ),
    (
        "limit_wire_discard",
        "(info) limit_wire vs an emulator storing nothing",
    ),
    (
        "api_integrity_on_discard",
        "(info) cosv4 API, integrity on, vs an emulator storing nothing",
    ),
    (
        "api_integrity_off_discard",
        "(info) cosv4 API, integrity off, vs an emulator storing nothing",
    ),
    ("cli_integrity_on", "C CLI, integrity on"),
    ("cli_no_sha", "C CLI, --no-sha"),
];

/// Facts about this machine for the report head.
pub struct MachineFacts {
    nproc: usize,
    cpu: String,
    sha_ni: bool,
    rustc: String,
    kernel: String,
    mem_gib: f64,
    loadavg: String,
}

impl MachineFacts {
    pub fn collect() -> MachineFacts {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let field = |name: &str| {
            cpuinfo
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
                .unwrap_or_default()
        };
        let rustc = std::process::Command::new("rustc")
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|_| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let mem_kib: f64 = meminfo
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0.0);
        MachineFacts {
            nproc: std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu: field("model name"),
            sha_ni: field("flags").split_whitespace().any(|f| f == "sha_ni"),
            rustc,
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .unwrap_or_default()
                .trim()
                .to_string(),
            mem_gib: mem_kib / (1u64 << 20) as f64,
            loadavg: std::fs::read_to_string("/proc/loadavg")
                .unwrap_or_default()
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    /// The report's first lines: date, machine, toolchain, load, what ran.
    pub fn head(&self, out: &mut String, run: &str) {
        let _ = writeln!(out, "- date: {}", utc_now());
        let _ = writeln!(
            out,
            "- machine: nproc {}, CPU {}, SHA-NI (`sha_ni`) {}, {:.1} GiB RAM, Linux {}",
            self.nproc,
            self.cpu,
            if self.sha_ni { "present" } else { "absent" },
            self.mem_gib,
            self.kernel
        );
        let _ = writeln!(out, "- toolchain: {}", self.rustc);
        let _ = writeln!(out, "- load average at start: {}", self.loadavg);
        let _ = writeln!(out, "- run: {run}");
    }

    pub fn one_line(&self) -> String {
        format!(
            "nproc {}, CPU {}, sha_ni {}, {}",
            self.nproc,
            self.cpu,
            if self.sha_ni { "yes" } else { "no" },
            self.rustc
        )
    }
}

/// `YYYY-MM-DD HH:MM UTC` from the system clock (civil-from-days, no date crate).
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// A peak RSS for a table cell: `12.5 MiB`, or `–`.
pub fn rss_cell(kib: Option<u64>) -> String {
    kib.map_or("–".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

pub fn mark(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "**MISSED**"
    }
}

fn sizes(samples: &[Sample]) -> Vec<u64> {
    let mut v: Vec<u64> = samples
        .iter()
        .filter(|s| s.name != "table")
        .map(|s| s.size)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn measurements(out: &mut String, samples: &[Sample], size: u64) {
    let gib = size as f64 / GIB as f64;
    let _ = writeln!(out, "\n## {} file\n", size_label(size));
    out.push_str(
        "| measurement | runs | median s | MB/s median | MB/s min–max | client CPU s | CPU s/GiB | emulator CPU s | peak RSS |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for (name, label) in ROWS {
        let Some(s) = find(samples, name, size) else {
            continue;
        };
        let rss = rss_cell(s.rss_max);
        let _ = writeln!(
            out,
            "| {label} | {} | {:.3} | {:.0} | {:.0}–{:.0} | {:.2} | {:.2} | {:.2} | {rss} |",
            s.runs,
            s.secs,
            s.mbps,
            s.mbps_min,
            s.mbps_max,
            s.cpu,
            s.cpu / gib,
            s.server_cpu
        );
    }
}

fn ratios(out: &mut String, samples: &[Sample]) {
    out.push_str(
        "\n## Ratios and targets\n\n\
         | check | size | value | target | |\n|---|---|---|---|---|\n",
    );
    let secs = |name: &str, size| find(samples, name, size).map(|s| s.secs);
    for size in sizes(samples) {
        let l = size_label(size);
        let (sha, wire) = (secs("limit_sha", size), secs("limit_wire", size));
        if let (Some(on), Some(sha), Some(wire)) = (secs("api_integrity_on", size), sha, wire) {
            let r = on / (sha + wire);
            let _ = writeln!(
                out,
                "| integrity-on wall / (limit_sha + limit_wire) | {l} | {r:.3} | ≤ 1.11 | {} |",
                mark(r <= 1.11)
            );
        }
        if let (Some(off), Some(wire)) = (secs("api_integrity_off", size), wire) {
            let r = off / wire;
            let _ = writeln!(
                out,
                "| integrity-off wall / limit_wire | {l} | {r:.3} | ≤ 1.15 | {} |",
                mark(r <= 1.15)
            );
        }
        // Wall time on this shared VM varies ±5–10 % from run to run, more than a progress
        // handler can cost, so the check uses the alternating A/B runs and compares the fastest
        // of each side (the least disturbed), with the medians shown too.
        let side = |name: &str| {
            let v: Vec<f64> = samples
                .iter()
                .filter(|s| s.name == name && s.size == size)
                .map(|s| s.secs)
                .collect();
            let min = v.iter().copied().fold(f64::INFINITY, f64::min);
            (!v.is_empty()).then(|| (min, median(v)))
        };
        if let (Some((with, with_med)), Some((without, without_med))) =
            (side("ab_with_progress"), side("ab_without_progress"))
        {
            let r = with / without;
            let _ = writeln!(
                out,
                "| progress handler: fastest with / fastest without (A/B, medians {:.3}) | {l} | {r:.3} | ≤ 1.01 | {} |",
                with_med / without_med,
                mark(r <= 1.01)
            );
        }
        for (name, what) in [("api_integrity_off", "integrity-off MB/s")] {
            if let Some(s) = find(samples, name, size) {
                let ok = mark(s.mbps >= 1500.0);
                let _ = writeln!(out, "| {what} | {l} | {:.0} | ≥ 1500 | {ok} |", s.mbps);
            }
        }
        if let Some(k) = find(samples, "cli_integrity_on", size)
            .into_iter()
            .chain(find(samples, "cli_no_sha", size))
            .filter_map(|s| s.rss_max)
            .max()
        {
            let mib = k as f64 / 1024.0;
            let _ = writeln!(
                out,
                "| CLI peak RSS (MiB) | {l} | {mib:.1} | ≤ 48 | {} |",
                mark(mib <= 48.0)
            );
        }
    }
    for name in [
        "api_integrity_on",
        "api_integrity_off",
        "limit_wire",
        "limit_wire_discard",
        "api_integrity_on_discard",
        "api_integrity_off_discard",
    ] {
        if let (Some(five), Some(one)) = (secs(name, 5 * GIB), secs(name, GIB)) {
            let r = five / (5.0 * one);
            let _ = writeln!(
                out,
                "| 5 GiB time / (5 × 1 GiB time), {name} | 5 GiB | {r:.3} | ≤ 1.10 | {} |",
                mark(r <= 1.10)
            );
        }
    }
}

fn emulator_cost(out: &mut String, samples: &[Sample]) {
    out.push_str(
        "\n## Emulator alone (raw sender, 4 connections, 1 MiB slices)\n\n\
         | size | verify MB/s | --no-verify MB/s | verify / no-verify time | emulator CPU s (verify / no-verify) |\n\
         |---|---|---|---|---|\n",
    );
    for size in sizes(samples) {
        if let (Some(v), Some(n)) = (
            find(samples, "limit_wire_verify", size),
            find(samples, "limit_wire", size),
        ) {
            let _ = writeln!(
                out,
                "| {} | {:.0} | {:.0} | {:.3} | {:.2} / {:.2} |",
                size_label(size),
                v.mbps,
                n.mbps,
                v.secs / n.secs,
                v.server_cpu,
                n.server_cpu
            );
        }
    }
}

fn table(out: &mut String, samples: &[Sample]) {
    let t: Vec<&Sample> = samples.iter().filter(|s| s.name == "table").collect();
    let Some(size) = t.first().map(|s| s.size) else {
        return;
    };
    let mut workers: Vec<usize> = t.iter().map(|s| s.workers).collect();
    let mut slices: Vec<u64> = t.iter().map(|s| s.slice).collect();
    workers.sort_unstable();
    workers.dedup();
    slices.sort_unstable();
    slices.dedup();
    let _ = writeln!(
        out,
        "\n## Throughput table: MB/s, cosv4 API, integrity off, {} file, emulator --no-verify\n",
        size_label(size)
    );
    out.push_str("| workers \\ slice |");
    for &s in &slices {
        let _ = write!(out, " {} |", size_label(s));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(slices.len()));
    out.push('\n');
    for &w in &workers {
        let _ = write!(out, "| {w} |");
        for &sl in &slices {
            match stat(
                t.iter()
                    .copied()
                    .filter(|s| s.workers == w && s.slice == sl),
            ) {
                Some(st) => {
                    let _ = write!(out, " {:.0} |", st.mbps);
                }
                None => out.push_str(" – |"),
            }
        }
        out.push('\n');
    }
}

/// The whole report as Markdown (also what is printed).
pub fn markdown(facts: &MachineFacts, run: &str, samples: &[Sample], notes: &[String]) -> String {
    let mut out = String::from("# cosv4 benchmark\n\n");
    facts.head(&mut out, run);
    out.push_str(
        "- set-up: emulator as a child process on 127.0.0.1 (data dir on /dev/shm), `--no-verify` \
         (rows marked (info) use a verifying one);  test files page-cached; MB/s = 10^6 B/s; client CPU = \
         user+sys of the bench process (API, limits) or of the CLI child (wait4)\n",
    );
    for size in sizes(samples) {
        measurements(&mut out, samples, size);
    }
    ratios(&mut out, samples);
    emulator_cost(&mut out, samples);
    table(&mut out, samples);
    notes_section(&mut out, notes);
    out
}

/// The notes, as the report's last section (none when there are none).
pub fn notes_section(out: &mut String, notes: &[String]) {
    if !notes.is_empty() {
        out.push_str("\n## Notes\n\n");
        for n in notes {
            let _ = writeln!(out, "- {n}");
        }
    }
}

pub fn csv(samples: &[Sample]) -> String {
    let mut out =
        String::from("name,size,workers,slice,run,seconds,mb_per_s,cpu_s,rss_kib,server_cpu_s\n");
    for s in samples {
        let rss = s.rss_kib.map_or(String::new(), |k| k.to_string());
        let _ = writeln!(
            out,
            "{},{},{},{},{},{:.6},{:.1},{:.3},{rss},{:.3}",
            s.name,
            s.size,
            s.workers,
            s.slice,
            s.run,
            s.secs,
            s.mbps(),
            s.cpu_s,
            s.server_cpu_s
        );
    }
    out
}

/// Prints the report, writes `<stem>.md` and `<stem>.csv` into `dir`; the exit status.
pub fn publish(dir: &Path, stem: &str, md: &str, csv: &str) -> i32 {
    println!("{md}");
    let md_path = dir.join(format!("{stem}.md"));
    let written = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&md_path, md))
        .and_then(|()| std::fs::write(dir.join(format!("{stem}.csv")), csv));
    match written {
        Ok(()) => {
            eprintln!("wrote {}", md_path.display());
            0
        }
        Err(e) => {
            eprintln!("cosv4-bench: writing results to {}: {e}", dir.display());
            1
        }
    }
}
