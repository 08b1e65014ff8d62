//! Stat, delete, folders, listing, move/copy, update and downloads against the emulator.

mod common;

use common::{client, content, download_recording, emulator, TempDir, BUCKET};
use cosv4::{
    Authority, CancelToken, DownloadOptions, DownloadProgress, ErrorKind, ListOptions,
    UpdateOptions, UploadOptions,
};
use std::collections::BTreeMap;
use std::io::Read;
use std::ops::ControlFlow;
use std::time::Duration;

fn put(c: &cosv4::Client, path: &str, data: &[u8]) {
    c.upload_bytes(BUCKET, path, data, &UploadOptions::default())
        .unwrap();
}

#[test]
fn stat_files_folders_and_missing() {
    let emu = emulator();
    let c = client(&emu);
    put(&c, "/s/a.txt", b"hello");
    let f = c.stat_path(BUCKET, "/s/a.txt").unwrap();
    assert!(!f.is_folder);
    assert_eq!((f.filesize, f.filelen), (5, 5));
    assert_eq!(f.sha, "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d");
    assert_eq!(f.authority, "eInvalid");
    let d = c.stat_path(BUCKET, "/s/").unwrap();
    assert!(d.is_folder && d.ctime > 0);
    assert!(c.stat_folder(BUCKET, "/").unwrap().is_folder);
    for missing in ["/s/nope", "/nope/"] {
        let e = c.stat_path(BUCKET, missing).unwrap_err();
        assert_eq!((e.cos_code(), e.http_status()), (Some(-197), Some(404)));
    }
    assert_eq!(
        c.stat_folder(BUCKET, "/s").unwrap_err().kind(),
        ErrorKind::Usage
    );
}

#[test]
fn folders_create_list_paging_prefix_delete() {
    let emu = emulator();
    let c = client(&emu);
    assert!(c.create_folder(BUCKET, "/p/", "attr").unwrap() > 0);
    let e = c.create_folder(BUCKET, "/p/", "").unwrap_err();
    assert_eq!(e.cos_code(), Some(-178));
    assert_eq!(c.stat_folder(BUCKET, "/p/").unwrap().biz_attr, "attr");
    for i in 0..22 {
        put(
            &c,
            &format!("/p/f{i:02}.bin"),
            format!("file {i}").as_bytes(),
        );
    }
    c.create_folder(BUCKET, "/p/sub/", "").unwrap();
    put(&c, "/p/deep/x/y.bin", b"y"); // an implicit folder "deep"
    put(&c, "/p/g.txt", b"g");
    // 25 entries: 22 f*, g.txt, sub/, deep/.
    let opts = ListOptions {
        num: 10,
        ..ListOptions::default()
    };
    let pages: Vec<_> = c
        .list_iter(BUCKET, "/p/", &opts)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        pages.iter().map(|p| p.entries.len()).collect::<Vec<_>>(),
        [10, 10, 5]
    );
    assert!(pages[2].listover && !pages[0].listover && !pages[0].context.is_empty());
    let names: Vec<String> = c
        .list_iter(BUCKET, "/p/", &opts)
        .entries()
        .map(|e| e.unwrap().name)
        .collect();
    assert_eq!(names.len(), 25);
    let folders: Vec<_> = pages
        .iter()
        .flat_map(|p| &p.entries)
        .filter(|e| e.is_folder)
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(folders, ["deep", "sub"]);
    let f00 = &pages[0]
        .entries
        .iter()
        .find(|e| e.name == "f00.bin")
        .unwrap();
    assert_eq!(f00.filesize, 6);
    assert_eq!(f00.sha.len(), 40);
    // Prefix.
    let p = c
        .list(
            BUCKET,
            "/p/",
            &ListOptions {
                prefix: "f1".into(),
                ..ListOptions::default()
            },
        )
        .unwrap();
    assert_eq!(p.entries.len(), 10);
    assert!(p.listover);
    assert!(c
        .list(
            BUCKET,
            "/p/",
            &ListOptions {
                prefix: "a/b".into(),
                ..ListOptions::default()
            }
        )
        .is_err());
    // Delete: non-empty folder, empty folder, file, missing.
    assert_eq!(
        c.delete_folder(BUCKET, "/p/").unwrap_err().cos_code(),
        Some(-173)
    );
    c.delete_folder(BUCKET, "/p/sub/").unwrap();
    assert_eq!(
        c.stat_folder(BUCKET, "/p/sub/").unwrap_err().cos_code(),
        Some(-197)
    );
    c.delete_path(BUCKET, "/p/g.txt").unwrap();
    assert_eq!(
        c.delete(BUCKET, "/p/g.txt").unwrap_err().cos_code(),
        Some(-197)
    );
    assert_eq!(
        c.delete_folder(BUCKET, "/").unwrap_err().kind(),
        ErrorKind::Usage
    );
}

