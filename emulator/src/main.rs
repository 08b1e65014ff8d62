//! `cosv4-emulator` command line: run the emulator until killed.

use std::io::Write;
use std::process::exit;

use cosv4_emulator::{Config, Emulator, Faults};

const USAGE: &str = "\
usage: cosv4-emulator --appid A --bucket B --secret-id ID --secret-key KEY [options]

Emulates the Tencent COS v4 JSON API on a local port.

options:
  --listen ADDR                 listen address (default 127.0.0.1:0, a free port)
  --appid N                     appid (required)
  --bucket NAME                 bucket name (required)
  --secret-id ID                accepted SecretId (required)
  --secret-key KEY              its SecretKey (required)
  --data-dir DIR                keep objects and sessions here (default: fresh temp dir)
  --serial-upload               answer serial_upload=1 on slice init
  --slice-size N                answer (and use) slice size N on slice init
  --no-verify                   skip the SHA-1 verification at upload_slice_finish
  --discard-data                benchmarks only: accept slices without storing their bytes
                                (objects read back as zeros); implies --no-verify
  --seed N                      fault generator seed (default 0)
  --fault-5xx R                 rate of 503/500 answers to slice data requests
  --fault-drop R                rate of slice requests reset before storing
  --fault-drop-after-store R    rate of slice requests reset after storing
  --fault-delay-ms N            delay before answering every slice
  --fault-stall R               rate of slice answers stalled by --fault-stall-ms
  --fault-stall-ms N            stall duration
  --fault-ops-5xx R             rate of 503/500 answers to every other op (init, list,
                                finish, stat, create, delete, ...), nothing done
  --fault-ops-drop R            rate of other ops reset before doing anything
  --fault-ops-drop-after R      rate of other ops done, then reset (answer lost)
  --fault-finish-5xx N          answer the first N upload_slice_finish requests with 503
                                (-71) without processing them (\"all\": every one)
  --fault-finish-lost N         then process N finishes but reset instead of answering
  --fault-finish-delay-ms N     wait N ms before processing every finish
  --same-file-error             answer an identical re-upload (insertOnly=1) with -4018
  --tls                         serve HTTPS: a CA made at start signs a certificate for
                                127.0.0.1/localhost; the CA is written to DATA_DIR/ca.pem
                                (path printed on stderr) for clients to trust
  --log                         print one line per request to stderr
  --ignore-range                answer downloads 200 with the whole object, ignoring Range
  --stat-delay-ms N             delay before answering every op=stat
  --implicit-folders            let uploads and op=create go into folders that do not exist
                                (default: like the service, the parent folder must exist,
                                else 404, code -197 ERROR_CMD_FILE_NOTEXIST)
  --help                        this text

The first line on stdout is `listening on http://HOST:PORT` (https:// with --tls).";

fn fail(msg: &str) -> ! {
    eprintln!("cosv4-emulator: {msg}\n(try --help)");
    exit(2)
}

fn parse<T: std::str::FromStr>(flag: &str, value: &str) -> T {
    value
        .parse()
        .unwrap_or_else(|_| fail(&format!("bad value {value:?} for {flag}")))
}

fn rate(flag: &str, value: &str) -> f64 {
    let r: f64 = parse(flag, value);
    if !(0.0..=1.0).contains(&r) {
        fail(&format!("{flag} must be between 0 and 1"));
    }
    r
}

fn main() {
    let mut cfg = Config::new(0, "", "", "");
    let mut faults = Faults::default();
    let (mut appid, mut bucket, mut sid, mut skey) = (false, false, false, false);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| fail(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--help" | "-h" => {
                println!("{USAGE}");
                return;
            }
            "--listen" => cfg.listen = parse(&flag, &value()),
            "--appid" => (cfg.appid, appid) = (parse(&flag, &value()), true),
            "--bucket" => (cfg.bucket, bucket) = (value(), true),
            "--secret-id" => (cfg.secret_id, sid) = (value(), true),
            "--secret-key" => (cfg.secret_key, skey) = (value(), true),
            "--data-dir" => cfg.data_dir = Some(value().into()),
            "--serial-upload" => cfg.force_serial_upload = true,
            "--slice-size" => cfg.slice_size_override = Some(parse(&flag, &value())),
            "--no-verify" => cfg.verify_content = false,
            "--discard-data" => {
                cfg.discard_data = true;
                cfg.verify_content = false;
            }
            "--log" => cfg.log_requests = true,
            "--tls" => cfg.tls = true,
            "--seed" => faults.seed = parse(&flag, &value()),
            "--fault-5xx" => faults.http_5xx_rate = rate(&flag, &value()),
            "--fault-drop" => faults.drop_before_store_rate = rate(&flag, &value()),
            "--fault-drop-after-store" => faults.drop_after_store_rate = rate(&flag, &value()),
            "--fault-delay-ms" => faults.delay_ms = parse(&flag, &value()),
            "--fault-stall" => faults.stall_rate = rate(&flag, &value()),
            "--fault-stall-ms" => faults.stall_ms = parse(&flag, &value()),
            "--fault-ops-5xx" => faults.ops_5xx_rate = rate(&flag, &value()),
            "--fault-ops-drop" => faults.ops_drop_before_rate = rate(&flag, &value()),
            "--fault-ops-drop-after" => faults.ops_drop_after_rate = rate(&flag, &value()),
            "--fault-finish-5xx" => {
                cfg.finish_unavailable = match value().as_str() {
                    "all" => u32::MAX,
                    n => parse(&flag, n),
                }
            }
            "--fault-finish-lost" => cfg.finish_answer_lost = parse(&flag, &value()),
            "--fault-finish-delay-ms" => cfg.finish_delay_ms = parse(&flag, &value()),
            "--same-file-error" => cfg.same_file_error = true,
            "--ignore-range" => cfg.ignore_range = true,
            "--stat-delay-ms" => cfg.stat_delay_ms = parse(&flag, &value()),
            "--implicit-folders" => cfg.implicit_folders = true,
            other => fail(&format!("unknown argument {other:?}")),
        }
    }
    if !(appid && bucket && sid && skey) {
        fail("--appid, --bucket, --secret-id and --secret-key are required");
    }
    if cfg.bucket.is_empty() || cfg.secret_id.is_empty() {
        fail("--bucket and --secret-id must not be empty");
    }
    if cfg.slice_size_override == Some(0) {
        fail("--slice-size must be positive");
    }
    cfg.faults = faults;
    let emu = Emulator::start(cfg).unwrap_or_else(|e| {
        eprintln!("cosv4-emulator: cannot start: {e}");
        exit(1)
    });
    if let Some(ca) = emu.ca_pem_path() {
        eprintln!("cosv4-emulator: TLS CA certificate: {}", ca.display());
    }
    let mut out = std::io::stdout();
    let _ = writeln!(out, "listening on {}", emu.base_url());
    let _ = out.flush();
    loop {
        std::thread::park();
    }
}
