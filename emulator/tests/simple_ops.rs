//! Simple upload, stat, delete and URL handling.

mod common;
use common::*;

#[test]
fn simple_upload_then_stat_and_answer_urls() {
    let mut t = T::new();
    let body = content(1000, 1);
    let d = t
        .upload("/dir/a%20b.txt", &body, &[("biz_attr", b"attr1")])
        .expect(200, 0);
    let base = t.emu.base_url();
    assert_eq!(
        d["resource_path"],
        format!("/{APPID}/{BUCKET}/dir/a%20b.txt")
    );
    assert_eq!(
        d["url"],
        format!("{base}/files/v2/{APPID}/{BUCKET}/dir/a%20b.txt")
    );
    assert_eq!(
        d["access_url"],
        format!("{base}/{BUCKET}-{APPID}/dir/a%20b.txt")
    );
    assert_eq!(d["source_url"], d["access_url"]);
    assert_eq!(t.emu.object("/dir/a b.txt").unwrap(), body);
    assert_eq!(t.emu.object_sha1("/dir/a b.txt").unwrap(), sha1_hex(&body));
    assert!(t.emu.object_file("/dir/a b.txt").unwrap().is_file());

    let s = t.stat("/dir/a%20b.txt").expect(200, 0);
    assert_eq!(s["filesize"], 1000);
    assert_eq!(s["filelen"], 1000);
    assert_eq!(s["sha"], sha1_hex(&body));
    assert_eq!(s["biz_attr"], "attr1");
    assert_eq!(s["authority"], "eInvalid");
    assert_eq!(s["forbid"], 0);
    assert!(s["custom_headers"].is_object());
    assert!(s["ctime"].as_u64().unwrap() > 0);
    assert_eq!(s["access_url"], d["access_url"]);
    let j = t.stat("/dir/a%20b.txt").json();
    assert_eq!(j["message"], "SUCCESS");
    assert!(!j["request_id"].as_str().unwrap().is_empty());
}

#[test]
fn insert_only_rules_and_sha_check() {
    let mut t = T::new();
    let a = content(100, 1);
    let b = content(100, 2);
    t.upload("/f", &a, &[]).expect(200, 0);
    t.upload("/f", &a, &[]).expect(200, 0); // identical: success
    t.upload("/f", &b, &[]).expect(409, -177);
    t.upload("/f", &b, &[("insertOnly", b"1")])
        .expect(409, -177);
    assert_eq!(t.emu.object("/f").unwrap(), a);
    t.upload("/f", &b, &[("insertOnly", b"0")]).expect(200, 0);
    assert_eq!(t.emu.object("/f").unwrap(), b);
    let wrong = sha1_hex(b"other");
    t.upload("/g", &a, &[("sha", wrong.as_bytes())])
        .expect(409, -4016);
    let right = sha1_hex(&a).to_uppercase();
    t.upload("/g", &a, &[("sha", right.as_bytes())])
        .expect(200, 0);
    t.upload("/h", &a, &[("sha", b"xyz")]).expect(400, -5999);
    assert!(t.emu.object("/h").is_none());
}

#[test]
fn simple_upload_size_limit() {
    let mut t = T::new();
    let big = vec![7u8; 20 * 1000 * 1000 + 1];
    let r = t.upload("/big", &big, &[]);
    let j = r.json();
    assert_eq!((r.status, j["code"].as_i64().unwrap()), (400, -5999));
    assert!(j["message"].as_str().unwrap().contains("20000000"), "{j}");
    t.upload("/ok", &big[..20 * 1000 * 1000], &[])
        .expect(200, 0);
    // Above the 40 MiB request cap: 413 with a JSON error, connection closed.
    let mut c = Client::connect(t.emu.addr());
    let head = format!(
        "POST {} HTTP/1.1\r\nAuthorization: {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
        url("/huge"),
        multi(),
        multipart_type(),
        41 * MIB
    );
    let r = c.send(head.as_bytes()).unwrap();
    assert_eq!((r.status, r.code()), (413, -5999));
}

