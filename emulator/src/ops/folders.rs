//! Folders: `op=create`, `op=list`, and stat/delete of a folder path (ending in `/`).
//!
//! A folder exists when it was created, or implicitly as a prefix of an object or of a created
//! folder. Creating one needs its parent folder to exist (unless `Config::implicit_folders`). Listing shows one level: the direct sub-folders and files of the folder.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Value};

use super::objects::NOT_EXIST;
use super::{Ctx, OpResult, Outcome};
use crate::cospath;
use crate::reply::ApiError;
use crate::state::{FolderMeta, Index, Session};

/// Largest `num` of a list request (DOC-6062).
pub const MAX_LIST_NUM: u64 = 1000;
/// `num` when the request has none (the Python and Java SDKs' default).
pub const DEFAULT_LIST_NUM: u64 = 199;

/// The folder path, which must end in `/`.
fn folder_path<'a>(cx: &Ctx<'a>) -> Result<&'a str, ApiError> {
    if !cx.path.ends_with('/') {
        return Err(ApiError::param(
            "this operation needs a folder path (ending in '/')",
        ));
    }
    Ok(cx.path)
}

/// ctime/mtime of an implicit folder: the span of what lies below it.
fn implicit_times(idx: &Index, folder: &str) -> Option<(u64, u64)> {
    let below = idx
        .objects
        .iter()
        .filter(|(p, _)| p.starts_with(folder))
        .map(|(_, m)| (m.ctime, m.mtime))
        .chain(
            idx.folders
                .iter()
                .filter(|(p, _)| p.len() > folder.len() && p.starts_with(folder))
                .map(|(_, m)| (m.ctime, m.mtime)),
        );
    below.fold(None, |acc, (c, m)| match acc {
        None => Some((c, m)),
        Some((c0, m0)) => Some((c0.min(c), m0.max(m))),
    })
}

pub fn stat(cx: &Ctx) -> OpResult {
    let path = folder_path(cx)?;
    let idx = cx.app.store.lock();
    if let Some(f) = idx.folders.get(path) {
        return Ok(Outcome::Data(json!({
            "biz_attr": f.biz_attr, "ctime": f.ctime, "mtime": f.mtime,
        })));
    }
    let times = implicit_times(&idx, path);
    if times.is_none() && path != "/" {
        return Err(ApiError::not_found(NOT_EXIST));
    }
    let (ctime, mtime) = times.unwrap_or((cx.app.started, cx.app.cfg.now()));
    Ok(Outcome::Data(json!({
        "biz_attr": "", "ctime": ctime, "mtime": mtime,
    })))
}

pub fn delete(cx: &Ctx) -> OpResult {
    let path = folder_path(cx)?;
    if path == "/" {
        return Err(ApiError::param("the root folder cannot be deleted"));
    }
    let store = &cx.app.store;
    let mut idx = store.lock();
    if !idx.folder_exists(path) {
        return Err(ApiError::not_found(NOT_EXIST));
    }
    if !idx.folder_is_empty(path) {
        return Err(ApiError::conflict(
            -173,
            "ERROR_CMD_COS_DIR_NOT_EMPTY: folder is not empty",
        ));
    }
    idx.folders.remove(path);
    store.save_extras(&idx)?;
    Ok(Outcome::Data(json!({})))
}

pub fn create(cx: &Ctx) -> OpResult {
    let path = folder_path(cx)?;
    let store = &cx.app.store;
    let mut idx = store.lock();
    if idx.folder_exists(path) {
        return Err(ApiError::conflict(
            -178,
            "ERROR_CMD_COS_PATH_CONFLICT: the folder already exists",
        ));
    }
    let file = path.trim_end_matches('/');
    if idx.objects.contains_key(file) {
        return Err(ApiError::conflict(
            -178,
            "ERROR_CMD_COS_PATH_CONFLICT: a file has this name",
        ));
    }
    // PROTOCOL.md does not say how the service answers a create under a missing folder;
    // we require the parent as for uploads (no `mkdir -p`).
    cx.require_parent(&idx)?;
    let now = cx.app.cfg.now();
    let meta = FolderMeta {
        biz_attr: cx.biz_attr(),
        ctime: now,
        mtime: now,
    };
    idx.folders.insert(path.to_string(), meta);
    store.save_extras(&idx)?;
    let (appid, bucket) = (cx.app.cfg.appid, &cx.app.cfg.bucket);
    Ok(Outcome::Data(json!({
        "ctime": now,
        "resource_path": format!("/{appid}/{bucket}{}", cospath::encode(path)),
    })))
}

/// One listed name; folders sort before files of the same name.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    name: String,
    is_file: bool,
}

impl Key {
    /// Whether (`name`, `is_file`) sorts after this key (as `Key`'s order, without a copy).
    fn before(&self, name: &str, is_file: bool) -> bool {
        (self.name.as_str(), self.is_file) < (name, is_file)
    }

    /// The opaque `context` that continues after this entry.
    fn context(&self) -> String {
        format!("{}:{}", if self.is_file { 'f' } else { 'd' }, self.name)
    }

    fn from_context(ctx: &str) -> Result<Key, ApiError> {
        match ctx.split_once(':') {
            Some(("f", name)) => Ok(Key {
                name: name.to_string(),
                is_file: true,
            }),
            Some(("d", name)) => Ok(Key {
                name: name.to_string(),
                is_file: false,
            }),
            _ => Err(ApiError::param(format!("invalid context {ctx:?}"))),
        }
    }
}

