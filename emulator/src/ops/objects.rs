//! `op=stat` and `op=delete` on files and folders.

use serde_json::json;

use super::{folders, Ctx, OpResult, Outcome};
use crate::reply::ApiError;

pub const NOT_EXIST: &str = "ERROR_CMD_FILE_NOTEXIST";

pub fn stat(cx: &Ctx) -> OpResult {
    if cx.app.cfg.stat_delay_ms > 0 {
        std::thread::sleep(std::time::Duration::from_millis(cx.app.cfg.stat_delay_ms));
    }
    if cx.path.ends_with('/') {
        return folders::stat(cx);
    }
    let idx = cx.app.store.lock();
    let path = cx.path;
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
    let attrs = idx.attrs_of(path);
    data["authority"] = json!(attrs.authority());
    data["forbid"] = json!(0);
    data["custom_headers"] = json!(attrs.custom_headers);
    // An upload in progress shows its slice size and no URLs: it is not an object yet.
    if data.get("slicesize").is_none() {
        data["access_url"] = urls["access_url"].clone();
        data["source_url"] = urls["source_url"].clone();
    }
    Ok(Outcome::Data(data))
}

pub fn delete(cx: &Ctx) -> OpResult {
    if cx.path.ends_with('/') {
        return folders::delete(cx);
    }
    let store = &cx.app.store;
    let mut idx = store.lock();
    let path = cx.path;
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
