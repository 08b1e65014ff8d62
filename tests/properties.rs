//! Property tests (proptest) of the pure parts the engine rests on: the multipart encoder against
//! the emulator's parser, cos path encoding, slice planning and the `uploadparts` digests.
//! Case counts are kept modest so the file runs in a few seconds in a debug build.

use cosv4::config::SLICE_SIZES;
use cosv4::hash::{hex, DigestBuilder, FileDigest};
use cosv4::upload::Plan;
use cosv4::wire::Form;
use proptest::prelude::*;
use std::io::Read;

/// Byte runs that look like multipart syntax: CRLF, dashes, the boundary's prefix, or a whole
/// delimiter with another boundary.
fn tricky_run(boundary: &str) -> BoxedStrategy<Vec<u8>> {
    let boundary = boundary.as_bytes().to_vec();
    let fixed: Vec<&'static [u8]> = vec![
        b"\r\n--",
        b"\r\n",
        b"--",
        b"\r\n--cosv4-",
        b"\r\n--cosv4-00000000000000000000000000000000--\r\n",
        b"\r\n\r\n",
    ];
    let fixed: Vec<Vec<u8>> = fixed.into_iter().map(<[u8]>::to_vec).collect();
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..4096),
        2 => prop::sample::select(fixed),
        // "\r\n--" and a strict prefix of the real boundary: a delimiter that stops short.
        2 => (0..boundary.len()).prop_map(move |n| {
            let mut v = b"\r\n--".to_vec();
            v.extend_from_slice(&boundary[..n]);
            v
        }),
    ]
    .boxed()
}

/// A boundary as `Form::new` makes them (`cosv4-` and 32 hex digits) and content up to 64 KiB
/// made of random bytes and tricky runs.
fn boundary_and_content() -> impl Strategy<Value = (String, Option<Vec<u8>>)> {
    "cosv4-[0-9a-f]{32}".prop_flat_map(|boundary| {
        let runs = prop::collection::vec(tricky_run(&boundary), 0..16);
        let content = prop::option::weighted(0.9, runs.prop_map(|r| r.concat()));
        (Just(boundary), content)
    })
}

fn encode(
    boundary: &str,
    fields: &[(String, String)],
    content: Option<&[u8]>,
) -> (String, Vec<u8>) {
    let mut form = Form::with_boundary(boundary.to_string());
    for (name, value) in fields {
        form = form.text(name, value);
    }
    let mut body = Vec::new();
    let (content_type, length) = match content {
        Some(data) => {
            let mut b = form.with_content("filecontent", data.len() as u64, data);
            b.read_to_end(&mut body).unwrap();
            (b.content_type(), b.content_length())
        }
        None => {
            let mut b = form.finish();
            b.read_to_end(&mut body).unwrap();
            (b.content_type(), b.content_length())
        }
    };
    assert_eq!(length, body.len() as u64, "announced length");
    (content_type, body)
}

/// A valid cos file path: 1 to 6 segments of 1 to 8 characters, any Unicode except '/' and
/// control characters, no "." or ".." segment.
fn cos_path() -> impl Strategy<Value = String> {
    let segment = "[^/\\p{Cc}]{1,8}".prop_filter("relative segment", |s| s != "." && s != "..");
    prop::collection::vec(segment, 1..6).prop_map(|segs| format!("/{}", segs.join("/")))
}

/// The `uploadparts` state after absorbing `data` (a whole number of 64-byte blocks), computed
/// with the sha1 crate's compression function: h0..h4, each little-endian, in hex.
fn reference_state(data: &[u8]) -> String {
    let mut h = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    let (blocks, rest) = data.as_chunks::<64>();
    assert!(rest.is_empty());
    sha1::block_api::compress(&mut h, blocks);
    hex(&h.iter().flat_map(|w| w.to_le_bytes()).collect::<Vec<_>>())
}

