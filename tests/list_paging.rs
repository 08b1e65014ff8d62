//! Folder listings against a misbehaving server (issue 10, case 7): a repeated context, a
//! context going round, and "more pages follow" without a context all end the listing with a
//! protocol error instead of looping for ever or passing for complete.

mod fake_list;

use cosv4::{Client, Config, Credentials, Endpoint, ErrorKind, ListOptions, ListPage, Result};
use fake_list::{FakeList, Script, CYCLE, EMPTY, GOOD, MAX_REQUESTS, REPEAT};
use std::time::Duration;

const BUCKET: &str = "testbucket";

fn client(fake: &FakeList) -> Client {
    let creds = Credentials::new(1250000000, "AKIDfakeListTest", "fake-list-key").unwrap();
    let mut cfg = Config::new(creds);
    cfg.endpoint = Some(Endpoint::BaseUrl(fake.url.clone()));
    cfg.retries = 0;
    cfg.stall_timeout = Duration::from_secs(10);
    Client::new(cfg).unwrap()
}

/// Every page `list_iter` yields for the root of a fake server running `script` (bounded, so
/// that a regression fails instead of looping), and the contexts the server was asked for.
fn list_all(script: Script) -> (Vec<Result<ListPage>>, Vec<String>) {
    let fake = FakeList::start(script);
    let pages = client(&fake)
        .list_iter(BUCKET, "/", &ListOptions::default())
        .take(MAX_REQUESTS + 5)
        .collect();
    (pages, fake.contexts())
}

/// Checks that `pages` are `ok` good pages followed by one protocol error naming the context.
fn assert_protocol_error_after(pages: &[Result<ListPage>], ok: usize) {
    assert_eq!(pages.len(), ok + 1, "{pages:?}");
    assert!(pages[..ok].iter().all(|p| p.is_ok()), "{pages:?}");
    let e = pages[ok].as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert!(e.to_string().contains("context"), "{e}");
}

#[test]
fn a_repeated_context_ends_the_listing_with_a_protocol_error() {
    let (pages, asked) = list_all(REPEAT);
    assert_protocol_error_after(&pages, 1);
    assert_eq!(asked, ["", "same"]);
}

#[test]
fn a_context_from_earlier_in_the_listing_is_a_protocol_error() {
    let (pages, asked) = list_all(CYCLE);
    assert_protocol_error_after(&pages, 2);
    assert_eq!(asked, ["", "a", "b"]);
}

#[test]
fn more_pages_without_a_context_is_a_protocol_error() {
    let (pages, asked) = list_all(EMPTY);
    assert_protocol_error_after(&pages, 1);
    assert_eq!(asked, ["", "p2"]);
    // The entries of the pages before the bad one come through; the error follows them.
    let fake = FakeList::start(EMPTY);
    let c = client(&fake);
    let entries: Vec<_> = c
        .list_iter(BUCKET, "/", &ListOptions::default())
        .entries()
        .take(MAX_REQUESTS + 5)
        .collect();
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0].as_ref().unwrap().name, "f1");
    assert_eq!(entries[1].as_ref().unwrap_err().kind(), ErrorKind::Protocol);
}

#[test]
fn a_single_page_without_a_way_on_is_a_protocol_error() {
    for (script, context) in [(EMPTY, "p2"), (REPEAT, "same")] {
        let fake = FakeList::start(script);
        let opts = ListOptions {
            context: context.into(),
            ..ListOptions::default()
        };
        let e = client(&fake).list(BUCKET, "/", &opts).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol, "{context}: {e}");
        assert_eq!(fake.contexts(), [context]);
    }
}

#[test]
fn a_well_behaved_listing_still_ends_complete() {
    let (pages, asked) = list_all(GOOD);
    let pages: Vec<ListPage> = pages.into_iter().collect::<Result<_>>().unwrap();
    assert_eq!(pages.len(), 2);
    assert!(!pages[0].listover && pages[1].listover);
    assert_eq!(asked, ["", "p2"]);
}
