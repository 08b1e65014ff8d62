//! HTTPS: the client against the emulator with `tls` on (a CA made at start signs its
//! certificate; the CA is in `<data dir>/ca.pem`). Certificates are verified by default, a CA
//! file makes the emulator trusted, the insecure switch skips the check, and mismatched schemes
//! fail quickly with a clear error instead of hanging.
#![cfg(feature = "https")]

mod common;

use common::{content, emulator_with, TempDir, MIB};
use cosv4::{Client, Config, Endpoint, ErrorKind, UploadOptions};
use std::time::{Duration, Instant};

fn tls_emulator() -> cosv4_emulator::Emulator {
    emulator_with(|c| c.tls = true)
}

/// Client settings for `emu` with no retries (a TLS failure is not worth retrying here).
fn config(emu: &cosv4_emulator::Emulator) -> Config {
    let mut cfg = common::config(emu);
    cfg.retries = 0;
    cfg.stall_timeout = Duration::from_secs(10);
    cfg
}

#[test]
fn emulator_serves_https_and_writes_its_ca() {
    let emu = tls_emulator();
    assert!(
        emu.base_url().starts_with("https://127.0.0.1:"),
        "{}",
        emu.base_url()
    );
    let ca = emu.ca_pem_path().expect("a CA file with tls on");
    assert_eq!(ca, emu.data_dir().join("ca.pem"));
    let pem = std::fs::read_to_string(ca).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    let plain = common::emulator();
    assert!(plain.base_url().starts_with("http://"));
    assert!(plain.ca_pem_path().is_none());
}

#[test]
fn default_roots_refuse_the_emulator_certificate() {
    let emu = tls_emulator();
    let client = Client::new(config(&emu)).unwrap();
    let t = Instant::now();
    let err = client
        .upload_bytes(
            common::BUCKET,
            "/tls/refused.bin",
            b"hello",
            &UploadOptions::default(),
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    let msg = err.message();
    assert!(
        msg.contains("certificate") && msg.contains("UnknownIssuer"),
        "the message should say the certificate's issuer is unknown: {msg}"
    );
    assert!(
        msg.contains("tls_ca_file"),
        "the message should give the way out: {msg}"
    );
    assert!(t.elapsed() < Duration::from_secs(10));
    assert!(emu.object("/tls/refused.bin").is_none());
    // The stat path (GET) fails the same way.
    let err = client.stat(common::BUCKET, "/tls/refused.bin").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
}

#[test]
fn ca_file_makes_the_emulator_trusted() {
    let emu = tls_emulator();
    let mut cfg = config(&emu);
    cfg.tls_ca_file = Some(emu.ca_pem_path().unwrap().to_path_buf());
    cfg.workers = 3;
    let client = Client::new(cfg).unwrap();
    // A simple upload and a slice upload (several connections in parallel), exact on disk.
    let small = content(1000, 1);
    let done = client
        .upload_bytes(
            common::BUCKET,
            "/tls/small.bin",
            &small,
            &UploadOptions::default(),
        )
        .unwrap();
    assert!(
        done.access_url.contains("/tls/small.bin"),
        "{}",
        done.access_url
    );
    assert_eq!(emu.object("/tls/small.bin").unwrap(), small);
    let big = content(9 * MIB + 12345, 2);
    client
        .upload_bytes(
            common::BUCKET,
            "/tls/big.bin",
            &big,
            &UploadOptions::default(),
        )
        .unwrap();
    assert!(emu.object("/tls/big.bin").unwrap() == big, "object differs");
    let stat = client.stat(common::BUCKET, "/tls/big.bin").unwrap();
    assert_eq!(stat.filesize, big.len() as u64);
    client.delete(common::BUCKET, "/tls/small.bin").unwrap();
    assert!(emu.object("/tls/small.bin").is_none());
    // `localhost` is in the certificate too.
    let mut cfg = config(&emu);
    cfg.tls_ca_file = Some(emu.ca_pem_path().unwrap().to_path_buf());
    let url = emu.base_url().replace("127.0.0.1", "localhost");
    cfg.endpoint = Some(Endpoint::BaseUrl(url));
    let client = Client::new(cfg).unwrap();
    assert_eq!(
        client
            .stat(common::BUCKET, "/tls/big.bin")
            .unwrap()
            .filesize,
        big.len() as u64
    );
}

#[test]
fn another_emulators_ca_is_not_trusted() {
    let emu = tls_emulator();
    let other = tls_emulator();
    let mut cfg = config(&emu);
    cfg.tls_ca_file = Some(other.ca_pem_path().unwrap().to_path_buf());
    let err = Client::new(cfg)
        .unwrap()
        .stat(common::BUCKET, "/x")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(err.message().contains("certificate"), "{err}");
}

#[test]
fn insecure_skip_verify_accepts_any_certificate() {
    let emu = tls_emulator();
    let mut cfg = config(&emu);
    cfg.tls_insecure_skip_verify = true;
    cfg.simple_threshold = MIB;
    let client = Client::new(cfg).unwrap();
    let data = content(2 * MIB + 7, 3);
    client
        .upload_bytes(
            common::BUCKET,
            "/tls/insecure.bin",
            &data,
            &UploadOptions::default(),
        )
        .unwrap();
    assert!(emu.object("/tls/insecure.bin").unwrap() == data);
}

#[test]
fn https_client_against_plain_http_fails_fast() {
    let emu = common::emulator();
    let mut cfg = config(&emu);
    let url = emu.base_url().replace("http://", "https://");
    cfg.endpoint = Some(Endpoint::BaseUrl(url));
    let client = Client::new(cfg).unwrap();
    let t = Instant::now();
    let err = client
        .upload_bytes(
            common::BUCKET,
            "/tls/x.bin",
            b"abc",
            &UploadOptions::default(),
        )
        .unwrap_err();
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "took {:?}: {err}",
        t.elapsed()
    );
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(err.message().contains("https://127.0.0.1"), "{err}");
}

