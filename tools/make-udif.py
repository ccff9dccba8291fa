#!/usr/bin/env python3
"""Wraps a raw disk (or volume) in a read-only UDIF disk image (.dmg).

usage: make-udif.py RAW OUT.dmg [--codec zlib|bzip2|raw] [--level 1-9] [--name NAME] [--wrong-table-crc]

One block table (`blkx`) covers the whole disk, stored in 1 MiB chunks: all-zero runs become
`ignore` chunks (left out of the table's CRC32, as hdiutil does), the others are compressed with
the codec. The trailer (`koly`) records the CRC32 of the data fork and the CRC32 over the tables'
CRC32s. `--level` is the zlib or bzip2 level (default 9; hdiutil's UDZO uses zlib level 1).
`--wrong-table-crc` records a table CRC32 that does not match its data (the master CRC32
is computed over the recorded value, so only the table check fails).
"""

import argparse
import bz2
import plistlib
import struct
import zlib

SECTOR = 512
CHUNK_SECTORS = 2048
CODES = {"raw": 1, "ignore": 2, "zlib": 0x80000005, "bzip2": 0x80000006, "end": 0xFFFFFFFF}


def compress(codec, data, level):
    if codec == "zlib":
        return zlib.compress(data, level)
    if codec == "bzip2":
        return bz2.compress(data, level)
    return data


def build(raw, codec, name, wrong_crc, level=9):
    if len(raw) % SECTOR:
        raw += b"\0" * (SECTOR - len(raw) % SECTOR)
    sectors = len(raw) // SECTOR
    fork = bytearray()
    chunks = []
    table_crc = 0
    for first in range(0, sectors, CHUNK_SECTORS):
        count = min(CHUNK_SECTORS, sectors - first)
        piece = raw[first * SECTOR:(first + count) * SECTOR]
        if piece.count(0) == len(piece):
            chunks.append((CODES["ignore"], first, count, len(fork), 0))
            continue
        table_crc = zlib.crc32(piece, table_crc)
        stored = compress(codec, piece, level)
        chunks.append((CODES[codec], first, count, len(fork), len(stored)))
        fork += stored
    chunks.append((CODES["end"], sectors, 0, len(fork), 0))
    recorded = table_crc ^ 1 if wrong_crc else table_crc
    mish = struct.pack(">4sIQQQII", b"mish", 1, 0, sectors, 0, 0, 0) + b"\0" * 24
    mish += struct.pack(">II", 2, 32) + struct.pack(">I", recorded) + b"\0" * 124
    mish += struct.pack(">I", len(chunks))
    for code, first, count, offset, length in chunks:
        mish += struct.pack(">IIQQQQ", code, 0, first, count, offset, length)
    resources = {"resource-fork": {"blkx": [{"Attributes": "0x0050", "ID": "0", "Name": name, "CFName": name, "Data": mish}]}}
    xml = plistlib.dumps(resources, fmt=plistlib.FMT_XML)
    koly = bytearray(512)
    struct.pack_into(">4sIII", koly, 0, b"koly", 4, 512, 1)
    struct.pack_into(">QQQ", koly, 16, 0, 0, len(fork))
    struct.pack_into(">II", koly, 56, 1, 1)
    struct.pack_into(">III", koly, 80, 2, 32, zlib.crc32(fork))
    struct.pack_into(">QQ", koly, 216, len(fork), len(xml))
    struct.pack_into(">III", koly, 352, 2, 32, zlib.crc32(struct.pack(">I", recorded)))
    struct.pack_into(">IQ", koly, 488, 1, sectors)
    return bytes(fork) + xml + bytes(koly)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("raw")
    parser.add_argument("out")
    parser.add_argument("--codec", choices=["zlib", "bzip2", "raw"], default="zlib")
    parser.add_argument("--level", type=int, choices=range(1, 10), default=9)
    parser.add_argument("--name", default="whole disk (Apple_HFS : 0)")
    parser.add_argument("--wrong-table-crc", action="store_true")
    args = parser.parse_args()
    with open(args.raw, "rb") as f:
        raw = f.read()
    with open(args.out, "wb") as f:
        f.write(build(raw, args.codec, args.name, args.wrong_table_crc, args.level))


if __name__ == "__main__":
    main()
