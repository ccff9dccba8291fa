#!/usr/bin/env python3
"""Makes a large component package for the package benchmark (bench/big-pkg.sh).

usage: make-big-pkg.py OUT.pkg [--size-mb N] [--small N] [--payload-out PATH]

The package installs Applications/Big.app: the signed corpus fixture
(corpus/generated/bundles/Fixture.app) with about N MB of resources added under
Contents/Resources/bulk/ — large files of four kinds of content (random bytes, 16- and 4-symbol
text, mostly zeros), so the payload compresses unevenly, plus --small files of 16 KiB — every one
sealed in _CodeSignature/CodeResources (files and files2, SHA-1 and SHA-256), so the verifier must
hash them all. The executable's signature is left as it is: its special slot for the resource
seal no longer matches, which is reported once and does not stop the resource checks.

The payload is gzip + cpio "odc" (`pkgbuild --compression legacy`), stored in the xar as is,
with SHA-1 checksums (as make-packages.py and Apple's tools write). Everything is streamed: the
content is generated, hashed, compressed and written in one pass, never held whole.
--payload-out also writes the gzip payload alone (the baseline decompresses and hashes it).
"""

import argparse
import hashlib
import os
import plistlib
import random
import stat
import struct
import tempfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "corpus", "generated", "bundles", "Fixture.app")
FIXED_MTIME = 1767225600
BIG_SIZES = [2 << 20, 4 << 20, 8 << 20, 16 << 20]
KINDS = ["random", "hex", "dna", "zeros"]


def content(kind, seed, size):
    """`size` bytes of `kind`, the same for the same seed, in blocks of at most 4 MiB."""
    rng = random.Random(seed)
    hex_table = bytes(b"0123456789abcdef"[i % 16] for i in range(256))
    dna_table = bytes(b"ACGT"[i % 4] for i in range(256))
    left = size
    while left:
        n = min(left, 4 << 20)
        block = rng.randbytes(n)
        if kind == "hex":
            block = block.translate(hex_table)
        elif kind == "dna":
            block = block.translate(dna_table)
        elif kind == "zeros":
            block = bytearray(n)
            for i in range(0, n, 4096):
                block[i] = rng.randrange(256)
            block = bytes(block)
        left -= n
        yield block


