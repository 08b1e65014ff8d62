/*
 * cosv4_core.hpp -- part of the C++ wrapper cosv4.hpp (include that one): errors, the helpers
 * every part uses (owned C handles, result checks, callbacks kept from crossing the C
 * library), the client settings (Config, with a log callback) and CancelToken.
 */
#ifndef COSV4_CORE_HPP
#define COSV4_CORE_HPP

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
    /** The COS code (e.g. -97 bad signature, -177 file exists, -197 no such file); 0 when
     *  there is none. */
    int64_t cos_code() const noexcept { return cos_code_; }
    /** The COS message; "" when there is none. */
    const std::string &cos_message() const noexcept { return cos_message_; }
    /** The service's request id (quote it to support); "" when there is none. */
    const std::string &request_id() const noexcept { return request_id_; }
    /** What a progress callback returned to stop the call (ABORTED_BY_CALLBACK), else 0. */
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
struct TokenFree {
    void operator()(const cosv4_cancel_token *p) const noexcept { cosv4_cancel_token_free(p); }
};
struct ErrorFree {
    void operator()(cosv4_error *p) const noexcept { cosv4_error_free(p); }
};

typedef std::unique_ptr<cosv4_config, ConfigFree> ConfigPtr;
typedef std::unique_ptr<const cosv4_cancel_token, TokenFree> TokenPtr;
typedef std::unique_ptr<cosv4_error, ErrorFree> ErrorPtr;

/** Throws for a failed call without an error detail (setters, signing). */
inline void check(cosv4_result rc, const char *what) {
    if (rc != COSV4_RESULT_OK)
        throw Error(static_cast<uint32_t>(rc), std::string(what) + ": " + cosv4_strerror(rc));
}

/** An Error from a cosv4_error detail (which `err` keeps owning and frees); from `rc` alone
 *  when there is none. */
inline Error make_error(cosv4_result rc, const ErrorPtr &err) {
    if (!err) return Error(static_cast<uint32_t>(rc), cosv4_strerror(rc));
    const cosv4_error *e = err.get();
    return Error(static_cast<uint32_t>(cosv4_error_code(e)), cosv4_error_message(e),
                 cosv4_error_http_status(e), cosv4_error_has_cos_code(e),
                 cosv4_error_cos_code(e), cosv4_error_cos_message(e),
                 cosv4_error_request_id(e), cosv4_error_callback_value(e));
}

/** Throws unless the call succeeded; the detail `err` (may be NULL) is freed either way. */
inline void check_detail(cosv4_result rc, cosv4_error *err) {
    ErrorPtr owned(err);
    if (rc != COSV4_RESULT_OK) throw make_error(rc, owned);
}

/** After a call that ran C++ callbacks: rethrows the exception one of them threw (`kept`),
 *  else throws the call's error; the detail `err` (may be NULL) is freed either way. */
