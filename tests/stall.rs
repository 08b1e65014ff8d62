//! The stall timeout means "no byte accepted for N seconds" (issue 14): a server that stops
//! reading a request body is noticed one stall timeout after the socket took its last byte (it
//! was up to ~3 × with a per-write timeout), and a server that reads slowly, with pauses shorter
//! than the timeout, is never cut off however long the body takes.
//!
//! The servers here are raw TCP listeners on 127.0.0.1 that read the request at a scripted pace
//! and then answer 500 (or nothing). Bounds are generous: these are correctness checks, not
//! timings.

mod common;

use common::{content, TempDir, APPID, SECRET_ID, SECRET_KEY};
use cosv4::{Client, Config, Credentials, Endpoint, ErrorKind, UploadOptions};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// A simple upload this big cannot fit in the loopback socket buffers (a few MiB).
const BODY: u64 = 20_000_000;

/// How a scripted server reads a request body.
#[derive(Clone, Copy)]
enum Pace {
    /// Read the headers and this many body bytes, then never read again.
    StopAfter(usize),
    /// Read the first `slow` body bytes in bursts of `bytes`, pausing `pause` before each
    /// burst, then the rest at full speed; then answer 500. (Once the client has handed its
    /// last byte to the socket, waiting for the answer is a read: bytes still queued in the
    /// kernel must drain well within the stall timeout, hence the fast tail.)
    Bursts {
        bytes: usize,
        pause: Duration,
        slow: usize,
    },
}

/// Serves the first connection at `pace`, holding it until `done` says so (or 60 s pass), so a
/// stalled client sees no reset. Every later connection (the client checking whether its
/// upload happened after losing the answer) is answered 500 at once and its arrival time sent
/// on `next`. Returns the base URL.
fn server(pace: Pace, done: mpsc::Receiver<()>, next: mpsc::Sender<Instant>) -> String {
    server_with(pace, done, next, mpsc::channel().0)
}

/// [`server`], also sending on `body` when the first request's body starts.
fn server_with(
    pace: Pace,
    done: mpsc::Receiver<()>,
    next: mpsc::Sender<Instant>,
    body: mpsc::Sender<Instant>,
) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        thread::spawn(move || {
            for other in listener.incoming().take(8) {
                let _ = next.send(Instant::now());
                let Ok(mut other) = other else { break };
                read_headers(&mut other);
                let answer = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\n{}";
                let _ = other.write_all(answer.as_bytes());
            }
        });
        let body_len = read_headers(&mut conn);
        let _ = body.send(Instant::now());
        let mut buf = vec![0u8; 1 << 16];
        let mut read = 0usize;
        match pace {
            Pace::StopAfter(n) => {
                while read < n {
                    read += conn.read(&mut buf).unwrap();
                }
            }
            Pace::Bursts { bytes, pause, slow } => {
                while read < body_len {
                    if read < slow {
                        thread::sleep(pause);
                    }
                    let mut burst = 0;
                    while burst < bytes && read < body_len {
                        let want = buf.len().min(body_len - read);
                        let n = conn.read(&mut buf[..want]).unwrap();
                        assert!(n > 0, "the client closed mid-body after {read} bytes");
                        burst += n;
                        read += n;
                    }
                }
                let answer = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\n{}";
                conn.write_all(answer.as_bytes()).unwrap();
            }
        }
        let _ = done.recv_timeout(Duration::from_secs(60));
    });
    url
}

/// Reads up to the end of the request headers; returns the Content-Length. Reads byte by byte:
/// the body must stay in the socket for the pace to govern it.
fn read_headers(conn: &mut TcpStream) -> usize {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        conn.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let line = head.lines().find(|l| l.starts_with("content-length:"));
    line.map_or(0, |l| l["content-length:".len()..].trim().parse().unwrap())
}

/// A client for `url` that never retries, with this stall timeout, that sends `BODY` bytes in
/// one simple upload (integrity on: the SHA-1 is computed before the body, so the check after
/// a lost answer does not hash again).
fn client(url: &str, stall: Duration) -> Client {
    let mut cfg = Config::new(Credentials::new(APPID, SECRET_ID, SECRET_KEY).unwrap());
    cfg.endpoint = Some(Endpoint::BaseUrl(url.to_string()));
    cfg.retries = 0;
    cfg.retry_window = Duration::ZERO;
    cfg.stall_timeout = stall;
    cfg.simple_threshold = BODY;
    Client::new(cfg).unwrap()
}

fn upload(client: &Client, dir: &TempDir) -> (cosv4::Result<cosv4::Outcome>, Duration) {
    let file = dir.0.join("f");
    std::fs::write(&file, content(BODY, 7)).unwrap();
    let started = Instant::now();
    let out = client.upload_file("b", "/f", &file, &UploadOptions::default());
    (out, started.elapsed())
}

#[test]
fn a_server_that_stops_reading_is_noticed_one_stall_timeout_after_the_last_byte() {
    let stall = Duration::from_secs(2);
    let (done, wait) = mpsc::channel();
    let (next, arrived) = mpsc::channel();
    let (body, began) = mpsc::channel();
    let url = server_with(Pace::StopAfter(64 << 10), wait, next, body);
    let dir = TempDir::new();
    let (out, _) = upload(&client(&url, stall), &dir);
    let _ = done.send(());
    let err = out.expect_err("the server never answers");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("PerWrite"), "{err}");
    // When the client gave up on the stalled body: it then asks, on a new connection, whether
    // the upload happened anyway.
    let gave_up = arrived.try_recv().expect("a check after the stall");
    let took = gave_up.duration_since(began.try_recv().unwrap());
    // The socket buffers fill within milliseconds (the receiving kernel may take a little more
    // some 0.1-0.5 s later as it compacts its queue). The per-write timeout of before needed
    // at least two full timeouts after that, often three (measured: 9.2 s in all).
    assert!(
        took >= stall,
        "gave up after {took:?}, before the stall timeout"
    );
    assert!(
        took < 2 * stall,
        "noticed after {took:?}; stall timeout {stall:?}: {err}"
    );
}

#[test]
fn a_slow_reader_with_pauses_shorter_than_the_stall_timeout_is_not_cut_off() {
    let stall = Duration::from_secs(1);
    let (done, wait) = mpsc::channel();
    let pace = Pace::Bursts {
        bytes: 2 << 20,
        pause: Duration::from_millis(600),
        slow: 6 << 20,
    };
    let url = server(pace, wait, mpsc::channel().0);
    let dir = TempDir::new();
    let (out, took) = upload(&client(&url, stall), &dir);
    let _ = done.send(());
    let err = out.expect_err("the server answers 500");
    // The whole body went through (the server answered only after reading all of it).
    assert_eq!(err.http_status(), Some(500), "{err} after {took:?}");
    assert!(
        took > stall,
        "the body took {took:?}: the pauses did not slow it"
    );
}
