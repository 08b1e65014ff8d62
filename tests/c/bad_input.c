/* Bad input through the C API: one line per case of docs/BAD-INPUT.md,
 *
 *     #<n> <RESULT_NAME> <message>
 *
 * where <message> is cosv4_error_message() for functions that report a detail, and
 * cosv4_strerror() for those that only return a code. tests/bad_input.rs compares every line
 * with the table row of the same number. "#<n> SKIP <why>" marks a case that cannot run here,
 * "#<n> HANG ..." one that blocked until this program unblocked it.
 *
 * Environment: COS_APPID, COS_SECRET_ID, COS_SECRET_KEY, COS_BUCKET, COS_ENDPOINT (an emulator
 * that answers every slice after a delay), COS_FAKE_ENDPOINT (the scripted server of
 * tests/bad_input.rs), COS_TEST_DIR (an empty scratch directory). */
#include "common.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#define NUL COSV4_RESULT_NULL_ARGUMENT

static const char BAD[] = "b\xff\xfe";
static const char *bucket;
static char scratch[1024];

/* ---- reporting ---- */

static void print_line(int n, const char *name, const char *message) {
    const char *p;
    printf("#%d %s ", n, name);
    for (p = message; *p; p++) putchar(*p == '\n' || *p == '\r' ? ' ' : *p);
    putchar('\n');
    fflush(stdout);
}

/* Prints the case's outcome and frees the detail (err may be NULL: then strerror). */
static void report(int n, cosv4_result rc, cosv4_error *err) {
    print_line(n, cosv4_result_name(rc), err ? cosv4_error_message(err) : cosv4_strerror(rc));
    cosv4_error_free(err);
}

/* One NULL argument tried: its name, the code, the detail (NULL for code-only functions). */
typedef struct {
    const char *arg;
    cosv4_result rc;
    cosv4_error *err;
} null_try;

static null_try code_only(const char *arg, cosv4_result rc) {
    null_try t;
    t.arg = arg;
    t.rc = rc;
    t.err = NULL;
    return t;
}

/* A row of NULL arguments: every try must give NULL_ARGUMENT, and a detail must name its
 * argument. Prints the first try's outcome, or the first one that differs. */
static void null_row(int n, null_try *tries, size_t count) {
    size_t i, bad = count;
    for (i = 0; i < count && bad == count; i++) {
        const char *msg = tries[i].err ? cosv4_error_message(tries[i].err) : "";
        if (tries[i].rc != NUL || (tries[i].err && !strstr(msg, tries[i].arg))) bad = i;
    }
    if (bad == count) {
        report(n, tries[0].rc, tries[0].err);
        tries[0].err = NULL;
    } else {
        char text[512];
        snprintf(text, sizeof text, "(NULL %s) %s", tries[bad].arg,
                 tries[bad].err ? cosv4_error_message(tries[bad].err)
                                : cosv4_strerror(tries[bad].rc));
        print_line(n, cosv4_result_name(tries[bad].rc), text);
    }
    for (i = 0; i < count; i++) cosv4_error_free(tries[i].err);
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- set-up ---- */

static cosv4_config *config_for(const char *endpoint) {
    cosv4_config *cfg = test_config(NULL);
    CHECK_OK(cosv4_config_set_endpoint(cfg, endpoint));
    CHECK_OK(cosv4_config_set_connect_timeout_ms(cfg, 2000));
    CHECK_OK(cosv4_config_set_stall_timeout_ms(cfg, 3000));
    CHECK_OK(cosv4_config_set_request_timeout_ms(cfg, 5000));
    return cfg;
}

static cosv4_client *client_for(const char *endpoint) {
    cosv4_client *client = NULL;
    cosv4_error *err = NULL;
    if (cosv4_client_new(config_for(endpoint), &client, &err) != COSV4_RESULT_OK)
        FAIL("client for %s: %s", endpoint, cosv4_error_message(err));
    return client;
}

static const char *path_in_scratch(const char *name) {
    static char buf[4][1100];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, sizeof buf[0], "%s/%s", scratch, name);
    return p;
}

/* Writes `len` bytes of test content to a scratch file with an old mtime (so that a later
 * write surely changes it); returns its path. */
