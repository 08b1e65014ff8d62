//! The batch's folders: each missing one created once per batch, parents first, "already
//! exists" (-178) counting as success — checked by a stat only for a mirrored empty directory,
//! since a file with the folder's name gets the same answer; a file's upload into such a
//! folder fails, and [`Folders::explain`] says why. The set of folders known to exist grows
//! with the number of folders of the batch (not of files).
//!
//! No stat first: the first file of a folder costs one create per level (most answered -178
//! when the tree exists), every later file of the batch none. Every request goes through
//! [`Api`] with the batch's token, holds a permit of the batch's request bound, and is retried
//! as an upload's requests are.

use crate::cancel::CancelToken;
use crate::error::{codes, Error, Result};
use crate::path::folders_of;
use crate::retry::retry_until;
use crate::transport::Api;
use crate::upload::RequestLimit;
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
                // Verified only when the folder is the item (a mirrored empty directory):
                // a parent that cannot exist fails the upload into it, explained then.
                self.create(folder, folder == cos_path)?;
                known.insert(folder.to_string());
            }
        }
        Ok(())
    }

    /// `failure` of the upload of `cos_path` (or of a folder's creation), with the reason in
    /// front when it is that a file has the name of one of its folders (see
    /// [`crate::objects::ensure_folder`]).
    pub fn explain(&self, cos_path: &str, failure: Error) -> Error {
        if failure.cos_code() != Some(codes::NOT_FOUND) {
            return failure;
        }
        match crate::objects::file_in_the_way(self.api, self.bucket, cos_path, Some(self.halt)) {
            Some(why) => failure.context(why),
            None => failure,
        }
    }

    /// Records that `folder` exists (a sync listed it): no file of the batch creates it.
    pub fn known(&self, folder: &str) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        known.insert(folder.to_string());
    }

    fn create(&self, folder: &str, verify: bool) -> Result<()> {
        let answer = retry_until(self.api.cfg, self.halt, |stop| {
            let _permit = self.limit.acquire(stop)?;
            let cancel = Some(self.halt);
            crate::objects::ensure_folder(self.api, self.bucket, folder, cancel, verify)
        });
        answer.map_err(|e| self.explain(folder, e.context(format!("creating the folder {folder}"))))
    }
}
