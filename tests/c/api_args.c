/* Argument checks, no server needed: NULL for every pointer argument, invalid UTF-8, bad
 * values, *_free(NULL), accessor defaults, strerror, version, signing buffers, local errors. */
#include "common.h"

#define NUL COSV4_RESULT_NULL_ARGUMENT
#define UTF COSV4_RESULT_INVALID_UTF8

static const char BAD[] = "b\xff\xfe";

static int32_t never_called(void *ud, const cosv4_progress *p) {
    (void)ud;
    (void)p;
    return 0;
}

static void check_version(void) {
    char want[64];
    snprintf(want, sizeof want, "%d.%d.%d", COSV4_VERSION_MAJOR, COSV4_VERSION_MINOR,
             COSV4_VERSION_PATCH);
    CHECK(strcmp(want, cosv4_version()) == 0);
    CHECK(strcmp(COSV4_VERSION_STRING, cosv4_version()) == 0);
    CHECK(COSV4_VERSION_NUM ==
          ((COSV4_VERSION_MAJOR << 16) | (COSV4_VERSION_MINOR << 8) | COSV4_VERSION_PATCH));
    printf("VERSION %s\n", cosv4_version());
}

static void check_strerror(void) {
    static const cosv4_result all[] = {
        COSV4_RESULT_OK, COSV4_RESULT_NULL_ARGUMENT, COSV4_RESULT_INVALID_UTF8,
        COSV4_RESULT_INVALID_ARGUMENT, COSV4_RESULT_INVALID_PATH, COSV4_RESULT_INVALID_CONFIG,
        COSV4_RESULT_RECURSIVE_API_CALL, COSV4_RESULT_BUFFER_TOO_SMALL, COSV4_RESULT_LOCAL_IO,
        COSV4_RESULT_TRANSPORT, COSV4_RESULT_TIMEOUT, COSV4_RESULT_PROTOCOL,
        COSV4_RESULT_SERVICE, COSV4_RESULT_AUTH, COSV4_RESULT_FILE_EXISTS,
        COSV4_RESULT_UPLOAD_CONFLICT, COSV4_RESULT_INTEGRITY, COSV4_RESULT_CANCELLED,
        COSV4_RESULT_ABORTED_BY_CALLBACK, COSV4_RESULT_PANIC, COSV4_RESULT_INTERNAL};
    size_t i;
    for (i = 0; i < sizeof all / sizeof all[0]; i++) {
        CHECK(strlen(cosv4_strerror(all[i])) > 0);
        CHECK(strcmp(cosv4_strerror(all[i]), "unknown result code") != 0);
        CHECK(strncmp(cosv4_result_name(all[i]), "COSV4_RESULT_", 13) == 0);
        CHECK(strcmp(cosv4_result_name(all[i]), "COSV4_RESULT_UNKNOWN") != 0);
    }
    CHECK(strcmp(cosv4_result_name(COSV4_RESULT_AUTH), "COSV4_RESULT_AUTH") == 0);
    CHECK(strcmp(cosv4_strerror(99999), "unknown result code") == 0);
    CHECK(strcmp(cosv4_strerror(0xFFFFFFFFu), "unknown result code") == 0);
    CHECK(strcmp(cosv4_result_name(7), "COSV4_RESULT_UNKNOWN") == 0);
}

