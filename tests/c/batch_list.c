/* Batch upload of an explicit list of (local file, cos path) pairs through the C API
 * (tests/c_objects.rs runs it against an emulator that requires folders to exist): argument
 * checks of the list and the call, an empty list, per-item results (uploaded and failed, a
 * local name that is not UTF-8, times), the snapshot rule (the list changed and freed from a
 * callback), a refused nested call, reuse of a list, and fail_fast.
 *
 * COS_TEST_DIR holds one.txt (100 bytes), two.bin (200000 bytes: slices) and "\xffodd.bin"
 * (30 bytes); the emulator answers every upload request after 20 ms. */
#include "common.h"

static const char *bucket;
static char one[1024], two[1024], odd[1024], missing[1024], dir[1024];

/* A list_add that must fail with `want`, its detail containing `needle`. */
static void add_fails(cosv4_batch_list *list, const char *local, const char *cos_path,
                      cosv4_result want, const char *needle) {
    cosv4_error *err = NULL;
    cosv4_result rc = cosv4_batch_list_add(list, local, cos_path, &err);
    CHECK_FAILED(rc, err, want);
    if (!strstr(cosv4_error_message(err), needle))
        FAIL("add %s: message %s lacks %s", cos_path ? cos_path : "(NULL)",
             cosv4_error_message(err), needle);
    cosv4_error_free(err);
}

static void add_ok(cosv4_batch_list *list, const char *local, const char *cos_path) {
    cosv4_error *err = NULL;
    cosv4_result rc = cosv4_batch_list_add(list, local, cos_path, &err);
    if (rc) FAIL("add %s: %s", cos_path, cosv4_error_message(err));
    CHECK(err == NULL);
}

/* An upload_list that must fail with `want` before anything is sent. */
static void upload_fails(const cosv4_client *c, const char *b, const cosv4_batch_list *list,
                         int with_out, cosv4_result want, const char *needle) {
    cosv4_batch_result *res = NULL;
    cosv4_error *err = NULL;
    cosv4_result rc = cosv4_client_upload_list(c, b, list, NULL, with_out ? &res : NULL, &err);
    CHECK_FAILED(rc, err, want);
    if (!strstr(cosv4_error_message(err), needle))
        FAIL("upload_list: message %s lacks %s", cosv4_error_message(err), needle);
    CHECK(res == NULL);
    cosv4_error_free(err);
}

/* The index of `cos_path` in `res` (fails when it is not there). */
static size_t find(const cosv4_batch_result *res, const char *cos_path) {
    size_t i, n = cosv4_batch_result_count(res);
    for (i = 0; i < n; i++)
        if (strcmp(cosv4_batch_result_cos_path(res, i), cos_path) == 0) return i;
    FAIL("no item %s in the result", cos_path);
    return 0;
}

static void check_uploaded(const cosv4_batch_result *res, const char *cos_path,
                           const char *local, uint64_t bytes) {
    size_t i = find(res, cos_path);
    CHECK(cosv4_batch_result_status(res, i) == COSV4_BATCH_STATUS_UPLOADED);
    CHECK(strcmp(cosv4_batch_result_local_path(res, i), local) == 0);
    CHECK(cosv4_batch_result_bytes(res, i) == bytes);
    CHECK(cosv4_batch_result_result_code(res, i) == COSV4_RESULT_OK);
    CHECK(strcmp(cosv4_batch_result_reason(res, i), "") == 0);
    /* Every upload waits for at least one answer delayed 20 ms. */
    CHECK(cosv4_batch_result_elapsed_ms(res, i) >= 20);
    CHECK(cosv4_batch_result_elapsed_ms(res, i) <= cosv4_batch_result_total_elapsed_ms(res));
}

static void check_failed(const cosv4_batch_result *res, const char *cos_path, const char *local,
                         const char *needle) {
    size_t i = find(res, cos_path);
    CHECK(cosv4_batch_result_status(res, i) == COSV4_BATCH_STATUS_FAILED);
    CHECK(strcmp(cosv4_batch_result_local_path(res, i), local) == 0);
    CHECK(cosv4_batch_result_result_code(res, i) == COSV4_RESULT_LOCAL_IO);
    CHECK(cosv4_batch_result_http_status(res, i) == 0);
    CHECK(!cosv4_batch_result_has_cos_code(res, i));
    if (!strstr(cosv4_batch_result_reason(res, i), needle))
        FAIL("%s: reason %s lacks %s", cos_path, cosv4_batch_result_reason(res, i), needle);
}

typedef struct {
    const cosv4_client *client;
    cosv4_batch_list *list; /* added to (or freed, when free_list) at the first DONE event */
    int free_list;
    uint64_t done, failed;
    cosv4_result nested_rc;
} state;

