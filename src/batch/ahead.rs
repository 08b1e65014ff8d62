//! A sync's folder listings fetched ahead of the walk, a few at once: when the walk enters a
//! directory and its remote folder's listing is open, the sub-directories the walk will enter
//! next that exist remotely are planned, and up to [`LISTINGS_AHEAD`] of the planned
//! listings are requested from as many fetcher threads, in walk order. The walk then finds
//! each listing ready, or waits for that one only; a folder it enters without a request (the
//! bound was reached, or the walk did not expect it) is listed on the walk's thread, as
//! before.
//!
//! The bound starts at one and grows by one with each listing the walk takes (a slow start):
//! the first listing the walk waits for does not share the server, nor the client's cores,
//! with listings it will only need later.
//!
//! Memory stays bounded: at most [`LISTINGS_AHEAD`] listings are requested and not taken, on
//! top of those of the folders on the walk's path. A listing requested for a folder the walk
//! then does not enter (it could not be read) is dropped when the walk leaves the parent.
//! The fetchers share the batch's request bound and stop on its cancel token; they start with
//! the first request and are all joined before the walk's stage returns.

use super::remote::{self, RemoteFolder};
use crate::cancel::{CancelToken, HookGuard};
use crate::error::{Error, ErrorKind, Result};
use crate::thread;
use crate::transport::Api;
use crate::upload::RequestLimit;
use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::Scope;

/// Listings requested ahead of the walk and not taken yet (in flight or held), at most; as
/// many fetcher threads.
pub(super) const LISTINGS_AHEAD: usize = 3;

type Answer = Result<RemoteFolder>;

/// One listing for a fetcher: the folder, and where its answer goes.
struct Job {
    folder: String,
    reply: SyncSender<Answer>,
}

/// What the fetchers need.
#[derive(Clone, Copy)]
pub(super) struct Lister<'env> {
    pub api: Api<'env>,
    pub bucket: &'env str,
    pub limit: &'env RequestLimit,
}

/// The listings planned and requested ahead of the walk.
pub(super) struct Ahead<'scope, 'env> {
    scope: &'scope Scope<'scope, 'env>,
    lister: Lister<'env>,
    /// What the fetchers list with: cancelled with the batch, and when the walk is over (a
    /// listing nobody will take is not waited for).
    stop: CancelToken,
    _link: HookGuard,
    /// Per folder on the walk's path whose listing is open (outermost first): its
    /// sub-folders the walk will enter that exist remotely, in walk order, not requested yet.
    plan: Vec<VecDeque<String>>,
    /// Listings requested and not taken, in the order requested.
    requested: VecDeque<(String, Receiver<Answer>)>,
    /// To the fetchers; `None` until the first request starts them.
    jobs: Option<Sender<Job>>,
    /// Listings requested and not taken, at most: 1, then one more with each listing taken,
    /// up to [`LISTINGS_AHEAD`].
    bound: usize,
}

impl<'scope, 'env> Ahead<'scope, 'env> {
    /// Nothing is requested yet, and no thread started; `halt` stops the fetchers.
    pub fn new(
        scope: &'scope Scope<'scope, 'env>,
        lister: Lister<'env>,
        halt: &CancelToken,
    ) -> Self {
        let stop = CancelToken::new();
        let link = {
            let stop = stop.clone();
            halt.on_cancel(move || stop.cancel())
        };
        Ahead {
            scope,
            lister,
            stop,
            _link: link,
            plan: Vec::new(),
            requested: VecDeque::new(),
            jobs: None,
            bound: 1,
        }
    }

    /// The walk enters `folder` (ends in `/`) under the innermost open one: its listing when
    /// it was requested (waited for), else `None` (the caller lists it). It is no longer
    /// planned, nor are the folders planned before it (the walk did not enter them).
    pub fn take(&mut self, folder: &str) -> Option<Answer> {
        if let Some(level) = self.plan.last_mut() {
            if let Some(at) = level.iter().position(|f| f == folder) {
                level.drain(..=at);
            }
        }
        let at = self.requested.iter().position(|(f, _)| f == folder)?;
        let (_, answer) = self.requested.remove(at)?;
        self.bound = (self.bound + 1).min(LISTINGS_AHEAD);
        Some(answer.recv().unwrap_or_else(|_| {
            Err(Error::new(
                ErrorKind::Internal,
                format!("listing the folder {folder}: the fetching thread ended without an answer"),
            ))
        }))
    }

    /// The walk entered a folder and holds its listing: `subfolders` (cos folders) are those
    /// it will enter next that exist remotely, in walk order. Requests as many as the bound
    /// allows.
    pub fn entered(&mut self, subfolders: impl Iterator<Item = String>) {
        self.plan.push(subfolders.collect());
        self.fill();
    }

    /// The walk left `folder`, the innermost open one: what was planned or requested under it
    /// and not taken is dropped.
    pub fn left(&mut self, folder: &str) {
        self.plan.pop();
        self.requested.retain(|(f, _)| !f.starts_with(folder));
        self.fill();
    }

    /// Requests the next planned listings (the innermost folder's first: the walk enters
    /// them before its outer folders' next ones) until the bound is reached.
    fn fill(&mut self) {
        while self.requested.len() < self.bound && !self.stop.is_cancelled() {
            let Some(folder) = self.plan.iter_mut().rev().find_map(VecDeque::pop_front) else {
                return;
            };
            let (reply, answer) = mpsc::sync_channel(1);
            let job = Job {
                folder: folder.clone(),
                reply,
            };
            if self.jobs().send(job).is_err() {
                return; // no fetcher left (they only end with the channel): list on the walk
            }
            self.requested.push_back((folder, answer));
        }
    }

    /// The fetchers' channel, starting them on first use.
    fn jobs(&mut self) -> &Sender<Job> {
        let (scope, lister, stop) = (self.scope, self.lister, &self.stop);
        self.jobs.get_or_insert_with(|| {
            let (tx, rx) = mpsc::channel::<Job>();
            let rx = Arc::new(Mutex::new(rx));
            for _ in 0..LISTINGS_AHEAD {
                let (rx, stop) = (rx.clone(), stop.clone());
                thread::spawn(scope, "cosv4-list", move || fetch_all(lister, &stop, &rx));
            }
            tx
        })
    }
}

impl Drop for Ahead<'_, '_> {
    /// The walk is over: listings in flight are stopped; the fetchers end with the channel.
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// A fetcher: lists the folders it takes until the channel closes. A listing stopped by
/// `stop` ends at once with the cancel error (the walk is stopping, or gone).
fn fetch_all(lister: Lister<'_>, stop: &CancelToken, jobs: &Mutex<Receiver<Job>>) {
    loop {
        let next = jobs.lock().unwrap_or_else(|p| p.into_inner()).recv();
        let Ok(Job { folder, reply }) = next else {
            return;
        };
        let Lister { api, bucket, limit } = lister;
        let listing = remote::list_folder(api, bucket, &folder, stop, limit);
        let _ = reply.send(listing); // a listing nobody takes any more is dropped
    }
}
