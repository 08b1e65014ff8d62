/*
 * cosv4: manage files and folders in Tencent COS (v4 JSON API) with libcosv4.
 *
 *   cosv4 [--json] stat PATH
 *   cosv4 [--json] ls [--num N] FOLDER [PREFIX]
 *   cosv4 [--json] rm PATH
 *   cosv4 [--json] mkdir FOLDER
 *   cosv4 [--json] mv [--overwrite] SRC DST
 *   cosv4 [--json] get [--quiet] [--overwrite] COS_PATH LOCAL
 *
 * Options may also follow the subcommand. Credentials and target come from the environment, as
 * for cosv4-upload: COS_APPID, COS_SECRET_ID, COS_SECRET_KEY, COS_BUCKET, and COS_ENDPOINT (a
 * base URL) or COS_REGION. `get` shows progress; Ctrl-C cancels it (exit 130) and running the
 * same command again resumes from the partial LOCAL.part file. An existing LOCAL is replaced
 * only with --overwrite (atomically, once the download is complete and checked).
 *
 * Build: cc -Iinclude examples-c/cosv4.c target/release/libcosv4.a \
 *           -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o cosv4
 */
#define _POSIX_C_SOURCE 200809L

#include "cosv4.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

typedef struct {
    int json, quiet, overwrite;
    uint32_t num; /* 0: library default */
    const char *cmd;
    const char *args[3];
    int nargs;
} options;

/* ---- signals: the handler only writes to a pipe; a watcher thread cancels ---- */

static int wake_pipe[2] = {-1, -1};
static volatile sig_atomic_t interrupted = 0;

static void on_signal(int sig) {
    int saved = errno;
    char c = 'c';
    (void)sig;
    interrupted = 1;
    if (write(wake_pipe[1], &c, 1) < 0) { /* nothing else is async-signal-safe to do */
    }
    errno = saved;
}

static void *watcher(void *arg) {
    const cosv4_cancel_token *token = (const cosv4_cancel_token *)arg;
    for (;;) {
        char c;
        ssize_t n = read(wake_pipe[0], &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || c == 'q') return NULL;
        cosv4_cancel_token_cancel(token);
    }
}

static int install_signals(void) {
    struct sigaction sa;
    if (pipe(wake_pipe) != 0) return -1;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0) return -1;
    return 0;
}

/* ---- output ---- */

static void json_string(FILE *f, const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', f);
    for (; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (*p < 0x20 || *p == 0x7f) fprintf(f, "\\u%04x", *p);
            else fputc(*p, f); /* UTF-8 passes through */
        }
    }
    fputc('"', f);
}

/* One stderr line always; with --json also an object on stdout. */
static void print_error(const options *o, cosv4_result rc, const cosv4_error *err) {
    const char *message = err ? cosv4_error_message(err) : cosv4_strerror(rc);
    char cos[32] = "none";
    if (cosv4_error_has_cos_code(err))
        snprintf(cos, sizeof cos, "%" PRId64, cosv4_error_cos_code(err));
    fprintf(stderr, "cosv4 %s: %s (COS code %s, HTTP status %u): %s\n", o->cmd,
            cosv4_result_name(rc), cos, cosv4_error_http_status(err), message);
    if (o->json) {
        printf("{\"ok\":false,\"result\":%u,\"result_name\":", (unsigned)rc);
        json_string(stdout, cosv4_result_name(rc));
        printf(",\"http_status\":%u,\"cos_code\":", cosv4_error_http_status(err));
        if (cosv4_error_has_cos_code(err)) printf("%" PRId64, cosv4_error_cos_code(err));
        else printf("null");
        printf(",\"cos_message\":");
        json_string(stdout, cosv4_error_cos_message(err));
        printf(",\"request_id\":");
        json_string(stdout, cosv4_error_request_id(err));
        printf(",\"message\":");
        json_string(stdout, message);
        printf("}\n");
    }
}

/* {"ok":true,"cmd":...,"path":... (then the caller's fields) */
static void json_head(const options *o, const char *path) {
    printf("{\"ok\":true,\"cmd\":");
    json_string(stdout, o->cmd);
    printf(",\"path\":");
    json_string(stdout, path);
}