static void check_frees_and_defaults(void) {
    cosv4_config_free(NULL);
    cosv4_client_free(NULL);
    cosv4_cancel_token_free(NULL);
    cosv4_upload_options_free(NULL);
    cosv4_upload_result_free(NULL);
    cosv4_error_free(NULL);

    CHECK(cosv4_error_code(NULL) == NUL);
    CHECK(cosv4_error_http_status(NULL) == 0);
    CHECK(!cosv4_error_has_cos_code(NULL));
    CHECK(cosv4_error_cos_code(NULL) == 0);
    CHECK(strcmp(cosv4_error_cos_message(NULL), "") == 0);
    CHECK(strcmp(cosv4_error_request_id(NULL), "") == 0);
    CHECK(strcmp(cosv4_error_message(NULL), "") == 0);
    CHECK(cosv4_error_callback_value(NULL) == 0);

    CHECK(strcmp(cosv4_upload_result_access_url(NULL), "") == 0);
    CHECK(strcmp(cosv4_upload_result_resource_path(NULL), "") == 0);
    CHECK(strcmp(cosv4_upload_result_source_url(NULL), "") == 0);
    CHECK(strcmp(cosv4_upload_result_url(NULL), "") == 0);
    CHECK(cosv4_upload_result_method(NULL) == 0);
    CHECK(!cosv4_upload_result_resumed(NULL));
    CHECK(cosv4_upload_result_bytes_total(NULL) == 0);
    CHECK(cosv4_upload_result_bytes_sent(NULL) == 0);
    CHECK(cosv4_upload_result_slices_total(NULL) == 0);
    CHECK(cosv4_upload_result_slices_sent(NULL) == 0);
    CHECK(cosv4_upload_result_slices_skipped(NULL) == 0);
    CHECK(cosv4_upload_result_retries(NULL) == 0);
    CHECK(cosv4_upload_result_slice_size(NULL) == 0);
    CHECK(!cosv4_cancel_token_is_cancelled(NULL));

    cosv4_batch_options_free(NULL);
    cosv4_batch_result_free(NULL);
    CHECK(cosv4_batch_result_uploaded(NULL) == 0);
    CHECK(cosv4_batch_result_folders(NULL) == 0);
    CHECK(cosv4_batch_result_skipped(NULL) == 0);
    CHECK(cosv4_batch_result_failed(NULL) == 0);
    CHECK(cosv4_batch_result_bytes_sent(NULL) == 0);
    CHECK(cosv4_batch_result_count(NULL) == 0);
    CHECK(strcmp(cosv4_batch_result_local_path(NULL, 0), "") == 0);
    CHECK(strcmp(cosv4_batch_result_cos_path(NULL, 0), "") == 0);
    CHECK(cosv4_batch_result_status(NULL, 0) == 0);
    CHECK(cosv4_batch_result_bytes(NULL, 0) == 0);
    CHECK(strcmp(cosv4_batch_result_reason(NULL, 0), "") == 0);
    CHECK(cosv4_batch_result_result_code(NULL, 0) == COSV4_RESULT_OK);
    CHECK(cosv4_batch_result_http_status(NULL, 0) == 0);
    CHECK(!cosv4_batch_result_has_cos_code(NULL, 0));
    CHECK(cosv4_batch_result_cos_code(NULL, 0) == 0);
}