inline void finish(cosv4_result rc, cosv4_error *err, const std::exception_ptr &kept) {
    ErrorPtr owned(err);
    if (kept) std::rethrow_exception(kept);
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
 * A string the C library writes into a caller's buffer (signatures, download URLs): `call(buf,
 * len, &out_len, &err)` is retried with a buffer of the size it asked for. Throws the call's
 * error (with its detail when it gave one, else named `what`).
 */
template <class Call> std::string buffered(Call call, const char *what) {
    std::vector<char> buf(512);
    for (int attempt = 0; attempt < 4; attempt++) {
        std::size_t len = 0;
        cosv4_error *raw = NULL;
        cosv4_result rc = call(buf.data(), buf.size(), &len, &raw);
        ErrorPtr err(raw);
        if (rc == COSV4_RESULT_OK) return std::string(buf.data(), len);
        if (rc != COSV4_RESULT_BUFFER_TOO_SMALL) {
            if (err) throw make_error(rc, err);
            check(rc, what);
        }
        buf.resize(len + 64); /* a fresh signature may be a few bytes longer */
    }
    check(COSV4_RESULT_BUFFER_TOO_SMALL, what);
    return std::string();
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

/** What a progress trampoline needs: the callback and a place for its exception. */
template <class Event> struct CallbackState {
    explicit CallbackState(const std::function<bool(const Event &)> *cb) : callback(cb) {}
    const std::function<bool(const Event &)> *callback;
    std::exception_ptr exception;
};

/** The body of a progress trampoline: `userdata` is a CallbackState<Event>. */
template <class Event> inline int32_t call_back(void *userdata, const Event *event) noexcept {
    CallbackState<Event> *state = static_cast<CallbackState<Event> *>(userdata);
    return guarded_call(*state->callback, *event, state->exception);
}

/** The log callback of a Config, shared by the clients built from it (it must outlive them). */
struct LogState {
    std::function<void(cosv4_log_level, const std::string &)> callback;
};

} // namespace detail
} // namespace cosv4

/* The C log callback: C language linkage, internal linkage (one copy per translation unit).
 * No exception may leave it (the C library cannot unwind), and a log line cannot stop the
 * call that logged it: an exception of the C++ callback is dropped. */
extern "C" {
static inline void cosv4_hpp_log_trampoline(void *userdata, uint32_t level, const char *message) {
    const cosv4::detail::LogState *state = static_cast<const cosv4::detail::LogState *>(userdata);
    try {
        state->callback(static_cast<cosv4_log_level>(level), message);
    } catch (...) {
    }
}
}

namespace cosv4 {

class Client;

/** The version of the linked library, e.g. "0.1.0" (the header's is COSV4_VERSION_STRING). */
inline std::string version() { return cosv4_version(); }

/* ---- configuration --------------------------------------------------------------------- */

/**
 * Client settings, built fluently: Config(appid, id, key).endpoint("http://...").workers(8).
 * Each setter throws cosv4::Error at once when the library rejects its value, with the
 * library's sentence naming the value and the rule (cosv4_config_last_error); the config is
 * then unchanged and still usable. Move-only; consumed by Client's constructor.
 */
class Config {
  public:
    typedef std::function<void(cosv4_log_level, const std::string &)> Log;

    Config(uint64_t appid, const std::string &secret_id, const std::string &secret_key) {
        cosv4_config *cfg = NULL;
        cosv4_error *err = NULL;
        // The _with_error form: a refusal says what is wrong (e.g. with the secret id).
        detail::check_detail(cosv4_config_new_with_error(
                                 appid, detail::c_str(secret_id, "secret_id"),
                                 detail::c_str(secret_key, "secret_key"), &cfg, &err),
                             err);
        cfg_.reset(cfg);
    }
    Config(Config &&) = default;
    Config &operator=(Config &&) = default;

    /** A COS region code ("gz", "sh", ...) or long name. */
    Config &region(const std::string &v) {
        return set(cosv4_config_set_region(get(), detail::c_str(v, "region")), "region");
    }
    /** A base URL http(s)://host[:port][/prefix] (a private deployment, the emulator). */
    Config &endpoint(const std::string &v) {
        return set(cosv4_config_set_endpoint(get(), detail::c_str(v, "endpoint")), "endpoint");
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
        return set(cosv4_config_set_user_agent(get(), detail::c_str(v, "user_agent")),
                   "user_agent");
    }
    Config &proxy(const std::string &v) {
        return set(cosv4_config_set_proxy(get(), detail::c_str(v, "proxy")), "proxy");
    }
    Config &tls_ca_file(const std::string &path) {
        return set(cosv4_config_set_tls_ca_file(get(), detail::c_str(path, "tls_ca_file")),
                   "tls_ca_file");
    }
    /** INSECURE, tests only. */
    Config &tls_insecure_skip_verify(bool on) {
        return set(cosv4_config_set_tls_insecure_skip_verify(get(), on ? 1 : 0),
                   "tls_insecure_skip_verify");
    }
    /**
     * Sends the library's log lines up to `level` (COSV4_LOG_LEVEL_ERROR to _DEBUG: one line
     * per request) to `cb`; an empty `cb` turns logging off. Never a key or a signature. `cb`
     * may run on the library's worker threads, never two calls at once, never after the call
     * that logged returned; it must not call into the library. An exception it throws is
     * dropped: a log line cannot stop the call that logged it.
     */
    Config &log(cosv4_log_level level, Log cb) {
        std::shared_ptr<detail::LogState> state;
        if (cb) {
            state = std::make_shared<detail::LogState>();
            state->callback = std::move(cb);
        }
        detail::check(cosv4_config_set_log(get(), state ? cosv4_hpp_log_trampoline : NULL,
                                           state.get(), static_cast<uint32_t>(level)),
                      "log");
        log_ = std::move(state);
        return *this;
    }

    /** Gives up ownership of the C config (for cosv4_client_new, which consumes it). Not
     *  with a log callback set: its state stays with this Config and goes when it does, while
     *  a client built from the C config would still call it (Client keeps it alive). */
    cosv4_config *release() noexcept { return cfg_.release(); }

  private:
    friend class Client;
    cosv4_config *get() const {
        if (!cfg_) throw Error(COSV4_RESULT_NULL_ARGUMENT, "the config was moved from or used");
        return cfg_.get();
    }
    /** Throws for a failed setter, with the library's sentence saying why. */
    Config &set(cosv4_result rc, const char *what) {
        if (rc != COSV4_RESULT_OK) {
            std::string why = cosv4_config_last_error(cfg_.get());
            if (why.empty()) why = cosv4_strerror(rc);
            throw Error(static_cast<uint32_t>(rc), std::string(what) + ": " + why);
        }
        return *this;
    }
    detail::ConfigPtr cfg_;
    std::shared_ptr<detail::LogState> log_;
};

/* ---- cancellation ---------------------------------------------------------------------- */

/**
 * Cancels uploads, downloads and batches from any thread: give it to their options'
 * cancel_token and call cancel(). A cancelled call throws Error with COSV4_RESULT_CANCELLED;
 * an upload stays on the server and a download's partial file stays on disk, so the same
 * call resumes later. Once cancelled it stays cancelled. Move-only; must outlive the calls of
 * every thread that may cancel it.
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

    /** Cancels every call using this token. Thread-safe; not async-signal-safe. */
    void cancel() const { detail::check(cosv4_cancel_token_cancel(token_.get()), "cancel"); }
    bool cancelled() const noexcept { return cosv4_cancel_token_is_cancelled(token_.get()); }
    const cosv4_cancel_token *get() const noexcept { return token_.get(); }

  private:
    detail::TokenPtr token_;
};

} // namespace cosv4

#endif /* COSV4_CORE_HPP */
