#!/usr/bin/env bash
# Measures bundlelint's verifier on a large signed universal binary against the hardware limit
# (the same digests over the same bytes on all cores) and against `rcodesign verify`, plus peak
# memory on a 1 GB binary and the time for a real notarized app.
#
#   bench/compare.sh [--size-mb N] [--rss-size-mb N] [--runs N] [--no-install] [--keep]
#
#   --size-mb N      code pages of the timed binary, both slices together (default 256)
#   --rss-size-mb N  size of the binary peak memory is measured on (default 1024; 0 skips)
#   --runs N         timed runs per command; medians are reported (default 5)
#   --no-install     do not try to install rcodesign when it is not found
#   --keep           keep the work directory
#
# Needs: tools/fixture-gen/target/release/fixture-gen (signs the binaries; built here when missing
# unless --no-install), clang, ld64.lld-14 and
# llvm-lipo-14 (make the binaries), python3. Uses hyperfine when installed. Each missing piece
# skips its part with a message.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZE_MB=256
RSS_MB=1024
RUNS=5
INSTALL=1
KEEP=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --size-mb) SIZE_MB=$2; shift ;;
        --rss-size-mb) RSS_MB=$2; shift ;;
        --runs) RUNS=$2; shift ;;
        --no-install) INSTALL=0 ;;
        --keep) KEEP=1 ;;
        -h|--help) sed -n '2,/^$/p' "$0"; exit 0 ;;
        *) echo "compare: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

CC=${CC:-clang}
LD64=${LD64:-ld64.lld-14}
LIPO=${LIPO:-llvm-lipo-14}
FIXTURE_GEN=$ROOT/tools/fixture-gen/target/release/fixture-gen
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/bundlelint-bench
RCODESIGN_INSTALL_TIMEOUT=${RCODESIGN_INSTALL_TIMEOUT:-1800}
MITMPROXY="$ROOT/corpus/real/mitmproxy-redirector/Mitmproxy Redirector.app"

skip() { echo "compare: skipped: $*"; }

if [[ ! -x $FIXTURE_GEN && $INSTALL == 1 ]]; then
    # A clean clone has no signer yet: build it once (several minutes on two cores).
    echo "building tools/fixture-gen (signs the large binaries)"
    cargo build --release --quiet --manifest-path "$ROOT/tools/fixture-gen/Cargo.toml" || true
fi
if [[ ! -x $FIXTURE_GEN ]]; then
    skip "no $FIXTURE_GEN to sign the large binary (cargo build --release --manifest-path tools/fixture-gen/Cargo.toml)"
    exit 0
