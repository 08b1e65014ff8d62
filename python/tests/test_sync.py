"""Client.upload_dir with sync, delete, dry run, include/exclude and keep; upload_list's
refusal of the directory-only keywords; Client(limit_rate=...).

Environment and run as test_cosv4.py (whose Emulator and helpers these tests use). Whether
nothing changed on the server is checked on the emulator's data directory: every file under
it (objects, metadata, upload sessions, staging) keeps its size and modification time.
"""

import os
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import cosv4  # noqa: E402
import test_cosv4 as base  # noqa: E402

BUCKET = base.BUCKET
S = cosv4.BatchStatus
work_dir = ""


def setUpModule():
    global work_dir
    if not os.environ.get("COSV4_EMULATOR"):
        raise unittest.SkipTest("COSV4_EMULATOR is not set (path of the cosv4-emulator binary)")
    work_dir = tempfile.mkdtemp(prefix="cosv4-py-sync-")


def tearDownModule():
    shutil.rmtree(work_dir, ignore_errors=True)


def write(root: str, rel: str, data: bytes) -> None:
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def tree(name: str) -> str:
    """A local tree: nested folders, an empty file, an empty directory, a .log file."""
    root = os.path.join(work_dir, name)
    write(root, "a.txt", base.content(100, 61))
    write(root, "b.txt", base.content(3000, 62))
    write(root, "empty.bin", b"")
    write(root, "sub/c.txt", base.content(5000, 63))
    write(root, "sub/deep/d.txt", base.content(10, 64))
    write(root, "logs/x.log", base.content(50, 65))
    os.makedirs(os.path.join(root, "emptydir"))
    return root


def statuses(result: cosv4.BatchResult) -> dict:
    """cos path -> status of every item."""
    return {f.cos_path: f.status for f in result.files}


def snapshot(emu: base.Emulator) -> dict:
    """(size, mtime) of every file under the emulator's data directory."""
    out = {}
    for folder, _, names in os.walk(emu.data_dir):
        for name in names:
            st = os.stat(os.path.join(folder, name))
            out[os.path.relpath(os.path.join(folder, name), emu.data_dir)] = (st.st_size,
                                                                             st.st_mtime_ns)
    return out


