//! Client settings, their defaults, and the checks that run when a client is built.
//!
//! | setting | default | allowed |
//! |---|---|---|
//! | endpoint | none (required) | a region code (`gz`, `sh`, `tj`, `sgp`, ... or `shanghai`, ...) or a base URL |
//! | slice size | 1 MiB | 512 KiB, 1, 2, 3 MiB (the values the service documents) |
//! | workers | 4 | 1..=32 slices in flight per upload |
//! | integrity | on | sends `sha` + `uploadparts` at init and `sha` at finish |
//! | simple-upload threshold | 8 MiB | files up to it go in one `op=upload` request; at most 20 MB |
//! | retries | 30 | 0..=100 extra attempts per request, exponential backoff with jitter |
//! | retry window | 60 s | retries of a request start only within this time from its first attempt: an outage (refused or reset connections, 5xx, timeouts) this long is ridden out |
//! | retry base delay | 200 ms | doubled each attempt, capped at 5 s, ±50 % jitter |
//! | connect timeout | 10 s | |
//! | stall timeout | 30 s | sending: no byte taken by the socket for this long; receiving: no byte received for this long (a slow but moving peer is never cut off) |
//! | request timeout | 300 s | cap on one whole request |
//! | signature lifetime | 300 s | a fresh signature per request, so a long upload never sends an expired one |
//! | user agent | `cosv4/<version>` | |
//! | bandwidth limit | none | `limit_rate`: bytes per second shared by every request of the client (at least 1024) |
//! | proxy | none | `http://host:port` (CONNECT) or `socks4://`, `socks4a://`, `socks5://host:port`; environment proxies only on request |
//! | TLS trust roots | Mozilla's (webpki-roots, built in) | `tls_ca_file`: a PEM file whose certificates are trusted *instead* |
//! | TLS verification | on | `tls_insecure_skip_verify` turns it off (testing only) |
//! | logger | none | a callback per client with a level (error, warn, info, debug) |

use crate::error::{Error, Result};
use crate::log::Logger;
use crate::sign::{Clock, Credentials, SystemClock, MAX_LIFETIME_SECS};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub const KIB: u64 = 1024;
pub const MIB: u64 = 1024 * 1024;

/// The slice sizes the service accepts at `upload_slice_init`.
pub const SLICE_SIZES: [u64; 4] = [512 * KIB, MIB, 2 * MIB, 3 * MIB];

/// Largest simple (`op=upload`) request the service takes.
pub const MAX_SIMPLE_UPLOAD: u64 = 20_000_000;

pub const MAX_WORKERS: usize = 32;
pub const MAX_RETRIES: u32 = 100;
/// The longest retry window: a day.
pub const MAX_RETRY_WINDOW: Duration = Duration::from_secs(86_400);
/// The least bandwidth limit: 1 KiB/s.
pub const MIN_LIMIT_RATE: u64 = 1024;

/// Where requests go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `http(s)://<region>.file.myqcloud.com`.
    Region(String),
    /// An explicit base URL such as `http://127.0.0.1:8080` (the emulator, a private deployment).
    BaseUrl(String),
}

/// All settings of a client; see the module table for defaults.
#[derive(Clone)]
pub struct Config {
    pub credentials: Credentials,
    pub endpoint: Option<Endpoint>,
    /// Use `https` for a region endpoint (default: on when the `https` feature is built).
    pub https: bool,
    pub slice_size: u64,
    pub workers: usize,
    pub integrity: bool,
    pub simple_threshold: u64,
    pub retries: u32,
    /// Retries of a request start only this long after its first attempt (together with the
    /// `retries` count, whichever ends first): the outage a transfer rides out. Up to a day.
    pub retry_window: Duration,
    pub retry_base_delay: Duration,
    pub connect_timeout: Duration,
    pub stall_timeout: Duration,
    pub request_timeout: Duration,
    pub sign_lifetime: Duration,
    pub user_agent: String,
    pub proxy: Option<String>,
    /// A bandwidth limit in bytes per second for the whole client: every request of every
    /// upload and download through it shares it (a token bucket in the transport, not per
    /// request). `None` (default): unlimited.
    pub limit_rate: Option<u64>,
    /// Read `HTTP_PROXY`/`ALL_PROXY`/... from the environment (off by default).
    pub env_proxy: bool,
    /// A PEM file of CA certificates to trust for `https` endpoints *instead of* the built-in
    /// Mozilla roots (webpki-roots), e.g. a private CA or the emulator's `ca.pem`. Read and
    /// checked when the client is built; `None` (default) = the built-in roots.
    pub tls_ca_file: Option<PathBuf>,
    /// Accept any server certificate without checking it — INSECURE: anyone on the path can
    /// read and change the traffic and steal signatures. For tests only; default `false`.
    /// Wins over `tls_ca_file`.
    pub tls_insecure_skip_verify: bool,
    pub clock: Arc<dyn Clock>,
    /// Where log lines go (none by default); see [`crate::log`].
    pub logger: Option<Logger>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("credentials", &self.credentials)
            .field("endpoint", &self.endpoint)
            .field("slice_size", &self.slice_size)
            .field("workers", &self.workers)
            .field("integrity", &self.integrity)
            .field("simple_threshold", &self.simple_threshold)
            .field("retries", &self.retries)
            .field("retry_window", &self.retry_window)
            .field("limit_rate", &self.limit_rate)
            .field("tls_ca_file", &self.tls_ca_file)
            .field("tls_insecure_skip_verify", &self.tls_insecure_skip_verify)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Defaults for these credentials; the endpoint must still be set.
    pub fn new(credentials: Credentials) -> Config {
        Config {
            credentials,
            endpoint: None,
            https: cfg!(feature = "https"),
            slice_size: MIB,
            workers: 4,
            integrity: true,
            simple_threshold: 8 * MIB,
            retries: 30,
            retry_window: Duration::from_secs(60),
            retry_base_delay: Duration::from_millis(200),
            connect_timeout: Duration::from_secs(10),
            stall_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(300),
            sign_lifetime: Duration::from_secs(300),
            user_agent: format!("cosv4/{}", env!("CARGO_PKG_VERSION")),
            proxy: None,
            limit_rate: None,
            env_proxy: false,
            tls_ca_file: None,
            tls_insecure_skip_verify: false,
            clock: Arc::new(SystemClock),
            logger: None,
        }
    }

