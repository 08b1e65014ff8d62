//! upload_slice_init / data / list / finish.

mod common;
use common::*;
use cosv4_emulator::Emulator;

fn session_of(d: &serde_json::Value) -> String {
    d["session"].as_str().unwrap().to_string()
}

#[test]
fn happy_path_out_of_order_with_list() {
    let mut t = T::new();
    let body = content(2 * MIB + 1234, 3);
    let sha = sha1_hex(&body);
    let parts = uploadparts(&body, MIB);
    t.list("/big.bin").expect(404, -197);
    let d = t
        .init(
            "/big.bin",
            body.len(),
            MIB,
            &[("sha", &sha), ("uploadparts", &parts), ("biz_attr", "b")],
        )
        .expect(200, 0);
    assert_eq!(d["slice_size"], MIB);
    assert_eq!(d["serial_upload"], 0);
    assert_eq!(d["offset"], 0);
    let s = session_of(&d);
    let r = t
        .slice("/big.bin", &s, 2 * MIB, &body[2 * MIB..])
        .expect(200, 0);
    assert_eq!(
        (
            r["session"].as_str().unwrap(),
            r["offset"].as_u64(),
            r["datalen"].as_u64()
        ),
        (s.as_str(), Some(2 * MIB as u64), Some(1234))
    );
    t.slice("/big.bin", &s, 0, &body[..MIB]).expect(200, 0);
    let l = t.list("/big.bin").expect(200, 0);
    assert_eq!(l["session"], s);
    assert_eq!(l["slice_size"], MIB);
    assert_eq!(l["filesize"], body.len());
    assert_eq!(l["sha"], sha);
    assert_eq!(
        l["listparts"],
        serde_json::json!([{"offset":0,"datalen":MIB},{"offset":2*MIB,"datalen":1234}])
    );
    // stat of the unfinished upload
    let st = t.stat("/big.bin").expect(200, 0);
    assert_eq!(st["filesize"], body.len());
    assert_eq!(st["filelen"], MIB + 1234);
    // missing slice at finish
    let r = t.finish("/big.bin", &s, body.len(), &[("sha", &sha)]);
    r.expect(400, -5999);
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains(&MIB.to_string()));
    t.slice("/big.bin", &s, MIB, &body[MIB..2 * MIB])
        .expect(200, 0);
    t.slice("/big.bin", &s, MIB, &body[MIB..2 * MIB])
        .expect(200, 0); // duplicate is fine
    let info = t.emu.session("/big.bin").unwrap();
    assert_eq!(info.offsets, vec![0, MIB as u64, 2 * MIB as u64]);
    assert_eq!(info.receive_counts[1], (MIB as u64, 2));
    assert_eq!(info.max_concurrent_slices, 1);
    let f = t
        .finish("/big.bin", &s, body.len(), &[("sha", &sha)])
        .expect(200, 0);
    assert_eq!(f["resource_path"], format!("/{APPID}/{BUCKET}/big.bin"));
    assert_eq!(t.emu.object("/big.bin").unwrap(), body);
    assert!(t.emu.session("/big.bin").is_none());
    assert_eq!(t.stat("/big.bin").expect(200, 0)["biz_attr"], "b");
    t.slice("/big.bin", &s, 0, &body[..MIB]).expect(400, -94);
}

#[test]
fn init_conflicts_4019_4020() {
    let mut t = T::new();
    let sha_a = sha1_hex(b"a");
    let sha_b = sha1_hex(b"b");
    t.init("/c", 5 * MIB, MIB, &[("sha", &sha_a)])
        .expect(200, 0);
    t.init("/c", 5 * MIB, MIB, &[("sha", &sha_a)])
        .expect(409, -4019);
    t.init("/c", 5 * MIB, MIB, &[]).expect(409, -4019);
    let r = t.init("/c", 5 * MIB, MIB, &[("sha", &sha_b)]);
    r.expect(409, -4020);
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("different sha"));
    t.init("/c2", 5 * MIB, MIB, &[]).expect(200, 0);
    t.init("/c2", 5 * MIB, MIB, &[("sha", &sha_b)])
        .expect(409, -4019);
}

