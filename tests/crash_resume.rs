//! Crash and resume: the C CLI uploads one large file (96 MiB in 1 MiB slices, 4 threads,
//! integrity on) to an in-process emulator that answers each slice after 15 ms; the test kills
//! it with SIGKILL at 20 moments drawn from a fixed seed — some a few milliseconds after the
//! start (while it hashes), most once the emulator has stored a chosen number of slices — and
//! runs it again each time. A last run must complete, and the stored object must be the file.
//!
//! After each kill the rerun must not send again a slice the server had stored at the moment
//! of the kill; slices stored after that moment (in flight when the process died, at most the
//! window of 4) may be sent again, and are counted.
//!
//! A longer run: `COSV4_CRASH_MIB=512 COSV4_CRASH_KILLS=100 COSV4_CRASH_SEED=7 cargo test
//! --release --test crash_resume -- --nocapture` (sizes in MiB; kills need at least about
//! 2 slices each, so MiB ≥ 2 × kills).

mod c_harness;

use c_harness::{Emu, Variant};
use std::collections::BTreeSet;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const CLI: &str = "examples-c/cosv4-upload.c";
const COS_PATH: &str = "/crash/big.bin";
const SLICE: u64 = 1 << 20;
const THREADS: usize = 4;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// xorshift64*: the kill moments come from a fixed seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

/// Offsets the emulator has stored for the upload (empty before init and after finish).
fn stored(emu: &Emu) -> BTreeSet<u64> {
    emu.emu
        .session(COS_PATH)
        .map(|s| s.offsets.into_iter().collect())
        .unwrap_or_default()
}

/// Offsets of the `upload_slice_data` requests the emulator handled since the log was cleared.
fn sent_since_clear(emu: &Emu) -> Vec<u64> {
    emu.emu
        .log()
        .into_iter()
        .filter(|e| e.op == "upload_slice_data" && e.path == COS_PATH)
        .filter_map(|e| e.offset)
        .collect()
}

/// When to kill a run.
#[derive(Debug, Clone, Copy)]
enum Moment {
    /// This long after the start (before any slice is confirmed: while hashing or at init).
    After(Duration),
    /// Once the emulator holds this many slices.
    Stored(usize),
}

/// What the server held around one kill.
struct Kill {
    /// Stored when SIGKILL was sent: the rerun must not send these again.
    at_kill: BTreeSet<u64>,
    /// Stored once the dust settled: the rerun starts from these.
    settled: BTreeSet<u64>,
}

fn spawn(emu: &Emu, args: &[&str]) -> Child {
    let exe = c_harness::build(CLI, Variant::Static);
    c_harness::command(&exe, Variant::Static)
        .envs(emu.env())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the CLI")
}

/// Waits for `moment`, then sends SIGKILL. Panics if the run ends by itself first.
fn kill_at(emu: &Emu, child: &mut Child, moment: Moment) -> Kill {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the upload ended ({status}) before the kill at {moment:?}; make it longer");
        }
        let due = match moment {
            Moment::After(d) => start.elapsed() >= d,
            Moment::Stored(n) => stored(emu).len() >= n,
        };
        if due {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no kill moment {moment:?} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap(); // SIGKILL
    let at_kill = stored(emu);
    child.wait().unwrap();
    // Requests whose body had arrived are still stored and answered (after the emulator's
    // delay); let them finish so they are neither missed nor logged as the rerun's.
    std::thread::sleep(Duration::from_millis(100));
    Kill {
        at_kill,
        settled: stored(emu),
    }
}

/// Checks what a run sent against the kill before it; returns the slices sent again.
fn check_rerun(run: usize, before: &Kill, sent: &[u64]) -> usize {
    let again: Vec<u64> = sent
        .iter()
        .copied()
        .filter(|o| before.settled.contains(o))
        .collect();
    let stored_before: Vec<u64> = again
        .iter()
        .copied()
        .filter(|o| before.at_kill.contains(o))
        .collect();
    assert!(
        stored_before.is_empty(),
        "run {run} sent again slices the server had stored before the kill: {stored_before:?}"
    );
    assert!(
        again.len() <= THREADS,
        "run {run} sent again {} slices that were in flight at the kill (window {THREADS}): {again:?}",
        again.len()
    );
    again.len()
}

