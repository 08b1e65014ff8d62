/*
 * cosv4.hpp -- a header-only C++11 RAII wrapper over the libcosv4 C API (include/cosv4.h).
 *
 *   cosv4::Config cfg(1250000000, "AKID...", "secret");
 *   cfg.region("gz");
 *   const cosv4::Client client(std::move(cfg));
 *   cosv4::UploadOptions opts;
 *   opts.progress([](const cosv4_progress &p) { std::cout << p.bytes_done << "\n"; return true; });
 *   cosv4::UploadResult r = client.upload_file("mybucket", "/dir/name.bin", "name.bin", opts);
 *   std::cout << r.access_url << "\n";
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
 *     each is freed exactly once; Config, Client and CancelToken are move-only.
 *   - Failures throw cosv4::Error (a std::runtime_error) carrying the result code and its name,
 *     the HTTP status, the COS code and message, and the request id.
 *   - A progress callback is a std::function<bool(const cosv4_progress &)>: return true to go
 *     on, false to stop (cosv4::Error with COSV4_RESULT_ABORTED_BY_CALLBACK). An exception it
 *     throws never crosses the C library: it is caught in the trampoline, stops the upload, and
 *     is rethrown from upload_file/upload_buffer once the C call returned. The batch callbacks
 *     (BatchOptions::progress and on_file) follow the same rules: false stops the batch, an
 *     exception stops it and is rethrown from upload_dir/upload_list; after an exception no
 *     callback of that batch runs again. Callbacks run on the calling thread.
 *   - Thread safety is the C API's: one Client may be used by many threads at once (its
 *     methods are const); a CancelToken may be cancelled from any thread.
 *
 * Link with libcosv4 (static: libcosv4.a plus the system libraries; shared: -lcosv4).
 */
#ifndef COSV4_HPP
#define COSV4_HPP

#include "cosv4.h"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace cosv4 {

/* ---- errors ---------------------------------------------------------------------------- */

/** A failed cosv4 call. what() is the library's sentence for people. */
class Error : public std::runtime_error {
  public:
    Error(uint32_t code, const std::string &message, uint32_t http_status = 0,
          bool has_cos_code = false, int64_t cos_code = 0, std::string cos_message = "",
          std::string request_id = "", int32_t callback_value = 0)
        : std::runtime_error(message), code_(code), http_status_(http_status),
          has_cos_code_(has_cos_code), cos_code_(cos_code), cos_message_(std::move(cos_message)),
          request_id_(std::move(request_id)), callback_value_(callback_value) {}

    /** The cosv4_result code (never COSV4_RESULT_OK). */
    uint32_t code() const noexcept { return code_; }
    /** Its C name, e.g. "COSV4_RESULT_AUTH" (static text). */
    const char *name() const noexcept { return cosv4_result_name(code_); }
    /** HTTP status of the service's answer; 0 when there was none. */
    uint32_t http_status() const noexcept { return http_status_; }
    /** Whether the service answered a COS code. */
    bool has_cos_code() const noexcept { return has_cos_code_; }
    /** The COS code (e.g. -97 bad signature, -177 file exists); 0 when there is none. */
    int64_t cos_code() const noexcept { return cos_code_; }
    /** The COS message; "" when there is none. */
    const std::string &cos_message() const noexcept { return cos_message_; }
    /** The service's request id (quote it to support); "" when there is none. */
    const std::string &request_id() const noexcept { return request_id_; }
    /** What a progress callback returned to stop the upload (ABORTED_BY_CALLBACK), else 0. */
    int32_t callback_value() const noexcept { return callback_value_; }

  private:
    uint32_t code_;
    uint32_t http_status_;
    bool has_cos_code_;
    int64_t cos_code_;
    std::string cos_message_;
    std::string request_id_;
    int32_t callback_value_;
};

