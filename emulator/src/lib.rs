//! `cosv4-emulator`: a local emulator of the Tencent COS legacy v4 JSON API server
//! (PROTOCOL.md), for tests, demos and benchmarks on 127.0.0.1.
//!
//! ```no_run
//! use cosv4_emulator::{Config, Emulator};
//! let emu = Emulator::start(Config::new(1250000000, "bucket", "AKIDid", "key")).unwrap();
//! println!("{}", emu.base_url());
//! emu.stop();
//! ```

pub mod auth;
pub mod config;
pub mod cospath;
pub mod faults;
pub mod http;
pub mod multipart;
pub mod params;
pub mod reply;
pub mod sha;
pub mod tls;

mod app;
mod ops;
mod state;

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;

pub use app::LogEntry;
pub use config::{Clock, Config, Faults};

use app::App;
use http::{lock, Counters, Server};
use state::{ObjectMeta, Store};

/// An unfinished upload session, as seen by tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    pub session: String,
    pub filesize: u64,
    pub slice_size: u64,
    pub sha: Option<String>,
    pub serial_upload: bool,
    /// Received slice offsets, sorted.
    pub offsets: Vec<u64>,
    /// Highest number of `upload_slice_data` requests in flight at once.
    pub max_concurrent_slices: u32,
    /// How often each offset was received, sorted by offset.
    pub receive_counts: Vec<(u64, u32)>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub connections_accepted: u64,
    pub max_open_connections: u64,
    pub requests: u64,
}

/// A running emulator. Stops (promptly) on [`Emulator::stop`] or drop.
pub struct Emulator {
    app: Arc<App>,
    server: Server,
    counters: Arc<Counters>,
    data_dir: PathBuf,
    remove_data_dir: bool,
    ca_pem_path: Option<PathBuf>,
}

impl Emulator {
    pub fn start(cfg: Config) -> std::io::Result<Emulator> {
        let (data_dir, remove_data_dir) = match &cfg.data_dir {
            Some(d) => (d.clone(), false),
            None => (fresh_temp_dir()?, true),
        };
        let store = Store::open(&data_dir)?;
        let listener = TcpListener::bind(cfg.listen)?;
        let addr = listener.local_addr()?;
        let (tls, ca_pem_path) = if cfg.tls {
            let tls = tls::generate()?;
            let path = data_dir.join("ca.pem");
            std::fs::write(&path, &tls.ca_pem)?;
            (Some(tls.config), Some(path))
        } else {
            (None, None)
        };
        let scheme = if cfg.tls { "https" } else { "http" };
        let app = Arc::new(App::new(cfg, format!("{scheme}://{addr}"), store));
        let counters = Arc::new(Counters::default());
        let server = Server::start(listener, app.clone(), counters.clone(), tls)?;
        Ok(Emulator {
            app,
            server,
            counters,
            data_dir,
            remove_data_dir,
            ca_pem_path,
        })
    }

    /// `http://127.0.0.1:PORT`, or `https://127.0.0.1:PORT` with [`Config::tls`].
    pub fn base_url(&self) -> String {
        self.app.base_url.clone()
    }

    /// With [`Config::tls`]: the PEM file of the CA that signed the server certificate
    /// (`<data_dir>/ca.pem`), for a client to trust. `None` for plain HTTP.
    pub fn ca_pem_path(&self) -> Option<&Path> {
        self.ca_pem_path.as_deref()
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Every request handled so far.
    pub fn log(&self) -> Vec<LogEntry> {
        self.app.log()
    }

    pub fn clear_log(&self) {
        self.app.clear_log()
    }

    /// Stored content of an object.
    pub fn object(&self, cos_path: &str) -> Option<Vec<u8>> {
        std::fs::read(self.object_file(cos_path)?).ok()
    }

    /// The file holding an object's content.
    /// Whether a folder exists (ends in `/`): the root, a created folder, or a prefix of an
    /// object or of a created folder — what `op=stat` of it answers.
    pub fn folder_exists(&self, folder: &str) -> bool {
        self.app.store.lock().folder_exists(folder)
    }

    pub fn object_file(&self, cos_path: &str) -> Option<PathBuf> {
        let path = cospath::validate_cos_path(cos_path).ok()?;
        let idx = self.app.store.lock();
        idx.objects
            .contains_key(&path)
            .then(|| self.app.store.object_path(&path))
    }

    /// SHA-1 (hex) of an object's stored content, computed from the bytes on disk.
    pub fn object_sha1(&self, cos_path: &str) -> Option<String> {
        self.object(cos_path).map(|c| sha::sha1_hex(&c))
    }

    /// Store an object directly (seed state for tests).
    pub fn put_object(&self, cos_path: &str, content: &[u8]) {
        self.put_object_with_sha(cos_path, content, &sha::sha1_hex(content));
    }

    /// Stores an object whose `sha` field is `sha` (`""`: none, as objects uploaded without
    /// one by some clients and services read).
    pub fn put_object_with_sha(&self, cos_path: &str, content: &[u8], sha: &str) {
        let path = cospath::validate_cos_path(cos_path).expect("valid cos path");
        let store = &self.app.store;
        let staged = store.stage(content).expect("stage object");
        let now = self.app.cfg.now();
        let meta = ObjectMeta {
            size: content.len() as u64,
            sha: sha.to_string(),
            biz_attr: String::new(),
            ctime: now,
            mtime: now,
        };
        let mut idx = store.lock();
        store
            .commit(&mut idx, &path, &staged, meta)
            .expect("commit object");
    }

    /// Forgets every unfinished upload session, data included, as a service that lost its
    /// state would: their next request is answered -94 "unknown session".
    pub fn forget_sessions(&self) {
        let store = &self.app.store;
        let mut idx = store.lock();
        let ids: Vec<String> = idx.sessions.keys().cloned().collect();
        for id in ids {
            store.remove_session(&mut idx, &id).expect("remove session");
        }
    }

    /// The unfinished upload session on a path.
    pub fn session(&self, cos_path: &str) -> Option<SessionInfo> {
        let s = self.app.store.lock().session_at(cos_path)?;
        let p = lock(&s.progress);
        Some(SessionInfo {
            session: s.meta.id.clone(),
            filesize: s.meta.filesize,
            slice_size: s.meta.slice_size,
            sha: s.meta.sha.clone(),
            serial_upload: s.meta.serial_upload,
            offsets: p.counts.keys().copied().collect(),
            max_concurrent_slices: p.max_in_flight,
            receive_counts: p.counts.iter().map(|(&o, &n)| (o, n)).collect(),
        })
    }

    /// Change fault injection at run time.
    pub fn set_faults(&self, f: Faults) {
        self.app.set_faults(f)
    }

    pub fn stats(&self) -> Stats {
        let c = &self.counters;
        Stats {
            connections_accepted: c.connections_accepted.load(Ordering::SeqCst),
            max_open_connections: c.max_open_connections.load(Ordering::SeqCst),
            requests: c.requests.load(Ordering::SeqCst),
        }
    }

    /// Stop serving: close the listener and every connection, join all threads.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if self.server.stopping() {
            return;
        }
        self.app.stopping.store(true, Ordering::SeqCst);
        self.server.stop();
        if self.remove_data_dir {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn fresh_temp_dir() -> std::io::Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    for attempt in 0..100u64 {
        let dir = std::env::temp_dir().join(format!(
            "cosv4-emulator-{}-{:x}",
            std::process::id(),
            faults::splitmix64(nanos as u64 ^ attempt)
        ));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(
        "could not create a temporary data directory",
    ))
}
