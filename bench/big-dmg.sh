#!/usr/bin/env bash
# Time and peak memory of `bundlelint check` on a 1 GB disk image, against the physical floor:
# inflating every chunk of the same image and hashing the output (bench/inflate-hash.py).
#
#   bench/big-dmg.sh [--mb N] [--runs N] [--bin PATH] [--keep]
#
#   --mb N      resources on the image's app, in MiB (default 1000)
#   --runs N    timed runs of each command; medians are reported (default 3)
#   --bin PATH  the bundlelint binary (default target/release/bundlelint, built when missing)
#   --keep      keep the work directory (${TMPDIR:-/tmp}/bundlelint-big-dmg) and reuse its image
#
# The image: an HFS+ volume (xorriso -hfsplus) holding a copy of the signed corpus fixture app
# with N MiB of sealed resources of mixed compressibility (bench/make-big-dmg-app.py), wrapped in
# UDIF with zlib level 1 in 1 MiB chunks, as hdiutil's UDZO writes it (tools/make-udif.py).
# Checking it decodes every chunk (block-table CRC32s) and hashes every file (the app's resource
# seal). Targets: peak RSS under 200 MB, time within 1.5x the floor. Needs xorriso and python3.
# Prints: bytes, median seconds and peak RSS of each command, and the ratio.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MB=1000
RUNS=3
BIN=$ROOT/target/release/bundlelint
KEEP=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --mb) MB=$2; shift ;;
        --runs) RUNS=$2; shift ;;
        --bin) BIN=$2; shift ;;
        --keep) KEEP=1 ;;
        -h|--help) sed -n '2,/^set/p' "$0" | sed '$d'; exit 0 ;;
        *) echo "big-dmg: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

command -v xorriso >/dev/null || { echo "big-dmg: needs xorriso (apt-get install xorriso)" >&2; exit 2; }
[[ -x $BIN ]] || cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
WORK=${TMPDIR:-/tmp}/bundlelint-big-dmg
mkdir -p "$WORK"
[[ $KEEP == 1 ]] || trap 'rm -rf "$WORK"' EXIT
IMAGE=$WORK/Big.dmg

if [[ ! -f $IMAGE ]]; then
    echo "generating a ${MB} MiB app and its image in $WORK ..." >&2
    rm -rf "$WORK/volume"
    python3 "$ROOT/bench/make-big-dmg-app.py" "$WORK/volume/Big.app" --mb "$MB"
    xorriso -as mkisofs -quiet -hfsplus -V Big -o "$WORK/volume.img" "$WORK/volume"
    rm -rf "$WORK/volume"
    python3 "$ROOT/tools/make-udif.py" "$WORK/volume.img" "$IMAGE" --codec zlib --level 1 \
        --name "whole disk (Apple_partition_scheme : 0)"
    rm -f "$WORK/volume.img"
fi

measure() { # label command...
    local label=$1 times=() rss=()
    shift
    for _ in $(seq "$RUNS"); do
        # Findings make check exit 1; only the time and peak memory matter here.
        /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >/dev/null 2>&1 || true
        local line
        line=$(tail -1 "$WORK/time")
        times+=("${line% *}")
        rss+=("${line#* }")
    done
    echo "$label ${times[*]} / ${rss[*]}"
}

# Warm the page cache so both commands read the image from memory.
cat "$IMAGE" >/dev/null
check=$(measure check "$BIN" check --no-config --format concise \
    --trust-anchor "$ROOT/corpus/generated/pki/root.pem" "$IMAGE")
floor=$(measure floor python3 "$ROOT/bench/inflate-hash.py" "$IMAGE")
python3 - "$(stat -c %s "$IMAGE")" "$check" "$floor" <<'PY'
import statistics, sys
size = int(sys.argv[1])
def parse(line):
    label, rest = line.split(" ", 1)
    times, rss = rest.split(" / ")
    return label, statistics.median(float(t) for t in times.split()), max(int(r) for r in rss.split()) / 1024, times
rows = [parse(l) for l in sys.argv[2:]]
print(f"image: {size / 1e6:.0f} MB")
for label, t, m, times in rows:
    print(f"{label:6} median {t:6.2f} s  peak RSS {m:6.0f} MB  (runs: {times})")
print(f"ratio check / floor: {rows[0][1] / rows[1][1]:.2f}")
PY
