//! v4 request signing (PROTOCOL.md §2).
//!
//! plaintext = `a=<appid>&k=<secret_id>&e=<expiry>&t=<now>&r=<nonce>&f=<fileid>&b=<bucket>`,
//! signature = base64(HMAC-SHA1(secret_key, plaintext) ‖ plaintext). A *multi-effect* signature has
//! an absolute expiry `e` and may be reused until then; a *once* signature has `e = 0`, is bound to
//! the exact fileid and is good for one request.

use crate::error::{Error, Result};
use base64::Engine as _;
use hmac::{KeyInit, Mac};
use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use zeroize::Zeroizing;

type HmacSha1 = hmac::Hmac<sha1::Sha1>;

/// Longest signature lifetime the service accepts (about three months, PROTOCOL.md §2.3).
pub const MAX_LIFETIME_SECS: u64 = 90 * 24 * 3600;

/// The secret key. Its `Debug` form is redacted so it cannot leak into logs or errors, and its
/// bytes are overwritten with zeros when it is dropped ([`Zeroizing`]): every copy — in a
/// [`Credentials`], a [`Signer`], a `Config`, a `Client` — wipes its own buffer when it goes.
/// (The HMAC state derived from the key is wiped too: `hmac`'s `zeroize` feature.)
#[derive(Clone)]
pub struct SecretKey(Zeroizing<String>);

impl SecretKey {
    fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// appid, secret id and secret key.
#[derive(Clone, Debug)]
pub struct Credentials {
    appid: u64,
    secret_id: String,
    secret_key: SecretKey,
}

impl Credentials {
    /// Checks and keeps the credentials: appid must be nonzero, the secret id and key non-empty.
    /// The secret id travels in the plaintext (`k=`) and the `Authorization` header, so it
    /// must be free of control characters and `&` (the plaintext's separator). The key only
    /// keys the HMAC and is never sent: any bytes, as the official SDKs take it.
    pub fn new(appid: u64, secret_id: &str, secret_key: &str) -> Result<Credentials> {
        if appid == 0 {
            return Err(Error::usage(
                "appid is 0; use the numeric appid of your account",
            ));
        }
        for (what, value) in [("secret id", secret_id), ("secret key", secret_key)] {
            if value.is_empty() {
                return Err(Error::usage(format!("{what} is empty")));
            }
        }
        if let Some(c) = secret_id.chars().find(|&c| c.is_control() || c == '&') {
            return Err(Error::usage(format!(
                "the secret id contains {c:?}: a control character or '&' cannot travel in \
                 the signature's plaintext"
            )));
        }
        Ok(Credentials {
            appid,
            secret_id: secret_id.to_string(),
            secret_key: SecretKey(Zeroizing::new(secret_key.to_string())),
        })
    }

    pub fn appid(&self) -> u64 {
        self.appid
    }

    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }
}

/// The seven values of a plaintext.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignFields<'a> {
    pub appid: u64,
    pub secret_id: &'a str,
    /// Absolute expiry in Unix seconds; 0 for a once signature.
    pub expiry: u64,
    pub now: u64,
    pub nonce: u64,
    /// The bound fileid, already encoded; empty for an unbound multi signature.
    pub fileid: &'a str,
    pub bucket: &'a str,
}

/// The plaintext in the order `a,k,e,t,r,f,b` (the official doc example's and most SDKs').
pub fn plaintext(f: &SignFields<'_>) -> String {
    format!(
        "a={}&k={}&e={}&t={}&r={}&f={}&b={}",
        f.appid, f.secret_id, f.expiry, f.now, f.nonce, f.fileid, f.bucket
    )
}

/// HMAC-SHA1 of `plaintext` under `secret_key`.
pub fn hmac_sha1(secret_key: &[u8], plaintext: &[u8]) -> [u8; 20] {
    let mut mac =
        <HmacSha1 as KeyInit>::new_from_slice(secret_key).expect("HMAC accepts keys of any length");
    mac.update(plaintext);
    mac.finalize().into_bytes().into()
}

/// base64(HMAC-SHA1(secret_key, plaintext) ‖ plaintext).
pub fn sign_plaintext(secret_key: &[u8], plaintext: &str) -> String {
    let mut raw = Vec::with_capacity(20 + plaintext.len());
    raw.extend_from_slice(&hmac_sha1(secret_key, plaintext.as_bytes()));
    raw.extend_from_slice(plaintext.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(raw)
}

/// Where the current time comes from; injectable so tests are exact.
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch.
    fn now(&self) -> u64;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}