/* ---- subcommands; each returns a result code and sets *err ---- */

static cosv4_result cmd_stat(const options *o, cosv4_client *c, const char *bucket,
                             cosv4_error **err) {
    cosv4_stat *st = NULL;
    const char *path = o->args[0];
    size_t i, n;
    cosv4_result rc = cosv4_client_stat(c, bucket, path, &st, err);
    if (rc) return rc;
    n = cosv4_stat_custom_header_count(st);
    if (o->json) {
        json_head(o, path);
        printf(",\"is_folder\":%s,\"filesize\":%" PRIu64 ",\"filelen\":%" PRIu64
               ",\"ctime\":%" PRId64 ",\"mtime\":%" PRId64 ",\"sha\":",
               cosv4_stat_is_folder(st) ? "true" : "false", cosv4_stat_filesize(st),
               cosv4_stat_filelen(st), cosv4_stat_ctime(st), cosv4_stat_mtime(st));
        json_string(stdout, cosv4_stat_sha(st));
        printf(",\"biz_attr\":");
        json_string(stdout, cosv4_stat_biz_attr(st));
        printf(",\"authority\":");
        json_string(stdout, cosv4_stat_authority(st));
        printf(",\"access_url\":");
        json_string(stdout, cosv4_stat_access_url(st));
        printf(",\"custom_headers\":{");
        for (i = 0; i < n; i++) {
            if (i) putchar(',');
            json_string(stdout, cosv4_stat_custom_header_name(st, i));
            putchar(':');
            json_string(stdout, cosv4_stat_custom_header_value(st, i));
        }
        printf("}}\n");
    } else {
        printf("path:      %s\ntype:      %s\n", path, cosv4_stat_is_folder(st) ? "folder" : "file");
        if (!cosv4_stat_is_folder(st)) {
            printf("size:      %" PRIu64 " (stored %" PRIu64 ")\nsha1:      %s\n"
                   "authority: %s\nurl:       %s\n",
                   cosv4_stat_filesize(st), cosv4_stat_filelen(st), cosv4_stat_sha(st),
                   cosv4_stat_authority(st), cosv4_stat_access_url(st));
        }
        printf("biz_attr:  %s\nctime:     %" PRId64 "\nmtime:     %" PRId64 "\n",
               cosv4_stat_biz_attr(st), cosv4_stat_ctime(st), cosv4_stat_mtime(st));
        for (i = 0; i < n; i++)
            printf("header:    %s: %s\n", cosv4_stat_custom_header_name(st, i),
                   cosv4_stat_custom_header_value(st, i));
    }
    cosv4_stat_free(st);
    return COSV4_RESULT_OK;
}

/* Lists every page (following the context). A server that repeats a context or says more pages
 * follow without one makes the library fail with COSV4_RESULT_PROTOCOL: the pages so far are
 * printed, marked "complete":false with --json, and the error follows. */
static cosv4_result cmd_ls(const options *o, cosv4_client *c, const char *bucket,
                           cosv4_error **err) {
    cosv4_list_page *page = NULL, *next = NULL;
    const char *folder = o->args[0], *prefix = o->nargs > 1 ? o->args[1] : NULL;
    size_t i, total = 0;
    int pages = 0;
    cosv4_result rc = cosv4_client_list(c, bucket, folder, prefix, o->num, NULL, &page, err);
    if (rc) return rc;
    if (o->json) {
        json_head(o, folder);
        printf(",\"entries\":[");
    }
    for (;;) {
        size_t n = cosv4_list_page_count(page);
        pages++;
        for (i = 0; i < n; i++, total++) {
            int dir = cosv4_list_page_is_folder(page, i);
            if (o->json) {
                if (total) putchar(',');
                printf("{\"name\":");
                json_string(stdout, cosv4_list_page_name(page, i));
                printf(",\"is_folder\":%s,\"size\":%" PRIu64 ",\"sha\":", dir ? "true" : "false",
                       cosv4_list_page_size(page, i));
                json_string(stdout, cosv4_list_page_sha(page, i));
                printf(",\"ctime\":%" PRId64 ",\"mtime\":%" PRId64 "}",
                       cosv4_list_page_ctime(page, i), cosv4_list_page_mtime(page, i));
            } else {
                printf("%12" PRIu64 "  %10" PRId64 "  %s%s\n", cosv4_list_page_size(page, i),
                       cosv4_list_page_mtime(page, i), cosv4_list_page_name(page, i),
                       dir ? "/" : "");
            }
        }
        if (cosv4_list_page_listover(page)) break;
        rc = cosv4_client_list_next(c, page, &next, err);
        cosv4_list_page_free(page);
        page = next;
        if (rc) {
            /* Keep stdout one object per line: close the partial listing, marked as such; the
             * error object follows on the next line. */
            if (o->json) printf("],\"count\":%zu,\"pages\":%d,\"complete\":false}\n", total, pages);
            return rc;
        }
    }
    cosv4_list_page_free(page);
    if (o->json) printf("],\"count\":%zu,\"pages\":%d,\"complete\":true}\n", total, pages);
    return COSV4_RESULT_OK;
}