static void check_config(void) {
    cosv4_config *cfg = NULL;
    cosv4_client *client = NULL;
    cosv4_error *err = NULL;

    CHECK_RC(cosv4_config_new(1, NULL, "k", &cfg), NUL);
    CHECK_RC(cosv4_config_new(1, "id", NULL, &cfg), NUL);
    CHECK_RC(cosv4_config_new(1, "id", "k", NULL), NUL);
    CHECK_RC(cosv4_config_new(1, BAD, "k", &cfg), UTF);
    CHECK_RC(cosv4_config_new(1, "id", BAD, &cfg), UTF);
    CHECK_RC(cosv4_config_new(0, "id", "k", &cfg), COSV4_RESULT_INVALID_CONFIG);
    CHECK_RC(cosv4_config_new(1, "", "k", &cfg), COSV4_RESULT_INVALID_CONFIG);
    CHECK(cfg == NULL); /* written only on success */

    CHECK_RC(cosv4_config_set_region(NULL, "gz"), NUL);
    CHECK_RC(cosv4_config_set_endpoint(NULL, "http://x"), NUL);
    CHECK_RC(cosv4_config_set_https(NULL, 1), NUL);
    CHECK_RC(cosv4_config_set_slice_size(NULL, 524288), NUL);
    CHECK_RC(cosv4_config_set_workers(NULL, 2), NUL);
    CHECK_RC(cosv4_config_set_integrity(NULL, 1), NUL);
    CHECK_RC(cosv4_config_set_simple_threshold(NULL, 1), NUL);
    CHECK_RC(cosv4_config_set_retries(NULL, 1), NUL);
    CHECK_RC(cosv4_config_set_limit_rate(NULL, 4096), NUL);
    CHECK_RC(cosv4_config_set_connect_timeout_ms(NULL, 1), NUL);
    CHECK_RC(cosv4_config_set_stall_timeout_ms(NULL, 1), NUL);
    CHECK_RC(cosv4_config_set_request_timeout_ms(NULL, 1), NUL);
    CHECK_RC(cosv4_config_set_sign_lifetime(NULL, 1), NUL);
    CHECK_RC(cosv4_config_set_user_agent(NULL, "ua"), NUL);
    CHECK_RC(cosv4_config_set_proxy(NULL, NULL), NUL);
    CHECK_RC(cosv4_config_set_env_proxy(NULL, 0), NUL);

    CHECK_OK(cosv4_config_new(1250000000, "AKIDtest", "secret", &cfg));
    CHECK_RC(cosv4_config_set_region(cfg, NULL), NUL);
    CHECK_RC(cosv4_config_set_endpoint(cfg, NULL), NUL);
    CHECK_RC(cosv4_config_set_user_agent(cfg, NULL), NUL);
    CHECK_RC(cosv4_config_set_region(cfg, BAD), UTF);
    CHECK_RC(cosv4_config_set_endpoint(cfg, BAD), UTF);
    CHECK_RC(cosv4_config_set_user_agent(cfg, BAD), UTF);
    CHECK_RC(cosv4_config_set_proxy(cfg, BAD), UTF);

    CHECK_RC(cosv4_config_set_region(cfg, "G Z"), COSV4_RESULT_INVALID_CONFIG);
    CHECK_RC(cosv4_config_set_endpoint(cfg, "ftp://x"), COSV4_RESULT_INVALID_CONFIG);
    CHECK_RC(cosv4_config_set_slice_size(cfg, 1000), COSV4_RESULT_INVALID_CONFIG);
    CHECK_RC(cosv4_config_set_workers(cfg, 0), COSV4_RESULT_INVALID_CONFIG);
    CHECK_RC(cosv4_config_set_workers(cfg, 33), COSV4_RESULT_INVALID_CONFIG);
    CHECK_RC(cosv4_config_set_simple_threshold(cfg, 20000001), COSV4_RESULT_INVALID_CONFIG);
    CHECK_RC(cosv4_config_set_retries(cfg, 101), COSV4_RESULT_INVALID_CONFIG);
    CHECK_RC(cosv4_config_set_retry_window_ms(cfg, 86400001), COSV4_RESULT_INVALID_CONFIG);
    CHECK_RC(cosv4_config_set_retry_window_ms(NULL, 1), NUL);
    CHECK_RC(cosv4_config_set_limit_rate(cfg, 1023), COSV4_RESULT_INVALID_CONFIG);
    CHECK_RC(cosv4_config_set_connect_timeout_ms(cfg, 0), COSV4_RESULT_INVALID_CONFIG);
    CHECK_RC(cosv4_config_set_stall_timeout_ms(cfg, 0), COSV4_RESULT_INVALID_CONFIG);
    CHECK_RC(cosv4_config_set_request_timeout_ms(cfg, 0), COSV4_RESULT_INVALID_CONFIG);
    CHECK_RC(cosv4_config_set_sign_lifetime(cfg, 0), COSV4_RESULT_INVALID_CONFIG);
    CHECK_RC(cosv4_config_set_sign_lifetime(cfg, 7776001), COSV4_RESULT_INVALID_CONFIG);
    CHECK_RC(cosv4_config_set_user_agent(cfg, "a\nb"), COSV4_RESULT_INVALID_CONFIG);
    CHECK_RC(cosv4_config_set_proxy(cfg, "nonsense"), COSV4_RESULT_INVALID_CONFIG);
    CHECK_RC(cosv4_config_set_https(cfg, 2), COSV4_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cosv4_config_set_integrity(cfg, 7), COSV4_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cosv4_config_set_env_proxy(cfg, 0xFFFFFFFFu), COSV4_RESULT_INVALID_ARGUMENT);

    CHECK_OK(cosv4_config_set_region(cfg, "shanghai"));
    CHECK_OK(cosv4_config_set_endpoint(cfg, "http://127.0.0.1:9"));
    CHECK_OK(cosv4_config_set_https(cfg, 0));
    CHECK_OK(cosv4_config_set_slice_size(cfg, 3145728));
    CHECK_OK(cosv4_config_set_workers(cfg, 32));
    CHECK_OK(cosv4_config_set_integrity(cfg, 0));
    CHECK_OK(cosv4_config_set_simple_threshold(cfg, 20000000));
    CHECK_OK(cosv4_config_set_retries(cfg, 100));
    CHECK_OK(cosv4_config_set_retry_window_ms(cfg, 0));
    CHECK_OK(cosv4_config_set_limit_rate(cfg, 1024));
    CHECK_OK(cosv4_config_set_limit_rate(cfg, 0));
    CHECK_OK(cosv4_config_set_connect_timeout_ms(cfg, 500));
    CHECK_OK(cosv4_config_set_stall_timeout_ms(cfg, 500));
    CHECK_OK(cosv4_config_set_request_timeout_ms(cfg, 500));
    CHECK_OK(cosv4_config_set_sign_lifetime(cfg, 7776000));
    CHECK_OK(cosv4_config_set_user_agent(cfg, "cosv4-test/1"));
    CHECK_OK(cosv4_config_set_proxy(cfg, "socks5://127.0.0.1:1080"));
    CHECK_OK(cosv4_config_set_proxy(cfg, NULL));
    CHECK_OK(cosv4_config_set_env_proxy(cfg, 1));
    CHECK_OK(cosv4_config_set_env_proxy(cfg, 0));

    /* NULL out: the config is consumed anyway (valgrind sees no leak). */
    CHECK_RC(cosv4_client_new(cfg, NULL, &err), NUL);
    CHECK(err != NULL && cosv4_error_code(err) == NUL);
    CHECK(strstr(cosv4_error_message(err), "out") != NULL);
    cosv4_error_free(err);
    err = (cosv4_error *)&err; /* must be overwritten */
    CHECK_RC(cosv4_client_new(NULL, &client, &err), NUL);
    CHECK(err != NULL && strstr(cosv4_error_message(err), "cfg") != NULL);
    cosv4_error_free(err);
    CHECK_RC(cosv4_client_new(NULL, &client, NULL), NUL);
    CHECK(client == NULL);

    /* No endpoint: INVALID_CONFIG with a reason; the config is consumed. */
    CHECK_OK(cosv4_config_new(1250000000, "AKIDtest", "secret", &cfg));
    CHECK_RC(cosv4_client_new(cfg, &client, &err), COSV4_RESULT_INVALID_CONFIG);
    CHECK(client == NULL);
    CHECK(cosv4_error_code(err) == COSV4_RESULT_INVALID_CONFIG);
    CHECK(strstr(cosv4_error_message(err), "endpoint") != NULL);
    CHECK(cosv4_error_http_status(err) == 0 && !cosv4_error_has_cos_code(err));
    cosv4_error_free(err);
}

