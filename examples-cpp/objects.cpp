/*
 * objects: manage files and folders in Tencent COS (v4 JSON API) with the C++ wrapper
 * cosv4.hpp: stat, list, folders, delete, move/copy, update, download.
 *
 *   objects [OPTIONS] stat PATH            attributes of a file, or a folder (ends in '/')
 *   objects [OPTIONS] exists PATH
 *   objects [OPTIONS] ls [--num N] [--prefix P] [--by-page] FOLDER
 *   objects [OPTIONS] mkdir FOLDER [BIZ_ATTR]
 *   objects [OPTIONS] rm PATH
 *   objects [OPTIONS] mv|cp [--overwrite] SRC DEST
 *   objects [OPTIONS] update PATH [--biz-attr S] [--authority inherit|private|public-read]
 *                            [--header NAME VALUE]... [--clear-headers]
 *   objects [OPTIONS] get [--overwrite] [--in-place] [--no-sha-check] [--cancel-after BYTES]
 *                         [--stop-after BYTES] [--throw-after BYTES] COS_PATH LOCAL
 *   objects [OPTIONS] url [--lifetime SECONDS] COS_PATH
 *
 * OPTIONS (client settings; options may come anywhere): --endpoint URL (instead of the
 * environment's), --retries N, --retry-window-ms MS, --limit-rate BYTES_PER_SECOND, --verbose
 * (the library's log lines on stderr, "log LEVEL: ...").
 *
 * Environment as for cosv4-upload: COS_APPID, COS_SECRET_ID, COS_SECRET_KEY, COS_BUCKET, and
 * COS_ENDPOINT (a base URL such as http://127.0.0.1:8080) or COS_REGION (gz, sh, ...).
 * `ls` walks the listing lazily, --num entries per request (a range over Client::list, whose
 * iterator fetches the next page with cosv4_client_list_next); --by-page asks for each page
 * with the previous page's context instead. `get` prints each progress event; a download
 * stopped by --cancel-after (the progress callback cancels the CancelToken), --stop-after (it
 * returns false) or --throw-after (it throws a C++ exception, which travels safely through the
 * C library and is rethrown from download_file) leaves LOCAL.part, and the same command
 * without them resumes from it.
 * Exit status: 0 done, 1 failed, 2 usage error (or a setting or argument the library
 * refuses), 3 stopped by --throw-after, 130 cancelled.
 *
 * Build: c++ -std=c++11 -Iinclude -Iexamples-cpp examples-cpp/objects.cpp \
 *            target/release/libcosv4.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o objects
 */
#include "cosv4.hpp"
#include "example_env.hpp"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

/* Thrown from the download progress callback by --throw-after. */
struct StopRequested : std::runtime_error {
    explicit StopRequested(uint64_t done)
        : std::runtime_error("stopped after " + std::to_string(done) + " bytes") {}
};

struct Args {
    std::vector<std::string> rest; /* the command, then its operands */
    std::string endpoint, prefix, biz_attr;
    bool has_endpoint = false, has_biz_attr = false, verbose = false, overwrite = false;
    bool in_place = false, no_sha_check = false, by_page = false, clear_headers = false;
    uint64_t retries = 0, retry_window_ms = 0, limit_rate = 0, lifetime = 300;
    bool has_retries = false, has_retry_window = false;
    uint64_t cancel_after = 0, stop_after = 0, throw_after = 0; /* 0: never */
    uint32_t num = 0;                                          /* 0: the library's default */
    std::string authority;
    std::vector<std::pair<std::string, std::string> > headers;
};

int usage() {
    std::fprintf(stderr,
                 "usage: objects [OPTIONS] stat|exists|rm PATH\n"
                 "       objects [OPTIONS] ls [--num N] [--prefix P] [--by-page] FOLDER\n"
                 "       objects [OPTIONS] mkdir FOLDER [BIZ_ATTR]\n"
                 "       objects [OPTIONS] mv|cp [--overwrite] SRC DEST\n"
                 "       objects [OPTIONS] update PATH [--biz-attr S] [--authority A]\n"
                 "                         [--header NAME VALUE]... [--clear-headers]\n"
                 "       objects [OPTIONS] get [--overwrite] [--in-place] [--no-sha-check]\n"
                 "                         [--cancel-after B] [--stop-after B] [--throw-after B]\n"
                 "                         COS_PATH LOCAL\n"
                 "       objects [OPTIONS] url [--lifetime SECONDS] COS_PATH\n"
                 "options: --endpoint URL --retries N --retry-window-ms MS --limit-rate B\n"
                 "         --verbose\n"
                 "environment: COS_APPID, COS_SECRET_ID, COS_SECRET_KEY, COS_BUCKET, and\n"
                 "COS_ENDPOINT (base URL) or COS_REGION\n");
    return 2;
}

