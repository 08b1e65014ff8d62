//! Slice upload: `upload_slice_init`, `upload_slice_data`, `upload_slice_list`,
//! `upload_slice_finish` (PROTOCOL.md §3).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use serde_json::{json, Value};

use super::{existing, refuse_same_file, Ctx, Existing, OpResult, Outcome};
use crate::faults;
use crate::reply::ApiError;
use crate::sha::ChainSha1;
use crate::state::{ObjectMeta, Session, SessionMeta, UploadPart};

pub const SLICE_SIZES: [u64; 4] = [524_288, 1_048_576, 2_097_152, 3_145_728];

impl Ctx<'_> {
    /// The session named by the `session` field, which must belong to this path.
    fn session(&self) -> Result<Arc<Session>, ApiError> {
        let id = self
            .params
            .text("session")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::bad(-95, "session is required"))?;
        let idx = self.app.store.lock();
        match idx.sessions.get(&id) {
            Some(s) if s.meta.path == self.path => Ok(s.clone()),
            Some(_) => Err(ApiError::bad(-94, "session belongs to another path")),
            None => Err(ApiError::bad(-94, format!("unknown session {id:?}"))),
        }
    }
}

fn json_u64(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Parse and validate `uploadparts`: contiguous from 0, summing to `filesize`.
pub fn parse_uploadparts(text: &str, filesize: u64) -> Result<Vec<UploadPart>, ApiError> {
    let bad = |msg: String| ApiError::bad(-5965, msg);
    let items: Vec<Value> = serde_json::from_str(text)
        .map_err(|e| bad(format!("uploadparts is not a JSON array: {e}")))?;
    let mut parts = Vec::with_capacity(items.len());
    let mut expected = 0u64;
    for (i, item) in items.iter().enumerate() {
        let (Some(offset), Some(datalen), Some(datasha)) = (
            json_u64(item.get("offset")),
            json_u64(item.get("datalen")),
            item.get("datasha").and_then(Value::as_str),
        ) else {
            return Err(bad(format!(
                "uploadparts entry {i} needs offset, datalen, datasha"
            )));
        };
        if offset != expected {
            return Err(bad(format!(
                "uploadparts entry {i}: offset {offset}, expected {expected} (entries must be contiguous)"
            )));
        }
        if datasha.len() != 40 || !datasha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad(format!(
                "uploadparts entry {i}: datasha is not 40 hex digits"
            )));
        }
        expected = offset.saturating_add(datalen);
        parts.push(UploadPart {
            offset,
            datalen,
            datasha: datasha.to_ascii_lowercase(),
        });
    }
    if expected != filesize {
        return Err(bad(format!(
            "uploadparts cover {expected} bytes, filesize is {filesize}"
        )));
    }
    Ok(parts)
}

pub fn init(cx: &Ctx) -> OpResult {
    let path = cx.file_path()?;
    let filesize = cx.required_u64("filesize")?;
    let requested = cx
        .params
        .text("slice_size")
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| SLICE_SIZES.contains(s))
        .ok_or_else(|| {
            ApiError::bad(
                -284,
                "slice_size must be 524288, 1048576, 2097152 or 3145728 (use 1M)",
            )
        })?;
    let sha = cx.sha()?;
    let uploadparts = match cx.params.text("uploadparts").filter(|t| !t.is_empty()) {
        Some(text) => Some(parse_uploadparts(&text, filesize)?),
        None => None,
    };
    let insert_only = cx.insert_only();
    let app = cx.app;
    let store = &app.store;
    let mut idx = store.lock();
    cx.require_file_slot(&idx)?;
    if let Some(open) = idx.session_at(path) {
        return Err(match (&sha, &open.meta.sha) {
            (Some(new), Some(old)) if new != old => ApiError::conflict(
                -4020,
                "an unfinished upload with a different sha exists on this path",
            ),
            _ => ApiError::conflict(
                -4019,
                "_ERROR_FILE_NOT_FINISH_UPLOAD: an unfinished upload of this file exists; list and resume it",
            ),
        });
    }
    let found = existing(&idx, path, sha.as_deref(), filesize, insert_only)?;
    refuse_same_file(cx, &found, insert_only)?;
    if let Existing::Identical(old) = found {
        store.touch(
            &mut idx,
            path,
            cx.new_meta(filesize, sha.as_deref(), Some(old.ctime)),
        )?;
        return Ok(Outcome::Data(cx.urls()));
    }
    if let Some(sha) = &sha {
        if let Some(source) = idx.find_by_sha(sha, filesize) {
            let ctime = idx.objects.get(path).map(|m| m.ctime);
            let meta = cx.new_meta(filesize, Some(sha), ctime);
            store.link(&mut idx, &source, path, meta)?;
            return Ok(Outcome::Data(cx.urls()));
        }
    }
    let slice_size = app.cfg.slice_size_override.unwrap_or(requested);
    let serial_upload = app.cfg.force_serial_upload;
    let meta = SessionMeta {
        id: store.unique_id(),
        path: path.to_string(),
        filesize,
        slice_size,
        sha,
        uploadparts,
        biz_attr: cx.biz_attr(),
        insert_only,
        serial_upload,
        ctime: app.cfg.now(),
    };
    let session = store.create_session(&mut idx, meta)?;
    Ok(Outcome::Data(json!({
        "session": session.meta.id,
        "slice_size": slice_size,
        "serial_upload": u8::from(serial_upload),
        "offset": 0,
    })))
}

