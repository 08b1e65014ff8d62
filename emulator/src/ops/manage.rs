//! `op=move` / `op=copy` of a file, and `op=update` of a file's or folder's attributes.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::objects::NOT_EXIST;
use super::{Ctx, OpResult, Outcome};
use crate::cospath;
use crate::reply::ApiError;
use crate::state::AUTHORITIES;

/// Custom header names `op=update` accepts besides `x-cos-meta-*` (PROTOCOL.md §4.3).
pub const CUSTOM_HEADERS: [&str; 5] = [
    "Cache-Control",
    "Content-Type",
    "Content-Disposition",
    "Content-Language",
    "Content-Encoding",
];

/// The target of a move or copy: `dest_fileid` absolute (`/dir/name`) or a bare name in the
/// source's folder.
fn destination(src: &str, dest: &str) -> Result<String, ApiError> {
    if dest.is_empty() {
        return Err(ApiError::param("dest_fileid is required"));
    }
    let joined = if dest.starts_with('/') {
        dest.to_string()
    } else if dest.contains('/') {
        return Err(ApiError::param(format!(
            "dest_fileid {dest:?} must be an absolute path or a bare name"
        )));
    } else {
        let dir = &src[..src.rfind('/').map_or(0, |i| i + 1)];
        format!("{dir}{dest}")
    };
    let path = cospath::validate_cos_path(&joined).map_err(|e| match e {
        cospath::PathError::Invalid(m) => ApiError::param(m),
        cospath::PathError::UnknownPrefix => ApiError::param("bad dest_fileid"),
    })?;
    if path.ends_with('/') {
        return Err(ApiError::param(format!(
            "dest_fileid {dest:?} names a folder; a file path is needed"
        )));
    }
    Ok(path)
}

/// Moves (renames) or copies the file at the request path.
pub fn move_or_copy(cx: &Ctx, copy: bool) -> OpResult {
    let src = cx.file_path()?;
    let dest = destination(src, &cx.params.text("dest_fileid").unwrap_or_default())?;
    let overwrite = cx.params.text("to_over_write").as_deref() == Some("1");
    let store = &cx.app.store;
    let mut idx = store.lock();
    if !idx.objects.contains_key(src) {
        return Err(ApiError::not_found(NOT_EXIST));
    }
    if dest == src {
        return Ok(Outcome::Data(json!({})));
    }
    if idx.folder_exists(&format!("{dest}/")) {
        return Err(ApiError::conflict(
            -178,
            "ERROR_CMD_COS_PATH_CONFLICT: a folder has the destination's name",
        ));
    }
    if idx.objects.contains_key(&dest) && !overwrite {
        return Err(ApiError::conflict(
            -177,
            "ERROR_CMD_COS_FILE_EXIST: the destination exists (to_over_write=0)",
        ));
    }
    if copy {
        store.copy_object(&mut idx, src, &dest, cx.app.cfg.now())?;
    } else {
        store.rename_object(&mut idx, src, &dest)?;
    }
    Ok(Outcome::Data(json!({})))
}

/// Whether `name` is a custom header `op=update` may set.
pub fn allowed_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    CUSTOM_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
        || (lower.starts_with("x-cos-meta-") && lower.len() > "x-cos-meta-".len())
}

/// Parses `custom_headers`: a JSON object (sent as an object or as a string holding one) of
/// allowed names to non-empty string values.
fn custom_headers(text: &str) -> Result<BTreeMap<String, String>, ApiError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| ApiError::param(format!("custom_headers is not JSON: {e}")))?;
    let value = match value {
        // JAVA sends a string that holds the JSON object.
        Value::String(inner) => serde_json::from_str(&inner)
            .map_err(|e| ApiError::param(format!("custom_headers is not JSON: {e}")))?,
        other => other,
    };
    let Value::Object(map) = value else {
        return Err(ApiError::param("custom_headers must be a JSON object"));
    };
    let mut out = BTreeMap::new();
    for (k, v) in map {
        if !allowed_header(&k) {
            return Err(ApiError::param(format!(
                "custom header {k:?} is not allowed (only {} and x-cos-meta-*)",
                CUSTOM_HEADERS.join(", ")
            )));
        }
        match v {
            Value::String(s) if !s.is_empty() => {
                out.insert(k, s);
            }
            _ => {
                return Err(ApiError::param(format!(
                    "custom header {k:?} needs a non-empty string value"
                )))
            }
        }
    }
    Ok(out)
}

/// `op=update`: `biz_attr`, `authority` and `custom_headers` of a file; `biz_attr` of a folder.
pub fn update(cx: &Ctx) -> OpResult {
    let path = cx.path;
    let biz_attr = cx.params.text("biz_attr");
    let authority = cx.params.text("authority").filter(|a| !a.is_empty());
    let headers = match cx.params.text("custom_headers").filter(|h| !h.is_empty()) {
        Some(h) => Some(custom_headers(&h)?),
        None => None,
    };
    if let Some(a) = &authority {
        if !AUTHORITIES.contains(&a.as_str()) {
            return Err(ApiError::param(format!(
                "authority must be one of {}, got {a:?}",
                AUTHORITIES.join(", ")
            )));
        }
    }
    let store = &cx.app.store;
    let mut idx = store.lock();
    let now = cx.app.cfg.now();
    if path.ends_with('/') {
        if authority.is_some() || headers.is_some() {
            return Err(ApiError::param(
                "a folder has only biz_attr; authority and custom_headers are for files",
            ));
        }
        if !idx.folder_exists(path) {
            return Err(ApiError::not_found(NOT_EXIST));
        }
        let ctime = idx.folders.get(path).map_or(now, |f| f.ctime);
        let entry =
            idx.folders
                .entry(path.to_string())
                .or_insert_with(|| crate::state::FolderMeta {
                    biz_attr: String::new(),
                    ctime,
                    mtime: now,
                });
        if let Some(b) = biz_attr {
            entry.biz_attr = b;
        }
        entry.mtime = now;
        store.save_extras(&idx)?;
        return Ok(Outcome::Data(json!({})));
    }
    let Some(mut meta) = idx.objects.get(path).cloned() else {
        return Err(ApiError::not_found(NOT_EXIST));
    };
    if let Some(b) = biz_attr {
        meta.biz_attr = b;
        meta.mtime = now;
        store.touch(&mut idx, path, meta)?;
    }
    let mut attrs = idx.attrs_of(path);
    if let Some(a) = authority {
        attrs.authority = a;
    }
    if let Some(h) = headers {
        attrs.custom_headers = h;
    }
    idx.attrs.insert(path.to_string(), attrs);
    store.save_extras(&idx)?;
    Ok(Outcome::Data(json!({})))
}
