//! `Client::upload_batch` with `sync`: only what changed is sent (checked in the emulator's
//! request log), include/exclude patterns, dry run, deletions and their refusals, listings of
//! several pages, remote objects without a SHA-1.

mod common;

use common::{assert_nothing_changed, assert_same, client, content, ops, TempDir, BUCKET, MIB};
use cosv4::{
    BatchOptions, BatchOutcome, BatchSource, Client, Compare, ErrorKind, FileStatus, Filter,
    SyncOptions,
};
use std::collections::BTreeMap;
use std::path::Path;

use common::{enforcing, write_file as write};

/// A small tree: nested folders, an empty file, an empty directory, one sliced file.
fn tree(root: &Path) {
    write(root, "a.txt", &content(100, 1));
    write(root, "b.txt", &content(3000, 2));
    write(root, "empty.bin", b"");
    write(root, "sub/c.txt", &content(5000, 3));
    write(root, "sub/deep/d.txt", &content(10, 4));
    write(root, "sub/big.bin", &content(9 * MIB, 5));
    write(root, "logs/x.log", &content(50, 6));
    std::fs::create_dir_all(root.join("emptydir")).unwrap();
}

fn sync_opts(delete: bool) -> BatchOptions {
    BatchOptions {
        sync: Some(SyncOptions {
            delete,
            ..SyncOptions::default()
        }),
        ..BatchOptions::default()
    }
}

fn run(client: &Client, root: &Path, opts: &BatchOptions) -> BatchOutcome {
    let source = BatchSource::Dir {
        local: root.to_path_buf(),
        cos_folder: "/dst/".into(),
    };
    client.upload_batch(BUCKET, source, opts, None).unwrap()
}

/// cos path → status name, of every item.
fn statuses(out: &BatchOutcome) -> BTreeMap<String, &'static str> {
    let name = |s: &FileStatus| match s {
        FileStatus::Unchanged => "unchanged",
        other => other.name(),
    };
    out.files
        .iter()
        .map(|f| (f.cos_path.clone(), name(&f.status)))
        .collect()
}

#[test]
fn an_unchanged_tree_sends_list_requests_only() {
    let emu = enforcing();
    let client = client(&emu);
    let dir = TempDir::new();
    tree(&dir.0);
    let first = run(&client, &dir.0, &sync_opts(false));
    assert_eq!((first.uploaded, first.failed), (7, 0), "{:#?}", first.files);
    assert_eq!(first.folders, 1);
    emu.clear_log();
    let again = run(&client, &dir.0, &sync_opts(true));
    assert_eq!(
        (again.uploaded, again.unchanged, again.deleted, again.failed),
        (0, 8, 0, 0),
        "{:#?}",
        again.files
    );
    assert_eq!(again.bytes_sent, 0);
    let ops = ops(&emu);
    assert_eq!(ops.keys().collect::<Vec<_>>(), ["list"], "{ops:?}");
}

#[test]
fn exactly_the_changed_files_are_sent() {
    let emu = enforcing();
    let client = client(&emu);
    let dir = TempDir::new();
    tree(&dir.0);
    run(&client, &dir.0, &sync_opts(false));
    // A same-size edit, an append, a new file (in a new folder).
    let mut b = content(3000, 2);
    b[1500] ^= 0xff;
    write(&dir.0, "b.txt", &b);
    write(&dir.0, "sub/c.txt", &content(5001, 3));
    write(&dir.0, "new/n.txt", b"new");
    emu.clear_log();
    let out = run(&client, &dir.0, &sync_opts(false));
    let sent: Vec<_> = statuses(&out)
        .into_iter()
        .filter(|(_, s)| *s == "uploaded")
        .map(|(p, _)| p)
        .collect();
    assert_eq!(sent, ["/dst/b.txt", "/dst/new/n.txt", "/dst/sub/c.txt"]);
    assert_eq!((out.unchanged, out.failed), (6, 0), "{:#?}", out.files);
    for rel in ["b.txt", "sub/c.txt", "new/n.txt", "a.txt"] {
        assert_same(&emu, &dir.0, rel);
    }
    let uploads = ops(&emu).get("upload").copied().unwrap_or(0);
    assert_eq!(uploads, 3, "{:?}", ops(&emu));
}

