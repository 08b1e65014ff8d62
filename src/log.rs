//! Logging: one callback per client (no global state), with levels.
//!
//! At `Debug` every request is one line: op, path, offset, HTTP status, COS code, bytes, time.
//! Retries are `Warn`. Messages are built only when their level is enabled. Nothing logged
//! contains the secret key or a signature (headers are never logged).
//!
//! The callback may run on the library's worker threads, but calls never overlap (they are
//! serialized by a lock held only around the call) and none happens after the API call that
//! caused it returned.

use std::fmt;
use std::sync::{Arc, Mutex};

/// How much to log; each level includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
}

impl Level {
    /// The level of a number (1 to 4), for the C API.
    pub fn from_u32(n: u32) -> Option<Level> {
        match n {
            1 => Some(Level::Error),
            2 => Some(Level::Warn),
            3 => Some(Level::Info),
            4 => Some(Level::Debug),
            _ => None,
        }
    }
}

type Sink = dyn Fn(Level, &str) + Send + Sync;

/// A callback and the most detailed level it wants.
#[derive(Clone)]
pub struct Logger {
    sink: Arc<Sink>,
    level: Level,
    serial: Arc<Mutex<()>>,
}

impl fmt::Debug for Logger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Logger")
            .field("level", &self.level)
            .finish()
    }
}

impl Logger {
    pub fn new(level: Level, sink: impl Fn(Level, &str) + Send + Sync + 'static) -> Logger {
        Logger {
            sink: Arc::new(sink),
            level,
            serial: Arc::default(),
        }
    }

    pub fn enabled(&self, level: Level) -> bool {
        level <= self.level
    }

    /// Calls the sink with `message()` when `level` is enabled.
    pub fn log(&self, level: Level, message: impl FnOnce() -> String) {
        if self.enabled(level) {
            let text = message();
            let _one_at_a_time = self.serial.lock().unwrap_or_else(|p| p.into_inner());
            (self.sink)(level, &text);
        }
    }
}

/// The debug line of one request: `op target[ offset N]: HTTP s code c (bytes, ms)`.
pub fn request(
    logger: Option<&Logger>,
    (op, target, offset): (&str, &str, Option<u64>),
    bytes: u64,
    started: std::time::Instant,
    answer: &crate::Result<crate::wire::Envelope>,
) {
    log(logger, Level::Debug, || {
        let at = offset.map(|o| format!(" offset {o}")).unwrap_or_default();
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let result = match answer {
            Ok(e) => format!("HTTP {} code {}", e.http_status, e.code),
            Err(e) => e.to_string(),
        };
        format!("{op} {target}{at}: {result} ({bytes} bytes, {ms:.1} ms)")
    });
}

/// Logs through an optional logger.
pub fn log(logger: Option<&Logger>, level: Level, message: impl FnOnce() -> String) {
    if let Some(l) = logger {
        l.log(level, message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_filter_and_messages_are_lazy() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = seen.clone();
        let l = Logger::new(Level::Warn, move |lv, m| {
            s2.lock().unwrap().push((lv, m.to_string()))
        });
        l.log(Level::Debug, || unreachable!("not built when disabled"));
        l.log(Level::Warn, || "w".into());
        l.log(Level::Error, || "e".into());
        assert_eq!(
            *seen.lock().unwrap(),
            vec![
                (Level::Warn, "w".to_string()),
                (Level::Error, "e".to_string())
            ]
        );
        assert_eq!(Level::from_u32(4), Some(Level::Debug));
        assert_eq!(Level::from_u32(0), None);
    }
}
