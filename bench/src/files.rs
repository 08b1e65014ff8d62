//! Test files: pseudo-random content written once to disk, then read once into the page cache.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

const CHUNK: usize = 4 << 20;

/// Writes `size` pseudo-random bytes (seeded by the size) to `path`, synced so that
/// write-back does not run during the measurements.
pub fn create(path: &Path, size: u64) -> io::Result<()> {
    create_seeded(path, size, size)
}

/// Fills `buf` (a multiple of 8 bytes long) with xorshift64* output, advancing `state`.
pub fn fill(buf: &mut [u8], state: &mut u64) {
    for word in buf.chunks_exact_mut(8) {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        word.copy_from_slice(&state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
}

/// [`create`] with content of its own: files of one size with different seeds differ.
pub fn create_seeded(path: &Path, size: u64, seed: u64) -> io::Result<()> {
    let mut f = File::create(path)?;
    let mut state = seed ^ 0x9e37_79b9_7f4a_7c15;
    let mut buf = vec![0u8; CHUNK];
    let mut left = size;
    while left > 0 {
        fill(&mut buf, &mut state);
        let n = left.min(CHUNK as u64) as usize;
        f.write_all(&buf[..n])?;
        left -= n as u64;
    }
    f.sync_all()
}

/// Reads the file fully once so it sits in the page cache.
pub fn warm(path: &Path) -> io::Result<()> {
    let mut f = File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    while f.read(&mut buf)? > 0 {}
    Ok(())
}

/// Free bytes of the file system holding `dir`.
pub fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a properly sized out-parameter.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    Some(st.f_bavail as u64 * st.f_frsize as u64)
}

/// `MemAvailable` from /proc/meminfo, in bytes.
pub fn mem_available() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Checks there is room for a test file of `size` on disk, its object on the data file system,
/// and memory for both (page cache + tmpfs), with 1 GiB to spare each.
pub fn room_for(size: u64, files_dir: &Path, data_dir: &Path) -> Result<(), String> {
    const SPARE: u64 = 1 << 30;
    let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
    let disk = free_bytes(files_dir).unwrap_or(0);
    if disk < size + SPARE {
        return Err(format!(
            "{:.1} GiB free on {}",
            gib(disk),
            files_dir.display()
        ));
    }
    let data = free_bytes(data_dir).unwrap_or(0);
    if data < size + SPARE {
        return Err(format!(
            "{:.1} GiB free on {}",
            gib(data),
            data_dir.display()
        ));
    }
    let mem = mem_available().unwrap_or(0);
    if mem < 2 * size + SPARE {
        return Err(format!(
            "{:.1} GiB of memory available, {:.1} GiB needed",
            gib(mem),
            gib(2 * size + SPARE)
        ));
    }
    Ok(())
}
