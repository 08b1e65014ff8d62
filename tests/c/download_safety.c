/* Downloading onto an existing file through the C API (tests/c_objects.rs runs it): a user's
 * file at the target survives a download without overwrite, in place or not (the error names
 * the file and the way out), and is replaced with overwrite. COS_TEST_LOCAL is the target. */
#include "common.h"

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    CHECK(fwrite(text, 1, strlen(text), f) == strlen(text));
    CHECK(fclose(f) == 0);
}

static int holds(const char *path, const char *text) {
    size_t len = 0;
    unsigned char *data = read_all(path, &len);
    int same = len == strlen(text) && memcmp(data, text, len) == 0;
    free(data);
    return same;
}

int main(void) {
    const char *bucket = env_req("COS_BUCKET");
    const char *local = env_req("COS_TEST_LOCAL");
    const char *text = "the object's content";
    cosv4_client *c = test_client(NULL);
    cosv4_download_options *dopts = NULL;
    cosv4_download_result *dres = NULL;
    cosv4_upload_result *ures = NULL;
    cosv4_error *err = NULL;
    cosv4_result rc;
    char part[1024];
    uint32_t in_place;

    CHECK_OK(cosv4_client_upload_buffer(c, bucket, "/safe/obj.txt", (const uint8_t *)text,
                                        strlen(text), NULL, &ures, NULL));
    cosv4_upload_result_free(ures);
    write_text(local, "my notes");
    snprintf(part, sizeof part, "%s.part", local);
    remove(part);
    CHECK_OK(cosv4_download_options_new(&dopts));
    for (in_place = 0; in_place <= 1; in_place++) {
        CHECK_OK(cosv4_download_options_set_resume_in_place(dopts, in_place));
        rc = cosv4_client_download_file(c, bucket, "/safe/obj.txt", local, dopts, &dres, &err);
        CHECK_FAILED(rc, err, COSV4_RESULT_INVALID_ARGUMENT);
        CHECK(strstr(cosv4_error_message(err), "overwrite") != NULL);
        CHECK(strstr(cosv4_error_message(err), local) != NULL);
        cosv4_error_free(err);
        err = NULL;
        CHECK(holds(local, "my notes"));
        CHECK(fopen(part, "rb") == NULL);
    }
    CHECK_RC(cosv4_download_options_set_overwrite(dopts, 2), COSV4_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cosv4_download_options_set_overwrite(NULL, 1), COSV4_RESULT_NULL_ARGUMENT);
    CHECK_OK(cosv4_download_options_set_overwrite(dopts, 1));
    CHECK_OK(cosv4_client_download_file(c, bucket, "/safe/obj.txt", local, dopts, &dres, &err));
    CHECK(cosv4_download_result_bytes_resumed(dres) == 0);
    cosv4_download_result_free(dres);
    CHECK(holds(local, text));
    CHECK(fopen(part, "rb") == NULL);
    cosv4_download_options_free(dopts);
    cosv4_client_free(c);
    printf("download safety OK\n");
    return 0;
}
