#!/usr/bin/env python3
"""Turns empty files of an HFS+ volume made by xorriso into hard links, as macOS stores them.

usage: make-hard-link-image.py VOLUME.img < LINKS

No Linux tool writes HFS+ hard links (xorriso's HFS+ writer has none, and mkfs.hfsplus needs a
loop mount), so they are made by editing the catalog of a volume written from a tree prepared for
it. Names keep their length, so the B-tree stays valid:

  - the root directory `~~~~HFS+ Private Data` becomes `\0\0\0\0HFS+ Private Data`, the hidden
    directory holding hard-linked files as `iNode<N>` (it sorts last under both names: HFS+ name
    ordering folds NUL to 0xFFFF);
  - each line of LINKS turns an empty file record into a link:
        LINK <name> <N>      to the file iNode<N> (type `hlnk`, creator `hfs+`)
        DIRLINK <name> <N>   to the directory dir_<N> (type `fdrp`, creator `MACS`)
    with N in the record's BSD `special` field (TN1150, "Hard Links").

The volume is found behind an Apple partition map or at the start of the file. Edited in place.
"""

import struct
import sys

PLACEHOLDER = "~~~~HFS+ Private Data"
PRIVATE = "\0\0\0\0HFS+ Private Data"


def utf16(name):
    return name.encode("utf-16-be")


def find_volume(img):
    """Offset of the HFS+ volume: its header is 1024 bytes in, signature `H+`, version 4."""
    for start in range(0, len(img) - 1026, 512):
        if img[start + 1024:start + 1028] == b"H+\x00\x04":
            return start
    sys.exit("no HFS+ volume header found")


def catalog_range(img, volume):
    header = volume + 1024
    block_size, = struct.unpack_from(">I", img, header + 40)
    logical, _, total_blocks = struct.unpack_from(">QII", img, header + 272)
    start_block, block_count = struct.unpack_from(">II", img, header + 272 + 16)
    if block_count != total_blocks:
        sys.exit("the catalog is fragmented; this script reads its first extent only")
    start = volume + start_block * block_size
    return start, logical


def leaf_records(img, catalog, size):
    """(record start, key) of every leaf record: key = (parent id, name)."""
    node_size, = struct.unpack_from(">H", img, catalog + 14 + 18)
    for node in range(size // node_size):
        at = catalog + node * node_size
        kind = struct.unpack_from(">b", img, at + 8)[0]
        count, = struct.unpack_from(">H", img, at + 10)
        if kind != -1:
            continue
        for i in range(count):
            offset, = struct.unpack_from(">H", img, at + node_size - 2 * (i + 1))
            rec = at + offset
            key_len, parent, name_len = struct.unpack_from(">HIH", img, rec)
            name = img[rec + 8:rec + 8 + 2 * name_len].decode("utf-16-be")
            data = rec + ((key_len + 2 + 1) & ~1)
            yield data, parent, name


def main():
    path = sys.argv[1]
    links = [line.split() for line in sys.stdin if line.strip()]
    img = bytearray(open(path, "rb").read())
    volume = find_volume(img)
    catalog, size = catalog_range(img, volume)
    region = img[catalog:catalog + size]
    renamed = region.count(utf16(PLACEHOLDER))
    if renamed == 0:
        sys.exit(f"no directory named {PLACEHOLDER!r} on the volume")
    img[catalog:catalog + size] = region.replace(utf16(PLACEHOLDER), utf16(PRIVATE))
    done = set()
    for data, _parent, name in leaf_records(img, catalog, size):
        record_type, = struct.unpack_from(">H", img, data)
        for kind, wanted, number in links:
            if name != wanted or record_type != 2:
                continue
            finder_type, creator = (b"hlnk", b"hfs+") if kind == "LINK" else (b"fdrp", b"MACS")
            data_size, = struct.unpack_from(">Q", img, data + 88)
            if data_size != 0:
                sys.exit(f"{name}: a link record must be empty, this one holds {data_size} bytes")
            struct.pack_into(">I", img, data + 44, int(number))
            img[data + 48:data + 52] = finder_type
            img[data + 52:data + 56] = creator
            done.add(wanted)
    missing = {name for _, name, _ in links} - done
    if missing:
        sys.exit(f"no empty file record named {sorted(missing)}")
    open(path, "wb").write(img)
    print(f"{renamed} name(s) of the private directory, {len(done)} link(s)")


if __name__ == "__main__":
    main()
