//! A cancel token that any thread can trigger, and that interrupts requests in flight.
//!
//! A leaf of the crate (std only): the transport registers socket shutdowns with it, and every
//! operation (upload, download, and the batch to come) stops on it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

type Hook = Box<dyn Fn() + Send + Sync>;

#[derive(Default)]
struct Inner {
    cancelled: AtomicBool,
    next_id: AtomicU64,
    hooks: Mutex<Vec<(u64, Hook)>>,
}

/// Cancels an operation (upload, download) from any thread. Cheap to clone; clones share one
/// state. Once cancelled it stays cancelled: use a new token for the next (resuming) call.
#[derive(Clone, Default)]
pub struct CancelToken(Arc<Inner>);

impl std::fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl CancelToken {
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Cancels: operations using this token stop promptly, interrupting their requests. Calling it
    /// again does nothing.
    pub fn cancel(&self) {
        if !self.0.cancelled.swap(true, Ordering::SeqCst) {
            // Hooks run under the lock: a guard dropped meanwhile waits for them to end, so
            // once `HookGuard::drop` returns its hook is not running and never will. (A hook
            // shuts down a request's socket; the socket goes back to the shared pool only after
            // its guard is dropped, so a late hook cannot hit another upload's request.)
            let mut hooks = self.hooks();
            for (_, hook) in std::mem::take(&mut *hooks) {
                hook();
            }
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// Runs `hook` when the token is cancelled (at once if it already is) until the guard drops.
    /// A hook must not use this token (it runs under the token's lock).
    pub(crate) fn on_cancel(&self, hook: impl Fn() + Send + Sync + 'static) -> HookGuard {
        let id = self.0.next_id.fetch_add(1, Ordering::Relaxed);
        let mut hooks = self.hooks();
        // `cancel` sets the flag before it takes the lock: either it will find this hook in
        // the list, or the flag is already visible here. Never both, never neither.
        if self.is_cancelled() {
            hook();
        } else {
            hooks.push((id, Box::new(hook)));
        }
        HookGuard {
            token: self.clone(),
            id,
        }
    }

    fn hooks(&self) -> std::sync::MutexGuard<'_, Vec<(u64, Hook)>> {
        self.0.hooks.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Unregisters a hook when dropped.
pub(crate) struct HookGuard {
    token: CancelToken,
    id: u64,
}

impl Drop for HookGuard {
    /// Unregisters the hook; waits for it to end if a cancel is running it right now.
    fn drop(&mut self) {
        self.token.hooks().retain(|(id, _)| *id != self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn hooks_run_once_and_late_hooks_run_at_once() {
        let t = CancelToken::new();
        let n = Arc::new(AtomicUsize::new(0));
        let n2 = n.clone();
        let _g = t.on_cancel(move || {
            n2.fetch_add(1, Ordering::SeqCst);
        });
        t.cancel();
        t.cancel();
        assert_eq!(n.load(Ordering::SeqCst), 1);
        let n3 = n.clone();
        let _g2 = t.on_cancel(move || {
            n3.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(n.load(Ordering::SeqCst), 2);
    }

    /// Issue 10 case 13: a hook taken out by `cancel` must not run after its guard is gone
    /// (a socket handed back to the shared pool would be shut down under another upload).
    #[test]
    fn dropping_a_guard_waits_for_its_running_hook() {
        use std::sync::atomic::AtomicBool;
        use std::time::{Duration, Instant};
        let t = CancelToken::new();
        let (running, done) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let (r, d) = (running.clone(), done.clone());
        let guard = t.on_cancel(move || {
            r.store(true, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(200));
            d.store(true, Ordering::SeqCst);
        });
        let canceller = {
            let t = t.clone();
            std::thread::spawn(move || t.cancel())
        };
        let start = Instant::now();
        while !running.load(Ordering::SeqCst) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the hook never ran"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        drop(guard);
        assert!(
            done.load(Ordering::SeqCst),
            "the guard was dropped while its hook was still running"
        );
        canceller.join().unwrap();
    }

    #[test]
    fn dropped_guard_unregisters() {
        let t = CancelToken::new();
        let n = Arc::new(AtomicUsize::new(0));
        let n2 = n.clone();
        drop(t.on_cancel(move || {
            n2.fetch_add(1, Ordering::SeqCst);
        }));
        t.cancel();
        assert_eq!(n.load(Ordering::SeqCst), 0);
    }
}