#[test]
fn move_copy_with_and_without_overwrite() {
    let emu = emulator();
    let c = client(&emu);
    put(&c, "/m/a", b"aaa");
    put(&c, "/m/b", b"bbb");
    let e = c.move_file(BUCKET, "/m/a", "b", false).unwrap_err();
    assert_eq!(e.cos_code(), Some(-177));
    c.move_file(BUCKET, "/m/a", "/m/sub/a2", false).unwrap();
    assert!(emu.object("/m/a").is_none());
    assert_eq!(emu.object("/m/sub/a2").unwrap(), b"aaa");
    c.move_file(BUCKET, "/m/sub/a2", "/m/b", true).unwrap();
    assert_eq!(emu.object("/m/b").unwrap(), b"aaa");
    assert_eq!(
        c.move_file(BUCKET, "/m/none", "x", false)
            .unwrap_err()
            .cos_code(),
        Some(-197)
    );
    c.copy_file(BUCKET, "/m/b", "c", false).unwrap();
    assert_eq!(emu.object("/m/c").unwrap(), b"aaa");
    assert_eq!(emu.object("/m/b").unwrap(), b"aaa");
    assert_eq!(
        c.move_file(BUCKET, "/m/b", "x/y", false)
            .unwrap_err()
            .kind(),
        ErrorKind::Usage
    );
}

#[test]
fn update_then_stat() {
    let emu = emulator();
    let c = client(&emu);
    put(&c, "/u/f.txt", b"x");
    let mut headers = BTreeMap::new();
    headers.insert("Cache-Control".to_string(), "no-cache".to_string());
    headers.insert("x-cos-meta-owner".to_string(), "me".to_string());
    let opts = UpdateOptions {
        biz_attr: Some("new attr".into()),
        authority: Some(Authority::PublicRead),
        custom_headers: Some(headers.clone()),
    };
    c.update(BUCKET, "/u/f.txt", &opts).unwrap();
    let s = c.stat_path(BUCKET, "/u/f.txt").unwrap();
    assert_eq!(s.biz_attr, "new attr");
    assert_eq!(s.authority, "eWPrivateRPublic");
    assert_eq!(s.custom_headers, headers);
    // Folder: biz_attr only.
    c.update(
        BUCKET,
        "/u/",
        &UpdateOptions {
            biz_attr: Some("dir".into()),
            ..UpdateOptions::default()
        },
    )
    .unwrap();
    assert_eq!(c.stat_folder(BUCKET, "/u/").unwrap().biz_attr, "dir");
    assert_eq!(
        c.update(BUCKET, "/u/", &opts).unwrap_err().kind(),
        ErrorKind::Usage
    );
    let mut bad = BTreeMap::new();
    bad.insert("X-Evil".to_string(), "1".to_string());
    let bad = UpdateOptions {
        custom_headers: Some(bad),
        ..UpdateOptions::default()
    };
    assert_eq!(
        c.update(BUCKET, "/u/f.txt", &bad).unwrap_err().kind(),
        ErrorKind::Usage
    );
    assert_eq!(
        c.update(BUCKET, "/u/missing", &opts)
            .unwrap_err()
            .cos_code(),
        Some(-197)
    );
}

fn plain_get(url: &str) -> (u16, Vec<u8>) {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build(),
    );
    let mut r = agent.get(url).call().unwrap();
    let mut body = Vec::new();
    r.body_mut().as_reader().read_to_end(&mut body).unwrap();
    (r.status().as_u16(), body)
}

