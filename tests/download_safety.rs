//! Download safety (issue 10): a partial file is resumed only for the same object version, a
//! file the library did not write is never written into or removed, progress never goes back
//! when a server ignores `Range`, and a cancel reaches every request, the stat included.

mod common;

use common::{client, content, download_recording, emulator, emulator_with, TempDir, BUCKET};
use cosv4::download::part_path;
use cosv4::{CancelToken, Client, DownloadOptions, DownloadProgress, ErrorKind};
use cosv4_emulator::Emulator;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const SIZE: u64 = 3_000_000;

/// `<local>.part.cosv4-resume`.
fn record_of(local: &Path) -> PathBuf {
    let mut name = part_path(local).into_os_string();
    name.push(".cosv4-resume");
    PathBuf::from(name)
}

/// Starts a download of `cos_path` to `local` with `opts` and cancels it once `at_least` bytes
/// arrived (events are slowed down to see that many): a partial file stays. Returns its length.
fn interrupted(
    c: &Client,
    cos_path: &str,
    local: &Path,
    opts: &DownloadOptions,
    at_least: u64,
) -> u64 {
    let token = CancelToken::new();
    let opts = DownloadOptions {
        cancel: Some(token.clone()),
        ..opts.clone()
    };
    let mut first = |p: &DownloadProgress| {
        if p.bytes_done >= at_least {
            token.cancel();
        } else if p.bytes_done > 0 {
            std::thread::sleep(Duration::from_millis(60)); // past the events' throttle
        }
        ControlFlow::Continue(())
    };
    let e = c
        .download_file(BUCKET, cos_path, local, &opts, Some(&mut first))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    let part = if opts.resume_in_place && !opts.overwrite {
        local.to_path_buf()
    } else {
        part_path(local)
    };
    let len = std::fs::metadata(&part).unwrap().len();
    assert!(len >= at_least && len < SIZE, "{len}");
    len
}

/// Options that resume in the local file itself.
fn in_place() -> DownloadOptions {
    DownloadOptions {
        resume_in_place: true,
        ..DownloadOptions::default()
    }
}

fn no_sha_check() -> DownloadOptions {
    DownloadOptions {
        skip_sha_check: true,
        ..DownloadOptions::default()
    }
}

fn downloads(emu: &Emulator) -> Vec<(u16, Option<u64>)> {
    let log = emu.log();
    let dl = log.iter().filter(|e| e.op == "download");
    dl.map(|e| (e.status, e.offset)).collect()
}

/// Case 5: a part file of v1 is not continued once the object is v2 of the same size, even
/// without the SHA-1 check.
#[test]
fn a_part_of_an_older_version_is_not_resumed() {
    let emu = emulator();
    let c = client(&emu);
    let dir = TempDir::new();
    let local = dir.0.join("v.bin");
    emu.put_object("/s/v.bin", &content(SIZE, 1));
    interrupted(&c, "/s/v.bin", &local, &no_sha_check(), 1);
    let v2 = content(SIZE, 2);
    emu.put_object("/s/v.bin", &v2);
    let out = c
        .download_file(BUCKET, "/s/v.bin", &local, &no_sha_check(), None)
        .unwrap();
    assert!(std::fs::read(&local).unwrap() == v2, "v1 bytes spliced in");
    assert_eq!((out.bytes_resumed, out.bytes_received), (0, SIZE));
    assert!(!part_path(&local).exists() && !record_of(&local).exists());
}

/// Case 5: a part file without a resume record is not trusted: the download starts at 0.
#[test]
fn a_part_without_a_record_starts_over() {
    let emu = emulator();
    let c = client(&emu);
    let dir = TempDir::new();
    let local = dir.0.join("p.bin");
    let data = content(SIZE, 3);
    emu.put_object("/s/p.bin", &data);
    std::fs::write(part_path(&local), vec![0u8; 100_000]).unwrap();
    let out = c
        .download_file(BUCKET, "/s/p.bin", &local, &no_sha_check(), None)
        .unwrap();
    assert_eq!(out.bytes_resumed, 0);
    assert!(std::fs::read(&local).unwrap() == data, "foreign bytes kept");
    assert_eq!(downloads(&emu), [(200, Some(0))]);
}