namespace detail {

struct ConfigFree {
    void operator()(cosv4_config *p) const noexcept { cosv4_config_free(p); }
};
struct ClientFree {
    void operator()(const cosv4_client *p) const noexcept { cosv4_client_free(p); }
};
struct TokenFree {
    void operator()(const cosv4_cancel_token *p) const noexcept { cosv4_cancel_token_free(p); }
};
struct OptionsFree {
    void operator()(cosv4_upload_options *p) const noexcept { cosv4_upload_options_free(p); }
};
struct ResultFree {
    void operator()(cosv4_upload_result *p) const noexcept { cosv4_upload_result_free(p); }
};
struct ErrorFree {
    void operator()(cosv4_error *p) const noexcept { cosv4_error_free(p); }
};
struct BatchOptionsFree {
    void operator()(cosv4_batch_options *p) const noexcept { cosv4_batch_options_free(p); }
};
struct BatchListFree {
    void operator()(cosv4_batch_list *p) const noexcept { cosv4_batch_list_free(p); }
};
struct BatchResultFree {
    void operator()(cosv4_batch_result *p) const noexcept { cosv4_batch_result_free(p); }
};

typedef std::unique_ptr<cosv4_config, ConfigFree> ConfigPtr;
typedef std::unique_ptr<const cosv4_client, ClientFree> ClientPtr;
typedef std::unique_ptr<const cosv4_cancel_token, TokenFree> TokenPtr;
typedef std::unique_ptr<cosv4_upload_options, OptionsFree> OptionsPtr;
typedef std::unique_ptr<cosv4_upload_result, ResultFree> ResultPtr;
typedef std::unique_ptr<cosv4_error, ErrorFree> ErrorPtr;
typedef std::unique_ptr<cosv4_batch_options, BatchOptionsFree> BatchOptionsPtr;
typedef std::unique_ptr<cosv4_batch_list, BatchListFree> BatchListPtr;
typedef std::unique_ptr<cosv4_batch_result, BatchResultFree> BatchResultPtr;

/** Throws for a failed call without an error detail (setters, signing). */
inline void check(cosv4_result rc, const char *what) {
    if (rc != COSV4_RESULT_OK)
        throw Error(static_cast<uint32_t>(rc), std::string(what) + ": " + cosv4_strerror(rc));
}

/** An Error from a cosv4_error detail (which `err` keeps owning and frees). */
inline Error make_error(cosv4_result rc, const ErrorPtr &err) {
    if (!err) return Error(static_cast<uint32_t>(rc), cosv4_strerror(rc));
    const cosv4_error *e = err.get();
    return Error(static_cast<uint32_t>(rc), cosv4_error_message(e), cosv4_error_http_status(e),
                 cosv4_error_has_cos_code(e), cosv4_error_cos_code(e),
                 cosv4_error_cos_message(e), cosv4_error_request_id(e),
                 cosv4_error_callback_value(e));
}

/** Throws unless the call succeeded; the detail `err` (may be NULL) is freed either way. */
inline void check_detail(cosv4_result rc, cosv4_error *err) {
    ErrorPtr owned(err);
    if (rc != COSV4_RESULT_OK) throw make_error(rc, owned);
}

/** `s` for the C library, which ends a string at its first NUL: a string holding one would
 *  silently name another file or object, so it is refused. */
inline const char *c_str(const std::string &s, const char *what) {
    if (s.find('\0') != std::string::npos)
        throw Error(COSV4_RESULT_INVALID_ARGUMENT, std::string(what) + " contains a NUL byte");
    return s.c_str();
}

/**
 * Calls a C++ callback for the C library: true gives 0 (go on), false 1 (stop). An exception
 * is caught and kept in `kept` (the C library cannot unwind) and gives 2 (stop); once one is
 * kept, the callbacks sharing `kept` return 2 without running.
 */
template <class Event>
inline int32_t guarded_call(const std::function<bool(const Event &)> &callback, const Event &e,
                            std::exception_ptr &kept) noexcept {
    if (kept) return 2;
    try {
        return callback(e) ? 0 : 1;
    } catch (...) {
        kept = std::current_exception();
        return 2;
    }
}

/** What the progress trampoline needs: the callback and a place for its exception. */
struct ProgressState {
    const std::function<bool(const cosv4_progress &)> *callback;
    std::exception_ptr exception;
};

/** What the batch trampolines need: both callbacks and one place for an exception. */
struct BatchState {
    const std::function<bool(const cosv4_batch_progress &)> *progress;
    const std::function<bool(const cosv4_batch_file_event &)> *file;
    std::exception_ptr exception;
};

} // namespace detail
} // namespace cosv4

/* The C callback: C language linkage, internal linkage (one copy per translation unit). No
 * exception may leave it: the C library cannot unwind. */
extern "C" {
static inline int32_t cosv4_hpp_progress_trampoline(void *userdata, const cosv4_progress *p) {
    cosv4::detail::ProgressState *state = static_cast<cosv4::detail::ProgressState *>(userdata);
    return cosv4::detail::guarded_call(*state->callback, *p, state->exception);
}
static inline int32_t cosv4_hpp_batch_progress_trampoline(void *userdata,
                                                          const cosv4_batch_progress *p) {
    cosv4::detail::BatchState *state = static_cast<cosv4::detail::BatchState *>(userdata);
    return cosv4::detail::guarded_call(*state->progress, *p, state->exception);
}
static inline int32_t cosv4_hpp_batch_file_trampoline(void *userdata,
                                                      const cosv4_batch_file_event *e) {
    cosv4::detail::BatchState *state = static_cast<cosv4::detail::BatchState *>(userdata);
    return cosv4::detail::guarded_call(*state->file, *e, state->exception);
}
}

