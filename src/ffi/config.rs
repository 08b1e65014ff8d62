//! `cosv4_config`: the settings a client is built from.

use super::{arg_bool, arg_mut, arg_opt_str, arg_str, non_null, run, run_with_error, write_out};
use super::{cosv4_error, cosv4_result, BoxHandle, Failure, FfiResult};
use crate::{Config, Credentials, Endpoint};
use std::ffi::{c_char, CString};
use std::time::Duration;

/// Settings for a client: credentials, endpoint, and tuning knobs (each setter names its
/// default). Created with cosv4_config_new, consumed by
/// cosv4_client_new (or freed with cosv4_config_free). Not thread-safe: one thread at a time.
pub struct cosv4_config {
    pub(crate) cfg: Config,
    /// Why the last setter failed ("" after one that succeeded).
    last_error: CString,
}

impl BoxHandle for cosv4_config {}

/// Creates a configuration for these credentials, with every setting at its default. The
/// endpoint (cosv4_config_set_region or cosv4_config_set_endpoint) must still be set.
/// `secret_id` and `secret_key` are copied. On success writes a new config to `*out`;
/// COSV4_RESULT_INVALID_CONFIG when appid is 0, a secret is empty, or the secret id contains a
/// control character or '&' (it travels in the signature's plaintext; the key may hold any
/// bytes). cosv4_config_new_with_error says which.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_new(
    appid: u64,
    secret_id: *const c_char,
    secret_key: *const c_char,
    out: *mut *mut cosv4_config,
) -> cosv4_result {
    run(|| unsafe { new_config(appid, secret_id, secret_key, out) })
}

/// As cosv4_config_new, and `*err_out` (may be NULL) is always written: NULL on success, on
/// failure a new cosv4_error whose message names the problem (e.g. what is wrong with the
/// secret id; never the secret key itself).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_new_with_error(
    appid: u64,
    secret_id: *const c_char,
    secret_key: *const c_char,
    out: *mut *mut cosv4_config,
    err_out: *mut *mut cosv4_error,
) -> cosv4_result {
    unsafe { run_with_error(err_out, || new_config(appid, secret_id, secret_key, out)) }
}

/// The body of cosv4_config_new and cosv4_config_new_with_error.
unsafe fn new_config(
    appid: u64,
    secret_id: *const c_char,
    secret_key: *const c_char,
    out: *mut *mut cosv4_config,
) -> FfiResult {
    let id = unsafe { arg_str(secret_id, "secret_id") }?;
    let key = unsafe { arg_str(secret_key, "secret_key") }?;
    non_null(out, "out")?;
    let creds = Credentials::new(appid, id, key)
        .map_err(|e| Failure::core_as(cosv4_result::InvalidConfig, e))?;
    unsafe {
        write_out(
            out,
            cosv4_config {
                cfg: Config::new(creds),
                last_error: CString::default(),
            }
            .into_raw(),
        )
    };
    Ok(())
}

/// Frees a configuration that was not passed to cosv4_client_new. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_free(cfg: *mut cosv4_config) {
    super::guard((), || unsafe { cosv4_config::free_raw(cfg) })
}

/// Runs a setter inside the panic boundary and remembers why it failed (or that it did not)
/// for cosv4_config_last_error.
pub(super) unsafe fn record(cfg: *mut cosv4_config, f: impl FnOnce() -> FfiResult) -> cosv4_result {
    super::guard(cosv4_result::Panic, || {
        let result = f();
        if let Some(c) = unsafe { cfg.as_mut() } {
            c.last_error = match &result {
                Ok(()) => CString::default(),
                Err(e) => CString::new(e.message.replace('\0', " ")).unwrap_or_default(),
            };
        }
        match result {
            Ok(()) => cosv4_result::Ok,
            Err(e) => e.code,
        }
    })
}

/// Why the last setter called on `cfg` failed, as a sentence naming the value and the rule
/// (e.g. the endpoint and what is wrong with it); "" after a setter that succeeded, before any
/// setter, and when `cfg` is NULL. The string belongs to `cfg`: valid until the next call on
/// `cfg` or until it is freed or consumed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_last_error(cfg: *const cosv4_config) -> *const c_char {
    super::guard(super::EMPTY.as_ptr(), || match unsafe { cfg.as_ref() } {
        Some(c) => c.last_error.as_ptr(),
        None => super::EMPTY.as_ptr(),
    })
}