static const char *make_file(const char *name, size_t len) {
    const char *path = path_in_scratch(name);
    FILE *f = fopen(path, "wb");
    size_t i;
    struct timespec old[2];
    CHECK(f != NULL);
    for (i = 0; i < len; i++) fputc((int)((i * 131 + len) & 0xff), f);
    CHECK(fclose(f) == 0);
    old[0].tv_sec = old[1].tv_sec = 1000000000;
    old[0].tv_nsec = old[1].tv_nsec = 0;
    CHECK(utimensat(AT_FDCWD, path, old, 0) == 0);
    return path;
}

static unsigned char *buffer_of(size_t len) {
    unsigned char *b = (unsigned char *)malloc(len);
    size_t i;
    CHECK(b != NULL);
    for (i = 0; i < len; i++) b[i] = (unsigned char)(i * 7 + 3);
    return b;
}

/* ---- 1-10: NULL arguments ---- */

static null_try up_file(const char *arg, const cosv4_client *c, const char *b, const char *p,
                        const char *l, cosv4_upload_result **out) {
    null_try t;
    t.arg = arg;
    t.err = NULL;
    t.rc = cosv4_client_upload_file(c, b, p, l, NULL, out, &t.err);
    return t;
}

static null_try up_buf(const char *arg, const cosv4_client *c, const char *b, const char *p,
                       const uint8_t *d, size_t len, cosv4_upload_result **out) {
    null_try t;
    t.arg = arg;
    t.err = NULL;
    t.rc = cosv4_client_upload_buffer(c, b, p, d, len, NULL, out, &t.err);
    return t;
}

static null_try new_client(const char *arg, cosv4_config *cfg, cosv4_client **out) {
    null_try t;
    t.arg = arg;
    t.err = NULL;
    t.rc = cosv4_client_new(cfg, out, &t.err);
    return t;
}

static int32_t never_called(void *ud, const cosv4_progress *p) {
    (void)ud;
    (void)p;
    return 0;
}

