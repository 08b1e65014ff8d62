//! The one error type of the library, and the classification of COS answer codes.
//!
//! An [`Error`] carries what a caller needs to act on a failure: a [`ErrorKind`] (what class of
//! thing went wrong, and so whether retrying can help), a sentence naming the problem, and — when
//! the server answered — the HTTP status, the COS `code` and `message` of the JSON envelope and the
//! `request_id`. The secret key never enters an error: messages are built from public values only.

use std::fmt;

/// What class of failure an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The caller passed something invalid: a bad path, bucket, setting or argument.
    /// [`Error::usage_detail`] tells a rejected bucket or cos path from the rest.
    Usage,
    /// Reading or writing a local file failed: the file to upload (missing, unreadable, a
    /// directory, ...) or the file a download writes.
    LocalIo,
    /// The connection failed or broke: refused, reset, DNS, TLS, closed without an answer.
    Transport,
    /// A connect, stall or per-request time limit ran out.
    Timeout,
    /// The server's answer could not be understood: not JSON, truncated, too large, or missing
    /// a field the protocol requires.
    Protocol,
    /// The service answered with an error code (see [`Error::cos_code`]).
    Service,
    /// The service refused the credentials or the signature (403, codes -97, -61, ...).
    Auth,
    /// Content checks failed: a sha mismatch (upload or download), the local file changed
    /// during its upload, or the object changed during its download.
    Integrity,
    /// The upload or download was cancelled through its [`crate::CancelToken`].
    Cancelled,
    /// The progress handler of an upload or a download asked to stop.
    Aborted,
    /// A bug in this library (a worker panicked, an impossible state).
    Internal,
}

impl ErrorKind {
    /// A short lower-case name, stable across releases.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Usage => "usage",
            ErrorKind::LocalIo => "local I/O",
            ErrorKind::Transport => "transport",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Service => "service",
            ErrorKind::Auth => "auth",
            ErrorKind::Integrity => "integrity",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Aborted => "aborted",
            ErrorKind::Internal => "internal",
        }
    }
}

/// Which argument a [`ErrorKind::Usage`] error rejects, when it is one the caller can tell
/// apart ([`Error::usage_detail`]): the bucket name or a cos path. The kind stays
/// [`ErrorKind::Usage`]; the detail is the finer answer (the C API reports these as
/// `COSV4_RESULT_INVALID_PATH`, other usage errors as `COSV4_RESULT_INVALID_ARGUMENT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UsageDetail {
    /// The bucket name was rejected (empty, too long, a character other than letters, digits
    /// and '-').
    InvalidBucket,
    /// A cos path was rejected (empty, not starting with '/', '//', '.' or '..' segments,
    /// control characters, too long, a file path ending in '/' or a folder path not ending
    /// in '/'), a move/copy destination included.
    InvalidPath,
}

impl UsageDetail {
    /// A short lower-case name, stable across releases.
    pub fn as_str(self) -> &'static str {
        match self {
            UsageDetail::InvalidBucket => "invalid bucket",
            UsageDetail::InvalidPath => "invalid path",
        }
    }
}

