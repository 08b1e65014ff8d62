"""cosv4 from Python: upload, download, list, stat, move and manage files in Tencent COS
(v4 JSON API) through libcosv4.

A thin, dependency-free binding (ctypes, standard library only) over the C API in
``include/cosv4.h``; no compile step. The library is found, in this order, at the path in the
``COSV4_LIB`` environment variable, next to this module (``libcosv4.so``), or through
``ctypes.util.find_library("cosv4")``.

    import cosv4
    with cosv4.Client(1250000000, "AKID...", "secret", region="gz") as client:
        done = client.upload("mybucket", "/backups/db.tar", "db.tar",
                             progress=lambda p: print(p.phase.name, p.bytes_done))
        print(done.access_url)
        client.upload("mybucket", "/notes/today.txt", data=b"bytes in memory")

Errors are :class:`Cosv4Error` (or a subclass picked by the result code, e.g.
:class:`AuthError`), carrying the C result code and name, the HTTP status, the COS code and
message and the request id. Ctrl-C during an upload on the main thread cancels the upload
cleanly (the unfinished upload stays on the server and the same call resumes it later) and
then raises :class:`KeyboardInterrupt` as usual.

Callbacks (``progress`` of uploads and downloads, ``progress`` and ``on_file`` of batches) run
on the calling thread, one at a time, and follow one rule: return None (no ``return``) to go
on, or False to stop (:class:`AbortedError`). Any other value (True, 0, 1, "stop") raises
:class:`TypeError` from the call, which also stops it: neither C's "nonzero stops" nor "True
means go on" is silently misread. An exception a callback raises stops the call and is
raised from it. The final event (``Phase.DONE``, ``DownloadProgress.done``, a batch's last
``BatchProgress``) comes once the work is complete, so it cannot stop anything: returning
False there does nothing, and an exception raised there comes out as
:class:`CallbackAfterDoneError`, which carries the call's ``result`` (the object is stored;
do not upload it again).

Every C object is owned by exactly one Python object and freed exactly once: results and
errors are copied into plain Python values at once, options live only for one call, and
:class:`Client` / :class:`CancelToken` free their handle on ``close()`` or collection.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import dataclasses
import enum
import inspect
import os
import signal
import socket
import threading
from typing import Callable, Optional, Union

__all__ = [
    "Client",
    "CancelToken",
    "UploadResult",
    "Progress",
    "Stat",
    "ListEntry",
    "ListPage",
    "DownloadResult",
    "DownloadProgress",
    "BatchResult",
    "BatchFile",
    "BatchProgress",
    "BatchFileEvent",
    "BatchStatus",
    "BatchEventKind",
    "SyncMode",
    "BatchKeep",
    "Authority",
    "LogLevel",
    "Phase",
    "Method",
    "Result",
    "Cosv4Error",
    "UsageError",
    "LocalIOError",
    "TransportError",
    "RequestTimeoutError",
    "ProtocolError",
    "ServiceError",
    "AuthError",
    "ObjectExistsError",
    "UploadConflictError",
    "IntegrityError",
    "CancelledError",
    "AbortedError",
    "CallbackAfterDoneError",
    "InternalError",
    "version",
    "strerror",
    "result_name",
    "library_path",
]


# ---------------------------------------------------------------------------------------------
# Enumerations (numbers from include/cosv4.h; a released result code never changes)
# ---------------------------------------------------------------------------------------------


class Result(enum.IntEnum):
    """cosv4_result: 0 is success; 1xx usage, 2xx local I/O, 3xx transport, 4xx service,
    5xx integrity, 6xx stopped on request, 9xx library bugs."""

    OK = 0
    NULL_ARGUMENT = 100
    INVALID_UTF8 = 101
    INVALID_ARGUMENT = 102
    INVALID_PATH = 103
    INVALID_CONFIG = 104
    RECURSIVE_API_CALL = 105
    BUFFER_TOO_SMALL = 106
    LOCAL_IO = 200
    TRANSPORT = 300
    TIMEOUT = 301
    PROTOCOL = 302
    SERVICE = 400
    AUTH = 401
    FILE_EXISTS = 402
    UPLOAD_CONFLICT = 403
    INTEGRITY = 500
    CANCELLED = 600
    ABORTED_BY_CALLBACK = 601
    PANIC = 900
    INTERNAL = 901


class Phase(enum.IntEnum):
    """cosv4_phase: what an upload is doing (Progress.phase)."""

    HASHING = 1
    UPLOADING = 2
    DONE = 3


class Method(enum.IntEnum):
    """cosv4_method: how the object got to the server (UploadResult.method)."""

    SIMPLE = 1
    SLICES = 2
    INSTANT = 3


class Authority(enum.IntEnum):
    """cosv4_authority: who may read and write a file (Client.update)."""

    INHERIT = 1  # eInvalid: the bucket's setting
    PRIVATE = 2  # eWRPrivate
    PUBLIC_READ = 3  # eWPrivateRPublic


class BatchStatus(enum.IntEnum):
    """cosv4_batch_status: how one item of a batch ended (BatchFile.status)."""

    UPLOADED = 1
    FOLDER = 2  # an empty directory, mirrored
    SKIPPED = 3  # by rule: a symbolic link not followed, a FIFO, a socket, a device; or a
    #              remote file a sync did not delete because an item failed
    FAILED = 4
    UNCHANGED = 5  # a sync found the remote object identical (or the folder existing)
    DELETED = 6  # a sync deleted this remote file or folder (local_path is "")
    WOULD_UPLOAD = 7  # a dry run: this file (or empty folder) would be uploaded (created)
    WOULD_DELETE = 8  # a dry run: this remote file or folder would be deleted


class SyncMode(enum.IntEnum):
    """cosv4_sync_mode: how a sync compares files (Client.upload_dir(sync=...) takes the
    strings "checksum" and "size-only")."""

    OFF = 0
    CHECKSUM = 1  # same size and SHA-1: unchanged (a remote object without a SHA-1 changed)
    SIZE_ONLY = 2  # same size: unchanged


class BatchKeep(enum.IntEnum):
    """cosv4_batch_keep: which items a batch result keeps (upload_dir(keep="all"|"failed"))."""

    ALL = 0
    FAILED = 1  # failed items only: memory stays bounded; the counts cover every item


class BatchEventKind(enum.IntEnum):
    """cosv4_batch_event: what a BatchFileEvent reports."""

    STARTED = 1
    DONE = 2
    SKIPPED = 3
    FAILED = 4


class LogLevel(enum.IntEnum):
    """cosv4_log_level (Client(log=..., log_level=...)); each includes those before it."""

    ERROR = 1
    WARN = 2
    INFO = 3
    DEBUG = 4


# ---------------------------------------------------------------------------------------------
# C types and prototypes
# ---------------------------------------------------------------------------------------------


class _CProgress(ctypes.Structure):
    """struct cosv4_progress."""

    _fields_ = [
        ("phase", ctypes.c_uint32),
        ("bytes_total", ctypes.c_uint64),
        ("bytes_done", ctypes.c_uint64),
        ("bytes_hashed", ctypes.c_uint64),
        ("slices_total", ctypes.c_uint64),
        ("slices_done", ctypes.c_uint64),
    ]


# int32_t (*cosv4_progress_cb)(void *userdata, const cosv4_progress *progress)
_PROGRESS_CB = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.POINTER(_CProgress))

class _CDownloadProgress(ctypes.Structure):
    """struct cosv4_download_progress."""

    _fields_ = [
        ("bytes_total", ctypes.c_uint64),
        ("bytes_done", ctypes.c_uint64),
        ("bytes_resumed", ctypes.c_uint64),
        ("done", ctypes.c_bool),
    ]


# int32_t (*cosv4_download_progress_cb)(void *userdata, const cosv4_download_progress *p)
_DOWNLOAD_PROGRESS_CB = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p,
                                         ctypes.POINTER(_CDownloadProgress))

class _CBatchProgress(ctypes.Structure):
    """struct cosv4_batch_progress."""

    _fields_ = [
        ("files_done", ctypes.c_uint64),
        ("files_known", ctypes.c_uint64),
        ("bytes_done", ctypes.c_uint64),
        ("bytes_known", ctypes.c_uint64),
        ("walk_done", ctypes.c_bool),
        ("elapsed_ms", ctypes.c_uint64),
        ("bytes_per_second", ctypes.c_uint64),
        ("eta_ms", ctypes.c_int64),
    ]


class _CBatchFileEvent(ctypes.Structure):
    """struct cosv4_batch_file_event."""

    _fields_ = [
        ("kind", ctypes.c_uint32),
        ("local_path", ctypes.c_char_p),
        ("cos_path", ctypes.c_char_p),
        ("bytes", ctypes.c_uint64),
        ("result_code", ctypes.c_uint32),
        ("http_status", ctypes.c_uint32),
        ("has_cos_code", ctypes.c_bool),
        ("cos_code", ctypes.c_int64),
        ("reason", ctypes.c_char_p),
        ("bytes_sent", ctypes.c_uint64),
        ("status", ctypes.c_uint32),
    ]


# int32_t (*cosv4_batch_progress_cb)(void *userdata, const cosv4_batch_progress *p)
_BATCH_PROGRESS_CB = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p,
                                      ctypes.POINTER(_CBatchProgress))
# int32_t (*cosv4_batch_file_cb)(void *userdata, const cosv4_batch_file_event *e)
_BATCH_FILE_CB = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p,
                                  ctypes.POINTER(_CBatchFileEvent))
# void (*cosv4_log_cb)(void *userdata, uint32_t level, const char *message)
_LOG_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_char_p)

# Opaque handles are plain void pointers; each is owned by one Python object.
_P = ctypes.c_void_p
_PP = ctypes.POINTER(ctypes.c_void_p)
_STR = ctypes.c_char_p  # NUL-terminated UTF-8 (inputs: bytes; outputs: bytes, decoded here)
_RC = ctypes.c_uint32  # cosv4_result
_U32, _U64, _I32, _I64 = ctypes.c_uint32, ctypes.c_uint64, ctypes.c_int32, ctypes.c_int64
_SIZE, _BOOL = ctypes.c_size_t, ctypes.c_bool

# name: (restype, argtypes). Every function this module calls is declared here; nothing is
# called with ctypes' default int conversions.
_PROTOTYPES = {
    "cosv4_strerror": (_STR, [_U32]),
    "cosv4_result_name": (_STR, [_U32]),
    "cosv4_version": (_STR, []),
    # error detail
    "cosv4_error_code": (_RC, [_P]),
    "cosv4_error_http_status": (_U32, [_P]),
    "cosv4_error_has_cos_code": (_BOOL, [_P]),
    "cosv4_error_cos_code": (_I64, [_P]),
    "cosv4_error_cos_message": (_STR, [_P]),
    "cosv4_error_request_id": (_STR, [_P]),
    "cosv4_error_message": (_STR, [_P]),
    "cosv4_error_callback_value": (_I32, [_P]),
    "cosv4_error_free": (None, [_P]),
    # config
    "cosv4_config_new": (_RC, [_U64, _STR, _STR, _PP]),
    "cosv4_config_free": (None, [_P]),
    "cosv4_config_set_region": (_RC, [_P, _STR]),
    "cosv4_config_set_endpoint": (_RC, [_P, _STR]),
    "cosv4_config_set_https": (_RC, [_P, _U32]),
    "cosv4_config_set_slice_size": (_RC, [_P, _U64]),
    "cosv4_config_set_workers": (_RC, [_P, _U32]),
    "cosv4_config_set_integrity": (_RC, [_P, _U32]),
    "cosv4_config_set_simple_threshold": (_RC, [_P, _U64]),
    "cosv4_config_set_retries": (_RC, [_P, _U32]),
    "cosv4_config_set_connect_timeout_ms": (_RC, [_P, _U64]),
    "cosv4_config_set_stall_timeout_ms": (_RC, [_P, _U64]),
    "cosv4_config_set_request_timeout_ms": (_RC, [_P, _U64]),
    "cosv4_config_set_sign_lifetime": (_RC, [_P, _U64]),
    "cosv4_config_set_env_proxy": (_RC, [_P, _U32]),
    "cosv4_config_set_user_agent": (_RC, [_P, _STR]),
    "cosv4_config_set_proxy": (_RC, [_P, _STR]),
    "cosv4_config_set_tls_ca_file": (_RC, [_P, _STR]),
    "cosv4_config_set_tls_insecure_skip_verify": (_RC, [_P, _U32]),
    # client
    "cosv4_client_new": (_RC, [_P, _PP, _PP]),
    "cosv4_client_free": (None, [_P]),
    # cancel token
    "cosv4_cancel_token_new": (_RC, [_PP]),
    "cosv4_cancel_token_cancel": (_RC, [_P]),
    "cosv4_cancel_token_is_cancelled": (_BOOL, [_P]),
    "cosv4_cancel_token_free": (None, [_P]),
    # upload options
    "cosv4_upload_options_new": (_RC, [_PP]),
    "cosv4_upload_options_free": (None, [_P]),
    "cosv4_upload_options_set_biz_attr": (_RC, [_P, _STR]),
    "cosv4_upload_options_set_insert_only": (_RC, [_P, _U32]),
    "cosv4_upload_options_set_replace_stale": (_RC, [_P, _U32]),
    "cosv4_upload_options_set_progress": (_RC, [_P, _PROGRESS_CB, _P]),
    "cosv4_upload_options_set_cancel_token": (_RC, [_P, _P]),
    # uploads (data as void*: bytes pass without a copy)
    "cosv4_client_upload_file": (_RC, [_P, _STR, _STR, _STR, _P, _PP, _PP]),
    "cosv4_client_upload_buffer": (_RC, [_P, _STR, _STR, _P, _SIZE, _P, _PP, _PP]),
    # upload result
    "cosv4_upload_result_free": (None, [_P]),
    "cosv4_upload_result_access_url": (_STR, [_P]),
    "cosv4_upload_result_resource_path": (_STR, [_P]),
    "cosv4_upload_result_source_url": (_STR, [_P]),
    "cosv4_upload_result_url": (_STR, [_P]),
    "cosv4_upload_result_method": (_U32, [_P]),
    "cosv4_upload_result_resumed": (_BOOL, [_P]),
    "cosv4_upload_result_bytes_total": (_U64, [_P]),
    "cosv4_upload_result_bytes_sent": (_U64, [_P]),
    "cosv4_upload_result_slices_total": (_U64, [_P]),
    "cosv4_upload_result_slices_sent": (_U64, [_P]),
    "cosv4_upload_result_slices_skipped": (_U64, [_P]),
    "cosv4_upload_result_retries": (_U32, [_P]),
    "cosv4_upload_result_slice_size": (_U64, [_P]),
    # signing
    "cosv4_client_sign_multi": (_RC, [_P, _STR, _STR, _U64, ctypes.c_char_p, _SIZE,
                                      ctypes.POINTER(_SIZE)]),
    "cosv4_client_sign_once": (_RC, [_P, _STR, _STR, ctypes.c_char_p, _SIZE,
                                     ctypes.POINTER(_SIZE)]),
}

# Functions of newer library versions: declared when the loaded library has them; the methods
# using them raise NotImplementedError otherwise (see _need). Add (restype, argtypes) here as
# the C API grows.
_OPTIONAL_PROTOTYPES = {
    "cosv4_config_set_log": (_RC, [_P, _LOG_CB, _P, _U32]),
    "cosv4_config_last_error": (_STR, [_P]),
    "cosv4_config_new_with_error": (_RC, [_U64, _STR, _STR, _PP, _PP]),
    "cosv4_upload_result_requests": (_U64, [_P]),
    "cosv4_upload_result_bytes_resent": (_U64, [_P]),
    "cosv4_upload_result_hashing_ms": (_U64, [_P]),
    "cosv4_upload_result_sending_ms": (_U64, [_P]),
    "cosv4_upload_options_set_create_parents": (_RC, [_P, _U32]),
    # stat
    "cosv4_client_stat": (_RC, [_P, _STR, _STR, _PP, _PP]),
    "cosv4_stat_free": (None, [_P]),
    "cosv4_stat_is_folder": (_BOOL, [_P]),
    "cosv4_stat_filesize": (_U64, [_P]),
    "cosv4_stat_filelen": (_U64, [_P]),
    "cosv4_stat_ctime": (_I64, [_P]),
    "cosv4_stat_mtime": (_I64, [_P]),
    "cosv4_stat_sha": (_STR, [_P]),
    "cosv4_stat_biz_attr": (_STR, [_P]),
    "cosv4_stat_access_url": (_STR, [_P]),
    "cosv4_stat_source_url": (_STR, [_P]),
    "cosv4_stat_authority": (_STR, [_P]),
    "cosv4_stat_custom_header_count": (_SIZE, [_P]),
    "cosv4_stat_custom_header_name": (_STR, [_P, _SIZE]),
    "cosv4_stat_custom_header_value": (_STR, [_P, _SIZE]),
    # delete, folders, move, copy
    "cosv4_client_delete": (_RC, [_P, _STR, _STR, _PP]),
    "cosv4_client_create_folder": (_RC, [_P, _STR, _STR, _STR, _PP]),
    "cosv4_client_move": (_RC, [_P, _STR, _STR, _STR, _U32, _PP]),
    "cosv4_client_copy": (_RC, [_P, _STR, _STR, _STR, _U32, _PP]),
    # update
    "cosv4_update_options_new": (_RC, [_PP]),
    "cosv4_update_options_free": (None, [_P]),
    "cosv4_update_options_set_biz_attr": (_RC, [_P, _STR]),
    "cosv4_update_options_set_authority": (_RC, [_P, _U32]),
    "cosv4_update_options_add_custom_header": (_RC, [_P, _STR, _STR]),
    "cosv4_update_options_clear_custom_headers": (_RC, [_P]),
    "cosv4_client_update": (_RC, [_P, _STR, _STR, _P, _PP]),
    # list
    "cosv4_client_list": (_RC, [_P, _STR, _STR, _STR, _U32, _STR, _PP, _PP]),
    "cosv4_client_list_next": (_RC, [_P, _P, _PP, _PP]),
    "cosv4_list_page_free": (None, [_P]),
    "cosv4_list_page_count": (_SIZE, [_P]),
    "cosv4_list_page_listover": (_BOOL, [_P]),
    "cosv4_list_page_context": (_STR, [_P]),
    "cosv4_list_page_name": (_STR, [_P, _SIZE]),
    "cosv4_list_page_is_folder": (_BOOL, [_P, _SIZE]),
    "cosv4_list_page_size": (_U64, [_P, _SIZE]),
    "cosv4_list_page_sha": (_STR, [_P, _SIZE]),
    "cosv4_list_page_ctime": (_I64, [_P, _SIZE]),
    "cosv4_list_page_mtime": (_I64, [_P, _SIZE]),
    # download
    "cosv4_client_download_url": (_RC, [_P, _STR, _STR, _U64, ctypes.c_char_p, _SIZE,
                                        ctypes.POINTER(_SIZE), _PP]),
    "cosv4_download_options_new": (_RC, [_PP]),
    "cosv4_download_options_free": (None, [_P]),
    "cosv4_download_options_set_resume_in_place": (_RC, [_P, _U32]),
    "cosv4_download_options_set_skip_sha_check": (_RC, [_P, _U32]),
    "cosv4_download_options_set_overwrite": (_RC, [_P, _U32]),
    "cosv4_download_options_set_progress": (_RC, [_P, _DOWNLOAD_PROGRESS_CB, _P]),
    "cosv4_download_options_set_cancel_token": (_RC, [_P, _P]),
    "cosv4_client_download_file": (_RC, [_P, _STR, _STR, _STR, _P, _PP, _PP]),
    "cosv4_download_result_free": (None, [_P]),
    "cosv4_download_result_bytes_total": (_U64, [_P]),
    "cosv4_download_result_bytes_received": (_U64, [_P]),
    "cosv4_download_result_bytes_resumed": (_U64, [_P]),
    "cosv4_download_result_sha": (_STR, [_P]),
    # batch
    "cosv4_batch_options_new": (_RC, [_PP]),
    "cosv4_batch_options_free": (None, [_P]),
    "cosv4_batch_options_set_jobs": (_RC, [_P, _U32]),
    "cosv4_batch_options_set_max_requests": (_RC, [_P, _U32]),
    "cosv4_batch_options_set_follow_symlinks": (_RC, [_P, _U32]),
    "cosv4_batch_options_set_fail_fast": (_RC, [_P, _U32]),
    "cosv4_batch_options_set_insert_only": (_RC, [_P, _U32]),
    "cosv4_batch_options_set_cancel_token": (_RC, [_P, _P]),
    "cosv4_batch_options_set_progress": (_RC, [_P, _BATCH_PROGRESS_CB, _P]),
    "cosv4_batch_options_set_file_callback": (_RC, [_P, _BATCH_FILE_CB, _P]),
    "cosv4_client_upload_dir": (_RC, [_P, _STR, ctypes.c_char_p, _STR, _P, _PP, _PP]),
    "cosv4_batch_result_free": (None, [_P]),
    "cosv4_batch_result_uploaded": (_U64, [_P]),
    "cosv4_batch_result_folders": (_U64, [_P]),
    "cosv4_batch_result_skipped": (_U64, [_P]),
    "cosv4_batch_result_failed": (_U64, [_P]),
    "cosv4_batch_result_bytes_sent": (_U64, [_P]),
    "cosv4_batch_result_count": (_SIZE, [_P]),
    "cosv4_batch_result_local_path": (ctypes.c_char_p, [_P, _SIZE]),
    "cosv4_batch_result_cos_path": (_STR, [_P, _SIZE]),
    "cosv4_batch_result_status": (_U32, [_P, _SIZE]),
    "cosv4_batch_result_bytes": (_U64, [_P, _SIZE]),
    "cosv4_batch_result_reason": (_STR, [_P, _SIZE]),
    "cosv4_batch_result_result_code": (_RC, [_P, _SIZE]),
    "cosv4_batch_result_http_status": (_U32, [_P, _SIZE]),
    "cosv4_batch_result_has_cos_code": (_BOOL, [_P, _SIZE]),
    "cosv4_batch_result_cos_code": (_I64, [_P, _SIZE]),
    "cosv4_batch_result_elapsed_ms": (_U64, [_P, _SIZE]),
    "cosv4_batch_result_total_elapsed_ms": (_U64, [_P]),
    # batch of a list of (local path, cos path) pairs
    "cosv4_batch_list_new": (_RC, [_PP]),
    "cosv4_batch_list_add": (_RC, [_P, ctypes.c_char_p, _STR, _PP]),
    "cosv4_batch_list_count": (_SIZE, [_P]),
    "cosv4_batch_list_free": (None, [_P]),
    "cosv4_client_upload_list": (_RC, [_P, _STR, _P, _P, _PP, _PP]),
    # sync, filters, dry run and keep of batches
    "cosv4_batch_options_set_sync": (_RC, [_P, _U32]),
    "cosv4_batch_options_set_delete": (_RC, [_P, _U32]),
    "cosv4_batch_options_set_force": (_RC, [_P, _U32]),
    "cosv4_batch_options_set_dry_run": (_RC, [_P, _U32]),
    "cosv4_batch_options_set_keep_results": (_RC, [_P, _U32]),
    "cosv4_batch_options_add_include": (_RC, [_P, _STR, _PP]),
    "cosv4_batch_options_add_exclude": (_RC, [_P, _STR, _PP]),
    "cosv4_batch_result_unchanged": (_U64, [_P]),
    "cosv4_batch_result_deleted": (_U64, [_P]),
    "cosv4_batch_result_would_upload": (_U64, [_P]),
    "cosv4_batch_result_would_delete": (_U64, [_P]),
    # bandwidth limit
    "cosv4_config_set_limit_rate": (_RC, [_P, _U64]),
    "cosv4_config_set_retry_window_ms": (_RC, [_P, _U64]),
}

_lib_lock = threading.Lock()
_lib_handle: Optional[ctypes.CDLL] = None
_lib_path: Optional[str] = None


def _find_library() -> str:
    """The path of libcosv4 to load (see the module docstring for the order)."""
    env = os.environ.get("COSV4_LIB")
    if env:
        return env
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "libcosv4.so")
    if os.path.exists(here):
        return here
    found = ctypes.util.find_library("cosv4")
    if found:
        return found
    raise OSError(
        "libcosv4 not found: set COSV4_LIB to its path, put libcosv4.so next to cosv4.py, "
        "or install it where the dynamic loader looks"
    )


def _lib() -> ctypes.CDLL:
    """The loaded library with every prototype declared (loaded once, on first use)."""
    global _lib_handle, _lib_path
    if _lib_handle is not None:
        return _lib_handle
    with _lib_lock:
        if _lib_handle is None:
            path = _find_library()
            lib = ctypes.CDLL(path)  # CDLL: the GIL is released during every call
            for name, (restype, argtypes) in _PROTOTYPES.items():
                fn = getattr(lib, name)
                fn.restype, fn.argtypes = restype, argtypes
            for name, (restype, argtypes) in _OPTIONAL_PROTOTYPES.items():
                fn = getattr(lib, name, None)
                if fn is not None:
                    fn.restype, fn.argtypes = restype, argtypes
            _lib_path, _lib_handle = path, lib
    return _lib_handle


def _need(*names: str) -> ctypes.CDLL:
    """The library, after checking it exports `names` (functions of newer versions)."""
    lib = _lib()
    missing = [n for n in names if not hasattr(lib, n)]
    if missing:
        raise NotImplementedError(
            f"the loaded libcosv4 ({_lib_path}, {version()}) lacks {', '.join(missing)}")
    return lib


def library_path() -> str:
    """The path libcosv4 was loaded from (loads it if needed)."""
    _lib()
    assert _lib_path is not None
    return _lib_path


def version() -> str:
    """The version of the loaded libcosv4, e.g. "0.1.0"."""
    return _lib().cosv4_version().decode()


def strerror(code: int) -> str:
    """A sentence describing a result code."""
    return _lib().cosv4_strerror(_check_uint(code, 32, "code")).decode()


def result_name(code: int) -> str:
    """The C name of a result code, e.g. "COSV4_RESULT_AUTH"."""
    return _lib().cosv4_result_name(_check_uint(code, 32, "code")).decode()


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class Cosv4Error(Exception):
    """A failed cosv4 call.

    Attributes: ``code`` (int, a :class:`Result` value), ``name`` (e.g.
    "COSV4_RESULT_AUTH"), ``http_status`` (0 when the service did not answer), ``cos_code``
    (the COS JSON ``code``, or None), ``cos_message``, ``request_id`` (quote it to support),
    ``message`` (a sentence for people), ``callback_value`` (what a progress callback returned
    to stop the upload, else 0).
    """

    def __init__(self, code: int, message: str, *, http_status: int = 0,
                 cos_code: Optional[int] = None, cos_message: str = "", request_id: str = "",
                 callback_value: int = 0):
        super().__init__(message)
        self.code = int(code)
        self.name = result_name(code)
        self.message = message
        self.http_status = http_status
        self.cos_code = cos_code
        self.cos_message = cos_message
        self.request_id = request_id
        self.callback_value = callback_value

    def __str__(self) -> str:
        return f"{self.name}: {self.message}"

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(code={self.code}, name={self.name!r}, "
                f"http_status={self.http_status}, cos_code={self.cos_code}, "
                f"message={self.message!r})")


class UsageError(Cosv4Error, ValueError):
    """A bad argument, path or configuration (result codes 1xx)."""


class LocalIOError(Cosv4Error):
    """The local file could not be read (COSV4_RESULT_LOCAL_IO)."""


class TransportError(Cosv4Error):
    """The connection failed or broke (COSV4_RESULT_TRANSPORT)."""


class RequestTimeoutError(TransportError):
    """A connect, stall or request time limit ran out (COSV4_RESULT_TIMEOUT)."""


class ProtocolError(Cosv4Error):
    """The server's answer could not be understood (COSV4_RESULT_PROTOCOL)."""


