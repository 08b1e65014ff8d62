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
 * Options may also follow the subcommand. Credentials and target come from flags, the
 * environment or coscmd's ~/.cos.conf, as for cosv4-upload (cli_common.h, shared with it:
 * COS_APPID, COS_SECRET_ID, COS_SECRET_KEY, COS_BUCKET, and COS_ENDPOINT, a base URL, or
 * COS_REGION; proxies, retries, timeouts, -v). `get` shows progress; running the same command again after an
 * interruption resumes from the partial LOCAL.part file. A LOCAL that is a directory (or ends
 * in '/') means the file of that name in it, as for cp. An existing file is replaced only with
 * --overwrite (atomically, once the download is complete and checked).
 *
 * SIGINT and SIGTERM stop every subcommand with exit status 130: `get` through the library's
 * cancel token; a request that cannot be cancelled (stat, ls, rm, mkdir, mv) is abandoned, and
 * for rm, mkdir and mv whether it took effect is then unknown. A listing cut short is closed
 * ("complete":false with --json) before the error. Every line begun on stdout is completed,
 * also when interrupted; stdout is flushed after each line and each page of a listing. With
 * --json stdout holds exactly one JSON object (usage and set-up errors included), except for
 * a listing cut short, which is followed by the error object on the next line. Bytes that are
 * not UTF-8 (in a local path, say) appear there as U+FFFD.
 *
 * Build: cc -Iinclude examples-c/cosv4.c target/release/libcosv4.a \
 *           -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o cosv4
 */
#define _POSIX_C_SOURCE 200809L

#include "cli_common.h" /* exit codes, signals, numbers, JSON, the config (cli_config) */

#include <pthread.h>
#include <sys/stat.h>

typedef struct {
    int json, quiet, overwrite;
    uint32_t num; /* 0: library default */
    const char *cmd;
    const char *args[3];
    int nargs;
    cli_common common; /* the options shared with cosv4-upload */
} options;

/* ---- output ---- */

/* What a failure says: set by fail_with for failures found here (no cosv4_error). */
static char failure_text[8192];

static cosv4_result fail_with(cosv4_result rc, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(failure_text, sizeof failure_text, fmt, ap);
    va_end(ap);
    return rc;
}

/* The sentence of a failure: ours, the library's, or the code's; prefixed when a signal
 * interrupted the command. */
static const char *failure_message(cosv4_result rc, const cosv4_error *err) {
    static char buf[sizeof failure_text + 64];
    const char *text = failure_text[0] ? failure_text
                       : err           ? cosv4_error_message(err)
                                       : cosv4_strerror(rc);
    if (rc != COSV4_RESULT_CANCELLED || !interrupted) return text;
    snprintf(buf, sizeof buf, "interrupted by %s: %s",
             interrupted == SIGTERM ? "SIGTERM" : "SIGINT", text);
    return buf;
}

/* A failure of a subcommand: one stderr line always; with --json also the object on stdout. */
static void print_error(const options *o, cosv4_result rc, const cosv4_error *err) {
    const char *message = failure_message(rc, err);
    char cos[32] = "none";
    if (cosv4_error_has_cos_code(err))
        snprintf(cos, sizeof cos, "%" PRId64, cosv4_error_cos_code(err));
    fprintf(stderr, "cosv4 %s: %s (COS code %s, HTTP status %u): %s\n", o->cmd,
            cosv4_result_name(rc), cos, cosv4_error_http_status(err), message);
    if (o->json) json_error(rc, err, message);
}

/* A usage or set-up error, before any request: "cosv4: <message>" on stderr, and with --json
 * the error object on stdout. Returns the exit status. */
#define early_error(o, ...) cli_fail(&(o)->common, __VA_ARGS__)

/* {"ok":true,"cmd":...,"path":... (then the caller's fields) */
static void json_head(const options *o, const char *path) {
    printf("{\"ok\":true,\"cmd\":");
    json_string(stdout, o->cmd);
    printf(",\"path\":");
    json_string(stdout, path);
}

/* An `ls --json` object begun on stdout and not yet closed. */
static struct {
    int open, pages;
    size_t total;
} listing;

/* Closes the listing object begun on stdout, if any, saying whether it is complete. */
static void end_listing(int complete) {
    if (!listing.open) return;
    printf("],\"count\":%zu,\"pages\":%d,\"complete\":%s}\n", listing.total, listing.pages,
           complete ? "true" : "false");
    fflush(stdout);
    listing.open = 0;
}

