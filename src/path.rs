//! COS paths: validation, and the one encoder used for both request URLs and signature fileids.
//!
//! The encoding is the Python/PHP SDKs' (PROTOCOL.md §2.4): ASCII letters, digits, `-._~` and `/`
//! are kept, every other byte of the UTF-8 form is percent-encoded with uppercase hex. Using the
//! same encoder for the URL and the fileid is what makes a bound signature match its request.
//!
//! Every public check fails with a usage error whose [`Error::usage_detail`] names the rejected
//! argument: [`crate::UsageDetail::InvalidBucket`] or [`crate::UsageDetail::InvalidPath`].

use crate::error::{Error, Result};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Longest cos path accepted, in bytes.
pub const MAX_PATH_LEN: usize = 4096;

/// Longest bucket name accepted, in bytes.
pub const MAX_BUCKET_LEN: usize = 64;

const KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// Percent-encodes a cos path as the official Python/PHP SDKs do.
pub fn encode(path: &str) -> String {
    utf8_percent_encode(path, KEEP).to_string()
}

/// The fileid a signature binds: `/<appid>/<bucket>` followed by the encoded path.
pub fn fileid(appid: u64, bucket: &str, path: &str) -> String {
    format!("/{appid}/{bucket}{}", encode(path))
}

/// Checks the path of a file: starts with `/`, does not end with `/`.
pub fn validate_file(path: &str) -> Result<()> {
    validate_common(path)?;
    if path == "/" || path.ends_with('/') {
        return Err(Error::invalid_path(format!(
            "cos path {:?} ends with '/', which names a folder; a file path must end with a file name",
            shorten(path)
        )));
    }
    Ok(())
}

/// Checks the path of a folder: starts and ends with `/` (the root `/` included).
pub fn validate_folder(path: &str) -> Result<()> {
    validate_common(path)?;
    if !path.ends_with('/') {
        return Err(Error::invalid_path(not_a_folder(path)));
    }
    Ok(())
}

/// Checks a file path, or a folder path when it ends with `/`.
pub fn validate_path(path: &str) -> Result<()> {
    if path.ends_with('/') {
        validate_folder(path)
    } else {
        validate_file(path)
    }
}

/// Folders holding `cos_path`, outermost first, without the root: `/a/`, `/a/b/` for
/// `/a/b/c.bin`; a folder path (ending in `/`) ends the list itself: `/a/`, `/a/b/` for `/a/b/`.
pub(crate) fn folders_of(cos_path: &str) -> Vec<&str> {
    cos_path
        .match_indices('/')
        .map(|(i, _)| &cos_path[..=i])
        .filter(|f| *f != "/")
        .collect()
}

/// Checks the folder of a listing as [`validate_folder`] does, except that a well-formed file
/// path (no trailing `/`) is a plain usage error without a path detail: the C API has always
/// answered a listing of it with COSV4_RESULT_INVALID_ARGUMENT, not INVALID_PATH.
pub(crate) fn validate_list_folder(path: &str) -> Result<()> {
    validate_common(path)?;
    if !path.ends_with('/') {
        return Err(Error::usage(not_a_folder(path)));
    }
    Ok(())
}

fn not_a_folder(path: &str) -> String {
    format!(
        "cos path {:?} does not end with '/'; a folder path must",
        shorten(path)
    )
}

