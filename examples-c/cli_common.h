/*
 * cli_common.h: what the two CLIs share -- cosv4-upload.c and cosv4.c each include it once
 * (each still builds from its one .c file; every function here is used by both).
 *
 *   - exit codes and the signal pipe (a handler that only writes a byte; each CLI has its
 *     own watcher thread);
 *   - numbers in decimal digits only, seconds, rates with K/M/G suffixes;
 *   - text and JSON whatever the bytes (a local path need not be UTF-8), the error object of
 *     --json, and usage errors (stderr, and with --json one object on stdout);
 *   - the options both CLIs take (COMMON_HELP) and the config they build: credentials,
 *     bucket and endpoint from flags, COS_* variables and coscmd's ~/.cos.conf
 *     (cli_config_file.h), proxies like curl, timeouts, retries, bandwidth limit and the
 *     library's log lines on stderr.
 *
 * Precedence of the settings: flags, then the environment, then the config file; an endpoint
 * from any of them wins over a region from any of them. The secret key is never printed.
 */
#include "cosv4.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

/* ---- signals: the handler only writes to a pipe; the CLI's watcher thread acts ---- */

static int wake_pipe[2] = {-1, -1};
static volatile sig_atomic_t interrupted = 0; /* the signal that came, 0 before */

static void on_signal(int sig) {
    int saved = errno;
    char c = 'c';
    interrupted = sig;
    if (write(wake_pipe[1], &c, 1) < 0) { /* nothing else is async-signal-safe to do */
    }
    errno = saved;
}

/* SIGINT and SIGTERM set `interrupted` and write 'c' to wake_pipe[1] from now on; -1 (errno
 * set) when that cannot be set up. */
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

/* Usage-band codes (1xx) exit with 2, an interruption with 130, the rest with 1. */
static int exit_code(cosv4_result rc) {
    if (rc == COSV4_RESULT_CANCELLED && interrupted) return EXIT_INTERRUPTED;
    return rc >= 100 && rc < 200 ? EXIT_USAGE : 1;
}

/* The value of an environment variable, NULL when unset or empty. */
static const char *env(const char *name) {
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* ---- numbers: decimal digits only (no sign, no spaces, no 0x) ---- */

/* A number from min to max: 0, else -1. */
static int parse_number(const char *s, uint64_t min, uint64_t max, uint64_t *out) {
    uint64_t v = 0;
    if (!s || !*s) return -1;
    for (; *s; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (*s < '0' || *s > '9' || v > (max - d) / 10) return -1;
        v = v * 10 + d;
    }
    if (v < min) return -1;
    *out = v;
    return 0;
}

/* Seconds as digits with at most three decimals ("10", "2.5"), in milliseconds: 0, else -1. */
static int parse_seconds(const char *s, uint64_t *ms) {
    char whole[32];
    const char *dot = strchr(s, '.');
    size_t n = dot ? (size_t)(dot - s) : strlen(s), i;
    uint64_t secs, frac = 0;
    if (n == 0 || n >= sizeof whole) return -1;
    memcpy(whole, s, n);
    whole[n] = '\0';
    if (parse_number(whole, 0, UINT64_MAX / 1000 - 1, &secs) != 0) return -1;
    if (dot) {
        size_t digits = strlen(dot + 1);
        if (digits == 0 || digits > 3 || parse_number(dot + 1, 0, 999, &frac) != 0) return -1;
        for (i = digits; i < 3; i++) frac *= 10;
    }
    *ms = secs * 1000 + frac;
    return 0;
}

/* Bytes per second: digits with an optional K, M or G (KiB, MiB, GiB; either case), as
 * curl's --limit-rate: 0, else -1. */
static int parse_rate(const char *s, uint64_t *out) {
    static const char units[] = "kmg";
    char digits[32];
    size_t n = strlen(s);
    const char *unit = n ? strchr(units, s[n - 1] | 0x20) : NULL;
    uint64_t v, scale = 1;
    if (unit && *unit) {
        scale = (uint64_t)1 << (10 * (unit - units + 1));
        n--;
    }
    if (n == 0 || n >= sizeof digits) return -1;
    memcpy(digits, s, n);
    digits[n] = '\0';
    if (parse_number(digits, 0, UINT64_MAX / scale, &v) != 0) return -1;
    *out = v * scale;
    return 0;
}

/* ---- text and JSON, whatever the bytes ---- */

/* The length of the valid UTF-8 sequence at `p` (1 to 4), or 0 when `p` does not start one
 * (overlong forms, surrogates and code points above U+10FFFF are not valid). Never reads past
 * the string's NUL: a check that fails stops the reading. */
static int utf8_len(const unsigned char *p) {
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80 ? 4
                                                                                        : 0;
    }
    return 0;
}

