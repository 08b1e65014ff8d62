/* Uploads against the emulator: progress events, results, simple and slice uploads, insert-only,
 * abort from the callback, a recursive call from the callback, a wrong secret key, and one
 * client shared by several threads. Prints "OBJECT <path>" for each object the Rust side then
 * compares with COS_TEST_FILE (or the documented content). */
#include "common.h"

#include <pthread.h>

typedef struct {
    int events;
    cosv4_progress last;
    int saw_hashing, saw_uploading, saw_done;
    int32_t abort_with;       /* return this ... */
    uint32_t abort_in_phase;  /* ... at the first event of this phase */
    cosv4_client *client;     /* for the recursive call */
    cosv4_upload_options *opts;
    int recursive_checked;
} watch;

static int32_t on_progress(void *userdata, const cosv4_progress *p) {
    watch *w = (watch *)userdata;
    CHECK(p != NULL);
    CHECK(p->phase >= COSV4_PHASE_HASHING && p->phase <= COSV4_PHASE_DONE);
    if (w->events > 0) {
        /* Cumulative and monotonic. */
        CHECK(p->phase >= w->last.phase);
        CHECK(p->bytes_done >= w->last.bytes_done);
        CHECK(p->bytes_hashed >= w->last.bytes_hashed);
        CHECK(p->slices_done >= w->last.slices_done);
        CHECK(p->bytes_total == w->last.bytes_total);
    }
    CHECK(p->bytes_done <= p->bytes_total && p->bytes_hashed <= p->bytes_total);
    CHECK(p->slices_done <= p->slices_total || p->slices_total == 0);
    w->saw_hashing |= p->phase == COSV4_PHASE_HASHING;
    w->saw_uploading |= p->phase == COSV4_PHASE_UPLOADING;
    w->saw_done |= p->phase == COSV4_PHASE_DONE;
    w->last = *p;
    w->events++;
    if (w->client && !w->recursive_checked) {
        /* Starting an upload from inside the callback is refused, not deadlocked. */
        cosv4_upload_result *res = NULL;
        cosv4_error *err = NULL;
        const uint8_t byte = 1;
        cosv4_result rc = cosv4_client_upload_buffer(w->client, env_req("COS_BUCKET"),
                                                     "/c/recursive.bin", &byte, 1, w->opts,
                                                     &res, &err);
        CHECK_FAILED(rc, err, COSV4_RESULT_RECURSIVE_API_CALL);
        CHECK(res == NULL);
        cosv4_error_free(err);
        /* Other calls are fine: changing the options affects later uploads only. */
        CHECK_OK(cosv4_upload_options_set_biz_attr(w->opts, "changed in callback"));
        w->recursive_checked = 1;
    }
    if (w->abort_with && p->phase == w->abort_in_phase) return w->abort_with;
    return 0;
}

static void check_done(const watch *w, uint64_t size) {
    CHECK(w->saw_done);
    CHECK(w->last.phase == COSV4_PHASE_DONE);
    CHECK(w->last.bytes_done == size && w->last.bytes_total == size);
    CHECK(w->last.slices_done == w->last.slices_total);
}

static void upload_file_with_progress(cosv4_client *c, const char *bucket, const char *file) {
    cosv4_upload_options *opts = NULL;
    cosv4_upload_result *res = NULL;
    cosv4_error *err = NULL;
    watch w;
    size_t size;
    free(read_all(file, &size));
    memset(&w, 0, sizeof w);
    w.client = c;
    CHECK_OK(cosv4_upload_options_new(&opts));
    w.opts = opts;
    CHECK_OK(cosv4_upload_options_set_biz_attr(opts, "from C"));
    CHECK_OK(cosv4_upload_options_set_progress(opts, on_progress, &w));
    err = (cosv4_error *)&w; /* must be overwritten with NULL on success */
    if (cosv4_client_upload_file(c, bucket, "/c/file.bin", file, opts, &res, &err) != 0)
        FAIL("upload_file: %s", cosv4_error_message(err));
    CHECK(err == NULL && res != NULL);
    CHECK(w.saw_hashing && w.saw_uploading && w.recursive_checked);
    check_done(&w, size);
    CHECK(cosv4_upload_result_method(res) == COSV4_METHOD_SLICES);
    CHECK(cosv4_upload_result_bytes_total(res) == size);
    CHECK(cosv4_upload_result_bytes_sent(res) == size);
    CHECK(cosv4_upload_result_slice_size(res) == 524288);
    CHECK(cosv4_upload_result_slices_total(res) == (size + 524287) / 524288);
    CHECK(cosv4_upload_result_slices_sent(res) == cosv4_upload_result_slices_total(res));
    CHECK(cosv4_upload_result_slices_skipped(res) == 0);
    CHECK(!cosv4_upload_result_resumed(res));
    CHECK(cosv4_upload_result_retries(res) == 0);
    CHECK(strlen(cosv4_upload_result_access_url(res)) > 0);
    printf("access_url=%s resource_path=%s source_url=%s url=%s events=%d\n",
           cosv4_upload_result_access_url(res), cosv4_upload_result_resource_path(res),
           cosv4_upload_result_source_url(res), cosv4_upload_result_url(res), w.events);
    printf("OBJECT /c/file.bin\n");
    cosv4_upload_result_free(res);
    cosv4_upload_options_free(opts);
}

