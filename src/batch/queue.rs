//! The bounded queue from the walk to the senders: first in, first out, one giver (the walk)
//! and several takers (the senders), that wakes sparingly.
//!
//! A full queue parks the giver until the takers have drained it to its low mark (about half):
//! the walk then refills several places per wake-up instead of one (with a standard bounded
//! channel a walk ahead of the senders slept and woke once per file). A taker is woken only when
//! one waits. When every taker is gone the giver's next `send` fails; when the giver is gone
//! the takers drain what is left, then `recv` returns `None`.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

struct Shared<T> {
    state: Mutex<State<T>>,
    /// Signalled when an item arrives or the giver leaves.
    filled: Condvar,
    /// Signalled when the queue drained to its low mark, or the last taker left.
    drained: Condvar,
}

struct State<T> {
    items: VecDeque<T>,
    cap: usize,
    /// The giver waits for room once the queue is full, until at most this many are left.
    low: usize,
    giver_waits: bool,
    giver_gone: bool,
    takers: usize,
    takers_waiting: usize,
}

/// The walk's end.
pub(super) struct Giver<T>(Arc<Shared<T>>);

/// A sender's end; each clone is one more taker.
pub(super) struct Taker<T>(Arc<Shared<T>>);

/// A queue of at most `cap` items (at least 1).
pub(super) fn queue<T>(cap: usize) -> (Giver<T>, Taker<T>) {
    let cap = cap.max(1);
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            items: VecDeque::with_capacity(cap),
            cap,
            low: (cap - 1) / 2,
            giver_waits: false,
            giver_gone: false,
            takers: 1,
            takers_waiting: 0,
        }),
        filled: Condvar::new(),
        drained: Condvar::new(),
    });
    (Giver(shared.clone()), Taker(shared))
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<T> Giver<T> {
    /// Queues `item`, waiting for room; gives it back when no taker is left.
    pub fn send(&self, item: T) -> Result<(), T> {
        let mut state = self.0.lock();
        while state.items.len() >= state.cap && state.takers > 0 {
            state.giver_waits = true;
            state = self
                .0
                .drained
                .wait(state)
                .unwrap_or_else(|p| p.into_inner());
        }
        if state.takers == 0 {
            return Err(item);
        }
        state.items.push_back(item);
        let wake = state.takers_waiting > 0;
        drop(state);
        if wake {
            self.0.filled.notify_one();
        }
        Ok(())
    }
}

impl<T> Drop for Giver<T> {
    fn drop(&mut self) {
        self.0.lock().giver_gone = true;
        self.0.filled.notify_all();
    }
}

impl<T> Taker<T> {
    /// The oldest item, waiting for one; `None` once the giver is gone and the queue is empty.
    pub fn recv(&self) -> Option<T> {
        let mut state = self.0.lock();
        loop {
            if let Some(item) = state.items.pop_front() {
                let wake = state.giver_waits && state.items.len() <= state.low;
                if wake {
                    state.giver_waits = false;
                }
                drop(state);
                if wake {
                    self.0.drained.notify_one();
                }
                return Some(item);
            }
            if state.giver_gone {
                return None;
            }
            state.takers_waiting += 1;
            state = self.0.filled.wait(state).unwrap_or_else(|p| p.into_inner());
            state.takers_waiting -= 1;
        }
    }
}

impl<T> Clone for Taker<T> {
    fn clone(&self) -> Self {
        self.0.lock().takers += 1;
        Taker(self.0.clone())
    }
}

impl<T> Drop for Taker<T> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.takers -= 1;
        let last = state.takers == 0;
        drop(state);
        if last {
            self.0.drained.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_come_out_in_order_across_takers_and_the_end_is_seen() {
        let (giver, taker) = queue::<u32>(4);
        let got = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..3 {
                let (taker, got) = (taker.clone(), &got);
                s.spawn(move || {
                    // Taken under the lock of `got`: the order of taking is the order kept.
                    loop {
                        let mut g = got.lock().unwrap();
                        match taker.recv() {
                            Some(i) => g.push(i),
                            None => return,
                        }
                    }
                });
            }
            drop(taker);
            for i in 0..500 {
                giver.send(i).unwrap();
            }
            drop(giver);
        });
        assert_eq!(got.into_inner().unwrap(), (0..500).collect::<Vec<_>>());
    }

    #[test]
    fn never_more_than_cap_queued() {
        let (giver, taker) = queue::<usize>(3);
        std::thread::scope(|s| {
            s.spawn(move || {
                for i in 0..200 {
                    giver.send(i).unwrap();
                }
            });
            let mut next = 0;
            while let Some(i) = taker.recv() {
                assert_eq!(i, next);
                next += 1;
                assert!(taker.0.lock().items.len() <= 3);
            }
            assert_eq!(next, 200);
        });
    }

    #[test]
    fn a_giver_blocked_on_a_full_queue_fails_when_the_takers_leave() {
        let (giver, taker) = queue::<u8>(1);
        giver.send(1).unwrap();
        std::thread::scope(|s| {
            let blocked = s.spawn(|| giver.send(2));
            // Bounded: the giver is parked (or about to park) on the full queue.
            for _ in 0..1000 {
                if giver.0.lock().giver_waits {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            drop(taker);
            assert_eq!(blocked.join().unwrap(), Err(2));
        });
        assert_eq!(giver.send(3), Err(3));
    }
}
