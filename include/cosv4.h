/*
 * cosv4.h -- upload files to Tencent COS through the legacy v4 JSON API, and the rest of that
 * API: stat, list, folders, delete, move/copy, update, download, signing.
 *
 * CONVENTIONS
 *   Every function returns a result code (cosv4_result, COSV4_RESULT_OK == 0) unless it is an
 *   accessor; cosv4_strerror() turns a code into static text. Constructors write their handle
 *   through an out-parameter, and only on success. Operations that can fail for reasons worth
 *   explaining also take `cosv4_error **err_out` (may be NULL): cosv4_config_new_with_error,
 *   cosv4_client_new, the uploads (cosv4_client_upload_file, _buffer, _dir, _list),
 *   cosv4_batch_list_add, the downloads
 *   (cosv4_client_download_url, _download_file) and the object calls (cosv4_client_stat,
 *   _list, _list_next, _create_folder, _delete, _move, _copy, _update); the signing functions
 *   and the setters return a code only. When `err_out` is not NULL it is always written, NULL
 *   on success and a new cosv4_error on failure, with the HTTP status, the COS code and
 *   message, the request id and a sentence naming the problem.
 *   Pointer arguments are checked: a NULL where a pointer is required gives
 *   COSV4_RESULT_NULL_ARGUMENT, text that is not UTF-8 gives COSV4_RESULT_INVALID_UTF8 (local
 *   file paths are bytes and need not be UTF-8). Integers standing for booleans must be 0 or 1
 *   (else COSV4_RESULT_INVALID_ARGUMENT). These checks of the C arguments come first, then the
 *   library's own: a rejected bucket name or cos path gives COSV4_RESULT_INVALID_PATH in every
 *   call that takes one (cosv4_client_list reports a file path given as its folder as
 *   COSV4_RESULT_INVALID_ARGUMENT), other rejected values COSV4_RESULT_INVALID_ARGUMENT.
 *   Accessors given NULL return their documented default (0, false or ""). A panic inside the
 *   library never crosses into C: it becomes COSV4_RESULT_PANIC (or an accessor's default).
 *
 * SAFETY
 *   Each pointer you pass must be NULL or valid for what its type says: a handle from this
 *   library that was not freed, a NUL-terminated string, a buffer of the stated length, a
 *   writable out-parameter. NULL is detected; a dangling or foreign pointer is not.
 *
 * OWNERSHIP
 *   Every object you get from a cosv4_*_new function or through an out-parameter is yours and
 *   is released with its matching cosv4_*_free function, exactly once. Every *_free accepts
 *   NULL and does nothing. cosv4_client_new consumes its cosv4_config on every path, success or
 *   failure: never free a config you passed to it. Strings and buffers you pass are copied
 *   during the call; the library keeps no pointer of yours except a callback's userdata.
 *   Strings returned by accessors (const char *) belong to the object they came from, are
 *   NUL-terminated UTF-8 and stay valid until that object is freed; strerror/version/name
 *   strings are static.
 *
 * THREAD SAFETY
 *   cosv4_client: immutable and shareable; any number of threads may use one client at once
 *     (uploads, downloads, stat, list, ...). Free it only when no call using it is running.
 *   cosv4_cancel_token: any thread may cancel it at any time, also while an upload or download
 *     using it runs.
 *   cosv4_config, cosv4_upload_options: one thread at a time (no internal locking), but an
 *     upload copies what it needs from its options when it starts, so one options object may be
 *     passed to uploads on several threads at once as long as nobody modifies it meanwhile.
 *   cosv4_upload_result, cosv4_error: read-only after creation; any thread may read them.
 *   cosv4_update_options, cosv4_download_options, cosv4_batch_options, cosv4_batch_list: as
 *     cosv4_upload_options (a batch takes a snapshot of its list when it starts). cosv4_stat,
 *     cosv4_list_page, cosv4_download_result, cosv4_batch_result: read-only, as
 *     cosv4_upload_result.
 *
 * CALLBACKS
 *   Uploads (cosv4_progress_cb) and downloads (cosv4_download_progress_cb) take a progress
 *   callback, batches (cosv4_client_upload_dir, _upload_list) a progress and a file callback
 *   (cosv4_batch_progress_cb, cosv4_batch_file_cb) with the same rules; the other calls have
 *   none. A progress callback runs only on the thread that
 *   called cosv4_client_upload_* or cosv4_client_download_file, one call at a time, never after
 *   that function returned (the library's worker threads send their events to the calling
 *   thread, which invokes your callback). No library lock is held while it runs. Progress
 *   counts are cumulative and never decrease; after a resume the first event already counts
 *   what the server (upload) or the partial file (download) had; a successful upload delivers
 *   a final COSV4_PHASE_DONE event with bytes_done == bytes_total, a successful download a
 *   final event with done true, before it returns. Returning nonzero stops the upload or
 *   download, which then fails with COSV4_RESULT_ABORTED_BY_CALLBACK; the value you returned is
 *   kept in the error detail (cosv4_error_callback_value). The final event is the exception:
 *   everything is done by then, so its return value is ignored and the call succeeds.
 *   From inside a callback you may call any function except cosv4_client_upload_* and
 *   cosv4_client_download_file: those return COSV4_RESULT_RECURSIVE_API_CALL at once when a
 *   progress callback is running on the calling thread (instead of deadlocking). Cancelling a
 *   token, signing, reading or freeing objects other than the ones in use, and changing the
 *   options object (which affects later calls only) are all fine.
 */


#ifndef COSV4_H
#define COSV4_H

/* Generated by cbindgen from src/ffi (build.rs). Do not edit: change the Rust sources. */

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/** Version of this header: major, minor, patch (compare with cosv4_version()). */
#define COSV4_VERSION_MAJOR 0
#define COSV4_VERSION_MINOR 1
#define COSV4_VERSION_PATCH 0
/** The version as one number, 0xMMmmpp (e.g. 0x000100 for 0.1.0), for `#if` checks. */
#define COSV4_VERSION_NUM 0x000100
/** The version as a string literal. */
#define COSV4_VERSION_STRING "0.1.0"

/**
 * The result of a cosv4 call, for every operation of the library (upload, download, stat,
 * list, folders, delete, move/copy, update, signing) and every setter. 0 is success. Codes are
 * grouped in bands (1xx usage and arguments, 2xx local I/O, 3xx transport, 4xx service, 5xx
 * integrity, 6xx stopped on request, 9xx library bugs); a released code keeps its number
 * forever. Functions take codes from C as `uint32_t` (see cosv4_strerror). The texts of
 * cosv4_strerror are static and some still name the upload ("the upload was cancelled"); they
 * stand for every operation.
 */
enum cosv4_result
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * Success.
   */
  COSV4_RESULT_OK = 0,
  /**
   * A required pointer argument was NULL.
   */
  COSV4_RESULT_NULL_ARGUMENT = 100,
  /**
   * A string argument was not valid UTF-8.
   */
  COSV4_RESULT_INVALID_UTF8 = 101,
  /**
   * An argument was out of range or malformed (e.g. a boolean other than 0 or 1, a list
   * prefix with '/', a page size over 1000, a signature lifetime of 0), or the call cannot
   * apply to it (deleting the root folder, an update that changes nothing, a download over
   * an existing file without overwrite).
   */
  COSV4_RESULT_INVALID_ARGUMENT = 102,
  /**
   * A bucket name or cos path was rejected (empty, not starting with '/', '//' ..., a file
   * path ending in '/', a folder path not ending in '/'), by any call that takes one
   * (a move/copy destination included).
   */
  COSV4_RESULT_INVALID_PATH = 103,
  /**
   * A configuration value was rejected, or the configuration is incomplete (no endpoint).
   */
  COSV4_RESULT_INVALID_CONFIG = 104,
  /**
   * An upload or a download was started from inside a progress callback (of an upload or a
   * download) on the same thread.
   */
  COSV4_RESULT_RECURSIVE_API_CALL = 105,
  /**
   * The caller's buffer is too small; the needed length was written to `*out_len`.
   */
  COSV4_RESULT_BUFFER_TOO_SMALL = 106,
  /**
   * Reading or writing a local file failed: the file to upload (missing, unreadable, a
   * directory, ...) or the file a download writes.
   */
  COSV4_RESULT_LOCAL_IO = 200,
  /**
   * The connection failed or broke (refused, reset, DNS, TLS, closed early).
   */
  COSV4_RESULT_TRANSPORT = 300,
  /**
   * A connect, stall or request time limit ran out.
   */
  COSV4_RESULT_TIMEOUT = 301,
  /**
   * The server's answer could not be understood.
   */
  COSV4_RESULT_PROTOCOL = 302,
  /**
   * The service answered with an error code (see cosv4_error_cos_code).
   */
  COSV4_RESULT_SERVICE = 400,
  /**
   * The service refused the credentials or the signature (HTTP 403, COS -97, -61, ...).
   */
  COSV4_RESULT_AUTH = 401,
  /**
   * The object exists and insert-only forbids overwriting it (COS -177).
   */
  COSV4_RESULT_FILE_EXISTS = 402,
  /**
   * An unfinished upload at the path could not be resumed (COS -4019/-4020); set
   * replace_stale to delete it and start over.
   */
  COSV4_RESULT_UPLOAD_CONFLICT = 403,
  /**
   * A content check failed: a sha mismatch (upload or download), the local file changed
   * during its upload, or the object changed during its download.
   */
  COSV4_RESULT_INTEGRITY = 500,
  /**
   * The upload or download was cancelled through its cosv4_cancel_token.
   */
  COSV4_RESULT_CANCELLED = 600,
  /**
   * The progress callback of an upload or a download returned nonzero (its value is in
   * cosv4_error_callback_value).
   */
  COSV4_RESULT_ABORTED_BY_CALLBACK = 601,
  /**
   * A bug: the library panicked (the panic was caught at the API boundary).
   */
  COSV4_RESULT_PANIC = 900,
  /**
   * A bug: an impossible state inside the library.
   */
  COSV4_RESULT_INTERNAL = 901,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum cosv4_result cosv4_result;
#else
typedef uint32_t cosv4_result;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * The phase of an upload in cosv4_progress.phase.
 */
enum cosv4_phase
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * Computing the SHA-1 of the content (bytes_hashed grows).
   */
  COSV4_PHASE_HASHING = 1,
  /**
   * Sending data (bytes_done and slices_done grow).
   */
  COSV4_PHASE_UPLOADING = 2,
  /**
   * Everything is on the server and the upload has succeeded; the callback's return value
   * at this final event is ignored.
   */
  COSV4_PHASE_DONE = 3,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum cosv4_phase cosv4_phase;
