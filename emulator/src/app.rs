//! The request pipeline: URL → parameters → signature → operation → answer + log.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::auth::{self, Expected};
use crate::config::{Config, Faults};
use crate::cospath::{self, ApiPath, PathError};
use crate::http::{lock, Handler, Reply, Request, Response};
use crate::ops::{self, Ctx, Outcome};
use crate::params::Params;
use crate::reply::{self, ApiError};
use crate::state::Store;

// emulator/src/download.rs (declared here, where it is routed).
#[path = "download.rs"]
mod download;

/// One handled request, as recorded for tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// The `op` parameter, "" when absent.
    pub op: String,
    /// Decoded COS path ("" when the URL was not an API path).
    pub path: String,
    pub offset: Option<u64>,
    /// HTTP status; 0 when the connection was reset without an answer.
    pub status: u16,
    pub code: i64,
    pub body_len: u64,
}

pub struct App {
    pub cfg: Config,
    pub base_url: String,
    pub store: Store,
    pub started: u64,
    faults: Mutex<Faults>,
    /// Sequence number of `upload_slice_data` requests (drives fault draws).
    pub slice_requests: AtomicU64,
    /// `op=upload` requests so far (their faults come from a stream of their own).
    pub simple_requests: AtomicU64,
    /// Requests of the other operations so far (drive their faults).
    pub other_requests: AtomicU64,
    /// `upload_slice_finish` requests so far (drive the finish faults).
    pub finish_requests: AtomicU64,
    /// Alternates injected 503/500 answers.
    pub injected_5xx: AtomicBool,
    pub stopping: AtomicBool,
    log: Mutex<Vec<LogEntry>>,
}

/// What a request resolved to before logging.
enum Answer {
    Json(Response, i64),
    Reset,
}

impl App {
    pub fn new(cfg: Config, base_url: String, store: Store) -> App {
        App {
            faults: Mutex::new(cfg.faults.clone()),
            started: cfg.now(),
            cfg,
            base_url,
            store,
            slice_requests: AtomicU64::new(0),
            simple_requests: AtomicU64::new(0),
            other_requests: AtomicU64::new(0),
            finish_requests: AtomicU64::new(0),
            injected_5xx: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
            log: Mutex::new(Vec::new()),
        }
    }

    pub fn faults(&self) -> Faults {
        lock(&self.faults).clone()
    }

    pub fn set_faults(&self, f: Faults) {
        *lock(&self.faults) = f;
    }

    pub fn log(&self) -> Vec<LogEntry> {
        lock(&self.log).clone()
    }

    pub fn clear_log(&self) {
        lock(&self.log).clear();
    }

    /// Sleep, waking early when the emulator stops.
    pub fn sleep_ms(&self, ms: u64) {
        let mut left = ms;
        while left > 0 && !self.stopping.load(Ordering::SeqCst) {
            let step = left.min(20);
            std::thread::sleep(Duration::from_millis(step));
            left -= step;
        }
    }

    fn error(&self, err: &ApiError) -> Answer {
        Answer::Json(
            reply::error_response(err, &self.store.unique_id()),
            err.code,
        )
    }

