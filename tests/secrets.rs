//! The secret key never shows and never lingers:
//! - every output of failing and succeeding operations (Debug and Display of the client, its
//!   config, credentials, signer and errors; the C CLI's stdout and stderr, `--json` included)
//!   is searched for a recognizable key, which must never be there;
//! - every heap block the library frees that ever held the key was zeroed first (a counting
//!   global allocator scans freed blocks for a probe key);
//! - signatures are fresh per request, multi-effect ones live 300 s by default, and once
//!   signatures are never reused.

mod c_harness;

use base64::Engine as _;
use cosv4::{CancelToken, Client, Config, Credentials, Endpoint, ErrorKind, UploadOptions};
use cosv4_emulator::{Config as EmuConfig, Emulator};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const APPID: u64 = 1250000000;
const BUCKET: &str = "secretsbucket";
const SECRET_ID: &str = "AKIDsecretsTest";
/// The key whose every appearance is searched for. Distinct from the probe key below.
const LEAK_KEY: &str = "LeakProbeKey8c2f1a9e7d4bQ";

fn assert_no_key(what: &str, text: &str) {
    assert!(
        !text.contains(LEAK_KEY),
        "the secret key appears in {what}: {text}"
    );
    // Half of it should not appear either (a truncated quote).
    assert!(
        !text.contains(&LEAK_KEY[..12]),
        "part of the secret key appears in {what}: {text}"
    );
}

fn emulator(key: &str) -> Emulator {
    let mut cfg = EmuConfig::new(APPID, BUCKET, SECRET_ID, key);
    cfg.implicit_folders = true; // uploads go to /s/ without creating it
    Emulator::start(cfg).unwrap()
}

fn config(endpoint: &str, key: &str) -> Config {
    let mut cfg = Config::new(Credentials::new(APPID, SECRET_ID, key).unwrap());
    cfg.endpoint = Some(Endpoint::BaseUrl(endpoint.to_string()));
    cfg.retries = 1;
    cfg.retry_base_delay = Duration::from_millis(5);
    cfg
}

/// Every text form of an error.
fn error_texts(e: &cosv4::Error) -> Vec<String> {
    vec![
        format!("{e}"),
        format!("{e:?}"),
        format!("{e:#?}"),
        e.message().to_string(),
    ]
}

#[test]
fn debug_forms_hide_the_key() {
    let creds = Credentials::new(APPID, SECRET_ID, LEAK_KEY).unwrap();
    let cfg = config("http://127.0.0.1:9", LEAK_KEY);
    let client = Client::new(cfg.clone()).unwrap();
    for (what, text) in [
        ("Credentials", format!("{creds:?} {creds:#?}")),
        ("Config", format!("{cfg:?} {cfg:#?}")),
        ("Client", format!("{client:?} {client:#?}")),
        ("Signer", format!("{:?}", client.signer())),
    ] {
        assert_no_key(what, &text);
        assert!(text.contains("redacted"), "{what}: {text}");
    }
}

#[test]
fn failing_and_succeeding_operations_never_show_the_key() {
    let data = vec![7u8; 300_000];
    let mut texts: Vec<(String, String)> = Vec::new();

    // 1. The wrong key: the service refuses the signature.
    let emu = emulator("the-emulators-own-key");
    let client = Client::new(config(&emu.base_url(), LEAK_KEY)).unwrap();
    let e = client
        .upload_bytes(BUCKET, "/s/wrong-key.bin", &data, &UploadOptions::default())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth, "{e}");
    texts.extend(
        error_texts(&e)
            .into_iter()
            .map(|t| ("wrong-key upload".into(), t)),
    );
    let e = client.stat(BUCKET, "/s/x").unwrap_err();
    texts.extend(
        error_texts(&e)
            .into_iter()
            .map(|t| ("wrong-key stat".into(), t)),
    );
    let e = client.delete(BUCKET, "/s/x").unwrap_err();
    texts.extend(
        error_texts(&e)
            .into_iter()
            .map(|t| ("wrong-key delete".into(), t)),
    );

    // 2. A bad endpoint: nothing listens there.
    let closed = c_harness::closed_endpoint();
    let client = Client::new(config(&closed, LEAK_KEY)).unwrap();
    let e = client
        .upload_bytes(BUCKET, "/s/closed.bin", &data, &UploadOptions::default())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    texts.extend(
        error_texts(&e)
            .into_iter()
            .map(|t| ("bad endpoint".into(), t)),
    );

    // 3. Invalid settings and arguments.
    let mut bad = config(&emu.base_url(), LEAK_KEY);
    bad.workers = 0;
    let e = Client::new(bad).unwrap_err();
    texts.extend(
        error_texts(&e)
            .into_iter()
            .map(|t| ("bad config".into(), t)),
    );
    let e = client
        .upload_bytes(BUCKET, "no-slash", &data, &UploadOptions::default())
        .unwrap_err();
    texts.extend(error_texts(&e).into_iter().map(|t| ("bad path".into(), t)));

    // 4. The right key: a cancelled upload, then a successful one.
    let emu = emulator(LEAK_KEY);
    let mut cfg = config(&emu.base_url(), LEAK_KEY);
    cfg.simple_threshold = 0;
    cfg.slice_size = 512 * 1024;
    let client = Client::new(cfg).unwrap();
    let token = CancelToken::new();
    token.cancel();
    let opts = UploadOptions {
        cancel: Some(token),
        ..UploadOptions::default()
    };
    let big = vec![9u8; 2 * 1024 * 1024];
    let e = client
        .upload_bytes(BUCKET, "/s/cancelled.bin", &big, &opts)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    texts.extend(error_texts(&e).into_iter().map(|t| ("cancelled".into(), t)));
    let done = client
        .upload_bytes(BUCKET, "/s/ok.bin", &big, &UploadOptions::default())
        .unwrap();
    texts.push(("outcome".into(), format!("{done:?}")));
    let stat = client.stat(BUCKET, "/s/ok.bin").unwrap();
    texts.push(("stat".into(), format!("{stat:?}")));
    // A failing operation with the right key (a service error).
    let e = client.stat(BUCKET, "/s/missing.bin").unwrap_err();
    texts.extend(
        error_texts(&e)
            .into_iter()
            .map(|t| ("missing stat".into(), t)),
    );
    texts.push(("client".into(), format!("{client:?}")));

    assert!(texts.len() > 20);
    for (what, text) in &texts {
        assert_no_key(what, text);
    }
}