static void null_arguments(cosv4_client *c) {
    cosv4_config *cfg = NULL;
    cosv4_upload_result *res = NULL;
    const uint8_t data[4] = {1, 2, 3, 4};
    char buf[512];
    size_t n = 0;
    {
        null_try t[3];
        t[0] = code_only("secret_id", cosv4_config_new(1, NULL, "k", &cfg));
        t[1] = code_only("secret_key", cosv4_config_new(1, "id", NULL, &cfg));
        t[2] = code_only("out", cosv4_config_new(1, "id", "k", NULL));
        null_row(1, t, COUNT(t));
    }
    {
        null_try t[18];
        cosv4_config *ok = test_config(NULL);
        t[0] = code_only("cfg", cosv4_config_set_region(NULL, "gz"));
        t[1] = code_only("cfg", cosv4_config_set_endpoint(NULL, "http://x"));
        t[2] = code_only("cfg", cosv4_config_set_https(NULL, 1));
        t[3] = code_only("cfg", cosv4_config_set_slice_size(NULL, 524288));
        t[4] = code_only("cfg", cosv4_config_set_workers(NULL, 2));
        t[5] = code_only("cfg", cosv4_config_set_integrity(NULL, 1));
        t[6] = code_only("cfg", cosv4_config_set_simple_threshold(NULL, 1));
        t[7] = code_only("cfg", cosv4_config_set_retries(NULL, 1));
        t[8] = code_only("cfg", cosv4_config_set_connect_timeout_ms(NULL, 1));
        t[9] = code_only("cfg", cosv4_config_set_stall_timeout_ms(NULL, 1));
        t[10] = code_only("cfg", cosv4_config_set_request_timeout_ms(NULL, 1));
        t[11] = code_only("cfg", cosv4_config_set_sign_lifetime(NULL, 1));
        t[12] = code_only("cfg", cosv4_config_set_env_proxy(NULL, 0));
        t[13] = code_only("cfg", cosv4_config_set_user_agent(NULL, "ua"));
        t[14] = code_only("cfg", cosv4_config_set_proxy(NULL, NULL));
        t[15] = code_only("region", cosv4_config_set_region(ok, NULL));
        t[16] = code_only("base_url", cosv4_config_set_endpoint(ok, NULL));
        t[17] = code_only("user_agent", cosv4_config_set_user_agent(ok, NULL));
        null_row(2, t, COUNT(t));
        cosv4_config_free(ok);
    }
    {
        null_try t[2];
        cosv4_client *client = NULL;
        t[0] = new_client("cfg", NULL, &client);
        t[1] = new_client("out", test_config(NULL), NULL); /* consumed anyway */
        null_row(3, t, COUNT(t));
        CHECK(client == NULL);
    }
    {
        null_try t[2];
        t[0] = code_only("out", cosv4_cancel_token_new(NULL));
        t[1] = code_only("token", cosv4_cancel_token_cancel(NULL));
        null_row(4, t, COUNT(t));
    }
    {
        null_try t[8];
        cosv4_upload_options *opts = NULL;
        CHECK_OK(cosv4_upload_options_new(&opts));
        t[0] = code_only("out", cosv4_upload_options_new(NULL));
        t[1] = code_only("opts", cosv4_upload_options_set_biz_attr(NULL, "x"));
        t[2] = code_only("opts", cosv4_upload_options_set_insert_only(NULL, 1));
        t[3] = code_only("opts", cosv4_upload_options_set_replace_stale(NULL, 1));
        t[4] = code_only("opts", cosv4_upload_options_set_progress(NULL, never_called, NULL));
        t[5] = code_only("opts", cosv4_upload_options_set_cancel_token(NULL, NULL));
        t[6] = code_only("biz_attr", cosv4_upload_options_set_biz_attr(opts, NULL));
        t[7] = code_only("opts", cosv4_upload_options_set_create_parents(NULL, 1));
        null_row(5, t, COUNT(t));
        cosv4_upload_options_free(opts);
    }
    {
        null_try t[5];
        t[0] = up_file("client", NULL, bucket, "/p", "f", &res);
        t[1] = up_file("bucket", c, NULL, "/p", "f", &res);
        t[2] = up_file("cos_path", c, bucket, NULL, "f", &res);
        t[3] = up_file("local_path", c, bucket, "/p", NULL, &res);
        t[4] = up_file("out", c, bucket, "/p", "f", NULL);
        null_row(6, t, COUNT(t));
    }
    {
        null_try t[5];
        t[0] = up_buf("client", NULL, bucket, "/p", data, 4, &res);
        t[1] = up_buf("bucket", c, NULL, "/p", data, 4, &res);
        t[2] = up_buf("cos_path", c, bucket, NULL, data, 4, &res);
        t[3] = up_buf("data", c, bucket, "/p", NULL, 4, &res);
        t[4] = up_buf("out", c, bucket, "/p", data, 4, NULL);
        null_row(7, t, COUNT(t));
    }
    {
        null_try t[4];
        t[0] = code_only("client", cosv4_client_sign_multi(NULL, bucket, NULL, 60, buf, 512, &n));
        t[1] = code_only("bucket", cosv4_client_sign_multi(c, NULL, NULL, 60, buf, 512, &n));
        t[2] = code_only("buf", cosv4_client_sign_multi(c, bucket, NULL, 60, NULL, 512, &n));
        t[3] = code_only("out_len", cosv4_client_sign_multi(c, bucket, NULL, 60, buf, 512, NULL));
        null_row(8, t, COUNT(t));
    }
    {
        null_try t[5];
        t[0] = code_only("client", cosv4_client_sign_once(NULL, bucket, "/p", buf, 512, &n));
        t[1] = code_only("bucket", cosv4_client_sign_once(c, NULL, "/p", buf, 512, &n));
        t[2] = code_only("cos_path", cosv4_client_sign_once(c, bucket, NULL, buf, 512, &n));
        t[3] = code_only("buf", cosv4_client_sign_once(c, bucket, "/p", NULL, 512, &n));
        t[4] = code_only("out_len", cosv4_client_sign_once(c, bucket, "/p", buf, 512, NULL));
        null_row(9, t, COUNT(t));
    }
    CHECK(res == NULL && cfg == NULL);
    {
        /* Accessors return their documented defaults, frees do nothing. */
        int ok = cosv4_error_code(NULL) == NUL && cosv4_error_http_status(NULL) == 0 &&
                 !cosv4_error_has_cos_code(NULL) && cosv4_error_cos_code(NULL) == 0 &&
                 !*cosv4_error_cos_message(NULL) && !*cosv4_error_request_id(NULL) &&
                 !*cosv4_error_message(NULL) && cosv4_error_callback_value(NULL) == 0 &&
                 !*cosv4_upload_result_access_url(NULL) &&
                 !*cosv4_upload_result_resource_path(NULL) &&
                 !*cosv4_upload_result_source_url(NULL) && !*cosv4_upload_result_url(NULL) &&
                 cosv4_upload_result_method(NULL) == 0 && !cosv4_upload_result_resumed(NULL) &&
                 cosv4_upload_result_bytes_total(NULL) == 0 &&
                 cosv4_upload_result_bytes_sent(NULL) == 0 &&
                 cosv4_upload_result_slices_total(NULL) == 0 &&
                 cosv4_upload_result_slices_sent(NULL) == 0 &&
                 cosv4_upload_result_slices_skipped(NULL) == 0 &&
                 cosv4_upload_result_retries(NULL) == 0 &&
                 cosv4_upload_result_slice_size(NULL) == 0 &&
                 !cosv4_cancel_token_is_cancelled(NULL) &&
                 cosv4_batch_result_uploaded(NULL) == 0 &&
                 cosv4_batch_result_folders(NULL) == 0 &&
                 cosv4_batch_result_skipped(NULL) == 0 &&
                 cosv4_batch_result_failed(NULL) == 0 &&
                 cosv4_batch_result_bytes_sent(NULL) == 0 &&
                 cosv4_batch_result_count(NULL) == 0 &&
                 !*cosv4_batch_result_local_path(NULL, 0) &&
                 !*cosv4_batch_result_cos_path(NULL, 0) &&
                 cosv4_batch_result_status(NULL, 0) == 0 &&
                 cosv4_batch_result_bytes(NULL, 0) == 0 &&
                 !*cosv4_batch_result_reason(NULL, 0) &&
                 cosv4_batch_result_result_code(NULL, 0) == COSV4_RESULT_OK &&
                 cosv4_batch_result_http_status(NULL, 0) == 0 &&
                 !cosv4_batch_result_has_cos_code(NULL, 0) &&
                 cosv4_batch_result_cos_code(NULL, 0) == 0 &&
                 cosv4_batch_result_elapsed_ms(NULL, 0) == 0 &&
                 cosv4_batch_result_total_elapsed_ms(NULL) == 0 &&
                 cosv4_batch_list_count(NULL) == 0;
        cosv4_batch_options_free(NULL);
        cosv4_batch_result_free(NULL);
        cosv4_batch_list_free(NULL);
        cosv4_config_free(NULL);
        cosv4_client_free(NULL);
        cosv4_cancel_token_free(NULL);
        cosv4_upload_options_free(NULL);
        cosv4_upload_result_free(NULL);
        cosv4_error_free(NULL);
        print_line(10, ok ? "COSV4_RESULT_OK" : "WRONG_DEFAULT",
                   ok ? "accessors returned their defaults" : "an accessor's NULL default");
    }
}

