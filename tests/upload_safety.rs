//! Data safety of uploads (issue 10): success only when the service confirmed a finished object
//! with this content; a finished object that insert-only protects is never deleted; slices of
//! content we cannot prove to be ours are never resumed.

mod common;

use common::scripted::Scripted;
use common::*;
use cosv4::{CancelToken, ErrorKind, Method, Progress, UploadOptions};
use sha1::{Digest, Sha1};
use std::ops::ControlFlow;
use std::path::Path;
use std::time::Duration;

fn sha1_hex(data: &[u8]) -> String {
    Sha1::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn overwrite() -> UploadOptions {
    UploadOptions {
        insert_only: false,
        ..Default::default()
    }
}

fn replace_stale(insert_only: bool) -> UploadOptions {
    UploadOptions {
        insert_only,
        replace_stale: true,
        ..Default::default()
    }
}

/// Uploads `file` with `opts`, stopping it from the progress handler once `k` slices are
/// confirmed: an unfinished upload stays on the server.
fn interrupted(client: &cosv4::Client, path: &str, file: &Path, opts: &UploadOptions, k: u64) {
    let mut handler = |p: &Progress| {
        if p.slices_done >= k {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let err = client
        .upload_file_with_progress(BUCKET, path, file, opts, &mut handler)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Aborted, "{err}");
}

// Case 1: a finish answered 503 every time is a failure, never "success" from a stat of the
// unfinished upload (whose slices have all arrived and whose declared sha is ours).
#[test]
fn a_finish_that_always_fails_is_a_failure() {
    let emu = emulator_with(|c| c.finish_unavailable = u32::MAX);
    let client = client(&emu);
    let data = content(10 * MIB, 1);
    let err = client
        .upload_bytes(BUCKET, "/f503.bin", &data, &UploadOptions::default())
        .unwrap_err();
    assert_eq!(
        (err.cos_code(), err.http_status()),
        (Some(-71), Some(503)),
        "{err}"
    );
    assert!(emu.object("/f503.bin").is_none());
    let finishes = emu
        .log()
        .iter()
        .filter(|e| e.op == "upload_slice_finish")
        .count();
    assert_eq!(finishes, 4, "the finish is retried (3 retries), then fails");
}

// Case 1, integrity off: an existing object of the same size is not taken for ours.
#[test]
fn without_integrity_a_same_size_object_is_not_taken_for_ours() {
    let emu = emulator_with(|c| c.finish_unavailable = u32::MAX);
    let client = client_with(&emu, |c| c.integrity = false);
    let v1 = content(10 * MIB, 1);
    emu.put_object("/same.bin", &v1);
    let v2 = content(10 * MIB, 2);
    let err = client
        .upload_bytes(BUCKET, "/same.bin", &v2, &overwrite())
        .unwrap_err();
    assert_eq!(err.cos_code(), Some(-71), "{err}");
    assert!(emu.object("/same.bin").unwrap() == v1);
}

// Case 1, the legitimate settlement: a finish processed whose answer was lost is confirmed by
// the finished object with our sha (computed now when integrity checks are off).
#[test]
fn a_lost_finish_answer_is_settled_by_the_finished_object() {
    for integrity in [true, false] {
        let emu = emulator_with(|c| c.finish_answer_lost = 1);
        let client = client_with(&emu, |c| c.integrity = integrity);
        let data = content(10 * MIB, 3);
        let out = client
            .upload_bytes(BUCKET, "/lost.bin", &data, &UploadOptions::default())
            .unwrap();
        assert!(out.access_url.ends_with("/lost.bin"), "{out:?}");
        assert_eq!(out.method, Method::Slices);
        assert!(emu.object("/lost.bin").unwrap() == data);
    }
}

// Case 1: the emulator shows an upload in progress as such (slice size, no URLs).
#[test]
fn stat_of_an_upload_in_progress_has_no_urls() {
    let emu = emulator_with(|c| c.faults.delay_ms = 20);
    let client = client_with(&emu, |c| c.workers = 1);
    let dir = TempDir::new();
    let file = dir.file("p.bin", &content(12 * MIB, 4));
    interrupted(&client, "/p.bin", &file, &UploadOptions::default(), 2);
    let st = client.stat(BUCKET, "/p.bin").unwrap();
    assert!(
        st.access_url.is_empty() && st.filelen < st.filesize,
        "{st:?}"
    );
}

// Case 2: replace_stale with insert-only never deletes a finished object.
#[test]
fn replace_stale_never_deletes_a_finished_object_under_insert_only() {
    let emu = emulator_with(|c| c.faults.delay_ms = 20);
    let client = client_with(&emu, |c| c.workers = 1);
    let dir = TempDir::new();
    let v1 = content(12 * MIB, 1);
    client
        .upload_bytes(BUCKET, "/keep.bin", &v1, &UploadOptions::default())
        .unwrap();
    let v2 = dir.file("v2.bin", &content(12 * MIB, 2));
    interrupted(&client, "/keep.bin", &v2, &overwrite(), 2);
    let v3 = dir.file("v3.bin", &content(12 * MIB, 3));
    let err = client
        .upload_file(BUCKET, "/keep.bin", &v3, &replace_stale(true))
        .unwrap_err();
    assert_eq!(err.cos_code(), Some(-177), "{err}");
    assert!(err.message().contains("insert-only"), "{err}");
    assert!(emu.object("/keep.bin").unwrap() == v1, "v1 was lost");
    assert!(!emu.log().iter().any(|e| e.op == "delete"));
    // With overwrite the user asked for the object to be replaced: the stale upload goes.
    let v3_data = std::fs::read(&v3).unwrap();
    client
        .upload_file(BUCKET, "/keep.bin", &v3, &replace_stale(false))
        .unwrap();
    assert!(emu.object("/keep.bin").unwrap() == v3_data);
}

// Case 3: without a sha, the slices of another file of the same size are never resumed.
#[test]
fn without_integrity_an_unfinished_upload_is_not_resumed() {
    let emu = emulator_with(|c| c.faults.delay_ms = 20);
    let client = client_with(&emu, |c| {
        c.workers = 1;
        c.integrity = false;
    });
    let dir = TempDir::new();
    let a = dir.file("a.bin", &content(24 * MIB, 1));
    let b_data = content(24 * MIB, 2);
    let b = dir.file("b.bin", &b_data);
    interrupted(&client, "/mix.bin", &a, &UploadOptions::default(), 5);
    let err = client
        .upload_file(BUCKET, "/mix.bin", &b, &UploadOptions::default())
        .unwrap_err();
    assert_eq!(err.cos_code(), Some(-4019), "{err}");
    assert!(err.message().contains("cannot be proven"), "{err}");
    assert!(err.message().contains("replace_stale"), "{err}");
    assert!(emu.object("/mix.bin").is_none());
    let out = client
        .upload_file(BUCKET, "/mix.bin", &b, &replace_stale(true))
        .unwrap();
    assert!(!out.resumed);
    assert_eq!(emu.object_sha1("/mix.bin").unwrap(), sha1_hex(&b_data));
}

// Case 4: an unfinished upload that declared no sha is not resumed by an integrity-on upload
// (it would fail at finish with -4016 for ever).
#[test]
fn an_unfinished_upload_without_sha_is_not_resumed_with_integrity_on() {
    let emu = emulator_with(|c| c.faults.delay_ms = 20);
    let no_sha = client_with(&emu, |c| {
        c.workers = 1;
        c.integrity = false;
    });
    let dir = TempDir::new();
    let a = dir.file("a.bin", &content(12 * MIB, 1));
    let b_data = content(12 * MIB, 2);
    let b = dir.file("b.bin", &b_data);
    interrupted(&no_sha, "/nosha.bin", &a, &UploadOptions::default(), 2);
    let client = client(&emu);
    let err = client
        .upload_file(BUCKET, "/nosha.bin", &b, &UploadOptions::default())
        .unwrap_err();
    assert_eq!(err.cos_code(), Some(-4019), "{err}");
    assert!(err.message().contains("declares no sha"), "{err}");
    assert!(!emu.log().iter().any(|e| e.op == "upload_slice_finish"));
    let out = client
        .upload_file(BUCKET, "/nosha.bin", &b, &replace_stale(true))
        .unwrap();
    assert!(!out.resumed);
    assert!(emu.object("/nosha.bin").unwrap() == b_data);
}

// Case 8: a cancel that lands during finish, while the service goes on to complete the
// object; the rerun resumes the session and its finish meets "unknown session" (-94). The
// object is there with our content: success. The finish waits long enough for the rerun's
// hashing and init to arrive before it completes, even on a loaded machine (with 600 ms, a
// rerun that arrived later found the finished object instead: -4018, another path).
#[test]
fn rerun_after_a_cancel_during_finish_succeeds() {
    let emu = emulator_with(|c| c.finish_delay_ms = 2000);
    let client = client(&emu);
    let dir = TempDir::new();
    let data = content(10 * MIB, 8);
    let file = dir.file("c.bin", &data);
    let token = CancelToken::new();
    let opts = UploadOptions {
        cancel: Some(token.clone()),
        ..Default::default()
    };
    let err = std::thread::scope(|scope| {
        scope.spawn(|| {
            // Every slice stored, and one request more received than answered: the finish,
            // in the emulator's 600 ms wait (requests are counted when their head arrives,
            // logged when answered). Cancel it there.
            for _ in 0..4000 {
                let log = emu.log();
                let answered = log.iter().filter(|e| e.op == "upload_slice_data").count();
                if answered >= 10 && emu.stats().requests > log.len() as u64 {
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            token.cancel();
        });
        client
            .upload_file(BUCKET, "/c.bin", &file, &opts)
            .unwrap_err()
    });
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    assert!(
        emu.session("/c.bin").is_some(),
        "the first finish is still waiting"
    );
    let out = client
        .upload_file(BUCKET, "/c.bin", &file, &UploadOptions::default())
        .unwrap();
    assert!(out.access_url.ends_with("/c.bin"));
    let finish_codes: Vec<i64> = emu
        .log()
        .iter()
        .filter(|e| e.op == "upload_slice_finish")
        .map(|e| e.code)
        .collect();
    assert!(finish_codes.contains(&-94), "{finish_codes:?}");
    assert!(emu.object("/c.bin").unwrap() == data);
}

// Case 9: "same file already uploaded" (-4018) is success, reported as content the service
// already had; for a simple upload, for a slice init, and after a lost answer.
#[test]
fn same_file_already_uploaded_is_success() {
    let emu = emulator_with(|c| c.same_file_error = true);
    let client = client(&emu);
    for (path, len) in [("/s.bin", 1000), ("/big.bin", 10 * MIB)] {
        let data = content(len, 9);
        let first = client
            .upload_bytes(BUCKET, path, &data, &UploadOptions::default())
            .unwrap();
        assert_ne!(first.method, Method::Instant);
        let again = client
            .upload_bytes(BUCKET, path, &data, &UploadOptions::default())
            .unwrap();
        assert_eq!(again.method, Method::Instant, "{path}");
        assert_eq!(again.access_url, first.access_url);
        assert!(emu.log().iter().any(|e| e.code == -4018), "{path}");
    }
    // A simple upload stored but its answer lost: the retry meets -4018.
    emu.set_faults(cosv4_emulator::Faults {
        drop_after_store_rate: 1.0,
        ..Default::default()
    });
    let data = content(5000, 10);
    let out = client
        .upload_bytes(BUCKET, "/lost-simple.bin", &data, &UploadOptions::default())
        .unwrap();
    assert_eq!(out.method, Method::Simple);
    assert!(out.retries >= 1);
    assert!(emu.object("/lost-simple.bin").unwrap() == data);
}

// Case 10: a server slice size outside 64 KiB – 64 MiB is a protocol error, not 16 M slices.
#[test]
fn an_absurd_server_slice_size_is_a_protocol_error() {
    for answered in [64, 128 * MIB] {
        let emu = emulator_with(|c| c.slice_size_override = Some(answered));
        let client = client(&emu);
        let err = client
            .upload_bytes(
                BUCKET,
                "/tiny.bin",
                &content(9 * MIB, 1),
                &Default::default(),
            )
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Protocol, "{err}");
        assert!(err.message().contains("64 KiB"), "{err}");
        assert!(!emu.log().iter().any(|e| e.op == "upload_slice_data"));
    }
}

/// A resumed session whose stored slices are not the file's (an earlier attempt sent a slice
/// while the file was being changed, failed, and the file went back to the content that
/// session declares): its finish fails the content check (-4016) on every rerun. Without
/// replace_stale the error says how to get out; with it the session is deleted and the upload
/// starts over, once, and succeeds byte-exact.
#[test]
fn a_resumed_session_with_foreign_slices_is_replaced_only_when_asked() {
    let emu = emulator_with(|c| c.finish_unavailable = 1);
    let client = client_with(&emu, |c| {
        c.retries = 0;
        c.simple_threshold = MIB;
        c.slice_size = 512 * 1024;
    });
    let data = content(2 * MIB, 16);
    let path = "/foreign.bin";
    let first = client.upload_bytes(BUCKET, path, &data, &UploadOptions::default());
    assert_eq!(
        first.unwrap_err().http_status(),
        Some(503),
        "finish refused"
    );
    // A stored slice with other bytes, as a file changed mid-send leaves one.
    let session = emu
        .session(path)
        .expect("the unfinished upload stays")
        .session;
    let slices = emu.data_dir().join("sessions").join(session).join("data");
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(slices)
        .unwrap();
    std::os::unix::fs::FileExt::write_at(&file, b"other bytes", 600_000).unwrap();

    for _ in 0..2 {
        let err = client
            .upload_bytes(BUCKET, path, &data, &UploadOptions::default())
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Integrity, "{err}");
        assert_eq!(err.cos_code(), Some(-4016), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains("was resumed, but slices it holds are not this file's"),
            "{msg}"
        );
        assert!(
            msg.contains("set replace_stale") && msg.contains("--replace-stale"),
            "{msg}"
        );
        assert!(emu.object(path).is_none());
    }
    emu.clear_log();
    let out = client
        .upload_bytes(BUCKET, path, &data, &replace_stale(true))
        .unwrap();
    assert_eq!(emu.object(path).as_deref(), Some(&data[..]), "{out:?}");
    let ops: Vec<String> = emu.log().iter().map(|e| e.op.clone()).collect();
    let count = |op: &str| ops.iter().filter(|o| *o == op).count();
    assert_eq!(count("delete"), 1, "{ops:?}");
    assert_eq!(count("upload_slice_init"), 2, "{ops:?}");
    assert_eq!(
        count("upload_slice_data"),
        4,
        "every slice sent again: {ops:?}"
    );
    assert_eq!(count("upload_slice_finish"), 2, "{ops:?}");
}

/// Integrity off, the init of a sliced upload carries no sha, and a server answers it with a
/// finished object (an instant upload it cannot have matched): success only when a stat shows
/// our size and SHA-1 there; another object of the same size is a failure, not our upload.
#[test]
fn an_instant_answer_to_an_init_without_sha_needs_a_stat_with_our_content() {
    let data = content(2 * MIB, 17);
    let ours = sha1_hex(&data);
    let other = sha1_hex(&content(2 * MIB, 18));
    for (sha, confirmed) in [(other, false), (ours, true)] {
        let len = data.len();
        let server = Scripted::start(move |op, _| {
            let url = "http://bench-1250000000.file.myqcloud.com/instant.bin";
            let data = match op {
                "upload_slice_init" => serde_json::json!({
                    "access_url": url, "resource_path": "/1250000000/bench/instant.bin",
                    "source_url": url, "url": url,
                }),
                "stat" => serde_json::json!({
                    "filesize": len, "filelen": len, "sha": sha, "access_url": url,
                    "source_url": url, "ctime": 1, "mtime": 1,
                }),
                _ => return (400, serde_json::json!({"code": -1, "message": op})),
            };
            (
                200,
                serde_json::json!({"code": 0, "message": "SUCCESS", "data": data}),
            )
        });
        let client = server.client(|c| {
            c.integrity = false;
            c.simple_threshold = MIB;
        });
        let result = client.upload_bytes(BUCKET, "/instant.bin", &data, &UploadOptions::default());
        let ops = ["upload_slice_init /instant.bin", "stat /instant.bin"];
        assert_eq!(server.requests(), ops, "{result:?}");
        match (result, confirmed) {
            (Ok(out), true) => assert_eq!(out.method, Method::Instant),
            (Err(e), false) => assert!(e.to_string().contains("not confirmed"), "{e}"),
            (other, _) => panic!("confirmed={confirmed}: {other:?}"),
        }
    }
}

/// An upload onto a folder's name (simple and sliced) is refused at once with -178 "a folder
/// has this name": the emulator answered a 500 storage error, which the client retried for
/// its whole retry window (about a minute).
#[test]
fn an_upload_onto_a_folder_s_name_is_refused_at_once() {
    let emu = emulator();
    let client = client_with(&emu, |c| c.simple_threshold = MIB);
    client.create_folder(BUCKET, "/taken/", "").unwrap();
    emu.put_object("/implied/x", b"makes /implied/ a folder");
    for (path, size) in [("/taken", 10), ("/taken", 3 * MIB), ("/implied", 10)] {
        let started = std::time::Instant::now();
        let e = client
            .upload_bytes(BUCKET, path, &content(size, 3), &UploadOptions::default())
            .unwrap_err();
        assert_eq!(
            (e.http_status(), e.cos_code()),
            (Some(409), Some(-178)),
            "{e}"
        );
        assert!(e.to_string().contains("a folder has this name"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(10), "{e}");
        assert!(emu.object(path).is_none());
    }
}

/// The resumed session fails the content check at finish, but the path already holds a
/// finished object with our size and SHA-1 (another client finished the same content): that is
/// this upload done, under either insert-only setting, and nothing is deleted. The first
/// version of the replace path deleted the path blind (insert-only off) or refused (on).
#[test]
fn a_finished_object_with_our_content_is_not_deleted_by_the_replace_path() {
    let data = content(2 * MIB, 21);
    for insert_only in [false, true] {
        let (sha, len) = (sha1_hex(&data), data.len());
        let server = Scripted::start(move |op, _| {
            let url = "http://b-1250000000.file.myqcloud.com/x.bin";
            let ok = |d| {
                (
                    200,
                    serde_json::json!({"code": 0, "message": "SUCCESS", "data": d}),
                )
            };
            let half = 512 * 1024;
            match op {
                "upload_slice_init" => (409, serde_json::json!({"code": -4019, "message": "x"})),
                "upload_slice_list" => ok(serde_json::json!({
                    "session": "S", "slice_size": half, "filesize": len, "sha": sha,
                    "listparts": (0..4).map(|i| serde_json::json!({
                        "offset": i * half, "datalen": half})).collect::<Vec<_>>(),
                })),
                "upload_slice_finish" => (409, serde_json::json!({"code": -4016, "message": "x"})),
                "stat" => ok(serde_json::json!({
                    "filesize": len, "filelen": len, "sha": sha, "access_url": url,
                    "source_url": url, "ctime": 1, "mtime": 1,
                })),
                _ => (400, serde_json::json!({"code": -1, "message": op})),
            }
        });
        let client = server.client(|c| {
            c.simple_threshold = MIB;
            c.slice_size = 512 * 1024;
        });
        let opts = UploadOptions {
            insert_only,
            ..replace_stale(insert_only)
        };
        let out = client.upload_bytes(BUCKET, "/x.bin", &data, &opts).unwrap();
        assert_eq!(out.method, Method::Instant);
        let sent: Vec<String> = server.requests();
        let ops: Vec<&str> = sent.iter().map(|r| r.split(' ').next().unwrap()).collect();
        let expected = [
            "upload_slice_init",
            "upload_slice_list",
            "upload_slice_finish",
            "stat",
        ];
        assert_eq!(ops, expected, "insert_only {insert_only}");
    }
}

/// With implicit folders (no folder rule), a file may still not sit where a folder of another
/// path is: an upload under a file's name is refused at once (-178), and so is the finish of
/// an upload whose folder's name a file took after its init (the emulator answered a 500
/// storage error there, retried for the whole retry window).
#[test]
fn a_file_in_the_way_of_a_path_is_refused_at_once_even_at_finish() {
    let emu = emulator_with(|c| c.finish_unavailable = 1);
    let client = client_with(&emu, |c| {
        c.retries = 0;
        c.simple_threshold = MIB;
    });
    let data = content(2 * MIB, 5);
    let opts = UploadOptions::default();
    let first = client.upload_bytes(BUCKET, "/a/x", &data, &opts);
    assert_eq!(
        first.unwrap_err().http_status(),
        Some(503),
        "the finish is refused once"
    );
    client
        .upload_bytes(BUCKET, "/a", b"a file named a", &opts)
        .unwrap();
    for path in ["/a/x", "/a/y"] {
        let started = std::time::Instant::now();
        let e = client.upload_bytes(BUCKET, path, &data, &opts).unwrap_err();
        assert_eq!(
            (e.http_status(), e.cos_code()),
            (Some(409), Some(-178)),
            "{e}"
        );
        assert!(e.to_string().contains("a file is named /a"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(10), "{e}");
    }
    assert_eq!(emu.object("/a").as_deref(), Some(&b"a file named a"[..]));
}
