//! Engine tests that need a source of our own making, against the emulator.

use super::*;
use crate::{Client, Credentials, Endpoint, ErrorKind};
use cosv4_emulator::{Config as EmuConfig, Emulator};

/// Bytes in memory whose reads fail with EIO from `fail_at` on, as a failing disk would.
struct FailingDisk {
    data: Vec<u8>,
    fail_at: u64,
}

impl Source for FailingDisk {
    fn len(&self) -> u64 {
        self.data.len() as u64
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        if offset + buf.len() as u64 > self.fail_at {
            return Err(std::io::Error::from_raw_os_error(5));
        }
        MemSource(&self.data).read_at(buf, offset)
    }
    fn check_unchanged(&self) -> Result<()> {
        Ok(())
    }
    fn describe(&self) -> String {
        "/dev/failing-disk".into()
    }
}

fn client_for(emu: &Emulator) -> Client {
    let creds = Credentials::new(1250000000, "AKIDtest", "secret").unwrap();
    let mut cfg = Config::new(creds);
    cfg.endpoint = Some(Endpoint::BaseUrl(emu.base_url()));
    cfg.retry_base_delay = Duration::from_millis(5);
    cfg.integrity = false; // the first read happens in the request body
    Client::new(cfg).unwrap()
}

// Issue 10 case 11: a local read error is a local I/O error naming the file, at once — not a
// transport error retried as one.
#[test]
fn a_local_read_error_is_not_retried_as_a_network_error() {
    let emu = Emulator::start(EmuConfig::new(1250000000, "b", "AKIDtest", "secret")).unwrap();
    let client = client_for(&emu);
    for (size, path) in [(5000usize, "/simple.bin"), (10 << 20, "/sliced.bin")] {
        let disk = FailingDisk {
            data: vec![7; size],
            fail_at: size as u64 / 2,
        };
        let opts = UploadOptions::default();
        let err = run(client.api(), ("b", path), &disk, &opts, None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::LocalIo, "{err}");
        assert!(err.message().contains("/dev/failing-disk"), "{err}");
        assert!(!err.is_retryable());
        let failed_bodies = emu
            .log()
            .iter()
            .filter(|e| e.path == path && matches!(e.op.as_str(), "upload" | "upload_slice_data"))
            .filter(|e| e.status != 200)
            .count();
        assert!(failed_bodies <= 1, "{path}: the read error was retried");
    }
}

/// Bytes in memory that count their reads and can be marked as changed on disk.
struct Watched {
    data: Vec<u8>,
    reads: std::sync::atomic::AtomicUsize,
    changed: std::sync::atomic::AtomicBool,
}

impl Watched {
    fn new(data: Vec<u8>) -> Watched {
        Watched {
            data,
            reads: Default::default(),
            changed: Default::default(),
        }
    }
}

impl Source for Watched {
    fn len(&self) -> u64 {
        self.data.len() as u64
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        MemSource(&self.data).read_at(buf, offset)
    }
    fn check_unchanged(&self) -> Result<()> {
        match self.changed.load(Ordering::SeqCst) {
            true => Err(crate::Error::integrity("/dev/watched was modified")),
            false => Ok(()),
        }
    }
    fn describe(&self) -> String {
        "/dev/watched".into()
    }
}

fn integrity_client(emu: &Emulator) -> Client {
    let creds = Credentials::new(1250000000, "AKIDtest", "secret").unwrap();
    let mut cfg = Config::new(creds);
    cfg.endpoint = Some(Endpoint::BaseUrl(emu.base_url()));
    cfg.retry_base_delay = Duration::from_millis(5);
    Client::new(cfg).unwrap()
}

// A batch's small file is read once: the digest computed ahead keeps its bytes and the upload
// sends those; a larger one is read again by its upload.
#[test]
fn a_small_file_hashed_ahead_is_sent_from_the_bytes_hashed() {
    let emu = Emulator::start(EmuConfig::new(1250000000, "b", "AKIDtest", "secret")).unwrap();
    let client = integrity_client(&emu);
    let big = digest::KEEP_CONTENT as usize + 1;
    for (size, path, reads_after) in [(5000usize, "/small.bin", 0), (big, "/big.bin", 1)] {
        let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        let source = Watched::new(data.clone());
        let prepared = compute(client.api().cfg, &source, &CancelToken::new()).unwrap();
        assert_eq!(prepared.content.is_some(), reads_after == 0, "{path}");
        let hashed = source.reads.swap(0, Ordering::SeqCst);
        assert!(hashed >= 1, "{path}: not read for the digest");
        let handoff = Handoff {
            prepared: Some(prepared),
            limit: None,
        };
        let opts = UploadOptions::default();
        let out = run_with(client.api(), ("b", path), &source, &opts, handoff, None).unwrap();
        assert_eq!(out.method, Method::Simple);
        assert_eq!(emu.object(path).unwrap(), data, "{path}");
        assert_eq!(source.reads.load(Ordering::SeqCst), reads_after, "{path}");
    }
}

// The bytes kept from hashing are not sent when the file changed since it was opened.
#[test]
fn a_file_changed_after_hashing_fails_even_with_its_bytes_kept() {
    let emu = Emulator::start(EmuConfig::new(1250000000, "b", "AKIDtest", "secret")).unwrap();
    let client = integrity_client(&emu);
    let source = Watched::new(vec![1; 3000]);
    let prepared = compute(client.api().cfg, &source, &CancelToken::new()).unwrap();
    assert!(prepared.content.is_some());
    source.changed.store(true, Ordering::SeqCst);
    let handoff = Handoff {
        prepared: Some(prepared),
        limit: None,
    };
    let opts = UploadOptions::default();
    let err = run_with(client.api(), ("b", "/c.bin"), &source, &opts, handoff, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Integrity, "{err}");
    assert!(emu.object("/c.bin").is_none());
}