static void upload_buffer_and_simple(cosv4_client *c, const char *bucket, const char *file) {
    cosv4_upload_options *opts = NULL;
    cosv4_upload_result *res = NULL;
    cosv4_error *err = NULL;
    size_t size;
    unsigned char *data = read_all(file, &size);
    static const char first[] = "first small content";
    static const char second[] = "second small content";
    watch w;

    /* No options, no error detail wanted. */
    CHECK_OK(cosv4_client_upload_buffer(c, bucket, "/c/buffer.bin", data, size, NULL, &res,
                                        NULL));
    CHECK(cosv4_upload_result_bytes_total(res) == size);
    cosv4_upload_result_free(res);
    printf("OBJECT /c/buffer.bin\n");
    free(data);

    /* A small buffer goes in one request; the final event still comes. */
    memset(&w, 0, sizeof w);
    CHECK_OK(cosv4_upload_options_new(&opts));
    CHECK_OK(cosv4_upload_options_set_progress(opts, on_progress, &w));
    CHECK_OK(cosv4_client_upload_buffer(c, bucket, "/c/small.txt", (const uint8_t *)first,
                                        strlen(first), opts, &res, &err));
    CHECK(cosv4_upload_result_method(res) == COSV4_METHOD_SIMPLE);
    CHECK(cosv4_upload_result_slice_size(res) == 0);
    check_done(&w, strlen(first));
    cosv4_upload_result_free(res);
    res = NULL;

    /* Other content at the same path: insert-only refuses (COS -177), overwrite works. */
    memset(&w, 0, sizeof w);
    {
        cosv4_result rc = cosv4_client_upload_buffer(c, bucket, "/c/small.txt",
                                                     (const uint8_t *)second, strlen(second),
                                                     opts, &res, &err);
        CHECK_FAILED(rc, err, COSV4_RESULT_FILE_EXISTS);
        CHECK(res == NULL);
        CHECK(cosv4_error_has_cos_code(err) && cosv4_error_cos_code(err) == -177);
        CHECK(cosv4_error_http_status(err) >= 400);
        printf("file exists: http %u cos %" PRId64 " (%s) %s\n", cosv4_error_http_status(err),
               cosv4_error_cos_code(err), cosv4_error_cos_message(err),
               cosv4_error_message(err));
        cosv4_error_free(err);
    }
    CHECK_OK(cosv4_upload_options_set_insert_only(opts, 0));
    memset(&w, 0, sizeof w);
    CHECK_OK(cosv4_client_upload_buffer(c, bucket, "/c/small.txt", (const uint8_t *)second,
                                        strlen(second), opts, &res, &err));
    cosv4_upload_result_free(res);
    printf("OBJECT /c/small.txt\n");

    /* An empty buffer (data may be NULL when len is 0). */
    CHECK_OK(cosv4_client_upload_buffer(c, bucket, "/c/empty", NULL, 0, NULL, &res, &err));
    CHECK(cosv4_upload_result_bytes_total(res) == 0);
    cosv4_upload_result_free(res);
    cosv4_upload_options_free(opts);
}

