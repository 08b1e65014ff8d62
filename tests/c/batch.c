/* Batch upload of a directory through the C API (tests/c_objects.rs runs it): progress and
 * file callbacks, counts, per-item accessors, NULL/bad-index defaults, a stop from the file
 * callback and a refused nested call. COS_TEST_TREE is a local directory holding a.txt,
 * sub/b.bin, sub/deeper/c.txt and the empty directory empty/. */
#include "common.h"

typedef struct {
    cosv4_client *client;
    const char *bucket;
    uint64_t progress_events, last_done, started, done, failed, bytes_sent;
    int64_t last_cos_code;  /* of the last FAILED event */
    uint32_t last_http_status;
    int monotonic, walk_done_seen;
    uint64_t last_elapsed_ms;
    int64_t last_eta_ms;
    int32_t stop_with;      /* returned at the first DONE event when nonzero */
    int try_nested;         /* call cosv4_client_upload_dir from the callback */
    cosv4_result nested_rc;
    char last_cos_path[256];
} state;

static int32_t on_progress(void *userdata, const cosv4_batch_progress *p) {
    state *s = (state *)userdata;
    if (p->bytes_done < s->last_done) s->monotonic = 0;
    if (p->files_done > p->files_known) s->monotonic = 0;
    if (p->elapsed_ms < s->last_elapsed_ms) s->monotonic = 0;
    if (!p->walk_done && p->eta_ms != -1) s->monotonic = 0; /* no time left before the total */
    if (p->eta_ms < -1) s->monotonic = 0;
    s->last_done = p->bytes_done;
    s->last_elapsed_ms = p->elapsed_ms;
    s->last_eta_ms = p->eta_ms;
    if (p->walk_done) s->walk_done_seen = 1;
    s->progress_events++;
    return 0;
}

static int32_t on_file(void *userdata, const cosv4_batch_file_event *e) {
    state *s = (state *)userdata;
    CHECK(e->local_path != NULL && e->cos_path != NULL);
    CHECK(e->cos_path[0] == '/');
    snprintf(s->last_cos_path, sizeof s->last_cos_path, "%s", e->cos_path);
    switch (e->kind) {
    case COSV4_BATCH_EVENT_STARTED:
        CHECK(e->result_code == 0 && e->http_status == 0 && !e->has_cos_code);
        CHECK(e->reason != NULL && e->reason[0] == '\0' && e->bytes_sent == 0);
        s->started++;
        break;
    case COSV4_BATCH_EVENT_DONE:
        CHECK(e->result_code == 0 && e->http_status == 0 && !e->has_cos_code);
        CHECK(e->cos_code == 0 && e->reason != NULL && e->reason[0] == '\0');
        s->bytes_sent += e->bytes_sent;
        s->done++;
        if (s->try_nested) {
            cosv4_batch_result *r = NULL;
            s->nested_rc = cosv4_client_upload_dir(s->client, s->bucket, ".", "/x/", NULL, &r,
                                                   NULL);
            CHECK(r == NULL);
        }
        if (s->stop_with) return s->stop_with;
        break;
    case COSV4_BATCH_EVENT_FAILED:
        CHECK(e->result_code != 0 && e->bytes_sent == 0);
        CHECK(e->reason != NULL && strlen(e->reason) > 0);
        CHECK(e->has_cos_code || e->cos_code == 0);
        s->last_cos_code = e->cos_code;
        s->last_http_status = e->http_status;
        s->failed++;
        break;
    case COSV4_BATCH_EVENT_SKIPPED:
        break;
    default:
        FAIL("unknown event kind %u", (unsigned)e->kind);
    }
    return 0;
}

static void check_file(cosv4_client *c, const char *bucket, const char *path, uint64_t size) {
    cosv4_stat *st = NULL;
    cosv4_error *err = NULL;
    cosv4_result rc = cosv4_client_stat(c, bucket, path, &st, &err);
    if (rc) FAIL("stat %s: %s", path, cosv4_error_message(err));
    CHECK(cosv4_stat_filesize(st) == size);
    cosv4_stat_free(st);
}

