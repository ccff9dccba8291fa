#!/usr/bin/env python3
"""Wraps a real static archive in a universal (fat) header, as `lipo -create liba.a` does.

Universal static libraries are common in wheels and npm packages (PySide6 ships one of 1.3 MB);
this makes a small one from the 15 KB x86_64 archive vendored from delocate, so tests can check
that a universal file whose slices are `!<arch>` archives reads clean and is not judged as code.

    tools/make-universal-archive.py  # writes corpus/generated/macho/liba-universal.a
"""

import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "corpus/real/object-files/liba.a"
TARGET = ROOT / "corpus/generated/macho/liba-universal.a"

FAT_MAGIC = 0xCAFEBABE
CPU_TYPE_X86_64 = 0x01000007
CPU_SUBTYPE_X86_64_ALL = 3
ALIGN = 12  # lipo aligns x86_64 slices to 4 KiB


def main() -> None:
    archive = SOURCE.read_bytes()
    assert archive.startswith(b"!<arch>\n"), "not an ar archive"
    offset = 1 << ALIGN
    header = struct.pack(">II", FAT_MAGIC, 1)
    header += struct.pack(">iiIII", CPU_TYPE_X86_64, CPU_SUBTYPE_X86_64_ALL, offset, len(archive), ALIGN)
    TARGET.write_bytes(header.ljust(offset, b"\0") + archive)
    print(f"{TARGET.relative_to(ROOT)}: {offset + len(archive)} bytes")


if __name__ == "__main__":
    main()
