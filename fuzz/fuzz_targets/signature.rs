//! The emulator's signature checks on arbitrary strings: `auth::verify` and `auth::check_scope`
//! never panic. Input lines: signature, target fileid, "now". Plus a property: a once signature
//! made with the right key over a plaintext whose `f` comes from the input verifies, and its
//! scope check passes for exactly the fileid it names.
#![no_main]

use cosv4_emulator::auth::{self, Expected};
use cosv4_emulator::cospath;
use libfuzzer_sys::fuzz_target;

const EXPECTED: Expected<'static> = Expected {
    appid: 1250000000,
    bucket: "bkt",
    secret_id: "AKIDfuzz",
    secret_key: "fuzz-secret-key",
};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let sig = lines.next().unwrap_or("");
    let target = lines.next().unwrap_or("");
    let now: u64 = lines
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(1_700_000_000);
    if let Ok(s) = auth::verify(sig, &EXPECTED, now) {
        let _ = auth::check_scope(&s, target, data.len() % 2 == 0);
        let _ = auth::check_scope(&s, target, false);
    }

    // Property: a correct once signature bound to `f` (no '&', which ends a field) verifies.
    let f: String = target.chars().filter(|&c| c != '&').collect();
    let plaintext = format!(
        "a={}&k={}&e=0&t={now}&r=7&f={f}&b={}",
        EXPECTED.appid, EXPECTED.secret_id, EXPECTED.bucket
    );
    let good = auth::sign(EXPECTED.secret_key, &plaintext);
    let s = auth::verify(&good, &EXPECTED, now).expect("a correct signature verifies");
    assert!(s.is_once());
    assert_eq!(s.fileid, f);
    let bound = cospath::collapse_slashes(&cospath::decode(&f));
    assert!(auth::check_scope(&s, &bound, true).is_ok());
    // A flipped MAC byte must fail.
    let mut raw = base64_decode(&good);
    raw[0] ^= 1;
    let bad = base64_encode(&raw);
    assert!(auth::verify(&bad, &EXPECTED, now).is_err());
});

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}
