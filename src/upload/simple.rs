//! `op=upload`: the whole file in one request (files up to the simple-upload threshold).

use super::progress::{Phase, Reporter};
use super::source::{MemSource, RangeReader, Source};
use super::{settle, Job, Method, Outcome};
use crate::error::{codes, Result};
use crate::retry::with_retries;
use crate::wire::Form;

pub(crate) fn upload(job: &Job<'_>, reporter: &mut Reporter<'_>) -> Result<Outcome> {
    let size = job.source.len();
    // Only the sha is sent.
    let sha = job.digest(reporter)?.map(|d| d.sha);
    reporter.update(|p| {
        p.phase = Phase::Uploading;
        p.slices_total = 1;
    });
    reporter.emit()?;
    // The bytes hashed ahead when the batch kept them (the file is still checked for changes
    // before and after), else the file.
    let kept = job.content().map(MemSource);
    let body: &dyn Source = kept.as_ref().map_or(job.source, |m| m as &dyn Source);
    let mut bytes_sent = 0;
    let mut lost = false;
    let (answer, retries) = with_retries(job.cfg, &job.stop(), || {
        job.source.check_unchanged()?;
        let mut form = Form::new().text("op", "upload");
        if let Some(sha) = &sha {
            form = form.text("sha", sha);
        }
        let form = form
            .text("biz_attr", &job.opts.biz_attr)
            .text("insertOnly", if job.opts.insert_only { "1" } else { "0" });
        bytes_sent += size;
        let reader = RangeReader::new(body, 0, size, &job.halt);
        let answer = job.post(form.with_content("filecontent", size, reader));
        lost |= answer.as_ref().is_err_and(settle::maybe_processed);
        answer
    });
    // After a lost answer the retry may meet our own stored object ("same file", -4018, or the
    // last attempt's error): success once the service shows it finished with our content.
    let (data, method) = match answer {
        Ok(data) => (data, Method::Simple),
        // Our own request stored it (Simple), or the content was there before (Instant).
        Err(e) if lost || e.cos_code() == Some(codes::SAME_FILE) => {
            let method = if lost {
                Method::Simple
            } else {
                Method::Instant
            };
            (settle::confirm(job, sha.as_deref(), None, e)?, method)
        }
        Err(e) => return Err(e),
    };
    job.source.check_unchanged()?;
    let mut outcome = Outcome::from_answer(&data, method, size);
    outcome.bytes_sent = bytes_sent;
    outcome.slices_total = 1;
    outcome.slices_sent = 1;
    outcome.retries = retries;
    outcome.bytes_resent = u64::from(retries) * size;
    job.finish_stats(&mut outcome);
    reporter.emit_final();
    Ok(outcome)
}