class ServiceError(Cosv4Error):
    """The service answered with an error code (COSV4_RESULT_SERVICE and the 4xx band)."""


class AuthError(ServiceError):
    """The service refused the credentials or the signature (COSV4_RESULT_AUTH)."""


class ObjectExistsError(ServiceError):
    """The object exists and overwrite=False (COSV4_RESULT_FILE_EXISTS, COS -177)."""


class UploadConflictError(ServiceError):
    """An unfinished upload could not be resumed; pass replace_stale=True to start over
    (COSV4_RESULT_UPLOAD_CONFLICT)."""


class IntegrityError(Cosv4Error):
    """A content check failed or the file changed during the upload (COSV4_RESULT_INTEGRITY)."""


class CancelledError(Cosv4Error):
    """The upload was cancelled through its CancelToken (COSV4_RESULT_CANCELLED); running the
    same upload again resumes it."""


class AbortedError(Cosv4Error):
    """The progress callback stopped the upload (COSV4_RESULT_ABORTED_BY_CALLBACK)."""


class InternalError(Cosv4Error):
    """A bug in the library (COSV4_RESULT_PANIC, COSV4_RESULT_INTERNAL)."""


class CallbackAfterDoneError(Exception):
    """The call completed, then its callback raised at the final event.

    The final event (``Phase.DONE`` of an upload, ``done`` of a download, the last
    ``BatchProgress`` of a batch) comes once the work is complete: the object is stored, the
    file is in place, every item of the batch has ended. A stop asked there cannot undo that,
    so the call did not fail; what the callback raised is reported here instead of being
    dropped. Attributes: ``operation`` ("upload", "download", "batch"), ``result`` (what the
    call would have returned: an UploadResult, DownloadResult or BatchResult) and ``error``
    (the callback's exception, also this one's ``__cause__``). Not a :class:`Cosv4Error`: the
    transfer did not fail, so do not retry it.
    """

    def __init__(self, operation: str, done: str, result, error: BaseException):
        super().__init__(f"the {operation} completed ({done}), then its callback raised "
                         f"{type(error).__name__}: {error} at the final event, which cannot "
                         "stop anything")
        self.operation = operation
        self.result = result
        self.error = error