def bulk_files(total, small):
    """(relative name, kind, seed, size) of the added resources."""
    out = []
    left, i = total, 0
    while left > 0:
        size = min(BIG_SIZES[i % len(BIG_SIZES)], left)
        # Every kind in every size: the kind turns once per round of sizes.
        out.append((f"big/f{i:04d}.dat", KINDS[(i + i // len(BIG_SIZES)) % len(KINDS)], i, size))
        left -= size
        i += 1
    for j in range(small):
        out.append((f"small/{j // 1000:02d}/s{j:05d}.dat", KINDS[j % len(KINDS)], 100000 + j, 16 << 10))
    return out


class Cpio:
    """An odc cpio archive written through gzip to `out`, hashing the compressed bytes."""

    def __init__(self, out, extra_out=None):
        self.out, self.extra_out = out, extra_out
        self.gz = zlib.compressobj(6, zlib.DEFLATED, 31)
        self.sha1 = hashlib.sha1()
        self.length = 0
        self.ino = 0

    def _write(self, data):
        packed = self.gz.compress(data)
        self._emit(packed)

    def _emit(self, packed):
        if packed:
            self.out.write(packed)
            if self.extra_out:
                self.extra_out.write(packed)
            self.sha1.update(packed)
            self.length += len(packed)

    def entry(self, name, mode, size, blocks=()):
        self.ino += 1
        nm = name.encode() + b"\0"
        self._write(b"070707%06o%06o%06o%06o%06o%06o%06o%011o%06o%011o" % (
            0, self.ino, mode, 0, 80, 1, 0, FIXED_MTIME, len(nm), size))
        self._write(nm)
        for block in blocks:
            self._write(block)

    def finish(self):
        self.entry("TRAILER!!!", 0, 0)
        self._emit(self.gz.flush())


def write_payload(cpio, total, small):
    """Fixture.app as Applications/Big.app with the bulk resources, sealed; returns the count."""
    bulk = bulk_files(total, small)
    seal_path = os.path.join(FIXTURE, "Contents", "_CodeSignature", "CodeResources")
    with open(seal_path, "rb") as f:
        seal = plistlib.load(f)
    count = 0

    def emit_dir(arc):
        nonlocal count
        cpio.entry(arc, stat.S_IFDIR | 0o755, 0)
        count += 1

    def emit_bulk():
        dirs = set()
        for name, kind, seed, size in bulk:
            parent = os.path.dirname(name)
            parts = parent.split("/")
            for k in range(1, len(parts) + 1):
                d = "/".join(parts[:k])
                if d not in dirs:
                    dirs.add(d)
                    emit_dir(f"./Applications/Big.app/Contents/Resources/bulk/{d}")
            h1, h2 = hashlib.sha1(), hashlib.sha256()

            def hashed(blocks):
                for block in blocks:
                    h1.update(block)
                    h2.update(block)
                    yield block

            cpio.entry(f"./Applications/Big.app/Contents/Resources/bulk/{name}", stat.S_IFREG | 0o644, size,
                       hashed(content(kind, seed, size)))
            rel = f"Resources/bulk/{name}"
            seal["files"][rel] = h1.digest()
            seal["files2"][rel] = {"hash": h1.digest(), "hash2": h2.digest()}

    def walk(path, arc):
        nonlocal count
        names = sorted(os.listdir(path))
        if arc.endswith("/Contents/Resources"):
            names = sorted(names + ["bulk"])
        for name in names:
            child_arc = f"{arc}/{name}"
            if arc.endswith("/Contents/Resources") and name == "bulk":
                emit_dir(child_arc)
                emit_bulk()
                continue
            p = os.path.join(path, name)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                target = os.readlink(p).encode()
                cpio.entry(child_arc, stat.S_IFLNK | 0o755, len(target), [target])
            elif stat.S_ISDIR(st.st_mode):
                emit_dir(child_arc)
                walk(p, child_arc)
                continue
            elif p == seal_path:
                # Every bulk file sorts before _CodeSignature: the seal is complete by now.
                data = plistlib.dumps(seal)
                cpio.entry(child_arc, stat.S_IFREG | 0o644, len(data), [data])
            else:
                with open(p, "rb") as f:
                    data = f.read()
                cpio.entry(child_arc, stat.S_IFREG | (st.st_mode & 0o777), len(data), [data])
            count += 1

    emit_dir(".")
    emit_dir("./Applications")
    emit_dir("./Applications/Big.app")
    walk(FIXTURE, "./Applications/Big.app")
    cpio.finish()
    return count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--small", type=int, default=2000)
    ap.add_argument("--payload-out")
    a = ap.parse_args()
    total = a.size_mb << 20
    with tempfile.TemporaryFile(dir=os.path.dirname(os.path.abspath(a.out))) as payload:
        extra = open(a.payload_out, "wb") if a.payload_out else None
        cpio = Cpio(payload, extra)
        files = write_payload(cpio, total - a.small * (16 << 10), a.small)
        if extra:
            extra.close()
        info = (
            '<?xml version="1.0" encoding="utf-8"?>\n<pkg-info format-version="2" identifier="com.example.big" '
            'version="1.0" install-location="/" auth="root">\n'
            f'    <payload numberOfFiles="{files}" installKBytes="{total >> 10}"/>\n</pkg-info>\n'
        ).encode()
        info_stored = zlib.compress(info, 9)
        info_offset, payload_offset = 20, 20 + len(info_stored)
        digest = cpio.sha1.hexdigest()
        toc = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<xar>\n <toc>\n'
            "  <creation-time>2026-01-01T00:00:00</creation-time>\n"
            '  <checksum style="sha1">\n   <offset>0</offset>\n   <size>20</size>\n  </checksum>\n'
            '  <file id="1">\n   <data>\n'
            f"    <length>{len(info_stored)}</length>\n"
            '    <encoding style="application/x-gzip"/>\n'
            f"    <offset>{info_offset}</offset>\n    <size>{len(info)}</size>\n"
            f'    <extracted-checksum style="sha1">{hashlib.sha1(info).hexdigest()}</extracted-checksum>\n'
            f'    <archived-checksum style="sha1">{hashlib.sha1(info_stored).hexdigest()}</archived-checksum>\n'
            "   </data>\n   <type>file</type>\n   <mode>0644</mode>\n   <name>PackageInfo</name>\n  </file>\n"
            '  <file id="2">\n   <data>\n'
            f"    <length>{cpio.length}</length>\n"
            '    <encoding style="application/octet-stream"/>\n'
            f"    <offset>{payload_offset}</offset>\n    <size>{cpio.length}</size>\n"
            f'    <extracted-checksum style="sha1">{digest}</extracted-checksum>\n'
            f'    <archived-checksum style="sha1">{digest}</archived-checksum>\n'
            "   </data>\n   <type>file</type>\n   <mode>0644</mode>\n   <name>Payload</name>\n  </file>\n"
            " </toc>\n</xar>\n"
        ).encode()
        compressed = zlib.compress(toc, 9)
        with open(a.out, "wb") as out:
            out.write(b"xar!" + struct.pack(">HHQQI", 28, 1, len(compressed), len(toc), 1))
            out.write(compressed)
            out.write(hashlib.sha1(compressed).digest())
            out.write(info_stored)
            payload.seek(0)
            while block := payload.read(8 << 20):
                out.write(block)


if __name__ == "__main__":
    main()
