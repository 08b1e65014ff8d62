/*
 * cosv4-upload -r: a directory tree to a COS folder through cosv4_client_upload_dir.
 *
 * Part of cosv4-upload.c, which includes it once (the CLI builds from that one source file);
 * it uses that file's options, output helpers, signal watcher and exit codes.
 *
 * What it prints:
 * - stderr, on a terminal and without --quiet: one progress line for the whole batch (files
 *   done/found, bytes done/found, speed, ETA once the walk is over), redrawn in place.
 * - stderr: a line per failed item (local path, cos path, result code name, COS code, HTTP
 *   status, message) always; a line per skipped item (a symbolic link, a FIFO, ...; not the
 *   files --sync found unchanged) without --quiet.
 * - stdout without --json or --quiet: a line per remote item deleted (--delete) or, with
 *   --dry-run, per item that would be uploaded or deleted; a summary line at the end.
 * - stdout with --json: one object per line per item as it ends, then a summary line (see
 *   json_item and json_summary). Each line is built whole in memory, then written and flushed,
 *   so a reader never sees part of a line. Nothing is kept per item: memory does not grow
 *   with the number of files.
 */

/* The batch as the callbacks see it. */
typedef struct {
    const options *o;
    int draw;      /* stderr is a terminal and not --quiet: the progress line */
    int drawn;     /* a progress line is on screen */
    int broken;    /* a JSON line could not be made (out of memory): stop */
    double start, last_draw;
    cosv4_batch_progress last; /* the latest aggregate */
    uint64_t uploaded, folders, skipped, unchanged, failed, deleted, would_upload, would_delete;
    uint64_t bytes_sent;
} batch_state;

/* ---- the progress line ---- */

static void batch_clear_line(batch_state *s) {
    if (!s->drawn) return;
    fputs("\r\x1b[K", stderr);
    fflush(stderr);
    s->drawn = 0;
}

/* files 12/40  3.4 MiB / 10.0 MiB  1.2 MiB/s  ETA 0m05s ("40+" while the walk goes on) */
static void batch_draw(batch_state *s) {
    const cosv4_batch_progress *p = &s->last;
    char done[32], known[32], speed[32];
    human((double)p->bytes_done, done, sizeof done);
    human((double)p->bytes_known, known, sizeof known);
    human((double)p->bytes_per_second, speed, sizeof speed); /* the last 5 s, from the library */
    fprintf(stderr, "\rfiles %" PRIu64 "/%" PRIu64 "%s  %s / %s  %s/s", p->files_done,
            p->files_known, p->walk_done ? "" : "+", done, known, speed);
    if (p->eta_ms > 0) {
        int64_t eta = p->eta_ms / 1000;
        fprintf(stderr, "  ETA %dm%02ds", (int)(eta / 60), (int)(eta % 60));
    }
    fputs("\x1b[K", stderr);
    fflush(stderr);
    s->drawn = 1;
    s->last_draw = now_s();
}

static int32_t on_batch_progress(void *userdata, const cosv4_batch_progress *p) {
    batch_state *s = (batch_state *)userdata;
    s->last = *p;
    if (s->draw && now_s() - s->last_draw >= 0.1) batch_draw(s);
    return 0;
}

/* ---- lines ---- */

/* A line built in memory, then written whole (see the top comment). */
typedef struct {
    FILE *f;
    char *buf;
    size_t len;
} line;

static int line_open(line *l) {
    l->buf = NULL;
    l->len = 0;
    l->f = open_memstream(&l->buf, &l->len);
    return l->f ? 0 : -1;
}

/* Ends the line with '\n', writes it to stdout and flushes; -1 when it could not be made. */
static int line_write(line *l) {
    int ok;
    fputc('\n', l->f);
    ok = !ferror(l->f);
    if (fclose(l->f) != 0) ok = 0;
    if (ok) {
        fwrite(l->buf, 1, l->len, stdout);
        fflush(stdout);
    }
    free(l->buf);
    return ok ? 0 : -1;
}