static int32_t on_file(void *userdata, const cosv4_batch_file_event *e) {
    state *s = (state *)userdata;
    if (e->kind == COSV4_BATCH_EVENT_FAILED) s->failed++;
    if (e->kind != COSV4_BATCH_EVENT_DONE || s->done++ > 0) return 0;
    if (s->free_list) {
        cosv4_batch_list_free(s->list);
        s->list = NULL;
    } else {
        cosv4_batch_result *r = NULL;
        add_ok(s->list, one, "/list/late.txt");
        s->nested_rc = cosv4_client_upload_list(s->client, bucket, s->list, NULL, &r, NULL);
        CHECK(r == NULL);
    }
    return 0;
}

static void arguments(const cosv4_client *c, cosv4_batch_list *list) {
    CHECK_RC(cosv4_batch_list_new(NULL), COSV4_RESULT_NULL_ARGUMENT);
    add_fails(NULL, one, "/x", COSV4_RESULT_NULL_ARGUMENT, "argument `list` is NULL");
    add_fails(list, NULL, "/x", COSV4_RESULT_NULL_ARGUMENT, "argument `local_path` is NULL");
    add_fails(list, one, NULL, COSV4_RESULT_NULL_ARGUMENT, "argument `cos_path` is NULL");
    add_fails(list, one, "/b/\xff", COSV4_RESULT_INVALID_UTF8,
              "argument `cos_path` is not valid UTF-8");
    add_fails(list, one, "no-slash", COSV4_RESULT_INVALID_PATH, "does not start with '/'");
    add_fails(list, one, "/dir/", COSV4_RESULT_INVALID_PATH, "which names a folder");
    add_fails(list, one, "/a//b", COSV4_RESULT_INVALID_PATH, "empty segment");
    add_fails(list, "", "/x", COSV4_RESULT_INVALID_ARGUMENT, "argument `local_path` is empty");
    CHECK_RC(cosv4_batch_list_add(list, one, "no-slash", NULL), COSV4_RESULT_INVALID_PATH);
    CHECK(cosv4_batch_list_count(list) == 0);
    CHECK(cosv4_batch_list_count(NULL) == 0);
    cosv4_batch_list_free(NULL);

    upload_fails(NULL, bucket, list, 1, COSV4_RESULT_NULL_ARGUMENT, "argument `client` is NULL");
    upload_fails(c, NULL, list, 1, COSV4_RESULT_NULL_ARGUMENT, "argument `bucket` is NULL");
    upload_fails(c, bucket, NULL, 1, COSV4_RESULT_NULL_ARGUMENT, "argument `list` is NULL");
    upload_fails(c, bucket, list, 0, COSV4_RESULT_NULL_ARGUMENT, "argument `out` is NULL");
    upload_fails(c, "b\xff", list, 1, COSV4_RESULT_INVALID_UTF8, "argument `bucket`");
    upload_fails(c, "my_bucket", list, 1, COSV4_RESULT_INVALID_PATH, "only ASCII letters");
}

