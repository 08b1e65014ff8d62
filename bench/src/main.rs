//! `cosv4-bench`: how close cosv4 comes to the limits of this machine.
//!
//! Starts the emulator as a child process, creates page-cached test files, and measures, per
//! size: one SHA-1 pass (`limit_sha`), a minimal raw sender of the same slices (`limit_wire`),
//! cosv4 through its Rust API with integrity on and off, and the C CLI as a whole process; then
//! a workers × slice-size throughput table. Results go to stdout, `results.md` and `results.csv`.
//!
//! The measured runs use an emulator started with `--no-verify`: the service checks the sha on
//! its own machines, while here a verifying emulator's finish-time SHA-1 pass (≈ 0.6 s/GiB)
//! would run on the same two cores as the client and be counted against it. The verifying
//! emulator is measured alongside (`*_verify` rows) so its cost stays visible.
//!
//! `--batch` runs the batch rows instead (many files per run: `batch`, `batch_many`,
//! `batch_sync`, `conns`; report in `batch_report`, written to `batch.md` and `batch.csv`).
//!
//! Files: `emulator` (child process), `files` (test files), `tree` (trees of small files),
//! `limits` (SHA-1 pass, raw senders), `runs` (API and CLI measurements), `child` (processes
//! measured with wait4), `report` (tables, Markdown, CSV).

mod bandwidth;
mod batch;
mod batch_many;
mod batch_report;
mod batch_sync;
mod child;
mod conns;
mod emulator;
mod files;
mod limits;
mod report;
mod runs;
mod tree;

use std::path::{Path, PathBuf};
use std::process::{exit, Command};

use emulator::{Emulator, Storage};
use report::Sample;
use runs::Target;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;

const USAGE: &str = "\
usage: cargo run --release -p cosv4-bench -- [options]

options:
  --sizes LIST    file sizes, e.g. 64M,1G (K/M/G = KiB/MiB/GiB; default 64M,1G)
  --with-5g       add a 5 GiB run (checks free space and memory first)
  --runs N        repetitions of each measurement (default 3)
  --quick         64M only, 2 runs, small throughput table (a smoke run, < 60 s)
  --out DIR       where results.md and results.csv go (default bench/results)
  --cli PATH      a built cosv4-upload (default: build it from examples-c/cosv4-upload.c
                  and libcosv4.a when both exist; otherwise CLI rows are skipped)
  --skip-table    skip the workers x slice-size throughput table
  --batch         run the batch rows instead (1000 x 16 KiB files, 4 x 128 MiB, many
                  small files, sync of an unchanged tree, connections per 1000 requests;
                  runs default 3, about a minute); writes batch.md and batch.csv
  --many N        files of 256 B in the --batch many-files row (default 100000;
                  --quick: 10000; 0 skips the row)
  --only ROWS     with --batch: only these rows, comma-separated, of small, large, many,
                  sync, conns, bandwidth; the report goes to batch-only.md and .csv (the
                  full run's batch.md is kept)
  --help          this text";

struct Args {
    sizes: Vec<u64>,
    runs: usize,
    runs_explicit: bool,
    quick: bool,
    out: PathBuf,
    cli: Option<PathBuf>,
    skip_table: bool,
    batch: bool,
    many: Option<usize>,
    /// `--only`: the batch rows to run (`None`: every row).
    only: Option<Vec<String>>,
}

/// The batch rows `--only` may name, in the order they run.
const BATCH_ROWS: [&str; 6] = ["small", "large", "many", "sync", "conns", "bandwidth"];

fn fail(msg: &str) -> ! {
    eprintln!("cosv4-bench: {msg}\n(try --help)");
    exit(2)
}

/// `64M`, `1G`, `512K` or plain bytes.
fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mul) = match s.char_indices().last()? {
        (i, 'K' | 'k') => (&s[..i], KIB),
        (i, 'M' | 'm') => (&s[..i], MIB),
        (i, 'G' | 'g') => (&s[..i], GIB),
        _ => (s, 1),
    };
    num.parse::<u64>().ok()?.checked_mul(mul).filter(|&n| n > 0)
}

