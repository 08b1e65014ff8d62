//! Both CLIs (`examples-c/cosv4-upload.c`, `examples-c/cosv4.c`, sharing
//! `examples-c/cli_common.h`) as a tool people install (issue 14; issue 15 item 8 and the JSON
//! of usage errors for cosv4-upload): the library's reason for refused credentials; coscmd's
//! `~/.cos.conf` in both generations, `--config`, precedence and region names; proxies from the
//! environment and `--proxy` as curl picks them; retries, retry window, connect timeout,
//! `-v`, `--limit-rate`; `--version`; `cosv4-upload -` from standard input; numbers in digits
//! only. Against the emulator, a closed port, and a small CONNECT proxy on 127.0.0.1 that
//! records each target and relays only to 127.0.0.1 (so a region's host is seen, never
//! reached).

mod c_harness;

use c_harness::{Emu, Variant, BUCKET, SECRET_KEY};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const UPLOAD: &str = "examples-c/cosv4-upload.c";
const COSV4: &str = "examples-c/cosv4.c";
const BOTH: [&str; 2] = [UPLOAD, COSV4];

/// The longest a CLI run may take here: a run that waits out the library's default retry
/// window (60 s) fails the test.
const LIMIT: Duration = Duration::from_secs(30);

type Env = Vec<(&'static str, String)>;
/// Variables to add, as literals.
type Vars = Vec<(&'static str, &'static str)>;

/// A fresh empty directory.
fn dir(name: &str) -> PathBuf {
    let d = c_harness::out_dir().join("cli-tooling").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The CLI built from `src`, with HOME `home` and `env` as its whole COS_*/proxy environment
/// (c_harness::command clears the others).
fn command(src: &str, home: &Path, env: &[(&str, String)], args: &[&str]) -> Command {
    command_for(Variant::Static, src, home, env, args)
}

/// The same for `v` (Sanitized: ASan with leak checks, UBSan).
fn command_for(
    v: Variant,
    src: &str,
    home: &Path,
    env: &[(&str, String)],
    args: &[&str],
) -> Command {
    let exe = c_harness::build(src, v);
    let mut cmd = c_harness::command(&exe, v);
    cmd.env("HOME", home)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .args(args);
    cmd
}

fn run(src: &str, home: &Path, env: &[(&str, String)], args: &[&str]) -> Output {
    c_harness::output_within(&mut command(src, home, env, args), LIMIT)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Panics with what the run printed unless it exited with `code`; returns its stderr.
fn expect(out: &Output, code: i32, what: &str) -> String {
    let err = stderr(out);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}\n--- stdout\n{}--- stderr\n{err}",
        String::from_utf8_lossy(&out.stdout)
    );
    err
}

/// The credentials and bucket, and an endpoint where nothing listens, without retries.
fn closed_env() -> Env {
    let mut env = c_harness::credentials_env();
    env.push(("COS_ENDPOINT", c_harness::closed_endpoint()));
    env.push(("COS_RETRY_WINDOW", "0".into()));
    env
}

/// `env` with `var` set to `value`, or removed.
fn with(env: &[(&'static str, String)], var: &'static str, value: Option<&str>) -> Env {
    let mut env: Env = env.iter().filter(|(k, _)| *k != var).cloned().collect();
    if let Some(v) = value {
        env.push((var, v.to_string()));
    }
    env
}

/// A small local file to upload.
fn small_file(name: &str) -> PathBuf {
    let p = dir(name).join("small.bin");
    std::fs::write(&p, c_harness::content(1000, 3)).unwrap();
    p
}

/// A HOME whose `.cos.conf` holds `text`.
fn home_with(name: &str, text: &str) -> PathBuf {
    let home = dir(name);
    std::fs::write(home.join(".cos.conf"), text).unwrap();
    home
}

// ---- a CONNECT proxy ----

/// On 127.0.0.1: answers CONNECT, records its target, relays to a target on 127.0.0.1 and
/// refuses (403) any other; for at most two minutes.
struct Proxy {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        c_harness::serve_for(listener, Duration::from_secs(120), move |conn| {
            tunnel(conn, &log)
        });
        Proxy { url, seen }
    }

    /// The CONNECT targets since the last call.
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

/// One client of the proxy: `CONNECT host:port`, then bytes both ways.
fn tunnel(mut conn: TcpStream, seen: &Mutex<Vec<String>>) {
    let timeout = Some(Duration::from_secs(30));
    let _ = conn.set_read_timeout(timeout);
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
        match conn.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let text = String::from_utf8_lossy(&head);
    let Some(target) = text
        .strip_prefix("CONNECT ")
        .and_then(|r| r.split(' ').next())
    else {
        let _ = conn.write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    seen.lock().unwrap().push(target.to_string());
    let upstream = target
        .starts_with("127.0.0.1:")
        .then(|| TcpStream::connect(target).ok())
        .flatten();
    let Some(upstream) = upstream else {
        let _ = conn.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    let _ = upstream.set_read_timeout(timeout);
    if conn
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .is_err()
    {
        return;
    }
    let (mut from_client, mut to_server) =
        (conn.try_clone().unwrap(), upstream.try_clone().unwrap());
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut from_client, &mut to_server);
        let _ = to_server.shutdown(Shutdown::Write);
    });
    let (mut from_server, mut to_client) = (upstream, conn);
    let _ = std::io::copy(&mut from_server, &mut to_client);
    let _ = to_client.shutdown(Shutdown::Write);
    let _ = up.join();
}

// ---- defect 3: the library's reason ----

#[test]
fn refused_credentials_are_explained_by_the_library() {
    let home = c_harness::empty_home();
    let file = small_file("refused");
    let env = with(&closed_env(), "COS_SECRET_ID", Some("AKID&x"));
    for (src, args) in [
        (UPLOAD, vec![file.to_str().unwrap(), "/a.bin"]),
        (COSV4, vec!["stat", "/a.bin"]),
    ] {
        let err = expect(&run(src, &home, &env, &args), 2, src);
        assert!(err.contains("the secret id contains '&'"), "{src}: {err}");
        assert!(err.contains("COS_SECRET_ID"), "{src}: {err}");
        assert!(
            !err.contains("must be set") && !err.contains(SECRET_KEY),
            "{src}: {err}"
        );
    }
    // With --json the reason is the object's message.
    let out = run(
        UPLOAD,
        &home,
        &env,
        &["--json", file.to_str().unwrap(), "/a.bin"],
    );
    let j = one_object(&out);
    assert!(j["message"]
        .as_str()
        .unwrap()
        .contains("the secret id contains '&'"));
}

// ---- the config file ----

const EARLY: &str = "[common]\naccess_id = AKIDcapitest\nsecret_key = capi-secret-key\n\
                     appid = 1250000000\nbucket = testbucket\nregion = cn-south\npart_size = 1\n";
/// With a byte order mark and a comment after the header, as an editor may leave them.
const LATER: &str = "\u{feff}[common] ; written by coscmd config\nsecret_id = AKIDcapitest\n\
                     secret_key: capi-secret-key\nbucket = testbucket-1250000000\n\
                     region = ap-guangzhou\nmax_thread = 5\npart_size = 1\nschema = https\n\
                     \n[other]\nsecret_key = not this one\n";

#[test]
fn coscmd_config_files_of_both_generations_work() {
    let emu = Emu::start();
    let endpoint = emu.emu.base_url();
    let file = small_file("generations");
    let data = std::fs::read(&file).unwrap();
    // The early file, the endpoint from the environment (it wins over the file's region).
    let home = home_with("early", EARLY);
    let env = vec![("COS_ENDPOINT", endpoint.clone())];
    expect(
        &run(UPLOAD, &home, &env, &[file.to_str().unwrap(), "/early.bin"]),
        0,
        "early file",
    );
    assert_eq!(emu.emu.object("/early.bin").unwrap(), data);
    let out = run(COSV4, &home, &env, &["stat", "/early.bin"]);
    expect(&out, 0, "cosv4 with the early file");
    // The later file given with --config (HOME has none), the endpoint as a flag.
    let conf = home_with("later", LATER).join(".cos.conf");
    let conf = conf.to_str().unwrap();
    let empty = c_harness::empty_home();
    let args = ["--config", conf, "--endpoint", &endpoint];
    let upload: Vec<&str> = args
        .iter()
        .copied()
        .chain([file.to_str().unwrap(), "/later.bin"])
        .collect();
    expect(&run(UPLOAD, &empty, &[], &upload), 0, "later file");
    assert_eq!(emu.emu.object("/later.bin").unwrap(), data);
    let ls: Vec<&str> = args.iter().copied().chain(["ls", "/"]).collect();
    let cmd = &mut command_for(Variant::Sanitized, COSV4, &empty, &[], &ls);
    let out = c_harness::output_within(cmd, LIMIT);
    expect(&out, 0, "cosv4 ls with --config");
    assert!(String::from_utf8_lossy(&out.stdout).contains("later.bin"));
}

#[test]
fn flags_win_over_the_environment_which_wins_over_the_file() {
    let emu = Emu::start();
    emu.emu.put_object("/p.txt", b"precedence");
    let home = home_with(
        "precedence",
        "[common]\nsecret_id = AKIDcapitest\nsecret_key = wrong-key\nappid = 1250000000\n\
         bucket = nobucket\nregion = ap-mumbai\n",
    );
    let stat = ["stat", "/p.txt"];
    let endpoint = ("COS_ENDPOINT", emu.emu.base_url());
    let good_key = ("COS_SECRET_KEY", SECRET_KEY.to_string());
    let retry_none = ("COS_RETRY_WINDOW", "0".to_string());
    // The file alone: its key is wrong (and its bucket), so the service refuses.
    let env = vec![endpoint.clone(), retry_none.clone()];
    let err = expect(&run(COSV4, &home, &env, &stat), 1, "the file's wrong key");
    assert!(!err.contains("wrong-key"), "{err}");
    // The environment's key and bucket win over the file's.
    let mut env = vec![endpoint.clone(), good_key.clone(), retry_none.clone()];
    env.push(("COS_BUCKET", BUCKET.into()));
    expect(&run(COSV4, &home, &env, &stat), 0, "environment over file");
    // --bucket wins over COS_BUCKET.
    let env = with(&env, "COS_BUCKET", Some("otherbucket"));
    let args = ["--bucket", BUCKET, "stat", "/p.txt"];
    expect(&run(COSV4, &home, &env, &args), 0, "flag over environment");
    // An endpoint given anywhere wins over a region from anywhere, known or not: the file's
    // ap-mumbai, COS_REGION, --region.
    let env = with(&env, "COS_REGION", Some("ap-mumbai"));
    let args = [
        "--bucket",
        BUCKET,
        "--region",
        "eu-nowhere",
        "stat",
        "/p.txt",
    ];
    expect(&run(COSV4, &home, &env, &args), 0, "endpoint over regions");
    let env = with(&env, "COS_ENDPOINT", None);
    let args = [
        "--bucket",
        BUCKET,
        "--endpoint",
        &emu.emu.base_url(),
        "stat",
        "/p.txt",
    ];
    expect(
        &run(COSV4, &home, &env, &args),
        0,
        "--endpoint over regions",
    );
}

#[test]
fn coscmd_region_names_map_to_v4_codes() {
    let proxy = Proxy::start();
    let env = vec![
        ("HTTPS_PROXY", proxy.url.clone()),
        ("COS_RETRY_WINDOW", "0".to_string()),
    ];
    let known = [
        ("cn-south", "gz"),
        ("ap-guangzhou", "gz"),
        ("cn-east", "sh"),
        ("ap-shanghai", "sh"),
        ("cn-north", "tj"),
        ("ap-beijing-1", "tj"),
        ("ap-singapore", "sgp"),
        ("sg", "sgp"),
        ("guangzhou", "gz"),
        ("gz", "gz"),
    ];
    for (i, (region, code)) in known.iter().enumerate() {
        let home = home_with(
            &format!("region-{i}"),
            &EARLY.replace("region = cn-south", &format!("region = {region}")),
        );
        // The region's host is asked of the proxy, which refuses: nothing leaves 127.0.0.1.
        let err = expect(&run(COSV4, &home, &env, &["stat", "/x"]), 1, region);
        assert_eq!(
            proxy.take(),
            vec![format!("{code}.file.myqcloud.com:443")],
            "{region}: {err}"
        );
    }
    // COS_REGION takes coscmd's names too.
    let home = c_harness::empty_home();
    let mut creds = c_harness::credentials_env();
    creds.extend(env.iter().cloned());
    let out = run(
        COSV4,
        &home,
        &with(&creds, "COS_REGION", Some("cn-east")),
        &["stat", "/x"],
    );
    expect(&out, 1, "COS_REGION=cn-east");
    assert_eq!(proxy.take(), vec!["sh.file.myqcloud.com:443".to_string()]);
    // An unknown one is an error that says so, naming the file and line, before any request.
    let home = home_with("region-unknown", &EARLY.replace("cn-south", "ap-mumbai"));
    let err = expect(&run(COSV4, &home, &env, &["stat", "/x"]), 2, "ap-mumbai");
    let conf = home.join(".cos.conf");
    assert!(
        err.contains("\"ap-mumbai\" has no known v4 code")
            && err.contains(&format!("{} line 6", conf.display())),
        "{err}"
    );
    let out = run(UPLOAD, &home, &env, &["--region", "cn-south-2", "/x", "/y"]);
    let err = expect(&out, 2, "cn-south-2");
    assert!(
        err.contains("--region: region \"cn-south-2\" has no known v4 code"),
        "{err}"
    );
    assert!(proxy.take().is_empty());
}

#[test]
fn config_file_errors_name_the_file_and_line_and_never_the_key() {
    let key = "S3cr3t-K3y-n0t-2-print";
    let cases: [(&str, String, &str); 6] = [
        (
            "no-separator",
            format!("[common]\nsecret_key = {key}\nthis line is wrong\n"),
            "line 3: expected `key = value`",
        ),
        (
            "before-section",
            format!("secret_key = {key}\n[common]\n"),
            "line 1: a setting before any [section] header",
        ),
        (
            "bad-header",
            format!("[common]\nsecret_key = {key}\n[common\n"),
            "line 3: a section header must be [name]",
        ),
        (
            "continued",
            format!("[common]\nsecret_key = {key}\n  {key}\n"),
            "line 3: a value continued on an indented line is not supported",
        ),
        (
            "appid",
            format!("[common]\nsecret_id = AKIDx\nsecret_key = {key}\nappid = -5\nbucket = b\n"),
            "line 4 must be a positive number in decimal digits (no sign or spaces), not \"-5\"",
        ),
        (
            "no-common",
            format!("[default]\nsecret_key = {key}\n"),
            "has no [common] section",
        ),
    ];
    let env = vec![
        ("COS_ENDPOINT", c_harness::closed_endpoint()),
        ("COS_RETRY_WINDOW", "0".to_string()),
    ];
    for (name, text, needle) in &cases {
        let home = home_with(name, text);
        let conf = home.join(".cos.conf");
        let conf_arg = conf.to_str().unwrap();
        for src in BOTH {
            let args: Vec<&str> = if src == UPLOAD {
                vec!["--json", "--config", conf_arg, "/x", "/y"]
            } else {
                vec!["--json", "--config", conf_arg, "stat", "/x"]
            };
            // Under ASan and UBSan: the parser of the file is C.
            let cmd = &mut command_for(Variant::Sanitized, src, &home, &env, &args);
            let out = c_harness::output_within(cmd, LIMIT);
            let err = expect(&out, 2, &format!("{name} {src}"));
            assert!(err.contains(&conf.display().to_string()), "{name}: {err}");
            assert!(err.contains(needle), "{name}: {err}");
            let all = format!("{err}{}", String::from_utf8_lossy(&out.stdout));
            assert!(!all.contains(key), "{name}: the key was printed: {all}");
            assert!(one_object(&out)["message"]
                .as_str()
                .unwrap()
                .contains(needle));
        }
    }
    // The default file is read too (its errors count); a --config that is missing is an error.
    let home = home_with("default-bad", &cases[0].1);
    let err = expect(&run(COSV4, &home, &env, &["stat", "/x"]), 2, "default file");
    assert!(err.contains("line 3: expected"), "{err}");
    let missing = home.join("missing.conf");
    let args = ["--config", missing.to_str().unwrap(), "stat", "/x"];
    let err = expect(&run(COSV4, &home, &env, &args), 2, "missing --config");
    assert!(err.contains("cannot read the config file") && err.contains("missing.conf"));
}

// ---- proxies ----

#[test]
fn proxies_are_picked_like_curl() {
    let emu = Emu::start();
    emu.emu.put_object("/via.txt", b"through the proxy");
    let proxy = Proxy::start();
    let endpoint = emu.emu.base_url();
    let target = endpoint.trim_start_matches("http://").to_string();
    let home = c_harness::empty_home();
    let mut base = c_harness::credentials_env();
    base.push(("COS_ENDPOINT", endpoint.clone()));
    base.push(("COS_RETRY_WINDOW", "0".into()));
    let stat = ["stat", "/via.txt"];
    // (variables, flags, whether the proxy is used); PROXY stands for its URL, HOSTPORT for
    // the URL without its scheme.
    type Case<'a> = (&'a [(&'static str, &'a str)], &'a [&'a str], bool);
    let cases: [Case; 12] = [
        (&[("HTTP_PROXY", "PROXY")], &[], true),
        (&[("http_proxy", "PROXY")], &[], true),
        (&[("ALL_PROXY", "PROXY")], &[], true),
        // A proxy for https endpoints is not used for an http one.
        (&[("HTTPS_PROXY", "PROXY")], &[], false),
        (
            &[
                ("HTTP_PROXY", "PROXY"),
                ("NO_PROXY", "example.com, 127.0.0.1"),
            ],
            &[],
            false,
        ),
        (&[("HTTP_PROXY", "PROXY"), ("no_proxy", "*")], &[], false),
        // An address is named by itself (or its network), not by a tail as a name is.
        (&[("HTTP_PROXY", "PROXY"), ("NO_PROXY", "0.0.1")], &[], true),
        (
            &[("HTTP_PROXY", "PROXY"), ("NO_PROXY", ".127.0.0.0/8")],
            &[],
            false,
        ),
        (
            &[("HTTP_PROXY", "PROXY"), ("NO_PROXY", "127.0.1.0/24")],
            &[],
            true,
        ),
        (&[], &["--proxy", "PROXY"], true),
        (&[], &["--proxy", "HOSTPORT"], true),
        // An empty --proxy: none, whatever the environment says.
        (&[("HTTP_PROXY", "PROXY")], &["--proxy", ""], false),
    ];
    let fill = |s: &str| match s {
        "PROXY" => proxy.url.clone(),
        "HOSTPORT" => proxy.url.trim_start_matches("http://").to_string(),
        s => s.to_string(),
    };
    for (vars, flags, used) in cases {
        let mut env = base.clone();
        env.extend(vars.iter().map(|(k, v)| (*k, fill(v))));
        let flags: Vec<String> = flags.iter().map(|f| fill(f)).collect();
        let mut args: Vec<&str> = flags.iter().map(String::as_str).collect();
        args.extend(stat);
        let what = format!("{vars:?} {flags:?}");
        expect(&run(COSV4, &home, &env, &args), 0, &what);
        let expected = if used { vec![target.clone()] } else { vec![] };
        assert_eq!(proxy.take(), expected, "{what}");
    }
    // An upload through it.
    let file = small_file("proxy");
    let env = with(&base, "HTTP_PROXY", Some(&proxy.url));
    let out = run(UPLOAD, &home, &env, &[file.to_str().unwrap(), "/up.bin"]);
    expect(&out, 0, "upload through the proxy");
    assert!(proxy.take().contains(&target));
    assert_eq!(
        emu.emu.object("/up.bin").unwrap(),
        std::fs::read(&file).unwrap()
    );
    // A proxy the library cannot use is a usage error that names where it came from.
    let env = with(&base, "HTTP_PROXY", Some("ftp://127.0.0.1:1"));
    let err = expect(&run(COSV4, &home, &env, &stat), 2, "ftp proxy");
    assert!(err.contains("bad HTTP_PROXY"), "{err}");
}

