//! `cosv4::wire::Envelope::parse(status, body)` on any bytes: never panics, and whatever it
//! accepts converts to data or an error whose message is bounded (it quotes at most 200 bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = u16::from_le_bytes([data[0], data[1]]);
    let body = &data[2..];
    match cosv4::wire::Envelope::parse(status, body) {
        Ok(env) => {
            let code = env.code;
            match env.into_data() {
                Ok(_) => assert!(code == 0 && (200..300).contains(&status)),
                Err(e) => assert_eq!(e.cos_code(), Some(code)),
            }
        }
        Err(e) => {
            assert_eq!(e.kind(), cosv4::ErrorKind::Protocol);
            // The quote is at most 200 bytes of body (each byte at most 3 bytes of U+FFFD and
            // 6 once Debug-escaped) plus a fixed sentence.
            assert!(e.message().len() < 200 * 6 + 200, "{}", e.message().len());
        }
    }
});
