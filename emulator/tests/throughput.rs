//! Emulator throughput: 512 × 1 MiB slice POSTs from 4 client threads.
//! Run with `cargo test --release --test throughput -- --ignored --nocapture`.

mod common;
use common::*;
use cosv4_emulator::Emulator;
use std::time::Instant;

#[test]
#[ignore]
fn slice_throughput() {
    let mut cfg = config();
    cfg.verify_content = false;
    // Measure the server, not the disk: use tmpfs when there is one.
    let shm = std::path::Path::new("/dev/shm");
    let dir = shm.join(format!("cosv4-emu-bench-{}", std::process::id()));
    if shm.is_dir() {
        cfg.data_dir = Some(dir.clone());
    }
    let mut t = T::with(Emulator::start(cfg).unwrap());
    const SLICES: usize = 512;
    let size = SLICES * MIB;
    let s = t.init("/bench", size, MIB, &[]).expect(200, 0)["session"]
        .as_str()
        .unwrap()
        .to_string();
    let slice = content(MIB, 3);
    // Pre-build the requests so the clients only write and read.
    let requests: Vec<Vec<u8>> = (0..SLICES)
        .map(|i| slice_request("/bench", &s, i * MIB, &slice))
        .collect();
    let addr = t.emu.addr();
    let started = Instant::now();
    std::thread::scope(|scope| {
        for w in 0..4 {
            let requests = &requests;
            scope.spawn(move || {
                let mut c = Client::connect(addr);
                for req in requests.iter().skip(w).step_by(4) {
                    let r = c.send(req).unwrap();
                    assert_eq!(r.status, 200);
                }
            });
        }
    });
    let secs = started.elapsed().as_secs_f64();
    println!(
        "emulator throughput: {SLICES} x 1 MiB slices in {secs:.3} s = {:.0} MB/s (data dir {})",
        size as f64 / secs / 1e6,
        t.emu.data_dir().display()
    );
    t.finish("/bench", &s, size, &[]).expect(200, 0);
    t.emu.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
