/* Sync through the C API (tests/c_objects.rs runs it): a first sync uploads the tree, a second
 * finds every file unchanged, a dry run reports what would change and changes nothing, delete
 * removes a remote-only file but never an excluded one, keep-failed keeps no result item, and
 * the new setters check their arguments. COS_TEST_TREE holds a.txt, sub/b.bin and skip.log;
 * the emulator already holds /s/remote-only.txt and /s/keep.log. */
#include "common.h"

static cosv4_batch_result *sync_dir(cosv4_client *c, const char *bucket, const char *tree,
                                    const cosv4_batch_options *opts) {
    cosv4_batch_result *res = NULL;
    cosv4_error *err = NULL;
    cosv4_result rc = cosv4_client_upload_dir(c, bucket, tree, "/s/", opts, &res, &err);
    if (rc != COSV4_RESULT_OK) FAIL("upload_dir: %s", cosv4_error_message(err));
    CHECK(res != NULL && err == NULL);
    return res;
}

/* The status of the item at `cos_path`, or 0 when there is none. */
static uint32_t status_of(const cosv4_batch_result *res, const char *cos_path) {
    for (size_t i = 0; i < cosv4_batch_result_count(res); i++)
        if (strcmp(cosv4_batch_result_cos_path(res, i), cos_path) == 0)
            return cosv4_batch_result_status(res, i);
    return 0;
}

int main(void) {
    const char *bucket = env_req("COS_BUCKET");
    const char *tree = env_req("COS_TEST_TREE");
    cosv4_client *c = test_client(NULL);
    cosv4_batch_options *opts = NULL;
    cosv4_batch_result *res = NULL;
    cosv4_error *err = NULL;

    /* Arguments. */
    CHECK_OK(cosv4_batch_options_new(&opts));
    CHECK_RC(cosv4_batch_options_set_sync(NULL, 1), COSV4_RESULT_NULL_ARGUMENT);
    CHECK_RC(cosv4_batch_options_set_sync(opts, 3), COSV4_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cosv4_batch_options_set_delete(opts, 2), COSV4_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cosv4_batch_options_set_force(NULL, 1), COSV4_RESULT_NULL_ARGUMENT);
    CHECK_RC(cosv4_batch_options_set_dry_run(opts, 7), COSV4_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cosv4_batch_options_set_keep_results(opts, 2), COSV4_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cosv4_batch_options_add_include(opts, NULL, NULL), COSV4_RESULT_NULL_ARGUMENT);
    CHECK_RC(cosv4_batch_options_add_exclude(NULL, "*.log", NULL), COSV4_RESULT_NULL_ARGUMENT);
    CHECK_RC(cosv4_batch_options_add_exclude(opts, "a[", &err), COSV4_RESULT_INVALID_ARGUMENT);
    CHECK(err != NULL && strstr(cosv4_error_message(err), "\"a[\"") != NULL);
    printf("bad pattern: %s\n", cosv4_error_message(err));
    cosv4_error_free(err);
    err = NULL;
    /* Delete without sync: refused when the batch starts, nothing sent. */
    CHECK_OK(cosv4_batch_options_set_delete(opts, 1));
    CHECK_RC(cosv4_client_upload_dir(c, bucket, tree, "/s/", opts, &res, &err),
             COSV4_RESULT_INVALID_ARGUMENT);
    CHECK(res == NULL && strstr(cosv4_error_message(err), "sync is off") != NULL);
    cosv4_error_free(err);
    err = NULL;

    /* First sync: everything but the excluded log goes up; remote-only.txt is deleted,
     * keep.log (excluded) stays. */
    CHECK_OK(cosv4_batch_options_set_sync(opts, COSV4_SYNC_MODE_CHECKSUM));
    CHECK_OK(cosv4_batch_options_add_exclude(opts, "*.log", NULL));
    res = sync_dir(c, bucket, tree, opts);
    CHECK(cosv4_batch_result_uploaded(res) == 2 && cosv4_batch_result_failed(res) == 0);
    CHECK(status_of(res, "/s/skip.log") == 0);
    CHECK(status_of(res, "/s/keep.log") == 0);
    CHECK(status_of(res, "/s/remote-only.txt") == COSV4_BATCH_STATUS_DELETED);
    CHECK(cosv4_batch_result_deleted(res) == 1);
    cosv4_batch_result_free(res);

    /* Again: unchanged. */
    res = sync_dir(c, bucket, tree, opts);
    CHECK(status_of(res, "/s/a.txt") == COSV4_BATCH_STATUS_UNCHANGED);
    CHECK(status_of(res, "/s/sub/b.bin") == COSV4_BATCH_STATUS_UNCHANGED);
    CHECK(cosv4_batch_result_uploaded(res) == 0 && cosv4_batch_result_bytes_sent(res) == 0);
    CHECK(cosv4_batch_result_unchanged(res) == 2);
    cosv4_batch_result_free(res);

    /* A dry run, size-only, only what is under sub/: b.bin unchanged, a.txt not in it. */
    CHECK_OK(cosv4_batch_options_set_dry_run(opts, 1));
    CHECK_OK(cosv4_batch_options_set_sync(opts, COSV4_SYNC_MODE_SIZE_ONLY));
    CHECK_OK(cosv4_batch_options_add_include(opts, "sub/", NULL));
    res = sync_dir(c, bucket, tree, opts);
    CHECK(status_of(res, "/s/a.txt") == 0); /* not included */
    CHECK(status_of(res, "/s/sub/b.bin") == COSV4_BATCH_STATUS_UNCHANGED);
    CHECK(cosv4_batch_result_would_upload(res) == 0 && cosv4_batch_result_would_delete(res) == 0);
    cosv4_batch_result_free(res);

    /* Keep only failures: no item kept, the counts still right. */
    CHECK_OK(cosv4_batch_options_set_keep_results(opts, COSV4_BATCH_KEEP_FAILED));
    res = sync_dir(c, bucket, tree, opts);
    CHECK(cosv4_batch_result_count(res) == 0);
    cosv4_batch_result_free(res);

    cosv4_batch_options_free(opts);
    cosv4_client_free(c);
    printf("batch_sync OK\n");
    return 0;
}