pub fn data(cx: &Ctx) -> OpResult {
    let session = cx.session()?;
    let _in_flight = session.in_flight();
    let app = cx.app;
    let n = app.slice_requests.fetch_add(1, Ordering::SeqCst);
    let decision = faults::decide(&app.faults(), n);
    let result = store_slice(cx, &session, &decision);
    if !matches!(result, Ok(Outcome::Reset)) {
        app.sleep_ms(decision.sleep_ms);
    }
    result
}

/// An injected 5xx: 503 -71 and 500 -195 alternately.
pub(super) fn injected_5xx(cx: &Ctx) -> ApiError {
    if !cx.app.injected_5xx.fetch_xor(true, Ordering::SeqCst) {
        ApiError::new(503, -71, "too many requests (injected fault)")
    } else {
        ApiError::new(500, -195, "backend storage error (injected fault)")
    }
}

fn store_slice(cx: &Ctx, session: &Session, decision: &faults::Decision) -> OpResult {
    if decision.http_5xx {
        return Err(injected_5xx(cx));
    }
    if decision.drop_before_store {
        return Ok(Outcome::Reset);
    }
    let meta = &session.meta;
    let offset = cx.required_u64("offset")?;
    if offset % meta.slice_size != 0 || offset >= meta.filesize {
        return Err(ApiError::param(format!(
            "offset {offset} is not a slice start: expected a multiple of {} below {}",
            meta.slice_size, meta.filesize
        )));
    }
    let data = cx.params.bytes("filecontent").unwrap_or_default();
    let expected = session.slice_len(offset);
    if data.len() as u64 != expected {
        return Err(ApiError::param(format!(
            "datalen at offset {offset}: expected {expected}, got {}",
            data.len()
        )));
    }
    if !cx.app.cfg.discard_data {
        session.write_slice(offset, data)?;
    }
    session.record(offset)?;
    if decision.drop_after_store {
        return Ok(Outcome::Reset);
    }
    Ok(Outcome::Data(json!({
        "session": meta.id,
        "offset": offset,
        "datalen": data.len(),
    })))
}

pub fn list(cx: &Ctx) -> OpResult {
    let path = cx.file_path()?;
    let session = cx
        .app
        .store
        .lock()
        .session_at(path)
        .ok_or_else(|| ApiError::not_found("no unfinished upload on this path"))?;
    let meta = &session.meta;
    let offsets: Vec<u64> = crate::http::lock(&session.progress)
        .counts
        .keys()
        .copied()
        .collect();
    let listparts: Vec<Value> = offsets
        .into_iter()
        .map(|o| json!({"offset": o, "datalen": session.slice_len(o)}))
        .collect();
    let mut data = json!({
        "session": meta.id,
        "slice_size": meta.slice_size,
        "filesize": meta.filesize,
        "listparts": listparts,
    });
    if let Some(sha) = &meta.sha {
        data["sha"] = json!(sha);
    }
    Ok(Outcome::Data(data))
}

/// `upload_slice_finish`, with the finish faults of the configuration: the first
/// `finish_unavailable` answer 503 unprocessed, the next `finish_answer_lost` are processed and
/// their answer lost, every one waits `finish_delay_ms` first.
pub fn finish(cx: &Ctx) -> OpResult {
    let app = cx.app;
    let n = app.finish_requests.fetch_add(1, Ordering::SeqCst);
    let unavailable = u64::from(app.cfg.finish_unavailable);
    if n < unavailable {
        return Err(ApiError::new(
            503,
            -71,
            "too many requests (injected fault on finish)",
        ));
    }
    app.sleep_ms(app.cfg.finish_delay_ms);
    let result = finish_session(cx);
    if n < unavailable + u64::from(app.cfg.finish_answer_lost) {
        return Ok(Outcome::Reset);
    }
    result
}