namespace cosv4 {

/** The version of the linked library, e.g. "0.1.0" (the header's is COSV4_VERSION_STRING). */
inline std::string version() { return cosv4_version(); }

/* ---- configuration --------------------------------------------------------------------- */

/**
 * Client settings, built fluently: Config(appid, id, key).endpoint("http://...").workers(8).
 * Each setter throws cosv4::Error at once when the library rejects its value. Move-only;
 * consumed by Client's constructor.
 */
class Config {
  public:
    Config(uint64_t appid, const std::string &secret_id, const std::string &secret_key) {
        cosv4_config *cfg = NULL;
        detail::check(cosv4_config_new(appid, secret_id.c_str(), secret_key.c_str(), &cfg),
                      "credentials");
        cfg_.reset(cfg);
    }
    Config(Config &&) = default;
    Config &operator=(Config &&) = default;

    /** A COS region code ("gz", "sh", ...) or long name. */
    Config &region(const std::string &v) {
        return set(cosv4_config_set_region(get(), v.c_str()), "region");
    }
    /** A base URL http(s)://host[:port][/prefix] (a private deployment, the emulator). */
    Config &endpoint(const std::string &v) {
        return set(cosv4_config_set_endpoint(get(), v.c_str()), "endpoint");
    }
    Config &https(bool on) { return set(cosv4_config_set_https(get(), on ? 1 : 0), "https"); }
    /** 524288, 1048576 (default), 2097152 or 3145728. */
    Config &slice_size(uint64_t bytes) {
        return set(cosv4_config_set_slice_size(get(), bytes), "slice_size");
    }
    /** Slices in flight per upload, 1 to 32 (default 4). */
    Config &workers(uint32_t n) { return set(cosv4_config_set_workers(get(), n), "workers"); }
    /** Send the SHA-1 (default true). */
    Config &integrity(bool on) {
        return set(cosv4_config_set_integrity(get(), on ? 1 : 0), "integrity");
    }
    Config &simple_threshold(uint64_t bytes) {
        return set(cosv4_config_set_simple_threshold(get(), bytes), "simple_threshold");
    }
    /** 0 to 100 (default 30); retries also stop at the retry window. */
    Config &retries(uint32_t n) { return set(cosv4_config_set_retries(get(), n), "retries"); }
    /** Retries start only this long after a request's first attempt (default 60000 ms). */
    Config &retry_window_ms(uint64_t ms) {
        return set(cosv4_config_set_retry_window_ms(get(), ms), "retry_window_ms");
    }
    /** A bandwidth limit for the whole client in bytes per second, shared by every transfer
     *  and worker (at least 1024; 0, the default: none). */
    Config &limit_rate(uint64_t bytes_per_second) {
        return set(cosv4_config_set_limit_rate(get(), bytes_per_second), "limit_rate");
    }
    Config &connect_timeout_ms(uint64_t ms) {
        return set(cosv4_config_set_connect_timeout_ms(get(), ms), "connect_timeout_ms");
    }
    Config &stall_timeout_ms(uint64_t ms) {
        return set(cosv4_config_set_stall_timeout_ms(get(), ms), "stall_timeout_ms");
    }
    Config &request_timeout_ms(uint64_t ms) {
        return set(cosv4_config_set_request_timeout_ms(get(), ms), "request_timeout_ms");
    }
    Config &sign_lifetime(uint64_t seconds) {
        return set(cosv4_config_set_sign_lifetime(get(), seconds), "sign_lifetime");
    }
    Config &env_proxy(bool on) {
        return set(cosv4_config_set_env_proxy(get(), on ? 1 : 0), "env_proxy");
    }
    Config &user_agent(const std::string &v) {
        return set(cosv4_config_set_user_agent(get(), v.c_str()), "user_agent");
    }
    Config &proxy(const std::string &v) {
        return set(cosv4_config_set_proxy(get(), v.c_str()), "proxy");
    }
    Config &tls_ca_file(const std::string &path) {
        return set(cosv4_config_set_tls_ca_file(get(), path.c_str()), "tls_ca_file");
    }
    /** INSECURE, tests only. */
    Config &tls_insecure_skip_verify(bool on) {
        return set(cosv4_config_set_tls_insecure_skip_verify(get(), on ? 1 : 0),
                   "tls_insecure_skip_verify");
    }

    /** Gives up ownership of the C config (for cosv4_client_new, which consumes it). */
    cosv4_config *release() noexcept { return cfg_.release(); }

