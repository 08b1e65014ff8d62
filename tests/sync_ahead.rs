//! A sync's folder listings fetched ahead of the walk, several at once: the results are those
//! of a walk listing each folder when it enters it (every folder existing remotely listed
//! once, every page; folders absent remotely, excluded or remote-only as before), with one
//! request permit or many; a cancel while listings are in flight returns at once and nothing
//! is sent after; a folder whose listing fails is reported as before.

mod common;
mod front;

use common::{client, client_with, content, enforcing, ops, write_file as write, TempDir, BUCKET};
use cosv4::{
    BatchOptions, BatchOutcome, BatchSource, CancelToken, Client, Endpoint, ErrorKind, FileStatus,
    Filter, SyncOptions,
};
use cosv4_emulator::Emulator;
use front::{Action, Front};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

fn source(root: &Path) -> BatchSource {
    BatchSource::Dir {
        local: root.to_path_buf(),
        cos_folder: "/dst/".into(),
    }
}

/// A sync with `delete`, leaving out `skip/` and `*.log`.
fn sync_opts(dry_run: bool, max_requests: usize) -> BatchOptions {
    BatchOptions {
        sync: Some(SyncOptions {
            delete: true,
            ..SyncOptions::default()
        }),
        filter: Filter::new([] as [&str; 0], ["skip/", "*.log"]).unwrap(),
        dry_run,
        max_requests,
        ..BatchOptions::default()
    }
}

/// cos path → status name ("unchanged" for unchanged items), of every item.
fn statuses(out: &BatchOutcome) -> BTreeMap<String, String> {
    let name = |s: &FileStatus| match s {
        FileStatus::Unchanged => "unchanged".to_string(),
        FileStatus::Failed(e) => format!("failed: {e}"),
        other => other.name().to_string(),
    };
    out.files
        .iter()
        .map(|f| (f.cos_path.clone(), name(&f.status)))
        .collect()
}

/// The items of `out` are `want` (cos path → status name); the message shows the
/// differences only.
fn assert_same_statuses(out: &BatchOutcome, want: &BTreeMap<String, String>, what: &str) {
    let got = statuses(out);
    let keys: std::collections::BTreeSet<_> = got.keys().chain(want.keys()).collect();
    let diff: Vec<_> = keys
        .into_iter()
        .filter(|k| got.get(*k) != want.get(*k))
        .map(|k| format!("{k}: {:?}, expected {:?}", got.get(k), want.get(k)))
        .collect();
    assert!(diff.is_empty(), "{what}:\n{}", diff.join("\n"));
}

/// The list requests of the emulator's log (since its last clear), by folder.
fn lists(emu: &Emulator) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for e in emu.log().into_iter().filter(|e| e.op == "list") {
        *out.entry(e.path).or_insert(0) += 1;
    }
    out
}

/// Folders of 3 files (`d0/` .. `d4/`, `d2/deep/`), one of 260 files and a sub-folder
/// (`big/`: two pages), an empty directory, and excluded paths.
fn tree(root: &Path) {
    write(root, "top.txt", b"top");
    for i in 0..260 {
        write(root, &format!("big/f{i:03}"), format!("big {i}").as_bytes());
    }
    for i in 0..3 {
        write(root, &format!("big/sub/s{i}"), &content(10 + i, i));
        for d in 0..5 {
            write(root, &format!("d{d}/f{i}"), &content(100, 10 * d + i));
        }
    }
    write(root, "d2/deep/x.txt", b"deep");
    write(root, "skip/s.txt", b"excluded folder");
    write(root, "d0/app.log", b"excluded file");
    std::fs::create_dir_all(root.join("emptydir")).unwrap();
}

