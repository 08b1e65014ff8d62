//! The one request path of the v4 API: every request of every operation (upload steps, stat,
//! list, folders, delete, move/copy, update, the download's stat) is signed, sent, timed,
//! logged and unwrapped here, and interrupted by its operation's cancel token.

use crate::cancel::CancelToken;
use crate::config::Config;
use crate::error::Result;
use crate::sign::Signer;
use crate::wire::{Envelope, MultipartBody};
use serde_json::Value;
use std::io::Read;
use std::time::Instant;
use ureq::Agent;

/// What every request needs of its client: the settings, the signer, the base URL and the
/// shared agent. Cheap to copy; lent by [`crate::Client`] to the operations.
#[derive(Clone, Copy)]
pub(crate) struct Api<'a> {
    pub cfg: &'a Config,
    pub signer: &'a Signer,
    pub base_url: &'a str,
    pub agent: &'a Agent,
}

/// How a request is signed (PROTOCOL.md §2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sign {
    /// Multi-effect, not bound to a path (`f` empty): uploads, stat, list, create.
    Multi,
    /// Single-use, bound to the target's fileid: delete, update, move/copy.
    Once,
}

/// Where a request goes, how it is signed and what interrupts it.
#[derive(Clone, Copy)]
pub(crate) struct Target<'a> {
    pub bucket: &'a str,
    /// The path of the URL (a file, a folder ending in `/`, or a folder and a list prefix).
    pub cos_path: &'a str,
    pub sign: Sign,
    /// The operation's token: cancelling it interrupts the request in flight.
    pub cancel: Option<&'a CancelToken>,
}

impl<'a> Target<'a> {
    /// A target signed with a multi-effect signature, not cancellable.
    pub fn multi(bucket: &'a str, cos_path: &'a str) -> Target<'a> {
        Target {
            bucket,
            cos_path,
            sign: Sign::Multi,
            cancel: None,
        }
    }

    /// A target signed with a single-use signature bound to its path, not cancellable.
    pub fn once(bucket: &'a str, cos_path: &'a str) -> Target<'a> {
        Target {
            sign: Sign::Once,
            ..Target::multi(bucket, cos_path)
        }
    }

    /// The same target, interrupted by `cancel`.
    pub fn cancel_with(self, cancel: Option<&'a CancelToken>) -> Target<'a> {
        Target { cancel, ..self }
    }
}

enum Request<'q, R> {
    /// `GET <url>?<query>`; the query starts with `op=`.
    Get(&'q str),
    Post(MultipartBody<R>),
}

impl Api<'_> {
    /// `<base>/files/v2/<appid>/<bucket><encoded path>`.
    pub fn object_url(&self, bucket: &str, cos_path: &str) -> String {
        format!(
            "{}/files/v2/{}/{bucket}{}",
            self.base_url,
            self.signer.credentials().appid(),
            crate::path::encode(cos_path)
        )
    }

    /// POSTs a multipart form to the target; the answer's `data`, or its error.
    pub fn post<R: Read>(&self, target: &Target<'_>, body: MultipartBody<R>) -> Result<Value> {
        self.send(target, Request::Post(body))
    }

    /// GETs the target with `query` (`op=...&...`); the answer's `data`, or its error.
    pub fn get(&self, target: &Target<'_>, query: &str) -> Result<Value> {
        self.send::<std::io::Empty>(target, Request::Get(query))
    }

    fn send<R: Read>(&self, target: &Target<'_>, request: Request<'_, R>) -> Result<Value> {
        let t = target;
        let auth = match t.sign {
            Sign::Multi => self
                .signer
                .multi(t.bucket, "", self.cfg.sign_lifetime.as_secs()),
            Sign::Once => {
                let appid = self.signer.credentials().appid();
                let fileid = crate::path::fileid(appid, t.bucket, t.cos_path);
                self.signer.once(t.bucket, &fileid)
            }
        };
        let url = self.object_url(t.bucket, t.cos_path);
        // The log names a POST by its path, a GET by its URL (query included: a list's context
        // shows). The URL never carries a signature: that travels in a header.
        let (op, shown, offset, bytes) = match &request {
            Request::Get(query) => (op_of(query).to_string(), format!("{url}?{query}"), None, 0),
            Request::Post(b) => {
                let (op, offset) = (b.op().to_string(), b.offset());
                (op, t.cos_path.to_string(), offset, b.content_length())
            }
        };
        let started = Instant::now();
        let send = || match request {
            Request::Get(_) => super::get(self.agent, &shown, &auth),
            Request::Post(body) => super::post_form(self.agent, &url, &auth, body),
        };
        let answer = match t.cancel {
            Some(token) => super::with_cancel(token, send),
            None => send(),
        };
        let logger = self.cfg.logger.as_ref();
        crate::log::request(logger, (&op, &shown, offset), bytes, started, &answer);
        answer.and_then(Envelope::into_data)
    }
}

/// The `op` of a query string (`op=stat&...` → `stat`).
fn op_of(query: &str) -> &str {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("op="))
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    #[test]
    fn op_of_a_query() {
        assert_eq!(super::op_of("op=list&num=3&context="), "list");
        assert_eq!(super::op_of("num=3&op=stat"), "stat");
        assert_eq!(super::op_of("num=3"), "");
    }
}