/* The --json name of an item's status (a cosv4_batch_status). */
static const char *status_name(uint32_t status) {
    switch (status) {
    case COSV4_BATCH_STATUS_UPLOADED:
    case COSV4_BATCH_STATUS_FOLDER: return "uploaded";
    case COSV4_BATCH_STATUS_SKIPPED:
    case COSV4_BATCH_STATUS_UNCHANGED: return "skipped";
    case COSV4_BATCH_STATUS_FAILED: return "failed";
    case COSV4_BATCH_STATUS_DELETED: return "deleted";
    case COSV4_BATCH_STATUS_WOULD_UPLOAD: return "would-upload";
    case COSV4_BATCH_STATUS_WOULD_DELETE: return "would-delete";
    default: return "unknown";
    }
}

/* A folder's cos path ends in '/'. */
static int is_folder(const char *cos_path) {
    size_t n = strlen(cos_path);
    return n > 0 && cos_path[n - 1] == '/';
}

/* One item as it ended:
 *   {"local":"...","path":"/dst/a.txt","status":"uploaded","bytes":N,"bytes_sent":N}
 *   {"local":"...","path":"/dst/empty/","status":"uploaded","folder":true,"bytes":0,
 *    "bytes_sent":0}
 *   {"local":"...","path":"/dst/link","status":"skipped","bytes":0,"reason":"..."}
 *   {"local":"...","path":"/dst/same.txt","status":"skipped","bytes":N,"reason":"unchanged"}
 *   {"local":null,"path":"/dst/gone.txt","status":"deleted","bytes":N}
 *   {"local":"...","path":"/dst/new.txt","status":"would-upload","bytes":N}
 *   {"local":null,"path":"/dst/old/","status":"would-delete","folder":true,"bytes":0}
 *   {"local":"...","path":"/dst/x","status":"failed","bytes":N,"error":{"result":N,
 *    "result_name":"COSV4_RESULT_...","http_status":N,"cos_code":N or null,"message":"..."}}
 * `local` is the local path (bytes that are not UTF-8 become \ufffd), null for a remote item
 * with no local counterpart (deleted, would-delete, a deletion withheld or failed); `folder`
 * marks any folder item; `bytes` the file's size (the remote one for remote items);
 * `bytes_sent` what this run sent of an uploaded file (0 when the server already had the
 * content). */
static int json_item(const cosv4_batch_file_event *e) {
    line l;
    if (line_open(&l) != 0) return -1;
    fputs("{\"local\":", l.f);
    if (*e->local_path) json_string(l.f, e->local_path);
    else fputs("null", l.f);
    fputs(",\"path\":", l.f);
    json_string(l.f, e->cos_path);
    fprintf(l.f, ",\"status\":\"%s\"", status_name(e->status));
    if (is_folder(e->cos_path)) fputs(",\"folder\":true", l.f);
    fprintf(l.f, ",\"bytes\":%" PRIu64, e->bytes);
    if (e->status == COSV4_BATCH_STATUS_UPLOADED || e->status == COSV4_BATCH_STATUS_FOLDER)
        fprintf(l.f, ",\"bytes_sent\":%" PRIu64, e->bytes_sent);
    if (e->status == COSV4_BATCH_STATUS_UNCHANGED) fputs(",\"reason\":\"unchanged\"", l.f);
    if (e->status == COSV4_BATCH_STATUS_SKIPPED) {
        fputs(",\"reason\":", l.f);
        json_string(l.f, e->reason);
    }
    if (e->kind == COSV4_BATCH_EVENT_FAILED) {
        fputs(",\"error\":{", l.f);
        json_error_fields(l.f, e->result_code, e->http_status, e->has_cos_code, e->cos_code);
        fputs(",\"message\":", l.f);
        json_string(l.f, e->reason);
        fputc('}', l.f);
    }
    fputc('}', l.f);
    return line_write(&l);
}

/* The name of an item in a text line: its local path, or its cos path for a remote item (as
 * a JSON string: one line, and every name shown unambiguously). */
static void item_name(FILE *f, const cosv4_batch_file_event *e) {
    json_string(f, *e->local_path ? e->local_path : e->cos_path);
}

/* The stdout line of a deletion or of what a dry run would do (not with --json or --quiet):
 *   deleted "/dst/gone.txt"
 *   would upload "photos/new.jpg" -> "/dst/new.jpg"
 *   would delete "/dst/old/" */
static void change_line(const batch_state *s, const cosv4_batch_file_event *e) {
    const char *what = e->status == COSV4_BATCH_STATUS_DELETED        ? "deleted"
                       : e->status == COSV4_BATCH_STATUS_WOULD_UPLOAD ? "would upload"
                       : e->status == COSV4_BATCH_STATUS_WOULD_DELETE ? "would delete"
                                                                      : NULL;
    if (!what || s->o->json || s->o->quiet) return;
    printf("%s ", what);
    item_name(stdout, e);
    if (*e->local_path) {
        fputs(" -> ", stdout);
        json_string(stdout, e->cos_path);
    }
    putchar('\n');
    fflush(stdout);
}

