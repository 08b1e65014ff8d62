//! Operations. Each takes a [`Ctx`] (validated path, parameters, the app) and returns the
//! `data` object of a success answer, a reset (fault injection) or an [`ApiError`].

mod folders;
mod manage;
mod objects;
mod slice;
mod upload;

use serde_json::{json, Value};
use std::sync::atomic::Ordering;

use crate::app::App;
use crate::cospath;
use crate::params::Params;
use crate::reply::ApiError;
use crate::state::{Index, ObjectMeta};

pub enum Outcome {
    Data(Value),
    /// Close the connection with RST, no answer.
    Reset,
}

pub type OpResult = Result<Outcome, ApiError>;

pub struct Ctx<'a> {
    pub app: &'a App,
    /// Decoded, validated COS path.
    pub path: &'a str,
    pub params: &'a Params<'a>,
}

/// Largest simple upload (DOC-6066: 20 MB).
pub const MAX_SIMPLE_UPLOAD: usize = 20 * 1000 * 1000;

pub fn dispatch(op: &str, cx: &Ctx) -> OpResult {
    match op {
        "upload" => upload::upload(cx),
        "upload_slice_init" => slice::init(cx),
        "upload_slice_data" => slice::data(cx),
        "upload_slice_list" => slice::list(cx),
        "upload_slice_finish" => slice::finish(cx),
        "stat" => objects::stat(cx),
        "delete" => objects::delete(cx),
        "create" => folders::create(cx),
        "list" => folders::list(cx),
        "move" => manage::move_or_copy(cx, false),
        "copy" => manage::move_or_copy(cx, true),
        "update" => manage::update(cx),
        "" => Err(ApiError::param("missing op")),
        other => Err(ApiError::param(format!("unknown op {other:?}"))),
    }
}

/// [`dispatch`], with the faults of [`crate::Faults`]`::ops_*` on every operation but the two
/// that carry data (they draw their own).
pub fn dispatch_with_faults(op: &str, cx: &Ctx) -> OpResult {
    if matches!(op, "upload" | "upload_slice_data") {
        return dispatch(op, cx);
    }
    let n = cx.app.other_requests.fetch_add(1, Ordering::SeqCst);
    let decision = crate::faults::decide_op(&cx.app.faults(), n);
    if decision.http_5xx {
        return Err(slice::injected_5xx(cx));
    }
    if decision.drop_before_store {
        return Ok(Outcome::Reset);
    }
    let result = dispatch(op, cx);
    if decision.drop_after_store {
        return Ok(Outcome::Reset);
    }
    result
}

impl Ctx<'_> {
    /// The path, which must name a file (not end in `/`).
    fn file_path(&self) -> Result<&str, ApiError> {
        if self.path.ends_with('/') {
            return Err(ApiError::param(
                "this operation needs a file path (not ending in '/')",
            ));
        }
        Ok(self.path)
    }

    /// The service's rule for `op=upload`, `upload_slice_init` (DOC-6066, DOC-6067 "前置条件":
    /// the parent directory must already exist) and, by our choice, `op=create`: the folder
    /// holding the path must exist, unless [`crate::Config::implicit_folders`] relaxes it.
    ///
    /// The code: no source gives the exact answer. We follow PROTOCOL.md §3.7/§4.2: a missing
    /// path is `ERROR_CMD_FILE_NOTEXIST`, which the service answers for a stat of a missing
    /// folder and for operations on missing paths (freyo adapter tests; a public Unity client
    /// creates the folder on seeing it), paired with HTTP 404 code -197 "file does not exist"
    /// (DOC-8432) — the same answer a stat of that folder gets here.
    fn require_parent(&self, idx: &Index) -> Result<(), ApiError> {
        if self.app.cfg.implicit_folders {
            return Ok(());
        }
        match idx.missing_parent(self.path) {
            None => Ok(()),
            Some(parent) => Err(ApiError::not_found(format!(
                "{}: the parent folder {parent} does not exist; create it first (op=create)",
                objects::NOT_EXIST
            ))),
        }
    }

    /// Where a file is uploaded: the parent folder must exist ([`Ctx::require_parent`]), and
    /// the name must be free ([`require_free_name`]).
    fn require_file_slot(&self, idx: &Index) -> Result<(), ApiError> {
        self.require_parent(idx)?;
        require_free_name(idx, self.path)
    }

    /// Optional `sha`: 40 hex digits, answered lower-case.
    fn sha(&self) -> Result<Option<String>, ApiError> {
        match self.params.text("sha").filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) if s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Ok(Some(s.to_ascii_lowercase()))
            }
            Some(s) => Err(ApiError::param(format!(
                "sha must be 40 hex digits, got {s:?}"
            ))),
        }
    }

    /// `insertOnly`: anything but "0" (default "1") forbids overwriting different content.
    fn insert_only(&self) -> bool {
        self.params.text("insertOnly").as_deref() != Some("0")
    }

    fn biz_attr(&self) -> String {
        self.params.text("biz_attr").unwrap_or_default()
    }

    fn required_u64(&self, name: &str) -> Result<u64, ApiError> {
        self.params
            .u64(name)
            .map_err(ApiError::param)?
            .ok_or_else(|| ApiError::param(format!("{name} is required")))
    }

    /// Answer `data` of a completed upload.
    fn urls(&self) -> Value {
        self.urls_of(self.path)
    }

    /// Answer `data` URLs of the object at `path`.
    fn urls_of(&self, path: &str) -> Value {
        let app = self.app;
        let enc = cospath::encode(path);
        let (appid, bucket) = (app.cfg.appid, &app.cfg.bucket);
        let access = format!("{}/{bucket}-{appid}{enc}", app.base_url);
        json!({
            "access_url": access,
            "resource_path": format!("/{appid}/{bucket}{enc}"),
            "source_url": access,
            "url": format!("{}/files/v2/{appid}/{bucket}{enc}", app.base_url),
        })
    }

    fn new_meta(&self, size: u64, sha: Option<&str>, ctime: Option<u64>) -> ObjectMeta {
        let now = self.app.cfg.now();
        ObjectMeta {
            size,
            sha: sha.unwrap_or_default().to_string(),
            biz_attr: self.biz_attr(),
            ctime: ctime.unwrap_or(now),
            mtime: now,
        }
    }
}

