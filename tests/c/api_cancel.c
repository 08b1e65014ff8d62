/* Cancel from another thread: the upload stops promptly with COSV4_RESULT_CANCELLED, a
 * cancelled token stops the next upload at once, and a rerun with a new token resumes. The
 * emulator answers each slice slowly (COS_TEST_FILE has several slices). */
#include "common.h"

#include <pthread.h>

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int uploading;
    const cosv4_cancel_token *token;
    double cancelled_at;
} shared;

static int32_t on_progress(void *userdata, const cosv4_progress *p) {
    shared *s = (shared *)userdata;
    if (p->phase == COSV4_PHASE_UPLOADING) {
        pthread_mutex_lock(&s->lock);
        s->uploading = 1;
        pthread_cond_signal(&s->cond);
        pthread_mutex_unlock(&s->lock);
    }
    return 0;
}

/* Waits until data is being sent, lets a slice get under way, then cancels. */
static void *canceller(void *arg) {
    shared *s = (shared *)arg;
    pthread_mutex_lock(&s->lock);
    while (!s->uploading) pthread_cond_wait(&s->cond, &s->lock);
    pthread_mutex_unlock(&s->lock);
    sleep_ms(200);
    s->cancelled_at = now_s();
    CHECK_OK(cosv4_cancel_token_cancel(s->token));
    return NULL;
}

int main(void) {
    const char *bucket = env_req("COS_BUCKET");
    const char *file = env_req("COS_TEST_FILE");
    cosv4_client *c = test_client(NULL);
    cosv4_cancel_token *token = NULL, *fresh = NULL;
    cosv4_upload_options *opts = NULL;
    cosv4_upload_result *res = NULL;
    cosv4_error *err = NULL;
    pthread_t thread;
    shared s;
    cosv4_result rc;
    double returned_at, t0;

    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.cond, NULL);
    CHECK_OK(cosv4_cancel_token_new(&token));
    s.token = token;
    CHECK_OK(cosv4_upload_options_new(&opts));
    CHECK_OK(cosv4_upload_options_set_cancel_token(opts, token));
    CHECK_OK(cosv4_upload_options_set_progress(opts, on_progress, &s));
    CHECK(pthread_create(&thread, NULL, canceller, &s) == 0);

    rc = cosv4_client_upload_file(c, bucket, "/c/cancel.bin", file, opts, &res, &err);
    returned_at = now_s();
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK_FAILED(rc, err, COSV4_RESULT_CANCELLED);
    CHECK(res == NULL && cosv4_cancel_token_is_cancelled(token));
    printf("CANCEL_LATENCY_MS %.0f\n", (returned_at - s.cancelled_at) * 1000.0);
    cosv4_error_free(err);

    /* The token stays cancelled: the next upload with it stops before sending anything. */
    t0 = now_s();
    rc = cosv4_client_upload_file(c, bucket, "/c/cancel.bin", file, opts, &res, &err);
    CHECK_FAILED(rc, err, COSV4_RESULT_CANCELLED);
    CHECK(now_s() - t0 < 1.0);
    cosv4_error_free(err);

    /* Other content at the path of the unfinished upload: a conflict, not an overwrite. */
    {
        size_t size;
        unsigned char *other = read_all(file, &size);
        other[size - 1] ^= 0x33;
        rc = cosv4_client_upload_buffer(c, bucket, "/c/cancel.bin", other, size, NULL, &res,
                                        &err);
        CHECK_FAILED(rc, err, COSV4_RESULT_UPLOAD_CONFLICT);
        CHECK(cosv4_error_has_cos_code(err));
        printf("conflict: cos %" PRId64 " %s\n", cosv4_error_cos_code(err),
               cosv4_error_message(err));
        cosv4_error_free(err);
        free(other);
    }

    /* A new token: the rerun resumes the unfinished upload. The caller's handle of the old
     * token may go first; the options hold their own reference until replaced. */
    cosv4_cancel_token_free(token);
    CHECK_OK(cosv4_cancel_token_new(&fresh));
    CHECK_OK(cosv4_upload_options_set_cancel_token(opts, fresh));
    cosv4_cancel_token_free(fresh);
    s.uploading = 0;
    rc = cosv4_client_upload_file(c, bucket, "/c/cancel.bin", file, opts, &res, &err);
    if (rc != COSV4_RESULT_OK) FAIL("rerun: %s", cosv4_error_message(err));
    CHECK(cosv4_upload_result_resumed(res));
    printf("RESUMED skipped=%" PRIu64 " sent=%" PRIu64 "\n",
           cosv4_upload_result_slices_skipped(res), cosv4_upload_result_slices_sent(res));
    printf("OBJECT /c/cancel.bin\n");
    cosv4_upload_result_free(res);
    cosv4_upload_options_free(opts);
    cosv4_client_free(c);
    pthread_cond_destroy(&s.cond);
    pthread_mutex_destroy(&s.lock);
    printf("api_cancel OK\n");
    return 0;
}
