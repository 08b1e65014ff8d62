//! A small HTTP/1.1 server on `std::net`, one thread per connection.
//!
//! Why not an HTTP crate: the emulator must (a) inject faults at the socket level — reset a
//! connection with RST (SO_LINGER 0) after reading a request, with or without storing it —
//! which needs the raw socket, and (b) move ≥ 1 GB/s of slice bodies: the body is read once
//! into a per-connection reusable buffer, multipart is parsed in place and the slice is
//! written to disk straight from that buffer, and each answer goes out in one `write_all`
//! (with TCP_NODELAY) so there are no delayed-ACK stalls.
//!
//! HTTPS (`Server::start` with a rustls config) runs the same code over
//! `rustls::StreamOwned<ServerConnection, TcpStream>`: `Connection` is generic over its stream
//! ([`Stream`]), so the plain path is compiled on its own, with no indirection or extra copy,
//! and fault injection still acts on the raw socket underneath (RST through SO_LINGER 0).
//! The TLS handshake happens on the connection's own thread, at its first read.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use memchr::memmem;
use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// What a connection reads requests from and writes answers to: a plain socket or TLS over one.
pub trait Stream: Read + Write + Send {
    /// The socket underneath (options, linger for RST).
    fn tcp(&self) -> &TcpStream;
    /// Ends the connection politely (TLS: send close_notify); not used on a reset.
    fn close(&mut self) {}
}

impl Stream for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl Stream for StreamOwned<ServerConnection, TcpStream> {
    fn tcp(&self) -> &TcpStream {
        &self.sock
    }

    fn close(&mut self) {
        self.conn.send_close_notify();
        let _ = self.flush();
    }
}

pub const MAX_HEAD: usize = 64 * 1024;
pub const MAX_BODY: usize = 40 * 1024 * 1024;
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// One parsed request; `body` borrows the connection buffer.
pub struct Request<'a> {
    pub method: &'a str,
    /// Path part of the request target, still percent-encoded.
    pub path: &'a str,
    /// Raw query string (without `?`), possibly empty.
    pub query: &'a str,
    /// Header names lower-cased.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl Request<'_> {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// More header lines (name, value), e.g. `Content-Range` of a download.
    pub headers: Vec<(String, String)>,
}

pub enum Reply {
    Respond(Response),
    /// Close the connection with RST, without answering.
    Reset,
}

pub trait Handler: Send + Sync + 'static {
    fn handle(&self, req: &Request) -> Reply;
    /// An answer for a request the HTTP layer rejects itself (431, 413, 400).
    fn protocol_error(&self, status: u16, message: &str) -> Response;
}

#[derive(Default)]
pub struct Counters {
    pub connections_accepted: AtomicU64,
    pub open_connections: AtomicU64,
    pub max_open_connections: AtomicU64,
    pub requests: AtomicU64,
}

struct Shared {
    stop: AtomicBool,
    conns: Mutex<HashMap<u64, TcpStream>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    counters: Arc<Counters>,
}

