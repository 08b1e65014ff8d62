//! Downloads (PROTOCOL.md §4.8): signed download URLs, and downloading a file to disk with
//! resume through HTTP `Range`, progress events and cancellation.
//!
//! The download host is not the `/files/v2` API: `<base>/<bucket>-<appid><encoded path>` with an
//! explicit base URL (the emulator's `access_url`), or
//! `http(s)://<bucket>-<appid>.cos<region>.myqcloud.com<encoded path>` for a region. Private
//! objects need `?sign=<multi-effect signature>` whose fileid is the path alone (`/dir/file`,
//! as the Python and Java SDKs sign downloads, §2.3).
//!
//! [`crate::Client::download_file`] stats the object first (size, mtime and sha), writes to
//! `<local>.part` (or into `local` itself with [`DownloadOptions::resume_in_place`]) and renames
//! the part file into place at the end, after checking the size and, when the service reports
//! one, the SHA-1. Its guarantees:
//!
//! - **Only the same object version is resumed.** Before the first byte is written, a resume
//!   record `<part file>.cosv4-resume` (JSON, written atomically) notes the object's size, mtime
//!   and sha, and the ETag / Last-Modified of the download host once it answers. A part file is
//!   continued (`Range: bytes=<len>-`, with `If-Range` naming the recorded validator) only when
//!   its record matches a fresh stat; a part file without a record starts over from zero. An
//!   answer whose ETag (without one, Last-Modified) differs from the recorded one (the object
//!   changed between the stat and the GET) fails with [`ErrorKind::Integrity`] and removes the part file and its record, so
//!   the next call starts clean. The record is removed on success.
//! - **A file this library did not write is never appended to, truncated or removed.** An
//!   existing `local` that is not our own recorded partial download is an error
//!   ([`ErrorKind::Usage`]) unless [`DownloadOptions::overwrite`] is set; it is then replaced
//!   atomically by renaming the complete, checked `<local>.part` over it (also with
//!   `resume_in_place`), so it stays intact until then. `<local>.part` and
//!   `<local>.part.cosv4-resume` are names this library reserves.
//! - **Progress counts never decrease.** A server that ignores `Range` and answers 200 with the
//!   whole object has the bytes already on disk skipped, not written again.
//! - **Every request answers the cancel token**, the stat included: a cancel (its
//!   [`CancelToken`]) interrupts the request in flight and the call fails with
//!   [`ErrorKind::Cancelled`]; the partial file and its record stay, so the next call resumes.

mod fetch;
mod resume;

use crate::cancel::CancelToken;
use crate::config::Endpoint;
use crate::error::{Error, ErrorKind, Result};
use crate::path::{encode, validate_bucket, validate_file};
use crate::sign::MAX_LIFETIME_SECS;
use crate::transport::Api;
use fetch::Sink;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use resume::Record;
use sha1::Digest;
use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Duration;

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
    /// Replace an existing `local` that is not a partial download of this library (atomically,
    /// by renaming the complete `<local>.part` over it). Default false: such a file makes the
    /// download fail with [`ErrorKind::Usage`] and is left as it is.
    pub overwrite: bool,
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

/// A download's reporter.
type Reporter<'a> = crate::progress::Reporter<'a, DownloadProgress>;

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

/// The unsigned download URL of an object (what `access_url` points to).
pub(crate) fn base_url(api: Api<'_>, bucket: &str, cos_path: &str) -> Result<String> {
    validate_bucket(bucket)?;
    validate_file(cos_path)?;
    let appid = api.signer.credentials().appid();
    let enc = encode(cos_path);
    Ok(match &api.cfg.endpoint {
        Some(Endpoint::Region(_)) => {
            // base_url is `<scheme>://<code>.file.myqcloud.com`.
            let base = api.base_url;
            let (scheme, host) = base.split_once("://").unwrap_or(("https", base));
            let code = host.split('.').next().unwrap_or(host);
            format!("{scheme}://{bucket}-{appid}.cos{code}.myqcloud.com{enc}")
        }
        _ => format!("{}/{bucket}-{appid}{enc}", api.base_url),
    })
}

