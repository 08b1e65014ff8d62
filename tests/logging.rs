//! The log callback (Rust API and C API), per-upload statistics, and the config's last error.

mod common;

use common::*;
use cosv4::log::{Level, Logger};
use cosv4::UploadOptions;
use std::ffi::{c_char, c_void, CStr};
use std::sync::{Arc, Mutex};

type Lines = Arc<Mutex<Vec<(Level, String)>>>;

fn capture(level: Level) -> (Logger, Lines) {
    let lines: Lines = Arc::default();
    let l2 = lines.clone();
    let logger = Logger::new(level, move |lv, m| {
        l2.lock().unwrap().push((lv, m.to_string()))
    });
    (logger, lines)
}

#[test]
fn debug_lines_name_each_request_and_warnings_name_retries() {
    let emu = emulator_with(|c| {
        c.faults.seed = 3;
        c.faults.http_5xx_rate = 0.3;
    });
    let (logger, lines) = capture(Level::Debug);
    let client = client_with(&emu, |c| {
        c.logger = Some(logger);
        c.retries = 10;
    });
    let data = content(10 * MIB + 5, 1);
    let out = client
        .upload_bytes(BUCKET, "/logged.bin", &data, &UploadOptions::default())
        .unwrap();
    let lines = lines.lock().unwrap();
    let debug: Vec<&String> = lines
        .iter()
        .filter(|(l, _)| *l == Level::Debug)
        .map(|(_, m)| m)
        .collect();
    let warn = lines.iter().filter(|(l, _)| *l == Level::Warn).count();
    assert_eq!(
        debug.len() as u64,
        out.requests,
        "one debug line per request: {debug:#?}"
    );
    assert!(debug
        .iter()
        .any(|m| m.starts_with("upload_slice_init /logged.bin: HTTP 200 code 0")));
    assert!(debug
        .iter()
        .any(|m| m.contains("upload_slice_data /logged.bin offset 1048576")));
    assert!(debug
        .iter()
        .any(|m| m.contains("HTTP 503 code -71") || m.contains("HTTP 500 code -195")));
    assert!(debug.iter().all(|m| m.ends_with(" ms)")));
    assert_eq!(warn as u32, out.retries, "one warning per retry");
    for (_, m) in lines.iter() {
        assert!(!m.contains(SECRET_KEY), "the secret key was logged: {m}");
        assert!(!m.contains("Authorization"), "a header was logged: {m}");
    }
    // Statistics of the same upload.
    assert_eq!(out.requests, 2 + 11 + u64::from(out.retries)); // init, 11 slices, finish
    assert_eq!(out.bytes_resent, out.bytes_sent - out.bytes_total);
    assert!(out.hashing > std::time::Duration::ZERO);
    assert!(out.sending > std::time::Duration::ZERO);
}

#[test]
fn levels_filter_lines() {
    let emu = emulator();
    let (logger, lines) = capture(Level::Warn);
    let client = client_with(&emu, |c| c.logger = Some(logger));
    client
        .upload_bytes(BUCKET, "/quiet.bin", b"hello", &UploadOptions::default())
        .unwrap();
    assert!(lines.lock().unwrap().is_empty());
}

unsafe extern "C" fn collect(userdata: *mut c_void, level: u32, message: *const c_char) {
    let sink = unsafe { &*(userdata as *const Mutex<Vec<(u32, String)>>) };
    let text = unsafe { CStr::from_ptr(message) }
        .to_string_lossy()
        .into_owned();
    sink.lock().unwrap().push((level, text));
}

