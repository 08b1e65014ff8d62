//! Row 5: TCP connections opened per 1000 requests when 16 threads share one client (and when
//! a batch runs 16 jobs).
//!
//! Counted where they arrive: each measurement runs against a fresh emulator inside the bench
//! process and reads its accept counter and request counter (`Emulator::stats`), so every
//! connection the client opened — kept, replaced or churned — is in the figure.

use std::sync::Barrier;
use std::time::Instant;

use cosv4::{BatchOptions, BatchOutcome, Content, UploadOptions};

use crate::batch::{api_batch, default_client, Ctx};
use crate::batch_report::Row;
use crate::emulator::{self, BUCKET};
use crate::tree::Tree;
use crate::{limits, TempDir, KIB};

const THREADS: usize = 16;
/// Requests per thread: 16 × 250 = 4000 (one connection per thread would be 4 per 1000).
const STATS_EACH: usize = 250;
/// 1 KiB uploads per thread: 16 × 64 = 1024.
const UPLOADS_EACH: usize = 64;

pub fn connections(ctx: &mut Ctx) {
    eprintln!("-- connections per 1000 requests");
    let r = with_fresh_emulator(ctx, "conns_stat", STATS_EACH, |emu| {
        emu.put_object("/conns/x", b"hello");
        let client = default_client(&emu.base_url())?;
        threads(STATS_EACH, |_, _| client.stat(BUCKET, "/conns/x").map(drop))
    });
    ctx.keep(r);
    let content = vec![7u8; KIB as usize];
    let r = with_fresh_emulator(ctx, "conns_upload", UPLOADS_EACH, |emu| {
        emu.put_object("/conns/x", b"hello"); // the folder /conns/ exists
        let client = default_client(&emu.base_url())?;
        let opts = UploadOptions::default();
        threads(UPLOADS_EACH, |t, i| {
            let path = format!("/conns/t{t:02}-{i:03}.bin");
            client
                .upload(BUCKET, &path, Content::Bytes(&content), &opts, None)
                .map(drop)
        })
    });
    ctx.keep(r);
    let dir = TempDir::new(ctx.work, "conns");
    let tree = Tree::create(&dir.0, 1000, 100, 16 * KIB)
        .unwrap_or_else(|e| panic!("creating the connection tree: {e}"));
    let opts = BatchOptions {
        jobs: THREADS,
        max_requests: THREADS,
        ..BatchOptions::default()
    };
    let all = |o: &BatchOutcome| o.failed == 0 && o.uploaded == 1000;
    let mut row = with_fresh_emulator(ctx, "conns_batch", 0, |emu| {
        let folder = (tree.root.as_path(), "/conns-batch/");
        api_batch(None, &emu.base_url(), folder, &opts, all).map(drop)
    });
    if let Ok(r) = &mut row {
        r.files = 1000;
        r.bytes = tree.bytes();
    }
    ctx.keep(row);
}

/// Runs `work` against a fresh in-process emulator; the row has its wall time, the requests
/// it answered and the connections it accepted.
fn with_fresh_emulator(
    ctx: &Ctx,
    name: &'static str,
    each: usize,
    work: impl FnOnce(&cosv4_emulator::Emulator) -> Result<(), String>,
) -> Result<Row, String> {
    let data = TempDir::new(ctx.shm, name);
    let emu = emulator::in_process(&data.0);
    let t0 = Instant::now();
    work(&emu).map_err(|e| format!("{name}: {e}"))?;
    let secs = t0.elapsed().as_secs_f64();
    let stats = emu.stats();
    let files = (THREADS * each) as u64;
    let mut row = Row::timed(name, 1, files, 0, [secs, f64::NAN, f64::NAN]);
    row.requests = Some(stats.requests);
    row.connections = Some(stats.connections_accepted);
    row.detail = format!("at most {} open at once", stats.max_open_connections);
    Ok(row)
}

/// `THREADS` threads started together, each calling `op(thread, i)` `each` times.
fn threads(
    each: usize,
    op: impl Fn(usize, usize) -> cosv4::Result<()> + Sync,
) -> Result<(), String> {
    let barrier = Barrier::new(THREADS);
    limits::on_threads(THREADS, |t| {
        barrier.wait();
        (0..each).try_for_each(|i| op(t, i).map_err(|e| e.to_string()))
    })
}
