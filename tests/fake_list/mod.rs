//! A fake COS server for listing tests (shared by tests/list_paging.rs and tests/c_objects.rs):
//! on 127.0.0.1 it answers each `op=list` request by the request's `context`, from a fixed
//! script, one request per connection (`Connection: close`). It serves at most
//! [`MAX_REQUESTS`] requests and lives at most [`LIFETIME`], then closes its socket, so a
//! client that keeps paging fails (connection refused) instead of hanging the test.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Requests a fake server answers before it closes.
pub const MAX_REQUESTS: usize = 20;

/// How long a fake server waits for requests at most.
pub const LIFETIME: Duration = Duration::from_secs(180);

/// Answers by the context asked: (context asked, context answered, listover).
pub type Script = &'static [(&'static str, &'static str, bool)];

/// Every page after the first continues with the context it was asked with.
pub const REPEAT: Script = &[("", "same", false), ("same", "same", false)];

/// The second page says more pages follow (listover false) but gives no context.
pub const EMPTY: Script = &[("", "p2", false), ("p2", "", false)];

/// The contexts go round: a, b, a, b, ...
pub const CYCLE: Script = &[("", "a", false), ("a", "b", false), ("b", "a", false)];

/// A well-behaved listing of two pages.
pub const GOOD: Script = &[("", "p2", false), ("p2", "", true)];

pub struct FakeList {
    /// The base URL (an endpoint for the client).
    pub url: String,
    contexts: Arc<Mutex<Vec<String>>>,
}

impl FakeList {
    pub fn start(script: Script) -> FakeList {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let contexts = Arc::new(Mutex::new(Vec::new()));
        let log = contexts.clone();
        std::thread::spawn(move || {
            let end = Instant::now() + LIFETIME;
            let mut served = 0;
            while served < MAX_REQUESTS && Instant::now() < end {
                match listener.accept() {
                    Ok((stream, _)) => {
                        served += 1;
                        let _ = answer(stream, script, &log);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5))
                    }
                    Err(_) => break,
                }
            }
            // The listener is dropped here: further connections are refused.
        });
        FakeList { url, contexts }
    }

    /// The `context` of each request received so far, in order.
    pub fn contexts(&self) -> Vec<String> {
        self.contexts.lock().unwrap().clone()
    }
}

/// Reads one request and answers it by its context (an error envelope for a context the
/// script does not know). Every page has one file entry, named after the request's number.
fn answer(mut stream: TcpStream, script: Script, log: &Mutex<Vec<String>>) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    for _ in 0..100 {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("");
    let query = target.split_once('?').map_or("", |(_, q)| q);
    let context = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("context="))
        .unwrap_or("")
        .to_string();
    let n = {
        let mut log = log.lock().unwrap();
        log.push(context.clone());
        log.len()
    };
    let body = match script.iter().find(|(asked, _, _)| *asked == context) {
        Some((_, next, listover)) => serde_json::json!({
            "code": 0,
            "message": "SUCCESS",
            "data": {
                "context": next,
                "listover": listover,
                "infos": [{"name": format!("f{n}"), "filesize": 1, "filelen": 1,
                           "sha": "", "ctime": 1, "mtime": 1}],
            },
        }),
        None => serde_json::json!({"code": -1, "message": "fake server: unknown context"}),
    }
    .to_string();
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}
