//! Row 4: sync of an unchanged tree of 10 000 files of 1 KiB (10 folders of 1000): the full
//! upload's time against a sync rerun's, and the requests the rerun sent, by op. Its floor is
//! measured too (once): the same listing alone, and reading and hashing every file alone.
//!
//! Requests are counted by the emulator that answered them: this row runs one inside the bench
//! process and reads its request log (cleared before each measurement). The client CPU of the
//! API rows is therefore not reported (it would include the emulator's).

use std::collections::BTreeMap;

use cosv4::{BatchOptions, BatchOutcome, ListOptions, SyncOptions};

use crate::batch::{api_batch, default_client, Cli, Ctx};
use crate::batch_report::Row;
use crate::emulator::{self, BUCKET};
use crate::tree::Tree;
use crate::{limits, runs};
use crate::{TempDir, KIB};

const COUNT: usize = 10_000;

/// Each measurement pair (full upload, rerun) runs against a fresh emulator holding only this
/// tree: the emulator's `op=list` scans every object it holds for each page, so objects of
/// earlier runs would slow the later reruns' listings.
pub fn sync(ctx: &mut Ctx) {
    eprintln!("-- sync of 10 000 unchanged files");
    let dir = TempDir::new(ctx.work, "sync");
    let tree = Tree::create(&dir.0, COUNT, 1000, KIB)
        .unwrap_or_else(|e| panic!("creating the sync tree: {e}"));
    let full_opts = BatchOptions::default();
    let sync_opts = BatchOptions {
        sync: Some(SyncOptions::default()),
        ..BatchOptions::default()
    };
    let n = COUNT as u64;
    let uploaded = |o: &BatchOutcome| o.failed == 0 && o.uploaded == n;
    let unchanged = |o: &BatchOutcome| o.failed == 0 && o.uploaded == 0 && o.unchanged == n;
    let cli = ctx.cli_r().filter(|c| c.sync);
    for run in 1..=ctx.runs {
        let data = TempDir::new(ctx.shm, "emu-sync");
        let emu = emulator::in_process(&data.0);
        let url = emu.base_url();
        let api = |opts, want: &dyn Fn(&BatchOutcome) -> bool| {
            let (_, m) = api_batch(None, &url, (&tree.root, FOLDER), opts, want)?;
            Ok([m[0], f64::NAN, f64::NAN])
        };
        let full = counted(&emu, "sync_full_api", run, &tree, || {
            api(&full_opts, &uploaded)
        });
        ctx.keep(full);
        let rerun = counted(&emu, "sync_rerun_api", run, &tree, || {
            api(&sync_opts, &unchanged)
        });
        ctx.keep(rerun);
        if run == 1 {
            ctx.keep(counted(&emu, "sync_list", run, &tree, || {
                floor_list(&url, &tree)
            }));
            let local = runs::measured(None, || {
                let paths = (0..tree.count).map(|i| tree.root.join(tree.rel_path(i)));
                limits::sha_small_files(paths).map_err(|e| e.to_string())
            });
            let local = local.map(|(_, m)| Row::timed("sync_local", run, n, tree.bytes(), m));
            ctx.keep(local);
        }
        if let Some(cli) = cli {
            let data = TempDir::new(ctx.shm, "emu-sync-cli");
            let emu = emulator::in_process(&data.0);
            let rows = cli_pair(&emu, cli, &tree, run);
            rows.into_iter().for_each(|r| ctx.keep(r));
        }
    }
    if cli.is_none() && ctx.cli_r().is_some() {
        ctx.note("CLI sync rows skipped: the CLI's --help has no --sync".into());
    }
    if let Some(cli) = cli {
        changed_big(ctx, cli);
    }
}

/// The big file of [`changed_big`].
const BIG: u64 = 1 << 30;

