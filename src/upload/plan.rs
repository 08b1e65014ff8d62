//! Slice planning: which offsets a file of `size` bytes has, and which are still to send.

/// The slices of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub size: u64,
    pub slice_size: u64,
}

impl Plan {
    pub fn new(size: u64, slice_size: u64) -> Plan {
        assert!(slice_size > 0);
        Plan { size, slice_size }
    }

    /// Number of slices (an empty file has none).
    pub fn count(&self) -> u64 {
        self.size.div_ceil(self.slice_size)
    }

    /// Length of the slice at `offset`.
    pub fn len_at(&self, offset: u64) -> u64 {
        self.slice_size.min(self.size.saturating_sub(offset))
    }

    /// True when `offset` starts a slice of this plan.
    pub fn is_slice_start(&self, offset: u64) -> bool {
        offset < self.size && offset.is_multiple_of(self.slice_size)
    }

    /// Bytes of the slices not in `pending` (those the server already has).
    pub fn bytes_outside(&self, pending: &[u64]) -> u64 {
        let left: u64 = pending.iter().map(|&o| self.len_at(o)).sum();
        self.size.saturating_sub(left)
    }

    /// Offsets of the slices not in `done`, in order.
    pub fn pending(&self, done: &[u64]) -> Vec<u64> {
        let mut have = vec![false; self.count() as usize];
        for &o in done {
            if self.is_slice_start(o) {
                have[(o / self.slice_size) as usize] = true;
            }
        }
        have.iter()
            .enumerate()
            .filter(|(_, h)| !**h)
            .map(|(i, _)| i as u64 * self.slice_size)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_every_byte_once() {
        for size in [0u64, 1, 63, 64, 65, 1000, 4096, 4097] {
            for slice in [64u64, 128, 1024] {
                let p = Plan::new(size, slice);
                let all = p.pending(&[]);
                assert_eq!(all.len() as u64, p.count());
                let total: u64 = all.iter().map(|&o| p.len_at(o)).sum();
                assert_eq!(total, size);
                for w in all.windows(2) {
                    assert_eq!(w[0] + p.len_at(w[0]), w[1]);
                }
            }
        }
    }

    #[test]
    fn pending_skips_done_and_ignores_bogus_offsets() {
        let p = Plan::new(1000, 256);
        assert_eq!(p.pending(&[256, 768, 5, 99999]), vec![0, 512]);
        assert_eq!(p.len_at(768), 232);
        assert_eq!(p.bytes_outside(&[0, 512]), 256 + 232);
        assert_eq!(p.bytes_outside(&p.pending(&[])), 0);
    }
}