_ERROR_CLASSES = {
    Result.LOCAL_IO: LocalIOError,
    Result.TRANSPORT: TransportError,
    Result.TIMEOUT: RequestTimeoutError,
    Result.PROTOCOL: ProtocolError,
    Result.SERVICE: ServiceError,
    Result.AUTH: AuthError,
    Result.FILE_EXISTS: ObjectExistsError,
    Result.UPLOAD_CONFLICT: UploadConflictError,
    Result.INTEGRITY: IntegrityError,
    Result.CANCELLED: CancelledError,
    Result.ABORTED_BY_CALLBACK: AbortedError,
}


def _error_class(code: int) -> type:
    if 100 <= code < 200:
        return UsageError
    if code >= 900:
        return InternalError
    return _ERROR_CLASSES.get(code, Cosv4Error)


def _error_from_code(code: int, context: str = "") -> Cosv4Error:
    """An error for a call that has no cosv4_error detail (setters, signing, ...)."""
    text = strerror(code)
    return _error_class(code)(code, f"{context}: {text}" if context else text)


def _take_error(code: int, err: ctypes.c_void_p) -> Cosv4Error:
    """Copies a cosv4_error into a Python exception and frees it (exactly once)."""
    lib = _lib()
    if not err.value:
        return _error_from_code(code)
    try:
        has_cos = lib.cosv4_error_has_cos_code(err)
        return _error_class(code)(
            code,
            _text(lib.cosv4_error_message(err)) or strerror(code),
            http_status=lib.cosv4_error_http_status(err),
            cos_code=lib.cosv4_error_cos_code(err) if has_cos else None,
            cos_message=_text(lib.cosv4_error_cos_message(err)),
            request_id=_text(lib.cosv4_error_request_id(err)),
            callback_value=lib.cosv4_error_callback_value(err),
        )
    finally:
        lib.cosv4_error_free(err)
        err.value = None


def _check(code: int, context: str = "") -> None:
    """Raises for a nonzero result code of a call without an error detail."""
    if code != Result.OK:
        raise _error_from_code(code, context)


# ---------------------------------------------------------------------------------------------
# Argument conversion: checked here so that a bad Python value is a UsageError, never a
# silently truncated string or a wrapped-around integer.
# ---------------------------------------------------------------------------------------------


def _enum_or_int(kind, value: int):
    """`kind(value)`, or the plain int for a value of a newer library this module does not
    know."""
    try:
        return kind(value)
    except ValueError:
        return value


def _text(raw: Optional[bytes]) -> str:
    return raw.decode("utf-8", "replace") if raw else ""


def _cstr(value: str, what: str) -> bytes:
    """A str as NUL-terminated UTF-8 for the library."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    try:
        raw = value.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(Result.INVALID_UTF8, f"{what} cannot be encoded as UTF-8") from None
    if b"\0" in raw:
        raise UsageError(Result.INVALID_ARGUMENT, f"{what} contains a NUL character")
    return raw


def _cpath(value: Union[str, bytes, os.PathLike], what: str) -> bytes:
    """A local file name in the platform's bytes (os.fsencode; need not be UTF-8)."""
    raw = os.fsencode(value)
    if b"\0" in raw:
        raise UsageError(Result.INVALID_ARGUMENT, f"{what} contains a NUL byte")
    return raw