/* ---- 11-36: strings and values (11, 12 in utf8_uploads) ---- */

static void upload_buf_row(int n, cosv4_client *c, const char *b, const char *p) {
    cosv4_upload_result *res = NULL;
    cosv4_error *err = NULL;
    const uint8_t data[4] = {1, 2, 3, 4};
    cosv4_result rc = cosv4_client_upload_buffer(c, b, p, data, 4, NULL, &res, &err);
    CHECK(res == NULL || rc == COSV4_RESULT_OK);
    cosv4_upload_result_free(res);
    report(n, rc, err);
}

static void upload_file_row(int n, cosv4_client *c, const char *cos_path, const char *local) {
    cosv4_upload_result *res = NULL;
    cosv4_error *err = NULL;
    cosv4_result rc = cosv4_client_upload_file(c, bucket, cos_path, local, NULL, &res, &err);
    cosv4_upload_result_free(res);
    report(n, rc, err);
}

/* A config setter on a fresh config; code only. */
static void config_row(int n, cosv4_result (*set_text)(cosv4_config *, const char *),
                       const char *text) {
    cosv4_config *cfg = test_config(NULL);
    report(n, set_text(cfg, text), NULL);
    cosv4_config_free(cfg);
}

static void number_row(int n, cosv4_result (*set)(cosv4_config *, uint64_t), uint64_t v) {
    cosv4_config *cfg = test_config(NULL);
    report(n, set(cfg, v), NULL);
    cosv4_config_free(cfg);
}

static cosv4_result set_workers64(cosv4_config *cfg, uint64_t v) {
    return cosv4_config_set_workers(cfg, (uint32_t)v);
}