#else
typedef uint32_t cosv4_phase;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * How the object got to the server (cosv4_upload_result_method).
 */
enum cosv4_method
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * One request with the whole content.
   */
  COSV4_METHOD_SIMPLE = 1,
  /**
   * Slice upload (init, data slices, finish).
   */
  COSV4_METHOD_SLICES = 2,
  /**
   * The server already had the content: instant upload at init (nothing sent), or a
   * simple upload answered "same file already uploaded" (-4018, confirmed by a stat).
   */
  COSV4_METHOD_INSTANT = 3,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum cosv4_method cosv4_method;
#else
typedef uint32_t cosv4_method;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Log levels for cosv4_config_set_log; each includes the ones before it.
 */
enum cosv4_log_level
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * Failures the call returns anyway.
   */
  COSV4_LOG_LEVEL_ERROR = 1,
  /**
   * Retries after a failed request.
   */
  COSV4_LOG_LEVEL_WARN = 2,
  /**
   * Milestones.
   */
  COSV4_LOG_LEVEL_INFO = 3,
  /**
   * One line per request: op, path, offset, HTTP status, COS code, bytes, time.
   */
  COSV4_LOG_LEVEL_DEBUG = 4,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum cosv4_log_level cosv4_log_level;
#else
typedef uint32_t cosv4_log_level;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Who may read and write a file (cosv4_update_options_set_authority).
 */
enum cosv4_authority
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * `eInvalid`: inherit the bucket's setting.
   */
  COSV4_AUTHORITY_INHERIT = 1,
  /**
   * `eWRPrivate`: private read and write.
   */
  COSV4_AUTHORITY_PRIVATE = 2,
  /**
   * `eWPrivateRPublic`: private write, public read (downloads need no signature).
   */
  COSV4_AUTHORITY_PUBLIC_READ = 3,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum cosv4_authority cosv4_authority;
#else
typedef uint32_t cosv4_authority;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What a cosv4_batch_file_event reports (its `kind`).
 */
enum cosv4_batch_event
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * A file's upload starts (its folders are created first); `bytes` is its size.
   */
  COSV4_BATCH_EVENT_STARTED = 1,
  /**
   * A file was uploaded, or an empty directory mirrored (its cos_path ends in '/'); with a
   * sync also a remote file or folder deleted, and in a dry run what would be uploaded or
   * deleted (see the event's `status`).
   */
  COSV4_BATCH_EVENT_DONE = 2,
  /**
   * An item was not uploaded, by rule (a symbolic link not followed, a FIFO, a socket, a
   * device), or because a sync found it unchanged (`status` COSV4_BATCH_STATUS_UNCHANGED).
   */
  COSV4_BATCH_EVENT_SKIPPED = 3,
  /**
   * An item failed; `result_code` says why. The batch goes on unless fail_fast is set.
   */
  COSV4_BATCH_EVENT_FAILED = 4,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum cosv4_batch_event cosv4_batch_event;
#else
typedef uint32_t cosv4_batch_event;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * How one item of a batch ended (cosv4_batch_result_status).
 */
enum cosv4_batch_status
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * The file was uploaded (or the server already had it).
   */
  COSV4_BATCH_STATUS_UPLOADED = 1,
  /**
   * An empty local directory, mirrored: the folder exists (created, or already there).
   */
  COSV4_BATCH_STATUS_FOLDER = 2,
  /**
   * Not uploaded, by rule: a symbolic link not followed, a FIFO, a socket, a device.
   */
  COSV4_BATCH_STATUS_SKIPPED = 3,
  /**
   * The upload failed (see cosv4_batch_result_result_code and _reason).
   */
  COSV4_BATCH_STATUS_FAILED = 4,
  /**
   * A sync found the remote object identical (or the folder existing): nothing sent.
   */
  COSV4_BATCH_STATUS_UNCHANGED = 5,
  /**
   * A sync deleted this remote file or folder (the local path is "").
   */
  COSV4_BATCH_STATUS_DELETED = 6,
  /**
   * A dry run: this file (or empty folder) would be uploaded (or created).
   */
  COSV4_BATCH_STATUS_WOULD_UPLOAD = 7,
  /**
   * A dry run: this remote file or folder would be deleted (the local path is "").
   */
  COSV4_BATCH_STATUS_WOULD_DELETE = 8,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum cosv4_batch_status cosv4_batch_status;
#else
typedef uint32_t cosv4_batch_status;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * How a batch compares local files with the remote side (cosv4_batch_options_set_sync).
 */
enum cosv4_sync_mode
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * No sync: every file is uploaded (the default).
   */
  COSV4_SYNC_MODE_OFF = 0,
  /**
   * Skip a file whose remote object has the same size and SHA-1 (a remote object without a
   * SHA-1 counts as changed); the SHA-1 is the one the upload computes anyway.
   */
  COSV4_SYNC_MODE_CHECKSUM = 1,
  /**
   * Skip a file whose remote object has the same size.
   */
  COSV4_SYNC_MODE_SIZE_ONLY = 2,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum cosv4_sync_mode cosv4_sync_mode;
#else
typedef uint32_t cosv4_sync_mode;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Which items a batch result keeps (cosv4_batch_options_set_keep_results).
 */
enum cosv4_batch_keep
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * Every item (the default): memory grows with the number of files.
   */
  COSV4_BATCH_KEEP_ALL = 0,
  /**
   * Failed items only: memory stays bounded for any number of files; the counts still
   * cover every item, and the file callback sees every item.
   */
  COSV4_BATCH_KEEP_FAILED = 1,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum cosv4_batch_keep cosv4_batch_keep;
#else
typedef uint32_t cosv4_batch_keep;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * A list of (local file, cos path) pairs to upload as one batch with
 * cosv4_client_upload_list: created with cosv4_batch_list_new, filled with
 * cosv4_batch_list_add, freed with cosv4_batch_list_free. Each cos path is checked when it is
 * added and appears at most once. A batch works on a snapshot taken when it starts, so
 * adding to or freeing the list meanwhile (even from a callback) affects later batches only;
 * the list may be uploaded again. Not thread-safe to modify; may be read by several batches at
 * once.
 */
typedef struct cosv4_batch_list cosv4_batch_list;

/**
 * How a batch runs: files at once, requests in flight, symbolic links, fail-fast,
 * insert-only, a cancel token, a progress and a file callback. Created with
 * cosv4_batch_options_new, freed with cosv4_batch_options_free; reusable. A batch copies what
 * it needs when it starts, so changing or freeing the options (even from a callback) affects
 * later batches only. Not thread-safe to modify; may be read by several batches at once.
 */
typedef struct cosv4_batch_options cosv4_batch_options;

/**
 * The outcome of a batch (cosv4_client_upload_dir, cosv4_client_upload_list): counts, and
 * every item (file or empty directory) in the order they ended. Read-only; free with
 * cosv4_batch_result_free. Any thread may read it. Items are read by index, 0 to
 * cosv4_batch_result_count - 1.
 */
typedef struct cosv4_batch_result cosv4_batch_result;

/**
 * A cancel token: any thread may cancel it at any time. Uploads and downloads given it
 * (through cosv4_upload_options_set_cancel_token, cosv4_download_options_set_cancel_token)
 * stop promptly, interrupting requests in flight, and fail with COSV4_RESULT_CANCELLED; an
 * unfinished upload stays on the server and a partial download on disk, so running the same
 * call again later resumes it. Once cancelled a token stays cancelled: use a new one for the
 * next operation.
 */
typedef struct cosv4_cancel_token cosv4_cancel_token;

/**
 * A client: configuration checked once, one connection pool, and the operations. Immutable
 * and thread-safe: any number of threads may use one client at once. Free it with
 * cosv4_client_free once no call using it is running.
 */
typedef struct cosv4_client cosv4_client;

/**
 * Settings for a client: credentials, endpoint, and tuning knobs (each setter names its
 * default). Created with cosv4_config_new, consumed by
 * cosv4_client_new (or freed with cosv4_config_free). Not thread-safe: one thread at a time.
 */
typedef struct cosv4_config cosv4_config;

/**
 * Per-download choices: resume mode, SHA-1 check, overwrite, a progress callback and a cancel
 * token.
 * Created with cosv4_download_options_new, freed with cosv4_download_options_free; reusable.
 * A download copies what it needs when it starts. Not thread-safe to modify; may be read by
 * several downloads at once.
 */
typedef struct cosv4_download_options cosv4_download_options;

/**
 * The outcome of a successful download. Read-only; free with cosv4_download_result_free.
 */
typedef struct cosv4_download_result cosv4_download_result;

/**
 * What went wrong in a failed operation: the result code, the HTTP status and the COS code
 * and message when the service answered, its request id, and a sentence naming the problem.
 * Created by the library through an `err_out` parameter; read-only; free it with
 * cosv4_error_free. Any thread may read it.
 */
typedef struct cosv4_error cosv4_error;

/**
 * One page of a folder listing. Read-only; free with cosv4_list_page_free. Any thread may
 * read it. Entries are numbered from 0 to cosv4_list_page_count - 1; an accessor given a
 * NULL page or an index out of range returns 0, false or "".
 */
typedef struct cosv4_list_page cosv4_list_page;

/**
 * What cosv4_client_stat reports of a file or a folder. Read-only; free with
 * cosv4_stat_free. Any thread may read it.
 */
typedef struct cosv4_stat cosv4_stat;

/**
 * The attributes cosv4_client_update changes. Created with cosv4_update_options_new (nothing
 * set), freed with cosv4_update_options_free; reusable. Values are copied. Not thread-safe to
 * modify; may be read by several calls at once.
 */
typedef struct cosv4_update_options cosv4_update_options;

/**
 * Per-upload choices: biz_attr, insert-only, replace-stale, a progress callback and a cancel
 * token. Created with cosv4_upload_options_new, freed with cosv4_upload_options_free; may be
 * reused for any number of uploads. An upload copies what it needs when it starts, so changing
 * or freeing the options (even from a progress callback) affects later uploads only. Not
 * thread-safe to modify; may be read by several uploads at once.
 */
typedef struct cosv4_upload_options cosv4_upload_options;

/**
 * The outcome of a successful upload. Read-only; free with cosv4_upload_result_free. Any
 * thread may read it.
 */
typedef struct cosv4_upload_result cosv4_upload_result;

/**
 * A log callback: `userdata` as given to cosv4_config_set_log, `level` a cosv4_log_level,
 * `message` one line of UTF-8 without a newline, valid only during the call. Never contains
 * the secret key or a signature. It may run on the library's worker threads, but never two
 * calls at once, and never after the API call that caused it returned. Keep it short and do
 * not call into the library from it.
 */
