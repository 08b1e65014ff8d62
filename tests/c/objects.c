/* Stat, folders, listing with paging, move, update, delete, download URL and download with
 * progress, cancel and resume, through the C API (tests/c_objects.rs runs it). COS_TEST_FILE
 * is a local file of a few MiB. */
#include "common.h"

typedef struct {
    const cosv4_cancel_token *cancel_at_data; /* cancel once data arrived */
    uint64_t last_done, events, resumed;
    int monotonic, done_seen;
} progress;

static int32_t on_progress(void *userdata, const cosv4_download_progress *p) {
    progress *s = (progress *)userdata;
    if (p->bytes_done < s->last_done) s->monotonic = 0;
    if (s->events == 0) s->resumed = p->bytes_resumed;
    s->last_done = p->bytes_done;
    s->events++;
    if (p->done) s->done_seen = 1;
    if (s->cancel_at_data && p->bytes_done > p->bytes_resumed)
        CHECK_OK(cosv4_cancel_token_cancel(s->cancel_at_data));
    return 0;
}

static void put(cosv4_client *c, const char *bucket, const char *path, const char *text) {
    cosv4_upload_result *res = NULL;
    cosv4_error *err = NULL;
    cosv4_result rc = cosv4_client_upload_buffer(c, bucket, path, (const uint8_t *)text,
                                                 strlen(text), NULL, &res, &err);
    if (rc) FAIL("upload %s: %s", path, cosv4_error_message(err));
    cosv4_upload_result_free(res);
}

/* `errp` is read after the call (arguments are evaluated in no set order). */
static void expect_cos(cosv4_result rc, cosv4_error **errp, cosv4_result want, int64_t code) {
    cosv4_error *err = *errp;
    CHECK_FAILED(rc, err, want);
    CHECK(cosv4_error_has_cos_code(err));
    if (cosv4_error_cos_code(err) != code)
        FAIL("COS code %" PRId64 ", want %" PRId64, cosv4_error_cos_code(err), code);
    cosv4_error_free(err);
    *errp = NULL;
}