/* ---- signals: the handler only writes to a pipe; a watcher thread acts ----
 *
 * While a library call is in flight (between begin_call and end_call) the main thread writes
 * nothing, so the watcher may: a call with a cancel token is cancelled (it then fails with
 * COSV4_RESULT_CANCELLED and the main thread reports it); any other call is abandoned: the
 * watcher closes the listing, reports the interruption and exits. Between calls the main
 * thread sees `interrupted` at its next begin_call. */

static pthread_t watch_thread;
static pthread_mutex_t call_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    int busy;                        /* a library call is in flight */
    const cosv4_cancel_token *token; /* which this token cancels (NULL: it cannot be) */
    const options *o;
    const char *abandoned; /* what abandoning it means */
} call;

static void *watcher(void *arg) {
    (void)arg;
    for (;;) {
        char c;
        ssize_t n = read(wake_pipe[0], &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || c == 'q') return NULL;
        pthread_mutex_lock(&call_lock);
        if (call.busy && call.token) {
            cosv4_cancel_token_cancel(call.token);
        } else if (call.busy) {
            end_listing(0);
            fail_with(COSV4_RESULT_CANCELLED, "%s", call.abandoned);
            print_error(call.o, COSV4_RESULT_CANCELLED, NULL);
            fflush(stdout);
            fflush(stderr);
            _exit(EXIT_INTERRUPTED);
        }
        pthread_mutex_unlock(&call_lock);
    }
}

static int start_watcher(void) {
    if (install_signals() != 0) return -1;
    return pthread_create(&watch_thread, NULL, watcher, NULL) != 0 ? -1 : 0;
}

static void stop_watcher(void) {
    char q = 'q';
    if (write(wake_pipe[1], &q, 1) == 1) pthread_join(watch_thread, NULL);
}

/* Before a library call: COSV4_RESULT_OK, or COSV4_RESULT_CANCELLED when a signal came first.
 * `token` cancels the call; without one, `abandoned` says what abandoning it means. */
static cosv4_result begin_call(const options *o, const cosv4_cancel_token *token,
                               const char *abandoned) {
    cosv4_result rc = COSV4_RESULT_OK;
    pthread_mutex_lock(&call_lock);
    if (interrupted) {
        rc = fail_with(COSV4_RESULT_CANCELLED, "stopped before the next request");
    } else {
        call.busy = 1;
        call.token = token;
        call.o = o;
        call.abandoned = abandoned;
    }
    pthread_mutex_unlock(&call_lock);
    return rc;
}

static void end_call(void) {
    pthread_mutex_lock(&call_lock);
    call.busy = 0;
    call.token = NULL;
    pthread_mutex_unlock(&call_lock);
}

static const char *const READ_ABANDONED = "the request in flight was abandoned";
static const char *const CHANGE_ABANDONED =
    "the request in flight was abandoned: whether it took effect is unknown (check with stat)";

/* ---- subcommands; each returns a result code and sets *err ---- */

static cosv4_result cmd_stat(const options *o, cosv4_client *c, const char *bucket,
                             cosv4_error **err) {
    cosv4_stat *st = NULL;
    const char *path = o->args[0];
    size_t i, n;
    cosv4_result rc = begin_call(o, NULL, READ_ABANDONED);
    if (rc) return rc;
    rc = cosv4_client_stat(c, bucket, path, &st, err);
    end_call();
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
    fflush(stdout);
    cosv4_stat_free(st);
    return COSV4_RESULT_OK;
}

