//! An HTTP front for the emulator (tests only, on 127.0.0.1): each request is forwarded to the
//! emulator and its answer sent back, one request per connection (`Connection: close` both
//! ways), unless the test's rule holds it (no answer until [`Front::release`], at most
//! [`HOLD_MAX`]) or answers it itself. It records every request it received. Bounded: it
//! accepts for at most [`LIFETIME`], and every read waits at most [`IO_TIMEOUT`].

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const LIFETIME: Duration = Duration::from_secs(120);
pub const HOLD_MAX: Duration = Duration::from_secs(30);
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// What the front does with a request.
pub enum Action {
    Forward,
    /// No answer until released (or [`HOLD_MAX`]), then the connection is closed.
    Hold,
    /// This HTTP status and JSON body, not forwarded.
    Answer(u16, String),
}

/// A request as the front saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    /// The request target as sent (path and query, percent-encoded).
    pub target: String,
}

impl Seen {
    /// The `op` query parameter ("" when absent).
    pub fn op(&self) -> &str {
        let query = self.target.split_once('?').map_or("", |(_, q)| q);
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix("op="))
            .unwrap_or("")
    }

    /// The request is about `cos_path` (a folder's `op=list` ends in `/?`).
    pub fn is_list_of(&self, cos_path: &str) -> bool {
        self.op() == "list" && self.target.contains(&format!("{cos_path}?"))
    }
}

type Rule = Box<dyn Fn(&Seen) -> Action + Send + Sync>;

struct State {
    upstream: SocketAddr,
    rule: Rule,
    seen: Mutex<Vec<Seen>>,
    held: AtomicUsize,
    released: AtomicBool,
    stopped: AtomicBool,
}

pub struct Front {
    /// The base URL (an endpoint for the client).
    pub url: String,
    state: Arc<State>,
}

impl Front {
    /// A front for the emulator at `upstream` (its base URL, `http://127.0.0.1:PORT`).
    pub fn start(upstream: &str, rule: impl Fn(&Seen) -> Action + Send + Sync + 'static) -> Front {
        let addr = upstream.trim_start_matches("http://").trim_end_matches('/');
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(State {
            upstream: addr.parse().expect("the emulator's address"),
            rule: Box::new(rule),
            seen: Mutex::new(Vec::new()),
            held: AtomicUsize::new(0),
            released: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
        });
        let st = state.clone();
        std::thread::spawn(move || {
            let end = Instant::now() + LIFETIME;
            while !st.stopped.load(Ordering::SeqCst) && Instant::now() < end {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let st = st.clone();
                        std::thread::spawn(move || drop(serve(conn, &st)));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(2))
                    }
                    Err(_) => break,
                }
            }
        });
        Front { url, state }
    }

    /// Every request received so far, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    /// Requests held right now.
    pub fn held(&self) -> usize {
        self.state.held.load(Ordering::SeqCst)
    }

    /// Ends every hold (those connections close without an answer).
    pub fn release(&self) {
        self.state.released.store(true, Ordering::SeqCst);
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        self.release();
        self.state.stopped.store(true, Ordering::SeqCst);
    }
}

/// One connection: one request, read whole, then forwarded, held or answered.
fn serve(conn: TcpStream, st: &State) -> std::io::Result<()> {
    conn.set_nonblocking(false)?;
    conn.set_read_timeout(Some(IO_TIMEOUT))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let (head, body) = read_message(&mut reader)?;
    if head.is_empty() {
        return Ok(()); // closed before a request (a connect that was interrupted)
    }
    let request_line = head.first().map_or("", String::as_str);
    let seen = Seen {
        target: request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("")
            .to_string(),
    };
    st.seen.lock().unwrap().push(seen.clone());
    let mut conn = conn;
    match (st.rule)(&seen) {
        Action::Forward => {
            let (head, body) = forward(st.upstream, &head, &body)?;
            write_message(&mut conn, &head, &body)
        }
        Action::Hold => {
            st.held.fetch_add(1, Ordering::SeqCst);
            let end = Instant::now() + HOLD_MAX;
            while !st.released.load(Ordering::SeqCst) && Instant::now() < end {
                std::thread::sleep(Duration::from_millis(5));
            }
            st.held.fetch_sub(1, Ordering::SeqCst);
            Ok(())
        }
        Action::Answer(status, json) => {
            let head = vec![
                format!("HTTP/1.1 {status} Refused by the test front"),
                "Content-Type: application/json".to_string(),
            ];
            write_message(&mut conn, &head, json.as_bytes())
        }
    }
}

/// Sends the request to the emulator on a connection of its own and reads its answer.
fn forward(
    upstream: SocketAddr,
    head: &[String],
    body: &[u8],
) -> std::io::Result<(Vec<String>, Vec<u8>)> {
    let mut up = TcpStream::connect_timeout(&upstream, IO_TIMEOUT)?;
    up.set_read_timeout(Some(IO_TIMEOUT))?;
    write_message(&mut up, head, body)?;
    read_message(&mut BufReader::new(up))
}

/// A request or answer: its head lines (without the `Connection` header) and its body (by
/// `Content-Length`; none without one).
fn read_message(r: &mut impl BufRead) -> std::io::Result<(Vec<String>, Vec<u8>)> {
    let mut head = Vec::new();
    let mut len = 0usize;
    for _ in 0..200 {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end().to_string();
        if line.is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
        if !lower.starts_with("connection:") {
            head.push(line);
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body)?;
    Ok((head, body))
}

/// Writes `head` with `Connection: close` (and the body's length when the head has none).
fn write_message(w: &mut TcpStream, head: &[String], body: &[u8]) -> std::io::Result<()> {
    let mut out = head.join("\r\n");
    let has_len = head
        .iter()
        .any(|h| h.to_ascii_lowercase().starts_with("content-length:"));
    if !has_len {
        out.push_str(&format!("\r\nContent-Length: {}", body.len()));
    }
    out.push_str("\r\nConnection: close\r\n\r\n");
    w.write_all(out.as_bytes())?;
    w.write_all(body)?;
    w.flush()
}
