#!/bin/sh
# Disk images of the generated corpus, made on Linux: an HFS+ volume holding
# corpus/generated/bundles/Fixture.app (xorriso writes an ISO 9660 / HFS+ hybrid behind an Apple
# partition map), wrapped in UDIF by tools/make-udif.py with each codec, plus a variant whose
# block-table CRC32 does not match, and a tiny image (one app, two files) that seeds the fuzz target. Needs xorriso (apt-get install xorriso) and python3; the
# outputs are committed, so CI does not run this.
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
ls -l "$out"
