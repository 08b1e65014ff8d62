//! Downloads (PROTOCOL.md §4.8): signed download URLs, and downloading a file to disk with
//! resume through HTTP `Range`, progress events and cancellation.
//!
//! The download host is not the `/files/v2` API: `<base>/<bucket>-<appid><encoded path>` with an
//! explicit base URL (the emulator's `access_url`), or
//! `http(s)://<bucket>-<appid>.cos<region>.myqcloud.com<encoded path>` for a region. Private
//! objects need `?sign=<multi-effect signature>` whose fileid is the path alone (`/dir/file`,
//! as the Python and Java SDKs sign downloads, §2.3).
//!
//! [`Client::download_file`] stats the object first (size and sha), writes to `<local>.part`
//! (or into `local` itself with [`DownloadOptions::resume_in_place`]), continues an existing
//! partial file with `Range: bytes=<len>-`, checks the size and the SHA-1 when the service
//! knows it, and renames the part file into place at the end. A cancel (its
//! [`CancelToken`]) interrupts the read in flight; the partial file stays, so the next call
//! resumes.

use crate::client::Client;
use crate::config::Endpoint;
use crate::error::{Error, ErrorKind, Result};
use crate::path::{encode, validate_bucket, validate_file};
use crate::sign::MAX_LIFETIME_SECS;
use crate::upload::{CancelToken, MIN_INTERVAL};
use crate::wire::envelope::{Envelope, MAX_BODY};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use sha1::Digest;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Read size of the body loop.
const CHUNK: usize = 256 * 1024;

/// Per-download choices.
#[derive(Clone, Debug, Default)]
pub struct DownloadOptions {
    /// Write into `local` itself and resume from its length, instead of `<local>.part` renamed
    /// at the end. Default false.
    pub resume_in_place: bool,
    /// Do not check the content against the object's SHA-1. Default false (check when the
    /// service reports a sha).
    pub skip_sha_check: bool,
    /// Cancels the download from another thread.
    pub cancel: Option<CancelToken>,
}

/// A download progress event; counts are cumulative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownloadProgress {
    /// Size of the object.
    pub bytes_total: u64,
    /// Bytes on disk so far (those of an earlier attempt included).
    pub bytes_done: u64,
    /// Bytes already on disk when this call started (resumed from).
    pub bytes_resumed: u64,
    /// True in the last event, once the whole object is on disk and checked.
    pub done: bool,
}

/// The caller's handler: return `ControlFlow::Break(())` to stop the download.
pub type DownloadHandler<'a> = &'a mut dyn FnMut(&DownloadProgress) -> ControlFlow<()>;

/// What a successful download returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadOutcome {
    /// Where the file is.
    pub path: PathBuf,
    pub bytes_total: u64,
    /// Bytes received by this call.
    pub bytes_received: u64,
    /// Bytes that were already on disk from an earlier attempt.
    pub bytes_resumed: u64,
    /// The object's SHA-1 as the service reported it ("" when it did not).
    pub sha: String,
}

/// Delivers throttled events.
struct Reporter<'a> {
    handler: Option<DownloadHandler<'a>>,
    last: Option<Instant>,
    current: DownloadProgress,
}

impl Reporter<'_> {
    fn emit(&mut self, force: bool) -> Result<()> {
        let Some(h) = self.handler.as_mut() else {
            return Ok(());
        };
        if !force && self.last.is_some_and(|t| t.elapsed() < MIN_INTERVAL) {
            return Ok(());
        }
        // Forced events (start, end) do not delay the first event with data.
        if !force {
            self.last = Some(Instant::now());
        }
        match h(&self.current) {
            ControlFlow::Continue(()) => Ok(()),
            ControlFlow::Break(()) => Err(Error::new(
                ErrorKind::Aborted,
                "the progress handler asked to stop the download",
            )),
        }
    }
}

fn cancelled() -> Error {
    Error::new(ErrorKind::Cancelled, "the download was cancelled")
}

fn local_io(what: &str, path: &Path, e: &std::io::Error) -> Error {
    Error::local_io(&format!("{what} {}", path.display()), e)
}

/// `<local>.part`.
pub fn part_path(local: &Path) -> PathBuf {
    let mut name = local.as_os_str().to_owned();
    name.push(".part");
    PathBuf::from(name)
}

impl Client {
    /// The unsigned download URL of an object (what `access_url` points to).
    pub fn download_base_url(&self, bucket: &str, cos_path: &str) -> Result<String> {
        validate_bucket(bucket)?;
        validate_file(cos_path)?;
        let appid = self.signer().credentials().appid();
        let enc = encode(cos_path);
        Ok(match &self.config().endpoint {
            Some(Endpoint::Region(_)) => {
                // base_url is `<scheme>://<code>.file.myqcloud.com`.
                let base = self.base_url();
                let (scheme, host) = base.split_once("://").unwrap_or(("https", base));
                let code = host.split('.').next().unwrap_or(host);
                format!("{scheme}://{bucket}-{appid}.cos{code}.myqcloud.com{enc}")
            }
            _ => format!("{}/{bucket}-{appid}{enc}", self.base_url()),
        })
    }

