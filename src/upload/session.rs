//! Slice upload, the protocol steps: `upload_slice_init` (with instant upload and -4019 resume
//! through `upload_slice_list`), the data phase ([`super::window`]), `upload_slice_finish`.

use super::plan::Plan;
use super::progress::{Phase, Reporter};
use super::retry::with_retries;
use super::{window, Job, Method, Outcome};
use crate::config::SLICE_SIZES;
use crate::error::{codes, Error, ErrorKind, Result};
use crate::hash::FileDigest;
use crate::wire::envelope::{int_field, opt_str, required_str};
use crate::wire::Form;
use serde_json::Value;

/// How the data phase starts.
enum Start {
    /// The server already has the content.
    Instant(Value),
    /// A session to send slices to; `done` = offsets the server already has.
    Session {
        session: String,
        slice_size: u64,
        serial: bool,
        done: Vec<u64>,
        resumed: bool,
    },
}

pub(crate) fn upload(job: &Job<'_>, reporter: &mut Reporter<'_>) -> Result<Outcome> {
    let size = job.source.len();
    let digest = if job.cfg.integrity {
        Some(job.hash(job.cfg.slice_size, reporter)?)
    } else {
        None
    };
    let mut retries = 0;

    let start = start(job, digest.as_ref(), &mut retries)?;
    let (session, slice_size, serial, done, resumed) = match start {
        Start::Instant(data) => {
            reporter.emit_final();
            let mut outcome = Outcome::from_answer(&data, Method::Instant, size);
            outcome.retries = retries;
            job.finish_stats(&mut outcome);
            return Ok(outcome);
        }
        Start::Session {
            session,
            slice_size,
            serial,
            done,
            resumed,
        } => (session, slice_size, serial, done, resumed),
    };
    let plan = Plan::new(size, slice_size);
    let pending = plan.pending(&done);
    let skipped = plan.count() - pending.len() as u64;
    let already: u64 = (0..plan.count())
        .map(|i| i * slice_size)
        .filter(|o| !pending.contains(o))
        .map(|o| plan.len_at(o))
        .sum();
    reporter.update(|p| {
        p.phase = Phase::Uploading;
        p.slices_total = plan.count();
        p.slices_done = skipped;
        p.bytes_done = already;
    });
    reporter.emit()?;

    let workers = if serial { 1 } else { job.cfg.workers };
    let sent = window::send(job, &session, plan, &pending, workers, reporter)?;
    retries += sent.retries;

    job.source.check_unchanged()?;
    let data = finish(job, &session, digest.as_ref(), &mut retries)?;
    let mut outcome = Outcome::from_answer(&data, Method::Slices, size);
    outcome.resumed = resumed;
    outcome.bytes_sent = sent.bytes;
    outcome.slices_total = plan.count();
    outcome.slices_sent = sent.slices;
    outcome.slices_skipped = skipped;
    outcome.retries = retries;
    outcome.slice_size = slice_size;
    outcome.bytes_resent = sent.resent;
    job.finish_stats(&mut outcome);
    reporter.emit_final();
    Ok(outcome)
}

/// init, and on -4019 the list that resumes; -4020 or a mismatch may replace the stale upload.
fn start(job: &Job<'_>, digest: Option<&FileDigest>, retries: &mut u32) -> Result<Start> {
    let mut replaced = false;
    // Bounded: each turn either returns, or replaces the stale upload (once), or finds the
    // unfinished upload gone between init and list (rare; three turns at most).
    for _ in 0..3 {
        let stale = match call(job, retries, || init(job, digest)) {
            Ok(data) => return started(&data, job.cfg.slice_size),
            Err(e) if e.cos_code() == Some(codes::UNFINISHED_SAME) => {
                match call(job, retries, || list(job)) {
                    Ok(data) => match resume(job, &data, digest) {
                        Ok(start) => return Ok(start),
                        // Keep the service's -4019 (and its status) on the mismatch.
                        Err(m) if m.kind() == ErrorKind::Integrity => e.context(m.message()),
                        Err(other) => return Err(other),
                    },
                    Err(e) if e.cos_code() == Some(codes::NOT_FOUND) => continue,
                    Err(e) => return Err(e),
                }
            }
            Err(e) if e.cos_code() == Some(codes::UNFINISHED_OTHER) => e.context(format!(
                "an unfinished upload of other content exists at {}",
                job.cos_path
            )),
            Err(e) => return Err(e),
        };
        if !job.opts.replace_stale || replaced {
            return Err(stale.context("set replace_stale to delete it and start over"));
        }
        replaced = true;
        call(job, retries, || delete(job))?;
    }
    Err(Error::new(
        ErrorKind::Service,
        format!(
            "the unfinished upload at {} kept changing while it was being resumed",
            job.cos_path
        ),
    ))
}

/// Runs one protocol request with retries, adding them to the count.
fn call<T>(job: &Job<'_>, retries: &mut u32, f: impl FnMut() -> Result<T>) -> Result<T> {
    let (r, n) = with_retries(job.cfg, &job.stop(), f);
    *retries += n;
    r
}

fn init(job: &Job<'_>, digest: Option<&FileDigest>) -> Result<Value> {
    let mut form = Form::new()
        .text("op", "upload_slice_init")
        .text("filesize", &job.source.len().to_string())
        .text("slice_size", &job.cfg.slice_size.to_string());
    if let Some(d) = digest {
        form = form
            .text("sha", &d.sha)
            .text("uploadparts", &d.uploadparts_json());
    }
    let form = form
        .text("biz_attr", &job.opts.biz_attr)
        .text("insertOnly", if job.opts.insert_only { "1" } else { "0" });
    job.post(form.finish())
}