fi
for tool in "$CC" "$LD64" "$LIPO" python3; do
    if ! command -v "$tool" >/dev/null && [[ $INSTALL == 1 ]] && command -v apt-get >/dev/null; then
        echo "installing clang and lld to build the large binary"
        (apt-get update -qq && apt-get install -y -qq clang lld) >/dev/null 2>&1 || true
    fi
    command -v "$tool" >/dev/null || { skip "missing $tool to build the large binary"; exit 0; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bundlelint-bench.XXXXXX")
cleanup() { [[ $KEEP == 1 ]] && echo "work directory kept: $WORK" || rm -rf "$WORK"; }
trap cleanup EXIT

echo "building bundlelint examples (release)"
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --example verify --example sha256_limit
VERIFY=$ROOT/target/release/examples/verify
LIMIT=$ROOT/target/release/examples/sha256_limit

# make_binary MB NAME [ARCHS]: an executable (universal x86_64 + arm64 unless ARCHS says
# otherwise) with MB megabytes of random code pages in __TEXT,__blob, signed ad hoc with a SHA-1
# and a SHA-256 CodeDirectory (NAME), and the same code signed with a SHA-256 CodeDirectory only
# (NAME-sha256).
make_binary() {
    local mb=$1 name=$2 archs=${3:-"x86_64 arm64"}
    local count
    count=$(wc -w <<<"$archs")
    local half=$(( mb * 1024 * 1024 / count ))
    for arch in $archs; do
        head -c "$half" /dev/urandom > "$WORK/blob-$arch"
        "$CC" -target "$arch-apple-macos11" -ffreestanding -fno-stack-protector -Os \
            -c "$ROOT/tools/fixture-src/tiny.c" -o "$WORK/tiny-$arch.o"
        "$LD64" -arch "$arch" -platform_version macos 11.0 14.0 -no_adhoc_codesign \
            -sectcreate __TEXT __blob "$WORK/blob-$arch" \
            -o "$WORK/$name-$arch" "$WORK/tiny-$arch.o" "$ROOT/tools/fixture-src/libSystem.tbd"
        rm -f "$WORK/blob-$arch"
    done
    if [[ $count == 1 ]]; then
        mv "$WORK/$name-$archs" "$WORK/$name-unsigned"
    else
        "$LIPO" -create $(for arch in $archs; do echo "$WORK/$name-$arch"; done) -output "$WORK/$name-unsigned"
        for arch in $archs; do rm -f "$WORK/$name-$arch"; done
    fi
    "$FIXTURE_GEN" sign "$WORK/$name-unsigned" "$WORK/$name" --identifier "com.example.$name" \
        --digest sha1 --digest sha256
    "$FIXTURE_GEN" sign "$WORK/$name-unsigned" "$WORK/$name-sha256" --identifier "com.example.$name" \
        --digest sha256
    rm -f "$WORK/$name-unsigned"
}

# median_seconds CMD...: the median wall time of RUNS runs (after one warm-up run).
median_seconds() {
    if command -v hyperfine >/dev/null; then
        hyperfine --style none --ignore-failure --warmup 1 --runs "$RUNS" --export-json "$WORK/h.json" \
            -- "$(printf '%q ' "$@")" >/dev/null 2>&1
        python3 -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$WORK/h.json"
    else
        "$@" >/dev/null 2>&1 || true
        local times=()
        for _ in $(seq "$RUNS"); do
            local t0 t1
            t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s.%N)
            times+=("$(python3 -c "print($t1 - $t0)")")
        done
        printf '%s\n' "${times[@]}" | sort -g | python3 -c 'import sys; v=[float(x) for x in sys.stdin]; print("%.4f" % v[len(v)//2])'
    fi
}

# peak_rss_mb CMD...: maximum resident set size of one run, in MB.
peak_rss_mb() {
    { /usr/bin/time -v "$@" 2>&1 >/dev/null || true; } | awk -F: '/Maximum resident set size/ { printf "%.0f\n", $2 / 1024 }'
}

mbps() { python3 -c "print('%.0f' % ($1 / 1e6 / $2))"; }

find_rcodesign() {
    for candidate in "$(command -v rcodesign || true)" "$HOME/.cargo/bin/rcodesign" \
        "$ROOT/tools/fixture-gen/target/release/rcodesign" "$CACHE/rcodesign/bin/rcodesign"; do
        [[ -n $candidate && -x $candidate ]] && { echo "$candidate"; return; }
    done
    if [[ $INSTALL == 1 ]] && command -v cargo >/dev/null; then
        echo "installing rcodesign into $CACHE/rcodesign (up to ${RCODESIGN_INSTALL_TIMEOUT}s)" >&2
        mkdir -p "$CACHE"
        if timeout "$RCODESIGN_INSTALL_TIMEOUT" cargo install apple-codesign --no-default-features --locked \
            --root "$CACHE/rcodesign" >"$CACHE/install.log" 2>&1; then
            echo "$CACHE/rcodesign/bin/rcodesign"
            return
        fi
        echo "compare: rcodesign install failed or timed out (see $CACHE/install.log)" >&2
    fi
}

