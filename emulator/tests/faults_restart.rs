//! Fault injection on upload_slice_data, and restarts on the same data directory.

mod common;
use common::*;
use cosv4_emulator::{Emulator, Faults};
use std::time::{Duration, Instant};

fn open_session(t: &mut T, path: &str, size: usize) -> String {
    t.init(path, size, MIB, &[]).expect(200, 0)["session"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn each_fault_at_rate_one() {
    let mut t = T::new();
    let body = content(MIB, 1);
    let s = open_session(&mut t, "/f", MIB);
    let base = Faults {
        seed: 11,
        ..Faults::default()
    };

    t.emu.set_faults(Faults {
        http_5xx_rate: 1.0,
        ..base.clone()
    });
    t.slice("/f", &s, 0, &body).expect(503, -71);
    t.slice("/f", &s, 0, &body).expect(500, -195);
    t.slice("/f", &s, 0, &body).expect(503, -71);
    assert!(t.emu.session("/f").unwrap().offsets.is_empty());

    t.emu.set_faults(Faults {
        drop_before_store_rate: 1.0,
        ..base.clone()
    });
    assert!(t.client.send(&slice_request("/f", &s, 0, &body)).is_err());
    assert!(t.emu.session("/f").unwrap().offsets.is_empty());
    t.reconnect();

    t.emu.set_faults(Faults {
        drop_after_store_rate: 1.0,
        ..base.clone()
    });
    assert!(t.client.send(&slice_request("/f", &s, 0, &body)).is_err());
    assert_eq!(t.emu.session("/f").unwrap().offsets, vec![0]);
    t.reconnect();
    let log = t.emu.log();
    let resets: Vec<_> = log.iter().filter(|e| e.status == 0).collect();
    assert_eq!(resets.len(), 2);
    assert_eq!(resets[0].offset, Some(0));

    t.emu.set_faults(Faults {
        delay_ms: 150,
        ..base.clone()
    });
    let started = Instant::now();
    t.slice("/f", &s, 0, &body).expect(200, 0);
    assert!(started.elapsed() >= Duration::from_millis(150));

    t.emu.set_faults(Faults {
        stall_rate: 1.0,
        stall_ms: 200,
        ..base.clone()
    });
    let started = Instant::now();
    t.slice("/f", &s, 0, &body).expect(200, 0);
    assert!(started.elapsed() >= Duration::from_millis(200));

    t.emu.set_faults(base);
    let started = Instant::now();
    t.slice("/f", &s, 0, &body).expect(200, 0);
    assert!(started.elapsed() < Duration::from_millis(150));
    assert_eq!(t.emu.session("/f").unwrap().receive_counts, vec![(0, 4)]);
    // faults only touch slice data
    t.emu.set_faults(Faults {
        http_5xx_rate: 1.0,
        drop_before_store_rate: 1.0,
        ..Faults::default()
    });
    t.stat("/f").expect(200, 0);
    t.finish("/f", &s, MIB, &[]).expect(200, 0);
}

#[test]
fn same_seed_same_faults() {
    let outcomes = |seed: u64| {
        let mut cfg = config();
        cfg.faults = Faults {
            seed,
            http_5xx_rate: 0.5,
            ..Faults::default()
        };
        let mut t = T::with(Emulator::start(cfg).unwrap());
        let s = open_session(&mut t, "/r", 10);
        (0..40)
            .map(|_| t.slice("/r", &s, 0, &[0u8; 10]).status)
            .collect::<Vec<_>>()
    };
    let a = outcomes(5);
    assert_eq!(a, outcomes(5));
    assert!(a.contains(&200) && a.iter().any(|&s| s >= 500));
}

#[test]
fn restart_keeps_objects_and_sessions() {
    let dir = std::env::temp_dir().join(format!("cosv4-emu-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut cfg = config();
    cfg.data_dir = Some(dir.clone());
    let body = content(2 * MIB + 5, 7);
    let session;
    {
        let mut t = T::with(Emulator::start(cfg.clone()).unwrap());
        t.upload("/keep/me", b"kept", &[("biz_attr", b"x")])
            .expect(200, 0);
        session = open_session(&mut t, "/half", body.len());
        t.slice("/half", &session, MIB, &body[MIB..2 * MIB])
            .expect(200, 0);
        t.slice("/half", &session, 2 * MIB, &body[2 * MIB..])
            .expect(200, 0);
        t.emu.stop();
    }
    assert!(dir.is_dir(), "a given data dir is kept");
    let mut t = T::with(Emulator::start(cfg).unwrap());
    assert_eq!(t.emu.object("/keep/me").unwrap(), b"kept");
    assert_eq!(t.stat("/keep/me").expect(200, 0)["biz_attr"], "x");
    let info = t.emu.session("/half").unwrap();
    assert_eq!(
        (info.session.as_str(), info.offsets.clone()),
        (session.as_str(), vec![MIB as u64, 2 * MIB as u64])
    );
    t.init("/half", body.len(), MIB, &[]).expect(409, -4019);
    t.slice("/half", &session, 0, &body[..MIB]).expect(200, 0);
    t.finish("/half", &session, body.len(), &[]).expect(200, 0);
    assert_eq!(t.emu.object("/half").unwrap(), body);
    t.emu.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}
