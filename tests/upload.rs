//! The upload engine end to end against the emulator on 127.0.0.1.

mod common;

use common::*;
use cosv4::{CancelToken, ErrorKind, Method, Phase, Progress, UploadOptions};
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

fn upload_and_check(
    emu: &cosv4_emulator::Emulator,
    client: &cosv4::Client,
    size: u64,
    seed: u64,
) -> cosv4::Outcome {
    let dir = TempDir::new();
    let data = content(size, seed);
    let file = dir.file("f.bin", &data);
    let path = format!("/e2e/size-{size}-{seed}.bin");
    let out = client
        .upload_file(BUCKET, &path, &file, &UploadOptions::default())
        .unwrap_or_else(|e| panic!("size {size}: {e}"));
    let stored = emu.object(&path).expect("object stored");
    assert_eq!(stored.len() as u64, size, "size {size}");
    assert!(stored == data, "size {size}: content differs");
    assert_eq!(out.bytes_total, size);
    assert!(out
        .resource_path
        .ends_with(&format!("size-{size}-{seed}.bin")));
    out
}

#[test]
fn sizes_through_slices_with_one_and_many_workers_integrity_on_and_off() {
    let emu = emulator();
    let sizes = [1, 512 * 1024 - 1, 512 * 1024, 1024 * 1024, 3 * MIB + 12345];
    let mut seed = 0;
    for workers in [1, 6] {
        for integrity in [true, false] {
            let client = client_with(&emu, |c| {
                c.workers = workers;
                c.integrity = integrity;
                c.simple_threshold = 0; // everything but 0 B through slices
                c.slice_size = 512 * 1024;
            });
            for size in sizes {
                seed += 1;
                let out = upload_and_check(&emu, &client, size, seed);
                assert_eq!(out.method, Method::Slices, "size {size}");
                assert_eq!(out.slices_total, size.div_ceil(512 * 1024));
                assert_eq!(out.slices_sent, out.slices_total);
                assert_eq!(out.slice_size, 512 * 1024);
            }
        }
    }
    // With integrity on, init carried a sha the emulator checked at finish.
    let inits_with_sha = emu
        .log()
        .iter()
        .filter(|e| e.op == "upload_slice_finish" && e.status == 200)
        .count();
    assert_eq!(inits_with_sha, 20);
}

#[test]
fn zero_bytes_and_small_files_go_through_simple_upload() {
    let emu = emulator();
    for integrity in [true, false] {
        let client = client_with(&emu, |c| c.integrity = integrity);
        for (i, size) in [0u64, 1, 4096, 8 * MIB].into_iter().enumerate() {
            let out = upload_and_check(
                &emu,
                &client,
                size,
                100 + i as u64 + 10 * u64::from(integrity),
            );
            assert_eq!(out.method, Method::Simple, "size {size}");
        }
    }
    assert!(emu.log().iter().all(|e| e.op == "upload"));
}

#[test]
fn large_file_64_mib_default_settings() {
    let emu = emulator();
    let client = client(&emu);
    let out = upload_and_check(&emu, &client, 64 * MIB, 7);
    assert_eq!(out.method, Method::Slices);
    assert_eq!(out.slices_total, 64);
    assert_eq!(out.retries, 0);
}

#[test]
fn upload_bytes_from_memory() {
    let emu = emulator();
    let client = client_with(&emu, |c| c.simple_threshold = MIB);
    for size in [10u64, 3 * MIB + 1] {
        let data = content(size, size);
        let path = format!("/mem/{size}");
        client
            .upload_bytes(BUCKET, &path, &data, &UploadOptions::default())
            .unwrap();
        assert!(emu.object(&path).unwrap() == data);
    }
}