/* The stderr line of a failed or skipped item (not of an unchanged one). */
static void item_line(const batch_state *s, const cosv4_batch_file_event *e) {
    if (e->kind == COSV4_BATCH_EVENT_SKIPPED) {
        if (s->o->quiet || e->status == COSV4_BATCH_STATUS_UNCHANGED) return;
        fputs("cosv4-upload: skipped ", stderr);
        item_name(stderr, e);
        fputs(": ", stderr);
        escaped(stderr, e->reason, 0);
    } else {
        fputs("cosv4-upload: failed ", stderr);
        item_name(stderr, e);
        fputs(" -> ", stderr);
        json_string(stderr, e->cos_path);
        fputs(": ", stderr);
        error_text(stderr, e->result_code, e->http_status, e->has_cos_code, e->cos_code,
                   e->reason);
    }
    fputc('\n', stderr);
}

static int32_t on_batch_file(void *userdata, const cosv4_batch_file_event *e) {
    batch_state *s = (batch_state *)userdata;
    switch (e->status) {
    case COSV4_BATCH_STATUS_UPLOADED: s->uploaded++; break;
    case COSV4_BATCH_STATUS_FOLDER: s->folders++; break;
    case COSV4_BATCH_STATUS_SKIPPED: s->skipped++; break;
    case COSV4_BATCH_STATUS_UNCHANGED: s->skipped++, s->unchanged++; break;
    case COSV4_BATCH_STATUS_FAILED: s->failed++; break;
    case COSV4_BATCH_STATUS_DELETED: s->deleted++; break;
    case COSV4_BATCH_STATUS_WOULD_UPLOAD: s->would_upload++; break;
    case COSV4_BATCH_STATUS_WOULD_DELETE: s->would_delete++; break;
    default: return 0; /* STARTED (status 0), and statuses added later */
    }
    s->bytes_sent += e->bytes_sent;
    batch_clear_line(s);
    if (e->kind == COSV4_BATCH_EVENT_DONE) change_line(s, e);
    else item_line(s, e);
    if (s->o->json && json_item(e) != 0) {
        s->broken = 1;
        return 1; /* stops the batch: a report with a line missing would mislead */
    }
    return 0;
}

/* ---- the end ---- */

/* {"summary":{"uploaded":N,"folders":N,"skipped":N,"unchanged":N,"failed":N,"deleted":N,
 *  "bytes_sent":N,"elapsed_s":X}} -- `uploaded` counts files, `folders` the empty directories
 * mirrored (their item lines say "uploaded" with "folder":true), `skipped` includes the
 * `unchanged` items of a sync; a dry run adds "would_upload":N,"would_delete":N. When the
 * batch as a whole failed,
 * also "error":{...} (as in an item line), and "interrupted":true after Ctrl-C/SIGTERM; the
 * counts are then those of the items that ended before. */
static int json_summary(const batch_state *s, double elapsed, cosv4_result rc,
                        const cosv4_error *err) {
    line l;
    if (line_open(&l) != 0) return -1;
    fprintf(l.f,
            "{\"summary\":{\"uploaded\":%" PRIu64 ",\"folders\":%" PRIu64
            ",\"skipped\":%" PRIu64 ",\"unchanged\":%" PRIu64 ",\"failed\":%" PRIu64
            ",\"deleted\":%" PRIu64 ",\"bytes_sent\":%" PRIu64 ",\"elapsed_s\":%.3f",
            s->uploaded, s->folders, s->skipped, s->unchanged, s->failed, s->deleted,
            s->bytes_sent, elapsed);
    if (s->o->dry_run)
        fprintf(l.f, ",\"would_upload\":%" PRIu64 ",\"would_delete\":%" PRIu64,
                s->would_upload, s->would_delete);
    if (rc != COSV4_RESULT_OK) {
        if (rc == COSV4_RESULT_CANCELLED && interrupted) fputs(",\"interrupted\":true", l.f);
        fputs(",\"error\":{", l.f);
        json_error_fields(l.f, rc, cosv4_error_http_status(err), cosv4_error_has_cos_code(err),
                          cosv4_error_cos_code(err));
        fputs(",\"message\":", l.f);
        json_string(l.f, error_message(rc, err));
        fputc('}', l.f);
    }
    fputs("}}", l.f);
    return line_write(&l);
}

