//! Shared set-up for the integration tests: an emulator on 127.0.0.1 and a client for it.
#![allow(dead_code)]

use cosv4::{Client, Config, Credentials, Endpoint};
use cosv4_emulator::{Config as EmuConfig, Emulator};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub mod scripted;

pub const APPID: u64 = 1250000000;
pub const BUCKET: &str = "testbucket";
pub const SECRET_ID: &str = "AKIDtestSecretId0123456789";
pub const SECRET_KEY: &str = "testSecretKey0123456789abcdef";
pub const MIB: u64 = 1 << 20;

pub fn emulator() -> Emulator {
    emulator_with(|_| {})
}

/// An emulator with folders implicit (uploads may go into folders never created, as most tests
/// assume); `f` may set `implicit_folders = false` for the service's rule.
pub fn emulator_with(f: impl FnOnce(&mut EmuConfig)) -> Emulator {
    let mut cfg = EmuConfig::new(APPID, BUCKET, SECRET_ID, SECRET_KEY);
    cfg.implicit_folders = true;
    f(&mut cfg);
    Emulator::start(cfg).expect("emulator starts")
}

/// An emulator with the service's rule: a file's parent folder must exist.
pub fn enforcing() -> Emulator {
    emulator_with(|c| c.implicit_folders = false)
}

/// Writes `data` to `root/rel`, making the directories on the way.
pub fn write_file(root: &std::path::Path, rel: &str, data: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

/// Client settings for the emulator: few and fast retries (3, 5 ms doubling, within 10 s: a
/// test of a failure fails fast; the reliability tests set the library's own), short stall
/// timeout.
pub fn config(emu: &Emulator) -> Config {
    let mut cfg = Config::new(Credentials::new(APPID, SECRET_ID, SECRET_KEY).unwrap());
    cfg.endpoint = Some(Endpoint::BaseUrl(emu.base_url()));
    cfg.retries = 3;
    cfg.retry_window = Duration::from_secs(10);
    cfg.retry_base_delay = Duration::from_millis(5);
    cfg.stall_timeout = Duration::from_secs(20);
    cfg
}

pub fn client(emu: &Emulator) -> Client {
    Client::new(config(emu)).unwrap()
}

pub fn client_with(emu: &Emulator, f: impl FnOnce(&mut Config)) -> Client {
    let mut cfg = config(emu);
    f(&mut cfg);
    Client::new(cfg).unwrap()
}

/// Deterministic pseudo-random content (xorshift64*), different per seed.
pub fn content(len: u64, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E3779B97F4A7C15) | 1;
    let mut out = Vec::with_capacity(len as usize + 8);
    while (out.len() as u64) < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545F4914F6CDD1D).to_le_bytes());
    }
    out.truncate(len as usize);
    out
}

/// A directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "t{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    /// Writes `data` to a file in the directory and returns its path.
    pub fn file(&self, name: &str, data: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, data).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Offsets of the `upload_slice_data` requests in the emulator's log that succeeded.
pub fn data_offsets(emu: &Emulator) -> Vec<u64> {
    let mut v: Vec<u64> = emu
        .log()
        .iter()
        .filter(|e| e.op == "upload_slice_data" && e.status == 200)
        .filter_map(|e| e.offset)
        .collect();
    v.sort_unstable();
    v
}

/// Uploads `data` to `path`, cancelling (from the progress handler, via the token) once `k`
/// slices are confirmed. Returns the error.
pub fn upload_cancelled_after(
    client: &Client,
    path: &str,
    file: &std::path::Path,
    k: u64,
) -> cosv4::Error {
    let token = cosv4::CancelToken::new();
    let opts = cosv4::UploadOptions {
        cancel: Some(token.clone()),
        ..Default::default()
    };
    let mut handler = |p: &cosv4::Progress| {
        if p.slices_done >= k {
            token.cancel();
        }
        std::ops::ControlFlow::Continue(())
    };
    client
        .upload_file_with_progress(BUCKET, path, file, &opts, &mut handler)
        .unwrap_err()
}

/// Downloads `cos_path` to `local` with the default options, recording every progress event.
pub fn download_recording(
    c: &Client,
    cos_path: &str,
    local: &std::path::Path,
) -> (cosv4::DownloadOutcome, Vec<cosv4::DownloadProgress>) {
    let mut events = Vec::new();
    let mut record = |p: &cosv4::DownloadProgress| {
        events.push(*p);
        std::ops::ControlFlow::Continue(())
    };
    let opts = cosv4::DownloadOptions::default();
    let out = c
        .download_file(BUCKET, cos_path, local, &opts, Some(&mut record))
        .unwrap();
    (out, events)
}

/// The ops of the requests logged since the last clear, with how many of each.
pub fn ops(emu: &Emulator) -> std::collections::BTreeMap<String, usize> {
    let mut out = std::collections::BTreeMap::new();
    for e in emu.log() {
        *out.entry(e.op).or_insert(0) += 1;
    }
    out
}

/// Requests that change the server: a dry run or an unchanged sync sends none.
pub const CHANGING_OPS: [&str; 8] = [
    "upload",
    "upload_slice_init",
    "upload_slice_data",
    "upload_slice_finish",
    "create",
    "delete",
    "move",
    "update",
];

/// No request of the log since the last clear changed the server.
pub fn assert_nothing_changed(emu: &Emulator) {
    let ops = ops(emu);
    for op in CHANGING_OPS {
        assert!(!ops.contains_key(op), "{op} was sent: {ops:?}");
    }
}

/// The object at `/dst/<rel>` holds what the local file `root/rel` does.
pub fn assert_same(emu: &Emulator, root: &std::path::Path, rel: &str) {
    let local = std::fs::read(root.join(rel)).unwrap();
    let path = format!("/dst/{rel}");
    assert!(emu.object(&path).as_ref() == Some(&local), "{path} differs");
}
