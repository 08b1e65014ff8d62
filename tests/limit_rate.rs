//! The client-wide bandwidth limit: two uploads sharing one client, and a download, take at
//! least as long as the limit allows (no upper bound but a generous one: a busy machine only
//! makes them slower; the achieved rates are the benchmark's business).

mod common;

use common::{client_with, content, emulator, TempDir, BUCKET, MIB};
use cosv4::{Content, DownloadOptions, UploadOptions};
use std::time::{Duration, Instant};

const RATE: u64 = 2 * MIB;

#[test]
fn two_uploads_share_one_limit() {
    let emu = emulator();
    let client = client_with(&emu, |c| {
        c.limit_rate = Some(RATE);
        c.workers = 8;
        c.simple_threshold = MIB;
    });
    let data = [content(3 * MIB, 1), content(3 * MIB, 2)];
    let started = Instant::now();
    std::thread::scope(|s| {
        for (i, d) in data.iter().enumerate() {
            let client = &client;
            s.spawn(move || {
                let path = format!("/limited{i}.bin");
                let opts = UploadOptions::default();
                client
                    .upload(BUCKET, &path, Content::Bytes(d), &opts, None)
                    .unwrap();
            });
        }
    });
    let took = started.elapsed();
    // 6 MiB at 2 MiB/s: 3 s; less the small burst allowance.
    assert!(took >= Duration::from_millis(2700), "{took:?}");
    assert!(took < Duration::from_secs(60), "{took:?}");
    assert!(emu.object("/limited0.bin").unwrap() == data[0]);
    assert!(emu.object("/limited1.bin").unwrap() == data[1]);
}

#[test]
fn a_download_keeps_to_the_limit() {
    let emu = emulator();
    let data = content(3 * MIB, 3);
    emu.put_object("/big.bin", &data);
    let client = client_with(&emu, |c| c.limit_rate = Some(RATE));
    let dir = TempDir::new();
    let local = dir.0.join("big.bin");
    let started = Instant::now();
    client
        .download_file(
            BUCKET,
            "/big.bin",
            &local,
            &DownloadOptions::default(),
            None,
        )
        .unwrap();
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(1300), "{took:?}");
    assert!(std::fs::read(&local).unwrap() == data);
}

#[test]
fn a_limit_below_one_kib_per_second_is_refused() {
    let emu = emulator();
    let mut cfg = common::config(&emu);
    cfg.limit_rate = Some(100);
    let e = cosv4::Client::new(cfg).unwrap_err();
    assert!(e.message().contains("bandwidth limit"), "{e}");
}
