//! Shared helpers for the integration tests: a tiny raw HTTP/1.1 client over TcpStream,
//! a signer and multipart builders. Nothing here reads proxy settings.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine;
use cosv4_emulator::{Config, Emulator};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;

pub const APPID: u64 = 1250000000;
pub const BUCKET: &str = "testbucket";
pub const SID: &str = "AKIDtestSecretId";
pub const SKEY: &str = "testSecretKey";
pub const MIB: usize = 1 << 20;

/// The tests' emulator settings. Folders are implicit (uploads may go into folders never
/// created): most tests predate the parent-folder rule; tests of the rule use
/// [`enforcing_config`].
pub fn config() -> Config {
    let mut cfg = Config::new(APPID, BUCKET, SID, SKEY);
    cfg.implicit_folders = true;
    cfg
}

/// The service's rule: uploads and creates need their parent folder.
pub fn enforcing_config() -> Config {
    Config::new(APPID, BUCKET, SID, SKEY)
}

pub fn start() -> Emulator {
    Emulator::start(config()).expect("start emulator")
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// base64(HMAC-SHA1(key, plaintext) || plaintext)
pub fn sign_plain(key: &str, plaintext: &str) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(plaintext.as_bytes());
    let mut raw = mac.finalize().into_bytes().to_vec();
    raw.extend_from_slice(plaintext.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(raw)
}

static NONCE: AtomicU64 = AtomicU64::new(1);

pub fn plaintext(appid: u64, bucket: &str, sid: &str, e: u64, f: &str) -> String {
    let r = NONCE.fetch_add(1, Ordering::SeqCst);
    format!("a={appid}&k={sid}&e={e}&t={}&r={r}&f={f}&b={bucket}", now())
}

/// Multi-effect signature valid for 300 s, not bound to a file.
pub fn multi() -> String {
    sign_plain(SKEY, &plaintext(APPID, BUCKET, SID, now() + 300, ""))
}

/// Once signature bound to `encoded_path`.
pub fn once(encoded_path: &str) -> String {
    let f = format!("/{APPID}/{BUCKET}{encoded_path}");
    sign_plain(SKEY, &plaintext(APPID, BUCKET, SID, 0, &f))
}

pub fn url(encoded_path: &str) -> String {
    format!("/files/v2/{APPID}/{BUCKET}{encoded_path}")
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn code(&self) -> i64 {
        self.json()["code"].as_i64().unwrap()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// Assert status and code, returning `data`.
    pub fn expect(&self, status: u16, code: i64) -> Value {
        let j = self.json();
        assert_eq!(
            (self.status, j["code"].as_i64().unwrap()),
            (status, code),
            "{j}"
        );
        j["data"].clone()
    }
}

/// One keep-alive connection.
pub struct Client {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    pub fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        Client {
            stream,
            buf: Vec::new(),
        }
    }

    pub fn send(&mut self, raw: &[u8]) -> std::io::Result<Resp> {
        self.stream.write_all(raw)?;
        self.read_response()
    }

    fn fill(&mut self) -> std::io::Result<()> {
        let mut tmp = [0u8; 65536];
        let n = self.stream.read(&mut tmp)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        self.buf.extend_from_slice(&tmp[..n]);
        Ok(())
    }

    pub fn read_response(&mut self) -> std::io::Result<Resp> {
        let head_end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            self.fill()?;
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end - 4]).to_string();
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.parse().unwrap())
            .unwrap_or(0);
        while self.buf.len() < head_end + len {
            self.fill()?;
        }
        let body = self.buf[head_end..head_end + len].to_vec();
        self.buf.drain(..head_end + len);
        Ok(Resp {
            status,
            headers,
            body,
        })
    }
}

/// Build a raw request.
pub fn raw_request(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut raw = out.into_bytes();
    raw.extend_from_slice(body);
    raw
}

/// A multipart POST to `encoded_path`.
pub fn form_request(encoded_path: &str, fields: &[(&str, &[u8])], sig: &str) -> Vec<u8> {
    let ct = multipart_type();
    raw_request(
        "POST",
        &url(encoded_path),
        &[("Authorization", sig), ("Content-Type", &ct)],
        &multipart(fields),
    )
}

/// An `upload_slice_data` request.
pub fn slice_request(encoded_path: &str, session: &str, offset: usize, data: &[u8]) -> Vec<u8> {
    let off = offset.to_string();
    let fields: [(&str, &[u8]); 4] = [
        ("op", b"upload_slice_data"),
        ("session", session.as_bytes()),
        ("offset", off.as_bytes()),
        ("filecontent", data),
    ];
    form_request(encoded_path, &fields, &multi())
}

pub const BOUNDARY: &str = "----cosv4testBoundary7MA4YWxk";

