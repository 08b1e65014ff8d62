//! HTTP transport and request body shapes.

mod common;
use common::*;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// Send an upload of `data` to `path` as a hand-built multipart body in one dialect.
fn dialect_upload(t: &mut T, path: &str, body: Vec<u8>, boundary: &str) -> Resp {
    let ct = format!("multipart/form-data; boundary=\"{boundary}\"");
    let raw = raw_request(
        "POST",
        &url(path),
        &[("Authorization", &multi()), ("Content-Type", &ct)],
        &body,
    );
    t.client.send(&raw).unwrap()
}

fn part(b: &str, headers: &str, value: &[u8]) -> Vec<u8> {
    let mut v = format!("--{b}\r\n{headers}\r\n\r\n").into_bytes();
    v.extend_from_slice(value);
    v.extend_from_slice(b"\r\n");
    v
}

#[test]
fn multipart_dialects() {
    let mut t = T::new();
    let data: &[u8] = b"bin\r\n--\r\n--bound\0ary-ish\r\n\xff";
    let b = "bOuNdArY";
    let cd = |name: &str| format!("Content-Disposition: form-data; name=\"{name}\"");
    let close = format!("--{b}--\r\n").into_bytes();
    let build = |prefix: &str, parts: Vec<Vec<u8>>| {
        let mut v = prefix.as_bytes().to_vec();
        for p in parts {
            v.extend(p);
        }
        v.extend_from_slice(&close);
        v
    };
    // PY: every field a file part
    let py = build(
        "",
        vec![
            part(b, &format!("{}; filename=\"op\"", cd("op")), b"upload"),
            part(
                b,
                &format!("{}; filename=\"insertOnly\"", cd("insertOnly")),
                b"0",
            ),
            part(
                b,
                &format!("{}; filename=\"filecontent\"", cd("filecontent")),
                data,
            ),
        ],
    );
    // JAVA: text/plain parts, CTE, binary without filename, fileContent
    let text = "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit";
    let java = build("", vec![
        part(b, &format!("{}\r\n{text}", cd("op")), b"upload"),
        part(b, &format!("{}\r\n{text}", cd("insertOnly")), b"0"),
        part(b, &format!("{}\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary", cd("fileContent")), data),
    ]);
    // CPP: bare text, file part filename="data"
    let cpp = build(
        "",
        vec![
            part(b, &cd("op"), b"upload"),
            part(b, &cd("insertOnly"), b"0"),
            part(
                b,
                &format!(
                    "{}; filename=\"data\"\r\nContent-Type: application/octet-stream",
                    cd("filecontent")
                ),
                data,
            ),
        ],
    );
    // PHP: all bare
    let php = build(
        "",
        vec![
            part(b, &cd("op"), b"upload"),
            part(b, &cd("insertOnly"), b"0"),
            part(b, &cd("filecontent"), data),
        ],
    );
    // NET: leading CRLF, local file name
    let net = build(
        "\r\n",
        vec![
            part(b, &cd("op"), b"upload"),
            part(b, &cd("insertOnly"), b"0"),
            part(
                b,
                &format!(
                    "{}; filename=\"C:\\\\tmp\\\\f.bin\"\r\nContent-Type: application/octet-stream",
                    cd("fileContent")
                ),
                data,
            ),
        ],
    );
    // JS: blob
    let js = build(
        "",
        vec![
            part(b, &cd("op"), b"upload"),
            part(b, &cd("insertOnly"), b"0"),
            part(
                b,
                &format!(
                    "{}; filename=\"blob\"\r\nContent-Type: application/octet-stream",
                    cd("fileContent")
                ),
                data,
            ),
        ],
    );
    for (name, body) in [
        ("py", py),
        ("java", java),
        ("cpp", cpp),
        ("php", php),
        ("net", net),
        ("js", js),
    ] {
        let path = format!("/dialect/{name}");
        dialect_upload(&mut t, &path, body, b).expect(200, 0);
        assert_eq!(t.emu.object(&path).unwrap(), data, "{name}");
    }
    // garbage and a missing closing delimiter
    dialect_upload(&mut t, "/dialect/bad", b"garbage".to_vec(), b).expect(400, -5999);
    let mut unterminated = part(b, &cd("op"), b"upload");
    unterminated.extend(part(b, &cd("filecontent"), data));
    dialect_upload(&mut t, "/dialect/bad", unterminated, b).expect(400, -5999);
}

