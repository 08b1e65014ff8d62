//! `op=upload`: the whole file in one request (files up to the simple-upload threshold).

use super::progress::{Phase, Reporter};
use super::retry::with_retries;
use super::source::RangeReader;
use super::{Job, Method, Outcome};
use crate::error::Result;
use crate::wire::Form;

pub(crate) fn upload(job: &Job<'_>, reporter: &mut Reporter<'_>) -> Result<Outcome> {
    let size = job.source.len();
    // One slice spanning the file: DigestBuilder then yields just the sha.
    let sha = if job.cfg.integrity {
        Some(job.hash(crate::config::MIB, reporter)?.sha)
    } else {
        None
    };
    reporter.update(|p| {
        p.phase = Phase::Uploading;
        p.slices_total = 1;
    });
    reporter.emit()?;
    let mut bytes_sent = 0;
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
        let reader = RangeReader::new(job.source, 0, size, &job.halt);
        job.post(form.with_content("filecontent", size, reader))
    });
    let data = answer?;
    job.source.check_unchanged()?;
    let mut outcome = Outcome::from_answer(&data, Method::Simple, size);
    outcome.bytes_sent = bytes_sent;
    outcome.slices_total = 1;
    outcome.slices_sent = 1;
    outcome.retries = retries;
    outcome.bytes_resent = u64::from(retries) * size;
    job.finish_stats(&mut outcome);
    reporter.emit_final();
    Ok(outcome)
}