#[test]
fn listings_ahead_give_the_results_of_one_listing_at_a_time() {
    let emu = enforcing();
    let client = client(&emu);
    let dir = TempDir::new();
    tree(&dir.0);
    let plain = BatchOptions {
        sync: None,
        ..sync_opts(false, 8)
    };
    let first = client
        .upload_batch(BUCKET, source(&dir.0), &plain, None)
        .unwrap();
    assert_eq!(
        (first.uploaded, first.failed),
        (280, 0),
        "{:#?}",
        first.files
    );
    // Local changes: a same-size edit, an append, a file removed, new folders (absent
    // remotely); remote-only: a file in a listed folder, a folder, an excluded log.
    let mut f1 = content(100, 11);
    f1[7] ^= 1;
    write(&dir.0, "d1/f1", &f1);
    write(&dir.0, "big/f100", b"big 100, longer");
    std::fs::remove_file(dir.0.join("d4/f2")).unwrap();
    write(&dir.0, "new/n.txt", b"new");
    write(&dir.0, "new/inner/m.txt", b"newer");
    emu.put_object("/dst/d3/remote-only.txt", b"extra");
    client.create_folder(BUCKET, "/dst/gone/", "").unwrap();
    emu.put_object("/dst/gone/g.txt", b"extra folder");
    emu.put_object("/dst/d3/remote.log", b"excluded");

    let changed = [
        "/dst/big/f100",
        "/dst/d1/f1",
        "/dst/new/inner/m.txt",
        "/dst/new/n.txt",
    ];
    let extras = [
        "/dst/d3/remote-only.txt",
        "/dst/d4/f2",
        "/dst/gone/",
        "/dst/gone/g.txt",
    ];
    let expect = |upload: &str, delete: &str| {
        let mut want = BTreeMap::new();
        let mut unchanged = vec!["/dst/top.txt".to_string(), "/dst/emptydir/".to_string()];
        unchanged.extend((0..260).map(|i| format!("/dst/big/f{i:03}")));
        for i in 0..3 {
            unchanged.push(format!("/dst/big/sub/s{i}"));
            unchanged.extend((0..5).map(|d| format!("/dst/d{d}/f{i}")));
        }
        unchanged.push("/dst/d2/deep/x.txt".into());
        for p in unchanged {
            want.insert(p, "unchanged".to_string());
        }
        want.remove("/dst/d4/f2");
        for p in changed {
            want.insert(p.to_string(), upload.to_string());
        }
        for p in extras {
            want.insert(p.to_string(), delete.to_string());
        }
        want
    };
    // Every folder existing remotely that the walk enters is listed once (every page);
    // `new/` (absent remotely) and `skip/` (excluded) are not; the deletions list the
    // remote-only folder.
    let mut listed: BTreeMap<String, usize> = ["/dst/", "/dst/big/sub/", "/dst/emptydir/"]
        .into_iter()
        .chain(["/dst/d0/", "/dst/d1/", "/dst/d2/", "/dst/d3/", "/dst/d4/"])
        .chain(["/dst/d2/deep/"])
        .map(|f| (f.to_string(), 1))
        .collect();
    listed.insert("/dst/big/".into(), 2);
    listed.insert("/dst/gone/".into(), 1);

    for max_requests in [1, 8] {
        emu.clear_log();
        let opts = sync_opts(true, max_requests);
        let dry = client
            .upload_batch(BUCKET, source(&dir.0), &opts, None)
            .unwrap();
        let want = expect("would-upload", "would-delete");
        assert_same_statuses(
            &dry,
            &want,
            &format!("dry run, max_requests {max_requests}"),
        );
        assert_eq!(lists(&emu), listed, "dry run, max_requests {max_requests}");
        assert_eq!(ops(&emu).keys().collect::<Vec<_>>(), ["list"]);
    }
    emu.clear_log();
    let out = client
        .upload_batch(BUCKET, source(&dir.0), &sync_opts(false, 8), None)
        .unwrap();
    assert_same_statuses(&out, &expect("uploaded", "deleted"), "sync");
    assert_eq!(
        (out.uploaded, out.deleted, out.failed, out.unchanged),
        (4, 4, 0, 278)
    );
    assert_eq!(lists(&emu), listed);
    assert!(
        emu.object("/dst/d3/remote.log").is_some(),
        "an excluded file was deleted"
    );
    assert!(
        emu.object("/dst/skip/s.txt").is_none(),
        "an excluded folder was uploaded"
    );
    emu.clear_log();
    let again = client
        .upload_batch(BUCKET, source(&dir.0), &sync_opts(false, 8), None)
        .unwrap();
    assert_eq!((again.unchanged, again.uploaded, again.failed), (282, 0, 0));
    assert_eq!(ops(&emu).keys().collect::<Vec<_>>(), ["list"]);
}

