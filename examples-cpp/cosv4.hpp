/*
 * cosv4.hpp -- a header-only C++11 RAII wrapper over the libcosv4 C API (include/cosv4.h).
 * Include this file; it includes its parts (cosv4_core.hpp, cosv4_transfer.hpp,
 * cosv4_batch.hpp, cosv4_objects.hpp), which must sit next to it.
 *
 *   cosv4::Config cfg(1250000000, "AKID...", "secret");
 *   cfg.region("gz");                                  // a bad value throws, saying why
 *   const cosv4::Client client(std::move(cfg));
 *   cosv4::UploadOptions opts;
 *   opts.progress([](const cosv4_progress &p) { std::cout << p.bytes_done << "\n"; return true; });
 *   cosv4::UploadResult r = client.upload_file("mybucket", "/dir/name.bin", "name.bin", opts);
 *   std::cout << r.access_url << "\n";
 *
 *   cosv4::Stat st = client.stat("mybucket", "/dir/name.bin");         // sizes, sha, headers
 *   for (const cosv4::ListEntry &e : client.list("mybucket", "/dir/")) // pages fetched lazily
 *       std::cout << e.name << (e.is_folder ? "/" : "") << "\n";
 *   client.create_folder("mybucket", "/new/");
 *   client.copy("mybucket", "/dir/name.bin", "/new/name.bin");
 *   client.move("mybucket", "/new/name.bin", "renamed.bin");           // same folder
 *   client.update("mybucket", "/new/renamed.bin",
 *                 cosv4::UpdateOptions().biz_attr("v2").custom_header("Content-Type", "text/plain"));
 *   client.remove("mybucket", "/new/renamed.bin");                     // cosv4_client_delete
 *   cosv4::DownloadOptions d;                          // resumes from "<local>.part"
 *   d.progress([](const cosv4_download_progress &p) { return true; });
 *   client.download_file("mybucket", "/dir/name.bin", "copy.bin", d);
 *
 *   cosv4::BatchOptions batch;                         // many files: a tree, or a list
 *   batch.jobs(8).on_file([](const cosv4_batch_file_event &e) { return true; });
 *   cosv4::BatchResult b = client.upload_dir("mybucket", "photos", "/photos/", batch);
 *   for (const cosv4::BatchItem &i : b.items) if (i.failed()) std::cerr << i.reason << "\n";
 *   cosv4::BatchList list;
 *   list.add("a.txt", "/docs/a.txt").add("b.txt", "/other/b.txt");  // throws on a bad cos path
 *   b = client.upload_list("mybucket", list, batch);
 *   cosv4::BatchOptions sync;                          // send only what changed
 *   sync.sync(COSV4_SYNC_MODE_CHECKSUM).delete_extra(true).exclude("*.tmp");
 *   b = client.upload_dir("mybucket", "photos", "/photos/", sync);  // b.unchanged, b.deleted
 *
 * Rules:
 *   - Every C handle has exactly one owner here (std::unique_ptr with the matching *_free), so
 *     each is freed exactly once; Config, Client, CancelToken, BatchList and ListPage are
 *     move-only. Every function of cosv4.h is used by this wrapper (tests/cpp.rs checks it).
 *   - Failures throw cosv4::Error (a std::runtime_error) carrying the result code and its name,
 *     the HTTP status, the COS code and message, the request id and the library's sentence
 *     (for a Config setter, cosv4_config_last_error's).
 *   - A progress callback is a std::function<bool(const Event &)>: return true to go on, false
 *     to stop (cosv4::Error with COSV4_RESULT_ABORTED_BY_CALLBACK). An exception it throws
 *     never crosses the C library: it is caught in the trampoline, stops the call, and is
 *     rethrown from upload_file/upload_buffer/download_file once the C call returned. The
 *     batch callbacks (BatchOptions::progress and on_file) follow the same rules: false stops
 *     the batch, an exception stops it and is rethrown from upload_dir/upload_list; after an
 *     exception no callback of that call runs again. Callbacks run on the calling thread. The
 *     log callback (Config::log) cannot stop anything: its exceptions are dropped.
 *   - Thread safety is the C API's: one Client may be used by many threads at once (its
 *     methods are const); a CancelToken may be cancelled from any thread.
 *
 * Link with libcosv4 (static: libcosv4.a plus the system libraries; shared: -lcosv4).
 */
#ifndef COSV4_HPP
#define COSV4_HPP

#include "cosv4_core.hpp"
#include "cosv4_batch.hpp"
#include "cosv4_objects.hpp"
#include "cosv4_transfer.hpp"

