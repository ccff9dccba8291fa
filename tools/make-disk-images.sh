#!/bin/sh
# Disk images of the generated corpus, made on Linux: an HFS+ volume holding
# corpus/generated/bundles/Fixture.app (xorriso writes an ISO 9660 / HFS+ hybrid behind an Apple
# partition map), wrapped in UDIF by tools/make-udif.py with each codec, plus a variant whose
# block-table CRC32 does not match, a tiny image (one app, two files) that seeds the fuzz target,
# an image with HFS+ hard links, FAT images (what `hdiutil -fs MS-DOS` and the apple-dmg crate
# write) and a FAT volume that contains itself. Needs xorriso, dosfstools and mtools (apt-get
# install xorriso dosfstools mtools) and python3; the outputs are committed, so CI does not run
# this.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/corpus/generated/disk-images"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$work/volume"
cp -a "$root/corpus/generated/bundles/Fixture.app" "$work/volume/"
# Fixed dates so the image is byte-stable.
find "$work/volume" -exec touch -h -d '2026-01-01 00:00:00 UTC' {} +
SOURCE_DATE_EPOCH=1767225600 xorriso -as mkisofs -quiet -hfsplus -V Fixture \
    --modification-date=2026010100000000 -o "$work/hybrid.img" "$work/volume"
udif="$root/tools/make-udif.py"
python3 "$udif" "$work/hybrid.img" "$out/Fixture-zlib.dmg" --codec zlib --name "whole disk (Apple_partition_scheme : 0)"
python3 "$udif" "$work/hybrid.img" "$out/Fixture-bzip2.dmg" --codec bzip2 --name "whole disk (Apple_partition_scheme : 0)"
python3 "$udif" "$work/hybrid.img" "$out/Fixture-bad-crc.dmg" --codec zlib --wrong-table-crc \
    --name "whole disk (Apple_partition_scheme : 0)"
# The fuzz seed: a few kilobytes, so each execution decodes and walks a small volume.
mkdir -p "$work/tiny/Tiny.app/Contents/MacOS"
printf 'tiny\n' > "$work/tiny/Tiny.app/Contents/MacOS/Tiny"
ln -s MacOS/Tiny "$work/tiny/Tiny.app/Contents/link"
find "$work/tiny" -exec touch -h -d '2026-01-01 00:00:00 UTC' {} +
SOURCE_DATE_EPOCH=1767225600 xorriso -as mkisofs -quiet -hfsplus -V Tiny \
    --modification-date=2026010100000000 -o "$work/tiny.img" "$work/tiny"
python3 "$udif" "$work/tiny.img" "$out/Tiny-zlib.dmg" --codec zlib --name "whole disk (Apple_partition_scheme : 0)"
python3 "$udif" "$work/tiny.img" "$out/Tiny-bzip2.dmg" --codec bzip2 --name "whole disk (Apple_partition_scheme : 0)"
# Hard links, which no Linux tool writes: the app's executable is a hard link to an unsigned
# Mach-O kept as iNode1000 in the hidden `\0\0\0\0HFS+ Private Data` directory, and
# Contents/Resources/Shared a directory hard link; tools/make-hard-link-image.py edits the
# catalog xorriso wrote (see there).
links="$work/links"
mkdir -p "$links/Linked.app/Contents/MacOS" "$links/Linked.app/Contents/Resources" "$links/~~~~HFS+ Private Data"
cp "$root/corpus/generated/macho/hello-x86_64" "$links/~~~~HFS+ Private Data/iNode1000"
: > "$links/Linked.app/Contents/MacOS/Linked"
: > "$links/Linked.app/Contents/Resources/Shared"
cat > "$links/Linked.app/Contents/Info.plist" <<'PLIST'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>CFBundleExecutable</key>
	<string>Linked</string>
	<key>CFBundleIdentifier</key>
	<string>com.example.linked</string>
	<key>CFBundlePackageType</key>
	<string>APPL</string>
</dict>
</plist>
PLIST
find "$links" -exec touch -h -d '2026-01-01 00:00:00 UTC' {} +
SOURCE_DATE_EPOCH=1767225600 xorriso -as mkisofs -quiet -hfsplus -V Linked \
    --modification-date=2026010100000000 -o "$work/links.img" "$links"
printf 'LINK Linked 1000\nDIRLINK Shared 7\n' | python3 "$root/tools/make-hard-link-image.py" "$work/links.img"
python3 "$udif" "$work/links.img" "$out/Hard-links.dmg" --codec zlib --name "whole disk (Apple_partition_scheme : 0)"
# FAT: the signed app copied with mtools, which, as any copy onto FAT, loses its symbolic links
# (the framework's Versions/Current and root links), and a tiny FAT12 fuzz seed. Fixed volume
# serial and dates (--invariant, mcopy -m) keep the images byte-stable.
export MTOOLS_SKIP_CHECK=1
truncate -s 40M "$work/fat.img"
mkfs.fat -F 32 -s 1 -n FIXTURE --invariant "$work/fat.img" >/dev/null
mcopy -s -m -i "$work/fat.img" "$work/volume/Fixture.app" ::/ 2>/dev/null
python3 "$udif" "$work/fat.img" "$out/Fixture-fat.dmg" --codec zlib --name "whole disk (DOS_FAT_32 : 0)"
truncate -s 1M "$work/tiny-fat.img"
mkfs.fat -F 12 -n TINY --invariant "$work/tiny-fat.img" >/dev/null
mcopy -s -m -i "$work/tiny-fat.img" "$work/tiny/Tiny.app" ::/ 2>/dev/null
python3 "$udif" "$work/tiny-fat.img" "$out/Tiny-fat.dmg" --codec zlib --name "whole disk (DOS_FAT_12 : 0)"
# A FAT volume that contains itself: `Loop` holds two directories of 200-character names, both
# then pointed at `Loop`'s own first cluster, so each lists `Loop` again. Every level doubles the
# paths below it and lengthens them by 201 bytes; the tiny app beside it is still read.
truncate -s 1M "$work/loop-fat.img"
mkfs.fat -F 12 -n LOOP --invariant "$work/loop-fat.img" >/dev/null
mcopy -s -m -i "$work/loop-fat.img" "$work/tiny/Tiny.app" ::/ 2>/dev/null
a=$(printf 'a%.0s' $(seq 200)); b=$(printf 'b%.0s' $(seq 200))
mmd -i "$work/loop-fat.img" ::/Loop "::/Loop/$a" "::/Loop/$b"
python3 - "$work/loop-fat.img" <<'PY'
import sys
path = sys.argv[1]
disk = bytearray(open(path, "rb").read())
def directory_entry(short):  # a short entry with the directory attribute
    at = disk.find(short)
    while at >= 0 and disk[at + 11] != 0x10:
        at = disk.find(short, at + 1)
    assert at >= 0, short
    return at
own = directory_entry(b"LOOP       ") + 26
for short in (b"AAAAAA~1   ", b"BBBBBB~1   "):
    at = directory_entry(short) + 26
    disk[at:at + 2] = disk[own:own + 2]
open(path, "wb").write(disk)
PY
python3 "$udif" "$work/loop-fat.img" "$out/Looping-fat.dmg" --codec zlib --name "whole disk (DOS_FAT_12 : 0)"
ls -l "$out"
