//! Retrying one request of any operation (upload steps, a batch's folders, listings and
//! deletions, downloads, stat and list): exponential backoff with jitter, never on non-retryable errors, at most
//! `retries` times and only within `retry_window` of the first attempt (so an outage that long
//! — refused or reset connections, 5xx, timeouts — is ridden out, and every file of a batch
//! waiting on the same outage rides it out too), and waits that end early when the upload is
//! cancelled or stopped.

use crate::config::Config;
use crate::error::{Error, Result};
use std::time::Duration;

const MAX_DELAY: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(20);

/// Stop conditions a retry loop watches.
pub struct Stop<'a> {
    pub cancel: &'a crate::cancel::CancelToken,
    /// Cancelled when another part of the upload failed or the handler aborted.
    pub halt: &'a crate::cancel::CancelToken,
}

impl Stop<'_> {
    pub fn check(&self) -> Result<()> {
        if self.cancel.is_cancelled() {
            return Err(Error::cancelled());
        }
        if self.halt.is_cancelled() {
            return Err(Error::new(
                crate::ErrorKind::Cancelled,
                "stopped: another part of the upload failed",
            ));
        }
        Ok(())
    }
}

/// [`with_retries`] for an operation stopped by one token (not an upload's cancel and halt
/// pair): a batch's folders, listings and deletions, downloads, the client's reads. `attempt`
/// gets the stop conditions (to wait for a request permit, say).
pub fn retry_until<T>(
    cfg: &Config,
    token: &crate::cancel::CancelToken,
    mut attempt: impl FnMut(&Stop<'_>) -> Result<T>,
) -> Result<T> {
    let stop = Stop {
        cancel: token,
        halt: token,
    };
    with_retries(cfg, &stop, || attempt(&stop)).0
}

/// Runs `attempt` until it succeeds, fails for good, or runs out of retries. Returns the result
/// and the number of retries made.
pub fn with_retries<T>(
    cfg: &Config,
    stop: &Stop<'_>,
    mut attempt: impl FnMut() -> Result<T>,
) -> (Result<T>, u32) {
    let mut retries = 0;
    let first = std::time::Instant::now();
    loop {
        if let Err(e) = stop.check() {
            return (Err(e), retries);
        }
        let delay = backoff(cfg.retry_base_delay, retries);
        match attempt() {
            Ok(v) => return (Ok(v), retries),
            Err(e)
                if !e.is_retryable()
                    || retries >= cfg.retries
                    || first.elapsed() + delay > cfg.retry_window =>
            {
                // A request interrupted by cancel surfaces as a transport error: say cancelled.
                let e = if stop.cancel.is_cancelled() {
                    Error::cancelled()
                } else {
                    e
                };
                return (Err(e), retries);
            }
            Err(e) => {
                crate::log::log(cfg.logger.as_ref(), crate::log::Level::Warn, || {
                    format!(
                        "retry {} of {} in {} ms after: {e}",
                        retries + 1,
                        cfg.retries,
                        delay.as_millis()
                    )
                });
                if let Err(e) = sleep(delay, stop) {
                    return (Err(e), retries);
                }
                retries += 1;
            }
        }
    }
}

/// base × 2^attempt, capped, with ±50 % jitter.
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.min(16)).min(MAX_DELAY);
    let jitter = (crate::sign::random_nonce() % 1000) as f64 / 1000.0; // 0..1
    exp.mul_f64(0.5 + jitter)
}

fn sleep(d: Duration, stop: &Stop<'_>) -> Result<()> {
    let end = std::time::Instant::now() + d;
    loop {
        stop.check()?;
        let now = std::time::Instant::now();
        if now >= end {
            return Ok(());
        }
        std::thread::sleep((end - now).min(POLL));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let b = Duration::from_millis(100);
        for _ in 0..20 {
            let d0 = backoff(b, 0);
            assert!(d0 >= Duration::from_millis(50) && d0 <= Duration::from_millis(150));
            assert!(backoff(b, 10) <= MAX_DELAY.mul_f64(1.5));
        }
    }

    #[test]
    fn stops_on_permanent_errors_and_counts_retries() {
        let mut cfg = Config::new(crate::Credentials::new(1, "a", "b").unwrap());
        cfg.retry_base_delay = Duration::from_millis(1);
        cfg.retries = 3;
        let cancel = crate::cancel::CancelToken::new();
        let halt = crate::cancel::CancelToken::new();
        let stop = Stop {
            cancel: &cancel,
            halt: &halt,
        };
        let mut n = 0;
        let (r, retries) = with_retries(&cfg, &stop, || {
            n += 1;
            Err::<(), _>(Error::new(crate::ErrorKind::Transport, "reset"))
        });
        assert!(r.is_err());
        assert_eq!((n, retries), (4, 3));
        let mut n = 0;
        let (r, retries) = with_retries(&cfg, &stop, || {
            n += 1;
            Err::<(), _>(Error::usage("bad"))
        });
        assert!(r.is_err());
        assert_eq!((n, retries), (1, 0));
    }

    #[test]
    fn the_window_ends_the_retries_before_the_count_does() {
        let mut cfg = Config::new(crate::Credentials::new(1, "a", "b").unwrap());
        cfg.retry_base_delay = Duration::from_millis(10);
        cfg.retries = 100;
        cfg.retry_window = Duration::from_millis(300);
        let token = crate::cancel::CancelToken::new();
        let stop = Stop {
            cancel: &token,
            halt: &token,
        };
        let started = std::time::Instant::now();
        let (r, retries) = with_retries(&cfg, &stop, || {
            Err::<(), _>(Error::new(crate::ErrorKind::Transport, "refused"))
        });
        assert!(r.is_err());
        assert!((2..100).contains(&retries), "{retries}");
        // No retry starts after the window: the last wait ended inside it.
        assert!(started.elapsed() < Duration::from_millis(300) + Duration::from_secs(2));
        // An outage shorter than the window is ridden out.
        let mut n = 0;
        let (r, _) = with_retries(&cfg, &stop, || {
            n += 1;
            if n < 4 {
                Err(Error::new(crate::ErrorKind::Transport, "refused"))
            } else {
                Ok(n)
            }
        });
        assert_eq!(r.unwrap(), 4);
    }
}
