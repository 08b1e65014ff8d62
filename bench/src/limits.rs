//! The two limits cosv4 is compared with: one sequential SHA-1 pass over the file, and a minimal
//! raw HTTP sender of the same slices (no library upload logic: std `TcpStream`, keep-alive,
//! pre-built multipart framing, `pread` into one reused buffer, minimal response parsing) —
//! and of many small files (`op=upload` requests built whole before the clock starts).

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use sha1::{Digest, Sha1};

use crate::emulator::{APPID, BUCKET, SECRET_ID, SECRET_KEY};

/// One SHA-1 pass with 1 MiB reads; returns seconds and the hex digest.
pub fn sha_pass(path: &Path) -> io::Result<(f64, String)> {
    let start = Instant::now();
    let mut f = File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut h = Sha1::new();
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((start.elapsed().as_secs_f64(), hex))
}

macro_rules! boundary {
    () => {
        "cosv4benchBoundary7d1f3a9c"
    };
}
const BOUNDARY: &str = boundary!();

/// Reads and hashes (SHA-1) each small file whole, one after the other: the local side of a
/// sync's floor.
pub fn sha_small_files(paths: impl Iterator<Item = std::path::PathBuf>) -> io::Result<()> {
    for p in paths {
        let digest = Sha1::digest(std::fs::read(&p)?);
        std::hint::black_box(digest);
    }
    Ok(())
}
/// The multipart head of the content part, and what closes it and the form.
const FILE_PART_HEAD: &str = concat!(
    "--",
    boundary!(),
    "\r\n",
    "Content-Disposition: form-data; name=\"filecontent\"; filename=\"blob\"\r\n",
    "Content-Type: application/octet-stream\r\n\r\n"
);
const FILE_PART_TAIL: &str = concat!("\r\n--", boundary!(), "--\r\n");
/// Room in front of the slice for the request line, headers and multipart head.
const HEAD_ROOM: usize = 2048;

/// A multi-effect signature valid for 600 s, not bound to a file.
fn signature() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let nonce = cosv4::sign::random_nonce();
    let plain = format!(
        "a={APPID}&k={SECRET_ID}&e={}&t={now}&r={nonce}&f=&b={BUCKET}",
        now + 600
    );
    cosv4::sign::sign_plaintext(SECRET_KEY.as_bytes(), &plain)
}

fn text_part(out: &mut Vec<u8>, name: &str, value: &str) {
    let part = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
    );
    out.extend_from_slice(part.as_bytes());
}

/// Request line and headers for a multipart POST of `body_len` bytes.
fn http_head(addr: &str, url_path: &str, auth: &str, body_len: usize) -> String {
    format!(
        "POST {url_path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {auth}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {body_len}\r\n\r\n"
    )
}

/// A keep-alive connection with a reusable response buffer.
struct Conn {
    stream: TcpStream,
    resp: Vec<u8>,
}

impl Conn {
    fn open(addr: &str) -> io::Result<Conn> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            resp: vec![0u8; 64 << 10],
        })
    }

    /// Reads one response: head up to the blank line, `Content-Length`, the body. Returns the
    /// answer's `data` when the status is 200 and `code` is 0.
    fn read_answer(&mut self) -> Result<Value, String> {
        let io_err = |e: io::Error| format!("reading the answer: {e}");
        let mut filled = 0;
        let head_end = loop {
            if let Some(p) = self.resp[..filled]
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
            {
                break p + 4;
            }
            if filled == self.resp.len() {
                return Err("answer head too large".into());
            }
            let n = self.stream.read(&mut self.resp[filled..]).map_err(io_err)?;
            if n == 0 {
                return Err("connection closed before the answer".into());
            }
            filled += n;
        };
        let head = String::from_utf8_lossy(&self.resp[..head_end]).into_owned();
        let status = head.split(' ').nth(1).unwrap_or("");
        let len: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .ok_or("answer without Content-Length")?;
        if head_end + len > self.resp.len() {
            self.resp.resize(head_end + len, 0);
        }
        while filled < head_end + len {
            let n = self.stream.read(&mut self.resp[filled..]).map_err(io_err)?;
            if n == 0 {
                return Err("connection closed inside the answer body".into());
            }
            filled += n;
        }
        let body = &self.resp[head_end..head_end + len];
        let v: Value = serde_json::from_slice(body).map_err(|e| format!("answer JSON: {e}"))?;
        if status != "200" || v["code"].as_i64() != Some(0) {
            return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(body)));
        }
        Ok(v["data"].clone())
    }

    /// Sends a small form (text fields only) and reads the answer.
    fn post_form(
        &mut self,
        addr: &str,
        url_path: &str,
        fields: &[(&str, &str)],
    ) -> Result<Value, String> {
        let mut body = Vec::new();
        for (k, v) in fields {
            text_part(&mut body, k, v);
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        let mut req = http_head(addr, url_path, &signature(), body.len()).into_bytes();
        req.extend_from_slice(&body);
        self.stream
            .write_all(&req)
            .map_err(|e| format!("sending: {e}"))?;
        self.read_answer()
    }
}