static void abort_from_callback(cosv4_client *c, const char *bucket, const char *file,
                                uint32_t phase, int32_t value) {
    cosv4_upload_options *opts = NULL;
    cosv4_upload_result *res = NULL;
    cosv4_error *err = NULL;
    cosv4_result rc;
    watch w;
    size_t size;
    /* Content the server does not have yet (else the upload is instant: no data phase). */
    unsigned char *data = read_all(file, &size);
    data[0] ^= 0x5a;
    memset(&w, 0, sizeof w);
    w.abort_with = value;
    w.abort_in_phase = phase;
    CHECK_OK(cosv4_upload_options_new(&opts));
    CHECK_OK(cosv4_upload_options_set_progress(opts, on_progress, &w));
    rc = cosv4_client_upload_buffer(c, bucket, "/c/abort.bin", data, size, opts, &res, &err);
    free(data);
    CHECK_FAILED(rc, err, COSV4_RESULT_ABORTED_BY_CALLBACK);
    CHECK(res == NULL);
    CHECK(cosv4_error_callback_value(err) == value);
    CHECK(cosv4_error_http_status(err) == 0 && !cosv4_error_has_cos_code(err));
    CHECK(w.last.phase == phase && !w.saw_done);
    cosv4_error_free(err);
    cosv4_upload_options_free(opts);
}

static void wrong_secret_key(const char *bucket) {
    cosv4_client *bad = test_client("not-the-secret-key");
    cosv4_upload_result *res = NULL;
    cosv4_error *err = NULL;
    static const char text[] = "denied";
    cosv4_result rc = cosv4_client_upload_buffer(bad, bucket, "/c/denied.txt",
                                                 (const uint8_t *)text, strlen(text), NULL,
                                                 &res, &err);
    CHECK_FAILED(rc, err, COSV4_RESULT_AUTH);
    CHECK(res == NULL);
    CHECK(cosv4_error_http_status(err) == 403);
    CHECK(cosv4_error_has_cos_code(err) && cosv4_error_cos_code(err) == -97);
    CHECK(strlen(cosv4_error_cos_message(err)) > 0);
    printf("auth: http %u cos %" PRId64 " cos_message=%s request_id=%s message=%s\n",
           cosv4_error_http_status(err), cosv4_error_cos_code(err),
           cosv4_error_cos_message(err), cosv4_error_request_id(err), cosv4_error_message(err));
    cosv4_error_free(err);
    cosv4_client_free(bad);
}

typedef struct {
    const cosv4_client *client;
    const char *bucket;
    int n;
    cosv4_result rc;
} job;

static void *upload_thread(void *arg) {
    job *j = (job *)arg;
    char path[64];
    size_t len = 100000 + (size_t)j->n * 1000, i;
    uint8_t *data = (uint8_t *)malloc(len);
    cosv4_upload_result *res = NULL;
    for (i = 0; i < len; i++) data[i] = (uint8_t)(i * 7 + (size_t)j->n);
    snprintf(path, sizeof path, "/c/thread-%d.bin", j->n);
    j->rc = cosv4_client_upload_buffer(j->client, j->bucket, path, data, len, NULL, &res, NULL);
    cosv4_upload_result_free(res);
    free(data);
    return NULL;
}

static void shared_client(cosv4_client *c, const char *bucket) {
    pthread_t t[4];
    job jobs[4];
    int i;
    for (i = 0; i < 4; i++) {
        jobs[i].client = c;
        jobs[i].bucket = bucket;
        jobs[i].n = i;
        jobs[i].rc = COSV4_RESULT_INTERNAL;
        CHECK(pthread_create(&t[i], NULL, upload_thread, &jobs[i]) == 0);
    }
    for (i = 0; i < 4; i++) {
        CHECK(pthread_join(t[i], NULL) == 0);
        CHECK_OK(jobs[i].rc);
    }
    printf("THREADS 4\n");
}

int main(void) {
    const char *bucket = env_req("COS_BUCKET");
    const char *file = env_req("COS_TEST_FILE");
    cosv4_client *c = test_client(NULL);
    upload_file_with_progress(c, bucket, file);
    upload_buffer_and_simple(c, bucket, file);
    abort_from_callback(c, bucket, file, COSV4_PHASE_HASHING, -1);
    abort_from_callback(c, bucket, file, COSV4_PHASE_UPLOADING, 42);
    wrong_secret_key(bucket);
    shared_client(c, bucket);
    cosv4_client_free(c);
    printf("api_upload OK\n");
    return 0;
}
