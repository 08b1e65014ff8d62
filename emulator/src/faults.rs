//! Deterministic fault decisions for `upload_slice_data`, `op=upload` and the other operations.
//!
//! Each slice request gets a sequence number `n`; its draws come from
//! `splitmix64(seed ^ n)` and successors, so the same seed and request order always give
//! the same faults, independently of timing.

use crate::config::Faults;

pub fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// What to do with one slice request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    pub http_5xx: bool,
    pub drop_before_store: bool,
    pub drop_after_store: bool,
    /// Total sleep before answering, in milliseconds.
    pub sleep_ms: u64,
}

struct Draws(u64);

impl Draws {
    /// A uniform value in [0, 1) compared against `rate`.
    fn hit(&mut self, rate: f64) -> bool {
        self.0 = splitmix64(self.0);
        let unit = (self.0 >> 11) as f64 / (1u64 << 53) as f64;
        unit < rate
    }
}

/// Added to the request number of `op=upload` requests, so that simple uploads draw from a
/// stream of their own and the slice-data stream stays what it was for a given seed.
pub const SIMPLE_STREAM: u64 = 1 << 63;

/// Added to the request number of every other operation ([`decide_op`]).
pub const OPS_STREAM: u64 = 1 << 62;

pub fn decide(faults: &Faults, request_number: u64) -> Decision {
    let mut draws = Draws(faults.seed ^ request_number);
    let http_5xx = draws.hit(faults.http_5xx_rate);
    let drop_before_store = draws.hit(faults.drop_before_store_rate);
    let drop_after_store = draws.hit(faults.drop_after_store_rate);
    let stall = draws.hit(faults.stall_rate);
    Decision {
        http_5xx,
        drop_before_store,
        drop_after_store,
        sleep_ms: faults.delay_ms + if stall { faults.stall_ms } else { 0 },
    }
}

/// What to do with a request of another operation (not data: no delay, no stall).
pub fn decide_op(faults: &Faults, request_number: u64) -> Decision {
    let mut draws = Draws(faults.seed ^ OPS_STREAM ^ request_number);
    Decision {
        http_5xx: draws.hit(faults.ops_5xx_rate),
        drop_before_store: draws.hit(faults.ops_drop_before_rate),
        drop_after_store: draws.hit(faults.ops_drop_after_rate),
        sleep_ms: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_zero_and_one_are_exact() {
        let all = Faults {
            seed: 7,
            http_5xx_rate: 1.0,
            drop_before_store_rate: 1.0,
            drop_after_store_rate: 1.0,
            delay_ms: 3,
            stall_rate: 1.0,
            stall_ms: 5,
            ..Faults::default()
        };
        for n in 0..1000 {
            let d = decide(&all, n);
            assert!(d.http_5xx && d.drop_before_store && d.drop_after_store);
            assert_eq!(d.sleep_ms, 8);
            assert_eq!(decide(&Faults::default(), n), Decision::default());
        }
    }

    #[test]
    fn half_rate_is_roughly_half_and_reproducible() {
        let f = Faults {
            seed: 42,
            http_5xx_rate: 0.5,
            ..Faults::default()
        };
        let hits = (0..10_000).filter(|&n| decide(&f, n).http_5xx).count();
        assert!((4_500..5_500).contains(&hits), "{hits}");
        assert_eq!(decide(&f, 17), decide(&f, 17));
    }

    #[test]
    fn other_operations_draw_only_from_their_own_rates() {
        let data_only = Faults {
            seed: 9,
            http_5xx_rate: 1.0,
            drop_before_store_rate: 1.0,
            drop_after_store_rate: 1.0,
            ..Faults::default()
        };
        let ops_only = Faults {
            seed: 9,
            ops_5xx_rate: 1.0,
            ops_drop_before_rate: 1.0,
            ops_drop_after_rate: 1.0,
            ..Faults::default()
        };
        for n in 0..100 {
            assert_eq!(decide_op(&data_only, n), Decision::default());
            assert_eq!(decide(&ops_only, n), Decision::default());
            let d = decide_op(&ops_only, n);
            assert!(d.http_5xx && d.drop_before_store && d.drop_after_store);
        }
    }
}