static void strings_and_values(cosv4_client *c) {
    cosv4_config *cfg = NULL;
    cosv4_upload_options *opts = NULL;
    char *long_path;

    /* Invalid UTF-8 in every string argument. */
    report(13, cosv4_config_new(1, BAD, "k", &cfg), NULL);
    report(14, cosv4_config_new(1, "id", BAD, &cfg), NULL);
    config_row(15, cosv4_config_set_region, BAD);
    config_row(16, cosv4_config_set_endpoint, BAD);
    config_row(17, cosv4_config_set_user_agent, BAD);
    config_row(18, cosv4_config_set_proxy, BAD);
    CHECK_OK(cosv4_upload_options_new(&opts));
    report(19, cosv4_upload_options_set_biz_attr(opts, BAD), NULL);
    cosv4_upload_options_free(opts);

    /* Empty strings. */
    upload_buf_row(20, c, "", "/p");
    upload_buf_row(21, c, bucket, "");
    report(22, cosv4_config_new(1, "", "k", &cfg), NULL);
    report(23, cosv4_config_new(1, "id", "", &cfg), NULL);
    config_row(24, cosv4_config_set_endpoint, "");
    CHECK(cfg == NULL);

    /* cos paths and bucket names. */
    upload_buf_row(25, c, bucket, "no-slash.bin");
    upload_buf_row(26, c, bucket, "/dir/");
    upload_buf_row(27, c, bucket, "/a//b.bin");
    long_path = (char *)malloc(4098);
    CHECK(long_path != NULL);
    memset(long_path, 'a', 4097);
    long_path[0] = '/';
    long_path[4097] = '\0';
    upload_buf_row(28, c, bucket, long_path);
    free(long_path);
    upload_buf_row(29, c, "my_bucket", "/p");
    upload_buf_row(30, c, "a/b", "/p");

    /* Numbers. */
    report(31, cosv4_config_new(0, "id", "k", &cfg), NULL);
    number_row(32, cosv4_config_set_slice_size, 0);
    number_row(33, cosv4_config_set_slice_size, 1000);
    number_row(34, cosv4_config_set_slice_size, 4194304);
    number_row(35, set_workers64, 0);
    number_row(36, set_workers64, 10000);
}

static void utf8_uploads(cosv4_client *c) {
    cosv4_upload_result *res = NULL;
    cosv4_error *err = NULL;
    const uint8_t data[4] = {1, 2, 3, 4};
    cosv4_result rc = cosv4_client_upload_file(c, BAD, "/p", "f", NULL, &res, &err);
    report(11, rc, err);
    err = NULL;
    rc = cosv4_client_upload_buffer(c, bucket, BAD, data, 4, NULL, &res, &err);
    report(12, rc, err);
    CHECK(res == NULL);
}

/* ---- 37-43: local files ---- */

typedef struct {
    pthread_mutex_t lock;
    int done, hung;
    const char *fifo;
} fifo_watch;

#define FIFO_PATIENCE_MS 2000

/* After FIFO_PATIENCE_MS, opens the FIFO for writing so that a reader blocked in open() gets
 * going. */
static void *fifo_watchdog(void *arg) {
    fifo_watch *w = (fifo_watch *)arg;
    int i, done = 0;
    for (i = 0; i < FIFO_PATIENCE_MS / 50 && !done; i++) {
        sleep_ms(50);
        pthread_mutex_lock(&w->lock);
        done = w->done;
        pthread_mutex_unlock(&w->lock);
    }
    if (!done) {
        int fd = open(w->fifo, O_WRONLY | O_NONBLOCK);
        pthread_mutex_lock(&w->lock);
        w->hung = 1;
        pthread_mutex_unlock(&w->lock);
        if (fd >= 0) close(fd);
    }
    return NULL;
}

static void fifo_row(int n, cosv4_client *c) {
    fifo_watch w;
    pthread_t t;
    cosv4_upload_result *res = NULL;
    cosv4_error *err = NULL;
    cosv4_result rc;
    memset(&w, 0, sizeof w);
    pthread_mutex_init(&w.lock, NULL);
    w.fifo = path_in_scratch("fifo");
    CHECK(mkfifo(w.fifo, 0600) == 0);
    CHECK(pthread_create(&t, NULL, fifo_watchdog, &w) == 0);
    rc = cosv4_client_upload_file(c, bucket, "/bad/fifo.bin", w.fifo, NULL, &res, &err);
    pthread_mutex_lock(&w.lock);
    w.done = 1;
    pthread_mutex_unlock(&w.lock);
    CHECK(pthread_join(t, NULL) == 0);
    cosv4_upload_result_free(res);
    if (w.hung) {
        char text[600];
        snprintf(text, sizeof text,
                 "the upload blocked in open() until a writer opened the FIFO %d ms later; "
                 "then: %s %s", FIFO_PATIENCE_MS, cosv4_result_name(rc), cosv4_error_message(err));
        print_line(n, "HANG", text);
        cosv4_error_free(err);
    } else {
        report(n, rc, err);
    }
    pthread_mutex_destroy(&w.lock);
}