def _check_uint(value: int, bits: int, what: str) -> int:
    """An int that fits an unsigned C integer of `bits` bits (bool is refused: be explicit)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if not 0 <= value < (1 << bits):
        raise UsageError(Result.INVALID_ARGUMENT, f"{what} {value} is out of range")
    return value


def _flag(value: bool) -> int:
    """A Python truth value as the 0/1 the C API wants."""
    return 1 if value else 0


def _choice(value, what: str, choices: dict):
    """The enum member `choices` maps `value` to (a str, or None), or `value` itself when it
    is already one of those members."""
    if value in choices.values() and isinstance(value, enum.Enum):
        return value
    names = " or ".join("None" if k is None else repr(k) for k in choices)
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{what} must be {names}, not {value!r}")
    if value not in choices:
        raise UsageError(Result.INVALID_ARGUMENT, f"{what} must be {names}, not {value!r}")
    return choices[value]


def _patterns(value, what: str) -> list:
    """Include or exclude patterns (an iterable of str) as NUL-terminated UTF-8."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError(f"{what} must be an iterable of patterns (e.g. [\"*.log\"]), not "
                        f"{type(value).__name__}")
    return [_cstr(p, f"{what} pattern {p!r}") for p in value]


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Progress:
    """One progress event; counts are cumulative and never decrease."""

    phase: Phase  # HASHING, UPLOADING or DONE
    bytes_total: int  # size of the content
    bytes_done: int  # bytes the server has confirmed (also from an earlier attempt)
    bytes_hashed: int  # bytes hashed so far (0 when integrity is off)
    slices_total: int  # 1 for a simple upload; 0 before it is known
    slices_done: int  # slices the server has confirmed


@dataclasses.dataclass(frozen=True)
class BatchProgress:
    """The batch as a whole; totals grow as the walk finds items."""

    files_done: int  # items ended (uploaded, folders, skipped, failed)
    files_known: int  # items found so far (the total once walk_done)
    bytes_done: int  # bytes of uploaded files and confirmed bytes of files in flight
    bytes_known: int  # bytes of the files found so far
    walk_done: bool  # the walk of the local directory is over
    elapsed_ms: int = 0  # since the batch started
    bytes_per_second: int = 0  # how fast bytes_done grew over the last 5 s
    eta_ms: Optional[int] = None  # time left at that rate; None while unknown, 0 at the end


@dataclasses.dataclass(frozen=True)
class BatchFileEvent:
    """An item of a batch started (STARTED) or ended (DONE, SKIPPED, FAILED)."""

    kind: BatchEventKind
    local_path: str  # os.fsdecode of the local path
    cos_path: str  # a folder's ends in '/'
    bytes: int  # the file's size (0 for folders)
    result: Result  # the failure's code (FAILED); Result.OK otherwise
    http_status: int = 0  # of a failure's answer; 0 when none
    cos_code: Optional[int] = None  # of a failure's answer; None when none
    reason: str = ""  # a failure's sentence, or why the item was skipped; "" otherwise
    bytes_sent: int = 0  # content bytes sent for an uploaded file, retries included


@dataclasses.dataclass(frozen=True)
class BatchFile:
    """One item of a batch: a file, or an empty directory (cos_path ends in '/'); with a sync
    also a remote file or folder deleted (or that a dry run would delete: local_path "")."""

    local_path: str
    cos_path: str
    status: BatchStatus  # UPLOADED, FOLDER, SKIPPED, FAILED, UNCHANGED, DELETED, WOULD_*
    bytes: int
    reason: str  # why it was skipped, or the failure's sentence; "" otherwise
    result: Result  # the failure's code; Result.OK otherwise
    http_status: int  # of a failure's answer; 0 when none
    cos_code: Optional[int]  # of a failure's answer; None when none
    elapsed_ms: int = 0  # from the start of its upload to its end (0: not sent)


@dataclasses.dataclass(frozen=True)
class BatchResult:
    """What Client.upload_dir or upload_list did: counts of every item, and the items (every
    one, or with keep="failed" the failed ones only) in the order they ended."""

    uploaded: int
    folders: int
    skipped: int
    failed: int
    bytes_sent: int
    files: list
    unchanged: int = 0  # a sync found them identical remotely: nothing sent
    deleted: int = 0  # remote files and folders a sync deleted
    would_upload: int = 0  # a dry run: files and folders that would be uploaded (created)
    would_delete: int = 0  # a dry run: remote files and folders that would be deleted
    elapsed_ms: int = 0  # the whole batch


@dataclasses.dataclass(frozen=True)
class UploadResult:
    """The outcome of a successful upload."""

    access_url: str  # the object's download URL
    resource_path: str  # "/<appid>/<bucket>/<path>"
    source_url: str  # origin URL
    url: str  # API URL
    method: Method  # SIMPLE, SLICES or INSTANT
    resumed: bool  # an unfinished earlier upload was continued
    bytes_total: int  # size of the content
    bytes_sent: int  # content bytes sent by this call, retries included
    slices_total: int  # slices of the content (1 for a simple upload)
    slices_sent: int  # slices this call sent
    slices_skipped: int  # slices the server already had (after a resume)
    retries: int  # requests sent again after a retryable failure
    slice_size: int  # slice size used (0 for simple and instant uploads)
    # From newer libraries (0 with older ones):
    requests: int = 0  # HTTP requests sent (retries included)
    bytes_resent: int = 0  # content bytes sent more than once
    hashing_ms: int = 0  # time spent hashing before the first request
    sending_ms: int = 0  # time from the first request to the end


def _take_upload_result(res: ctypes.c_void_p) -> UploadResult:
    """Copies a cosv4_upload_result into an UploadResult and frees it (exactly once)."""
    lib = _lib()
    try:
        method = lib.cosv4_upload_result_method(res)
        return UploadResult(
            access_url=_text(lib.cosv4_upload_result_access_url(res)),
            resource_path=_text(lib.cosv4_upload_result_resource_path(res)),
            source_url=_text(lib.cosv4_upload_result_source_url(res)),
            url=_text(lib.cosv4_upload_result_url(res)),
            method=_enum_or_int(Method, method),
            resumed=bool(lib.cosv4_upload_result_resumed(res)),
            bytes_total=lib.cosv4_upload_result_bytes_total(res),
            bytes_sent=lib.cosv4_upload_result_bytes_sent(res),
            slices_total=lib.cosv4_upload_result_slices_total(res),
            slices_sent=lib.cosv4_upload_result_slices_sent(res),
            slices_skipped=lib.cosv4_upload_result_slices_skipped(res),
            retries=lib.cosv4_upload_result_retries(res),
            slice_size=lib.cosv4_upload_result_slice_size(res),
            **{name: getattr(lib, "cosv4_upload_result_" + name)(res)
               for name in ("requests", "bytes_resent", "hashing_ms", "sending_ms")
               if hasattr(lib, "cosv4_upload_result_" + name)},
        )
    finally:
        lib.cosv4_upload_result_free(res)
        res.value = None


@dataclasses.dataclass(frozen=True)
class Stat:
    """What Client.stat reports of a file or a folder."""

    is_folder: bool
    filesize: int  # declared size (0 for a folder)
    filelen: int  # bytes stored so far (less than filesize while an upload is unfinished)
    ctime: int  # creation time, Unix seconds (0 when unknown)
    mtime: int  # modification time, Unix seconds (0 when unknown)
    sha: str  # SHA-1, 40 hex digits ("" when unknown or a folder)
    biz_attr: str
    access_url: str  # "" for a folder
    source_url: str  # "" for a folder
    authority: str  # "eInvalid", "eWRPrivate" or "eWPrivateRPublic" ("" for a folder)
    custom_headers: dict  # name -> value


@dataclasses.dataclass(frozen=True)
class ListEntry:
    """One entry of a folder listing."""

    name: str  # inside the listed folder; no trailing '/' for folders
    is_folder: bool
    size: int  # 0 for a folder
    sha: str  # "" for a folder or when unknown
    ctime: int
    mtime: int


@dataclasses.dataclass(frozen=True)
class ListPage:
    """One page of a folder listing; pass ``context`` to Client.list_page for the next."""

    entries: tuple  # of ListEntry
    context: str  # "" on the last page
    listover: bool  # True on the last page


@dataclasses.dataclass(frozen=True)
class DownloadProgress:
    """One download progress event; counts are cumulative and never decrease."""

    bytes_total: int  # size of the object
    bytes_done: int  # bytes on disk, those of an earlier attempt included
    bytes_resumed: int  # bytes on disk when the call started
    done: bool  # the last event: the whole file is on disk and checked


@dataclasses.dataclass(frozen=True)
class DownloadResult:
    """The outcome of a successful download."""

    bytes_total: int  # size of the file
    bytes_received: int  # bytes received by this call
    bytes_resumed: int  # bytes an earlier attempt had left on disk
    sha: str  # the object's SHA-1 as the service reported it ("" when it did not)


def _take_stat(st: ctypes.c_void_p) -> Stat:
    """Copies a cosv4_stat into a Stat and frees it (exactly once)."""
    lib = _lib()
    try:
        headers = {}
        for i in range(lib.cosv4_stat_custom_header_count(st)):
            headers[_text(lib.cosv4_stat_custom_header_name(st, i))] = _text(
                lib.cosv4_stat_custom_header_value(st, i))
        return Stat(
            is_folder=bool(lib.cosv4_stat_is_folder(st)),
            filesize=lib.cosv4_stat_filesize(st),
            filelen=lib.cosv4_stat_filelen(st),
            ctime=lib.cosv4_stat_ctime(st),
            mtime=lib.cosv4_stat_mtime(st),
            sha=_text(lib.cosv4_stat_sha(st)),
            biz_attr=_text(lib.cosv4_stat_biz_attr(st)),
            access_url=_text(lib.cosv4_stat_access_url(st)),
            source_url=_text(lib.cosv4_stat_source_url(st)),
            authority=_text(lib.cosv4_stat_authority(st)),
            custom_headers=headers,
        )
    finally:
        lib.cosv4_stat_free(st)
        st.value = None


def _read_list_page(page: ctypes.c_void_p) -> ListPage:
    """Copies a cosv4_list_page into a ListPage (the page stays to be freed)."""
    lib = _lib()
    entries = tuple(
        ListEntry(
            name=_text(lib.cosv4_list_page_name(page, i)),
            is_folder=bool(lib.cosv4_list_page_is_folder(page, i)),
            size=lib.cosv4_list_page_size(page, i),
            sha=_text(lib.cosv4_list_page_sha(page, i)),
            ctime=lib.cosv4_list_page_ctime(page, i),
            mtime=lib.cosv4_list_page_mtime(page, i),
        )
        for i in range(lib.cosv4_list_page_count(page))
    )
    return ListPage(entries, _text(lib.cosv4_list_page_context(page)),
                    bool(lib.cosv4_list_page_listover(page)))


def _take_list_page(page: ctypes.c_void_p) -> ListPage:
    """Copies a cosv4_list_page into a ListPage and frees it (exactly once)."""
    try:
        return _read_list_page(page)
    finally:
        _lib().cosv4_list_page_free(page)
        page.value = None


def _keep(out: ctypes.c_void_p) -> ctypes.c_void_p:
    """Takes the handle written to ``out`` (the caller frees it)."""
    handle = ctypes.c_void_p(out.value)
    out.value = None
    return handle


def _take_download_result(res: ctypes.c_void_p) -> DownloadResult:
    """Copies a cosv4_download_result into a DownloadResult and frees it (exactly once)."""
    lib = _lib()
    try:
        return DownloadResult(
            bytes_total=lib.cosv4_download_result_bytes_total(res),
            bytes_received=lib.cosv4_download_result_bytes_received(res),
            bytes_resumed=lib.cosv4_download_result_bytes_resumed(res),
            sha=_text(lib.cosv4_download_result_sha(res)),
        )
    finally:
        lib.cosv4_download_result_free(res)
        res.value = None


# ---------------------------------------------------------------------------------------------
# Handles that calls borrow: Client and CancelToken
# ---------------------------------------------------------------------------------------------


class _SharedHandle:
    """A C handle that calls borrow with :meth:`_use` and that :meth:`close` frees once no call
    is using it. A close() on another thread during a call only marks the handle closed, so C
    never sees a freed pointer; calls started after close() raise UsageError."""

    _what = "handle"  # for the message of a use after close()
    _free = ""  # the C function that frees the handle

    def __init__(self):
        self._handle = ctypes.c_void_p()
        # Reentrant: the Ctrl-C handler may cancel a token on the main thread while that
        # thread is inside one of these methods.
        self._lock = threading.RLock()
        self._calls = 0  # calls using the handle; it is freed when closed and 0
        self._closed = False

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._free_unused_locked()

    def _free_unused_locked(self) -> None:
        if self._closed and self._calls == 0 and self._handle.value:
            getattr(_lib(), self._free)(self._handle)
            self._handle.value = None

    @contextlib.contextmanager
    def _use(self):
        """The handle, kept alive until the block ends."""
        with self._lock:
            if self._closed or not self._handle.value:
                raise UsageError(Result.INVALID_ARGUMENT, f"the {self._what} is closed")
            self._calls += 1
        try:
            yield self._handle
        finally:
            with self._lock:
                self._calls -= 1
                self._free_unused_locked()

    def __del__(self):
        # Only when __init__ got as far as creating the (empty) handle.
        if getattr(self, "_handle", None) is not None and _lib_handle is not None:
            self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class CancelToken(_SharedHandle):
    """Cancels uploads, downloads and batches from any thread: pass it as ``cancel=token`` and
    call :meth:`cancel`. A cancelled upload fails with :class:`CancelledError` and stays on the
    server, so running it again resumes it. Once cancelled a token stays cancelled: use a new
    one for the next call."""

    _what = "cancel token"
    _free = "cosv4_cancel_token_free"

    def __init__(self):
        super().__init__()
        _check(_lib().cosv4_cancel_token_new(ctypes.byref(self._handle)),
               "cosv4_cancel_token_new")

    def cancel(self) -> None:
        """Cancels every call using this token (any thread, any time, more than once). After
        :meth:`close` it still reaches the calls that were using the token, until they
        return; then it does nothing."""
        with self._lock:
            if self._handle.value:
                _check(_lib().cosv4_cancel_token_cancel(self._handle), "cancel")

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called (False once the C token is freed)."""
        with self._lock:
            return bool(self._handle.value and
                        _lib().cosv4_cancel_token_is_cancelled(self._handle))

    def close(self) -> None:
        """Closes the token (idempotent): calls started afterwards with it raise UsageError.
        Calls already using it keep it: the C token is freed when the last of them returns,
        and until then :meth:`cancel` (and Ctrl-C) still stops them."""
        super().close()

    def __enter__(self) -> "CancelToken":
        return self


# ---------------------------------------------------------------------------------------------
# Ctrl-C during an upload
# ---------------------------------------------------------------------------------------------


class _InterruptGuard:
    """While a blocking upload runs on the main thread, turns SIGINT into a cancellation.

    Python runs signal handlers only between bytecodes of the main thread, which is inside
    the C call; so the handler alone would notice Ctrl-C only at the next progress callback.
    Python's C-level handler also writes the signal number to the wakeup fd
    (signal.set_wakeup_fd), which a watcher thread reads to cancel the token at once. Our
    Python handler records the interrupt; after the call the previous handler is restored and
    called (the default one raises KeyboardInterrupt). Off the main thread, or when SIGINT is
    not handled by Python (SIG_DFL/SIG_IGN), the guard does nothing.
    """

    def __init__(self, token: CancelToken):
        self._token = token
        self.interrupted = False
        self._active = False

    def __enter__(self) -> "_InterruptGuard":
        if threading.current_thread() is not threading.main_thread():
            return self
        previous = signal.getsignal(signal.SIGINT)
        if not callable(previous):
            return self  # SIG_DFL, SIG_IGN, or installed from C: leave them alone
        self._previous = previous
        self._rsock, self._wsock = socket.socketpair()
        self._rsock.setblocking(True)
        self._wsock.setblocking(False)
        try:
            self._old_fd = signal.set_wakeup_fd(self._wsock.fileno(), warn_on_full_buffer=False)
            signal.signal(signal.SIGINT, self._on_sigint)
        except BaseException:
            self._rsock.close()
            self._wsock.close()
            raise
        self._watcher = threading.Thread(target=self._watch, name="cosv4-sigint", daemon=True)
        self._watcher.start()
        self._active = True
        return self

    def _on_sigint(self, signum, frame) -> None:
        # Runs on the main thread (in a progress callback, or after the call returned).
        self.interrupted = True
        self._token.cancel()

    def _watch(self) -> None:
        # Signal numbers arrive as bytes; 0 (not a signal) is __exit__ asking us to stop.
        while True:
            try:
                data = self._rsock.recv(64)
            except OSError:
                return
            if signal.SIGINT in data:
                self.interrupted = True
                self._token.cancel()
            if not data or 0 in data:
                return

    def __exit__(self, *exc) -> None:
        if not self._active:
            return
        self._active = False
        # Our handler stays installed until the end, so that a Ctrl-C still pending from the
        # C call reaches it (and is delivered once, by deliver()) rather than the previous
        # handler in the middle of this clean-up.
        signal.set_wakeup_fd(self._old_fd)
        try:
            self._wsock.send(b"\0")
        except OSError:
            pass
        self._watcher.join()
        self._rsock.close()
        self._wsock.close()
        signal.signal(signal.SIGINT, self._previous)

    def deliver(self) -> None:
        """After __exit__: hands a recorded Ctrl-C to the previous handler (the default one
        raises KeyboardInterrupt)."""
        if self.interrupted and callable(getattr(self, "_previous", None)):
            self._previous(signal.SIGINT, None)


# ---------------------------------------------------------------------------------------------
# Client
# ---------------------------------------------------------------------------------------------

ProgressCallback = Callable[[Progress], Optional[bool]]


class Client(_SharedHandle):
    """A cosv4 client: credentials, endpoint and settings, checked once; one connection pool.

    Thread-safe: any number of threads may upload through one client at once. Use it as a
    context manager or call :meth:`close`; the C client is freed when the last call using it
    has returned.

    ``endpoint`` is a base URL (``http(s)://host[:port][/prefix]``, e.g. the emulator) and
    ``region`` a COS region code ("gz", "sh", ...); exactly one is needed. The other settings
    default to the library's: ``slice_size`` 1 MiB (524288, 1048576, 2097152 or 3145728),
    ``workers`` 4 (1 to 32), ``integrity`` True (send the SHA-1), ``retries`` 30 (0 to 100)
    within ``retry_window`` 60 seconds of a request's first attempt (0 to a day; 0: no
    retries), so an outage of a minute is ridden out,
    ``simple_threshold`` 8 MiB, timeouts in seconds (``connect_timeout`` 10, ``stall_timeout``
    30, ``request_timeout`` 300), ``sign_lifetime`` 300 s, ``https`` True for regions,
    ``env_proxy`` False, ``proxy`` None, ``user_agent``, ``tls_ca_file`` (a PEM path) and
    ``tls_insecure_skip_verify`` (tests only). ``limit_rate`` caps the client's bandwidth in
    bytes per second (an int, at least 1024; None or 0: no limit), shared by every upload,
    download and batch through this client, whatever their workers. ``log(level, message)``
    receives the
    library's log lines up to ``log_level`` (it may run on the library's worker threads, one
    call at a time; exceptions it raises are ignored).
    """

    def __init__(self, appid: int, secret_id: str, secret_key: str, *,
                 region: Optional[str] = None, endpoint: Optional[str] = None,
                 slice_size: Optional[int] = None, workers: Optional[int] = None,
                 integrity: bool = True, retries: Optional[int] = None,
                 retry_window: Optional[float] = None,
                 simple_threshold: Optional[int] = None,
                 connect_timeout: Optional[float] = None,
                 stall_timeout: Optional[float] = None,
                 request_timeout: Optional[float] = None,
                 sign_lifetime: Optional[int] = None, https: Optional[bool] = None,
                 env_proxy: bool = False, proxy: Optional[str] = None,
                 user_agent: Optional[str] = None,
                 tls_ca_file: Optional[Union[str, os.PathLike]] = None,
                 tls_insecure_skip_verify: bool = False,
                 limit_rate: Optional[int] = None,
                 log: Optional[Callable[[LogLevel, str], None]] = None,
                 log_level: LogLevel = LogLevel.INFO):
        super().__init__()
        lib = _lib()
        self.appid = _check_uint(appid, 64, "appid")

        cfg = ctypes.c_void_p()
        c_id, c_key = _cstr(secret_id, "secret_id"), _cstr(secret_key, "secret_key")
        if hasattr(lib, "cosv4_config_new_with_error"):  # says what is wrong with them
            err = ctypes.c_void_p()
            rc = lib.cosv4_config_new_with_error(self.appid, c_id, c_key, ctypes.byref(cfg),
                                                 ctypes.byref(err))
            if rc != Result.OK:
                raise _take_error(rc, err)
        else:
            _check(lib.cosv4_config_new(self.appid, c_id, c_key, ctypes.byref(cfg)),
                   "credentials")
        try:
            def ms(seconds, what):
                # Seconds (float) to whole milliseconds, at least 1 for a positive value.
                if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
                    raise TypeError(f"{what} must be a number of seconds")
                if seconds != seconds or seconds in (float("inf"), float("-inf")):
                    raise UsageError(Result.INVALID_CONFIG, f"{what} must be a finite number "
                                     f"of seconds, not {seconds}")
                if seconds <= 0:
                    raise UsageError(Result.INVALID_CONFIG, f"{what} must be positive")
                return _check_uint(max(1, round(seconds * 1000)), 64, what)

            # (setter, argument, name for the message); only settings given are applied.
            steps = []
            if region is not None and endpoint is not None:
                raise UsageError(Result.INVALID_CONFIG, "give region or endpoint, not both")
            if region is not None:
                steps.append(("region", _cstr(region, "region"), "region"))
            if endpoint is not None:
                steps.append(("endpoint", _cstr(endpoint, "endpoint"), "endpoint"))
            if https is not None:
                steps.append(("https", _flag(https), "https"))
            if slice_size is not None:
                steps.append(("slice_size", _check_uint(slice_size, 64, "slice_size"),
                              "slice_size"))
            if workers is not None:
                steps.append(("workers", _check_uint(workers, 32, "workers"), "workers"))
            if not integrity:
                steps.append(("integrity", 0, "integrity"))
            if retries is not None:
                steps.append(("retries", _check_uint(retries, 32, "retries"), "retries"))
            if retry_window is not None:
                if isinstance(retry_window, bool) or not isinstance(retry_window, (int, float)):
                    raise TypeError("retry_window must be a number of seconds")
                if retry_window != retry_window or retry_window == float("inf"):
                    raise UsageError(Result.INVALID_CONFIG, "retry_window must be a finite "
                                     f"number of seconds, not {retry_window}")
                if retry_window < 0:
                    raise UsageError(Result.INVALID_CONFIG, "retry_window must not be negative")
                steps.append(("retry_window_ms",
                              _check_uint(round(retry_window * 1000), 64, "retry_window"),
                              "retry_window"))
            if simple_threshold is not None:
                steps.append(("simple_threshold",
                              _check_uint(simple_threshold, 64, "simple_threshold"),
                              "simple_threshold"))
            for name, value in (("connect_timeout", connect_timeout),
                                ("stall_timeout", stall_timeout),
                                ("request_timeout", request_timeout)):
                if value is not None:
                    steps.append((name + "_ms", ms(value, name), name))
            if sign_lifetime is not None:
                steps.append(("sign_lifetime", _check_uint(sign_lifetime, 64, "sign_lifetime"),
                              "sign_lifetime"))
            if env_proxy:
                steps.append(("env_proxy", 1, "env_proxy"))
            if proxy is not None:
                steps.append(("proxy", _cstr(proxy, "proxy"), "proxy"))
            if user_agent is not None:
                steps.append(("user_agent", _cstr(user_agent, "user_agent"), "user_agent"))
            if tls_ca_file is not None:
                steps.append(("tls_ca_file", _cpath(tls_ca_file, "tls_ca_file"),
                              "tls_ca_file"))
            if tls_insecure_skip_verify:
                steps.append(("tls_insecure_skip_verify", 1, "tls_insecure_skip_verify"))
            if limit_rate is not None:
                _need("cosv4_config_set_limit_rate")
                steps.append(("limit_rate", _check_uint(limit_rate, 64, "limit_rate"),
                              "limit_rate"))
            for setter, value, what in steps:
                rc = getattr(lib, "cosv4_config_set_" + setter)(cfg, value)
                if rc != Result.OK:
                    # The library's sentence naming the value and the rule, when it has one.
                    why = (_text(lib.cosv4_config_last_error(cfg))
                           if hasattr(lib, "cosv4_config_last_error") else "")
                    raise _error_class(rc)(rc, f"{what}: {why or strerror(rc)}")
            if log is not None:
                if not callable(log):
                    raise TypeError("log must be callable: log(level, message)")
                # The client keeps the C callback: it lives as long as this object.
                self._log_cb = _LOG_CB(_log_trampoline(log))
                _check(_need("cosv4_config_set_log").cosv4_config_set_log(
                    cfg, self._log_cb, None, _check_uint(int(log_level), 32, "log_level")),
                    "log")
        except BaseException:
            lib.cosv4_config_free(cfg)
            raise

        # cosv4_client_new consumes cfg on every path.
        err = ctypes.c_void_p()
        rc = lib.cosv4_client_new(cfg, ctypes.byref(self._handle), ctypes.byref(err))
        if rc != Result.OK:
            raise _take_error(rc, err)

    # -- lifetime -------------------------------------------------------------------------

    _what = "client"
    _free = "cosv4_client_free"

    def close(self) -> None:
        """Frees the C client once no call using it is running (idempotent). Calls started
        afterwards raise UsageError."""
        super().close()

    def __enter__(self) -> "Client":
        return self

    # -- upload ---------------------------------------------------------------------------

    def _transfer(self, kind: "_Kind", cancel: Optional[CancelToken],
                  configure: Callable, invoke: Callable):
        """One blocking transfer (upload, download, batch): options of `kind` filled by
        ``configure(opts, callbacks)``, the cancel token (``cancel``, else one of the call's
        own) set on them, Ctrl-C turned into a cancellation around
        ``invoke(handle, opts, out, err)`` (the C call), then the result, the callback's
        exception or the error. The client and the token stay open until the C call returned,
        whatever another thread closes meanwhile."""
        lib = _lib()
        if cancel is not None and not isinstance(cancel, CancelToken):
            raise TypeError(f"cancel must be a CancelToken, not {type(cancel).__name__}")
        token = cancel if cancel is not None else CancelToken()
        callbacks = _Callbacks()
        opts, out, err = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
        try:
            with token._use() as token_handle, self._use() as handle:
                _check(getattr(lib, kind.new_options)(ctypes.byref(opts)),
                       f"{kind.operation} options")
                configure(opts, callbacks)
                _check(getattr(lib, kind.set_cancel_token)(opts, token_handle), "cancel token")
                with _InterruptGuard(token) as guard:
                    rc = invoke(handle, opts, out, err)
            # Outside the guard (previous handlers restored): report in this order.
            result = kind.take(out) if rc == Result.OK else None
            error = _take_error(rc, err) if rc != Result.OK else None
            guard.deliver()  # a Ctrl-C: KeyboardInterrupt (the default handler)
            callbacks.reraise(kind, result)
            if error is not None:
                raise error
            return result
        finally:
            # Each object freed exactly once, whatever happened above (free(NULL) is a no-op).
            if out.value:
                getattr(lib, kind.free_result)(out)
            if err.value:
                lib.cosv4_error_free(err)
            getattr(lib, kind.free_options)(opts)
            if cancel is None:
                token.close()

    def upload(self, bucket: str, cos_path: str,
               local_path: Union[str, bytes, os.PathLike, None] = None, *,
               data=None, biz_attr: Optional[str] = None, overwrite: bool = False,
               replace_stale: bool = False, progress: Optional[ProgressCallback] = None,
               cancel: Optional[CancelToken] = None,
               create_parents: bool = False) -> UploadResult:
        """Uploads the local file ``local_path``, or the bytes ``data``, to ``cos_path``
        ("/dir/name") in ``bucket``.

        ``local_path`` is always a path, as ``os`` takes it: a str, bytes (the file system's
        encoding, e.g. ``os.fsencode(name)``) or an os.PathLike. Content in memory goes in
        ``data=`` (bytes, bytearray, memoryview or another contiguous buffer); give exactly
        one of the two. So ``upload(b, p, b"text")`` uploads the file named "text", never
        those four bytes. (For compatibility a bytearray or memoryview in ``local_path`` is
        still taken as content: os refuses them as paths, so they cannot mean a file.)

        Blocks until the upload succeeded, failed or was cancelled. Large content goes in
        slices and an unfinished upload of the same content is resumed. ``overwrite=False``
        refuses to replace an existing object with other content (ObjectExistsError);
        ``replace_stale`` deletes an unfinished upload that cannot be resumed.
        ``create_parents`` first creates the folders of ``cos_path`` that do not exist (the
        service refuses an upload into a missing folder: ServiceError with cos_code -197).

        ``progress(p: Progress)`` follows the module's callback rule: None goes on, False
        stops (AbortedError), another value raises TypeError, an exception is raised from
        here; at the final ``Phase.DONE`` event the object is stored and nothing can be
        stopped (CallbackAfterDoneError). ``cancel`` is a CancelToken another thread may
        cancel (CancelledError). Ctrl-C on the main thread cancels the upload and raises
        KeyboardInterrupt (also cancelling ``cancel`` if given).
        """
        lib = _lib()
        c_bucket = _cstr(bucket, "bucket")
        c_path = _cstr(cos_path, "cos_path")
        local, data = _upload_source(local_path, data)

        def configure(opts, callbacks):
            if biz_attr is not None:
                _check(lib.cosv4_upload_options_set_biz_attr(opts, _cstr(biz_attr, "biz_attr")),
                       "biz_attr")
            _check(lib.cosv4_upload_options_set_insert_only(opts, _flag(not overwrite)),
                   "overwrite")
            _check(lib.cosv4_upload_options_set_replace_stale(opts, _flag(replace_stale)),
                   "replace_stale")
            if create_parents:
                _check(_need("cosv4_upload_options_set_create_parents")
                       .cosv4_upload_options_set_create_parents(opts, 1), "create_parents")
            if progress is not None:
                _check(lib.cosv4_upload_options_set_progress(
                    opts, callbacks.wrap(_PROGRESS_CB, "progress", progress, _upload_event),
                    None), "progress")

        def invoke(handle, opts, out, err):
            if local is not None:
                return lib.cosv4_client_upload_file(handle, c_bucket, c_path, local, opts,
                                                    ctypes.byref(out), ctypes.byref(err))
            return _upload_buffer(lib, handle, c_bucket, c_path, data, opts, out, err)

        return self._transfer(_UPLOAD, cancel, configure, invoke)

    def _batch(self, invoke: Callable, configure_source: Optional[Callable] = None, *,
               jobs: int = 4, max_requests: int = 8,
               follow_symlinks: bool = False, fail_fast: bool = False,
               overwrite: bool = False, dry_run: bool = False, keep: str = "all",
               progress: Optional[Callable[[BatchProgress], Optional[bool]]] = None,
               on_file: Optional[Callable[[BatchFileEvent], Optional[bool]]] = None,
               cancel: Optional[CancelToken] = None) -> BatchResult:
        """A batch with the options every batch takes (see :meth:`upload_dir`):
        ``invoke(handle, opts, out, err)`` is its C call, ``configure_source(opts)`` sets the
        options only its source takes."""
        lib = _lib()
        keep_value = _choice(keep, "keep", _KEEP)

        def configure(opts, callbacks):
            if dry_run:
                _check(_need("cosv4_batch_options_set_dry_run")
                       .cosv4_batch_options_set_dry_run(opts, 1), "dry_run")
            if keep_value != BatchKeep.ALL:
                _check(_need("cosv4_batch_options_set_keep_results")
                       .cosv4_batch_options_set_keep_results(opts, keep_value), "keep")
            if configure_source is not None:
                configure_source(opts)
            _check(lib.cosv4_batch_options_set_jobs(opts, _check_uint(jobs, 32, "jobs")),
                   "jobs")
            _check(lib.cosv4_batch_options_set_max_requests(
                opts, _check_uint(max_requests, 32, "max_requests")), "max_requests")
            _check(lib.cosv4_batch_options_set_follow_symlinks(opts, _flag(follow_symlinks)),
                   "follow_symlinks")
            _check(lib.cosv4_batch_options_set_fail_fast(opts, _flag(fail_fast)), "fail_fast")
            _check(lib.cosv4_batch_options_set_insert_only(opts, _flag(not overwrite)),
                   "overwrite")
            if progress is not None:
                _check(lib.cosv4_batch_options_set_progress(opts, callbacks.wrap(
                    _BATCH_PROGRESS_CB, "progress", progress, _batch_progress_event), None),
                    "progress")
            if on_file is not None:
                _check(lib.cosv4_batch_options_set_file_callback(opts, callbacks.wrap(
                    _BATCH_FILE_CB, "on_file", on_file, _batch_file_event), None), "on_file")

        return self._transfer(_BATCH, cancel, configure, invoke)

    def upload_dir(self, bucket: str, local_dir: Union[str, bytes, os.PathLike],
                   cos_folder: Optional[str] = None, *, sync: Optional[str] = None,
                   delete: bool = False, force: bool = False, include=(), exclude=(),
                   **options) -> BatchResult:
        """Uploads every file under ``local_dir`` (recursively) to the same relative path
        under ``cos_folder`` (ends in '/'; default the bucket's root "/", except with
        ``delete=True``, which needs it given); empty directories become folders, and the
        folders of every file are created first.

        Sync (a directory only): with ``sync="checksum"`` the destination is listed first and
        a file whose object has the same size and SHA-1 is not sent (BatchStatus.UNCHANGED;
        an object without a SHA-1 counts as changed), a changed one replaces its object, a new
        one is uploaded; ``sync="size-only"`` trusts equal sizes. ``delete=True`` (needs a
        sync) then deletes the remote files, and folders left empty, under ``cos_folder``
        that ``local_dir`` does not have (BatchStatus.DELETED); never an excluded path, and
        nothing when an item failed. An empty ``local_dir`` with ``delete`` raises
        UsageError and deletes nothing unless ``force=True``. ``include`` and ``exclude``
        are iterables of .gitignore-style patterns matched against the path relative to
        ``local_dir`` (``"*.log"`` at any depth, ``"docs/a.md"`` from the top, ``*`` within
        one segment, ``**`` across, a trailing ``/`` folders only): with includes only the
        matching files are in the batch; excludes win; a bad pattern raises UsageError naming
        it.

        Options (keywords; the same for :meth:`upload_list`): ``jobs`` files at once (1 to
        32, default 4), ``max_requests`` requests in flight for the whole batch (default 8).
        Symbolic links are skipped unless ``follow_symlinks``. A failed file does not stop the
        batch unless ``fail_fast``; the result names every item with its status.
        ``overwrite=False`` makes a file whose object exists with other content fail
        (FILE_EXISTS). ``dry_run=True`` lists and compares but changes nothing on the
        server: the items say WOULD_UPLOAD or WOULD_DELETE. ``keep="failed"`` keeps only the
        failed items in ``BatchResult.files`` (memory stays bounded for any number of files;
        the counts and ``on_file`` still cover every item; default ``"all"``).
        ``progress(p: BatchProgress)`` and ``on_file(e: BatchFileEvent)``
        follow the module's callback rule (None goes on, False stops: AbortedError; another
        value raises TypeError; an exception is raised from here; at the last BatchProgress
        every item has ended: CallbackAfterDoneError). ``cancel`` (a CancelToken) stops the
        batch from another thread (CancelledError). Ctrl-C on the main thread cancels the
        batch and raises KeyboardInterrupt.
        """
        lib = _need("cosv4_client_upload_dir")
        c_bucket = _cstr(bucket, "bucket")
        c_local = _cpath(local_dir, "local_dir")
        if cos_folder is None and delete:
            raise UsageError(Result.INVALID_ARGUMENT, "delete=True needs cos_folder given: "
                             "it deletes what cos_folder holds that local_dir lacks (give \"/\" "
                             "to sync the whole bucket)")
        c_folder = _cstr("/" if cos_folder is None else cos_folder, "cos_folder")
        mode = _choice(sync, "sync", _SYNC_MODES)
        patterns = [("include", p) for p in _patterns(include, "include")]
        patterns += [("exclude", p) for p in _patterns(exclude, "exclude")]
        if delete and mode == SyncMode.OFF:
            raise UsageError(Result.INVALID_ARGUMENT, "delete=True needs sync=\"checksum\" or "
                             "\"size-only\": only a sync knows which remote files are extra")

        def configure_source(opts):
            if mode != SyncMode.OFF:
                _check(_need("cosv4_batch_options_set_sync")
                       .cosv4_batch_options_set_sync(opts, mode), "sync")
            for flag, on in (("delete", delete), ("force", force)):
                if on:
                    setter = "cosv4_batch_options_set_" + flag
                    _check(getattr(_need(setter), setter)(opts, 1), flag)
            for which, pattern in patterns:
                add = "cosv4_batch_options_add_" + which
                err = ctypes.c_void_p()
                rc = getattr(_need(add), add)(opts, pattern, ctypes.byref(err))
                if rc != Result.OK:
                    raise _take_error(rc, err)

        return self._batch(lambda handle, opts, out, err: lib.cosv4_client_upload_dir(
            handle, c_bucket, c_local, c_folder, opts, ctypes.byref(out), ctypes.byref(err)),
            configure_source, **options)

    def upload_list(self, bucket: str, pairs, **options) -> BatchResult:
        """Uploads the files of ``pairs``, an iterable of ``(local path, cos path)`` (a local
        path as in :meth:`upload`: str, bytes or os.PathLike; for a dict ``{local: cos}``
        pass ``d.items()``), as one batch: the folders of the cos paths are created first,
        and a failed file does not stop the others. The options are those of
        :meth:`upload_dir`, with the same meaning (``dry_run`` and ``keep`` included); the
        sync and filter keywords of upload_dir (``sync``, ``delete``, ``force``, ``include``,
        ``exclude``) apply to a directory only and raise TypeError here. A malformed pair
        raises TypeError, and a pair the library refuses raises its error, naming the pair,
        before anything is sent. Needs a libcosv4 with cosv4_client_upload_list
        (NotImplementedError otherwise).
        """
        dir_only = sorted(_DIR_ONLY & set(options))
        if dir_only:
            raise TypeError(f"upload_list takes no {', '.join(dir_only)}: sync, delete, force, "
                            "include and exclude apply to a directory (upload_dir), not to a "
                            "list of files")
        lib = _need("cosv4_batch_list_new", "cosv4_batch_list_add", "cosv4_batch_list_free",
                    "cosv4_client_upload_list")
        c_bucket = _cstr(bucket, "bucket")
        if isinstance(pairs, (str, bytes, os.PathLike)) or not hasattr(pairs, "__iter__"):
            raise TypeError("pairs must be an iterable of (local path, cos path) pairs, not "
                            + type(pairs).__name__)
        source = ctypes.c_void_p()
        _check(lib.cosv4_batch_list_new(ctypes.byref(source)), "batch list")
        try:
            for i, pair in enumerate(pairs):
                local, cos = _list_pair(i, pair)
                err = ctypes.c_void_p()
                rc = lib.cosv4_batch_list_add(source, local, cos, ctypes.byref(err))
                if rc != Result.OK:
                    e = _take_error(rc, err)
                    raise _error_class(rc)(rc, f"pairs[{i}] {pair!r}: {e.message}") from None
            return self._batch(lambda handle, opts, out, err: lib.cosv4_client_upload_list(
                handle, c_bucket, source, opts, ctypes.byref(out), ctypes.byref(err)),
                **options)
        finally:
            lib.cosv4_batch_list_free(source)

    # -- objects: stat, delete, folders, move, copy, update, list --------------------------

    def _call(self, name: str, *args) -> None:
        """Calls `name(client, *args, &err)`: raises the detail on failure."""
        fn = getattr(_need(name), name)
        err = ctypes.c_void_p()
        try:
            with self._use() as handle:
                rc = fn(handle, *args, ctypes.byref(err))
            if rc != Result.OK:
                raise _take_error(rc, err)
        finally:
            if err.value:
                _lib().cosv4_error_free(err)

    def _call_out(self, name: str, take: Callable, *args):
        """Calls `name(client, *args, &out, &err)`; returns take(out) (which frees it)."""
        fn = getattr(_need(name), name)
        out = ctypes.c_void_p()
        err = ctypes.c_void_p()
        try:
            with self._use() as handle:
                rc = fn(handle, *args, ctypes.byref(out), ctypes.byref(err))
            if rc != Result.OK:
                raise _take_error(rc, err)
            return take(out)
        finally:
            if err.value:
                _lib().cosv4_error_free(err)
            if out.value:  # only when `take` did not run to its finally
                self._free_out(name, out)

    @staticmethod
    def _free_out(name: str, out: ctypes.c_void_p) -> None:
        free = {"cosv4_client_stat": "cosv4_stat_free",
                "cosv4_client_list": "cosv4_list_page_free",
                "cosv4_client_list_next": "cosv4_list_page_free"}[name]
        getattr(_lib(), free)(out)

    def stat(self, bucket: str, cos_path: str) -> Stat:
        """Stat of the file at ``cos_path``, or of the folder when it ends in '/' ("/" is the
        root). A missing path raises ServiceError with cos_code -197."""
        return self._call_out("cosv4_client_stat", _take_stat, _cstr(bucket, "bucket"),
                              _cstr(cos_path, "cos_path"))

    def exists(self, bucket: str, cos_path: str) -> bool:
        """Whether a file (or, ending in '/', a folder) exists at ``cos_path``."""
        try:
            self.stat(bucket, cos_path)
            return True
        except ServiceError as e:
            if e.cos_code == -197:
                return False
            raise

    def delete(self, bucket: str, cos_path: str) -> None:
        """Deletes the file at ``cos_path``, or the (empty) folder when it ends in '/'."""
        self._call("cosv4_client_delete", _cstr(bucket, "bucket"), _cstr(cos_path, "cos_path"))

    def create_folder(self, bucket: str, folder: str, biz_attr: Optional[str] = None) -> None:
        """Creates ``folder`` (ending in '/'); an existing one raises ServiceError (-178)."""
        self._call("cosv4_client_create_folder", _cstr(bucket, "bucket"),
                   _cstr(folder, "folder"),
                   None if biz_attr is None else _cstr(biz_attr, "biz_attr"))

    def move(self, bucket: str, src: str, dest: str, *, overwrite: bool = False) -> None:
        """Moves (renames) the file ``src`` to ``dest`` (an absolute path or a bare name in the
        same folder); an existing ``dest`` raises ObjectExistsError unless ``overwrite``."""
        self._call("cosv4_client_move", _cstr(bucket, "bucket"), _cstr(src, "src"),
                   _cstr(dest, "dest"), _flag(overwrite))

    def copy(self, bucket: str, src: str, dest: str, *, overwrite: bool = False) -> None:
        """Copies the file ``src`` to ``dest``; otherwise as :meth:`move`."""
        self._call("cosv4_client_copy", _cstr(bucket, "bucket"), _cstr(src, "src"),
                   _cstr(dest, "dest"), _flag(overwrite))

    def update(self, bucket: str, cos_path: str, *, biz_attr: Optional[str] = None,
               authority: Optional[Authority] = None,
               custom_headers: Optional[dict] = None) -> None:
        """Changes attributes of the file at ``cos_path`` (or the biz_attr of a folder).
        ``custom_headers`` (a dict) replaces all of the file's custom headers; ``{}`` removes
        them; None leaves them. Only the attributes given are changed."""
        lib = _need("cosv4_client_update")
        opts = ctypes.c_void_p()
        _check(lib.cosv4_update_options_new(ctypes.byref(opts)), "update options")
        try:
            if biz_attr is not None:
                _check(lib.cosv4_update_options_set_biz_attr(opts, _cstr(biz_attr, "biz_attr")),
                       "biz_attr")
            if authority is not None:
                _check(lib.cosv4_update_options_set_authority(
                    opts, _check_uint(int(authority), 32, "authority")), "authority")
            if custom_headers is not None:
                if not isinstance(custom_headers, dict):
                    raise TypeError("custom_headers must be a dict of name -> value, not "
                                    f"{type(custom_headers).__name__}")
                _check(lib.cosv4_update_options_clear_custom_headers(opts), "custom_headers")
                for name, value in custom_headers.items():
                    _check(lib.cosv4_update_options_add_custom_header(
                        opts, _cstr(name, "header name"), _cstr(value, "header value")),
                        f"custom header {name!r}")
            self._call("cosv4_client_update", _cstr(bucket, "bucket"),
                       _cstr(cos_path, "cos_path"), opts)
        finally:
            lib.cosv4_update_options_free(opts)

    def list_page(self, bucket: str, folder: str = "/", *, prefix: Optional[str] = None,
                  num: int = 0, context: Optional[str] = None) -> ListPage:
        """One page of the listing of ``folder`` (ending in '/'): its direct sub-folders and
        files whose names start with ``prefix``, at most ``num`` (0: 199; at most 1000),
        starting at ``context`` (the previous page's; None: the first page). An answer that
        is not the last page but has no context, or the one asked with, raises
        ProtocolError."""
        return self._call_out("cosv4_client_list", _take_list_page, *self._list_args(
            bucket, folder, prefix, num, context))

    def list(self, bucket: str, folder: str = "/", *, prefix: Optional[str] = None,
             num: int = 0):
        """Iterates over every entry of ``folder``, fetching pages as needed with
        cosv4_client_list_next (the library's paging loop; one C page is held between pages
        and freed when the iteration ends or the generator is closed). A server that repeats
        a context or says more pages follow without one raises ProtocolError after the
        entries of the pages before."""
        lib = _need("cosv4_client_list_next")
        page = self._call_out("cosv4_client_list", _keep, *self._list_args(
            bucket, folder, prefix, num, None))
        try:
            while True:
                current = _read_list_page(page)
                yield from current.entries
                if current.listover:
                    return
                following = self._call_out("cosv4_client_list_next", _keep, page)
                lib.cosv4_list_page_free(page)
                page = following
        finally:
            lib.cosv4_list_page_free(page)

    @staticmethod
    def _list_args(bucket: str, folder: str, prefix: Optional[str], num: int,
                   context: Optional[str]) -> tuple:
        """The arguments of cosv4_client_list after the client."""
        return (_cstr(bucket, "bucket"), _cstr(folder, "folder"),
                None if prefix is None else _cstr(prefix, "prefix"),
                _check_uint(num, 32, "num"),
                None if context is None else _cstr(context, "context"))

    # -- download -------------------------------------------------------------------------

    def download_url(self, bucket: str, cos_path: str, lifetime: int = 300) -> str:
        """A URL anyone can GET the file with for ``lifetime`` seconds (no request is made)."""
        lib = _need("cosv4_client_download_url")
        c_bucket, c_path = _cstr(bucket, "bucket"), _cstr(cos_path, "cos_path")
        life = _check_uint(lifetime, 64, "lifetime")
        size = 1024
        with self._use() as handle:
            for _ in range(4):
                buf = ctypes.create_string_buffer(size)
                out_len = _SIZE(0)
                err = ctypes.c_void_p()
                rc = lib.cosv4_client_download_url(handle, c_bucket, c_path, life, buf, size,
                                                   ctypes.byref(out_len), ctypes.byref(err))
                if rc == Result.OK:
                    return buf.raw[:out_len.value].decode()
                if rc != Result.BUFFER_TOO_SMALL:
                    raise _take_error(rc, err)
                if err.value:
                    lib.cosv4_error_free(err)
                size = out_len.value + 64
            raise _error_from_code(Result.BUFFER_TOO_SMALL, "download_url")

    def download(self, bucket: str, cos_path: str, local_path: Union[str, os.PathLike], *,
                 resume_in_place: bool = False, check_sha: bool = True,
                 overwrite: bool = False,
                 progress: Optional[Callable[[DownloadProgress], Optional[bool]]] = None,
                 cancel: Optional[CancelToken] = None) -> DownloadResult:
        """Downloads the file ``cos_path`` to ``local_path``, continuing a partial file from
        an earlier attempt of the same object version ("<local>.part", or the file itself with
        ``resume_in_place``) and checking the SHA-1 unless ``check_sha`` is False. An existing
        ``local_path`` that is not our own partial download raises :class:`UsageError` and is
        left untouched, unless ``overwrite`` is True: it is then replaced atomically once the
        download is complete. ``progress`` (the callback rule of the module: the final event,
        ``done``, comes with the file in place), ``cancel`` and Ctrl-C behave as for
        :meth:`upload` (the partial file stays for a resume)."""
        lib = _need("cosv4_client_download_file", "cosv4_download_options_set_overwrite")
        c_bucket, c_path = _cstr(bucket, "bucket"), _cstr(cos_path, "cos_path")
        local = _cpath(local_path, "local path")

        def configure(opts, callbacks):
            _check(lib.cosv4_download_options_set_resume_in_place(opts, _flag(resume_in_place)),
                   "resume_in_place")
            _check(lib.cosv4_download_options_set_skip_sha_check(opts, _flag(not check_sha)),
                   "check_sha")
            _check(lib.cosv4_download_options_set_overwrite(opts, _flag(overwrite)),
                   "overwrite")
            if progress is not None:
                _check(lib.cosv4_download_options_set_progress(opts, callbacks.wrap(
                    _DOWNLOAD_PROGRESS_CB, "progress", progress, _download_event), None),
                    "progress")

        return self._transfer(_DOWNLOAD, cancel, configure, lambda handle, opts, out, err:
                              lib.cosv4_client_download_file(handle, c_bucket, c_path, local,
                                                             opts, ctypes.byref(out),
                                                             ctypes.byref(err)))

    # -- signing --------------------------------------------------------------------------

    def sign_multi(self, bucket: str, cos_path: Optional[str] = None,
                   lifetime: int = 300) -> str:
        """A multi-effect signature (the ``Authorization`` value of v4 requests) valid for
        ``lifetime`` seconds (1 to 7776000); bound to ``cos_path`` when given."""
        c_bucket = _cstr(bucket, "bucket")
        c_path = None if cos_path is None else _cstr(cos_path, "cos_path")
        life = _check_uint(lifetime, 64, "lifetime")
        return self._sign(lambda h, buf, n, out_len: _lib().cosv4_client_sign_multi(
            h, c_bucket, c_path, life, buf, n, out_len), "sign_multi")

    def sign_once(self, bucket: str, cos_path: str) -> str:
        """A single-use signature bound to ``cos_path`` (a file, or a folder ending in '/'),
        as delete and update requests need."""
        c_bucket = _cstr(bucket, "bucket")
        c_path = _cstr(cos_path, "cos_path")
        return self._sign(lambda h, buf, n, out_len: _lib().cosv4_client_sign_once(
            h, c_bucket, c_path, buf, n, out_len), "sign_once")

    def _sign(self, call, what: str) -> str:
        # Signatures are ~120-200 bytes; grow the buffer if the library asks for more.
        size = 512
        with self._use() as handle:
            for _ in range(4):
                buf = ctypes.create_string_buffer(size)
                out_len = _SIZE(0)
                rc = call(handle, buf, size, ctypes.byref(out_len))
                if rc == Result.OK:
                    return buf.raw[:out_len.value].decode()
                if rc != Result.BUFFER_TOO_SMALL:
                    raise _error_from_code(rc, what)
                size = out_len.value + 64
            raise _error_from_code(Result.BUFFER_TOO_SMALL, what)


def _upload_buffer(lib, handle, bucket, path, data, opts, out, err) -> int:
    """cosv4_client_upload_buffer for bytes, bytearray or memoryview without a copy when the
    object exposes a contiguous buffer (bytes directly; writable buffers through from_buffer;
    read-only memoryviews are copied once)."""
    if isinstance(data, bytes):
        ptr, size = (data if data else None), len(data)
    else:
        view = memoryview(data).cast("B")  # raises for non-contiguous buffers
        size = view.nbytes
        if size == 0:
            ptr = None
        elif view.readonly:
            ptr = view.tobytes()
        else:
            # `ptr` keeps the ctypes array (and through it the buffer export) alive until the
            # call returns; while exported, a bytearray cannot be resized.
            ptr = (ctypes.c_char * size).from_buffer(view)
    return lib.cosv4_client_upload_buffer(handle, bucket, path, ptr, size, opts,
                                          ctypes.byref(out), ctypes.byref(err))


def _log_trampoline(log: Callable):
    """The C log callback around a Python callable; exceptions are dropped (a log line must
    not fail a transfer)."""

    def call(_userdata, level, message) -> None:
        try:
            log(_enum_or_int(LogLevel, level), _text(message))
        except Exception:  # noqa: BLE001 -- logging is best effort
            pass

    return call


def _upload_event(p: _CProgress) -> Progress:
    return Progress(_enum_or_int(Phase, p.phase), p.bytes_total, p.bytes_done, p.bytes_hashed,
                    p.slices_total, p.slices_done)


def _download_event(p: _CDownloadProgress) -> DownloadProgress:
    return DownloadProgress(p.bytes_total, p.bytes_done, p.bytes_resumed, bool(p.done))


def _batch_progress_event(p: _CBatchProgress) -> BatchProgress:
    return BatchProgress(p.files_done, p.files_known, p.bytes_done, p.bytes_known,
                         bool(p.walk_done), p.elapsed_ms, p.bytes_per_second,
                         None if p.eta_ms < 0 else p.eta_ms)


def _batch_file_event(e: _CBatchFileEvent) -> BatchFileEvent:
    return BatchFileEvent(_enum_or_int(BatchEventKind, e.kind), os.fsdecode(e.local_path or b""),
                          _text(e.cos_path), e.bytes, _enum_or_int(Result, e.result_code),
                          e.http_status, e.cos_code if e.has_cos_code else None,
                          _text(e.reason), e.bytes_sent)


def _take_batch_result(res: ctypes.c_void_p) -> BatchResult:
    """Copies a cosv4_batch_result into a BatchResult and frees it (exactly once)."""
    lib = _lib()
    per_item_ms = hasattr(lib, "cosv4_batch_result_elapsed_ms")
    try:
        files = []
        for i in range(lib.cosv4_batch_result_count(res)):
            has_code = bool(lib.cosv4_batch_result_has_cos_code(res, i))
            files.append(BatchFile(
                local_path=os.fsdecode(lib.cosv4_batch_result_local_path(res, i) or b""),
                cos_path=_text(lib.cosv4_batch_result_cos_path(res, i)),
                status=_enum_or_int(BatchStatus, lib.cosv4_batch_result_status(res, i)),
                bytes=lib.cosv4_batch_result_bytes(res, i),
                reason=_text(lib.cosv4_batch_result_reason(res, i)),
                result=_enum_or_int(Result, lib.cosv4_batch_result_result_code(res, i)),
                http_status=lib.cosv4_batch_result_http_status(res, i),
                cos_code=lib.cosv4_batch_result_cos_code(res, i) if has_code else None,
                elapsed_ms=lib.cosv4_batch_result_elapsed_ms(res, i) if per_item_ms else 0,
            ))
        # Counts of newer libraries (0 with older ones).
        newer = {field: getattr(lib, "cosv4_batch_result_" + name)(res)
                 for field, name in (("unchanged", "unchanged"), ("deleted", "deleted"),
                                     ("would_upload", "would_upload"),
                                     ("would_delete", "would_delete"),
                                     ("elapsed_ms", "total_elapsed_ms"))
                 if hasattr(lib, "cosv4_batch_result_" + name)}
        return BatchResult(
            uploaded=lib.cosv4_batch_result_uploaded(res),
            folders=lib.cosv4_batch_result_folders(res),
            skipped=lib.cosv4_batch_result_skipped(res),
            failed=lib.cosv4_batch_result_failed(res),
            bytes_sent=lib.cosv4_batch_result_bytes_sent(res),
            files=files,
            **newer,
        )
    finally:
        lib.cosv4_batch_result_free(res)
        res.value = None


def _trampoline(name: str, fn: Callable, failure: list, event: Callable):
    """The C callback around the Python callable `fn` named `name` (`event` converts the C
    struct), applying the module's callback rule: None goes on (0), False stops (1), any other
    value is a TypeError.

    ctypes swallows exceptions raised in a callback (it prints them and returns 0), so every
    exception is caught here, recorded in `failure` and turned into a nonzero return, which
    stops the transfer (except at the final event); the caller raises it after the C call
    returned.
    """

    def call(_userdata, c_event) -> int:
        try:
            ret = fn(event(c_event.contents))
            if ret is None:
                return 0
            if ret is False:
                return 1
            raise TypeError(f"the {name} callback returned {ret!r}: return None (or nothing) "
                            "to go on, or False to stop")
        except BaseException as e:  # noqa: BLE001 -- raised by the caller
            failure.append(e)
            return 2

    return call


class _Callbacks:
    """The Python callbacks of one call as C function pointers (kept alive for the call) and
    the first exception they raised."""

    def __init__(self):
        self.failure: list = []
        self._alive: list = []

    def wrap(self, c_type, name: str, fn: Callable, event: Callable):
        """`fn` as a `c_type` function pointer (see _trampoline)."""
        if not callable(fn):
            raise TypeError(f"{name} must be callable, not {type(fn).__name__}")
        pointer = c_type(_trampoline(name, fn, self.failure, event))
        self._alive.append(pointer)
        return pointer

    def reraise(self, kind: "_Kind", result) -> None:
        """Raises what a callback raised: as it is when it stopped the call (`result` None),
        as CallbackAfterDoneError when the call completed anyway (the final event, where a
        stop is moot). KeyboardInterrupt, SystemExit and other BaseExceptions stay what they
        are, with a note saying the call completed."""
        if not self.failure:
            return
        error = self.failure[0]
        if result is None:
            raise error
        if isinstance(error, Exception):
            raise CallbackAfterDoneError(kind.operation, kind.done, result, error) from error
        if hasattr(error, "add_note"):  # Python 3.11+
            error.add_note(f"cosv4: the {kind.operation} had completed ({kind.done})")
        raise error


@dataclasses.dataclass(frozen=True)
class _Kind:
    """The C functions of one kind of transfer (see Client._transfer)."""

    operation: str  # for messages
    done: str  # what is true once it completed, for CallbackAfterDoneError
    new_options: str
    free_options: str
    set_cancel_token: str
    take: Callable  # copies the C result into a Python value and frees it
    free_result: str


_UPLOAD = _Kind("upload", "the object is stored; do not upload it again",
                "cosv4_upload_options_new", "cosv4_upload_options_free",
                "cosv4_upload_options_set_cancel_token", _take_upload_result,
                "cosv4_upload_result_free")
_DOWNLOAD = _Kind("download", "the file is in place",
                  "cosv4_download_options_new", "cosv4_download_options_free",
                  "cosv4_download_options_set_cancel_token", _take_download_result,
                  "cosv4_download_result_free")
# The values of upload_dir(sync=...) and of keep=..., and the keywords of upload_dir that a
# list of files does not take.
_SYNC_MODES = {None: SyncMode.OFF, "checksum": SyncMode.CHECKSUM, "size-only": SyncMode.SIZE_ONLY}
_KEEP = {"all": BatchKeep.ALL, "failed": BatchKeep.FAILED}
_DIR_ONLY = frozenset({"sync", "delete", "force", "include", "exclude"})

_BATCH = _Kind("batch", "every item has ended; see .result for each",
               "cosv4_batch_options_new", "cosv4_batch_options_free",
               "cosv4_batch_options_set_cancel_token", _take_batch_result,
               "cosv4_batch_result_free")


def _upload_source(local_path, data) -> tuple:
    """(the local path as bytes, None) or (None, the content): what Client.upload was given."""
    if isinstance(local_path, (bytearray, memoryview)) and data is None:
        # Content, as before data= existed: os never takes these types as a path.
        local_path, data = None, local_path
    if local_path is not None and data is not None:
        raise TypeError("give local_path or data=, not both")
    if data is not None:
        if isinstance(data, str):
            raise TypeError("data must be bytes-like, not str (encode it first)")
        with memoryview(data):  # TypeError for an object without the buffer protocol
            pass
        return None, data
    if local_path is None:
        raise TypeError("upload needs local_path (a file) or data= (bytes in memory)")
    if not isinstance(local_path, (str, bytes, os.PathLike)):
        raise TypeError("local_path must be a path (str, bytes or os.PathLike), not "
                        f"{type(local_path).__name__}; content in memory goes in data=")
    return _cpath(local_path, "local path"), None


def _list_pair(index: int, pair) -> tuple:
    """(local path bytes, cos path bytes) of item `index` of Client.upload_list's pairs."""
    if isinstance(pair, (str, bytes, os.PathLike)) or not isinstance(pair, (tuple, list)) \
            or len(pair) != 2:
        raise TypeError(f"pairs[{index}] is {pair!r}, not a (local path, cos path) pair "
                        "(for a dict, pass d.items())")
    local, cos = pair
    if not isinstance(local, (str, bytes, os.PathLike)):
        raise TypeError(f"pairs[{index}]: the local path must be a str, bytes or "
                        f"os.PathLike, not {type(local).__name__}")
    return _cpath(local, f"pairs[{index}] local path"), _cstr(cos, f"pairs[{index}] cos path")


def _show_batch_options(method) -> None:
    """Shows the keywords of Client._batch in the signature of `method` (which passes its
    **options on to it), so that help() and editors list them."""
    own = [p for p in inspect.signature(method).parameters.values()
           if p.kind is not inspect.Parameter.VAR_KEYWORD]
    shared = [p for p in inspect.signature(Client._batch).parameters.values()
              if p.kind is inspect.Parameter.KEYWORD_ONLY]
    method.__signature__ = inspect.signature(method).replace(parameters=own + shared)


_show_batch_options(Client.upload_dir)
_show_batch_options(Client.upload_list)
