//! Settling an upload whose completing request has no usable answer: success only when the
//! service shows a **finished** object with this content.
//!
//! Three situations lead here: a request that completes an upload (`upload_slice_finish`,
//! `op=upload`) may have been processed although its answer was lost (a broken connection, a
//! timeout, an answer that could not be read); the service says the session is unknown (-94)
//! because an earlier finish of ours completed it (a rerun after a cancel that landed during
//! finish); or it answers -4018, "the same file is already stored".
//!
//! What counts as finished: `stat` shows the object with its URLs (an upload in progress shows
//! its slice size and no URLs), `filelen == filesize ==` our size, and our SHA-1 (computed now
//! when integrity checks are off — content we cannot compare is never taken for ours); and
//! `upload_slice_list` no longer finds the session we were finishing. Anything else, including a
//! check request that still fails after its retries, leaves the caller's original error
//! standing.

use super::Job;
use crate::error::{codes, Error, ErrorKind, Result};
use crate::wire::envelope::opt_str;
use crate::wire::Form;
use serde_json::{json, Value};

/// True when a failed request may nevertheless have been processed: no answer arrived, or
/// one that could not be understood. An error answer of the service (even a 503) means the
/// request was not carried out.
pub(crate) fn maybe_processed(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::Transport | ErrorKind::Timeout | ErrorKind::Protocol
    )
}

/// Settles `failure` of a completing request: the answer data of a confirmed finished object,
/// or `failure` itself (with the reason in front) when the service does not show one.
/// `session` is the session being finished (None for a simple upload or an init).
pub(crate) fn confirm(
    job: &Job<'_>,
    sha: Option<&str>,
    session: Option<&str>,
    failure: Error,
) -> Result<Value> {
    if matches!(failure.kind(), ErrorKind::Cancelled | ErrorKind::Aborted) {
        return Err(failure);
    }
    match finished_object(job, sha, session) {
        Ok(data) => {
            crate::log::log(job.cfg.logger.as_ref(), crate::log::Level::Info, || {
                format!(
                    "{}: the service shows the finished object with this content after: {failure}",
                    job.cos_path
                )
            });
            Ok(data)
        }
        Err(why) if why.kind() == ErrorKind::Cancelled => Err(why),
        Err(why) => Err(failure.context(format!(
            "the upload of {} is not confirmed ({})",
            job.cos_path,
            why.message()
        ))),
    }
}

/// The answer data (`access_url`, `resource_path`, `source_url`, `url`) of the finished object
/// at the job's path, or why it is not one.
fn finished_object(job: &Job<'_>, sha: Option<&str>, session: Option<&str>) -> Result<Value> {
    let ours = match sha {
        Some(s) => s.to_string(),
        None => job.whole_sha()?,
    };
    let size = job.source.len();
    let st = job.stat()?;
    let not = |why: String| Err(Error::new(ErrorKind::Service, why));
    if st.access_url.is_empty() {
        return not("the service shows an upload in progress, not a finished object".into());
    }
    if st.filesize != size || st.filelen != size {
        return not(format!(
            "the object there has {} of {} bytes, the local file {size}",
            st.filelen, st.filesize
        ));
    }
    let theirs = st.sha.split('_').next().unwrap_or("");
    if !theirs.eq_ignore_ascii_case(&ours) {
        return not(format!(
            "the object there has SHA-1 {:?}, the local file {ours}",
            st.sha
        ));
    }
    if let Some(session) = session {
        // Retried as the stat is: a lost answer here must not turn a confirmed object into a
        // failure.
        let (list, _) = crate::retry::with_retries(job.cfg, &job.stop(), || {
            job.post(Form::new().text("op", "upload_slice_list").finish())
        });
        let open = match list {
            Ok(list) => opt_str(&list, "session").is_some_and(|s| s == session),
            Err(e) if e.cos_code() == Some(codes::NOT_FOUND) => false,
            Err(e) => return Err(e.context("upload_slice_list")),
        };
        if open {
            return not(format!("session {session} is still open"));
        }
    }
    let resource_path = format!(
        "/{}/{}{}",
        job.signer.credentials().appid(),
        job.bucket,
        crate::path::encode(job.cos_path)
    );
    Ok(json!({
        "access_url": st.access_url,
        "resource_path": resource_path,
        "source_url": st.source_url,
        "url": job.url,
    }))
}
