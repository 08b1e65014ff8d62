//! The remote side of a sync: one folder's listing (every page, `op=list` with
//! [`DEFAULT_LIST_NUM`] = 199 entries each: some service versions refuse more, -165), as a
//! map from name to what a comparison needs. The sync lists the folders its walk enters, a
//! few ahead of it ([`super::ahead`]), so only the folders on the current path and those few
//! are held, never the whole tree.

use crate::cancel::CancelToken;
use crate::error::{codes, Result};
use crate::objects::list::{ListCursor, ListOptions, DEFAULT_LIST_NUM};
use crate::transport::Api;
use crate::upload::RequestLimit;
use std::collections::HashMap;

/// What a folder listing says of one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RemoteEntry {
    pub is_folder: bool,
    /// `filesize` (0 for folders).
    pub size: u64,
    /// A finished object: all of `filesize` stored (`filelen == filesize`) and its URL given.
    /// An upload in progress whose slices are all stored also has `filelen == filesize`, but
    /// no `access_url` until its finish (as `stat` shows it, see `upload::settle`).
    pub complete: bool,
    /// Lower-case hex; empty when the service gave none.
    pub sha: String,
}

/// One remote folder's entries by name (folders without their trailing `/`).
#[derive(Debug, Default)]
pub(crate) struct RemoteFolder {
    /// False when the folder does not exist (listing it answered "does not exist").
    pub exists: bool,
    pub entries: HashMap<String, RemoteEntry>,
}

/// Lists `folder` (ends in `/`), every page; each request holds a permit of `limit` and is
/// retried as an upload's requests are. A folder that does not exist is an empty listing.
pub(crate) fn list_folder(
    api: Api<'_>,
    bucket: &str,
    folder: &str,
    halt: &CancelToken,
    limit: &RequestLimit,
) -> Result<RemoteFolder> {
    let opts = ListOptions {
        num: DEFAULT_LIST_NUM,
        ..ListOptions::default()
    };
    let mut cursor = ListCursor::new(bucket, folder, &opts);
    let mut out = RemoteFolder {
        exists: true,
        entries: HashMap::new(),
    };
    while let Some(answer) = cursor.next_retried(api, halt, |stop| limit.acquire(stop)) {
        let page = match answer {
            Ok(page) => page,
            Err(e) if e.cos_code() == Some(codes::NOT_FOUND) => {
                return Ok(RemoteFolder::default());
            }
            Err(e) => return Err(e.context(format!("listing the folder {folder}"))),
        };
        for e in page.entries {
            let mut sha = e.sha;
            sha.make_ascii_lowercase();
            let entry = RemoteEntry {
                is_folder: e.is_folder,
                size: e.filesize,
                complete: e.filelen == e.filesize && !e.access_url.is_empty(),
                sha,
            };
            out.entries.insert(e.name, entry);
        }
    }
    Ok(out)
}
