//! The items of a batch, streamed: a local directory walked depth-first (a stack of open
//! levels, each holding only its own sorted names), or the caller's list of pairs. The walk
//! applies the batch's [`Filter`]: an excluded folder is not entered, a file not selected is
//! not an item.
//!
//! A directory's entries come with their type as the directory read gives it (no `stat` of a
//! regular file: opening it checks it again); only directories, symbolic links and entries of
//! unknown type are looked up. Entering a directory also names the sub-directories the walk
//! will enter next (a sync lists their remote folders ahead, [`super::ahead`]).

use super::filter::Filter;
use super::BatchSource;
use crate::error::{Error, Result};
use crate::path::{validate_file, validate_folder};
use std::ffi::OsString;
use std::fs::{self, FileType, Metadata};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::PathBuf;

/// One thing the batch handles.
pub(crate) enum Item {
    File {
        local: PathBuf,
        cos_path: String,
    },
    /// A directory entered (the batch's folder first): its items follow, then [`Item::Leave`].
    /// `mirror`: it is empty, to mirror as a folder (not the root `/`, and the filter selects
    /// it). `subfolders`: the cos folders (ending in `/`) of its sub-directories the walk
    /// expects to enter, in walk order (real directories the filter does not prune and whose cos folder is valid; a
    /// link to a directory is entered but not named here); empty unless the walk was asked to
    /// name them.
    Enter {
        local: PathBuf,
        cos_folder: String,
        mirror: bool,
        subfolders: Vec<String>,
    },
    /// The directory entered last is over.
    Leave,
    Skip {
        local: PathBuf,
        cos_path: String,
        reason: String,
    },
    Fail {
        local: PathBuf,
        cos_path: String,
        error: Error,
    },
}

pub(crate) type Items = Box<dyn Iterator<Item = Item> + Send>;

impl BatchSource {
    /// The items, lazily. `name_subfolders`: each [`Item::Enter`] names the sub-directories
    /// the walk will enter (a sync lists them ahead); else its `subfolders` stays empty.
    pub(crate) fn items(
        self,
        follow_symlinks: bool,
        filter: Filter,
        name_subfolders: bool,
    ) -> Items {
        match self {
            BatchSource::Dir { local, cos_folder } => {
                let mut walk = Walk::new(local, cos_folder, follow_symlinks, filter);
                walk.name_subfolders = name_subfolders;
                Box::new(walk)
            }
            BatchSource::List(pairs) => Box::new(pairs.map(
                |(local, cos_path)| match validate_file(&cos_path) {
                    Ok(()) => Item::File { local, cos_path },
                    Err(error) => Item::Fail {
                        local,
                        cos_path,
                        error,
                    },
                },
            )),
        }
    }
}

/// A directory entry: its name, and its type when the directory read gives it.
type Entry = (OsString, Option<FileType>);

/// One open directory: its entries not visited yet, sorted by name.
struct Level {
    names: std::vec::IntoIter<Entry>,
    dir: PathBuf,
    /// Its cos folder, ending in `/`.
    cos: String,
    /// (device, inode): a directory met again on the current path is a loop.
    id: (u64, u64),
}

/// Depth-first walk; names within a directory in byte order.
pub(crate) struct Walk {
    root: Option<(PathBuf, String)>,
    /// Length of the batch's cos folder: `cos_path[root_len..]` is the path the filter sees.
    root_len: usize,
    stack: Vec<Level>,
    follow: bool,
    filter: Filter,
    /// An empty directory entered: its [`Item::Leave`] is due next.
    leave_due: bool,
    /// Fill [`Item::Enter`]'s `subfolders` (only a sync uses them).
    name_subfolders: bool,
}

impl Walk {
    pub fn new(local: PathBuf, cos_folder: String, follow: bool, filter: Filter) -> Walk {
        Walk {
            root_len: cos_folder.len(),
            root: Some((local, cos_folder)),
            stack: Vec::new(),
            follow,
            filter,
            leave_due: false,
            name_subfolders: false,
        }
    }

