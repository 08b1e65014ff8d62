//! A cancel token that any thread can trigger, and that interrupts requests in flight.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

type Hook = Box<dyn Fn() + Send + Sync>;

#[derive(Default)]
struct Inner {
    cancelled: AtomicBool,
    next_id: AtomicU64,
    hooks: Mutex<Vec<(u64, Hook)>>,
}

/// Cancels uploads from any thread. Cheap to clone; clones share one state. Once cancelled it
/// stays cancelled: use a new token for the next (resuming) upload.
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

    /// Cancels: uploads using this token stop promptly, interrupting their requests. Calling it
    /// again does nothing.
    pub fn cancel(&self) {
        if !self.0.cancelled.swap(true, Ordering::SeqCst) {
            self.run_hooks();
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// Runs `hook` when the token is cancelled (at once if it already is) until the guard drops.
    pub(crate) fn on_cancel(&self, hook: impl Fn() + Send + Sync + 'static) -> HookGuard {
        let id = self.0.next_id.fetch_add(1, Ordering::Relaxed);
        self.0
            .hooks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((id, Box::new(hook)));
        // A cancel between the check above and the push would have missed the hook.
        if self.is_cancelled() {
            self.run_hooks();
        }
        HookGuard {
            token: self.clone(),
            id,
        }
    }

    /// Takes the hooks out, so none runs twice and none runs under the lock, and runs them.
    fn run_hooks(&self) {
        let hooks = std::mem::take(&mut *self.0.hooks.lock().unwrap_or_else(|p| p.into_inner()));
        for (_, hook) in hooks {
            hook();
        }
    }
}

/// Unregisters a hook when dropped.
pub(crate) struct HookGuard {
    token: CancelToken,
    id: u64,
}

impl Drop for HookGuard {
    fn drop(&mut self) {
        let mut hooks = self.token.0.hooks.lock().unwrap_or_else(|p| p.into_inner());
        hooks.retain(|(id, _)| *id != self.id);
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
