//! The parent-folder rule (DOC-6066, DOC-6067): `op=upload` and `upload_slice_init` need the
//! folder holding the file to exist, and so does `op=create` (our choice). Missing: 404, code
//! -197 `ERROR_CMD_FILE_NOTEXIST`, the answer a stat of that folder gets. `implicit_folders`
//! turns the rule off.

mod common;

use common::*;
use cosv4_emulator::Emulator;

fn enforcing() -> T {
    T::with(Emulator::start(enforcing_config()).unwrap())
}

fn create(t: &mut T, folder: &str) -> Resp {
    t.json_post(folder, r#"{"op":"create"}"#, &multi())
}

/// The answer to an upload or create into a missing folder names the folder.
fn expect_missing_parent(r: &Resp, parent: &str) {
    r.expect(404, -197);
    let message = r.json()["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("ERROR_CMD_FILE_NOTEXIST") && message.contains(parent),
        "{message}"
    );
}

#[test]
fn simple_upload_needs_the_parent_folder() {
    let mut t = enforcing();
    let data = content(1000, 1);
    // The root always exists.
    t.upload("/top.bin", &data, &[]).expect(200, 0);
    expect_missing_parent(&t.upload("/a/b/c.bin", &data, &[]), "/a/b/");
    assert!(t.emu.object("/a/b/c.bin").is_none());
    t.stat("/a/").expect(404, -197);
    // A folder needs its parent too: /a/b/ before /a/ fails, top-down works.
    expect_missing_parent(&create(&mut t, "/a/b/"), "/a/");
    create(&mut t, "/a/").expect(200, 0);
    expect_missing_parent(&t.upload("/a/b/c.bin", &data, &[]), "/a/b/");
    create(&mut t, "/a/b/").expect(200, 0);
    t.upload("/a/b/c.bin", &data, &[]).expect(200, 0);
    assert_eq!(t.emu.object("/a/b/c.bin"), Some(data.clone()));
    // The parent is the direct one: /a/ existing does not let /a/x/ hold a file.
    expect_missing_parent(&t.upload("/a/x/c.bin", &data, &[]), "/a/x/");
    // Existing folders still answer -178 on create, whatever the rule.
    create(&mut t, "/a/b/").expect(409, -178);
}

#[test]
fn slice_upload_needs_the_parent_folder() {
    let mut t = enforcing();
    let data = content(3 * 524_288 + 10, 2);
    let sha = sha1_hex(&data);
    expect_missing_parent(&t.init("/s/t/big.bin", data.len(), 524_288, &[]), "/s/t/");
    // Nothing was opened: no session to list, nothing to stat.
    t.list("/s/t/big.bin").expect(404, -197);
    t.stat("/s/t/big.bin").expect(404, -197);
    // Instant upload (the same content stored elsewhere) is refused as well.
    t.upload("/same.bin", &content(1000, 3), &[]).expect(200, 0);
    let same = sha1_hex(&content(1000, 3));
    expect_missing_parent(
        &t.init("/s/t/same.bin", 1000, 524_288, &[("sha", &same)]),
        "/s/t/",
    );
    create(&mut t, "/s/").expect(200, 0);
    create(&mut t, "/s/t/").expect(200, 0);
    t.slice_upload("/s/t/big.bin", &data, 524_288)
        .expect(200, 0);
    assert_eq!(t.emu.object("/s/t/big.bin"), Some(data.clone()));
    assert_eq!(t.stat("/s/t/big.bin").expect(200, 0)["sha"], sha.as_str());
    t.init("/s/t/same.bin", 1000, 524_288, &[("sha", &same)])
        .expect(200, 0);
    assert_eq!(t.emu.object("/s/t/same.bin"), Some(content(1000, 3)));
}

/// A folder that exists implicitly (a prefix of an object stored by other means, as a stat of
/// it shows) counts as existing: uploads agree with stat.
#[test]
fn a_folder_that_stat_shows_counts_as_existing() {
    let mut t = enforcing();
    t.emu.put_object("/p/q/old.bin", b"old");
    t.stat("/p/q/").expect(200, 0);
    t.upload("/p/q/new.bin", b"new", &[]).expect(200, 0);
    create(&mut t, "/p/q/r/").expect(200, 0);
    // Deleting the folder's content makes it missing again.
    t.delete("/p/q/old.bin").expect(200, 0);
    t.delete("/p/q/new.bin").expect(200, 0);
    t.delete("/p/q/r/").expect(200, 0);
    t.stat("/p/q/").expect(404, -197);
    expect_missing_parent(&t.upload("/p/q/again.bin", b"x", &[]), "/p/q/");
}

#[test]
fn implicit_folders_relaxes_the_rule() {
    let mut t = T::with(Emulator::start(config()).unwrap());
    t.upload("/i/j/k.bin", b"abc", &[]).expect(200, 0);
    t.init("/i/x/y/big.bin", 600_000, 524_288, &[])
        .expect(200, 0);
    create(&mut t, "/m/n/").expect(200, 0);
    t.stat("/i/j/").expect(200, 0);
    t.stat("/m/").expect(200, 0);
}
