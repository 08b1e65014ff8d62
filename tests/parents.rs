//! `UploadOptions::create_parents` against an emulator with the service's parent-folder rule
//! (an upload into a missing folder fails with 404, code -197): only the missing folders are
//! created, top-down, after one stat of the direct parent; "already exists" (-178) counts as
//! success; the requests are cancellable; without the option the service's error is reported.

mod common;

use common::scripted::Scripted;
use common::{client, client_with, content, emulator_with, enforcing, BUCKET, MIB};
use cosv4::{CancelToken, ErrorKind, Method, UploadOptions};
use cosv4_emulator::{Emulator, LogEntry};
use std::sync::Mutex;
use std::time::{Duration, Instant};

fn with_parents() -> UploadOptions {
    UploadOptions {
        create_parents: true,
        ..Default::default()
    }
}

/// (op, path) of the logged requests of `op`.
fn ops(log: &[LogEntry], op: &str) -> Vec<(String, u16)> {
    log.iter()
        .filter(|e| e.op == op)
        .map(|e| (e.path.clone(), e.status))
        .collect()
}

fn owned(v: &[(&str, u16)]) -> Vec<(String, u16)> {
    v.iter().map(|(p, s)| (p.to_string(), *s)).collect()
}

#[test]
fn creates_only_the_missing_folders_top_down() {
    let emu = enforcing();
    let client = client(&emu);
    client.create_folder(BUCKET, "/x/", "").unwrap();
    emu.clear_log();

    // /x/ exists, /x/y/ and /x/y/z/ do not: stats up to /x/, then two creates, top-down.
    let data = content(1000, 1);
    let out = client
        .upload_bytes(BUCKET, "/x/y/z/f.bin", &data, &with_parents())
        .unwrap();
    assert_eq!(out.method, Method::Simple);
    assert_eq!(emu.object("/x/y/z/f.bin"), Some(data.clone()));
    let log = emu.log();
    assert_eq!(
        ops(&log, "stat"),
        owned(&[("/x/y/z/", 404), ("/x/y/", 404), ("/x/", 200)])
    );
    assert_eq!(
        ops(&log, "create"),
        owned(&[("/x/y/", 200), ("/x/y/z/", 200)])
    );
    let order: Vec<&str> = log.iter().map(|e| e.op.as_str()).collect();
    assert_eq!(
        order,
        ["stat", "stat", "stat", "create", "create", "upload"]
    );
    assert_eq!(out.requests, 6);

    // The folder exists now: one stat, no create.
    emu.clear_log();
    let out = client
        .upload_bytes(BUCKET, "/x/y/z/g.bin", &data, &with_parents())
        .unwrap();
    let log = emu.log();
    assert_eq!(ops(&log, "stat"), owned(&[("/x/y/z/", 200)]));
    assert!(ops(&log, "create").is_empty());
    assert_eq!(out.requests, 2);

    // A file at the root needs nothing.
    emu.clear_log();
    client
        .upload_bytes(BUCKET, "/top.bin", &data, &with_parents())
        .unwrap();
    let order: Vec<String> = emu.log().iter().map(|e| e.op.clone()).collect();
    assert_eq!(order, ["upload"]);
}

#[test]
fn creates_a_whole_chain_before_a_slice_upload() {
    let emu = enforcing();
    let client = client_with(&emu, |c| {
        c.simple_threshold = MIB;
        c.slice_size = 512 * 1024;
    });
    let data = content(3 * MIB, 2);
    let out = client
        .upload_bytes(BUCKET, "/p/q/r/big.bin", &data, &with_parents())
        .unwrap();
    assert_eq!(out.method, Method::Slices);
    assert!(emu.object("/p/q/r/big.bin") == Some(data));
    let log = emu.log();
    // The root is never asked.
    assert_eq!(
        ops(&log, "stat"),
        owned(&[("/p/q/r/", 404), ("/p/q/", 404), ("/p/", 404)])
    );
    assert_eq!(
        ops(&log, "create"),
        owned(&[("/p/", 200), ("/p/q/", 200), ("/p/q/r/", 200)])
    );
    assert_eq!(log.len() as u64, out.requests);
    let init = log
        .iter()
        .position(|e| e.op == "upload_slice_init")
        .unwrap();
    assert!(log[..init]
        .iter()
        .all(|e| e.op == "stat" || e.op == "create"));
}

#[test]
fn without_the_option_the_upload_fails_with_the_services_error() {
    let emu = enforcing();
    let client = client_with(&emu, |c| {
        c.simple_threshold = MIB;
        c.slice_size = 512 * 1024;
    });
    for (path, len) in [("/no/dir/small.bin", 1000), ("/no/dir/big.bin", 2 * MIB)] {
        let data = content(len, 3);
        let e = client
            .upload_bytes(BUCKET, path, &data, &UploadOptions::default())
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Service, "{path}: {e}");
        assert_eq!(
            (e.http_status(), e.cos_code()),
            (Some(404), Some(-197)),
            "{e}"
        );
        assert!(
            e.cos_message().unwrap().contains("ERROR_CMD_FILE_NOTEXIST"),
            "{e}"
        );
        assert!(e.message().contains("create_parents"), "{e}");
        assert!(emu.object(path).is_none());
        assert!(emu.session(path).is_none());
    }
    let log = emu.log();
    assert!(ops(&log, "create").is_empty() && ops(&log, "stat").is_empty());
    assert_eq!(ops(&log, "upload"), owned(&[("/no/dir/small.bin", 404)]));
    assert_eq!(
        ops(&log, "upload_slice_init"),
        owned(&[("/no/dir/big.bin", 404)])
    );
}

