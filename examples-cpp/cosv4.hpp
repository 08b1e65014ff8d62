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
 * Rules:
 *   - Every C handle has exactly one owner here (std::unique_ptr with the matching *_free), so
 *     each is freed exactly once; Config, Client and CancelToken are move-only.
 *   - Failures throw cosv4::Error (a std::runtime_error) carrying the result code and its name,
 *     the HTTP status, the COS code and message, and the request id.
 *   - A progress callback is a std::function<bool(const cosv4_progress &)>: return true to go
 *     on, false to stop (cosv4::Error with COSV4_RESULT_ABORTED_BY_CALLBACK). An exception it
 *     throws never crosses the C library: it is caught in the trampoline, stops the upload, and
 *     is rethrown from upload_file/upload_buffer once the C call returned.
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

typedef std::unique_ptr<cosv4_config, ConfigFree> ConfigPtr;
typedef std::unique_ptr<const cosv4_client, ClientFree> ClientPtr;
typedef std::unique_ptr<const cosv4_cancel_token, TokenFree> TokenPtr;
typedef std::unique_ptr<cosv4_upload_options, OptionsFree> OptionsPtr;
typedef std::unique_ptr<cosv4_upload_result, ResultFree> ResultPtr;
typedef std::unique_ptr<cosv4_error, ErrorFree> ErrorPtr;

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

/** What the progress trampoline needs: the callback and a place for its exception. */
struct ProgressState {
    const std::function<bool(const cosv4_progress &)> *callback;
    std::exception_ptr exception;
};

} // namespace detail
} // namespace cosv4

/* The C callback: C language linkage, internal linkage (one copy per translation unit). No
 * exception may leave it: the C library cannot unwind. */
extern "C" {
static inline int32_t cosv4_hpp_progress_trampoline(void *userdata, const cosv4_progress *p) {
    cosv4::detail::ProgressState *state = static_cast<cosv4::detail::ProgressState *>(userdata);
    try {
        return (*state->callback)(*p) ? 0 : 1;
    } catch (...) {
        state->exception = std::current_exception();
        return 2;
    }
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
    /** 0 to 10 (default 3). */
    Config &retries(uint32_t n) { return set(cosv4_config_set_retries(get(), n), "retries"); }
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