/* What the progress callback does to the file at the first uploading event. */
typedef enum { GROW, SHRINK, REWRITE } change;

typedef struct {
    const char *path;
    change how;
    int done;
} changer;

static int32_t change_file(void *userdata, const cosv4_progress *p) {
    changer *ch = (changer *)userdata;
    if (p->phase == COSV4_PHASE_UPLOADING && !ch->done) {
        int fd = open(ch->path, O_WRONLY);
        CHECK(fd >= 0);
        if (ch->how == GROW) CHECK(pwrite(fd, "more", 4, (off_t)p->bytes_total) == 4);
        if (ch->how == SHRINK) CHECK(ftruncate(fd, (off_t)(p->bytes_total / 2)) == 0);
        if (ch->how == REWRITE) CHECK(pwrite(fd, "X", 1, 0) == 1); /* size kept, mtime new */
        CHECK(close(fd) == 0);
        ch->done = 1;
    }
    return 0;
}

static void changing_file_row(int n, cosv4_client *c, change how, const char *name) {
    changer ch;
    cosv4_upload_options *opts = NULL;
    cosv4_upload_result *res = NULL;
    cosv4_error *err = NULL;
    char cos_path[64];
    cosv4_result rc;
    ch.path = make_file(name, 4 * 524288 - 1000); /* 4 slices */
    ch.how = how;
    ch.done = 0;
    snprintf(cos_path, sizeof cos_path, "/bad/%s", name);
    CHECK_OK(cosv4_upload_options_new(&opts));
    CHECK_OK(cosv4_upload_options_set_progress(opts, change_file, &ch));
    rc = cosv4_client_upload_file(c, bucket, cos_path, ch.path, opts, &res, &err);
    CHECK(ch.done);
    cosv4_upload_result_free(res);
    cosv4_upload_options_free(opts);
    report(n, rc, err);
}

static void local_files(cosv4_client *c) {
    const char *unreadable;
    upload_file_row(37, c, "/bad/missing.bin", path_in_scratch("missing.bin"));
    upload_file_row(38, c, "/bad/dir.bin", scratch);
    fifo_row(39, c);
    unreadable = make_file("unreadable.bin", 10);
    CHECK(chmod(unreadable, 0) == 0);
    if (geteuid() == 0)
        print_line(40, "SKIP", "running as root: chmod 000 does not stop root from reading");
    else
        upload_file_row(40, c, "/bad/unreadable.bin", unreadable);
    changing_file_row(41, c, GROW, "grows.bin");
    changing_file_row(42, c, SHRINK, "shrinks.bin");
    changing_file_row(43, c, REWRITE, "rewritten.bin");
}

/* ---- 44-49: endpoints ---- */

static void endpoints(void) {
    const char *emu = env_req("COS_ENDPOINT");
    char https[256];
    cosv4_client *c;
    config_row(44, cosv4_config_set_endpoint, "ftp://x");
    config_row(45, cosv4_config_set_endpoint, "http://");
    config_row(46, cosv4_config_set_endpoint, "http://h:99999");
    config_row(47, cosv4_config_set_endpoint, "http://h/?q");
    {
        double t0 = now_s();
        c = client_for("http://nonexistent.invalid:1");
        upload_buf_row(48, c, bucket, "/bad/unresolvable.bin");
        cosv4_client_free(c);
        if (now_s() - t0 > 10) FAIL("the unresolvable host took %.1f s", now_s() - t0);
    }
    CHECK(strncmp(emu, "http://", 7) == 0);
    snprintf(https, sizeof https, "https://%s", emu + 7);
    c = client_for(https);
    upload_buf_row(49, c, bucket, "/bad/https.bin");
    cosv4_client_free(c);
}

/* ---- 50-58, 79-81: the scripted server (the cos path names the script) ---- */