/*   uploaded 3 files, 0 folders; 8 skipped, 0 failed; 1 deleted; 12.0 KiB sent in 0.1s (...)
 * (with a sync "8 skipped (8 unchanged)"); a dry run:
 *   dry run: would upload 3, would delete 1; 8 skipped (8 unchanged), 0 failed; nothing
 *   changed (0.1s) */
static void text_summary(const batch_state *s, double elapsed) {
    char sent[32], speed[32], unchanged[48] = "";
    human((double)s->bytes_sent, sent, sizeof sent);
    human(elapsed > 0 ? (double)s->bytes_sent / elapsed : 0, speed, sizeof speed);
    if (s->o->sync_mode)
        snprintf(unchanged, sizeof unchanged, " (%" PRIu64 " unchanged)", s->unchanged);
    if (s->o->dry_run)
        printf("dry run: would upload %" PRIu64 ", would delete %" PRIu64 "; %" PRIu64
               " skipped%s, %" PRIu64 " failed; nothing changed (%.1fs)\n",
               s->would_upload, s->would_delete, s->skipped, unchanged, s->failed, elapsed);
    else
        printf("uploaded %" PRIu64 " files, %" PRIu64 " folders; %" PRIu64 " skipped%s, %" PRIu64
               " failed; %" PRIu64 " deleted; %s sent in %.1fs (%s/s)\n",
               s->uploaded, s->folders, s->skipped, unchanged, s->failed, s->deleted, sent,
               elapsed, speed);
    fflush(stdout);
}

/* The batch options from the command line; COSV4_RESULT_OK or the code of the refused one,
 * with `*what` naming it. */
static cosv4_result batch_options(const options *o, cosv4_batch_options *b,
                                  const cosv4_cancel_token *token, batch_state *s,
                                  const char **what) {
    cosv4_result rc;
    *what = "bad --jobs (1 to 32)";
    if (o->jobs && (rc = cosv4_batch_options_set_jobs(b, o->jobs)) != 0) return rc;
    *what = "cannot set up the batch";
    /* Only failed items are kept in the result: the callbacks report every item, and memory
     * stays bounded whatever the number of files. */
    if ((rc = cosv4_batch_options_set_cancel_token(b, token)) != 0 ||
        (rc = cosv4_batch_options_set_insert_only(b, o->overwrite ? 0 : 1)) != 0 ||
        (rc = cosv4_batch_options_set_follow_symlinks(b, o->follow_symlinks ? 1 : 0)) != 0 ||
        (rc = cosv4_batch_options_set_keep_results(b, COSV4_BATCH_KEEP_FAILED)) != 0 ||
        (rc = cosv4_batch_options_set_sync(b, o->sync_mode)) != 0 ||
        (rc = cosv4_batch_options_set_delete(b, o->delete_extra ? 1 : 0)) != 0 ||
        (rc = cosv4_batch_options_set_force(b, o->force ? 1 : 0)) != 0 ||
        (rc = cosv4_batch_options_set_dry_run(b, o->dry_run ? 1 : 0)) != 0 ||
        (rc = cosv4_batch_options_set_file_callback(b, on_batch_file, s)) != 0)
        return rc;
    if (s->draw) return cosv4_batch_options_set_progress(b, on_batch_progress, s);
    return COSV4_RESULT_OK;
}

/* Adds an --include (`include`) or --exclude pattern; `opt`, with `file` and `line_no` for a
 * line of --exclude-from FILE, names it in an error. Returns 0, or the exit status after the
 * library's sentence on stderr (2 for a pattern it refuses). */
static int add_pattern(cosv4_batch_options *b, int include, const char *pattern,
                       const char *opt, const char *file, unsigned long line_no) {
    cosv4_error *err = NULL;
    cosv4_result rc = include ? cosv4_batch_options_add_include(b, pattern, &err)
                              : cosv4_batch_options_add_exclude(b, pattern, &err);
    if (rc == COSV4_RESULT_OK) return 0;
    fprintf(stderr, "cosv4-upload: %s", opt);
    if (file) {
        fputc(' ', stderr);
        escaped(stderr, file, 0);
        fprintf(stderr, ", line %lu", line_no);
    }
    fputs(": ", stderr);
    escaped(stderr, error_message(rc, err), 0);
    fputc('\n', stderr);
    cosv4_error_free(err);
    return exit_code(rc);
}