typedef void (*cosv4_log_cb)(void *userdata, uint32_t level, const char *message);

/**
 * One progress event. All counts are cumulative and never decrease.
 */
typedef struct cosv4_progress {
  /**
   * A cosv4_phase value (COSV4_PHASE_HASHING, COSV4_PHASE_UPLOADING, COSV4_PHASE_DONE).
   */
  uint32_t phase;
  /**
   * Size of the content.
   */
  uint64_t bytes_total;
  /**
   * Bytes the server has confirmed (including those it had from an earlier attempt).
   */
  uint64_t bytes_done;
  /**
   * Bytes hashed so far (bytes_total once hashing is over; 0 when integrity is off).
   */
  uint64_t bytes_hashed;
  /**
   * Number of slices (1 for a simple upload; 0 before it is known).
   */
  uint64_t slices_total;
  /**
   * Slices the server has confirmed.
   */
  uint64_t slices_done;
} cosv4_progress;

/**
 * A progress callback: `userdata` is the pointer given with it, `progress` is valid only
 * during the call. Return 0 to continue; any other value stops the upload, which fails with
 * COSV4_RESULT_ABORTED_BY_CALLBACK and keeps the value in cosv4_error_callback_value. Runs on
 * the thread that called cosv4_client_upload_*, never after that call returned; must not
 * start another upload on that thread (COSV4_RESULT_RECURSIVE_API_CALL).
 */
typedef int32_t (*cosv4_progress_cb)(void *userdata, const struct cosv4_progress *progress);

/**
 * One download progress event. Counts are cumulative and never decrease.
 */
typedef struct cosv4_download_progress {
  /**
   * Size of the object.
   */
  uint64_t bytes_total;
  /**
   * Bytes on disk so far, those of an earlier attempt included.
   */
  uint64_t bytes_done;
  /**
   * Bytes that were on disk when the call started (the download resumed from there).
   */
  uint64_t bytes_resumed;
  /**
   * True in the last event: the whole file is on disk and checked.
   */
  bool done;
} cosv4_download_progress;

/**
 * A download progress callback: `userdata` is the pointer given with it, `progress` is valid
 * only during the call. Return 0 to continue; any other value stops the download, which
 * fails with COSV4_RESULT_ABORTED_BY_CALLBACK (the value is in cosv4_error_callback_value)
 * and keeps the partial file. Runs on the thread that called cosv4_client_download_file,
 * never after that call returned.
 */
typedef int32_t (*cosv4_download_progress_cb)(void *userdata,
                                              const struct cosv4_download_progress *progress);

/**
 * The batch as a whole, for a progress display. Totals grow as the walk finds items; counts
 * never decrease.
 */
typedef struct cosv4_batch_progress {
  /**
   * Items ended (uploaded, folders, skipped, failed).
   */
  uint64_t files_done;
  /**
   * Items found so far (the total once walk_done is true).
   */
  uint64_t files_known;
  /**
   * Bytes of uploaded files, and those the server confirmed of files in flight.
   */
  uint64_t bytes_done;
  /**
   * Bytes of the files found so far.
   */
  uint64_t bytes_known;
  /**
   * True once the walk of the local directory is over.
   */
  bool walk_done;
  /**
   * Milliseconds since the batch started.
   */
  uint64_t elapsed_ms;
  /**
   * How fast bytes_done grew over the last 5 seconds, in bytes per second (files a sync
   * found unchanged count as done at once). While a progress callback is set, reports come
   * at least every second, so a stall shows as a falling rate.
   */
  uint64_t bytes_per_second;
  /**
   * Milliseconds left at that rate for the bytes of the files not yet done (failed and
   * skipped files' bytes left out); -1 while the walk goes on (the total is not known) or
   * while nothing moves; 0 at the end.
   */
  int64_t eta_ms;
} cosv4_batch_progress;

/**
 * A batch progress callback: `userdata` is the pointer given with it, `progress` is valid
 * only during the call. Return 0 to continue; any other value stops the batch, which fails
 * with COSV4_RESULT_ABORTED_BY_CALLBACK (the value is in cosv4_error_callback_value). Runs
 * on the thread that called cosv4_client_upload_dir or _upload_list, never after that call
 * returned; throttled.
 */
typedef int32_t (*cosv4_batch_progress_cb)(void *userdata,
                                           const struct cosv4_batch_progress *progress);

/**
 * One item of a batch starting or ending. The strings are valid only during the callback
 * (copy them to keep them).
 */
typedef struct cosv4_batch_file_event {
  /**
   * A cosv4_batch_event value (COSV4_BATCH_EVENT_STARTED, _DONE, _SKIPPED, _FAILED).
   */
  uint32_t kind;
  /**
   * The local file or directory, in the platform's bytes.
   */
  const char *local_path;
  /**
   * Where it goes in the bucket (a folder path ends in '/').
   */
  const char *cos_path;
  /**
   * The file's size (0 for folders, and for a file that could not be opened).
   */
  uint64_t bytes;
  /**
   * The cosv4_result of a failed item (COSV4_BATCH_EVENT_FAILED); 0 otherwise.
   */
  uint32_t result_code;
  /**
   * The HTTP status of the service's answer to a failed item, or 0 (no answer, or not
   * failed).
   */
  uint32_t http_status;
  /**
   * True when the service answered a failed item with a COS `code` (in `cos_code`).
   */
  bool has_cos_code;
  /**
   * The COS `code` of a failed item (e.g. -177 file exists) when `has_cos_code`; 0
   * otherwise.
   */
  int64_t cos_code;
  /**
   * The sentence naming a failed item's error, or why an item was skipped; "" otherwise.
   */
  const char *reason;
  /**
   * Content bytes sent for an uploaded file, retries included (0 when the server already
   * had the content, for folders, and for the other events).
   */
  uint64_t bytes_sent;
  /**
   * How the item ended, a cosv4_batch_status value (as cosv4_batch_result_status would
   * say): it tells apart the items of one kind, e.g. a DONE event of an upload
   * (COSV4_BATCH_STATUS_UPLOADED), a deletion (_DELETED, local_path "") or a dry run's
   * _WOULD_UPLOAD, or a SKIPPED event of an unchanged file (_UNCHANGED). 0 for STARTED.
   */
  uint32_t status;
} cosv4_batch_file_event;

/**
 * A batch file callback, called when an item starts and when it ends: `event` and its
 * strings are valid only during the call. Return 0 to continue; any other value stops the
 * batch as cosv4_batch_progress_cb does. Runs on the thread that called
 * cosv4_client_upload_dir or _upload_list, one call at a time.
 */
typedef int32_t (*cosv4_batch_file_cb)(void *userdata, const struct cosv4_batch_file_event *event);

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * A static English sentence describing `code`; "unknown result code" for a number that is
 * not a cosv4_result. Never NULL; the text must not be freed. Thread-safe.
 */
const char *cosv4_strerror(uint32_t code);

/**
 * The static C name of `code`, e.g. "COSV4_RESULT_AUTH"; "COSV4_RESULT_UNKNOWN" (not a real
 * code) for a number that is not a cosv4_result. Never NULL; must not be freed. Thread-safe.
 */
const char *cosv4_result_name(uint32_t code);

/**
 * The version of the library actually linked, e.g. "0.1.0" (the header's is
 * COSV4_VERSION_STRING). Static; never NULL; must not be freed. Thread-safe.
 */
const char *cosv4_version(void);

/**
 * The result code of the failed operation (never COSV4_RESULT_OK); COSV4_RESULT_NULL_ARGUMENT
 * when `err` is NULL.
 */
cosv4_result cosv4_error_code(const struct cosv4_error *err);

/**
 * The HTTP status of the service's answer, or 0 when there was none (no answer, or the
 * failure happened before any request). 0 when `err` is NULL.
 */
uint32_t cosv4_error_http_status(const struct cosv4_error *err);

/**
 * True when the service answered a COS `code` (read it with cosv4_error_cos_code). False
 * when `err` is NULL.
 */
bool cosv4_error_has_cos_code(const struct cosv4_error *err);

/**
 * The `code` of the service's JSON answer (e.g. -97 bad signature, -177 file exists, -4019
 * unfinished upload), or 0 when there is none (see cosv4_error_has_cos_code) or `err` is NULL.
 */
int64_t cosv4_error_cos_code(const struct cosv4_error *err);

/**
 * The `message` of the service's JSON answer, "" when there is none or `err` is NULL.
 * Owned by `err`: valid until cosv4_error_free.
 */
const char *cosv4_error_cos_message(const struct cosv4_error *err);

/**
 * The service's `request_id` (quote it to support), "" when there is none or `err` is NULL.
 * Owned by `err`: valid until cosv4_error_free.
 */
const char *cosv4_error_request_id(const struct cosv4_error *err);

/**
 * A sentence naming the problem, for people (e.g. "auth error: the service answered HTTP
 * 403, COS code -97: ..."); "" when `err` is NULL. Not meant to be parsed. Owned by `err`:
 * valid until cosv4_error_free.
 */
const char *cosv4_error_message(const struct cosv4_error *err);

/**
 * The nonzero value the progress callback returned to stop the upload or download, when the
 * code is COSV4_RESULT_ABORTED_BY_CALLBACK; 0 otherwise or when `err` is NULL.
 */
int32_t cosv4_error_callback_value(const struct cosv4_error *err);

/**
 * Frees an error detail. NULL does nothing.
 */
void cosv4_error_free(struct cosv4_error *err);

/**
 * Creates a configuration for these credentials, with every setting at its default. The
 * endpoint (cosv4_config_set_region or cosv4_config_set_endpoint) must still be set.
 * `secret_id` and `secret_key` are copied. On success writes a new config to `*out`;
 * COSV4_RESULT_INVALID_CONFIG when appid is 0, a secret is empty, or the secret id contains a
 * control character or '&' (it travels in the signature's plaintext; the key may hold any
 * bytes). cosv4_config_new_with_error says which.
 */
cosv4_result cosv4_config_new(uint64_t appid,
                              const char *secret_id,
                              const char *secret_key,
                              struct cosv4_config **out);

/**
 * As cosv4_config_new, and `*err_out` (may be NULL) is always written: NULL on success, on
 * failure a new cosv4_error whose message names the problem (e.g. what is wrong with the
 * secret id; never the secret key itself).
 */
cosv4_result cosv4_config_new_with_error(uint64_t appid,
                                         const char *secret_id,
                                         const char *secret_key,
                                         struct cosv4_config **out,
                                         struct cosv4_error **err_out);