static cosv4_result cmd_simple(const options *o, cosv4_client *c, const char *bucket,
                               cosv4_error **err) {
    cosv4_result rc;
    const char *path = o->args[0];
    if (!strcmp(o->cmd, "rm")) rc = cosv4_client_delete(c, bucket, path, err);
    else if (!strcmp(o->cmd, "mkdir")) rc = cosv4_client_create_folder(c, bucket, path, NULL, err);
    else rc = cosv4_client_move(c, bucket, path, o->args[1], o->overwrite ? 1 : 0, err);
    if (rc) return rc;
    if (o->json) {
        json_head(o, path);
        if (!strcmp(o->cmd, "mv")) {
            printf(",\"dest\":");
            json_string(stdout, o->args[1]);
        }
        printf("}\n");
    } else if (!o->quiet) {
        if (!strcmp(o->cmd, "mv")) printf("moved %s -> %s\n", path, o->args[1]);
        else printf("%s %s\n", !strcmp(o->cmd, "rm") ? "removed" : "created", path);
    }
    return COSV4_RESULT_OK;
}

typedef struct {
    int tty, quiet, last_decile;
} progress_state;

static int32_t on_progress(void *userdata, const cosv4_download_progress *p) {
    progress_state *s = (progress_state *)userdata;
    uint64_t total = p->bytes_total ? p->bytes_total : 1;
    int percent = p->bytes_total ? (int)(p->bytes_done * 100 / total) : (p->done ? 100 : 0);
    if (s->quiet) return 0;
    if (s->tty) {
        fprintf(stderr, "\rdownloading %3d%% (%" PRIu64 "/%" PRIu64 " bytes)%s", percent,
                p->bytes_done, p->bytes_total, p->done ? "\n" : "");
    } else if (percent / 10 > s->last_decile || p->done) {
        fprintf(stderr, "%s %d%% (%" PRIu64 "/%" PRIu64 " bytes)\n",
                p->done ? "done" : "downloading", percent, p->bytes_done, p->bytes_total);
        s->last_decile = percent / 10;
    }
    return 0;
}

