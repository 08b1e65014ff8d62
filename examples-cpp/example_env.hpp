/*
 * example_env.hpp -- what the C++ examples (upload.cpp, batch.cpp) take from the environment,
 * as cosv4-upload does: COS_APPID, COS_SECRET_ID, COS_SECRET_KEY, COS_BUCKET, and COS_ENDPOINT
 * (a base URL such as http://127.0.0.1:8080) or COS_REGION (gz, sh, ...).
 */
#ifndef COSV4_EXAMPLE_ENV_HPP
#define COSV4_EXAMPLE_ENV_HPP

#include "cosv4.hpp"

#include <cstdlib>

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

} // namespace example

#endif /* COSV4_EXAMPLE_ENV_HPP */