/**
 * Frees a configuration that was not passed to cosv4_client_new. NULL does nothing.
 */
void cosv4_config_free(struct cosv4_config *cfg);

/**
 * Why the last setter called on `cfg` failed, as a sentence naming the value and the rule
 * (e.g. the endpoint and what is wrong with it); "" after a setter that succeeded, before any
 * setter, and when `cfg` is NULL. The string belongs to `cfg`: valid until the next call on
 * `cfg` or until it is freed or consumed.
 */
const char *cosv4_config_last_error(const struct cosv4_config *cfg);

/**
 * Sets the endpoint to a COS region: a code such as "gz", "sh", "tj", "sgp" or a long name
 * ("guangzhou", "shanghai", ...). Requests go to http(s)://<region>.file.myqcloud.com.
 * Replaces an endpoint set before. COSV4_RESULT_INVALID_CONFIG when it is not a region code.
 */
cosv4_result cosv4_config_set_region(struct cosv4_config *cfg, const char *region);

/**
 * Sets an explicit base URL, `http(s)://host[:port][/prefix]` (a private deployment, the
 * emulator). Replaces an endpoint set before. COSV4_RESULT_INVALID_CONFIG when it is not such
 * a URL.
 */
cosv4_result cosv4_config_set_endpoint(struct cosv4_config *cfg, const char *base_url);

/**
 * Use https (1, the default when built with TLS) or http (0) for a region endpoint.
 * COSV4_RESULT_INVALID_ARGUMENT (config unchanged) when `on` is not 0 or 1.
 */
cosv4_result cosv4_config_set_https(struct cosv4_config *cfg, uint32_t on);

/**
 * Slice size for slice uploads: 524288, 1048576 (default), 2097152 or 3145728 bytes.
 * COSV4_RESULT_INVALID_CONFIG (config unchanged) when the value is not allowed.
 */
cosv4_result cosv4_config_set_slice_size(struct cosv4_config *cfg, uint64_t bytes);

/**
 * Slices in flight per upload: 1 to 32 (default 4).
 * COSV4_RESULT_INVALID_CONFIG (config unchanged) when the value is not allowed.
 */
cosv4_result cosv4_config_set_workers(struct cosv4_config *cfg, uint32_t workers);

/**
 * Send the SHA-1 of the content so the service checks it (1, default) or not (0; saves
 * reading the file twice).
 * COSV4_RESULT_INVALID_ARGUMENT (config unchanged) when `on` is not 0 or 1.
 */
cosv4_result cosv4_config_set_integrity(struct cosv4_config *cfg, uint32_t on);

/**
 * Files up to this size (default 8388608, at most 20000000) go in one request; larger ones
 * in slices.
 * COSV4_RESULT_INVALID_CONFIG (config unchanged) when the value is not allowed.
 */
cosv4_result cosv4_config_set_simple_threshold(struct cosv4_config *cfg, uint64_t bytes);

/**
 * Extra attempts per request after a retryable failure: 0 to 100 (default 30). Retries also
 * stop at the retry window (cosv4_config_set_retry_window_ms), whichever comes first.
 * COSV4_RESULT_INVALID_CONFIG (config unchanged) when the value is not allowed.
 */
cosv4_result cosv4_config_set_retries(struct cosv4_config *cfg, uint32_t retries);

/**
 * The retry window in milliseconds (default 60000, at most a day): retries of a request
 * start only within this time from its first attempt, so an outage this long (refused or
 * reset connections, 5xx answers, timeouts) is ridden out; 0: no retries.
 * COSV4_RESULT_INVALID_CONFIG (config unchanged) when the value is not allowed.
 */
cosv4_result cosv4_config_set_retry_window_ms(struct cosv4_config *cfg, uint64_t ms);

/**
 * A bandwidth limit for the whole client in bytes per second (at least 1024), shared by every
 * request of every upload and download made through clients built from this config (each
 * client has its own bucket of tokens); 0 (the default) for none.
 * COSV4_RESULT_INVALID_CONFIG (config unchanged) when the value is not allowed.
 */
cosv4_result cosv4_config_set_limit_rate(struct cosv4_config *cfg, uint64_t bytes_per_second);

/**
 * Connect time limit in milliseconds (default 10000; 0 is rejected).
 * COSV4_RESULT_INVALID_CONFIG (config unchanged) when the value is not allowed.
 */
cosv4_result cosv4_config_set_connect_timeout_ms(struct cosv4_config *cfg, uint64_t ms);

/**
 * Stall timeout in milliseconds (default 30000; 0 is rejected): a request fails when, while
 * sending, the socket takes no byte for this long, or, while receiving, no byte arrives for
 * this long. A slow peer that keeps taking bytes is never cut off (the request timeout still
 * bounds the whole request).
 * COSV4_RESULT_INVALID_CONFIG (config unchanged) when the value is not allowed.
 */
cosv4_result cosv4_config_set_stall_timeout_ms(struct cosv4_config *cfg, uint64_t ms);

/**
 * Time limit of one whole request in milliseconds (default 300000; 0 is rejected).
 * COSV4_RESULT_INVALID_CONFIG (config unchanged) when the value is not allowed.
 */
cosv4_result cosv4_config_set_request_timeout_ms(struct cosv4_config *cfg, uint64_t ms);

/**
 * Lifetime of the signatures sent with requests, in seconds (default 300; 1 to 7776000).
 * COSV4_RESULT_INVALID_CONFIG (config unchanged) when the value is not allowed.
 */
cosv4_result cosv4_config_set_sign_lifetime(struct cosv4_config *cfg, uint64_t seconds);

/**
 * Read HTTP_PROXY/HTTPS_PROXY/ALL_PROXY/NO_PROXY from the environment (1) or not (0,
 * default). An explicit cosv4_config_set_proxy wins.
 * COSV4_RESULT_INVALID_ARGUMENT (config unchanged) when `on` is not 0 or 1.
 */
cosv4_result cosv4_config_set_env_proxy(struct cosv4_config *cfg, uint32_t on);

/**
 * Sets the User-Agent header (default "cosv4/<version>"); copied. INVALID_CONFIG when it
 * contains a control character.
 */
cosv4_result cosv4_config_set_user_agent(struct cosv4_config *cfg, const char *user_agent);

/**
 * Sends requests through a proxy: "http://host:port" (CONNECT) or "socks5://host:port"
 * (also https://, socks4://, socks4a://); NULL removes it (the default: no proxy). Copied.
 * INVALID_CONFIG when it is not such a URL.
 */
cosv4_result cosv4_config_set_proxy(struct cosv4_config *cfg, const char *proxy);

/**
 * Trusts the CA certificates in this PEM file for https endpoints *instead of* the built-in
 * Mozilla roots (default: NULL = the built-in roots; NULL also removes a file set before). Use
 * it for a private CA or the emulator's `ca.pem`. The path is copied and the file is read and
 * checked now (and again by cosv4_client_new). COSV4_RESULT_INVALID_CONFIG (config unchanged)
 * when the file cannot be read, holds no certificate or an unusable one, or the library was
 * built without TLS; COSV4_RESULT_INVALID_UTF8 when the path is not UTF-8.
 */
cosv4_result cosv4_config_set_tls_ca_file(struct cosv4_config *cfg, const char *path);

/**
 * INSECURE, for tests only: 1 accepts any server certificate without checking it (anyone on
 * the network path can then read and change the traffic); 0 (the default) verifies
 * certificates. Wins over cosv4_config_set_tls_ca_file.
 * COSV4_RESULT_INVALID_ARGUMENT when `on` is not 0 or 1; COSV4_RESULT_INVALID_CONFIG when the
 * library was built without TLS (config unchanged either way).
 */
cosv4_result cosv4_config_set_tls_insecure_skip_verify(struct cosv4_config *cfg, uint32_t on);

/**
 * Sends log lines up to `level` (a cosv4_log_level: 1 error to 4 debug) to `cb` with
 * `userdata`; `cb` NULL turns logging off (the default). Clients built from this config keep
 * the callback: `userdata` must stay valid until the last such client is freed.
 * COSV4_RESULT_INVALID_ARGUMENT when `level` is not 1 to 4; NULL_ARGUMENT when `cfg` is NULL.
 */
cosv4_result cosv4_config_set_log(struct cosv4_config *cfg,
                                  cosv4_log_cb cb,
                                  void *userdata,
                                  uint32_t level);

/**
 * Checks `cfg` and builds a client from it. `cfg` is consumed on every path, success or
 * failure (also when `out` is NULL): do not use or free it afterwards. On success writes a
 * new client to `*out`. COSV4_RESULT_INVALID_CONFIG when the configuration is incomplete (no
 * endpoint) or inconsistent; `*err_out` (may be NULL) then says why.
 */
cosv4_result cosv4_client_new(struct cosv4_config *cfg,
                              struct cosv4_client **out,
                              struct cosv4_error **err_out);

/**
 * Frees a client. NULL does nothing. Calls (uploads, downloads, ...) running on other threads
 * keep their own reference, but do not free a client while another thread may still start a
 * call with it.
 */
void cosv4_client_free(const struct cosv4_client *client);

/**
 * Creates a token that is not cancelled. On success writes it to `*out`.
 */
cosv4_result cosv4_cancel_token_new(struct cosv4_cancel_token **out);

/**
 * Cancels the token: every upload and download using it stops. Safe to call from any thread (a signal
 * watcher thread, a UI thread, a progress callback) and more than once. It is not
 * async-signal-safe: from a signal handler, wake a thread that calls it.
 */
cosv4_result cosv4_cancel_token_cancel(const struct cosv4_cancel_token *token);

/**
 * True once the token was cancelled; false when `token` is NULL. Thread-safe.
 */
bool cosv4_cancel_token_is_cancelled(const struct cosv4_cancel_token *token);

/**
 * Frees the caller's token. NULL does nothing. Options it was set on keep their own
 * reference, so this may come before the operation ends; but do not free it while another
 * thread may still call cosv4_cancel_token_cancel with it.
 */
void cosv4_cancel_token_free(const struct cosv4_cancel_token *token);

/**
 * Creates options with the defaults: empty biz_attr, insert-only on, replace-stale off, no
 * progress callback, no cancel token. On success writes them to `*out`.
 */
cosv4_result cosv4_upload_options_new(struct cosv4_upload_options **out);

/**
 * Frees options. NULL does nothing. The progress userdata is not touched (it is yours).
 */
void cosv4_upload_options_free(struct cosv4_upload_options *opts);

/**
 * Sets the free-form attribute stored with the object (`biz_attr`; default ""). Copied.
 */
