/*
 * example_env.hpp -- what the C++ examples (upload.cpp, batch.cpp, objects.cpp) take from the
 * environment, as cosv4-upload does: COS_APPID, COS_SECRET_ID, COS_SECRET_KEY, COS_BUCKET, and
 * COS_ENDPOINT (a base URL such as http://127.0.0.1:8080) or COS_REGION (gz, sh, ...); and how
 * they report a cosv4::Error.
 */
#ifndef COSV4_EXAMPLE_ENV_HPP
#define COSV4_EXAMPLE_ENV_HPP

#include "cosv4.hpp"

#include <cstdlib>
#include <string>

namespace example {

/** The variable `name`, or NULL when it is not set or empty. */
inline const char *env(const char *name) {
    const char *v = std::getenv(name);
    return v && *v ? v : NULL;
}

/** Whether every variable the examples need is set. */
inline bool env_complete() {
    return env("COS_APPID") && env("COS_SECRET_ID") && env("COS_SECRET_KEY") &&
           env("COS_BUCKET") && (env("COS_ENDPOINT") || env("COS_REGION"));
}

/** The client settings of the environment (credentials, endpoint or region); call
 *  env_complete() first. Throws cosv4::Error for a value the library rejects. */
inline cosv4::Config config_from_env() {
    cosv4::Config cfg(std::strtoull(env("COS_APPID"), NULL, 10), env("COS_SECRET_ID"),
                      env("COS_SECRET_KEY"));
    if (env("COS_ENDPOINT"))
        cfg.endpoint(env("COS_ENDPOINT"));
    else
        cfg.region(env("COS_REGION"));
    return cfg;
}

/** A failed call on one line: its result name, HTTP status, COS code, request id, sentence. */
inline std::string describe(const cosv4::Error &e) {
    std::string cos = e.has_cos_code() ? std::to_string(e.cos_code()) : "none";
    std::string id = e.request_id().empty() ? "none" : e.request_id();
    return std::string(e.name()) + " (HTTP " + std::to_string(e.http_status()) + ", COS code " +
           cos + ", request id " + id + "): " + e.what();
}

/** The exit status for a failed call: 130 cancelled, 2 a usage error (a 1xx result code: a
 *  bad argument or setting), 1 anything else. */
inline int exit_status(const cosv4::Error &e) {
    if (e.code() == COSV4_RESULT_CANCELLED) return 130;
    return e.code() >= 100 && e.code() < 200 ? 2 : 1;
}

} // namespace example

#endif /* COSV4_EXAMPLE_ENV_HPP */