/// `root` with the folders `d0/` .. `d5/` of two files each, uploaded to `/dst/`.
fn uploaded_tree(emu: &Emulator, root: &Path) {
    for d in 0..6 {
        for i in 0..2 {
            write(root, &format!("d{d}/f{i}"), &content(50, 10 * d + i));
        }
    }
    let out = client(emu)
        .upload_batch(BUCKET, source(root), &BatchOptions::default(), None)
        .unwrap();
    assert_eq!((out.uploaded, out.failed), (12, 0));
}

/// A client of `emu` whose requests go through `front`.
fn through(emu: &Emulator, front: &Front) -> Client {
    client_with(emu, |c| {
        c.endpoint = Some(Endpoint::BaseUrl(front.url.clone()))
    })
}

#[test]
fn a_cancel_while_listings_are_fetched_ahead_returns_at_once_and_sends_nothing_more() {
    let emu = enforcing();
    let dir = TempDir::new();
    uploaded_tree(&emu, &dir.0);
    // The listings of the sub-folders after the first are held: the walk waits for the
    // second one while the next ones are in flight.
    let front = Front::start(&emu.base_url(), |seen| {
        let free = ["/dst/", "/dst/d0/"].iter().any(|f| seen.is_list_of(f));
        if seen.op() == "list" && !free {
            Action::Hold
        } else {
            Action::Forward
        }
    });
    let client = through(&emu, &front);
    let token = CancelToken::new();
    let opts = BatchOptions {
        sync: Some(SyncOptions::default()),
        cancel: Some(token.clone()),
        ..BatchOptions::default()
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let root = dir.0.clone();
    let batch = std::thread::spawn(move || {
        let r = client.upload_batch(BUCKET, source(&root), &opts, None);
        tx.send(r).unwrap();
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while front.held() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        front.held() >= 2,
        "listings are not fetched several at once: {} held",
        front.held()
    );
    let cancelled = Instant::now();
    token.cancel();
    let result = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the batch returns");
    assert!(cancelled.elapsed() < Duration::from_secs(2), "not prompt");
    batch.join().unwrap();
    let e = result.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    // Requests on their way when it returned have reached the front after a moment; nothing
    // comes after that.
    std::thread::sleep(Duration::from_millis(100));
    let sent = front.seen().len();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        front.seen().len(),
        sent,
        "requests sent after the batch returned"
    );
    let seen = front.seen();
    assert!(seen.iter().all(|s| s.op() == "list"), "{seen:?}");
}

#[test]
fn a_folder_whose_listing_fails_is_reported_and_its_files_sent_as_before() {
    let emu = enforcing();
    let dir = TempDir::new();
    uploaded_tree(&emu, &dir.0);
    emu.put_object("/dst/d2/extra", b"remote only");
    let front = Front::start(&emu.base_url(), |seen| {
        if seen.is_list_of("/dst/d1/") {
            let body = r#"{"code":-71,"message":"front: unavailable"}"#;
            Action::Answer(503, body.to_string())
        } else {
            Action::Forward
        }
    });
    let client = through(&emu, &front);
    let opts = BatchOptions {
        sync: Some(SyncOptions {
            delete: true,
            ..SyncOptions::default()
        }),
        ..BatchOptions::default()
    };
    let out = client
        .upload_batch(BUCKET, source(&dir.0), &opts, None)
        .unwrap();
    let s = statuses(&out);
    assert_eq!(out.failed, 1, "{s:#?}");
    assert!(
        s["/dst/d1/"].starts_with("failed: ")
            && s["/dst/d1/"].contains("listing the folder /dst/d1/"),
        "{}",
        s["/dst/d1/"]
    );
    // Its files are sent (without replacing: the listing counts as empty), the others are
    // unchanged, and no deletion happens after a failure.
    assert_eq!(
        (s["/dst/d1/f0"].as_str(), s["/dst/d1/f1"].as_str()),
        ("uploaded", "uploaded")
    );
    assert_eq!(
        (out.uploaded, out.unchanged, out.deleted),
        (2, 10, 0),
        "{s:#?}"
    );
    assert_eq!(s["/dst/d2/extra"], "skipped");
    assert!(emu.object("/dst/d2/extra").is_some());
    // The failed listing was retried.
    let tries = front
        .seen()
        .iter()
        .filter(|s| s.is_list_of("/dst/d1/"))
        .count();
    assert!(tries > 1, "{tries} list requests of /dst/d1/");
}
