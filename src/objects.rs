//! Managing objects and folders (PROTOCOL.md §4.2–4.7): stat of files and folders, delete,
//! create folder, list folder (paged, as an iterator), move/copy, update attributes.
//!
//! Signatures follow §2.3: multi-effect (f empty) for stat, list and create; once (bound to the
//! target's fileid) for delete, update and move/copy.

use crate::cancel::CancelToken;
use crate::error::{codes, Error, Result};
use crate::path::{validate_bucket, validate_file, validate_folder, validate_path};
use crate::transport::{Api, Target};
use crate::wire::envelope::{int_field, opt_str};
use crate::wire::Form;
use serde_json::Value;
use std::collections::BTreeMap;

pub(crate) mod list;

pub use list::{
    ListCursor, ListEntry, ListIter, ListOptions, ListPage, DEFAULT_LIST_NUM,
    LIST_CONTEXTS_REMEMBERED, MAX_LIST_NUM,
};

/// Custom header names an update may set besides `x-cos-meta-*` (PROTOCOL.md §4.3).
pub const CUSTOM_HEADERS: [&str; 5] = [
    "Cache-Control",
    "Content-Type",
    "Content-Disposition",
    "Content-Language",
    "Content-Encoding",
];

/// Who may read and write an object (`authority`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Authority {
    /// `eInvalid`: inherit the bucket's setting.
    Inherit,
    /// `eWRPrivate`: private read and write.
    Private,
    /// `eWPrivateRPublic`: private write, public read.
    PublicRead,
}

impl Authority {
    /// The protocol's name of the value.
    pub fn as_str(self) -> &'static str {
        match self {
            Authority::Inherit => "eInvalid",
            Authority::Private => "eWRPrivate",
            Authority::PublicRead => "eWPrivateRPublic",
        }
    }

    /// The value of a protocol name (`eInvalid`, `eWRPrivate`, `eWPrivateRPublic`).
    pub fn parse(s: &str) -> Option<Authority> {
        [
            Authority::Inherit,
            Authority::Private,
            Authority::PublicRead,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }
}

/// What `stat` reports of a file or a folder.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectStat {
    /// True for a folder (a path ending in `/`); the file fields are then 0 or empty.
    pub is_folder: bool,
    /// Declared size.
    pub filesize: u64,
    /// Bytes stored so far (less than `filesize` while an upload is unfinished).
    pub filelen: u64,
    pub sha: String,
    pub biz_attr: String,
    pub ctime: i64,
    pub mtime: i64,
    pub access_url: String,
    pub source_url: String,
    /// `eInvalid`, `eWRPrivate` or `eWPrivateRPublic` (as answered; empty for folders).
    pub authority: String,
    /// Custom headers set with [`crate::Client::update`].
    pub custom_headers: BTreeMap<String, String>,
    /// The whole `data` object of the answer.
    pub raw: Value,
}

/// What [`crate::Client::update`] changes; `None` leaves a value as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateOptions {
    pub biz_attr: Option<String>,
    /// Files only.
    pub authority: Option<Authority>,
    /// Files only; replaces all custom headers. Names: [`CUSTOM_HEADERS`] or `x-cos-meta-*`;
    /// values must not be empty.
    pub custom_headers: Option<BTreeMap<String, String>>,
}

/// Checks a custom header for an update.
pub fn check_custom_header(name: &str, value: &str) -> Result<()> {
    let lower = name.to_ascii_lowercase();
    // The service sends these names back as response headers of downloads: only header-name
    // characters, never a line break that would start a header of its own.
    let suffix = lower.strip_prefix("x-cos-meta-").unwrap_or("");
    let meta = !suffix.is_empty()
        && suffix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if !meta && !CUSTOM_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)) {
        return Err(Error::usage(format!(
            "custom header {name:?} cannot be set; allowed: {} and x-cos-meta-* (letters, \
             digits, '-', '_', '.')",
            CUSTOM_HEADERS.join(", ")
        )));
    }
    if value.is_empty() || value.chars().any(|c| c.is_control()) {
        return Err(Error::usage(format!(
            "custom header {name:?} needs a non-empty value without control characters"
        )));
    }
    Ok(())
}

