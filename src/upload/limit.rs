//! A bound on requests in flight shared by several uploads (a batch): a counting semaphore
//! whose wait ends early when the upload is stopped.

use crate::error::Result;
use crate::retry::Stop;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// How often a waiting request checks its stop tokens.
const POLL: Duration = Duration::from_millis(20);

/// At most `max` permits out at once.
pub(crate) struct RequestLimit {
    state: Mutex<State>,
    freed: Condvar,
}

struct State {
    free: usize,
    /// Requests waiting for a permit: a permit returned wakes one only when there are some
    /// (a notify is a system call even when nobody waits, one per request of a batch).
    waiting: usize,
}

/// One request's permit; returned when dropped.
pub(crate) struct Permit<'a>(&'a RequestLimit);

impl RequestLimit {
    /// `max` is at least 1.
    pub fn new(max: usize) -> RequestLimit {
        RequestLimit {
            state: Mutex::new(State {
                free: max.max(1),
                waiting: 0,
            }),
            freed: Condvar::new(),
        }
    }

    /// Waits for a permit; fails when `stop` trips meanwhile.
    pub fn acquire(&self, stop: &Stop<'_>) -> Result<Permit<'_>> {
        let mut state = self.lock();
        loop {
            stop.check()?;
            if state.free > 0 {
                state.free -= 1;
                return Ok(Permit(self));
            }
            state.waiting += 1;
            state = self
                .freed
                .wait_timeout(state, POLL)
                .unwrap_or_else(|p| p.into_inner())
                .0;
            state.waiting -= 1;
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.free += 1;
        let wake = state.waiting > 0;
        drop(state);
        if wake {
            self.0.freed.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cancel::CancelToken;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn never_more_than_max_and_a_stop_ends_the_wait() {
        let limit = RequestLimit::new(2);
        let (cancel, halt) = (CancelToken::new(), CancelToken::new());
        let stop = Stop {
            cancel: &cancel,
            halt: &halt,
        };
        let (now, peak) = (AtomicUsize::new(0), AtomicUsize::new(0));
        std::thread::scope(|s| {
            for _ in 0..6 {
                s.spawn(|| {
                    for _ in 0..20 {
                        let _p = limit.acquire(&stop).unwrap();
                        let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(n, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_micros(200));
                        now.fetch_sub(1, Ordering::SeqCst);
                    }
                });
            }
        });
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        let (_a, _b) = (limit.acquire(&stop).unwrap(), limit.acquire(&stop).unwrap());
        halt.cancel();
        assert!(limit.acquire(&stop).is_err());
    }
}