/// A running server; `stop` (or drop) shuts it down and joins every thread.
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl Server {
    /// Serve `listener` (already bound, so the caller knows its address up front); over TLS
    /// when `tls` is given.
    pub fn start<H: Handler>(
        listener: TcpListener,
        handler: Arc<H>,
        counters: Arc<Counters>,
        tls: Option<Arc<ServerConfig>>,
    ) -> io::Result<Server> {
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            conns: Mutex::new(HashMap::new()),
            threads: Mutex::new(Vec::new()),
            counters,
        });
        let sh = shared.clone();
        let acceptor = std::thread::Builder::new()
            .name("cosv4-emu-accept".into())
            .spawn(move || accept_loop(listener, sh, handler, tls))?;
        Ok(Server {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stop accepting, shut down open connections, join all threads. Idempotent.
    pub fn stop(&mut self) {
        let Some(acceptor) = self.acceptor.take() else {
            return;
        };
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept().
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        let _ = acceptor.join();
        for stream in lock(&self.shared.conns).values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        let threads = std::mem::take(&mut *lock(&self.shared.threads));
        for t in threads {
            let _ = t.join();
        }
    }

    pub fn stopping(&self) -> bool {
        self.shared.stop.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Lock a mutex, ignoring poisoning (a panicking request thread must not wedge the server).
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn accept_loop<H: Handler>(
    listener: TcpListener,
    shared: Arc<Shared>,
    handler: Arc<H>,
    tls: Option<Arc<ServerConfig>>,
) {
    let mut next_id = 0u64;
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let Ok(registered) = stream.try_clone() else {
            continue;
        };
        next_id += 1;
        let id = next_id;
        let c = &shared.counters;
        c.connections_accepted.fetch_add(1, Ordering::Relaxed);
        let open = c.open_connections.fetch_add(1, Ordering::SeqCst) + 1;
        c.max_open_connections.fetch_max(open, Ordering::SeqCst);
        lock(&shared.conns).insert(id, registered);
        let (sh, h, tls) = (shared.clone(), handler.clone(), tls.clone());
        let spawned = std::thread::Builder::new()
            .name(format!("cosv4-emu-conn-{id}"))
            .spawn(move || {
                let reset = match tls {
                    None => Some(Connection::new(stream).serve(&*h, &sh.counters)),
                    Some(config) => ServerConnection::new(config).ok().map(|conn| {
                        let tls = StreamOwned::new(conn, stream);
                        Connection::new(tls).serve(&*h, &sh.counters).sock
                    }),
                };
                // Drop the registry clone first so that closing our handle really closes
                // the socket (and sends RST when linger was set to zero).
                let registered = lock(&sh.conns).remove(&id);
                drop(registered);
                drop(reset);
                sh.counters.open_connections.fetch_sub(1, Ordering::SeqCst);
            });
        let mut threads = lock(&shared.threads);
        threads.retain(|t| !t.is_finished());
        if let Ok(t) = spawned {
            threads.push(t);
        }
    }
}

/// What happens to a connection after a request.
enum Next {
    Continue,
    Close,
    /// Already armed for RST (linger 0): close without any more bytes.
    Reset,
}

/// How the body of the current request is framed.
enum Framing {
    Length(usize),
    Chunked,
}

struct Head {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    keep_alive: bool,
    head_len: usize,
}

enum HeadError {
    Closed,
    TooLarge,
    Bad(&'static str),
}

struct Connection<S> {
    stream: S,
    buf: Vec<u8>,
    filled: usize,
    chunked_body: Vec<u8>,
}

impl<S: Stream> Connection<S> {
    fn new(stream: S) -> Connection<S> {
        let _ = stream.tcp().set_nodelay(true);
        let _ = stream.tcp().set_read_timeout(Some(IDLE_TIMEOUT));
        Connection {
            stream,
            buf: vec![0; 16 * 1024],
            filled: 0,
            chunked_body: Vec::new(),
        }
    }

    /// Serve requests until the peer closes, an error occurs or a reset is requested.
    /// Returns the stream so the caller decides when it is closed.
    fn serve<H: Handler>(mut self, handler: &H, counters: &Counters) -> S {
        loop {
            match self.one_request(handler, counters) {
                Ok(Next::Continue) => continue,
                Ok(Next::Close) => {
                    self.stream.close();
                    return self.stream;
                }
                Ok(Next::Reset) | Err(_) => return self.stream,
            }
        }
    }

    /// Read into `buf[filled..]`, growing the buffer when full. Ok(false) on EOF.
    fn read_more(&mut self) -> io::Result<bool> {
        if self.filled == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let n = self.stream.read(&mut self.buf[self.filled..])?;
        self.filled += n;
        Ok(n > 0)
    }

    /// Make sure `buf[..end]` is filled (reading exactly what is missing).
    fn fill_to(&mut self, end: usize) -> io::Result<()> {
        if self.buf.len() < end {
            self.buf.resize(end, 0);
        }
        if self.filled < end {
            self.stream.read_exact(&mut self.buf[self.filled..end])?;
            self.filled = end;
        }
        Ok(())
    }

    fn read_head(&mut self) -> Result<Head, HeadError> {
        let head_len = loop {
            // A TLS handshake record (0x16) where a request line should be: an https client
            // on a plain-HTTP port. Answer at once (the client fails its handshake on the
            // answer) instead of waiting for a blank line that never comes.
            if self.filled > 0 && self.buf[0] == 0x16 {
                return Err(HeadError::Bad(
                    "a TLS handshake arrived on a plain-HTTP port (use http://)",
                ));
            }
            let window = &self.buf[..self.filled.min(MAX_HEAD + 4)];
            if let Some(i) = memmem::find(window, b"\r\n\r\n") {
                break i + 4;
            }
            if self.filled > MAX_HEAD {
                return Err(HeadError::TooLarge);
            }
            match self.read_more() {
                Ok(true) => {}
                _ => return Err(HeadError::Closed),
            }
        };
        let text = std::str::from_utf8(&self.buf[..head_len - 4])
            .map_err(|_| HeadError::Bad("request head is not UTF-8"))?;
        let mut lines = text.split("\r\n");
        let mut request_line = lines.next().unwrap_or("").split(' ');
        let (Some(method), Some(target), Some(version)) = (
            request_line.next(),
            request_line.next(),
            request_line.next(),
        ) else {
            return Err(HeadError::Bad("malformed request line"));
        };
        let mut headers = Vec::new();
        for line in lines {
            let Some((k, v)) = line.split_once(':') else {
                return Err(HeadError::Bad("malformed header line"));
            };
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
        let connection = headers
            .iter()
            .find(|(k, _)| k == "connection")
            .map(|(_, v)| v.to_ascii_lowercase())
            .unwrap_or_default();
        let keep_alive = version == "HTTP/1.1" && !connection.contains("close");
        Ok(Head {
            method: method.to_string(),
            target: target.to_string(),
            headers,
            keep_alive,
            head_len,
        })
    }

    /// Read the chunked body starting at `start` into `chunked_body`; returns the end
    /// offset of the whole message in `buf`, or None when it exceeds the cap.
    fn read_chunked(&mut self, start: usize) -> io::Result<Option<usize>> {
        self.chunked_body.clear();
        let mut pos = start;
        let bad = || io::Error::new(io::ErrorKind::InvalidData, "bad chunked encoding");
        loop {
            let line_end = loop {
                if let Some(i) = memmem::find(&self.buf[pos..self.filled], b"\r\n") {
                    break pos + i;
                }
                if self.filled - pos > 4096 || !self.read_more()? {
                    return Err(bad());
                }
            };
            let line = std::str::from_utf8(&self.buf[pos..line_end]).map_err(|_| bad())?;
            let size_text = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16).map_err(|_| bad())?;
            pos = line_end + 2;
            if size == 0 {
                // Trailers until an empty line.
                loop {
                    let end = loop {
                        if let Some(i) = memmem::find(&self.buf[pos..self.filled], b"\r\n") {
                            break pos + i;
                        }
                        if !self.read_more()? {
                            return Err(bad());
                        }
                    };
                    let empty = end == pos;
                    pos = end + 2;
                    if empty {
                        return Ok(Some(pos));
                    }
                }
            }
            if self.chunked_body.len() + size > MAX_BODY {
                return Ok(None);
            }
            self.fill_to(pos + size + 2)?;
            self.chunked_body
                .extend_from_slice(&self.buf[pos..pos + size]);
            pos += size + 2;
        }
    }

    /// Handle one request; says whether the connection stays open.
    fn one_request<H: Handler>(&mut self, handler: &H, counters: &Counters) -> io::Result<Next> {
        let head = match self.read_head() {
            Ok(h) => h,
            Err(HeadError::Closed) => return Ok(Next::Close),
            Err(HeadError::TooLarge) => {
                self.respond(
                    handler.protocol_error(431, "request header too large"),
                    false,
                )?;
                return Ok(Next::Close);
            }
            Err(HeadError::Bad(msg)) => {
                self.respond(handler.protocol_error(400, msg), false)?;
                return Ok(Next::Close);
            }
        };
        counters.requests.fetch_add(1, Ordering::Relaxed);
        let header = |name: &str| {
            head.headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let framing = if header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
        {
            Framing::Chunked
        } else {
            match header("content-length").map(|v| v.parse::<usize>()) {
                None => Framing::Length(0),
                Some(Ok(n)) => Framing::Length(n),
                Some(Err(_)) => {
                    self.respond(handler.protocol_error(400, "bad Content-Length"), false)?;
                    return Ok(Next::Close);
                }
            }
        };
        if let Framing::Length(n) = framing {
            if n > MAX_BODY {
                let msg = format!("request body of {n} bytes exceeds the {MAX_BODY} byte limit");
                self.respond(handler.protocol_error(413, &msg), false)?;
                return Ok(Next::Close);
            }
        }
        let body_needed = !matches!(framing, Framing::Length(0));
        if body_needed
            && head.method != "HEAD"
            && header("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
        {
            self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        }
        let start = head.head_len;
        let (end, chunked) = match framing {
            Framing::Length(n) => {
                self.fill_to(start + n)?;
                (start + n, false)
            }
            Framing::Chunked => match self.read_chunked(start)? {
                Some(end) => (end, true),
                None => {
                    let msg = format!("chunked request body exceeds the {MAX_BODY} byte limit");
                    self.respond(handler.protocol_error(413, &msg), false)?;
                    return Ok(Next::Close);
                }
            },
        };
        let (path, query) = head
            .target
            .split_once('?')
            .unwrap_or((head.target.as_str(), ""));
        let req = Request {
            method: &head.method,
            path,
            query,
            headers: &head.headers,
            body: if chunked {
                &self.chunked_body
            } else {
                &self.buf[start..end]
            },
        };
        let reply = handler.handle(&req);
        // Keep any pipelined bytes of the next request.
        self.buf.copy_within(end..self.filled, 0);
        self.filled -= end;
        match reply {
            Reply::Respond(resp) => {
                self.respond(resp, head.keep_alive)?;
                Ok(if head.keep_alive {
                    Next::Continue
                } else {
                    Next::Close
                })
            }
            Reply::Reset => {
                let _ = socket2::SockRef::from(self.stream.tcp()).set_linger(Some(Duration::ZERO));
                Ok(Next::Reset)
            }
        }
    }

    fn respond(&mut self, resp: Response, keep_alive: bool) -> io::Result<()> {
        let mut out = Vec::with_capacity(resp.body.len() + 200);
        write!(
            out,
            "HTTP/1.1 {} {}\r\nServer: tencent-cos\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}\r\n",
            resp.status,
            reason(resp.status),
            resp.content_type,
            resp.body.len(),
            if keep_alive { "" } else { "Connection: close\r\n" },
        )?;
        // The header block ended above; insert the extra lines before its empty line.
        let mut extra = Vec::new();
        for (name, value) in &resp.headers {
            write!(extra, "{name}: {value}\r\n")?;
        }
        let at = out.len() - 2;
        out.splice(at..at, extra);
        out.extend_from_slice(&resp.body);
        self.stream.write_all(&out)
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        413 => "Payload Too Large",
        416 => "Range Not Satisfiable",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}
