//! Folder listings (PROTOCOL.md §4.6): one page per request, and the pages of a whole listing
//! through a [`ListCursor`], the paging loop shared by the Rust iterator, the C API and the
//! Python binding.

use crate::cancel::CancelToken;
use crate::error::{Error, Result};
use crate::path::{validate_bucket, validate_list_folder};
use crate::retry::{retry_until, Stop};
use crate::transport::{Api, Target};
use crate::wire::envelope::{int_field, opt_str};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::Value;
use std::collections::VecDeque;

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
    /// Pass this as [`ListOptions::context`] for the next page (may be "" when the listing is
    /// over; never "" nor the context requested when `listover` is false).
    pub context: String,
    /// True when this is the last page.
    pub listover: bool,
}

/// What to list and how much per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListOptions {
    /// Only names starting with this (no `/`). Default "". A prefix of `.` or `..` is not
    /// sent (the URL would end in a dot segment, which proxies resolve to another folder and
    /// the service rejects): the folder is listed whole and its entries filtered here, so its
    /// pages may hold fewer than `num` entries.
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

/// How many of a listing's latest contexts a [`ListCursor`] remembers: a server that answers one
/// of them again (listover false) would make the listing go round for ever.
pub const LIST_CONTEXTS_REMEMBERED: usize = 16;

/// Where a folder listing stands: what is listed, the context of the next request, the latest
/// contexts of the listing, and whether it is over. The one paging loop behind [`ListIter`],
/// the C API's `cosv4_client_list_next` and the Python binding's `Client.list`.
///
/// A page whose `listover` is false must carry a context not seen before in the listing: an
/// empty one, the one just requested, or one of the [`LIST_CONTEXTS_REMEMBERED`] before it is
/// a protocol error ([`crate::ErrorKind::Protocol`]), and the listing ends there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListCursor {
    bucket: String,
    folder: String,
    /// `opts.context` is the context of the next request.
    opts: ListOptions,
    /// The latest contexts of the listing (the first one requested included), oldest first.
    seen: VecDeque<String>,
    done: bool,
}

impl ListCursor {
    /// A listing of `folder` in `bucket` that starts at `opts.context` (nothing is sent yet).
    pub fn new(bucket: &str, folder: &str, opts: &ListOptions) -> ListCursor {
        ListCursor {
            bucket: bucket.to_string(),
            folder: folder.to_string(),
            opts: opts.clone(),
            seen: VecDeque::from([opts.context.clone()]),
            done: false,
        }
    }

    /// True after the last page (`listover`) or an error: [`ListCursor::next_page`] then
    /// returns `None`.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The next page (see [`crate::Client`]'s `ListCursor::next_page`, the public face).
    /// `cancel` interrupts the request.
    pub(crate) fn next_with(
        &mut self,
        api: Api<'_>,
        cancel: Option<&CancelToken>,
    ) -> Option<Result<ListPage>> {
        if self.done {
            return None;
        }
        let page =
            page(api, &self.bucket, &self.folder, &self.opts, cancel).and_then(|p| self.advance(p));
        self.done = page.as_ref().map_or(true, |p| p.listover);
        Some(page)
    }