    /// A download URL for a private object, signed for `lifetime` (1 s to 90 days): a
    /// multi-effect signature bound to the path (`f=/dir/file`) in `?sign=`. Anyone holding
    /// the URL can fetch the object with a plain GET until it expires.
    pub fn download_url(&self, bucket: &str, cos_path: &str, lifetime: Duration) -> Result<String> {
        let base = self.download_base_url(bucket, cos_path)?;
        let secs = lifetime.as_secs();
        if secs == 0 || secs > MAX_LIFETIME_SECS {
            return Err(Error::usage(format!(
                "download URL lifetime is {secs} s; use 1 to {MAX_LIFETIME_SECS}"
            )));
        }
        let sig = self.signer().multi(bucket, &encode(cos_path), secs);
        Ok(format!(
            "{base}?sign={}",
            utf8_percent_encode(&sig, NON_ALPHANUMERIC)
        ))
    }

    /// Downloads the file `cos_path` to `local`, resuming a partial earlier download, calling
    /// `progress` (if any) on this thread. On success the file is complete at `local`; on
    /// failure or cancel the partial file stays for the next call to resume.
    pub fn download_file(
        &self,
        bucket: &str,
        cos_path: &str,
        local: impl AsRef<Path>,
        opts: &DownloadOptions,
        progress: Option<DownloadHandler<'_>>,
    ) -> Result<DownloadOutcome> {
        let local = local.as_ref();
        let cancel = opts.cancel.clone().unwrap_or_default();
        if cancel.is_cancelled() {
            return Err(cancelled());
        }
        let stat = self.stat(bucket, cos_path)?;
        let total = stat.filesize;
        let part = if opts.resume_in_place {
            local.to_path_buf()
        } else {
            part_path(local)
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&part)
            .map_err(|e| local_io("open", &part, &e))?;
        let mut have = file
            .metadata()
            .map_err(|e| local_io("stat", &part, &e))?
            .len();
        if have > total {
            // Longer than the object: not a prefix of it.
            file.set_len(0)
                .map_err(|e| local_io("truncate", &part, &e))?;
            have = 0;
        }
        let check_sha = !opts.skip_sha_check && stat.sha.len() == 40;
        let mut hasher = sha1::Sha1::new();
        if check_sha && have > 0 {
            hash_prefix(&mut file, have, &mut hasher, &cancel).map_err(|e| match e {
                Some(e) => local_io("read", &part, &e),
                None => cancelled(),
            })?;
        }
        file.seek(SeekFrom::Start(have))
            .map_err(|e| local_io("seek", &part, &e))?;
        let resumed = have;
        let mut reporter = Reporter {
            handler: progress,
            last: None,
            current: DownloadProgress {
                bytes_total: total,
                bytes_done: have,
                bytes_resumed: resumed,
                done: false,
            },
        };
        reporter.emit(true)?;
        if have < total {
            let url = self.download_url(bucket, cos_path, self.config().sign_lifetime)?;
            let mut sink = Sink {
                file: &mut file,
                path: &part,
                hasher: check_sha.then_some(&mut hasher),
                have: &mut have,
            };
            crate::transport::with_cancel(&cancel, || {
                self.fetch(&url, total, &mut sink, &cancel, &mut reporter)
            })
            .map_err(|e| {
                if cancel.is_cancelled() {
                    cancelled()
                } else {
                    e
                }
            })?;
        }
        if have != total {
            return Err(Error::protocol(format!(
                "the download ended after {have} of {total} bytes"
            )));
        }
        file.sync_all().map_err(|e| local_io("sync", &part, &e))?;
        drop(file);
        if check_sha {
            let got = hex(&hasher.finalize());
            if !got.eq_ignore_ascii_case(&stat.sha) {
                // A prefix from another version of the object, or a corrupted transfer: the
                // next attempt must start over.
                let _ = std::fs::remove_file(&part);
                return Err(Error::integrity(format!(
                    "the downloaded content's SHA-1 is {got}, the object's is {}; the partial \
                     file was removed",
                    stat.sha
                )));
            }
        }
        if part != local {
            std::fs::rename(&part, local).map_err(|e| local_io("rename into", local, &e))?;
        }
        reporter.current.done = true;
        let _ = reporter.emit(true); // complete: a request to stop is moot
        Ok(DownloadOutcome {
            path: local.to_path_buf(),
            bytes_total: total,
            bytes_received: total - resumed,
            bytes_resumed: resumed,
            sha: stat.sha,
        })
    }

