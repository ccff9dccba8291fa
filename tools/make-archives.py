#!/usr/bin/env python3
"""Zip archives of the generated corpus (run by tools/make-fixtures.sh).

usage: make-archives.py OUT_DIR

Writes:
  archives/Fixture.zip          bundles/Fixture.app, symlinks stored as symlinks
  bundles/ios*/FixtureiOS.ipa   zip of bundles/ios*/Payload/ (development, ad hoc, enterprise)
  archives/zip-slip.zip         entry "../../evil"
  archives/absolute.zip         entry "/etc/evil"
  archives/symlink-escape.zip   symlink entries pointing outside the extraction root
  archives/bomb.zip             one 100 MiB entry of zeros (~100 KB compressed)
  archives/bomb-understated.zip same data, but the headers claim 1 KiB uncompressed
  archives/truncated.zip        a valid archive cut off before its central directory
  archives/resources-only.zip   text and image members, no code (a zip a bundle may carry)
  archives/native-unsigned.jar  a jar whose JNI library (macho/hello-x86_64) is unsigned
  archives/native-signed.jar    the same jar with a Developer ID signed library
                                (signed/devid-timestamped-arm64)

Every entry gets a fixed timestamp, so the archives are byte-stable for
byte-stable inputs.
"""

import os
import stat
import struct
import sys
import zipfile
import zlib

FIXED_TIME = (2026, 1, 1, 0, 0, 0)


def info(name, mode):
    zi = zipfile.ZipInfo(name, FIXED_TIME)
    zi.create_system = 3  # Unix: external_attr carries st_mode
    zi.external_attr = (mode & 0xFFFF) << 16
    return zi


def add_tree(zf, root, arc_prefix):
    """Add root (a directory) under arc_prefix, in sorted order; symlinks as links."""
    base = os.path.dirname(root)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, base)
        entries = []
        for d in list(dirnames):
            p = os.path.join(dirpath, d)
            if os.path.islink(p):
                entries.append(d)
                dirnames.remove(d)  # do not descend into symlinked directories
        entries += filenames
        zi = info(arc_prefix + rel_dir + "/", stat.S_IFDIR | 0o755)
        zi.external_attr |= 0x10  # MS-DOS directory bit
        zf.writestr(zi, b"")
        for name in sorted(entries):
            p = os.path.join(dirpath, name)
            arc = arc_prefix + os.path.join(rel_dir, name)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                zi = info(arc, stat.S_IFLNK | 0o755)
                zf.writestr(zi, os.readlink(p), compress_type=zipfile.ZIP_STORED)
            else:
                mode = 0o755 if st.st_mode & 0o111 else 0o644
                zi = info(arc, stat.S_IFREG | mode)
                with open(p, "rb") as f:
                    zf.writestr(zi, f.read(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)


def small_zip(path, entries):
    """entries: list of (name, data, mode)."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data, mode in entries:
            zi = info(name, mode)
            ctype = zipfile.ZIP_STORED if stat.S_ISLNK(mode) else zipfile.ZIP_DEFLATED
            zf.writestr(zi, data, compress_type=ctype)


def bomb(path, size, understate=None):
    """One deflated entry of `size` zero bytes. With `understate`, the local and
    central headers claim that many uncompressed bytes instead of the truth."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b"\0" * (1 << 20)
    parts = []
    crc = 0
    left = size
    while left:
        n = min(left, len(chunk))
        parts.append(comp.compress(chunk[:n]))
        crc = zlib.crc32(chunk[:n], crc)
        left -= n
    parts.append(comp.flush())
    data = b"".join(parts)
    name = b"zeros.bin"
    claimed = size if understate is None else understate
    dostime = (0 << 11) | (0 << 5) | 0
    dosdate = ((2026 - 1980) << 9) | (1 << 5) | 1
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, dostime, dosdate,
                        crc, len(data), claimed, len(name), 0) + name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 20, 20, 0, 8,
                          dostime, dosdate, crc, len(data), claimed, len(name), 0, 0, 0, 0,
                          (stat.S_IFREG | 0o644) << 16, 0) + name
    cd_offset = len(local) + len(data)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), cd_offset, 0)
    with open(path, "wb") as f:
        f.write(local + data + central + end)


