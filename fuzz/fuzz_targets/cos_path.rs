//! COS paths on any UTF-8 string: the client's `validate_file` / `validate_folder` /
//! `encode` never panic, and every path the client accepts survives the trip through the
//! emulator unchanged: `cospath::decode(encode(p)) == p` and the emulator's own validation
//! accepts it as is (the client and the server agree on what names an object).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(p) = std::str::from_utf8(data) else {
        return;
    };
    let file = cosv4::path::validate_file(p).is_ok();
    let folder = cosv4::path::validate_folder(p).is_ok();
    assert!(!(file && folder), "{p:?} is both a file and a folder path");
    let encoded = cosv4::path::encode(p);
    assert!(encoded
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~/%".contains(&b)));
    if file || folder {
        assert_eq!(cosv4_emulator::cospath::decode(&encoded), p);
        assert_eq!(cosv4_emulator::cospath::encode(p), encoded);
        assert_eq!(
            cosv4_emulator::cospath::validate_cos_path(p).as_deref(),
            Ok(p),
            "the emulator changes or rejects a path the client accepts"
        );
        let api = format!("/files/v2/1250000000/bkt{encoded}");
        let parsed = cosv4_emulator::cospath::parse_api_path(&api).expect("client URL parses");
        assert_eq!(parsed.cos_path, p);
    }
});