/* Prints one page of a listing (text: whole lines; --json: its entries), then flushes. */
static void print_page(const options *o, const cosv4_list_page *page) {
    size_t i, n = cosv4_list_page_count(page);
    for (i = 0; i < n; i++, listing.total++) {
        int dir = cosv4_list_page_is_folder(page, i);
        if (o->json) {
            if (listing.total) putchar(',');
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
    listing.pages++;
    fflush(stdout);
}

/* Lists every page (following the context). A listing cut short (a server that repeats a
 * context or says more pages follow without one makes the library fail with
 * COSV4_RESULT_PROTOCOL; a signal) keeps the pages so far, marked "complete":false with
 * --json, and the error follows on the next line. */
static cosv4_result cmd_ls(const options *o, cosv4_client *c, const char *bucket,
                           cosv4_error **err) {
    cosv4_list_page *page = NULL, *next = NULL;
    const char *folder = o->args[0], *prefix = o->nargs > 1 ? o->args[1] : NULL;
    cosv4_result rc = begin_call(o, NULL, READ_ABANDONED);
    if (rc) return rc;
    rc = cosv4_client_list(c, bucket, folder, prefix, o->num, NULL, &page, err);
    end_call();
    if (rc) return rc;
    if (o->json) {
        json_head(o, folder);
        printf(",\"entries\":[");
        listing.open = 1;
    }
    for (;;) {
        print_page(o, page);
        if (cosv4_list_page_listover(page)) break;
        if ((rc = begin_call(o, NULL, READ_ABANDONED)) == COSV4_RESULT_OK) {
            rc = cosv4_client_list_next(c, page, &next, err);
            end_call();
        }
        cosv4_list_page_free(page);
        page = next;
        if (rc) {
            end_listing(0);
            return rc;
        }
    }
    cosv4_list_page_free(page);
    end_listing(1);
    return COSV4_RESULT_OK;
}

static cosv4_result cmd_simple(const options *o, cosv4_client *c, const char *bucket,
                               cosv4_error **err) {
    const char *path = o->args[0];
    cosv4_result rc = begin_call(o, NULL, CHANGE_ABANDONED);
    if (rc) return rc;
    if (!strcmp(o->cmd, "rm")) rc = cosv4_client_delete(c, bucket, path, err);
    else if (!strcmp(o->cmd, "mkdir")) rc = cosv4_client_create_folder(c, bucket, path, NULL, err);
    else rc = cosv4_client_move(c, bucket, path, o->args[1], o->overwrite ? 1 : 0, err);
    end_call();
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
    fflush(stdout);
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

/* The file `get` writes, checked before anything is downloaded: LOCAL, or LOCAL/<the name of
 * COS_PATH> when LOCAL is a directory or ends in '/' (as cp does). Its folder must exist, and
 * an existing file there needs --overwrite. On success *out is a new string to free. */
static cosv4_result local_target(const options *o, char **out) {
    const char *cos = o->args[0], *local = o->args[1], *name = strrchr(cos, '/'), *last;
    size_t len = strlen(local);
    int slash = len > 0 && local[len - 1] == '/';
    struct stat st;
    int found = stat(local, &st) == 0, why = found ? 0 : errno;
    char *target = NULL;

    *out = NULL;
    if (found && S_ISDIR(st.st_mode)) {
        name = name ? name + 1 : cos;
        if (!*name)
            return fail_with(COSV4_RESULT_INVALID_PATH,
                             "%s ends with '/', which names a folder: get downloads a file", cos);
        if (!(target = malloc(len + strlen(name) + 2))) return COSV4_RESULT_INTERNAL;
        sprintf(target, "%s%s%s", local, slash ? "" : "/", name);
    } else if (slash) {
        return fail_with(COSV4_RESULT_LOCAL_IO, "cannot download into %s: %s", local,
                         why == ENOENT ? "no such directory" : "not a directory");
    } else if ((last = strrchr(local, '/')) != NULL) {
        /* The folder the file goes into: what comes before the last '/' ("/" for "/name"). */
        size_t folder_len = last == local ? 1 : (size_t)(last - local);
        char *folder = malloc(folder_len + 1);
        if (!folder) return COSV4_RESULT_INTERNAL;
        memcpy(folder, local, folder_len);
        folder[folder_len] = '\0';
        why = stat(folder, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
        if (why) {
            fail_with(COSV4_RESULT_LOCAL_IO, "cannot download to %s: its folder %s %s", local,
                      folder, why == ENOENT ? "does not exist" : "is not a directory");
            free(folder);
            return COSV4_RESULT_LOCAL_IO;
        }
        free(folder);
    }
    if (!target) {
        if (!(target = malloc(len + 1))) return COSV4_RESULT_INTERNAL;
        memcpy(target, local, len + 1);
    }
    if (stat(target, &st) == 0) {
        cosv4_result rc = COSV4_RESULT_OK;
        if (S_ISDIR(st.st_mode))
            rc = fail_with(COSV4_RESULT_INVALID_ARGUMENT, "cannot download to %s: it is a directory",
                           target);
        else if (!o->overwrite)
            rc = fail_with(COSV4_RESULT_INVALID_ARGUMENT,
                           "%s already exists; add --overwrite to replace it", target);
        if (rc) {
            free(target);
            return rc;
        }
    }
    *out = target;
    return COSV4_RESULT_OK;
}

static void print_download(const options *o, const char *target,
                           const cosv4_download_result *res) {
    if (o->json) {
        json_head(o, o->args[0]);
        printf(",\"local\":");
        json_string(stdout, target);
        printf(",\"bytes_total\":%" PRIu64 ",\"bytes_received\":%" PRIu64
               ",\"bytes_resumed\":%" PRIu64 ",\"sha\":",
               cosv4_download_result_bytes_total(res), cosv4_download_result_bytes_received(res),
               cosv4_download_result_bytes_resumed(res));
        json_string(stdout, cosv4_download_result_sha(res));
        printf("}\n");
    } else if (!o->quiet) {
        printf("downloaded %s -> %s (%" PRIu64 " bytes%s)\n", o->args[0], target,
               cosv4_download_result_bytes_total(res),
               cosv4_download_result_bytes_resumed(res) ? ", resumed" : "");
    }
    fflush(stdout);
}

static cosv4_result cmd_get(const options *o, cosv4_client *c, const char *bucket,
                            cosv4_error **err) {
    cosv4_download_options *dopts = NULL;
    cosv4_download_result *res = NULL;
    cosv4_cancel_token *token = NULL;
    progress_state ps;
    char *target = NULL;
    cosv4_result rc;

    memset(&ps, 0, sizeof ps);
    ps.tty = isatty(STDERR_FILENO);
    ps.quiet = o->quiet;
    ps.last_decile = -1;
    if ((rc = local_target(o, &target)) || (rc = cosv4_download_options_new(&dopts)) ||
        (rc = cosv4_cancel_token_new(&token)) ||
        (rc = cosv4_download_options_set_cancel_token(dopts, token)) ||
        (rc = cosv4_download_options_set_overwrite(dopts, o->overwrite ? 1 : 0)) ||
        (rc = cosv4_download_options_set_progress(dopts, on_progress, &ps)) ||
        (rc = begin_call(o, token, NULL))) {
        cosv4_download_options_free(dopts);
        cosv4_cancel_token_free(token);
        free(target);
        return rc;
    }
    rc = cosv4_client_download_file(c, bucket, o->args[0], target, dopts, &res, err);
    end_call();
    if (rc == COSV4_RESULT_OK) print_download(o, target, res);
    cosv4_download_result_free(res);
    cosv4_download_options_free(dopts);
    cosv4_cancel_token_free(token);
    free(target);
    return rc;
}

/* ---- command line ---- */

static const char USAGE[] =
    "usage: cosv4 [--json] COMMAND [options] ARGS\n"
    "\n"
    "  stat PATH                          file or folder (PATH ending in /)\n"
    "  ls [--num N] FOLDER [PREFIX]       list a folder (all pages, N per request)\n"
    "  rm PATH                            delete a file or an empty folder\n"
    "  mkdir FOLDER                       create a folder (ending in /)\n"
    "  mv [--overwrite] SRC DST           move a file (DST: /path or a bare name)\n"
    "  get [--quiet] [--overwrite] COS_PATH LOCAL\n"
    "                                     download (Ctrl-C cancels, rerun resumes;\n"
    "                                     LOCAL a directory: into it; an existing\n"
    "                                     file needs --overwrite)\n"
    "\n"
    "--json prints the outcome or the error as one JSON object (a listing cut\n"
    "short: the listing, \"complete\":false, then the error object).\n"
    "Exit status: 0 success, 1 failure, 2 usage error, 130 interrupted (SIGINT,\n"
    "SIGTERM).\n"
    "\n" COMMON_HELP;

/* --help (the usage) or --version (the library's), as text or with --json as an object. */
static void help_or_version(const options *o, int help) {
    char version[128];
    snprintf(version, sizeof version, "cosv4 (libcosv4 %s, header %s)", cosv4_version(),
             COSV4_VERSION_STRING);
    if (!o->json) {
        fputs(help ? USAGE : version, stdout);
        if (!help) putchar('\n');
        return;
    }
    printf("{\"ok\":true,\"cmd\":\"%s\",\"%s\":", help ? "help" : "version",
           help ? "usage" : "version");
    json_string(stdout, help ? USAGE : version);
    printf("}\n");
}

/* Returns -1 to exit with 0 (help, version), 0 to go on, else the exit status of a usage error. */
static int parse_args(int argc, char **argv, options *o) {
    static const struct {
        const char *name;
        int min, max;
    } cmds[] = {{"stat", 1, 1}, {"ls", 1, 2},  {"rm", 1, 1},
                {"mkdir", 1, 1}, {"mv", 2, 2}, {"get", 2, 2}};
    const cosv4_result bad = COSV4_RESULT_INVALID_ARGUMENT;
    int i, k, r, only_positional = 0;
    memset(o, 0, sizeof *o);
    o->common.prog = "cosv4";
    o->json = o->common.json = wants_json(argc, argv);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_positional && (r = cli_option(&o->common, argc, argv, &i)) >= 0) {
            if (r) return r;
        } else if (!only_positional && a[0] == '-' && a[1] == '-') {
            if (!strcmp(a, "--")) only_positional = 1;
            else if (!strcmp(a, "--help") || !strcmp(a, "--version")) {
                help_or_version(o, !strcmp(a, "--help"));
                return -1;
            } else if (!strcmp(a, "--json")) o->json = 1;
            else if (!strcmp(a, "--quiet")) o->quiet = 1;
            else if (!strcmp(a, "--overwrite")) o->overwrite = 1;
            else if (!strcmp(a, "--num")) {
                uint64_t n;
                if (i + 1 >= argc)
                    return early_error(o, bad, "--num needs a number from 1 to 1000");
                if (parse_number(argv[++i], 1, 1000, &n) != 0)
                    return early_error(o, bad,
                                       "--num needs a number from 1 to 1000 (digits only), "
                                       "not \"%s\"",
                                       argv[i]);
                o->num = (uint32_t)n;
            } else {
                return early_error(o, bad, "unknown option %s (see --help)", a);
            }
        } else if (!o->cmd) o->cmd = a;
        else if (o->nargs < 3) o->args[o->nargs++] = a;
        else return early_error(o, bad, "too many arguments (see --help)");
    }
    if (!o->cmd) {
        if (!o->json) fputs(USAGE, stderr);
        return early_error(o, bad, "no command given (see --help)");
    }
    for (k = 0; k < (int)(sizeof cmds / sizeof cmds[0]); k++) {
        if (strcmp(o->cmd, cmds[k].name)) continue;
        if (o->nargs < cmds[k].min || o->nargs > cmds[k].max)
            return early_error(o, bad, "%s: wrong number of arguments (see --help)", o->cmd);
        return 0;
    }
    return early_error(o, bad, "unknown command %s (see --help)", o->cmd);
}

/* A client from the shared settings. A set-up mistake sets *what (a sentence); a failure of
 * cosv4_client_new sets *err instead. */
static cosv4_result make_client(options *o, cosv4_client **out, cosv4_error **err,
                                const char **what) {
    cosv4_config *cfg = NULL;
    cosv4_result rc = cli_config(&o->common, &cfg, what);
    if (rc) return rc;
    *what = NULL;
    return cosv4_client_new(cfg, out, err); /* consumes cfg */
}

int main(int argc, char **argv) {
    options o;
    cosv4_client *client = NULL;
    cosv4_error *err = NULL;
    const char *what = NULL, *bucket;
    cosv4_result rc;
    int parsed = parse_args(argc, argv, &o), code = 0;

    if (parsed) return parsed < 0 ? 0 : parsed;
    if (start_watcher() != 0)
        return early_error(&o, COSV4_RESULT_INTERNAL, "cannot set up signal handling: %s",
                           strerror(errno));
    rc = make_client(&o, &client, &err, &what);
    if (rc && what) {
        code = early_error(&o, rc, "%s: %s", cosv4_result_name(rc), what);
        stop_watcher();
        return code;
    }
    bucket = o.common.bucket_name;
    if (rc == COSV4_RESULT_OK) {
        if (!strcmp(o.cmd, "stat")) rc = cmd_stat(&o, client, bucket, &err);
        else if (!strcmp(o.cmd, "ls")) rc = cmd_ls(&o, client, bucket, &err);
        else if (!strcmp(o.cmd, "get")) rc = cmd_get(&o, client, bucket, &err);
        else rc = cmd_simple(&o, client, bucket, &err);
    }
    stop_watcher();
    if (rc) {
        print_error(&o, rc, err);
        code = exit_code(rc);
        if (code == EXIT_INTERRUPTED && !o.quiet && !strcmp(o.cmd, "get"))
            fprintf(stderr, "cosv4 get: interrupted; run the same command again to resume\n");
    }
    cosv4_error_free(err);
    cosv4_client_free(client);
    return code;
}
