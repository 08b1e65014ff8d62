//! Digests: the slice-size rule of an upload's digest, one hashing pass over a source, and
//! a digest computed ahead of the upload (a batch's hashing stage).

use super::progress::{self, Phase, Reporter};
use super::{CancelToken, Source, Stop};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::hash::{DigestBuilder, FileDigest};
use std::time::{Duration, Instant};

/// A file's digest computed ahead of its upload (by a batch's hashing stage), with the rule
/// the engine uses ([`digest_slice_size`]), so the upload does not read the file twice.
pub(crate) struct Prepared {
    pub digest: FileDigest,
    /// Time the hashing took (reported in [`Outcome::hashing`]).
    pub hashing: Duration,
    /// The bytes hashed, kept for a file of at most [`KEEP_CONTENT`] bytes sent in one
    /// request: its upload sends them instead of reading the file again (one read system call
    /// and page-cache copy less per small file; what is sent is exactly what was hashed).
    pub content: Option<Vec<u8>>,
}

/// Largest file whose bytes a [`Prepared`] keeps. A batch holds at most its look-ahead plus
/// its jobs of them at once (about 1 MiB with the defaults).
pub(crate) const KEEP_CONTENT: u64 = 64 * 1024;

/// The slice size the digest of a `len`-byte file is computed with: the configured one for a
/// slice upload (its `uploadparts` go to `upload_slice_init`), 1 MiB for a simple upload (only
/// its sha is sent, which the slice size does not change).
pub(crate) fn digest_slice_size(cfg: &Config, len: u64) -> u64 {
    if len <= cfg.simple_threshold {
        crate::config::MIB
    } else {
        cfg.slice_size
    }
}

/// The digest of `source` with the engine's rule, computed now whatever `cfg.integrity` says
/// (a sync compares it with the remote SHA-1); `cancel` stops it.
pub(crate) fn compute(cfg: &Config, source: &dyn Source, cancel: &CancelToken) -> Result<Prepared> {
    let started = Instant::now();
    let stop = Stop {
        cancel,
        halt: cancel,
    };
    let len = source.len();
    let slice_size = digest_slice_size(cfg, len);
    let (digest, content) = if len <= KEEP_CONTENT.min(cfg.simple_threshold) {
        let (digest, bytes) = hash_small(source, slice_size, &stop)?;
        (digest, Some(bytes))
    } else {
        let mut reporter = progress::reporter(None, len);
        (hash_source(source, slice_size, &stop, &mut reporter)?, None)
    };
    Ok(Prepared {
        digest,
        hashing: started.elapsed(),
        content,
    })
}

/// The digest of a small source read whole into memory, and its bytes.
fn hash_small(
    source: &dyn Source,
    slice_size: u64,
    stop: &Stop<'_>,
) -> Result<(FileDigest, Vec<u8>)> {
    stop.check()?;
    let mut bytes = vec![0u8; source.len() as usize];
    let mut done = 0;
    while done < bytes.len() {
        done += read_more(source, &mut bytes[done..], done as u64)?;
    }
    let mut digest = DigestBuilder::new(source.len(), slice_size);
    digest.update(&bytes);
    Ok((digest.finish(), bytes))
}

/// Reads at least one byte of `source` at `offset` into `buf` (not empty): a read error is a
/// local I/O error, an end before the source's length an integrity error (it shrank).
fn read_more(source: &dyn Source, buf: &mut [u8], offset: u64) -> Result<usize> {
    let n = source
        .read_at(buf, offset)
        .map_err(|e| Error::local_io(&format!("read {}", source.describe()), &e))?;
    if n == 0 {
        return Err(Error::integrity(format!(
            "{} became shorter while it was being hashed",
            source.describe()
        )));
    }
    Ok(n)
}

/// One sequential pass over `source`: the sha and the `uploadparts` states.
pub(crate) fn hash_source(
    source: &dyn Source,
    slice_size: u64,
    stop: &Stop<'_>,
    reporter: &mut Reporter<'_>,
) -> Result<FileDigest> {
    const CHUNK: usize = 1 << 20;
    let size = source.len();
    let mut digest = DigestBuilder::new(size, slice_size);
    let mut buf = vec![0u8; CHUNK.min(size as usize).max(1)];
    reporter.update(|p| p.phase = Phase::Hashing);
    reporter.emit()?;
    while digest.len() < size {
        stop.check()?;
        let want = (size - digest.len()).min(buf.len() as u64) as usize;
        let n = read_more(source, &mut buf[..want], digest.len())?;
        digest.update(&buf[..n]);
        let hashed = digest.len();
        reporter.update(|p| p.bytes_hashed = hashed);
        reporter.tick()?;
    }
    Ok(digest.finish())
}
