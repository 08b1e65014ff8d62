/*
 * batch: upload many files to Tencent COS (v4 JSON API) with the C++ wrapper cosv4.hpp: a
 * local directory tree to a COS folder, or a list of (local file, cos path) pairs.
 *
 *   batch [OPTIONS] LOCAL_DIR COS_FOLDER/
 *   batch [OPTIONS] --list LOCAL COS_PATH [LOCAL COS_PATH]...
 *
 * OPTIONS: --jobs N, --max-requests N, --overwrite, --fail-fast, --follow-symlinks,
 *          --slice-size BYTES, --simple-threshold BYTES, --limit-rate BYTES_PER_SECOND (client
 *          settings); a sync of a directory: --sync (skip files identical remotely, by size
 *          and SHA-1), --size-only (a sync by size), --delete (remove remote files the
 *          directory lacks), --force (allow --delete with an empty directory), --include GLOB,
 *          --exclude GLOB (repeatable); --dry-run (change nothing, say what would change),
 *          --keep-failed (the result keeps the failed items only); and, to show how a
 *          batch stops: --stop-after N (the file callback returns false once N items ended),
 *          --throw-after N (it throws a C++ exception then), --cancel-after N (it cancels the
 *          batch's CancelToken then).
 *
 * Environment as for cosv4-upload: COS_APPID, COS_SECRET_ID, COS_SECRET_KEY, COS_BUCKET, and
 * COS_ENDPOINT (a base URL such as http://127.0.0.1:8080) or COS_REGION (gz, sh, ...).
 * Prints one line per item from the result (status, cos path, bytes, time, local path, and
 * the error of a failed item), a line counting the callbacks' events, and a summary line
 * (uploaded, folders, skipped, failed, bytes sent, items, then unchanged, deleted,
 * would_upload, would_delete). The
 * exception of --throw-after travels safely through the C library: the batch stops and the
 * exception is rethrown from upload_dir/upload_list. Run the same command again to finish an
 * interrupted batch: files already uploaded cost no data or are sent again whole (small ones).
 * Exit status: 0 every item succeeded, 1 some failed (or the batch failed), 2 usage error,
 * 3 stopped by --throw-after, 130 cancelled.
 *
 * Build: c++ -std=c++11 -Iinclude -Iexamples-cpp examples-cpp/batch.cpp \
 *            target/release/libcosv4.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o batch
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

/* Thrown from the file callback by --throw-after. */
struct StopRequested : std::runtime_error {
    explicit StopRequested(uint64_t ended)
        : std::runtime_error("stopped after " + std::to_string(ended) + " items") {}
};

const char *status_name(uint32_t status) {
    switch (status) {
    case COSV4_BATCH_STATUS_UPLOADED: return "uploaded";
    case COSV4_BATCH_STATUS_FOLDER: return "folder";
    case COSV4_BATCH_STATUS_SKIPPED: return "skipped";
    case COSV4_BATCH_STATUS_FAILED: return "failed";
    case COSV4_BATCH_STATUS_UNCHANGED: return "unchanged";
    case COSV4_BATCH_STATUS_DELETED: return "deleted";
    case COSV4_BATCH_STATUS_WOULD_UPLOAD: return "would-upload";
    case COSV4_BATCH_STATUS_WOULD_DELETE: return "would-delete";
    default: return "unknown";
    }
}

int usage() {
    std::fprintf(stderr,
                 "usage: batch [OPTIONS] LOCAL_DIR COS_FOLDER/\n"
                 "       batch [OPTIONS] --list LOCAL COS_PATH [LOCAL COS_PATH]...\n"
                 "options: --jobs N --max-requests N --overwrite --fail-fast --follow-symlinks\n"
                 "         --slice-size BYTES --simple-threshold BYTES --limit-rate BYTES\n"
                 "         --sync --size-only --delete --force --include GLOB --exclude GLOB\n"
                 "         --dry-run --keep-failed\n"
                 "         --stop-after N --throw-after N --cancel-after N\n"
                 "environment: COS_APPID, COS_SECRET_ID, COS_SECRET_KEY, COS_BUCKET, and\n"
                 "COS_ENDPOINT (base URL) or COS_REGION\n");
    return 2;
}

/* The error of a failed item or call, on one line. */
std::string describe(const cosv4::Error &e) {
    std::string cos = e.has_cos_code() ? std::to_string(e.cos_code()) : "none";
    return std::string(e.name()) + " (HTTP " + std::to_string(e.http_status()) + ", COS code " +
           cos + "): " + e.what();
}

/* What the callbacks saw. */
struct Seen {
    uint64_t started = 0, ended = 0, progress_events = 0;
    cosv4_batch_progress last;
    Seen() { std::memset(&last, 0, sizeof last); }
};

} // namespace