static void check_options_and_token(void) {
    cosv4_upload_options *opts = NULL;
    cosv4_cancel_token *tok = NULL;

    CHECK_RC(cosv4_upload_options_new(NULL), NUL);
    CHECK_RC(cosv4_cancel_token_new(NULL), NUL);
    CHECK_RC(cosv4_cancel_token_cancel(NULL), NUL);
    CHECK_RC(cosv4_upload_options_set_biz_attr(NULL, "x"), NUL);
    CHECK_RC(cosv4_upload_options_set_insert_only(NULL, 1), NUL);
    CHECK_RC(cosv4_upload_options_set_replace_stale(NULL, 1), NUL);
    CHECK_RC(cosv4_upload_options_set_create_parents(NULL, 1), NUL);
    CHECK_RC(cosv4_upload_options_set_progress(NULL, never_called, NULL), NUL);
    CHECK_RC(cosv4_upload_options_set_cancel_token(NULL, NULL), NUL);

    CHECK_OK(cosv4_upload_options_new(&opts));
    CHECK_OK(cosv4_cancel_token_new(&tok));
    CHECK_RC(cosv4_upload_options_set_biz_attr(opts, NULL), NUL);
    CHECK_RC(cosv4_upload_options_set_biz_attr(opts, BAD), UTF);
    CHECK_RC(cosv4_upload_options_set_insert_only(opts, 2), COSV4_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cosv4_upload_options_set_replace_stale(opts, 3), COSV4_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cosv4_upload_options_set_create_parents(opts, 2), COSV4_RESULT_INVALID_ARGUMENT);
    CHECK_OK(cosv4_upload_options_set_biz_attr(opts, "attr"));
    CHECK_OK(cosv4_upload_options_set_insert_only(opts, 0));
    CHECK_OK(cosv4_upload_options_set_replace_stale(opts, 1));
    CHECK_OK(cosv4_upload_options_set_create_parents(opts, 1));
    CHECK_OK(cosv4_upload_options_set_create_parents(opts, 0));
    CHECK_OK(cosv4_upload_options_set_progress(opts, never_called, &opts));
    CHECK_OK(cosv4_upload_options_set_progress(opts, NULL, NULL));
    CHECK_OK(cosv4_upload_options_set_cancel_token(opts, tok));
    CHECK(!cosv4_cancel_token_is_cancelled(tok));
    CHECK_OK(cosv4_cancel_token_cancel(tok));
    CHECK_OK(cosv4_cancel_token_cancel(tok));
    CHECK(cosv4_cancel_token_is_cancelled(tok));
    cosv4_cancel_token_free(tok); /* the options keep their own reference */
    CHECK_OK(cosv4_upload_options_set_cancel_token(opts, NULL));
    cosv4_upload_options_free(opts);
}

