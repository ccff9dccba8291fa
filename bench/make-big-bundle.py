#!/usr/bin/env python3
"""Makes large sealed bundles for the resource benchmarks (bench/resources.sh).

usage: make-big-bundle.py OUT.app --files N [--size BYTES] [--sparse]

Copies the signed corpus fixture (corpus/generated/bundles/Fixture.app) to OUT.app, adds N files
under Contents/Resources/bulk/ (each BYTES long; --sparse makes them holes, so 10 GB costs no
disk) and seals every one of them in _CodeSignature/CodeResources (files and files2, SHA-1 and
SHA-256), so the verifier must read and hash them all. The executable's signature is left as it
is: its special slot for the resource seal no longer matches, which is reported once and does
not stop the resource checks. Files of one size share one digest, computed once.
"""

import argparse
import hashlib
import os
import plistlib
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "corpus", "generated", "bundles", "Fixture.app")


def digests(size, sparse):
    """SHA-1 and SHA-256 of `size` bytes of the content every bulk file gets."""
    h1, h2 = hashlib.sha1(), hashlib.sha256()
    block = bytes(1 << 20) if sparse else (b"bundlelint bench " * 61681)[: 1 << 20]
    left = size
    while left:
        part = block[: min(left, len(block))]
        h1.update(part)
        h2.update(part)
        left -= len(part)
    return h1.digest(), h2.digest(), block


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--files", type=int, required=True)
    ap.add_argument("--size", type=int, default=64 * 1024)
    ap.add_argument("--sparse", action="store_true")
    a = ap.parse_args()
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    shutil.copytree(FIXTURE, a.out, symlinks=True)
    bulk = os.path.join(a.out, "Contents", "Resources", "bulk")
    os.makedirs(bulk)
    sha1, sha256, block = digests(a.size, a.sparse)
    cr_path = os.path.join(a.out, "Contents", "_CodeSignature", "CodeResources")
    with open(cr_path, "rb") as f:
        cr = plistlib.load(f)
    for i in range(a.files):
        sub = os.path.join(bulk, f"{i // 1000:03d}")
        if i % 1000 == 0:
            os.makedirs(sub, exist_ok=True)
        name = f"{i // 1000:03d}/f{i:06d}.dat"
        path = os.path.join(bulk, name)
        with open(path, "wb") as f:
            if a.sparse:
                f.truncate(a.size)
            else:
                left = a.size
                while left:
                    n = min(left, len(block))
                    f.write(block[:n])
                    left -= n
        rel = f"Resources/bulk/{name}"
        cr["files"][rel] = sha1
        cr["files2"][rel] = {"hash": sha1, "hash2": sha256}
    with open(cr_path, "wb") as f:
        plistlib.dump(cr, f)


if __name__ == "__main__":
    main()