#[test]
fn a_file_removed_locally_stays_without_delete_and_goes_with_it() {
    let emu = enforcing();
    let client = client(&emu);
    let dir = TempDir::new();
    tree(&dir.0);
    run(&client, &dir.0, &sync_opts(false));
    std::fs::remove_file(dir.0.join("a.txt")).unwrap();
    std::fs::remove_dir_all(dir.0.join("sub/deep")).unwrap();
    let kept = run(&client, &dir.0, &sync_opts(false));
    assert_eq!(kept.deleted, 0);
    assert!(emu.object("/dst/a.txt").is_some());
    let out = run(&client, &dir.0, &sync_opts(true));
    let deleted: Vec<_> = statuses(&out)
        .into_iter()
        .filter(|(_, s)| *s == "deleted")
        .map(|(p, _)| p)
        .collect();
    assert_eq!(
        deleted,
        ["/dst/a.txt", "/dst/sub/deep/", "/dst/sub/deep/d.txt"],
        "{:#?}",
        out.files
    );
    assert!(emu.object("/dst/a.txt").is_none());
    assert!(!emu.folder_exists("/dst/sub/deep/"));
    assert_same(&emu, &dir.0, "b.txt");
}

#[test]
fn a_dry_run_lists_and_compares_and_changes_nothing() {
    let emu = enforcing();
    let client = client(&emu);
    let dir = TempDir::new();
    tree(&dir.0);
    run(&client, &dir.0, &sync_opts(false));
    write(&dir.0, "b.txt", &content(3000, 99));
    write(&dir.0, "newdir/n.txt", b"n");
    std::fs::remove_file(dir.0.join("a.txt")).unwrap();
    std::fs::create_dir_all(dir.0.join("empty2")).unwrap();
    emu.clear_log();
    let opts = BatchOptions {
        dry_run: true,
        ..sync_opts(true)
    };
    let out = run(&client, &dir.0, &opts);
    let s = statuses(&out);
    assert_eq!(s["/dst/b.txt"], "would-upload");
    assert_eq!(s["/dst/newdir/n.txt"], "would-upload");
    assert_eq!(s["/dst/empty2/"], "would-upload");
    assert_eq!(s["/dst/a.txt"], "would-delete");
    assert_eq!(s["/dst/c.txt".replace("c", "sub/c").as_str()], "unchanged");
    assert_eq!((out.would_upload, out.would_delete), (3, 1));
    assert_nothing_changed(&emu);
    assert!(emu.object("/dst/a.txt").is_some());
    assert!(emu.object("/dst/newdir/n.txt").is_none());
}

#[test]
fn excluded_files_are_neither_uploaded_nor_deleted() {
    let emu = enforcing();
    let client = client(&emu);
    let dir = TempDir::new();
    tree(&dir.0);
    // Remote-only files: one excluded by name, one under an excluded folder, one not.
    emu.put_object("/dst/keep.log", b"remote log");
    emu.put_object("/dst/cache/blob", b"remote cache");
    emu.put_object("/dst/gone.txt", b"remote only");
    let opts = BatchOptions {
        filter: Filter::new([] as [&str; 0], ["*.log", "cache/", "sub/deep/"]).unwrap(),
        ..sync_opts(true)
    };
    let out = run(&client, &dir.0, &opts);
    assert_eq!(out.failed, 0, "{:#?}", out.files);
    let s = statuses(&out);
    assert!(!s.contains_key("/dst/logs/x.log"), "{s:?}");
    assert!(!s.contains_key("/dst/sub/deep/d.txt"), "{s:?}");
    assert_eq!(s["/dst/gone.txt"], "deleted");
    assert!(
        emu.object("/dst/logs/x.log").is_none(),
        "an excluded file was uploaded"
    );
    assert!(
        emu.object("/dst/keep.log").is_some(),
        "an excluded file was deleted"
    );
    assert!(
        emu.object("/dst/cache/blob").is_some(),
        "an excluded folder was emptied"
    );
    assert!(emu.object("/dst/gone.txt").is_none());
    // Includes: only the .txt files (folders are still walked).
    let only_txt = BatchOptions {
        filter: Filter::new(["*.txt"], [] as [&str; 0]).unwrap(),
        ..sync_opts(false)
    };
    let dir2 = TempDir::new();
    tree(&dir2.0);
    let out = run(&client, &dir2.0, &only_txt);
    let mut names: Vec<_> = statuses(&out).into_keys().collect();
    names.sort();
    assert_eq!(
        names,
        [
            "/dst/a.txt",
            "/dst/b.txt",
            "/dst/sub/c.txt",
            "/dst/sub/deep/d.txt"
        ]
    );
}