/// An error with everything known about it.
#[derive(Debug, Clone)]
pub struct Error {
    kind: ErrorKind,
    /// Which argument a usage error rejects, when it is the bucket or a path.
    detail: Option<UsageDetail>,
    message: String,
    http_status: Option<u16>,
    cos_code: Option<i64>,
    cos_message: Option<String>,
    request_id: Option<String>,
    retryable: bool,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error of `kind` with a sentence that names the problem.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        let retryable = matches!(kind, ErrorKind::Transport | ErrorKind::Timeout);
        Error {
            kind,
            detail: None,
            message: message.into(),
            http_status: None,
            cos_code: None,
            cos_message: None,
            request_id: None,
            retryable,
        }
    }

    pub fn usage(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Usage, message)
    }

    /// A usage error that rejects the bucket name ([`UsageDetail::InvalidBucket`]).
    pub fn invalid_bucket(message: impl Into<String>) -> Error {
        Error {
            detail: Some(UsageDetail::InvalidBucket),
            ..Error::usage(message)
        }
    }

    /// A usage error that rejects a cos path ([`UsageDetail::InvalidPath`]).
    pub fn invalid_path(message: impl Into<String>) -> Error {
        Error {
            detail: Some(UsageDetail::InvalidPath),
            ..Error::usage(message)
        }
    }

    pub fn integrity(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Integrity, message)
    }

    pub fn protocol(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Protocol, message)
    }

    pub fn cancelled() -> Error {
        Error::new(ErrorKind::Cancelled, "the upload was cancelled")
    }

    /// The refusal to replace an existing object (COS code -177, as the service answers it),
    /// decided by this library; no HTTP status.
    pub fn file_exists(message: impl Into<String>) -> Error {
        Error {
            cos_code: Some(codes::FILE_EXISTS),
            ..Error::new(ErrorKind::Service, message)
        }
    }

    /// A local I/O failure while doing `what` (e.g. "open /tmp/x").
    pub fn local_io(what: &str, err: &std::io::Error) -> Error {
        Error::new(ErrorKind::LocalIo, format!("{what}: {err}"))
    }

    /// An error answer from the service: classified by its COS code and HTTP status.
    pub fn service(
        http_status: u16,
        cos_code: i64,
        cos_message: &str,
        request_id: Option<String>,
    ) -> Error {
        let class = classify(http_status, cos_code);
        let text = if cos_message.is_empty() {
            "(no message)"
        } else {
            cos_message
        };
        let message = format!(
            "the service answered HTTP {http_status}, COS code {cos_code}: {text}{}",
            class.hint
        );
        Error {
            kind: class.kind,
            detail: None,
            message,
            http_status: Some(http_status),
            cos_code: Some(cos_code),
            cos_message: Some(cos_message.to_string()),
            request_id,
            retryable: class.retryable,
        }
    }

    /// Adds the HTTP status of the answer this error came from.
    pub fn with_http_status(mut self, status: u16) -> Error {
        self.http_status = Some(status);
        if status >= 500 || status == 429 {
            self.retryable = true;
        }
        self
    }

    pub fn with_request_id(mut self, request_id: Option<String>) -> Error {
        if request_id.is_some() {
            self.request_id = request_id;
        }
        self
    }

    /// Overrides whether a retry may help.
    pub fn with_retryable(mut self, retryable: bool) -> Error {
        self.retryable = retryable;
        self
    }

    /// Puts `context` in front of the message ("slice at offset 1048576: ...").
    pub fn context(mut self, context: impl fmt::Display) -> Error {
        self.message = format!("{context}: {}", self.message);
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// For a usage error that rejects the bucket name or a cos path, which of the two; `None`
    /// for every other error (other usage errors included). [`Error::kind`] of such an error
    /// is [`ErrorKind::Usage`].
    pub fn usage_detail(&self) -> Option<UsageDetail> {
        self.detail
    }
    /// The sentence naming the problem (without the kind).
    pub fn message(&self) -> &str {
        &self.message
    }
    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }
    /// The `code` of the service's JSON envelope, when it answered one.
    pub fn cos_code(&self) -> Option<i64> {
        self.cos_code
    }
    /// The `message` of the service's JSON envelope, when it answered one.
    pub fn cos_message(&self) -> Option<&str> {
        self.cos_message.as_deref()
    }
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// True when sending the same request again may succeed (transport failures, timeouts,
    /// HTTP 5xx and the service's "busy"/"backend" codes). Never for auth, parameter or integrity
    /// errors.
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} error: {}", self.kind.as_str(), self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request_id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// How a COS answer code is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeClass {
    pub kind: ErrorKind,
    pub retryable: bool,
    /// Advice appended to the message ("" when there is none).
    pub hint: &'static str,
}