fn parse_args() -> Args {
    let root = workspace_root();
    let mut a = Args {
        sizes: vec![64 * MIB, GIB],
        runs: 3,
        runs_explicit: false,
        quick: false,
        out: root.join("bench/results"),
        cli: None,
        skip_table: false,
        batch: false,
        many: None,
        only: None,
    };
    let mut with_5g = false;
    let mut sizes_given = false;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| fail(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--help" | "-h" => {
                println!("{USAGE}");
                exit(0)
            }
            "--sizes" => {
                let v = value();
                a.sizes = v
                    .split(',')
                    .map(|s| parse_size(s).unwrap_or_else(|| fail(&format!("bad size {s:?}"))))
                    .collect();
                sizes_given = true;
            }
            "--with-5g" => with_5g = true,
            "--runs" => {
                let v = value();
                a.runs = v
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .unwrap_or_else(|| fail(&format!("bad run count {v:?}")));
                a.runs_explicit = true;
            }
            "--quick" => a.quick = true,
            "--out" => a.out = value().into(),
            "--cli" => a.cli = Some(value().into()),
            "--skip-table" => a.skip_table = true,
            "--batch" => a.batch = true,
            "--many" => {
                let v = value();
                a.many = Some(
                    v.parse()
                        .unwrap_or_else(|_| fail(&format!("bad file count {v:?}"))),
                );
            }
            "--only" => {
                let v = value();
                let rows: Vec<String> = v.split(',').map(|r| r.trim().to_string()).collect();
                if let Some(bad) = rows.iter().find(|r| !BATCH_ROWS.contains(&r.as_str())) {
                    fail(&format!(
                        "--only: unknown row {bad:?}; use {}",
                        BATCH_ROWS.join(", ")
                    ));
                }
                a.only = Some(rows);
            }
            other => fail(&format!("unknown argument {other:?}")),
        }
    }
    if a.only.is_some() && !a.batch {
        fail("--only selects batch rows; give --batch too");
    }
    if a.quick {
        if !sizes_given {
            a.sizes = vec![64 * MIB];
        }
        if !a.runs_explicit {
            a.runs = if a.batch { 1 } else { 2 };
        }
    }
    if a.many.is_none() {
        a.many = Some(if a.quick { 10_000 } else { 100_000 });
    }
    if with_5g && !a.sizes.contains(&(5 * GIB)) {
        a.sizes.push(5 * GIB);
    }
    a.sizes.sort_unstable();
    a.sizes.dedup();
    a
}

/// The workspace root (the bench crate lives in `<root>/bench`).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench has a parent directory")
        .to_path_buf()
}

/// The directory holding this binary (`<target>/release`): the emulator is built there too.
fn exe_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_else(|e| fail(&format!("current_exe: {e}")));
    exe.parent().expect("exe has a directory").to_path_buf()
}

/// `cargo build --release -p <pkgs>` into this binary's own target directory.
fn cargo_build(args: &[&str]) -> bool {
    let dir = exe_dir();
    let target = dir.parent().expect("profile dir has a parent");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .current_dir(workspace_root())
        .env("CARGO_TARGET_DIR", target)
        .args(["build", "--release", "--quiet"])
        .args(args)
        .status()
        .is_ok_and(|s| s.success())
}

/// Builds (or finds) the emulator binary next to this one.
fn emulator_binary() -> PathBuf {
    if !cargo_build(&["-p", "cosv4-emulator", "--bin", "cosv4-emulator"]) {
        fail("could not build cosv4-emulator");
    }
    let bin = exe_dir().join("cosv4-emulator");
    if !bin.is_file() {
        fail(&format!("{} is missing after the build", bin.display()));
    }
    bin
}

/// The C CLI: the given one, or built from examples-c with libcosv4.a; `Err` = why not.
fn cli_binary(given: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(p) = given {
        return p
            .is_file()
            .then_some(p.clone())
            .ok_or_else(|| format!("--cli {} is not a file", p.display()));
    }
    let root = workspace_root();
    let source = root.join("examples-c/cosv4-upload.c");
    if !source.is_file() {
        return Err("examples-c/cosv4-upload.c does not exist yet".into());
    }
    // Prefer a fresh static library in our own target dir; fall back to target/release.
    let built = cargo_build(&["-p", "cosv4", "--lib"]);
    let lib = [
        exe_dir().join("libcosv4.a"),
        root.join("target/release/libcosv4.a"),
    ]
    .into_iter()
    .find(|p| p.is_file())
    .ok_or_else(|| {
        format!(
            "no libcosv4.a (cargo build -p cosv4 {})",
            if built { "ok" } else { "failed" }
        )
    })?;
    let out = exe_dir().join("cosv4-upload-bench");
    let status = Command::new("cc")
        .current_dir(&root)
        .args(["-O2", "-Iinclude", "examples-c/cosv4-upload.c"])
        .arg(&lib)
        .args([
            "-lgcc_s",
            "-lutil",
            "-lrt",
            "-lpthread",
            "-lm",
            "-ldl",
            "-lc",
            "-o",
        ])
        .arg(&out)
        .status()
        .map_err(|e| format!("cc: {e}"))?;
    if !status.success() {
        return Err(format!(
            "cc failed to build the CLI against {}",
            lib.display()
        ));
    }
    Ok(out)
}