/// A multipart body in the CPP/PHP shape: bare text parts, binary `filecontent` part.
pub fn multipart(fields: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = Vec::new();
    for (name, value) in fields {
        b.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        if *name == "filecontent" || *name == "fileContent" {
            b.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"data\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            );
        } else {
            b.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            );
        }
        b.extend_from_slice(value);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

pub fn multipart_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

/// A test session against one emulator.
pub struct T {
    pub emu: Emulator,
    pub client: Client,
}

impl T {
    pub fn new() -> T {
        T::with(start())
    }
    pub fn with(emu: Emulator) -> T {
        let client = Client::connect(emu.addr());
        T { emu, client }
    }

    pub fn reconnect(&mut self) {
        self.client = Client::connect(self.emu.addr());
    }

    /// POST a multipart form to `encoded_path` with a multi signature.
    pub fn form(&mut self, encoded_path: &str, fields: &[(&str, &[u8])]) -> Resp {
        self.form_signed(encoded_path, fields, &multi())
    }

    pub fn form_signed(&mut self, encoded_path: &str, fields: &[(&str, &[u8])], sig: &str) -> Resp {
        self.client
            .send(&form_request(encoded_path, fields, sig))
            .unwrap()
    }

    pub fn json_post(&mut self, encoded_path: &str, json: &str, sig: &str) -> Resp {
        let raw = raw_request(
            "POST",
            &url(encoded_path),
            &[("Authorization", sig), ("Content-Type", "application/json")],
            json.as_bytes(),
        );
        self.client.send(&raw).unwrap()
    }

    pub fn get(&mut self, encoded_path: &str, query: &str) -> Resp {
        let raw = raw_request(
            "GET",
            &format!("{}?{query}", url(encoded_path)),
            &[("Authorization", &multi())],
            b"",
        );
        self.client.send(&raw).unwrap()
    }

    pub fn stat(&mut self, encoded_path: &str) -> Resp {
        self.get(encoded_path, "op=stat")
    }

    pub fn delete(&mut self, encoded_path: &str) -> Resp {
        self.json_post(encoded_path, r#"{"op":"delete"}"#, &once(encoded_path))
    }

    pub fn upload(&mut self, path: &str, content: &[u8], extra: &[(&str, &[u8])]) -> Resp {
        let mut fields: Vec<(&str, &[u8])> = vec![("op", b"upload"), ("filecontent", content)];
        fields.extend_from_slice(extra);
        self.form(path, &fields)
    }

    /// upload_slice_init; returns the response.
    pub fn init(
        &mut self,
        path: &str,
        filesize: usize,
        slice: usize,
        extra: &[(&str, &str)],
    ) -> Resp {
        let (fs, ss) = (filesize.to_string(), slice.to_string());
        let mut fields: Vec<(&str, &[u8])> = vec![
            ("op", b"upload_slice_init"),
            ("filesize", fs.as_bytes()),
            ("slice_size", ss.as_bytes()),
        ];
        fields.extend(extra.iter().map(|(k, v)| (*k, v.as_bytes())));
        self.form(path, &fields)
    }

    pub fn slice(&mut self, path: &str, session: &str, offset: usize, data: &[u8]) -> Resp {
        self.client
            .send(&slice_request(path, session, offset, data))
            .unwrap()
    }

    pub fn finish(
        &mut self,
        path: &str,
        session: &str,
        filesize: usize,
        extra: &[(&str, &str)],
    ) -> Resp {
        let fs = filesize.to_string();
        let mut fields: Vec<(&str, &[u8])> = vec![
            ("op", b"upload_slice_finish"),
            ("session", session.as_bytes()),
            ("filesize", fs.as_bytes()),
        ];
        fields.extend(extra.iter().map(|(k, v)| (*k, v.as_bytes())));
        self.form(path, &fields)
    }

    pub fn list(&mut self, path: &str) -> Resp {
        self.form(path, &[("op", b"upload_slice_list")])
    }

    /// init + all slices + finish; returns the finish response.
    pub fn slice_upload(&mut self, path: &str, content: &[u8], slice: usize) -> Resp {
        let data = self.init(path, content.len(), slice, &[]).expect(200, 0);
        let session = data["session"].as_str().unwrap().to_string();
        for (i, chunk) in content.chunks(slice).enumerate() {
            self.slice(path, &session, i * slice, chunk).expect(200, 0);
        }
        self.finish(path, &session, content.len(), &[])
    }
}

/// Deterministic test content.
pub fn content(n: usize, salt: u8) -> Vec<u8> {
    (0..n).map(|i| ((i * 31 + 7) as u8) ^ salt).collect()
}

pub fn sha1_hex(data: &[u8]) -> String {
    cosv4_emulator::sha::sha1_hex(data)
}

/// `uploadparts` JSON for `content` with `slice`-sized entries (chaining states).
pub fn uploadparts(content: &[u8], slice: usize) -> String {
    let mut h = cosv4_emulator::sha::ChainSha1::default();
    let mut entries = Vec::new();
    let n = content.len().div_ceil(slice).max(1);
    for i in 0..n {
        let chunk = &content[(i * slice).min(content.len())..((i + 1) * slice).min(content.len())];
        h.update(chunk);
        let datasha = if i + 1 == n {
            sha1_hex(content)
        } else {
            h.state_hex().unwrap()
        };
        entries.push(format!(
            r#"{{"offset":{},"datalen":{},"datasha":"{datasha}"}}"#,
            i * slice,
            chunk.len()
        ));
    }
    format!("[{}]", entries.join(","))
}
