//! The upload engine: plan → hash → a bounded window of workers → events to the caller.
//!
//! Files up to the simple-upload threshold go in one `op=upload` request ([`simple`]); larger
//! ones through `upload_slice_init` → `upload_slice_data` × N → `upload_slice_finish`
//! ([`session`] for the protocol steps, [`window`] for the parallel data phase). Everything runs
//! on the calling thread except the data workers; progress is delivered on the calling thread.

mod digest;
mod limit;
mod parents;
mod plan;
mod progress;
mod session;
mod settle;
mod simple;
mod source;
mod window;

pub use crate::cancel::CancelToken;
pub(crate) use crate::retry::Stop;
pub(crate) use digest::{compute, digest_slice_size, Prepared};
pub(crate) use limit::RequestLimit;
pub use plan::Plan;
pub use progress::{Handler, Phase, Progress, MIN_INTERVAL};
pub use source::{FileSource, MemSource, Source};

use crate::config::Config;
use crate::error::Result;
use crate::hash::FileDigest;
use crate::sign::Signer;
use crate::transport::{Api, Sign, Target};
use crate::wire::envelope::opt_str;
use crate::wire::MultipartBody;
use progress::Reporter;
use serde_json::Value;
use std::io::Read;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Per-upload choices.
#[derive(Clone, Debug)]
pub struct UploadOptions {
    /// Free-form attribute stored with the object (`biz_attr`). Default empty.
    pub biz_attr: String,
    /// Refuse to overwrite an existing object with other content (`insertOnly=1`, code -177).
    /// Default true, as in every official SDK.
    pub insert_only: bool,
    /// When an unfinished upload at the path cannot be resumed (other content: -4020; another
    /// size; content not proven to be this file's because a SHA-1 is missing on either side),
    /// delete it and start over instead of failing. Under `insert_only` a finished object at
    /// the path is never deleted (the upload fails with -177 instead): the delete would remove
    /// it too. Default false.
    pub replace_stale: bool,
    /// Before uploading, create the folders of the path that do not exist (the service
    /// refuses an upload into a missing folder with code -197): one stat of the direct parent
    /// when it exists; otherwise stats upwards to the first existing folder, then one create
    /// per missing folder, top-down, "already exists" (-178) counting as success. Default
    /// false.
    pub create_parents: bool,
    /// Cancels the upload from another thread.
    pub cancel: Option<CancelToken>,
}

impl Default for UploadOptions {
    fn default() -> Self {
        UploadOptions {
            biz_attr: String::new(),
            insert_only: true,
            replace_stale: false,
            create_parents: false,
            cancel: None,
        }
    }
}

/// What to upload.
#[derive(Debug, Clone, Copy)]
pub enum Content<'a> {
    /// A local file, read with positional reads (never loaded whole).
    File(&'a std::path::Path),
    /// Bytes already in memory.
    Bytes(&'a [u8]),
}

/// How the object got to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// One `op=upload` request.
    Simple,
    /// Slice upload.
    Slices,
    /// The server already had the content: `access_url` answered at init, or "same file already
    /// uploaded" (-4018) confirmed by a stat of the finished object.
    Instant,
}

/// What a successful upload returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub access_url: String,
    pub resource_path: String,
    pub source_url: String,
    pub url: String,
    pub method: Method,
    /// True when an unfinished earlier upload was continued.
    pub resumed: bool,
    pub bytes_total: u64,
    /// Content bytes sent, retries included.
    pub bytes_sent: u64,
    pub slices_total: u64,
    /// Slice requests that succeeded in this call.
    pub slices_sent: u64,
    /// Slices the server already had (after a resume).
    pub slices_skipped: u64,
    /// Requests sent again after a retryable failure.
    pub retries: u32,
    /// Slice size used (the server's answer wins over the configured one); 0 for simple uploads.
    pub slice_size: u64,
    /// HTTP requests sent (init, list, data, finish, and with `create_parents` the stats and
    /// creates of folders; retries included).
    pub requests: u64,
    /// Content bytes sent more than once (retried requests).
    pub bytes_resent: u64,
    /// Time spent computing the SHA-1 and `uploadparts` before the first request.
    pub hashing: Duration,
    /// Time from the first request to the end.
    pub sending: Duration,
}

impl Outcome {
    fn from_answer(data: &Value, method: Method, bytes_total: u64) -> Outcome {
        let s = |f: &str| opt_str(data, f).unwrap_or_default();
        Outcome {
            access_url: s("access_url"),
            resource_path: s("resource_path"),
            source_url: s("source_url"),
            url: s("url"),
            method,
            resumed: false,
            bytes_total,
            bytes_sent: 0,
            slices_total: 0,
            slices_sent: 0,
            slices_skipped: 0,
            retries: 0,
            slice_size: 0,
            requests: 0,
            bytes_resent: 0,
            hashing: Duration::ZERO,
            sending: Duration::ZERO,
        }
    }
}

