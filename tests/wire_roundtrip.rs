//! The library's multipart encoder against the emulator's parser, and the library's signer
//! against the emulator's verifier: two independent implementations that must agree.

mod common;

use common::content;
use cosv4::wire::Form;
use std::io::Read;

fn encode(fields: &[(&str, &str)], file: Option<&[u8]>) -> (String, Vec<u8>) {
    let mut form = Form::new();
    for (k, v) in fields {
        form = form.text(k, v);
    }
    let mut out = Vec::new();
    let ct = match file {
        Some(data) => {
            let mut body = form.with_content("filecontent", data.len() as u64, data);
            body.read_to_end(&mut out).unwrap();
            assert_eq!(out.len() as u64, body.content_length());
            body.content_type()
        }
        None => {
            let mut body = form.finish();
            body.read_to_end(&mut out).unwrap();
            assert_eq!(out.len() as u64, body.content_length());
            body.content_type()
        }
    };
    (ct, out)
}

#[test]
fn fields_and_binary_content_survive_the_round_trip() {
    let tricky: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\r\n--".to_vec(),
        b"--\r\n--\r\n\r\n--cosv4-".to_vec(),
        b"\r\n--cosv4-00000000000000000000000000000000--\r\n".to_vec(),
        content(1 << 20, 3),
        (0..=255u8).cycle().take(70_000).collect(),
    ];
    let fields = [
        ("op", "upload_slice_data"),
        ("session", "abc\r\ndef"),
        ("offset", "1048576"),
        ("biz_attr", "中文 & \"quotes\" --"),
        ("insertOnly", ""),
    ];
    for data in &tricky {
        let (ct, body) = encode(&fields, Some(data));
        let parts = cosv4_emulator::multipart::parse(&ct, &body).expect("parses");
        assert_eq!(parts.len(), fields.len() + 1);
        for ((name, value), part) in fields.iter().zip(&parts) {
            assert_eq!(part.name, *name);
            assert_eq!(part.data, value.as_bytes(), "{name}");
        }
        let last = parts.last().unwrap();
        assert_eq!(last.name, "filecontent");
        assert!(
            last.data == &data[..],
            "binary content of {} bytes differs",
            data.len()
        );
    }
}

#[test]
fn text_only_forms_round_trip() {
    let (ct, body) = encode(&[("op", "upload_slice_list")], None);
    let parts = cosv4_emulator::multipart::parse(&ct, &body).unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(
        (parts[0].name.as_str(), parts[0].data),
        ("op", &b"upload_slice_list"[..])
    );
}

#[test]
fn path_encoders_agree() {
    for p in [
        "/a b/c",
        "/dir with space/文件 名+(1)~&=!'*,;@$.txt",
        "/x/%41/",
        "/~-._",
    ] {
        assert_eq!(
            cosv4::path::encode(p),
            cosv4_emulator::cospath::encode(p),
            "{p}"
        );
        assert_eq!(
            cosv4_emulator::cospath::decode(&cosv4::path::encode(p)),
            p,
            "{p}"
        );
    }
}

#[test]
fn signatures_agree() {
    let key = "bLcPnl88WU30VY57ipRhSePfPdOfSruK";
    let text = "a=200001&k=AKIDUfLUEUigQiXqm7CVSspKJnuaiIKtxqAv&e=1437995704&t=1437995644&r=2081660421&f=&b=newbucket";
    assert_eq!(
        cosv4::sign::sign_plaintext(key.as_bytes(), text),
        cosv4_emulator::auth::sign(key, text)
    );
}

#[test]
fn library_signatures_pass_the_emulator_verifier() {
    use cosv4::{Credentials, FixedClock, Signer};
    use cosv4_emulator::auth::{check_scope, verify, Expected};
    let signer = Signer::new(
        Credentials::new(common::APPID, common::SECRET_ID, common::SECRET_KEY).unwrap(),
        std::sync::Arc::new(FixedClock(1_000_000)),
    );
    let expected = Expected {
        appid: common::APPID,
        bucket: common::BUCKET,
        secret_id: common::SECRET_ID,
        secret_key: common::SECRET_KEY,
    };
    let multi = signer.multi(common::BUCKET, "", 300);
    assert!(verify(&multi, &expected, 1_000_100).is_ok());
    assert!(verify(&multi, &expected, 1_000_301).is_err(), "expired");
    let path = "/dir with space/文件.txt";
    let fileid = cosv4::path::fileid(common::APPID, common::BUCKET, path);
    let once = signer.once(common::BUCKET, &fileid);
    let sig = verify(&once, &expected, 1_000_000).unwrap();
    let target = cosv4_emulator::cospath::fileid(common::APPID, common::BUCKET, path);
    assert!(check_scope(&sig, &target, true).is_ok());
    let other = cosv4_emulator::cospath::fileid(common::APPID, common::BUCKET, "/other.txt");
    assert!(check_scope(&sig, &other, true).is_err());
}
