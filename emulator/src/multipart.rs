//! `multipart/form-data` parser: a pure function over a borrowed body, so part data is
//! never copied (slice bodies of several MiB go straight from the socket buffer to disk).
//!
//! Accepts the dialects the v4 SDKs send (PROTOCOL.md §5): PY (every field a file part),
//! JAVA (`text/plain; charset=UTF-8` parts, `Content-Transfer-Encoding` ignored), CPP/PHP
//! (bare parts), NET (CRLF / preamble before the first boundary) and JS (`filename="blob"`).
//! A delimiter is `CRLF--boundary` followed by `--` (close) or optional whitespace and CRLF;
//! anything else — e.g. `\r\n--` inside binary data — is content.

use memchr::memmem;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<'a> {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: &'a [u8],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartError(pub String);

impl std::fmt::Display for MultipartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bad multipart body: {}", self.0)
    }
}

impl std::error::Error for MultipartError {}

fn err<T>(msg: &str) -> Result<T, MultipartError> {
    Err(MultipartError(msg.to_string()))
}

/// Split a header value like `form-data; name="a"; filename=b` into its first token and
/// its `key=value` parameters (keys lower-cased, quoted values unescaped).
pub fn header_params(value: &str) -> (String, Vec<(String, String)>) {
    let mut params = Vec::new();
    let (first, mut rest) = match value.find(';') {
        Some(i) => (&value[..i], &value[i + 1..]),
        None => (value, ""),
    };
    loop {
        rest = rest.trim_start_matches([' ', '\t', ';']);
        if rest.is_empty() {
            break;
        }
        let eq = rest.find(['=', ';']).unwrap_or(rest.len());
        let key = rest[..eq].trim().to_ascii_lowercase();
        if eq >= rest.len() || rest.as_bytes()[eq] == b';' {
            rest = &rest[eq..];
            continue;
        }
        rest = rest[eq + 1..].trim_start();
        let val;
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            out.push(n);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => out.push(c),
                }
            }
            val = out;
            rest = &quoted[end.min(quoted.len())..];
        } else {
            let semi = rest.find(';').unwrap_or(rest.len());
            val = rest[..semi].trim().to_string();
            rest = &rest[semi..];
        }
        params.push((key, val));
    }
    (first.trim().to_ascii_lowercase(), params)
}

/// The boundary parameter of a `multipart/form-data` Content-Type.
pub fn boundary(content_type: &str) -> Option<String> {
    let (_, params) = header_params(content_type);
    params
        .into_iter()
        .find(|(k, _)| k == "boundary")
        .map(|(_, v)| v)
        .filter(|b| !b.is_empty() && b.len() <= 200)
}

/// Length of the delimiter tail at `rest` (just after `--boundary`): `Some((is_close, len))`
/// where `len` covers `--` or whitespace + CRLF; `None` when this is not a delimiter.
fn delimiter_tail(rest: &[u8]) -> Option<(bool, usize)> {
    if rest.starts_with(b"--") {
        return Some((true, 2));
    }
    let ws = rest
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    if rest[ws..].starts_with(b"\r\n") {
        Some((false, ws + 2))
    } else {
        None
    }
}

/// Parse a multipart body. Errors on a missing boundary, a missing closing delimiter or
/// malformed part headers.
pub fn parse<'a>(content_type: &str, body: &'a [u8]) -> Result<Vec<Part<'a>>, MultipartError> {
    let Some(boundary) = boundary(content_type) else {
        return err("no boundary in Content-Type");
    };
    let delim = format!("\r\n--{boundary}").into_bytes();
    let finder = memmem::Finder::new(&delim);
    // Find a delimiter at or after `from`; the body start counts as preceded by CRLF.
    let find = |from: usize| -> Option<(usize, bool, usize)> {
        let mut at = from;
        loop {
            let (start, after) = if at == 0 && body.starts_with(&delim[2..]) {
                (0, delim.len() - 2)
            } else {
                let i = at + finder.find(body.get(at..)?)?;
                (i, i + delim.len())
            };
            if let Some((close, len)) = delimiter_tail(&body[after..]) {
                return Some((start, close, after + len));
            }
            at = start + 1;
        }
    };
    let mut parts = Vec::new();
    let Some((_, mut close, mut pos)) = find(0) else {
        return err("no opening boundary");
    };
    while !close {
        let (headers, content_start) = if body[pos..].starts_with(b"\r\n") {
            ("", pos + 2)
        } else {
            let Some(end) = memmem::find(&body[pos..], b"\r\n\r\n") else {
                return err("unterminated part headers");
            };
            let Ok(h) = std::str::from_utf8(&body[pos..pos + end]) else {
                return err("part headers are not UTF-8");
            };
            (h, pos + end + 4)
        };
        let Some((content_end, is_close, next)) = find(content_start.saturating_sub(2)) else {
            return err("missing closing boundary");
        };
        // A delimiter right after the header block means empty content.
        let data = body.get(content_start..content_end).unwrap_or_default();
        parts.push(part_from_headers(headers, data)?);
        close = is_close;
        pos = next;
    }
    Ok(parts)
}