#[test]
fn an_empty_source_with_delete_is_refused_unless_forced() {
    let emu = enforcing();
    let client = client(&emu);
    let dir = TempDir::new();
    tree(&dir.0);
    run(&client, &dir.0, &sync_opts(false));
    let empty = TempDir::new();
    emu.clear_log();
    let source = BatchSource::Dir {
        local: empty.0.clone(),
        cos_folder: "/dst/".into(),
    };
    let e = client
        .upload_batch(BUCKET, source, &sync_opts(true), None)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Usage);
    assert!(e.to_string().contains("refusing"), "{e}");
    assert_nothing_changed(&emu);
    // A source with nothing in the batch (a link, not followed): the deletions fail one by
    // one. (Patterns cannot empty it: what they leave out is never deleted either.)
    let links = TempDir::new();
    std::os::unix::fs::symlink(&dir.0, links.0.join("link")).unwrap();
    let out = run(&client, &links.0, &sync_opts(true));
    assert!(out.failed > 0 && out.deleted == 0, "{:#?}", out.files);
    let refused = |f: &&cosv4::FileResult| match &f.status {
        FileStatus::Failed(e) => e.to_string().contains("refusing"),
        _ => false,
    };
    assert!(out.files.iter().any(|f| refused(&f)), "{:#?}", out.files);
    assert_nothing_changed(&emu);
    // A missing source is refused too.
    let missing = BatchSource::Dir {
        local: dir.0.join("no-such-dir"),
        cos_folder: "/dst/".into(),
    };
    let e = client
        .upload_batch(BUCKET, missing, &sync_opts(true), None)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Usage);
    // Forced: the empty source empties the folder.
    let forced = BatchOptions {
        sync: Some(SyncOptions {
            delete: true,
            force: true,
            ..SyncOptions::default()
        }),
        ..BatchOptions::default()
    };
    let out = run(&client, &empty.0, &forced);
    assert_eq!(out.failed, 0, "{:#?}", out.files);
    assert!(emu.object("/dst/a.txt").is_none());
    assert!(!emu.folder_exists("/dst/sub/"));
}

#[test]
fn a_failure_withholds_every_deletion() {
    let emu = enforcing();
    let client = client(&emu);
    let dir = TempDir::new();
    tree(&dir.0);
    run(&client, &dir.0, &sync_opts(false));
    emu.put_object("/dst/gone.txt", b"remote only");
    // A name the cos path rules refuse: that file fails.
    write(&dir.0, "bad\u{1}name", b"x");
    let out = run(&client, &dir.0, &sync_opts(true));
    assert_eq!((out.failed, out.deleted), (1, 0), "{:#?}", out.files);
    assert_eq!(statuses(&out)["/dst/gone.txt"], "skipped");
    assert!(emu.object("/dst/gone.txt").is_some());
}

#[test]
fn a_folder_of_more_than_one_page_is_listed_whole() {
    let emu = enforcing();
    let client = client(&emu);
    let dir = TempDir::new();
    for i in 0..250 {
        write(&dir.0, &format!("many/f{i:03}"), format!("{i}").as_bytes());
    }
    let first = run(&client, &dir.0, &sync_opts(false));
    assert_eq!(first.uploaded, 250);
    emu.put_object("/dst/many/zz-remote-only", b"x");
    emu.clear_log();
    let again = run(&client, &dir.0, &sync_opts(true));
    assert_eq!((again.unchanged, again.uploaded), (250, 0));
    assert_eq!(again.deleted, 1, "{:#?}", again.files);
    let lists = emu
        .log()
        .iter()
        .filter(|e| e.op == "list" && e.path.starts_with("/dst/many/"))
        .count();
    assert!(lists >= 2, "{lists} list requests for 251 entries");
}

