//! The resume record: a small JSON file `<part file>.cosv4-resume` written (atomically) before
//! the first byte goes into a part file, saying which object version the part file holds a
//! prefix of. A part file is continued only when its record still matches a fresh stat of the
//! object; a file without a record is not ours and is never continued, truncated or removed
//! (except `<local>.part`, a name this library reserves, which starts over from zero).

use crate::error::{Error, ErrorKind, Result};
use crate::objects::ObjectStat;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Format version of the record; a record of another version is not trusted.
const VERSION: u32 = 1;

/// What identifies the object version a part file belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    pub version: u32,
    /// Size, mtime and sha as the stat answered them (sha "" when the service gave none).
    pub size: u64,
    pub mtime: i64,
    pub sha: String,
    /// Validators of the download host's first answer, when it sent them (for `If-Range`).
    #[serde(default)]
    pub etag: Option<String>,
    #[serde(default)]
    pub last_modified: Option<String>,
    /// The part file this record describes: a file made anew at that name (by someone else,
    /// or a download started over elsewhere) is not the one recorded. Absent in records of
    /// older versions, which then describe no file.
    #[serde(default)]
    pub part: Option<PartId>,
    /// SHA-1 (hex) of the part file's first [`HEAD`] bytes (or of all of a smaller object),
    /// recorded once they are written: a file rewritten in place keeps its identity, not its
    /// bytes.
    #[serde(default)]
    pub head: Option<String>,
}

/// `opts` set never to open through a symbolic link (`O_NOFOLLOW`, plus `more` flags).
pub(crate) fn no_follow(
    opts: &mut std::fs::OpenOptions,
    more: rustix::fs::OFlags,
) -> &mut std::fs::OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    opts.custom_flags((rustix::fs::OFlags::NOFOLLOW | more).bits() as i32)
}

/// How many leading bytes of a part file the record's `head` covers.
pub(crate) const HEAD: u64 = 64 * 1024;

/// SHA-1 (hex) of the first `len` bytes of `file` (positional reads: the file's position is
/// not moved); `None` when it is shorter or cannot be read.
pub(crate) fn head_of(file: &std::fs::File, len: u64) -> Option<String> {
    use sha1::Digest;
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; usize::try_from(len).ok()?];
    file.read_exact_at(&mut buf, 0).ok()?;
    Some(crate::hash::hex(&sha1::Sha1::digest(&buf)))
}

/// A file's identity: device and inode, and its birth time where the file system keeps one
/// (an inode number is reused at once for a file made after another was removed; the birth
/// time tells them apart). A file rewritten in place keeps all three: not told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PartId {
    pub dev: u64,
    pub ino: u64,
    /// Seconds and nanoseconds since the epoch.
    pub born: Option<(u64, u32)>,
}

impl PartId {
    pub fn of(meta: &std::fs::Metadata) -> PartId {
        use std::os::unix::fs::MetadataExt;
        let born = meta.created().ok().and_then(|t| {
            let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
            Some((d.as_secs(), d.subsec_nanos()))
        });
        PartId {
            dev: meta.dev(),
            ino: meta.ino(),
            born,
        }
    }
}

impl Record {
    /// A record of the object as `stat` describes it, without validators yet.
    pub fn of(stat: &ObjectStat) -> Record {
        Record {
            version: VERSION,
            size: stat.filesize,
            mtime: stat.mtime,
            sha: stat.sha.to_ascii_lowercase(),
            etag: None,
            last_modified: None,
            part: None,
            head: None,
        }
    }

    /// How many leading bytes `head` covers for this object.
    pub fn head_len(&self) -> u64 {
        HEAD.min(self.size)
    }

    /// True when the record is about `file` (whose metadata is `meta`): the same regular file
    /// and, once the record holds it, the same first bytes.
    pub fn describes(&self, file: &std::fs::File, meta: &std::fs::Metadata) -> bool {
        meta.is_file()
            && self.part == Some(PartId::of(meta))
            && self
                .head
                .as_ref()
                .is_none_or(|h| head_of(file, self.head_len()).as_ref() == Some(h))
    }