    /// [`ListCursor::next_with`] retried within the retry window, each attempt from where the
    /// cursor stands (it moves on only with a page); `gate` runs before each attempt (a batch
    /// takes a request permit there) and is held through it. `cancel` stops the whole.
    pub(crate) fn next_retried<G>(
        &mut self,
        api: Api<'_>,
        cancel: &CancelToken,
        mut gate: impl FnMut(&Stop<'_>) -> Result<G>,
    ) -> Option<Result<ListPage>> {
        if self.done {
            return None;
        }
        let page = retry_until(api.cfg, cancel, |stop| {
            let _held = gate(stop)?;
            let mut next = self.clone();
            let page = next
                .next_with(api, Some(cancel))
                .expect("the cursor is not done")?;
            Ok((next, page))
        });
        Some(match page {
            Ok((next, page)) => {
                *self = next;
                Ok(page)
            }
            Err(e) => {
                self.done = true; // as after an error of next_with
                Err(e)
            }
        })
    }

    fn advance(&mut self, page: ListPage) -> Result<ListPage> {
        if page.listover {
            return Ok(page);
        }
        if self.seen.contains(&page.context) {
            return Err(repeated_context(&page.context));
        }
        if self.seen.len() == LIST_CONTEXTS_REMEMBERED {
            self.seen.pop_front();
        }
        self.seen.push_back(page.context.clone());
        self.opts.context = page.context.clone();
        Ok(page)
    }
}

/// The pages of a folder listing, fetched one request at a time as the iterator advances
/// (a [`ListCursor`]; each page retried within the retry window). Ends after the page marked
/// `listover`, or after an error, such as the protocol error of a server that repeats a
/// context or gives none.
pub struct ListIter<'c> {
    api: Api<'c>,
    cursor: ListCursor,
}

impl Iterator for ListIter<'_> {
    type Item = Result<ListPage>;

    fn next(&mut self) -> Option<Result<ListPage>> {
        self.cursor
            .next_retried(self.api, &CancelToken::new(), |_| Ok(()))
    }
}