/* Only spaces and tabs. */
static int blank(const char *s) {
    return s[strspn(s, " \t")] == '\0';
}

/* --exclude-from FILE: each line an exclude pattern (its line end, \n or \r\n, cut), but for
 * blank lines and lines starting with '#'. Returns 0, or the exit status after a line on
 * stderr naming FILE (2 when it cannot be read, or holds a pattern the library refuses). */
static int exclude_from(cosv4_batch_options *b, const char *file) {
    FILE *f = fopen(file, "r");
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long line_no = 0;
    int code = 0;
    if (f) {
        while (code == 0 && (n = getline(&buf, &cap, f)) >= 0) {
            line_no++;
            while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = '\0';
            if (!blank(buf) && buf[0] != '#')
                code = add_pattern(b, 0, buf, "--exclude-from", file, line_no);
        }
    }
    if (!f || (code == 0 && ferror(f))) {
        fputs("cosv4-upload: --exclude-from ", stderr);
        escaped(stderr, file, 0);
        fprintf(stderr, ": cannot read it: %s\n", strerror(errno));
        code = EXIT_USAGE;
    }
    free(buf);
    if (f) fclose(f);
    return code;
}

/* The patterns of --include, --exclude and --exclude-from. Returns 0, or the exit status
 * after saying why on stderr. */
static int add_filters(const options *o, cosv4_batch_options *b) {
    int i, code = 0;
    for (i = 0; code == 0 && i + 1 < o->nfilters; i += 2) {
        const char *opt = o->filters[i], *value = o->filters[i + 1];
        if (!strcmp(opt, "--exclude-from")) code = exclude_from(b, value);
        else code = add_pattern(b, !strcmp(opt, "--include"), value, opt, NULL, 0);
    }
    return code;
}

/* -r: LOCAL_DIR to COS_FOLDER/. Returns the exit status: 0 when no item failed, 1 when one
 * did (or the batch could not run), 2 for a usage error, 130 when interrupted. */
static int upload_tree(const options *o, const cosv4_client *client, const char *bucket) {
    cosv4_batch_options *bopts = NULL;
    cosv4_cancel_token *token = NULL;
    cosv4_batch_result *result = NULL;
    cosv4_error *err = NULL;
    batch_state s;
    pthread_t watch_thread;
    const char *what = "out of memory";
    cosv4_result rc = COSV4_RESULT_OK;
    double elapsed;
    int code;

    memset(&s, 0, sizeof s);
    s.o = o;
    s.draw = !o->quiet && isatty(STDERR_FILENO);
    if (cosv4_batch_options_new(&bopts) || cosv4_cancel_token_new(&token) ||
        (rc = batch_options(o, bopts, token, &s, &what)) != 0) {
        fprintf(stderr, "cosv4-upload: %s\n", what);
        code = rc ? exit_code(rc) : 1;
        goto done;
    }
    if ((code = add_filters(o, bopts)) != 0) goto done;
    if (start_watcher(token, &watch_thread) != 0) {
        code = 1;
        goto done;
    }

    s.start = now_s();
    rc = cosv4_client_upload_dir(client, bucket, o->local, o->cos_path, bopts, &result, &err);
    elapsed = now_s() - s.start;

    stop_watcher(watch_thread);
    batch_clear_line(&s);
    if (s.broken) fprintf(stderr, "cosv4-upload: out of memory writing a JSON line; stopped\n");
    else if (rc != COSV4_RESULT_OK) error_line(rc, err);
    code = rc != COSV4_RESULT_OK ? exit_code(rc) : s.failed ? 1 : 0;
    if (o->json && !s.broken) json_summary(&s, elapsed, rc, err);
    else if (!o->json && !o->quiet && code != EXIT_USAGE) text_summary(&s, elapsed);
    if (code == EXIT_INTERRUPTED && !o->quiet)
        fprintf(stderr, "cosv4-upload: interrupted; run the same command again to finish\n");
done:
    cosv4_batch_result_free(result);
    cosv4_error_free(err);
    cosv4_batch_options_free(bopts);
    cosv4_cancel_token_free(token);
    return code;
}
