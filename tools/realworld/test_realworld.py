"""Offline tests of the real-world tooling: `python3 -m unittest discover tools/realworld`."""

import os
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fetch  # noqa: E402
import run  # noqa: E402

THIN_ARM64 = b"\xcf\xfa\xed\xfe\x0c\x00\x00\x01" + bytes(24)
FAT_TWO_ARCHS = b"\xca\xfe\xba\xbe\x00\x00\x00\x02" + bytes(40)
JAVA_CLASS = b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + bytes(40)


class DiscoveryTest(unittest.TestCase):
    def test_fat_magic_with_a_class_file_version_is_not_macho(self):
        with tempfile.TemporaryDirectory() as scratch:
            for name, data in [("fat", FAT_TWO_ARCHS), ("Main.class", JAVA_CLASS), ("thin", THIN_ARM64)]:
                Path(scratch, name).write_bytes(data)
            self.assertEqual([run.is_macho(Path(scratch, n)) for n in ("fat", "Main.class", "thin")], [True, False, True])

    def test_outermost_bundles_and_loose_macho_only(self):
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)
            (root / "A.app/Contents/Frameworks/B.framework").mkdir(parents=True)
            (root / "A.app/Contents/MacOS").mkdir()
            (root / "A.app/Contents/MacOS/A").write_bytes(THIN_ARM64)
            (root / "lib").mkdir()
            (root / "lib/_ext.cpython-312-darwin.so").write_bytes(THIN_ARM64)
            (root / "lib/readme.txt").write_text("not code")
            os.symlink("_ext.cpython-312-darwin.so", root / "lib/alias.so")
            os.symlink("A.app", root / "Alias.app")
            found = [str(p) for p in run.discover_artifacts(root)]
            self.assertEqual(found, ["A.app", "lib/_ext.cpython-312-darwin.so"])


class WheelSelectionTest(unittest.TestCase):
    def test_cpython_wheel_is_asked_for_with_its_own_tags(self):
        args = fetch.wheel_download_args("cryptography-48.0.1-cp39-abi3-macosx_10_9_universal2.whl")
        self.assertEqual(args, ["--platform", "macosx_10_9_universal2", "--python-version", "3.9",
                                "--implementation", "cp", "--abi", "abi3", "--ignore-requires-python"])

    def test_pure_wheel_needs_no_platform(self):
        self.assertEqual(fetch.wheel_download_args("py2app-0.28.10-py3-none-any.whl"),
                         ["--python-version", "3.12", "--ignore-requires-python"])


def artifact(relative, *error_rules):
    findings = [{"rule": rule, "severity": "error", "path": relative, "message": "m"} for rule in error_rules]
    entry = {"name": "pkg", "file": "pkg-1.0.whl", "registry": "pypi"}
    return {"entry": entry, "relative": relative, "id": relative, "findings": findings, "failure": None, "vendor": None, "unread": []}


class CompareTest(unittest.TestCase):
    expectations = [
        {"package": "pkg", "paths": ["bin/tool", "gone/*"], "errors": {"notary-unsigned-code": "unsigned"},
         "false_errors": {"sig-identifier-malformed": "derived from the file name"}},
    ]

    def test_unexpected_missing_and_stale_are_differences(self):
        differences = run.compare([artifact("bin/tool", "sig-identifier-malformed"), artifact("lib/ok.so")], self.expectations)
        kinds = sorted((kind, detail.split(":")[0].split(" (")[0]) for kind, _, detail in differences)
        self.assertEqual(kinds, [("expected but missing", "notary-unsigned-code"),
                                 ("stale expectation", "names no artifact"),
                                 ("unexpected error", "sig-identifier-malformed")])
        self.assertIn("known false: derived from the file name", next(d for k, _, d in differences if k == "unexpected error"))

    def test_matching_errors_give_no_difference(self):
        self.assertEqual(run.compare([artifact("bin/tool", "notary-unsigned-code"), artifact("gone/x", "notary-unsigned-code")], self.expectations), [])


if __name__ == "__main__":
    unittest.main()