cosv4_result cosv4_upload_options_set_biz_attr(struct cosv4_upload_options *opts,
                                               const char *biz_attr);

/**
 * 1 (default): fail with COSV4_RESULT_FILE_EXISTS instead of overwriting an existing object
 * with other content (`insertOnly=1`). 0: overwrite. Other values: INVALID_ARGUMENT.
 */
cosv4_result cosv4_upload_options_set_insert_only(struct cosv4_upload_options *opts, uint32_t on);

/**
 * 1: when an unfinished upload at the path cannot be resumed (other content, size or slice
 * size, or content not proven to be this file's: integrity off, or no sha declared), delete
 * it and start over. Under insert-only (the default) a finished object at the path is never
 * deleted: the upload fails with COSV4_RESULT_FILE_EXISTS instead; with insert-only 0 the
 * delete removes that object too. 0 (default): fail with COSV4_RESULT_UPLOAD_CONFLICT (or
 * COSV4_RESULT_INTEGRITY when its content differs). Other values: INVALID_ARGUMENT.
 */
cosv4_result cosv4_upload_options_set_replace_stale(struct cosv4_upload_options *opts, uint32_t on);

/**
 * Sets the progress callback and its userdata; `callback` NULL removes it. `userdata` is
 * passed back untouched and never freed by the library. See cosv4_progress_cb for when the
 * callback runs (the calling thread only, never after the upload returned).
 */
cosv4_result cosv4_upload_options_set_progress(struct cosv4_upload_options *opts,
                                               cosv4_progress_cb callback,
                                               void *userdata);

/**
 * Lets `token` cancel uploads made with these options; NULL removes the token. The options
 * keep their own reference: the caller may free its token at any time.
 */
cosv4_result cosv4_upload_options_set_cancel_token(struct cosv4_upload_options *opts,
                                                   const struct cosv4_cancel_token *token);

/**
 * Uploads the local file `local_path` to `cos_path` (e.g. "/dir/name.bin") in `bucket`.
 * Blocks until the upload succeeded, failed or was cancelled; files up to the simple-upload
 * threshold go in one request, larger ones in slices (resuming an unfinished upload of the
 * same content, proven by its SHA-1). Success means the service confirmed a finished object
 * with this content: the finish's answer, or — when that answer was lost or the session was
 * already finished — a stat showing the finished object with this file's size and SHA-1. `local_path` is a file name in the platform's bytes (need not be UTF-8);
 * `bucket` and `cos_path` must be UTF-8. `opts` may be NULL (defaults). On success writes a
 * new result to `*out`. On failure `*err_out` (may be NULL) gets the detail. Thread-safe:
 * many threads may upload through one client at once. COSV4_RESULT_RECURSIVE_API_CALL when
 * called from inside a progress callback running on this thread.
 */
cosv4_result cosv4_client_upload_file(const struct cosv4_client *client,
                                      const char *bucket,
                                      const char *cos_path,
                                      const char *local_path,
                                      const struct cosv4_upload_options *opts,
                                      struct cosv4_upload_result **out,
                                      struct cosv4_error **err_out);

/**
 * Uploads `len` bytes at `data` (copied as they are sent; the memory must stay valid and
 * unchanged during the call) to `cos_path` in `bucket`. `data` may be NULL only when `len` is
 * 0. Otherwise as cosv4_client_upload_file.
 */
cosv4_result cosv4_client_upload_buffer(const struct cosv4_client *client,
                                        const char *bucket,
                                        const char *cos_path,
                                        const uint8_t *data,
                                        size_t len,
                                        const struct cosv4_upload_options *opts,
                                        struct cosv4_upload_result **out,
                                        struct cosv4_error **err_out);

/**
 * Frees an upload result (and the strings read from it). NULL does nothing.
 */
void cosv4_upload_result_free(struct cosv4_upload_result *result);

/**
 * The object's download URL (`access_url`). Owned by `result`, valid until
 * cosv4_upload_result_free; "" when the service did not answer one or `result` is NULL.
 */
const char *cosv4_upload_result_access_url(const struct cosv4_upload_result *result);

/**
 * The object's `resource_path` (e.g. "/<appid>/<bucket>/dir/name"). Owned by `result`, as
 * cosv4_upload_result_access_url.
 */
const char *cosv4_upload_result_resource_path(const struct cosv4_upload_result *result);

/**
 * The object's `source_url` (origin URL). Owned by `result`, as
 * cosv4_upload_result_access_url.
 */
const char *cosv4_upload_result_source_url(const struct cosv4_upload_result *result);

/**
 * The object's API `url`. Owned by `result`, as cosv4_upload_result_access_url.
 */
const char *cosv4_upload_result_url(const struct cosv4_upload_result *result);

/**
 * How the object got there: a cosv4_method value (COSV4_METHOD_SIMPLE, _SLICES, _INSTANT);
 * 0 when `result` is NULL.
 */
uint32_t cosv4_upload_result_method(const struct cosv4_upload_result *result);

/**
 * True when an unfinished earlier upload was continued; false when `result` is NULL.
 */
bool cosv4_upload_result_resumed(const struct cosv4_upload_result *result);

/**
 * Size of the content in bytes; 0 when `result` is NULL.
 */
uint64_t cosv4_upload_result_bytes_total(const struct cosv4_upload_result *result);

/**
 * Content bytes sent by this call, retries included; 0 when `result` is NULL.
 */
uint64_t cosv4_upload_result_bytes_sent(const struct cosv4_upload_result *result);

/**
 * Number of slices of the content (1 for a simple upload); 0 when `result` is NULL.
 */
uint64_t cosv4_upload_result_slices_total(const struct cosv4_upload_result *result);

/**
 * Slices this call sent successfully; 0 when `result` is NULL.
 */
uint64_t cosv4_upload_result_slices_sent(const struct cosv4_upload_result *result);

/**
 * Slices the server already had from an earlier attempt (after a resume); 0 when `result` is
 * NULL.
 */
uint64_t cosv4_upload_result_slices_skipped(const struct cosv4_upload_result *result);

/**
 * Requests sent again after a retryable failure; 0 when `result` is NULL.
 */
uint32_t cosv4_upload_result_retries(const struct cosv4_upload_result *result);

/**
 * Slice size used (the server's choice wins over the configured one); 0 for a simple or
 * instant upload, or when `result` is NULL.
 */
uint64_t cosv4_upload_result_slice_size(const struct cosv4_upload_result *result);

/**
 * HTTP requests this upload sent (init, list, data, finish; retries included); 0 when
 * `result` is NULL.
 */
uint64_t cosv4_upload_result_requests(const struct cosv4_upload_result *result);

/**
 * Content bytes sent more than once (by retried requests); 0 when `result` is NULL.
 */
uint64_t cosv4_upload_result_bytes_resent(const struct cosv4_upload_result *result);

/**
 * Milliseconds spent hashing (SHA-1 and `uploadparts`) before the first request; 0 without
 * integrity, or when `result` is NULL.
 */
uint64_t cosv4_upload_result_hashing_ms(const struct cosv4_upload_result *result);

/**
 * Milliseconds from the first request to the end of the upload; 0 when `result` is NULL.
 */
uint64_t cosv4_upload_result_sending_ms(const struct cosv4_upload_result *result);

/**
 * 1: before uploading, create the folders of the path that do not exist (the service refuses
 * an upload into a missing folder: COSV4_RESULT_SERVICE with COS code -197). Costs one stat
 * of the direct parent when it exists; otherwise stats upwards to the first existing folder,
 * then one create per missing folder, top-down ("already exists", -178, counts as success).
 * These requests are cancelled by the options' token and counted in
 * cosv4_upload_result_requests. 0 (default): upload only. Other values: INVALID_ARGUMENT.
 */
cosv4_result cosv4_upload_options_set_create_parents(struct cosv4_upload_options *opts,
                                                     uint32_t on);

/**
 * Writes a multi-effect signature (the `Authorization` value of v4 requests) valid for
 * `lifetime_s` seconds (1 to 7776000) into `buf`. `cos_path` NULL makes a signature not bound
 * to a file (what uploads and listings use); otherwise it is bound to that file or folder.
 * `*out_len` always gets the signature's length without the NUL; when `buf_len` is not more
 * than that, `buf` gets "" (if `buf_len` > 0) and the result is COSV4_RESULT_BUFFER_TOO_SMALL
 * (signatures are about 120 to 200 bytes; a buffer of 512 bytes is plenty). `buf` may be NULL
 * when `buf_len` is 0. Each call makes a new signature (fresh time and nonce), whose length
 * may differ from the last one's by a few bytes: size a buffer generously. Thread-safe.
 */
cosv4_result cosv4_client_sign_multi(const struct cosv4_client *client,
                                     const char *bucket,
                                     const char *cos_path,
                                     uint64_t lifetime_s,
                                     char *buf,
                                     size_t buf_len,
                                     size_t *out_len);

/**
 * Writes a single-use signature bound to `cos_path` (a file, or a folder ending with '/')
 * into `buf`, as needed by delete and update requests. Buffer rules as
 * cosv4_client_sign_multi. Thread-safe.
 */
cosv4_result cosv4_client_sign_once(const struct cosv4_client *client,
                                    const char *bucket,
                                    const char *cos_path,
                                    char *buf,
                                    size_t buf_len,
                                    size_t *out_len);

/**
 * Stat of the file at `cos_path`, or of the folder when it ends in '/' ("/" is the bucket's
 * root): sizes, sha, biz_attr, times, authority, custom headers. On success writes a new
 * cosv4_stat to `*out`. A missing path fails with COSV4_RESULT_SERVICE and COS code -197.
 * On failure `*err_out` (may be NULL) gets the detail. Thread-safe.
 */
cosv4_result cosv4_client_stat(const struct cosv4_client *client,
                               const char *bucket,
                               const char *cos_path,
                               struct cosv4_stat **out,
                               struct cosv4_error **err_out);

/**
 * Frees a stat. NULL does nothing.
 */
void cosv4_stat_free(struct cosv4_stat *stat);

/**
 * True when the stat is of a folder; false for a file or when `stat` is NULL.
 */
bool cosv4_stat_is_folder(const struct cosv4_stat *stat);

/**
 * Declared size of the file in bytes; 0 for a folder or when `stat` is NULL.
 */
uint64_t cosv4_stat_filesize(const struct cosv4_stat *stat);

/**
 * Bytes stored so far (less than the size while an upload is unfinished); 0 for a folder or
 * when `stat` is NULL.
 */
uint64_t cosv4_stat_filelen(const struct cosv4_stat *stat);

/**
 * Creation time, Unix seconds; 0 when unknown or `stat` is NULL.
 */