/// What a batch hands to each of its uploads besides the options.
#[derive(Default)]
pub(crate) struct Handoff {
    /// The digest computed ahead; `None`: the upload hashes the file itself.
    pub prepared: Option<Prepared>,
    /// A bound on requests in flight shared with other uploads; each request holds a permit.
    pub limit: Option<Arc<RequestLimit>>,
}

/// One upload in progress: everything the steps share.
pub(crate) struct Job<'a> {
    pub cfg: &'a Config,
    pub signer: &'a Signer,
    pub bucket: &'a str,
    pub cos_path: &'a str,
    /// The object's API URL.
    pub url: String,
    pub source: &'a dyn Source,
    pub opts: &'a UploadOptions,
    /// The client's parts: every request goes through [`Api`].
    pub api: Api<'a>,
    /// The caller's token (or a private one).
    pub cancel: CancelToken,
    /// Stops this upload's work and interrupts its requests: cancelled by `cancel`, by a slice
    /// failing for good, or by the progress handler asking to stop.
    pub halt: CancelToken,
    _link: crate::cancel::HookGuard,
    started: Instant,
    /// Requests sent so far.
    requests: AtomicU64,
    /// Nanoseconds spent hashing.
    hashing: AtomicU64,
    /// Retries made before the upload proper (creating parent folders).
    early_retries: AtomicU32,
    /// The digest computed ahead, until [`Job::digest`] takes it.
    prepared: Mutex<Option<FileDigest>>,
    /// The bytes that digest was computed from (a small file): sent instead of the source's.
    content: Option<Vec<u8>>,
    /// Shared bound on requests in flight (a batch's).
    limit: Option<Arc<RequestLimit>>,
}