fn digest_in_chunks(data: &[u8], slice_size: u64, cuts: &[usize]) -> FileDigest {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
    cuts.sort_unstable();
    let mut b = DigestBuilder::new(data.len() as u64, slice_size);
    let mut from = 0;
    for cut in cuts.into_iter().chain([data.len()]) {
        b.update(&data[from..cut]);
        from = cut;
    }
    assert_eq!(b.len(), data.len() as u64);
    b.finish()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn multipart_encoder_and_emulator_parser_agree(
        (boundary, content) in boundary_and_content(),
        fields in prop::collection::vec(("[A-Za-z0-9_.-]{1,16}", any::<String>()), 0..6),
    ) {
        let (content_type, body) = encode(&boundary, &fields, content.as_deref());
        let parts = cosv4_emulator::multipart::parse(&content_type, &body)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(parts.len(), fields.len() + usize::from(content.is_some()));
        for ((name, value), part) in fields.iter().zip(&parts) {
            prop_assert_eq!(&part.name, name);
            prop_assert_eq!(part.data, value.as_bytes());
        }
        if let Some(data) = &content {
            let last = parts.last().unwrap();
            prop_assert_eq!(last.name.as_str(), "filecontent");
            prop_assert!(last.data == &data[..], "content of {} bytes differs", data.len());
        }
    }

    #[test]
    fn path_encoding_round_trips_and_stays_in_the_safe_set(path in cos_path()) {
        let encoded = cosv4::path::encode(&path);
        prop_assert!(
            encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~/%".contains(&b)),
            "{encoded}"
        );
        prop_assert_eq!(cosv4_emulator::cospath::decode(&encoded), path.clone());
        prop_assert_eq!(&encoded, &cosv4_emulator::cospath::encode(&path));
        prop_assert!(cosv4::path::validate_file(&path).is_ok(), "{path:?} refused");
    }

    #[test]
    fn uploadparts_do_not_depend_on_chunking(
        data in prop::collection::vec(any::<u8>(), 0..16_384),
        blocks_per_slice in 1..64u64,
        cuts in prop::collection::vec(any::<usize>(), 0..20),
    ) {
        let slice_size = 64 * blocks_per_slice;
        let whole = digest_in_chunks(&data, slice_size, &[]);
        prop_assert_eq!(&digest_in_chunks(&data, slice_size, &cuts), &whole);
        use sha1::Digest;
        prop_assert_eq!(&whole.sha, &hex(&sha1::Sha1::digest(&data)));
        // One part per slice (one empty part for an empty file), contiguous, the last carrying
        // the file's sha and every other the chaining state at its end.
        let plan = Plan::new(data.len() as u64, slice_size);
        prop_assert_eq!(whole.parts.len() as u64, plan.count().max(1));
        for (i, part) in whole.parts.iter().enumerate() {
            prop_assert_eq!(part.offset, i as u64 * slice_size);
            prop_assert_eq!(part.datalen, plan.len_at(part.offset));
            let end = (part.offset + part.datalen) as usize;
            let expected = if i + 1 == whole.parts.len() {
                whole.sha.clone()
            } else {
                reference_state(&data[..end])
            };
            prop_assert_eq!(&part.datasha, &expected, "part {}", i);
        }
    }
}

proptest! {
    // Plans of up to 2^40 bytes have up to 2^21 slices each: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_plan_covers_every_byte_exactly_once(
        size in prop_oneof![0..1u64 << 40, 0..64 * cosv4::config::MIB, 0..4096u64],
        slice_size in prop::sample::select(SLICE_SIZES.to_vec()),
        picks in prop::collection::vec(any::<u64>(), 0..64),
        dense in any::<u64>(),
    ) {
        let plan = Plan::new(size, slice_size);
        let count = plan.count();
        let starts = || (0..count).map(|i| i * slice_size);
        // "Done": scattered slices, a dense run among the first 64, and bogus offsets (not a
        // slice start, or past the end) that must be ignored.
        let mut done: Vec<u64> = Vec::new();
        if count > 0 {
            done.extend(picks.iter().map(|p| p % count * slice_size));
            done.extend((0..64.min(count)).filter(|i| dense >> i & 1 == 1).map(|i| i * slice_size));
            done.extend(picks.iter().map(|p| p % size).filter(|o| o % slice_size != 0));
        }
        done.extend(picks.iter().map(|p| size + p % 4 * slice_size));
        let pending = plan.pending(&done);
        let mut valid: Vec<u64> = done.iter().copied().filter(|&o| plan.is_slice_start(o)).collect();
        valid.sort_unstable();
        valid.dedup();
        prop_assert!(pending.windows(2).all(|w| w[0] < w[1]), "pending not in order");
        prop_assert!(pending.iter().all(|&o| plan.is_slice_start(o)));
        prop_assert!(pending.iter().all(|o| valid.binary_search(o).is_err()), "pending ∩ done");
        // Disjoint subsets of the starts whose sizes add up to the count: their union is all.
        prop_assert_eq!(pending.len() as u64 + valid.len() as u64, count);
        let total: u64 = starts().map(|o| plan.len_at(o)).sum();
        prop_assert_eq!(total, size);
        if let Some(last) = starts().next_back() {
            prop_assert_eq!(plan.len_at(last), size - last);
            prop_assert!(plan.len_at(last) > 0);
            prop_assert!(starts().take(count as usize - 1).all(|o| plan.len_at(o) == slice_size));
        }
        if done.is_empty() {
            prop_assert!(pending.iter().copied().eq(starts()));
        }
    }
}
