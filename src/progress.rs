//! Progress delivery shared by every operation (uploads, downloads): a reporter that keeps the
//! current cumulative event and hands it to the caller's handler at most every
//! [`MIN_INTERVAL`], plus at the moments the operation marks (start, phase changes, the end);
//! and the rate over the last seconds and the time left ([`Rate`], [`eta`]) that a report
//! may carry.

use crate::error::{Error, ErrorKind, Result};
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

/// Shortest gap between two events, except the ones an operation forces.
pub const MIN_INTERVAL: Duration = Duration::from_millis(50);

/// A caller's handler of events `E`: return `ControlFlow::Break(())` to stop the operation.
pub type Handler<'a, E> = &'a mut dyn FnMut(&E) -> ControlFlow<()>;

/// Delivers events `E` to an optional handler, throttled.
pub struct Reporter<'a, E> {
    handler: Option<Handler<'a, E>>,
    last: Option<Instant>,
    current: E,
    dirty: bool,
    /// "upload", "download": for the message when the handler stops the operation.
    operation: &'static str,
}

impl<'a, E> Reporter<'a, E> {
    pub fn new(handler: Option<Handler<'a, E>>, initial: E, operation: &'static str) -> Self {
        Reporter {
            handler,
            last: None,
            current: initial,
            dirty: true,
            operation,
        }
    }

    /// The event as it stands.
    pub fn current(&self) -> &E {
        &self.current
    }

    /// Marks the state as changed; [`Reporter::tick`] delivers it when due.
    pub fn update(&mut self, f: impl FnOnce(&mut E)) {
        f(&mut self.current);
        self.dirty = true;
    }

    /// When the pending change is due: now, or at an instant (for the caller's wait).
    pub fn due(&self) -> Option<Instant> {
        if !self.dirty || self.handler.is_none() {
            return None;
        }
        Some(self.last.map_or_else(Instant::now, |t| t + MIN_INTERVAL))
    }

    /// Delivers the pending change if [`MIN_INTERVAL`] passed since the last delivered tick.
    pub fn tick(&mut self) -> Result<()> {
        match self.due() {
            Some(at) if at <= Instant::now() => {
                self.last = Some(Instant::now());
                self.emit()
            }
            _ => Ok(()),
        }
    }

    /// Delivers a change that a throttled tick held back, now: at the end of a stage whose last
    /// change must not wait for the next one (which may be seconds away).
    pub fn flush(&mut self) -> Result<()> {
        if self.dirty {
            self.emit()
        } else {
            Ok(())
        }
    }

    /// Delivers the current state now, whatever the time (start, phase changes, the end).
    /// Such a marked event does not hold back the next tick: the first event with data comes
    /// as soon as there is data. An aborted error when the handler asks to stop.
    pub fn emit(&mut self) -> Result<()> {
        self.dirty = false;
        let Some(handler) = self.handler.as_mut() else {
            return Ok(());
        };
        match handler(&self.current) {
            ControlFlow::Continue(()) => Ok(()),
            ControlFlow::Break(()) => Err(Error::new(
                ErrorKind::Aborted,
                format!("the progress handler asked to stop the {}", self.operation),
            )),
        }
    }
}

/// How fast a count of bytes grows, over the last [`Rate::WINDOW`]: the figure a progress
/// display shows, which follows a change of pace within seconds (an average since the start
/// would lag behind for long transfers) and drops to 0 when nothing moves.
#[derive(Debug, Clone)]
pub struct Rate {
    /// (when, count), oldest first: one sample per [`Rate::STEP`] at most, the oldest at or
    /// just before the window's start.
    samples: std::collections::VecDeque<(Instant, u64)>,
}

impl Rate {
    pub const WINDOW: Duration = Duration::from_secs(5);
    const STEP: Duration = Duration::from_millis(250);

    /// A rate whose count was `count` at `start`.
    pub fn new(start: Instant, count: u64) -> Rate {
        Rate {
            samples: std::collections::VecDeque::from([(start, count)]),
        }
    }

