//! Progress delivery shared by every operation (uploads, downloads): a reporter that keeps the
//! current cumulative event and hands it to the caller's handler at most every
//! [`MIN_INTERVAL`], plus at the moments the operation marks (start, phase changes, the end).

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

#[cfg(test)]
mod tests {
    use super::*;

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