#[test]
fn cli_output_never_shows_the_key() {
    use c_harness::Variant;
    let exe = c_harness::build("examples-c/cosv4-upload.c", Variant::Static);
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("secrets-cli");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("in.bin");
    std::fs::write(&file, vec![5u8; 1_500_000]).unwrap();
    let file = file.display().to_string();
    let wrong = emulator("the-emulators-own-key");
    let right = emulator(LEAK_KEY);
    let closed = c_harness::closed_endpoint();
    // A closed endpoint with two quick retries (not the library's default window of 60 s);
    // -v adds the library's log of requests and retries to what is checked.
    let runs: Vec<(&str, String, Vec<&str>, i32)> = vec![
        (
            "wrong key, json",
            wrong.base_url(),
            vec!["--json", "--quiet"],
            1,
        ),
        ("wrong key, text, log", wrong.base_url(), vec!["-v"], 1),
        (
            "closed endpoint, json",
            closed.clone(),
            vec!["--json", "--retries", "2"],
            1,
        ),
        (
            "closed endpoint, text, log",
            closed,
            vec!["-v", "--retries", "2"],
            1,
        ),
        ("success, json", right.base_url(), vec!["--json"], 0),
        ("success, text", right.base_url(), vec!["--overwrite"], 0),
    ];
    for (what, endpoint, flags, want) in runs {
        let out = c_harness::command(&exe, Variant::Static)
            .env("COS_APPID", APPID.to_string())
            .env("COS_SECRET_ID", SECRET_ID)
            .env("COS_SECRET_KEY", LEAK_KEY)
            .env("COS_BUCKET", BUCKET)
            .env("COS_ENDPOINT", &endpoint)
            .args(&flags)
            .arg(&file)
            .arg("/cli/secret.bin")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(want), "{what}: {stdout}{stderr}");
        assert!(
            !stdout.is_empty() || !stderr.is_empty(),
            "{what}: no output"
        );
        assert_no_key(&format!("CLI stdout ({what})"), &stdout);
        assert_no_key(&format!("CLI stderr ({what})"), &stderr);
    }
}

// ---- Zeroing: a global allocator that scans freed blocks for the probe key ----

/// Used only by `the_key_is_zeroed_when_dropped`, so no other test's buffers match.
const PROBE_KEY: &str = "ZeroizeProbe5d1e7c3b9aKey";
static SCAN: AtomicBool = AtomicBool::new(false);
static FREED_WITH_KEY: AtomicUsize = AtomicUsize::new(0);

struct Scanning;

unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if SCAN.load(Ordering::Relaxed) && layout.size() >= PROBE_KEY.len() {
            // No allocation in here.
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            if block
                .windows(PROBE_KEY.len())
                .any(|w| w == PROBE_KEY.as_bytes())
            {
                FREED_WITH_KEY.fetch_add(1, Ordering::SeqCst);
            }
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Scanning = Scanning;

#[test]
fn the_key_is_zeroed_when_dropped() {
    SCAN.store(true, Ordering::SeqCst);
    // The detector works: a plain String holding the key is freed with it.
    let control = PROBE_KEY.to_string();
    assert_eq!(control.len(), PROBE_KEY.len());
    drop(control);
    assert_eq!(FREED_WITH_KEY.swap(0, Ordering::SeqCst), 1, "detector");

    {
        let creds = Credentials::new(APPID, SECRET_ID, PROBE_KEY).unwrap();
        let copy = creds.clone();
        let mut cfg = Config::new(copy);
        cfg.endpoint = Some(Endpoint::BaseUrl(c_harness::closed_endpoint()));
        cfg.retries = 0;
        let client = Client::new(cfg.clone()).unwrap();
        let clone = client.clone();
        let signer = client.signer().clone();
        assert!(!signer.once(BUCKET, "/1/b/x").is_empty());
        assert!(!signer.multi(BUCKET, "", 300).is_empty());
        // Requests that sign and fail.
        let e = clone
            .upload_bytes(BUCKET, "/z.bin", b"abc", &UploadOptions::default())
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Transport);
        assert!(clone.delete(BUCKET, "/z.bin").is_err());
        drop((creds, cfg, client, clone, signer, e));
    }
    SCAN.store(false, Ordering::SeqCst);
    assert_eq!(
        FREED_WITH_KEY.load(Ordering::SeqCst),
        0,
        "a heap block holding the secret key was freed without being zeroed"
    );
}