fn validate_common(path: &str) -> Result<()> {
    if path.is_empty() {
        return Err(Error::invalid_path(
            "cos path is empty; it must start with '/'",
        ));
    }
    if path.len() > MAX_PATH_LEN {
        return Err(Error::invalid_path(format!(
            "cos path is {} bytes long; at most {MAX_PATH_LEN} are allowed",
            path.len()
        )));
    }
    if !path.starts_with('/') {
        return Err(Error::invalid_path(format!(
            "cos path {:?} does not start with '/'",
            shorten(path)
        )));
    }
    if let Some(c) = path.chars().find(|c| c.is_control()) {
        return Err(Error::invalid_path(format!(
            "cos path {:?} contains the control character U+{:04X}",
            shorten(path),
            c as u32
        )));
    }
    if path == "/" {
        return Ok(()); // the root folder
    }
    // Segments between the leading '/' and an optional trailing '/'.
    let inner = path[1..].strip_suffix('/').unwrap_or(&path[1..]);
    for segment in inner.split('/') {
        match segment {
            "" => {
                return Err(Error::invalid_path(format!(
                    "cos path {:?} has an empty segment ('//')",
                    shorten(path)
                )))
            }
            "." | ".." => {
                return Err(Error::invalid_path(format!(
                    "cos path {:?} has a '{segment}' segment; relative segments are not allowed",
                    shorten(path)
                )))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks a bucket name: 1 to 64 ASCII letters, digits and '-' (the plain name, without the
/// `-appid` suffix).
pub fn validate_bucket(bucket: &str) -> Result<()> {
    if bucket.is_empty() {
        return Err(Error::invalid_bucket("bucket name is empty"));
    }
    if bucket.len() > MAX_BUCKET_LEN {
        return Err(Error::invalid_bucket(format!(
            "bucket name is {} bytes long; at most {MAX_BUCKET_LEN} are allowed",
            bucket.len()
        )));
    }
    if let Some(c) = bucket
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(Error::invalid_bucket(format!(
            "bucket name {:?} contains {c:?}; only ASCII letters, digits and '-' are allowed",
            shorten(bucket)
        )));
    }
    Ok(())
}

/// The first 80 characters of a long value, for messages.
fn shorten(s: &str) -> String {
    if s.chars().count() <= 80 {
        s.to_string()
    } else {
        let head: String = s.chars().take(80).collect();
        format!("{head}...")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UsageDetail;

    #[test]
    fn folders_of_a_path() {
        assert_eq!(folders_of("/a/b/c.bin"), ["/a/", "/a/b/"]);
        assert_eq!(folders_of("/c.bin"), Vec::<&str>::new());
        assert_eq!(folders_of("/x/y/z/f"), ["/x/", "/x/y/", "/x/y/z/"]);
        assert_eq!(folders_of("/a/b/"), ["/a/", "/a/b/"]);
        assert_eq!(folders_of("/"), Vec::<&str>::new());
    }

    #[test]
    fn encodes_like_the_python_sdk() {
        assert_eq!(
            encode("/dir with space/文件 名+(1)~&=!'*,;@$.txt"),
            "/dir%20with%20space/%E6%96%87%E4%BB%B6%20%E5%90%8D%2B%281%29~%26%3D%21%27%2A%2C%3B%40%24.txt"
        );
        assert_eq!(encode("/a-b_c.d~e/"), "/a-b_c.d~e/");
        assert_eq!(encode("/%"), "/%25");
    }

    #[test]
    fn fileid_of_empty_path_is_bucket_root() {
        assert_eq!(fileid(1, "b", ""), "/1/b");
        assert_eq!(fileid(1, "b", "/x y"), "/1/b/x%20y");
    }

    #[test]
    fn file_paths() {
        assert!(validate_file("/a").is_ok());
        assert!(validate_file("/a/b c/文件.txt").is_ok());
        for bad in [
            "", "a", "/", "/a/", "//a", "/a//b", "/a/./b", "/../a", "/a\u{0}b",
        ] {
            let e = validate_file(bad).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Usage, "{bad:?}");
            assert_eq!(e.usage_detail(), Some(UsageDetail::InvalidPath), "{bad:?}");
        }
        let long = format!("/{}", "a".repeat(MAX_PATH_LEN));
        assert!(validate_file(&long).unwrap_err().message().contains("4096"));
        assert!(validate_file("a")
            .unwrap_err()
            .message()
            .contains("does not start with '/'"));
    }

    #[test]
    fn folder_paths() {
        assert!(validate_folder("/").is_ok());
        assert!(validate_folder("/a/b/").is_ok());
        assert!(validate_folder("//").is_err());
        let e = validate_folder("/a").unwrap_err();
        assert_eq!(e.usage_detail(), Some(UsageDetail::InvalidPath));
        assert!(validate_path("/a").is_ok() && validate_path("/a/").is_ok());
        assert!(validate_path("/a//").is_err() && validate_path("a").is_err());
    }

    #[test]
    fn list_folders() {
        assert!(validate_list_folder("/").is_ok());
        let plain = validate_list_folder("/a").unwrap_err();
        assert_eq!(plain.kind(), crate::ErrorKind::Usage);
        assert_eq!(plain.usage_detail(), None);
        assert_eq!(
            plain.message(),
            validate_folder("/a").unwrap_err().message()
        );
        for bad in ["a", "/a//", "//"] {
            let e = validate_list_folder(bad).unwrap_err();
            assert_eq!(e.usage_detail(), Some(UsageDetail::InvalidPath), "{bad:?}");
        }
    }

    #[test]
    fn buckets() {
        assert!(validate_bucket("accesslog").is_ok());
        assert!(validate_bucket("my-bucket-01").is_ok());
        for bad in ["", "a/b", "a b", "a.b", "ä"] {
            let e = validate_bucket(bad).unwrap_err();
            assert_eq!(
                e.usage_detail(),
                Some(UsageDetail::InvalidBucket),
                "{bad:?}"
            );
        }
        assert!(validate_bucket(&"a".repeat(65)).is_err());
    }
}