#[test]
fn init_parameter_errors() {
    let mut t = T::new();
    t.init("/p", MIB, 1000, &[]).expect(400, -284);
    t.form("/p", &[("op", b"upload_slice_init"), ("filesize", b"10")])
        .expect(400, -284);
    t.form(
        "/p",
        &[("op", b"upload_slice_init"), ("slice_size", b"1048576")],
    )
    .expect(400, -5999);
    t.form(
        "/p",
        &[
            ("op", b"upload_slice_init"),
            ("filesize", b"-1"),
            ("slice_size", b"1048576"),
        ],
    )
    .expect(400, -5999);
    t.init("/p", MIB, MIB, &[("sha", "nothex")])
        .expect(400, -5999);
    t.init("/p", MIB, MIB, &[("uploadparts", "not json")])
        .expect(400, -5965);
    let sha = "0".repeat(40);
    let gap = format!(
        r#"[{{"offset":0,"datalen":100,"datasha":"{sha}"}},{{"offset":200,"datalen":100,"datasha":"{sha}"}}]"#
    );
    t.init("/p", 300, MIB, &[("uploadparts", &gap)])
        .expect(400, -5965);
    let short = format!(r#"[{{"offset":0,"datalen":100,"datasha":"{sha}"}}]"#);
    t.init("/p", 300, MIB, &[("uploadparts", &short)])
        .expect(400, -5965);
    assert!(t.emu.session("/p").is_none());
    for ok in [524288usize, 2 * MIB, 3 * MIB] {
        t.init(&format!("/ok{ok}"), 10, ok, &[]).expect(200, 0);
    }
}

#[test]
fn data_errors() {
    let mut t = T::new();
    let s = session_of(&t.init("/d", 2 * MIB + 10, MIB, &[]).expect(200, 0));
    let r = t.slice("/d", &s, 0, &[0u8; 100]);
    r.expect(400, -5999);
    let msg = r.json()["message"].as_str().unwrap().to_string();
    assert!(msg.contains("1048576") && msg.contains("100"), "{msg}");
    t.slice("/d", &s, 2 * MIB, &[0u8; 11]).expect(400, -5999);
    t.slice("/d", &s, 100, &[0u8; 10]).expect(400, -5999);
    t.slice("/d", &s, 3 * MIB, &[0u8; 10]).expect(400, -5999);
    t.slice("/d", "nosuchsession", 0, &[0u8; 10])
        .expect(400, -94);
    t.form(
        "/d",
        &[
            ("op", b"upload_slice_data"),
            ("offset", b"0"),
            ("filecontent", b"x"),
        ],
    )
    .expect(400, -95);
    // a session of another path
    t.slice("/other", &s, 0, &vec![0u8; MIB]).expect(400, -94);
    t.slice("/d", &s, 2 * MIB, &[1u8; 10]).expect(200, 0);
    assert_eq!(t.emu.session("/d").unwrap().offsets, vec![2 * MIB as u64]);
}

#[test]
fn finish_errors() {
    let mut t = T::new();
    let body = content(MIB + 100, 5);
    let sha = sha1_hex(&body);
    let s = session_of(
        &t.init("/f", body.len(), MIB, &[("sha", &sha)])
            .expect(200, 0),
    );
    t.slice("/f", &s, 0, &body[..MIB]).expect(200, 0);
    t.slice("/f", &s, MIB, &body[MIB..]).expect(200, 0);
    t.finish("/f", &s, body.len() + 1, &[("sha", &sha)])
        .expect(400, -175);
    t.finish("/f", &s, body.len(), &[]).expect(400, -29094);
    t.finish("/f", &s, body.len(), &[("sha", &sha1_hex(b"x"))])
        .expect(409, -174);
    t.form("/f", &[("op", b"upload_slice_finish"), ("filesize", b"1")])
        .expect(400, -95);
    // NET sends fileSize
    let fs = body.len().to_string();
    let fields: [(&str, &[u8]); 4] = [
        ("op", b"upload_slice_finish"),
        ("session", s.as_bytes()),
        ("fileSize", fs.as_bytes()),
        ("sha", sha.as_bytes()),
    ];
    t.form("/f", &fields).expect(200, 0);
    assert_eq!(t.emu.object("/f").unwrap(), body);
}

#[test]
fn content_verification_4016() {
    let mut t = T::new();
    let body = content(2 * MIB + 64, 9);
    let sha = sha1_hex(&body);
    // declared sha does not match what was uploaded
    let s = session_of(
        &t.init("/v1", body.len(), MIB, &[("sha", &sha)])
            .expect(200, 0),
    );
    let mut bad = body.clone();
    bad[5] ^= 1;
    for (i, c) in bad.chunks(MIB).enumerate() {
        t.slice("/v1", &s, i * MIB, c).expect(200, 0);
    }
    t.finish("/v1", &s, body.len(), &[("sha", &sha)])
        .expect(409, -4016);
    assert!(t.emu.object("/v1").is_none());
    // uploadparts with a wrong intermediate state but the right whole sha
    let good_parts = uploadparts(&body, MIB);
    let mut v: serde_json::Value = serde_json::from_str(&good_parts).unwrap();
    v[1]["datasha"] = serde_json::json!("0".repeat(40));
    let s = session_of(
        &t.init(
            "/v2",
            body.len(),
            MIB,
            &[("sha", &sha), ("uploadparts", &v.to_string())],
        )
        .expect(200, 0),
    );
    for (i, c) in body.chunks(MIB).enumerate() {
        t.slice("/v2", &s, i * MIB, c).expect(200, 0);
    }
    let r = t.finish("/v2", &s, body.len(), &[("sha", &sha)]);
    r.expect(409, -4016);
    assert!(r.json()["message"].as_str().unwrap().contains("entry 1"));
    // correct uploadparts pass, also with 512 KiB granularity under 1 MiB slices
    let fine = uploadparts(&body, 524288);
    let s = session_of(
        &t.init(
            "/v3",
            body.len(),
            MIB,
            &[("sha", &sha), ("uploadparts", &fine)],
        )
        .expect(200, 0),
    );
    for (i, c) in body.chunks(MIB).enumerate() {
        t.slice("/v3", &s, i * MIB, c).expect(200, 0);
    }
    t.finish("/v3", &s, body.len(), &[("sha", &sha)])
        .expect(200, 0);
    assert_eq!(t.emu.object_sha1("/v3").unwrap(), sha);
}

#[test]
fn instant_upload_and_insert_only() {
    let mut t = T::new();
    let body = content(3000, 4);
    let sha = sha1_hex(&body);
    t.emu.put_object("/orig", &body);
    let d = t
        .init("/copy", body.len(), MIB, &[("sha", &sha)])
        .expect(200, 0);
    assert!(d["access_url"].as_str().unwrap().ends_with("/copy"));
    assert!(d.get("session").is_none());
    assert_eq!(t.emu.object("/copy").unwrap(), body);
    assert!(t.emu.session("/copy").is_none());
    // existing object, identical sha: instant answer; different: -177
    t.init("/orig", body.len(), MIB, &[("sha", &sha)])
        .expect(200, 0);
    t.init("/orig", body.len(), MIB, &[("sha", &sha1_hex(b"zz"))])
        .expect(409, -177);
    t.init("/orig", body.len(), MIB, &[]).expect(409, -177);
    // insertOnly=0 opens a session over an existing different file; finish replaces it
    let other = content(3000, 8);
    let s = session_of(
        &t.init("/orig", other.len(), MIB, &[("insertOnly", "0")])
            .expect(200, 0),
    );
    t.slice("/orig", &s, 0, &other).expect(200, 0);
    t.finish("/orig", &s, other.len(), &[]).expect(200, 0);
    assert_eq!(t.emu.object("/orig").unwrap(), other);
    // insertOnly=1 re-checked at finish
    let s = session_of(&t.init("/late", 10, MIB, &[]).expect(200, 0));
    t.slice("/late", &s, 0, b"0123456789").expect(200, 0);
    t.emu.put_object("/late", b"different!");
    t.finish("/late", &s, 10, &[]).expect(409, -177);
}

#[test]
fn serial_upload_and_slice_size_override() {
    let mut cfg = config();
    cfg.force_serial_upload = true;
    cfg.slice_size_override = Some(524288);
    let mut t = T::with(Emulator::start(cfg).unwrap());
    let body = content(MIB + 10, 6);
    let d = t.init("/o", body.len(), 2 * MIB, &[]).expect(200, 0);
    assert_eq!(
        (d["serial_upload"].as_u64(), d["slice_size"].as_u64()),
        (Some(1), Some(524288))
    );
    let s = session_of(&d);
    t.slice("/o", &s, 0, &body[..MIB]).expect(400, -5999);
    for (i, c) in body.chunks(524288).enumerate() {
        t.slice("/o", &s, i * 524288, c).expect(200, 0);
    }
    let info = t.emu.session("/o").unwrap();
    assert!(info.serial_upload);
    assert_eq!((info.slice_size, info.max_concurrent_slices), (524288, 1));
    t.finish("/o", &s, body.len(), &[]).expect(200, 0);
    assert_eq!(t.emu.object("/o").unwrap(), body);
}

#[test]
fn concurrent_slices_are_counted() {
    let mut cfg = config();
    cfg.faults.delay_ms = 100;
    let mut t = T::with(Emulator::start(cfg).unwrap());
    let body = content(4 * 524288, 2);
    let s = session_of(&t.init("/cc", body.len(), 524288, &[]).expect(200, 0));
    let addr = t.emu.addr();
    std::thread::scope(|scope| {
        for (i, c) in body.chunks(524288).enumerate() {
            let s = s.clone();
            scope.spawn(move || {
                let mut client = Client::connect(addr);
                let r = client
                    .send(&slice_request("/cc", &s, i * 524288, c))
                    .unwrap();
                r.expect(200, 0);
            });
        }
    });
    let info = t.emu.session("/cc").unwrap();
    assert!(info.max_concurrent_slices >= 2, "{info:?}");
    t.finish("/cc", &s, body.len(), &[]).expect(200, 0);
}

#[test]
fn empty_file_slice_upload_and_no_verify() {
    let mut t = T::new();
    let s = session_of(&t.init("/empty", 0, MIB, &[]).expect(200, 0));
    t.finish("/empty", &s, 0, &[]).expect(200, 0);
    assert_eq!(t.emu.object("/empty").unwrap(), b"");
    let mut cfg = config();
    cfg.verify_content = false;
    let mut t = T::with(Emulator::start(cfg).unwrap());
    let body = content(1000, 1);
    let s = session_of(
        &t.init("/nv", 1000, MIB, &[("sha", &sha1_hex(b"wrong"))])
            .expect(200, 0),
    );
    t.slice("/nv", &s, 0, &body).expect(200, 0);
    t.finish("/nv", &s, 1000, &[("sha", &sha1_hex(b"wrong"))])
        .expect(200, 0);
}