static cosv4_result cmd_get(const options *o, cosv4_client *c, const char *bucket,
                            cosv4_error **err) {
    cosv4_download_options *dopts = NULL;
    cosv4_download_result *res = NULL;
    cosv4_cancel_token *token = NULL;
    progress_state ps;
    pthread_t watch_thread;
    cosv4_result rc;
    char q = 'q';

    memset(&ps, 0, sizeof ps);
    ps.tty = isatty(STDERR_FILENO);
    ps.quiet = o->quiet;
    ps.last_decile = -1;
    if ((rc = cosv4_download_options_new(&dopts)) || (rc = cosv4_cancel_token_new(&token)) ||
        (rc = cosv4_download_options_set_cancel_token(dopts, token)) ||
        (rc = cosv4_download_options_set_overwrite(dopts, o->overwrite ? 1 : 0)) ||
        (rc = cosv4_download_options_set_progress(dopts, on_progress, &ps))) {
        cosv4_download_options_free(dopts);
        cosv4_cancel_token_free(token);
        return rc;
    }
    if (install_signals() != 0 || pthread_create(&watch_thread, NULL, watcher, token) != 0) {
        perror("cosv4 get: signal setup");
        exit(1);
    }
    rc = cosv4_client_download_file(c, bucket, o->args[0], o->args[1], dopts, &res, err);
    if (write(wake_pipe[1], &q, 1) == 1) pthread_join(watch_thread, NULL);
    if (rc == COSV4_RESULT_INVALID_ARGUMENT && !o->overwrite && access(o->args[1], F_OK) == 0)
        fprintf(stderr, "cosv4 get: %s already exists; add --overwrite to replace it\n",
                o->args[1]);
    if (rc == COSV4_RESULT_OK) {
        if (o->json) {
            json_head(o, o->args[0]);
            printf(",\"local\":");
            json_string(stdout, o->args[1]);
            printf(",\"bytes_total\":%" PRIu64 ",\"bytes_received\":%" PRIu64
                   ",\"bytes_resumed\":%" PRIu64 ",\"sha\":",
                   cosv4_download_result_bytes_total(res),
                   cosv4_download_result_bytes_received(res),
                   cosv4_download_result_bytes_resumed(res));
            json_string(stdout, cosv4_download_result_sha(res));
            printf("}\n");
        } else if (!o->quiet) {
            printf("downloaded %s -> %s (%" PRIu64 " bytes%s)\n", o->args[0], o->args[1],
                   cosv4_download_result_bytes_total(res),
                   cosv4_download_result_bytes_resumed(res) ? ", resumed" : "");
        }
    }
    cosv4_download_result_free(res);
    cosv4_download_options_free(dopts);
    cosv4_cancel_token_free(token);
    return rc;
}

/* ---- command line ---- */

static void usage(FILE *f) {
    fprintf(f,
            "usage: cosv4 [--json] COMMAND [options] ARGS\n"
            "\n"
            "  stat PATH                          file or folder (PATH ending in /)\n"
            "  ls [--num N] FOLDER [PREFIX]       list a folder (all pages, N per request)\n"
            "  rm PATH                            delete a file or an empty folder\n"
            "  mkdir FOLDER                       create a folder (ending in /)\n"
            "  mv [--overwrite] SRC DST           move a file (DST: /path or a bare name)\n"
            "  get [--quiet] [--overwrite] COS_PATH LOCAL\n"
            "                                     download (Ctrl-C cancels, rerun resumes;\n"
            "                                     an existing LOCAL needs --overwrite)\n"
            "\n"
            "Environment: COS_APPID, COS_SECRET_ID, COS_SECRET_KEY, COS_BUCKET, and\n"
            "COS_ENDPOINT (base URL) or COS_REGION (gz, sh, tj, sgp, ...).\n"
            "--json prints the outcome or the error as one JSON object.\n"
            "Exit status: 0 success, 1 failure, 2 usage error, 130 interrupted.\n");
}

static int parse_u32(const char *s, uint32_t *out) {
    char *end;
    unsigned long v;
    if (!s || !*s || *s == '-') return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || v == 0 || v > 1000) return -1;
    *out = (uint32_t)v;
    return 0;
}

/* Returns -1 to exit with 0 (help), 0 to go on, EXIT_USAGE on an error. */
static int parse_args(int argc, char **argv, options *o) {
    static const struct {
        const char *name;
        int min, max;
    } cmds[] = {{"stat", 1, 1}, {"ls", 1, 2},  {"rm", 1, 1},
                {"mkdir", 1, 1}, {"mv", 2, 2}, {"get", 2, 2}};
    int i, k, only_positional = 0;
    memset(o, 0, sizeof *o);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_positional && a[0] == '-' && a[1] == '-') {
            if (!strcmp(a, "--")) only_positional = 1;
            else if (!strcmp(a, "--help")) { usage(stdout); return -1; }
            else if (!strcmp(a, "--json")) o->json = 1;
            else if (!strcmp(a, "--quiet")) o->quiet = 1;
            else if (!strcmp(a, "--overwrite")) o->overwrite = 1;
            else if (!strcmp(a, "--num")) {
                if (i + 1 >= argc || parse_u32(argv[++i], &o->num) != 0) {
                    fprintf(stderr, "cosv4: --num needs a number from 1 to 1000\n");
                    return EXIT_USAGE;
                }
            } else {
                fprintf(stderr, "cosv4: unknown option %s (see --help)\n", a);
                return EXIT_USAGE;
            }
        } else if (!o->cmd) o->cmd = a;
        else if (o->nargs < 3) o->args[o->nargs++] = a;
        else {
            fprintf(stderr, "cosv4: too many arguments (see --help)\n");
            return EXIT_USAGE;
        }
    }
    if (!o->cmd) {
        usage(stderr);
        return EXIT_USAGE;
    }
    for (k = 0; k < (int)(sizeof cmds / sizeof cmds[0]); k++) {
        if (strcmp(o->cmd, cmds[k].name)) continue;
        if (o->nargs < cmds[k].min || o->nargs > cmds[k].max) {
            fprintf(stderr, "cosv4 %s: wrong number of arguments (see --help)\n", o->cmd);
            return EXIT_USAGE;
        }
        return 0;
    }
    fprintf(stderr, "cosv4: unknown command %s (see --help)\n", o->cmd);
    return EXIT_USAGE;
}

