#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60) and prints its execution count.
#
#   fuzz/run.sh [SECONDS] [TARGET…]
#
# With FUZZ_RUNS=N in the environment a target also stops after N executions, whichever comes
# first (the campaign before a release: FUZZ_RUNS=1000000 fuzz/run.sh 600).
# Needs cargo-fuzz (`cargo install cargo-fuzz`). On a stable toolchain the sanitizer flags are
# enabled with RUSTC_BOOTSTRAP=1. Each target's corpus is seeded from the project's corpus on its
# first run. Crashes are left in fuzz/artifacts/<target>/; each one found becomes a test in
# tests/robustness.rs.
#
# Targets run under AddressSanitizer. FUZZ_SANITIZER=none runs them without it, about four times
# faster: panics, hangs and memory limits are still caught, and the C decoders (bzip2, liblzma)
# are still fuzzed under the sanitizer by the xar and udif targets. The whole-check target runs
# every rule and renders every format per execution, so its long campaigns use it.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
SECONDS_EACH=${1:-60}
shift || true
TARGETS=("$@")
if [[ ${#TARGETS[@]} -eq 0 ]]; then
    mapfile -t TARGETS < <(sed -n 's/^name = "\(.*\)"/\1/p' Cargo.toml | grep -v '^bundlelint-fuzz$')
fi
export RUSTC_BOOTSTRAP=1

# Run on every campaign, so seeds added to the project since reach an existing corpus; what
# libFuzzer kept is left as it is.
seed() { # target
    local dir=corpus/$1
    mkdir -p "$dir"
    case $1 in
        # Zip bombs stay out of the seeds: each execution would inflate them whole, and the
        # robustness tests already cover them. The rest is what users check. The whole check
        # takes small archives only: a signed app verifies dozens of RSA signatures, seconds
        # per execution under the sanitizer, and the parsers behind it have their own targets.
        archive|check) find ../corpus -name '*.zip' -size "$([[ $1 == check ]] && echo -64k || echo -2M)" -print0 | python3 -c '
import sys, zipfile, shutil
for path in sys.stdin.read().split("\0"):
    try:
        if path and sum(i.file_size for i in zipfile.ZipFile(path).infolist()) <= 8 << 20:
            shutil.copy(path, sys.argv[1])
    except (zipfile.BadZipFile, OSError, ValueError):
        shutil.copy(path, sys.argv[1])  # a malformed zip is a good seed
' "$dir"
            # The whole check also opens packages and disk images.
            if [[ $1 == check ]]; then
                find ../corpus/generated/packages -name '*.pkg' -exec cp -n {} "$dir" \;
                find ../corpus/generated/disk-images -name 'Tiny-*.dmg' -exec cp -n {} "$dir" \;
            fi ;;
        plist|code_resources) find ../corpus \( -name '*.plist' -o -name CodeResources \) -size -256k \
            -exec sh -c 'for f; do cp "$f" "$0/$(echo "$f" | sha1sum | cut -c1-16)"; done' "$dir" {} + ;;
        xar) find ../corpus/generated/packages -name '*.pkg' -exec cp -n {} "$dir" \; ;;
        # The tiny images only: each execution decodes the whole virtual disk and walks its
        # volume, so a seed of megabytes runs at tens of executions a second, a tiny one at
        # thousands.
        udif) find ../corpus/generated/disk-images -name 'Tiny-*.dmg' -exec cp -n {} "$dir" \; ;;
        *) find ../corpus/real/small ../corpus/generated/macho -type f -size -4M -exec cp -n {} "$dir" \; ;;
    esac
}

# The real disk images of the shared corpus, when it is beside the repository: GPT, Apple and MBR
# partition maps, bzip2, LZMA and ADC chunks, HFS+, APFS and FAT volumes (node-udif's
# two-partition images; the 2 MB FAT32 image the apple-dmg crate wrote is left out as too slow),
# a package on an image. The encrypted ones are left out: nothing past their header is read.
# Copied on every run (into the ignored corpus directory, never committed). Each execution on a
# real image decodes megabytes (~15 a second under the sanitizer), so a campaign of a million
# executions runs with FUZZ_SHARED_SEEDS=0 first, on the tiny images, and with the real ones after.
seed_shared() { # target
    local shared=../../shared/corpus/containers
    [[ $1 == udif && -d $shared && ${FUZZ_SHARED_SEEDS:-1} != 0 ]] || return 0
    find "$shared" \( -name 'SparkleTestCodeSign*.dmg' ! -name '*.enc*' -o -name gpt.dmg -o -name zlib-compressed.dmg -o -name 'compression-*.dmg' \) \
        -exec cp -n {} "corpus/$1" \;
}

# The longest input libFuzzer reads whole: a seed longer than -max_len is cut short, and a disk
# image cut short loses its trailer.
longest_seed() { # target default
    local longest
    longest=$(find "corpus/$1" -type f -printf '%s\n' | sort -n | tail -1)
    echo $(( ${longest:-0} > $2 ? longest : $2 ))
}

printf '%-16s %12s %8s %s\n' target executions seconds result
for t in "${TARGETS[@]}"; do
    seed "$t"
    seed_shared "$t"
    log=$(mktemp)
    status=ok
    start=$(date +%s)
    max_len=1048576
    [[ $t == check ]] && max_len=65536
    [[ $t == udif ]] && max_len=$(longest_seed udif 65536)
    cargo fuzz run --release --sanitizer "${FUZZ_SANITIZER:-address}" "$t" "corpus/$t" -- -max_total_time="$SECONDS_EACH" -runs="${FUZZ_RUNS:--1}" -rss_limit_mb=2048 \
        -max_len="$max_len" -print_final_stats=1 >"$log" 2>&1 || status="CRASH (see fuzz/artifacts/$t, log $log)"
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
    [[ -n $runs ]] || runs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
    printf '%-16s %12s %8s %s\n' "$t" "${runs:-?}" "$(( $(date +%s) - start ))" "$status"
    [[ $status == ok ]] && rm -f "$log"
done
