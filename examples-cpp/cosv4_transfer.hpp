/*
 * cosv4_transfer.hpp -- part of the C++ wrapper cosv4.hpp (include that one): the options and
 * results of one file's upload (Client::upload_file, upload_buffer) and download
 * (Client::download_file).
 */
#ifndef COSV4_TRANSFER_HPP
#define COSV4_TRANSFER_HPP

#include "cosv4_core.hpp"

/* The C progress callbacks: C language linkage, internal linkage (one copy per translation
 * unit). No exception leaves them (see cosv4::detail::guarded_call). */
extern "C" {
static inline int32_t cosv4_hpp_progress_trampoline(void *userdata, const cosv4_progress *p) {
    return cosv4::detail::call_back(userdata, p);
}
static inline int32_t cosv4_hpp_download_progress_trampoline(void *userdata,
                                                             const cosv4_download_progress *p) {
    return cosv4::detail::call_back(userdata, p);
}
}

namespace cosv4 {

namespace detail {

struct OptionsFree {
    void operator()(cosv4_upload_options *p) const noexcept { cosv4_upload_options_free(p); }
};
struct ResultFree {
    void operator()(cosv4_upload_result *p) const noexcept { cosv4_upload_result_free(p); }
};
struct DownloadOptionsFree {
    void operator()(cosv4_download_options *p) const noexcept { cosv4_download_options_free(p); }
};

typedef std::unique_ptr<cosv4_upload_options, OptionsFree> OptionsPtr;
typedef std::unique_ptr<cosv4_upload_result, ResultFree> ResultPtr;
typedef std::unique_ptr<cosv4_download_options, DownloadOptionsFree> DownloadOptionsPtr;
typedef CallbackState<cosv4_progress> ProgressState;
typedef CallbackState<cosv4_download_progress> DownloadState;

} // namespace detail

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
    /** The C options, with the progress callback reporting to `state`. */
    detail::OptionsPtr make(detail::ProgressState &state) const {
        cosv4_upload_options *raw = NULL;
        detail::check(cosv4_upload_options_new(&raw), "cosv4_upload_options_new");
        detail::OptionsPtr o(raw);
        if (has_biz_attr_)
            detail::check(cosv4_upload_options_set_biz_attr(
                              raw, detail::c_str(biz_attr_, "biz_attr")),
                          "biz_attr");
        detail::check(cosv4_upload_options_set_insert_only(raw, overwrite_ ? 0 : 1),
                      "overwrite");
        detail::check(cosv4_upload_options_set_replace_stale(raw, replace_stale_ ? 1 : 0),
                      "replace_stale");
        detail::check(cosv4_upload_options_set_create_parents(raw, create_parents_ ? 1 : 0),
                      "create_parents");
        if (token_)
            detail::check(cosv4_upload_options_set_cancel_token(raw, token_->get()),
                          "cancel_token");
        if (progress_)
            detail::check(
                cosv4_upload_options_set_progress(raw, cosv4_hpp_progress_trampoline, &state),
                "progress");
        return o;
    }

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
    uint64_t slice_size;   /* 0 for simple and instant uploads */
    uint64_t requests;     /* HTTP requests made, retries included */
    uint64_t bytes_resent; /* content bytes sent again by retries */
    uint64_t hashing_ms;   /* time spent computing the SHA-1 */
    uint64_t sending_ms;   /* time spent sending */
};

namespace detail {

inline UploadResult upload_result(const cosv4_upload_result *res) {
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
    r.requests = cosv4_upload_result_requests(res);
    r.bytes_resent = cosv4_upload_result_bytes_resent(res);
    r.hashing_ms = cosv4_upload_result_hashing_ms(res);
    r.sending_ms = cosv4_upload_result_sending_ms(res);
    return r;
}

} // namespace detail

/* ---- downloads ------------------------------------------------------------------------- */

/**
 * Per-download choices (a plain value: copyable, reusable). By default a download writes
 * "<local>.part", resumes from it after an interruption (a cancel, a stop, a failure), checks
 * the SHA-1 and renames it into place; an existing local file is never replaced.
 */
class DownloadOptions {
  public:
    typedef std::function<bool(const cosv4_download_progress &)> Progress;

    /** Write into the local file itself and resume from its length (default false). */
    DownloadOptions &resume_in_place(bool on) { resume_in_place_ = on; return *this; }
    /** Replace an existing local file that is not a partial download of this library, once
     *  the new content is complete and checked (default false: INVALID_ARGUMENT). */
    DownloadOptions &overwrite(bool on) { overwrite_ = on; return *this; }
    /** Check the content against the object's SHA-1 (default true). */
    DownloadOptions &check_sha(bool on) { check_sha_ = on; return *this; }
    /** Called on the downloading thread (the last event has done true); return false to
     *  stop (ABORTED_BY_CALLBACK). An exception stops the download and is rethrown from
     *  download_file. The partial file stays for a resume either way. */
    DownloadOptions &progress(Progress cb) { progress_ = std::move(cb); return *this; }
    /** Lets `token` cancel the download; it must outlive the download call. */
    DownloadOptions &cancel_token(const CancelToken &token) { token_ = &token; return *this; }

  private:
    friend class Client;
    /** The C options, with the progress callback reporting to `state`. */
    detail::DownloadOptionsPtr make(detail::DownloadState &state) const {
        cosv4_download_options *raw = NULL;
        detail::check(cosv4_download_options_new(&raw), "cosv4_download_options_new");
        detail::DownloadOptionsPtr o(raw);
        detail::check(cosv4_download_options_set_resume_in_place(raw, resume_in_place_ ? 1 : 0),
                      "resume_in_place");
        detail::check(cosv4_download_options_set_overwrite(raw, overwrite_ ? 1 : 0),
                      "overwrite");
        detail::check(cosv4_download_options_set_skip_sha_check(raw, check_sha_ ? 0 : 1),
                      "check_sha");
        if (token_)
            detail::check(cosv4_download_options_set_cancel_token(raw, token_->get()),
                          "cancel_token");
        if (progress_)
            detail::check(cosv4_download_options_set_progress(
                              raw, cosv4_hpp_download_progress_trampoline, &state),
                          "progress");
        return o;
    }

    bool resume_in_place_ = false;
    bool overwrite_ = false;
    bool check_sha_ = true;
    Progress progress_;
    const CancelToken *token_ = NULL;
};

/** The outcome of a successful download (copied out of the C result). */
struct DownloadResult {
    uint64_t bytes_total;    /* the file's size */
    uint64_t bytes_received; /* by this call */
    uint64_t bytes_resumed;  /* left on disk by an earlier attempt (0: not resumed) */
    std::string sha;         /* the object's SHA-1 as the service reported it ("" if not) */
};

namespace detail {

struct DownloadResultFree {
    void operator()(cosv4_download_result *p) const noexcept { cosv4_download_result_free(p); }
};
typedef std::unique_ptr<cosv4_download_result, DownloadResultFree> DownloadResultPtr;

inline DownloadResult download_result(const cosv4_download_result *res) {
    DownloadResult r;
    r.bytes_total = cosv4_download_result_bytes_total(res);
    r.bytes_received = cosv4_download_result_bytes_received(res);
    r.bytes_resumed = cosv4_download_result_bytes_resumed(res);
    r.sha = cosv4_download_result_sha(res);
    return r;
}

} // namespace detail
} // namespace cosv4

#endif /* COSV4_TRANSFER_HPP */