  private:
    cosv4_config *get() const {
        if (!cfg_) throw Error(COSV4_RESULT_NULL_ARGUMENT, "the config was moved from or used");
        return cfg_.get();
    }
    Config &set(cosv4_result rc, const char *what) {
        detail::check(rc, what);
        return *this;
    }
    detail::ConfigPtr cfg_;
};

/* ---- cancellation ---------------------------------------------------------------------- */

/**
 * Cancels uploads from any thread: give it to UploadOptions::cancel_token and call cancel().
 * A cancelled upload throws Error with COSV4_RESULT_CANCELLED and stays on the server, so the
 * same upload resumes later. Once cancelled it stays cancelled. Move-only; must outlive the
 * calls of every thread that may cancel it.
 */
class CancelToken {
  public:
    CancelToken() {
        cosv4_cancel_token *t = NULL;
        detail::check(cosv4_cancel_token_new(&t), "cosv4_cancel_token_new");
        token_.reset(t);
    }
    CancelToken(CancelToken &&) = default;
    CancelToken &operator=(CancelToken &&) = default;

    /** Cancels every upload using this token. Thread-safe; not async-signal-safe. */
    void cancel() const { detail::check(cosv4_cancel_token_cancel(token_.get()), "cancel"); }
    bool cancelled() const noexcept { return cosv4_cancel_token_is_cancelled(token_.get()); }
    const cosv4_cancel_token *get() const noexcept { return token_.get(); }

  private:
    detail::TokenPtr token_;
};

/* ---- uploads --------------------------------------------------------------------------- */

/** Per-upload choices (a plain value: copyable, reusable). */
class UploadOptions {
  public:
    typedef std::function<bool(const cosv4_progress &)> Progress;

    /** Free-form attribute stored with the object. */
    UploadOptions &biz_attr(const std::string &v) {
        biz_attr_ = v;
        has_biz_attr_ = true;
        return *this;
    }
    /** Replace an existing object with other content (default false: FILE_EXISTS). */
    UploadOptions &overwrite(bool on) { overwrite_ = on; return *this; }
    /** Delete an unfinished upload that cannot be resumed and start over (default false). */
    UploadOptions &replace_stale(bool on) { replace_stale_ = on; return *this; }
    /** Create the folders of the path that do not exist before uploading (default false:
     *  an upload into a missing folder fails with COS code -197). */
    UploadOptions &create_parents(bool on) { create_parents_ = on; return *this; }
    /** Called on the uploading thread; return false to stop. Exceptions are rethrown. */
    UploadOptions &progress(Progress cb) { progress_ = std::move(cb); return *this; }
    /** Lets `token` cancel the upload; it must outlive the upload call. */
    UploadOptions &cancel_token(const CancelToken &token) { token_ = &token; return *this; }

  private:
    friend class Client;
    std::string biz_attr_;
    bool has_biz_attr_ = false;
    bool overwrite_ = false;
    bool replace_stale_ = false;
    bool create_parents_ = false;
    Progress progress_;
    const CancelToken *token_ = NULL;
};

/** The outcome of a successful upload (copied out of the C result). */
struct UploadResult {
    std::string access_url;    /* download URL */
    std::string resource_path; /* "/<appid>/<bucket>/<path>" */
    std::string source_url;    /* origin URL */
    std::string url;           /* API URL */
    uint32_t method;           /* COSV4_METHOD_SIMPLE, _SLICES or _INSTANT */
    bool resumed;              /* an unfinished earlier upload was continued */
    uint64_t bytes_total, bytes_sent;
    uint64_t slices_total, slices_sent, slices_skipped;
    uint32_t retries;
    uint64_t slice_size; /* 0 for simple and instant uploads */
};

/* ---- batches: many files ------------------------------------------------------------- */

/**
 * How a batch (Client::upload_dir, upload_list) runs; a plain value (copyable, reusable). The
 * library checks the values when a batch starts: a bad one makes that call throw
 * cosv4::Error (COSV4_RESULT_INVALID_ARGUMENT) naming the option.
 */
class BatchOptions {
  public:
    typedef std::function<bool(const cosv4_batch_progress &)> Progress;
    typedef std::function<bool(const cosv4_batch_file_event &)> FileEvent;