#[test]
fn progress_is_monotonic_on_the_calling_thread_and_ends_at_100_percent() {
    let emu = emulator();
    let client = client_with(&emu, |c| c.workers = 4);
    let dir = TempDir::new();
    let size = 24 * MIB + 5;
    let file = dir.file("p.bin", &content(size, 1));
    let me = std::thread::current().id();
    let mut events: Vec<Progress> = Vec::new();
    let mut handler = |p: &Progress| {
        assert_eq!(
            std::thread::current().id(),
            me,
            "progress off the calling thread"
        );
        events.push(*p);
        ControlFlow::Continue(())
    };
    client
        .upload_file_with_progress(
            BUCKET,
            "/p.bin",
            &file,
            &UploadOptions::default(),
            &mut handler,
        )
        .unwrap();
    assert!(events.len() >= 3);
    assert_eq!(events[0].phase, Phase::Hashing);
    let last = events.last().unwrap();
    assert_eq!(last.phase, Phase::Done);
    assert_eq!((last.bytes_done, last.bytes_total), (size, size));
    assert_eq!((last.slices_done, last.slices_total), (25, 25));
    for w in events.windows(2) {
        assert!(w[1].bytes_done >= w[0].bytes_done && w[1].slices_done >= w[0].slices_done);
        assert!(w[1].bytes_hashed >= w[0].bytes_hashed);
    }
    assert!(events.iter().any(|p| p.phase == Phase::Uploading));
}

#[test]
fn resume_after_cancel_sends_only_the_missing_slices() {
    // Slow slices down so the cancel lands mid-upload.
    let emu = emulator_with(|c| c.faults.delay_ms = 30);
    let client = client_with(&emu, |c| c.workers = 3);
    let dir = TempDir::new();
    let size = 20 * MIB + 777;
    let data = content(size, 42);
    let file = dir.file("r.bin", &data);
    let err = upload_cancelled_after(&client, "/resume.bin", &file, 5);
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    // Let the emulator finish requests that were in flight at the cancel.
    std::thread::sleep(Duration::from_millis(300));
    let had = emu
        .session("/resume.bin")
        .expect("unfinished session")
        .offsets;
    assert!(
        had.len() >= 5 && had.len() < 21,
        "server had {} slices",
        had.len()
    );

    emu.clear_log();
    let mut first: Option<Progress> = None;
    let mut handler = |p: &Progress| {
        if p.phase == Phase::Uploading && first.is_none() {
            first = Some(*p);
        }
        ControlFlow::Continue(())
    };
    let out = client
        .upload_file_with_progress(
            BUCKET,
            "/resume.bin",
            &file,
            &UploadOptions::default(),
            &mut handler,
        )
        .unwrap();
    assert!(out.resumed);
    assert_eq!(out.slices_skipped, had.len() as u64);
    assert_eq!(out.slices_sent + out.slices_skipped, 21);
    let sent = data_offsets(&emu);
    assert!(
        sent.iter().all(|o| !had.contains(o)),
        "re-sent a slice the server had"
    );
    let mut all: Vec<u64> = had.iter().chain(sent.iter()).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..21).map(|i| i * MIB).collect::<Vec<_>>());
    assert!(emu.log().iter().any(|e| e.op == "upload_slice_list"));
    // The first uploading event already counts what the server had.
    assert_eq!(first.unwrap().slices_done, had.len() as u64);
    assert!(emu.object("/resume.bin").unwrap() == data);
}

#[test]
fn unfinished_upload_of_other_content_is_refused_or_replaced() {
    let emu = emulator_with(|c| c.faults.delay_ms = 30);
    let client = client_with(&emu, |c| c.workers = 2);
    let dir = TempDir::new();
    let a = dir.file("a.bin", &content(12 * MIB, 1));
    let b_data = content(12 * MIB, 2);
    let b = dir.file("b.bin", &b_data);
    upload_cancelled_after(&client, "/x.bin", &a, 2);
    let err = client
        .upload_file(BUCKET, "/x.bin", &b, &UploadOptions::default())
        .unwrap_err();
    assert_eq!(err.cos_code(), Some(-4020), "{err}");
    assert!(err.message().contains("replace_stale"), "{err}");
    let opts = UploadOptions {
        replace_stale: true,
        ..Default::default()
    };
    let out = client.upload_file(BUCKET, "/x.bin", &b, &opts).unwrap();
    assert!(!out.resumed);
    assert!(emu.object("/x.bin").unwrap() == b_data);
}

