//! `cosv4_client`: a configured client, shared by any number of threads.

use super::{cosv4_config, cosv4_error, cosv4_result};
use super::{non_null, run_with_error, write_out, ArcHandle, BoxHandle, Failure};
use crate::error::ErrorKind;
use crate::Client;

/// A client: configuration checked once, one connection pool, and the operations. Immutable
/// and thread-safe: any number of threads may use one client at once. Free it with
/// cosv4_client_free once no call using it is running.
pub struct cosv4_client {
    pub(crate) client: Client,
}

impl ArcHandle for cosv4_client {}

/// Checks `cfg` and builds a client from it. `cfg` is consumed on every path, success or
/// failure (also when `out` is NULL): do not use or free it afterwards. On success writes a
/// new client to `*out`. COSV4_RESULT_INVALID_CONFIG when the configuration is incomplete (no
/// endpoint) or inconsistent; `*err_out` (may be NULL) then says why.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_client_new(
    cfg: *mut cosv4_config,
    out: *mut *mut cosv4_client,
    err_out: *mut *mut cosv4_error,
) -> cosv4_result {
    unsafe {
        run_with_error(err_out, || {
            let cfg = cosv4_config::take_raw(cfg, "cfg")?;
            non_null(out, "out")?;
            let client = Client::new(cfg.cfg).map_err(|e| match e.kind() {
                ErrorKind::Usage => Failure::core_as(cosv4_result::InvalidConfig, e),
                _ => Failure::core(e),
            })?;
            // Arc handles are handed out as `*const`; C sees a plain `cosv4_client *`.
            write_out(out, cosv4_client { client }.into_raw().cast_mut());
            Ok(())
        })
    }
}

/// Frees a client. NULL does nothing. Calls (uploads, downloads, ...) running on other threads
/// keep their own reference, but do not free a client while another thread may still start a
/// call with it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_client_free(client: *const cosv4_client) {
    super::guard((), || unsafe { cosv4_client::free_raw(client) })
}