#[test]
fn json_form_and_query_only_params() {
    let mut t = T::new();
    let s = t.init("/j", 10, MIB, &[]).expect(200, 0)["session"]
        .as_str()
        .unwrap()
        .to_string();
    // JAVA: upload_slice_list as JSON
    t.json_post("/j", r#"{"op":"upload_slice_list"}"#, &multi())
        .expect(200, 0);
    // JSON with native numbers and an object value
    let body = format!(
        r#"{{"op":"upload_slice_finish","session":"{s}","filesize":11,"custom_headers":{{"x":"y"}}}}"#
    );
    t.json_post("/j", &body, &multi()).expect(400, -175);
    // query-only POST with an empty body
    let raw = raw_request(
        "POST",
        &format!("{}?op=upload_slice_list", url("/j")),
        &[("Authorization", &multi())],
        b"",
    );
    t.client.send(&raw).unwrap().expect(200, 0);
    // urlencoded body wins over the query
    let raw = raw_request(
        "POST",
        &format!("{}?op=stat", url("/j")),
        &[
            ("Authorization", &multi()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        b"op=upload_slice_list",
    );
    assert!(t.client.send(&raw).unwrap().expect(200, 0)["listparts"].is_array());
    t.json_post("/j", "{not json", &multi()).expect(400, -5999);
}

#[test]
fn expect_continue_chunked_and_keep_alive() {
    let t = T::new();
    let mut c = Client::connect(t.emu.addr());
    let fields: [(&str, &[u8]); 2] = [("op", b"upload"), ("filecontent", b"expect body")];
    let body = multipart(&fields);
    let head = format!(
        "POST {} HTTP/1.1\r\nAuthorization: {}\r\nContent-Type: {}\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        url("/e"), multi(), multipart_type(), body.len()
    );
    c.stream.write_all(head.as_bytes()).unwrap();
    let interim = c.read_response().unwrap();
    assert_eq!(interim.status, 100);
    c.stream.write_all(&body).unwrap();
    c.read_response().unwrap().expect(200, 0);
    assert_eq!(t.emu.object("/e").unwrap(), b"expect body");
    // chunked body on the same connection
    let fields: [(&str, &[u8]); 2] = [("op", b"upload"), ("filecontent", b"chunked!")];
    let body = multipart(&fields);
    let mut raw = format!(
        "POST {} HTTP/1.1\r\nAuthorization: {}\r\nContent-Type: {}\r\nTransfer-Encoding: chunked\r\n\r\n",
        url("/ch"), multi(), multipart_type()
    ).into_bytes();
    for piece in body.chunks(7) {
        raw.extend_from_slice(format!("{:x};ext=1\r\n", piece.len()).as_bytes());
        raw.extend_from_slice(piece);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\nX-Trailer: 1\r\n\r\n");
    c.send(&raw).unwrap().expect(200, 0);
    assert_eq!(t.emu.object("/ch").unwrap(), b"chunked!");
    // several requests pipelined on the keep-alive connection
    let stat = raw_request(
        "GET",
        &format!("{}?op=stat", url("/ch")),
        &[("Authorization", &multi())],
        b"",
    );
    let mut many = Vec::new();
    for _ in 0..5 {
        many.extend_from_slice(&stat);
    }
    c.stream.write_all(&many).unwrap();
    for _ in 0..5 {
        c.read_response().unwrap().expect(200, 0);
    }
    assert_eq!(t.emu.stats().connections_accepted, 2); // T's own client + this one
}

fn read_until_close(c: &mut Client) -> bool {
    let mut rest = Vec::new();
    c.stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    c.stream.read_to_end(&mut rest).is_ok()
}

#[test]
fn connection_close_http10_and_header_limit() {
    let t = T::new();
    let stat = |extra: &str, version: &str| {
        format!(
            "GET {}?op=stat HTTP/{version}\r\nAuthorization: {}\r\n{extra}\r\n",
            url("/"),
            multi()
        )
    };
    let mut c = Client::connect(t.emu.addr());
    let r = c
        .send(stat("Connection: close\r\n", "1.1").as_bytes())
        .unwrap();
    assert_eq!(r.header("connection"), Some("close"));
    assert!(read_until_close(&mut c));
    let mut c = Client::connect(t.emu.addr());
    c.send(stat("", "1.0").as_bytes()).unwrap().expect(200, 0);
    assert!(read_until_close(&mut c));
    let mut c = Client::connect(t.emu.addr());
    let big = format!("X-Big: {}\r\n", "a".repeat(70 * 1024));
    let r = c.send(stat(&big, "1.1").as_bytes()).unwrap();
    assert_eq!((r.status, r.code()), (431, -5999));
}

#[test]
fn stop_is_prompt_with_idle_connections() {
    let t = T::new();
    let idle = Client::connect(t.emu.addr());
    let mut half = Client::connect(t.emu.addr());
    half.stream
        .write_all(b"POST /files/v2/1/b/x HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc")
        .unwrap();
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(t.emu.stats().max_open_connections, 3);
    let dir = t.emu.data_dir().to_path_buf();
    assert!(dir.is_dir());
    let started = Instant::now();
    t.emu.stop();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(!dir.exists(), "temporary data dir removed");
    drop(idle);
}
