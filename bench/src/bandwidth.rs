//! Row 6: the client-wide bandwidth limit (`Config::limit_rate`): the rate achieved against
//! the rate asked, with 1 and 8 workers (one limit for all of them), for a sliced upload to a
//! fresh in-process emulator storing nothing.

use std::time::Instant;

use cosv4::{Content, UploadOptions};

use crate::batch::Ctx;
use crate::batch_report::Row;
use crate::emulator::{self, BUCKET};
use crate::{runs, TempDir, MIB};

/// Asked: 16 MiB/s; each upload moves 48 MiB (about 3 s at the limit).
pub const ASKED: u64 = 16 * MIB;
const SIZE: u64 = 48 * MIB;

pub fn bandwidth(ctx: &mut Ctx) {
    eprintln!("-- bandwidth limit");
    let content = vec![3u8; SIZE as usize];
    for (name, workers) in [("limit_w1", 1), ("limit_w8", 8)] {
        let data = TempDir::new(ctx.shm, name);
        let emu = emulator::in_process(&data.0);
        let row = (|| {
            let mut client = runs::client(&emu.base_url(), false, workers, MIB)?;
            let mut cfg = client.config().clone();
            cfg.limit_rate = Some(ASKED);
            client = cosv4::Client::new(cfg).map_err(|e| e.to_string())?;
            let opts = UploadOptions::default();
            let t0 = Instant::now();
            client
                .upload(
                    BUCKET,
                    "/limited.bin",
                    Content::Bytes(&content),
                    &opts,
                    None,
                )
                .map_err(|e| format!("{name}: {e}"))?;
            let secs = t0.elapsed().as_secs_f64();
            let mut row = Row::timed(name, 1, 1, SIZE, [secs, f64::NAN, f64::NAN]);
            let achieved = SIZE as f64 / secs / MIB as f64;
            row.detail = format!(
                "asked {} MiB/s, achieved {achieved:.2} MiB/s ({:.3} of asked)",
                ASKED / MIB,
                achieved / (ASKED / MIB) as f64
            );
            Ok(row)
        })();
        ctx.keep(row);
    }
}
