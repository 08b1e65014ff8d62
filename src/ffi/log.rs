//! `cosv4_log_cb`: a log callback on the config, with a level.

use super::{cosv4_config, cosv4_result, Failure};
use crate::log::{Level, Logger};
use std::ffi::{c_char, c_void, CString};

/// Log levels for cosv4_config_set_log; each includes the ones before it.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cosv4_log_level {
    /// Failures the call returns anyway.
    Error = 1,
    /// Retries after a failed request.
    Warn = 2,
    /// Milestones.
    Info = 3,
    /// One line per request: op, path, offset, HTTP status, COS code, bytes, time.
    Debug = 4,
}

/// A log callback: `userdata` as given to cosv4_config_set_log, `level` a cosv4_log_level,
/// `message` one line of UTF-8 without a newline, valid only during the call. Never contains
/// the secret key or a signature. It may run on the library's worker threads, but never two
/// calls at once, and never after the API call that caused it returned. Keep it short and do
/// not call into the library from it.
pub type cosv4_log_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, level: u32, message: *const c_char)>;

/// The caller's pointer; the caller promises the callback may use it from any thread (the
/// library never makes two calls at once).
struct UserData(*mut c_void);
unsafe impl Send for UserData {}
unsafe impl Sync for UserData {}

impl UserData {
    /// Through a method, so that closures capture the whole (Send) wrapper, not the field.
    fn get(&self) -> *mut c_void {
        self.0
    }
}

/// Sends log lines up to `level` (a cosv4_log_level: 1 error to 4 debug) to `cb` with
/// `userdata`; `cb` NULL turns logging off (the default). Clients built from this config keep
/// the callback: `userdata` must stay valid until the last such client is freed.
/// COSV4_RESULT_INVALID_ARGUMENT when `level` is not 1 to 4; NULL_ARGUMENT when `cfg` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_config_set_log(
    cfg: *mut cosv4_config,
    cb: cosv4_log_cb,
    userdata: *mut c_void,
    level: u32,
) -> cosv4_result {
    // Recorded like every config setter's outcome, for cosv4_config_last_error.
    let set = || {
        let cfg = unsafe { super::arg_mut(cfg, "cfg") }?;
        let level = Level::from_u32(level).ok_or_else(|| {
            Failure::new(
                cosv4_result::InvalidArgument,
                format!("log level {level} is not 1 (error) to 4 (debug)"),
            )
        })?;
        cfg.cfg.logger = cb.map(|cb| {
            let user = UserData(userdata);
            Logger::new(level, move |lv, msg| {
                let text = CString::new(msg.replace('\0', " ")).unwrap_or_default();
                // SAFETY: the caller gave a callback valid for (userdata, level, message).
                unsafe { cb(user.get(), lv as u32, text.as_ptr()) }
            })
        });
        Ok(())
    };
    unsafe { super::config::record(cfg, set) }
}