namespace cosv4 {

namespace detail {

/** Frees a client, then lets go of the log callback it called (which must outlive it). */
struct ClientFree {
    std::shared_ptr<LogState> log;
    void operator()(const cosv4_client *p) const noexcept { cosv4_client_free(p); }
};
typedef std::unique_ptr<const cosv4_client, ClientFree> ClientPtr;

/** Runs `call(&err)` (a C call with an error detail) and throws its error. */
template <class Call> inline void checked(Call call) {
    cosv4_error *err = NULL;
    cosv4_result rc = call(&err);
    check_detail(rc, err);
}

} // namespace detail

/**
 * A client: configuration checked once and one connection pool. Move-only; its methods are
 * const and thread-safe, so many threads may use one Client at once. Strings holding a NUL
 * byte are refused (COSV4_RESULT_INVALID_ARGUMENT) before anything is sent.
 */
class Client {
  public:
    /** Builds a client from `cfg` (consumed on every path). */
    explicit Client(Config cfg) {
        detail::ClientFree free_client;
        free_client.log = cfg.log_;
        cosv4_client *client = NULL;
        detail::checked([&](cosv4_error **err) {
            return cosv4_client_new(cfg.release(), &client, err);
        });
        client_ = detail::ClientPtr(client, std::move(free_client));
    }
    Client(Client &&) = default;
    Client &operator=(Client &&) = default;

    /* ---- uploads and downloads of one file ---- */

    /** Uploads the local file `local_path` to `cos_path` in `bucket`. */
    UploadResult upload_file(const std::string &bucket, const std::string &cos_path,
                             const std::string &local_path,
                             const UploadOptions &opts = UploadOptions()) const {
        return run(opts, [&](const cosv4_upload_options *o, cosv4_upload_result **out,
                             cosv4_error **err) {
            return cosv4_client_upload_file(get(), detail::c_str(bucket, "bucket"),
                                            detail::c_str(cos_path, "cos_path"),
                                            detail::c_str(local_path, "local_path"), o, out,
                                            err);
        });
    }

    /** Uploads `len` bytes at `data` (which must stay valid during the call). */
    UploadResult upload_buffer(const std::string &bucket, const std::string &cos_path,
                               const void *data, std::size_t len,
                               const UploadOptions &opts = UploadOptions()) const {
        return run(opts, [&](const cosv4_upload_options *o, cosv4_upload_result **out,
                             cosv4_error **err) {
            return cosv4_client_upload_buffer(get(), detail::c_str(bucket, "bucket"),
                                              detail::c_str(cos_path, "cos_path"),
                                              static_cast<const uint8_t *>(data), len, o, out,
                                              err);
        });
    }

    /** Downloads the file `cos_path` to `local_path`, resuming an earlier attempt's partial
     *  file and checking the SHA-1 (see DownloadOptions). A missing object throws Error with
     *  COSV4_RESULT_SERVICE and COS code -197; an existing local file that is not our own
     *  partial download, INVALID_ARGUMENT (unless overwrite). */
    DownloadResult download_file(const std::string &bucket, const std::string &cos_path,
                                 const std::string &local_path,
                                 const DownloadOptions &opts = DownloadOptions()) const {
        detail::DownloadState state(&opts.progress_);
        detail::DownloadOptionsPtr o = opts.make(state);
        cosv4_download_result *res = NULL;
        cosv4_error *err = NULL;
        cosv4_result rc = cosv4_client_download_file(
            get(), detail::c_str(bucket, "bucket"), detail::c_str(cos_path, "cos_path"),
            detail::c_str(local_path, "local_path"), o.get(), &res, &err);
        detail::DownloadResultPtr result(res);
        detail::finish(rc, err, state.exception);
        return detail::download_result(res);
    }

    /** A URL anyone can GET the file with for `lifetime_s` seconds (1 to 7776000); no
     *  request is made. */
    std::string download_url(const std::string &bucket, const std::string &cos_path,
                             uint64_t lifetime_s = 300) const {
        return detail::buffered(
            [&](char *buf, std::size_t n, std::size_t *len, cosv4_error **err) {
                return cosv4_client_download_url(get(), detail::c_str(bucket, "bucket"),
                                                 detail::c_str(cos_path, "cos_path"),
                                                 lifetime_s, buf, n, len, err);
            },
            "download_url");
    }

    /* ---- batches: many files ---- */