/// One raw slice upload of `file` (`size` bytes) to `cos_path`: init, `workers` connections
/// taking slices from an atomic counter, finish. Returns the wall seconds, init to finish.
pub fn raw_upload(
    addr: &str,
    file: &Path,
    size: u64,
    cos_path: &str,
    slice: u64,
    workers: usize,
) -> Result<f64, String> {
    let f = File::open(file).map_err(|e| format!("open {}: {e}", file.display()))?;
    let url_path = format!("/files/v2/{APPID}/{BUCKET}{cos_path}");
    let start = Instant::now();
    let mut control = Conn::open(addr).map_err(|e| format!("connect: {e}"))?;
    let (size_s, slice_s) = (size.to_string(), slice.to_string());
    let init = control.post_form(
        addr,
        &url_path,
        &[
            ("op", "upload_slice_init"),
            ("filesize", &size_s),
            ("slice_size", &slice_s),
        ],
    )?;
    let session = init["session"]
        .as_str()
        .ok_or("init answer without session")?
        .to_string();
    let slice = init["slice_size"].as_u64().unwrap_or(slice);
    let job = Slices {
        addr,
        url_path: &url_path,
        auth: signature(),
        session: &session,
        file: &f,
        size,
        slice,
        count: size.div_ceil(slice),
        next: AtomicU64::new(0),
    };
    on_connections(addr, workers, |conn| job.send(conn))?;
    control.post_form(
        addr,
        &url_path,
        &[
            ("op", "upload_slice_finish"),
            ("session", &session),
            ("filesize", &size_s),
        ],
    )?;
    Ok(start.elapsed().as_secs_f64())
}

/// The data phase shared by the workers.
struct Slices<'a> {
    addr: &'a str,
    url_path: &'a str,
    auth: String,
    session: &'a str,
    file: &'a File,
    size: u64,
    slice: u64,
    count: u64,
    next: AtomicU64,
}

impl Slices<'_> {
    /// One worker on its own connection: slices until the counter runs past the end.
    fn send(&self, conn: &mut Conn) -> Result<(), String> {
        let Slices {
            addr,
            url_path,
            session,
            size,
            slice,
            count,
            ..
        } = *self;
        let (auth, f, next) = (&self.auth, self.file, &self.next);
        let mut fields = Vec::new();
        text_part(&mut fields, "op", "upload_slice_data");
        text_part(&mut fields, "session", session);
        let file_part = FILE_PART_HEAD;
        let trailer = FILE_PART_TAIL.as_bytes();
        // [head room | slice | trailer]: the head is written right-aligned before the slice.
        let mut buf = vec![0u8; HEAD_ROOM + slice as usize + trailer.len()];
        let mut head = Vec::with_capacity(HEAD_ROOM);
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= count {
                return Ok(());
            }
            let offset = i * slice;
            let len = slice.min(size - offset) as usize;
            let mut form = fields.clone();
            text_part(&mut form, "offset", &offset.to_string());
            form.extend_from_slice(file_part.as_bytes());
            head.clear();
            let body_len = form.len() + len + trailer.len();
            head.extend_from_slice(http_head(addr, url_path, auth, body_len).as_bytes());
            head.extend_from_slice(&form);
            let from = HEAD_ROOM
                .checked_sub(head.len())
                .ok_or("request head too large")?;
            buf[from..HEAD_ROOM].copy_from_slice(&head);
            f.read_exact_at(&mut buf[HEAD_ROOM..HEAD_ROOM + len], offset)
                .map_err(|e| format!("pread at {offset}: {e}"))?;
            let end = HEAD_ROOM + len;
            buf[end..end + trailer.len()].copy_from_slice(trailer);
            conn.stream
                .write_all(&buf[from..end + trailer.len()])
                .map_err(|e| format!("sending slice {offset}: {e}"))?;
            conn.read_answer()
                .map_err(|e| format!("slice at {offset}: {e}"))?;
        }
    }
}

