//! Uploads a file with the Rust API: `cargo run --release --example upload -- LOCAL COS_PATH`.
//! Reads COS_APPID, COS_SECRET_ID, COS_SECRET_KEY, COS_BUCKET and COS_ENDPOINT (a base URL) or
//! COS_REGION from the environment; COS_NO_SHA=1 turns integrity off.

use cosv4::{Client, Config, Credentials, Endpoint, UploadOptions};
use std::ops::ControlFlow;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        eprintln!("set {name}");
        std::process::exit(2)
    })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [local, cos_path] = args.as_slice() else {
        eprintln!("usage: upload LOCAL_FILE COS_PATH");
        std::process::exit(2)
    };
    let run = || -> cosv4::Result<cosv4::Outcome> {
        let appid = env("COS_APPID").parse().unwrap_or(0);
        let mut cfg = Config::new(Credentials::new(
            appid,
            &env("COS_SECRET_ID"),
            &env("COS_SECRET_KEY"),
        )?);
        cfg.endpoint = Some(match std::env::var("COS_ENDPOINT") {
            Ok(url) => Endpoint::BaseUrl(url),
            Err(_) => Endpoint::Region(env("COS_REGION")),
        });
        cfg.integrity = std::env::var("COS_NO_SHA").is_err();
        let client = Client::new(cfg)?;
        let mut last = 0;
        let mut progress = |p: &cosv4::Progress| {
            let pct = (p.bytes_done * 100)
                .checked_div(p.bytes_total)
                .unwrap_or(100);
            if pct / 10 != last / 10 {
                eprintln!("{pct:3}% {:?}", p.phase);
                last = pct;
            }
            ControlFlow::Continue(())
        };
        client.upload_file_with_progress(
            &env("COS_BUCKET"),
            cos_path,
            local,
            &UploadOptions::default(),
            &mut progress,
        )
    };
    match run() {
        Ok(out) => println!("{out:#?}"),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1)
        }
    }
}