    /// Records the count at `now` (times never go back; a count that goes down is taken as
    /// no progress) and returns bytes per second over the window: 0 until time has passed.
    pub fn sample(&mut self, now: Instant, count: u64) -> u64 {
        let last = self.samples.back().map_or(now, |s| s.0);
        if now.saturating_duration_since(last) >= Self::STEP {
            self.samples.push_back((now, count));
        }
        // Keep the newest sample at or before the window's start: the base of the rate.
        while self.samples.len() > 1
            && now.saturating_duration_since(self.samples[1].0) >= Self::WINDOW
        {
            self.samples.pop_front();
        }
        let (t0, c0) = self.samples[0];
        let secs = now.saturating_duration_since(t0).as_secs_f64();
        if secs <= 0.0 {
            return 0;
        }
        (count.saturating_sub(c0) as f64 / secs) as u64
    }
}

/// The time left at `rate` bytes per second for `left` bytes: zero when nothing is left,
/// `None` when nothing moves.
pub fn eta(left: u64, rate: u64) -> Option<Duration> {
    match (left, rate) {
        (0, _) => Some(Duration::ZERO),
        (_, 0) => None,
        _ => Some(Duration::from_secs_f64(left as f64 / rate as f64)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flush_delivers_only_a_held_back_change() {
        let mut seen = Vec::new();
        let mut handler = |n: &u32| {
            seen.push(*n);
            ControlFlow::Continue(())
        };
        {
            let mut r = Reporter::new(Some(&mut handler), 0u32, "test");
            r.update(|n| *n = 1);
            r.tick().unwrap();
            r.flush().unwrap(); // nothing held back
            r.update(|n| *n = 2);
            r.tick().unwrap(); // held back by the throttle ...
            r.flush().unwrap(); // ... and delivered now
        }
        assert_eq!(seen, [1, 2]);
    }

    #[test]
    fn a_rate_follows_the_last_seconds() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut r = Rate::new(t0, 0);
        assert_eq!(r.sample(t0, 0), 0, "no time has passed");
        // 1 MB/s for 10 s.
        let mut rate = 0;
        for ms in (100..=10_000).step_by(100) {
            rate = r.sample(at(ms), ms * 1000);
        }
        assert_eq!(rate, 1_000_000);
        // Then 3 MB/s: after more than the window, the old pace is forgotten.
        for ms in (10_100..=16_000).step_by(100) {
            rate = r.sample(at(ms), 10_000_000 + (ms - 10_000) * 3000);
        }
        assert_eq!(rate, 3_000_000);
        // A stall, sampled every half second: the rate falls, to 0 once a window has passed.
        let still = 10_000_000 + 6000 * 3000;
        assert!(r.sample(at(16_500), still) < 3_000_000);
        for ms in (17_000..22_000).step_by(500) {
            r.sample(at(ms), still);
        }
        assert_eq!(r.sample(at(22_000), still), 0);
        // A count going down is no progress, not a wrap-around.
        assert_eq!(r.sample(at(22_500), 5), 0);
        assert!(r.samples.len() <= 22, "{} samples kept", r.samples.len());
    }

    #[test]
    fn eta_of_what_is_left() {
        assert_eq!(eta(0, 0), Some(Duration::ZERO));
        assert_eq!(eta(10, 0), None);
        assert_eq!(eta(3_000_000, 1_000_000), Some(Duration::from_secs(3)));
    }

    #[test]
    fn throttles_ticks_and_reports_a_stop() {
        let mut seen = Vec::new();
        let mut handler = |n: &u32| {
            seen.push(*n);
            if *n == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        {
            let mut r = Reporter::new(Some(&mut handler), 0u32, "test");
            r.emit().unwrap();
            r.update(|n| *n = 1);
            r.tick().unwrap(); // the first tick is not held back by a marked event
            r.update(|n| *n = 2);
            r.tick().unwrap(); // within MIN_INTERVAL of the last tick: held back
            r.update(|n| *n = 3);
            let e = r.emit().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Aborted);
            assert!(e.message().contains("stop the test"));
        }
        assert_eq!(seen, [0, 1, 3]);
    }
}