    /// Checks every setting and returns the base URL requests go to.
    pub fn validate(&self) -> Result<String> {
        if !SLICE_SIZES.contains(&self.slice_size) {
            return Err(Error::usage(format!(
                "slice size {} is not allowed; use 524288, 1048576, 2097152 or 3145728",
                self.slice_size
            )));
        }
        if !(1..=MAX_WORKERS).contains(&self.workers) {
            return Err(Error::usage(format!(
                "worker count {} is out of range; use 1 to {MAX_WORKERS}",
                self.workers
            )));
        }
        if self.simple_threshold > MAX_SIMPLE_UPLOAD {
            return Err(Error::usage(format!(
                "simple-upload threshold {} is above the service's limit of {MAX_SIMPLE_UPLOAD} bytes",
                self.simple_threshold
            )));
        }
        if self.limit_rate.is_some_and(|r| r < MIN_LIMIT_RATE) {
            return Err(Error::usage(format!(
                "bandwidth limit {} bytes/s is below the least, {MIN_LIMIT_RATE}",
                self.limit_rate.unwrap_or(0)
            )));
        }
        if self.retry_window > MAX_RETRY_WINDOW {
            return Err(Error::usage(format!(
                "retry window {:?} is out of range; use at most a day",
                self.retry_window
            )));
        }
        if self.retries > MAX_RETRIES {
            return Err(Error::usage(format!(
                "retries {} is out of range; use 0 to {MAX_RETRIES}",
                self.retries
            )));
        }
        for (name, d) in [
            ("connect timeout", self.connect_timeout),
            ("stall timeout", self.stall_timeout),
            ("request timeout", self.request_timeout),
            ("signature lifetime", self.sign_lifetime),
        ] {
            if d.is_zero() {
                return Err(Error::usage(format!("{name} is zero")));
            }
        }
        if self.sign_lifetime.as_secs() > MAX_LIFETIME_SECS {
            return Err(Error::usage(format!(
                "signature lifetime {} s is above the service's 90 days",
                self.sign_lifetime.as_secs()
            )));
        }
        if self.user_agent.chars().any(|c| c.is_control()) {
            return Err(Error::usage("user agent contains a control character"));
        }
        if let Some(p) = &self.proxy {
            let scheme_ok = [
                "http://",
                "https://",
                "socks4://",
                "socks4a://",
                "socks5://",
            ]
            .iter()
            .any(|s| p.starts_with(s));
            if !scheme_ok || ureq::Proxy::new(p).is_err() {
                return Err(Error::usage(format!(
                    "proxy {p:?} is not a valid proxy URL (http://host:port or socks5://host:port)"
                )));
            }
        }
        self.validate_tls()?;
        match &self.endpoint {
            None => Err(Error::usage("no endpoint: set a region or a base URL")),
            Some(Endpoint::Region(r)) => region_url(r, self.https),
            Some(Endpoint::BaseUrl(u)) => base_url(u),
        }
    }
}

impl Config {
    /// The TLS options need a TLS build. (The CA file is read once, when the client builds its
    /// agent: validating a config never touches the file system.)
    fn validate_tls(&self) -> Result<()> {
        if (self.tls_ca_file.is_some() || self.tls_insecure_skip_verify) && !cfg!(feature = "https")
        {
            return Err(Error::usage(
                "tls_ca_file / tls_insecure_skip_verify were set but this build has no TLS \
                 (the `https` feature is off)",
            ));
        }
        Ok(())
    }
}