def main():
    out = sys.argv[1]
    arch = os.path.join(out, "archives")
    os.makedirs(arch, exist_ok=True)

    # The signed app, symlinks preserved (like `ditto -c -k --keepParent`).
    with zipfile.ZipFile(os.path.join(arch, "Fixture.zip"), "w") as zf:
        add_tree(zf, os.path.join(out, "bundles", "Fixture.app"), "")

    # iOS .ipa files: Payload/FixtureiOS.app/... (development, ad hoc, enterprise builds)
    for flavour in ("ios", "ios-ad-hoc", "ios-enterprise"):
        ios = os.path.join(out, "bundles", flavour)
        with zipfile.ZipFile(os.path.join(ios, "FixtureiOS.ipa"), "w") as zf:
            add_tree(zf, os.path.join(ios, "Payload"), "")

    reg = stat.S_IFREG | 0o644
    lnk = stat.S_IFLNK | 0o755

    small_zip(os.path.join(arch, "zip-slip.zip"), [
        ("Fixture.app/Contents/Info.plist", b"<plist/>\n", reg),
        ("../../evil", b"written outside the extraction root\n", reg),
    ])
    small_zip(os.path.join(arch, "absolute.zip"), [
        ("Fixture.app/Contents/Info.plist", b"<plist/>\n", reg),
        ("/etc/evil", b"absolute path entry\n", reg),
    ])
    small_zip(os.path.join(arch, "symlink-escape.zip"), [
        ("Fixture.app/Contents/Info.plist", b"<plist/>\n", reg),
        ("Fixture.app/Contents/Resources/passwd", b"../../../etc/passwd", lnk),
        # a directory symlink that escapes, followed by a file written through it
        ("Fixture.app/Contents/Resources/out", b"../../../../../tmp", lnk),
        ("Fixture.app/Contents/Resources/out/evil", b"written through a symlink\n", reg),
    ])

    bomb(os.path.join(arch, "bomb.zip"), 100 << 20)
    bomb(os.path.join(arch, "bomb-understated.zip"), 100 << 20, understate=1024)

    # Data a bundle may carry zipped: nothing in it runs.
    small_zip(os.path.join(arch, "resources-only.zip"), [
        ("docs/README.txt", b"Help pages for the fixture.\n" * 40, reg),
        ("images/icon.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, reg),
    ])

    # Java archives carrying native libraries, as Java apps ship them.
    manifest = ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\nCreated-By: fixture\r\n\r\n", reg)
    classes = ("com/example/Native.class", b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + bytes(64), reg)
    for jar, library in [("native-unsigned.jar", "macho/hello-x86_64"), ("native-signed.jar", "signed/devid-timestamped-arm64")]:
        with open(os.path.join(out, library), "rb") as f:
            code = f.read()
        small_zip(os.path.join(arch, jar), [manifest, classes, ("OSX/libfoo.jnilib", code, stat.S_IFREG | 0o755)])

    # Truncated: a normal small archive cut in the middle of its entries, so
    # neither the central directory nor the end record is present.
    tmp = os.path.join(arch, "truncated.zip.tmp")
    small_zip(tmp, [
        ("Fixture.app/Contents/Info.plist", b"<plist>" + b"x" * 2000 + b"</plist>\n", reg),
        ("Fixture.app/Contents/MacOS/Fixture", bytes(range(256)) * 16, stat.S_IFREG | 0o755),
    ])
    with open(tmp, "rb") as f:
        data = f.read()
    with open(os.path.join(arch, "truncated.zip"), "wb") as f:
        f.write(data[: len(data) // 2])
    os.remove(tmp)


if __name__ == "__main__":
    main()
