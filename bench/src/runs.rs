//! Measurements through cosv4 (Rust API, C CLI) and of the limits, one round at a time.

use std::path::Path;
use std::time::Instant;

use cosv4::{Client, Config, Credentials, Endpoint, Method, UploadOptions};

use crate::emulator::{Emulator, Storage, APPID, BUCKET, SECRET_ID, SECRET_KEY};
use crate::limits;
use crate::report::Sample;

/// cosv4's defaults, which the limits use too.
pub const WORKERS: usize = 4;
pub const SLICE: u64 = 1 << 20;

/// What a round uploads and where.
pub struct Target<'a> {
    /// `--no-verify` emulator: every measured run goes to it.
    pub emu: &'a Emulator,
    /// The same emulator with content verification on (the real service's cost, on our CPUs).
    pub emu_verify: &'a Emulator,
    /// One that stores nothing (`--discard-data`), for the linearity check.
    pub emu_discard: &'a Emulator,
    pub file: &'a Path,
    pub size: u64,
}

/// (busy, total) jiffies of all CPUs from the `cpu` line of /proc/stat.
fn cpu_jiffies() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let v: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3)? + v.get(4)?;
    Some((total - idle, total))
}

/// Fraction of the machine's CPU that others used during 300 ms while this bench was idle:
/// measurements taken while it is high (someone compiling) are noisy.
pub fn foreign_load() -> f64 {
    let Some((b0, t0)) = cpu_jiffies() else {
        return 0.0;
    };
    std::thread::sleep(std::time::Duration::from_millis(300));
    let Some((b1, t1)) = cpu_jiffies() else {
        return 0.0;
    };
    (b1 - b0) as f64 / (t1 - t0).max(1) as f64
}

/// User + system CPU seconds of this process so far.
pub fn cpu_self() -> f64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a properly sized out-parameter.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

pub fn tv(t: libc::timeval) -> f64 {
    t.tv_sec as f64 + t.tv_usec as f64 / 1e6
}

pub fn client(
    base_url: &str,
    integrity: bool,
    workers: usize,
    slice: u64,
) -> Result<Client, String> {
    let creds = Credentials::new(APPID, SECRET_ID, SECRET_KEY).map_err(|e| e.to_string())?;
    let mut cfg = Config::new(creds);
    cfg.endpoint = Some(Endpoint::BaseUrl(base_url.to_string()));
    cfg.integrity = integrity;
    cfg.workers = workers;
    cfg.slice_size = slice;
    Client::new(cfg).map_err(|e| e.to_string())
}

/// Checks the stored object has the file's size, then deletes it (frees tmpfs, and keeps a
/// later upload of the same content from being an instant upload).
fn check_and_delete(emu: &Emulator, cos_path: &str, size: u64) -> Result<(), String> {
    let c = client(&emu.base_url, false, 1, SLICE)?;
    let st = c.stat(BUCKET, cos_path).map_err(|e| format!("stat: {e}"))?;
    let deleted = c
        .delete(BUCKET, cos_path)
        .map_err(|e| format!("delete: {e}"));
    if st.filesize != size || st.filelen != size {
        return Err(format!(
            "stored object has {} / {} bytes, expected {size}",
            st.filesize, st.filelen
        ));
    }
    deleted
}

fn cos_path(name: &str, size: u64, run: usize, workers: usize, slice: u64) -> String {
    format!("/bench/{name}-{size}-w{workers}-s{slice}-r{run}.bin")
}

/// Runs `f` and measures wall time, this process's CPU and the emulator's CPU.
pub fn measured<T>(
    emu: Option<&Emulator>,
    f: impl FnOnce() -> Result<T, String>,
) -> Result<(T, [f64; 3]), String> {
    let srv0 = emu.map_or(0.0, Emulator::cpu_seconds);
    let cpu0 = cpu_self();
    let t0 = Instant::now();
    let out = f()?;
    let secs = t0.elapsed().as_secs_f64();
    let cpu = cpu_self() - cpu0;
    let srv = emu.map_or(0.0, |e| e.cpu_seconds() - srv0);
    Ok((out, [secs, cpu, srv]))
}

