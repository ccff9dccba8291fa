#!/usr/bin/env bash
# Checks a generated ~1 GB component package and compares the time with the physical limit:
# decompressing and hashing the same payload once. Reports bundlelint's wall time and peak
# memory (median of the runs), the baseline's wall time and their ratio.
#
#   bench/big-pkg.sh [--size-mb N] [--small N] [--runs N] [--bin PATH] [--keep]
#
#   --size-mb N   resources added to the app, in MB (default 1024)
#   --small N     how many of them are 16 KiB files (default 2000; the rest are 2–16 MB files)
#   --runs N      timed runs of each command; medians are reported (default 3)
#   --bin PATH    the bundlelint to measure (default target/release/bundlelint, built when missing)
#   --keep        keep the work directory (its path is printed)
#   --work DIR    use DIR as the work directory and keep it; a package already generated there
#                 (by an earlier run with the same sizes) is measured again
#
# The package (bench/make-big-pkg.py) installs the signed corpus fixture app with every added
# resource sealed, so `check` inflates the whole payload, verifies the xar checksums of it and
# hashes every resource for the seal. The baseline is the faster of two single-pass pipelines
# over the gzip payload alone: `gzip -dc | sha256sum` (two processes, so two cores) and one
# python3 process (zlib inflate + hashlib SHA-256, OpenSSL's). Needs python3 and GNU time
# (/usr/bin/time).

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZE_MB=1024
SMALL=2000
RUNS=3
BIN="$ROOT/target/release/bundlelint"
KEEP=0
WORK=
while [[ $# -gt 0 ]]; do
    case $1 in
        --size-mb) SIZE_MB=$2; shift ;;
        --small) SMALL=$2; shift ;;
        --runs) RUNS=$2; shift ;;
        --bin) BIN=$2; shift ;;
        --keep) KEEP=1 ;;
        --work) WORK=$2; KEEP=1; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

if [[ ! -x /usr/bin/time ]]; then
    echo "GNU time (/usr/bin/time) is needed to measure peak memory" >&2
    exit 1
fi
if [[ ! -x $BIN ]]; then
    (cd "$ROOT" && cargo build --release --locked)
fi

if [[ -z $WORK ]]; then
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/big-pkg.XXXXXX")
fi
mkdir -p "$WORK"
if [[ $KEEP == 0 ]]; then
    trap 'rm -rf "$WORK"' EXIT
else
    echo "work directory: $WORK"
fi

if [[ ! -f $WORK/Big.pkg || ! -f $WORK/Payload.gz || $(cat "$WORK/sizes" 2>/dev/null) != "$SIZE_MB $SMALL" ]]; then
    echo "generating a ${SIZE_MB} MB package…"
    python3 "$ROOT/bench/make-big-pkg.py" "$WORK/Big.pkg" --size-mb "$SIZE_MB" --small "$SMALL" \
        --payload-out "$WORK/Payload.gz"
    echo "$SIZE_MB $SMALL" >"$WORK/sizes"
fi
echo "package: $(stat -c %s "$WORK/Big.pkg") bytes, payload $(stat -c %s "$WORK/Payload.gz") bytes compressed"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Wall seconds of "$@", measured by GNU time; peak RSS (KiB) goes to $WORK/rss.
timed() {
    /usr/bin/time -f '%e %M' -o "$WORK/time" "$@" >/dev/null 2>"$WORK/stderr" || true
    # The last line: GNU time writes a note about a non-zero exit status before it.
    read -r wall rss < <(tail -n 1 "$WORK/time")
    echo "$rss" >"$WORK/rss"
    echo "$wall"
}

# Warm the page cache so every command reads from memory.
cat "$WORK/Big.pkg" "$WORK/Payload.gz" >/dev/null

shell_times=() python_times=() check_times=() check_rss=()
for _ in $(seq "$RUNS"); do
    shell_times+=("$(timed sh -c "gzip -dc '$WORK/Payload.gz' | sha256sum")")
    python_times+=("$(timed python3 -c '
import hashlib, sys, zlib
d, h = zlib.decompressobj(31), hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    while block := f.read(1 << 20):
        h.update(d.decompress(block))
h.update(d.flush())
print(h.hexdigest())
' "$WORK/Payload.gz")")
    check_times+=("$(timed "$BIN" check --format json --no-config "$WORK/Big.pkg")")
    check_rss+=("$(cat "$WORK/rss")")
done
"$BIN" check --format json --no-config "$WORK/Big.pkg" >"$WORK/report.json" 2>"$WORK/stderr" || true
if ! grep -q '"findings"' "$WORK/report.json"; then
    echo "bundlelint check did not report: $(cat "$WORK/stderr")" >&2
    exit 1
fi

shell=$(printf '%s\n' "${shell_times[@]}" | median)
python=$(printf '%s\n' "${python_times[@]}" | median)
check=$(printf '%s\n' "${check_times[@]}" | median)
rss=$(printf '%s\n' "${check_rss[@]}" | median)
read -r baseline which < <(awk -v s="$shell" -v p="$python" \
    'BEGIN { if (s <= p) print s, "gzip -dc | sha256sum"; else print p, "python3 zlib + hashlib" }')

echo
echo "runs: $RUNS (medians)"
echo "baseline gzip -dc | sha256sum:    ${shell} s"
echo "baseline python3 zlib + hashlib:  ${python} s"
echo "bundlelint check:                 ${check} s, peak RSS $((rss / 1024)) MB"
awk -v c="$check" -v b="$baseline" -v w="$which" \
    'BEGIN { printf "ratio check / baseline (%s): %.2f\n", w, c / b }'
