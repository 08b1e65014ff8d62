//! cosv4: upload files to Tencent Cloud Object Storage through the legacy v4 JSON API.
//!
//! Files by what they hold: [`sign`] (v4 signatures), [`path`] (cos path rules and encoding),
//! [`hash`] (SHA-1 and `uploadparts` states), [`wire`] (multipart bodies, the answer envelope),
//! [`error`] (the error type and COS code classes), [`config`] (settings and defaults),
//! `transport` (the ureq agent), [`upload`] (the engine), [`client`] (the operations).
//!
//! ```no_run
//! use cosv4::{Client, Config, Credentials, Endpoint, UploadOptions};
//! let mut cfg = Config::new(Credentials::new(1250000000, "AKID...", "secret")?);
//! cfg.endpoint = Some(Endpoint::Region("gz".into()));
//! let client = Client::new(cfg)?;
//! let done = client.upload_file("mybucket", "/backups/db.tar", "db.tar", &UploadOptions::default())?;
//! println!("{}", done.access_url);
//! # Ok::<(), cosv4::Error>(())
//! ```

pub mod cancel;
pub mod client;
pub mod config;
pub mod download;
pub mod error;
pub mod ffi;
pub mod hash;
pub mod log;
pub mod objects;
pub mod path;
pub mod sign;
mod transport;
pub mod upload;
pub mod wire;

pub use cancel::CancelToken;
pub use client::Client;
pub use config::{Config, Endpoint};
pub use download::{DownloadHandler, DownloadOptions, DownloadOutcome, DownloadProgress};
pub use error::{Error, ErrorKind, Result};
pub use objects::{
    Authority, ListCursor, ListEntry, ListIter, ListOptions, ListPage, ObjectStat, UpdateOptions,
};
pub use sign::{Clock, Credentials, FixedClock, Signer, SystemClock};
pub use upload::{Content, Method, Outcome, Phase, Progress, UploadOptions};