/// `/dev/shm` when present (tmpfs), else the temp dir.
fn data_root() -> PathBuf {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// Removes a directory tree when dropped (panics and early exits included).
struct TempDir(PathBuf);

impl TempDir {
    fn new(parent: &Path, name: &str) -> TempDir {
        let p = parent.join(format!("cosv4-bench-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn main() {
    // The bench's own children: a measured process (`child`), the library's batch (`batch_many`).
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    match args.first().and_then(|a| a.to_str()) {
        Some("--measure") => exit(child::measure_main(&args[1..])),
        Some("--child-batch") => {
            let rest: Vec<String> = args[1..]
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            exit(batch_many::child_main(&rest))
        }
        _ => {}
    }
    // Everything is dropped (children killed, temp dirs removed) before the exit.
    exit(run())
}

/// After the emulators start, errors panic (unwinding runs the drops) instead of `fail`.
fn run() -> i32 {
    let args = parse_args();
    let facts = report::MachineFacts::collect();
    eprintln!("== cosv4-bench: {}", facts.one_line());
    let emu_bin = emulator_binary();
    let cli = cli_binary(args.cli.clone());
    let mut notes = Vec::new();
    if let Err(why) = &cli {
        let note = format!("CLI rows skipped: {why}");
        eprintln!("note: {note}");
        notes.push(note);
    }
    let cli = cli.ok();
    if args.batch {
        return run_batch(&args, &facts, &emu_bin, cli, notes);
    }

    let files_dir = TempDir::new(&std::env::temp_dir(), "files");
    let shm = data_root();
    let data_verify = TempDir::new(&shm, "emu-verify");
    let data_noverify = TempDir::new(&shm, "emu-noverify");
    let data_discard = TempDir::new(&shm, "emu-discard");
    let emu = Emulator::start(&emu_bin, &data_verify.0, Storage::Verify);
    let emu_nv = Emulator::start(&emu_bin, &data_noverify.0, Storage::Plain);
    let emu_discard = Emulator::start(&emu_bin, &data_discard.0, Storage::Discard);
    eprintln!(
        "emulator (verify) {}, (--no-verify) {}",
        emu.base_url, emu_nv.base_url
    );

    // The largest size below 5 GiB keeps its file for the throughput table.
    let table_size = args.sizes.iter().copied().filter(|&s| s < 5 * GIB).max();
    let mut table_file = None;
    let mut samples: Vec<Sample> = Vec::new();
    for &size in &args.sizes {
        if let Err(why) = files::room_for(size, &files_dir.0, &shm) {
            let note = format!("size {} skipped: {why}", report::size_label(size));
            eprintln!("note: {note}");
            notes.push(note);
            continue;
        }
        let file = files_dir.0.join(format!("test-{size}.bin"));
        files::create(&file, size).unwrap_or_else(|e| panic!("create test file: {e}"));
        files::warm(&file).unwrap_or_else(|e| panic!("read test file: {e}"));
        let target = Target {
            emu: &emu_nv,
            emu_verify: &emu,
            emu_discard: &emu_discard,
            file: &file,
            size,
        };
        for run in 1..=args.runs {
            eprintln!("-- {} run {run}/{}", report::size_label(size), args.runs);
            busy_note(
                &mut notes,
                &format!("{} run {run}", report::size_label(size)),
            );
            samples.extend(runs::one_round(&target, run, cli.as_deref(), &mut notes));
        }
        if Some(size) == table_size && !args.skip_table {
            table_file = Some((file, size));
        } else {
            let _ = std::fs::remove_file(&file);
        }
    }

    if let Some((file, size)) = table_file {
        let (workers, slices): (&[usize], &[u64]) = if args.quick {
            (&[1, 4], &[MIB, 3 * MIB])
        } else {
            (&[1, 2, 4, 8], &[512 * KIB, MIB, 2 * MIB, 3 * MIB])
        };
        let runs = if args.runs_explicit { args.runs } else { 1 };
        files::warm(&file).unwrap_or_else(|e| panic!("read test file: {e}"));
        eprintln!("-- throughput table on {}", report::size_label(size));
        busy_note(&mut notes, "the throughput table");
        let target = Target {
            emu: &emu_nv,
            emu_verify: &emu,
            emu_discard: &emu_discard,
            file: &file,
            size,
        };
        samples.extend(runs::table(&target, workers, slices, runs, &mut notes));
        eprintln!("-- progress handler A/B on {}", report::size_label(size));
        let pairs = if args.quick { 3 } else { 10 };
        samples.extend(runs::progress_ab(&target, pairs, &mut notes));
        let _ = std::fs::remove_file(&file);
    }
    drop(emu);
    drop(emu_nv);
    drop(emu_discard);

    let md = report::markdown(&facts, &args_line(&args), &samples, &notes);
    report::publish(&args.out, "results", &md, &report::csv(&samples))
}

/// The batch rows (`--batch`), in one run, against one emulator child that stores no slice
/// data and requires parent folders (the sync and connection rows start their own).
fn run_batch(
    args: &Args,
    facts: &report::MachineFacts,
    emu_bin: &Path,
    cli: Option<PathBuf>,
    notes: Vec<String>,
) -> i32 {
    let shm = data_root();
    // Test trees on tmpfs too: creating and removing 100 000 files there takes seconds, on
    // ext4 here about 40 s; the files are read from the page cache either way.
    let work = TempDir::new(&shm, "batch");
    let data = TempDir::new(&shm, "emu-batch");
    let emu = Emulator::start_with(emu_bin, &data.0, Storage::Discard, false);
    eprintln!(
        "emulator (--discard-data, folders required) {}",
        emu.base_url
    );
    let cli = cli.map(batch::Cli::probe);
    let mut ctx = batch::Ctx {
        emu: &emu,
        work: &work.0,
        shm: &shm,
        cli: cli.as_ref(),
        runs: args.runs,
        rows: Vec::new(),
        notes,
    };
    if let Some(k) = child::rss_floor_kib() {
        ctx.note(format!(
            "peak RSS of a process that does nothing (`true`), by the same method: {:.1} MiB",
            k as f64 / 1024.0
        ));
    }
    busy_note(&mut ctx.notes, "the batch rows");
    let many = |ctx: &mut batch::Ctx<'_>| match args.many {
        Some(n) if n > 0 => batch_many::many_files(ctx, n),
        _ => ctx.note("many-files row skipped (--many 0)".into()),
    };
    let rows: [&dyn Fn(&mut batch::Ctx<'_>); BATCH_ROWS.len()] = [
        &batch::small_files,
        &batch::large_files,
        &many,
        &batch_sync::sync,
        &conns::connections,
        &bandwidth::bandwidth,
    ];
    for (name, row) in BATCH_ROWS.iter().zip(rows) {
        if args
            .only
            .as_ref()
            .is_none_or(|o| o.iter().any(|r| r == name))
        {
            row(&mut ctx);
        }
    }
    let (rows, notes) = (ctx.rows, ctx.notes);
    drop(emu);

    let md = batch_report::markdown(facts, &args_line(args), &rows, &notes);
    let stem = if args.only.is_some() {
        "batch-only"
    } else {
        "batch"
    };
    report::publish(&args.out, stem, &md, &batch_report::csv(&rows))
}

/// Notes (and prints) other processes' CPU use above 10 % before a round.
fn busy_note(notes: &mut Vec<String>, what: &str) {
    let busy = runs::foreign_load();
    if busy > 0.10 {
        let note = format!(
            "before {what}: other processes used {:.0} % of the CPUs (results noisier)",
            busy * 100.0
        );
        eprintln!("note: {note}");
        notes.push(note);
    }
}

fn args_line(a: &Args) -> String {
    if a.batch {
        let many = a.many.unwrap_or(0);
        let quick = if a.quick { ", quick" } else { "" };
        let only = a
            .only
            .as_ref()
            .map_or(String::new(), |o| format!(", only {}", o.join(",")));
        return format!("--batch, runs {}, many {many}{quick}{only}", a.runs);
    }
    let sizes: Vec<String> = a.sizes.iter().map(|&s| report::size_label(s)).collect();
    format!(
        "sizes {}, runs {}{}{}",
        sizes.join(","),
        a.runs,
        if a.quick { ", quick" } else { "" },
        if a.skip_table { ", no table" } else { "" }
    )
}