    fn process(
        &self,
        req: &Request,
        params: &Params,
        api: &Result<ApiPath, PathError>,
    ) -> Result<Answer, ApiError> {
        let api = api.as_ref().map_err(|e| match e {
            PathError::UnknownPrefix => ApiError::new(404, -5999, "requested URL not found"),
            PathError::Invalid(msg) => ApiError::param(msg.clone()),
        })?;
        let path = api.cos_path.as_str();
        let cfg = &self.cfg;
        let signature = req
            .header("authorization")
            .map(str::to_string)
            // Untrimmed: a '+' at either end of a raw `?sign=` arrives as a space.
            .or_else(|| {
                params
                    .bytes("sign")
                    .map(|b| String::from_utf8_lossy(b).into_owned())
            })
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| ApiError::forbidden(-81, "signature is missing"))?;
        let expected = Expected {
            appid: cfg.appid,
            bucket: &cfg.bucket,
            secret_id: &cfg.secret_id,
            secret_key: &cfg.secret_key,
        };
        let forbidden = |e: auth::AuthError| ApiError::forbidden(e.code, e.message);
        let sig = auth::verify(&signature, &expected, cfg.now()).map_err(forbidden)?;
        if api.appid != cfg.appid.to_string() || api.bucket != cfg.bucket {
            let msg = "Missing required header for this request or bad Appid/bucket in the URL";
            return Ok(Answer::Json(
                reply::xml_error(msg, &self.store.unique_id()),
                0,
            ));
        }
        let op = params.text("op").unwrap_or_default();
        let target = cospath::fileid(cfg.appid, &cfg.bucket, path);
        // Delete and update strictly need a once signature; move/copy take either (§2.7 step 7).
        let require_once = matches!(op.as_str(), "delete" | "update");
        auth::check_scope(&sig, &target, require_once).map_err(forbidden)?;
        if sig.is_once() && !self.store.lock().used_once.insert(sig.plaintext.clone()) {
            return Err(ApiError::forbidden(
                -77,
                "once signature already used (replay)",
            ));
        }
        let cx = Ctx {
            app: self,
            path,
            params,
        };
        Ok(match ops::dispatch_with_faults(&op, &cx)? {
            Outcome::Reset => Answer::Reset,
            Outcome::Data(data) => Answer::Json(
                reply::json_response(200, 0, "SUCCESS", &self.store.unique_id(), data),
                0,
            ),
        })
    }

    fn record(&self, entry: LogEntry) {
        if self.cfg.log_requests {
            eprintln!(
                "{} {} offset={} -> {} code={} body={}",
                if entry.op.is_empty() { "-" } else { &entry.op },
                entry.path,
                entry.offset.map_or("-".to_string(), |o| o.to_string()),
                entry.status,
                entry.code,
                entry.body_len
            );
        }
        lock(&self.log).push(entry);
    }
}

impl Handler for App {
    fn handle(&self, req: &Request) -> Reply {
        if download::is_download(req.method, req.path) {
            let served = download::serve(self, req);
            self.record(LogEntry {
                op: "download".into(),
                path: served.path,
                offset: served.offset,
                status: served.response.status,
                code: served.code,
                body_len: req.body.len() as u64,
            });
            return Reply::Respond(served.response);
        }
        let content_type = req.header("content-type").unwrap_or("");
        let parsed = Params::parse(req.query, content_type, req.body);
        let api = cospath::parse_api_path(req.path);
        let path = api.as_ref().map(|p| p.cos_path.clone()).unwrap_or_default();
        let (answer, op, offset) = match &parsed {
            Ok(params) => (
                self.process(req, params, &api)
                    .unwrap_or_else(|e| self.error(&e)),
                params.text("op").unwrap_or_default(),
                params.u64("offset").ok().flatten(),
            ),
            Err(msg) => (
                self.error(&ApiError::param(msg.clone())),
                String::new(),
                None,
            ),
        };
        let (status, code) = match &answer {
            Answer::Json(resp, code) => (resp.status, *code),
            Answer::Reset => (0, 0),
        };
        self.record(LogEntry {
            op,
            path,
            offset,
            status,
            code,
            body_len: req.body.len() as u64,
        });
        match answer {
            Answer::Json(resp, _) => Reply::Respond(resp),
            Answer::Reset => Reply::Reset,
        }
    }

    fn protocol_error(&self, status: u16, message: &str) -> Response {
        self.record(LogEntry {
            op: String::new(),
            path: String::new(),
            offset: None,
            status,
            code: -5999,
            body_len: 0,
        });
        reply::error_response(
            &ApiError::new(status, -5999, message),
            &self.store.unique_id(),
        )
    }
}