class SyncTest(base.FolderRuleTest):
    """upload_dir(sync=..., delete=..., dry_run=..., include=..., exclude=..., keep=...)."""

    NEEDS = "cosv4_batch_options_set_sync"

    def test_an_unchanged_rerun_sends_nothing(self):
        root = tree("unchanged")
        with self.emu.client() as c:
            first = c.upload_dir(BUCKET, root, "/same/", sync="checksum")
            self.assertEqual((first.uploaded, first.folders, first.failed), (6, 1, 0))
            before = snapshot(self.emu)
            events = []
            again = c.upload_dir(BUCKET, root, "/same/", sync="checksum", on_file=events.append)
            self.assertEqual(snapshot(self.emu), before, "the server's data changed")
            self.assertEqual((again.uploaded, again.unchanged, again.failed), (0, 7, 0))
            self.assertEqual(again.bytes_sent, 0)
            self.assertEqual(len(again.files), 7)
            self.assertTrue(all(f.status is S.UNCHANGED for f in again.files), again.files)
            self.assertNotIn(cosv4.BatchEventKind.STARTED, {e.kind for e in events})

            # A same-size edit: size-only trusts the size, checksum sends the file (replacing
            # the object without overwrite=True: a sync replaces what changed).
            edited = base.content(100, 66)
            write(root, "a.txt", edited)
            same_size = c.upload_dir(BUCKET, root, "/same/", sync="size-only")
            self.assertEqual((same_size.uploaded, same_size.unchanged), (0, 7))
            self.assertEqual(self.emu.object("/same/a.txt"), base.content(100, 61))
            changed = c.upload_dir(BUCKET, root, "/same/", sync=cosv4.SyncMode.CHECKSUM)
            self.assertEqual((changed.uploaded, changed.unchanged, changed.failed), (1, 6, 0))
            self.assertIs(statuses(changed)["/same/a.txt"], S.UPLOADED)
            self.assertEqual(changed.bytes_sent, 100)
            self.assertEqual(self.emu.object("/same/a.txt"), edited)

    def test_delete_removes_remote_only_files_but_not_excluded_ones(self):
        root = tree("delete")
        with self.emu.client() as c:
            c.upload_dir(BUCKET, root, "/del/", sync="checksum", exclude=["*.log"])
            self.assertIsNone(self.emu.object("/del/logs/x.log"), "an excluded file was sent")
            self.assertEqual(self.emu.object("/del/a.txt"), base.content(100, 61))
            c.upload(BUCKET, "/del/gone.txt", data=b"remote only")
            c.upload(BUCKET, "/del/keep.log", data=b"remote log")
            c.upload(BUCKET, "/del/sub/gone-too.txt", data=b"remote only, deeper")
            # Without delete the remote-only files stay.
            kept = c.upload_dir(BUCKET, root, "/del/", sync="checksum", exclude=["*.log"])
            self.assertEqual((kept.deleted, kept.uploaded), (0, 0))
            self.assertEqual(self.emu.object("/del/gone.txt"), b"remote only")

            result = c.upload_dir(BUCKET, root, "/del/", sync="checksum", delete=True,
                                  exclude=["*.log"])
            self.assertEqual((result.deleted, result.uploaded, result.failed), (2, 0, 0))
            s = statuses(result)
            self.assertIs(s["/del/gone.txt"], S.DELETED)
            self.assertIs(s["/del/sub/gone-too.txt"], S.DELETED)
            self.assertEqual([f.local_path for f in result.files if f.status is S.DELETED],
                             ["", ""])
            self.assertNotIn("/del/keep.log", s)
            self.assertNotIn("/del/logs/x.log", s)
            self.assertIsNone(self.emu.object("/del/gone.txt"))
            self.assertIsNone(self.emu.object("/del/sub/gone-too.txt"))
            self.assertEqual(self.emu.object("/del/keep.log"), b"remote log")
            self.assertEqual(self.emu.object("/del/a.txt"), base.content(100, 61))

            # delete without an explicit folder is refused (the default "/" is the whole
            # bucket), before anything is sent.
            before = snapshot(self.emu)
            with self.assertRaisesRegex(cosv4.UsageError, "needs cos_folder given"):
                c.upload_dir(BUCKET, root, sync="checksum", delete=True)
            self.assertEqual(snapshot(self.emu), before)

            # An empty source with delete is refused, and deletes nothing, unless forced.
            empty = os.path.join(work_dir, "delete-empty")
            os.makedirs(empty)
            before = snapshot(self.emu)
            with self.assertRaisesRegex(cosv4.UsageError, "refusing") as cm:
                c.upload_dir(BUCKET, empty, "/del/", sync="checksum", delete=True)
            self.assertEqual(cm.exception.code, cosv4.Result.INVALID_ARGUMENT)
            self.assertEqual(snapshot(self.emu), before)
            forced = c.upload_dir(BUCKET, empty, "/del/", sync="checksum", delete=True,
                                  force=True, exclude=["*.log"])
            self.assertEqual(forced.failed, 0, forced.files)
            self.assertIsNone(self.emu.object("/del/a.txt"))
            self.assertEqual(self.emu.object("/del/keep.log"), b"remote log")

    def test_a_dry_run_changes_nothing(self):
        root = tree("dry")
        with self.emu.client() as c:
            c.upload_dir(BUCKET, root, "/dry/", sync="checksum")
            write(root, "b.txt", base.content(3001, 67))  # an append
            write(root, "new/n.txt", b"new file")
            c.upload(BUCKET, "/dry/remote-only.txt", data=b"remote only")
            before = snapshot(self.emu)
            result = c.upload_dir(BUCKET, root, "/dry/", sync="checksum", delete=True,
                                  dry_run=True)
            self.assertEqual(snapshot(self.emu), before, "a dry run changed the server's data")
            self.assertEqual((result.would_upload, result.would_delete), (2, 1))
            self.assertEqual((result.uploaded, result.deleted, result.unchanged), (0, 0, 6))
            self.assertEqual(result.bytes_sent, 0)
            s = statuses(result)
            self.assertIs(s["/dry/b.txt"], S.WOULD_UPLOAD)
            self.assertIs(s["/dry/new/n.txt"], S.WOULD_UPLOAD)
            self.assertIs(s["/dry/remote-only.txt"], S.WOULD_DELETE)
            self.assertIs(s["/dry/a.txt"], S.UNCHANGED)
            self.assertEqual(self.emu.object("/dry/b.txt"), base.content(3000, 62))
            self.assertIsNone(self.emu.object("/dry/new/n.txt"))
            # Without a sync, a dry run reports every file as one it would upload.
            plain = c.upload_dir(BUCKET, root, "/dry-plain/", dry_run=True)
            self.assertEqual((plain.would_upload, plain.uploaded), (8, 0))
            self.assertEqual(snapshot(self.emu), before)

    def test_include_and_keep_failed(self):
        root = tree("include")
        with self.emu.client() as c:
            result = c.upload_dir(BUCKET, root, "/inc/", include=["*.txt"],
                                  exclude=("sub/deep/",))
            self.assertEqual(sorted(statuses(result)), ["/inc/a.txt", "/inc/b.txt",
                                                        "/inc/sub/c.txt"])
            # keep="failed": the counts cover every item, the list only the failures.
            write(root, "a.txt", b"other content")
            kept = c.upload_dir(BUCKET, root, "/inc/", include=["*.txt"], keep="failed")
            # b.txt and sub/c.txt again (the same content), sub/deep/d.txt now included.
            self.assertEqual((kept.uploaded, kept.failed), (3, 1))
            self.assertEqual([(f.cos_path, f.result) for f in kept.files],
                             [("/inc/a.txt", cosv4.Result.FILE_EXISTS)])

    def test_bad_values_raise_before_anything_is_sent(self):
        root = tree("bad")
        src = os.path.join(root, "a.txt")
        with self.emu.client() as c:
            before = snapshot(self.emu)
            for pattern, named in (("a[b", '"a[b"'), ("", '""'), ("x\x01y", "control")):
                for which in ("include", "exclude"):
                    with self.subTest(pattern=pattern, which=which):
                        with self.assertRaises(cosv4.UsageError) as cm:
                            c.upload_dir(BUCKET, root, "/bad/", **{which: ["*.txt", pattern]})
                        self.assertIn(f"{which} pattern ", str(cm.exception))
                        self.assertIn(named, str(cm.exception))
            with self.assertRaisesRegex(ValueError, "'checksum' or 'size-only'"):
                c.upload_dir(BUCKET, root, "/bad/", sync="sha1")
            for wrong in (True, 1, ["checksum"]):
                with self.assertRaisesRegex(TypeError, "sync must be"):
                    c.upload_dir(BUCKET, root, "/bad/", sync=wrong)
            with self.assertRaisesRegex(ValueError, "keep must be 'all' or 'failed'"):
                c.upload_dir(BUCKET, root, "/bad/", keep="some")
            with self.assertRaisesRegex(TypeError, "iterable of patterns"):
                c.upload_dir(BUCKET, root, "/bad/", include="*.txt")
            with self.assertRaisesRegex(TypeError, "exclude pattern 3 must be a str"):
                c.upload_dir(BUCKET, root, "/bad/", exclude=[3])
            with self.assertRaisesRegex(cosv4.UsageError, "delete=True needs sync"):
                c.upload_dir(BUCKET, root, "/bad/", delete=True)
            for keyword, value in (("sync", "checksum"), ("delete", True), ("force", True),
                                   ("include", ["*"]), ("exclude", ["*"]), ("sync", None)):
                with self.subTest(keyword):
                    with self.assertRaisesRegex(TypeError, f"upload_list takes no {keyword}"):
                        c.upload_list(BUCKET, [(src, "/bad/a.txt")], **{keyword: value})
            self.assertEqual(snapshot(self.emu), before, "something was sent")
            # What a list does take: a dry run and keep.
            dry = c.upload_list(BUCKET, [(src, "/bad/a.txt")], dry_run=True, keep="failed")
            self.assertEqual((dry.would_upload, dry.uploaded, dry.files), (1, 0, []))
            self.assertEqual(snapshot(self.emu), before)


