//! The emulator as a child process, so its CPU is not counted as the client's.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

pub const APPID: u64 = 1_250_000_000;
pub const BUCKET: &str = "bench";
pub const SECRET_ID: &str = "AKIDbenchmark";
pub const SECRET_KEY: &str = "bench-secret-key";

/// What the emulator does with the data it receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// Stores it and checks the sha at finish (the real service's behaviour).
    Verify,
    /// Stores it, no check (`--no-verify`).
    Plain,
    /// Checks and counts slices without storing them (`--discard-data`): the host's memory and
    /// disk stay out of the figures.
    Discard,
}

/// A running `cosv4-emulator`; killed and reaped on drop.
pub struct Emulator {
    child: Child,
    /// Kept open: the child must never see a closed stdout.
    _stdout: BufReader<ChildStdout>,
    pub base_url: String,
    pub storage: Storage,
}

impl Emulator {
    /// Starts the emulator on a free port with `data_dir`.
    pub fn start(bin: &Path, data_dir: &Path, storage: Storage) -> Emulator {
        let mut cmd = Command::new(bin);
        cmd.args(["--listen", "127.0.0.1:0", "--appid", &APPID.to_string()])
            .args(["--bucket", BUCKET, "--secret-id", SECRET_ID])
            .args(["--secret-key", SECRET_KEY, "--data-dir"])
            .arg(data_dir)
            // Uploads go to /bench/ without creating it: no folder requests in the figures.
            .arg("--implicit-folders")
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        match storage {
            Storage::Verify => {}
            Storage::Plain => {
                cmd.arg("--no-verify");
            }
            Storage::Discard => {
                cmd.arg("--discard-data");
            }
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        let Some(url) = line.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the emulator did not announce its address (got {line:?})");
        };
        Emulator {
            base_url: url.to_string(),
            child,
            _stdout: stdout,
            storage,
        }
    }

    /// `host:port` of the base URL.
    pub fn addr(&self) -> &str {
        self.base_url.trim_start_matches("http://")
    }

    /// User + system CPU seconds the emulator has used so far (from `/proc/PID/stat`).
    pub fn cpu_seconds(&self) -> f64 {
        proc_cpu_seconds(self.child.id()).unwrap_or(f64::NAN)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn proc_cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(PathBuf::from(format!("/proc/{pid}/stat"))).ok()?;
    // Fields after the command name (which may hold spaces) start at field 3 (state).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let tick = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    Some((utime + stime) / tick.max(1) as f64)
}
