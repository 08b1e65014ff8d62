//! Emulator configuration: identity of the emulated bucket, behaviour switches and faults.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// A clock returning Unix seconds; injectable so signature-expiry tests are exact.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// Fault injection for `upload_slice_data` and `op=upload` requests, and for every other
/// operation (each kind draws from its own stream). Every decision comes from a counter-based generator seeded with `seed`, so a
/// run is reproducible.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Faults {
    pub seed: u64,
    /// Answer 503 (code -71) or 500 (code -195), alternately, instead of storing.
    pub http_5xx_rate: f64,
    /// Read the request, then reset the connection (RST) without storing or answering.
    pub drop_before_store_rate: f64,
    /// Store the slice, then reset the connection without answering.
    pub drop_after_store_rate: f64,
    /// Sleep this long before answering every slice.
    pub delay_ms: u64,
    /// Probability of an extra stall of `stall_ms` before answering.
    pub stall_rate: f64,
    pub stall_ms: u64,
    /// Every other operation (`upload_slice_init`, `_list`, `_finish`, `stat`, `create`,
    /// `list`, `delete`, `move`, `copy`, `update`) draws from a stream of its own: answer 503
    /// or 500 without doing anything, at this rate ...
    pub ops_5xx_rate: f64,
    /// ... or reset the connection without doing anything ...
    pub ops_drop_before_rate: f64,
    /// ... or do the operation, then reset the connection (the answer is lost).
    pub ops_drop_after_rate: f64,
}

#[derive(Clone)]
pub struct Config {
    /// Address to listen on; default `127.0.0.1:0` (a free port).
    pub listen: SocketAddr,
    pub appid: u64,
    pub bucket: String,
    pub secret_id: String,
    pub secret_key: String,
    /// Where objects and sessions live; a fresh temporary directory when `None`
    /// (removed again on stop).
    pub data_dir: Option<PathBuf>,
    /// Answer `serial_upload: 1` on every slice init.
    pub force_serial_upload: bool,
    /// Answer (and use) this slice size instead of the requested one.
    pub slice_size_override: Option<u64>,
    pub faults: Faults,
    /// Unix-seconds clock; system time when `None`.
    pub clock: Option<Clock>,
    /// Verify content SHA-1 / `uploadparts` at finish (default true; false for benchmarks).
    pub verify_content: bool,
    /// Benchmarks only: slice data is checked and counted but not written, so objects read
    /// back as zeros (sizes, sessions and answers are unchanged). Implies no verification.
    /// Keeps the host's memory and disk out of throughput figures. Default false.
    pub discard_data: bool,
    /// Print one line per request to stderr.
    pub log_requests: bool,
    /// Serve HTTPS with a certificate made at start by a fresh CA whose certificate is written
    /// to `<data_dir>/ca.pem` (see [`crate::Emulator::ca_pem_path`]); default false (plain HTTP).
    pub tls: bool,
    /// Answer the first this-many `upload_slice_finish` requests with 503 (code -71) without
    /// processing them; `u32::MAX` for every one. Default 0.
    pub finish_unavailable: u32,
    /// Then process the next this-many finishes but reset the connection instead of answering
    /// (the answer is lost). Default 0.
    pub finish_answer_lost: u32,
    /// Wait this long before processing every `upload_slice_finish` (a slow finish, for
    /// cancel-during-finish tests). Default 0.
    pub finish_delay_ms: u64,
    /// Answer an identical re-upload with insertOnly=1 (simple upload or slice init) with
    /// code -4018 "same file already uploaded", as some service versions do, instead of
    /// success. Default false.
    pub same_file_error: bool,
    /// Downloads ignore `Range` and `If-Range` and always answer 200 with the whole object, as
    /// some servers and proxies do. Default false.
    pub ignore_range: bool,
    /// Sleep this long before answering each `op=stat` (a slow service). Default 0.
    pub stat_delay_ms: u64,
    /// Let `op=upload`, `upload_slice_init` and `op=create` put things into folders that do
    /// not exist (they then exist implicitly, as prefixes), as this emulator did before.
    /// Default false: like the service (DOC-6066, DOC-6067), the parent folder must exist, or
    /// the request fails with 404, code -197 "ERROR_CMD_FILE_NOTEXIST". A folder exists
    /// when `op=stat` of it succeeds: the root, a created folder, or a prefix of an object.
    pub implicit_folders: bool,
}

impl Config {
    pub fn new(appid: u64, bucket: &str, secret_id: &str, secret_key: &str) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            appid,
            bucket: bucket.to_string(),
            secret_id: secret_id.to_string(),
            secret_key: secret_key.to_string(),
            data_dir: None,
            force_serial_upload: false,
            slice_size_override: None,
            faults: Faults::default(),
            clock: None,
            verify_content: true,
            discard_data: false,
            log_requests: false,
            tls: false,
            finish_unavailable: 0,
            finish_answer_lost: 0,
            finish_delay_ms: 0,
            same_file_error: false,
            ignore_range: false,
            stat_delay_ms: 0,
            implicit_folders: false,
        }
    }

    /// Current time in Unix seconds according to the configured clock.
    pub fn now(&self) -> u64 {
        match &self.clock {
            Some(clock) => clock(),
            None => system_now(),
        }
    }
}

pub fn system_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