int main(void) {
    const char *scratch = env_req("COS_TEST_DIR");
    cosv4_client *c = test_client(NULL);
    cosv4_batch_list *list = NULL, *other = NULL;
    cosv4_batch_options *opts = NULL;
    cosv4_batch_result *res = NULL;
    cosv4_error *err = NULL;
    cosv4_result rc;
    state s;
    bucket = env_req("COS_BUCKET");
    snprintf(one, sizeof one, "%s/one.txt", scratch);
    snprintf(two, sizeof two, "%s/two.bin", scratch);
    snprintf(odd, sizeof odd, "%s/\xffodd.bin", scratch);
    snprintf(missing, sizeof missing, "%s/missing.bin", scratch);
    snprintf(dir, sizeof dir, "%s", scratch);

    CHECK_OK(cosv4_batch_list_new(&list));
    arguments(c, list);

    /* An empty list: an empty result. */
    rc = cosv4_client_upload_list(c, bucket, list, NULL, &res, &err);
    if (rc) FAIL("empty list: %s", cosv4_error_message(err));
    CHECK(cosv4_batch_result_count(res) == 0 && cosv4_batch_result_uploaded(res) == 0);
    CHECK(cosv4_batch_result_failed(res) == 0);
    cosv4_batch_result_free(res);
    res = NULL;

    /* Three files (one into folders that do not exist yet, one with a local name that is not
     * UTF-8), a missing file and a directory. */
    add_ok(list, one, "/list/one.txt");
    add_ok(list, two, "/list/deep/er/two.bin");
    add_ok(list, odd, "/list/odd.bin");
    add_ok(list, missing, "/list/missing.bin");
    add_ok(list, dir, "/list/dir.bin");
    add_fails(list, two, "/list/one.txt", COSV4_RESULT_INVALID_ARGUMENT,
              "\"/list/one.txt\" is already in the list");
    CHECK(cosv4_batch_list_count(list) == 5);

    CHECK_OK(cosv4_batch_options_new(&opts));
    CHECK_OK(cosv4_batch_options_set_jobs(opts, 2));
    CHECK_OK(cosv4_batch_options_set_file_callback(opts, on_file, &s));
    memset(&s, 0, sizeof s);
    s.client = c;
    s.list = list;
    rc = cosv4_client_upload_list(c, bucket, list, opts, &res, &err);
    if (rc) FAIL("upload_list: %s", cosv4_error_message(err));
    CHECK(err == NULL);
    /* The pair added from the callback is in the list, not in the batch that was running. */
    CHECK(s.nested_rc == COSV4_RESULT_RECURSIVE_API_CALL);
    CHECK(cosv4_batch_list_count(list) == 6);
    CHECK(cosv4_batch_result_count(res) == 5);
    CHECK(cosv4_batch_result_uploaded(res) == 3 && cosv4_batch_result_failed(res) == 2);
    CHECK(cosv4_batch_result_folders(res) == 0 && cosv4_batch_result_skipped(res) == 0);
    CHECK(cosv4_batch_result_bytes_sent(res) == 100 + 200000 + 30);
    CHECK(s.done == 3 && s.failed == 2);
    check_uploaded(res, "/list/one.txt", one, 100);
    check_uploaded(res, "/list/deep/er/two.bin", two, 200000);
    check_uploaded(res, "/list/odd.bin", odd, 30);
    check_failed(res, "/list/missing.bin", missing, "No such file or directory");
    check_failed(res, "/list/dir.bin", dir, "is a directory");
    CHECK(cosv4_batch_result_elapsed_ms(res, 5) == 0);
    CHECK(cosv4_batch_result_elapsed_ms(NULL, 0) == 0);
    CHECK(cosv4_batch_result_total_elapsed_ms(NULL) == 0);
    cosv4_batch_result_free(res);
    res = NULL;

    /* The list again: the same files succeed again, the new pair is uploaded. */
    CHECK_OK(cosv4_batch_options_set_file_callback(opts, NULL, NULL));
    rc = cosv4_client_upload_list(c, bucket, list, opts, &res, &err);
    if (rc) FAIL("upload_list again: %s", cosv4_error_message(err));
    CHECK(cosv4_batch_result_uploaded(res) == 4 && cosv4_batch_result_failed(res) == 2);
    check_uploaded(res, "/list/late.txt", one, 100);
    /* two.bin is not sent again (the server has its content: an instant upload); the small
     * files go whole in their one request each. */
    CHECK(cosv4_batch_result_bytes_sent(res) == 100 + 30 + 100);
    cosv4_batch_result_free(res);
    res = NULL;

    /* A list freed by the callback while its batch runs: the batch goes on to the end. */
    CHECK_OK(cosv4_batch_list_new(&other));
    add_ok(other, one, "/freed/one.txt");
    add_ok(other, two, "/freed/two.bin");
    add_ok(other, odd, "/freed/odd.bin");
    CHECK_OK(cosv4_batch_options_set_jobs(opts, 1));
    CHECK_OK(cosv4_batch_options_set_file_callback(opts, on_file, &s));
    memset(&s, 0, sizeof s);
    s.list = other;
    s.free_list = 1;
    rc = cosv4_client_upload_list(c, bucket, other, opts, &res, &err);
    if (rc) FAIL("upload_list of a freed list: %s", cosv4_error_message(err));
    CHECK(s.list == NULL);
    CHECK(cosv4_batch_result_uploaded(res) == 3);
    cosv4_batch_result_free(res);
    res = NULL;

    /* fail_fast: the first failure ends the call with that item's code and detail. */
    CHECK_OK(cosv4_batch_list_new(&other));
    add_ok(other, missing, "/ff/missing.bin");
    add_ok(other, one, "/ff/one.txt");
    CHECK_OK(cosv4_batch_options_set_file_callback(opts, NULL, NULL));
    CHECK_OK(cosv4_batch_options_set_fail_fast(opts, 1));
    rc = cosv4_client_upload_list(c, bucket, other, opts, &res, &err);
    CHECK_FAILED(rc, err, COSV4_RESULT_LOCAL_IO);
    if (!strstr(cosv4_error_message(err), "missing.bin"))
        FAIL("fail_fast: %s does not name the file", cosv4_error_message(err));
    CHECK(res == NULL);
    cosv4_error_free(err);
    cosv4_batch_list_free(other);

    cosv4_batch_options_free(opts);
    cosv4_batch_list_free(list);
    cosv4_client_free(c);
    printf("batch_list OK\n");
    return 0;
}
