//! Objects and upload sessions, kept on disk under the data directory:
//!
//! * `files/<cos path>` — object content, `meta/<cos path>` — its JSON metadata;
//! * `sessions/<id>/meta.json`, `sessions/<id>/data` (slices written in place with
//!   positional writes) and `sessions/<id>/parts` (one received offset per line, appended);
//! * `tmp/` — staging for simple uploads before they are renamed into place.
//!
//! The index lives in memory behind one mutex that is held only for bookkeeping, never
//! while slice bodies are written or content is hashed. Everything is reloaded at start.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::ops::Bound;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use crate::http::lock;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ObjectMeta {
    pub size: u64,
    /// Lower-case hex SHA-1; empty when unknown (content verification disabled).
    pub sha: String,
    pub biz_attr: String,
    pub ctime: u64,
    pub mtime: u64,
}

/// Object authority values (PROTOCOL.md §4.2): inherit the bucket's, private, public read.
pub const AUTHORITIES: [&str; 3] = ["eInvalid", "eWRPrivate", "eWPrivateRPublic"];

/// What `op=update` sets on a file, kept beside its [`ObjectMeta`] (absent: the defaults).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ObjectAttrs {
    /// One of [`AUTHORITIES`]; empty means `eInvalid`.
    #[serde(default)]
    pub authority: String,
    #[serde(default)]
    pub custom_headers: BTreeMap<String, String>,
}

impl ObjectAttrs {
    pub fn authority(&self) -> &str {
        if self.authority.is_empty() {
            AUTHORITIES[0]
        } else {
            &self.authority
        }
    }
}

/// A folder made with `op=create` (folders also exist implicitly as prefixes of objects).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct FolderMeta {
    pub biz_attr: String,
    pub ctime: u64,
    pub mtime: u64,
}