/* Writes `s` whatever its bytes: valid UTF-8 as it is, control characters escaped (\n, \t,
 * \u001b, ...), and each byte that is not part of valid UTF-8 as the replacement character
 * U+FFFD. `json`: as the inside of a JSON string (quotes and backslashes escaped too, U+FFFD
 * written \ufffd); otherwise as one line of text. */
static void escaped(FILE *f, const char *s, int json) {
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = utf8_len(p);
        if (n != 1) {
            if (n) fwrite(p, 1, (size_t)n, f);
            else fputs(json ? "\\ufffd" : "\xef\xbf\xbd", f);
            p += n ? n : 1;
            continue;
        }
        switch (*p) {
        case '"': fputs(json ? "\\\"" : "\"", f); break;
        case '\\': fputs(json ? "\\\\" : "\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (*p < 0x20 || *p == 0x7f) fprintf(f, "\\u%04x", *p);
            else fputc(*p, f);
        }
        p++;
    }
}

/* A JSON string: always valid JSON, whatever the bytes of `s`. */
static void json_string(FILE *f, const char *s) {
    fputc('"', f);
    escaped(f, s, 1);
    fputc('"', f);
}

/* "result":N,"result_name":"...","http_status":N,"cos_code":N or null */
static void json_error_fields(FILE *f, cosv4_result rc, uint32_t http_status, int has_cos_code,
                              int64_t cos_code) {
    fprintf(f, "\"result\":%u,\"result_name\":", (unsigned)rc);
    json_string(f, cosv4_result_name(rc));
    fprintf(f, ",\"http_status\":%u,\"cos_code\":", http_status);
    if (has_cos_code) fprintf(f, "%" PRId64, cos_code);
    else fputs("null", f);
}

/* The error object of --json on stdout, one line, flushed: {"ok":false,"result":...,
 * "cos_message":...,"request_id":...,"message":...}; `err` may be NULL. */
static void json_error(cosv4_result rc, const cosv4_error *err, const char *message) {
    printf("{\"ok\":false,");
    json_error_fields(stdout, rc, cosv4_error_http_status(err), cosv4_error_has_cos_code(err),
                      cosv4_error_cos_code(err));
    printf(",\"cos_message\":");
    json_string(stdout, cosv4_error_cos_message(err));
    printf(",\"request_id\":");
    json_string(stdout, cosv4_error_request_id(err));
    printf(",\"message\":");
    json_string(stdout, message);
    printf("}\n");
    fflush(stdout);
}

/* Whether --json is among the options (before a "--"): usage errors are then JSON too. */
static int wants_json(int argc, char **argv) {
    int i;
    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (!strcmp(argv[i], "--json")) return 1;
    return 0;
}

/* ---- the options both CLIs take ---- */

#define COMMON_HELP                                                                          \
    "Settings (flags win over the environment, which wins over the config file):\n"          \
    "  --config FILE        coscmd's config file (default ~/.cos.conf when it exists):\n"    \
    "                       [common] secret_id (or access_id), secret_key, appid, bucket\n"  \
    "                       (name or name-appid), region (cn-south, ap-guangzhou, gz, ...)\n" \
    "  --bucket NAME        the bucket (COS_BUCKET)\n"                                        \
    "  --endpoint URL       a base URL such as http://127.0.0.1:8080 (COS_ENDPOINT); wins\n"  \
    "                       over any region\n"                                                 \
    "  --region REGION      gz, sh, tj, sgp, ... or coscmd's names (COS_REGION)\n"            \
    "  --proxy URL          http://host:port or socks5://host:port; \"\" for none (default:\n" \
    "                       https_proxy/HTTPS_PROXY, http_proxy/HTTP_PROXY for an http\n"      \
    "                       endpoint, all_proxy/ALL_PROXY; no_proxy/NO_PROXY as curl)\n"      \
    "  --connect-timeout SECONDS\n"                                                           \
    "                       connect time limit (default 10)\n"                                \
    "  --retries N          retries per request, 0 to 100 (COS_RETRIES; default 30;\n"      \
    "                       uploads, downloads, stat, ls; not rm/mkdir/mv)\n"                \
    "  --retry-window SECONDS\n"                                                              \
    "                       retry a request only this long after its first try, so an\n"     \
    "                       outage this long is ridden out (COS_RETRY_WINDOW; default 60;\n"  \
    "                       0: no retries)\n"                                                  \
    "  --limit-rate RATE    bytes per second for the whole run, K/M/G suffixes = KiB/MiB/\n"  \
    "                       GiB (e.g. 512K); 0: no limit (default)\n"                         \
    "  -v, --verbose        the library's log on stderr: each request, each retry (never a\n" \
    "                       key or a signature)\n"                                             \
    "Credentials: COS_APPID, COS_SECRET_ID, COS_SECRET_KEY, or the config file.\n"

