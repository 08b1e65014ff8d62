//! `UploadOptions::create_parents` against an emulator with the service's parent-folder rule
//! (an upload into a missing folder fails with 404, code -197): only the missing folders are
//! created, top-down, after one stat of the direct parent; "already exists" (-178) counts as
//! success; the requests are cancellable; without the option the service's error is reported.

mod common;

use common::{
    client, client_with, content, emulator_with, enforcing, APPID, BUCKET, MIB, SECRET_ID,
    SECRET_KEY,
};
use cosv4::{CancelToken, ErrorKind, Method, UploadOptions};
use cosv4_emulator::{Emulator, LogEntry};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
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
/// lost to another client, deterministically): the upload goes ahead.
#[test]
fn already_exists_at_create_counts_as_success() {
    let fake = RaceServer::start();
    let creds = cosv4::Credentials::new(APPID, SECRET_ID, SECRET_KEY).unwrap();
    let mut cfg = cosv4::Config::new(creds);
    cfg.endpoint = Some(cosv4::Endpoint::BaseUrl(fake.url.clone()));
    cfg.retries = 0;
    let client = cosv4::Client::new(cfg).unwrap();
    let out = client
        .upload_bytes(BUCKET, "/f/g/x.bin", b"abc", &with_parents())
        .unwrap();
    assert_eq!(out.method, Method::Simple);
    assert_eq!(
        fake.requests(),
        [
            "stat /f/g/",
            "stat /f/",
            "create /f/",
            "create /f/g/",
            "upload /f/g/x.bin"
        ]
    );
}

/// A scripted v4 server on 127.0.0.1, one request per connection: a folder stat answers 404
/// -197, a create 409 -178, an upload success. Serves at most 20 requests, for at most 60 s.
struct RaceServer {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl RaceServer {
    fn start() -> RaceServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        std::thread::spawn(move || {
            let end = Instant::now() + Duration::from_secs(60);
            let mut served = 0;
            while served < 20 && Instant::now() < end {
                match listener.accept() {
                    Ok((stream, _)) => {
                        served += 1;
                        let _ = answer(stream, &log);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5))
                    }
                    Err(_) => break,
                }
            }
        });
        RaceServer { url, requests }
    }

    /// "op path" of each request so far.
    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn answer(stream: std::net::TcpStream, log: &Mutex<Vec<String>>) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut length = 0;
    for _ in 0..100 {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let target = request_line.split_whitespace().nth(1).unwrap_or("");
    let url_path = target.split('?').next().unwrap_or("");
    // /files/v2/<appid>/<bucket><path>
    let path = format!("/{}", url_path.splitn(6, '/').nth(5).unwrap_or(""));
    let body = String::from_utf8_lossy(&body);
    let op = if target.contains("op=stat") {
        "stat"
    } else if body.contains("\r\n\r\ncreate\r\n") {
        "create"
    } else if body.contains("\r\n\r\nupload\r\n") {
        "upload"
    } else {
        "other"
    };
    log.lock().unwrap().push(format!("{op} {path}"));
    let (status, json) = match op {
        "stat" => (
            404,
            serde_json::json!({"code": -197, "message": "ERROR_CMD_FILE_NOTEXIST"}),
        ),
        "create" => (
            409,
            serde_json::json!({"code": -178, "message": "ERROR_CMD_COS_PATH_CONFLICT"}),
        ),
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
    };
    let json = json.to_string();
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{json}",
        json.len()
    )?;
    stream.flush()
}