/// A changed 1 GiB file among 100 unchanged small ones, through the CLI against the emulator
/// child (slices discarded, their SHA-1 kept for the listing): the full upload, then a sync
/// rerun after an edit that keeps the size, so that only the SHA-1 can tell (each full upload
/// after an edit too). Hashed once, the
/// rerun reads the big file twice (the hash that finds it changed, then its slices) — as the
/// full upload does; a second hash would make it three times.
fn changed_big(ctx: &mut Ctx, cli: &Cli) {
    eprintln!("-- sync with one changed 1 GiB file");
    if let Err(e) = crate::files::room_for(BIG, ctx.work, ctx.work) {
        ctx.note(format!("changed 1 GiB file rows skipped: {e}"));
        return;
    }
    let dir = TempDir::new(ctx.work, "sync-big");
    let tree = Tree::create(&dir.0, 100, 100, KIB).map_err(|e| e.to_string());
    let big = dir.0.join("big.bin");
    let made = tree.and_then(|t| {
        crate::files::create_seeded(&big, BIG, 7).map_err(|e| format!("{}: {e}", big.display()))?;
        Ok(t)
    });
    let tree = match made {
        Ok(t) => t,
        Err(e) => return ctx.note(format!("changed 1 GiB file rows skipped: {e}")),
    };
    let url = ctx.emu.base_url.clone();
    for run in 1..=ctx.runs {
        let folder = format!("/sync-big-{run}/");
        let measure = |name, extra: &[&str]| {
            let srv0 = ctx.emu.cpu_seconds();
            let p = cli.batch(&url, extra, &tree.root, &folder)?;
            let m = [p.secs, p.cpu_s, ctx.emu.cpu_seconds() - srv0];
            let mut row = Row::timed(name, run, tree.count as u64 + 1, tree.bytes() + BIG, m);
            row.read_bytes = p.read_bytes;
            row.detail = p.read_bytes.map_or("bytes read: not measured".into(), |b| {
                format!("read {:.3} GiB", b as f64 / BIG as f64)
            });
            Ok(row)
        };
        // Content never sent before in each measurement: the emulator would take a file it
        // already holds (any path) as an instant upload.
        let full = flip_byte(&big, run as u64).and_then(|_| measure("sync_big_full", &[]));
        let edited = flip_byte(&big, BIG / 2 + run as u64);
        let changed = edited.and_then(|_| measure("sync_big_changed", &["--sync"]));
        ctx.keep(full.map_err(|e: String| format!("sync_big_full run {run}: {e}")));
        ctx.keep(changed.map_err(|e| format!("sync_big_changed run {run}: {e}")));
    }
}

/// Inverts the byte at `at` in place (the file keeps its size).
fn flip_byte(path: &std::path::Path, at: u64) -> Result<(), String> {
    use std::os::unix::fs::FileExt;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut b = [0u8];
    f.read_exact_at(&mut b, at)
        .and_then(|_| f.write_all_at(&[!b[0]], at))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The destination folder (each emulator holds one tree).
const FOLDER: &str = "/sync/";

/// The remote side of a sync's floor: every folder the rerun lists (`/sync/` and its 10),
/// every page, one request after the other, through the library's `list_iter`.
fn floor_list(url: &str, tree: &Tree) -> Result<[f64; 3], String> {
    let client = default_client(url)?;
    let folders: Vec<String> = std::iter::once(FOLDER.to_string())
        .chain(tree.folders().map(|f| format!("{FOLDER}{f}")))
        .collect();
    let (_, m) = runs::measured(None, || {
        for f in &folders {
            for page in client.list_iter(BUCKET, f, &ListOptions::default()) {
                page.map_err(|e| format!("listing {f}: {e}"))?;
            }
        }
        Ok(())
    })?;
    Ok([m[0], f64::NAN, f64::NAN])
}

/// The CLI's full upload (`-r`), then its rerun (`-r --sync`).
fn cli_pair(
    emu: &cosv4_emulator::Emulator,
    cli: &Cli,
    tree: &Tree,
    run: usize,
) -> [Result<Row, String>; 2] {
    let url = emu.base_url();
    let proc = |extra: &[&str]| {
        let p = cli.batch(&url, extra, &tree.root, FOLDER)?;
        Ok([p.secs, p.cpu_s, f64::NAN])
    };
    let full = counted(emu, "sync_full_cli", run, tree, || proc(&[]));
    let rerun = counted(emu, "sync_rerun_cli", run, tree, || proc(&["--sync"]));
    [full, rerun]
}

/// Runs `f` with the emulator's request log cleared first; the row counts what it logged.
fn counted(
    emu: &cosv4_emulator::Emulator,
    name: &'static str,
    run: usize,
    tree: &Tree,
    f: impl FnOnce() -> Result<[f64; 3], String>,
) -> Result<Row, String> {
    emu.clear_log();
    let m = f().map_err(|e| format!("{name} run {run}: {e}"))?;
    let log = emu.log();
    let mut by_op: BTreeMap<&str, u64> = BTreeMap::new();
    for entry in &log {
        *by_op.entry(entry.op.as_str()).or_default() += 1;
    }
    let is_upload = |op: &str| op == "upload" || op.starts_with("upload_slice");
    let mut row = Row::timed(name, run, tree.count as u64, tree.bytes(), m);
    row.requests = Some(log.len() as u64);
    row.upload_requests = Some(
        by_op
            .iter()
            .filter(|(op, _)| is_upload(op))
            .map(|(_, n)| n)
            .sum(),
    );
    row.detail = by_op
        .iter()
        .map(|(op, n)| format!("{op} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(row)
}