    /** Files uploaded at once, 1 to 32 (default 4). */
    BatchOptions &jobs(uint32_t n) { jobs_ = n; has_jobs_ = true; return *this; }
    /** Requests in flight for the whole batch, at least 1 (default 8). */
    BatchOptions &max_requests(uint32_t n) {
        max_requests_ = n;
        has_max_requests_ = true;
        return *this;
    }
    /** Follow symbolic links (loops are skipped); default false: links are skipped. */
    BatchOptions &follow_symlinks(bool on) { follow_symlinks_ = on; return *this; }
    /** Stop at the first failed item: the call throws that item's cosv4::Error (default
     *  false: the others go on, and the result names the failed items). */
    BatchOptions &fail_fast(bool on) { fail_fast_ = on; return *this; }
    /** Replace objects that exist with other content (default false: such a file fails with
     *  COSV4_RESULT_FILE_EXISTS; the C API's insert_only is the opposite of this). */
    BatchOptions &overwrite(bool on) { overwrite_ = on; return *this; }
    /** Lets `token` cancel the batch (cosv4::Error COSV4_RESULT_CANCELLED); it must outlive
     *  the call. */
    BatchOptions &cancel_token(const CancelToken &token) { token_ = &token; return *this; }
    /** The whole batch's progress, throttled; return false to stop. Exceptions are rethrown. */
    BatchOptions &progress(Progress cb) { progress_ = std::move(cb); return *this; }
    /** An item started or ended (e.kind: COSV4_BATCH_EVENT_*; its strings live during the
     *  call only); return false to stop. Exceptions are rethrown. */
    BatchOptions &on_file(FileEvent cb) { file_ = std::move(cb); return *this; }

    /* Sync and patterns: a directory (upload_dir) only; upload_list throws
     * COSV4_RESULT_INVALID_ARGUMENT when one is set. */

    /** Send only what changed: COSV4_SYNC_MODE_CHECKSUM (same size and SHA-1: unchanged) or
     *  _SIZE_ONLY (same size); default COSV4_SYNC_MODE_OFF. Identical files end
     *  COSV4_BATCH_STATUS_UNCHANGED. */
    BatchOptions &sync(cosv4_sync_mode mode) { sync_ = mode; return *this; }
    /** With a sync: delete the remote files (then folders left empty) under the destination
     *  that the local tree lacks (COSV4_BATCH_STATUS_DELETED), never an excluded path, and
     *  nothing when an item failed. Without a sync the batch throws
     *  COSV4_RESULT_INVALID_ARGUMENT. (C++ reserves the word delete.) */
    BatchOptions &delete_extra(bool on) { delete_ = on; return *this; }
    /** Allow delete_extra with an empty local directory (default false: the batch throws
     *  COSV4_RESULT_INVALID_ARGUMENT and deletes nothing). */
    BatchOptions &force(bool on) { force_ = on; return *this; }
    /** List and compare, change nothing on the server: items end
     *  COSV4_BATCH_STATUS_WOULD_UPLOAD or _WOULD_DELETE (a list takes this too). */
    BatchOptions &dry_run(bool on) { dry_run_ = on; return *this; }
    /** Adds an include pattern (.gitignore style: "*.jpg" at any depth, "docs/a.md" from the
     *  top, "**" across folders, a trailing '/' folders only): when any is set, only matching
     *  files are in the batch. A bad pattern makes the batch throw
     *  COSV4_RESULT_INVALID_ARGUMENT naming it. */
    BatchOptions &include(const std::string &pattern) {
        includes_.push_back(pattern);
        return *this;
    }
    /** Adds an exclude pattern (as include): matching files are not uploaded, matching
     *  folders not entered, nothing matching deleted. Exclusion wins. */
    BatchOptions &exclude(const std::string &pattern) {
        excludes_.push_back(pattern);
        return *this;
    }
    /** Which items BatchResult::items keeps: COSV4_BATCH_KEEP_ALL (default) or
     *  COSV4_BATCH_KEEP_FAILED (memory bounded for any number of files; the counts and
     *  on_file still cover every item; a list takes this too). */
    BatchOptions &keep(cosv4_batch_keep which) { keep_ = which; return *this; }

  private:
    friend class Client;
    uint32_t jobs_ = 0;
    bool has_jobs_ = false;
    uint32_t max_requests_ = 0;
    bool has_max_requests_ = false;
    bool follow_symlinks_ = false;
    bool fail_fast_ = false;
    bool overwrite_ = false;
    const CancelToken *token_ = NULL;
    Progress progress_;
    FileEvent file_;
    cosv4_sync_mode sync_ = COSV4_SYNC_MODE_OFF;
    bool delete_ = false;
    bool force_ = false;
    bool dry_run_ = false;
    std::vector<std::string> includes_;
    std::vector<std::string> excludes_;
    cosv4_batch_keep keep_ = COSV4_BATCH_KEEP_ALL;
};

/**
 * An application's own list of (local file, cos path) pairs for Client::upload_list. add()
 * checks the cos path at once and throws cosv4::Error (COSV4_RESULT_INVALID_PATH, or
 * INVALID_ARGUMENT for a path already in the list) with a sentence naming the problem. A batch
 * uploads the list as it is when the batch starts. Move-only.
 */
class BatchList {
  public:
    BatchList() {
        cosv4_batch_list *list = NULL;
        detail::check(cosv4_batch_list_new(&list), "cosv4_batch_list_new");
        list_.reset(list);
    }
    BatchList(BatchList &&) = default;
    BatchList &operator=(BatchList &&) = default;

