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
}

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
    let slice_size = digest_slice_size(cfg, source.len());
    let mut reporter = progress::reporter(None, source.len());
    let digest = hash_source(source, slice_size, &stop, &mut reporter)?;
    Ok(Prepared {
        digest,
        hashing: started.elapsed(),
    })
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
        let n = source
            .read_at(&mut buf[..want], digest.len())
            .map_err(|e| Error::local_io(&format!("read {}", source.describe()), &e))?;
        if n == 0 {
            return Err(Error::integrity(format!(
                "{} became shorter while it was being hashed",
                source.describe()
            )));
        }
        digest.update(&buf[..n]);
        let hashed = digest.len();
        reporter.update(|p| p.bytes_hashed = hashed);
        reporter.tick()?;
    }
    Ok(digest.finish())
}