fn sample(name: &str, t: &Target, run: usize, workers: usize, slice: u64, m: [f64; 3]) -> Sample {
    Sample {
        name: name.to_string(),
        size: t.size,
        workers,
        slice,
        run,
        secs: m[0],
        cpu_s: m[1],
        rss_kib: None,
        server_cpu_s: m[2],
    }
}

fn limit_sha(t: &Target, run: usize) -> Result<Sample, String> {
    let (_, m) = measured(None, || limits::sha_pass(t.file).map_err(|e| e.to_string()))?;
    Ok(sample("limit_sha", t, run, 1, SLICE, m))
}

fn limit_wire(t: &Target, emu: &Emulator, run: usize) -> Result<Sample, String> {
    let name = match emu.storage {
        Storage::Verify => "limit_wire_verify",
        Storage::Plain => "limit_wire",
        Storage::Discard => "limit_wire_discard",
    };
    let path = cos_path(name, t.size, run, WORKERS, SLICE);
    let (_, m) = measured(Some(emu), || {
        limits::raw_upload(emu.addr(), t.file, t.size, &path, SLICE, WORKERS)
    })?;
    check_and_delete(emu, &path, t.size)?;
    Ok(sample(name, t, run, WORKERS, SLICE, m))
}

/// How an API run uploads: integrity on, off, or off with a progress handler.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    On,
    Off,
    /// Integrity off, with a progress handler that counts events (the cost of progress).
    OffWithProgress,
}

/// One upload through `Client::upload` (the client is built before the clock starts).
fn api(
    t: &Target,
    emu: &Emulator,
    name: &str,
    mode: Mode,
    run: usize,
    workers: usize,
    slice: u64,
) -> Result<Sample, String> {
    let c = client(&emu.base_url, mode == Mode::On, workers, slice)?;
    let path = cos_path(name, t.size, run, workers, slice);
    let opts = UploadOptions::default();
    let mut events = 0u64;
    let mut count = |_: &cosv4::Progress| {
        events += 1;
        std::ops::ControlFlow::Continue(())
    };
    let (out, m) = measured(Some(emu), || {
        let progress: Option<cosv4::upload::Handler<'_>> = match mode {
            Mode::OffWithProgress => Some(&mut count),
            _ => None,
        };
        let content = cosv4::Content::File(t.file);
        c.upload(BUCKET, &path, content, &opts, progress)
            .map_err(|e| e.to_string())
    })?;
    if out.method != Method::Slices {
        return Err(format!("expected a slice upload, got {:?}", out.method));
    }
    if mode == Mode::OffWithProgress && events < 2 {
        return Err(format!("the progress handler saw only {events} events"));
    }
    check_and_delete(emu, &path, t.size)?;
    Ok(sample(name, t, run, workers, slice, m))
}

/// One run of the C CLI as a whole process: wall, its user+sys CPU and peak RSS (wait4).
fn cli(t: &Target, bin: &Path, no_sha: bool, run: usize) -> Result<Sample, String> {
    let name = if no_sha {
        "cli_no_sha"
    } else {
        "cli_integrity_on"
    };
    let path = cos_path(name, t.size, run, WORKERS, SLICE);
    let mut cmd = crate::child::cli_command(bin, &t.emu.base_url);
    cmd.arg("--quiet");
    if no_sha {
        cmd.arg("--no-sha");
    }
    cmd.arg(t.file).arg(&path);
    let srv0 = t.emu.cpu_seconds();
    let p = crate::child::run_measured(&cmd).map_err(|e| format!("{name}: {e}"))?;
    let srv = t.emu.cpu_seconds() - srv0;
    check_and_delete(t.emu, &path, t.size)?;
    let mut s = sample(name, t, run, WORKERS, SLICE, [p.secs, p.cpu_s, srv]);
    s.rss_kib = Some(p.rss_kib);
    Ok(s)
}