fn list(job: &Job<'_>) -> Result<Value> {
    job.post(Form::new().text("op", "upload_slice_list").finish())
}

fn delete(job: &Job<'_>) -> Result<Value> {
    let fileid = crate::path::fileid(job.signer.credentials().appid(), job.bucket, job.cos_path);
    let auth = job.signer.once(job.bucket, &fileid);
    job.post_signed(&auth, Form::new().text("op", "delete").finish())
}

/// The answer of a successful init: instant upload, or a new session.
fn started(data: &Value, asked_slice: u64) -> Result<Start> {
    if opt_str(data, "access_url").is_some() {
        return Ok(Start::Instant(data.clone()));
    }
    let session = required_str(data, "session", "upload_slice_init")?.to_string();
    let slice_size = match int_field(data, "slice_size") {
        Some(n) => checked_slice_size(n, "upload_slice_init")?,
        None => asked_slice,
    };
    Ok(Start::Session {
        session,
        slice_size,
        serial: int_field(data, "serial_upload") == Some(1),
        done: Vec::new(),
        resumed: false,
    })
}

/// The list answer of an unfinished upload, checked against the local file.
fn resume(job: &Job<'_>, data: &Value, digest: Option<&FileDigest>) -> Result<Start> {
    if opt_str(data, "access_url").is_some() && opt_str(data, "session").is_none() {
        return Ok(Start::Instant(data.clone()));
    }
    let session = required_str(data, "session", "upload_slice_list")?.to_string();
    let size = job.source.len();
    let mismatch = |what: String| {
        Err(Error::new(
            ErrorKind::Integrity,
            format!(
                "the unfinished upload at {} does not match the local file: {what}",
                job.cos_path
            ),
        ))
    };
    match int_field(data, "filesize") {
        Some(n) if n as u64 == size => {}
        Some(n) => return mismatch(format!("its size is {n}, the local file's {size}")),
        None => {
            return Err(Error::protocol(
                "the upload_slice_list answer has no filesize",
            ))
        }
    }
    if let (Some(theirs), Some(d)) = (opt_str(data, "sha"), digest) {
        // The JS SDK notes the service may append "_<suffix>" to the sha.
        let theirs = theirs.split('_').next().unwrap_or("");
        if !theirs.eq_ignore_ascii_case(&d.sha) {
            return mismatch(format!("its sha is {theirs}, the local file's {}", d.sha));
        }
    }
    let slice_size = match int_field(data, "slice_size") {
        Some(n) => checked_slice_size(n, "upload_slice_list")?,
        None => job.cfg.slice_size,
    };
    let plan = Plan::new(size, slice_size);
    let mut done = Vec::new();
    for part in listparts(data)? {
        let offset = int_field(&part, "offset").unwrap_or(-1);
        let valid = offset >= 0 && plan.is_slice_start(offset as u64);
        let len_ok = int_field(&part, "datalen")
            .is_none_or(|l| l as u64 == plan.len_at(offset.max(0) as u64));
        if !valid || !len_ok {
            return mismatch(format!(
                "it lists a slice {part} that does not fit {size} bytes in slices of {slice_size}"
            ));
        }
        done.push(offset as u64);
    }
    Ok(Start::Session {
        session,
        slice_size,
        serial: int_field(data, "serial_upload") == Some(1),
        done,
        resumed: true,
    })
}

/// `listparts` as an array (the doc types it as a string holding JSON; SDKs parse an array).
fn listparts(data: &Value) -> Result<Vec<Value>> {
    match data.get("listparts") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => Ok(a.clone()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(Vec::new()),
        Some(Value::String(s)) => match serde_json::from_str(s) {
            Ok(Value::Array(a)) => Ok(a),
            _ => Err(Error::protocol(format!(
                "listparts is not a JSON array: {s:.200}"
            ))),
        },
        Some(other) => Err(Error::protocol(format!(
            "listparts is not an array: {other:.200}"
        ))),
    }
}

fn checked_slice_size(n: i64, op: &str) -> Result<u64> {
    let ok =
        n > 0 && (n as u64).is_multiple_of(64) && n as u64 <= *SLICE_SIZES.last().unwrap_or(&0) * 4;
    if !ok {
        return Err(Error::protocol(format!(
            "the {op} answer has slice_size {n}, which is not a positive multiple of 64 up to 12 MiB"
        )));
    }
    Ok(n as u64)
}

fn finish(
    job: &Job<'_>,
    session: &str,
    digest: Option<&FileDigest>,
    retries: &mut u32,
) -> Result<Value> {
    let mut attempts = 0;
    let result = call(job, retries, || {
        attempts += 1;
        let mut form = Form::new()
            .text("op", "upload_slice_finish")
            .text("session", session)
            .text("filesize", &job.source.len().to_string());
        if let Some(d) = digest {
            form = form.text("sha", &d.sha);
        }
        job.post(form.finish())
    });
    match result {
        // A finish whose answer was lost completed the object; the retry then finds no session.
        // Believe the object only if it is there with our size (and sha, when we have one).
        Err(e) if attempts > 1 && e.kind() == ErrorKind::Service => {
            let parts = (job.cfg, job.signer, job.agent);
            match crate::objects::stat_at(parts, job.bucket, &job.url, false) {
                Ok(st)
                    if st.filesize == job.source.len()
                        && st.filelen == st.filesize
                        && digest.is_none_or(|d| st.sha.eq_ignore_ascii_case(&d.sha)) =>
                {
                    Ok(st.raw)
                }
                _ => Err(e),
            }
        }
        other => other,
    }
}
