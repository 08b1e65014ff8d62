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
    /// Starts the emulator on a free port with `data_dir`, letting uploads go into folders
    /// that do not exist (`--implicit-folders`: uploads go to /bench/ without creating it, so
    /// no folder requests are in the single-file figures).
    pub fn start(bin: &Path, data_dir: &Path, storage: Storage) -> Emulator {
        Emulator::start_with(bin, data_dir, storage, true)
    }

    /// Starts the emulator; without `implicit_folders` it requires, like the service, that
    /// the parent folder of every upload exists.
    pub fn start_with(
        bin: &Path,
        data_dir: &Path,
        storage: Storage,
        implicit_folders: bool,
    ) -> Emulator {
        let mut cmd = Command::new(bin);
        cmd.args(["--listen", "127.0.0.1:0", "--appid", &APPID.to_string()])
            .args(["--bucket", BUCKET, "--secret-id", SECRET_ID])
            .args(["--secret-key", SECRET_KEY, "--data-dir"])
            .arg(data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        if implicit_folders {
            cmd.arg("--implicit-folders");
        }
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

/// An emulator inside this process (its library), for rows that count what it saw: requests
/// by op (its request log) and TCP connections (its accept counter). It verifies content and
/// requires parent folders, like the service; its CPU is this process's.
pub fn in_process(data_dir: &Path) -> cosv4_emulator::Emulator {
    let mut cfg = cosv4_emulator::Config::new(APPID, BUCKET, SECRET_ID, SECRET_KEY);
    cfg.data_dir = Some(data_dir.to_path_buf());
    cosv4_emulator::Emulator::start(cfg)
        .unwrap_or_else(|e| panic!("cannot start the in-process emulator: {e}"))
}
