/*
 * cosv4-upload: upload one file, or a directory tree, to Tencent COS (v4 JSON API) with
 * libcosv4.
 *
 *   cosv4-upload [options] LOCAL_FILE COS_PATH
 *   cosv4-upload -r [options] LOCAL_DIR COS_FOLDER/      (cosv4-upload-batch.h)
 *
 * Credentials and target come from flags, the environment (COS_APPID, COS_SECRET_ID,
 * COS_SECRET_KEY, COS_BUCKET, and COS_ENDPOINT, a base URL such as http://127.0.0.1:8080, or
 * COS_REGION: gz, sh, ...) or coscmd's ~/.cos.conf (cli_common.h, shared with cosv4.c).
 * LOCAL_FILE "-" is standard input, spooled to a temporary file first (the protocol needs the
 * size and the SHA-1 before the first byte). Ctrl-C cancels cleanly (exit 130); running the
 * same command again resumes the upload.
 * Missing folders of COS_PATH are created first (the service refuses an upload into a folder
 * that does not exist); --no-create-parents turns that off.
 *
 * Build: cc -Iinclude examples-c/cosv4-upload.c target/release/libcosv4.a \
 *           -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o cosv4-upload
 *    or: cc -Iinclude examples-c/cosv4-upload.c -Ltarget/release -lcosv4 -lpthread
 */
#define _POSIX_C_SOURCE 200809L

#include "cli_common.h" /* exit codes, signals, numbers, JSON, the config (cli_config) */

#include <pthread.h>
#include <time.h>

typedef struct {
    uint64_t slice_size;       /* 0: library default */
    uint64_t simple_threshold; /* 0: library default */
    uint32_t threads;          /* 0: library default */
    uint32_t jobs;             /* -r: files at once; 0: library default */
    int no_sha, overwrite, replace_stale, no_create_parents, quiet, json;
    int recursive, follow_symlinks;
    /* -r, sync (cosv4-upload-batch.h): a cosv4_sync_mode, --delete, --force, --dry-run */
    uint32_t sync_mode;
    int delete_extra, force, dry_run;
    /* -r: the --include/--exclude/--exclude-from arguments in command-line order, 2 strings
     * each (the option, its value; nfilters counts strings): parse_args moves them to the
     * front of argv, as GNU getopt permutes argv, and `filters` points there */
    char **filters;
    int nfilters;
    const char *biz_attr;
    const char *local, *cos_path; /* with -r: LOCAL_DIR and COS_FOLDER */
    cli_common common;            /* the options shared with cosv4 */
} options;

/* ---- signals (cli_common.h): a watcher thread cancels ---- */

/* Waits for a byte: 'c' (a signal) cancels the token, 'q' ends the watcher. */
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

/* SIGINT and SIGTERM cancel `token` from now on; -1 (said on stderr) when that cannot be set
 * up. */
static int start_watcher(const cosv4_cancel_token *token, pthread_t *thread) {
    int e = install_signals() != 0 ? errno : pthread_create(thread, NULL, watcher, (void *)token);
    if (e) fprintf(stderr, "cosv4-upload: signal setup: %s\n", strerror(e));
    return e ? -1 : 0;
}

/* Stops the watcher; a signal arriving from now on only sets `interrupted`. */
static void stop_watcher(pthread_t thread) {
    char q = 'q';
    if (write(wake_pipe[1], &q, 1) == 1) pthread_join(thread, NULL);
}

/* ---- progress ---- */

