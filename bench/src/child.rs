//! Child processes measured as a whole (the C CLI, the library's batch in a child): wall time,
//! CPU and peak RSS from wait4.
//!
//! The child is started through a fresh copy of this binary (`--measure PROGRAM ARGS...`),
//! which starts PROGRAM, reaps it with wait4 and prints what it measured. Linux starts an
//! exec'd process's peak RSS (`ru_maxrss`) at the peak of the memory it replaced, and for a
//! posix_spawn (vfork) child of this process that is this process's memory — tens of MiB
//! once test trees and pre-built requests were made — so a direct child would report this
//! bench's peak, not its own. A fresh process's peak is a few MiB: the floor of this method
//! ([`rss_floor_kib`]).

use std::ffi::OsString;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use crate::emulator::{APPID, BUCKET, SECRET_ID, SECRET_KEY};
use crate::runs::tv;

/// The C CLI with the credentials and endpoint of `base_url` in its environment (proxies
/// removed); the caller adds the arguments.
pub fn cli_command(bin: &Path, base_url: &str) -> Command {
    let mut cmd = Command::new(bin);
    cmd.env("COS_APPID", APPID.to_string())
        .env("COS_SECRET_ID", SECRET_ID)
        .env("COS_SECRET_KEY", SECRET_KEY)
        .env("COS_BUCKET", BUCKET)
        .env("COS_ENDPOINT", base_url);
    for v in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        cmd.env_remove(v);
    }
    cmd
}

/// A child process measured as a whole.
pub struct ProcRun {
    /// From its start to its reaping.
    pub secs: f64,
    /// User + system CPU of the child.
    pub cpu_s: f64,
    /// Its peak resident set.
    pub rss_kib: u64,
    /// Bytes it read through system calls (`rchar` of /proc: files and sockets alike), read
    /// from its zombie before it is reaped; `None` where /proc could not say.
    pub read_bytes: Option<u64>,
}

/// Runs `cmd` (program, arguments, environment changes; stdin and stdout are closed) to its
/// end through `--measure` and returns what was measured; a nonzero exit is an error.
pub fn run_measured(cmd: &Command) -> Result<ProcRun, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let mut m = Command::new(exe);
    m.arg("--measure")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => m.env(k, v),
            None => m.env_remove(k),
        };
    }
    let out = m
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("{:?}: {e}", cmd.get_program()))?;
    let line = String::from_utf8_lossy(&out.stdout);
    let f: Vec<&str> = line.split_whitespace().collect();
    let (Some(secs), Some(cpu), Some(rss), Some(status)) = (
        f.first().and_then(|v| v.parse().ok()),
        f.get(1).and_then(|v| v.parse().ok()),
        f.get(2).and_then(|v| v.parse().ok()),
        f.get(3).and_then(|v| v.parse::<i32>().ok()),
    ) else {
        return Err(format!(
            "{:?}: --measure printed {line:?} ({})",
            cmd.get_program(),
            out.status
        ));
    };
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!(
            "{:?} failed (wait status {status:#x})",
            cmd.get_program()
        ));
    }
    Ok(ProcRun {
        secs,
        cpu_s: cpu,
        rss_kib: rss,
        read_bytes: f.get(4).and_then(|v| v.parse().ok()),
    })
}

/// `cosv4-bench --measure PROGRAM ARGS...`: runs PROGRAM (stdin and stdout closed, stderr
/// inherited), reaps it with wait4 and prints `SECONDS CPU_SECONDS MAXRSS_KIB WAIT_STATUS
/// RCHAR` (RCHAR `-` when /proc did not say).
pub fn measure_main(args: &[OsString]) -> i32 {
    let Some((program, rest)) = args.split_first() else {
        eprintln!("--measure needs a program");
        return 2;
    };
    let t0 = Instant::now();
    let child = Command::new(program)
        .args(rest)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn();
    let r = child
        .map_err(|e| format!("{program:?}: {e}"))
        .and_then(|c| {
            let rchar = exited_reads(&c);
            wait4(c).map(|w| (w, rchar))
        });
    match r {
        Ok(((status, ru), rchar)) => {
            let secs = t0.elapsed().as_secs_f64();
            let cpu = tv(ru.ru_utime) + tv(ru.ru_stime);
            let rchar = rchar.map_or("-".into(), |n| n.to_string());
            println!("{secs:.6} {cpu:.6} {} {status} {rchar}", ru.ru_maxrss);
            0
        }
        Err(e) => {
            eprintln!("--measure: {e}");
            1
        }
    }
}

/// Waits for `child` to end without reaping it (waitid with WNOWAIT) and reads the bytes it
/// read from its /proc entry, which a zombie keeps (the counts of its own reaped children
/// included).
fn exited_reads(child: &Child) -> Option<u64> {
    // SAFETY: siginfo_t is plain data; all-zero is a valid value.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    loop {
        let (id, flags) = (child.id() as libc::id_t, libc::WEXITED | libc::WNOWAIT);
        // SAFETY: the pid is our unreaped child; `info` is a valid out-parameter.
        let r = unsafe { libc::waitid(libc::P_PID, id, &mut info, flags) };
        if r == 0 {
            break;
        }
        if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return None;
        }
    }
    let io = std::fs::read_to_string(format!("/proc/{}/io", child.id())).ok()?;
    io.lines()
        .find_map(|l| l.strip_prefix("rchar:"))
        .and_then(|n| n.trim().parse().ok())
}

/// Reaps `child` with wait4: its wait status and rusage.
fn wait4(child: Child) -> Result<(i32, libc::rusage), String> {
    let mut status = 0;
    // SAFETY: rusage is plain data; all-zero is a valid value.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: the pid is our unreaped child; `status` and `ru` are valid out-parameters.
        let r = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut ru) };
        if r >= 0 {
            return Ok((status, ru));
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4: {e}"));
        }
    }
}

/// The peak RSS this method reports for a process that does nothing (`true`): figures near
/// it are the method's floor, not the measured program's.
pub fn rss_floor_kib() -> Option<u64> {
    run_measured(&Command::new("true")).ok().map(|p| p.rss_kib)
}
