//! Folders, listing, move/copy, update and downloads over raw HTTP, in the SDKs' encodings.

mod common;

use common::*;
use cosv4_emulator::Emulator;

fn data_of(t: &mut T, path: &str, data: &[u8]) {
    t.upload(path, data, &[]).expect(200, 0);
}

fn list(t: &mut T, path: &str, query: &str) -> serde_json::Value {
    t.get(path, &format!("op=list&{query}")).expect(200, 0)
}

fn names(d: &serde_json::Value) -> Vec<String> {
    d["infos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn create_stat_list_delete_folders() {
    let mut t = T::new();
    let d = t
        .json_post("/d/", r#"{"op":"create","biz_attr":"b1"}"#, &multi())
        .expect(200, 0);
    assert!(d["ctime"].as_u64().unwrap() > 0);
    assert_eq!(d["resource_path"], format!("/{APPID}/{BUCKET}/d/").as_str());
    t.json_post("/d/", r#"{"op":"create"}"#, &multi())
        .expect(409, -178);
    t.form("/x", &[("op", b"create")]).expect(400, -5999);
    assert_eq!(t.stat("/d/").expect(200, 0)["biz_attr"], "b1");
    for i in 0..5 {
        data_of(&mut t, &format!("/d/f{i}"), b"abc");
    }
    data_of(&mut t, "/d/s/inner", b"i");
    t.json_post("/d/e/", r#"{"op":"create"}"#, &multi())
        .expect(200, 0);
    // 7 entries, 3 per page: e, s (folders) and f0..f4.
    let p1 = list(&mut t, "/d/", "num=3&context=");
    assert_eq!(names(&p1), ["e", "f0", "f1"]);
    assert_eq!(p1["listover"], false);
    let ctx = p1["context"].as_str().unwrap().to_string();
    let p2 = list(&mut t, "/d/", &format!("num=3&context={ctx}"));
    assert_eq!(names(&p2), ["f2", "f3", "f4"]);
    let ctx = p2["context"].as_str().unwrap().to_string();
    let p3 = list(&mut t, "/d/", &format!("num=3&context={ctx}"));
    assert_eq!(names(&p3), ["s"]);
    assert_eq!(
        (p3["listover"].clone(), p3["context"].clone()),
        (true.into(), "".into())
    );
    let file = &p1["infos"][1];
    assert_eq!(file["filesize"], 3);
    assert_eq!(file["authority"], "eInvalid");
    assert!(file["access_url"].as_str().unwrap().ends_with("/d/f0"));
    assert!(p1["infos"][0].get("filesize").is_none());
    // A prefix follows the folder in the URL.
    assert_eq!(
        names(&list(&mut t, "/d/f", "num=10")),
        ["f0", "f1", "f2", "f3", "f4"]
    );
    t.get("/d/", "op=list&num=1001").expect(400, -5999);
    t.get("/d/", "op=list&context=bogus").expect(400, -5999);
    t.get("/none/", "op=list").expect(404, -197);
    // Delete: needs once; non-empty refused; empty created folder goes.
    t.json_post("/d/e/", r#"{"op":"delete"}"#, &multi())
        .expect(403, -63);
    t.delete("/d/").expect(409, -173);
    t.delete("/d/e/").expect(200, 0);
    t.stat("/d/e/").expect(404, -197);
    t.delete("/d/e/").expect(404, -197);
}

#[test]
fn move_and_copy_in_every_encoding() {
    let mut t = T::new();
    data_of(&mut t, "/m/a", b"A");
    data_of(&mut t, "/m/b", b"B");
    // Python: POST with everything in the query string, once signature, empty body.
    let q = format!(
        "{}?op=move&dest_fileid=%2Fm%2Fc&to_over_write=0",
        url("/m/a")
    );
    let raw = raw_request("POST", &q, &[("Authorization", &once("/m/a"))], b"");
    t.client.send(&raw).unwrap().expect(200, 0);
    assert_eq!(t.emu.object("/m/c").unwrap(), b"A");
    assert!(t.emu.object("/m/a").is_none());
    // Java/CPP: JSON with string values; target exists.
    let body = r#"{"op":"move","dest_fileid":"/m/b","to_over_write":"0"}"#;
    t.json_post("/m/c", body, &once("/m/c")).expect(409, -177);
    let body = r#"{"op":"move","dest_fileid":"/m/b","to_over_write":"1"}"#;
    t.json_post("/m/c", body, &once("/m/c")).expect(200, 0);
    assert_eq!(t.emu.object("/m/b").unwrap(), b"A");
    // JS: multipart with a multi signature, bare name; copy.
    t.form("/m/b", &[("op", b"move"), ("dest_fileid", b"renamed")])
        .expect(200, 0);
    assert_eq!(t.emu.object("/m/renamed").unwrap(), b"A");
    t.form("/m/renamed", &[("op", b"copy"), ("dest_fileid", b"copy")])
        .expect(200, 0);
    assert_eq!(t.emu.object("/m/copy").unwrap(), b"A");
    assert_eq!(t.emu.object("/m/renamed").unwrap(), b"A");
    t.form("/m/none", &[("op", b"move"), ("dest_fileid", b"x")])
        .expect(404, -197);
    t.form("/m/copy", &[("op", b"move"), ("dest_fileid", b"a/b")])
        .expect(400, -5999);
    t.form("/m/copy", &[("op", b"move")]).expect(400, -5999);
}

#[test]
fn update_needs_once_and_checks_values() {
    let mut t = T::new();
    data_of(&mut t, "/u/f", b"F");
    let body = r#"{"op":"update","biz_attr":"x"}"#;
    t.json_post("/u/f", body, &multi()).expect(403, -63);
    // Python/CPP: custom_headers as an object.
    let body = r#"{"op":"update","biz_attr":"new","authority":"eWRPrivate","custom_headers":{"Content-Type":"text/plain","x-cos-meta-k":"v"}}"#;
    t.json_post("/u/f", body, &once("/u/f")).expect(200, 0);
    let s = t.stat("/u/f").expect(200, 0);
    assert_eq!(s["biz_attr"], "new");
    assert_eq!(s["authority"], "eWRPrivate");
    assert_eq!(s["custom_headers"]["x-cos-meta-k"], "v");
    // Java: a string holding the JSON object.
    let body = r#"{"op":"update","custom_headers":"{\"Cache-Control\":\"max-age=1\"}"}"#;
    t.json_post("/u/f", body, &once("/u/f")).expect(200, 0);
    let s = t.stat("/u/f").expect(200, 0);
    assert_eq!(
        s["custom_headers"],
        serde_json::json!({"Cache-Control": "max-age=1"})
    );
    for bad in [
        r#"{"op":"update","authority":"ePublic"}"#,
        r#"{"op":"update","custom_headers":{"X-Other":"1"}}"#,
        r#"{"op":"update","custom_headers":{"x-cos-meta-a":""}}"#,
        r#"{"op":"update","custom_headers":"[1]"}"#,
    ] {
        t.json_post("/u/f", bad, &once("/u/f")).expect(400, -5999);
    }
    // Folders: biz_attr only.
    let body = r#"{"op":"update","authority":"eWRPrivate"}"#;
    t.json_post("/u/", body, &once("/u/")).expect(400, -5999);
    let body = r#"{"op":"update","biz_attr":"folder attr"}"#;
    t.json_post("/u/", body, &once("/u/")).expect(200, 0);
    assert_eq!(t.stat("/u/").expect(200, 0)["biz_attr"], "folder attr");
    t.json_post("/u/none", body, &once("/u/none"))
        .expect(404, -197);
    // A new upload resets the attributes.
    let fields: [(&str, &[u8]); 1] = [("insertOnly", b"0")];
    t.upload("/u/f", b"other", &fields).expect(200, 0);
    assert_eq!(t.stat("/u/f").expect(200, 0)["authority"], "eInvalid");
}

fn download(t: &mut T, target: &str, headers: &[(&str, &str)]) -> Resp {
    t.client
        .send(&raw_request("GET", target, headers, b""))
        .unwrap()
}

fn download_sign(f: &str, e: u64) -> String {
    let sig = sign_plain(SKEY, &plaintext(APPID, BUCKET, SID, e, f));
    sig.replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
}

#[test]
fn downloads_with_signatures_and_ranges() {
    let mut t = T::new();
    let data = content(1000, 3);
    data_of(&mut t, "/dl/a%20b.bin", &data);
    let target = format!("/{BUCKET}-{APPID}/dl/a%20b.bin");
    let signed = |f: &str, e: u64| format!("{target}?sign={}", download_sign(f, e));
    let r = download(&mut t, &signed("/dl/a%20b.bin", now() + 60), &[]);
    assert_eq!((r.status, r.body.clone()), (200, data.clone()));
    assert_eq!(r.header("Accept-Ranges"), Some("bytes"));
    // f empty (CPP/PHP), f a prefix, raw base64 with a literal '+' (PY).
    assert_eq!(download(&mut t, &signed("", now() + 60), &[]).status, 200);
    assert_eq!(
        download(&mut t, &signed("/dl/", now() + 60), &[]).status,
        200
    );
    let raw = sign_plain(SKEY, &plaintext(APPID, BUCKET, SID, now() + 60, ""));
    assert_eq!(
        download(&mut t, &format!("{target}?sign={raw}"), &[]).status,
        200
    );
    // Refusals.
    let r = download(&mut t, &target, &[]);
    assert_eq!((r.status, r.code()), (403, -81));
    let r = download(&mut t, &signed("/other", now() + 60), &[]);
    assert_eq!((r.status, r.code()), (403, -63));
    let r = download(&mut t, &signed("/dl/a%20b.bin", 0), &[]);
    assert_eq!((r.status, r.code()), (403, -63));
    let r = download(&mut t, &signed("", now() - 1), &[]);
    assert_eq!((r.status, r.code()), (403, -59));
    let r = download(&mut t, &format!("/{BUCKET}-1/dl/a%20b.bin"), &[]);
    assert_eq!((r.status, r.code()), (404, -133));
    let r = download(&mut t, &signed("", now() + 60).replace("a%20b", "zz"), &[]);
    assert_eq!((r.status, r.code()), (404, -197));
    // Ranges.
    let s = signed("", now() + 60);
    let r = download(&mut t, &s, &[("Range", "bytes=100-199")]);
    assert_eq!(r.status, 206);
    assert_eq!(r.header("Content-Range"), Some("bytes 100-199/1000"));
    assert_eq!(r.body, &data[100..200]);
    let r = download(&mut t, &s, &[("Range", "bytes=990-")]);
    assert_eq!((r.status, r.body.as_slice()), (206, &data[990..]));
    let r = download(&mut t, &s, &[("Range", "bytes=-5")]);
    assert_eq!((r.status, r.body.as_slice()), (206, &data[995..]));
    let r = download(&mut t, &s, &[("Range", "bytes=1000-")]);
    assert_eq!(r.status, 416);
    assert_eq!(r.header("Content-Range"), Some("bytes */1000"));
    let r = download(&mut t, &s, &[("Range", "bytes=0-1,5-6")]);
    assert_eq!(r.status, 200);
    // Public read: no signature needed; custom headers are sent back.
    let body = r#"{"op":"update","authority":"eWPrivateRPublic","custom_headers":{"Cache-Control":"no-store"}}"#;
    t.json_post("/dl/a%20b.bin", body, &once("/dl/a%20b.bin"))
        .expect(200, 0);
    let r = download(&mut t, &target, &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Cache-Control"), Some("no-store"));
    let log = t.emu.log();
    assert!(log
        .iter()
        .any(|e| e.op == "download" && e.status == 206 && e.offset == Some(100)));
}

#[test]
fn folders_moves_and_attributes_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("cosv4-ops-more-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut cfg = config();
    cfg.data_dir = Some(dir.clone());
    let mut t = T::with(Emulator::start(cfg.clone()).unwrap());
    t.json_post("/keep/", r#"{"op":"create","biz_attr":"k"}"#, &multi())
        .expect(200, 0);
    data_of(&mut t, "/f", b"f");
    let body = r#"{"op":"update","authority":"eWRPrivate"}"#;
    t.json_post("/f", body, &once("/f")).expect(200, 0);
    t.form("/f", &[("op", b"move"), ("dest_fileid", b"/g")])
        .expect(200, 0);
    t.emu.stop();
    let mut t = T::with(Emulator::start(cfg).unwrap());
    assert_eq!(t.stat("/keep/").expect(200, 0)["biz_attr"], "k");
    assert_eq!(t.stat("/g").expect(200, 0)["authority"], "eWRPrivate");
    t.stat("/f").expect(404, -197);
    t.emu.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}
