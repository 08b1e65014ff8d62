//! The connection pool keeps enough idle connections for the concurrency in use: 16 threads
//! sharing one client (4 workers) reuse their connections instead of opening one per request.

mod common;

use common::{client, emulator_with, BUCKET};
use std::sync::Barrier;
use std::time::Duration;

#[test]
fn sixteen_threads_sharing_a_client_reuse_connections() {
    // A slow answer: the threads' requests end together, so connections come back to the
    // pool in bursts.
    let emu = emulator_with(|c| c.stat_delay_ms = 2);
    emu.put_object("/x", b"hello");
    let client = client(&emu);
    const THREADS: usize = 16;
    const EACH: usize = 50;
    let barrier = Barrier::new(THREADS);
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                barrier.wait();
                for _ in 0..EACH {
                    client.stat(BUCKET, "/x").unwrap();
                    // The caller's own work between requests: its connection waits idle.
                    std::thread::sleep(Duration::from_millis(2));
                }
            });
        }
    });
    let stats = emu.stats();
    let requests = (THREADS * EACH) as u64;
    assert!(stats.requests >= requests, "{stats:?}");
    // At most one connection per thread, and a few replaced: before, with 4 kept idle, about
    // half the requests opened a connection (844 for 1600).
    assert!(
        stats.connections_accepted <= 2 * THREADS as u64,
        "{} connections for {requests} requests",
        stats.connections_accepted
    );
}