class LimitRateTest(unittest.TestCase):
    """Client(limit_rate=...): a lower bound on the time of a small upload (no upper bound:
    a busy machine only makes it slower)."""

    @classmethod
    def setUpClass(cls):
        if not base.have("cosv4_config_set_limit_rate"):
            raise unittest.SkipTest("the library has no cosv4_config_set_limit_rate yet")
        cls.emu = base.Emulator()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def test_a_limited_upload_takes_at_least_its_time(self):
        rate = 64 * 1024
        data = base.content(128 * 1024, 68)
        with self.emu.client(limit_rate=rate) as c:
            started = time.monotonic()
            c.upload(BUCKET, "/limited.bin", data=data)
            took = time.monotonic() - started
        # 128 KiB at 64 KiB/s is 2 s, less a burst allowance of at most 16 KiB (0.25 s).
        self.assertGreaterEqual(took, 1.5)
        self.assertEqual(self.emu.object("/limited.bin"), data)
        with self.emu.client(limit_rate=0) as c:  # 0: no limit
            c.upload(BUCKET, "/unlimited.bin", data=data)

    def test_bad_limits(self):
        with self.assertRaisesRegex(cosv4.UsageError,
                                    "limit_rate: .*bandwidth limit 1000 bytes/s is below"):
            self.emu.client(limit_rate=1000)
        with self.assertRaisesRegex(cosv4.UsageError, "limit_rate -1 is out of range"):
            self.emu.client(limit_rate=-1)
        with self.assertRaisesRegex(TypeError, "limit_rate must be an int"):
            self.emu.client(limit_rate=65536.0)


if __name__ == "__main__":
    unittest.main()
