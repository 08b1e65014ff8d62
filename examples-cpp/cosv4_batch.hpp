/*
 * cosv4_batch.hpp -- part of the C++ wrapper cosv4.hpp (include that one): many files in one
 * call (Client::upload_dir, upload_list): their options, the list of pairs, the result.
 */
#ifndef COSV4_BATCH_HPP
#define COSV4_BATCH_HPP

#include "cosv4_core.hpp"

namespace cosv4 {
namespace detail {

struct BatchOptionsFree {
    void operator()(cosv4_batch_options *p) const noexcept { cosv4_batch_options_free(p); }
};
struct BatchListFree {
    void operator()(cosv4_batch_list *p) const noexcept { cosv4_batch_list_free(p); }
};
struct BatchResultFree {
    void operator()(cosv4_batch_result *p) const noexcept { cosv4_batch_result_free(p); }
};

typedef std::unique_ptr<cosv4_batch_options, BatchOptionsFree> BatchOptionsPtr;
typedef std::unique_ptr<cosv4_batch_list, BatchListFree> BatchListPtr;
typedef std::unique_ptr<cosv4_batch_result, BatchResultFree> BatchResultPtr;

/** What the batch trampolines need: both callbacks and one place for an exception. */
struct BatchState {
    const std::function<bool(const cosv4_batch_progress &)> *progress;
    const std::function<bool(const cosv4_batch_file_event &)> *file;
    std::exception_ptr exception;
};

} // namespace detail
} // namespace cosv4

/* The C batch callbacks: C language linkage, internal linkage (one copy per translation unit).
 * No exception leaves them (see cosv4::detail::guarded_call). */
extern "C" {
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
    /** The C options, with the callbacks reporting to `state`; throws the library's error
     *  naming a bad pattern. */
    detail::BatchOptionsPtr make(detail::BatchState &state) const {
        cosv4_batch_options *raw = NULL;
        detail::check(cosv4_batch_options_new(&raw), "cosv4_batch_options_new");
        detail::BatchOptionsPtr o(raw);
        if (has_jobs_) detail::check(cosv4_batch_options_set_jobs(raw, jobs_), "jobs");
        if (has_max_requests_)
            detail::check(cosv4_batch_options_set_max_requests(raw, max_requests_),
                          "max_requests");
        detail::check(cosv4_batch_options_set_follow_symlinks(raw, follow_symlinks_ ? 1 : 0),
                      "follow_symlinks");
        detail::check(cosv4_batch_options_set_fail_fast(raw, fail_fast_ ? 1 : 0), "fail_fast");
        detail::check(cosv4_batch_options_set_insert_only(raw, overwrite_ ? 0 : 1), "overwrite");
        if (token_)
            detail::check(cosv4_batch_options_set_cancel_token(raw, token_->get()),
                          "cancel_token");
        detail::check(cosv4_batch_options_set_sync(raw, static_cast<uint32_t>(sync_)), "sync");
        detail::check(cosv4_batch_options_set_delete(raw, delete_ ? 1 : 0), "delete_extra");
        detail::check(cosv4_batch_options_set_force(raw, force_ ? 1 : 0), "force");
        detail::check(cosv4_batch_options_set_dry_run(raw, dry_run_ ? 1 : 0), "dry_run");
        detail::check(cosv4_batch_options_set_keep_results(raw, static_cast<uint32_t>(keep_)),
                      "keep");
        add_patterns(raw, includes_, cosv4_batch_options_add_include);
        add_patterns(raw, excludes_, cosv4_batch_options_add_exclude);
        state.progress = &progress_;
        state.file = &file_;
        if (progress_)
            detail::check(cosv4_batch_options_set_progress(
                              raw, cosv4_hpp_batch_progress_trampoline, &state),
                          "progress");
        if (file_)
            detail::check(
                cosv4_batch_options_set_file_callback(raw, cosv4_hpp_batch_file_trampoline, &state),
                "on_file");
        return o;
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

} // namespace cosv4

#endif /* COSV4_BATCH_HPP */