/// Classifies a COS error code with its HTTP status (PROTOCOL.md §3.7).
pub fn classify(http_status: u16, cos_code: i64) -> CodeClass {
    let (kind, retryable, hint) = match cos_code {
        // Signature and credential failures: retrying with the same keys cannot help.
        -47 | -48 | -59 | -61 | -63 | -70 | -77 | -79 | -81 | -96 | -97 => (
            ErrorKind::Auth,
            false,
            " (check appid, bucket, secret id and secret key, and the clock)",
        ),
        // Busy, backend and timeout codes: worth another try.
        -71 | -152 | -181 | -195 | -196 | -5989 | -5997 | -66 => (ErrorKind::Service, true, ""),
        // Content checks.
        -4016 | -174 => (ErrorKind::Integrity, false, ""),
        _ if http_status >= 500 => (ErrorKind::Service, true, ""),
        _ => (ErrorKind::Service, false, ""),
    };
    CodeClass {
        kind,
        retryable: retryable || http_status == 429,
        hint,
    }
}

/// COS codes the upload engine reacts to by name.
pub mod codes {
    /// An unfinished upload of the same content exists: list it and resume.
    pub const UNFINISHED_SAME: i64 = -4019;
    /// An unfinished upload of other content exists at the path.
    pub const UNFINISHED_OTHER: i64 = -4020;
    /// The file exists and `insertOnly` forbids overwriting it.
    pub const FILE_EXISTS: i64 = -177;
    /// The folder already exists, or a file has its name (`op=create`).
    pub const PATH_CONFLICT: i64 = -178;
    /// The path does not exist (also: no unfinished upload, for `upload_slice_list`; the
    /// parent folder of an upload's path is missing, for `op=upload` and `upload_slice_init`).
    pub const NOT_FOUND: i64 = -197;
    /// "Same file already uploaded": identical content is already stored at the path.
    pub const SAME_FILE: i64 = -4018;
    /// Wrong or unknown session (also: a session already finished).
    pub const WRONG_SESSION: i64 = -94;
    /// The content check failed (`sha check failed`): -4016, and -174 of older versions.
    pub const SHA_MISMATCH: [i64; 2] = [-4016, -174];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_and_path_errors_are_usage_errors_with_a_detail() {
        let b = Error::invalid_bucket("bucket name is empty");
        let p = Error::invalid_path("cos path is empty").context("stat");
        assert_eq!(
            (b.kind(), b.usage_detail()),
            (ErrorKind::Usage, Some(UsageDetail::InvalidBucket))
        );
        assert_eq!(
            (p.kind(), p.usage_detail()),
            (ErrorKind::Usage, Some(UsageDetail::InvalidPath))
        );
        assert_eq!(p.to_string(), "usage error: stat: cos path is empty");
        assert_eq!(Error::usage("x").usage_detail(), None);
        assert_eq!(Error::protocol("x").usage_detail(), None);
        assert_eq!(UsageDetail::InvalidPath.as_str(), "invalid path");
        assert_eq!(UsageDetail::InvalidBucket.as_str(), "invalid bucket");
    }

    #[test]
    fn auth_codes_are_not_retryable() {
        let e = Error::service(403, -97, "sign check failed", Some("rid".into()));
        assert_eq!(e.kind(), ErrorKind::Auth);
        assert!(!e.is_retryable());
        assert_eq!(e.http_status(), Some(403));
        assert_eq!(e.cos_code(), Some(-97));
        assert!(e.to_string().contains("request_id rid"));
    }

    #[test]
    fn busy_and_5xx_are_retryable() {
        assert!(Error::service(503, -71, "busy", None).is_retryable());
        assert!(Error::service(500, -1234, "?", None).is_retryable());
        assert!(!Error::service(400, -5999, "bad", None).is_retryable());
        assert!(!Error::service(409, -4016, "sha", None).is_retryable());
        assert_eq!(
            Error::service(409, -4016, "sha", None).kind(),
            ErrorKind::Integrity
        );
    }

    #[test]
    fn transport_is_retryable_usage_is_not() {
        assert!(Error::new(ErrorKind::Transport, "reset").is_retryable());
        assert!(!Error::usage("bad").is_retryable());
        assert!(!Error::invalid_bucket("bad").is_retryable());
        assert!(!Error::invalid_path("bad").is_retryable());
        assert!(Error::protocol("xml").with_http_status(502).is_retryable());
    }
}