    /// One GET from `sink.have` to the end, into `sink`. Restarts from 0 when the server
    /// ignores the range.
    fn fetch(
        &self,
        url: &str,
        total: u64,
        sink: &mut Sink<'_>,
        cancel: &CancelToken,
        reporter: &mut Reporter<'_>,
    ) -> Result<()> {
        // The URL carries a signature: errors name the path only.
        let shown = url.split('?').next().unwrap_or(url);
        let mut req = self
            .agent()
            .get(url)
            .config()
            // A large file takes longer than one API request; the stall timeout still applies.
            .timeout_per_call(None)
            .build();
        let from = *sink.have;
        if from > 0 {
            req = req.header("Range", format!("bytes={from}-"));
        }
        let mut response = req
            .call()
            .map_err(|e| crate::transport::from_ureq(e, shown))?;
        let status = response.status().as_u16();
        match status {
            206 => {
                let start = response
                    .headers()
                    .get("content-range")
                    .and_then(|v| v.to_str().ok())
                    .and_then(range_start);
                if start != Some(from) {
                    return Err(Error::protocol(format!(
                        "asked for bytes from {from}, the server answered 206 with {:?}",
                        response.headers().get("content-range")
                    )));
                }
            }
            200 => sink.restart()?,
            _ => {
                let body = response
                    .body_mut()
                    .with_config()
                    .limit(MAX_BODY as u64)
                    .read_to_vec()
                    .unwrap_or_default();
                let err = Envelope::parse(status, &body)
                    .and_then(Envelope::into_data)
                    .err()
                    .unwrap_or_else(|| Error::protocol("unexpected answer"));
                return Err(err
                    .with_http_status(status)
                    .context(format!("download of {shown}")));
            }
        }
        reporter.current.bytes_done = *sink.have;
        let mut reader = response.body_mut().as_reader();
        let mut buf = vec![0u8; CHUNK];
        loop {
            if cancel.is_cancelled() {
                return Err(cancelled());
            }
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let e = Error::new(
                        ErrorKind::Transport,
                        format!("reading the download of {shown} failed: {e}"),
                    );
                    return Err(if cancel.is_cancelled() {
                        cancelled()
                    } else {
                        e
                    });
                }
            };
            if *sink.have + n as u64 > total {
                return Err(Error::protocol(format!(
                    "the download of {shown} is longer than the object's {total} bytes"
                )));
            }
            sink.write(&buf[..n])?;
            reporter.current.bytes_done = *sink.have;
            reporter.emit(false)?;
        }
        Ok(())
    }
}

/// Where received bytes go: the file, the running SHA-1, the count.
struct Sink<'a> {
    file: &'a mut File,
    path: &'a Path,
    hasher: Option<&'a mut sha1::Sha1>,
    have: &'a mut u64,
}

impl Sink<'_> {
    fn write(&mut self, data: &[u8]) -> Result<()> {
        self.file
            .write_all(data)
            .map_err(|e| local_io("write", self.path, &e))?;
        if let Some(h) = self.hasher.as_deref_mut() {
            h.update(data);
        }
        *self.have += data.len() as u64;
        Ok(())
    }

    /// The server sent the whole object: start the file over.
    fn restart(&mut self) -> Result<()> {
        self.file
            .set_len(0)
            .and_then(|()| self.file.seek(SeekFrom::Start(0)).map(drop))
            .map_err(|e| local_io("truncate", self.path, &e))?;
        if let Some(h) = self.hasher.as_deref_mut() {
            *h = sha1::Sha1::new();
        }
        *self.have = 0;
        Ok(())
    }
}

/// Hashes the first `len` bytes of `file` and leaves it positioned at `len`. `Err(None)` when
/// cancelled.
fn hash_prefix(
    file: &mut File,
    len: u64,
    hasher: &mut sha1::Sha1,
    cancel: &CancelToken,
) -> std::result::Result<(), Option<std::io::Error>> {
    file.seek(SeekFrom::Start(0))?;
    let mut left = len;
    let mut buf = vec![0u8; CHUNK];
    while left > 0 {
        if cancel.is_cancelled() {
            return Err(None);
        }
        let want = left.min(CHUNK as u64) as usize;
        file.read_exact(&mut buf[..want])?;
        hasher.update(&buf[..want]);
        left -= want as u64;
    }
    Ok(())
}

/// The first byte of `Content-Range: bytes a-b/n`.
fn range_start(v: &str) -> Option<u64> {
    let spec = v.trim().strip_prefix("bytes")?.trim_start();
    spec.split('-').next()?.trim().parse().ok()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_start() {
        assert_eq!(range_start("bytes 100-199/200"), Some(100));
        assert_eq!(range_start("bytes */200"), None);
        assert_eq!(range_start("items 1-2/3"), None);
    }

    #[test]
    fn part_file_name() {
        assert_eq!(part_path(Path::new("/t/a.bin")), Path::new("/t/a.bin.part"));
    }
}