static void scripted(void) {
    cosv4_client *c = client_for(env_req("COS_FAKE_ENDPOINT"));
    const size_t big = 1100000; /* 3 slices of 512 KiB */
    unsigned char *data = buffer_of(big);
    static const struct {
        int n;
        const char *path;
        int slices;
    } cases[] = {
        {50, "/fake/notjson.bin", 0},     {51, "/fake/truncated.bin", 0},
        {52, "/fake/oversized.bin", 0},   {53, "/fake/badoffset.bin", 1},
        {54, "/fake/badsession.bin", 1},  {55, "/fake/nosession.bin", 1},
        {56, "/fake/finisherror.bin", 1}, {57, "/fake/conflict4020.bin", 1},
        {58, "/fake/auth97.bin", 0},      {79, "/fake/slice64.bin", 1},
        {80, "/fake/finish503.bin", 1},   {81, "/fake/unknownsession.bin", 1},
    };
    size_t i;
    for (i = 0; i < COUNT(cases); i++) {
        cosv4_upload_result *res = NULL;
        cosv4_error *err = NULL;
        size_t len = cases[i].slices ? big : 1000;
        cosv4_result rc =
            cosv4_client_upload_buffer(c, bucket, cases[i].path, data, len, NULL, &res, &err);
        cosv4_upload_result_free(res);
        report(cases[i].n, rc, err);
    }
    free(data);
    cosv4_client_free(c);
}

/* ---- 59-62: callbacks and cancel ---- */

typedef struct {
    cosv4_client *client;
    const cosv4_cancel_token *token;
    int calls;
    cosv4_result inner;
    char inner_message[512];
} cb_state;

static int32_t abort_at_once(void *userdata, const cosv4_progress *p) {
    (void)userdata;
    (void)p;
    return 7;
}

static int32_t call_again(void *userdata, const cosv4_progress *p) {
    cb_state *s = (cb_state *)userdata;
    (void)p;
    if (s->calls++ == 0) {
        cosv4_upload_result *res = NULL;
        cosv4_error *err = NULL;
        const uint8_t byte = 1;
        s->inner = cosv4_client_upload_buffer(s->client, bucket, "/bad/inner.bin", &byte, 1,
                                              NULL, &res, &err);
        snprintf(s->inner_message, sizeof s->inner_message, "%s", cosv4_error_message(err));
        cosv4_upload_result_free(res);
        cosv4_error_free(err);
    }
    return 0;
}

static int32_t cancel_twice(void *userdata, const cosv4_progress *p) {
    cb_state *s = (cb_state *)userdata;
    (void)p;
    if (s->calls++ == 0) {
        CHECK_OK(cosv4_cancel_token_cancel(s->token));
        CHECK_OK(cosv4_cancel_token_cancel(s->token));
    }
    return 0;
}

static void callbacks(cosv4_client *c) {
    unsigned char *data = buffer_of(200000);
    cosv4_upload_options *opts = NULL;
    cosv4_cancel_token *token = NULL;
    cosv4_upload_result *res = NULL;
    cosv4_error *err = NULL;
    cb_state s;
    cosv4_result rc;

    CHECK_OK(cosv4_upload_options_new(&opts));
    CHECK_OK(cosv4_upload_options_set_progress(opts, abort_at_once, NULL));
    rc = cosv4_client_upload_buffer(c, bucket, "/bad/abort.bin", data, 200000, opts, &res, &err);
    if (rc == COSV4_RESULT_ABORTED_BY_CALLBACK && cosv4_error_callback_value(err) != 7)
        FAIL("callback value %d, want 7", cosv4_error_callback_value(err));
    report(59, rc, err);
    err = NULL;

    memset(&s, 0, sizeof s);
    s.client = c;
    CHECK_OK(cosv4_upload_options_set_progress(opts, call_again, &s));
    rc = cosv4_client_upload_buffer(c, bucket, "/bad/outer.bin", data, 200000, opts, &res, &err);
    CHECK(s.calls > 0);
    if (rc != COSV4_RESULT_OK) FAIL("outer upload: %s", cosv4_error_message(err));
    cosv4_upload_result_free(res);
    res = NULL;
    print_line(60, cosv4_result_name(s.inner), s.inner_message);

    CHECK_OK(cosv4_cancel_token_new(&token));
    CHECK_OK(cosv4_cancel_token_cancel(token));
    CHECK_OK(cosv4_upload_options_set_progress(opts, NULL, NULL));
    CHECK_OK(cosv4_upload_options_set_cancel_token(opts, token));
    cosv4_cancel_token_free(token);
    rc = cosv4_client_upload_buffer(c, bucket, "/bad/cancelled.bin", data, 200000, opts, &res,
                                    &err);
    report(61, rc, err);
    err = NULL;

    memset(&s, 0, sizeof s);
    CHECK_OK(cosv4_cancel_token_new(&token));
    s.token = token;
    CHECK_OK(cosv4_upload_options_set_cancel_token(opts, token));
    CHECK_OK(cosv4_upload_options_set_progress(opts, cancel_twice, &s));
    rc = cosv4_client_upload_buffer(c, bucket, "/bad/cancel2.bin", data, 200000, opts, &res,
                                    &err);
    CHECK(cosv4_cancel_token_is_cancelled(token));
    cosv4_cancel_token_free(token);
    report(62, rc, err);
    CHECK(res == NULL);
    cosv4_upload_options_free(opts);
    free(data);
}