    /// `cos` relative to the batch's folder, without a trailing `/`.
    fn rel<'s>(&self, cos: &'s str) -> &'s str {
        cos[self.root_len.min(cos.len())..].trim_end_matches('/')
    }

    /// Opens a directory: an [`Item::Enter`] (a level pushed unless it is empty), or a failure.
    fn enter(&mut self, dir: PathBuf, cos: String, meta: &Metadata) -> Option<Item> {
        let names = match sorted_names(&dir) {
            Ok(names) => names,
            Err(error) => {
                return Some(Item::Fail {
                    local: dir,
                    cos_path: cos,
                    error,
                })
            }
        };
        let empty = names.is_empty();
        // The root folder `/` always exists: nothing to mirror.
        let mirror = empty && cos != "/" && self.filter.selects(self.rel(&cos), true);
        let subfolders = self.subfolders(&names, &cos);
        if empty {
            self.leave_due = true;
        } else {
            self.stack.push(Level {
                names: names.into_iter(),
                dir: dir.clone(),
                cos: cos.clone(),
                id: (meta.dev(), meta.ino()),
            });
        }
        Some(Item::Enter {
            local: dir,
            cos_folder: cos,
            mirror,
            subfolders,
        })
    }

    /// The cos folders of the directories among `names` (entries of the folder `cos`) that the
    /// walk will enter, as far as their type from the directory read tells.
    fn subfolders(&self, names: &[Entry], cos: &str) -> Vec<String> {
        if !self.name_subfolders {
            return Vec::new();
        }
        let dirs = names.iter().filter(|(_, t)| t.is_some_and(|t| t.is_dir()));
        dirs.filter_map(|(name, _)| {
            let name = name.to_str()?;
            let folder = format!("{cos}{name}/");
            let entered =
                validate_folder(&folder).is_ok() && !self.filter.prunes(self.rel(&folder));
            entered.then_some(folder)
        })
        .collect()
    }

    /// The item of one directory entry (of type `known`, when the directory read gave it), or
    /// `None` when it is not in the batch.
    fn visit(&mut self, local: PathBuf, entry: Entry, cos_prefix: &str) -> Option<Item> {
        let (name, known) = entry;
        let shown = || format!("{cos_prefix}{}", name.to_string_lossy());
        let fail = |local, error| failed(local, shown(), error);
        let Some(utf8) = name.to_str() else {
            let e = Error::invalid_path("the file name is not valid UTF-8; a cos path must be");
            return fail(local, e);
        };
        if let Some(t) = known.filter(|t| !t.is_dir() && !t.is_symlink()) {
            return self.file(local, t, cos_prefix, utf8);
        }
        let meta = match self.metadata(&local) {
            Ok(Some(meta)) => meta,
            Ok(None) => return skipped(local, shown(), "a symbolic link (not followed)"),
            Err(e) => return fail(local, e),
        };
        if meta.is_dir() {
            let cos = format!("{cos_prefix}{utf8}/");
            if let Err(e) = validate_folder(&cos) {
                return fail(local, e);
            }
            if self.filter.prunes(self.rel(&cos)) {
                return None;
            }
            if self.stack.iter().any(|l| l.id == (meta.dev(), meta.ino())) {
                return skipped(local, cos, "a directory loop (a link to a directory above)");
            }
            return self.enter(local, cos, &meta);
        }
        self.file(local, meta.file_type(), cos_prefix, utf8)
    }

    /// A file (or another entry that is not a directory) of type `t`, unless the filter
    /// leaves it out.
    fn file(&self, local: PathBuf, t: FileType, cos_prefix: &str, name: &str) -> Option<Item> {
        let cos_path = format!("{cos_prefix}{name}");
        if !self.filter.selects(self.rel(&cos_path), false) {
            return None;
        }
        if !t.is_file() {
            return skipped(local, cos_path, not_regular(t));
        }
        match validate_file(&cos_path) {
            Ok(()) => Some(Item::File { local, cos_path }),
            Err(error) => failed(local, cos_path, error),
        }
    }

    /// The entry's metadata, following a symbolic link when asked; `None` for a link not
    /// followed.
    fn metadata(&self, local: &PathBuf) -> Result<Option<Metadata>> {
        let shown = local.display();
        let meta = fs::symlink_metadata(local)
            .map_err(|e| Error::local_io(&format!("stat {shown}"), &e))?;
        if !meta.file_type().is_symlink() {
            return Ok(Some(meta));
        }
        if !self.follow {
            return Ok(None);
        }
        fs::metadata(local)
            .map(Some)
            .map_err(|e| Error::local_io(&format!("follow the symbolic link {shown}"), &e))
    }
}

impl Iterator for Walk {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            if std::mem::take(&mut self.leave_due) {
                return Some(Item::Leave);
            }
            if let Some((dir, cos)) = self.root.take() {
                let meta = match fs::metadata(&dir) {
                    Ok(m) => m,
                    Err(e) => {
                        let error = Error::local_io(&format!("stat {}", dir.display()), &e);
                        return Some(Item::Fail {
                            local: dir,
                            cos_path: cos,
                            error,
                        });
                    }
                };
                return self.enter(dir, cos, &meta);
            }
            let level = self.stack.last_mut()?;
            let Some(entry) = level.names.next() else {
                self.stack.pop();
                return Some(Item::Leave);
            };
            let (local, cos) = (level.dir.join(&entry.0), level.cos.clone());
            if let Some(item) = self.visit(local, entry, &cos) {
                return Some(item);
            }
        }
    }
}

/// The entries of `dir`, sorted by name (bytewise: the same order on every run), each with
/// its type when the directory read gives it (`d_type`; unknown on some file systems).
fn sorted_names(dir: &PathBuf) -> Result<Vec<Entry>> {
    let err = |e: std::io::Error| Error::local_io(&format!("read directory {}", dir.display()), &e);
    let entry = |e: fs::DirEntry| (e.file_name(), e.file_type().ok());
    let mut names = fs::read_dir(dir)
        .map_err(err)?
        .map(|e| e.map(entry).map_err(err))
        .collect::<Result<Vec<_>>>()?;
    names.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(names)
}

/// An entry that fails (a name that cannot be a cos path, an entry that cannot be read).
fn failed(local: PathBuf, cos_path: String, error: Error) -> Option<Item> {
    Some(Item::Fail {
        local,
        cos_path,
        error,
    })
}

fn skipped(local: PathBuf, cos_path: String, reason: &str) -> Option<Item> {
    Some(Item::Skip {
        local,
        cos_path,
        reason: reason.to_string(),
    })
}

/// Why a non-regular file is skipped.
fn not_regular(t: FileType) -> &'static str {
    if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else {
        "not a regular file"
    }
}