/// Applies `change` to the config if the result passes the core's checks; otherwise the
/// config stays as it was and the result is INVALID_CONFIG. Every setter goes through here, so
/// a config only ever holds valid values and a failed check names the value just set.
unsafe fn apply(cfg: *mut cosv4_config, change: impl FnOnce(&mut Config)) -> FfiResult {
    let cfg = unsafe { arg_mut(cfg, "cfg") }?;
    let mut probe = cfg.cfg.clone();
    change(&mut probe);
    let mut check = probe.clone();
    // The endpoint may legitimately still be missing; stand in a valid one for the check.
    check
        .endpoint
        .get_or_insert_with(|| Endpoint::BaseUrl("http://127.0.0.1".into()));
    check
        .validate()
        .map_err(|e| Failure::core_as(cosv4_result::InvalidConfig, e))?;
    cfg.cfg = probe;
    Ok(())
}

/// One setter: `convert` checks the C value and turns it into the core's, `store` puts it in.
unsafe fn set<A, V>(
    cfg: *mut cosv4_config,
    arg: A,
    convert: impl FnOnce(A) -> FfiResult<V>,
    store: impl FnOnce(&mut Config, V),
) -> cosv4_result {
    unsafe {
        record(cfg, || {
            let v = convert(arg)?;
            apply(cfg, |c| store(c, v))
        })
    }
}

/// The same for a string argument (copied).
unsafe fn set_text(
    cfg: *mut cosv4_config,
    arg: *const c_char,
    name: &str,
    store: impl FnOnce(&mut Config, String),
) -> cosv4_result {
    unsafe {
        record(cfg, || {
            let v = arg_str(arg, name)?.to_string();
            apply(cfg, |c| store(c, v))
        })
    }
}

fn millis(v: u64) -> FfiResult<Duration> {
    Ok(Duration::from_millis(v))
}

fn secs(v: u64) -> FfiResult<Duration> {
    Ok(Duration::from_secs(v))
}

fn plain<T>(v: T) -> FfiResult<T> {
    Ok(v)
}

fn flag(v: u32) -> FfiResult<bool> {
    arg_bool(v, "on")
}

fn count(v: u32) -> FfiResult<usize> {
    usize::try_from(v).map_err(|_| Failure::new(cosv4_result::InvalidConfig, "too large"))
}

/// Sets the endpoint to a COS region: a code such as "gz", "sh", "tj", "sgp" or a long name
/// ("guangzhou", "shanghai", ...). Requests go to http(s)://<region>.file.myqcloud.com.
/// Replaces an endpoint set before. COSV4_RESULT_INVALID_CONFIG when it is not a region code.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_set_region(
    cfg: *mut cosv4_config,
    region: *const c_char,
) -> cosv4_result {
    unsafe {
        set_text(cfg, region, "region", |c, v| {
            c.endpoint = Some(Endpoint::Region(v))
        })
    }
}

/// Sets an explicit base URL, `http(s)://host[:port][/prefix]` (a private deployment, the
/// emulator). Replaces an endpoint set before. COSV4_RESULT_INVALID_CONFIG when it is not such
/// a URL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_set_endpoint(
    cfg: *mut cosv4_config,
    base_url: *const c_char,
) -> cosv4_result {
    unsafe {
        set_text(cfg, base_url, "base_url", |c, v| {
            c.endpoint = Some(Endpoint::BaseUrl(v))
        })
    }
}

/// Use https (1, the default when built with TLS) or http (0) for a region endpoint.
/// COSV4_RESULT_INVALID_ARGUMENT (config unchanged) when `on` is not 0 or 1.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_set_https(cfg: *mut cosv4_config, on: u32) -> cosv4_result {
    unsafe { set(cfg, on, flag, |c, v| c.https = v) }
}