fn part_from_headers<'a>(headers: &str, data: &'a [u8]) -> Result<Part<'a>, MultipartError> {
    let mut name = None;
    let mut filename = None;
    let mut content_type = None;
    for line in headers.split("\r\n").filter(|l| !l.is_empty()) {
        let Some((key, value)) = line.split_once(':') else {
            return err("malformed part header line");
        };
        match key.trim().to_ascii_lowercase().as_str() {
            "content-disposition" => {
                let (_, params) = header_params(value);
                for (k, v) in params {
                    match k.as_str() {
                        "name" => name = Some(v),
                        "filename" => filename = Some(v),
                        _ => {}
                    }
                }
            }
            "content-type" => content_type = Some(value.trim().to_string()),
            _ => {} // Content-Transfer-Encoding and others are ignored
        }
    }
    let Some(name) = name else {
        return err("part without a name");
    };
    Ok(Part {
        name,
        filename,
        content_type,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CT: &str = "multipart/form-data; boundary=XyZ";

    fn body(parts: &[&str], data: &[u8], prefix: &str) -> Vec<u8> {
        let mut b = prefix.as_bytes().to_vec();
        for p in parts {
            b.extend_from_slice(format!("--XyZ\r\n{p}").as_bytes());
            b.extend_from_slice(b"\r\n");
        }
        b.extend_from_slice(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"filecontent\"\r\n\r\n",
        );
        b.extend_from_slice(data);
        b.extend_from_slice(b"\r\n--XyZ--\r\n");
        b
    }

    fn field(parts: &[Part], name: &str) -> Vec<u8> {
        parts.iter().find(|p| p.name == name).unwrap().data.to_vec()
    }

    #[test]
    fn binary_containing_crlf_dashes_survives() {
        let data = b"a\r\n--\r\n--XyZZ\r\n--Xy\r\n--XyZx--z\r\n\r\n";
        let b = body(
            &["Content-Disposition: form-data; name=\"op\"\r\n\r\nupload"],
            data,
            "",
        );
        let parts = parse(CT, &b).unwrap();
        assert_eq!(field(&parts, "op"), b"upload");
        assert_eq!(field(&parts, "filecontent"), data);
    }

    #[test]
    fn py_every_field_is_a_file() {
        let b = body(
            &["Content-Disposition: form-data; name=\"op\"; filename=\"op\"\r\n\r\nupload_slice_data"],
            b"xx",
            "",
        );
        let parts = parse(CT, &b).unwrap();
        assert_eq!(parts[0].filename.as_deref(), Some("op"));
        assert_eq!(field(&parts, "op"), b"upload_slice_data");
    }

    #[test]
    fn java_text_parts_with_content_type_and_cte() {
        let b = body(
            &["Content-Disposition: form-data; name=\"op\"\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nstat"],
            b"",
            "",
        );
        let parts = parse("multipart/form-data; boundary=\"XyZ\"; charset=UTF-8", &b).unwrap();
        assert_eq!(
            parts[0].content_type.as_deref(),
            Some("text/plain; charset=UTF-8")
        );
        assert_eq!(field(&parts, "op"), b"stat");
        assert_eq!(field(&parts, "filecontent"), b"");
    }

    #[test]
    fn cpp_and_php_bare_parts() {
        let b = body(
            &[
                "Content-Disposition: form-data; name=\"op\"\r\n\r\nupload",
                "Content-Disposition: form-data; name=\"data\"; filename=\"data\"\r\nContent-Type: application/octet-stream\r\n\r\nbin",
            ],
            b"x",
            "",
        );
        let parts = parse(CT, &b).unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(field(&parts, "data"), b"bin");
    }

    #[test]
    fn net_leading_crlf_and_preamble() {
        for prefix in ["\r\n", "preamble text\r\n"] {
            let b = body(
                &["Content-Disposition: form-data; name=\"op\"\r\n\r\nx"],
                b"d",
                prefix,
            );
            let parts = parse(CT, &b).unwrap();
            assert_eq!(field(&parts, "op"), b"x");
        }
    }

    #[test]
    fn js_blob_filename() {
        let b = body(
            &["Content-Disposition: form-data; name=\"fileContent\"; filename=\"blob\"\r\nContent-Type: application/octet-stream\r\n\r\nBLOB"],
            b"",
            "",
        );
        let parts = parse(CT, &b).unwrap();
        assert_eq!(parts[0].filename.as_deref(), Some("blob"));
        assert_eq!(field(&parts, "fileContent"), b"BLOB");
    }

    #[test]
    fn errors() {
        assert!(parse("multipart/form-data", b"--XyZ--").is_err());
        assert!(parse(CT, b"garbage").is_err());
        let mut b = body(&[], b"data", "");
        b.truncate(b.len() - 9); // no closing delimiter
        assert!(parse(CT, &b).is_err());
        assert!(parse(CT, b"--XyZ\r\nNo-Colon\r\n\r\nx\r\n--XyZ--").is_err());
        assert!(parse(CT, b"--XyZ\r\nContent-Type: a\r\n\r\nx\r\n--XyZ--").is_err());
        // Arbitrary prefixes never panic.
        let full = body(
            &["Content-Disposition: form-data; name=\"op\"\r\n\r\nupload"],
            b"\r\n--",
            "",
        );
        for n in 0..full.len() {
            let _ = parse(CT, &full[..n]);
        }
    }
}
