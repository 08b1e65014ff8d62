//! The client-wide bandwidth limit: one token bucket shared by every connection of a client's
//! agent, so the limit holds for the sum of all workers of all uploads and downloads, not per
//! request. The transport ([`super::interrupt`]) takes tokens for the bytes it writes to and
//! reads from every socket.
//!
//! Reservations: a caller takes its bytes at once (the balance may go negative) and sleeps
//! until the balance it left would have refilled; later callers queue behind that debt. So the
//! long-run rate is exact whatever the chunk sizes, and the burst allowance is small (50 ms of
//! the rate, at least 16 KiB).

use crate::cancel::CancelToken;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Longest single sleep: a cancel is noticed within this.
const STEP: Duration = Duration::from_millis(20);

#[derive(Debug)]
pub(crate) struct Throttle {
    /// Bytes per second.
    rate: f64,
    /// Most tokens saved up while idle.
    burst: f64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    tokens: f64,
    at: Instant,
}

impl Throttle {
    pub fn new(bytes_per_second: u64) -> Throttle {
        let rate = bytes_per_second.max(1) as f64;
        let burst = (rate / 20.0).max(16.0 * 1024.0);
        Throttle {
            rate,
            burst,
            state: Mutex::new(State {
                tokens: burst,
                at: Instant::now(),
            }),
        }
    }

    /// Takes `n` bytes' worth, sleeping as long as the bucket asks; returns early when
    /// `cancel` fires (the request is being torn down anyway).
    pub fn take(&self, n: usize, cancel: Option<&CancelToken>) {
        if n == 0 {
            return;
        }
        let wait = {
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let refill = now.saturating_duration_since(s.at).as_secs_f64() * self.rate;
            s.tokens = (s.tokens + refill).min(self.burst) - n as f64;
            s.at = now;
            if s.tokens >= 0.0 {
                return;
            }
            Duration::from_secs_f64(-s.tokens / self.rate)
        };
        let until = Instant::now() + wait;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() || cancel.is_some_and(|c| c.is_cancelled()) {
                return;
            }
            std::thread::sleep(left.min(STEP));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_holds_across_threads_whatever_the_chunk_size() {
        // 4 threads × 64 KiB in chunks of 1000 B to 64 KiB, sharing 1 MiB/s.
        let t = Throttle::new(1 << 20);
        let started = Instant::now();
        std::thread::scope(|s| {
            for chunk in [1000, 4096, 16384, 65536] {
                let t = &t;
                s.spawn(move || {
                    let mut left = 65536usize;
                    while left > 0 {
                        let n = chunk.min(left);
                        t.take(n, None);
                        left -= n;
                    }
                });
            }
        });
        // 256 KiB less the burst (51 KiB) at 1 MiB/s: 0.2 s at least (no upper bound: a busy
        // machine only makes it slower).
        assert!(
            started.elapsed() >= Duration::from_millis(190),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn a_cancel_ends_the_wait() {
        let t = Throttle::new(1024);
        let token = CancelToken::new();
        token.cancel();
        let started = Instant::now();
        t.take(1 << 20, Some(&token)); // 1024 s at the rate
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