/// Slice size for slice uploads: 524288, 1048576 (default), 2097152 or 3145728 bytes.
/// COSV4_RESULT_INVALID_CONFIG (config unchanged) when the value is not allowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_set_slice_size(
    cfg: *mut cosv4_config,
    bytes: u64,
) -> cosv4_result {
    unsafe { set(cfg, bytes, plain, |c, v| c.slice_size = v) }
}

/// Slices in flight per upload: 1 to 32 (default 4).
/// COSV4_RESULT_INVALID_CONFIG (config unchanged) when the value is not allowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_set_workers(
    cfg: *mut cosv4_config,
    workers: u32,
) -> cosv4_result {
    unsafe { set(cfg, workers, count, |c, v| c.workers = v) }
}

/// Send the SHA-1 of the content so the service checks it (1, default) or not (0; saves
/// reading the file twice).
/// COSV4_RESULT_INVALID_ARGUMENT (config unchanged) when `on` is not 0 or 1.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_set_integrity(
    cfg: *mut cosv4_config,
    on: u32,
) -> cosv4_result {
    unsafe { set(cfg, on, flag, |c, v| c.integrity = v) }
}

/// Files up to this size (default 8388608, at most 20000000) go in one request; larger ones
/// in slices.
/// COSV4_RESULT_INVALID_CONFIG (config unchanged) when the value is not allowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_set_simple_threshold(
    cfg: *mut cosv4_config,
    bytes: u64,
) -> cosv4_result {
    unsafe { set(cfg, bytes, plain, |c, v| c.simple_threshold = v) }
}

/// Extra attempts per request after a retryable failure: 0 to 100 (default 30). Retries also
/// stop at the retry window (cosv4_config_set_retry_window_ms), whichever comes first.
/// COSV4_RESULT_INVALID_CONFIG (config unchanged) when the value is not allowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_set_retries(
    cfg: *mut cosv4_config,
    retries: u32,
) -> cosv4_result {
    unsafe { set(cfg, retries, plain, |c, v| c.retries = v) }
}

/// The retry window in milliseconds (default 60000, at most a day): retries of a request
/// start only within this time from its first attempt, so an outage this long (refused or
/// reset connections, 5xx answers, timeouts) is ridden out; 0: no retries.
/// COSV4_RESULT_INVALID_CONFIG (config unchanged) when the value is not allowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_set_retry_window_ms(
    cfg: *mut cosv4_config,
    ms: u64,
) -> cosv4_result {
    unsafe {
        set(cfg, Duration::from_millis(ms), plain, |c, v| {
            c.retry_window = v
        })
    }
}

/// A bandwidth limit for the whole client in bytes per second (at least 1024), shared by every
/// request of every upload and download made through clients built from this config (each
/// client has its own bucket of tokens); 0 (the default) for none.
/// COSV4_RESULT_INVALID_CONFIG (config unchanged) when the value is not allowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_set_limit_rate(
    cfg: *mut cosv4_config,
    bytes_per_second: u64,
) -> cosv4_result {
    let limit = (bytes_per_second > 0).then_some(bytes_per_second);
    unsafe { set(cfg, limit, plain, |c, v| c.limit_rate = v) }
}

/// Connect time limit in milliseconds (default 10000; 0 is rejected).
/// COSV4_RESULT_INVALID_CONFIG (config unchanged) when the value is not allowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_set_connect_timeout_ms(
    cfg: *mut cosv4_config,
    ms: u64,
) -> cosv4_result {
    unsafe { set(cfg, ms, millis, |c, v| c.connect_timeout = v) }
}

/// Stall timeout in milliseconds (default 30000; 0 is rejected): a request fails when, while
/// sending, the socket takes no byte for this long, or, while receiving, no byte arrives for
/// this long. A slow peer that keeps taking bytes is never cut off (the request timeout still
/// bounds the whole request).
/// COSV4_RESULT_INVALID_CONFIG (config unchanged) when the value is not allowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_set_stall_timeout_ms(
    cfg: *mut cosv4_config,
    ms: u64,
) -> cosv4_result {
    unsafe { set(cfg, ms, millis, |c, v| c.stall_timeout = v) }
}