#[test]
fn server_slice_size_and_serial_upload_are_honoured() {
    let emu = emulator_with(|c| {
        c.slice_size_override = Some(2 * MIB);
        c.force_serial_upload = true;
        c.faults.delay_ms = 100;
    });
    let client = client_with(&emu, |c| c.workers = 8);
    let dir = TempDir::new();
    let data = content(9 * MIB + 3, 5);
    let file = dir.file("s.bin", &data);
    let out = client
        .upload_file(BUCKET, "/serial.bin", &file, &UploadOptions::default())
        .unwrap();
    assert_eq!(out.slice_size, 2 * MIB);
    assert_eq!(out.slices_total, 5);
    let offsets = data_offsets(&emu);
    assert_eq!(offsets, vec![0, 2 * MIB, 4 * MIB, 6 * MIB, 8 * MIB]);
    assert!(emu.object("/serial.bin").unwrap() == data);
    // serial: the log shows no two slice requests overlapping — checked by the emulator's
    // in-flight counter, reported through an unfinished session; start one and look.
    let token = CancelToken::new();
    let opts = UploadOptions {
        cancel: Some(token.clone()),
        ..Default::default()
    };
    let mut handler = |p: &Progress| {
        if p.slices_done >= 1 {
            token.cancel();
        }
        ControlFlow::Continue(())
    };
    // Other content, or the emulator would answer an instant upload.
    let file2 = dir.file("s2.bin", &content(9 * MIB + 3, 6));
    let _ = client.upload_file_with_progress(BUCKET, "/serial2.bin", &file2, &opts, &mut handler);
    let s = emu.session("/serial2.bin").expect("unfinished");
    assert_eq!(s.max_concurrent_slices, 1);
}

#[test]
fn instant_upload_when_the_content_is_already_stored() {
    let emu = emulator();
    let client = client(&emu);
    let dir = TempDir::new();
    let data = content(10 * MIB, 9);
    emu.put_object("/original.bin", &data);
    let file = dir.file("i.bin", &data);
    let out = client
        .upload_file(BUCKET, "/copy.bin", &file, &UploadOptions::default())
        .unwrap();
    assert_eq!(out.method, Method::Instant);
    assert!(!out.access_url.is_empty());
    assert!(data_offsets(&emu).is_empty());
    assert!(emu.object("/copy.bin").unwrap() == data);
}

#[test]
fn insert_only_refusal_is_surfaced_and_overwrite_works() {
    let emu = emulator();
    let client = client(&emu);
    emu.put_object("/exists.bin", b"old content");
    for data in [content(100, 1), content(9 * MIB, 2)] {
        let err = client
            .upload_bytes(BUCKET, "/exists.bin", &data, &UploadOptions::default())
            .unwrap_err();
        assert_eq!(err.cos_code(), Some(-177), "{err}");
        assert_eq!(err.http_status(), Some(409));
        let opts = UploadOptions {
            insert_only: false,
            ..Default::default()
        };
        client
            .upload_bytes(BUCKET, "/exists.bin", &data, &opts)
            .unwrap();
        assert!(emu.object("/exists.bin").unwrap() == data);
        emu.put_object("/exists.bin", b"old content");
    }
}

