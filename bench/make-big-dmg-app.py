#!/usr/bin/env python3
"""Makes the app the disk-image benchmark (bench/big-dmg.sh) puts on its volume.

usage: make-big-dmg-app.py OUT.app [--mb N] [--seed N]

Copies the signed corpus fixture (corpus/generated/bundles/Fixture.app, whose main executable is
a signed Mach-O) to OUT.app and adds about N MB of resources under Contents/Resources/assets/,
sealed in _CodeSignature/CodeResources (files and files2, SHA-1 and SHA-256, as codesign writes
them), so that checking the image reads and hashes every byte of them. The resources mix what
real apps ship: a third incompressible (media, already-compressed archives), a third text-like
(scripts, JSON, localisations), a third nearly all zeros (sparse databases, padding); sizes from
a few KiB to 64 MiB. Output is the same for the same seed.
"""

import argparse
import hashlib
import os
import plistlib
import random
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "corpus", "generated", "bundles", "Fixture.app")
MIB = 1 << 20


def text_block(rng):
    """4 MiB of word-like text: compresses about 3:1, like source and localisation files."""
    words = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10)))
        for _ in range(4000)
    ]
    out, size = [], 0
    while size < 4 * MIB:
        line = " ".join(rng.choices(words, k=12)) + "\n"
        out.append(line)
        size += len(line)
    return "".join(out).encode()[: 4 * MIB]


def sizes(total, rng):
    """File sizes adding up to about `total`: many small, some medium, a few large."""
    out, left = [], total
    while left > 0:
        kind = rng.random()
        if kind < 0.80:
            size = rng.randint(1 << 10, 256 << 10)
        elif kind < 0.97:
            size = rng.randint(1 * MIB, 8 * MIB)
        else:
            size = rng.randint(32 * MIB, 64 * MIB)
        size = min(size, left)
        out.append(size)
        left -= size
    return out


def content(kind, size, index, rng, text):
    if kind == 0:
        return rng.randbytes(size)
    if kind == 1:
        start = (index * 7919) % len(text)
        rotated = text[start:] + text[:start]
        return (rotated * (size // len(rotated) + 1))[:size]
    data = bytearray(size)
    for at in range(0, size, 64 << 10):
        data[at:at + 16] = index.to_bytes(8, "big") + at.to_bytes(8, "big")
    return bytes(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--mb", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    shutil.copytree(FIXTURE, a.out, symlinks=True)
    assets = os.path.join(a.out, "Contents", "Resources", "assets")
    cr_path = os.path.join(a.out, "Contents", "_CodeSignature", "CodeResources")
    with open(cr_path, "rb") as f:
        cr = plistlib.load(f)
    text = text_block(rng)
    for index, size in enumerate(sizes(a.mb * MIB, rng)):
        name = f"{index // 200:02d}/asset{index:05d}.bin"
        path = os.path.join(assets, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = content(index % 3, size, index, rng, text)
        with open(path, "wb") as f:
            f.write(data)
        sha1, sha256 = hashlib.sha1(data).digest(), hashlib.sha256(data).digest()
        rel = f"Resources/assets/{name}"
        cr["files"][rel] = sha1
        cr["files2"][rel] = {"hash": sha1, "hash2": sha256}
    with open(cr_path, "wb") as f:
        plistlib.dump(cr, f)


if __name__ == "__main__":
    main()