/// Case 5: the object changes between the stat and the resumed GET. `If-Range` names the
/// recorded ETag, the server answers 200 with the new object, and the download fails with an
/// integrity error, removing its own part file and record; the next call starts clean.
#[test]
fn an_object_changed_after_the_stat_fails_and_discards_the_part() {
    let emu = emulator();
    let c = client(&emu);
    let dir = TempDir::new();
    let local = dir.0.join("c.bin");
    emu.put_object("/s/c.bin", &content(SIZE, 4));
    interrupted(&c, "/s/c.bin", &local, &no_sha_check(), 1);
    let v2 = content(SIZE, 5);
    emu.clear_log();
    // The first event comes after the stat, before the GET.
    let mut replaced = false;
    let mut replace = |_: &DownloadProgress| {
        if !replaced {
            emu.put_object("/s/c.bin", &v2);
            replaced = true;
        }
        ControlFlow::Continue(())
    };
    let e = c
        .download_file(
            BUCKET,
            "/s/c.bin",
            &local,
            &no_sha_check(),
            Some(&mut replace),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Integrity, "{e}");
    assert!(e.to_string().contains("changed"), "{e}");
    assert_eq!(downloads(&emu), [(200, Some(0))], "If-Range not honoured");
    assert!(!part_path(&local).exists() && !record_of(&local).exists());
    assert!(!local.exists());
    let out = c
        .download_file(BUCKET, "/s/c.bin", &local, &no_sha_check(), None)
        .unwrap();
    assert_eq!(out.bytes_resumed, 0);
    assert!(std::fs::read(&local).unwrap() == v2);
}

/// Case 6: a user's file at the target is neither written into nor removed, in place or not;
/// the error names it and says how to replace it.
#[test]
fn a_users_file_is_never_touched_without_overwrite() {
    let emu = emulator();
    let c = client(&emu);
    let dir = TempDir::new();
    emu.put_object("/s/n.txt", &content(SIZE, 6));
    let local = dir.file("important.txt", b"my notes");
    for in_place in [true, false] {
        let opts = DownloadOptions {
            resume_in_place: in_place,
            ..DownloadOptions::default()
        };
        let e = c
            .download_file(BUCKET, "/s/n.txt", &local, &opts, None)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Usage, "in place {in_place}: {e}");
        let msg = e.to_string();
        assert!(
            msg.contains("important.txt") && msg.contains("overwrite"),
            "{msg}"
        );
        assert_eq!(std::fs::read(&local).unwrap(), b"my notes");
        assert!(!part_path(&local).exists() && !record_of(&local).exists());
    }
}

/// Case 6: with overwrite (and resume_in_place) the user's file is replaced atomically: it is
/// intact after an interrupted attempt, and replaced by the whole object at the end.
#[test]
fn overwrite_replaces_a_users_file_atomically() {
    let emu = emulator();
    let c = client(&emu);
    let dir = TempDir::new();
    let data = content(SIZE, 7);
    emu.put_object("/s/o.txt", &data);
    let local = dir.file("important.txt", b"my notes");
    let opts = DownloadOptions {
        resume_in_place: true,
        overwrite: true,
        ..DownloadOptions::default()
    };
    let partial = interrupted(&c, "/s/o.txt", &local, &opts, 1);
    assert_eq!(std::fs::read(&local).unwrap(), b"my notes");
    let out = c
        .download_file(BUCKET, "/s/o.txt", &local, &opts, None)
        .unwrap();
    assert_eq!(out.bytes_resumed, partial);
    assert!(std::fs::read(&local).unwrap() == data);
    assert!(!part_path(&local).exists() && !record_of(&local).exists());
}