typedef struct {
    const char *prog; /* the prefix of messages: "cosv4-upload", "cosv4" */
    int json;         /* --json: errors are also an object on stdout */
    const char *config, *bucket, *endpoint, *region, *proxy; /* flags; NULL: not given */
    int verbose;
    int has_connect_timeout, has_retries, has_retry_window, has_limit_rate;
    uint64_t connect_timeout_ms, retries, retry_window_ms, limit_rate;
    const char *bucket_name; /* set by cli_config: the bucket to use */
} cli_common;

/* A usage or set-up error: "<prog>: <message>" on stderr (one line), and with --json the
 * error object on stdout. Returns the exit status for `rc`. */
static int cli_fail(const cli_common *c, cosv4_result rc, const char *fmt, ...) {
    static char text[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: ", c->prog);
    escaped(stderr, text, 0);
    fputc('\n', stderr);
    if (c->json) json_error(rc, NULL, text);
    return exit_code(rc);
}

/* What --retries and the seconds options take (their usage errors say it). */
#define RETRIES_RULE "a number from 0 to 100 (digits only)"
#define SECONDS_RULE "seconds in digits (at most 3 decimals, e.g. 2.5)"

/* Handles argv[*i] when it is one of the options above (advancing *i past its value): -1 when
 * it is not one, 0 when handled, else the exit status of a usage error (already reported). */
static int cli_option(cli_common *c, int argc, char **argv, int *i) {
    const char *a = argv[*i], *v, *want;
    const char **text = NULL;
    if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
        c->verbose = 1;
        return 0;
    }
    if (!strcmp(a, "--config")) text = &c->config;
    else if (!strcmp(a, "--bucket")) text = &c->bucket;
    else if (!strcmp(a, "--endpoint")) text = &c->endpoint;
    else if (!strcmp(a, "--region")) text = &c->region;
    else if (!strcmp(a, "--proxy")) text = &c->proxy;
    else if (strcmp(a, "--connect-timeout") && strcmp(a, "--retries") &&
             strcmp(a, "--retry-window") && strcmp(a, "--limit-rate"))
        return -1;
    if (*i + 1 >= argc)
        return cli_fail(c, COSV4_RESULT_INVALID_ARGUMENT, "%s needs a value", a);
    v = argv[++*i];
    if (text) {
        *text = v;
        return 0;
    }
    if (!strcmp(a, "--retries")) {
        want = RETRIES_RULE;
        if (parse_number(v, 0, 100, &c->retries) == 0) return c->has_retries = 1, 0;
    } else if (!strcmp(a, "--limit-rate")) {
        want = "bytes per second in digits, with an optional K, M or G suffix";
        if (parse_rate(v, &c->limit_rate) == 0) return c->has_limit_rate = 1, 0;
    } else {
        int window = !strcmp(a, "--retry-window");
        want = SECONDS_RULE;
        if (parse_seconds(v, window ? &c->retry_window_ms : &c->connect_timeout_ms) == 0) {
            *(window ? &c->has_retry_window : &c->has_connect_timeout) = 1;
            return 0;
        }
    }
    return cli_fail(c, COSV4_RESULT_INVALID_ARGUMENT, "%s needs %s, not \"%s\"", a, want, v);
}

#include "cli_config.h" /* cli_config: the config built from all of the above */
