//! A sync's deletions, after every upload ended: the remote-only files and folders the walk
//! left ([`Extra`]), each folder emptied first (its listing, depth-first) and deleted when
//! nothing in it was kept. Only paths the filter selects are deleted; a folder that holds a
//! path the filter keeps stays.
//!
//! Withheld — each extra reported, nothing deleted — when an item of the batch failed (a file
//! missing remotely because its upload failed must not look like a reason to delete), when
//! the batch stopped, or when the walk selected no local item at all and `force` is not set
//! (a wrong or emptied source must not wipe the destination).

use super::events::Outbox;
use super::filter::Filter;
use super::remote;
use super::FileStatus;
use crate::cancel::CancelToken;
use crate::error::{codes, Error, Result};
use crate::retry::retry_until;
use crate::transport::Api;
use crate::upload::RequestLimit;
use std::path::PathBuf;
use std::time::Instant;

/// A remote file or folder (its path ends in `/`) that the local tree does not have.
#[derive(Debug, Clone)]
pub(super) struct Extra {
    pub cos_path: String,
    pub is_folder: bool,
    /// `filesize` of a file.
    pub size: u64,
}

pub(super) struct Deleter<'a> {
    pub api: Api<'a>,
    pub bucket: &'a str,
    pub halt: &'a CancelToken,
    pub limit: &'a RequestLimit,
    pub filter: &'a Filter,
    pub root_len: usize,
    pub out: Outbox<'a>,
    /// Report what would be deleted; send nothing.
    pub dry_run: bool,
}

/// Why nothing is deleted, when it is not.
pub(super) enum Withheld {
    /// Items failed: each extra is reported skipped.
    Failures(u64),
    /// Nothing local was selected and `force` is not set: each extra fails.
    EmptySource,
}

impl Deleter<'_> {
    /// Deletes (or reports) every extra, in order.
    pub fn run(&self, extras: Vec<Extra>, withheld: Option<Withheld>) {
        for extra in extras {
            if self.halt.is_cancelled() {
                return;
            }
            match &withheld {
                Some(why) => self.withhold(extra, why),
                None if extra.is_folder => drop(self.folder(&extra.cos_path)),
                None => drop(self.file(&extra.cos_path, extra.size)),
            }
        }
    }

    fn withhold(&self, extra: Extra, why: &Withheld) {
        let status = match why {
            Withheld::Failures(n) => FileStatus::Skipped(format!(
                "not deleted: {n} item(s) of the batch failed, so the local tree may be \
                 incomplete"
            )),
            Withheld::EmptySource => FileStatus::Failed(Error::usage(
                "not deleted: the local source has no file or folder in the batch (empty, or \
                 everything filtered out); refusing to delete without force",
            )),
        };
        self.report(extra.cos_path, status, extra.size, Instant::now());
    }

    /// Empties `folder` (files the filter selects, sub-folders it does not exclude) and
    /// deletes it when nothing was kept; true when it is gone (or would be).
    fn folder(&self, folder: &str) -> bool {
        let started = Instant::now();
        let listing =
            match remote::list_folder(self.api, self.bucket, folder, self.halt, self.limit) {
                Ok(listing) => listing,
                Err(e) => {
                    self.report(folder.to_string(), FileStatus::Failed(e), 0, started);
                    return false;
                }
            };
        let mut entries: Vec<_> = listing.entries.into_iter().collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let (mut kept, mut emptied) = (false, false);
        for (name, entry) in entries {
            if self.halt.is_cancelled() {
                return false;
            }
            let path = format!("{folder}{name}{}", if entry.is_folder { "/" } else { "" });
            let rel = path[self.root_len..].trim_end_matches('/');
            let gone = if entry.is_folder {
                !self.filter.prunes(rel) && self.folder(&path)
            } else {
                self.filter.selects(rel, false) && self.file(&path, entry.size)
            };
            kept |= !gone;
            emptied |= gone;
        }
        // The folder itself when the filter selects it, or when this pass emptied it (the
        // folder of selected files, made by an earlier run for them). With includes, a
        // folder no include matches that held nothing selected is not the batch's to delete.
        let rel = folder[self.root_len..].trim_end_matches('/');
        !kept && (emptied || self.filter.selects(rel, true)) && self.file(folder, 0)
    }

    /// Deletes one file, or an empty folder (ends in `/`); true when it is gone (or would
    /// be). Retried as uploads are; "does not exist" after a retry means an earlier attempt
    /// did it.
    fn file(&self, cos_path: &str, size: u64) -> bool {
        let started = Instant::now();
        if self.dry_run {
            let status = FileStatus::WouldDelete;
            self.report(cos_path.to_string(), status, size, started);
            return true;
        }
        let status = match self.delete(cos_path) {
            Ok(()) => FileStatus::Deleted,
            Err(e) => FileStatus::Failed(e.context(format!("deleting {cos_path}"))),
        };
        let gone = matches!(status, FileStatus::Deleted);
        self.report(cos_path.to_string(), status, size, started);
        gone
    }

    fn delete(&self, cos_path: &str) -> Result<()> {
        let mut attempts = 0;
        retry_until(self.api.cfg, self.halt, |stop| {
            attempts += 1;
            let _permit = self.limit.acquire(stop)?;
            match crate::objects::delete(self.api, self.bucket, cos_path, Some(self.halt)) {
                Err(e) if attempts > 1 && e.cos_code() == Some(codes::NOT_FOUND) => Ok(()),
                other => other,
            }
        })
    }

    fn report(&self, cos_path: String, status: FileStatus, bytes: u64, started: Instant) {
        self.out.found(0);
        let result = super::FileResult {
            local: PathBuf::new(),
            cos_path,
            status,
            bytes,
            elapsed: started.elapsed(),
        };
        self.out.ended(result, 0);
    }
}