impl<'c> ListIter<'c> {
    pub(crate) fn new(api: Api<'c>, cursor: ListCursor) -> ListIter<'c> {
        ListIter { api, cursor }
    }

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

/// A prefix or a context longer than any cos path cannot name anything: refused before a
/// request is built (a URL that long fails in the HTTP client, after the retries).
fn check_length(what: &str, value: &str) -> Result<()> {
    if value.len() > crate::path::MAX_PATH_LEN {
        return Err(Error::usage(format!(
            "list {what} is {} bytes; at most {} are allowed",
            value.len(),
            crate::path::MAX_PATH_LEN
        )));
    }
    Ok(())
}

/// What a list request sends after the folder, and the name start its entries are then
/// filtered by: the prefix itself and nothing, except for `.` and `..`, which would make the
/// URL end in a dot segment (`/d/..?op=list`): a proxy that normalises paths turns that into
/// another folder, and the service rejects it (percent-encoding does not help: `%2E` is decoded
/// before the check). Those are not sent; the entries are filtered instead.
fn sent_and_filtered(prefix: &str) -> (&str, &str) {
    match prefix {
        "." | ".." => ("", prefix),
        _ => (prefix, ""),
    }
}

/// A page that is not the last must say where the listing continues: with a context, and not
/// with the one it was requested with.
fn check_continuation(requested: &str, page: &ListPage) -> Result<()> {
    if page.listover {
        Ok(())
    } else if page.context.is_empty() {
        Err(Error::protocol(
            "the list answer says more pages follow (listover false) but gives no context to \
             fetch them: the listing is cut short",
        ))
    } else if page.context == requested {
        Err(repeated_context(&page.context))
    } else {
        Ok(())
    }
}

fn repeated_context(context: &str) -> Error {
    Error::protocol(format!(
        "the list answer repeats context {context:?} from earlier in this listing (listover \
         false): following it would fetch the same pages for ever"
    ))
}

/// The entry `v` describes; `v` itself is kept as the entry's `raw` (moved, not copied: a
/// sync lists every folder of a tree, and copying each entry was a fifth of its client CPU).
fn entry_of(v: Value) -> ListEntry {
    let s = |f: &str| opt_str(&v, f).unwrap_or_default();
    let num = |f: &str| int_field(&v, f);
    let name = s("name");
    // Folders come without the file fields (DOC-6062); some answers end their names in '/'.
    let is_folder = name.ends_with('/') || num("filesize").is_none();
    let entry = ListEntry {
        name: name.trim_end_matches('/').to_string(),
        is_folder,
        filesize: num("filesize").unwrap_or(0).max(0) as u64,
        filelen: num("filelen").or(num("filesize")).unwrap_or(0).max(0) as u64,
        sha: s("sha"),
        ctime: num("ctime").unwrap_or(0),
        mtime: num("mtime").unwrap_or(0),
        access_url: s("access_url"),
        authority: s("authority"),
        raw: Value::Null,
    };
    ListEntry { raw: v, ..entry }
}

/// One page of the listing of `folder` (ends in `/`), its direct sub-folders and files. An
/// answer with `listover` false must carry a context other than `opts.context`; one without a
/// context, or with the same, is a protocol error.
pub(crate) fn page(
    api: Api<'_>,
    bucket: &str,
    folder: &str,
    opts: &ListOptions,
    cancel: Option<&CancelToken>,
) -> Result<ListPage> {
    validate_bucket(bucket)?;
    validate_list_folder(folder)?;
    // The prefix is a name fragment, not a path: a plain usage error.
    check_prefix(&opts.prefix)?;
    check_length("prefix", &opts.prefix)?;
    check_length("context", &opts.context)?;
    if !(1..=MAX_LIST_NUM).contains(&opts.num) {
        return Err(Error::usage(format!(
            "list num is {}; use 1 to {MAX_LIST_NUM}",
            opts.num
        )));
    }
    let (sent, filter) = sent_and_filtered(&opts.prefix);
    let target = format!("{folder}{sent}");
    let query = format!(
        "op=list&num={}&context={}",
        opts.num,
        utf8_percent_encode(&opts.context, NON_ALPHANUMERIC)
    );
    let mut data = api.get(&Target::multi(bucket, &target).cancel_with(cancel), &query)?;
    let entries = match data.get_mut("infos").map(Value::take) {
        Some(Value::Array(a)) => a
            .into_iter()
            .map(entry_of)
            .filter(|e| e.name.starts_with(filter))
            .collect(),
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
    let page = ListPage {
        entries,
        context: opt_str(&data, "context").unwrap_or_default(),
        listover,
    };
    check_continuation(&opts.context, &page)?;
    Ok(page)
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
        let e = entry_of(f);
        assert!(!e.is_folder && e.filesize == 3 && e.mtime == 2);
        let d: Value = serde_json::from_str(r#"{"name":"dir/","ctime":1}"#).unwrap();
        let e = entry_of(d.clone());
        assert!(e.is_folder && e.name == "dir");
        assert_eq!(e.raw, d, "the answer's entry is kept whole");
    }

    #[test]
    fn a_dot_only_prefix_is_never_sent() {
        assert_eq!(sent_and_filtered("."), ("", "."));
        assert_eq!(sent_and_filtered(".."), ("", ".."));
        assert_eq!(sent_and_filtered(""), ("", ""));
        for sent in [".h", "...", "a.", "a"] {
            assert_eq!(sent_and_filtered(sent), (sent, ""));
        }
    }

    fn page(context: &str, listover: bool) -> ListPage {
        ListPage {
            entries: Vec::new(),
            context: context.to_string(),
            listover,
        }
    }

    #[test]
    fn a_page_must_say_where_the_listing_continues() {
        assert!(check_continuation("a", &page("b", false)).is_ok());
        assert!(check_continuation("a", &page("", true)).is_ok());
        assert!(check_continuation("a", &page("a", true)).is_ok());
        for bad in [page("", false), page("a", false)] {
            let e = check_continuation("a", &bad).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Protocol, "{bad:?}");
        }
    }

    #[test]
    fn the_cursor_rejects_a_context_seen_lately() {
        let mut c = ListCursor::new("b", "/", &ListOptions::default());
        let n = LIST_CONTEXTS_REMEMBERED;
        for i in 0..n {
            c.advance(page(&i.to_string(), false)).unwrap();
        }
        assert_eq!(c.opts.context, (n - 1).to_string());
        let e = c.advance(page("0", false)).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Protocol);
        assert!(e.to_string().contains("context \"0\""), "{e}");
        assert!(
            c.advance(page("0", true)).is_ok(),
            "the last page may say anything"
        );
        c.advance(page("new", false)).unwrap(); // "0" now falls out of the window
        c.advance(page("0", false)).unwrap();
    }
}
