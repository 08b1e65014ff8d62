"""Tests of the Python binding (python/cosv4.py) against cosv4-emulator processes.

Environment: COSV4_EMULATOR, the path of the cosv4-emulator binary (required; the tests are
skipped without it), and COSV4_LIB, the path of libcosv4.so (else the module's own search).
Run: python3 -m unittest discover -s python/tests -v   (tests/python.rs does, from cargo test)

Objects are checked through the emulator's data directory, where it keeps each object's
content at files/<cos path> and its metadata (JSON) at meta/<cos path>.
"""

import _thread
import base64
import hashlib
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import cosv4  # noqa: E402

APPID = 1250000000
BUCKET = "pybucket"
SECRET_ID = "AKIDpythontest"
SECRET_KEY = "python-secret-key"
MIB = 1 << 20


def content(size: int, seed: int) -> bytes:
    """Deterministic test content of `size` bytes (SHA-256 in counter mode)."""
    out = bytearray()
    block = 0
    while len(out) < size:
        out += hashlib.sha256(b"%d:%d" % (seed, block)).digest() * 32  # 1 KiB per step
        block += 1
    return bytes(out[:size])


class Emulator:
    """A cosv4-emulator process on a free loopback port with a data directory of its own.

    Folders are implicit unless ``implicit_folders=False`` (the service's rule: an upload's
    parent folder must exist); most tests upload into folders they never create."""

    def __init__(self, *extra_args: str, implicit_folders: bool = True):
        exe = os.environ["COSV4_EMULATOR"]
        if implicit_folders:
            extra_args = ("--implicit-folders", *extra_args)
        self.data_dir = tempfile.mkdtemp(prefix="cosv4-py-emu-")
        self.proc = subprocess.Popen(
            [exe, "--listen", "127.0.0.1:0", "--appid", str(APPID), "--bucket", BUCKET,
             "--secret-id", SECRET_ID, "--secret-key", SECRET_KEY, "--data-dir", self.data_dir,
             *extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline().strip()
        prefix = "listening on "
        if not line.startswith(prefix):
            self.stop()
            raise RuntimeError(f"the emulator did not start: {line!r}")
        self.base_url = line[len(prefix):]
        # Keep draining stdout so that the emulator can never block on a full pipe.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def object(self, cos_path: str):
        """The stored content of an object, or None."""
        try:
            with open(os.path.join(self.data_dir, "files", cos_path.lstrip("/")), "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def meta(self, cos_path: str) -> dict:
        with open(os.path.join(self.data_dir, "meta", cos_path.lstrip("/"))) as f:
            return json.load(f)

    def client(self, **settings) -> cosv4.Client:
        settings.setdefault("endpoint", self.base_url)
        # Few, fast retries: a test of a failure fails in seconds, not after the library's
        # 60 s retry window.
        settings.setdefault("retries", 3)
        settings.setdefault("retry_window", 10)
        return cosv4.Client(APPID, SECRET_ID, settings.pop("secret_key", SECRET_KEY), **settings)


fast: Emulator = None  # type: ignore[assignment]
slow: Emulator = None  # type: ignore[assignment]
work_dir = ""


def setUpModule():
    global fast, slow, work_dir, HAVE_OBJECTS
    HAVE_OBJECTS = all(have(n) for n in ("cosv4_client_stat", "cosv4_client_list",
                                          "cosv4_client_delete", "cosv4_client_download_file"))
    if not os.environ.get("COSV4_EMULATOR"):
        raise unittest.SkipTest("COSV4_EMULATOR is not set (path of the cosv4-emulator binary)")
    work_dir = tempfile.mkdtemp(prefix="cosv4-py-")
    fast = Emulator()
    # Every slice answered after 50 ms: uploads long enough to interrupt.
    slow = Emulator("--fault-delay-ms", "50")


def tearDownModule():
    for emu in (fast, slow):
        if emu is not None:
            emu.stop()
    shutil.rmtree(work_dir, ignore_errors=True)


def have(name: str) -> bool:
    """Whether the loaded library has a function of the newer C API."""
    return hasattr(cosv4._lib(), name)


HAVE_OBJECTS = False  # set in setUpModule


def local_file(name: str, data: bytes) -> str:
    path = os.path.join(work_dir, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


class ModuleTest(unittest.TestCase):
    def test_version_and_codes(self):
        self.assertRegex(cosv4.version(), r"^\d+\.\d+\.\d+")
        self.assertEqual(cosv4.result_name(401), "COSV4_RESULT_AUTH")
        self.assertEqual(cosv4.result_name(12345), "COSV4_RESULT_UNKNOWN")
        self.assertTrue(cosv4.strerror(0))
        self.assertTrue(os.path.exists(cosv4.library_path()))


class UploadTest(unittest.TestCase):
    def setUp(self):
        self.client = fast.client(slice_size=524288)

    def tearDown(self):
        self.client.close()

    def check(self, cos_path: str, data: bytes, result: cosv4.UploadResult):
        stored = fast.object(cos_path)
        self.assertIsNotNone(stored, cos_path)
        self.assertEqual(len(stored), len(data))
        self.assertTrue(stored == data, f"{cos_path}: content differs")
        self.assertEqual(result.bytes_total, len(data))
        # resource_path is percent-encoded as in the service's answer.
        self.assertEqual(urllib.parse.unquote(result.resource_path),
                         f"/{APPID}/{BUCKET}{cos_path}")
        self.assertIn(cos_path.rsplit("/", 1)[1], urllib.parse.unquote(result.access_url))
        if HAVE_OBJECTS:  # and through the service: size and SHA-1
            st = self.client.stat(BUCKET, cos_path)
            self.assertEqual((st.filesize, st.filelen), (len(data), len(data)))
            self.assertEqual(st.sha, hashlib.sha1(data).hexdigest())

    def test_bytes_of_each_kind(self):
        for name, source in [("empty", b""), ("small", b"hello, cos"),
                             ("bytearray", bytearray(content(70_000, 1))),
                             ("memoryview", memoryview(content(50_000, 2))),
                             ("readonly", memoryview(b"read-only view"))]:
            with self.subTest(name):
                path = f"/py/bytes/{name}.bin"
                result = self.client.upload(BUCKET, path, data=source)
                self.check(path, bytes(source), result)
                self.assertEqual(result.method, cosv4.Method.SIMPLE)
                self.assertFalse(result.resumed)

    def test_bytes_local_path_is_a_path_not_content(self):
        """Issue 15.1: bytes in the file argument is a path, as for os; content goes in
        data=; bytearray and memoryview (never paths for os) are still taken as content."""
        data = content(5000, 41)
        path = local_file("bytes-path.bin", data)
        result = self.client.upload(BUCKET, "/py/bytes-path.bin", os.fsencode(path))
        self.check("/py/bytes-path.bin", data, result)
        # A name that is not UTF-8 (bytes only) is a file name too.
        odd = os.path.join(os.fsencode(work_dir), b"odd-\xff.bin")
        with open(odd, "wb") as f:
            f.write(b"odd name")
        self.client.upload(BUCKET, "/py/odd-name.bin", odd)
        self.assertEqual(fast.object("/py/odd-name.bin"), b"odd name")
        # Bytes that name no file: the file is missing, nothing is stored.
        with self.assertRaises(cosv4.LocalIOError):
            self.client.upload(BUCKET, "/py/not-content.bin", b"just some text")
        self.assertIsNone(fast.object("/py/not-content.bin"))
        # Content: data= only (bytes-like); a compatible bytearray or memoryview positional.
        self.client.upload(BUCKET, "/py/data-kw.bin", data=b"in memory")
        self.assertEqual(fast.object("/py/data-kw.bin"), b"in memory")
        self.client.upload(BUCKET, "/py/bytearray-pos.bin", bytearray(b"still content"))
        self.assertEqual(fast.object("/py/bytearray-pos.bin"), b"still content")
        for name, call in [
            ("both", lambda: self.client.upload(BUCKET, "/py/x.bin", path, data=b"x")),
            ("neither", lambda: self.client.upload(BUCKET, "/py/x.bin")),
            ("str data", lambda: self.client.upload(BUCKET, "/py/x.bin", data="text")),
            ("path as data", lambda: self.client.upload(BUCKET, "/py/x.bin",
                                                         data=__import__("pathlib").Path(path))),
            ("int path", lambda: self.client.upload(BUCKET, "/py/x.bin", 42)),
        ]:
            with self.subTest(name):
                with self.assertRaises(TypeError):
                    call()
        self.assertIsNone(fast.object("/py/x.bin"))

    def test_files_simple_and_sliced(self):
        for size in (0, 1000, 9 * MIB + 12345):
            with self.subTest(size=size):
                data = content(size, size)
                path = f"/py/file/{size}.bin"
                started = time.monotonic()
                result = self.client.upload(BUCKET, path, local_file(f"f{size}", data),
                                            biz_attr="from python é")
                print(f"\n  upload {size} B: {time.monotonic() - started:.2f}s", end=" ",
                      file=sys.stderr)
                self.check(path, data, result)
                self.assertEqual(fast.meta(path)["biz_attr"], "from python é")
                if size > 8 * MIB:
                    self.assertEqual(result.method, cosv4.Method.SLICES)
                    self.assertEqual(result.slice_size, 524288)
                    self.assertEqual(result.slices_total, (size + 524287) // 524288)
                    self.assertEqual(result.slices_sent, result.slices_total)
                    if have("cosv4_upload_result_requests"):
                        # init + data slices + finish at least
                        self.assertGreaterEqual(result.requests, result.slices_total + 2)

    def test_path_like_and_unicode_names(self):
        import pathlib
        data = content(3000, 7)
        path = "/py/路径/name with space.txt"
        result = self.client.upload(BUCKET, path, pathlib.Path(local_file("p ü.bin", data)))
        self.check(path, data, result)

    def test_overwrite(self):
        path = "/py/overwrite.txt"
        self.client.upload(BUCKET, path, data=b"first")
        # The same content again is fine; other content is refused unless overwrite=True.
        self.client.upload(BUCKET, path, data=b"first")
        with self.assertRaises(cosv4.ObjectExistsError) as cm:
            self.client.upload(BUCKET, path, data=b"second")
        self.assertEqual(cm.exception.cos_code, -177)
        self.assertEqual(cm.exception.name, "COSV4_RESULT_FILE_EXISTS")
        self.client.upload(BUCKET, path, data=b"second", overwrite=True)
        self.assertEqual(fast.object(path), b"second")

    def test_threads_share_one_client(self):
        errors = []

        def run(i):
            try:
                self.client.upload(BUCKET, f"/py/thread-{i}.bin",
                                   data=content(100_000 + i, 100 + i))
            except Exception as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        for i in range(4):
            self.assertEqual(fast.object(f"/py/thread-{i}.bin"), content(100_000 + i, 100 + i))

    def test_progress_is_monotonic_and_ends_with_done(self):
        data = content(2 * MIB + 100, 3)
        events = []
        result = self.client.upload(BUCKET, "/py/progress.bin", local_file("progress", data),
                                    progress=events.append)
        self.check("/py/progress.bin", data, result)
        self.assertGreater(len(events), 2)
        for a, b in zip(events, events[1:]):
            for field in ("phase", "bytes_done", "bytes_hashed", "slices_done"):
                self.assertLessEqual(getattr(a, field), getattr(b, field), (a, b))
        self.assertIn(cosv4.Phase.HASHING, {e.phase for e in events})
        last = events[-1]
        self.assertEqual(last.phase, cosv4.Phase.DONE)
        self.assertEqual((last.bytes_done, last.bytes_total), (len(data), len(data)))
        self.assertEqual(last.slices_done, last.slices_total)
        self.assertEqual([e.phase for e in events].count(cosv4.Phase.DONE), 1)

    def test_progress_false_aborts(self):
        calls = []

        def stop(p):
            calls.append(p)
            return False

        with self.assertRaises(cosv4.AbortedError) as cm:
            self.client.upload(BUCKET, "/py/aborted.bin", data=content(2 * MIB, 4), progress=stop)
        e = cm.exception
        self.assertEqual(e.code, cosv4.Result.ABORTED_BY_CALLBACK)
        self.assertEqual(e.name, "COSV4_RESULT_ABORTED_BY_CALLBACK")
        self.assertNotEqual(e.callback_value, 0)
        self.assertEqual(len(calls), 1)
        self.assertIsNone(fast.object("/py/aborted.bin"))

    def test_progress_exception_is_reraised(self):
        def boom(p):
            raise ValueError("from the callback")

        with self.assertRaisesRegex(ValueError, "from the callback"):
            self.client.upload(BUCKET, "/py/boom.bin", data=b"x" * 1000, progress=boom)
        self.assertIsNone(fast.object("/py/boom.bin"))
        # None (no return) goes on.
        self.client.upload(BUCKET, "/py/none.bin", data=b"x", progress=lambda p: None)
        self.assertEqual(fast.object("/py/none.bin"), b"x")

    def test_progress_return_values(self):
        """Issue 15.3: None goes on, False stops; any other value (C's 1, "stop", True, 0) is
        a TypeError that stops the upload, never silently ignored or read the C way."""
        for i, value in enumerate((True, 1, 0, "stop", "", [], 2.5)):
            with self.subTest(value=value):
                path = f"/py/ret-{i}.bin"
                with self.assertRaises(TypeError) as cm:
                    self.client.upload(BUCKET, path, data=content(2 * MIB, 5),
                                       progress=lambda p, v=value: v)
                self.assertIn(repr(value), str(cm.exception))
                self.assertIn("False to stop", str(cm.exception))
                self.assertIsNone(fast.object(path))

    def test_final_event_cannot_stop_and_its_exception_says_stored(self):
        """Issue 15.2: at the final event the object is stored: False there changes nothing,
        and an exception comes out as CallbackAfterDoneError carrying the result."""
        data = content(3000, 42)
        seen = []

        def last_says_stop(p):
            seen.append(p.phase)
            return False if p.phase == cosv4.Phase.DONE else None

        result = self.client.upload(BUCKET, "/py/final-false.bin", data=data,
                                    progress=last_says_stop)
        self.check("/py/final-false.bin", data, result)
        self.assertEqual(seen[-1], cosv4.Phase.DONE)

        def fail_at_done(p):
            if p.phase == cosv4.Phase.DONE:
                raise ValueError("late failure")

        with self.assertRaises(cosv4.CallbackAfterDoneError) as cm:
            self.client.upload(BUCKET, "/py/final-raise.bin", data=data, progress=fail_at_done)
        e = cm.exception
        self.assertNotIsInstance(e, cosv4.Cosv4Error)
        self.assertIsInstance(e.error, ValueError)
        self.assertIs(e.__cause__, e.error)
        self.assertEqual(e.operation, "upload")
        self.assertIn("stored", str(e))
        self.assertIn("late failure", str(e))
        self.check("/py/final-raise.bin", data, e.result)
        # A retry is not needed, and an identical one is harmless.
        self.client.upload(BUCKET, "/py/final-raise.bin", data=data)

        # A wrong return value at the final event is reported the same way.
        with self.assertRaises(cosv4.CallbackAfterDoneError) as cm:
            self.client.upload(BUCKET, "/py/final-ret.bin", data=data,
                               progress=lambda p: 1 if p.phase == cosv4.Phase.DONE else None)
        self.assertIsInstance(cm.exception.error, TypeError)
        self.assertEqual(fast.object("/py/final-ret.bin"), data)

    def test_wrong_secret_key_is_auth_error(self):
        with fast.client(secret_key="wrong-key") as bad:
            with self.assertRaises(cosv4.AuthError) as cm:
                bad.upload(BUCKET, "/py/denied.bin", data=b"nope")
        e = cm.exception
        self.assertIsInstance(e, cosv4.Cosv4Error)
        self.assertEqual((e.code, e.name), (401, "COSV4_RESULT_AUTH"))
        self.assertEqual(e.http_status, 403)
        self.assertEqual(e.cos_code, -97)
        self.assertTrue(e.message)
        self.assertIn("-97", str(e))
        self.assertIsNone(fast.object("/py/denied.bin"))

    def test_invalid_arguments_are_usage_errors(self):
        c = self.client
        for name, call in [
            ("relative path", lambda: c.upload(BUCKET, "no-slash", data=b"x")),
            ("folder path", lambda: c.upload(BUCKET, "/dir/", data=b"x")),
            ("empty bucket", lambda: c.upload("", "/x", data=b"x")),
            ("NUL in path", lambda: c.upload(BUCKET, "/a\0b", data=b"x")),
            ("NUL in local path", lambda: c.upload(BUCKET, "/x", "a\0b")),
            ("lone surrogate", lambda: c.upload(BUCKET, "/\udc80", data=b"x")),
            ("lifetime 0", lambda: c.sign_multi(BUCKET, None, 0)),
            ("negative lifetime", lambda: c.sign_multi(BUCKET, None, -1)),
            ("sign bad path", lambda: c.sign_once(BUCKET, "x")),
            ("slice size", lambda: fast.client(slice_size=12345)),
            ("workers 0", lambda: fast.client(workers=0)),
            ("workers -1", lambda: fast.client(workers=-1)),
            ("workers 2**40", lambda: fast.client(workers=2 ** 40)),
            ("retries", lambda: fast.client(retries=101)),
            ("retry window", lambda: fast.client(retry_window=86401)),
            ("negative retry window", lambda: fast.client(retry_window=-1)),
            ("no endpoint", lambda: cosv4.Client(APPID, SECRET_ID, SECRET_KEY)),
            ("bad endpoint", lambda: cosv4.Client(APPID, SECRET_ID, SECRET_KEY,
                                                  endpoint="ftp://x")),
            ("bad region", lambda: cosv4.Client(APPID, SECRET_ID, SECRET_KEY,
                                                region="Not A Region")),
            ("appid 0", lambda: cosv4.Client(0, SECRET_ID, SECRET_KEY, region="gz")),
            ("empty secret", lambda: cosv4.Client(APPID, "", SECRET_KEY, region="gz")),
            ("stall timeout", lambda: fast.client(stall_timeout=0)),
            ("infinite timeout", lambda: fast.client(connect_timeout=float("inf"))),
            ("NaN retry window", lambda: fast.client(retry_window=float("nan"))),
        ]:
            with self.subTest(name):
                with self.assertRaises(cosv4.UsageError) as cm:
                    call()
                self.assertTrue(100 <= cm.exception.code < 200, cm.exception)
                self.assertTrue(cm.exception.name.startswith("COSV4_RESULT_"))
        with self.assertRaises(TypeError):
            fast.client(log=5)  # not callable: refused, not swallowed at every log line
        with self.assertRaises(TypeError):
            c.update(BUCKET, "/x", custom_headers=[("a", "b")])
        with self.assertRaises(TypeError):
            c.upload(BUCKET, "/x", 42)
        with self.assertRaises(TypeError):
            c.upload(BUCKET, "/x", data=b"x", progress="not callable")
        with self.assertRaises(cosv4.LocalIOError):
            c.upload(BUCKET, "/py/missing.bin", os.path.join(work_dir, "does-not-exist"))

    def test_closed_client_and_token(self):
        c = fast.client()
        c.close()
        c.close()  # idempotent
        with self.assertRaises(cosv4.UsageError):
            c.upload(BUCKET, "/py/closed.bin", data=b"x")
        token = cosv4.CancelToken()
        token.close()
        with self.assertRaises(cosv4.UsageError):
            self.client.upload(BUCKET, "/py/closed.bin", data=b"x", cancel=token)
        self.assertFalse(token.cancelled)

    def test_signatures(self):
        multi = self.client.sign_multi(BUCKET)
        bound = self.client.sign_multi(BUCKET, "/py/a.txt", lifetime=60)
        once = self.client.sign_once(BUCKET, "/py/a.txt")
        for sig in (multi, bound, once):
            raw = base64.b64decode(sig, validate=True)
            # 20 bytes of HMAC-SHA1, then the plaintext.
            plain = raw[20:].decode()
            self.assertTrue(plain.startswith(f"a={APPID}&k={SECRET_ID}&"), plain)
            self.assertIn(f"&b={BUCKET}", plain)
        self.assertIn("&e=0&", base64.b64decode(once)[20:].decode())
        self.assertIn(f"&f=/{APPID}/{BUCKET}/py/a.txt", base64.b64decode(once)[20:].decode())


class FolderRuleTest(unittest.TestCase):
    """Tests against an emulator of their own with the service's folder rule (a file's folder
    must exist), skipped when the library lacks the function ``NEEDS``."""

    NEEDS = ""

    @classmethod
    def setUpClass(cls):
        if not have(cls.NEEDS):
            raise unittest.SkipTest(f"the library has no {cls.NEEDS} yet")
        cls.emu = Emulator(implicit_folders=False)

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()


class BatchTest(FolderRuleTest):
    """Client.upload_dir."""

    NEEDS = "cosv4_client_upload_dir"

    def tree(self, name: str) -> str:
        root = os.path.join(work_dir, name)
        os.makedirs(os.path.join(root, "sub", "deeper"))
        os.makedirs(os.path.join(root, "empty"))
        # Content of its own per tree: a tree of the same bytes that an earlier test's stopped
        # batch stored in part would make these uploads instant ones (no bytes sent).
        seed = zlib.crc32(name.encode())
        files = {"a.txt": content(100, seed + 1), "sub/ü b.bin": content(300_000, seed + 2),
                 "sub/deeper/c.txt": content(40, seed + 3)}
        for rel, data in files.items():
            with open(os.path.join(root, rel), "wb") as f:
                f.write(data)
        return root, files

    def test_upload_dir(self):
        root, files = self.tree("batch-tree")
        events, progress = [], []
        with self.emu.client(slice_size=524288, simple_threshold=65536) as c:
            result = c.upload_dir(BUCKET, root, "/pyb/", jobs=2, max_requests=3,
                                  progress=progress.append, on_file=events.append)
        self.assertIsInstance(result, cosv4.BatchResult)
        self.assertEqual((result.uploaded, result.folders, result.skipped, result.failed),
                         (3, 1, 0, 0))
        self.assertEqual(result.bytes_sent, sum(len(d) for d in files.values()))
        by_path = {f.cos_path: f for f in result.files}
        self.assertEqual(set(by_path), {"/pyb/a.txt", "/pyb/sub/ü b.bin",
                                        "/pyb/sub/deeper/c.txt", "/pyb/empty/"})
        self.assertEqual(by_path["/pyb/empty/"].status, cosv4.BatchStatus.FOLDER)
        for rel, data in files.items():
            f = by_path["/pyb/" + rel]
            self.assertIs(f.status, cosv4.BatchStatus.UPLOADED)
            self.assertEqual((f.bytes, f.reason, f.result), (len(data), "", cosv4.Result.OK))
            self.assertEqual(f.local_path, os.path.join(root, rel))
            self.assertEqual(self.emu.object("/pyb/" + rel), data)
        kinds = [e.kind for e in events]
        self.assertEqual(kinds.count(cosv4.BatchEventKind.STARTED), 3)
        self.assertEqual(kinds.count(cosv4.BatchEventKind.DONE), 4)
        self.assertEqual(sum(e.bytes_sent for e in events), result.bytes_sent)
        self.assertGreaterEqual(result.elapsed_ms, max(f.elapsed_ms for f in result.files))
        if progress:
            self.assertTrue(all(isinstance(p, cosv4.BatchProgress) for p in progress))
            # No time left is promised before the total is known; the last report has none.
            self.assertTrue(all(p.eta_ms is None for p in progress if not p.walk_done))
            last = progress[-1]
            self.assertEqual(last.eta_ms, 0)
            self.assertGreater(last.bytes_per_second, 0)
            self.assertLessEqual(last.elapsed_ms, result.elapsed_ms)
            elapsed = [p.elapsed_ms for p in progress]
            self.assertEqual(elapsed, sorted(elapsed))

        # An existing object with other content fails that file only (overwrite=False).
        with open(os.path.join(root, "a.txt"), "wb") as f:
            f.write(b"other content")
        with self.emu.client() as c:
            again = c.upload_dir(BUCKET, root, "/pyb/")
            self.assertEqual(again.failed, 1)
            failed = [f for f in again.files if f.status is cosv4.BatchStatus.FAILED]
            self.assertEqual(failed[0].cos_path, "/pyb/a.txt")
            self.assertEqual(failed[0].result, cosv4.Result.FILE_EXISTS)
            self.assertTrue(failed[0].reason)
            c.upload_dir(BUCKET, root, "/pyb/", overwrite=True)
        self.assertEqual(self.emu.object("/pyb/a.txt"), b"other content")

    def test_callbacks_stop_and_raise(self):
        root, _ = self.tree("batch-stop")
        with self.emu.client() as c:
            with self.assertRaises(cosv4.AbortedError):
                c.upload_dir(BUCKET, root, "/pys/", on_file=lambda e: False)

            def boom(e):
                raise ValueError("from on_file")

            with self.assertRaisesRegex(ValueError, "from on_file"):
                c.upload_dir(BUCKET, root, "/pys/", on_file=boom)
            with self.assertRaises(cosv4.UsageError):
                c.upload_dir(BUCKET, root, "/pys/", jobs=0)
            # The callback rule of the module (issue 15.3): C's 1 is a TypeError, not ignored.
            for name in ("on_file", "progress"):
                with self.subTest(name):
                    with self.assertRaisesRegex(TypeError, "returned 1"):
                        c.upload_dir(BUCKET, root, "/pys/", **{name: lambda e: 1})
            with self.assertRaises(cosv4.CancelledError):
                with cosv4.CancelToken() as token:
                    token.cancel()
                    c.upload_dir(BUCKET, root, "/pys/", cancel=token)


class BatchListTest(FolderRuleTest):
    """Client.upload_list (issue 12, the list form). Skipped only when the library lacks
    cosv4_client_upload_list."""

    NEEDS = "cosv4_client_upload_list"

    def test_upload_list(self):
        import pathlib
        files = {"/pyl/a.txt": content(100, 51), "/pyl/deep/er/ü b.bin": content(300_000, 52),
                 "/pyl/deep/zero.bin": b""}
        pairs = []
        for i, (cos, data) in enumerate(files.items()):
            local = local_file(f"list-{i}.bin", data)
            # Each kind of local path: str, bytes, os.PathLike.
            pairs.append(((local, os.fsencode(local), pathlib.Path(local))[i], cos))
        missing = os.path.join(work_dir, "list-missing.bin")
        events, progress = [], []
        with self.emu.client(slice_size=524288, simple_threshold=65536) as c:
            # A generator is fine: the pairs are read once.
            result = c.upload_list(BUCKET, (p for p in pairs + [(missing, "/pyl/missing.bin")]),
                                   jobs=2, progress=progress.append, on_file=events.append)
        self.assertIsInstance(result, cosv4.BatchResult)
        self.assertEqual((result.uploaded, result.skipped, result.failed), (3, 0, 1))
        by_path = {f.cos_path: f for f in result.files}
        for cos, data in files.items():
            self.assertIs(by_path[cos].status, cosv4.BatchStatus.UPLOADED)
            self.assertEqual(by_path[cos].bytes, len(data))
            self.assertTrue(self.emu.object(cos) == data, cos)
        failed = by_path["/pyl/missing.bin"]
        self.assertIs(failed.status, cosv4.BatchStatus.FAILED)
        self.assertEqual(failed.result, cosv4.Result.LOCAL_IO)
        self.assertEqual(failed.local_path, missing)
        self.assertIsNone(self.emu.object("/pyl/missing.bin"))
        self.assertTrue(all(isinstance(e, cosv4.BatchFileEvent) for e in events))
        failed_events = [e for e in events if e.kind is cosv4.BatchEventKind.FAILED]
        self.assertEqual([(e.cos_path, e.result) for e in failed_events],
                         [("/pyl/missing.bin", cosv4.Result.LOCAL_IO)])
        self.assertEqual(failed_events[0].reason, failed.reason)
        self.assertIn("No such file", failed.reason)
        self.assertTrue(all(isinstance(p, cosv4.BatchProgress) for p in progress))

    def test_bad_pairs_and_shared_options(self):
        src = local_file("list-src.bin", b"list")
        with self.emu.client() as c:
            for name, pairs in [("a str", "abc"), ("a dict", {src: "/pyl/x.bin"}),
                                ("a lone path", [src]), ("three items", [(src, "/a", "/b")]),
                                ("int local path", [(3, "/pyl/x.bin")]),
                                ("bytes cos path", [(src, b"/pyl/x.bin")])]:
                with self.subTest(name):
                    with self.assertRaises(TypeError):
                        c.upload_list(BUCKET, pairs)
            with self.assertRaises(cosv4.UsageError):
                c.upload_list(BUCKET, [(src, "/pyl/x.bin")], jobs=0)
            with self.assertRaises(TypeError):
                c.upload_list(BUCKET, [(src, "/pyl/x.bin")], no_such_option=1)
            # A pair the library refuses: its sentence, naming the pair.
            with self.assertRaisesRegex(cosv4.UsageError, r"pairs\[1\] .*already"):
                c.upload_list(BUCKET, [(src, "/pyl/x.bin"), (src, "/pyl/x.bin")])
            with self.assertRaises(cosv4.AbortedError):
                c.upload_list(BUCKET, [(src, "/pyl/x.bin")], on_file=lambda e: False)
            with self.assertRaisesRegex(TypeError, "returned 'stop'"):
                c.upload_list(BUCKET, [(src, "/pyl/y.bin")], on_file=lambda e: "stop")
            with self.assertRaises(cosv4.CancelledError):
                with cosv4.CancelToken() as token:
                    token.cancel()
                    c.upload_list(BUCKET, [(src, "/pyl/x.bin")], cancel=token)
            self.assertEqual(c.upload_list(BUCKET, {src: "/pyl/x.bin"}.items()).uploaded, 1)
        self.assertEqual(self.emu.object("/pyl/x.bin"), b"list")


class ParentsTest(FolderRuleTest):
    """create_parents."""

    NEEDS = "cosv4_upload_options_set_create_parents"

    def test_create_parents(self):
        with self.emu.client() as c:
            with self.assertRaises(cosv4.ServiceError) as cm:
                c.upload(BUCKET, "/new/dir/a.txt", data=b"abc")
            self.assertEqual(cm.exception.cos_code, -197)
            self.assertIsNone(self.emu.object("/new/dir/a.txt"))
            result = c.upload(BUCKET, "/new/dir/a.txt", data=b"abc", create_parents=True)
            self.assertEqual(self.emu.object("/new/dir/a.txt"), b"abc")
            if have("cosv4_upload_result_requests"):
                # stat /new/dir/, stat /new/, create both, upload
                self.assertEqual(result.requests, 5)
            # The folders exist now: plain uploads go in, and so does a sliced one.
            c.upload(BUCKET, "/new/dir/b.txt", data=b"def")
            data = content(9 * MIB, 9)
            result = c.upload(BUCKET, "/new/dir/deeper/big.bin", local_file("parents", data),
                              create_parents=True)
            self.assertEqual(result.method, cosv4.Method.SLICES)
            self.assertTrue(self.emu.object("/new/dir/deeper/big.bin") == data)
            if HAVE_OBJECTS:
                self.assertTrue(c.stat(BUCKET, "/new/dir/deeper/").is_folder)


class ObjectsTest(unittest.TestCase):
    """stat, list, delete, folders, move, copy, update, download (newer C API)."""

    def setUp(self):
        if not HAVE_OBJECTS:
            self.skipTest("the library has no object operations yet")
        self.client = fast.client()

    def tearDown(self):
        self.client.close()

    def test_stat_list_folders_move_copy_delete(self):
        c = self.client
        c.create_folder(BUCKET, "/objs/", biz_attr="folder attr")
        with self.assertRaises(cosv4.ServiceError) as cm:
            c.create_folder(BUCKET, "/objs/")
        self.assertEqual(cm.exception.cos_code, -178)
        folder = c.stat(BUCKET, "/objs/")
        self.assertTrue(folder.is_folder)
        self.assertEqual(folder.biz_attr, "folder attr")
        for i in range(5):
            c.upload(BUCKET, f"/objs/f{i}.txt", data=b"x" * i)
        c.create_folder(BUCKET, "/objs/sub/")

        names = sorted((e.name, e.is_folder, e.size) for e in c.list(BUCKET, "/objs/", num=2))
        self.assertEqual(names, [(f"f{i}.txt", False, i) for i in range(5)] + [("sub", True, 0)])
        page = c.list_page(BUCKET, "/objs/", num=2)
        self.assertEqual(len(page.entries), 2)
        self.assertFalse(page.listover)
        self.assertTrue(page.context)
        self.assertEqual([e.name for e in c.list(BUCKET, "/objs/", prefix="f1")], ["f1.txt"])

        c.move(BUCKET, "/objs/f1.txt", "/objs/moved.txt")
        self.assertFalse(c.exists(BUCKET, "/objs/f1.txt"))
        self.assertEqual(fast.object("/objs/moved.txt"), b"x")
        with self.assertRaises(cosv4.ObjectExistsError):
            c.move(BUCKET, "/objs/f2.txt", "/objs/moved.txt")
        c.move(BUCKET, "/objs/f2.txt", "/objs/moved.txt", overwrite=True)
        self.assertEqual(fast.object("/objs/moved.txt"), b"xx")
        c.copy(BUCKET, "/objs/moved.txt", "/objs/copied.txt")
        self.assertEqual(fast.object("/objs/copied.txt"), b"xx")

        with self.assertRaises(cosv4.ServiceError) as cm:
            c.delete(BUCKET, "/objs/")  # not empty
        self.assertEqual(cm.exception.cos_code, -173)
        c.delete(BUCKET, "/objs/copied.txt")
        self.assertFalse(c.exists(BUCKET, "/objs/copied.txt"))
        with self.assertRaises(cosv4.ServiceError) as cm:
            c.stat(BUCKET, "/objs/copied.txt")
        self.assertEqual(cm.exception.cos_code, -197)
        with self.assertRaises(cosv4.UsageError):
            c.delete(BUCKET, "/")

    def test_update(self):
        c = self.client
        c.upload(BUCKET, "/upd/a.txt", data=b"update me", biz_attr="before")
        c.update(BUCKET, "/upd/a.txt", biz_attr="after", authority=cosv4.Authority.PUBLIC_READ,
                 custom_headers={"Content-Type": "text/plain", "x-cos-meta-k": "v"})
        st = c.stat(BUCKET, "/upd/a.txt")
        self.assertEqual(st.biz_attr, "after")
        self.assertEqual(st.authority, "eWPrivateRPublic")
        self.assertEqual(st.custom_headers, {"Content-Type": "text/plain", "x-cos-meta-k": "v"})
        c.update(BUCKET, "/upd/a.txt", custom_headers={})
        self.assertEqual(c.stat(BUCKET, "/upd/a.txt").custom_headers, {})
        with self.assertRaises(cosv4.UsageError):
            c.update(BUCKET, "/upd/a.txt")  # nothing to change
        with self.assertRaises(cosv4.UsageError):
            c.update(BUCKET, "/upd/a.txt", custom_headers={"X-Bogus": "1"})

    def test_download_and_download_url(self):
        data = content(3 * MIB + 7, 30)
        self.client.upload(BUCKET, "/dl/data.bin", data=data)
        target = os.path.join(work_dir, "downloaded.bin")
        events = []
        result = self.client.download(BUCKET, "/dl/data.bin", target, progress=events.append)
        with open(target, "rb") as f:
            self.assertTrue(f.read() == data)
        self.assertEqual((result.bytes_total, result.bytes_received), (len(data), len(data)))
        self.assertEqual(result.sha, hashlib.sha1(data).hexdigest())
        self.assertTrue(events and events[-1].done)
        for a, b in zip(events, events[1:]):
            self.assertLessEqual(a.bytes_done, b.bytes_done)

        url = self.client.download_url(BUCKET, "/dl/data.bin", lifetime=60)
        self.assertIn("sign=", url)
        with urllib.request.urlopen(url, timeout=10) as answer:
            self.assertTrue(answer.read() == data)

        with self.assertRaises(cosv4.AbortedError):
            self.client.download(BUCKET, "/dl/data.bin", os.path.join(work_dir, "stop.bin"),
                                 progress=lambda p: False)
        with self.assertRaises(cosv4.ServiceError) as cm:
            self.client.download(BUCKET, "/dl/missing.bin", os.path.join(work_dir, "m.bin"))
        self.assertEqual(cm.exception.cos_code, -197)

    def test_download_final_event(self):
        """Issues 15.2 and 15.3 for downloads: the final event (done) cannot stop anything; an
        exception there is CallbackAfterDoneError with the file in place; a wrong return value
        is a TypeError."""
        self.client.upload(BUCKET, "/dl/final.bin", data=b"final event")
        target = os.path.join(work_dir, "final.bin")

        def fail_when_done(p):
            if p.done:
                raise RuntimeError("after the end")

        with self.assertRaises(cosv4.CallbackAfterDoneError) as cm:
            self.client.download(BUCKET, "/dl/final.bin", target, progress=fail_when_done)
        self.assertEqual(cm.exception.operation, "download")
        self.assertIsInstance(cm.exception.error, RuntimeError)
        self.assertEqual(cm.exception.result.bytes_total, len(b"final event"))
        with open(target, "rb") as f:
            self.assertEqual(f.read(), b"final event")
        other = os.path.join(work_dir, "final-ret.bin")
        with self.assertRaisesRegex(TypeError, "returned True"):
            self.client.download(BUCKET, "/dl/final.bin", other, progress=lambda p: True)
        self.assertFalse(os.path.exists(other))

    def test_download_keeps_an_existing_file_unless_overwrite(self):
        self.client.upload(BUCKET, "/dl/new.txt", data=b"new content")
        target = os.path.join(work_dir, "important.txt")
        with open(target, "wb") as f:
            f.write(b"my notes")
        for in_place in (True, False):
            with self.assertRaises(cosv4.UsageError) as cm:
                self.client.download(BUCKET, "/dl/new.txt", target, resume_in_place=in_place)
            self.assertIn("overwrite", str(cm.exception))
            with open(target, "rb") as f:
                self.assertEqual(f.read(), b"my notes")
        result = self.client.download(BUCKET, "/dl/new.txt", target, resume_in_place=True,
                                      overwrite=True)
        self.assertEqual(result.bytes_resumed, 0)
        with open(target, "rb") as f:
            self.assertEqual(f.read(), b"new content")
        self.assertFalse(os.path.exists(target + ".part"))

    def test_log_callback(self):
        lines = []
        with fast.client(log=lambda level, msg: lines.append((level, msg)),
                         log_level=cosv4.LogLevel.DEBUG) as c:
            c.upload(BUCKET, "/log/a.txt", data=b"logged")
        self.assertTrue(lines)
        self.assertTrue(all(isinstance(level, cosv4.LogLevel) for level, _ in lines))
        self.assertFalse(any(SECRET_KEY in msg for _, msg in lines))


class FakeListServer:
    """A fake COS server on 127.0.0.1 that answers op=list by the request's context from
    ``script`` ({context asked: (context answered, listover)}). After 20 requests, or for an
    unknown context, it answers a COS error, so a client that keeps paging stops."""

    MAX_REQUESTS = 20

    def __init__(self, script: dict):
        self.contexts = []  # of each request, in order
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query,
                                              keep_blank_values=True)
                context = query.get("context", [""])[0]
                fake.contexts.append(context)
                n = len(fake.contexts)
                if n > FakeListServer.MAX_REQUESTS or context not in script:
                    answer = {"code": -1, "message": "fake server: no such page"}
                else:
                    following, listover = script[context]
                    answer = {"code": 0, "message": "SUCCESS", "data": {
                        "context": following, "listover": listover,
                        "infos": [{"name": f"f{n}", "filesize": 1, "filelen": 1, "sha": "",
                                   "ctime": 1, "mtime": 1}]}}
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class ListPagingTest(unittest.TestCase):
    """A listing whose server repeats a context, goes round, or says more pages follow without
    a context ends with ProtocolError (issue 10, case 7), through the library's paging loop."""

    REPEAT = {"": ("same", False), "same": ("same", False)}
    CYCLE = {"": ("a", False), "a": ("b", False), "b": ("a", False)}
    EMPTY = {"": ("p2", False), "p2": ("", False)}

    def fake(self, script: dict) -> cosv4.Client:
        server = FakeListServer(script)
        self.addCleanup(server.stop)
        client = cosv4.Client(APPID, SECRET_ID, SECRET_KEY, endpoint=server.url, retries=0)
        self.addCleanup(client.close)
        self.server = server
        return client

    def check_list(self, script: dict, names: list, contexts: list) -> None:
        client = self.fake(script)
        seen = []
        with self.assertRaises(cosv4.ProtocolError) as cm:
            for entry in client.list(BUCKET, "/"):
                seen.append(entry.name)
                self.assertLess(len(seen), 30, "the listing does not end")
        self.assertIn("context", str(cm.exception))
        self.assertEqual(seen, names)
        self.assertEqual(self.server.contexts, contexts)

    def test_repeated_context(self):
        self.check_list(self.REPEAT, ["f1"], ["", "same"])

    def test_context_from_earlier_in_the_listing(self):
        self.check_list(self.CYCLE, ["f1", "f2"], ["", "a", "b"])

    def test_more_pages_without_context(self):
        self.check_list(self.EMPTY, ["f1"], ["", "p2"])

    def test_single_page_without_a_way_on(self):
        for script, context in ((self.EMPTY, "p2"), (self.REPEAT, "same")):
            client = self.fake(script)
            with self.assertRaises(cosv4.ProtocolError) as cm:
                client.list_page(BUCKET, "/", context=context)
            self.assertIn("context", str(cm.exception))

    def test_well_behaved_and_abandoned_listings(self):
        client = self.fake({"": ("p2", False), "p2": ("", True)})
        listing = client.list(BUCKET, "/")
        self.assertEqual(next(listing).name, "f1")
        listing.close()  # runs the generator's finally: the C page held is freed
        self.assertEqual([e.name for e in client.list(BUCKET, "/")], ["f2", "f3"])


class CancelTest(unittest.TestCase):
    """Cancellation through a token and through Ctrl-C, against the slow emulator."""

    SIZE = 9 * MIB  # 18 slices of 512 KiB, one at a time, >= 50 ms each: about 1 s

    def client(self):
        return slow.client(slice_size=524288, workers=1)

    def test_cancel_from_another_thread_then_resume(self):
        data = content(self.SIZE, 10)
        path = "/py/cancel.bin"
        src = local_file("cancel", data)
        token = cosv4.CancelToken()
        started = threading.Event()

        def progress(p):
            if p.phase == cosv4.Phase.UPLOADING and p.slices_done >= 2:
                started.set()

        cancelled_at = []

        def canceller():
            started.wait(30)
            cancelled_at.append(time.monotonic())
            token.cancel()

        t = threading.Thread(target=canceller)
        t.start()
        with self.client() as c, token:
            with self.assertRaises(cosv4.CancelledError) as cm:
                c.upload(BUCKET, path, src, progress=progress, cancel=token)
            latency = time.monotonic() - cancelled_at[0]
            t.join()
            self.assertEqual(cm.exception.code, cosv4.Result.CANCELLED)
            self.assertTrue(token.cancelled)
            self.assertLess(latency, 1.0)
            self.assertIsNone(slow.object(path))
            result = c.upload(BUCKET, path, src)
        self.assertTrue(result.resumed)
        self.assertGreater(result.slices_skipped, 0)
        self.assertEqual(slow.object(path), data)

    def test_close_during_an_upload_keeps_the_token_until_it_returns(self):
        """Issue 15.4: close() on another thread while an upload uses the token neither frees
        it under the C call nor disconnects it: cancel() after close() still stops that
        upload; once the call returned the token is freed and refused."""
        data = content(self.SIZE, 13)
        path = "/py/close-during.bin"
        src = local_file("close-during", data)
        token = cosv4.CancelToken()
        started = threading.Event()
        closed = threading.Event()

        def progress(p):
            if p.phase == cosv4.Phase.UPLOADING and p.slices_done >= 2:
                started.set()

        def closer():
            if started.wait(30):
                token.close()
                closed.set()
                token.cancel()

        t = threading.Thread(target=closer)
        t.start()
        with self.client() as c:
            try:
                with self.assertRaises(cosv4.CancelledError):
                    c.upload(BUCKET, path, src, progress=progress, cancel=token)
            finally:
                t.join()
            self.assertTrue(closed.is_set())
            self.assertIsNone(slow.object(path))
            self.assertFalse(token.cancelled)  # the C token is freed now
            with self.assertRaises(cosv4.UsageError) as cm:
                c.upload(BUCKET, path, src, cancel=token)
            self.assertIn("cancel token is closed", str(cm.exception))
            result = c.upload(BUCKET, path, src)
        self.assertTrue(result.resumed)
        self.assertEqual(slow.object(path), data)

    def test_close_racing_with_the_start_of_calls(self):
        """Issue 15.4: close() racing with the start of uploads and downloads: each call
        either refuses the closed token or runs to its end with it; never a crash."""
        ran = refused = 0
        with fast.client() as c:
            c.upload(BUCKET, "/py/race/src.bin", data=b"race source", overwrite=True)
            for i in range(40):
                token = cosv4.CancelToken()
                go = threading.Barrier(2)

                def close(token=token, go=go):
                    go.wait(10)
                    token.close()

                t = threading.Thread(target=close)
                t.start()
                go.wait(10)
                try:
                    if i % 2 or not HAVE_OBJECTS:
                        c.upload(BUCKET, f"/py/race/{i}.bin", data=b"race %d" % i,
                                 cancel=token)
                        self.assertEqual(fast.object(f"/py/race/{i}.bin"), b"race %d" % i)
                    else:
                        target = os.path.join(work_dir, f"race-{i}.bin")
                        c.download(BUCKET, "/py/race/src.bin", target, cancel=token)
                        with open(target, "rb") as f:
                            self.assertEqual(f.read(), b"race source")
                    ran += 1
                except cosv4.UsageError as e:
                    self.assertIn("cancel token is closed", str(e))
                    refused += 1
                finally:
                    t.join()
                self.assertFalse(token.cancelled)
        self.assertEqual(ran + refused, 40)

    def interrupt_then_resume(self, path: str, data: bytes, with_progress: bool):
        src = local_file(path.rsplit("/", 1)[1], data)
        started = threading.Event()
        events = []

        def progress(p):
            events.append(p)
            if p.phase == cosv4.Phase.UPLOADING and p.slices_done >= 2:
                started.set()

        interrupted_at = []

        def interrupter():
            # Without a progress callback: watch the server until two slices have arrived (a
            # fixed delay may land in the hashing phase on a loaded machine).
            if with_progress:
                started.wait(30)
            else:
                with slow.client() as watcher:
                    deadline = time.monotonic() + 30
                    while time.monotonic() < deadline:
                        try:
                            if watcher.stat(BUCKET, path).filelen >= 2 * 524288:
                                break
                        except cosv4.ServiceError:
                            pass  # no upload there yet
                        time.sleep(0.01)
            interrupted_at.append(time.monotonic())
            _thread.interrupt_main()  # as Ctrl-C: trips SIGINT for the main thread

        previous = signal.getsignal(signal.SIGINT)
        t = threading.Thread(target=interrupter)
        with self.client() as c:
            t.start()
            try:
                with self.assertRaises(KeyboardInterrupt):
                    c.upload(BUCKET, path, src, progress=progress if with_progress else None)
                latency = time.monotonic() - interrupted_at[0]
            finally:
                t.join()
            # The handlers are back as they were and the upload was cancelled promptly.
            self.assertIs(signal.getsignal(signal.SIGINT), previous)
            self.assertEqual(signal.set_wakeup_fd(-1), -1)
            self.assertLess(latency, 1.0)
            self.assertIsNone(slow.object(path))
            if with_progress:
                self.assertNotEqual(events[-1].phase, cosv4.Phase.DONE)
            result = c.upload(BUCKET, path, src)
        self.assertTrue(result.resumed)
        self.assertGreater(result.slices_skipped, 0)
        self.assertEqual(slow.object(path), data)

    def test_keyboard_interrupt_with_progress_cancels_and_resumes(self):
        self.interrupt_then_resume("/py/ctrlc-progress.bin", content(self.SIZE, 11), True)

    def test_keyboard_interrupt_without_progress_cancels_and_resumes(self):
        self.interrupt_then_resume("/py/ctrlc-plain.bin", content(self.SIZE, 12), False)


if __name__ == "__main__":
    unittest.main()
