//! The client façade: the configuration checked once, one shared agent, and every operation
//! as a method. The operations themselves live in their modules ([`crate::upload`],
//! [`crate::objects`], [`crate::download`]) and take the client's parts ([`Api`]); this file
//! only validates what is common and delegates.

use crate::batch::{self, BatchHandler, BatchOptions, BatchOutcome, BatchSource};
use crate::config::Config;
use crate::download::{self, DownloadHandler, DownloadOptions, DownloadOutcome};
use crate::error::Result;
use crate::objects::{self, ListCursor, ListIter, ListOptions, ListPage, ObjectStat};
use crate::objects::{list, UpdateOptions};
use crate::path::{validate_bucket, validate_file, validate_folder};
use crate::sign::Signer;
use crate::transport::Api;
use crate::upload::{self, Content, FileSource, Handler, MemSource, Outcome, UploadOptions};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

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

/// Idle connections the pool keeps per host. Not `workers`: a client is shared by threads,
/// batches run several files at once and each has its workers; with fewer kept than are in
/// use, every burst of answers closed the surplus and the next burst opened new ones (16
/// threads on a pool of 4 left hundreds of connections in TIME_WAIT). An idle connection
/// costs a socket until ureq's idle age (15 s) or the server closes it.
const IDLE_PER_HOST: usize = 64;

impl Client {
    /// Checks `cfg` and builds the client.
    pub fn new(cfg: Config) -> Result<Client> {
        let base_url = cfg.validate()?;
        let signer = Signer::new(cfg.credentials.clone(), cfg.clock.clone());
        let agent = crate::transport::new_agent(&cfg, IDLE_PER_HOST)?;
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

    /// `read` (a request that changes nothing: stat, a list page) retried as uploads are: an
    /// outage within the retry window is ridden out.
    fn retried<T>(&self, mut read: impl FnMut() -> Result<T>) -> Result<T> {
        crate::retry::retry_until(self.config(), &crate::CancelToken::new(), |_| read())
    }

    /// What the operations need: settings, signer, base URL and the shared agent.
    pub(crate) fn api(&self) -> Api<'_> {
        let i = &self.inner;
        Api {
            cfg: &i.cfg,
            signer: &i.signer,
            base_url: &i.base_url,
            agent: &i.agent,
        }
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
        // The arguments before the local file: a bad bucket or path is reported as such even
        // when the file is missing too.
        validate_bucket(bucket)?;
        validate_file(cos_path)?;
        let parts = self.api();
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

    /// Uploads many files — a local directory mirrored to a folder, or a list of pairs —
    /// with `opts.jobs` files in flight, calling `events` (if any) on this thread. A failed
    /// file does not stop the batch unless `opts.fail_fast`; the outcome names every item.
    /// An error when the arguments are wrong, the batch was cancelled or the handler stopped
    /// it, or (with `fail_fast`) a file failed. See [`crate::batch`].
    pub fn upload_batch(
        &self,
        bucket: &str,
        source: BatchSource,
        opts: &BatchOptions,
        events: Option<BatchHandler<'_>>,
    ) -> Result<BatchOutcome> {
        batch::run(self.api(), bucket, source, opts, events)
    }

    /// Size, sha and attributes of a file (see [`Client::stat_path`] for folders too).
    pub fn stat(&self, bucket: &str, cos_path: &str) -> Result<ObjectStat> {
        validate_file(cos_path)?;
        self.stat_path(bucket, cos_path)
    }

    /// Stat of a file, or of a folder when `cos_path` ends in `/` (multi signature); retried
    /// within the retry window.
    pub fn stat_path(&self, bucket: &str, cos_path: &str) -> Result<ObjectStat> {
        self.retried(|| objects::stat(self.api(), bucket, cos_path, None))
    }

    /// Stat of a folder (`folder` ends in `/`; "/" is the bucket's root).
    pub fn stat_folder(&self, bucket: &str, folder: &str) -> Result<ObjectStat> {
        validate_folder(folder)?;
        self.stat_path(bucket, folder)
    }

    /// Deletes a file (a once signature bound to it).
    pub fn delete(&self, bucket: &str, cos_path: &str) -> Result<()> {
        validate_file(cos_path)?;
        self.delete_path(bucket, cos_path)
    }

    /// Deletes an empty folder (a once signature bound to it). A folder with content fails
    /// with COS code -173; the root cannot be deleted.
    pub fn delete_folder(&self, bucket: &str, folder: &str) -> Result<()> {
        validate_folder(folder)?;
        self.delete_path(bucket, folder)
    }

    /// Deletes a file, or an empty folder when `cos_path` ends in `/`.
    pub fn delete_path(&self, bucket: &str, cos_path: &str) -> Result<()> {
        objects::delete(self.api(), bucket, cos_path, None)
    }

    /// Creates a folder (`folder` ends in `/`; multi signature). An existing folder fails with
    /// COS code -178. Returns the folder's `ctime` as answered (0 when absent).
    pub fn create_folder(&self, bucket: &str, folder: &str, biz_attr: &str) -> Result<i64> {
        objects::create_folder(self.api(), bucket, folder, biz_attr, None)
    }

    /// One page of the listing of `folder` (ends in `/`), its direct sub-folders and files.
    /// An answer with `listover` false must carry a context other than `opts.context`; one
    /// without a context, or with the same, is a protocol error.
    pub fn list(&self, bucket: &str, folder: &str, opts: &ListOptions) -> Result<ListPage> {
        self.retried(|| list::page(self.api(), bucket, folder, opts, None))
    }

    /// All pages of the listing of `folder`, fetched lazily (starting at `opts.context`); see
    /// [`ListCursor`] for how a misbehaving server ends it.
    pub fn list_iter(&self, bucket: &str, folder: &str, opts: &ListOptions) -> ListIter<'_> {
        ListIter::new(self.api(), ListCursor::new(bucket, folder, opts))
    }