#[test]
fn plain_http_client_against_https_fails_fast() {
    let emu = tls_emulator();
    let mut cfg = config(&emu);
    let url = emu.base_url().replace("https://", "http://");
    cfg.endpoint = Some(Endpoint::BaseUrl(url));
    let client = Client::new(cfg).unwrap();
    let t = Instant::now();
    let err = client.stat(common::BUCKET, "/x").unwrap_err();
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "took {:?}: {err}",
        t.elapsed()
    );
    assert!(
        matches!(err.kind(), ErrorKind::Transport | ErrorKind::Protocol),
        "{err}"
    );
}

#[test]
fn unusable_ca_files_are_usage_errors_at_build() {
    let emu = tls_emulator();
    let dir = TempDir::new();
    let junk = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let cases = [
        (dir.0.join("missing.pem"), "cannot read"),
        (dir.file("empty.pem", b""), "no PEM certificate"),
        (dir.file("text.pem", b"hello\n"), "no PEM certificate"),
        (dir.file("junk.pem", junk.as_bytes()), "X.509"),
    ];
    for (path, needle) in cases {
        let mut cfg = config(&emu);
        cfg.tls_ca_file = Some(path.clone());
        let err = Client::new(cfg).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Usage, "{err}");
        let msg = err.message();
        assert!(msg.contains(needle), "{needle}: {msg}");
        assert!(msg.contains(&path.display().to_string()), "{msg}");
    }
}

#[test]
fn c_api_tls_setters() {
    use cosv4::ffi::client::{cosv4_client_free, cosv4_client_new};
    use cosv4::ffi::config::*;
    use cosv4::ffi::cosv4_result as R;
    use std::ffi::CString;
    let emu = tls_emulator();
    let c = |s: &str| CString::new(s).unwrap();
    let (id, key) = (c(common::SECRET_ID), c(common::SECRET_KEY));
    let ca = c(emu.ca_pem_path().unwrap().to_str().unwrap());
    let missing = c("/nonexistent/ca.pem");
    unsafe {
        let mut cfg = std::ptr::null_mut();
        assert_eq!(
            cosv4_config_new(common::APPID, id.as_ptr(), key.as_ptr(), &mut cfg),
            R::Ok
        );
        assert_eq!(
            cosv4_config_set_tls_ca_file(std::ptr::null_mut(), ca.as_ptr()),
            R::NullArgument
        );
        assert_eq!(
            cosv4_config_set_tls_ca_file(cfg, missing.as_ptr()),
            R::InvalidConfig
        );
        assert_eq!(cosv4_config_set_tls_ca_file(cfg, ca.as_ptr()), R::Ok);
        assert_eq!(cosv4_config_set_tls_ca_file(cfg, std::ptr::null()), R::Ok);
        assert_eq!(cosv4_config_set_tls_ca_file(cfg, ca.as_ptr()), R::Ok);
        assert_eq!(
            cosv4_config_set_tls_insecure_skip_verify(cfg, 2),
            R::InvalidArgument
        );
        assert_eq!(cosv4_config_set_tls_insecure_skip_verify(cfg, 0), R::Ok);
        assert_eq!(
            cosv4_config_set_tls_insecure_skip_verify(std::ptr::null_mut(), 1),
            R::NullArgument
        );
        assert_eq!(
            cosv4_config_set_endpoint(cfg, c(&emu.base_url()).as_ptr()),
            R::Ok
        );
        let mut client = std::ptr::null_mut();
        let mut err = std::ptr::null_mut();
        assert_eq!(cosv4_client_new(cfg, &mut client, &mut err), R::Ok);
        assert!(err.is_null());
        cosv4_client_free(client);
    }
}

/// A CA file that is a FIFO or `/dev/zero` is refused at once as not a regular file: the read
/// blocked for ever on the FIFO and filled memory until the process died on `/dev/zero`.
#[test]
fn a_ca_file_that_is_no_regular_file_is_refused_at_once() {
    let dir = common::TempDir::new();
    let fifo = dir.0.join("ca.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    for path in [fifo, std::path::PathBuf::from("/dev/zero")] {
        let (tx, rx) = std::sync::mpsc::channel();
        let shown = path.display().to_string();
        std::thread::spawn(move || {
            let mut cfg = Config::new(
                cosv4::Credentials::new(common::APPID, common::SECRET_ID, common::SECRET_KEY)
                    .unwrap(),
            );
            cfg.endpoint = Some(Endpoint::BaseUrl("https://127.0.0.1:1".into()));
            cfg.tls_ca_file = Some(path);
            let _ = tx.send(Client::new(cfg).err().map(|e| e.to_string()));
        });
        let e = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("{shown}: no answer within 20 s"))
            .unwrap_or_else(|| panic!("{shown}: accepted"));
        assert!(e.contains("not a regular file"), "{shown}: {e}");
    }
}