/// The base URL of a region, accepting the long names the Python SDK maps.
fn region_url(region: &str, https: bool) -> Result<String> {
    let code = match region {
        "shanghai" => "sh",
        "guangzhou" => "gz",
        "tianjin" | "tianjing" => "tj",
        "singapore" => "sgp",
        other => other,
    };
    if code.is_empty()
        || !code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(Error::usage(format!(
            "region {region:?} is not a region code (lower-case letters, digits and '-', e.g. \"gz\")"
        )));
    }
    if https && !cfg!(feature = "https") {
        return Err(Error::usage(
            "https was asked for but this build has no TLS (the `https` feature is off)",
        ));
    }
    let scheme = if https { "https" } else { "http" };
    Ok(format!("{scheme}://{code}.file.myqcloud.com"))
}

/// Checks an explicit base URL: `http(s)://host[:port][/prefix]`, no query or fragment.
fn base_url(url: &str) -> Result<String> {
    let bad = |why: &str| {
        Err(Error::usage(format!(
            "endpoint {url:?} is not usable: {why}"
        )))
    };
    let rest = if let Some(r) = url.strip_prefix("http://") {
        r
    } else if let Some(r) = url.strip_prefix("https://") {
        if !cfg!(feature = "https") {
            return bad("https needs the `https` feature, which this build lacks");
        }
        r
    } else {
        return bad("it must start with http:// or https://");
    };
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() {
        return bad("it has no host");
    }
    if rest.contains(['?', '#', ' ']) || url.chars().any(|c| c.is_control()) {
        return bad("it must not contain a query, a fragment, spaces or control characters");
    }
    if let Some((h, port)) = host.rsplit_once(':') {
        if !h.ends_with(']') && h.contains(':') {
            return bad("an IPv6 host must be in brackets");
        }
        if port.parse::<u16>().map(|p| p == 0).unwrap_or(true) && !host.ends_with(']') {
            return bad("the port is not a number from 1 to 65535");
        }
    }
    if url.parse::<ureq::http::Uri>().is_err() {
        return bad("it does not parse as a URL");
    }
    Ok(url.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> Config {
        let mut c = Config::new(Credentials::new(1, "id", "key").unwrap());
        c.endpoint = Some(Endpoint::BaseUrl("http://127.0.0.1:8080".into()));
        c
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(cfg().validate().unwrap(), "http://127.0.0.1:8080");
    }

    #[test]
    fn bad_settings_are_named() {
        type Case = (Box<dyn Fn(&mut Config)>, &'static str);
        let cases: Vec<Case> = vec![
            (Box::new(|c| c.slice_size = 1000), "slice size"),
            (Box::new(|c| c.workers = 0), "worker count"),
            (Box::new(|c| c.workers = 10_000), "worker count"),
            (Box::new(|c| c.simple_threshold = 30_000_000), "threshold"),
            (Box::new(|c| c.retries = 101), "retries"),
            (
                Box::new(|c| c.retry_window = Duration::from_secs(86_401)),
                "retry window",
            ),
            (
                Box::new(|c| c.stall_timeout = Duration::ZERO),
                "stall timeout",
            ),
            (Box::new(|c| c.endpoint = None), "no endpoint"),
            (
                Box::new(|c| c.endpoint = Some(Endpoint::BaseUrl("ftp://x".into()))),
                "http://",
            ),
            (
                Box::new(|c| c.endpoint = Some(Endpoint::BaseUrl("http://".into()))),
                "no host",
            ),
            (
                Box::new(|c| c.endpoint = Some(Endpoint::BaseUrl("http://h:99999".into()))),
                "port",
            ),
            (
                Box::new(|c| c.endpoint = Some(Endpoint::BaseUrl("http://h/?q".into()))),
                "query",
            ),
            (
                Box::new(|c| c.endpoint = Some(Endpoint::Region("G Z".into()))),
                "region",
            ),
            (Box::new(|c| c.proxy = Some("nonsense".into())), "proxy"),
            (Box::new(|c| c.limit_rate = Some(1023)), "bandwidth limit"),
        ];
        for (set, needle) in cases {
            let mut c = cfg();
            set(&mut c);
            let e = c.validate().unwrap_err();
            assert!(e.message().contains(needle), "{needle}: {}", e.message());
        }
    }

    #[test]
    fn regions() {
        let mut c = cfg();
        c.https = false;
        c.endpoint = Some(Endpoint::Region("shanghai".into()));
        assert_eq!(c.validate().unwrap(), "http://sh.file.myqcloud.com");
        c.endpoint = Some(Endpoint::Region("gz".into()));
        assert_eq!(c.validate().unwrap(), "http://gz.file.myqcloud.com");
    }
}