/// Keeps successful samples; failures are printed and returned as notes.
fn keep(out: &mut Vec<Sample>, notes: &mut Vec<String>, what: &str, r: Result<Sample, String>) {
    match r {
        Ok(s) => {
            eprintln!(
                "   {:<26} w{} {:>7} {:>8.3} s {:>6.0} MB/s",
                s.name,
                s.workers,
                crate::report::size_label(s.slice),
                s.secs,
                s.mbps()
            );
            out.push(s);
        }
        Err(e) => {
            let note = format!("{what} failed: {e}");
            eprintln!("   {note}");
            notes.push(note);
        }
    }
}

/// Every measurement once for one file.
pub fn one_round(
    t: &Target,
    run: usize,
    cli_bin: Option<&Path>,
    notes: &mut Vec<String>,
) -> Vec<Sample> {
    let mut out = Vec::new();
    let label = crate::report::size_label(t.size);
    // Each measurement starts from a page-cached file: this kernel's DAMON pages out data left
    // untouched for about a minute, and a 5 GiB round takes longer than that.
    let mut k = |what: &str, f: &dyn Fn() -> Result<Sample, String>| {
        let r = crate::files::warm(t.file)
            .map_err(|e| format!("re-reading the test file: {e}"))
            .and_then(|()| f());
        keep(&mut out, notes, &format!("{what} {label} run {run}"), r)
    };
    let (emu, verify) = (t.emu, t.emu_verify);
    k("limit_sha", &|| limit_sha(t, run));
    k("limit_wire", &|| limit_wire(t, emu, run));
    k("limit_wire_verify", &|| limit_wire(t, verify, run));
    let api_run =
        |name: &'static str, emu, mode| move || api(t, emu, name, mode, run, WORKERS, SLICE);
    k(
        "api_integrity_on",
        &api_run("api_integrity_on", emu, Mode::On),
    );
    k(
        "api_integrity_off",
        &api_run("api_integrity_off", emu, Mode::Off),
    );
    let on_v = "api_integrity_on_verify";
    k(on_v, &api_run(on_v, verify, Mode::On));
    let discard = t.emu_discard;
    k("limit_wire_discard", &|| limit_wire(t, discard, run));
    let on_d = "api_integrity_on_discard";
    k(on_d, &api_run(on_d, discard, Mode::On));
    let off_d = "api_integrity_off_discard";
    k(off_d, &api_run(off_d, discard, Mode::Off));
    if let Some(bin) = cli_bin {
        k("cli_integrity_on", &|| cli(t, bin, false, run));
        k("cli_no_sha", &|| cli(t, bin, true, run));
    }
    out
}

/// The workers × slice-size matrix: API, integrity off, against the `--no-verify` emulator so
/// that the server's finish-time SHA-1 pass (a constant) does not flatten the differences.
pub fn table(
    t: &Target,
    workers: &[usize],
    slices: &[u64],
    runs: usize,
    notes: &mut Vec<String>,
) -> Vec<Sample> {
    let mut out = Vec::new();
    for &w in workers {
        for &s in slices {
            for run in 1..=runs {
                let what = format!("table w{w} s{s} run {run}");
                let r = api(t, t.emu, "table", Mode::Off, run, w, s);
                keep(&mut out, notes, &what, r);
            }
        }
    }
    out
}

/// The cost of a progress handler, A/B: `pairs` alternating uploads without and with a handler
/// (integrity off, against the emulator that stores nothing, so that the host's memory does
/// not add noise). Alternating, in A B B A order, spreads drifts in the machine's load and
/// any second-of-a-pair effect over both sides.
pub fn progress_ab(t: &Target, pairs: usize, notes: &mut Vec<String>) -> Vec<Sample> {
    let mut out = Vec::new();
    let without = ("ab_without_progress", Mode::Off);
    let with = ("ab_with_progress", Mode::OffWithProgress);
    for run in 1..=pairs {
        // A B, then B A: neither side always runs second.
        let order = if run % 2 == 1 {
            [without, with]
        } else {
            [with, without]
        };
        for (name, mode) in order {
            let r = crate::files::warm(t.file)
                .map_err(|e| e.to_string())
                .and_then(|()| api(t, t.emu_discard, name, mode, run, WORKERS, SLICE));
            keep(&mut out, notes, &format!("{name} run {run}"), r);
        }
    }
    out
}