/// Case 12: a server that ignores `Range` answers 200 to the resumed request; the bytes on disk
/// are skipped, not counted again: progress never goes back and the file is right.
#[test]
fn progress_never_goes_back_when_range_is_ignored() {
    let emu = emulator_with(|cfg| cfg.ignore_range = true);
    let c = client(&emu);
    let dir = TempDir::new();
    let local = dir.0.join("r.bin");
    let data = content(SIZE, 8);
    emu.put_object("/s/r.bin", &data);
    // More than one read of the resumed answer: a count restarted from 0 would show.
    let partial = interrupted(
        &c,
        "/s/r.bin",
        &local,
        &DownloadOptions::default(),
        1_000_000,
    );
    emu.clear_log();
    let (out, events) = download_recording(&c, "/s/r.bin", &local);
    assert_eq!(downloads(&emu), [(200, Some(0))]);
    assert!(std::fs::read(&local).unwrap() == data);
    assert_eq!(out.bytes_resumed, partial);
    assert!(events.iter().all(|p| p.bytes_done >= partial), "{events:?}");
    assert!(events
        .windows(2)
        .all(|w| w[0].bytes_done <= w[1].bytes_done));
    assert!(events.last().unwrap().done);
}

/// Case 14: a cancel while the stat is in flight ends the download promptly.
#[test]
fn a_cancel_during_the_stat_is_prompt() {
    let emu = emulator_with(|cfg| cfg.stat_delay_ms = 4_000);
    let c = client(&emu);
    let dir = TempDir::new();
    let token = CancelToken::new();
    let opts = DownloadOptions {
        cancel: Some(token.clone()),
        ..DownloadOptions::default()
    };
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        token.cancel();
    });
    let t = Instant::now();
    let e = c
        .download_file(BUCKET, "/s/slow.bin", dir.0.join("slow.bin"), &opts, None)
        .unwrap_err();
    let took = t.elapsed();
    canceller.join().unwrap();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    assert!(took < Duration::from_millis(2_000), "took {took:?}");
}

/// A symbolic link planted at `<local>.part` (in a shared directory anyone can) is never
/// followed: the file it points to stays as it was, and the download fails saying so. The old
/// code truncated the link's target and wrote the object into it, then reported success. A
/// link at the record's temporary name is removed, not written through.
#[test]
fn a_link_at_the_part_name_is_never_written_through() {
    let emu = emulator();
    let c = client(&emu);
    let dir = TempDir::new();
    emu.put_object("/s/l.bin", &content(SIZE, 40));
    let precious = dir.0.join("precious");
    std::fs::write(&precious, b"precious user data").unwrap();
    let local = dir.0.join("l.bin");
    std::os::unix::fs::symlink(&precious, part_path(&local)).unwrap();
    let e = c
        .download_file(
            BUCKET,
            "/s/l.bin",
            &local,
            &DownloadOptions::default(),
            None,
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LocalIo, "{e}");
    assert!(e.to_string().contains("is a symbolic link"), "{e}");
    assert_eq!(std::fs::read(&precious).unwrap(), b"precious user data");
    assert!(!local.exists());

    let other = dir.0.join("o.bin");
    let mut tmp = record_of(&other).into_os_string();
    tmp.push(".tmp");
    std::os::unix::fs::symlink(&precious, &tmp).unwrap();
    c.download_file(
        BUCKET,
        "/s/l.bin",
        &other,
        &DownloadOptions::default(),
        None,
    )
    .unwrap();
    assert_eq!(std::fs::read(&precious).unwrap(), b"precious user data");
}

/// Two downloads into the same local file at once: the second is refused while the first
/// holds the part file, and the first ends byte-exact. The old code let the second truncate
/// and rewrite the part file under the first, whose SHA-1 check (of the bytes it received)
/// still passed: a file of neither version was reported good.
#[test]
fn a_second_download_into_the_same_file_is_refused() {
    let emu = emulator();
    let data = content(SIZE, 41);
    emu.put_object("/s/two.bin", &data);
    let dir = TempDir::new();
    let local = dir.0.join("two.bin");
    let slow = common::client_with(&emu, |cfg| cfg.limit_rate = Some(1 << 20)); // ~3 s
    let first = {
        let local = local.clone();
        std::thread::spawn(move || {
            slow.download_file(BUCKET, "/s/two.bin", &local, &Default::default(), None)
        })
    };
    let part = part_path(&local);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::metadata(&part).map_or(0, |m| m.len()) == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let e = client(&emu)
        .download_file(
            BUCKET,
            "/s/two.bin",
            &local,
            &DownloadOptions::default(),
            None,
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LocalIo, "{e}");
    assert!(e.to_string().contains("in progress"), "{e}");
    first.join().unwrap().unwrap();
    assert!(std::fs::read(&local).unwrap() == data);
}