/// Two uploads into the same new folders at once: both succeed whoever creates each folder
/// (the loser of a race gets -178), and each folder is created once.
#[test]
fn concurrent_uploads_share_the_new_folders() {
    // Slow stats keep the two uploads in step, so their creates meet.
    let emu = enforcing_with_stat_delay(150);
    let client = client(&emu);
    let barrier = std::sync::Barrier::new(2);
    std::thread::scope(|s| {
        for i in 0..2u64 {
            let (client, barrier) = (&client, &barrier);
            s.spawn(move || {
                barrier.wait();
                let path = format!("/race/a/f{i}.bin");
                client
                    .upload_bytes(BUCKET, &path, &content(100, i), &with_parents())
                    .unwrap();
            });
        }
    });
    assert!(emu.object("/race/a/f0.bin").is_some() && emu.object("/race/a/f1.bin").is_some());
    let creates = ops(&emu.log(), "create");
    for folder in ["/race/", "/race/a/"] {
        let made: Vec<u16> = creates
            .iter()
            .filter(|(p, _)| p == folder)
            .map(|(_, s)| *s)
            .collect();
        assert_eq!(made.iter().filter(|s| **s == 200).count(), 1, "{creates:?}");
        assert!(made.iter().all(|s| *s == 200 || *s == 409), "{creates:?}");
    }
    eprintln!("creates: {creates:?}");
}

fn enforcing_with_stat_delay(ms: u64) -> Emulator {
    emulator_with(|c| {
        c.implicit_folders = false;
        c.stat_delay_ms = ms;
    })
}

#[test]
fn the_folder_requests_are_cancelled_with_the_upload() {
    // Each stat is held 5 s: only interrupting it makes the upload return soon.
    let emu = enforcing_with_stat_delay(5_000);
    let client = client(&emu);
    let token = CancelToken::new();
    let t2 = token.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        t2.cancel();
        Instant::now()
    });
    let opts = UploadOptions {
        cancel: Some(token),
        ..with_parents()
    };
    let e = client
        .upload_bytes(BUCKET, "/slow/f.bin", b"abc", &opts)
        .unwrap_err();
    let lag = canceller.join().unwrap().elapsed();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    assert!(
        lag < Duration::from_millis(1500),
        "returned {lag:?} after cancel"
    );
    std::thread::sleep(Duration::from_millis(100));
    assert!(ops(&emu.log(), "create").is_empty());
    assert!(ops(&emu.log(), "upload").is_empty());
}

/// A service that says the folder is missing at stat and already there at create (the race
/// lost to another client, deterministically; a stat after the -178 shows the folder): the
/// upload goes ahead.
#[test]
fn already_exists_at_create_counts_as_success() {
    let fake = race_server(false);
    let out = fake
        .client(|_| {})
        .upload_bytes(BUCKET, "/f/g/x.bin", b"abc", &with_parents())
        .unwrap();
    assert_eq!(out.method, Method::Simple);
    assert_eq!(
        fake.requests(),
        [
            "stat /f/g/",
            "stat /f/",
            "create /f/",
            "stat /f/",
            "create /f/g/",
            "stat /f/g/",
            "upload /f/g/x.bin"
        ]
    );
}

/// -178 also answers a create where a *file* has the folder's name; the stat after it finds
/// no folder: an error naming the file, and no upload (it counted as success before).
#[test]
fn a_file_with_the_folder_s_name_is_an_error_that_names_it() {
    let fake = race_server(true);
    let e = fake
        .client(|_| {})
        .upload_bytes(BUCKET, "/f/x.bin", b"abc", &with_parents())
        .unwrap_err();
    assert_eq!(e.cos_code(), Some(-178), "{e}");
    assert!(e.to_string().contains("a file is named /f"), "{e}");
    let requests = ["stat /f/", "create /f/", "stat /f/", "stat /f"];
    assert_eq!(fake.requests(), requests);
}

/// Stat of a folder: 404 -197 until a create of it was answered -178, then the folder
/// (unless `file_named_so`: a file has its name, so it never shows as a folder, and a stat of
/// that file finds it); a create: 409 -178; an upload: success.
fn race_server(file_named_so: bool) -> Scripted {
    let conflicted = Mutex::new(std::collections::HashSet::new());
    Scripted::start(move |op, path| match op {
        "stat" if file_named_so && conflicted.lock().unwrap().contains(&format!("{path}/")) => (
            200,
            serde_json::json!({"code": 0, "message": "SUCCESS", "data": {
                "filesize": 3, "filelen": 3, "sha": "", "access_url": "http://fake/f"}}),
        ),
        "stat" if !file_named_so && conflicted.lock().unwrap().contains(path) => (
            200,
            serde_json::json!({"code": 0, "message": "SUCCESS", "data": {"ctime": 1, "mtime": 1}}),
        ),
        "stat" => (
            404,
            serde_json::json!({"code": -197, "message": "ERROR_CMD_FILE_NOTEXIST"}),
        ),
        "create" => {
            conflicted.lock().unwrap().insert(path.to_string());
            (
                409,
                serde_json::json!({"code": -178, "message": "ERROR_CMD_COS_PATH_CONFLICT"}),
            )
        }
        "upload" => (
            200,
            serde_json::json!({"code": 0, "message": "SUCCESS", "data": {
                "access_url": "http://fake/x", "resource_path": "/x",
                "source_url": "http://fake/x", "url": "http://fake/x"}}),
        ),
        _ => (
            400,
            serde_json::json!({"code": -5999, "message": "unexpected"}),
        ),
    })
}