#[test]
fn a_remote_object_without_sha_is_changed_unless_size_only() {
    let emu = enforcing();
    let client = client(&emu);
    let dir = TempDir::new();
    write(&dir.0, "f.txt", b"same size!");
    client.create_folder(BUCKET, "/dst/", "").unwrap();
    emu.put_object_with_sha("/dst/f.txt", b"SAME SIZE!", "");
    let size_only = BatchOptions {
        sync: Some(SyncOptions {
            compare: Compare::SizeOnly,
            ..SyncOptions::default()
        }),
        ..BatchOptions::default()
    };
    let out = run(&client, &dir.0, &size_only);
    assert_eq!(out.unchanged, 1, "{:#?}", out.files);
    assert_eq!(emu.object("/dst/f.txt").unwrap(), b"SAME SIZE!");
    let out = run(&client, &dir.0, &sync_opts(false));
    assert_eq!(out.uploaded, 1, "{:#?}", out.files);
    assert_same(&emu, &dir.0, "f.txt");
}

#[test]
fn sync_and_filters_need_a_directory_source() {
    let emu = enforcing();
    let client = client(&emu);
    let list = BatchSource::List(Box::new(std::iter::empty()));
    let e = client
        .upload_batch(BUCKET, list, &sync_opts(false), None)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Usage);
}

/// An upload whose slices are all stored but whose finish never ran is listed with `filelen
/// == filesize` and the file's own SHA-1, but without a URL: it is not an object. A sync must
/// finish it (a resume: no slice sent again), not skip it as unchanged — which the old
/// completeness rule (`filelen == filesize`) did.
#[test]
fn an_unfinished_upload_with_every_slice_stored_is_not_taken_for_the_file() {
    let emu = common::emulator_with(|c| {
        c.implicit_folders = false;
        c.finish_unavailable = 1; // the first finish is answered 503
    });
    let client = common::client_with(&emu, |c| {
        c.retries = 0;
        c.simple_threshold = MIB;
    });
    let dir = TempDir::new();
    let data = content(3 * MIB, 7);
    write(&dir.0, "big.bin", &data);
    client.create_folder(BUCKET, "/dst/", "").unwrap();
    let local = dir.0.join("big.bin");
    let opts = cosv4::UploadOptions::default();
    let first = client.upload_file(BUCKET, "/dst/big.bin", &local, &opts);
    assert!(first.is_err(), "the finish was refused: {first:?}");
    let listed = client
        .list(BUCKET, "/dst/", &cosv4::ListOptions::default())
        .unwrap();
    let entry = listed.entries.iter().find(|e| e.name == "big.bin").unwrap();
    assert_eq!(
        (entry.filelen, entry.filesize),
        (3 * MIB, 3 * MIB),
        "{entry:?}"
    );
    assert!(entry.access_url.is_empty(), "{entry:?}");
    assert!(emu.object("/dst/big.bin").is_none());
    emu.clear_log();

    let out = run(&client, &dir.0, &sync_opts(false));
    assert_eq!(
        statuses(&out)["/dst/big.bin"],
        "uploaded",
        "{:#?}",
        out.files
    );
    assert_eq!(emu.object("/dst/big.bin").as_deref(), Some(&data[..]));
    let ops = ops(&emu);
    assert_eq!(
        ops.get("upload_slice_data"),
        None,
        "resumed, nothing re-sent: {ops:?}"
    );
    assert_eq!(ops.get("upload_slice_finish"), Some(&1), "{ops:?}");
}

