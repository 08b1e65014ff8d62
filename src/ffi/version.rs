//! `cosv4_version`: the library's version at run time.

use std::ffi::{c_char, CStr};

const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => panic!("the package version contains a NUL"),
    };

/// The version of the library actually linked, e.g. "0.1.0" (the header's is
/// COSV4_VERSION_STRING). Static; never NULL; must not be freed. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn cosv4_version() -> *const c_char {
    super::guard(VERSION.as_ptr(), || VERSION.as_ptr())
}