int64_t cosv4_stat_ctime(const struct cosv4_stat *stat);

/**
 * Modification time, Unix seconds; 0 when unknown or `stat` is NULL.
 */
int64_t cosv4_stat_mtime(const struct cosv4_stat *stat);

/**
 * SHA-1 of the file (40 hex digits), "" when unknown, for a folder, or when `stat` is NULL.
 * Owned by `stat`: valid until cosv4_stat_free (as every string of a stat).
 */
const char *cosv4_stat_sha(const struct cosv4_stat *stat);

/**
 * The `biz_attr` stored with the file or folder ("" when none). Owned by `stat`.
 */
const char *cosv4_stat_biz_attr(const struct cosv4_stat *stat);

/**
 * The file's download URL (`access_url`; "" for a folder). Owned by `stat`.
 */
const char *cosv4_stat_access_url(const struct cosv4_stat *stat);

/**
 * The file's origin URL (`source_url`; "" for a folder). Owned by `stat`.
 */
const char *cosv4_stat_source_url(const struct cosv4_stat *stat);

/**
 * The file's authority as answered: "eInvalid", "eWRPrivate" or "eWPrivateRPublic" ("" for
 * a folder). Owned by `stat`.
 */
const char *cosv4_stat_authority(const struct cosv4_stat *stat);

/**
 * Number of custom headers set on the file (see cosv4_update_options_add_custom_header);
 * 0 when `stat` is NULL.
 */
size_t cosv4_stat_custom_header_count(const struct cosv4_stat *stat);

/**
 * Name of custom header `index` (sorted by name), "" when out of range or `stat` is NULL.
 * Owned by `stat`.
 */
const char *cosv4_stat_custom_header_name(const struct cosv4_stat *stat, size_t index);

/**
 * Value of custom header `index`, "" when out of range or `stat` is NULL. Owned by `stat`.
 */
const char *cosv4_stat_custom_header_value(const struct cosv4_stat *stat, size_t index);

/**
 * Deletes the file at `cos_path`, or the folder when it ends in '/'. A folder must be empty
 * (otherwise COSV4_RESULT_SERVICE with COS code -173); the root cannot be deleted
 * (COSV4_RESULT_INVALID_ARGUMENT). A missing path: COSV4_RESULT_SERVICE, COS code -197.
 * Sends a single-use signature bound to the path. On failure `*err_out` (may be NULL) gets
 * the detail. Thread-safe.
 */
cosv4_result cosv4_client_delete(const struct cosv4_client *client,
                                 const char *bucket,
                                 const char *cos_path,
                                 struct cosv4_error **err_out);

/**
 * Creates the folder `folder` (must end in '/'), storing `biz_attr` with it (NULL: none).
 * An existing folder fails with COSV4_RESULT_SERVICE and COS code -178. On failure
 * `*err_out` (may be NULL) gets the detail. Thread-safe.
 */
cosv4_result cosv4_client_create_folder(const struct cosv4_client *client,
                                        const char *bucket,
                                        const char *folder,
                                        const char *biz_attr,
                                        struct cosv4_error **err_out);

/**
 * Moves (renames) the file `src` to `dest`: an absolute path ("/dir/name") or a bare name in
 * the same folder. `overwrite` 1 replaces an existing `dest`; 0 fails with
 * COSV4_RESULT_FILE_EXISTS (COS code -177) instead; other values: INVALID_ARGUMENT. A
 * missing `src`: COSV4_RESULT_SERVICE, COS code -197. Sends a single-use signature bound to
 * `src`. On failure `*err_out` (may be NULL) gets the detail. Thread-safe.
 */
cosv4_result cosv4_client_move(const struct cosv4_client *client,
                               const char *bucket,
                               const char *src,
                               const char *dest,
                               uint32_t overwrite,
                               struct cosv4_error **err_out);

/**
 * Copies the file `src` to `dest`; otherwise as cosv4_client_move.
 */
cosv4_result cosv4_client_copy(const struct cosv4_client *client,
                               const char *bucket,
                               const char *src,
                               const char *dest,
                               uint32_t overwrite,
                               struct cosv4_error **err_out);

/**
 * Creates update options that change nothing yet. On success writes them to `*out`.
 */
cosv4_result cosv4_update_options_new(struct cosv4_update_options **out);

/**
 * Frees update options. NULL does nothing.
 */
void cosv4_update_options_free(struct cosv4_update_options *opts);

/**
 * Sets the `biz_attr` to store (files and folders; "" clears it). Copied.
 */
cosv4_result cosv4_update_options_set_biz_attr(struct cosv4_update_options *opts,
                                               const char *biz_attr);

/**
 * Sets the authority of a file: a cosv4_authority value (COSV4_AUTHORITY_INHERIT, _PRIVATE,
 * _PUBLIC_READ); other values: INVALID_ARGUMENT.
 */
cosv4_result cosv4_update_options_set_authority(struct cosv4_update_options *opts,
                                                uint32_t authority);

/**
 * Adds a custom header to set on a file (copied). Allowed names: Cache-Control,
 * Content-Type, Content-Disposition, Content-Language, Content-Encoding and x-cos-meta-*;
 * the value must be non-empty. Anything else: INVALID_ARGUMENT. The update replaces all of
 * the file's custom headers with those added here (see
 * cosv4_update_options_clear_custom_headers to remove them all).
 */
cosv4_result cosv4_update_options_add_custom_header(struct cosv4_update_options *opts,
                                                    const char *name,
                                                    const char *value);

/**
 * Makes the update remove every custom header of the file (forgets those added so far).
 */
cosv4_result cosv4_update_options_clear_custom_headers(struct cosv4_update_options *opts);

/**
 * Changes the attributes set in `opts` on the file at `cos_path`, or the biz_attr of the
 * folder when it ends in '/' (a folder has no authority or custom headers:
 * INVALID_ARGUMENT). Options that set nothing: INVALID_ARGUMENT. Sends a single-use
 * signature bound to the path. On failure `*err_out` (may be NULL) gets the detail.
 * Thread-safe.
 */
cosv4_result cosv4_client_update(const struct cosv4_client *client,
                                 const char *bucket,
                                 const char *cos_path,
                                 const struct cosv4_update_options *opts,
                                 struct cosv4_error **err_out);

/**
 * Lists the folder `folder` (ends in '/'; "/" is the root): its direct sub-folders and
 * files whose names start with `prefix` (NULL or "": all; "." and ".." are not sent, since
 * the URL would end in a dot segment: the folder is listed whole and filtered, so a page may
 * hold fewer than `num` entries), at most `num` per page (0: the default 199; at most 1000),
 * starting at `context` (NULL or "": the first page; else the
 * cosv4_list_page_context of the previous page). On success writes a new page to `*out`;
 * continue with cosv4_client_list_next until cosv4_list_page_listover is true. An answer
 * that is not the last page (listover false) but has no context, or the `context` it was
 * asked with, fails with COSV4_RESULT_PROTOCOL. On failure `*err_out` (may be NULL) gets
 * the detail. Thread-safe.
 */
cosv4_result cosv4_client_list(const struct cosv4_client *client,
                               const char *bucket,
                               const char *folder,
                               const char *prefix,
                               uint32_t num,
                               const char *context,
                               struct cosv4_list_page **out,
                               struct cosv4_error **err_out);

/**
 * The page after `prev` (same client, bucket, folder, prefix and page size). When `prev` was
 * the last page (listover), writes an empty page with listover true. A listing never loops:
 * an answer with listover false whose context is empty, the one just requested, or one
 * answered earlier in this listing (of the latest 16) fails with COSV4_RESULT_PROTOCOL, the
 * listing being incomplete. `prev` stays yours to free and is unchanged: after a failure
 * such as a timeout, cosv4_client_list_next(prev) may be called again. Otherwise as
 * cosv4_client_list.
 */
cosv4_result cosv4_client_list_next(const struct cosv4_client *client,
                                    const struct cosv4_list_page *prev,
                                    struct cosv4_list_page **out,
                                    struct cosv4_error **err_out);

/**
 * Frees a list page. NULL does nothing.
 */
void cosv4_list_page_free(struct cosv4_list_page *page);

/**
 * Number of entries on the page; 0 when `page` is NULL.
 */
size_t cosv4_list_page_count(const struct cosv4_list_page *page);

/**
 * True when this is the last page of the listing; true also when `page` is NULL (nothing
 * more to fetch).
 */
bool cosv4_list_page_listover(const struct cosv4_list_page *page);

/**
 * The opaque token that continues the listing ("" on the last page or when `page` is
 * NULL). Owned by `page`: valid until cosv4_list_page_free (as every string of a page).
 */
const char *cosv4_list_page_context(const struct cosv4_list_page *page);

/**
 * Name of entry `index` inside the listed folder (no trailing '/' for folders). Owned by
 * `page`.
 */
const char *cosv4_list_page_name(const struct cosv4_list_page *page, size_t index);

/**
 * True when entry `index` is a folder.
 */
bool cosv4_list_page_is_folder(const struct cosv4_list_page *page, size_t index);

/**
 * Size in bytes of entry `index` (0 for a folder).
 */
uint64_t cosv4_list_page_size(const struct cosv4_list_page *page, size_t index);

/**
 * SHA-1 of entry `index` ("" for a folder or when unknown). Owned by `page`.
 */
const char *cosv4_list_page_sha(const struct cosv4_list_page *page, size_t index);

/**
 * Creation time of entry `index`, Unix seconds (0 when unknown).
 */
int64_t cosv4_list_page_ctime(const struct cosv4_list_page *page, size_t index);

/**
 * Modification time of entry `index`, Unix seconds (0 when unknown).
 */
int64_t cosv4_list_page_mtime(const struct cosv4_list_page *page, size_t index);

/**
 * Writes a download URL of the file `cos_path` into `buf` (`buf_len` bytes, NUL included):
 * the object's URL with `?sign=` a multi-effect signature bound to the path, valid for
 * `lifetime_secs` (1 to 7776000, 90 days). Anyone holding the URL can fetch the file with a
 * plain HTTP GET until then. `*out_len` gets the URL's length (without the NUL) in every
 * case; when it does not fit the result is COSV4_RESULT_BUFFER_TOO_SMALL and `buf` gets ""
 * (call with `buf` NULL and `buf_len` 0 to ask for the size). No request is made. On failure
 * `*err_out` (may be NULL) gets the detail. Thread-safe.
 */
cosv4_result cosv4_client_download_url(const struct cosv4_client *client,
                                       const char *bucket,
                                       const char *cos_path,
                                       uint64_t lifetime_secs,
                                       char *buf,
                                       size_t buf_len,
                                       size_t *out_len,
                                       struct cosv4_error **err_out);

