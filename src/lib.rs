//! cosv4: upload files to Tencent Cloud Object Storage through the legacy v4 JSON API — and
//! the rest of that API: stat, list, folders, delete, move/copy, update, downloads, signing.
//!
//! The layers, bottom up (a module imports only from layers below it):
//!
//! 1. primitives — [`sign`] (v4 signatures), [`path`] (cos path rules and encoding), [`hash`]
//!    (SHA-1 and `uploadparts` states), [`wire`] (multipart bodies, the answer envelope),
//!    [`error`] (the error type and COS code classes), [`config`] (settings and defaults),
//!    [`log`] (the log callback and request lines), [`cancel`] (the cancel token);
//! 2. `transport` — the shared ureq agent, interruptible connections, and `Api`, the one
//!    request path every API request takes (sign, send, time, log, unwrap, cancel);
//! 3. [`progress`] — the throttled progress reporter every operation uses;
//! 4. operations — [`upload`] (the engine: plan → hash → session → window of workers),
//!    [`objects`] (stat, list, folders, delete, move/copy, update), [`download`]; above
//!    them [`batch`] (many files: walk → hashing stage → senders running the upload engine);
//! 5. [`client`] — the façade: [`Client`] with every operation as a method;
//! 6. [`ffi`] — the C API, the only module where `unsafe` is allowed.
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

#![deny(unsafe_code)]
// Module texts name the private modules that hold each stage (`batch` → `walk`, `pipeline`, ...)
// for whoever reads the source; rustdoc shows those names as plain text.
#![allow(rustdoc::private_intra_doc_links)]

pub mod batch;
pub mod cancel;
pub mod client;
pub mod config;
pub mod download;
pub mod error;
#[allow(unsafe_code)] // the C API: the one place `unsafe` is allowed
pub mod ffi;
pub mod hash;
pub mod log;
pub mod objects;
pub mod path;
pub mod progress;
mod retry;
pub mod sign;
mod thread;
mod transport;
pub mod upload;
pub mod wire;

pub use batch::{
    BatchEvent, BatchHandler, BatchOptions, BatchOutcome, BatchProgress, BatchSource, Compare,
    FileResult, FileStatus, Filter, Keep, SyncOptions,
};
pub use cancel::CancelToken;
pub use client::Client;
pub use config::{Config, Endpoint};
pub use download::{DownloadHandler, DownloadOptions, DownloadOutcome, DownloadProgress};
pub use error::{Error, ErrorKind, Result, UsageDetail};
pub use objects::{
    Authority, ListCursor, ListEntry, ListIter, ListOptions, ListPage, ObjectStat, UpdateOptions,
};
pub use sign::{Clock, Credentials, FixedClock, Signer, SystemClock};
pub use upload::{Content, Method, Outcome, Phase, Progress, UploadOptions};