#[test]
fn stat_missing_folder_and_root() {
    let mut t = T::new();
    let r = t.stat("/nope");
    assert_eq!(r.expect(404, -197), serde_json::json!({}));
    assert_eq!(r.json()["message"], "ERROR_CMD_FILE_NOTEXIST");
    t.stat("/").expect(200, 0);
    t.stat("/d1/").expect(404, -197);
    t.emu.put_object("/d1/d2/x", b"x");
    let f = t.stat("/d1/").expect(200, 0);
    assert_eq!(f["biz_attr"], "");
    assert!(f["ctime"].as_u64().is_some() && f["mtime"].as_u64().is_some());
    t.stat("/d1/d2/").expect(200, 0);
    t.stat("/d1/d").expect(404, -197);
}

#[test]
fn delete_once_multi_replay_missing() {
    let mut t = T::new();
    t.emu.put_object("/del/x y", b"content");
    // multi signature refused for delete
    let r = t.json_post("/del/x%20y", r#"{"op":"delete"}"#, &multi());
    r.expect(403, -63);
    assert!(r.json()["message"].as_str().unwrap().contains("once"));
    let sig = once("/del/x%20y");
    t.json_post("/del/x%20y", r#"{"op":"delete"}"#, &sig)
        .expect(200, 0);
    assert!(t.emu.object("/del/x y").is_none());
    t.json_post("/del/x%20y", r#"{"op":"delete"}"#, &sig)
        .expect(403, -77);
    t.delete("/del/x%20y").expect(404, -197);
    // once signature bound to another file
    t.json_post("/del/a", r#"{"op":"delete"}"#, &once("/del/b"))
        .expect(403, -63);
}

#[test]
fn delete_clears_unfinished_session() {
    let mut t = T::new();
    t.init("/s", 3 * MIB, MIB, &[]).expect(200, 0);
    assert!(t.emu.session("/s").is_some());
    t.delete("/s").expect(200, 0);
    assert!(t.emu.session("/s").is_none());
    t.list("/s").expect(404, -197);
    t.init("/s", 3 * MIB, MIB, &[]).expect(200, 0);
}

#[test]
fn url_rules() {
    let mut t = T::new();
    let r = t
        .client
        .send(&raw_request(
            "GET",
            "/other/path?op=stat",
            &[("Authorization", &multi())],
            b"",
        ))
        .unwrap();
    assert_eq!((r.status, r.code()), (404, -5999));
    t.stat("/a/../b").expect(400, -5999);
    t.stat("/a/%2e%2e/b").expect(400, -5999);
    t.stat("/a%00b").expect(400, -5999);
    t.upload("//x//y", b"1", &[]).expect(200, 0);
    assert_eq!(t.emu.object("/x/y").unwrap(), b"1");
    t.form("/x/y", &[("op", b"frobnicate")]).expect(400, -5999);
    t.form("/x/y", &[("noop", b"1")]).expect(400, -5999);
    // wrong appid / bucket in the URL: XML error (signature itself is fine)
    for target in [
        format!("/files/v2/1/{BUCKET}/x/y?op=stat"),
        format!("/files/v2/{APPID}/otherbucket/x/y?op=stat"),
    ] {
        let r = t
            .client
            .send(&raw_request(
                "GET",
                &target,
                &[("Authorization", &multi())],
                b"",
            ))
            .unwrap();
        assert_eq!(r.status, 400);
        assert_eq!(r.header("content-type"), Some("application/xml"));
        let body = String::from_utf8(r.body).unwrap();
        assert!(body.contains("<Code>InvalidRequest</Code>"), "{body}");
    }
    let r = t.stat("/x/y");
    assert_eq!(r.header("server"), Some("tencent-cos"));
    assert_eq!(r.header("content-type"), Some("application/json"));
}

#[test]
fn log_records_requests() {
    let mut t = T::new();
    t.emu.clear_log();
    t.upload("/l", b"abc", &[]).expect(200, 0);
    t.stat("/missing").expect(404, -197);
    let log = t.emu.log();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (
            log[0].op.as_str(),
            log[0].path.as_str(),
            log[0].status,
            log[0].code
        ),
        ("upload", "/l", 200, 0)
    );
    assert!(log[0].body_len > 3);
    assert_eq!(
        (log[1].op.as_str(), log[1].status, log[1].code),
        ("stat", 404, -197)
    );
    assert_eq!(t.emu.stats().requests, 2);
}