/// `GET <folder>[prefix]?op=list&num=&context=`.
pub fn list(cx: &Ctx) -> OpResult {
    // The URL is the folder followed by an optional name prefix.
    let split = cx.path.rfind('/').map_or(0, |i| i + 1);
    let (folder, prefix) = cx.path.split_at(split);
    let num = match cx.params.u64("num").map_err(ApiError::param)? {
        None => DEFAULT_LIST_NUM,
        Some(n) if (1..=MAX_LIST_NUM).contains(&n) => n,
        Some(n) => {
            return Err(ApiError::param(format!(
                "num must be 1 to {MAX_LIST_NUM}, got {n}"
            )))
        }
    };
    let after = match cx.params.text("context").filter(|c| !c.is_empty()) {
        Some(c) => Some(Key::from_context(&c)?),
        None => None,
    };
    let idx = cx.app.store.lock();
    if !idx.folder_exists(folder) {
        return Err(ApiError::not_found(NOT_EXIST));
    }
    // Keys first (cheap), over the folder's range of the sorted paths only; the answer's
    // JSON is made for the page's entries alone (a listing of a large bucket is a page at a
    // time, not the whole bucket per page).
    let child = |p: &str| -> Option<(String, bool)> {
        let rest = p.strip_prefix(folder)?;
        match rest.split_once('/') {
            Some((dir, _)) if !dir.is_empty() => Some((dir.to_string(), false)),
            Some(_) => None,
            None if rest.is_empty() => None,
            None => Some((rest.to_string(), true)),
        }
    };
    let below = |p: &&String| p.starts_with(folder);
    // Per key: the object path of a file, or the (ctime, mtime) span of a folder's contents.
    let mut keys: BTreeMap<Key, Source> = BTreeMap::new();
    // Every path of a name at or after the context's sorts at or after `folder` + that name.
    let start = format!("{folder}{}", after.as_ref().map_or("", |a| a.name.as_str()));
    let objects = idx.objects.range(start.clone()..);
    for (p, m) in objects.take_while(|(p, _)| below(p)) {
        let Some((name, is_file)) = child(p) else {
            continue;
        };
        if !name.starts_with(prefix) || after.as_ref().is_some_and(|a| !a.before(&name, is_file)) {
            continue;
        }
        let key = Key { name, is_file };
        if is_file {
            keys.insert(key, Source::File(p.clone()));
        } else {
            keys.entry(key)
                .or_insert(Source::Folder(m.ctime, m.mtime))
                .widen(m.ctime, m.mtime);
        }
    }
    for (p, f) in idx
        .folders
        .range(folder.to_string()..)
        .take_while(|(p, _)| below(p))
    {
        let Some((name, false)) = child(p) else {
            continue;
        };
        let key = Key {
            name,
            is_file: false,
        };
        if !key.name.starts_with(prefix)
            || after.as_ref().is_some_and(|a| !a.before(&key.name, false))
        {
            continue;
        }
        let explicit = p.len() == folder.len() + key.name.len() + 1;
        let t = keys.entry(key).or_insert(Source::Folder(f.ctime, f.mtime));
        if let (true, Source::Folder(c, _)) = (explicit, &mut *t) {
            *c = f.ctime; // a created folder's own time
        }
        t.widen(f.ctime, f.mtime);
    }
    // Unfinished uploads are listed as `stat` shows them (PROTOCOL.md §4.2: `filelen`, the
    // bytes stored so far, differs from `filesize` for them; no URL). A finished object at the
    // same path wins, as in `stat`. Sessions are few: a scan of them is cheap.
    for path in idx.by_path.keys() {
        let (Some((name, true)), Some(session)) = (child(path), idx.session_at(path)) else {
            continue;
        };
        if !name.starts_with(prefix) || after.as_ref().is_some_and(|a| !a.before(&name, true)) {
            continue;
        }
        let key = Key {
            name,
            is_file: true,
        };
        keys.entry(key)
            .or_insert(Source::Unfinished(path.clone(), session));
    }
    let entries = keys.into_iter().take(num as usize + 1).map(|(key, src)| {
        let info = match src {
            Source::File(p) => {
                let m = &idx.objects[&p];
                let urls = cx.urls_of(&p);
                json!({
                    "name": key.name, "ctime": m.ctime, "mtime": m.mtime,
                    "filesize": m.size, "filelen": m.size, "sha": m.sha,
                    "access_url": urls["access_url"], "authority": idx.attrs_of(&p).authority(),
                })
            }
            Source::Folder(ctime, mtime) => {
                json!({"name": key.name, "ctime": ctime, "mtime": mtime})
            }
            Source::Unfinished(p, s) => json!({
                "name": key.name, "ctime": s.meta.ctime, "mtime": s.meta.ctime,
                "filesize": s.meta.filesize, "filelen": s.received_bytes(),
                "sha": s.meta.sha.clone().unwrap_or_default(),
                "authority": idx.attrs_of(&p).authority(),
            }),
        };
        (key, info)
    });
    let mut page: Vec<(Key, Value)> = entries.collect();
    let listover = page.len() as u64 <= num;
    page.truncate(num as usize);
    let context = match (listover, page.last()) {
        (false, Some((k, _))) => k.context(),
        _ => String::new(),
    };
    let infos: Vec<Value> = page.into_iter().map(|(_, v)| v).collect();
    Ok(Outcome::Data(json!({
        "context": context,
        "listover": listover,
        "infos": infos,
    })))
}

/// What a listing entry is made from: a file's object path, or a folder's (ctime, mtime).
enum Source {
    File(String),
    Folder(u64, u64),
    /// An upload in progress (no object at its path).
    Unfinished(String, Arc<Session>),
}

impl Source {
    /// Widens a folder's times to cover one more thing below it.
    fn widen(&mut self, ctime: u64, mtime: u64) {
        if let Source::Folder(c, m) = self {
            *c = (*c).min(ctime);
            *m = (*m).max(mtime);
        }
    }
}
