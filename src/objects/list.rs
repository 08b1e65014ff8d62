//! Folder listings (PROTOCOL.md §4.6): one page per request, and the pages of a whole listing
//! as an iterator.

use crate::client::Client;
use crate::error::{Error, Result};
use crate::path::{validate_bucket, validate_folder};
use crate::wire::envelope::{int_field, opt_str};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::Value;

/// Largest page a list request may ask for (DOC-6062).
pub const MAX_LIST_NUM: u32 = 1000;

/// Page size when none is given (the Python and Java SDKs' default).
pub const DEFAULT_LIST_NUM: u32 = 199;

/// One entry of a folder listing.
#[derive(Debug, Clone, PartialEq)]
pub struct ListEntry {
    /// The name inside the listed folder (without a trailing `/` for folders).
    pub name: String,
    pub is_folder: bool,
    /// File size (0 for folders).
    pub filesize: u64,
    /// Bytes stored (0 for folders).
    pub filelen: u64,
    pub sha: String,
    pub ctime: i64,
    pub mtime: i64,
    pub access_url: String,
    pub authority: String,
    /// The entry as answered.
    pub raw: Value,
}

/// One page of a folder listing.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPage {
    pub entries: Vec<ListEntry>,
    /// Pass this as [`ListOptions::context`] for the next page ("" when the listing is over).
    pub context: String,
    /// True when this is the last page.
    pub listover: bool,
}

/// What to list and how much per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListOptions {
    /// Only names starting with this (no `/`). Default "".
    pub prefix: String,
    /// Entries per page, 1 to [`MAX_LIST_NUM`]. Default [`DEFAULT_LIST_NUM`].
    pub num: u32,
    /// Where to continue: the `context` of the previous page; "" for the first page.
    pub context: String,
}

impl Default for ListOptions {
    fn default() -> Self {
        ListOptions {
            prefix: String::new(),
            num: DEFAULT_LIST_NUM,
            context: String::new(),
        }
    }
}

/// The pages of a folder listing, fetched one request at a time as the iterator advances.
/// Ends after the page marked `listover` (or after an error).
pub struct ListIter<'c> {
    client: &'c Client,
    bucket: String,
    folder: String,
    opts: ListOptions,
    done: bool,
}

impl Iterator for ListIter<'_> {
    type Item = Result<ListPage>;

    fn next(&mut self) -> Option<Result<ListPage>> {
        if self.done {
            return None;
        }
        let page = self.client.list(&self.bucket, &self.folder, &self.opts);
        match &page {
            Ok(p) => {
                // A server that answers "not over" without a new context would loop forever.
                let stuck = p.context.is_empty() || p.context == self.opts.context;
                self.done = p.listover || stuck;
                self.opts.context = p.context.clone();
            }
            Err(_) => self.done = true,
        }
        Some(page)
    }
}

impl<'c> ListIter<'c> {
    /// The entries of all pages, one at a time.
    pub fn entries(self) -> impl Iterator<Item = Result<ListEntry>> + 'c {
        self.flat_map(|page| -> Box<dyn Iterator<Item = Result<ListEntry>>> {
            match page {
                Ok(p) => Box::new(p.entries.into_iter().map(Ok)),
                Err(e) => Box::new(std::iter::once(Err(e))),
            }
        })
    }
}

fn check_prefix(prefix: &str) -> Result<()> {
    if prefix.contains('/') || prefix.chars().any(|c| c.is_control()) {
        return Err(Error::usage(format!(
            "list prefix {prefix:?} must be a name start without '/' or control characters"
        )));
    }
    Ok(())
}

fn entry_of(v: &Value) -> ListEntry {
    let s = |f: &str| opt_str(v, f).unwrap_or_default();
    let num = |f: &str| int_field(v, f);
    let name = s("name");
    // Folders come without the file fields (DOC-6062); some answers end their names in '/'.
    let is_folder = name.ends_with('/') || num("filesize").is_none();
    ListEntry {
        name: name.trim_end_matches('/').to_string(),
        is_folder,
        filesize: num("filesize").unwrap_or(0).max(0) as u64,
        filelen: num("filelen").or(num("filesize")).unwrap_or(0).max(0) as u64,
        sha: s("sha"),
        ctime: num("ctime").unwrap_or(0),
        mtime: num("mtime").unwrap_or(0),
        access_url: s("access_url"),
        authority: s("authority"),
        raw: v.clone(),
    }
}

impl Client {
    /// One page of the listing of `folder` (ends in `/`), its direct sub-folders and files.
    pub fn list(&self, bucket: &str, folder: &str, opts: &ListOptions) -> Result<ListPage> {
        validate_bucket(bucket)?;
        validate_folder(folder)?;
        check_prefix(&opts.prefix)?;
        if !(1..=MAX_LIST_NUM).contains(&opts.num) {
            return Err(Error::usage(format!(
                "list num is {}; use 1 to {MAX_LIST_NUM}",
                opts.num
            )));
        }
        let target = format!("{folder}{}", opts.prefix);
        let url = format!(
            "{}?op=list&num={}&context={}",
            self.object_url(bucket, &target),
            opts.num,
            utf8_percent_encode(&opts.context, NON_ALPHANUMERIC)
        );
        let data = self.get_data(&url, &self.multi_auth(bucket))?;
        let entries = match data.get("infos") {
            Some(Value::Array(a)) => a.iter().map(entry_of).collect(),
            Some(Value::Null) | None => Vec::new(),
            Some(other) => {
                return Err(Error::protocol(format!(
                    "the list answer's infos is not an array: {other}"
                )))
            }
        };
        let listover = match data.get("listover") {
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(n)) => n.as_i64() != Some(0),
            Some(Value::String(s)) => s == "1" || s.eq_ignore_ascii_case("true"),
            _ => true,
        };
        Ok(ListPage {
            entries,
            context: opt_str(&data, "context").unwrap_or_default(),
            listover,
        })
    }

    /// All pages of the listing of `folder`, fetched lazily (starting at `opts.context`).
    pub fn list_iter(&self, bucket: &str, folder: &str, opts: &ListOptions) -> ListIter<'_> {
        ListIter {
            client: self,
            bucket: bucket.to_string(),
            folder: folder.to_string(),
            opts: opts.clone(),
            done: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_entries() {
        let f: Value = serde_json::from_str(
            r#"{"name":"a.txt","filesize":"3","filelen":3,"sha":"x","ctime":1,"mtime":2}"#,
        )
        .unwrap();
        let e = entry_of(&f);
        assert!(!e.is_folder && e.filesize == 3 && e.mtime == 2);
        let d: Value = serde_json::from_str(r#"{"name":"dir/","ctime":1}"#).unwrap();
        let e = entry_of(&d);
        assert!(e.is_folder && e.name == "dir");
    }
}