// ---- retries, timeouts, the log, the bandwidth limit ----

/// The most retries of one request that the log of a run shows ("warn: retry K of N").
fn retry_lines(err: &str) -> usize {
    err.lines()
        .filter_map(|l| {
            l.split(": warn: retry ")
                .nth(1)?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn retries_and_the_retry_window_come_from_flags_or_the_environment() {
    let home = c_harness::empty_home();
    let file = small_file("retries");
    let f = file.to_str().unwrap();
    let mut env = closed_env();
    env.retain(|(k, _)| *k != "COS_RETRY_WINDOW");
    // (environment, flags, retries logged)
    let cases: [(Vars, Vec<&str>, usize); 5] = [
        (vec![("COS_RETRY_WINDOW", "0")], vec![], 0),
        (vec![("COS_RETRIES", "1")], vec![], 1),
        (vec![("COS_RETRIES", "5")], vec!["--retries", "2"], 2),
        (vec![("COS_RETRIES", "5")], vec!["--retry-window", "0"], 0),
        (
            vec![("COS_RETRY_WINDOW", "0")],
            vec!["--retries", "1", "--retry-window", "30"],
            1,
        ),
    ];
    for (extra, flags, retries) in &cases {
        let mut env = env.clone();
        env.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        for src in BOTH {
            let mut args = vec!["-v"];
            args.extend(flags);
            args.extend(if src == UPLOAD {
                [f, "/r.bin"]
            } else {
                ["stat", "/r.bin"]
            });
            let what = format!("{src} {extra:?} {flags:?}");
            let err = expect(&run(src, &home, &env, &args), 1, &what);
            // Uploads and cosv4's stat alike (the library retries reads too).
            assert_eq!(retry_lines(&err), *retries, "{what}: {err}");
        }
    }
    // Bad values: usage errors naming the value.
    let bad: [(&str, &[&str], &str); 8] = [
        (
            "",
            &["--retries", "101"],
            "--retries needs a number from 0 to 100",
        ),
        ("", &["--retries", "-1"], "not \"-1\""),
        (
            "",
            &["--retry-window", "1.2345"],
            "--retry-window needs seconds",
        ),
        (
            "",
            &["--connect-timeout", "x"],
            "--connect-timeout needs seconds",
        ),
        ("", &["--connect-timeout", "0"], "bad --connect-timeout"),
        (
            "COS_RETRIES=abc",
            &[],
            "COS_RETRIES must be a number from 0 to 100",
        ),
        (
            "COS_RETRY_WINDOW=-1",
            &[],
            "COS_RETRY_WINDOW must be seconds",
        ),
        ("", &["--retries"], "--retries needs a value"),
    ];
    for (var, flags, needle) in bad {
        let mut env = env.clone();
        if let Some((k, v)) = var.split_once('=') {
            let k = if k == "COS_RETRIES" {
                "COS_RETRIES"
            } else {
                "COS_RETRY_WINDOW"
            };
            env.push((k, v.to_string()));
        }
        for src in BOTH {
            let mut args = flags.to_vec();
            if flags != ["--retries"] {
                args.extend(if src == UPLOAD {
                    [f, "/r.bin"]
                } else {
                    ["stat", "/r.bin"]
                });
            }
            let err = expect(&run(src, &home, &env, &args), 2, needle);
            assert!(err.contains(needle), "{src} {var} {flags:?}: {err}");
        }
    }
    // A good connect timeout is taken (the run then fails on the closed port, exit 1).
    let args = [
        "--connect-timeout",
        "2.5",
        "--retries",
        "0",
        "stat",
        "/r.bin",
    ];
    expect(&run(COSV4, &home, &env, &args), 1, "--connect-timeout 2.5");
}

#[test]
fn verbose_shows_each_request_but_no_secret() {
    let emu = Emu::start();
    let home = c_harness::empty_home();
    let file = small_file("verbose");
    let env = emu.env();
    let out = run(
        UPLOAD,
        &home,
        &env,
        &["-v", file.to_str().unwrap(), "/v/log.bin"],
    );
    let err = expect(&out, 0, "upload -v");
    assert!(
        err.lines()
            .any(|l| l.starts_with("cosv4-upload: debug: ") && l.contains("/v/log.bin")),
        "{err}"
    );
    let out = run(COSV4, &home, &env, &["--verbose", "stat", "/v/log.bin"]);
    let err = expect(&out, 0, "stat --verbose");
    assert!(
        err.lines()
            .any(|l| l.starts_with("cosv4: debug: stat ") && l.contains("HTTP 200")),
        "{err}"
    );
    // Nothing secret: not the key, no signature, no Authorization header.
    for text in [stderr(&out), err] {
        assert!(
            !text.contains(SECRET_KEY)
                && !text.contains("sign=")
                && !text.contains("Authorization")
        );
    }
    // Without -v the library says nothing.
    let out = run(COSV4, &home, &env, &["stat", "/v/log.bin"]);
    assert_eq!(expect(&out, 0, "stat"), "");
}

#[test]
fn limit_rate_takes_curl_suffixes_and_slows_the_upload() {
    let emu = Emu::start();
    let home = c_harness::empty_home();
    let file = dir("limit").join("160k.bin");
    let data = c_harness::content(160 * 1024, 5);
    std::fs::write(&file, &data).unwrap();
    let f = file.to_str().unwrap();
    let env = emu.env();
    for (rate, needle) in [
        ("5X", "--limit-rate needs bytes per second"),
        ("1.5M", "not \"1.5M\""),
        ("-1", "not \"-1\""),
        ("K", "not \"K\""),
        ("99999999999999999999G", "--limit-rate needs"),
        ("100", "bad --limit-rate"),
    ] {
        for src in BOTH {
            let args = if src == UPLOAD {
                vec!["--limit-rate", rate, f, "/l.bin"]
            } else {
                vec!["--limit-rate", rate, "stat", "/l.bin"]
            };
            let err = expect(&run(src, &home, &env, &args), 2, rate);
            assert!(err.contains(needle), "{src} {rate}: {err}");
        }
    }
    // 160 KiB at 64 KiB/s: more than 2 s less the library's small burst; a generous bound.
    let start = Instant::now();
    let out = run(UPLOAD, &home, &env, &["--limit-rate", "64K", f, "/l.bin"]);
    expect(&out, 0, "--limit-rate 64K");
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(1500),
        "160 KiB at 64K took {took:?}"
    );
    assert_eq!(emu.emu.object("/l.bin").unwrap(), data);
    for rate in ["1g", "2m", "0"] {
        let args = ["--overwrite", "--limit-rate", rate, f, "/l.bin"];
        expect(&run(UPLOAD, &home, &env, &args), 0, rate);
    }
}

// ---- --version ----

#[test]
fn both_clis_print_the_library_version() {
    let home = c_harness::empty_home();
    for (src, name) in [(UPLOAD, "cosv4-upload"), (COSV4, "cosv4")] {
        let out = run(src, &home, &[], &["--version"]);
        expect(&out, 0, src);
        let text = String::from_utf8_lossy(&out.stdout);
        let want = format!("{name} (libcosv4 {}, header ", env!("CARGO_PKG_VERSION"));
        assert!(text.starts_with(&want), "{text}");
    }
}

// ---- cosv4-upload - COS_PATH ----

/// The names in `d`.
fn names(d: &Path) -> Vec<String> {
    std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// Whether process `pid` holds a deleted file under `tmp` open.
fn holds_deleted_file_in(pid: u32, tmp: &Path) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .any(|t| {
            let t = t.to_string_lossy();
            t.starts_with(&*tmp.to_string_lossy()) && t.ends_with(" (deleted)")
        })
}

/// cosv4-upload started with `args`, its standard input a pipe (returned), stderr discarded.
fn upload_from_a_pipe(
    home: &Path,
    env: &[(&str, String)],
    args: &[&str],
    stdout: Stdio,
) -> (std::process::Child, std::process::ChildStdin) {
    let mut child = command(UPLOAD, home, env, args)
        .stdin(Stdio::piped())
        .stdout(stdout)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    (child, stdin)
}

#[test]
fn upload_from_stdin_spools_to_a_file_that_never_outlives_the_run() {
    let emu = Emu::start();
    let home = c_harness::empty_home();
    let tmp = dir("stdin-tmp");
    let mut env = emu.env();
    env.push(("TMPDIR", tmp.display().to_string()));
    // 3 MiB in 512 KiB slices, through a pipe.
    let data = c_harness::content(3 << 20, 8);
    let sliced = ["--simple-threshold", "1048576", "--slice-size", "524288"];
    let mut args = sliced.to_vec();
    args.extend(["--json", "-", "/in/stdin.bin"]);
    let (mut child, mut stdin) = upload_from_a_pipe(&home, &env, &args, Stdio::piped());
    let feed = {
        let data = data.clone();
        std::thread::spawn(move || stdin.write_all(&data))
    };
    let status = c_harness::wait_or_kill(&mut child, LIMIT).expect("the upload ends");
    feed.join().unwrap().unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(status.success(), "{status}: {out}");
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["method"], "slices", "{out}");
    assert_eq!(emu.emu.object("/in/stdin.bin").unwrap(), data);
    assert!(names(&tmp).is_empty(), "left behind: {:?}", names(&tmp));

    // Empty input: an empty object.
    let out = c_harness::output_within(
        command(UPLOAD, &home, &env, &["-", "/in/empty.bin"]).stdin(Stdio::null()),
        LIMIT,
    );
    expect(&out, 0, "empty stdin");
    assert_eq!(emu.emu.object("/in/empty.bin").unwrap(), b"");

    // While it reads, the copy is already unlinked; SIGTERM then leaves nothing either.
    let args = ["-", "/in/never.bin"];
    let (mut child, mut stdin) = upload_from_a_pipe(&home, &env, &args, Stdio::null());
    stdin.write_all(&data[..100_000]).unwrap();
    let start = Instant::now();
    while !holds_deleted_file_in(child.id(), &tmp) {
        assert!(
            start.elapsed() < LIMIT,
            "no deleted temporary file held open"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        names(&tmp).is_empty(),
        "visible while spooling: {:?}",
        names(&tmp)
    );
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = c_harness::wait_or_kill(&mut child, LIMIT).expect("SIGTERM ends it");
    assert!(!status.success());
    drop(stdin);
    assert!(names(&tmp).is_empty(), "left behind: {:?}", names(&tmp));
    assert!(emu.emu.object("/in/never.bin").is_none());

    // Not with -r; --help says why it spools.
    let err = expect(&run(UPLOAD, &home, &env, &["-r", "-", "/d/"]), 2, "-r -");
    assert!(err.contains("does not apply to -r"), "{err}");
    let out = run(UPLOAD, &home, &[], &["--help"]);
    let help = String::from_utf8_lossy(&out.stdout).replace('\n', " ");
    assert!(help.contains("standard input") && help.contains("temporary file"));
    assert!(help.contains("the size and the SHA-1"), "{help}");
}

// ---- numbers and JSON usage errors in cosv4-upload ----

/// The one JSON object on stdout.
fn one_object(out: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 1, "one line: {text}\n{}", stderr(out));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn numbers_are_decimal_digits_only_in_both_clis() {
    let home = c_harness::empty_home();
    let file = small_file("numbers");
    let f = file.to_str().unwrap();
    for appid in ["-5", "+5", " 7", "7 ", "0x10", "0", "18446744073709551616"] {
        let env = with(&closed_env(), "COS_APPID", Some(appid));
        for src in BOTH {
            let args = if src == UPLOAD {
                [f, "/n.bin"]
            } else {
                ["stat", "/n.bin"]
            };
            let err = expect(&run(src, &home, &env, &args), 2, appid);
            let want = format!(
                "COS_APPID must be a positive number in decimal digits (no sign or spaces), not \
                 \"{appid}\""
            );
            assert!(err.contains(&want), "{src} COS_APPID={appid:?}: {err}");
        }
    }
    for opt in ["--jobs", "--threads", "--simple-threshold", "--slice-size"] {
        for value in ["+5", " 7", "-1", "0x10", "0", "4294967296x"] {
            let mut args = vec![opt, value, f, "/n.bin"];
            if opt == "--jobs" {
                args.insert(0, "-r");
            }
            let err = expect(&run(UPLOAD, &home, &closed_env(), &args), 2, opt);
            let want = format!(
                "{opt} needs a positive number in decimal digits (no sign or spaces), not \
                 \"{value}\""
            );
            assert!(err.contains(&want), "{opt} {value:?}: {err}");
        }
    }
}

#[test]
fn cosv4_upload_usage_and_setup_errors_are_one_json_object() {
    let home = c_harness::empty_home();
    let file = small_file("json-usage");
    let f = file.to_str().unwrap();
    let cases: [(Env, Vec<&str>, &str); 5] = [
        (
            closed_env(),
            vec!["--json", "--threads", "x", f, "/j"],
            "--threads needs",
        ),
        (closed_env(), vec!["--json"], "need LOCAL_FILE and COS_PATH"),
        (
            closed_env(),
            vec![f, "/j", "--json", "--bogus"],
            "unknown option --bogus",
        ),
        (
            with(&closed_env(), "COS_BUCKET", None),
            vec!["--json", f, "/j"],
            "COS_BUCKET must be set",
        ),
        (
            with(&closed_env(), "COS_ENDPOINT", Some("ftp://x")),
            vec!["--json", f, "/j"],
            "bad COS_ENDPOINT",
        ),
    ];
    for (env, args, needle) in &cases {
        let out = run(UPLOAD, &home, env, args);
        let err = expect(&out, 2, needle);
        let j = one_object(&out);
        assert_eq!(j["ok"], false);
        assert!(j["message"].as_str().unwrap().contains(needle), "{j}");
        assert!(err.contains(needle), "{err}");
    }
    // A control character in the option still gives valid JSON.
    let out = run(
        UPLOAD,
        &home,
        &closed_env(),
        &["--json", "--bogus\u{7f}", f, "/j"],
    );
    assert!(one_object(&out)["message"]
        .as_str()
        .unwrap()
        .contains("--bogus"));
}