    /// [`Record::describes`] for the file at `path`, opened read-only without following a
    /// link (nor waiting on a FIFO).
    pub fn describes_path(&self, path: &Path) -> bool {
        let mut read = std::fs::OpenOptions::new();
        read.read(true);
        no_follow(&mut read, rustix::fs::OFlags::NONBLOCK)
            .open(path)
            .and_then(|f| f.metadata().map(|m| (f, m)))
            .is_ok_and(|(f, m)| self.describes(&f, &m))
    }

    /// True when `fresh` (a record of a new stat) names the same object version.
    pub fn same_object(&self, fresh: &Record) -> bool {
        self.version == VERSION
            && (self.size, self.mtime, &self.sha) == (fresh.size, fresh.mtime, &fresh.sha)
    }

    /// The validator to send in `If-Range`: the ETag, else the Last-Modified date.
    pub fn validator(&self) -> Option<&str> {
        self.etag.as_deref().or(self.last_modified.as_deref())
    }
}

/// `<part>.cosv4-resume`.
pub(crate) fn record_path(part: &Path) -> PathBuf {
    let mut name = part.as_os_str().to_owned();
    name.push(".cosv4-resume");
    PathBuf::from(name)
}

/// The record of `part`; `None` when there is none or it cannot be read as one.
pub(crate) fn load(part: &Path) -> Option<Record> {
    let text = std::fs::read(record_path(part)).ok()?;
    serde_json::from_slice::<Record>(&text)
        .ok()
        .filter(|r| r.version == VERSION)
}

/// Writes the record of `part` atomically (a temporary file synced, then renamed).
pub(crate) fn save(part: &Path, record: &Record) -> Result<()> {
    let path = record_path(part);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let io = |what: &str, p: &Path, e: std::io::Error| {
        Error::local_io(&format!("{what} the resume record {}", p.display()), &e)
    };
    let json =
        serde_json::to_vec(record).map_err(|e| Error::new(ErrorKind::Internal, e.to_string()))?;
    // A fresh file: never through a symlink or into someone else's file at that name.
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| io("create", &tmp, e))?;
    f.write_all(&json)
        .and_then(|()| f.sync_all())
        .map_err(|e| io("write", &tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| io("rename", &path, e))
}

/// Removes the record of `part` (nothing when there is none).
pub(crate) fn remove(part: &Path) {
    let _ = std::fs::remove_file(record_path(part));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(size: u64, mtime: i64, sha: &str) -> Record {
        Record {
            version: VERSION,
            size,
            mtime,
            sha: sha.into(),
            etag: None,
            last_modified: None,
            part: None,
            head: None,
        }
    }

    #[test]
    fn same_object_compares_size_mtime_and_sha() {
        let a = rec(10, 5, "ab");
        assert!(a.same_object(&rec(10, 5, "ab")));
        assert!(!a.same_object(&rec(11, 5, "ab")));
        assert!(!a.same_object(&rec(10, 6, "ab")));
        assert!(!a.same_object(&rec(10, 5, "")));
    }

    #[test]
    fn record_name_and_round_trip() {
        let dir = std::env::temp_dir().join(format!("cosv4-resume-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let part = dir.join("a.bin.part");
        assert_eq!(record_path(&part), dir.join("a.bin.part.cosv4-resume"));
        assert_eq!(load(&part), None);
        let mut r = rec(3, 4, "cd");
        r.etag = Some("\"cd\"".into());
        save(&part, &r).unwrap();
        assert_eq!(load(&part), Some(r.clone()));
        assert_eq!(r.validator(), Some("\"cd\""));
        std::fs::write(record_path(&part), b"not json").unwrap();
        assert_eq!(load(&part), None);
        remove(&part);
        assert!(!record_path(&part).exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