int main(int argc, char **argv) {
    bool list_mode = false;
    uint64_t stop_after = 0, throw_after = 0, cancel_after = 0; /* 0: never */
    uint64_t slice_size = 0, simple = 0, limit_rate = 0;           /* 0: the library's default */
    cosv4::BatchOptions opts;
    std::vector<const char *> rest;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (!std::strcmp(a, "--list")) {
            list_mode = true;
        } else if (!std::strcmp(a, "--overwrite")) {
            opts.overwrite(true);
        } else if (!std::strcmp(a, "--fail-fast")) {
            opts.fail_fast(true);
        } else if (!std::strcmp(a, "--follow-symlinks")) {
            opts.follow_symlinks(true);
        } else if (!std::strcmp(a, "--sync")) {
            opts.sync(COSV4_SYNC_MODE_CHECKSUM);
        } else if (!std::strcmp(a, "--size-only")) {
            opts.sync(COSV4_SYNC_MODE_SIZE_ONLY);
        } else if (!std::strcmp(a, "--delete")) {
            opts.delete_extra(true);
        } else if (!std::strcmp(a, "--force")) {
            opts.force(true);
        } else if (!std::strcmp(a, "--dry-run")) {
            opts.dry_run(true);
        } else if (!std::strcmp(a, "--keep-failed")) {
            opts.keep(COSV4_BATCH_KEEP_FAILED);
        } else if (!std::strcmp(a, "--include") && has_value) {
            opts.include(argv[++i]);
        } else if (!std::strcmp(a, "--exclude") && has_value) {
            opts.exclude(argv[++i]);
        } else if (!std::strcmp(a, "--limit-rate") && has_value) {
            limit_rate = std::strtoull(argv[++i], NULL, 10);
        } else if (!std::strcmp(a, "--jobs") && has_value) {
            opts.jobs(static_cast<uint32_t>(std::strtoul(argv[++i], NULL, 10)));
        } else if (!std::strcmp(a, "--max-requests") && has_value) {
            opts.max_requests(static_cast<uint32_t>(std::strtoul(argv[++i], NULL, 10)));
        } else if (!std::strcmp(a, "--slice-size") && has_value) {
            slice_size = std::strtoull(argv[++i], NULL, 10);
        } else if (!std::strcmp(a, "--simple-threshold") && has_value) {
            simple = std::strtoull(argv[++i], NULL, 10);
        } else if (!std::strcmp(a, "--stop-after") && has_value) {
            stop_after = std::strtoull(argv[++i], NULL, 10);
        } else if (!std::strcmp(a, "--throw-after") && has_value) {
            throw_after = std::strtoull(argv[++i], NULL, 10);
        } else if (!std::strcmp(a, "--cancel-after") && has_value) {
            cancel_after = std::strtoull(argv[++i], NULL, 10);
        } else if (a[0] == '-' && a[1] == '-') {
            return usage();
        } else {
            rest.push_back(a);
        }
    }
    bool args_ok = list_mode ? !rest.empty() && rest.size() % 2 == 0 : rest.size() == 2;
    if (!args_ok || !example::env_complete()) return usage();
    const char *bucket = example::env("COS_BUCKET");

    try {
        cosv4::Config cfg = example::config_from_env();
        if (slice_size) cfg.slice_size(slice_size);
        if (simple) cfg.simple_threshold(simple);
        if (limit_rate) cfg.limit_rate(limit_rate);
        const cosv4::Client client(std::move(cfg));

        cosv4::CancelToken token;
        Seen seen;
        opts.cancel_token(token);
        opts.progress([&](const cosv4_batch_progress &p) {
            seen.progress_events++;
            seen.last = p;
            return true;
        });
        opts.on_file([&](const cosv4_batch_file_event &e) {
            if (e.kind == COSV4_BATCH_EVENT_STARTED) {
                seen.started++;
                return true;
            }
            seen.ended++;
            if (throw_after && seen.ended >= throw_after) throw StopRequested(seen.ended);
            if (cancel_after && seen.ended >= cancel_after) token.cancel();
            return !(stop_after && seen.ended >= stop_after);
        });

        cosv4::BatchResult r;
        if (list_mode) {
            cosv4::BatchList list; /* add() throws on a bad cos path: a usage error */
            for (std::size_t i = 0; i < rest.size(); i += 2) list.add(rest[i], rest[i + 1]);
            r = client.upload_list(bucket, list, opts);
        } else {
            r = client.upload_dir(bucket, rest[0], rest[1], opts);
        }
        for (std::size_t i = 0; i < r.items.size(); i++) {
            const cosv4::BatchItem &item = r.items[i];
            std::printf("%s %s %" PRIu64 " bytes %" PRIu64 " ms <- %s", status_name(item.status),
                        item.cos_path.c_str(), item.bytes, item.elapsed_ms,
                        item.local_path.c_str());
            if (item.failed())
                std::printf(": %s", describe(item.error()).c_str());
            else if (!item.reason.empty())
                std::printf(": %s", item.reason.c_str());
            std::printf("\n");
        }
        std::printf("events started=%" PRIu64 " ended=%" PRIu64 " progress=%" PRIu64
                    " last=%" PRIu64 "/%" PRIu64 " files %" PRIu64 "/%" PRIu64
                    " bytes walk_done=%d\n",
                    seen.started, seen.ended, seen.progress_events, seen.last.files_done,
                    seen.last.files_known, seen.last.bytes_done, seen.last.bytes_known,
                    seen.last.walk_done ? 1 : 0);
        std::printf("summary uploaded=%" PRIu64 " folders=%" PRIu64 " skipped=%" PRIu64
                    " failed=%" PRIu64 " bytes_sent=%" PRIu64 " items=%zu unchanged=%" PRIu64
                    " deleted=%" PRIu64 " would_upload=%" PRIu64 " would_delete=%" PRIu64 "\n",
                    r.uploaded, r.folders, r.skipped, r.failed, r.bytes_sent, r.items.size(),
                    r.unchanged, r.deleted, r.would_upload, r.would_delete);
        return r.failed ? 1 : 0;
    } catch (const StopRequested &e) {
        std::fprintf(stderr, "batch: %s; run again to finish\n", e.what());
        return 3;
    } catch (const cosv4::Error &e) {
        std::fprintf(stderr, "batch: %s (callback value %d)\n", describe(e).c_str(),
                     e.callback_value());
        if (e.code() == COSV4_RESULT_CANCELLED) return 130;
        return e.code() >= 100 && e.code() < 200 ? 2 : 1;
    }
}
