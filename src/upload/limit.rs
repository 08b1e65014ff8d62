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
    free: Mutex<usize>,
    freed: Condvar,
}

/// One request's permit; returned when dropped.
pub(crate) struct Permit<'a>(&'a RequestLimit);

impl RequestLimit {
    /// `max` is at least 1.
    pub fn new(max: usize) -> RequestLimit {
        RequestLimit {
            free: Mutex::new(max.max(1)),
            freed: Condvar::new(),
        }
    }

    /// Waits for a permit; fails when `stop` trips meanwhile.
    pub fn acquire(&self, stop: &Stop<'_>) -> Result<Permit<'_>> {
        let mut free = self.lock();
        loop {
            stop.check()?;
            if *free > 0 {
                *free -= 1;
                return Ok(Permit(self));
            }
            free = self
                .freed
                .wait_timeout(free, POLL)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    fn lock(&self) -> MutexGuard<'_, usize> {
        self.free.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.0.lock() += 1;
        self.0.freed.notify_one();
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