/// Time limit of one whole request in milliseconds (default 300000; 0 is rejected).
/// COSV4_RESULT_INVALID_CONFIG (config unchanged) when the value is not allowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_set_request_timeout_ms(
    cfg: *mut cosv4_config,
    ms: u64,
) -> cosv4_result {
    unsafe { set(cfg, ms, millis, |c, v| c.request_timeout = v) }
}

/// Lifetime of the signatures sent with requests, in seconds (default 300; 1 to 7776000).
/// COSV4_RESULT_INVALID_CONFIG (config unchanged) when the value is not allowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_set_sign_lifetime(
    cfg: *mut cosv4_config,
    seconds: u64,
) -> cosv4_result {
    unsafe { set(cfg, seconds, secs, |c, v| c.sign_lifetime = v) }
}

/// Read HTTP_PROXY/HTTPS_PROXY/ALL_PROXY/NO_PROXY from the environment (1) or not (0,
/// default). An explicit cosv4_config_set_proxy wins.
/// COSV4_RESULT_INVALID_ARGUMENT (config unchanged) when `on` is not 0 or 1.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_set_env_proxy(
    cfg: *mut cosv4_config,
    on: u32,
) -> cosv4_result {
    unsafe { set(cfg, on, flag, |c, v| c.env_proxy = v) }
}

/// Sets the User-Agent header (default "cosv4/<version>"); copied. INVALID_CONFIG when it
/// contains a control character.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_set_user_agent(
    cfg: *mut cosv4_config,
    user_agent: *const c_char,
) -> cosv4_result {
    unsafe { set_text(cfg, user_agent, "user_agent", |c, v| c.user_agent = v) }
}

/// Sends requests through a proxy: "http://host:port" (CONNECT) or "socks5://host:port"
/// (also https://, socks4://, socks4a://); NULL removes it (the default: no proxy). Copied.
/// INVALID_CONFIG when it is not such a URL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_set_proxy(
    cfg: *mut cosv4_config,
    proxy: *const c_char,
) -> cosv4_result {
    unsafe {
        record(cfg, || {
            let proxy = arg_opt_str(proxy, "proxy")?.map(str::to_string);
            apply(cfg, |c| c.proxy = proxy)
        })
    }
}

/// Trusts the CA certificates in this PEM file for https endpoints *instead of* the built-in
/// Mozilla roots (default: NULL = the built-in roots; NULL also removes a file set before). Use
/// it for a private CA or the emulator's `ca.pem`. The path is copied and the file is read and
/// checked now (and again by cosv4_client_new). COSV4_RESULT_INVALID_CONFIG (config unchanged)
/// when the file cannot be read, holds no certificate or an unusable one, or the library was
/// built without TLS; COSV4_RESULT_INVALID_UTF8 when the path is not UTF-8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_set_tls_ca_file(
    cfg: *mut cosv4_config,
    path: *const c_char,
) -> cosv4_result {
    unsafe {
        record(cfg, || {
            let path = arg_opt_str(path, "path")?.map(std::path::PathBuf::from);
            // This setter's own check: the file must hold usable certificates. (The client
            // reads it again when it is built; no other setter touches it.)
            #[cfg(feature = "https")]
            if let Some(p) = &path {
                crate::transport::load_ca_file(p)
                    .map_err(|e| Failure::core_as(cosv4_result::InvalidConfig, e))?;
            }
            apply(cfg, |c| c.tls_ca_file = path)
        })
    }
}

/// INSECURE, for tests only: 1 accepts any server certificate without checking it (anyone on
/// the network path can then read and change the traffic); 0 (the default) verifies
/// certificates. Wins over cosv4_config_set_tls_ca_file.
/// COSV4_RESULT_INVALID_ARGUMENT when `on` is not 0 or 1; COSV4_RESULT_INVALID_CONFIG when the
/// library was built without TLS (config unchanged either way).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_set_tls_insecure_skip_verify(
    cfg: *mut cosv4_config,
    on: u32,
) -> cosv4_result {
    unsafe { set(cfg, on, flag, |c, v| c.tls_insecure_skip_verify = v) }
}
