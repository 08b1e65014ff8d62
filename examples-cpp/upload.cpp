/*
 * upload: upload one file to Tencent COS (v4 JSON API) with the C++ wrapper cosv4.hpp.
 *
 *   upload [--overwrite] [--slice-size BYTES] [--threads N] [--simple-threshold BYTES]
 *          [--stop-after BYTES] LOCAL_FILE COS_PATH
 *
 * Environment as for cosv4-upload: COS_APPID, COS_SECRET_ID, COS_SECRET_KEY, COS_BUCKET, and
 * COS_ENDPOINT (a base URL such as http://127.0.0.1:8080) or COS_REGION (gz, sh, ...).
 * Prints a progress line per 10 % step and per phase, then the access URL and the upload's
 * statistics (requests, retries, bytes sent and re-sent, time hashing and sending).
 * --stop-after shows how a C++ exception thrown in the progress callback travels safely
 * through the C library: the upload stops and the exception is rethrown from upload_file
 * (exit 3).
 * Exit status: 0 uploaded, 1 failed, 2 usage error, 3 stopped by --stop-after.
 *
 * Build: c++ -std=c++11 -Iinclude -Iexamples-cpp examples-cpp/upload.cpp \
 *            target/release/libcosv4.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o upload
 *    or: c++ -std=c++11 -Iinclude -Iexamples-cpp examples-cpp/upload.cpp \
 *            -Ltarget/release -lcosv4 -lpthread -o upload
 */
#include "cosv4.hpp"
#include "example_env.hpp"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>

namespace {

/* Thrown from the progress callback by --stop-after. */
struct StopRequested : std::runtime_error {
    explicit StopRequested(uint64_t done)
        : std::runtime_error("stopped after " + std::to_string(done) + " bytes") {}
};

const char *phase_name(uint32_t phase) {
    switch (phase) {
    case COSV4_PHASE_HASHING: return "hashing";
    case COSV4_PHASE_UPLOADING: return "uploading";
    case COSV4_PHASE_DONE: return "done";
    default: return "unknown";
    }
}

const char *method_name(uint32_t method) {
    switch (method) {
    case COSV4_METHOD_SIMPLE: return "simple";
    case COSV4_METHOD_SLICES: return "slices";
    case COSV4_METHOD_INSTANT: return "instant";
    default: return "unknown";
    }
}

int usage() {
    std::cerr << "usage: upload [--overwrite] [--slice-size BYTES] [--threads N]\n"
                 "              [--simple-threshold BYTES] [--stop-after BYTES] LOCAL COS_PATH\n"
                 "environment: COS_APPID, COS_SECRET_ID, COS_SECRET_KEY, COS_BUCKET, and\n"
                 "COS_ENDPOINT (base URL) or COS_REGION\n";
    return 2;
}

} // namespace

int main(int argc, char **argv) {
    bool overwrite = false;
    uint64_t stop_after = 0;                           /* 0: never */
    uint64_t slice_size = 0, threads = 0, simple = 0; /* 0: the library's default */
    const char *local = NULL, *cos_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!std::strcmp(argv[i], "--overwrite")) {
            overwrite = true;
        } else if (!std::strcmp(argv[i], "--stop-after") && i + 1 < argc) {
            stop_after = std::strtoull(argv[++i], NULL, 10);
        } else if (!std::strcmp(argv[i], "--slice-size") && i + 1 < argc) {
            slice_size = std::strtoull(argv[++i], NULL, 10);
        } else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
            threads = std::strtoull(argv[++i], NULL, 10);
        } else if (!std::strcmp(argv[i], "--simple-threshold") && i + 1 < argc) {
            simple = std::strtoull(argv[++i], NULL, 10);
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            return usage();
        } else if (!local) {
            local = argv[i];
        } else if (!cos_path) {
            cos_path = argv[i];
        } else {
            return usage();
        }
    }
    if (!local || !cos_path || !example::env_complete()) return usage();
    const char *bucket = example::env("COS_BUCKET");

    try {
        cosv4::Config cfg = example::config_from_env();
        if (slice_size) cfg.slice_size(slice_size); /* each setter throws on a bad value */
        if (threads) cfg.workers(static_cast<uint32_t>(threads > 1000 ? 1000 : threads));
        if (simple) cfg.simple_threshold(simple);
        const cosv4::Client client(std::move(cfg));

        uint32_t last_phase = 0;
        int last_decile = -1;
        cosv4::UploadOptions opts;
        opts.overwrite(overwrite).progress([&](const cosv4_progress &p) {
            uint64_t done = p.phase == COSV4_PHASE_HASHING ? p.bytes_hashed : p.bytes_done;
            int percent = p.bytes_total ? static_cast<int>(done * 100 / p.bytes_total) : 100;
            if (p.phase != last_phase || percent / 10 > last_decile) {
                std::printf("%s %3d%% (%" PRIu64 "/%" PRIu64 " bytes, %" PRIu64 "/%" PRIu64
                            " slices)\n",
                            phase_name(p.phase), percent, done, p.bytes_total, p.slices_done,
                            p.slices_total);
                std::fflush(stdout);
                last_phase = p.phase;
                last_decile = percent / 10;
            }
            if (stop_after && p.phase == COSV4_PHASE_UPLOADING && p.bytes_done >= stop_after)
                throw StopRequested(p.bytes_done); /* rethrown by upload_file */
            return true;
        });

        cosv4::UploadResult r = client.upload_file(bucket, cos_path, local, opts);
        std::printf("uploaded %s (%" PRIu64 " bytes, %s%s, %" PRIu64 " slices)\n", cos_path,
                    r.bytes_total, method_name(r.method), r.resumed ? ", resumed" : "",
                    r.slices_total);
        std::printf("access_url %s\n", r.access_url.c_str());
        std::printf("stats requests=%" PRIu64 " retries=%u bytes_sent=%" PRIu64
                    " bytes_resent=%" PRIu64 " hashing_ms=%" PRIu64 " sending_ms=%" PRIu64 "\n",
                    r.requests, r.retries, r.bytes_sent, r.bytes_resent, r.hashing_ms,
                    r.sending_ms);
        return 0;
    } catch (const StopRequested &e) {
        std::fprintf(stderr, "upload: %s; run again to resume\n", e.what());
        return 3;
    } catch (const cosv4::Error &e) {
        std::fprintf(stderr, "upload: %s\n", example::describe(e).c_str());
        return example::exit_status(e);
    }
}
