/*
 * cli_config.h: the config both CLIs build (part of cli_common.h, which includes it once).
 *
 * Where each setting comes from, first found wins: a flag (--bucket, --endpoint, --region,
 * --proxy, ...), a COS_* variable, then coscmd's config file (--config FILE, else
 * ~/.cos.conf when it exists). An endpoint from a flag or COS_ENDPOINT wins over a region
 * from anywhere.
 *
 * The config file is coscmd's, section [common], in either generation of its keys:
 *   early:  access_id, secret_key, appid, bucket (the name), region = cn-south/cn-east/...
 *   later:  secret_id, secret_key, bucket = name-appid, region = ap-guangzhou/...
 * `key = value` or `key: value`, keys in any case, comments starting with '#' or ';', other
 * sections and unknown keys ignored. coscmd's `endpoint` key names a host of the XML API,
 * which the v4 JSON API does not serve: it is not used. Errors name the file and the line;
 * the secret key is never printed.
 */

enum { CF_SECRET_ID, CF_SECRET_KEY, CF_APPID, CF_BUCKET, CF_REGION, CF_ENDPOINT, CF_KEYS };

/* The values of the config file's [common] section; static: they live until the exit. */
static struct {
    char path[4096];
    int read;              /* the file was found and read */
    char *value[CF_KEYS];  /* NULL: not in the file (or empty) */
    int line[CF_KEYS];
    char appid_of_bucket[32]; /* the appid of a `bucket = name-appid` */
} cfile;

/* The config file's key names (both generations) and what each sets. */
static const struct {
    const char *name;
    int key;
} cf_names[] = {{"secret_id", CF_SECRET_ID}, {"access_id", CF_SECRET_ID},
                {"secret_key", CF_SECRET_KEY}, {"appid", CF_APPID},
                {"bucket", CF_BUCKET},         {"region", CF_REGION},
                {"endpoint", CF_ENDPOINT}};