    /** Appends a pair: `local_path` (need not exist yet) is to go to `cos_path`. */
    BatchList &add(const std::string &local_path, const std::string &cos_path) {
        cosv4_error *err = NULL;
        cosv4_result rc = cosv4_batch_list_add(get(), detail::c_str(local_path, "local_path"),
                                               detail::c_str(cos_path, "cos_path"), &err);
        detail::check_detail(rc, err);
        return *this;
    }
    std::size_t size() const noexcept { return cosv4_batch_list_count(list_.get()); }
    /** The C handle (owned by this list). */
    cosv4_batch_list *get() const {
        if (!list_) throw Error(COSV4_RESULT_NULL_ARGUMENT, "the list was moved from");
        return list_.get();
    }

  private:
    detail::BatchListPtr list_;
};

/** One item of a batch: a file, or an empty directory mirrored (its cos_path ends in '/'); with
 *  a sync also a remote file or folder deleted, or that a dry run would delete (local_path
 *  ""). */
struct BatchItem {
    std::string local_path;
    std::string cos_path;
    uint32_t status;       /* COSV4_BATCH_STATUS_UPLOADED, _FOLDER, _SKIPPED, _FAILED,
                              _UNCHANGED, _DELETED, _WOULD_UPLOAD or _WOULD_DELETE */
    uint64_t bytes;        /* the file's size (0 for a folder, or a file not opened) */
    uint64_t elapsed_ms;   /* from the start of its upload to its end */
    std::string reason;    /* why it was skipped, or the sentence naming its failure; "" */
    uint32_t result_code;  /* a failed item's cosv4_result; COSV4_RESULT_OK otherwise */
    uint32_t http_status;  /* of the service's answer to a failed item; 0 when none */
    bool has_cos_code;     /* the service answered a COS code for a failed item */
    int64_t cos_code;      /* that code (e.g. -177 file exists); 0 when none */

    bool failed() const noexcept { return status == COSV4_BATCH_STATUS_FAILED; }
    /** A failed item's failure as a cosv4::Error (to throw or log). */
    Error error() const {
        return Error(result_code, reason, http_status, has_cos_code, cos_code);
    }
};

/** What a batch did (copied out of the C result): counts of every item, and the items (every
 *  one, or the failed ones with COSV4_BATCH_KEEP_FAILED) in the order they ended. */
struct BatchResult {
    uint64_t uploaded, folders, skipped, failed;
    uint64_t unchanged;    /* a sync found them identical: nothing sent */
    uint64_t deleted;      /* remote files and folders a sync deleted */
    uint64_t would_upload; /* a dry run: files and folders it would upload (create) */
    uint64_t would_delete; /* a dry run: remote files and folders it would delete */
    uint64_t bytes_sent; /* content bytes sent, retries included */
    uint64_t elapsed_ms; /* the whole batch */
    std::vector<BatchItem> items;
};

namespace detail {

inline BatchResult batch_result(const cosv4_batch_result *res) {
    BatchResult r;
    r.uploaded = cosv4_batch_result_uploaded(res);
    r.folders = cosv4_batch_result_folders(res);
    r.skipped = cosv4_batch_result_skipped(res);
    r.failed = cosv4_batch_result_failed(res);
    r.unchanged = cosv4_batch_result_unchanged(res);
    r.deleted = cosv4_batch_result_deleted(res);
    r.would_upload = cosv4_batch_result_would_upload(res);
    r.would_delete = cosv4_batch_result_would_delete(res);
    r.bytes_sent = cosv4_batch_result_bytes_sent(res);
    r.elapsed_ms = cosv4_batch_result_total_elapsed_ms(res);
    std::size_t n = cosv4_batch_result_count(res);
    r.items.resize(n);
    for (std::size_t i = 0; i < n; i++) {
        BatchItem &item = r.items[i];
        item.local_path = cosv4_batch_result_local_path(res, i);
        item.cos_path = cosv4_batch_result_cos_path(res, i);
        item.status = cosv4_batch_result_status(res, i);
        item.bytes = cosv4_batch_result_bytes(res, i);
        item.elapsed_ms = cosv4_batch_result_elapsed_ms(res, i);
        item.reason = cosv4_batch_result_reason(res, i);
        item.result_code = cosv4_batch_result_result_code(res, i);
        item.http_status = cosv4_batch_result_http_status(res, i);
        item.has_cos_code = cosv4_batch_result_has_cos_code(res, i);
        item.cos_code = cosv4_batch_result_cos_code(res, i);
    }
    return r;
}

} // namespace detail

/**
 * A client: configuration checked once and one connection pool. Move-only; its methods are
 * const and thread-safe, so many threads may upload through one Client at once.
 */
class Client {
  public:
    /** Builds a client from `cfg` (consumed on every path). */
    explicit Client(Config cfg) {
        cosv4_client *client = NULL;
        cosv4_error *err = NULL;
        cosv4_result rc = cosv4_client_new(cfg.release(), &client, &err);
        detail::ErrorPtr owned(err);
        if (rc != COSV4_RESULT_OK) throw detail::make_error(rc, owned);
        client_.reset(client);
    }
    Client(Client &&) = default;
    Client &operator=(Client &&) = default;