/**
 * Creates options with the defaults: resume through "<local>.part" renamed at the end, SHA-1
 * check on, no overwrite of an existing file, no progress callback, no cancel token. On success writes them to `*out`.
 */
cosv4_result cosv4_download_options_new(struct cosv4_download_options **out);

/**
 * Frees download options. NULL does nothing. The progress userdata is not touched.
 */
void cosv4_download_options_free(struct cosv4_download_options *opts);

/**
 * 1: write into the local file itself and resume from its length (only a file this library
 * wrote and recorded; an existing file of the user's is never written into, see
 * cosv4_download_options_set_overwrite). 0 (default): write to "<local>.part", resume from
 * that, and rename it to the local name once complete. Other values: INVALID_ARGUMENT.
 */
cosv4_result cosv4_download_options_set_resume_in_place(struct cosv4_download_options *opts,
                                                        uint32_t on);

/**
 * 1: replace an existing local file that is not a partial download of this library; it is
 * replaced atomically, by renaming the complete and checked "<local>.part" over it (also with
 * resume_in_place), and stays intact until then. 0 (default): such a file makes the download
 * fail with COSV4_RESULT_INVALID_ARGUMENT (the message names it) and is left untouched. A file
 * the library did not write is never appended to, truncated or removed. Other values:
 * INVALID_ARGUMENT.
 */
cosv4_result cosv4_download_options_set_overwrite(struct cosv4_download_options *opts, uint32_t on);

/**
 * 1: do not check the content against the object's SHA-1. 0 (default): check it when the
 * service reports one (a mismatch fails with COSV4_RESULT_INTEGRITY and removes the partial
 * file). Other values: INVALID_ARGUMENT.
 */
cosv4_result cosv4_download_options_set_skip_sha_check(struct cosv4_download_options *opts,
                                                       uint32_t on);

/**
 * Sets the progress callback and its userdata; `callback` NULL removes it. `userdata` is
 * passed back untouched and never freed by the library.
 */
cosv4_result cosv4_download_options_set_progress(struct cosv4_download_options *opts,
                                                 cosv4_download_progress_cb callback,
                                                 void *userdata);

/**
 * Lets `token` cancel downloads made with these options (the read in flight is interrupted,
 * the call fails with COSV4_RESULT_CANCELLED, the partial file stays for a resume); NULL
 * removes the token. The options keep their own reference.
 */
cosv4_result cosv4_download_options_set_cancel_token(struct cosv4_download_options *opts,
                                                     const struct cosv4_cancel_token *token);

/**
 * Downloads the file `cos_path` of `bucket` to `local_path` (a file name in the platform's
 * bytes; need not be UTF-8). Blocks until the download succeeded, failed or was cancelled.
 * A partial file from an earlier attempt is continued with an HTTP Range request (and
 * If-Range) only when the resume record written beside it ("<part>.cosv4-resume") still
 * matches the object's size, mtime and sha and names that very file (device, inode, birth
 * time, and the hash of its first 64 KiB once written), and the object has a sha or an ETag (size and a one-second mtime alone cannot tell two
 * versions apart); otherwise it starts over. The part file is never opened through a symbolic
 * link, and a second download into the same part file while one runs is refused
 * (COSV4_RESULT_LOCAL_IO, "another download ... is in progress"). An object that changed
 * during the download fails with COSV4_RESULT_INTEGRITY and its partial file is removed. An
 * existing `local_path` that is not our own partial download is left untouched and fails
 * with COSV4_RESULT_INVALID_ARGUMENT unless overwrite is set. The content is checked against
 * the object's SHA-1 (see the options). Every request, the stat included, answers the
 * cancel token. `opts` may be NULL
 * (defaults). On success writes a new result to `*out`. On failure `*err_out` (may be NULL)
 * gets the detail; a missing object is COSV4_RESULT_SERVICE with COS code -197.
 * Thread-safe: many threads may download through one client at once. Like the upload
 * functions, returns COSV4_RESULT_RECURSIVE_API_CALL when called from inside a progress
 * callback running on the same thread.
 */
cosv4_result cosv4_client_download_file(const struct cosv4_client *client,
                                        const char *bucket,
                                        const char *cos_path,
                                        const char *local_path,
                                        const struct cosv4_download_options *opts,
                                        struct cosv4_download_result **out,
                                        struct cosv4_error **err_out);

/**
 * Frees a download result. NULL does nothing.
 */
void cosv4_download_result_free(struct cosv4_download_result *result);

/**
 * Size of the file in bytes; 0 when `result` is NULL.
 */
uint64_t cosv4_download_result_bytes_total(const struct cosv4_download_result *result);

/**
 * Bytes received by this call; 0 when `result` is NULL.
 */
uint64_t cosv4_download_result_bytes_received(const struct cosv4_download_result *result);

/**
 * Bytes an earlier attempt had left on disk (0: not resumed, or `result` is NULL).
 */
uint64_t cosv4_download_result_bytes_resumed(const struct cosv4_download_result *result);

/**
 * The object's SHA-1 as the service reported it ("" when it did not, or `result` is NULL).
 * Owned by `result`: valid until cosv4_download_result_free.
 */
const char *cosv4_download_result_sha(const struct cosv4_download_result *result);

/**
 * Creates batch options with the defaults: 4 files at once, 8 requests in flight, symbolic
 * links skipped, no fail-fast, insert-only on, no callbacks, no cancel token. On success
 * writes them to `*out`; NULL `out` is COSV4_RESULT_NULL_ARGUMENT.
 */
cosv4_result cosv4_batch_options_new(struct cosv4_batch_options **out);

/**
 * Frees batch options. NULL does nothing. The callbacks' userdata is not touched.
 */
void cosv4_batch_options_free(struct cosv4_batch_options *opts);

/**
 * Files uploaded at once, 1 to 32 (default 4); other values: COSV4_RESULT_INVALID_ARGUMENT,
 * the options unchanged. NULL `opts`: COSV4_RESULT_NULL_ARGUMENT.
 */
cosv4_result cosv4_batch_options_set_jobs(struct cosv4_batch_options *opts, uint32_t jobs);

/**
 * Requests in flight for the whole batch, all files together; at least 1 (default 8). 0:
 * COSV4_RESULT_INVALID_ARGUMENT, the options unchanged. NULL `opts`:
 * COSV4_RESULT_NULL_ARGUMENT.
 */
cosv4_result cosv4_batch_options_set_max_requests(struct cosv4_batch_options *opts,
                                                  uint32_t max_requests);

/**
 * 1: follow symbolic links (a directory reached twice on the current path, a loop, is
 * skipped). 0 (default): links are skipped (COSV4_BATCH_STATUS_SKIPPED). Other values:
 * INVALID_ARGUMENT.
 */
cosv4_result cosv4_batch_options_set_follow_symlinks(struct cosv4_batch_options *opts, uint32_t on);

/**
 * 1: stop the batch at the first failed item: the call fails with that item's result code
 * and error detail (its message names the local file) and writes no result; files already
 * uploaded stay uploaded. 0 (default): go on with the others; the call succeeds and its
 * result names the failed items. Other values: INVALID_ARGUMENT.
 */
cosv4_result cosv4_batch_options_set_fail_fast(struct cosv4_batch_options *opts, uint32_t on);

/**
 * 1 (default): a file whose object exists with other content fails with
 * COSV4_RESULT_FILE_EXISTS (as cosv4_upload_options_set_insert_only). 0: overwrite. Other
 * values: INVALID_ARGUMENT.
 */
cosv4_result cosv4_batch_options_set_insert_only(struct cosv4_batch_options *opts, uint32_t on);

/**
 * Lets `token` cancel batches made with these options (uploads in flight are interrupted;
 * the call fails with COSV4_RESULT_CANCELLED); NULL removes the token. The options keep their
 * own reference: the caller may free its token at any time.
 */
cosv4_result cosv4_batch_options_set_cancel_token(struct cosv4_batch_options *opts,
                                                  const struct cosv4_cancel_token *token);

/**
 * Sets the batch progress callback and its userdata; `callback` NULL removes it. `userdata`
 * is passed back untouched and never freed by the library. See cosv4_batch_progress_cb.
 */
cosv4_result cosv4_batch_options_set_progress(struct cosv4_batch_options *opts,
                                              cosv4_batch_progress_cb callback,
                                              void *userdata);

/**
 * Sets the file callback (an item started or ended) and its userdata; `callback` NULL
 * removes it. `userdata` is passed back untouched and never freed by the library. See
 * cosv4_batch_file_cb.
 */
cosv4_result cosv4_batch_options_set_file_callback(struct cosv4_batch_options *opts,
                                                   cosv4_batch_file_cb callback,
                                                   void *userdata);

/**
 * Uploads every file under the local directory `local_dir` (recursively) to the same
 * relative path under `cos_folder` (e.g. "/backup/"; ends in '/', "/" is the bucket's root)
 * in `bucket`; empty directories become empty folders, and the folders of every file are
 * created (once per batch) before it is uploaded. Files go several at once (see the options);
 * each one as cosv4_client_upload_file would send it (resumed, instant when the server has the
 * content). Blocks until every item was processed, the batch was cancelled (the token:
 * COSV4_RESULT_CANCELLED) or stopped by a callback (COSV4_RESULT_ABORTED_BY_CALLBACK).
 * `local_dir` is in the platform's bytes (need not be UTF-8); `bucket` and `cos_folder` must
 * be UTF-8. `opts` may be NULL (defaults). COSV4_RESULT_OK means every item was processed:
 * some may have failed or been skipped; the new result written to `*out` says which (with
 * fail_fast, the first failed item fails the call instead). On failure nothing is written to
 * `*out` and `*err_out` (may be NULL) gets the detail. Callbacks run on this thread.
 * Thread-safe: many threads may run batches through one client at once.
 * COSV4_RESULT_RECURSIVE_API_CALL when called from inside a progress or file callback running
 * on this thread.
 */
cosv4_result cosv4_client_upload_dir(const struct cosv4_client *client,
                                     const char *bucket,
                                     const char *local_dir,
                                     const char *cos_folder,
                                     const struct cosv4_batch_options *opts,
                                     struct cosv4_batch_result **out,
                                     struct cosv4_error **err_out);

/**
 * Frees a batch result (and the strings read from it). NULL does nothing.
 */
void cosv4_batch_result_free(struct cosv4_batch_result *result);

/**
 * Files uploaded; 0 when `result` is NULL.
 */
uint64_t cosv4_batch_result_uploaded(const struct cosv4_batch_result *result);