/// With includes, a remote folder the filter does not select is not deleted, even when
/// nothing in it was kept (it holds nothing, or only folders): only selected paths go, as the
/// upload side mirrors only selected empty directories. The old code deleted such folders.
#[test]
fn a_folder_the_includes_do_not_select_is_not_deleted() {
    let emu = enforcing();
    let client = client(&emu);
    for folder in [
        "/dst/",
        "/dst/placeholder/",
        "/dst/other/",
        "/dst/other/deep/",
    ] {
        client.create_folder(BUCKET, folder, "").unwrap();
    }
    emu.put_object("/dst/old.jpg", b"remote only, selected");
    let dir = TempDir::new();
    write(&dir.0, "photos/p.jpg", b"jpeg");
    let opts = BatchOptions {
        filter: Filter::new(["*.jpg"], [] as [&str; 0]).unwrap(),
        ..sync_opts(true)
    };
    let out = run(&client, &dir.0, &opts);
    assert_eq!(out.failed, 0, "{:#?}", out.files);
    let s = statuses(&out);
    assert_eq!(s["/dst/photos/p.jpg"], "uploaded", "{s:?}");
    assert_eq!(s["/dst/old.jpg"], "deleted", "{s:?}");
    for kept in ["/dst/placeholder/", "/dst/other/", "/dst/other/deep/"] {
        assert!(emu.folder_exists(kept), "{kept} deleted: {s:?}");
        assert!(!s.contains_key(kept), "{kept} reported: {s:?}");
    }
    // A folder this pass empties of selected files goes with them (made by the run that
    // uploaded them), though no include selects the folder itself.
    std::fs::remove_dir_all(dir.0.join("photos")).unwrap();
    write(&dir.0, "cover.jpg", b"jpeg 2");
    let out = run(&client, &dir.0, &opts);
    let s = statuses(&out);
    assert_eq!(s["/dst/photos/p.jpg"], "deleted", "{s:?}");
    assert_eq!(s["/dst/photos/"], "deleted", "{s:?}");
    assert!(!emu.folder_exists("/dst/photos/"));
    assert!(emu.folder_exists("/dst/other/deep/"));
}

/// A source emptied between the start and the walk (here a file made and removed in a loop by
/// another thread): whenever the walk finds no local item, nothing is deleted without force —
/// the batch's own folder, mirrored when it reads empty, is no local item. The old code
/// counted it as one and deleted the destination's files in about a third of such runs. Runs
/// until 5 walks found the source empty (at most 2000 runs, a few seconds), so the case is
/// really exercised.
#[test]
fn a_source_emptied_during_the_run_deletes_nothing() {
    use std::sync::atomic::{AtomicBool, Ordering};
    /// Stops the racing thread however the test ends.
    struct Racer(
        std::sync::Arc<AtomicBool>,
        Option<std::thread::JoinHandle<()>>,
    );
    impl Drop for Racer {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
            if let Some(t) = self.1.take() {
                let _ = t.join();
            }
        }
    }
    let emu = enforcing();
    let client = client(&emu);
    client.create_folder(BUCKET, "/dst/", "").unwrap();
    let dir = TempDir::new();
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let file = dir.0.join("f");
    let flag = stop.clone();
    let _racer = Racer(
        stop,
        Some(std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                let _ = std::fs::write(&file, b"x");
                let _ = std::fs::remove_file(&file);
            }
        })),
    );
    let (mut runs, mut walked_empty, mut refused_upfront) = (0, 0, 0);
    while walked_empty < 5 && runs < 2000 {
        runs += 1;
        emu.put_object("/dst/precious", b"keep me");
        let source = BatchSource::Dir {
            local: dir.0.clone(),
            cos_folder: "/dst/".into(),
        };
        let out = match client.upload_batch(BUCKET, source, &sync_opts(true), None) {
            Ok(out) => out,
            Err(e) => {
                assert!(e.to_string().contains("refusing"), "{e}");
                refused_upfront += 1;
                continue;
            }
        };
        // The local file in the batch (not the remote /dst/f reported as an extra).
        let local_f = |f: &&cosv4::FileResult| f.cos_path == "/dst/f" && f.local == dir.0.join("f");
        if !out.files.iter().any(|f| local_f(&f)) {
            walked_empty += 1;
            assert_eq!(out.deleted, 0, "{:#?}", out.files);
            assert!(emu.object("/dst/precious").is_some(), "{:#?}", out.files);
        }
    }
    println!("{runs} runs: {walked_empty} walked an empty source, {refused_upfront} refused");
    assert!(walked_empty > 0, "the race was never hit in {runs} runs");
}