echo "making a ${SIZE_MB} MB universal binary (SHA-1 + SHA-256 CodeDirectories)"
make_binary "$SIZE_MB" Big
BIG=$WORK/Big
BYTES=$(stat -c %s "$BIG")
for signed in "$BIG" "$BIG-sha256"; do
    "$VERIFY" "$signed" >"$WORK/verify.out" 2>&1 || {
        cat "$WORK/verify.out"
        echo "compare: the fresh binary $signed does not verify clean" >&2
        exit 1
    }
done

echo "timing (median of $RUNS runs each)"
T_VERIFY=$(median_seconds "$VERIFY" --quiet "$BIG")
T_LIMIT_BOTH=$(median_seconds "$LIMIT" "$BIG" --sha1)
T_LIMIT_256=$(median_seconds "$LIMIT" "$BIG")
BYTES_256=$(stat -c %s "$BIG-sha256")
T_VERIFY_256=$(median_seconds "$VERIFY" --quiet "$BIG-sha256")
T_LIMIT_256_ONLY=$(median_seconds "$LIMIT" "$BIG-sha256")
T_MITM=$(median_seconds "$VERIFY" --quiet "$MITMPROXY")
RSS_BIG=$(peak_rss_mb "$VERIFY" --quiet "$BIG")

RCODESIGN=$(find_rcodesign || true)
if [[ -n $RCODESIGN ]]; then
    # rcodesign 0.29 hashes every page of every CodeDirectory, then complains about the empty CMS
    # blob of ad-hoc signatures ("CMS error: missing further values"); any other complaint means
    # it did not verify the same thing.
    "$RCODESIGN" verify "$BIG" >"$WORK/rcodesign.log" 2>&1 || true
    if grep -v -e 'CMS error: missing further values' -e 'known to be buggy' -e 'problems reported during verification' \
        "$WORK/rcodesign.log" | grep -q .; then
        skip "rcodesign verify reports something else: $(head -3 "$WORK/rcodesign.log")"
    else
        T_RCODESIGN=$(median_seconds "$RCODESIGN" verify "$BIG")
        RSS_RCODESIGN=$(peak_rss_mb "$RCODESIGN" verify "$BIG")
    fi
else
    skip "no rcodesign (set INSTALL or put it in ~/.cargo/bin)"
fi

if [[ $RSS_MB -gt 0 ]]; then
    echo "making a ${RSS_MB} MB universal binary for peak memory"
    make_binary "$RSS_MB" Huge
    RSS_HUGE=$(peak_rss_mb "$VERIFY" --quiet "$WORK/Huge")
    MEMORY_HUGE=$("$VERIFY" --quiet --memory "$WORK/Huge" 2>&1 | sed -n 's/^memory: //p')
    T_HUGE=$(median_seconds "$VERIFY" --quiet "$WORK/Huge")
    HUGE_BYTES=$(stat -c %s "$WORK/Huge")
fi

echo
echo "== bundlelint verify vs. limits ($(nproc) cores, $(python3 -c "print('%.0f' % ($BYTES / 1e6))") MB universal binary)"
printf '%-44s %8ss %8s MB/s\n' "bundlelint verify (SHA-1 + SHA-256 pages)" "$T_VERIFY" "$(mbps "$BYTES" "$T_VERIFY")"
printf '%-44s %8ss %8s MB/s\n' "limit: SHA-1 + SHA-256 on all cores" "$T_LIMIT_BOTH" "$(mbps "$BYTES" "$T_LIMIT_BOTH")"
printf '%-44s %8ss %8s MB/s\n' "limit: SHA-256 on all cores" "$T_LIMIT_256" "$(mbps "$BYTES" "$T_LIMIT_256")"
printf '%-44s %8s%%\n' "verify / same-digest limit" "$(python3 -c "print('%.0f' % (100 * $T_LIMIT_BOTH / $T_VERIFY))")"
printf '%-44s %8s%%\n' "verify / SHA-256-only limit" "$(python3 -c "print('%.0f' % (100 * $T_LIMIT_256 / $T_VERIFY))")"
printf '%-44s %8ss %8s MB/s\n' "bundlelint verify, SHA-256-only signature" "$T_VERIFY_256" "$(mbps "$BYTES_256" "$T_VERIFY_256")"
printf '%-44s %8ss %8s MB/s\n' "limit: SHA-256 on all cores, same file" "$T_LIMIT_256_ONLY" "$(mbps "$BYTES_256" "$T_LIMIT_256_ONLY")"
printf '%-44s %8s%%\n' "verify / SHA-256 limit (SHA-256 signature)" "$(python3 -c "print('%.0f' % (100 * $T_LIMIT_256_ONLY / $T_VERIFY_256))")"
if [[ -n ${T_RCODESIGN:-} ]]; then
    printf '%-44s %8ss %8s MB/s\n' "rcodesign verify" "$T_RCODESIGN" "$(mbps "$BYTES" "$T_RCODESIGN")"
    printf '%-44s %8sx\n' "speed-up over rcodesign" "$(python3 -c "print('%.1f' % ($T_RCODESIGN / $T_VERIFY))")"
    printf '%-44s %8s MB\n' "rcodesign peak RSS" "$RSS_RCODESIGN"
