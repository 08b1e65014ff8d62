//! `op=stat` and `op=delete` on files and (implicit) folders.

use serde_json::json;

use super::{Ctx, OpResult, Outcome};
use crate::reply::ApiError;
use crate::state::Index;

const NOT_EXIST: &str = "ERROR_CMD_FILE_NOTEXIST";

/// Objects below a folder path (a folder exists implicitly when it holds objects).
fn below<'i>(
    idx: &'i Index,
    folder: &'i str,
) -> impl Iterator<Item = &'i crate::state::ObjectMeta> {
    idx.objects
        .iter()
        .filter(move |(p, _)| p.starts_with(folder))
        .map(|(_, m)| m)
}

pub fn stat(cx: &Ctx) -> OpResult {
    let idx = cx.app.store.lock();
    let path = cx.path;
    if path.ends_with('/') {
        let ctime = below(&idx, path).map(|m| m.ctime).min();
        let mtime = below(&idx, path).map(|m| m.mtime).max();
        if ctime.is_none() && path != "/" {
            return Err(ApiError::not_found(NOT_EXIST));
        }
        let now = cx.app.cfg.now();
        return Ok(Outcome::Data(json!({
            "biz_attr": "",
            "ctime": ctime.unwrap_or(cx.app.started),
            "mtime": mtime.unwrap_or(now),
        })));
    }
    let urls = cx.urls();
    let mut data = if let Some(m) = idx.objects.get(path) {
        json!({
            "filesize": m.size, "filelen": m.size, "sha": m.sha, "biz_attr": m.biz_attr,
            "ctime": m.ctime, "mtime": m.mtime,
        })
    } else if let Some(s) = idx.session_at(path) {
        let m = &s.meta;
        json!({
            "filesize": m.filesize, "filelen": s.received_bytes(),
            "sha": m.sha.clone().unwrap_or_default(), "biz_attr": m.biz_attr,
            "ctime": m.ctime, "mtime": m.ctime, "slicesize": m.slice_size,
        })
    } else {
        return Err(ApiError::not_found(NOT_EXIST));
    };
    data["authority"] = json!("eInvalid");
    data["forbid"] = json!(0);
    data["custom_headers"] = json!({});
    data["access_url"] = urls["access_url"].clone();
    data["source_url"] = urls["source_url"].clone();
    Ok(Outcome::Data(data))
}

pub fn delete(cx: &Ctx) -> OpResult {
    let store = &cx.app.store;
    let mut idx = store.lock();
    let path = cx.path;
    if path.ends_with('/') {
        if path == "/" {
            return Err(ApiError::param("the root folder cannot be deleted"));
        }
        return Err(if below(&idx, path).next().is_some() {
            ApiError::conflict(-173, "ERROR_CMD_COS_DIR_NOT_EMPTY: folder is not empty")
        } else {
            ApiError::not_found(NOT_EXIST)
        });
    }
    let removed_object = store.remove_object(&mut idx, path)?;
    let session = idx.by_path.get(path).cloned();
    if let Some(id) = &session {
        store.remove_session(&mut idx, id)?;
    }
    if !removed_object && session.is_none() {
        return Err(ApiError::not_found(NOT_EXIST));
    }
    Ok(Outcome::Data(json!({})))
}
