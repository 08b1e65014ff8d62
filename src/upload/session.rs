//! Slice upload, the protocol steps: `upload_slice_init` (with instant upload and -4019 resume
//! through `upload_slice_list`), the data phase ([`super::window`]), `upload_slice_finish`.

use super::plan::Plan;
use super::progress::{Phase, Reporter};
use super::{settle, window, Job, Method, Outcome};
use crate::config::{KIB, MIB};
use crate::error::{codes, Error, ErrorKind, Result};
use crate::hash::FileDigest;
use crate::retry::with_retries;
use crate::transport::Sign;
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

/// How far an attempt got, for the recoveries of [`upload`].
#[derive(Default)]
struct Reached {
    /// Slices are going out.
    sending: bool,
    /// The finish of a session that was resumed, not opened by this attempt, is under way.
    finishing_resumed: bool,
}

pub(crate) fn upload(job: &Job<'_>, reporter: &mut Reporter<'_>) -> Result<Outcome> {
    let digest = job.digest(reporter)?;
    let mut reached = Reached::default();
    match upload_with(job, digest.as_ref(), reporter, &mut reached) {
        // The service no longer knows the session while slices go out (-94: it restarted, or
        // expired the session): start again from init, once, as a fresh job (the first one's
        // stop is set); init then resumes what the service kept (-4019).
        Err(e) if reached.sending && e.cos_code() == Some(codes::WRONG_SESSION) => {
            crate::log::log(job.cfg.logger.as_ref(), crate::log::Level::Warn, || {
                format!("the service no longer knows the upload's session ({e}); starting again")
            });
            let again = job.again();
            let mut outcome = upload_with(&again, digest.as_ref(), reporter, &mut reached)?;
            outcome.retries += 1;
            outcome.resumed = true;
            Ok(outcome)
        }
        // A resumed session whose stored slices fail the content check at finish: slices
        // sent by an earlier attempt while the file was being changed (that attempt failed,
        // the file is back to the content its session declares). Resuming it again can only
        // fail again; with replace_stale it is deleted and the upload starts over, once.
        Err(e) if reached.finishing_resumed && is_sha_mismatch(&e) => {
            if !job.opts.replace_stale {
                return Err(e.context(format!(
                    "the unfinished upload at {} was resumed, but slices it holds are not this \
                     file's (sent while the file was being changed?); {REPLACE_HINT}",
                    job.cos_path
                )));
            }
            crate::log::log(job.cfg.logger.as_ref(), crate::log::Level::Warn, || {
                format!("the resumed upload's slices fail the content check ({e}); replacing it")
            });
            let again = job.again();
            // Another client may have finished the path meanwhile (insert-only off, or the
            // same content): an object with our size and SHA-1 there is this upload done, and
            // must not be deleted.
            let sha = digest.as_ref().map(|d| d.sha.as_str());
            let e = match settle::confirm(&again, sha, None, e) {
                Ok(data) => return Ok(instant(&again, &data, 1, reporter)),
                Err(e) => e,
            };
            if e.kind() == ErrorKind::Cancelled {
                return Err(e);
            }
            let mut retries = 1;
            replace(&again, &mut retries)?;
            let mut outcome =
                upload_with(&again, digest.as_ref(), reporter, &mut Reached::default())?;
            outcome.retries += retries;
            Ok(outcome)
        }
        other => other,
    }
}

/// The outcome of an upload the service already had (instant upload, or confirmed by a stat).
fn instant(job: &Job<'_>, data: &Value, retries: u32, reporter: &mut Reporter<'_>) -> Outcome {
    reporter.emit_final();
    let mut outcome = Outcome::from_answer(data, Method::Instant, job.source.len());
    outcome.retries = retries;
    job.finish_stats(&mut outcome);
    outcome
}

/// The advice on an unfinished upload that cannot be resumed.
const REPLACE_HINT: &str = "set replace_stale to delete it and start over (C: \
                            cosv4_upload_options_set_replace_stale; CLI: --replace-stale)";

fn is_sha_mismatch(e: &Error) -> bool {
    e.cos_code()
        .is_some_and(|c| codes::SHA_MISMATCH.contains(&c))
}

/// One slice upload from init to finish; `reached` says how far it got.
fn upload_with(
    job: &Job<'_>,
    digest: Option<&FileDigest>,
    reporter: &mut Reporter<'_>,
    reached: &mut Reached,
) -> Result<Outcome> {
    let size = job.source.len();
    let mut retries = 0;

    let start = start(job, digest, &mut retries)?;
    let (session, slice_size, serial, done, resumed) = match start {
        Start::Instant(data) => return Ok(instant(job, &data, retries, reporter)),
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
    let already = plan.bytes_outside(&pending);
    job.stop().check()?;
    reporter.update(|p| {
        p.phase = Phase::Uploading;
        p.slices_total = plan.count();
        p.slices_done = skipped;
        p.bytes_done = already;
    });
    reporter.emit()?;

    let workers = if serial { 1 } else { job.cfg.workers };
    reached.sending = true;
    let sent = window::send(job, &session, plan, &pending, workers, reporter)?;
    reached.sending = false;
    // Every slice is confirmed: say so before the finish, which may take a while.
    reporter.flush()?;
    retries += sent.retries;

    job.source.check_unchanged()?;
    reached.finishing_resumed = resumed;
    let data = finish(job, &session, digest, &mut retries)?;
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
            // An instant upload answered to an init without sha (integrity off): the service
            // cannot have matched content it was never told, so the object there is ours only
            // if a stat shows our size and SHA-1 (computed now).
            Ok(data) if digest.is_none() && opt_str(&data, "access_url").is_some() => {
                let odd = Error::protocol(
                    "upload_slice_init answered a finished object to an init without sha",
                );
                return settle::confirm(job, None, None, odd).map(Start::Instant);
            }
            Ok(data) => return started(&data, job.cfg.slice_size),
            // "Same file already uploaded": success once the service shows it finished.
            Err(e) if e.cos_code() == Some(codes::SAME_FILE) => {
                let sha = digest.map(|d| d.sha.as_str());
                return settle::confirm(job, sha, None, e).map(Start::Instant);
            }
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
            return Err(stale.context(REPLACE_HINT));
        }
        replaced = true;
        replace(job, retries)?;
    }
    Err(Error::new(
        ErrorKind::Service,
        format!(
            "the unfinished upload at {} kept changing while it was being resumed",
            job.cos_path
        ),
    ))
}

