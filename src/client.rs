//! The client: configuration checked once, one shared agent, and the operations.

use crate::config::Config;
use crate::error::Result;
use crate::objects::ObjectStat;
use crate::sign::Signer;
use crate::upload::{self, Content, FileSource, Handler, MemSource, Outcome, UploadOptions};
use crate::wire::Form;
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

    /// Size, sha and attributes of a file (see [`Client::stat_path`] for folders too).
    pub fn stat(&self, bucket: &str, cos_path: &str) -> Result<ObjectStat> {
        crate::path::validate_bucket(bucket)?;
        crate::path::validate_file(cos_path)?;
        self.stat_path(bucket, cos_path)
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
