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
