/* Helpers shared by the C test programs (tests/c_api.rs builds and runs them). */
#ifndef COSV4_TEST_COMMON_H
#define COSV4_TEST_COMMON_H

#include "cosv4.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FAIL(...)                                                              \
    do {                                                                       \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                        \
        fprintf(stderr, __VA_ARGS__);                                          \
        fputc('\n', stderr);                                                   \
        exit(1);                                                               \
    } while (0)

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) FAIL("CHECK failed: %s", #cond);                          \
    } while (0)

/* Checks that `expr` returns the result code `want`. */
#define CHECK_RC(expr, want)                                                   \
    do {                                                                       \
        cosv4_result rc_ = (expr);                                             \
        if (rc_ != (cosv4_result)(want))                                       \
            FAIL("%s returned %s (%u), want %s", #expr,                        \
                 cosv4_result_name(rc_), (unsigned)rc_,                        \
                 cosv4_result_name(want));                                     \
    } while (0)

#define CHECK_OK(expr) CHECK_RC(expr, COSV4_RESULT_OK)

/* Checks that an upload failed with `want`, prints the detail, frees it. */
#define CHECK_FAILED(rc, err, want)                                            \
    do {                                                                       \
        if ((rc) != (cosv4_result)(want))                                      \
            FAIL("got %s, want %s: %s", cosv4_result_name(rc),                 \
                 cosv4_result_name(want), cosv4_error_message(err));           \
        CHECK(err != NULL);                                                    \
        CHECK(cosv4_error_code(err) == (cosv4_result)(want));                  \
        CHECK(strlen(cosv4_error_message(err)) > 0);                           \
    } while (0)

static inline const char *env_or(const char *name, const char *fallback) {
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

static inline const char *env_req(const char *name) {
    const char *v = getenv(name);
    if (!v || !*v) FAIL("environment variable %s is not set", name);
    return v;
}

static inline double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

/* A config from COS_APPID, COS_SECRET_ID, COS_SECRET_KEY (or `key`), COS_ENDPOINT; 512 KiB
 * slices; files above COS_TEST_THRESHOLD (default 64 KiB) go in slices; no retries. */
static inline cosv4_config *test_config(const char *key) {
    cosv4_config *cfg = NULL;
    CHECK_OK(cosv4_config_new(strtoull(env_req("COS_APPID"), NULL, 10),
                              env_req("COS_SECRET_ID"),
                              key ? key : env_req("COS_SECRET_KEY"), &cfg));
    CHECK_OK(cosv4_config_set_endpoint(cfg, env_or("COS_ENDPOINT", "http://127.0.0.1:9")));
    CHECK_OK(cosv4_config_set_slice_size(cfg, 524288));
    CHECK_OK(cosv4_config_set_simple_threshold(
        cfg, strtoull(env_or("COS_TEST_THRESHOLD", "65536"), NULL, 10)));
    CHECK_OK(cosv4_config_set_retries(cfg, 0));
    CHECK_OK(cosv4_config_set_integrity(cfg, (uint32_t)atoi(env_or("COS_TEST_INTEGRITY", "1"))));
    CHECK_OK(cosv4_config_set_workers(cfg, (uint32_t)atoi(env_or("COS_TEST_WORKERS", "4"))));
    return cfg;
}

static inline cosv4_client *test_client(const char *key) {
    cosv4_client *client = NULL;
    cosv4_error *err = NULL;
    cosv4_result rc = cosv4_client_new(test_config(key), &client, &err);
    if (rc != COSV4_RESULT_OK) FAIL("cosv4_client_new: %s", cosv4_error_message(err));
    CHECK(err == NULL && client != NULL);
    return client;
}

/* Reads a whole file into memory. */
static inline unsigned char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) FAIL("open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = (unsigned char *)malloc((size_t)n + 1);
    CHECK(buf != NULL);
    CHECK(fread(buf, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

#endif
