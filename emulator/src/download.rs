//! Downloads: `GET <base>/<bucket>-<appid><encoded path>` — what `access_url` and `source_url`
//! point to (PROTOCOL.md §4.8).
//!
//! A download needs a multi-effect signature in `?sign=` (or an `Authorization` header) whose
//! `f` is empty or a prefix of the path-only fileid `/<path>` (§2.7 step 6), unless the object's
//! authority is `eWPrivateRPublic` (public read). `Range: bytes=a-b`, `a-` and `-n` are
//! answered 206 with `Content-Range`; a range starting past the end 416; a malformed or
//! multi-range header is ignored (the whole object, 200), as RFC 9110 allows. Answers carry
//! `ETag` (the quoted sha, when known) and `Last-Modified`; an `If-Range` naming neither
//! (the object changed) gets the whole object, 200. With `Config::ignore_range` every download
//! is answered 200 with the whole object.

use std::os::unix::fs::FileExt;

use crate::app::App;
use crate::auth::{self, Expected};
use crate::cospath;
use crate::http::{Request, Response};
use crate::params::form_decode;
use crate::reply::{self, ApiError};

/// A download's answer, and what the request log records of it.
pub struct Served {
    pub response: Response,
    pub path: String,
    /// Start of the range served.
    pub offset: Option<u64>,
    pub code: i64,
}

/// True when `path` is a download URL: a GET whose first segment looks like
/// `<bucket>-<appid>` (anything else goes to the `/files/v2/` API pipeline).
pub fn is_download(method: &str, path: &str) -> bool {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    method == "GET"
        && first.rsplit_once('-').is_some_and(|(bucket, appid)| {
            !bucket.is_empty() && !appid.is_empty() && appid.bytes().all(|b| b.is_ascii_digit())
        })
}

enum Range {
    Whole,
    Part(u64, u64),
    Unsatisfiable,
}

/// Parses a `Range` header against an object of `size` bytes.
fn range(header: Option<&str>, size: u64) -> Range {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Range::Whole;
    };
    if spec.contains(',') {
        return Range::Whole;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Range::Whole;
    };
    let num = |s: &str| s.trim().parse::<u64>().ok();
    match (a.trim().is_empty(), num(a), num(b)) {
        // bytes=-n: the last n bytes.
        (true, _, Some(n)) if n > 0 && size > 0 => Range::Part(size.saturating_sub(n), size - 1),
        (true, _, Some(_)) => Range::Unsatisfiable,
        (false, Some(start), end) if b.trim().is_empty() || end.is_some() => {
            if start >= size {
                return Range::Unsatisfiable;
            }
            match end {
                Some(e) if e < start => Range::Whole,
                Some(e) => Range::Part(start, e.min(size - 1)),
                None => Range::Part(start, size - 1),
            }
        }
        _ => Range::Whole,
    }
}

pub fn serve(app: &App, req: &Request) -> Served {
    let mut path = String::new();
    let mut offset = None;
    let response = match answer(app, req, &mut path, &mut offset) {
        Ok(r) => r,
        Err(e) => {
            let code = e.code;
            return Served {
                response: reply::error_response(&e, &app.store.unique_id()),
                path,
                offset,
                code,
            };
        }
    };
    Served {
        response,
        path,
        offset,
        code: 0,
    }
}

