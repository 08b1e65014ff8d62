//! The client: configuration checked once, one shared agent, and the operations.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::sign::Signer;
use crate::upload::{self, Content, FileSource, Handler, MemSource, Outcome, UploadOptions};
use crate::wire::envelope::{int_field, opt_str};
use crate::wire::{Envelope, Form};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

/// A client: built once, shared by any number of threads (`Send + Sync`, cheap to clone).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    cfg: Config,
    base_url: String,
    signer: Signer,
    /// One agent (one connection pool) for every request of every upload; a cancel interrupts
    /// only its own upload's requests (`transport::interrupt`).
    agent: ureq::Agent,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("config", &self.inner.cfg)
            .finish()
    }
}

/// What `stat` reports of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Stat {
    /// Declared size.
    pub filesize: u64,
    /// Bytes stored so far (less than `filesize` while an upload is unfinished).
    pub filelen: u64,
    pub sha: String,
    pub biz_attr: String,
    pub ctime: i64,
    pub mtime: i64,
    pub access_url: String,
    pub source_url: String,
    pub authority: String,
    /// The whole `data` object of the answer.
    pub raw: Value,
}

impl Client {
    /// Checks `cfg` and builds the client.
    pub fn new(cfg: Config) -> Result<Client> {
        let base_url = cfg.validate()?;
        let signer = Signer::new(cfg.credentials.clone(), cfg.clock.clone());
        let agent = crate::transport::new_agent(&cfg, cfg.workers)?;
        Ok(Client {
            inner: Arc::new(Inner {
                cfg,
                base_url,
                signer,
                agent,
            }),
        })
    }

    pub fn config(&self) -> &Config {
        &self.inner.cfg
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    pub fn signer(&self) -> &Signer {
        &self.inner.signer
    }

    /// The shared agent (connection pool), for the operations in other files.
    pub(crate) fn agent(&self) -> &ureq::Agent {
        &self.inner.agent
    }

    /// Uploads `content` to `bucket` at `cos_path`, calling `progress` (if any) on this thread
    /// as the upload goes. The other upload methods are shorthands for this one.
    pub fn upload(
        &self,
        bucket: &str,
        cos_path: &str,
        content: Content<'_>,
        opts: &UploadOptions,
        progress: Option<Handler<'_>>,
    ) -> Result<Outcome> {
        let i = &self.inner;
        let parts = upload::ClientParts {
            cfg: &i.cfg,
            signer: &i.signer,
            base_url: &i.base_url,
            agent: &i.agent,
        };
        let target = (bucket, cos_path);
        match content {
            Content::File(path) => {
                let source = FileSource::open(path)?;
                upload::run(parts, target, &source, opts, progress)
            }
            Content::Bytes(data) => upload::run(parts, target, &MemSource(data), opts, progress),
        }
    }

    /// Uploads a local file to `bucket` at `cos_path`.
    pub fn upload_file(
        &self,
        bucket: &str,
        cos_path: &str,
        local: impl AsRef<Path>,
        opts: &UploadOptions,
    ) -> Result<Outcome> {
        self.upload(bucket, cos_path, Content::File(local.as_ref()), opts, None)
    }

    /// Same as [`Client::upload_file`], calling `progress` on this thread as the upload goes.
    pub fn upload_file_with_progress(
        &self,
        bucket: &str,
        cos_path: &str,
        local: impl AsRef<Path>,
        opts: &UploadOptions,
        progress: Handler<'_>,
    ) -> Result<Outcome> {
        let content = Content::File(local.as_ref());
        self.upload(bucket, cos_path, content, opts, Some(progress))
    }

    /// Uploads bytes already in memory.
    pub fn upload_bytes(
        &self,
        bucket: &str,
        cos_path: &str,
        data: &[u8],
        opts: &UploadOptions,
    ) -> Result<Outcome> {
        self.upload(bucket, cos_path, Content::Bytes(data), opts, None)
    }

    /// Same as [`Client::upload_bytes`] with a progress handler.
    pub fn upload_bytes_with_progress(
        &self,
        bucket: &str,
        cos_path: &str,
        data: &[u8],
        opts: &UploadOptions,
        progress: Handler<'_>,
    ) -> Result<Outcome> {
        self.upload(bucket, cos_path, Content::Bytes(data), opts, Some(progress))
    }

    /// Size, sha and attributes of a file.
    pub fn stat(&self, bucket: &str, cos_path: &str) -> Result<Stat> {
        crate::path::validate_bucket(bucket)?;
        crate::path::validate_file(cos_path)?;
        let i = &self.inner;
        let url = self.object_url(bucket, cos_path);
        stat_object(&i.cfg, &i.signer, &i.agent, &url, bucket)
    }

    /// Deletes a file (a once signature bound to it).
    pub fn delete(&self, bucket: &str, cos_path: &str) -> Result<()> {
        crate::path::validate_bucket(bucket)?;
        crate::path::validate_file(cos_path)?;
        let auth = self.once_auth(bucket, cos_path);
        let form = Form::new().text("op", "delete");
        self.post_data(bucket, cos_path, &auth, form).map(|_| ())
    }

    /// The API URL of an object.
    pub fn object_url(&self, bucket: &str, cos_path: &str) -> String {
        upload::object_url(
            &self.inner.base_url,
            self.inner.signer.credentials().appid(),
            bucket,
            cos_path,
        )
    }
}

/// `GET <url>?op=stat`.
pub(crate) fn stat_object(
    cfg: &Config,
    signer: &Signer,
    agent: &ureq::Agent,
    url: &str,
    bucket: &str,
) -> Result<Stat> {
    let auth = signer.multi(bucket, "", cfg.sign_lifetime.as_secs());
    let url = format!("{url}?op=stat");
    let started = std::time::Instant::now();
    let answer = crate::transport::get(agent, &url, &auth);
    crate::log::request(
        cfg.logger.as_ref(),
        ("stat", &url, None),
        0,
        started,
        &answer,
    );
    let data = answer.and_then(Envelope::into_data)?;
    let num = |f: &str| int_field(&data, f);
    let s = |f: &str| opt_str(&data, f).unwrap_or_default();
    let filesize =
        num("filesize").ok_or_else(|| Error::protocol("the stat answer has no filesize"))?;
    Ok(Stat {
        filesize: filesize.max(0) as u64,
        filelen: num("filelen").unwrap_or(filesize).max(0) as u64,
        sha: s("sha"),
        biz_attr: s("biz_attr"),
        ctime: num("ctime").unwrap_or(0),
        mtime: num("mtime").unwrap_or(0),
        access_url: s("access_url"),
        source_url: s("source_url"),
        authority: s("authority"),
        raw: data,
    })
}