/**
 * Empty directories mirrored as folders; 0 when `result` is NULL.
 */
uint64_t cosv4_batch_result_folders(const struct cosv4_batch_result *result);

/**
 * Items skipped by rule; 0 when `result` is NULL.
 */
uint64_t cosv4_batch_result_skipped(const struct cosv4_batch_result *result);

/**
 * Files a sync found identical remotely (and existing folders of empty directories): nothing
 * sent; 0 when `result` is NULL.
 */
uint64_t cosv4_batch_result_unchanged(const struct cosv4_batch_result *result);

/**
 * Remote files and folders a sync deleted; 0 when `result` is NULL.
 */
uint64_t cosv4_batch_result_deleted(const struct cosv4_batch_result *result);

/**
 * A dry run's files and folders that would be uploaded or created; 0 when `result` is NULL.
 */
uint64_t cosv4_batch_result_would_upload(const struct cosv4_batch_result *result);

/**
 * A dry run's remote files and folders that would be deleted; 0 when `result` is NULL.
 */
uint64_t cosv4_batch_result_would_delete(const struct cosv4_batch_result *result);

/**
 * Items that failed; 0 when `result` is NULL.
 */
uint64_t cosv4_batch_result_failed(const struct cosv4_batch_result *result);

/**
 * Content bytes sent by the batch, retries included; 0 when `result` is NULL.
 */
uint64_t cosv4_batch_result_bytes_sent(const struct cosv4_batch_result *result);

/**
 * Time the whole batch took, in milliseconds; 0 when `result` is NULL.
 */
uint64_t cosv4_batch_result_total_elapsed_ms(const struct cosv4_batch_result *result);

/**
 * Number of items (every file and empty directory, in the order they ended); 0 when `result`
 * is NULL.
 */
size_t cosv4_batch_result_count(const struct cosv4_batch_result *result);

/**
 * The local path of item `index`, in the platform's bytes. Owned by `result`, valid until
 * cosv4_batch_result_free; "" when `result` is NULL or `index` is out of range.
 */
const char *cosv4_batch_result_local_path(const struct cosv4_batch_result *result, size_t index);

/**
 * The cos path of item `index` (a folder's ends in '/'). Owned by `result`, as
 * cosv4_batch_result_local_path.
 */
const char *cosv4_batch_result_cos_path(const struct cosv4_batch_result *result, size_t index);

/**
 * How item `index` ended: a cosv4_batch_status value (COSV4_BATCH_STATUS_UPLOADED, _FOLDER,
 * _SKIPPED, _FAILED); 0 when `result` is NULL or `index` is out of range.
 */
uint32_t cosv4_batch_result_status(const struct cosv4_batch_result *result, size_t index);

/**
 * The size of item `index` (0 for a folder, or a file that could not be opened); 0 when
 * `result` is NULL or `index` is out of range.
 */
uint64_t cosv4_batch_result_bytes(const struct cosv4_batch_result *result, size_t index);

/**
 * Time item `index` took, in milliseconds: from the start of its upload (its folders
 * first) to its end (0 for an item that ended before it was sent: skipped, or failed while
 * it was read); 0 when `result` is NULL or `index` is out of range.
 */
uint64_t cosv4_batch_result_elapsed_ms(const struct cosv4_batch_result *result, size_t index);

/**
 * Why item `index` was skipped, or the sentence naming its failure; "" for an uploaded file
 * or a folder, or when `result` is NULL or `index` is out of range. Owned by `result`, as
 * cosv4_batch_result_local_path.
 */
const char *cosv4_batch_result_reason(const struct cosv4_batch_result *result, size_t index);

/**
 * The cosv4_result of a failed item `index` (as the upload of that file alone would have
 * returned it); COSV4_RESULT_OK for the other items, and when `result` is NULL or `index` is
 * out of range.
 */
cosv4_result cosv4_batch_result_result_code(const struct cosv4_batch_result *result, size_t index);

/**
 * The HTTP status of the service's answer to a failed item `index`, or 0 (no answer, not
 * failed, `result` NULL or `index` out of range).
 */
uint32_t cosv4_batch_result_http_status(const struct cosv4_batch_result *result, size_t index);

/**
 * True when the service answered a COS `code` for failed item `index` (read it with
 * cosv4_batch_result_cos_code); false otherwise, and when `result` is NULL or `index` is out
 * of range.
 */
bool cosv4_batch_result_has_cos_code(const struct cosv4_batch_result *result, size_t index);

/**
 * The COS `code` of the service's answer to failed item `index` (e.g. -177 file exists), or
 * 0 when there is none (see cosv4_batch_result_has_cos_code), `result` is NULL or `index` is
 * out of range.
 */
int64_t cosv4_batch_result_cos_code(const struct cosv4_batch_result *result, size_t index);

/**
 * Creates an empty list. On success writes it to `*out`; NULL `out` is
 * COSV4_RESULT_NULL_ARGUMENT.
 */
cosv4_result cosv4_batch_list_new(struct cosv4_batch_list **out);

/**
 * Frees a list. NULL does nothing. A batch already running from it is not affected.
 */
void cosv4_batch_list_free(struct cosv4_batch_list *list);

/**
 * Appends a pair: the local file `local_path` (the platform's bytes, need not be UTF-8; not
 * opened now) is to be uploaded to `cos_path` (UTF-8, a file path: starts with '/', does not
 * end with '/'). The path is checked now: NULL arguments are COSV4_RESULT_NULL_ARGUMENT, a
 * cos path that is not UTF-8 COSV4_RESULT_INVALID_UTF8, one that is not a valid file path
 * COSV4_RESULT_INVALID_PATH; an empty `local_path`, or a cos path already in the list,
 * COSV4_RESULT_INVALID_ARGUMENT. On failure the list is unchanged and `*err_out` (may be
 * NULL) gets a sentence naming the problem. A local file that cannot be read fails later, as
 * its item of the batch.
 */
cosv4_result cosv4_batch_list_add(struct cosv4_batch_list *list,
                                  const char *local_path,
                                  const char *cos_path,
                                  struct cosv4_error **err_out);

/**
 * Number of pairs in the list; 0 when `list` is NULL.
 */
size_t cosv4_batch_list_count(const struct cosv4_batch_list *list);

/**
 * Uploads every pair of `list`, as it is when the call starts, to `bucket` (UTF-8), as
 * cosv4_client_upload_dir uploads the files of a directory: several at once (see the
 * options), the folders of every cos path created (once per batch) before its file is
 * uploaded, each file as cosv4_client_upload_file would send it. Items are uploaded in the
 * list's order (several at once) and reported in the order they ended; a file that cannot be
 * read (missing, a directory, not a regular file) is a failed item, not a failed call. An
 * empty list succeeds with an empty result. `opts` may be NULL (defaults). NULL `client`,
 * `bucket`, `list` or `out`: COSV4_RESULT_NULL_ARGUMENT. Results, callbacks, cancelling,
 * fail_fast, thread safety and COSV4_RESULT_RECURSIVE_API_CALL as for
 * cosv4_client_upload_dir.
 */
cosv4_result cosv4_client_upload_list(const struct cosv4_client *client,
                                      const char *bucket,
                                      const struct cosv4_batch_list *list,
                                      const struct cosv4_batch_options *opts,
                                      struct cosv4_batch_result **out,
                                      struct cosv4_error **err_out);

/**
 * Sends only what changed (a directory batch only): the destination folder is listed, a file
 * identical remotely is not sent (COSV4_BATCH_STATUS_UNCHANGED), a changed one replaces its
 * object, a new one is uploaded. `mode` is a cosv4_sync_mode (default COSV4_SYNC_MODE_OFF);
 * other values: COSV4_RESULT_INVALID_ARGUMENT, the options unchanged. NULL `opts`:
 * COSV4_RESULT_NULL_ARGUMENT.
 */
cosv4_result cosv4_batch_options_set_sync(struct cosv4_batch_options *opts, uint32_t mode);

/**
 * With a sync: after the uploads, delete the remote files (then the folders left empty)
 * under the destination folder that the local tree does not have, never a path the patterns
 * leave out, and nothing when an item of the batch failed (those are reported
 * COSV4_BATCH_STATUS_SKIPPED). A batch with delete on and sync off fails with
 * COSV4_RESULT_INVALID_ARGUMENT. `on` is 0 or 1 (default 0).
 */
cosv4_result cosv4_batch_options_set_delete(struct cosv4_batch_options *opts, uint32_t on);

/**
 * Allows delete when the local directory is empty (default 0: such a batch fails with
 * COSV4_RESULT_INVALID_ARGUMENT and deletes nothing, so that a wrong path cannot wipe the
 * destination). `on` is 0 or 1.
 */
cosv4_result cosv4_batch_options_set_force(struct cosv4_batch_options *opts, uint32_t on);

/**
 * A dry run: list and compare, report what would be uploaded and deleted
 * (COSV4_BATCH_STATUS_WOULD_UPLOAD, _WOULD_DELETE), change nothing on the server. `on` is 0 or
 * 1 (default 0).
 */
cosv4_result cosv4_batch_options_set_dry_run(struct cosv4_batch_options *opts, uint32_t on);

/**
 * Which items the result keeps: a cosv4_batch_keep value (default COSV4_BATCH_KEEP_ALL);
 * other values: COSV4_RESULT_INVALID_ARGUMENT.
 */
cosv4_result cosv4_batch_options_set_keep_results(struct cosv4_batch_options *opts, uint32_t which);

/**
 * Adds an include pattern (a directory batch only): when any is set, only the files (and
 * empty folders) that match one, or lie in a folder that does, are in the batch. Patterns
 * follow .gitignore: without a slash they match a name at any depth (`*.jpg`); with one, the
 * path relative to the local directory (`docs/notes.md`); a star stays within one path
 * segment, two stars cross segments, a trailing slash matches folders only. A pattern that is
 * not UTF-8 is COSV4_RESULT_INVALID_UTF8; an empty or invalid one
 * COSV4_RESULT_INVALID_ARGUMENT with `*err_out` (may be NULL) naming it; the options are then
 * unchanged.
 */
cosv4_result cosv4_batch_options_add_include(struct cosv4_batch_options *opts,
                                             const char *pattern,
                                             struct cosv4_error **err_out);

/**
 * Adds an exclude pattern (as cosv4_batch_options_add_include describes): matching files are
 * not uploaded, matching folders not entered, and with delete nothing matching is deleted.
 * Exclusion wins over inclusion.
 */
cosv4_result cosv4_batch_options_add_exclude(struct cosv4_batch_options *opts,
                                             const char *pattern,
                                             struct cosv4_error **err_out);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* COSV4_H */
