/*
 * sign: print a multi-effect (reusable) and a once (single-use) v4 signature.
 *
 *   sign [COS_PATH]      (default /example.txt)
 *
 * Environment: COS_APPID, COS_SECRET_ID, COS_SECRET_KEY, COS_BUCKET, and COS_ENDPOINT or
 * COS_REGION (a client needs an endpoint, though signing sends nothing).
 */
#include "cosv4.h"

#include <stdio.h>
#include <stdlib.h>

static const char *env(const char *name) {
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "sign: %s is not set\n", name);
        exit(2);
    }
    return v;
}

static int fail(const char *what, cosv4_result rc) {
    fprintf(stderr, "sign: %s: %s (%s)\n", what, cosv4_result_name(rc), cosv4_strerror(rc));
    return 1;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "/example.txt";
    const char *bucket = env("COS_BUCKET");
    cosv4_config *cfg = NULL;
    cosv4_client *client = NULL;
    cosv4_error *err = NULL;
    char sig[512];
    size_t len = 0;
    cosv4_result rc;

    rc = cosv4_config_new(strtoull(env("COS_APPID"), NULL, 10), env("COS_SECRET_ID"),
                          env("COS_SECRET_KEY"), &cfg);
    if (rc) return fail("config", rc);
    rc = getenv("COS_ENDPOINT") ? cosv4_config_set_endpoint(cfg, getenv("COS_ENDPOINT"))
                                : cosv4_config_set_region(cfg, env("COS_REGION"));
    if (rc) {
        cosv4_config_free(cfg);
        return fail("endpoint", rc);
    }
    rc = cosv4_client_new(cfg, &client, &err); /* consumes cfg */
    if (rc) {
        fprintf(stderr, "sign: %s\n", cosv4_error_message(err));
        cosv4_error_free(err);
        return 1;
    }
    rc = cosv4_client_sign_multi(client, bucket, NULL, 3600, sig, sizeof sig, &len);
    if (rc) return fail("multi", rc);
    printf("multi %s\n", sig);
    rc = cosv4_client_sign_once(client, bucket, path, sig, sizeof sig, &len);
    if (rc) return fail("once", rc);
    printf("once %s\n", sig);
    cosv4_client_free(client);
    return 0;
}