#[test]
fn c_api_log_callback_stats_and_last_error() {
    use cosv4::ffi::config::*;
    use cosv4::ffi::log::cosv4_config_set_log;
    use cosv4::ffi::upload::*;
    use cosv4::ffi::{client::*, cosv4_result};
    let emu = emulator();
    let sink: Mutex<Vec<(u32, String)>> = Mutex::default();
    let c = |s: &str| std::ffi::CString::new(s).unwrap();
    let (id, key, url) = (c(SECRET_ID), c(SECRET_KEY), c(&emu.base_url()));
    unsafe {
        let mut cfg = std::ptr::null_mut();
        assert_eq!(
            cosv4_config_new(APPID, id.as_ptr(), key.as_ptr(), &mut cfg),
            cosv4_result::Ok
        );
        let last = |cfg| {
            CStr::from_ptr(cosv4_config_last_error(cfg))
                .to_string_lossy()
                .into_owned()
        };
        assert_eq!(last(cfg), "");
        let bad = c("ftp://example.com");
        assert_eq!(
            cosv4_config_set_endpoint(cfg, bad.as_ptr()),
            cosv4_result::InvalidConfig
        );
        assert!(
            last(cfg).contains("ftp://example.com") && last(cfg).contains("http://"),
            "{}",
            last(cfg)
        );
        assert_eq!(
            cosv4_config_set_endpoint(cfg, url.as_ptr()),
            cosv4_result::Ok
        );
        assert_eq!(last(cfg), "", "cleared by a setter that succeeded");
        assert_eq!(
            cosv4_config_set_workers(cfg, 0),
            cosv4_result::InvalidConfig
        );
        assert!(last(cfg).contains("worker count 0"), "{}", last(cfg));
        let user = &sink as *const _ as *mut c_void;
        assert_eq!(
            cosv4_config_set_log(cfg, Some(collect), user, 0),
            cosv4_result::InvalidArgument
        );
        // Recorded like the other setters (it kept the workers sentence before).
        assert!(last(cfg).contains("log level 0"), "{}", last(cfg));
        assert_eq!(
            cosv4_config_set_log(cfg, Some(collect), user, 4),
            cosv4_result::Ok
        );
        assert_eq!(last(cfg), "");
        let mut client = std::ptr::null_mut();
        let mut err = std::ptr::null_mut();
        assert_eq!(
            cosv4_client_new(cfg, &mut client, &mut err),
            cosv4_result::Ok
        );
        let data = content(9 * MIB, 2);
        let (bucket, path) = (c(BUCKET), c("/c-logged.bin"));
        let mut res = std::ptr::null_mut();
        let rc = cosv4_client_upload_buffer(
            client,
            bucket.as_ptr(),
            path.as_ptr(),
            data.as_ptr(),
            data.len(),
            std::ptr::null(),
            &mut res,
            &mut err,
        );
        assert_eq!(rc, cosv4_result::Ok);
        assert_eq!(cosv4_upload_result_requests(res), 11); // init, 9 slices, finish
        assert_eq!(cosv4_upload_result_bytes_resent(res), 0);
        assert!(cosv4_upload_result_sending_ms(res) < 60_000);
        assert_eq!(cosv4_upload_result_requests(std::ptr::null()), 0);
        cosv4_upload_result_free(res);
        cosv4_client_free(client);
    }
    let lines = sink.lock().unwrap();
    assert_eq!(
        lines.iter().filter(|(l, _)| *l == 4).count(),
        11,
        "{lines:#?}"
    );
    assert!(lines.iter().all(|(_, m)| !m.contains(SECRET_KEY)));
}

#[test]
fn object_operations_log_their_requests_too() {
    let emu = emulator();
    let (logger, lines) = capture(Level::Debug);
    let client = client_with(&emu, |c| c.logger = Some(logger));
    client
        .upload_bytes(BUCKET, "/d/x.bin", b"x", &UploadOptions::default())
        .unwrap();
    client.stat_path(BUCKET, "/d/x.bin").unwrap();
    client.create_folder(BUCKET, "/e/", "").unwrap();
    client.delete_path(BUCKET, "/d/x.bin").unwrap();
    let lines = lines.lock().unwrap();
    for op in [
        "upload /d/x.bin",
        "stat http://",
        "create /e/",
        "delete /d/x.bin",
    ] {
        assert!(
            lines.iter().any(|(_, m)| m.starts_with(op)),
            "no line for {op}: {lines:#?}"
        );
    }
}
