//! Signature verification (PROTOCOL.md §2.7). Pure functions, so they can be fuzzed and
//! unit-tested; the replay set for once signatures lives in the state.
//!
//! Layout: `base64(HMAC-SHA1(secret_key, plaintext) || plaintext)`, plaintext is
//! `key=value` pairs joined by `&` in any order. The MAC covers the exact transmitted bytes.

use base64::engine::{GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use crate::cospath;

/// Standard alphabet, padding optional.
const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// Who we are: what a signature must match.
pub struct Expected<'a> {
    pub appid: u64,
    pub bucket: &'a str,
    pub secret_id: &'a str,
    pub secret_key: &'a str,
}

/// A verified signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The plaintext, as transmitted (used as the replay key for once signatures).
    pub plaintext: String,
    pub expiry: u64,
    /// `f` as transmitted (still percent-encoded).
    pub fileid: String,
}

impl Signature {
    pub fn is_once(&self) -> bool {
        self.expiry == 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    pub code: i64,
    pub message: String,
}

fn fail<T>(code: i64, message: impl Into<String>) -> Result<T, AuthError> {
    Err(AuthError {
        code,
        message: message.into(),
    })
}

/// Compute a signature (used by tests, the CLI help and clients of the emulator).
pub fn sign(secret_key: &str, plaintext: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret_key.as_bytes()).expect("any key length");
    mac.update(plaintext.as_bytes());
    let mut raw = mac.finalize().into_bytes().to_vec();
    raw.extend_from_slice(plaintext.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(raw)
}

/// Steps 2–4 and the expiry of step 6: decode, check secret id, MAC, appid, bucket, expiry.
/// `signature` is the header value or the decoded `sign` query value (a space means `+`).
pub fn verify(signature: &str, expected: &Expected, now: u64) -> Result<Signature, AuthError> {
    // A space is a '+' that a query string turned into one — also at either end, so map before
    // trimming the other whitespace.
    let cleaned: String = signature
        .chars()
        .map(|c| if c == ' ' { '+' } else { c })
        .collect::<String>()
        .trim()
        .to_string();
    if cleaned.is_empty() {
        return fail(-81, "signature is empty");
    }
    let Ok(raw) = B64.decode(cleaned.as_bytes()) else {
        return fail(-97, "signature is not valid base64");
    };
    if raw.len() < 21 {
        return fail(-97, "signature too short");
    }
    let (mac_bytes, plain_bytes) = raw.split_at(20);
    let Ok(plaintext) = std::str::from_utf8(plain_bytes) else {
        return fail(-97, "signature plaintext is not UTF-8");
    };
    let field = |key: &str| -> String {
        plaintext
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| v.to_string())
            .next_back()
            .unwrap_or_default()
    };
    if field("k") != expected.secret_id {
        return fail(-79, "unknown secret id");
    }
    let mut mac =
        Hmac::<Sha1>::new_from_slice(expected.secret_key.as_bytes()).expect("any key length");
    mac.update(plain_bytes);
    if mac.verify_slice(mac_bytes).is_err() {
        return fail(-97, "signature mismatch (HMAC-SHA1 check failed)");
    }
    if field("a") != expected.appid.to_string() {
        return fail(-70, "appid in signature does not match");
    }
    if field("b") != expected.bucket {
        return fail(-61, "bucket in signature does not match");
    }
    let Ok(expiry) = field("e").parse::<u64>() else {
        return fail(-97, "signature field e is not a number");
    };
    if expiry != 0 && expiry <= now {
        return fail(-59, format!("signature expired (e={expiry}, now={now})"));
    }
    let fileid = field("f");
    Ok(Signature {
        plaintext: plaintext.to_string(),
        expiry,
        fileid,
    })
}