#[test]
fn retries_ride_out_5xx_and_connection_resets() {
    let emu = emulator_with(|c| {
        c.faults.seed = 11;
        c.faults.http_5xx_rate = 0.15;
        c.faults.drop_before_store_rate = 0.1;
        c.faults.drop_after_store_rate = 0.1;
    });
    let client = client_with(&emu, |c| {
        c.workers = 4;
        c.retries = 8;
    });
    let dir = TempDir::new();
    let data = content(30 * MIB, 3);
    let file = dir.file("f.bin", &data);
    let out = client
        .upload_file(BUCKET, "/faulty.bin", &file, &UploadOptions::default())
        .unwrap();
    assert!(
        out.retries > 0,
        "faults were injected, so some requests were retried"
    );
    assert!(emu.object("/faulty.bin").unwrap() == data);
}

#[test]
fn a_slice_failing_for_good_stops_the_upload_with_its_cause() {
    let emu = emulator_with(|c| c.faults.http_5xx_rate = 1.0);
    let client = client_with(&emu, |c| c.retries = 2);
    let data = content(10 * MIB, 3);
    let err = client
        .upload_bytes(BUCKET, "/fails.bin", &data, &UploadOptions::default())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service, "{err}");
    assert!(matches!(err.http_status(), Some(500 | 503)), "{err}");
    assert!(matches!(err.cos_code(), Some(-71 | -195)), "{err}");
    assert!(
        err.message().contains("slice") && err.message().contains("offset"),
        "{err}"
    );
    // 4 workers × 3 attempts at most, not 10 slices × 3: no new slices after the failure.
    let attempts = emu
        .log()
        .iter()
        .filter(|e| e.op == "upload_slice_data")
        .count();
    assert!(
        attempts <= 12,
        "{attempts} slice requests after a permanent failure"
    );
}

#[test]
fn cancel_from_another_thread_is_prompt() {
    // Each slice is held 2 s before its answer: only interrupting the requests in flight can
    // make the upload return well within that.
    let emu = emulator_with(|c| c.faults.delay_ms = 2000);
    let client = client(&emu);
    let data = content(16 * MIB, 4); // 16 slices × 2 s / 4 workers ≈ 8 s if not cancelled
    let token = CancelToken::new();
    let t2 = token.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(400));
        let at = Instant::now();
        t2.cancel();
        at
    });
    let opts = UploadOptions {
        cancel: Some(token),
        ..Default::default()
    };
    let err = client
        .upload_bytes(BUCKET, "/cancel.bin", &data, &opts)
        .unwrap_err();
    let returned = Instant::now();
    let cancelled_at = canceller.join().unwrap();
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    // Generous bound (the server holds each request 2 s): in-flight requests were
    // interrupted rather than awaited.
    let lag = returned.duration_since(cancelled_at);
    assert!(
        lag < Duration::from_millis(1000),
        "returned {lag:?} after cancel"
    );
    // Cancel before start: nothing is sent.
    emu.clear_log();
    let token = CancelToken::new();
    token.cancel();
    token.cancel();
    let opts = UploadOptions {
        cancel: Some(token),
        ..Default::default()
    };
    let err = client
        .upload_bytes(BUCKET, "/c2.bin", &data, &opts)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled);
    assert!(emu.log().is_empty());
}