static int same_file(const char *a, const char *b) {
    size_t la, lb;
    unsigned char *x = read_all(a, &la), *y = read_all(b, &lb);
    int same = la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

int main(void) {
    const char *bucket = env_req("COS_BUCKET");
    const char *file = env_req("COS_TEST_FILE");
    const char *local = env_req("COS_TEST_LOCAL");
    cosv4_client *c = test_client(NULL);
    cosv4_error *err = NULL;
    cosv4_stat *st = NULL;
    cosv4_list_page *page = NULL, *next = NULL;
    cosv4_update_options *uo = NULL;
    cosv4_download_options *dopts = NULL;
    cosv4_download_result *dres = NULL;
    cosv4_upload_result *ures = NULL;
    cosv4_cancel_token *token = NULL;
    progress prog;
    cosv4_result rc;
    char path[64], url[2048], part[1024];
    size_t url_len = 0, i, total;
    int pages;
    FILE *f;

    /* Stat: file, folder, missing; NULLs. */
    put(c, bucket, "/o/a.txt", "hello");
    CHECK_OK(cosv4_client_stat(c, bucket, "/o/a.txt", &st, &err));
    CHECK(err == NULL && !cosv4_stat_is_folder(st) && cosv4_stat_filesize(st) == 5);
    CHECK(!strcmp(cosv4_stat_sha(st), "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"));
    CHECK(!strcmp(cosv4_stat_authority(st), "eInvalid"));
    cosv4_stat_free(st);
    CHECK_OK(cosv4_client_stat(c, bucket, "/o/", &st, NULL));
    CHECK(cosv4_stat_is_folder(st) && cosv4_stat_ctime(st) > 0);
    cosv4_stat_free(st);
    expect_cos(cosv4_client_stat(c, bucket, "/o/none", &st, &err), &err, COSV4_RESULT_SERVICE,
               -197);
    CHECK_RC(cosv4_client_stat(c, bucket, "no-slash", &st, NULL), COSV4_RESULT_INVALID_PATH);
    CHECK_RC(cosv4_client_stat(NULL, bucket, "/o/a.txt", &st, NULL), COSV4_RESULT_NULL_ARGUMENT);
    CHECK_RC(cosv4_client_stat(c, bucket, "/o/a.txt", NULL, NULL), COSV4_RESULT_NULL_ARGUMENT);
    CHECK_RC(cosv4_client_stat(c, bucket, "/o/\xff", &st, NULL), COSV4_RESULT_INVALID_UTF8);
    CHECK(cosv4_stat_filesize(NULL) == 0 && !strcmp(cosv4_stat_sha(NULL), ""));
    cosv4_stat_free(NULL);

    /* Folders and a listing of 25 entries in pages of 10. */
    CHECK_OK(cosv4_client_create_folder(c, bucket, "/l/", "attr", &err));
    expect_cos(cosv4_client_create_folder(c, bucket, "/l/", NULL, &err), &err,
               COSV4_RESULT_SERVICE, -178);
    CHECK_RC(cosv4_client_create_folder(c, bucket, "/l", NULL, NULL), COSV4_RESULT_INVALID_PATH);
    for (i = 0; i < 24; i++) {
        snprintf(path, sizeof path, "/l/f%02u", (unsigned)i);
        put(c, bucket, path, "x");
    }
    CHECK_OK(cosv4_client_create_folder(c, bucket, "/l/sub/", NULL, NULL));
    CHECK_OK(cosv4_client_list(c, bucket, "/l/", NULL, 10, NULL, &page, &err));
    for (pages = 1, total = 0;; pages++) {
        total += cosv4_list_page_count(page);
        if (cosv4_list_page_listover(page)) break;
        CHECK(strlen(cosv4_list_page_context(page)) > 0);
        CHECK_OK(cosv4_client_list_next(c, page, &next, &err));
        cosv4_list_page_free(page);
        page = next;
    }
    CHECK(pages == 3 && total == 25);
    CHECK(cosv4_list_page_count(page) == 5);
    CHECK(!strcmp(cosv4_list_page_name(page, 4), "sub") && cosv4_list_page_is_folder(page, 4));
    CHECK(!strcmp(cosv4_list_page_name(page, 99), "") && cosv4_list_page_size(page, 99) == 0);
    CHECK_OK(cosv4_client_list_next(c, page, &next, NULL)); /* after the last: empty */
    CHECK(cosv4_list_page_count(next) == 0 && cosv4_list_page_listover(next));
    cosv4_list_page_free(next);
    cosv4_list_page_free(page);
    CHECK_OK(cosv4_client_list(c, bucket, "/l/", "f1", 0, "", &page, NULL));
    CHECK(cosv4_list_page_count(page) == 10 && cosv4_list_page_listover(page));
    CHECK(cosv4_list_page_size(page, 0) == 1 && strlen(cosv4_list_page_sha(page, 0)) == 40);
    CHECK(!cosv4_list_page_is_folder(page, 0) && cosv4_list_page_mtime(page, 0) > 0);
    cosv4_list_page_free(page);
    CHECK_RC(cosv4_client_list(c, bucket, "/l/", NULL, 1001, NULL, &page, NULL),
             COSV4_RESULT_INVALID_ARGUMENT);
    CHECK(cosv4_list_page_listover(NULL) && cosv4_list_page_count(NULL) == 0);

    /* Move: refused onto an existing file, then overwriting; copy. */
    expect_cos(cosv4_client_move(c, bucket, "/l/f00", "f01", 0, &err), &err,
               COSV4_RESULT_FILE_EXISTS, -177);
    CHECK_OK(cosv4_client_move(c, bucket, "/l/f00", "/l/f01", 1, &err));
    CHECK_OK(cosv4_client_move(c, bucket, "/l/f01", "renamed", 0, &err));
    CHECK_OK(cosv4_client_copy(c, bucket, "/l/renamed", "/l/copied", 0, &err));
    CHECK_RC(cosv4_client_move(c, bucket, "/l/renamed", "a/b", 0, NULL), COSV4_RESULT_INVALID_PATH);
    CHECK_RC(cosv4_client_move(c, bucket, "/l/renamed", "x", 2, NULL),
             COSV4_RESULT_INVALID_ARGUMENT);
    expect_cos(cosv4_client_move(c, bucket, "/l/f00", "x", 0, &err), &err, COSV4_RESULT_SERVICE,
               -197);

    /* Update, then stat shows it. */
    CHECK_OK(cosv4_update_options_new(&uo));
    CHECK_RC(cosv4_client_update(c, bucket, "/o/a.txt", uo, NULL), COSV4_RESULT_INVALID_ARGUMENT);
    CHECK_OK(cosv4_update_options_set_biz_attr(uo, "new attr"));
    CHECK_OK(cosv4_update_options_set_authority(uo, COSV4_AUTHORITY_PUBLIC_READ));
    CHECK_RC(cosv4_update_options_set_authority(uo, 9), COSV4_RESULT_INVALID_ARGUMENT);
    CHECK_OK(cosv4_update_options_add_custom_header(uo, "Cache-Control", "no-cache"));
    CHECK_OK(cosv4_update_options_add_custom_header(uo, "x-cos-meta-owner", "c"));
    CHECK_RC(cosv4_update_options_add_custom_header(uo, "X-Evil", "1"),
             COSV4_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cosv4_update_options_add_custom_header(uo, "Content-Type", ""),
             COSV4_RESULT_INVALID_ARGUMENT);
    CHECK_OK(cosv4_client_update(c, bucket, "/o/a.txt", uo, &err));
    CHECK_RC(cosv4_client_update(c, bucket, "/o/", uo, NULL), COSV4_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cosv4_client_update(c, bucket, "/o/a.txt", NULL, NULL), COSV4_RESULT_NULL_ARGUMENT);
    cosv4_update_options_free(uo);
    CHECK_OK(cosv4_client_stat(c, bucket, "/o/a.txt", &st, NULL));
    CHECK(!strcmp(cosv4_stat_biz_attr(st), "new attr"));
    CHECK(!strcmp(cosv4_stat_authority(st), "eWPrivateRPublic"));
    CHECK(cosv4_stat_custom_header_count(st) == 2);
    CHECK(!strcmp(cosv4_stat_custom_header_name(st, 0), "Cache-Control"));
    CHECK(!strcmp(cosv4_stat_custom_header_value(st, 1), "c"));
    CHECK(!strcmp(cosv4_stat_custom_header_name(st, 2), ""));
    cosv4_stat_free(st);

    /* Delete: a non-empty folder is refused; a file; an empty folder. */
    expect_cos(cosv4_client_delete(c, bucket, "/l/", &err), &err, COSV4_RESULT_SERVICE, -173);
    CHECK_OK(cosv4_client_delete(c, bucket, "/l/sub/", &err));
    CHECK_OK(cosv4_client_delete(c, bucket, "/o/a.txt", &err));
    expect_cos(cosv4_client_delete(c, bucket, "/o/a.txt", &err), &err, COSV4_RESULT_SERVICE,
               -197);
    CHECK_RC(cosv4_client_delete(c, bucket, "/", NULL), COSV4_RESULT_INVALID_ARGUMENT);

    /* Download URL: size query, too small, fits. */
    CHECK_OK(cosv4_client_upload_file(c, bucket, "/dl/big.bin", file, NULL, &ures, &err));
    cosv4_upload_result_free(ures);
    CHECK_RC(cosv4_client_download_url(c, bucket, "/dl/big.bin", 60, NULL, 0, &url_len, NULL),
             COSV4_RESULT_BUFFER_TOO_SMALL);
    CHECK(url_len > 40 && url_len < sizeof url);
    CHECK_RC(cosv4_client_download_url(c, bucket, "/dl/big.bin", 60, url, 10, &url_len, NULL),
             COSV4_RESULT_BUFFER_TOO_SMALL);
    CHECK(url[0] == '\0');
    CHECK_OK(cosv4_client_download_url(c, bucket, "/dl/big.bin", 60, url, sizeof url, &url_len,
                                       &err));
    CHECK(strlen(url) == url_len && strstr(url, "?sign=") != NULL);
    CHECK_RC(cosv4_client_download_url(c, bucket, "/dl/big.bin", 0, url, sizeof url, &url_len,
                                       NULL),
             COSV4_RESULT_INVALID_ARGUMENT);
    printf("URL %s\n", url);

    /* Download: cancelled once data arrived, then resumed to the end. */
    remove(local);
    snprintf(part, sizeof part, "%s.part", local);
    remove(part);
    CHECK_OK(cosv4_download_options_new(&dopts));
    CHECK_OK(cosv4_cancel_token_new(&token));
    CHECK_OK(cosv4_download_options_set_cancel_token(dopts, token));
    memset(&prog, 0, sizeof prog);
    prog.monotonic = 1;
    prog.cancel_at_data = token;
    CHECK_OK(cosv4_download_options_set_progress(dopts, on_progress, &prog));
    CHECK_RC(cosv4_download_options_set_resume_in_place(dopts, 2), COSV4_RESULT_INVALID_ARGUMENT);
    rc = cosv4_client_download_file(c, bucket, "/dl/big.bin", local, dopts, &dres, &err);
    CHECK_FAILED(rc, err, COSV4_RESULT_CANCELLED);
    cosv4_error_free(err);
    err = NULL;
    f = fopen(part, "rb");
    CHECK(f != NULL);
    fclose(f);
    cosv4_cancel_token_free(token);
    CHECK_OK(cosv4_download_options_set_cancel_token(dopts, NULL));
    memset(&prog, 0, sizeof prog);
    prog.monotonic = 1;
    CHECK_OK(cosv4_client_download_file(c, bucket, "/dl/big.bin", local, dopts, &dres, &err));
    CHECK(prog.monotonic && prog.done_seen && prog.resumed > 0);
    CHECK(cosv4_download_result_bytes_resumed(dres) == prog.resumed);
    CHECK(cosv4_download_result_bytes_received(dres) + prog.resumed ==
          cosv4_download_result_bytes_total(dres));
    CHECK(strlen(cosv4_download_result_sha(dres)) == 40);
    cosv4_download_result_free(dres);
    CHECK(same_file(file, local));
    CHECK(fopen(part, "rb") == NULL);
    expect_cos(cosv4_client_download_file(c, bucket, "/dl/none", local, NULL, &dres, &err), &err,
               COSV4_RESULT_SERVICE, -197);
    CHECK_RC(cosv4_client_download_file(c, bucket, "/dl/big.bin", NULL, NULL, &dres, NULL),
             COSV4_RESULT_NULL_ARGUMENT);
    cosv4_download_options_free(dopts);
    cosv4_download_result_free(NULL);
    cosv4_client_free(c);
    printf("objects OK\n");
    return 0;
}
