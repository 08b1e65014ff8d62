//! Creating the missing folders of an upload's path ([`super::UploadOptions::create_parents`]).
//!
//! The service refuses `op=upload` and `upload_slice_init` when the file's folder does not
//! exist (PROTOCOL.md §3.1, §4.1: DOC-6066, DOC-6067), with code -197. For `/a/b/c.bin`:
//!
//! 1. stat `/a/b/`. It exists: done — the common case costs this one read-only request;
//! 2. missing (-197): stat upwards (`/a/`, ...) until a folder exists; the root always does and
//!    is never asked;
//! 3. create the missing folders top-down, each in an existing parent; "already exists" (-178:
//!    another client made it meanwhile) counts as success.
//!
//! m missing folders of a parent at depth d cost m creates and m + 1 stats (d when m = d): a
//! create is sent only for a folder seen missing, and nothing depends on how the service
//! answers a create under a missing folder (undocumented). A blind top-down `mkdir -p` would
//! need d creates for every upload, even into an existing folder.
//!
//! Every request goes through [`crate::transport::Api`] with the upload's halt token (which the
//! caller's cancel token trips), with the upload's retry rules, and counts in
//! [`super::Outcome::requests`] and `retries`.

use super::{Job, UploadOptions};
use crate::error::{codes, Error, Result};
use crate::path::folders_of;
use crate::retry::with_retries;
use std::sync::atomic::Ordering;

/// Makes sure every folder of the job's path exists (see the module text).
pub(crate) fn create_missing(job: &Job<'_>) -> Result<()> {
    let folders = folders_of(job.cos_path);
    let mut missing = 0;
    for folder in folders.iter().rev() {
        if exists(job, folder)? {
            break;
        }
        missing += 1;
    }
    for folder in &folders[folders.len() - missing..] {
        create(job, folder)?;
    }
    Ok(())
}

fn exists(job: &Job<'_>, folder: &str) -> Result<bool> {
    let (answer, retries) = job.stat_path(folder);
    job.early_retries.fetch_add(retries, Ordering::Relaxed);
    match answer {
        Ok(_) => Ok(true),
        Err(e) if e.cos_code() == Some(codes::NOT_FOUND) => Ok(false),
        Err(e) => Err(e.context(format!("checking that the folder {folder} exists"))),
    }
}

fn create(job: &Job<'_>, folder: &str) -> Result<()> {
    let (answer, retries) = with_retries(job.cfg, &job.stop(), || {
        job.requests.fetch_add(1, Ordering::Relaxed);
        crate::objects::ensure_folder(job.api, job.bucket, folder, Some(&job.halt), true)
    });
    job.early_retries.fetch_add(retries, Ordering::Relaxed);
    answer.map_err(|e| e.context(format!("creating the folder {folder}")))
}

/// An upload refused with -197 without `create_parents`: says what probably happened.
pub(crate) fn hint(e: Error, opts: &UploadOptions) -> Error {
    if opts.create_parents || e.cos_code() != Some(codes::NOT_FOUND) {
        return e;
    }
    e.context("the folder of the path may not exist (set create_parents to create it)")
}