    /** Uploads every file under `local_dir` to the same relative path under `cos_folder`
     *  (ends in '/'); empty directories become folders, missing folders are created. Items
     *  that fail do not stop the others (unless fail_fast): see BatchResult::items. */
    BatchResult upload_dir(const std::string &bucket, const std::string &local_dir,
                           const std::string &cos_folder,
                           const BatchOptions &opts = BatchOptions()) const {
        return run_batch(opts, [&](const cosv4_batch_options *o, cosv4_batch_result **out,
                                   cosv4_error **err) {
            return cosv4_client_upload_dir(get(), detail::c_str(bucket, "bucket"),
                                           detail::c_str(local_dir, "local_dir"),
                                           detail::c_str(cos_folder, "cos_folder"), o, out, err);
        });
    }

    /** Uploads every pair of `list` (as it is now) as upload_dir uploads a tree's files. */
    BatchResult upload_list(const std::string &bucket, const BatchList &list,
                            const BatchOptions &opts = BatchOptions()) const {
        return run_batch(opts, [&](const cosv4_batch_options *o, cosv4_batch_result **out,
                                   cosv4_error **err) {
            return cosv4_client_upload_list(get(), detail::c_str(bucket, "bucket"), list.get(),
                                            o, out, err);
        });
    }

    /* ---- objects: stat, folders, delete, move, copy, update ---- */

    /** Stat of the file at `cos_path`, or of the folder when it ends in '/' ("/" is the
     *  root). A missing path throws Error with COSV4_RESULT_SERVICE and COS code -197. */
    Stat stat(const std::string &bucket, const std::string &cos_path) const {
        cosv4_stat *raw = NULL;
        cosv4_error *err = NULL;
        cosv4_result rc = cosv4_client_stat(get(), detail::c_str(bucket, "bucket"),
                                            detail::c_str(cos_path, "cos_path"), &raw, &err);
        detail::StatPtr st(raw);
        detail::check_detail(rc, err);
        return detail::stat_of(st.get());
    }

    /** Whether a file (or, ending in '/', a folder) exists at `cos_path`. */
    bool exists(const std::string &bucket, const std::string &cos_path) const {
        try {
            stat(bucket, cos_path);
            return true;
        } catch (const Error &e) {
            if (e.has_cos_code() && e.cos_code() == -197) return false;
            throw;
        }
    }

    /** Deletes the file at `cos_path`, or the empty folder when it ends in '/'
     *  (cosv4_client_delete; C++ reserves the word delete). */
    void remove(const std::string &bucket, const std::string &cos_path) const {
        detail::checked([&](cosv4_error **err) {
            return cosv4_client_delete(get(), detail::c_str(bucket, "bucket"),
                                       detail::c_str(cos_path, "cos_path"), err);
        });
    }

    /** Creates the folder `folder` (ends in '/'); an existing one throws Error with COS code
     *  -178. */
    void create_folder(const std::string &bucket, const std::string &folder) const {
        make_folder(bucket, folder, NULL);
    }
    /** Creates the folder `folder` with `biz_attr` stored with it. */
    void create_folder(const std::string &bucket, const std::string &folder,
                       const std::string &biz_attr) const {
        make_folder(bucket, folder, &biz_attr);
    }

    /** Moves (renames) the file `src` to `dest` (an absolute path or a bare name in the same
     *  folder); an existing `dest` throws Error with COSV4_RESULT_FILE_EXISTS unless
     *  `overwrite`. */
    void move(const std::string &bucket, const std::string &src, const std::string &dest,
              bool overwrite = false) const {
        detail::checked([&](cosv4_error **err) {
            return cosv4_client_move(get(), detail::c_str(bucket, "bucket"),
                                     detail::c_str(src, "src"), detail::c_str(dest, "dest"),
                                     overwrite ? 1 : 0, err);
        });
    }

    /** Copies the file `src` to `dest`; otherwise as move. */
    void copy(const std::string &bucket, const std::string &src, const std::string &dest,
              bool overwrite = false) const {
        detail::checked([&](cosv4_error **err) {
            return cosv4_client_copy(get(), detail::c_str(bucket, "bucket"),
                                     detail::c_str(src, "src"), detail::c_str(dest, "dest"),
                                     overwrite ? 1 : 0, err);
        });
    }

    /** Changes what `opts` sets on the file at `cos_path`, or the biz_attr of the folder
     *  when it ends in '/'. Options that set nothing throw INVALID_ARGUMENT. */
    void update(const std::string &bucket, const std::string &cos_path,
                const UpdateOptions &opts) const {
        detail::UpdateOptionsPtr o = opts.make();
        detail::checked([&](cosv4_error **err) {
            return cosv4_client_update(get(), detail::c_str(bucket, "bucket"),
                                       detail::c_str(cos_path, "cos_path"), o.get(), err);
        });
    }

