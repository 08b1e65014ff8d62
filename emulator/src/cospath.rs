//! COS paths: parsing `/files/v2/<appid>/<bucket><cos_path>` URLs, percent coding, fileids.

use percent_encoding::{percent_decode, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Characters left as is in encoded paths: `A-Za-z0-9 - . _ ~ /` (PY/PHP style, uppercase hex).
const PATH_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// The parts of an API URL path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiPath {
    pub appid: String,
    pub bucket: String,
    /// Decoded COS path; starts with `/`, ends with `/` for folders.
    pub cos_path: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// Not under `/files/v2/` (answered 404).
    UnknownPrefix,
    /// Malformed COS path (answered 400 -5999).
    Invalid(String),
}

/// Percent-decode bytes into a string (lossless for valid UTF-8, lossy otherwise).
pub fn decode(raw: &str) -> String {
    percent_decode(raw.as_bytes())
        .decode_utf8_lossy()
        .into_owned()
}

/// Percent-encode a decoded COS path for URLs and fileids.
pub fn encode(path: &str) -> String {
    utf8_percent_encode(path, PATH_ENCODE).to_string()
}

/// Collapse runs of `/` into one.
pub fn collapse_slashes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !(c == '/' && out.ends_with('/')) {
            out.push(c);
        }
    }
    out
}

/// Parse the path part (no query) of a request target.
pub fn parse_api_path(raw_path: &str) -> Result<ApiPath, PathError> {
    let rest = raw_path
        .strip_prefix("/files/v2/")
        .ok_or(PathError::UnknownPrefix)?;
    let (appid, rest) = rest.split_once('/').ok_or(PathError::UnknownPrefix)?;
    let (bucket, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if appid.is_empty() || bucket.is_empty() {
        return Err(PathError::UnknownPrefix);
    }
    let bytes: Vec<u8> = percent_decode(path.as_bytes()).collect();
    let decoded = String::from_utf8(bytes)
        .map_err(|_| PathError::Invalid("cos path is not valid UTF-8".into()))?;
    let cos_path = validate_cos_path(&decoded)?;
    Ok(ApiPath {
        appid: decode(appid),
        bucket: decode(bucket),
        cos_path,
    })
}

/// Collapse `//` and reject NUL and `.`/`..` segments.
pub fn validate_cos_path(decoded: &str) -> Result<String, PathError> {
    if decoded.contains('\0') {
        return Err(PathError::Invalid("cos path contains NUL".into()));
    }
    let path = collapse_slashes(decoded);
    if path.split('/').any(|seg| seg == "." || seg == "..") {
        return Err(PathError::Invalid(
            "cos path contains a '.' or '..' segment".into(),
        ));
    }
    Ok(path)
}

/// The fileid a signature is bound to: `/appid/bucket<decoded cos path>`.
pub fn fileid(appid: u64, bucket: &str, cos_path: &str) -> String {
    format!("/{appid}/{bucket}{cos_path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        let p = parse_api_path("/files/v2/123/bkt//a%20b//c.txt").unwrap();
        assert_eq!(p.appid, "123");
        assert_eq!(p.bucket, "bkt");
        assert_eq!(p.cos_path, "/a b/c.txt");
        assert_eq!(parse_api_path("/files/v2/1/b").unwrap().cos_path, "/");
        assert_eq!(parse_api_path("/files/v2/1/b/d/").unwrap().cos_path, "/d/");
        assert_eq!(
            parse_api_path("/other/1/b/x"),
            Err(PathError::UnknownPrefix)
        );
        assert!(matches!(
            parse_api_path("/files/v2/1/b/a/../x"),
            Err(PathError::Invalid(_))
        ));
        assert!(matches!(
            parse_api_path("/files/v2/1/b/a/%2E/x"),
            Err(PathError::Invalid(_))
        ));
        assert!(matches!(
            parse_api_path("/files/v2/1/b/a%00"),
            Err(PathError::Invalid(_))
        ));
    }

    #[test]
    fn encodes_like_python_quote() {
        assert_eq!(
            encode("/dir with space/文件 名+(1)~&=!'*,;@$.txt"),
            "/dir%20with%20space/%E6%96%87%E4%BB%B6%20%E5%90%8D%2B%281%29~%26%3D%21%27%2A%2C%3B%40%24.txt"
        );
    }
}