    /** Uploads the local file `local_path` to `cos_path` in `bucket`. */
    UploadResult upload_file(const std::string &bucket, const std::string &cos_path,
                             const std::string &local_path,
                             const UploadOptions &opts = UploadOptions()) const {
        return run(opts, [&](const cosv4_upload_options *o, cosv4_upload_result **out,
                             cosv4_error **err) {
            return cosv4_client_upload_file(get(), bucket.c_str(), cos_path.c_str(),
                                            local_path.c_str(), o, out, err);
        });
    }

    /** Uploads `len` bytes at `data` (which must stay valid during the call). */
    UploadResult upload_buffer(const std::string &bucket, const std::string &cos_path,
                               const void *data, std::size_t len,
                               const UploadOptions &opts = UploadOptions()) const {
        return run(opts, [&](const cosv4_upload_options *o, cosv4_upload_result **out,
                             cosv4_error **err) {
            return cosv4_client_upload_buffer(get(), bucket.c_str(), cos_path.c_str(),
                                              static_cast<const uint8_t *>(data), len, o, out,
                                              err);
        });
    }

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

    /** A multi-effect signature not bound to a file, valid for `lifetime_s` seconds. */
    std::string sign_multi(const std::string &bucket, uint64_t lifetime_s = 300) const {
        return sign([&](char *buf, std::size_t n, std::size_t *len) {
            return cosv4_client_sign_multi(get(), bucket.c_str(), NULL, lifetime_s, buf, n, len);
        });
    }

    /** A multi-effect signature bound to `cos_path`. */
    std::string sign_multi(const std::string &bucket, const std::string &cos_path,
                           uint64_t lifetime_s) const {
        return sign([&](char *buf, std::size_t n, std::size_t *len) {
            return cosv4_client_sign_multi(get(), bucket.c_str(), cos_path.c_str(), lifetime_s,
                                           buf, n, len);
        });
    }

    /** A single-use signature bound to `cos_path` (delete and update requests). */
    std::string sign_once(const std::string &bucket, const std::string &cos_path) const {
        return sign([&](char *buf, std::size_t n, std::size_t *len) {
            return cosv4_client_sign_once(get(), bucket.c_str(), cos_path.c_str(), buf, n, len);
        });
    }

    /** The C handle, for calls this wrapper does not cover (owned by this Client). */
    const cosv4_client *get() const {
        if (!client_) throw Error(COSV4_RESULT_NULL_ARGUMENT, "the client was moved from");
        return client_.get();
    }

  private:
    template <class Call> UploadResult run(const UploadOptions &opts, Call call) const {
        cosv4_upload_options *raw = NULL;
        detail::check(cosv4_upload_options_new(&raw), "cosv4_upload_options_new");
        detail::OptionsPtr o(raw);
        if (opts.has_biz_attr_)
            detail::check(cosv4_upload_options_set_biz_attr(raw, opts.biz_attr_.c_str()),
                          "biz_attr");
        detail::check(cosv4_upload_options_set_insert_only(raw, opts.overwrite_ ? 0 : 1),
                      "overwrite");
        detail::check(cosv4_upload_options_set_replace_stale(raw, opts.replace_stale_ ? 1 : 0),
                      "replace_stale");
        detail::check(cosv4_upload_options_set_create_parents(raw, opts.create_parents_ ? 1 : 0),
                      "create_parents");
        if (opts.token_)
            detail::check(cosv4_upload_options_set_cancel_token(raw, opts.token_->get()),
                          "cancel_token");
        detail::ProgressState state;
        state.callback = &opts.progress_;
        if (opts.progress_)
            detail::check(
                cosv4_upload_options_set_progress(raw, cosv4_hpp_progress_trampoline, &state),
                "progress");

        cosv4_upload_result *res = NULL;
        cosv4_error *err = NULL;
        cosv4_result rc = call(raw, &res, &err);
        detail::ResultPtr result(res);
        detail::ErrorPtr error(err);
        if (state.exception) std::rethrow_exception(state.exception);
        if (rc != COSV4_RESULT_OK) throw detail::make_error(rc, error);

        UploadResult r;
        r.access_url = cosv4_upload_result_access_url(res);
        r.resource_path = cosv4_upload_result_resource_path(res);
        r.source_url = cosv4_upload_result_source_url(res);
        r.url = cosv4_upload_result_url(res);
        r.method = cosv4_upload_result_method(res);
        r.resumed = cosv4_upload_result_resumed(res);
        r.bytes_total = cosv4_upload_result_bytes_total(res);
        r.bytes_sent = cosv4_upload_result_bytes_sent(res);
        r.slices_total = cosv4_upload_result_slices_total(res);
        r.slices_sent = cosv4_upload_result_slices_sent(res);
        r.slices_skipped = cosv4_upload_result_slices_skipped(res);
        r.retries = cosv4_upload_result_retries(res);
        r.slice_size = cosv4_upload_result_slice_size(res);
        return r;
    }