int main(void) {
    const char *bucket = env_req("COS_BUCKET");
    const char *tree = env_req("COS_TEST_TREE");
    cosv4_client *c = test_client(NULL);
    cosv4_batch_options *opts = NULL;
    cosv4_batch_result *res = NULL;
    cosv4_error *err = NULL;
    state s;

    /* Options: values checked, NULL opts refused. */
    CHECK_RC(cosv4_batch_options_new(NULL), COSV4_RESULT_NULL_ARGUMENT);
    CHECK_OK(cosv4_batch_options_new(&opts));
    CHECK_RC(cosv4_batch_options_set_jobs(opts, 0), COSV4_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cosv4_batch_options_set_jobs(opts, 33), COSV4_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cosv4_batch_options_set_max_requests(opts, 0), COSV4_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cosv4_batch_options_set_fail_fast(opts, 2), COSV4_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cosv4_batch_options_set_jobs(NULL, 2), COSV4_RESULT_NULL_ARGUMENT);
    CHECK_RC(cosv4_batch_options_set_max_requests(NULL, 2), COSV4_RESULT_NULL_ARGUMENT);
    CHECK_RC(cosv4_batch_options_set_follow_symlinks(NULL, 0), COSV4_RESULT_NULL_ARGUMENT);
    CHECK_RC(cosv4_batch_options_set_fail_fast(NULL, 0), COSV4_RESULT_NULL_ARGUMENT);
    CHECK_RC(cosv4_batch_options_set_insert_only(NULL, 0), COSV4_RESULT_NULL_ARGUMENT);
    CHECK_RC(cosv4_batch_options_set_cancel_token(NULL, NULL), COSV4_RESULT_NULL_ARGUMENT);
    CHECK_RC(cosv4_batch_options_set_progress(NULL, NULL, NULL), COSV4_RESULT_NULL_ARGUMENT);
    CHECK_RC(cosv4_batch_options_set_file_callback(NULL, NULL, NULL),
             COSV4_RESULT_NULL_ARGUMENT);
    CHECK_OK(cosv4_batch_options_set_jobs(opts, 2));
    CHECK_OK(cosv4_batch_options_set_max_requests(opts, 3));
    CHECK_OK(cosv4_batch_options_set_follow_symlinks(opts, 0));
    CHECK_OK(cosv4_batch_options_set_fail_fast(opts, 0));
    CHECK_OK(cosv4_batch_options_set_insert_only(opts, 1));
    CHECK_OK(cosv4_batch_options_set_cancel_token(opts, NULL));
    CHECK_OK(cosv4_batch_options_set_progress(opts, on_progress, &s));
    CHECK_OK(cosv4_batch_options_set_file_callback(opts, on_file, &s));

    /* Argument checks of the call. */
    CHECK_RC(cosv4_client_upload_dir(NULL, bucket, tree, "/b/", opts, &res, NULL),
             COSV4_RESULT_NULL_ARGUMENT);
    CHECK_RC(cosv4_client_upload_dir(c, NULL, tree, "/b/", opts, &res, NULL),
             COSV4_RESULT_NULL_ARGUMENT);
    CHECK_RC(cosv4_client_upload_dir(c, bucket, NULL, "/b/", opts, &res, NULL),
             COSV4_RESULT_NULL_ARGUMENT);
    CHECK_RC(cosv4_client_upload_dir(c, bucket, tree, NULL, opts, &res, NULL),
             COSV4_RESULT_NULL_ARGUMENT);
    CHECK_RC(cosv4_client_upload_dir(c, bucket, tree, "/b/", opts, NULL, NULL),
             COSV4_RESULT_NULL_ARGUMENT);
    CHECK_RC(cosv4_client_upload_dir(c, bucket, tree, "/b/\xff/", opts, &res, NULL),
             COSV4_RESULT_INVALID_UTF8);
    CHECK_RC(cosv4_client_upload_dir(c, bucket, tree, "no-slash/", opts, &res, NULL),
             COSV4_RESULT_INVALID_PATH);
    CHECK(res == NULL);

    /* The whole tree. */
    memset(&s, 0, sizeof s);
    s.monotonic = 1;
    cosv4_result rc = cosv4_client_upload_dir(c, bucket, tree, "/batch/", opts, &res, &err);
    if (rc) FAIL("upload_dir: %s", cosv4_error_message(err));
    CHECK(err == NULL);
    CHECK(cosv4_batch_result_uploaded(res) == 3);
    CHECK(cosv4_batch_result_folders(res) == 1);
    CHECK(cosv4_batch_result_skipped(res) == 0);
    CHECK(cosv4_batch_result_failed(res) == 0);
    CHECK(cosv4_batch_result_bytes_sent(res) == 100 + 200000 + 30);
    CHECK(cosv4_batch_result_count(res) == 4);
    CHECK(s.started == 3 && s.done == 4 && s.failed == 0);
    CHECK(s.bytes_sent == cosv4_batch_result_bytes_sent(res));
    CHECK(s.monotonic);
    CHECK(s.last_eta_ms == 0); /* the last report: nothing left */
    CHECK(s.last_elapsed_ms <= cosv4_batch_result_total_elapsed_ms(res));
    size_t n = cosv4_batch_result_count(res);
    int seen_folder = 0, seen_big = 0;
    for (size_t i = 0; i < n; i++) {
        const char *cos = cosv4_batch_result_cos_path(res, i);
        const char *local = cosv4_batch_result_local_path(res, i);
        CHECK(strncmp(cos, "/batch/", 7) == 0);
        CHECK(strncmp(local, tree, strlen(tree)) == 0);
        CHECK(strcmp(cosv4_batch_result_reason(res, i), "") == 0);
        CHECK(cosv4_batch_result_result_code(res, i) == COSV4_RESULT_OK);
        CHECK(cosv4_batch_result_http_status(res, i) == 0);
        CHECK(!cosv4_batch_result_has_cos_code(res, i));
        CHECK(cosv4_batch_result_cos_code(res, i) == 0);
        if (strcmp(cos, "/batch/empty/") == 0) {
            seen_folder = 1;
            CHECK(cosv4_batch_result_status(res, i) == COSV4_BATCH_STATUS_FOLDER);
            CHECK(cosv4_batch_result_bytes(res, i) == 0);
        } else {
            CHECK(cosv4_batch_result_status(res, i) == COSV4_BATCH_STATUS_UPLOADED);
        }
        if (strcmp(cos, "/batch/sub/b.bin") == 0) {
            seen_big = 1;
            CHECK(cosv4_batch_result_bytes(res, i) == 200000);
        }
    }
    CHECK(seen_folder && seen_big);
    /* A bad index and a NULL result give the defaults. */
    CHECK(strcmp(cosv4_batch_result_cos_path(res, n), "") == 0);
    CHECK(strcmp(cosv4_batch_result_local_path(res, n), "") == 0);
    CHECK(strcmp(cosv4_batch_result_reason(res, n), "") == 0);
    CHECK(cosv4_batch_result_status(res, n) == 0);
    CHECK(cosv4_batch_result_bytes(res, n) == 0);
    CHECK(cosv4_batch_result_result_code(res, n) == COSV4_RESULT_OK);
    CHECK(cosv4_batch_result_http_status(res, (size_t)-1) == 0);
    CHECK(!cosv4_batch_result_has_cos_code(res, n));
    CHECK(cosv4_batch_result_cos_code(res, n) == 0);
    CHECK(cosv4_batch_result_count(NULL) == 0);
    CHECK(cosv4_batch_result_uploaded(NULL) == 0 && cosv4_batch_result_folders(NULL) == 0);
    CHECK(cosv4_batch_result_skipped(NULL) == 0 && cosv4_batch_result_failed(NULL) == 0);
    CHECK(cosv4_batch_result_bytes_sent(NULL) == 0);
    CHECK(cosv4_batch_result_status(NULL, 0) == 0);
    CHECK(strcmp(cosv4_batch_result_cos_path(NULL, 0), "") == 0);
    cosv4_batch_result_free(res);
    res = NULL;
    cosv4_batch_result_free(NULL);
    cosv4_batch_options_free(NULL);
    check_file(c, bucket, "/batch/a.txt", 100);
    check_file(c, bucket, "/batch/sub/b.bin", 200000);
    check_file(c, bucket, "/batch/sub/deeper/c.txt", 30);
    {
        cosv4_stat *st = NULL;
        CHECK_OK(cosv4_client_stat(c, bucket, "/batch/empty/", &st, NULL));
        CHECK(cosv4_stat_is_folder(st));
        cosv4_stat_free(st);
    }

    /* Other content at a path, and insert-only: that file fails, its event carrying the
     * service's detail; the others end as before. */
    {
        static const uint8_t other[] = "other content";
        cosv4_upload_options *uo = NULL;
        cosv4_upload_result *up = NULL;
        CHECK_OK(cosv4_upload_options_new(&uo));
        CHECK_OK(cosv4_upload_options_set_insert_only(uo, 0));
        CHECK_OK(cosv4_client_upload_buffer(c, bucket, "/batch/a.txt", other, sizeof other - 1,
                                            uo, &up, NULL));
        cosv4_upload_result_free(up);
        cosv4_upload_options_free(uo);
        memset(&s, 0, sizeof s);
        s.monotonic = 1;
        rc = cosv4_client_upload_dir(c, bucket, tree, "/batch/", opts, &res, &err);
        if (rc) FAIL("upload_dir again: %s", cosv4_error_message(err));
        CHECK(s.failed == 1 && s.done == 3);
        CHECK(s.last_cos_code == -177 && s.last_http_status >= 400);
        CHECK(cosv4_batch_result_failed(res) == 1);
        CHECK(s.bytes_sent == cosv4_batch_result_bytes_sent(res));
        cosv4_batch_result_free(res);
        res = NULL;
    }

    /* Starting a batch from inside a callback is refused. */
    memset(&s, 0, sizeof s);
    s.monotonic = 1;
    s.client = c;
    s.bucket = bucket;
    s.try_nested = 1;
    s.stop_with = 9;
    rc = cosv4_client_upload_dir(c, bucket, tree, "/batch2/", opts, &res, &err);
    CHECK(s.nested_rc == COSV4_RESULT_RECURSIVE_API_CALL);
    /* Stopped by the file callback at its first DONE event. */
    CHECK_FAILED(rc, err, COSV4_RESULT_ABORTED_BY_CALLBACK);
    CHECK(cosv4_error_callback_value(err) == 9);
    CHECK(res == NULL);
    CHECK(s.done == 1);
    cosv4_error_free(err);
    err = NULL;

    cosv4_batch_options_free(opts);
    cosv4_client_free(c);
    printf("batch OK\n");
    return 0;
}
