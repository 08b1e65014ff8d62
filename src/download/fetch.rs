//! The ranged GET of a download and where its bytes go.

use super::resume::{self, Record};
use super::{cancelled, local_io, Reporter, CHUNK};
use crate::cancel::CancelToken;
use crate::error::{Error, ErrorKind, Result};
use crate::wire::envelope::{Envelope, MAX_BODY};
use sha1::Digest;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Where received bytes go: the part file, the running SHA-1, the count, and the resume record
/// of the part file.
pub(super) struct Sink<'a> {
    pub file: &'a mut File,
    pub path: &'a Path,
    pub hasher: Option<&'a mut sha1::Sha1>,
    pub have: &'a mut u64,
    pub record: &'a mut Record,
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
        // Once the head is on disk, the record holds its hash: a later resume checks that the
        // file still starts with what this download wrote.
        let head = self.record.head_len();
        let more = *self.have < self.record.size; // complete: no resume will need it
        if self.record.head.is_none() && *self.have >= head && head > 0 && more {
            self.record.head = resume::head_of(self.file, head);
            resume::save(self.path, self.record)?;
        }
        Ok(())
    }

    /// Keeps the validators of the download host's answer in the record (for `If-Range` on a
    /// later resume), when it did not hold them yet.
    fn remember(&mut self, etag: Option<String>, last_modified: Option<String>) -> Result<()> {
        let r = &mut *self.record;
        let new_etag = r.etag.is_none() && etag.is_some();
        let new_date = r.last_modified.is_none() && last_modified.is_some();
        if !(new_etag || new_date) {
            return Ok(());
        }
        r.etag = r.etag.take().or(etag);
        r.last_modified = r.last_modified.take().or(last_modified);
        resume::save(self.path, r)
    }
}

/// Removes a part file of ours and its record, so that the next attempt starts over.
pub(super) fn discard(part: &Path) {
    let _ = std::fs::remove_file(part);
    resume::remove(part);
}

fn header(response: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    let v = response.headers().get(name)?.to_str().ok()?.trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// One GET from `sink.have` to the end, into `sink`. A resumed request carries `If-Range`
/// with the recorded validator. An answer whose ETag (without one, Last-Modified) differs
/// from the recorded one (the object changed) discards the part file and fails with an
/// integrity error; a 200 for the same object (a server ignoring `Range`) has its first
/// `sink.have` bytes skipped, so the counts never go back.
pub(super) fn fetch(
    agent: &ureq::Agent,
    url: &str,
    total: u64,
    sink: &mut Sink<'_>,
    cancel: &CancelToken,
    reporter: &mut Reporter<'_>,
) -> Result<()> {
    // The URL carries a signature: errors name the path only.
    let shown = url.split('?').next().unwrap_or(url);
    let mut req = agent
        .get(url)
        .config()
        // A large file takes longer than one API request; the stall timeout still applies.
        .timeout_per_call(None)
        .build();
    let from = *sink.have;
    if from > 0 {
        req = req.header("Range", format!("bytes={from}-"));
        if let Some(v) = sink.record.validator() {
            req = req.header("If-Range", v);
        }
    }
    let mut response = req
        .call()
        .map_err(|e| crate::transport::from_ureq(e, shown))?;
    let status = response.status().as_u16();
    if status != 200 && status != 206 {
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
    let (etag, date) = (
        header(&response, "etag"),
        header(&response, "last-modified"),
    );
    // Compared by ETag, or by Last-Modified when there is no ETag on either side.
    let changed = match (sink.record.etag.as_deref(), etag.as_deref()) {
        (Some(was), Some(now)) => Some(("ETag", was, now)),
        _ => match (sink.record.last_modified.as_deref(), date.as_deref()) {
            (Some(was), Some(now)) => Some(("Last-Modified", was, now)),
            _ => None,
        },
    }
    .filter(|(_, was, now)| was != now);
    if let Some((what, was, now)) = changed {
        discard(sink.path);
        return Err(Error::integrity(format!(
            "the object {shown} changed during the download ({what} {was} when it \
                 started, {now} now); the partial file was removed, so the next attempt \
                 starts over"
        )));
    }
    if status == 206 {
        let start = header(&response, "content-range").and_then(|v| range_start(&v));
        if start != Some(from) {
            return Err(Error::protocol(format!(
                "asked for bytes from {from}, the server answered 206 with {:?}",
                response.headers().get("content-range")
            )));
        }
    }
    sink.remember(etag, date)?;
    // A 200 is the whole object: its first `from` bytes are those already on disk.
    let mut skip = if status == 200 { from } else { 0 };
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
        let skipped = skip.min(n as u64);
        skip -= skipped;
        let data = &buf[skipped as usize..n];
        if data.is_empty() {
            continue;
        }
        if *sink.have + data.len() as u64 > total {
            return Err(Error::protocol(format!(
                "the download of {shown} is longer than the object's {total} bytes"
            )));
        }
        sink.write(data)?;
        let have = *sink.have;
        reporter.update(|p| p.bytes_done = have);
        reporter.tick()?;
    }
    Ok(())
}

/// Hashes the first `len` bytes of `file` and leaves it positioned at `len`. `Err(None)` when
/// cancelled.
pub(super) fn hash_prefix(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_start() {
        assert_eq!(range_start("bytes 100-199/200"), Some(100));
        assert_eq!(range_start("bytes */200"), None);
        assert_eq!(range_start("items 1-2/3"), None);
    }
}