#[test]
fn killed_uploads_resume_without_resending_stored_slices() {
    let mib = setting("COSV4_CRASH_MIB", 96);
    let kills = setting("COSV4_CRASH_KILLS", 20) as usize;
    let mut rng = Rng(setting("COSV4_CRASH_SEED", 0x5EED_C0DE) | 1);
    let total = (mib << 20).div_ceil(SLICE) as usize;
    assert!(
        total >= 2 * kills,
        "{mib} MiB is too small for {kills} kills"
    );

    let dir = c_harness::out_dir().join("crash");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("big.bin");
    let data = c_harness::content((mib << 20) as usize, 11);
    std::fs::write(&file, &data).unwrap();
    let file = file.display().to_string();
    let args = [
        "--quiet",
        "--json",
        "--slice-size",
        "1048576",
        "--threads",
        "4",
        file.as_str(),
        COS_PATH,
    ];
    // The service's rule (an upload's folder must exist): the CLI creates /crash/ first.
    let emu = Emu::with(|c| {
        c.faults.delay_ms = 15;
        c.implicit_folders = false;
    });
    c_harness::build(CLI, Variant::Static);

    let t = Instant::now();
    let mut previous: Option<Kill> = None;
    let (mut resent, mut sent_total) = (0, 0);
    for i in 0..kills {
        let have = stored(&emu).len();
        let left = total - have;
        // Keep two slices for each kill still to come; the rest may be spent now.
        let spare = left.saturating_sub(2 * (kills - i));
        let moment = if rng.below(4) == 0 || spare == 0 {
            Moment::After(Duration::from_millis(rng.below(40)))
        } else {
            let most = spare.min(2 * left / (kills - i + 1)).max(1);
            Moment::Stored(have + 1 + rng.below(most as u64) as usize)
        };
        emu.emu.clear_log();
        let mut child = spawn(&emu, &args);
        let kill = kill_at(&emu, &mut child, moment);
        let sent = sent_since_clear(&emu);
        if let Some(before) = &previous {
            resent += check_rerun(i, before, &sent);
        }
        sent_total += sent.len();
        eprintln!(
            "kill {:2} at {moment:?}: {} slices sent, stored {} at the kill, {} after",
            i + 1,
            sent.len(),
            kill.at_kill.len(),
            kill.settled.len()
        );
        previous = Some(kill);
    }

    emu.emu.clear_log();
    let out = c_harness::output_within(
        c_harness::command(&c_harness::build(CLI, Variant::Static), Variant::Static)
            .envs(emu.env())
            .args(args),
        Duration::from_secs(120),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the last run failed ({}): {stdout}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let sent = sent_since_clear(&emu);
    sent_total += sent.len();
    assert!(
        sent_total >= total,
        "only {sent_total} slice requests for {total} slices"
    );
    if let Some(before) = &previous {
        resent += check_rerun(kills, before, &sent);
        assert!(
            stdout.contains("\"resumed\":true") || before.settled.is_empty(),
            "{stdout}"
        );
    }
    let object = emu.emu.object(COS_PATH).expect("the object is stored");
    assert!(
        object == data,
        "the stored object ({} bytes) differs from the file ({} bytes)",
        object.len(),
        data.len()
    );
    eprintln!(
        "crash_resume: {kills} kills survived, {resent} slices re-sent (in flight at a kill), \
         {sent_total} slice requests for {total} slices of {SLICE} bytes, {:.1?} in all",
        t.elapsed()
    );
    emu.emu.stop();
    let _ = std::fs::remove_file(&file);
}