/// Step 5/6 binding and the once requirement: `target` is the decoded fileid
/// `/appid/bucket<cos path>`.
pub fn check_scope(sig: &Signature, target: &str, require_once: bool) -> Result<(), AuthError> {
    let bound = cospath::collapse_slashes(&cospath::decode(&sig.fileid));
    if sig.is_once() {
        if bound != target {
            return fail(
                -63,
                format!("once signature is bound to {bound:?}, not to {target:?}"),
            );
        }
    } else {
        if require_once {
            return fail(
                -63,
                "delete requires a once signature (e=0) bound to the file",
            );
        }
        if !bound.is_empty() && !target.starts_with(&bound) {
            return fail(
                -63,
                format!("signature fileid {bound:?} is not a prefix of {target:?}"),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXP: Expected = Expected {
        appid: 200001,
        bucket: "newbucket",
        secret_id: "AKIDUfLUEUigQiXqm7CVSspKJnuaiIKtxqAv",
        secret_key: "bLcPnl88WU30VY57ipRhSePfPdOfSruK",
    };

    #[test]
    fn known_answer_from_tencent_doc() {
        let plain = "a=200001&k=AKIDUfLUEUigQiXqm7CVSspKJnuaiIKtxqAv&e=1437995704&t=1437995644&r=2081660421&f=&b=newbucket";
        let s = sign(EXP.secret_key, plain);
        assert!(
            s.starts_with("vxzLR6vzMNhBMUVzMTWKUB+LMeVhPTIwMDAwMSZr"),
            "{s}"
        );
        let v = verify(&s, &EXP, 1437995700).unwrap();
        assert_eq!(v.expiry, 1437995704);
        assert_eq!(verify(&s, &EXP, 1437995704).unwrap_err().code, -59);
        assert_eq!(
            verify(&s.replace('+', " "), &EXP, 0).unwrap().plaintext,
            plain
        );
    }

    #[test]
    fn a_plus_at_either_end_that_arrives_as_a_space_still_verifies() {
        // Signatures whose base64 starts or ends with '+' (found by trying nonces).
        for r in 0..5000u32 {
            let plain = format!(
                "a=200001&k=AKIDUfLUEUigQiXqm7CVSspKJnuaiIKtxqAv&e=100&t=1&r={r}&f=&b=newbucket"
            );
            let s = sign(EXP.secret_key, &plain);
            if s.starts_with('+') || s.trim_end_matches('=').ends_with('+') {
                let spaced = s.replace('+', " ");
                assert_eq!(verify(&spaced, &EXP, 5).unwrap().plaintext, plain, "{s}");
            }
        }
    }

    #[test]
    fn failures() {
        assert_eq!(verify("", &EXP, 0).unwrap_err().code, -81);
        assert_eq!(verify("!!!", &EXP, 0).unwrap_err().code, -97);
        assert_eq!(verify("YWJj", &EXP, 0).unwrap_err().code, -97);
        let good = "a=200001&b=newbucket&k=AKIDUfLUEUigQiXqm7CVSspKJnuaiIKtxqAv&e=0&t=1&r=99999999999999999999&f=/200001/newbucket/x";
        let s = sign(EXP.secret_key, good);
        let v = verify(&s, &EXP, 5).unwrap();
        assert!(check_scope(&v, "/200001/newbucket/x", true).is_ok());
        assert_eq!(
            check_scope(&v, "/200001/newbucket/y", true)
                .unwrap_err()
                .code,
            -63
        );
        assert_eq!(verify(&sign("wrong", good), &EXP, 0).unwrap_err().code, -97);
        let other_id = good.replace("AKIDUf", "AKIDXX");
        assert_eq!(
            verify(&sign(EXP.secret_key, &other_id), &EXP, 0)
                .unwrap_err()
                .code,
            -79
        );
        let other_a = good.replace("a=200001", "a=1");
        assert_eq!(
            verify(&sign(EXP.secret_key, &other_a), &EXP, 0)
                .unwrap_err()
                .code,
            -70
        );
        let other_b = good.replace("b=newbucket", "b=x");
        assert_eq!(
            verify(&sign(EXP.secret_key, &other_b), &EXP, 0)
                .unwrap_err()
                .code,
            -61
        );
    }

    #[test]
    fn multi_prefix_binding() {
        let plain = "a=200001&k=AKIDUfLUEUigQiXqm7CVSspKJnuaiIKtxqAv&e=100&t=1&r=1&f=/200001/newbucket/dir%20a&b=newbucket";
        let v = verify(&sign(EXP.secret_key, plain), &EXP, 5).unwrap();
        assert!(check_scope(&v, "/200001/newbucket/dir a/f", false).is_ok());
        assert_eq!(
            check_scope(&v, "/200001/newbucket/other", false)
                .unwrap_err()
                .code,
            -63
        );
        assert_eq!(
            check_scope(&v, "/200001/newbucket/dir a/f", true)
                .unwrap_err()
                .code,
            -63
        );
    }
}
