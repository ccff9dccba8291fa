#!/usr/bin/env python3
"""The physical floor of checking a disk image: inflate every stored chunk and SHA-256 the output.

usage: inflate-hash.py IMAGE.dmg

Reads the UDIF trailer and block tables, decodes each zlib, bzip2 or raw chunk in order and
feeds the decoded bytes to one SHA-256; free (`ignore`, zero) chunks cost nothing. Prints the
digest and the decoded byte count. Independent of bundlelint: the benchmark compares its time
with `bundlelint check` on the same image.
"""

import bz2
import hashlib
import plistlib
import struct
import sys
import zlib


def main():
    path = sys.argv[1]
    with open(path, "rb") as f:
        f.seek(-512, 2)
        koly = f.read(512)
        assert koly[:4] == b"koly", "no koly trailer"
        fork_at, = struct.unpack_from(">Q", koly, 24)
        xml_at, xml_len = struct.unpack_from(">QQ", koly, 216)
        f.seek(xml_at)
        resources = plistlib.loads(f.read(xml_len))
        sha, decoded = hashlib.sha256(), 0
        for table in resources["resource-fork"]["blkx"]:
            mish = table["Data"]
            data_at, = struct.unpack_from(">Q", mish, 24)
            count, = struct.unpack_from(">I", mish, 200)
            for i in range(count):
                code, _, _, sectors, stored_at, length = struct.unpack_from(">IIQQQQ", mish, 204 + 40 * i)
                if code == 1:
                    f.seek(fork_at + data_at + stored_at)
                    out = f.read(length)
                elif code == 0x80000005:
                    f.seek(fork_at + data_at + stored_at)
                    out = zlib.decompress(f.read(length))
                elif code == 0x80000006:
                    f.seek(fork_at + data_at + stored_at)
                    out = bz2.decompress(f.read(length))
                else:
                    continue
                sha.update(out)
                decoded += len(out)
    print(sha.hexdigest(), decoded)


if __name__ == "__main__":
    main()