static int exit_code(cosv4_result rc) {
    if (rc == COSV4_RESULT_CANCELLED && interrupted) return EXIT_INTERRUPTED;
    return rc >= 100 && rc < 200 ? EXIT_USAGE : 1;
}

static const char *env(const char *name) {
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static cosv4_result make_client(cosv4_client **out, cosv4_error **err, const char **what) {
    cosv4_config *cfg = NULL;
    unsigned long long appid;
    char *end;
    cosv4_result rc;
    *what = "COS_APPID, COS_SECRET_ID and COS_SECRET_KEY must be set (COS_APPID a number)";
    if (!env("COS_APPID") || !env("COS_SECRET_ID") || !env("COS_SECRET_KEY"))
        return COSV4_RESULT_INVALID_CONFIG;
    errno = 0;
    appid = strtoull(env("COS_APPID"), &end, 10);
    if (errno || *end) return COSV4_RESULT_INVALID_CONFIG;
    rc = cosv4_config_new(appid, env("COS_SECRET_ID"), env("COS_SECRET_KEY"), &cfg);
    if (rc) return rc;
    if (env("COS_ENDPOINT")) {
        *what = "bad COS_ENDPOINT";
        rc = cosv4_config_set_endpoint(cfg, env("COS_ENDPOINT"));
    } else if (env("COS_REGION")) {
        *what = "bad COS_REGION";
        rc = cosv4_config_set_region(cfg, env("COS_REGION"));
    } else {
        *what = "COS_ENDPOINT (a base URL) or COS_REGION must be set";
        rc = COSV4_RESULT_INVALID_CONFIG;
    }
    if (rc) {
        cosv4_config_free(cfg);
        return rc;
    }
    *what = NULL;
    return cosv4_client_new(cfg, out, err); /* consumes cfg */
}

int main(int argc, char **argv) {
    options o;
    cosv4_client *client = NULL;
    cosv4_error *err = NULL;
    const char *what = NULL, *bucket = env("COS_BUCKET");
    cosv4_result rc;
    int parsed = parse_args(argc, argv, &o), code = 0;

    if (parsed) return parsed < 0 ? 0 : parsed;
    if (!bucket) {
        fprintf(stderr, "cosv4: COS_BUCKET must be set\n");
        return EXIT_USAGE;
    }
    rc = make_client(&client, &err, &what);
    if (rc && what) {
        fprintf(stderr, "cosv4: %s: %s\n", cosv4_result_name(rc), what);
        return exit_code(rc);
    }
    if (rc == COSV4_RESULT_OK) {
        if (!strcmp(o.cmd, "stat")) rc = cmd_stat(&o, client, bucket, &err);
        else if (!strcmp(o.cmd, "ls")) rc = cmd_ls(&o, client, bucket, &err);
        else if (!strcmp(o.cmd, "get")) rc = cmd_get(&o, client, bucket, &err);
        else rc = cmd_simple(&o, client, bucket, &err);
    }
    if (rc) {
        print_error(&o, rc, err);
        code = exit_code(rc);
        if (code == EXIT_INTERRUPTED && !o.quiet)
            fprintf(stderr, "cosv4 get: interrupted; run the same command again to resume\n");
    }
    cosv4_error_free(err);
    cosv4_client_free(client);
    return code;
}
