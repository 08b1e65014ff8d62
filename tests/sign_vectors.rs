//! Every case of sign_vectors.json (a copy of ../shared/cos-v4/sign_vectors.json), byte for byte.

use cosv4::hash::{hex, DigestBuilder};
use cosv4::path;
use cosv4::sign::{hmac_sha1, plaintext, sign_plaintext, SignFields};
use serde_json::Value;

fn vectors() -> Value {
    let text = include_str!("data/sign_vectors.json");
    serde_json::from_str(text).unwrap()
}

#[test]
fn copy_matches_shared_original_when_present() {
    let shared = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/cos-v4/sign_vectors.json"
    );
    if let Ok(original) = std::fs::read_to_string(shared) {
        assert_eq!(
            original,
            include_str!("data/sign_vectors.json"),
            "tests/data/sign_vectors.json differs from {shared}: copy it again"
        );
    }
}

#[test]
fn sdk_sign_vectors() {
    let v = vectors();
    let cases = v["sign_vectors"].as_array().unwrap();
    assert_eq!(cases.len(), 8);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let i = &case["inputs"];
        let cos_path = i["cos_path"].as_str().unwrap();
        let appid = i["appid"].as_u64().unwrap();
        let bucket = i["bucket"].as_str().unwrap();
        let now = i["now"].as_u64().unwrap();
        let arg = i["expired_arg"].as_u64().unwrap();
        // What each SDK function binds: sign_more/sign_once the full fileid, sign_download the
        // path alone. sign_download takes a relative expiry when the argument is below `now`.
        let (fileid, expiry) = match case["sdk_function"].as_str().unwrap() {
            "qcloud_cos.cos_auth.Auth.sign_more" => (path::fileid(appid, bucket, cos_path), arg),
            "qcloud_cos.cos_auth.Auth.sign_once" => (path::fileid(appid, bucket, cos_path), 0),
            "qcloud_cos.cos_auth.Auth.sign_download" => (
                path::encode(cos_path),
                if arg < now { now + arg } else { arg },
            ),
            other => panic!("{name}: unknown sdk function {other}"),
        };
        let fields = SignFields {
            appid,
            secret_id: i["secret_id"].as_str().unwrap(),
            expiry,
            now,
            nonce: i["rand"].as_u64().unwrap(),
            fileid: &fileid,
            bucket,
        };
        let text = plaintext(&fields);
        assert_eq!(
            text,
            case["plaintext"].as_str().unwrap(),
            "{name}: plaintext"
        );
        let key = i["secret_key"].as_str().unwrap().as_bytes();
        assert_eq!(
            hex(&hmac_sha1(key, text.as_bytes())),
            case["hmac_sha1_hex"].as_str().unwrap(),
            "{name}: hmac"
        );
        assert_eq!(
            sign_plaintext(key, &text),
            case["authorization"].as_str().unwrap(),
            "{name}: authorization"
        );
    }
}

#[test]
fn known_answer_vectors() {
    let v = vectors();
    let cases = v["known_answer_vectors"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let key = case["secret_key"].as_str().unwrap().as_bytes();
        let text = case["plaintext"].as_str().unwrap();
        assert_eq!(
            hex(&hmac_sha1(key, text.as_bytes())),
            case["hmac_sha1_hex"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            sign_plaintext(key, text),
            case["authorization"].as_str().unwrap(),
            "{name}"
        );
    }
}

#[test]
fn doc_example_plaintexts_are_what_our_formatter_builds() {
    // The a,k,e,t,r,f,b cases of the doc rebuilt from their values.
    let built = plaintext(&SignFields {
        appid: 200001,
        secret_id: "AKIDUfLUEUigQiXqm7CVSspKJnuaiIKtxqAv",
        expiry: 0,
        now: 1437995645,
        nonce: 1166710792,
        fileid: &path::fileid(200001, "newbucket", "/tencent_test.jpg"),
        bucket: "newbucket",
    });
    let v = vectors();
    assert_eq!(
        built,
        v["known_answer_vectors"][1]["plaintext"].as_str().unwrap()
    );
}

#[test]
fn seed_example_plaintext() {
    let v = vectors();
    let seed = &v["seed_example"];
    let text = plaintext(&SignFields {
        appid: 10055004,
        secret_id: "AKIDzn8wwKuXjxixQAkRBC2DRXBtPd7CrlJQ",
        expiry: 1472647780,
        now: 1472647600,
        nonce: 1060345938,
        fileid: "",
        bucket: "accesslog",
    });
    assert_eq!(text, seed["decoded_plaintext"].as_str().unwrap());
    // The published header decodes to the published MAC and our plaintext.
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(seed["authorization"].as_str().unwrap())
        .unwrap();
    assert_eq!(hex(&raw[..20]), seed["decoded_hmac_hex"].as_str().unwrap());
    assert_eq!(&raw[20..], text.as_bytes());
}

#[test]
fn uploadparts_vectors() {
    let v = vectors();
    let cases = v["uploadparts_vectors"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let size = case["file_size"].as_u64().unwrap();
        let slice = case["slice_size"].as_u64().unwrap();
        let content: Vec<u8> = (0..size).map(|i| ((i * 31 + 7) & 0xff) as u8).collect();
        // Feed in odd-sized chunks so chunking cannot matter.
        let mut b = DigestBuilder::new(size, slice);
        for chunk in content.chunks(100_003) {
            b.update(chunk);
        }
        let d = b.finish();
        assert_eq!(d.sha, case["whole_file_sha1"].as_str().unwrap(), "{name}");
        let want: Value = case["uploadparts"].clone();
        let got: Value = serde_json::from_str(&d.uploadparts_json()).unwrap();
        assert_eq!(got, want, "{name}");
    }
}