fn finish_session(cx: &Ctx) -> OpResult {
    let session = cx.session()?;
    let meta = &session.meta;
    let filesize = cx.required_u64("filesize")?;
    if filesize != meta.filesize {
        return Err(ApiError::bad(
            -175,
            format!(
                "filesize {filesize} differs from {} given at init",
                meta.filesize
            ),
        ));
    }
    let sha = cx.sha()?;
    let declared = match (&meta.sha, sha) {
        (Some(_), None) => {
            return Err(ApiError::bad(
                -29094,
                "init carried a sha, so finish must carry it too",
            ))
        }
        (Some(init), Some(fin)) if *init != fin => {
            return Err(ApiError::conflict(
                -174,
                "ERROR_CMD_COS_SHA_NOT_EQU: sha differs from the sha given at init",
            ))
        }
        (init, fin) => fin.or_else(|| init.clone()),
    };
    if let Some(missing) = session.first_missing() {
        return Err(ApiError::param(format!(
            "slice at offset {missing} has not been uploaded"
        )));
    }
    let content_sha = if cx.app.cfg.verify_content && !cx.app.cfg.discard_data {
        Some(verify_content(&session, declared.as_deref())?)
    } else {
        declared
    };
    let store = &cx.app.store;
    let mut idx = store.lock();
    if !idx.sessions.contains_key(&meta.id) {
        return Err(ApiError::bad(-94, "session already finished"));
    }
    super::require_free_name(&idx, &meta.path)?;
    let sha = content_sha.as_deref();
    let object = |ctime| ObjectMeta {
        biz_attr: meta.biz_attr.clone(),
        ..cx.new_meta(filesize, sha, ctime)
    };
    match existing(&idx, &meta.path, sha, filesize, meta.insert_only)? {
        Existing::Identical(old) => store.touch(&mut idx, &meta.path, object(Some(old.ctime)))?,
        Existing::Replace(old) => store.commit(
            &mut idx,
            &meta.path,
            &session.dir.join("data"),
            object(Some(old.ctime)),
        )?,
        Existing::None => store.commit(
            &mut idx,
            &meta.path,
            &session.dir.join("data"),
            object(None),
        )?,
    }
    store.remove_session(&mut idx, &meta.id)?;
    Ok(Outcome::Data(cx.urls()))
}

/// One pass over the stored data: whole-file SHA-1 against `declared`, and every
/// `uploadparts` entry (chaining state for all but the last, whole sha for the last).
fn verify_content(session: &Session, declared: Option<&str>) -> Result<String, ApiError> {
    use std::os::unix::fs::FileExt;
    let parts = session.meta.uploadparts.as_deref().unwrap_or_default();
    let checks = parts.split_last().map(|(_, rest)| rest).unwrap_or_default();
    let filesize = session.meta.filesize;
    let mut hasher = ChainSha1::default();
    let mut buf = vec![0u8; 1 << 20];
    let mut next = 0;
    loop {
        let pos = hasher.len();
        while let Some(part) = checks.get(next).filter(|p| p.offset + p.datalen == pos) {
            if hasher.state_hex().as_deref() != Some(part.datasha.as_str()) {
                return Err(ApiError::conflict(
                    -4016,
                    format!(
                        "sha check failed: uploadparts entry {next} (offset {}, datalen {}) does not match the content",
                        part.offset, part.datalen
                    ),
                ));
            }
            next += 1;
        }
        if pos >= filesize {
            break;
        }
        let mut len = (buf.len() as u64).min(filesize - pos);
        if let Some(part) = checks.get(next) {
            len = len.min(part.offset + part.datalen - pos);
        }
        let chunk = &mut buf[..len as usize];
        session.data.read_exact_at(chunk, pos)?;
        hasher.update(chunk);
    }
    let digest = hasher.finish();
    if let Some(d) = declared.filter(|d| *d != digest) {
        return Err(ApiError::conflict(
            -4016,
            format!("sha check failed: content sha {digest} != declared sha {d}"),
        ));
    }
    if let Some((last, _)) = parts.split_last().filter(|(l, _)| l.datasha != digest) {
        return Err(ApiError::conflict(
            -4016,
            format!(
                "sha check failed: last uploadparts entry (offset {}) has {} but the content sha is {digest}",
                last.offset, last.datasha
            ),
        ));
    }
    Ok(digest)
}