fi
printf '%-44s %8s MB\n' "bundlelint peak RSS ($(python3 -c "print('%.0f' % ($BYTES / 1e6))") MB binary)" "$RSS_BIG"
if [[ -n ${RSS_HUGE:-} ]]; then
    printf '%-44s %8s MB  (%ss, %s MB/s)\n' "bundlelint peak RSS ($(python3 -c "print('%.0f' % ($HUGE_BYTES / 1e6))") MB binary)" "$RSS_HUGE" "$T_HUGE" "$(mbps "$HUGE_BYTES" "$T_HUGE")"
    printf '%-44s %s\n' "  of which (at exit)" "$MEMORY_HUGE"
    RSS_LIMIT=$(peak_rss_mb "$LIMIT" "$WORK/Huge" --sha1)
    RSS_LIMIT_RELEASED=$(peak_rss_mb "$LIMIT" "$WORK/Huge" --sha1 --release-pages)
    printf '%-44s %8s MB\n' "hashing the mapped file, pages kept" "$RSS_LIMIT"
    printf '%-44s %8s MB\n' "hashing the mapped file, pages released" "$RSS_LIMIT_RELEASED"
fi
printf '%-44s %8ss\n' "bundlelint verify, Mitmproxy Redirector.app" "$T_MITM"

# The command users run, process against process: `bundlelint check` (every rule) and a process
# that maps the same file and hashes the same pages on all cores, both paying for mapping and page
# faults; for the bundle, one sha256sum process over every file of it.
CHECK=$ROOT/target/release/bundlelint
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin bundlelint
echo "making a ${SIZE_MB} MB thin (arm64) binary and a 1,000-file sealed bundle"
make_binary "$SIZE_MB" Thin arm64
python3 "$ROOT/bench/make-big-bundle.py" "$WORK/Items.app" --files 1000 --size 1024
check_vs() { # label file-or-bundle limit-command...
    local label=$1 target=$2
    shift 2
    local t_check t_limit
    t_check=$(median_seconds "$CHECK" check --no-config --format concise "$target")
    t_limit=$(median_seconds "$@")
    printf '%-30s %9ss %9ss %8s\n' "$label" "$t_check" "$t_limit" "$(python3 -c "print('%.2f' % ($t_limit / $t_check))")"
}
echo
echo "== bundlelint check vs. the hashing limit, whole processes (limit / check: 1.00 = at the limit)"
printf '%-30s %10s %10s %8s\n' "input" "check" "limit" "ratio"
check_vs "thin arm64 binary" "$WORK/Thin-sha256" "$LIMIT" "$WORK/Thin-sha256"
check_vs "universal binary" "$BIG-sha256" "$LIMIT" "$BIG-sha256"
check_vs "1,000-file bundle" "$WORK/Items.app" sh -c 'find "$0" -type f -print0 | xargs -0 sha256sum >/dev/null' "$WORK/Items.app"