#[test]
fn progress_handler_can_stop_the_upload() {
    let emu = emulator_with(|c| c.faults.delay_ms = 30);
    let client = client(&emu);
    let data = content(12 * MIB, 8);
    let mut handler = |p: &Progress| {
        if p.slices_done >= 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let err = client
        .upload_bytes_with_progress(
            BUCKET,
            "/stop.bin",
            &data,
            &UploadOptions::default(),
            &mut handler,
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Aborted, "{err}");
    assert!(emu.object("/stop.bin").is_none());
}

#[test]
fn a_file_changing_during_the_upload_is_an_integrity_error() {
    let emu = emulator_with(|c| c.faults.delay_ms = 20);
    let client = client_with(&emu, |c| c.workers = 2);
    let dir = TempDir::new();
    let file = dir.file("grow.bin", &content(12 * MIB, 1));
    let f2 = file.clone();
    let mut grown = false;
    let mut handler = |p: &Progress| {
        if p.slices_done >= 1 && !grown {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new().append(true).open(&f2).unwrap();
            f.write_all(b"more").unwrap();
            grown = true;
        }
        ControlFlow::Continue(())
    };
    let err = client
        .upload_file_with_progress(
            BUCKET,
            "/grow.bin",
            &file,
            &UploadOptions::default(),
            &mut handler,
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Integrity, "{err}");
    assert!(err.message().contains("changed size"), "{err}");
    assert!(emu.object("/grow.bin").is_none());
}

#[test]
fn service_errors_carry_status_and_cos_code() {
    let emu = emulator();
    let dir = TempDir::new();
    let file = dir.file("a.bin", b"hello");

    let wrong_key = client_with(&emu, |c| {
        c.credentials = cosv4::Credentials::new(APPID, SECRET_ID, "not-the-key").unwrap()
    });
    let e = wrong_key
        .upload_file(BUCKET, "/a.bin", &file, &UploadOptions::default())
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.http_status(), e.cos_code()),
        (ErrorKind::Auth, Some(403), Some(-97)),
        "{e}"
    );
    assert!(!e.to_string().contains("not-the-key"));
    assert!(!e.is_retryable());

    let client = client(&emu);
    let e = client
        .upload_file("otherbucket", "/a.bin", &file, &UploadOptions::default())
        .unwrap_err();
    assert_eq!(
        (e.http_status(), e.cos_code()),
        (Some(403), Some(-61)),
        "{e}"
    );

    let stale_clock = client_with(&emu, |c| {
        c.clock = std::sync::Arc::new(cosv4::FixedClock(1_000_000))
    });
    let e = stale_clock
        .upload_file(BUCKET, "/a.bin", &file, &UploadOptions::default())
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.http_status(), e.cos_code()),
        (ErrorKind::Auth, Some(403), Some(-59)),
        "{e}"
    );
    // Signature errors are not retried.
    let attempts = emu.log().iter().filter(|x| x.code == -59).count();
    assert_eq!(attempts, 1);
}

#[test]
fn bad_arguments_are_usage_errors_before_any_request() {
    let emu = emulator();
    let client = client(&emu);
    let dir = TempDir::new();
    let file = dir.file("a.bin", b"x");
    let opts = UploadOptions::default();
    for (bucket, path) in [
        ("b", "no-slash"),
        ("b", "/dir/"),
        ("b", "/a//b"),
        ("bad bucket", "/a"),
    ] {
        let e = client.upload_file(bucket, path, &file, &opts).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Usage, "{bucket} {path}: {e}");
    }
    let e = client
        .upload_file(BUCKET, "/a", dir.0.join("missing"), &opts)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LocalIo);
    let e = client.upload_file(BUCKET, "/a", &dir.0, &opts).unwrap_err();
    assert!(e.message().contains("directory"), "{e}");
    assert!(emu.log().is_empty());
}

#[test]
fn stat_and_delete() {
    let emu = emulator();
    let client = client(&emu);
    let data = content(1000, 1);
    client
        .upload_bytes(BUCKET, "/s/t.bin", &data, &UploadOptions::default())
        .unwrap();
    let st = client.stat(BUCKET, "/s/t.bin").unwrap();
    assert_eq!(st.filesize, 1000);
    assert_eq!(st.sha, emu.object_sha1("/s/t.bin").unwrap());
    client.delete(BUCKET, "/s/t.bin").unwrap();
    let e = client.stat(BUCKET, "/s/t.bin").unwrap_err();
    assert_eq!((e.http_status(), e.cos_code()), (Some(404), Some(-197)));
}