fn custom_headers_of(data: &Value) -> BTreeMap<String, String> {
    let v = match data.get("custom_headers") {
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::Null),
        Some(v) => v.clone(),
        None => Value::Null,
    };
    match v {
        Value::Object(m) => m
            .into_iter()
            .map(|(k, v)| match v {
                Value::String(s) => (k, s),
                other => (k, other.to_string()),
            })
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// Stat of a file, or of a folder when `cos_path` ends in `/` (multi signature), interrupted
/// by `cancel`. The upload engine also uses it to confirm a finish whose answer was lost.
pub(crate) fn stat(
    api: Api<'_>,
    bucket: &str,
    cos_path: &str,
    cancel: Option<&CancelToken>,
) -> Result<ObjectStat> {
    validate_bucket(bucket)?;
    validate_path(cos_path)?;
    let is_folder = cos_path.ends_with('/');
    let target = Target::multi(bucket, cos_path).cancel_with(cancel);
    let data = api.get(&target, "op=stat")?;
    let num = |f: &str| int_field(&data, f);
    let s = |f: &str| opt_str(&data, f).unwrap_or_default();
    let filesize = match (is_folder, num("filesize")) {
        (true, n) => n.unwrap_or(0),
        (false, Some(n)) => n,
        (false, None) => return Err(Error::protocol("the stat answer has no filesize")),
    };
    Ok(ObjectStat {
        is_folder,
        filesize: filesize.max(0) as u64,
        filelen: num("filelen").unwrap_or(filesize).max(0) as u64,
        sha: s("sha"),
        biz_attr: s("biz_attr"),
        ctime: num("ctime").unwrap_or(0),
        mtime: num("mtime").unwrap_or(0),
        access_url: s("access_url"),
        source_url: s("source_url"),
        authority: s("authority"),
        custom_headers: custom_headers_of(&data),
        raw: data,
    })
}

/// Deletes a file, or an empty folder when `cos_path` ends in `/` (a once signature bound to
/// it), interrupted by `cancel`. A folder with content fails with COS code -173; the root
/// cannot be deleted.
pub(crate) fn delete(
    api: Api<'_>,
    bucket: &str,
    cos_path: &str,
    cancel: Option<&CancelToken>,
) -> Result<()> {
    validate_bucket(bucket)?;
    validate_path(cos_path)?;
    if cos_path == "/" {
        return Err(Error::usage("the root folder cannot be deleted"));
    }
    let form = Form::new().text("op", "delete");
    let target = Target::once(bucket, cos_path).cancel_with(cancel);
    api.post(&target, form.finish()).map(drop)
}

/// Creates a folder (multi signature), interrupted by `cancel`; returns its `ctime` as
/// answered (0 when absent).
pub(crate) fn create_folder(
    api: Api<'_>,
    bucket: &str,
    folder: &str,
    biz_attr: &str,
    cancel: Option<&CancelToken>,
) -> Result<i64> {
    validate_bucket(bucket)?;
    validate_folder(folder)?;
    if folder == "/" {
        return Err(Error::usage("the root folder always exists"));
    }
    let form = Form::new().text("op", "create").text("biz_attr", biz_attr);
    let target = Target::multi(bucket, folder).cancel_with(cancel);
    let data = api.post(&target, form.finish())?;
    Ok(int_field(&data, "ctime").unwrap_or(0))
}

/// Makes sure `folder` exists: creates it; "path conflict" (-178) counts as success (made
/// meanwhile by someone else, or by an earlier attempt whose answer was lost). The service
/// answers -178 also when a *file* has the folder's name: with `verify`, a stat then tells
/// the two apart, and a folder that does not show is an error (naming the file when there is
/// one). Without `verify` (a batch's parent folders: one stat per existing folder would double
/// a rerun's folder requests) the upload into the folder fails instead, and
/// [`file_in_the_way`] says why. Retried by the caller's rules; the batch and
/// `create_parents` share it.
pub(crate) fn ensure_folder(
    api: Api<'_>,
    bucket: &str,
    folder: &str,
    cancel: Option<&CancelToken>,
    verify: bool,
) -> Result<()> {
    match create_folder(api, bucket, folder, "", cancel) {
        Err(e) if e.cos_code() == Some(codes::PATH_CONFLICT) && !verify => Ok(()),
        Err(e) if e.cos_code() == Some(codes::PATH_CONFLICT) => {
            match stat(api, bucket, folder, cancel) {
                Ok(_) => Ok(()),
                Err(none) if none.cos_code() == Some(codes::NOT_FOUND) => {
                    let why = file_in_the_way(api, bucket, folder, cancel).unwrap_or_else(|| {
                        format!("the service answered -178 for {folder} but shows no folder")
                    });
                    Err(e.context(why))
                }
                Err(other) => Err(other.context(format!("checking {folder} after -178"))),
            }
        }
        other => other.map(drop),
    }
}

/// Why the folders holding `cos_path` (a file, or a folder ending in `/`, itself included)
/// cannot all exist, when it is that a file has the name of one of them: found by a stat of
/// each, from the top (an error path only).
pub(crate) fn file_in_the_way(
    api: Api<'_>,
    bucket: &str,
    cos_path: &str,
    cancel: Option<&CancelToken>,
) -> Option<String> {
    crate::path::folders_of(cos_path)
        .into_iter()
        .find_map(|folder| {
            let file = folder.trim_end_matches('/');
            matches!(stat(api, bucket, file, cancel), Ok(st) if !st.is_folder)
                .then(|| format!("the folder {folder} cannot be made: a file is named {file}"))
        })
}

/// `op=move` or `op=copy` of the file `src` to `dest` (an absolute path or a bare name in the
/// same folder), with a once signature bound to `src`.
pub(crate) fn move_or_copy(
    api: Api<'_>,
    op: &str,
    bucket: &str,
    (src, dest): (&str, &str),
    overwrite: bool,
) -> Result<()> {
    validate_bucket(bucket)?;
    validate_file(src)?;
    if dest.starts_with('/') {
        validate_file(dest)?;
    } else if dest.is_empty() || dest.contains('/') || dest == "." || dest == ".." {
        return Err(Error::invalid_path(format!(
            "destination {dest:?} must be an absolute file path or a bare file name"
        )));
    } else {
        validate_file(&format!("/{dest}"))?;
    }
    let form = Form::new()
        .text("op", op)
        .text("dest_fileid", dest)
        .text("to_over_write", if overwrite { "1" } else { "0" });
    api.post(&Target::once(bucket, src), form.finish())
        .map(drop)
}

/// Changes attributes of a file, or the `biz_attr` of a folder (a once signature).
pub(crate) fn update(
    api: Api<'_>,
    bucket: &str,
    cos_path: &str,
    opts: &UpdateOptions,
) -> Result<()> {
    validate_bucket(bucket)?;
    validate_path(cos_path)?;
    let folder = cos_path.ends_with('/');
    if folder && (opts.authority.is_some() || opts.custom_headers.is_some()) {
        return Err(Error::usage(
            "a folder has only biz_attr; authority and custom headers are for files",
        ));
    }
    if opts.biz_attr.is_none() && opts.authority.is_none() && opts.custom_headers.is_none() {
        return Err(Error::usage("the update changes nothing"));
    }
    let mut form = Form::new().text("op", "update");
    if let Some(b) = &opts.biz_attr {
        form = form.text("biz_attr", b);
    }
    if let Some(a) = opts.authority {
        form = form.text("authority", a.as_str());
    }
    if let Some(h) = &opts.custom_headers {
        for (k, v) in h {
            check_custom_header(k, v)?;
        }
        let json =
            serde_json::to_string(h).map_err(|e| Error::usage(format!("custom headers: {e}")))?;
        form = form.text("custom_headers", &json);
    }
    api.post(&Target::once(bucket, cos_path), form.finish())
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorities_round_trip() {
        for a in [
            Authority::Inherit,
            Authority::Private,
            Authority::PublicRead,
        ] {
            assert_eq!(Authority::parse(a.as_str()), Some(a));
        }
        assert_eq!(Authority::parse("public"), None);
    }

    #[test]
    fn custom_header_rules() {
        assert!(check_custom_header("Cache-Control", "no-cache").is_ok());
        assert!(check_custom_header("content-type", "text/plain").is_ok());
        assert!(check_custom_header("x-cos-meta-a", "1").is_ok());
        assert!(check_custom_header("x-cos-meta-", "1").is_err());
        assert!(check_custom_header("X-Other", "1").is_err());
        assert!(check_custom_header("Cache-Control", "").is_err());
        // A meta name is sent back as a response header: no line break, space or other byte
        // outside a header name's (the value was checked; the name was not).
        assert!(check_custom_header("x-cos-meta-Build_Id.2", "1").is_ok());
        for bad in [
            "x-cos-meta-a\r\nSet-Cookie: evil=1",
            "x-cos-meta-a b",
            "x-cos-meta-é",
        ] {
            let e = check_custom_header(bad, "v").unwrap_err();
            assert!(e.message().contains("cannot be set"), "{bad:?}: {e}");
        }
    }
}
