//! Named scoped threads: every thread the library starts says what it is (`cosv4-send`,
//! `cosv4-hash`, ...) in `top -H`, `perf`, debuggers and crash reports, where an application
//! sees the library's threads among its own.

use std::thread::{Builder, Scope, ScopedJoinHandle};

/// Spawns `f` on a thread of `scope` named `name` (at most 15 bytes: Linux cuts longer names).
/// Like [`Scope::spawn`], panics when the system cannot start a thread.
pub(crate) fn spawn<'scope, 'env, F, T>(
    scope: &'scope Scope<'scope, 'env>,
    name: &'static str,
    f: F,
) -> ScopedJoinHandle<'scope, T>
where
    F: FnOnce() -> T + Send + 'scope,
    T: Send + 'scope,
{
    debug_assert!(name.len() <= 15, "thread name {name:?} is too long");
    Builder::new()
        .name(name.to_string())
        .spawn_scoped(scope, f)
        .unwrap_or_else(|e| panic!("cannot start thread {name}: {e}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_thread_has_its_name() {
        let name = std::thread::scope(|s| {
            let h = super::spawn(s, "cosv4-test", || {
                std::fs::read_to_string("/proc/thread-self/comm").unwrap()
            });
            h.join().unwrap()
        });
        assert_eq!(name.trim_end(), "cosv4-test");
    }
}