/// Deletes the unfinished upload at the path (replace_stale), unless a finished object there
/// is protected by insert-only.
fn replace(job: &Job<'_>, retries: &mut u32) -> Result<()> {
    protect_finished(job)?;
    match call(job, retries, || delete(job)) {
        // Gone already: an earlier attempt's answer was lost, or someone else deleted it.
        Err(e) if e.cos_code() == Some(codes::NOT_FOUND) => Ok(()),
        other => other.map(drop),
    }
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

/// `replace_stale` deletes the path, which would also delete a finished object there: with
/// insert-only that object is protected, and the answer is "file exists" (-177).
fn protect_finished(job: &Job<'_>) -> Result<()> {
    if !job.opts.insert_only {
        return Ok(());
    }
    match job.stat() {
        Ok(st) if !st.access_url.is_empty() => Err(Error::file_exists(format!(
            "{} holds a finished object, which insert-only protects: replace_stale deletes only \
             an unfinished upload, and deleting this one would delete the object too (upload \
             with overwrite to replace it)",
            job.cos_path
        ))),
        Ok(_) => Ok(()),
        Err(e) if e.cos_code() == Some(codes::NOT_FOUND) => Ok(()),
        Err(e) => Err(e.context("checking for a finished object before replace_stale")),
    }
}

fn delete(job: &Job<'_>) -> Result<Value> {
    job.send(Sign::Once, Form::new().text("op", "delete").finish())
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
        // The file at the path is complete: ours only if a stat shows our content there.
        let done = Error::protocol("upload_slice_list answered a complete file, not a session");
        let sha = digest.map(|d| d.sha.as_str());
        return settle::confirm(job, sha, None, done).map(Start::Instant);
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
    // Only content proven to be ours is resumed: both SHA-1s known and equal. Without them
    // another file's slices of the same size would be kept (the JS SDK notes the service may
    // append "_<suffix>" to the sha).
    let theirs = opt_str(data, "sha");
    let theirs = theirs.as_deref().and_then(|s| s.split('_').next());
    match (theirs.filter(|s| !s.is_empty()), digest) {
        (Some(t), Some(d)) if t.eq_ignore_ascii_case(&d.sha) => {}
        (Some(t), Some(d)) => {
            return mismatch(format!("its sha is {t}, the local file's {}", d.sha))
        }
        (None, _) => {
            return mismatch(
                "it declares no sha, so its slices cannot be proven to be this file's".into(),
            )
        }
        (Some(_), None) => {
            return mismatch(
                "integrity checks are off, so its slices cannot be proven to be this file's".into(),
            )
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

/// The sizes a server may answer: outside them a file means absurdly many (or huge) slices.
const SANE_SLICE_SIZES: std::ops::RangeInclusive<u64> = 64 * KIB..=64 * MIB;

fn checked_slice_size(n: i64, op: &str) -> Result<u64> {
    let n = u64::try_from(n).unwrap_or(0);
    if !SANE_SLICE_SIZES.contains(&n) || !n.is_multiple_of(64) {
        return Err(Error::protocol(format!(
            "the {op} answer has slice_size {n}, which is not a multiple of 64 from 64 KiB to \
             64 MiB"
        )));
    }
    Ok(n)
}

/// `upload_slice_finish`, retried. Success only when the service confirms the finish, or —
/// when an attempt may have been processed without its answer reaching us, or the session is
/// unknown (an earlier finish of ours completed it) — when it shows the finished object with
/// our content ([`settle`]). Otherwise the finish's error.
fn finish(
    job: &Job<'_>,
    session: &str,
    digest: Option<&FileDigest>,
    retries: &mut u32,
) -> Result<Value> {
    let mut lost = false;
    let result = call(job, retries, || {
        let mut form = Form::new()
            .text("op", "upload_slice_finish")
            .text("session", session)
            .text("filesize", &job.source.len().to_string());
        if let Some(d) = digest {
            form = form.text("sha", &d.sha);
        }
        let answer = job.post(form.finish());
        lost |= answer.as_ref().is_err_and(settle::maybe_processed);
        answer
    });
    match result {
        Err(e) if lost || e.cos_code() == Some(codes::WRONG_SESSION) => {
            settle::confirm(job, digest.map(|d| d.sha.as_str()), Some(session), e)
        }
        other => other,
    }
}