/// A fixed clock, for tests and reproducible signatures.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub u64);

impl Clock for FixedClock {
    fn now(&self) -> u64 {
        self.0
    }
}

/// A nonce in 0..2^31: per thread, a splitmix64 sequence seeded once from the operating
/// system's random source (a syscall per nonce was six per uploaded file: signature, multipart
/// boundary). Nonces need to be unpredictable and unrepeated, not secret: the signature's
/// HMAC is what proves the key.
pub fn random_nonce() -> u64 {
    thread_local! {
        static STATE: std::cell::Cell<u64> = std::cell::Cell::new(seed());
    }
    STATE.with(|s| {
        let x = s.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        s.set(x);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) & 0x7fff_ffff
    })
}

/// A thread's seed: 8 bytes of the operating system's random source, or (that failing, which
/// is near impossible) the clock's nanoseconds mixed with the thread's stack address.
fn seed() -> u64 {
    let mut b = [0u8; 8];
    match getrandom::fill(&mut b) {
        Ok(()) => u64::from_le_bytes(b),
        Err(_) => {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            nanos ^ (&b as *const _ as u64)
        }
    }
}

/// Makes signatures for one set of credentials with a clock and fresh nonces.
#[derive(Clone)]
pub struct Signer {
    creds: Credentials,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("creds", &self.creds)
            .finish_non_exhaustive()
    }
}

impl Signer {
    pub fn new(creds: Credentials, clock: Arc<dyn Clock>) -> Signer {
        Signer { creds, clock }
    }

    pub fn credentials(&self) -> &Credentials {
        &self.creds
    }

    /// The current time of this signer's clock.
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// A reusable signature valid for `lifetime_secs` from now. `fileid` empty = not bound.
    pub fn multi(&self, bucket: &str, fileid: &str, lifetime_secs: u64) -> String {
        let now = self.clock.now();
        self.sign(bucket, fileid, now.saturating_add(lifetime_secs), now)
    }

    /// A single-use signature bound to `fileid` (use [`crate::path::fileid`]).
    pub fn once(&self, bucket: &str, fileid: &str) -> String {
        self.sign(bucket, fileid, 0, self.clock.now())
    }

    /// A reusable signature for `bucket` valid for `lifetime_secs` (1 to
    /// [`MAX_LIFETIME_SECS`]), bound to `cos_path` (a file, or a folder ending in `/`) or, when
    /// it is `None`, to no file (what uploads and listings use). Checks the lifetime, the bucket
    /// and the path, in that order.
    pub fn multi_for(
        &self,
        bucket: &str,
        cos_path: Option<&str>,
        lifetime_secs: u64,
    ) -> Result<String> {
        if !(1..=MAX_LIFETIME_SECS).contains(&lifetime_secs) {
            return Err(Error::usage(format!(
                "signature lifetime is {lifetime_secs} s; use 1 to {MAX_LIFETIME_SECS}"
            )));
        }
        let fileid = self.checked_fileid(bucket, cos_path)?;
        Ok(self.multi(bucket, &fileid, lifetime_secs))
    }

    /// A single-use signature bound to `cos_path` (a file, or a folder ending in `/`) in
    /// `bucket`, as delete and update requests need. Checks the bucket and the path.
    pub fn once_for(&self, bucket: &str, cos_path: &str) -> Result<String> {
        let fileid = self.checked_fileid(bucket, Some(cos_path))?;
        Ok(self.once(bucket, &fileid))
    }

    /// The fileid of `cos_path` ("" for none) after checking it and the bucket.
    fn checked_fileid(&self, bucket: &str, cos_path: Option<&str>) -> Result<String> {
        crate::path::validate_bucket(bucket)?;
        let Some(cos_path) = cos_path else {
            return Ok(String::new());
        };
        crate::path::validate_path(cos_path)?;
        Ok(crate::path::fileid(self.creds.appid, bucket, cos_path))
    }

    fn sign(&self, bucket: &str, fileid: &str, expiry: u64, now: u64) -> String {
        let fields = SignFields {
            appid: self.creds.appid,
            secret_id: &self.creds.secret_id,
            expiry,
            now,
            nonce: random_nonce(),
            fileid,
            bucket,
        };
        sign_plaintext(self.creds.secret_key.as_bytes(), &plaintext(&fields))
    }
}