/// What is stored at the target path already, for the insertOnly rule.
enum Existing {
    None,
    /// Same size and sha: the upload may complete without storing anything.
    Identical(ObjectMeta),
    /// Different content, to be overwritten (insertOnly=0); keeps its ctime.
    Replace(ObjectMeta),
}

/// With [`crate::Config::same_file_error`], an identical re-upload under insertOnly=1 is
/// answered with -4018 ("same file already uploaded") instead of succeeding.
fn refuse_same_file(cx: &Ctx, found: &Existing, insert_only: bool) -> Result<(), ApiError> {
    if cx.app.cfg.same_file_error && insert_only && matches!(found, Existing::Identical(_)) {
        return Err(ApiError::conflict(
            -4018,
            "ERROR_SAME_FILE_UPLOAD: the same file is already stored at this path",
        ));
    }
    Ok(())
}

fn existing(
    idx: &Index,
    path: &str,
    sha: Option<&str>,
    size: u64,
    insert_only: bool,
) -> Result<Existing, ApiError> {
    let Some(meta) = idx.objects.get(path) else {
        return Ok(Existing::None);
    };
    if meta.size == size && !meta.sha.is_empty() && Some(meta.sha.as_str()) == sha {
        Ok(Existing::Identical(meta.clone()))
    } else if insert_only {
        Err(ApiError::conflict(
            -177,
            "ERROR_CMD_COS_FILE_EXIST: a different file already exists at this path (insertOnly=1)",
        ))
    } else {
        Ok(Existing::Replace(meta.clone()))
    }
}

/// A file may not take a folder's name, nor a folder's name on its path be a file's:
/// answered like a create onto a file's name, 409 -178 `ERROR_CMD_COS_PATH_CONFLICT`. PROTOCOL.md
/// does not say what the service does; the data directory cannot hold both, and this used to
/// surface as a 500 storage error, which clients retry for their whole retry window. Checked
/// at init and simple upload, and again at finish (with implicit folders the slot can be
/// taken meanwhile).
pub(crate) fn require_free_name(idx: &Index, path: &str) -> Result<(), ApiError> {
    if idx.folder_exists(&format!("{path}/")) {
        return Err(ApiError::conflict(
            -178,
            "ERROR_CMD_COS_PATH_CONFLICT: a folder has this name",
        ));
    }
    let mut folders = path.match_indices('/').skip(1).map(|(i, _)| &path[..i]);
    if let Some(file) = folders.find(|f| idx.objects.contains_key(*f)) {
        return Err(ApiError::conflict(
            -178,
            format!("ERROR_CMD_COS_PATH_CONFLICT: a file is named {file}, a folder of this path"),
        ));
    }
    Ok(())
}