/* `s` without the white space around it (changed in place). */
static char *trimmed(char *s) {
    size_t n;
    while (*s == ' ' || *s == '\t') s++;
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

/* One line of the file: a section header, or a `key = value` of [common] stored in cfile.
 * `*section`: 0 before any header, 1 in [common], 2 in another section; `*after_key`: the line
 * before was a key of [common]. 0, else -1 with the reason in `why` (no value in it). */
static int config_line(char *raw, int lineno, int *section, int *after_key, char *why,
                       size_t len) {
    int indented = raw[0] == ' ' || raw[0] == '\t', was_key = *after_key;
    char *p, *sep, *name, *value;
    size_t k;
    if (lineno == 1 && !strncmp(raw, "\xef\xbb\xbf", 3)) raw += 3; /* a UTF-8 byte order mark */
    p = trimmed(raw);
    *after_key = 0;
    if (!*p || *p == '#' || *p == ';') return 0;
    if (*p == '[') { /* [name], anything after the ']' ignored (as Python's configparser) */
        if (!(sep = strchr(p, ']'))) {
            snprintf(why, len, "%s line %d: a section header must be [name]", cfile.path, lineno);
            return -1;
        }
        *sep = '\0';
        *section = !strcmp(trimmed(p + 1), "common") ? 1 : 2;
        return 0;
    }
    if (*section == 2) return 0;
    if (indented && was_key) {
        snprintf(why, len, "%s line %d: a value continued on an indented line is not supported",
                 cfile.path, lineno);
        return -1;
    }
    sep = p + strcspn(p, "=:");
    if (*section == 0 || !*sep) {
        snprintf(why, len, "%s line %d: %s", cfile.path, lineno,
                 *section ? "expected `key = value` (or `key: value`)"
                          : "a setting before any [section] header");
        return -1;
    }
    *sep = '\0';
    name = trimmed(p);
    value = trimmed(sep + 1);
    for (p = name; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    *after_key = 1;
    for (k = 0; k < sizeof cf_names / sizeof cf_names[0]; k++) {
        int key = cf_names[k].key;
        if (strcmp(cf_names[k].name, name) != 0) continue;
        free(cfile.value[key]);
        cfile.value[key] = *value ? strdup(value) : NULL;
        cfile.line[key] = lineno;
        if (*value && !cfile.value[key]) {
            snprintf(why, len, "%s line %d: out of memory", cfile.path, lineno);
            return -1;
        }
    }
    return 0;
}

/* Reads the config file into cfile: `explicit_path` (--config; it must exist and have a
 * [common] section), else ~/.cos.conf when there is one. 0, else -1 with the reason in `why`. */
static int read_config_file(const char *explicit_path, char *why, size_t len) {
    const char *home = env("HOME");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lineno = 0, section = 0, after_key = 0, common = 0, failed = 0;
    FILE *f;
    if (explicit_path) snprintf(cfile.path, sizeof cfile.path, "%s", explicit_path);
    else if (home) snprintf(cfile.path, sizeof cfile.path, "%s/.cos.conf", home);
    else return 0;
    if (!(f = fopen(cfile.path, "r"))) {
        if (!explicit_path && errno == ENOENT) return 0;
        snprintf(why, len, "cannot read the config file %s: %s", cfile.path, strerror(errno));
        return -1;
    }
    while (!failed && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if ((size_t)n != strlen(line)) {
            snprintf(why, len, "%s line %d: a NUL byte", cfile.path, lineno);
            failed = 1;
        } else {
            failed = config_line(line, lineno, &section, &after_key, why, len) != 0;
            common |= section == 1;
        }
        memset(line, 0, cap); /* it may have held the secret key */
    }
    if (!failed && ferror(f)) {
        snprintf(why, len, "cannot read the config file %s: %s", cfile.path, strerror(errno));
        failed = 1;
    }
    if (!failed && explicit_path && !common) {
        snprintf(why, len, "the config file %s has no [common] section", cfile.path);
        failed = 1;
    }
    free(line);
    fclose(f);
    cfile.read = !failed;
    return failed ? -1 : 0;
}

/* ---- where each setting comes from ---- */

typedef struct {
    const char *value;   /* NULL: given nowhere */
    char from[4200];     /* "--region", "COS_REGION", "region in FILE line N" */
} cli_setting;

/* The first of: the flag's value (`flag` its name, NULL: none), the variable `var`, the config
 * file's `key` (-1: none). */
static void setting(cli_setting *s, const char *flag_value, const char *flag, const char *var,
                    int key) {
    s->value = NULL;
    s->from[0] = '\0';
    if (flag_value) {
        s->value = flag_value;
        snprintf(s->from, sizeof s->from, "%s", flag);
    } else if (var && env(var)) {
        s->value = env(var);
        snprintf(s->from, sizeof s->from, "%s", var);
    } else if (key >= 0 && cfile.value[key]) {
        size_t k;
        for (k = 0; cf_names[k].key != key; k++) {
        }
        s->value = cfile.value[key];
        snprintf(s->from, sizeof s->from, "%s in %s line %d", cf_names[k].name, cfile.path,
                 cfile.line[key]);
    }
}

/* A file's `bucket = name-appid`: when `appid` is unknown, it becomes the number after the
 * last '-'; when that number is `appid`, the bucket loses the suffix (cfile is changed). */
static void split_bucket(cli_setting *bucket, cli_setting *appid) {
    char *dash = cfile.value[CF_BUCKET] ? strrchr(cfile.value[CF_BUCKET], '-') : NULL;
    uint64_t n;
    if (bucket->value != cfile.value[CF_BUCKET] || !dash ||
        parse_number(dash + 1, 1, UINT64_MAX, &n) != 0)
        return;
    if (!appid->value) {
        snprintf(cfile.appid_of_bucket, sizeof cfile.appid_of_bucket, "%s", dash + 1);
        appid->value = cfile.appid_of_bucket;
        snprintf(appid->from, sizeof appid->from, "the bucket name-appid in %s line %d",
                 cfile.path, cfile.line[CF_BUCKET]);
    }
    if (!strcmp(dash + 1, appid->value)) *dash = '\0';
}

/* ---- regions ---- */

/* coscmd's region names (both generations) and the long names -> the v4 code. gz, sh, tj and
 * sgp are those of PROTOCOL.md §5; bj, cd, hk, ca and ger those of the v4 hosts
 * cos<code>.myqcloud.com (§4.8) that Tencent's SDKs map to the later names. */
static const char *const cli_regions[][2] = {
    {"cn-south", "gz"},     {"ap-guangzhou", "gz"}, {"guangzhou", "gz"},
    {"cn-east", "sh"},      {"ap-shanghai", "sh"},  {"shanghai", "sh"},
    {"cn-north", "tj"},     {"ap-beijing-1", "tj"}, {"tianjin", "tj"},
    {"tianjing", "tj"},     {"sg", "sgp"},          {"ap-singapore", "sgp"},
    {"singapore", "sgp"},   {"ap-beijing", "bj"},   {"cn-southwest", "cd"},
    {"ap-chengdu", "cd"},   {"ap-hongkong", "hk"},  {"na-toronto", "ca"},
    {"eu-frankfurt", "ger"}};

/* The v4 code for `name`: from the table; `name` itself when it is not in coscmd's forms
 * (a v4 code such as "gz", checked by the library); NULL for a coscmd name without a known
 * v4 code ("ap-mumbai", "cn-south-2"). */
static const char *v4_region(const char *name) {
    static const char *const coscmd_forms[] = {"cn-", "ap-", "na-", "eu-", "sa-", "cos."};
    size_t k;
    for (k = 0; k < sizeof cli_regions / sizeof cli_regions[0]; k++)
        if (!strcmp(name, cli_regions[k][0])) return cli_regions[k][1];
    for (k = 0; k < sizeof coscmd_forms / sizeof coscmd_forms[0]; k++)
        if (!strncmp(name, coscmd_forms[k], strlen(coscmd_forms[k]))) return NULL;
    return name;
}

/* ---- proxies, as curl picks them ---- */

/* The scheme (https: 1) and host of a base URL http(s)://host[:port][/prefix], the host
 * without port or IPv6 brackets. */
static void url_host(const char *url, int *https, char *host, size_t len) {
    const char *p = strstr(url, "://"), *end;
    *https = !strncmp(url, "https://", 8);
    p = p ? p + 3 : url;
    if (*p == '[') {
        end = strchr(++p, ']');
    } else {
        end = p + strcspn(p, ":/");
    }
    if (!end) end = p + strlen(p);
    snprintf(host, len, "%.*s", (int)(end - p), p);
}

/* Whether the NO_PROXY entry `e` (`n` bytes) names `host`, as curl reads it: "*" names every
 * host; an address is named by itself (IPv6 with or without brackets, IPv4 also by
 * a.b.c.d/bits); a name by itself and by the names ending in "." + it (a leading '.' of the
 * entry is ignored); case does not matter. */
static int no_proxy_entry(const char *host, const char *e, size_t n) {
    struct in_addr h, net;
    char entry[256], *slash;
    size_t hlen = strlen(host), i;
    uint64_t bits = 32;
    int ipv6 = strchr(host, ':') != NULL;
    if (n == 1 && *e == '*') return 1;
    if (n && *e == '.') e++, n--;
    if (n == 0 || n >= sizeof entry) return 0;
    memcpy(entry, e, n);
    entry[n] = '\0';
    if (inet_pton(AF_INET, host, &h) == 1) {
        if ((slash = strchr(entry, '/')) != NULL) {
            *slash = '\0';
            if (parse_number(slash + 1, 0, 32, &bits) != 0) return 0;
        }
        if (inet_pton(AF_INET, entry, &net) != 1) return 0;
        return bits == 0 || ((ntohl(h.s_addr) ^ ntohl(net.s_addr)) >> (32 - bits)) == 0;
    }
    if (ipv6 && n > 2 && entry[0] == '[' && entry[n - 1] == ']') {
        entry[n - 1] = '\0';
        memmove(entry, entry + 1, n - 1);
        n -= 2;
    }
    if (n > hlen || (ipv6 && n != hlen)) return 0;
    for (i = 0; i < n && (host[hlen - n + i] | 0x20) == (entry[i] | 0x20); i++) {
    }
    return i == n && (n == hlen || host[hlen - n - 1] == '.');
}

/* Whether the NO_PROXY list `list` (entries separated by commas or spaces) names `host`. */
static int no_proxy_match(const char *list, const char *host) {
    while (*list) {
        size_t n;
        list += strspn(list, ", \t");
        n = strcspn(list, ", \t");
        if (n && no_proxy_entry(host, list, n)) return 1;
        list += n;
    }
    return 0;
}

/* The proxy for requests to `host`: --proxy (an empty one: none), else https_proxy,
 * HTTPS_PROXY (an https endpoint) or http_proxy, HTTP_PROXY (an http one), then all_proxy,
 * ALL_PROXY -- unless no_proxy/NO_PROXY lists the host. A URL without a scheme is http://.
 * NULL: no proxy. `*from` names where it came from. */
static const char *pick_proxy(const cli_common *c, int https, const char *host,
                              const char **from) {
    static const char *const vars[2][4] = {
        {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"},
        {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}};
    static char url[4096];
    const char *proxy = c->proxy, *skip = env("no_proxy") ? env("no_proxy") : env("NO_PROXY");
    size_t k;
    *from = "--proxy";
    for (k = 0; !proxy && k < 4; k++) proxy = env(*from = vars[https][k]);
    if (!proxy || !*proxy || (skip && no_proxy_match(skip, host))) return NULL;
    snprintf(url, sizeof url, "%s%s", strstr(proxy, "://") ? "" : "http://", proxy);
    return url;
}

/* ---- the config ---- */

/* The library's log lines, one per line on stderr (userdata: the program's name). */
static void cli_log(void *userdata, uint32_t level, const char *message) {
    static const char *const names[] = {"log", "error", "warn", "info", "debug"};
    flockfile(stderr);
    fprintf(stderr, "%s: %s: ", (const char *)userdata, names[level <= 4 ? level : 0]);
    escaped(stderr, message, 0);
    fputc('\n', stderr);
    funlockfile(stderr);
}

/* Records the first failing step of a setup sequence: `text` (what it was about) with the
 * library's reason (cosv4_config_last_error) when the setter gave one. */
static void step(const cosv4_config *cfg, cosv4_result *rc, const char **what, cosv4_result r,
                 const char *text) {
    static char buf[8192];
    const char *why = cosv4_config_last_error(cfg);
    if (*rc != COSV4_RESULT_OK || r == COSV4_RESULT_OK) return;
    *rc = r;
    snprintf(buf, sizeof buf, "%s%s%s", text, *why ? ": " : "", why);
    *what = buf;
}

/* The endpoint (or region) and the proxy for it. */
static void set_endpoint(const cli_common *c, cosv4_config *cfg, cosv4_result *rc,
                         const char **what) {
    static char text[8192];
    cli_setting endpoint, region;
    const char *code = NULL, *proxy, *from;
    char host[1024];
    int https = 1;
    setting(&endpoint, c->endpoint, "--endpoint", "COS_ENDPOINT", -1);
    setting(&region, c->region, "--region", "COS_REGION", CF_REGION);
    if (endpoint.value) {
        snprintf(text, sizeof text, "bad %s", endpoint.from);
        step(cfg, rc, what, cosv4_config_set_endpoint(cfg, endpoint.value), text);
        url_host(endpoint.value, &https, host, sizeof host);
    } else if (region.value && !(code = v4_region(region.value))) {
        snprintf(text, sizeof text,
                 "%s: region \"%.100s\" has no known v4 code (gz, sh, tj, sgp, bj, cd, hk, ca, "
                 "ger: see --help); set COS_ENDPOINT, or a v4 region code",
                 region.from, region.value);
        step(cfg, rc, what, COSV4_RESULT_INVALID_CONFIG, text);
    } else if (region.value) {
        snprintf(text, sizeof text, "bad %s", region.from);
        step(cfg, rc, what, cosv4_config_set_region(cfg, code), text);
        snprintf(host, sizeof host, "%s.file.myqcloud.com", code);
    } else {
        snprintf(text, sizeof text, "COS_ENDPOINT (a base URL) or COS_REGION must be set%s%s%s",
                 cfile.value[CF_ENDPOINT] ? " (" : "",
                 cfile.value[CF_ENDPOINT] ? cfile.path : "",
                 cfile.value[CF_ENDPOINT] ? ": coscmd's endpoint key names an XML API host, "
                                            "which the v4 JSON API does not use)"
                                          : "");
        step(cfg, rc, what, COSV4_RESULT_INVALID_CONFIG, text);
    }
    if (*rc) return;
    if ((proxy = pick_proxy(c, https, host, &from)) != NULL) {
        snprintf(text, sizeof text, "bad %s", from);
        step(cfg, rc, what, cosv4_config_set_proxy(cfg, proxy), text);
    }
}

/* cosv4_config_set_retries for a number checked to be at most 100. */
static cosv4_result set_retries(cosv4_config *cfg, uint64_t n) {
    return cosv4_config_set_retries(cfg, (uint32_t)n);
}

/* A retry setting from its flag (`given`: `value`) or else its variable `var`: retries, or
 * with `seconds` a time in milliseconds; `set` applies it. */
static void retry_setting(cosv4_config *cfg, cosv4_result *rc, const char **what, int given,
                          uint64_t value, const char *flag, const char *var, int seconds,
                          cosv4_result (*set)(cosv4_config *, uint64_t)) {
    static char text[512];
    const char *v = env(var);
    if (!given && !v) return;
    if (!given && (seconds ? parse_seconds(v, &value) : parse_number(v, 0, 100, &value)) != 0) {
        snprintf(text, sizeof text, "%s must be %s, not \"%.100s\"", var,
                 seconds ? SECONDS_RULE : RETRIES_RULE, v);
        step(cfg, rc, what, COSV4_RESULT_INVALID_CONFIG, text);
        return;
    }
    snprintf(text, sizeof text, "bad %s", given ? flag : var);
    step(cfg, rc, what, set(cfg, value), text);
}

/* Retries, timeouts, bandwidth limit and the log from the flags (and COS_RETRIES,
 * COS_RETRY_WINDOW when the flag is not given). */
static void set_tuning(const cli_common *c, cosv4_config *cfg, cosv4_result *rc,
                       const char **what) {
    static char prog[64];
    if (c->has_connect_timeout)
        step(cfg, rc, what, cosv4_config_set_connect_timeout_ms(cfg, c->connect_timeout_ms),
             "bad --connect-timeout");
    retry_setting(cfg, rc, what, c->has_retries, c->retries, "--retries", "COS_RETRIES", 0,
                  set_retries);
    retry_setting(cfg, rc, what, c->has_retry_window, c->retry_window_ms, "--retry-window",
                  "COS_RETRY_WINDOW", 1, cosv4_config_set_retry_window_ms);
    if (c->has_limit_rate)
        step(cfg, rc, what, cosv4_config_set_limit_rate(cfg, c->limit_rate),
             "bad --limit-rate");
    if (c->verbose) {
        snprintf(prog, sizeof prog, "%s", c->prog);
        step(cfg, rc, what, cosv4_config_set_log(cfg, cli_log, prog, COSV4_LOG_LEVEL_DEBUG),
             "cannot turn on the log");
    }
}

/* The credentials; sets c->bucket_name. On failure *what says why. */
static cosv4_result new_config(cli_common *c, cosv4_config **out, const char **what) {
    static char text[8192];
    cli_setting id, key, appid, bucket;
    cosv4_error *err = NULL;
    uint64_t n;
    cosv4_result rc;
    const char *missing = NULL;
    *what = text;
    setting(&bucket, c->bucket, "--bucket", "COS_BUCKET", CF_BUCKET);
    setting(&appid, NULL, NULL, "COS_APPID", CF_APPID);
    setting(&id, NULL, NULL, "COS_SECRET_ID", CF_SECRET_ID);
    setting(&key, NULL, NULL, "COS_SECRET_KEY", CF_SECRET_KEY);
    split_bucket(&bucket, &appid);
    if (!bucket.value) missing = "COS_BUCKET must be set (or --bucket, or bucket in";
    else if (!appid.value) missing = "COS_APPID must be set (or appid in";
    else if (!id.value) missing = "COS_SECRET_ID must be set (or secret_id in";
    else if (!key.value) missing = "COS_SECRET_KEY must be set (or secret_key in";
    if (missing) {
        snprintf(text, sizeof text, "%s %s)", missing,
                 cfile.read ? cfile.path : "a config file: --config FILE or ~/.cos.conf");
        return COSV4_RESULT_INVALID_CONFIG;
    }
    if (parse_number(appid.value, 1, UINT64_MAX, &n) != 0) {
        snprintf(text, sizeof text,
                 "%s must be a positive number in decimal digits (no sign or spaces), not "
                 "\"%.200s\"",
                 appid.from, appid.value);
        return COSV4_RESULT_INVALID_CONFIG;
    }
    rc = cosv4_config_new_with_error(n, id.value, key.value, out, &err);
    if (cfile.value[CF_SECRET_KEY]) /* not needed any more */
        memset(cfile.value[CF_SECRET_KEY], 0, strlen(cfile.value[CF_SECRET_KEY]));
    if (rc) {
        snprintf(text, sizeof text, "the credentials were refused: %s (secret id from %s)",
                 err ? cosv4_error_message(err) : cosv4_strerror(rc), id.from);
        cosv4_error_free(err);
        return rc;
    }
    c->bucket_name = bucket.value;
    return COSV4_RESULT_OK;
}

/* The config for both CLIs: the config file read, credentials, bucket (c->bucket_name),
 * endpoint or region, proxy, retries, timeouts, limit, log. On failure a code and *what (a
 * sentence); nothing to free. */
static cosv4_result cli_config(cli_common *c, cosv4_config **out, const char **what) {
    static char why[8192];
    cosv4_config *cfg = NULL;
    cosv4_result rc;
    if (read_config_file(c->config, why, sizeof why) != 0) {
        *what = why;
        return COSV4_RESULT_INVALID_CONFIG;
    }
    if ((rc = new_config(c, &cfg, what)) != COSV4_RESULT_OK) return rc;
    set_endpoint(c, cfg, &rc, what);
    set_tuning(c, cfg, &rc, what);
    if (rc) {
        cosv4_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return COSV4_RESULT_OK;
}