// ---- Signature freshness ----

fn plaintext(sig: &str) -> String {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(sig.trim())
        .unwrap();
    String::from_utf8(raw[20..].to_vec()).unwrap()
}

fn field(plain: &str, key: &str) -> String {
    plain
        .split('&')
        .find_map(|p| p.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key} in {plain}"))
        .to_string()
}

#[test]
fn signer_makes_fresh_short_lived_signatures() {
    let cfg = config("http://127.0.0.1:9", LEAK_KEY);
    assert_eq!(
        cfg.sign_lifetime,
        Duration::from_secs(300),
        "default lifetime"
    );
    let client = Client::new(cfg).unwrap();
    let s = client.signer();
    let multi: Vec<String> = (0..20).map(|_| s.multi(BUCKET, "", 300)).collect();
    for sig in &multi {
        let p = plaintext(sig);
        let (e, t) = (field(&p, "e"), field(&p, "t"));
        assert_eq!(
            e.parse::<u64>().unwrap(),
            t.parse::<u64>().unwrap() + 300,
            "{p}"
        );
        assert!(!p.contains(LEAK_KEY));
    }
    let once: Vec<String> = (0..20).map(|_| s.once(BUCKET, "/1/b/x")).collect();
    let mut all = multi.clone();
    all.extend(once.iter().cloned());
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 40, "every signature differs (fresh nonce r)");
}

/// A server that answers every request with success and keeps each request's Authorization.
fn capturing_server(answers: usize) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let keep = seen.clone();
    std::thread::spawn(move || {
        let mut left = answers;
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut writer = conn;
            while left > 0 {
                let (mut len, mut auth) = (0usize, String::new());
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':') {
                        match k.to_ascii_lowercase().as_str() {
                            "content-length" => len = v.trim().parse().unwrap(),
                            "authorization" => auth = v.trim().to_string(),
                            _ => {}
                        }
                    }
                }
                if auth.is_empty() {
                    break;
                }
                let mut body = vec![0; len];
                reader.read_exact(&mut body).unwrap();
                keep.lock().unwrap().push(auth);
                let json = r#"{"code":0,"message":"SUCCESS","data":{"filesize":1,"filelen":1}}"#;
                let _ = write!(
                    writer,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
                    json.len()
                );
                left -= 1;
            }
            if left == 0 {
                break;
            }
        }
    });
    (url, seen)
}

#[test]
fn each_request_gets_a_fresh_signature_and_once_is_never_reused() {
    let (url, seen) = capturing_server(4);
    let client = Client::new(config(&url, LEAK_KEY)).unwrap();
    client.delete(BUCKET, "/twice.bin").unwrap();
    client.delete(BUCKET, "/twice.bin").unwrap();
    client.stat(BUCKET, "/twice.bin").unwrap();
    client.stat(BUCKET, "/twice.bin").unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 4, "{seen:?}");
    let p: Vec<String> = seen.iter().map(|s| plaintext(s)).collect();
    // Two deletes: two once signatures (e=0) bound to the file, different nonces.
    for d in &p[..2] {
        assert_eq!(field(d, "e"), "0", "{d}");
        assert_eq!(field(d, "f"), format!("/{APPID}/{BUCKET}/twice.bin"), "{d}");
    }
    assert_ne!(seen[0], seen[1], "a once signature was sent twice");
    assert_ne!(field(&p[0], "r"), field(&p[1], "r"));
    // Two stats: multi-effect signatures with the default 300 s lifetime, each fresh.
    for s in &p[2..] {
        let (e, t) = (field(s, "e"), field(s, "t"));
        assert_eq!(
            e.parse::<u64>().unwrap(),
            t.parse::<u64>().unwrap() + 300,
            "{s}"
        );
    }
    assert_ne!(seen[2], seen[3], "a signature was reused");
    for s in seen.iter().chain(&p) {
        assert_no_key("a signature", s);
    }
}

#[test]
fn a_key_with_an_ampersand_signs_like_any_other() {
    // The key only keys the HMAC: the official SDKs take any key, so must we.
    let key = "k&ey=with&amp;odd chars";
    let emu = emulator(key);
    let client = Client::new(config(&emu.base_url(), key)).unwrap();
    let opts = UploadOptions::default();
    let content = cosv4::Content::Bytes(b"signed with an odd key");
    client
        .upload(BUCKET, "/odd-key.txt", content, &opts, None)
        .unwrap();
    assert_eq!(
        emu.object("/odd-key.txt").unwrap(),
        b"signed with an odd key"
    );
}