#[test]
fn one_client_shared_by_threads() {
    let emu = emulator();
    let client = client_with(&emu, |c| c.simple_threshold = MIB);
    std::thread::scope(|s| {
        for t in 0..6u64 {
            let client = client.clone();
            let emu = &emu;
            s.spawn(move || {
                for i in 0..3u64 {
                    let data = content(MIB / 2 + t * MIB + i * 7919, t * 100 + i);
                    let path = format!("/threads/{t}/{i}");
                    client
                        .upload_bytes(BUCKET, &path, &data, &UploadOptions::default())
                        .unwrap();
                    assert!(emu.object(&path).unwrap() == data);
                }
            });
        }
    });
}

#[test]
fn cancelling_one_upload_leaves_the_others_on_the_same_client_alone() {
    let emu = emulator_with(|c| c.faults.delay_ms = 50);
    let client = client(&emu);
    let keep = content(30 * MIB, 1);
    let drop_ = content(30 * MIB, 2);
    let token = CancelToken::new();
    std::thread::scope(|s| {
        let other =
            s.spawn(|| client.upload_bytes(BUCKET, "/keep.bin", &keep, &UploadOptions::default()));
        let t2 = token.clone();
        s.spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            t2.cancel();
        });
        let opts = UploadOptions {
            cancel: Some(token.clone()),
            ..Default::default()
        };
        let err = client
            .upload_bytes(BUCKET, "/drop.bin", &drop_, &opts)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
        let out = other.join().unwrap().unwrap();
        assert_eq!(
            out.retries, 0,
            "the other upload's requests were not interrupted"
        );
    });
    assert!(emu.object("/keep.bin").unwrap() == keep);
}

#[test]
fn cancel_interrupts_a_request_waiting_for_a_silent_server() {
    // A server that accepts and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let held = std::thread::spawn(move || {
        let (conn, _) = listener.accept().unwrap();
        std::thread::sleep(Duration::from_secs(1));
        drop(conn);
    });
    let mut cfg =
        cosv4::Config::new(cosv4::Credentials::new(APPID, SECRET_ID, SECRET_KEY).unwrap());
    cfg.endpoint = Some(cosv4::Endpoint::BaseUrl(format!("http://{addr}")));
    cfg.integrity = false;
    let client = cosv4::Client::new(cfg).unwrap();
    let token = CancelToken::new();
    let t2 = token.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        t2.cancel();
        Instant::now()
    });
    let opts = UploadOptions {
        cancel: Some(token),
        ..Default::default()
    };
    let err = client
        .upload_bytes(BUCKET, "/silent.bin", b"hello", &opts)
        .unwrap_err();
    let lag = Instant::now().duration_since(canceller.join().unwrap());
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    assert!(
        lag < Duration::from_millis(1000),
        "returned {lag:?} after cancel (stall timeout is 30 s)"
    );
    held.join().unwrap();
}

#[test]
fn an_unfinished_upload_of_another_size_is_a_conflict_not_resumed() {
    let emu = emulator_with(|c| c.faults.delay_ms = 30);
    // Without integrity the init carries no sha, so the service answers -4019 and only the
    // list shows that the unfinished upload is of another file.
    let client = client_with(&emu, |c| {
        c.workers = 2;
        c.integrity = false;
    });
    let dir = TempDir::new();
    let a = dir.file("a.bin", &content(12 * MIB, 1));
    let b_data = content(10 * MIB, 2);
    let b = dir.file("b.bin", &b_data);
    upload_cancelled_after(&client, "/y.bin", &a, 2);
    let err = client
        .upload_file(BUCKET, "/y.bin", &b, &UploadOptions::default())
        .unwrap_err();
    assert_eq!(
        (err.cos_code(), err.http_status()),
        (Some(-4019), Some(409)),
        "{err}"
    );
    assert!(
        err.message().contains("does not match the local file"),
        "{err}"
    );
    assert!(err.message().contains("replace_stale"), "{err}");
    let opts = UploadOptions {
        replace_stale: true,
        ..Default::default()
    };
    client.upload_file(BUCKET, "/y.bin", &b, &opts).unwrap();
    assert!(emu.object("/y.bin").unwrap() == b_data);
}