/* Parses argv into `a`; false for a usage error. */
bool parse(int argc, char **argv, Args &a) {
    for (int i = 1; i < argc; i++) {
        const std::string o = argv[i];
        bool v = i + 1 < argc;
        uint64_t *number = NULL;
        if (o == "--verbose") a.verbose = true;
        else if (o == "--overwrite") a.overwrite = true;
        else if (o == "--in-place") a.in_place = true;
        else if (o == "--no-sha-check") a.no_sha_check = true;
        else if (o == "--by-page") a.by_page = true;
        else if (o == "--clear-headers") a.clear_headers = true;
        else if (o == "--endpoint" && v) a.endpoint = argv[++i], a.has_endpoint = true;
        else if (o == "--prefix" && v) a.prefix = argv[++i];
        else if (o == "--biz-attr" && v) a.biz_attr = argv[++i], a.has_biz_attr = true;
        else if (o == "--authority" && v) a.authority = argv[++i];
        else if (o == "--header" && i + 2 < argc) {
            a.headers.push_back(std::make_pair(std::string(argv[i + 1]), std::string(argv[i + 2])));
            i += 2;
        } else if (o == "--num" && v)
            a.num = static_cast<uint32_t>(std::strtoul(argv[++i], NULL, 10));
        else if (o == "--retries" && v) number = &a.retries, a.has_retries = true;
        else if (o == "--retry-window-ms" && v) number = &a.retry_window_ms, a.has_retry_window = true;
        else if (o == "--limit-rate" && v) number = &a.limit_rate;
        else if (o == "--lifetime" && v) number = &a.lifetime;
        else if (o == "--cancel-after" && v) number = &a.cancel_after;
        else if (o == "--stop-after" && v) number = &a.stop_after;
        else if (o == "--throw-after" && v) number = &a.throw_after;
        else if (o.size() > 1 && o[0] == '-') return false;
        else a.rest.push_back(o);
        if (number) *number = std::strtoull(argv[++i], NULL, 10);
    }
    return !a.rest.empty();
}

/* The client settings: the environment's, then the options' (each setter throws on a value
 * the library refuses, with its reason). */
cosv4::Config config(const Args &a) {
    cosv4::Config cfg = example::config_from_env();
    if (a.has_endpoint) cfg.endpoint(a.endpoint);
    if (a.has_retries) cfg.retries(static_cast<uint32_t>(a.retries > 1000 ? 1000 : a.retries));
    if (a.has_retry_window) cfg.retry_window_ms(a.retry_window_ms);
    if (a.limit_rate) cfg.limit_rate(a.limit_rate);
    if (a.verbose)
        cfg.log(COSV4_LOG_LEVEL_DEBUG, [](cosv4_log_level level, const std::string &line) {
            std::fprintf(stderr, "log %u: %s\n", static_cast<unsigned>(level), line.c_str());
        });
    return cfg;
}

void print_stat(const std::string &path, const cosv4::Stat &s) {
    std::printf("%s %s\n", s.is_folder ? "folder" : "file", path.c_str());
    if (!s.is_folder)
        std::printf("size %" PRIu64 "\nfilelen %" PRIu64 "\nsha %s\nauthority %s\n"
                    "access_url %s\nsource_url %s\n",
                    s.filesize, s.filelen, s.sha.c_str(), s.authority.c_str(),
                    s.access_url.c_str(), s.source_url.c_str());
    std::printf("biz_attr %s\nctime %" PRId64 "\nmtime %" PRId64 "\n", s.biz_attr.c_str(),
                s.ctime, s.mtime);
    for (std::size_t i = 0; i < s.custom_headers.size(); i++)
        std::printf("header %s: %s\n", s.custom_headers[i].first.c_str(),
                    s.custom_headers[i].second.c_str());
}

void print_entry(const cosv4::ListEntry &e) {
    if (e.is_folder)
        std::printf("folder %s\n", e.name.c_str());
    else
        std::printf("file %s %" PRIu64 " %s\n", e.name.c_str(), e.size, e.sha.c_str());
}

/* ls: the entries, then "listed N entries in P pages". */
void list(const cosv4::Client &client, const char *bucket, const Args &a) {
    const std::string &folder = a.rest[1];
    std::size_t entries = 0, pages = 0;
    if (a.by_page) {
        cosv4::ListPage page = client.list_page(bucket, folder, a.prefix, a.num);
        for (pages = 1;; pages++) {
            for (std::size_t i = 0; i < page.entries().size(); i++, entries++)
                print_entry(page.entries()[i]);
            if (page.listover()) break;
            page = client.list_page(bucket, folder, a.prefix, a.num, page.context());
        }
    } else {
        cosv4::Listing listing = client.list(bucket, folder, a.prefix, a.num);
        cosv4::ListIterator it = listing.begin();
        for (; it != listing.end(); ++it, entries++) print_entry(*it);
        pages = it.pages();
    }
    std::printf("listed %zu entries in %zu pages\n", entries, pages);
}