/// Runs `work(i)` on `n` threads, `i` in `0..n`; all are joined, the first error (in thread
/// order) is the result.
pub fn on_threads(
    n: usize,
    work: impl Fn(usize) -> Result<(), String> + Sync,
) -> Result<(), String> {
    let work = &work;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n).map(|i| s.spawn(move || work(i))).collect();
        let results: Vec<Result<(), String>> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("thread panicked".into())))
            .collect();
        results.into_iter().collect()
    })
}

/// Runs `work` on `workers` threads, each with its own keep-alive connection.
fn on_connections(
    addr: &str,
    workers: usize,
    work: impl Fn(&mut Conn) -> Result<(), String> + Sync,
) -> Result<(), String> {
    on_threads(workers, |_| {
        let mut conn = Conn::open(addr).map_err(|e| format!("connect: {e}"))?;
        work(&mut conn)
    })
}

/// Creates `folders` (each ends in `/`), in order, on one connection: parents first.
pub fn create_folders(addr: &str, folders: &[String]) -> Result<(), String> {
    let mut conn = Conn::open(addr).map_err(|e| format!("connect: {e}"))?;
    for folder in folders {
        let url_path = format!("/files/v2/{APPID}/{BUCKET}{folder}");
        conn.post_form(addr, &url_path, &[("op", "create"), ("biz_attr", "")])
            .map_err(|e| format!("creating {folder}: {e}"))?;
    }
    Ok(())
}

/// One complete `op=upload` request (head and multipart body: op, sha, insertOnly=1, the
/// content) storing `content` at `cos_path`, as the library sends it for a small file.
pub fn simple_request(addr: &str, cos_path: &str, content: &[u8]) -> Vec<u8> {
    let sha: String = Sha1::digest(content)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut body = Vec::with_capacity(content.len() + 512);
    text_part(&mut body, "op", "upload");
    text_part(&mut body, "sha", &sha);
    text_part(&mut body, "insertOnly", "1");
    body.extend_from_slice(FILE_PART_HEAD.as_bytes());
    body.extend_from_slice(content);
    body.extend_from_slice(FILE_PART_TAIL.as_bytes());
    let url_path = format!("/files/v2/{APPID}/{BUCKET}{cos_path}");
    let mut req = http_head(addr, &url_path, &signature(), body.len()).into_bytes();
    req.extend_from_slice(&body);
    req
}

/// The raw sender of many small files: `folders` created first (parents first, one
/// connection), then the pre-built `requests` ([`simple_request`]) sent over `conns`
/// keep-alive connections taking them in order from a shared counter. Returns the wall
/// seconds, folders included.
pub fn raw_simple_uploads(
    addr: &str,
    folders: &[String],
    requests: &[Vec<u8>],
    conns: usize,
) -> Result<f64, String> {
    let start = Instant::now();
    create_folders(addr, folders)?;
    let next = AtomicU64::new(0);
    on_connections(addr, conns, |conn| loop {
        let i = next.fetch_add(1, Ordering::Relaxed) as usize;
        let Some(req) = requests.get(i) else {
            return Ok(());
        };
        conn.stream
            .write_all(req)
            .map_err(|e| format!("sending file {i}: {e}"))?;
        conn.read_answer().map_err(|e| format!("file {i}: {e}"))?;
    })?;
    Ok(start.elapsed().as_secs_f64())
}
