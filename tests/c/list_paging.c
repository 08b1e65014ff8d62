/* Folder listings from C against misbehaving fake servers (tests/c_objects.rs starts them and
 * passes their base URLs): COS_FAKE_REPEAT answers every page with the context it was asked
 * with, COS_FAKE_EMPTY says more pages follow without a context on page 2, COS_FAKE_CYCLE
 * goes round (a, b, a). Each listing must end with COSV4_RESULT_PROTOCOL, never loop. */
#include "common.h"

/* At most this many calls per listing, so that a regression fails instead of looping. */
#define MAX_CALLS 30

static cosv4_client *client_for(const char *var) {
    cosv4_config *cfg = test_config(NULL);
    cosv4_client *client = NULL;
    cosv4_error *err = NULL;
    CHECK_OK(cosv4_config_set_endpoint(cfg, env_req(var)));
    if (cosv4_client_new(cfg, &client, &err) != COSV4_RESULT_OK)
        FAIL("cosv4_client_new: %s", cosv4_error_message(err));
    return client;
}

/* Checks that a call failed with COSV4_RESULT_PROTOCOL naming the context; frees the error. */
static void check_protocol_error(cosv4_result rc, cosv4_error *err) {
    CHECK_FAILED(rc, err, COSV4_RESULT_PROTOCOL);
    if (!strstr(cosv4_error_message(err), "context"))
        FAIL("the message does not name the context: %s", cosv4_error_message(err));
    cosv4_error_free(err);
}

/* Lists the root of the server in `var` page by page; checks that `good_pages` pages come,
 * then a protocol error, and that asking again for the page after the last good one fails the
 * same way (the page is unchanged by the failure). */
static void check_listing(const char *var, int good_pages) {
    const char *bucket = env_req("COS_BUCKET");
    cosv4_client *client = client_for(var);
    cosv4_list_page *page = NULL, *next = NULL;
    cosv4_error *err = NULL;
    cosv4_result rc;
    int pages = 1;
    CHECK_OK(cosv4_client_list(client, bucket, "/", NULL, 0, NULL, &page, NULL));
    for (;;) {
        CHECK(!cosv4_list_page_listover(page));
        CHECK(cosv4_list_page_count(page) == 1);
        rc = cosv4_client_list_next(client, page, &next, &err);
        if (rc != COSV4_RESULT_OK || pages >= MAX_CALLS) break;
        cosv4_list_page_free(page);
        page = next;
        next = NULL;
        pages++;
    }
    if (pages != good_pages) FAIL("%s: %d good pages, want %d", var, pages, good_pages);
    CHECK(next == NULL);
    check_protocol_error(rc, err);
    err = NULL;
    rc = cosv4_client_list_next(client, page, &next, &err);
    check_protocol_error(rc, err);
    CHECK(next == NULL);
    cosv4_list_page_free(page);
    cosv4_client_free(client);
}

/* A single cosv4_client_list whose answer gives no way on fails too. */
static void check_single_page(const char *var, const char *context) {
    cosv4_client *client = client_for(var);
    cosv4_list_page *page = NULL;
    cosv4_error *err = NULL;
    cosv4_result rc =
        cosv4_client_list(client, env_req("COS_BUCKET"), "/", NULL, 0, context, &page, &err);
    check_protocol_error(rc, err);
    CHECK(page == NULL);
    cosv4_client_free(client);
}

int main(void) {
    check_listing("COS_FAKE_REPEAT", 1);
    check_listing("COS_FAKE_EMPTY", 1);
    check_listing("COS_FAKE_CYCLE", 2);
    check_single_page("COS_FAKE_EMPTY", "p2");
    check_single_page("COS_FAKE_REPEAT", "same");
    printf("list_paging OK\n");
    return 0;
}
