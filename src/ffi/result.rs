//! `cosv4_result`: the one result code of the C API, `cosv4_strerror`, `cosv4_result_name`.
//!
//! Codes live in bands with gaps between them; a released code is never renumbered or reused.

use std::ffi::{c_char, CStr};

/// The result of a cosv4 call, for every operation of the library (upload, download, stat,
/// list, folders, delete, move/copy, update, signing) and every setter. 0 is success. Codes are
/// grouped in bands (1xx usage and arguments, 2xx local I/O, 3xx transport, 4xx service, 5xx
/// integrity, 6xx stopped on request, 9xx library bugs); a released code keeps its number
/// forever. Functions take codes from C as `uint32_t` (see cosv4_strerror). The texts of
/// cosv4_strerror are static and some still name the upload ("the upload was cancelled"); they
/// stand for every operation.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum cosv4_result {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullArgument = 100,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 101,
    /// An argument was out of range or malformed (e.g. a boolean other than 0 or 1, a list
    /// prefix with '/', a page size over 1000, a signature lifetime of 0), or the call cannot
    /// apply to it (deleting the root folder, an update that changes nothing, a download over
    /// an existing file without overwrite).
    InvalidArgument = 102,
    /// A bucket name or cos path was rejected (empty, not starting with '/', '//' ..., a file
    /// path ending in '/', a folder path not ending in '/'), by any call that takes one
    /// (a move/copy destination included).
    InvalidPath = 103,
    /// A configuration value was rejected, or the configuration is incomplete (no endpoint).
    InvalidConfig = 104,
    /// An upload or a download was started from inside a progress callback (of an upload or a
    /// download) on the same thread.
    RecursiveApiCall = 105,
    /// The caller's buffer is too small; the needed length was written to `*out_len`.
    BufferTooSmall = 106,
    /// Reading or writing a local file failed: the file to upload (missing, unreadable, a
    /// directory, ...) or the file a download writes.
    LocalIo = 200,
    /// The connection failed or broke (refused, reset, DNS, TLS, closed early).
    Transport = 300,
    /// A connect, stall or request time limit ran out.
    Timeout = 301,
    /// The server's answer could not be understood.
    Protocol = 302,
    /// The service answered with an error code (see cosv4_error_cos_code).
    Service = 400,
    /// The service refused the credentials or the signature (HTTP 403, COS -97, -61, ...).
    Auth = 401,
    /// The object exists and insert-only forbids overwriting it (COS -177).
    FileExists = 402,
    /// An unfinished upload at the path could not be resumed (COS -4019/-4020); set
    /// replace_stale to delete it and start over.
    UploadConflict = 403,
    /// A content check failed: a sha mismatch (upload or download), the local file changed
    /// during its upload, or the object changed during its download.
    Integrity = 500,
    /// The upload or download was cancelled through its cosv4_cancel_token.
    Cancelled = 600,
    /// The progress callback of an upload or a download returned nonzero (its value is in
    /// cosv4_error_callback_value).
    AbortedByCallback = 601,
    /// A bug: the library panicked (the panic was caught at the API boundary).
    Panic = 900,
    /// A bug: an impossible state inside the library.
    Internal = 901,
}