    template <class Call> BatchResult run_batch(const BatchOptions &opts, Call call) const {
        cosv4_batch_options *raw = NULL;
        detail::check(cosv4_batch_options_new(&raw), "cosv4_batch_options_new");
        detail::BatchOptionsPtr o(raw);
        if (opts.has_jobs_) detail::check(cosv4_batch_options_set_jobs(raw, opts.jobs_), "jobs");
        if (opts.has_max_requests_)
            detail::check(cosv4_batch_options_set_max_requests(raw, opts.max_requests_),
                          "max_requests");
        detail::check(cosv4_batch_options_set_follow_symlinks(raw, opts.follow_symlinks_ ? 1 : 0),
                      "follow_symlinks");
        detail::check(cosv4_batch_options_set_fail_fast(raw, opts.fail_fast_ ? 1 : 0),
                      "fail_fast");
        detail::check(cosv4_batch_options_set_insert_only(raw, opts.overwrite_ ? 0 : 1),
                      "overwrite");
        if (opts.token_)
            detail::check(cosv4_batch_options_set_cancel_token(raw, opts.token_->get()),
                          "cancel_token");
        detail::check(cosv4_batch_options_set_sync(raw, static_cast<uint32_t>(opts.sync_)),
                      "sync");
        detail::check(cosv4_batch_options_set_delete(raw, opts.delete_ ? 1 : 0), "delete_extra");
        detail::check(cosv4_batch_options_set_force(raw, opts.force_ ? 1 : 0), "force");
        detail::check(cosv4_batch_options_set_dry_run(raw, opts.dry_run_ ? 1 : 0), "dry_run");
        detail::check(cosv4_batch_options_set_keep_results(raw, static_cast<uint32_t>(opts.keep_)),
                      "keep");
        add_patterns(raw, opts.includes_, cosv4_batch_options_add_include);
        add_patterns(raw, opts.excludes_, cosv4_batch_options_add_exclude);
        detail::BatchState state;
        state.progress = &opts.progress_;
        state.file = &opts.file_;
        if (opts.progress_)
            detail::check(cosv4_batch_options_set_progress(
                              raw, cosv4_hpp_batch_progress_trampoline, &state),
                          "progress");
        if (opts.file_)
            detail::check(
                cosv4_batch_options_set_file_callback(raw, cosv4_hpp_batch_file_trampoline, &state),
                "on_file");

        cosv4_batch_result *res = NULL;
        cosv4_error *err = NULL;
        cosv4_result rc = call(raw, &res, &err);
        detail::BatchResultPtr result(res);
        detail::ErrorPtr error(err);
        if (state.exception) std::rethrow_exception(state.exception);
        if (rc != COSV4_RESULT_OK) throw detail::make_error(rc, error);
        return detail::batch_result(res);
    }

    /** Adds `patterns` with `add` (cosv4_batch_options_add_include or _exclude); throws the
     *  library's error naming a bad one. */
    template <class Add>
    static void add_patterns(cosv4_batch_options *raw, const std::vector<std::string> &patterns,
                             Add add) {
        for (std::size_t i = 0; i < patterns.size(); i++) {
            cosv4_error *err = NULL;
            cosv4_result rc = add(raw, detail::c_str(patterns[i], "pattern"), &err);
            detail::check_detail(rc, err);
        }
    }

    template <class Call> std::string sign(Call call) const {
        std::vector<char> buf(512);
        for (int attempt = 0; attempt < 4; attempt++) {
            std::size_t len = 0;
            cosv4_result rc = call(buf.data(), buf.size(), &len);
            if (rc == COSV4_RESULT_OK) return std::string(buf.data(), len);
            if (rc != COSV4_RESULT_BUFFER_TOO_SMALL) detail::check(rc, "sign");
            buf.resize(len + 64); /* a fresh signature may be a few bytes longer */
        }
        detail::check(COSV4_RESULT_BUFFER_TOO_SMALL, "sign");
        return std::string();
    }

    detail::ClientPtr client_;
};

} // namespace cosv4

#endif /* COSV4_HPP */
