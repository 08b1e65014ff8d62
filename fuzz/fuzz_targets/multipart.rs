//! `cosv4_emulator::multipart::parse(content_type, body)` on any bytes, with the Content-Type
//! taken from the input's first line (so boundaries, quoting and parameters get fuzzed too):
//! never panics, every (non-empty) part's data lies inside the body. Plus a round trip: the client's
//! encoder (`cosv4::wire::Form`) with a field value and content from the input, parsed back by
//! the emulator, gives the same name, value and content.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Read;

fuzz_target!(|data: &[u8]| {
    let (ct, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) if i <= 512 => (&data[..i], &data[i + 1..]),
        _ => (&b"multipart/form-data; boundary=xYz"[..], data),
    };
    let ct = String::from_utf8_lossy(ct);
    if let Ok(parts) = cosv4_emulator::multipart::parse(&ct, body) {
        let range = body.as_ptr_range();
        // (An empty part may be a slice of nothing: only non-empty data must point into the body.)
        for p in parts.iter().filter(|p| !p.data.is_empty()) {
            let r = p.data.as_ptr_range();
            assert!(range.start <= r.start && r.end <= range.end);
        }
    }

    // Round trip through the client's encoder.
    let value = ct.clone().into_owned();
    let mut encoded = cosv4::wire::Form::new()
        .text("op", "upload_slice_data")
        .text("value", &value)
        .with_content("filecontent", body.len() as u64, body);
    let content_type = encoded.content_type();
    let mut wire = Vec::new();
    encoded
        .read_to_end(&mut wire)
        .expect("encoding from memory");
    assert_eq!(wire.len() as u64, encoded.content_length());
    let parts =
        cosv4_emulator::multipart::parse(&content_type, &wire).expect("own encoding parses");
    let find = |n: &str| parts.iter().find(|p| p.name == n).map(|p| p.data);
    assert_eq!(find("op"), Some(&b"upload_slice_data"[..]));
    assert_eq!(find("value"), Some(value.as_bytes()));
    assert_eq!(find("filecontent"), Some(body));
});