#[cfg(test)]
mod key_tests {
    use super::*;

    #[test]
    fn any_secret_key_is_taken_but_the_id_must_fit_the_plaintext() {
        for key in ["a&b", "k\u{1}ey", "ключ", " spaced "] {
            assert!(Credentials::new(1, "AKIDx", key).is_ok(), "{key:?}");
        }
        for id in ["a&b", "i\nd", ""] {
            let e = Credentials::new(1, id, "key").unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Usage, "{id:?}");
        }
        assert!(Credentials::new(1, "id", "").is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_key_never_printed() {
        let c = Credentials::new(1, "AKIDx", "topsecretvalue").unwrap();
        let s = Signer::new(c.clone(), Arc::new(FixedClock(5)));
        assert!(!format!("{c:?}").contains("topsecretvalue"));
        assert!(!format!("{s:?}").contains("topsecretvalue"));
    }

    #[test]
    fn credentials_are_checked() {
        assert!(Credentials::new(0, "a", "b")
            .unwrap_err()
            .message()
            .contains("appid"));
        assert!(Credentials::new(1, "", "b")
            .unwrap_err()
            .message()
            .contains("secret id"));
        assert!(Credentials::new(1, "a", "")
            .unwrap_err()
            .message()
            .contains("secret key"));
        assert!(Credentials::new(1, "a\n", "b").is_err());
    }

    #[test]
    fn checked_signatures() {
        let c = Credentials::new(7, "AKIDx", "key").unwrap();
        let s = Signer::new(c, Arc::new(FixedClock(100)));
        let plain = |sig: String| {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(sig)
                .unwrap();
            String::from_utf8(raw[20..].to_vec()).unwrap()
        };
        let multi = plain(s.multi_for("b", None, 60).unwrap());
        assert!(
            multi.contains("&e=160&") && multi.contains("&f=&b=b"),
            "{multi}"
        );
        let bound = plain(s.multi_for("b", Some("/d/a b"), 60).unwrap());
        assert!(bound.contains("&f=/7/b/d/a%20b&"), "{bound}");
        let once = plain(s.once_for("b", "/d/").unwrap());
        assert!(
            once.contains("&e=0&") && once.contains("&f=/7/b/d/&"),
            "{once}"
        );
        let detail = |r: Result<String>| r.unwrap_err().usage_detail();
        use crate::error::UsageDetail::{InvalidBucket, InvalidPath};
        assert_eq!(detail(s.multi_for("b/x", None, 60)), Some(InvalidBucket));
        assert_eq!(detail(s.multi_for("b", Some("x"), 60)), Some(InvalidPath));
        assert_eq!(detail(s.once_for("b", "/a//b")), Some(InvalidPath));
        for bad in [0, MAX_LIFETIME_SECS + 1] {
            let e = s.multi_for("b/x", Some("x"), bad).unwrap_err();
            assert_eq!(
                (e.kind(), e.usage_detail()),
                (crate::ErrorKind::Usage, None)
            );
        }
    }

    #[test]
    fn nonce_is_in_range_and_varies() {
        let n: Vec<u64> = (0..64).map(|_| random_nonce()).collect();
        assert!(n.iter().all(|&x| x < (1 << 31)));
        let first = n[0];
        assert!(n.iter().any(|&x| x != first));
    }

    #[test]
    fn signer_uses_its_clock() {
        let c = Credentials::new(7, "id", "key").unwrap();
        let s = Signer::new(c, Arc::new(FixedClock(1000)));
        let sig = s.multi("bkt", "", 300);
        let raw = base64::engine::general_purpose::STANDARD
            .decode(sig)
            .unwrap();
        let text = std::str::from_utf8(&raw[20..]).unwrap();
        assert!(text.starts_with("a=7&k=id&e=1300&t=1000&r="), "{text}");
        assert!(text.ends_with("&f=&b=bkt"), "{text}");
        assert_eq!(&raw[..20], &hmac_sha1(b"key", text.as_bytes()));
        let once = s.once("bkt", "/7/bkt/x");
        let raw = base64::engine::general_purpose::STANDARD
            .decode(once)
            .unwrap();
        let text = std::str::from_utf8(&raw[20..]).unwrap();
        assert!(text.contains("&e=0&t=1000&") && text.ends_with("&f=/7/bkt/x&b=bkt"));
    }
}