/* Runs one upload call and checks its code, that *out was not written and the detail. */
static void expect_upload(cosv4_result rc, cosv4_error *err, cosv4_upload_result *res,
                          cosv4_result want, const char *needle) {
    if (rc != want)
        FAIL("got %s, want %s: %s", cosv4_result_name(rc), cosv4_result_name(want),
             cosv4_error_message(err));
    CHECK(res == NULL);
    CHECK(err != NULL && cosv4_error_code(err) == want);
    if (needle && !strstr(cosv4_error_message(err), needle))
        FAIL("message %s does not name %s", cosv4_error_message(err), needle);
    cosv4_error_free(err);
}

/* The call first, then the check (a function's arguments have no evaluation order). */
#define EXPECT_UPLOAD(call, want, needle)                                      \
    do {                                                                       \
        cosv4_result r_ = (call);                                              \
        expect_upload(r_, err, res, want, needle);                             \
        err = NULL;                                                            \
    } while (0)

#define UPF(c, b, p, l, o, out) cosv4_client_upload_file(c, b, p, l, o, out, &err)
#define UPB(c, b, p, d, n, o, out) cosv4_client_upload_buffer(c, b, p, d, n, o, out, &err)

static void check_upload_args(cosv4_client *c) {
    cosv4_upload_result *res = NULL;
    cosv4_error *err = NULL;
    const uint8_t data[4] = {1, 2, 3, 4};

    EXPECT_UPLOAD(UPF(NULL, "b", "/p", "f", NULL, &res), NUL, "client");
    EXPECT_UPLOAD(UPF(c, NULL, "/p", "f", NULL, &res), NUL, "bucket");
    EXPECT_UPLOAD(UPF(c, "b", NULL, "f", NULL, &res), NUL, "cos_path");
    EXPECT_UPLOAD(UPF(c, "b", "/p", NULL, NULL, &res), NUL, "local_path");
    EXPECT_UPLOAD(UPF(c, "b", "/p", "f", NULL, NULL), NUL, "out");
    EXPECT_UPLOAD(UPB(NULL, "b", "/p", data, 4, NULL, &res), NUL, "client");
    EXPECT_UPLOAD(UPB(c, NULL, "/p", data, 4, NULL, &res), NUL, "bucket");
    EXPECT_UPLOAD(UPB(c, "b", NULL, data, 4, NULL, &res), NUL, "cos_path");
    EXPECT_UPLOAD(UPB(c, "b", "/p", NULL, 4, NULL, &res), NUL, "data");
    EXPECT_UPLOAD(UPB(c, "b", "/p", data, 4, NULL, NULL), NUL, "out");
    CHECK_RC(cosv4_client_upload_buffer(c, "b", "/p", data, 4, NULL, NULL, NULL), NUL);

    EXPECT_UPLOAD(UPF(c, BAD, "/p", "f", NULL, &res), UTF, "bucket");
    EXPECT_UPLOAD(UPF(c, "b", BAD, "f", NULL, &res), UTF, "cos_path");
    EXPECT_UPLOAD(UPB(c, BAD, "/p", data, 4, NULL, &res), UTF, "bucket");
    EXPECT_UPLOAD(UPB(c, "b", BAD, data, 4, NULL, &res), UTF, "cos_path");

    EXPECT_UPLOAD(UPB(c, "b", "p", data, 4, NULL, &res), COSV4_RESULT_INVALID_PATH,
                  "start with '/'");
    EXPECT_UPLOAD(UPB(c, "b", "/dir/", data, 4, NULL, &res),
                  COSV4_RESULT_INVALID_PATH, "folder");
    EXPECT_UPLOAD(UPB(c, "a b", "/p", data, 4, NULL, &res),
                  COSV4_RESULT_INVALID_PATH, "bucket");
    /* Local paths are bytes: a non-UTF-8 name is fine, it just does not exist. */
    EXPECT_UPLOAD(UPF(c, "b", "/p", "/nonexistent/\xff\xfe", NULL, &res),
                  COSV4_RESULT_LOCAL_IO, "nonexistent");
    EXPECT_UPLOAD(UPF(c, "b", "/p", "/", NULL, &res), COSV4_RESULT_LOCAL_IO,
                  "directory");
    /* Nothing listens on the endpoint: a transport error without HTTP status or COS code. */
    {
        cosv4_result rc = UPB(c, "b", "/p", data, 4, NULL, &res);
        CHECK(res == NULL);
        if (rc != COSV4_RESULT_TRANSPORT)
            FAIL("got %s: %s", cosv4_result_name(rc), cosv4_error_message(err));
        CHECK(cosv4_error_http_status(err) == 0 && !cosv4_error_has_cos_code(err));
        CHECK(strcmp(cosv4_error_request_id(err), "") == 0);
        cosv4_error_free(err);
    }
}

