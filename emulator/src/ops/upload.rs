//! `op=upload`: simple upload of at most 20 MB in one multipart request. Faults are injected
//! here as on slice data (5xx, reset before or after storing, delay and stalls), from a stream
//! of their own ([`faults::SIMPLE_STREAM`]).

use super::{existing, refuse_same_file, Ctx, Existing, OpResult, Outcome, MAX_SIMPLE_UPLOAD};
use crate::faults;
use crate::reply::ApiError;
use crate::sha::sha1_hex;
use std::sync::atomic::Ordering;

pub fn upload(cx: &Ctx) -> OpResult {
    let n = cx.app.simple_requests.fetch_add(1, Ordering::SeqCst);
    let decision = faults::decide(&cx.app.faults(), faults::SIMPLE_STREAM | n);
    let result = if decision.http_5xx {
        Err(super::slice::injected_5xx(cx))
    } else if decision.drop_before_store {
        Ok(Outcome::Reset)
    } else {
        store(cx).map(|answer| {
            if decision.drop_after_store {
                Outcome::Reset
            } else {
                answer
            }
        })
    };
    if !matches!(result, Ok(Outcome::Reset)) {
        cx.app.sleep_ms(decision.sleep_ms);
    }
    result
}

fn store(cx: &Ctx) -> OpResult {
    let path = cx.file_path()?;
    let content = cx
        .params
        .bytes("filecontent")
        .ok_or_else(|| ApiError::param("filecontent is required"))?;
    if content.len() > MAX_SIMPLE_UPLOAD {
        return Err(ApiError::param(format!(
            "file of {} bytes is larger than the {MAX_SIMPLE_UPLOAD} byte simple-upload limit; use slice upload",
            content.len()
        )));
    }
    let declared = cx.sha()?;
    let sha = sha1_hex(content);
    if declared.as_ref().is_some_and(|d| *d != sha) {
        return Err(ApiError::conflict(
            -4016,
            format!("sha check failed: content sha {sha} != declared sha"),
        ));
    }
    let size = content.len() as u64;
    let insert_only = cx.insert_only();
    let store = &cx.app.store;
    // Reject early without writing, then re-check when committing.
    let found = {
        let idx = store.lock();
        cx.require_file_slot(&idx)?;
        existing(&idx, path, Some(&sha), size, insert_only)?
    };
    refuse_same_file(cx, &found, insert_only)?;
    let staged = store.stage(content)?;
    let committed = commit(cx, path, &staged, &sha, size, insert_only);
    let _ = std::fs::remove_file(&staged); // gone already when it was renamed into place
    committed.map(|()| Outcome::Data(cx.urls()))
}

fn commit(
    cx: &Ctx,
    path: &str,
    staged: &std::path::Path,
    sha: &str,
    size: u64,
    insert_only: bool,
) -> Result<(), ApiError> {
    let store = &cx.app.store;
    let mut idx = store.lock();
    cx.require_file_slot(&idx)?;
    match existing(&idx, path, Some(sha), size, insert_only)? {
        Existing::Identical(old) => store.touch(
            &mut idx,
            path,
            cx.new_meta(size, Some(sha), Some(old.ctime)),
        )?,
        Existing::Replace(old) => {
            let meta = cx.new_meta(size, Some(sha), Some(old.ctime));
            store.commit(&mut idx, path, staged, meta)?
        }
        Existing::None => {
            store.commit(&mut idx, path, staged, cx.new_meta(size, Some(sha), None))?
        }
    }
    Ok(())
}
