//! The remote side of a sync: one folder's listing (every page, `op=list` with
//! [`DEFAULT_LIST_NUM`] = 199 entries each: some service versions refuse more, -165), as a map from name to what a comparison needs. The sync
//! lists a folder when its walk enters the matching local directory, so only the folders on
//! the current path are held, never the whole tree.

use crate::cancel::CancelToken;
use crate::error::{codes, Result};
use crate::objects::list::{ListCursor, ListOptions, DEFAULT_LIST_NUM};
use crate::retry::{with_retries, Stop};
use crate::transport::Api;
use crate::upload::RequestLimit;
use std::collections::HashMap;

/// What a folder listing says of one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RemoteEntry {
    pub is_folder: bool,
    /// `filesize` (0 for folders).
    pub size: u64,
    /// All of `filesize` stored (`filelen == filesize`): not an upload in progress.
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
    let stop = Stop { cancel: halt, halt };
    let opts = ListOptions {
        num: DEFAULT_LIST_NUM,
        ..ListOptions::default()
    };
    let mut cursor = ListCursor::new(bucket, folder, &opts);
    let mut out = RemoteFolder {
        exists: true,
        entries: HashMap::new(),
    };
    while !cursor.is_done() {
        let (answer, _) = with_retries(api.cfg, &stop, || {
            let _permit = limit.acquire(&stop)?;
            let mut next = cursor.clone();
            match next.next_with(api, Some(halt)) {
                Some(page) => page.map(|p| (next, p)),
                None => unreachable!("the cursor is not done"),
            }
        });
        let (next, page) = match answer {
            Ok(v) => v,
            Err(e) if e.cos_code() == Some(codes::NOT_FOUND) => {
                return Ok(RemoteFolder::default());
            }
            Err(e) => return Err(e.context(format!("listing the folder {folder}"))),
        };
        cursor = next;
        for e in page.entries {
            let entry = RemoteEntry {
                is_folder: e.is_folder,
                size: e.filesize,
                complete: e.filelen == e.filesize,
                sha: e.sha.to_ascii_lowercase(),
            };
            out.entries.insert(e.name, entry);
        }
    }
    Ok(out)
}