static void check_sign(cosv4_client *c) {
    char buf[512], small[8];
    size_t n = 0, n2 = 0;

    CHECK_RC(cosv4_client_sign_multi(NULL, "b", NULL, 60, buf, sizeof buf, &n), NUL);
    CHECK_RC(cosv4_client_sign_multi(c, NULL, NULL, 60, buf, sizeof buf, &n), NUL);
    CHECK_RC(cosv4_client_sign_multi(c, "b", NULL, 60, NULL, sizeof buf, &n), NUL);
    CHECK_RC(cosv4_client_sign_multi(c, "b", NULL, 60, buf, sizeof buf, NULL), NUL);
    CHECK_RC(cosv4_client_sign_once(NULL, "b", "/p", buf, sizeof buf, &n), NUL);
    CHECK_RC(cosv4_client_sign_once(c, NULL, "/p", buf, sizeof buf, &n), NUL);
    CHECK_RC(cosv4_client_sign_once(c, "b", NULL, buf, sizeof buf, &n), NUL);
    CHECK_RC(cosv4_client_sign_once(c, "b", "/p", NULL, sizeof buf, &n), NUL);
    CHECK_RC(cosv4_client_sign_once(c, "b", "/p", buf, sizeof buf, NULL), NUL);
    CHECK_RC(cosv4_client_sign_multi(c, BAD, NULL, 60, buf, sizeof buf, &n), UTF);
    CHECK_RC(cosv4_client_sign_multi(c, "b", BAD, 60, buf, sizeof buf, &n), UTF);
    CHECK_RC(cosv4_client_sign_once(c, "b", BAD, buf, sizeof buf, &n), UTF);
    CHECK_RC(cosv4_client_sign_multi(c, "b", NULL, 0, buf, sizeof buf, &n),
             COSV4_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cosv4_client_sign_multi(c, "b", NULL, 7776001, buf, sizeof buf, &n),
             COSV4_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cosv4_client_sign_once(c, "b", "no-slash", buf, sizeof buf, &n),
             COSV4_RESULT_INVALID_PATH);
    CHECK_RC(cosv4_client_sign_once(c, "b/x", "/p", buf, sizeof buf, &n),
             COSV4_RESULT_INVALID_PATH);

    /* Size query, too small, exact fit. */
    CHECK_RC(cosv4_client_sign_multi(c, "b", NULL, 60, NULL, 0, &n),
             COSV4_RESULT_BUFFER_TOO_SMALL);
    CHECK(n > 20 && n < sizeof buf);
    memset(small, 'x', sizeof small);
    CHECK_RC(cosv4_client_sign_once(c, "b", "/dir/f.txt", small, sizeof small, &n2),
             COSV4_RESULT_BUFFER_TOO_SMALL);
    CHECK(small[0] == '\0' && n2 > sizeof small);
    {
        /* Each signature has a fresh time and nonce, so its length varies by a few bytes. */
        size_t cap = n2 + 32, n3 = 0;
        char *room = (char *)malloc(cap);
        CHECK_OK(cosv4_client_sign_once(c, "b", "/dir/f.txt", room, cap, &n3));
        CHECK(strlen(room) == n3 && n3 + 16 > n2 && n2 + 16 > n3);
        free(room);
    }
    CHECK_OK(cosv4_client_sign_multi(c, "b", NULL, 60, buf, sizeof buf, &n));
    CHECK(strlen(buf) == n);
    CHECK_OK(cosv4_client_sign_multi(c, "b", "/dir/", 60, buf, sizeof buf, &n));
}

int main(void) {
    cosv4_client *c;
    check_version();
    check_strerror();
    check_frees_and_defaults();
    check_config();
    check_options_and_token();
    c = test_client(NULL);
    check_upload_args(c);
    check_sign(c);
    cosv4_client_free(c);
    printf("api_args OK\n");
    return 0;
}