/// `extras.json`: explicit folders and object attributes.
#[derive(Default, Serialize, Deserialize)]
struct Extras {
    #[serde(default)]
    folders: BTreeMap<String, FolderMeta>,
    #[serde(default)]
    attrs: HashMap<String, ObjectAttrs>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct UploadPart {
    pub offset: u64,
    pub datalen: u64,
    pub datasha: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionMeta {
    pub id: String,
    pub path: String,
    pub filesize: u64,
    pub slice_size: u64,
    pub sha: Option<String>,
    pub uploadparts: Option<Vec<UploadPart>>,
    pub biz_attr: String,
    pub insert_only: bool,
    pub serial_upload: bool,
    pub ctime: u64,
}

/// Per-session counters, updated by concurrent slice requests.
#[derive(Debug, Default)]
pub struct Progress {
    /// Received offsets and how often each arrived.
    pub counts: BTreeMap<u64, u32>,
    pub in_flight: u32,
    pub max_in_flight: u32,
    parts_log: Option<File>,
}

#[derive(Debug)]
pub struct Session {
    pub meta: SessionMeta,
    pub dir: PathBuf,
    pub data: File,
    pub progress: Mutex<Progress>,
}

impl Session {
    /// Length of the slice at `offset`.
    pub fn slice_len(&self, offset: u64) -> u64 {
        self.meta.slice_size.min(self.meta.filesize - offset)
    }

    /// Write a slice at its offset (no global lock held).
    pub fn write_slice(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        self.data.write_all_at(data, offset)
    }

    /// Record a stored slice in memory and in the append-only parts log.
    pub fn record(&self, offset: u64) -> io::Result<()> {
        let mut p = lock(&self.progress);
        *p.counts.entry(offset).or_default() += 1;
        match p.parts_log.as_mut() {
            Some(log) => log.write_all(format!("{offset}\n").as_bytes()),
            None => Ok(()),
        }
    }

    /// Bytes received so far (each slice counted once).
    pub fn received_bytes(&self) -> u64 {
        let p = lock(&self.progress);
        p.counts.keys().map(|&o| self.slice_len(o)).sum()
    }

    /// The first expected offset not yet received.
    pub fn first_missing(&self) -> Option<u64> {
        let p = lock(&self.progress);
        (0..self.meta.filesize)
            .step_by(self.meta.slice_size.max(1) as usize)
            .find(|o| !p.counts.contains_key(o))
    }

    /// Mark a slice request as in flight until the guard is dropped.
    pub fn in_flight(self: &Arc<Self>) -> InFlight {
        let mut p = lock(&self.progress);
        p.in_flight += 1;
        p.max_in_flight = p.max_in_flight.max(p.in_flight);
        InFlight(self.clone())
    }
}

pub struct InFlight(Arc<Session>);

impl Drop for InFlight {
    fn drop(&mut self) {
        lock(&self.0.progress).in_flight -= 1;
    }
}

#[derive(Default)]
pub struct Index {
    pub objects: BTreeMap<String, ObjectMeta>,
    pub sessions: HashMap<String, Arc<Session>>,
    /// cos path → session id.
    pub by_path: HashMap<String, String>,
    pub used_once: HashSet<String>,
    /// Folders made with `op=create`, by path (ending in `/`).
    pub folders: BTreeMap<String, FolderMeta>,
    /// Attributes set with `op=update`, by object path.
    pub attrs: HashMap<String, ObjectAttrs>,
}

impl Index {
    pub fn session_at(&self, path: &str) -> Option<Arc<Session>> {
        self.by_path
            .get(path)
            .and_then(|id| self.sessions.get(id))
            .cloned()
    }

    /// Any object with this content (for instant upload).
    pub fn find_by_sha(&self, sha: &str, size: u64) -> Option<String> {
        self.objects
            .iter()
            .find(|(_, m)| m.size == size && !m.sha.is_empty() && m.sha == sha)
            .map(|(p, _)| p.clone())
    }

    /// Whether a folder exists: the root, a created folder, or a prefix of an object or a
    /// created folder.
    pub fn folder_exists(&self, folder: &str) -> bool {
        folder == "/" || self.folders.contains_key(folder) || !self.folder_is_empty(folder)
    }

    /// The folder holding `path` (a file, or a folder ending in `/`) when it does not exist;
    /// `None` when it does (the root always exists).
    pub fn missing_parent(&self, path: &str) -> Option<String> {
        let parent = parent_folder(path);
        (!self.folder_exists(parent)).then(|| parent.to_string())
    }

    /// True when nothing (object, created folder) lies below `folder`.
    ///
    /// Keys sort so that every key starting with `folder` comes right after `folder`
    /// itself: one ordered look-up each, not a scan of the bucket (a scan made every
    /// `op=create` cost time in proportion to the objects stored, which the service
    /// does not, and which slowed benchmarks as their emulator filled).
    pub fn folder_is_empty(&self, folder: &str) -> bool {
        let below = |first: Option<&String>| first.is_some_and(|k| k.starts_with(folder));
        let after = (Bound::Excluded(folder), Bound::Unbounded);
        !below(self.objects.range::<str, _>(after).next().map(|(k, _)| k))
            && !below(self.folders.range::<str, _>(after).next().map(|(k, _)| k))
    }

    pub fn attrs_of(&self, path: &str) -> ObjectAttrs {
        self.attrs.get(path).cloned().unwrap_or_default()
    }
}

/// The folder holding `path`: `/a/b/` for `/a/b/c` and for `/a/b/c/`; `/` for `/c` and `/`.
pub fn parent_folder(path: &str) -> &str {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    trimmed.rfind('/').map_or("/", |i| &trimmed[..=i])
}

pub struct Store {
    root: PathBuf,
    index: Mutex<Index>,
    seq: AtomicU64,
    epoch: u64,
}

/// Map a cos path (`/a/b`) below a directory; the path was validated (no `.`/`..`).
fn below(dir: &Path, cos_path: &str) -> PathBuf {
    dir.join(cos_path.trim_start_matches('/'))
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, serde_json::to_vec(value).map_err(io::Error::other)?)
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> io::Result<T> {
    serde_json::from_slice(&fs::read(path)?).map_err(io::Error::other)
}

impl Store {
    /// Open (creating if needed) a data directory and load what it holds.
    pub fn open(root: &Path) -> io::Result<Store> {
        for sub in ["files", "meta", "sessions", "tmp"] {
            fs::create_dir_all(root.join(sub))?;
        }
        let epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let store = Store {
            root: root.to_path_buf(),
            index: Mutex::new(Index::default()),
            seq: AtomicU64::new(0),
            epoch,
        };
        store.load()?;
        Ok(store)
    }

    pub fn lock(&self) -> MutexGuard<'_, Index> {
        lock(&self.index)
    }

    /// A unique opaque id (unique across restarts too).
    pub fn unique_id(&self) -> String {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        format!(
            "{:016x}{:06x}",
            crate::faults::splitmix64(self.epoch ^ n.rotate_left(32)),
            n
        )
    }

    pub fn object_path(&self, cos_path: &str) -> PathBuf {
        below(&self.root.join("files"), cos_path)
    }

    fn meta_path(&self, cos_path: &str) -> PathBuf {
        below(&self.root.join("meta"), cos_path)
    }

    fn load(&self) -> io::Result<()> {
        let mut idx = self.lock();
        match read_json::<Extras>(&self.root.join("extras.json")) {
            Ok(extras) => {
                idx.folders = extras.folders;
                idx.attrs = extras.attrs;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let meta_root = self.root.join("meta");
        let mut stack = vec![meta_root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in fs::read_dir(&dir)? {
                let path = entry?.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(meta) = read_json::<ObjectMeta>(&path) {
                    let rel = path.strip_prefix(&meta_root).map_err(io::Error::other)?;
                    let cos_path = format!("/{}", rel.to_string_lossy());
                    if self.object_path(&cos_path).is_file() {
                        idx.objects.insert(cos_path, meta);
                    }
                }
            }
        }
        for entry in fs::read_dir(self.root.join("sessions"))? {
            let dir = entry?.path();
            let Ok(meta) = read_json::<SessionMeta>(&dir.join("meta.json")) else {
                continue;
            };
            let session = self.open_session(meta, &dir, false)?;
            let log = fs::read_to_string(dir.join("parts")).unwrap_or_default();
            {
                let mut p = lock(&session.progress);
                for offset in log.lines().filter_map(|l| l.trim().parse::<u64>().ok()) {
                    *p.counts.entry(offset).or_default() += 1;
                }
            }
            idx.by_path
                .insert(session.meta.path.clone(), session.meta.id.clone());
            idx.sessions.insert(session.meta.id.clone(), session);
        }
        Ok(())
    }

    fn open_session(
        &self,
        meta: SessionMeta,
        dir: &Path,
        create: bool,
    ) -> io::Result<Arc<Session>> {
        let data = OpenOptions::new()
            .read(true)
            .write(true)
            .create(create)
            .truncate(false)
            .open(dir.join("data"))?;
        if create {
            data.set_len(meta.filesize)?;
        }
        let parts_log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("parts"))?;
        Ok(Arc::new(Session {
            meta,
            dir: dir.to_path_buf(),
            data,
            progress: Mutex::new(Progress {
                parts_log: Some(parts_log),
                ..Progress::default()
            }),
        }))
    }

    /// Create a session on disk and register it.
    pub fn create_session(&self, idx: &mut Index, meta: SessionMeta) -> io::Result<Arc<Session>> {
        let dir = self.root.join("sessions").join(&meta.id);
        write_json(&dir.join("meta.json"), &meta)?;
        let session = self.open_session(meta, &dir, true)?;
        idx.by_path
            .insert(session.meta.path.clone(), session.meta.id.clone());
        idx.sessions
            .insert(session.meta.id.clone(), session.clone());
        Ok(session)
    }

    /// Forget a session and delete its directory (its data may already have been moved).
    pub fn remove_session(&self, idx: &mut Index, id: &str) -> io::Result<()> {
        if let Some(s) = idx.sessions.remove(id) {
            if idx.by_path.get(&s.meta.path).is_some_and(|i| i == id) {
                idx.by_path.remove(&s.meta.path);
            }
            fs::remove_dir_all(&s.dir)?;
        }
        Ok(())
    }

    /// Stage content in `tmp/` (outside the index lock), to be committed later.
    pub fn stage(&self, content: &[u8]) -> io::Result<PathBuf> {
        let path = self.root.join("tmp").join(self.unique_id());
        fs::write(&path, content)?;
        Ok(path)
    }

    /// Move a staged or session data file into place as object `cos_path`.
    pub fn commit(
        &self,
        idx: &mut Index,
        cos_path: &str,
        staged: &Path,
        meta: ObjectMeta,
    ) -> io::Result<()> {
        let target = self.object_path(cos_path);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::rename(staged, &target)?;
        write_json(&self.meta_path(cos_path), &meta)?;
        idx.objects.insert(cos_path.to_string(), meta);
        // New content starts with default attributes.
        if idx.attrs.remove(cos_path).is_some() {
            self.save_extras(idx)?;
        }
        Ok(())
    }

    /// Writes the created folders and object attributes (`extras.json`, replaced atomically).
    pub fn save_extras(&self, idx: &Index) -> io::Result<()> {
        let extras = Extras {
            folders: idx.folders.clone(),
            attrs: idx.attrs.clone(),
        };
        let tmp = self.root.join("tmp").join(self.unique_id());
        write_json(&tmp, &extras)?;
        fs::rename(tmp, self.root.join("extras.json"))
    }

    /// Renames object `from` to `to` (content, metadata and attributes), replacing `to`.
    pub fn rename_object(&self, idx: &mut Index, from: &str, to: &str) -> io::Result<()> {
        let Some(meta) = idx.objects.get(from).cloned() else {
            return Err(io::Error::new(io::ErrorKind::NotFound, "no such object"));
        };
        let target = self.object_path(to);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::rename(self.object_path(from), &target)?;
        let _ = fs::remove_file(self.meta_path(from));
        idx.objects.remove(from);
        write_json(&self.meta_path(to), &meta)?;
        idx.objects.insert(to.to_string(), meta);
        let attrs = idx.attrs.remove(from);
        idx.attrs.remove(to);
        if let Some(a) = attrs {
            idx.attrs.insert(to.to_string(), a);
        }
        self.save_extras(idx)
    }

    /// Copies object `from` to `to` (content, metadata and attributes), replacing `to`.
    pub fn copy_object(&self, idx: &mut Index, from: &str, to: &str, now: u64) -> io::Result<()> {
        let Some(meta) = idx.objects.get(from).cloned() else {
            return Err(io::Error::new(io::ErrorKind::NotFound, "no such object"));
        };
        let attrs = idx.attrs.get(from).cloned();
        let meta = ObjectMeta {
            ctime: now,
            mtime: now,
            ..meta
        };
        self.link(idx, from, to, meta)?;
        if let Some(a) = attrs {
            idx.attrs.insert(to.to_string(), a);
            self.save_extras(idx)?;
        }
        Ok(())
    }

    /// Instant upload: make `to` an object with the content of object `from`.
    pub fn link(&self, idx: &mut Index, from: &str, to: &str, meta: ObjectMeta) -> io::Result<()> {
        if from == to {
            write_json(&self.meta_path(to), &meta)?;
            idx.objects.insert(to.to_string(), meta);
            return Ok(());
        }
        let staged = self.root.join("tmp").join(self.unique_id());
        if fs::hard_link(self.object_path(from), &staged).is_err() {
            fs::copy(self.object_path(from), &staged)?;
        }
        self.commit(idx, to, &staged, meta)
    }

    /// Update metadata only (identical re-upload).
    pub fn touch(&self, idx: &mut Index, cos_path: &str, meta: ObjectMeta) -> io::Result<()> {
        write_json(&self.meta_path(cos_path), &meta)?;
        idx.objects.insert(cos_path.to_string(), meta);
        Ok(())
    }

    pub fn remove_object(&self, idx: &mut Index, cos_path: &str) -> io::Result<bool> {
        if idx.objects.remove(cos_path).is_none() {
            return Ok(false);
        }
        fs::remove_file(self.object_path(cos_path))?;
        let _ = fs::remove_file(self.meta_path(cos_path));
        if idx.attrs.remove(cos_path).is_some() {
            self.save_extras(idx)?;
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_folders() {
        assert_eq!(parent_folder("/a/b/c.bin"), "/a/b/");
        assert_eq!(parent_folder("/a/b/"), "/a/");
        assert_eq!(parent_folder("/c"), "/");
        assert_eq!(parent_folder("/c/"), "/");
        assert_eq!(parent_folder("/"), "/");
    }

    #[test]
    fn folder_emptiness_looks_only_below_the_folder() {
        let mut idx = Index::default();
        let object = |size| ObjectMeta {
            size,
            sha: String::new(),
            biz_attr: String::new(),
            ctime: 0,
            mtime: 0,
        };
        // Neighbours on both sides in key order: "/a-b" < "/a/" < "/a0".
        idx.objects.insert("/a-b/x".into(), object(1));
        idx.objects.insert("/a0".into(), object(1));
        idx.folders.insert(
            "/a/".into(),
            FolderMeta {
                biz_attr: String::new(),
                ctime: 0,
                mtime: 0,
            },
        );
        assert!(idx.folder_is_empty("/a/"), "its own entry is not content");
        assert!(idx.folder_exists("/a/"));
        assert!(!idx.folder_exists("/b/"));
        idx.folders.insert(
            "/a/sub/".into(),
            FolderMeta {
                biz_attr: String::new(),
                ctime: 0,
                mtime: 0,
            },
        );
        assert!(!idx.folder_is_empty("/a/"), "a created sub-folder");
        idx.folders.remove("/a/sub/");
        idx.objects.insert("/a/f".into(), object(2));
        assert!(!idx.folder_is_empty("/a/"), "an object");
        idx.folders.remove("/a/");
        assert!(idx.folder_exists("/a/"), "a prefix of an object");
        assert!(!idx.folder_is_empty("/"));
    }

    #[test]
    fn unique_ids_differ() {
        let dir = std::env::temp_dir().join(format!("cosv4-emu-state-{}", std::process::id()));
        let s = Store::open(&dir).unwrap();
        let a = s.unique_id();
        assert_ne!(a, s.unique_id());
        assert_eq!(a.len(), 22);
        fs::remove_dir_all(&dir).unwrap();
    }
}