/// An object without a SHA-1 (and so without an ETag) replaced by another of the same size in
/// the same second: size and mtime cannot tell the versions apart, so such a part file is not
/// resumed. The old code joined the two versions and reported success.
#[test]
fn without_sha_nor_etag_a_part_is_not_resumed() {
    let emu = emulator_with(|c| c.clock = Some(std::sync::Arc::new(|| 1_700_000_000)));
    let c = client(&emu);
    let dir = TempDir::new();
    let local = dir.0.join("n.bin");
    emu.put_object_with_sha("/s/n.bin", &content(SIZE, 42), "");
    interrupted(&c, "/s/n.bin", &local, &DownloadOptions::default(), 1);
    let v2 = content(SIZE, 43);
    emu.put_object_with_sha("/s/n.bin", &v2, "");
    let out = c
        .download_file(
            BUCKET,
            "/s/n.bin",
            &local,
            &DownloadOptions::default(),
            None,
        )
        .unwrap();
    assert_eq!(out.bytes_resumed, 0);
    assert!(std::fs::read(&local).unwrap() == v2, "two versions joined");
}

/// With `resume_in_place`, a leftover record does not make a file written anew at that name
/// ours: it is neither appended to nor removed (the old code resumed onto the user's bytes,
/// failed the SHA-1 check and deleted the user's file). An empty local path is refused.
#[test]
fn a_record_left_beside_another_file_does_not_make_it_ours() {
    let emu = emulator();
    let c = client(&emu);
    let dir = TempDir::new();
    let local = dir.0.join("in.bin");
    emu.put_object("/s/in.bin", &content(SIZE, 44));
    let in_place = in_place();
    interrupted(&c, "/s/in.bin", &local, &in_place, 1);
    std::fs::remove_file(&local).unwrap();
    std::fs::write(&local, b"the user's own file").unwrap();
    let e = c
        .download_file(BUCKET, "/s/in.bin", &local, &in_place, None)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Usage, "{e}");
    assert_eq!(std::fs::read(&local).unwrap(), b"the user's own file");

    let e = c
        .download_file(BUCKET, "/s/in.bin", Path::new(""), &in_place, None)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Usage, "{e}");
}

/// With `resume_in_place`, the user rewrites the interrupted file *in place* (same inode, same
/// birth time: `cp` onto it, a shell redirect): the record's hash of the file's first bytes no
/// longer matches, so the file is not ours — neither appended to nor removed. The identity
/// check alone took it for ours.
#[test]
fn a_file_rewritten_in_place_is_not_taken_for_the_partial_download() {
    let emu = emulator();
    let c = client(&emu);
    let dir = TempDir::new();
    let local = dir.0.join("rw.bin");
    emu.put_object("/s/rw.bin", &content(SIZE, 45));
    let in_place = in_place();
    interrupted(&c, "/s/rw.bin", &local, &in_place, 200_000);
    let inode = |p: &Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap());
    let before = inode(&local);
    std::fs::write(&local, vec![b'u'; 100_000]).unwrap(); // truncates and writes: same inode
    assert_eq!(inode(&local), before);
    let e = c
        .download_file(BUCKET, "/s/rw.bin", &local, &in_place, None)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Usage, "{e}");
    assert_eq!(std::fs::read(&local).unwrap(), vec![b'u'; 100_000]);
    // Its own interrupted download still resumes in place.
    let other = dir.0.join("own.bin");
    let had = interrupted(&c, "/s/rw.bin", &other, &in_place, 200_000);
    let out = c
        .download_file(BUCKET, "/s/rw.bin", &other, &in_place, None)
        .unwrap();
    assert_eq!(out.bytes_resumed, had);
    assert!(std::fs::read(&other).unwrap() == content(SIZE, 45));
}