/* update: the options' changes. */
void update(const cosv4::Client &client, const char *bucket, const Args &a) {
    cosv4::UpdateOptions u;
    if (a.has_biz_attr) u.biz_attr(a.biz_attr);
    if (a.authority == "inherit") u.authority(COSV4_AUTHORITY_INHERIT);
    else if (a.authority == "private") u.authority(COSV4_AUTHORITY_PRIVATE);
    else if (a.authority == "public-read") u.authority(COSV4_AUTHORITY_PUBLIC_READ);
    else if (!a.authority.empty())
        throw cosv4::Error(COSV4_RESULT_INVALID_ARGUMENT,
                           "authority \"" + a.authority + "\" is not inherit, private or "
                           "public-read");
    if (a.clear_headers) u.clear_custom_headers();
    for (std::size_t i = 0; i < a.headers.size(); i++)
        u.custom_header(a.headers[i].first, a.headers[i].second);
    client.update(bucket, a.rest[1], u);
    std::printf("updated %s\n", a.rest[1].c_str());
}

/* get: a progress line per event, then what the download did. */
void get(const cosv4::Client &client, const char *bucket, const Args &a) {
    cosv4::CancelToken token;
    cosv4::DownloadOptions d;
    d.overwrite(a.overwrite).resume_in_place(a.in_place).check_sha(!a.no_sha_check);
    d.cancel_token(token).progress([&](const cosv4_download_progress &p) {
        std::printf("progress %" PRIu64 "/%" PRIu64 " resumed=%" PRIu64 " done=%d\n",
                    p.bytes_done, p.bytes_total, p.bytes_resumed, p.done ? 1 : 0);
        std::fflush(stdout);
        if (a.throw_after && p.bytes_done >= a.throw_after) throw StopRequested(p.bytes_done);
        if (a.cancel_after && p.bytes_done >= a.cancel_after && !token.cancelled())
            token.cancel();
        return !(a.stop_after && p.bytes_done >= a.stop_after);
    });
    cosv4::DownloadResult r = client.download_file(bucket, a.rest[1], a.rest[2], d);
    std::printf("downloaded %s -> %s (%" PRIu64 " bytes, %" PRIu64 " received, %" PRIu64
                " resumed, sha %s)\n",
                a.rest[1].c_str(), a.rest[2].c_str(), r.bytes_total, r.bytes_received,
                r.bytes_resumed, r.sha.c_str());
}

/* Runs the command; false when its operands do not fit it. */
bool run(const cosv4::Client &client, const char *bucket, const Args &a) {
    const std::string &cmd = a.rest[0];
    std::size_t n = a.rest.size() - 1;
    if (cmd == "stat" && n == 1) {
        print_stat(a.rest[1], client.stat(bucket, a.rest[1]));
    } else if (cmd == "exists" && n == 1) {
        std::printf("exists %s %s\n", a.rest[1].c_str(),
                    client.exists(bucket, a.rest[1]) ? "yes" : "no");
    } else if (cmd == "ls" && n == 1) {
        list(client, bucket, a);
    } else if (cmd == "mkdir" && (n == 1 || n == 2)) {
        if (n == 2)
            client.create_folder(bucket, a.rest[1], a.rest[2]);
        else
            client.create_folder(bucket, a.rest[1]);
        std::printf("created %s\n", a.rest[1].c_str());
    } else if (cmd == "rm" && n == 1) {
        client.remove(bucket, a.rest[1]);
        std::printf("deleted %s\n", a.rest[1].c_str());
    } else if ((cmd == "mv" || cmd == "cp") && n == 2) {
        if (cmd == "mv")
            client.move(bucket, a.rest[1], a.rest[2], a.overwrite);
        else
            client.copy(bucket, a.rest[1], a.rest[2], a.overwrite);
        std::printf("%s %s -> %s\n", cmd == "mv" ? "moved" : "copied", a.rest[1].c_str(),
                    a.rest[2].c_str());
    } else if (cmd == "update" && n == 1) {
        update(client, bucket, a);
    } else if (cmd == "get" && n == 2) {
        get(client, bucket, a);
    } else if (cmd == "url" && n == 1) {
        std::printf("%s\n", client.download_url(bucket, a.rest[1], a.lifetime).c_str());
    } else {
        return false;
    }
    return true;
}

} // namespace

int main(int argc, char **argv) {
    Args a;
    if (!parse(argc, argv, a) || !example::env_complete()) return usage();
    try {
        const cosv4::Client client(config(a));
        return run(client, example::env("COS_BUCKET"), a) ? 0 : usage();
    } catch (const StopRequested &e) {
        std::fprintf(stderr, "objects: %s; run again to resume\n", e.what());
        return 3;
    } catch (const cosv4::Error &e) {
        std::fprintf(stderr, "objects: %s", example::describe(e).c_str());
        if (e.callback_value()) std::fprintf(stderr, " (callback value %d)", e.callback_value());
        std::fprintf(stderr, "\n");
        return example::exit_status(e);
    }
}