#[test]
fn download_whole_resume_progress_and_urls() {
    let emu = emulator();
    let c = client(&emu);
    let data = content(3_000_000, 7);
    put(&c, "/d/big.bin", &data);
    let dir = TempDir::new();
    let local = dir.0.join("big.bin");

    // Cancel after the first chunk: the partial file stays.
    let token = CancelToken::new();
    let opts = DownloadOptions {
        cancel: Some(token.clone()),
        ..DownloadOptions::default()
    };
    let t2 = token.clone();
    let mut first = |p: &DownloadProgress| {
        if p.bytes_done > 0 {
            t2.cancel();
        }
        ControlFlow::Continue(())
    };
    let e = c
        .download_file(BUCKET, "/d/big.bin", &local, &opts, Some(&mut first))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    let part = cosv4::download::part_path(&local);
    let partial = std::fs::metadata(&part).unwrap().len();
    assert!(partial > 0 && partial < data.len() as u64, "{partial}");
    assert!(!local.exists());

    // Resume: only the rest is fetched, with a Range request; progress is monotonic.
    emu.clear_log();
    let (out, events) = download_recording(&c, "/d/big.bin", &local);
    assert_eq!(std::fs::read(&local).unwrap(), data);
    assert!(!part.exists());
    assert_eq!(out.bytes_resumed, partial);
    assert_eq!(out.bytes_received, data.len() as u64 - partial);
    let log = emu.log();
    let dl: Vec<_> = log.iter().filter(|e| e.op == "download").collect();
    assert_eq!(dl.len(), 1);
    assert_eq!((dl[0].status, dl[0].offset), (206, Some(partial)));
    assert!(events
        .windows(2)
        .all(|w| w[0].bytes_done <= w[1].bytes_done));
    assert_eq!(events[0].bytes_done, partial);
    let last = events.last().unwrap();
    assert!(last.done && last.bytes_done == data.len() as u64);

    // A whole download in place, and a stop from the handler.
    let local2 = dir.0.join("again.bin");
    let in_place = DownloadOptions {
        resume_in_place: true,
        ..DownloadOptions::default()
    };
    c.download_file(BUCKET, "/d/big.bin", &local2, &in_place, None)
        .unwrap();
    assert_eq!(std::fs::read(&local2).unwrap(), data);
    let mut stop = |_: &DownloadProgress| ControlFlow::Break(());
    let e = c
        .download_file(
            BUCKET,
            "/d/big.bin",
            dir.0.join("x"),
            &DownloadOptions::default(),
            Some(&mut stop),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Aborted);
    let e = c
        .download_file(
            BUCKET,
            "/d/none",
            dir.0.join("n"),
            &DownloadOptions::default(),
            None,
        )
        .unwrap_err();
    assert_eq!(e.cos_code(), Some(-197));

    // Signed URLs work with a plain GET; unsigned ones do not, unless the object is public.
    let url = c
        .download_url(BUCKET, "/d/big.bin", Duration::from_secs(60))
        .unwrap();
    assert!(url.contains("?sign="), "{url}");
    assert_eq!(plain_get(&url), (200, data.clone()));
    let bare = c.download_base_url(BUCKET, "/d/big.bin").unwrap();
    assert_eq!(plain_get(&bare).0, 403);
    let public = UpdateOptions {
        authority: Some(Authority::PublicRead),
        ..UpdateOptions::default()
    };
    c.update(BUCKET, "/d/big.bin", &public).unwrap();
    assert_eq!(plain_get(&bare), (200, data.clone()));
    let other = c
        .download_url(BUCKET, "/d/other", Duration::from_secs(60))
        .unwrap();
    let sign = other.split_once('?').unwrap().1;
    // A signature bound to another path is refused.
    c.update(
        BUCKET,
        "/d/big.bin",
        &UpdateOptions {
            authority: Some(Authority::Private),
            ..UpdateOptions::default()
        },
    )
    .unwrap();
    assert_eq!(plain_get(&format!("{bare}?{sign}")).0, 403);
    assert!(c
        .download_url(BUCKET, "/d/big.bin", Duration::ZERO)
        .is_err());
}

/// Issue 15, item 9: the prefixes `.` and `..` would end the URL in a dot segment
/// (`/dots/..?op=list`), which the emulator (like a normalising proxy) refuses; they list the
/// names starting with them, also across pages.
#[test]
fn list_prefixes_dot_and_dot_dot() {
    let emu = emulator();
    let c = client(&emu);
    for name in [".hidden", "..two", "a.txt", ".cfg/x"] {
        put(&c, &format!("/dots/{name}"), b"d");
    }
    let names = |prefix: &str, num: u32| -> Vec<String> {
        let opts = ListOptions {
            prefix: prefix.into(),
            num,
            ..ListOptions::default()
        };
        let mut v: Vec<String> = c
            .list_iter(BUCKET, "/dots/", &opts)
            .entries()
            .map(|e| e.unwrap().name)
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(".", 199), ["..two", ".cfg", ".hidden"]);
    assert_eq!(names(".", 1), ["..two", ".cfg", ".hidden"]);
    assert_eq!(names("..", 199), ["..two"]);
    assert_eq!(names(".h", 199), [".hidden"]);
    assert_eq!(names("", 199).len(), 4);
}

#[test]
fn paging_one_entry_at_a_time_sees_every_name_once_whatever_sorts_between() {
    // "a" (a folder: its path a/x sorts after "a b" and "a-c"), files around it.
    let emu = emulator();
    for p in ["/p/a/x", "/p/a b", "/p/a-c", "/p/Z", "/p/b", "/p/a!"] {
        emu.put_object(p, b"1");
    }
    let c = client(&emu);
    let opts = cosv4::ListOptions {
        num: 1,
        ..Default::default()
    };
    let names: Vec<String> = c
        .list_iter(BUCKET, "/p/", &opts)
        .entries()
        .map(|e| e.unwrap().name)
        .collect();
    assert_eq!(names, ["Z", "a", "a b", "a!", "a-c", "b"], "{names:?}");
}

/// A list prefix or context longer than any cos path is a usage error at once, before any
/// request: the 70 KB URL failed in the HTTP client as a transport error, which was retried
/// for the whole retry window (about a minute), and its message held the whole URL.
#[test]
fn an_overlong_list_prefix_or_context_is_refused_at_once() {
    let emu = emulator();
    let c = client(&emu);
    let long = "a".repeat(70_000);
    for opts in [
        cosv4::ListOptions {
            prefix: long.clone(),
            ..Default::default()
        },
        cosv4::ListOptions {
            context: long.clone(),
            ..Default::default()
        },
    ] {
        let started = std::time::Instant::now();
        let e = c.list(BUCKET, "/", &opts).unwrap_err();
        assert_eq!(e.kind(), cosv4::ErrorKind::Usage, "{e}");
        assert!(e.to_string().contains("at most 4096 are allowed"), "{e}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
    assert!(emu.log().is_empty(), "nothing was sent");
}