fn answer(
    app: &App,
    req: &Request,
    path_out: &mut String,
    offset_out: &mut Option<u64>,
) -> Result<Response, ApiError> {
    let cfg = &app.cfg;
    let rest = req.path.strip_prefix('/').unwrap_or(req.path);
    let (host_part, raw_path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if host_part != format!("{}-{}", cfg.bucket, cfg.appid) {
        return Err(ApiError::new(404, -133, "bucket does not exist"));
    }
    let decoded = String::from_utf8(
        percent_encoding::percent_decode(raw_path.as_bytes()).collect::<Vec<u8>>(),
    )
    .map_err(|_| ApiError::param("path is not valid UTF-8"))?;
    let path = cospath::validate_cos_path(&decoded).map_err(|e| match e {
        cospath::PathError::Invalid(m) => ApiError::param(m),
        cospath::PathError::UnknownPrefix => ApiError::param("bad path"),
    })?;
    *path_out = path.clone();
    if path.is_empty() || path.ends_with('/') {
        return Err(ApiError::param("a download needs a file path"));
    }
    let (meta, attrs, file) = {
        let idx = app.store.lock();
        let Some(meta) = idx.objects.get(&path).cloned() else {
            return Err(ApiError::not_found("ERROR_CMD_FILE_NOTEXIST"));
        };
        (meta, idx.attrs_of(&path), app.store.object_path(&path))
    };
    let signature = req.header("authorization").map(str::to_string).or_else(|| {
        req.query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == "sign")
            .map(|(_, v)| form_decode(v))
    });
    match signature.filter(|s| !s.trim().is_empty()) {
        Some(sig) => {
            let expected = Expected {
                appid: cfg.appid,
                bucket: &cfg.bucket,
                secret_id: &cfg.secret_id,
                secret_key: &cfg.secret_key,
            };
            let forbidden = |e: auth::AuthError| ApiError::forbidden(e.code, e.message);
            let sig = auth::verify(&sig, &expected, cfg.now()).map_err(forbidden)?;
            if sig.is_once() {
                return Err(ApiError::forbidden(
                    -63,
                    "a download needs a multi-effect signature (e > 0)",
                ));
            }
            // f is the path-only fileid `/dir/file` (or a prefix of it), or empty.
            auth::check_scope(&sig, &path, false).map_err(forbidden)?;
        }
        None if attrs.authority() == "eWPrivateRPublic" => {}
        None => {
            return Err(ApiError::forbidden(
                -81,
                "signature is missing (the object is not public-read)",
            ))
        }
    }
    let size = meta.size;
    let mut headers = vec![("Accept-Ranges".to_string(), "bytes".to_string())];
    for (k, v) in &attrs.custom_headers {
        if !k.eq_ignore_ascii_case("content-type") {
            headers.push((k.clone(), v.clone()));
        }
    }
    let etag = (!meta.sha.is_empty()).then(|| format!("\"{}\"", meta.sha));
    let last_modified = http_date(meta.mtime);
    if let Some(e) = &etag {
        headers.push(("ETag".to_string(), e.clone()));
    }
    headers.push(("Last-Modified".to_string(), last_modified.clone()));
    // If-Range: the range only while the object is still the one the validator names.
    let current = |v: &str| etag.as_deref() == Some(v) || v == last_modified;
    let honour = !cfg.ignore_range && req.header("if-range").is_none_or(|v| current(v.trim()));
    let asked = if honour { req.header("range") } else { None };
    let (status, start, end) = match range(asked, size) {
        Range::Whole => (200, 0, size),
        Range::Part(a, b) => {
            headers.push(("Content-Range".to_string(), format!("bytes {a}-{b}/{size}")));
            (206, a, b + 1)
        }
        Range::Unsatisfiable => {
            let mut r = reply::error_response(
                &ApiError::new(416, -5999, format!("range not satisfiable (size {size})")),
                &app.store.unique_id(),
            );
            r.status = 416;
            r.headers
                .push(("Content-Range".to_string(), format!("bytes */{size}")));
            return Ok(r);
        }
    };
    *offset_out = Some(start);
    let mut body = vec![0u8; (end - start) as usize];
    std::fs::File::open(&file)
        .and_then(|f| f.read_exact_at(&mut body, start))
        .map_err(ApiError::io)?;
    Ok(Response {
        status,
        content_type: "application/octet-stream",
        body,
        headers,
    })
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 IMF-fixdate) of Unix seconds.
fn http_date(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let (era, doe) = (z / 146_097, z % 146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(h: &str, size: u64) -> (u8, u64, u64) {
        match range(Some(h), size) {
            Range::Whole => (0, 0, 0),
            Range::Part(a, b) => (1, a, b),
            Range::Unsatisfiable => (2, 0, 0),
        }
    }

    #[test]
    fn ranges() {
        assert_eq!(r("bytes=0-9", 100), (1, 0, 9));
        assert_eq!(r("bytes=90-", 100), (1, 90, 99));
        assert_eq!(r("bytes=90-200", 100), (1, 90, 99));
        assert_eq!(r("bytes=-10", 100), (1, 90, 99));
        assert_eq!(r("bytes=-200", 100), (1, 0, 99));
        assert_eq!(r("bytes=100-", 100), (2, 0, 0));
        assert_eq!(r("bytes=0-", 0), (2, 0, 0));
        assert_eq!(r("bytes=5-1", 100), (0, 0, 0));
        assert_eq!(r("bytes=0-1,5-6", 100), (0, 0, 0));
        assert_eq!(r("items=0-1", 100), (0, 0, 0));
        assert_eq!(r("bytes=x-", 100), (0, 0, 0));
    }

    #[test]
    fn http_dates() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(1_709_251_199), "Thu, 29 Feb 2024 23:59:59 GMT");
    }
}