    /// Moves (renames) the file `src` to `dest`: an absolute path (`/dir/name`) or a bare name
    /// in the same folder. An existing `dest` is replaced only when `overwrite` is true
    /// (otherwise COS code -177). Sends a once signature bound to `src`.
    pub fn move_file(&self, bucket: &str, src: &str, dest: &str, overwrite: bool) -> Result<()> {
        objects::move_or_copy(self.api(), "move", bucket, (src, dest), overwrite)
    }

    /// Copies the file `src` to `dest`, as [`Client::move_file`] (`op=copy`, which only the
    /// PHP and JS SDKs used).
    pub fn copy_file(&self, bucket: &str, src: &str, dest: &str, overwrite: bool) -> Result<()> {
        objects::move_or_copy(self.api(), "copy", bucket, (src, dest), overwrite)
    }

    /// Changes attributes of a file, or the `biz_attr` of a folder (path ending in `/`). Sends a
    /// once signature bound to the path.
    pub fn update(&self, bucket: &str, cos_path: &str, opts: &UpdateOptions) -> Result<()> {
        objects::update(self.api(), bucket, cos_path, opts)
    }

    /// The unsigned download URL of an object (what `access_url` points to).
    pub fn download_base_url(&self, bucket: &str, cos_path: &str) -> Result<String> {
        download::base_url(self.api(), bucket, cos_path)
    }

    /// A download URL for a private object, signed for `lifetime` (1 s to 90 days): a
    /// multi-effect signature bound to the path (`f=/dir/file`) in `?sign=`. Anyone holding
    /// the URL can fetch the object with a plain GET until it expires.
    pub fn download_url(&self, bucket: &str, cos_path: &str, lifetime: Duration) -> Result<String> {
        download::signed_url(self.api(), bucket, cos_path, lifetime)
    }

    /// Downloads the file `cos_path` to `local`, resuming a partial earlier download of the
    /// same object version, calling `progress` (if any) on this thread. On success the file is
    /// complete at `local`; on failure or cancel the partial file stays for the next call to
    /// resume (see [`crate::download`] for the guarantees). An existing `local` that is not
    /// our own partial download needs [`DownloadOptions::overwrite`].
    pub fn download_file(
        &self,
        bucket: &str,
        cos_path: &str,
        local: impl AsRef<Path>,
        opts: &DownloadOptions,
        progress: Option<DownloadHandler<'_>>,
    ) -> Result<DownloadOutcome> {
        let target = (bucket, cos_path);
        download::download_file(self.api(), target, local.as_ref(), opts, progress)
    }

    /// The API URL of an object.
    pub fn object_url(&self, bucket: &str, cos_path: &str) -> String {
        self.api().object_url(bucket, cos_path)
    }
}

impl ListCursor {
    /// Fetches the next page through `client`; `None` when the listing is over. After an
    /// error the listing is over too (a clone taken before the call can try the same page
    /// again).
    pub fn next_page(&mut self, client: &Client) -> Option<Result<ListPage>> {
        let token = crate::CancelToken::new();
        self.next_retried(client.api(), &token, |_| Ok(()))
    }
}
