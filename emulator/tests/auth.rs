//! Signature verification through the HTTP interface.

mod common;
use common::*;
use cosv4_emulator::Emulator;
use std::sync::Arc;

fn stat_with(t: &mut T, auth: Option<&str>, query_sign: Option<&str>) -> Resp {
    let mut target = format!("{}?op=stat", url("/x"));
    if let Some(s) = query_sign {
        target.push_str(&format!("&sign={s}"));
    }
    let headers: Vec<(&str, &str)> = auth.map(|a| vec![("Authorization", a)]).unwrap_or_default();
    t.client
        .send(&raw_request("GET", &target, &headers, b""))
        .unwrap()
}

fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn signature_failures() {
    let mut t = T::new();
    t.emu.put_object("/x", b"1");
    stat_with(&mut t, Some(&multi()), None).expect(200, 0);
    stat_with(&mut t, None, None).expect(403, -81);
    stat_with(&mut t, Some("@@not base64@@"), None).expect(403, -97);
    stat_with(&mut t, Some("YWJjZA=="), None).expect(403, -97);
    // tampered plaintext (MAC kept)
    let good = multi();
    let mut raw = base64_decode(&good);
    let last = raw.len() - 1;
    raw[last] ^= 1;
    stat_with(&mut t, Some(&base64_encode(&raw)), None).expect(403, -97);
    let e = now() + 300;
    let wrong_key = sign_plain("not-the-key", &plaintext(APPID, BUCKET, SID, e, ""));
    stat_with(&mut t, Some(&wrong_key), None).expect(403, -97);
    let unknown_id = sign_plain(SKEY, &plaintext(APPID, BUCKET, "AKIDother", e, ""));
    stat_with(&mut t, Some(&unknown_id), None).expect(403, -79);
    let wrong_appid = sign_plain(SKEY, &plaintext(1, BUCKET, SID, e, ""));
    stat_with(&mut t, Some(&wrong_appid), None).expect(403, -70);
    let wrong_bucket = sign_plain(SKEY, &plaintext(APPID, "other", SID, e, ""));
    stat_with(&mut t, Some(&wrong_bucket), None).expect(403, -61);
    let expired = sign_plain(SKEY, &plaintext(APPID, BUCKET, SID, now() - 1, ""));
    stat_with(&mut t, Some(&expired), None).expect(403, -59);
    // wrong appid in the signature wins over a wrong URL (JSON -70, not XML)
    let target = format!("/files/v2/1/{BUCKET}/x?op=stat");
    let r = t
        .client
        .send(&raw_request(
            "GET",
            &target,
            &[("Authorization", &wrong_appid)],
            b"",
        ))
        .unwrap();
    r.expect(403, -70);
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

#[test]
fn expiry_uses_injected_clock() {
    let mut cfg = config();
    cfg.clock = Some(Arc::new(|| 1_000_000));
    let mut t = T::with(Emulator::start(cfg).unwrap());
    t.emu.put_object("/x", b"1");
    let at = |e: u64| {
        sign_plain(
            SKEY,
            &format!("a={APPID}&k={SID}&e={e}&t=1&r=1&f=&b={BUCKET}"),
        )
    };
    stat_with(&mut t, Some(&at(1_000_001)), None).expect(200, 0);
    let r = stat_with(&mut t, Some(&at(1_000_000)), None);
    r.expect(403, -59);
    assert!(r.json()["message"].as_str().unwrap().contains("expired"));
    assert_eq!(t.stat("/x").expect(200, 0)["ctime"], 1_000_000);
}

#[test]
fn field_orders_bindings_and_query_sign() {
    let mut t = T::new();
    t.emu.put_object("/dir/x", b"1");
    let e = now() + 100;
    let abk = format!("a={APPID}&b={BUCKET}&k={SID}&e={e}&t=1&r=99999999999999999999&f=");
    let r = t
        .client
        .send(&raw_request(
            "GET",
            &format!("{}?op=stat", url("/dir/x")),
            &[("Authorization", &sign_plain(SKEY, &abk))],
            b"",
        ))
        .unwrap();
    r.expect(200, 0);
    let bound = |f: &str| sign_plain(SKEY, &plaintext(APPID, BUCKET, SID, e, f));
    let get = |t: &mut T, sig: &str| {
        t.client
            .send(&raw_request(
                "GET",
                &format!("{}?op=stat", url("/dir/x")),
                &[("Authorization", sig)],
                b"",
            ))
            .unwrap()
    };
    get(&mut t, &bound(&format!("/{APPID}/{BUCKET}/dir/x"))).expect(200, 0);
    get(&mut t, &bound(&format!("/{APPID}/{BUCKET}/dir"))).expect(200, 0);
    get(&mut t, &bound(&format!("/{APPID}/{BUCKET}//dir/%78"))).expect(200, 0);
    get(&mut t, &bound(&format!("/{APPID}/{BUCKET}/other"))).expect(403, -63);
    // ?sign= percent-encoded, and raw (a '+' turning into a space)
    let sig = multi();
    let target = format!("{}?op=stat&sign={}", url("/dir/x"), pct(&sig));
    t.client
        .send(&raw_request("GET", &target, &[], b""))
        .unwrap()
        .expect(200, 0);
    let plus = loop {
        let s = multi();
        if s.contains('+') {
            break s;
        }
    };
    let target = format!("{}?op=stat&sign={plus}", url("/dir/x"));
    t.client
        .send(&raw_request("GET", &target, &[], b""))
        .unwrap()
        .expect(200, 0);
    // sign inside a multipart body (JS) is also a request parameter
    let fields: [(&str, &[u8]); 2] = [("op", b"stat"), ("sign", sig.as_bytes())];
    let raw = raw_request(
        "POST",
        &url("/dir/x"),
        &[("Content-Type", &multipart_type())],
        &multipart(&fields),
    );
    t.client.send(&raw).unwrap().expect(200, 0);
}