/// A download URL for a private object, signed for `lifetime` (1 s to 90 days): a
/// multi-effect signature bound to the path (`f=/dir/file`) in `?sign=`. Anyone holding
/// the URL can fetch the object with a plain GET until it expires.
pub(crate) fn signed_url(
    api: Api<'_>,
    bucket: &str,
    cos_path: &str,
    lifetime: Duration,
) -> Result<String> {
    let base = base_url(api, bucket, cos_path)?;
    let secs = lifetime.as_secs();
    if secs == 0 || secs > MAX_LIFETIME_SECS {
        return Err(Error::usage(format!(
            "download URL lifetime is {secs} s; use 1 to {MAX_LIFETIME_SECS}"
        )));
    }
    let sig = api.signer.multi(bucket, &encode(cos_path), secs);
    Ok(format!(
        "{base}?sign={}",
        utf8_percent_encode(&sig, NON_ALPHANUMERIC)
    ))
}

/// Downloads the file `cos_path` to `local` (see [`crate::Client::download_file`] and the module
/// documentation).
pub(crate) fn download_file(
    api: Api<'_>,
    (bucket, cos_path): (&str, &str),
    local: &Path,
    opts: &DownloadOptions,
    progress: Option<DownloadHandler<'_>>,
) -> Result<DownloadOutcome> {
    // The arguments first, before a cancel already requested.
    validate_bucket(bucket)?;
    validate_file(cos_path)?;
    if local.as_os_str().is_empty() || local.as_os_str().as_encoded_bytes().ends_with(b"/") {
        return Err(Error::usage(format!(
            "local path {:?} must name a file",
            local.display()
        )));
    }
    let cancel = opts.cancel.clone().unwrap_or_default();
    if cancel.is_cancelled() {
        return Err(cancelled());
    }
    let interrupted = |e: Error| {
        if cancel.is_cancelled() {
            cancelled()
        } else {
            e
        }
    };
    // Retried as an upload's requests are (within the retry window: an outage is ridden out).
    let retried = |attempt: &mut dyn FnMut() -> Result<()>| {
        crate::retry::retry_until(api.cfg, &cancel, |_| attempt())
    };
    let mut stat = None;
    retried(&mut || {
        stat = Some(crate::objects::stat(api, bucket, cos_path, Some(&cancel))?);
        Ok(())
    })
    .map_err(interrupted)?;
    let stat = stat.expect("set by the successful attempt");
    let total = stat.filesize;
    let part = work_file(local, opts)?;
    let (mut file, mut record, mut have) = open_work(&part, Record::of(&stat), total)?;
    let check_sha = !opts.skip_sha_check && stat.sha.len() == 40;
    let mut hasher = sha1::Sha1::new();
    if check_sha && have > 0 {
        fetch::hash_prefix(&mut file, have, &mut hasher, &cancel).map_err(|e| match e {
            Some(e) => local_io("read", &part, &e),
            None => cancelled(),
        })?;
    }
    file.seek(SeekFrom::Start(have))
        .map_err(|e| local_io("seek", &part, &e))?;
    let resumed = have;
    let start = DownloadProgress {
        bytes_total: total,
        bytes_done: have,
        bytes_resumed: resumed,
        done: false,
    };
    let mut reporter = Reporter::new(progress, start, "download");
    reporter.emit()?;
    if have < total {
        let url = signed_url(api, bucket, cos_path, api.cfg.sign_lifetime)?;
        let mut sink = Sink {
            file: &mut file,
            path: &part,
            hasher: check_sha.then_some(&mut hasher),
            have: &mut have,
            record: &mut record,
        };
        // Each attempt goes on from the bytes already written (a ranged GET with If-Range).
        retried(&mut || {
            crate::transport::with_cancel(&cancel, || {
                fetch::fetch(api.agent, &url, total, &mut sink, &cancel, &mut reporter)
            })
        })
        .map_err(interrupted)?;
    }
    if have != total {
        return Err(Error::protocol(format!(
            "the download ended after {have} of {total} bytes"
        )));
    }
    file.sync_all().map_err(|e| local_io("sync", &part, &e))?;
    if check_sha {
        let got = crate::hash::hex(&hasher.finalize());
        if !got.eq_ignore_ascii_case(&stat.sha) {
            // A prefix from another version of the object, or a corrupted transfer: the
            // next attempt must start over.
            fetch::discard(&part);
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
    resume::remove(&part);
    drop(file); // the lock is held until the file is in place
    reporter.update(|p| p.done = true);
    let _ = reporter.emit(); // complete: a request to stop is moot
    Ok(DownloadOutcome {
        path: local.to_path_buf(),
        bytes_total: total,
        bytes_received: total - resumed,
        bytes_resumed: resumed,
        sha: stat.sha,
    })
}

/// Where the bytes go: `local` itself only with `resume_in_place` when `local` is absent or our
/// own recorded partial download, `<local>.part` otherwise. An existing `local` that is not
/// ours is an error unless `overwrite` is set (it is then replaced by the renamed part file).
fn work_file(local: &Path, opts: &DownloadOptions) -> Result<PathBuf> {
    let existing = std::fs::symlink_metadata(local).ok();
    // Ours: a record that describes this very file (the same inode; a file written anew at
    // that name by someone else is not).
    // (Checked again under the part file's lock in `open_work`: this one only chooses the
    // file; that one decides whether its bytes are continued.)
    let ours_in_place = opts.resume_in_place
        && existing.as_ref().is_some_and(|m| m.is_file())
        && resume::load(local).is_some_and(|r| r.describes_path(local));
    if existing.as_ref().is_some_and(|m| m.is_dir()) {
        return Err(Error::usage(format!(
            "cannot download to {}: it is a directory",
            local.display()
        )));
    }
    if existing.is_some() && !ours_in_place && !opts.overwrite {
        return Err(Error::usage(format!(
            "{} already exists and is not a partial download of this library; set overwrite to \
             replace it",
            local.display()
        )));
    }
    Ok(
        if opts.resume_in_place && (existing.is_none() || ours_in_place) {
            local.to_path_buf()
        } else {
            part_path(local)
        },
    )
}

/// Opens the part file: continued from its length when its resume record matches `fresh` (a
/// record of the fresh stat), else emptied and recorded anew. Returns the file, the record in
/// force and the length to resume from.
fn open_work(part: &Path, fresh: Record, total: u64) -> Result<(File, Record, u64)> {
    use std::os::unix::fs::MetadataExt;
    // Never through a symlink (a planted `<local>.part -> ~/precious` would be truncated and
    // written), never a FIFO or device: only a regular file we can lock.
    let mut write = OpenOptions::new();
    write.read(true).write(true).create(true);
    let file = resume::no_follow(&mut write, rustix::fs::OFlags::empty())
        .open(part)
        .map_err(|e| {
            if e.raw_os_error() != Some(rustix::io::Errno::LOOP.raw_os_error()) {
                return local_io("open", part, &e);
            }
            let link = "is a symbolic link: a download never writes through one (remove it)";
            Error::new(ErrorKind::LocalIo, format!("{} {link}", part.display()))
        })?;
    let meta = file.metadata().map_err(|e| local_io("stat", part, &e))?;
    if !meta.is_file() {
        return Err(Error::usage(format!(
            "{} is not a regular file; remove it to download here",
            part.display()
        )));
    }
    // One download per part file at a time: a second one would truncate or interleave bytes
    // under the first, whose SHA-1 check (of the received stream) would still pass.
    // (rustix's flock: `File::try_lock` is newer than this crate's minimum Rust.)
    let exclusive = rustix::fs::FlockOperation::NonBlockingLockExclusive;
    match rustix::fs::flock(&file, exclusive) {
        Ok(()) => {}
        Err(rustix::io::Errno::WOULDBLOCK) => {
            return Err(Error::new(
                ErrorKind::LocalIo,
                format!("another download into {} is in progress", part.display()),
            ))
        }
        Err(e) => return Err(local_io("lock", part, &e.into())),
    }
    // Locked the file the name still points to (not one renamed away meanwhile)?
    let now = std::fs::symlink_metadata(part).map_err(|e| local_io("stat", part, &e))?;
    if (now.dev(), now.ino()) != (meta.dev(), meta.ino()) {
        return Err(Error::usage(format!(
            "{} changed while it was being opened (another download?)",
            part.display()
        )));
    }
    // Without a sha nor an ETag only size and mtime (seconds) tell versions apart: a same-size
    // replacement within the second would be joined. Start over then.
    if let Some(record) = resume::load(part)
        .filter(|r| r.same_object(&fresh) && r.describes(&file, &meta))
        .filter(|r| !r.sha.is_empty() || r.etag.is_some())
    {
        let len = meta.len();
        if len <= total {
            return Ok((file, record, len));
        }
    }
    // Start over. The part file is ours (`<local>.part`, or `local` with our record, or absent):
    // empty it first, then record what it is going to hold, then write.
    file.set_len(0)
        .map_err(|e| local_io("truncate", part, &e))?;
    let fresh = Record {
        part: Some(resume::PartId::of(&meta)),
        ..fresh
    };
    resume::save(part, &fresh)?;
    Ok((file, fresh, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_file_name() {
        assert_eq!(part_path(Path::new("/t/a.bin")), Path::new("/t/a.bin.part"));
    }
}
