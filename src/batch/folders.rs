//! The batch's folders: each missing one created once per batch, parents first, "already
//! exists" (-178) counting as success. The set of folders known to exist grows with the
//! number of folders of the batch (not of files).
//!
//! No stat first: the first file of a folder costs one create per level (most answered -178
//! when the tree exists), every later file of the batch none. Every request goes through
//! [`Api`] with the batch's token, holds a permit of the batch's request bound, and is retried
//! as an upload's requests are.

use crate::cancel::CancelToken;
use crate::error::Result;
use crate::retry::retry_until;
use crate::transport::Api;
use crate::upload::{folders_of, RequestLimit};
use std::collections::HashSet;
use std::sync::Mutex;

pub(crate) struct Folders<'a> {
    pub api: Api<'a>,
    pub bucket: &'a str,
    pub halt: &'a CancelToken,
    pub limit: &'a RequestLimit,
    /// Folders created (or found existing) in this batch.
    known: Mutex<HashSet<String>>,
}

impl<'a> Folders<'a> {
    pub fn new(
        api: Api<'a>,
        bucket: &'a str,
        halt: &'a CancelToken,
        limit: &'a RequestLimit,
    ) -> Self {
        Folders {
            api,
            bucket,
            halt,
            limit,
            known: Mutex::new(HashSet::new()),
        }
    }

    /// Makes sure the folders holding `cos_path` exist — and `cos_path` itself when it is a
    /// folder (ends in `/`). Workers needing a folder being created wait for it: the lock is
    /// held across the create, so each folder is asked for once.
    pub fn ensure(&self, cos_path: &str) -> Result<()> {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        // `/a/`, `/a/b/` for `/a/b/c` and for `/a/b/`.
        for folder in folders_of(cos_path) {
            if !known.contains(folder) {
                self.create(folder)?;
                known.insert(folder.to_string());
            }
        }
        Ok(())
    }

    /// Records that `folder` exists (a sync listed it): no file of the batch creates it.
    pub fn known(&self, folder: &str) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        known.insert(folder.to_string());
    }

    fn create(&self, folder: &str) -> Result<()> {
        let answer = retry_until(self.api.cfg, self.halt, |stop| {
            let _permit = self.limit.acquire(stop)?;
            crate::objects::ensure_folder(self.api, self.bucket, folder, Some(self.halt))
        });
        answer.map_err(|e| e.context(format!("creating the folder {folder}")))
    }
}