/* ---- 91-99: batch lists ---- */

static null_try list_add(const char *arg, cosv4_batch_list *list, const char *local,
                         const char *cos_path) {
    null_try t;
    t.arg = arg;
    t.err = NULL;
    t.rc = cosv4_batch_list_add(list, local, cos_path, &t.err);
    return t;
}

static null_try up_list(const char *arg, const cosv4_client *c, const char *b,
                        const cosv4_batch_list *list, cosv4_batch_result **out) {
    null_try t;
    t.arg = arg;
    t.err = NULL;
    t.rc = cosv4_client_upload_list(c, b, list, NULL, out, &t.err);
    return t;
}

static void list_add_row(int n, cosv4_batch_list *list, const char *local, const char *cos_path) {
    null_try t = list_add("", list, local, cos_path);
    report(n, t.rc, t.err);
}

static void batch_lists(cosv4_client *c) {
    cosv4_batch_list *list = NULL;
    cosv4_batch_result *res = NULL;
    cosv4_error *err = NULL;
    const char *file = make_file("listed.bin", 10);
    cosv4_result rc;
    CHECK_OK(cosv4_batch_list_new(&list));
    {
        null_try t[4];
        t[0] = list_add("list", NULL, file, "/p");
        t[1] = list_add("local_path", list, NULL, "/p");
        t[2] = list_add("cos_path", list, file, NULL);
        t[3] = code_only("out", cosv4_batch_list_new(NULL));
        null_row(91, t, COUNT(t));
    }
    {
        null_try t[4];
        t[0] = up_list("client", NULL, bucket, list, &res);
        t[1] = up_list("bucket", c, NULL, list, &res);
        t[2] = up_list("list", c, bucket, NULL, &res);
        t[3] = up_list("out", c, bucket, list, NULL);
        null_row(92, t, COUNT(t));
    }
    list_add_row(93, list, file, BAD);
    list_add_row(94, list, file, "no-slash.bin");
    list_add_row(95, list, file, "/dir/");
    list_add_row(96, list, "", "/bad/empty-local.bin");
    CHECK(cosv4_batch_list_count(list) == 0); /* a refused pair is not added */
    CHECK_OK(cosv4_batch_list_add(list, path_in_scratch("missing.bin"), "/bad/listed.bin", NULL));
    list_add_row(97, list, file, "/bad/listed.bin");
    {
        null_try t = up_list("", c, BAD, list, &res);
        report(98, t.rc, t.err);
    }
    CHECK(res == NULL);
    rc = cosv4_client_upload_list(c, bucket, list, NULL, &res, &err);
    if (rc) FAIL("upload_list: %s", cosv4_error_message(err));
    CHECK(cosv4_batch_result_count(res) == 1 && cosv4_batch_result_failed(res) == 1);
    print_line(99, cosv4_result_name(cosv4_batch_result_result_code(res, 0)),
               cosv4_batch_result_reason(res, 0));
    cosv4_batch_result_free(res);
    cosv4_batch_list_free(list);
}

int main(void) {
    cosv4_client *c;
    bucket = env_req("COS_BUCKET");
    snprintf(scratch, sizeof scratch, "%s", env_req("COS_TEST_DIR"));
    c = client_for(env_req("COS_ENDPOINT"));
    null_arguments(c);
    utf8_uploads(c);
    strings_and_values(c);
    local_files(c);
    endpoints();
    scripted();
    callbacks(c);
    batch_lists(c);
    cosv4_client_free(c);
    printf("bad_input END\n");
    return 0;
}