impl<'a> Job<'a> {
    pub fn new(
        api: Api<'a>,
        target: (&'a str, &'a str),
        source: &'a dyn Source,
        opts: &'a UploadOptions,
    ) -> Job<'a> {
        let (bucket, cos_path) = target;
        let cancel = opts.cancel.clone().unwrap_or_default();
        let halt = CancelToken::new();
        let linked = halt.clone();
        let _link = cancel.on_cancel(move || linked.cancel());
        Job {
            cfg: api.cfg,
            signer: api.signer,
            bucket,
            cos_path,
            url: api.object_url(bucket, cos_path),
            source,
            opts,
            api,
            cancel,
            halt,
            _link,
            started: Instant::now(),
            requests: AtomicU64::new(0),
            hashing: AtomicU64::new(0),
            early_retries: AtomicU32::new(0),
            prepared: Mutex::new(None),
            content: None,
            limit: None,
        }
    }

    /// The same upload as a fresh job (its stop not set), its counts carried over: to start
    /// again after the service lost the session.
    pub fn again(&self) -> Job<'a> {
        let target = (self.bucket, self.cos_path);
        let mut job = Job::new(self.api, target, self.source, self.opts);
        job.started = self.started;
        job.requests = AtomicU64::new(self.requests.load(Ordering::Relaxed));
        job.hashing = AtomicU64::new(self.hashing.load(Ordering::Relaxed));
        job.early_retries = AtomicU32::new(self.early_retries.load(Ordering::Relaxed));
        job.limit = self.limit.clone();
        job
    }

    /// A job that uses what a batch hands over.
    fn with_handoff(mut self, handoff: Handoff) -> Self {
        if let Some(p) = handoff.prepared {
            let nanos = u64::try_from(p.hashing.as_nanos()).unwrap_or(u64::MAX);
            self.hashing = AtomicU64::new(nanos);
            self.prepared = Mutex::new(Some(p.digest));
            self.content = p.content;
        }
        self.limit = handoff.limit;
        self
    }

    /// The digest to send (none without integrity checks): the one computed ahead, or one
    /// hashed now with [`digest_slice_size`].
    pub fn digest(&self, reporter: &mut Reporter<'_>) -> Result<Option<FileDigest>> {
        if !self.cfg.integrity {
            return Ok(None);
        }
        let ahead = self
            .prepared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        match ahead {
            Some(d) => Ok(Some(d)),
            None => {
                let slice_size = digest_slice_size(self.cfg, self.source.len());
                self.hash(slice_size, reporter).map(Some)
            }
        }
    }

    /// The bytes of a small file read when its digest was computed ahead, if kept.
    pub fn content(&self) -> Option<&[u8]> {
        self.content.as_deref()
    }

    /// A permit of the shared request bound, if any (held while a request is in flight).
    fn permit(&self) -> Result<Option<limit::Permit<'_>>> {
        self.limit
            .as_ref()
            .map(|l| l.acquire(&self.stop()))
            .transpose()
    }

    /// Fills the statistics of `outcome` (requests, hashing and sending time), and adds the
    /// retries made before the upload proper.
    pub fn finish_stats(&self, outcome: &mut Outcome) {
        outcome.requests = self.requests.load(Ordering::Relaxed);
        outcome.retries += self.early_retries.load(Ordering::Relaxed);
        outcome.hashing = Duration::from_nanos(self.hashing.load(Ordering::Relaxed));
        outcome.sending = self.started.elapsed().saturating_sub(outcome.hashing);
    }

    pub fn stop(&self) -> Stop<'_> {
        Stop {
            cancel: &self.cancel,
            halt: &self.halt,
        }
    }

    /// POSTs `body` to the object with a multi-effect signature (f empty: what most SDKs send
    /// for uploads); the answer's `data` or its error. `halt` interrupts the request.
    pub fn post<R: Read>(&self, body: MultipartBody<R>) -> Result<Value> {
        self.send(Sign::Multi, body)
    }

    /// The same with the signature of `sign`.
    pub fn send<R: Read>(&self, sign: Sign, body: MultipartBody<R>) -> Result<Value> {
        let _permit = self.permit()?;
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.api.post(&self.target(sign), body)
    }

    fn target(&self, sign: Sign) -> Target<'_> {
        Target {
            bucket: self.bucket,
            cos_path: self.cos_path,
            sign,
            cancel: Some(&self.halt),
        }
    }

    /// `op=stat` of the object, with retries; `halt` interrupts it.
    pub fn stat(&self) -> Result<crate::objects::ObjectStat> {
        self.stat_path(self.cos_path).0
    }

    /// `op=stat` of `cos_path` (a file, or a folder ending in `/`), with retries (their
    /// number is returned too); `halt` interrupts it.
    pub fn stat_path(&self, cos_path: &str) -> (Result<crate::objects::ObjectStat>, u32) {
        crate::retry::with_retries(self.cfg, &self.stop(), || {
            let _permit = self.permit()?;
            self.requests.fetch_add(1, Ordering::Relaxed);
            crate::objects::stat(self.api, self.bucket, cos_path, Some(&self.halt))
        })
    }

    /// The SHA-1 of the whole source, in one pass (no progress events).
    pub fn whole_sha(&self) -> Result<String> {
        let size = self.source.len();
        let one_slice = size.next_multiple_of(64).max(64);
        Ok(self
            .hash_pass(one_slice, &mut progress::reporter(None, size))?
            .sha)
    }

    /// One sequential pass over the source: the sha and the `uploadparts` states.
    pub fn hash(&self, slice_size: u64, reporter: &mut Reporter<'_>) -> Result<FileDigest> {
        let started = Instant::now();
        let digest = self.hash_pass(slice_size, reporter);
        let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.hashing.fetch_add(nanos, Ordering::Relaxed);
        digest
    }

    fn hash_pass(&self, slice_size: u64, reporter: &mut Reporter<'_>) -> Result<FileDigest> {
        digest::hash_source(self.source, slice_size, &self.stop(), reporter)
    }
}

/// Runs one upload of `source` to `bucket`/`cos_path` (checked by the caller,
/// [`crate::Client::upload`]).
pub(crate) fn run(
    api: Api<'_>,
    target: (&str, &str),
    source: &dyn Source,
    opts: &UploadOptions,
    handler: Option<Handler<'_>>,
) -> Result<Outcome> {
    run_with(api, target, source, opts, Handoff::default(), handler)
}

/// [`run`] with what a batch hands over: a digest computed ahead, a shared request bound.
pub(crate) fn run_with(
    api: Api<'_>,
    target: (&str, &str),
    source: &dyn Source,
    opts: &UploadOptions,
    handoff: Handoff,
    handler: Option<Handler<'_>>,
) -> Result<Outcome> {
    let (bucket, cos_path) = target;
    let threshold = api.cfg.simple_threshold;
    let job = Job::new(api, (bucket, cos_path), source, opts).with_handoff(handoff);
    job.stop().check()?;
    // Before hashing: a folder that cannot be made fails the upload at once.
    if opts.create_parents {
        parents::create_missing(&job)?;
    }
    let mut reporter = progress::reporter(handler, source.len());
    let result = if source.len() <= threshold {
        simple::upload(&job, &mut reporter)
    } else {
        session::upload(&job, &mut reporter)
    };
    result.map_err(|e| parents::hint(e, opts))
}

#[cfg(test)]
mod tests;