/// Every code with its C name and its text: the one table behind strerror and name.
const TABLE: &[(cosv4_result, &CStr, &CStr)] = {
    use cosv4_result::*;
    &[
        (Ok, c"COSV4_RESULT_OK", c"success"),
        (
            NullArgument,
            c"COSV4_RESULT_NULL_ARGUMENT",
            c"a required pointer argument is NULL",
        ),
        (
            InvalidUtf8,
            c"COSV4_RESULT_INVALID_UTF8",
            c"a string argument is not valid UTF-8",
        ),
        (
            InvalidArgument,
            c"COSV4_RESULT_INVALID_ARGUMENT",
            c"an argument is out of range or malformed",
        ),
        (
            InvalidPath,
            c"COSV4_RESULT_INVALID_PATH",
            c"invalid bucket name or cos path",
        ),
        (
            InvalidConfig,
            c"COSV4_RESULT_INVALID_CONFIG",
            c"invalid or incomplete configuration",
        ),
        (
            RecursiveApiCall,
            c"COSV4_RESULT_RECURSIVE_API_CALL",
            c"an upload was started from inside a progress callback",
        ),
        (
            BufferTooSmall,
            c"COSV4_RESULT_BUFFER_TOO_SMALL",
            c"the buffer is too small",
        ),
        (
            LocalIo,
            c"COSV4_RESULT_LOCAL_IO",
            c"reading the local file failed",
        ),
        (
            Transport,
            c"COSV4_RESULT_TRANSPORT",
            c"the connection to the service failed",
        ),
        (Timeout, c"COSV4_RESULT_TIMEOUT", c"a time limit ran out"),
        (
            Protocol,
            c"COSV4_RESULT_PROTOCOL",
            c"the service's answer could not be understood",
        ),
        (
            Service,
            c"COSV4_RESULT_SERVICE",
            c"the service answered with an error",
        ),
        (
            Auth,
            c"COSV4_RESULT_AUTH",
            c"the service refused the credentials or signature",
        ),
        (
            FileExists,
            c"COSV4_RESULT_FILE_EXISTS",
            c"the object already exists",
        ),
        (
            UploadConflict,
            c"COSV4_RESULT_UPLOAD_CONFLICT",
            c"an unfinished upload at the path could not be resumed",
        ),
        (
            Integrity,
            c"COSV4_RESULT_INTEGRITY",
            c"a content check failed or the file changed during the upload",
        ),
        (
            Cancelled,
            c"COSV4_RESULT_CANCELLED",
            c"the upload was cancelled",
        ),
        (
            AbortedByCallback,
            c"COSV4_RESULT_ABORTED_BY_CALLBACK",
            c"the progress callback stopped the upload",
        ),
        (
            Panic,
            c"COSV4_RESULT_PANIC",
            c"internal error: the library panicked",
        ),
        (Internal, c"COSV4_RESULT_INTERNAL", c"internal error"),
    ]
};

fn lookup(code: u32) -> Option<&'static (cosv4_result, &'static CStr, &'static CStr)> {
    TABLE.iter().find(|(c, _, _)| *c as u32 == code)
}

/// A static English sentence describing `code`; "unknown result code" for a number that is
/// not a cosv4_result. Never NULL; the text must not be freed. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn cosv4_strerror(code: u32) -> *const c_char {
    super::guard(c"unknown result code".as_ptr(), || {
        lookup(code)
            .map_or(c"unknown result code", |e| e.2)
            .as_ptr()
    })
}

/// The static C name of `code`, e.g. "COSV4_RESULT_AUTH"; "COSV4_RESULT_UNKNOWN" (not a real
/// code) for a number that is not a cosv4_result. Never NULL; must not be freed. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn cosv4_result_name(code: u32) -> *const c_char {
    super::guard(c"COSV4_RESULT_UNKNOWN".as_ptr(), || {
        lookup(code)
            .map_or(c"COSV4_RESULT_UNKNOWN", |e| e.1)
            .as_ptr()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for (i, (code, name, text)) in TABLE.iter().enumerate() {
            assert!(
                TABLE[..i].iter().all(|(c, _, _)| c != code),
                "{name:?} twice"
            );
            let n = name.to_str().unwrap();
            assert!(n.starts_with("COSV4_RESULT_"));
            // The C name is the Rust variant in SCREAMING_SNAKE_CASE.
            let rust: String = format!("{code:?}")
                .chars()
                .flat_map(|c| {
                    let sep = c.is_uppercase().then_some('_');
                    sep.into_iter().chain(c.to_uppercase())
                })
                .collect();
            assert_eq!(format!("COSV4_RESULT{rust}"), n);
            assert!(!text.is_empty());
        }
        assert_eq!(TABLE.len(), 21);
        let unknown = unsafe { CStr::from_ptr(cosv4_strerror(12345)) };
        assert_eq!(unknown, c"unknown result code");
    }
}