    /* ---- listing ---- */

    /** Every entry of `folder` (ends in '/'; "/" is the root) whose name starts with
     *  `prefix`, fetched lazily, `page_size` per request (0: 199; at most 1000): see
     *  Listing. This Client must outlive the listing. */
    Listing list(const std::string &bucket, const std::string &folder = "/",
                 const std::string &prefix = "", uint32_t page_size = 0) const {
        return Listing(get(), bucket, folder, prefix, page_size);
    }

    /** One page of the listing of `folder`, starting at `context` ("" for the first page,
     *  else a page's context()). */
    ListPage list_page(const std::string &bucket, const std::string &folder,
                       const std::string &prefix = "", uint32_t page_size = 0,
                       const std::string &context = "") const {
        cosv4_list_page *raw = NULL;
        cosv4_error *err = NULL;
        cosv4_result rc = cosv4_client_list(
            get(), detail::c_str(bucket, "bucket"), detail::c_str(folder, "folder"),
            detail::c_str(prefix, "prefix"), page_size,
            context.empty() ? NULL : detail::c_str(context, "context"), &raw, &err);
        detail::ListPagePtr page(raw);
        detail::check_detail(rc, err);
        return ListPage(std::move(page));
    }

    /** The page after `prev` (an empty last page when `prev` was the last); `prev` is
     *  unchanged, so after a failure the same call may be made again. */
    ListPage list_next(const ListPage &prev) const { return detail::list_next(get(), prev); }

    /* ---- signing ---- */

    /** A multi-effect signature not bound to a file, valid for `lifetime_s` seconds. */
    std::string sign_multi(const std::string &bucket, uint64_t lifetime_s = 300) const {
        return detail::buffered(
            [&](char *buf, std::size_t n, std::size_t *len, cosv4_error **) {
                return cosv4_client_sign_multi(get(), detail::c_str(bucket, "bucket"), NULL,
                                               lifetime_s, buf, n, len);
            },
            "sign");
    }

    /** A multi-effect signature bound to `cos_path`. */
    std::string sign_multi(const std::string &bucket, const std::string &cos_path,
                           uint64_t lifetime_s) const {
        return detail::buffered(
            [&](char *buf, std::size_t n, std::size_t *len, cosv4_error **) {
                return cosv4_client_sign_multi(get(), detail::c_str(bucket, "bucket"),
                                               detail::c_str(cos_path, "cos_path"), lifetime_s,
                                               buf, n, len);
            },
            "sign");
    }

    /** A single-use signature bound to `cos_path` (delete and update requests). */
    std::string sign_once(const std::string &bucket, const std::string &cos_path) const {
        return detail::buffered(
            [&](char *buf, std::size_t n, std::size_t *len, cosv4_error **) {
                return cosv4_client_sign_once(get(), detail::c_str(bucket, "bucket"),
                                              detail::c_str(cos_path, "cos_path"), buf, n, len);
            },
            "sign");
    }

    /** The C handle, for direct C calls (owned by this Client). */
    const cosv4_client *get() const {
        if (!client_) throw Error(COSV4_RESULT_NULL_ARGUMENT, "the client was moved from");
        return client_.get();
    }

  private:
    template <class Call> UploadResult run(const UploadOptions &opts, Call call) const {
        detail::ProgressState state(&opts.progress_);
        detail::OptionsPtr o = opts.make(state);
        cosv4_upload_result *res = NULL;
        cosv4_error *err = NULL;
        cosv4_result rc = call(o.get(), &res, &err);
        detail::ResultPtr result(res);
        detail::finish(rc, err, state.exception);
        return detail::upload_result(res);
    }

    template <class Call> BatchResult run_batch(const BatchOptions &opts, Call call) const {
        detail::BatchState state;
        detail::BatchOptionsPtr o = opts.make(state);
        cosv4_batch_result *res = NULL;
        cosv4_error *err = NULL;
        cosv4_result rc = call(o.get(), &res, &err);
        detail::BatchResultPtr result(res);
        detail::finish(rc, err, state.exception);
        return detail::batch_result(res);
    }

    void make_folder(const std::string &bucket, const std::string &folder,
                     const std::string *biz_attr) const {
        detail::checked([&](cosv4_error **err) {
            return cosv4_client_create_folder(
                get(), detail::c_str(bucket, "bucket"), detail::c_str(folder, "folder"),
                biz_attr ? detail::c_str(*biz_attr, "biz_attr") : NULL, err);
        });
    }

    detail::ClientPtr client_;
};

} // namespace cosv4

#endif /* COSV4_HPP */