typedef struct {
    int tty, quiet;
    double start, last_draw;
    uint32_t last_phase;
    int last_decile; /* non-tty: the last 10 % step printed */
    int drawn;       /* a \r line is on screen */
} progress_state;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1536 -> "1.5 KiB" */
static void human(double bytes, char *out, size_t len) {
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024.0 && u < 4) {
        bytes /= 1024.0;
        u++;
    }
    snprintf(out, len, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

static int32_t on_progress(void *userdata, const cosv4_progress *p) {
    progress_state *s = (progress_state *)userdata;
    double now = now_s(), elapsed = now - s->start;
    int phase_changed = p->phase != s->last_phase;
    uint64_t total = p->bytes_total ? p->bytes_total : 1;
    uint64_t done = p->phase == COSV4_PHASE_HASHING ? p->bytes_hashed : p->bytes_done;
    int percent = (int)(done * 100 / total);
    char d[32], t[32], speed[32];

    if (p->bytes_total == 0) percent = p->phase == COSV4_PHASE_DONE ? 100 : 0;
    if (s->quiet) return 0;
    if (!s->tty) {
        int decile = percent / 10;
        if (phase_changed || decile > s->last_decile) {
            const char *what = p->phase == COSV4_PHASE_HASHING ? "hashing" : "uploading";
            if (p->phase == COSV4_PHASE_DONE) what = "done";
            fprintf(stderr, "%s %d%% (%" PRIu64 "/%" PRIu64 " bytes)\n", what, percent, done,
                    p->bytes_total);
            s->last_decile = decile;
        }
        s->last_phase = p->phase;
        return 0;
    }
    /* A terminal: redraw at most 10 times a second, and at every phase change. */
    if (!phase_changed && p->phase != COSV4_PHASE_DONE && now - s->last_draw < 0.1) return 0;
    if (phase_changed && s->drawn) fputc('\n', stderr);
    s->last_draw = now;
    s->last_phase = p->phase;
    human((double)done, d, sizeof d);
    human((double)p->bytes_total, t, sizeof t);
    if (p->phase == COSV4_PHASE_HASHING) {
        fprintf(stderr, "\rhashing   %3d%% %s / %s\x1b[K", percent, d, t);
    } else {
        char bar[31];
        int i, fill = percent * 30 / 100;
        double rate = elapsed > 0 ? (double)p->bytes_done / elapsed : 0;
        for (i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '-';
        bar[30] = '\0';
        human(rate, speed, sizeof speed);
        fprintf(stderr, "\r[%s] %3d%% %s / %s  %s/s", bar, percent, d, t, speed);
        if (p->phase == COSV4_PHASE_DONE) {
            fprintf(stderr, "  done in %.1fs\x1b[K\n", elapsed);
            s->drawn = 0;
            return 0;
        }
        if (rate > 0 && p->bytes_total > p->bytes_done) {
            double eta = (double)(p->bytes_total - p->bytes_done) / rate;
            fprintf(stderr, "  ETA %dm%02ds", (int)eta / 60, (int)eta % 60);
        }
        fputs("\x1b[K", stderr);
    }
    s->drawn = 1;
    fflush(stderr);
    return 0;
}

/* ---- output ---- */

/* NAME (COS code C, HTTP status H): message -- the message on one line (see escaped). */
static void error_text(FILE *f, cosv4_result rc, uint32_t http_status, int has_cos_code,
                       int64_t cos_code, const char *message) {
    char cos[32] = "none";
    if (has_cos_code) snprintf(cos, sizeof cos, "%" PRId64, cos_code);
    fprintf(f, "%s (COS code %s, HTTP status %u): ", cosv4_result_name(rc), cos, http_status);
    escaped(f, message, 0);
}

static const char *method_name(uint32_t m) {
    switch (m) {
    case COSV4_METHOD_SIMPLE: return "simple";
    case COSV4_METHOD_SLICES: return "slices";
    case COSV4_METHOD_INSTANT: return "instant";
    default: return "unknown";
    }
}

static void print_result(const options *o, const cosv4_upload_result *r) {
    if (o->json) {
        printf("{\"ok\":true,\"cos_path\":");
        json_string(stdout, o->cos_path);
        printf(",\"access_url\":");
        json_string(stdout, cosv4_upload_result_access_url(r));
        printf(",\"resource_path\":");
        json_string(stdout, cosv4_upload_result_resource_path(r));
        printf(",\"source_url\":");
        json_string(stdout, cosv4_upload_result_source_url(r));
        printf(",\"url\":");
        json_string(stdout, cosv4_upload_result_url(r));
        printf(",\"method\":\"%s\",\"resumed\":%s,\"bytes_total\":%" PRIu64
               ",\"bytes_sent\":%" PRIu64 ",\"slices_total\":%" PRIu64
               ",\"slices_sent\":%" PRIu64 ",\"slices_skipped\":%" PRIu64
               ",\"retries\":%u,\"slice_size\":%" PRIu64 "}\n",
               method_name(cosv4_upload_result_method(r)),
               cosv4_upload_result_resumed(r) ? "true" : "false",
               cosv4_upload_result_bytes_total(r), cosv4_upload_result_bytes_sent(r),
               cosv4_upload_result_slices_total(r), cosv4_upload_result_slices_sent(r),
               cosv4_upload_result_slices_skipped(r), cosv4_upload_result_retries(r),
               cosv4_upload_result_slice_size(r));
    } else if (!o->quiet) {
        printf("uploaded %s (%" PRIu64 " bytes, %s%s)\n%s\n", o->cos_path,
               cosv4_upload_result_bytes_total(r), method_name(cosv4_upload_result_method(r)),
               cosv4_upload_result_resumed(r) ? ", resumed" : "",
               cosv4_upload_result_access_url(r));
    }
}

static const char *error_message(cosv4_result rc, const cosv4_error *err) {
    return err ? cosv4_error_message(err) : cosv4_strerror(rc);
}

/* The stderr line of a failed call. */
static void error_line(cosv4_result rc, const cosv4_error *err) {
    fputs("cosv4-upload: ", stderr);
    error_text(stderr, rc, cosv4_error_http_status(err), cosv4_error_has_cos_code(err),
               cosv4_error_cos_code(err), error_message(rc, err));
    fputc('\n', stderr);
}

/* One stderr line always; with --json also an object on stdout. */
static void print_error(const options *o, cosv4_result rc, const cosv4_error *err) {
    error_line(rc, err);
    if (o->json) json_error(rc, err, error_message(rc, err));
}

/* ---- command line ---- */

static void usage(FILE *f) {
    fprintf(f,
            "usage: cosv4-upload [options] LOCAL_FILE COS_PATH\n"
            "       cosv4-upload -r [options] LOCAL_DIR COS_FOLDER/\n"
            "\n"
            "Uploads LOCAL_FILE to COS_PATH (e.g. /dir/name.bin) in the bucket; with -r,\n"
            "every file under LOCAL_DIR to the same relative path under COS_FOLDER/ (empty\n"
            "directories become empty folders). LOCAL_FILE - is standard input: it is copied\n"
            "to a temporary file in $TMPDIR (default /tmp) first, because the protocol needs\n"
            "the size and the SHA-1 before the first byte (that much free space is needed;\n"
            "the copy is removed whatever happens). A file named - is ./-.\n"
            "\n"
            "  -r, --recursive     upload the tree LOCAL_DIR to the folder COS_FOLDER/\n"
            "  --jobs N            -r: files uploaded at once, 1 to 32 (default 4)\n"
            "  --follow-symlinks   -r: follow symbolic links (default: skip them)\n"
            "  --sync              -r: send only what changed: skip a file whose object has\n"
            "                      the same size and SHA-1 (replace the others)\n"
            "  --size-only         -r: as --sync, comparing sizes only\n"
            "  --delete            -r --sync: then delete the remote files (and folders left\n"
            "                      empty) under COS_FOLDER/ that LOCAL_DIR lacks; refused\n"
            "                      when LOCAL_DIR is empty\n"
            "  --force             -r --delete: delete even when LOCAL_DIR is empty\n"
            "  --dry-run           -r: list and compare, print what would be uploaded and\n"
            "                      deleted, change nothing\n"
            "  --include GLOB      -r: only the paths matching a GLOB (repeatable)\n"
            "  --exclude GLOB      -r: not the paths matching GLOB, nor delete them\n"
            "                      (repeatable; .gitignore rules: *.log, docs/, a/**/b)\n"
            "  --exclude-from FILE -r: --exclude each line of FILE (blank lines and lines\n"
            "                      starting with # ignored)\n"
            "  --slice-size BYTES  524288, 1048576 (default), 2097152 or 3145728\n"
            "  --simple-threshold BYTES\n"
            "                      larger files go in slices (default 8388608, at most\n"
            "                      20000000)\n"
            "  --threads N         slices in flight per file, 1 to 32 (default 4)\n"
            "  --no-sha            do not send the SHA-1 (skips hashing the file)\n"
            "  --overwrite         replace an existing object (insertOnly=0)\n"
            "  --biz-attr TEXT     attribute stored with the object (not with -r)\n"
            "  --replace-stale     delete an unfinished upload that cannot be resumed\n"
            "                      (not with -r)\n"
            "  --no-create-parents do not create the missing folders of COS_PATH first\n"
            "                      (by default they are: one stat when the folder exists;\n"
            "                      -r always creates them)\n"
            "  --quiet             no progress and no summary\n"
            "  --json              print the outcome or the error as one JSON object; with\n"
            "                      -r one object per line per item, then a summary line\n"
            "  --help, --version\n"
            "\n%s"
            "\n"
            "Ctrl-C cancels (exit 130); running the same command again resumes.\n"
            "Exit status: 0 success (with -r: no item failed), 1 failure, 2 usage error,\n"
            "130 interrupted.\n",
            COMMON_HELP);
}

/* A usage error: on stderr, and with --json as the error object on stdout; EXIT_USAGE. */
#define usage_error(o, ...) cli_fail(&(o)->common, COSV4_RESULT_INVALID_ARGUMENT, __VA_ARGS__)

/* Refuses options that do not apply to the mode (-r or not). */
static int check_mode(const options *o) {
    const char *opt = NULL, *why = NULL;
    if (o->recursive) {
        if (o->biz_attr) opt = "--biz-attr", why = "a batch sets no attribute";
        else if (o->replace_stale)
            opt = "--replace-stale", why = "a batch never deletes an unfinished upload";
        else if (o->no_create_parents)
            opt = "--no-create-parents", why = "a batch always creates the folders it needs";
        else if (!strcmp(o->local, "-"))
            opt = "LOCAL_DIR \"-\"", why = "standard input is one file; ./- names a directory -";
        if (opt) return usage_error(o, "%s does not apply to -r (%s)", opt, why);
        if (o->delete_extra && !o->sync_mode)
            return usage_error(o, "--delete needs --sync or --size-only (the remote side is "
                                  "compared only then)");
        if (o->force && !o->delete_extra)
            return usage_error(o, "--force applies only with --delete");
        return 0;
    }
    if (o->jobs) opt = "--jobs";
    else if (o->follow_symlinks) opt = "--follow-symlinks";
    else if (o->sync_mode == COSV4_SYNC_MODE_SIZE_ONLY) opt = "--size-only";
    else if (o->sync_mode) opt = "--sync";
    else if (o->delete_extra) opt = "--delete";
    else if (o->force) opt = "--force";
    else if (o->dry_run) opt = "--dry-run";
    else if (o->nfilters) opt = o->filters[0];
    if (opt) return usage_error(o, "%s applies only to -r (a directory tree)", opt);
    return 0;
}

/* Returns -1 to exit with 0 (help/version), 0 to go on, EXIT_USAGE on an error. */
static int parse_args(int argc, char **argv, options *o) {
    int i, r, positional = 0, only_positional = 0;
    memset(o, 0, sizeof *o);
    o->common.prog = "cosv4-upload";
    o->json = o->common.json = wants_json(argc, argv);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        uint64_t n;
        if (!only_positional && (r = cli_option(&o->common, argc, argv, &i)) >= 0) {
            if (r) return r;
        } else if (!only_positional && (!strcmp(a, "-r") || !strcmp(a, "--recursive")))
            o->recursive = 1;
        else if (!only_positional && a[0] == '-' && a[1] == '-') {
            if (!strcmp(a, "--")) only_positional = 1;
            else if (!strcmp(a, "--help")) { usage(stdout); return -1; }
            else if (!strcmp(a, "--version")) {
                printf("cosv4-upload (libcosv4 %s, header %s)\n", cosv4_version(),
                       COSV4_VERSION_STRING);
                return -1;
            } else if (!strcmp(a, "--no-sha")) o->no_sha = 1;
            else if (!strcmp(a, "--overwrite")) o->overwrite = 1;
            else if (!strcmp(a, "--replace-stale")) o->replace_stale = 1;
            else if (!strcmp(a, "--no-create-parents")) o->no_create_parents = 1;
            else if (!strcmp(a, "--quiet")) o->quiet = 1;
            else if (!strcmp(a, "--json")) o->json = 1;
            else if (!strcmp(a, "--follow-symlinks")) o->follow_symlinks = 1;
            else if (!strcmp(a, "--sync")) {
                if (!o->sync_mode) o->sync_mode = COSV4_SYNC_MODE_CHECKSUM;
            } else if (!strcmp(a, "--size-only")) o->sync_mode = COSV4_SYNC_MODE_SIZE_ONLY;
            else if (!strcmp(a, "--delete")) o->delete_extra = 1;
            else if (!strcmp(a, "--force")) o->force = 1;
            else if (!strcmp(a, "--dry-run")) o->dry_run = 1;
            else if (!strcmp(a, "--include") || !strcmp(a, "--exclude") ||
                     !strcmp(a, "--exclude-from")) {
                char *opt = argv[i], *value;
                int front = 1 + o->nfilters;
                if (i + 1 >= argc) return usage_error(o, "%s needs a value", a);
                value = argv[++i];
                /* argv[front..i-2] (already parsed) move up by 2; the pair goes to front. */
                memmove(argv + front + 2, argv + front, (size_t)(i - 1 - front) * sizeof *argv);
                argv[front] = opt;
                argv[front + 1] = value;
                o->filters = argv + 1;
                o->nfilters += 2;
            }
            else if (!strcmp(a, "--slice-size") || !strcmp(a, "--threads") ||
                     !strcmp(a, "--jobs") || !strcmp(a, "--simple-threshold") ||
                     !strcmp(a, "--biz-attr")) {
                int small = !strcmp(a, "--threads") || !strcmp(a, "--jobs");
                if (i + 1 >= argc) return usage_error(o, "%s needs a value", a);
                if (!strcmp(a, "--biz-attr")) { o->biz_attr = argv[++i]; continue; }
                if (parse_number(argv[++i], 1, small ? UINT32_MAX : UINT64_MAX, &n) != 0)
                    return usage_error(o, "%s needs a positive number in decimal digits (no "
                                          "sign or spaces), not \"%s\"", a, argv[i]);
                if (!strcmp(a, "--threads")) o->threads = (uint32_t)n;
                else if (!strcmp(a, "--jobs")) o->jobs = (uint32_t)n;
                else if (!strcmp(a, "--simple-threshold")) o->simple_threshold = n;
                else o->slice_size = n;
            } else return usage_error(o, "unknown option %s (see --help)", a);
        } else if (positional == 0) { o->local = a; positional++; }
        else if (positional == 1) { o->cos_path = a; positional++; }
        else return usage_error(o, "too many arguments (see --help)");
    }
    if (positional != 2)
        return usage_error(o, "need %s (see --help)",
                           o->recursive ? "LOCAL_DIR and COS_FOLDER/" : "LOCAL_FILE and COS_PATH");
    return check_mode(o);
}

/* A config from the shared settings and the options; fails with a code and a message. */
static cosv4_result make_config(options *o, cosv4_config **out, const char **what) {
    cosv4_config *cfg = NULL;
    cosv4_result rc = cli_config(&o->common, &cfg, what);
    if (rc) return rc;
    if (o->slice_size)
        step(cfg, &rc, what, cosv4_config_set_slice_size(cfg, o->slice_size),
             "bad --slice-size (524288, 1048576, 2097152 or 3145728)");
    if (o->simple_threshold)
        step(cfg, &rc, what, cosv4_config_set_simple_threshold(cfg, o->simple_threshold),
             "bad --simple-threshold (at most 20000000)");
    if (o->threads)
        step(cfg, &rc, what, cosv4_config_set_workers(cfg, o->threads), "bad --threads (1 to 32)");
    if (o->no_sha)
        step(cfg, &rc, what, cosv4_config_set_integrity(cfg, 0), "cannot turn off the SHA-1");
    if (rc) {
        cosv4_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return COSV4_RESULT_OK;
}

/* ---- the two modes ---- */

#include "cosv4-upload-batch.h" /* -r: upload_tree */

/* One file: LOCAL_FILE to COS_PATH. Returns the exit status. */
static int upload_one_file(const options *o, const cosv4_client *client, const char *bucket) {
    cosv4_upload_options *uopts = NULL;
    cosv4_cancel_token *token = NULL;
    cosv4_upload_result *result = NULL;
    cosv4_error *err = NULL;
    progress_state ps;
    pthread_t watch_thread;
    cosv4_result rc = COSV4_RESULT_OK;
    int code;

    memset(&ps, 0, sizeof ps);
    ps.tty = isatty(STDERR_FILENO);
    ps.quiet = o->quiet;
    ps.start = now_s();
    ps.last_decile = -1;
    if (cosv4_upload_options_new(&uopts) || cosv4_cancel_token_new(&token) ||
        cosv4_upload_options_set_cancel_token(uopts, token) ||
        cosv4_upload_options_set_progress(uopts, on_progress, &ps) ||
        cosv4_upload_options_set_insert_only(uopts, o->overwrite ? 0 : 1) ||
        cosv4_upload_options_set_replace_stale(uopts, o->replace_stale ? 1 : 0) ||
        cosv4_upload_options_set_create_parents(uopts, o->no_create_parents ? 0 : 1) ||
        (o->biz_attr && (rc = cosv4_upload_options_set_biz_attr(uopts, o->biz_attr)) != 0)) {
        fprintf(stderr, "cosv4-upload: cannot set up the upload: %s\n",
                rc ? cosv4_strerror(rc) : "out of memory");
        code = rc ? exit_code(rc) : 1;
        goto done;
    }
    if (start_watcher(token, &watch_thread) != 0) {
        code = 1;
        goto done;
    }

    rc = cosv4_client_upload_file(client, bucket, o->cos_path, o->local, uopts, &result, &err);

    stop_watcher(watch_thread);
    if (ps.drawn) fputc('\n', stderr);
    if (rc == COSV4_RESULT_OK) {
        print_result(o, result);
        code = 0;
    } else {
        print_error(o, rc, err);
        code = exit_code(rc);
        if (code == EXIT_INTERRUPTED && !o->quiet)
            fprintf(stderr, "cosv4-upload: interrupted; run the same command again to resume\n");
    }
done:
    cosv4_upload_result_free(result);
    cosv4_error_free(err);
    cosv4_upload_options_free(uopts);
    cosv4_cancel_token_free(token);
    return code;
}

/* Writes all `n` bytes of `p` to `fd`: 0, else -1 (errno set). */
static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* LOCAL_FILE "-": standard input copied into a temporary file in $TMPDIR (default /tmp),
 * which is unlinked at once -- so it is gone on every exit, a signal or a crash included --
 * and read back as /dev/fd/N (written to `path`). Returns the descriptor, or -1 when the copy
 * failed (reported). */
static int spool_stdin(const options *o, char *path, size_t len) {
    const char *dir = env("TMPDIR") ? env("TMPDIR") : "/tmp", *failed = NULL;
    static char buf[1 << 16];
    char name[4096];
    ssize_t n;
    int fd = -1;
    if ((size_t)snprintf(name, sizeof name, "%s/cosv4-upload-stdin-XXXXXX", dir) >= sizeof name)
        errno = ENAMETOOLONG;
    else if ((fd = mkstemp(name)) >= 0 && unlink(name) != 0)
        close(fd), fd = -1;
    if (fd < 0) {
        cli_fail(&o->common, COSV4_RESULT_LOCAL_IO,
                 "cannot make a temporary file in %s for standard input: %s", dir, strerror(errno));
        return -1;
    }
    for (;;) {
        n = read(STDIN_FILENO, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) failed = "cannot read standard input";
        else if (n > 0 && write_all(fd, buf, (size_t)n) != 0)
            failed = "cannot copy standard input to a temporary file in $TMPDIR";
        if (n <= 0 || failed) break;
    }
    if (failed) {
        cli_fail(&o->common, COSV4_RESULT_LOCAL_IO, "%s: %s", failed,
                 strerror(errno));
        close(fd);
        return -1;
    }
    snprintf(path, len, "/dev/fd/%d", fd);
    return fd;
}

int main(int argc, char **argv) {
    options o;
    cosv4_config *cfg = NULL;
    cosv4_client *client = NULL;
    cosv4_error *err = NULL;
    const char *what = NULL;
    char stdin_path[32];
    cosv4_result rc;
    int parsed = parse_args(argc, argv, &o), code, fd = -1;

    if (parsed) return parsed < 0 ? 0 : parsed;
    rc = make_config(&o, &cfg, &what);
    if (rc) return cli_fail(&o.common, rc, "%s: %s", cosv4_result_name(rc), what);
    rc = cosv4_client_new(cfg, &client, &err); /* consumes cfg */
    if (rc) {
        print_error(&o, rc, err);
        cosv4_error_free(err);
        return exit_code(rc);
    }
    if (!o.recursive && !strcmp(o.local, "-")) {
        if ((fd = spool_stdin(&o, stdin_path, sizeof stdin_path)) < 0) {
            cosv4_client_free(client);
            return 1;
        }
        o.local = stdin_path;
    }
    code = o.recursive ? upload_tree(&o, client, o.common.bucket_name)
                       : upload_one_file(&o, client, o.common.bucket_name);
    if (fd >= 0) close(fd);
    cosv4_client_free(client);
    return code;
}
