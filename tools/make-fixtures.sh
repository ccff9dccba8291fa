#!/usr/bin/env bash
# Rebuilds the generated test corpus (corpus/generated/) from source.
#
#   tools/make-fixtures.sh [--new-pki] [OUT_DIR]
#   tools/make-fixtures.sh --only products [OUT_DIR]
#   tools/make-fixtures.sh --only bundles [OUT_DIR]
#
# Steps: compile the Mach-O inputs (clang + ld64.lld), create the test PKI
# (openssl), start a loopback RFC 3161 time-stamp server, run
# `fixture-gen generate` (signing, bundles, profiles) and `fixture-gen
# products` (whole signed apps for scenarios, OUT_DIR/products), build the zip
# archives, then `fixture-gen oracle` (ORACLE.jsonl) and `fixture-gen cases`
# (inputs of rule cases, OUT_DIR/cases). Safe to run again: every output
# except README.md is deleted and recreated.
#
# --only products rebuilds OUT_DIR/products and ORACLE.jsonl and leaves every
# other output as it is (it needs the existing test PKI). --only bundles
# rebuilds OUT_DIR/bundles (with the profiles, which come out byte-identical),
# the archives made from them, ORACLE.jsonl and OUT_DIR/cases.
#
# Requirements (Debian/Ubuntu): clang lld (ld64.lld-14, llvm-lipo-14), openssl,
# python3, cargo. Override tool names with CC, LD64, LIPO.
#
# The test PKI in OUT_DIR/pki is reused when it is complete, so a rerun
# reproduces the RSA-signed files byte for byte; --new-pki (or a missing
# certificate) creates a fresh one, which changes every certificate-signed
# file. ECDSA signatures and time-stamp tokens differ on every run.
#
# Not run by CI: the results are committed.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRC=$ROOT/tools/fixture-src
GEN_PROJECT=$ROOT/tools/fixture-gen

NEW_PKI=0
ONLY=
OUT_ARG=
while [[ $# -gt 0 ]]; do
    a=$1
    shift
    case $a in
        --new-pki) NEW_PKI=1 ;;
        --only)
            ONLY=${1:-}
            shift || true
            [[ $ONLY == products || $ONLY == bundles ]] || { echo "make-fixtures: --only takes: products, bundles" >&2; exit 2; }
            ;;
        -h|--help) sed -n '2,/^$/p' "$0"; exit 0 ;;
        -*) echo "make-fixtures: unknown option $a" >&2; exit 2 ;;
        *) OUT_ARG=$a ;;
    esac
done
OUT_ARG=${OUT_ARG:-$ROOT/corpus/generated}
OUT=$(mkdir -p "$OUT_ARG" && cd "$OUT_ARG" && pwd)
WORK=$GEN_PROJECT/target/fixture-work
[[ -n $ONLY && $NEW_PKI == 1 ]] && { echo "make-fixtures: --only keeps the test PKI; drop --new-pki" >&2; exit 2; }
BIN=$WORK/bin

CC=${CC:-clang}
LD64=${LD64:-ld64.lld-14}
LIPO=${LIPO:-llvm-lipo-14}

need() { command -v "$1" >/dev/null 2>&1 || { echo "make-fixtures: missing tool: $1" >&2; exit 1; }; }
for t in "$CC" "$LD64" "$LIPO" openssl python3 cargo; do need "$t"; done

start=$(date +%s)
log() { printf '[%3ss] %s\n' "$(( $(date +%s) - start ))" "$*"; }

# ---------------------------------------------------------------------------
log "building fixture-gen"
cargo build --release --quiet --manifest-path "$GEN_PROJECT/Cargo.toml"
FIXTURE_GEN=${CARGO_TARGET_DIR:-$GEN_PROJECT/target}/release/fixture-gen

# ---------------------------------------------------------------------------
rm -rf "$WORK"
mkdir -p "$WORK" "$BIN"
PKI_NAMES=(root devidca wwdr devid devid-ec appledev profsign tsa)
for n in "${PKI_NAMES[@]}"; do
    [[ -f $OUT/pki/$n.pem && -f $OUT/pki/$n.key ]] || NEW_PKI=1
done
if [[ -n $ONLY ]]; then
    [[ $NEW_PKI == 0 ]] || { echo "make-fixtures: --only needs the test PKI in $OUT/pki" >&2; exit 1; }
else
    log "cleaning $OUT"
    for d in macho signed profile bundles products archives; do rm -rf "${OUT:?}/$d"; done
    [[ $NEW_PKI == 1 ]] && rm -rf "${OUT:?}/pki"
    rm -f "$OUT/ORACLE.jsonl"
    mkdir -p "$OUT/macho" "$OUT/pki"
fi

# ---------------------------------------------------------------------------
# Mach-O inputs. macOS 11.0 minimum, SDK 14.0 (the SDK version becomes the
# hardened-runtime version in the CodeDirectory).
log "compiling Mach-O inputs"
TBD=$SRC/libSystem.tbd
MACOS_VER=(-platform_version macos 11.0 14.0)

cc_obj() { # arch target source out
    "$CC" -target "$2" -ffreestanding -fno-stack-protector -Os -c "$3" -o "$4"
}

for arch in arm64 x86_64; do
    t=$arch-apple-macos11
    o=$WORK/obj-$arch
    mkdir -p "$o"
    for s in app kit libfixture hello tiny product-app myapp-agent myapp-extension myapp-fixed; do
        cc_obj "$arch" "$t" "$SRC/$s.c" "$o/$s.o"
    done

    "$LD64" -arch "$arch" "${MACOS_VER[@]}" -no_adhoc_codesign -dylib \
        -install_name @rpath/FixtureKit.framework/Versions/A/FixtureKit \
        -current_version 1.0 -compatibility_version 1.0 \
        -o "$BIN/FixtureKit-$arch" "$o/kit.o" "$TBD"
    "$LD64" -arch "$arch" "${MACOS_VER[@]}" -no_adhoc_codesign -dylib \
        -install_name @rpath/libfixture.dylib -current_version 1.2.3 -compatibility_version 1.0 \
        -o "$BIN/libfixture-$arch.dylib" "$o/libfixture.o" "$TBD"
    "$LD64" -arch "$arch" "${MACOS_VER[@]}" -no_adhoc_codesign \
        -rpath @executable_path/../Frameworks \
        -o "$BIN/Fixture-$arch" "$o/app.o" "$TBD" "$BIN/FixtureKit-$arch" \
        -weak_library "$BIN/libfixture-$arch.dylib"
    "$LD64" -arch "$arch" "${MACOS_VER[@]}" -no_adhoc_codesign \
        -o "$BIN/hello-$arch" "$o/hello.o" "$TBD"
    "$LD64" -arch "$arch" "${MACOS_VER[@]}" -no_adhoc_codesign \
        -o "$BIN/tiny-$arch" "$o/tiny.o" "$TBD"
    # Command-line tool with an embedded Info.plist (__TEXT,__info_plist).
    "$LD64" -arch "$arch" "${MACOS_VER[@]}" -no_adhoc_codesign \
        -sectcreate __TEXT __info_plist "$SRC/tool-Info.plist" \
        -o "$BIN/fixture-tool-$arch" "$o/hello.o" "$TBD"
    # SMJobBless-style privileged helper: __info_plist + __launchd_plist.
    "$LD64" -arch "$arch" "${MACOS_VER[@]}" -no_adhoc_codesign \
        -sectcreate __TEXT __info_plist "$SRC/privileged-Info.plist" \
        -sectcreate __TEXT __launchd_plist "$SRC/privileged-launchd.plist" \
        -o "$BIN/privileged-$arch" "$o/tiny.o" "$TBD"
    # Inputs of the products (fixture-gen products).
    "$LD64" -arch "$arch" "${MACOS_VER[@]}" -no_adhoc_codesign \
        -rpath @executable_path/../Frameworks \
        -o "$BIN/product-app-$arch" "$o/product-app.o" "$TBD" "$BIN/FixtureKit-$arch"
    for n in myapp-agent myapp-extension myapp-fixed; do
        "$LD64" -arch "$arch" "${MACOS_VER[@]}" -no_adhoc_codesign -o "$BIN/$n-$arch" "$o/$n.o" "$TBD"
    done
done

# arm64 with lld's default ad-hoc "linker-signed" signature.
"$LD64" -arch arm64 "${MACOS_VER[@]}" -o "$BIN/hello-arm64-linker-signed" "$WORK/obj-arm64/hello.o" "$TBD"

# iOS executable (flat .app bundle).
cc_obj arm64 arm64-apple-ios14.0 "$SRC/tiny.c" "$WORK/obj-arm64/ios.o"
"$LD64" -arch arm64 -platform_version ios 14.0 17.0 -no_adhoc_codesign \
    -o "$BIN/FixtureiOS" "$WORK/obj-arm64/ios.o" "$TBD"

for n in FixtureKit Fixture hello tiny fixture-tool privileged product-app myapp-agent myapp-extension myapp-fixed; do
    "$LIPO" -create "$BIN/$n-x86_64" "$BIN/$n-arm64" -output "$BIN/$n-universal"
done
"$LIPO" -create "$BIN/libfixture-x86_64.dylib" "$BIN/libfixture-arm64.dylib" -output "$BIN/libfixture-universal.dylib"

# The unsigned inputs that are fixtures themselves.
if [[ -z $ONLY ]]; then
    cp "$BIN/hello-arm64" "$OUT/macho/hello-arm64"
    cp "$BIN/hello-x86_64" "$OUT/macho/hello-x86_64"
    cp "$BIN/hello-universal" "$OUT/macho/hello-universal"
    cp "$BIN/hello-arm64-linker-signed" "$OUT/macho/hello-arm64-linker-signed"
    cp "$BIN/libfixture-arm64.dylib" "$OUT/macho/libfixture-arm64.dylib"
    cp "$BIN/FixtureKit-universal" "$OUT/macho/FixtureKit-universal.dylib"
    cp "$BIN/fixture-tool-arm64" "$OUT/macho/fixture-tool-arm64"
fi

# ---------------------------------------------------------------------------
export PKI_WORK=$WORK/pki PKI_OUT=$OUT/pki
mkdir -p "$PKI_WORK/newcerts"
: > "$PKI_WORK/index.txt"
echo 1000 > "$PKI_WORK/serial"
echo 01 > "$PKI_WORK/tsa-serial"
CNF=$SRC/pki.cnf

genkey() { # name rsa|ec
    case $2 in
        rsa) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI_OUT/$1.key" ;;
        ec) openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI_OUT/$1.key" ;;
    esac
}
# mkcert NAME KEYTYPE SUBJECT EXTENSIONS ISSUER|self START END
mkcert() {
    local name=$1 keytype=$2 subj=$3 ext=$4 issuer=$5 startd=$6 endd=$7
    genkey "$name" "$keytype"
    openssl req -new -config "$CNF" -utf8 -key "$PKI_OUT/$name.key" -subj "$subj" -out "$PKI_WORK/$name.csr"
    local signer=(-cert "$PKI_OUT/$issuer.pem" -keyfile "$PKI_OUT/$issuer.key")
    [[ $issuer == self ]] && signer=(-selfsign -keyfile "$PKI_OUT/$name.key")
    openssl ca -batch -config "$CNF" -notext -preserveDN -utf8 \
        -startdate "$startd" -enddate "$endd" -extensions "$ext" \
        "${signer[@]}" -in "$PKI_WORK/$name.csr" -out "$PKI_OUT/$name.pem" >"$PKI_WORK/$name.log" 2>&1 \
        || { cat "$PKI_WORK/$name.log" >&2; exit 1; }
}

if [[ $NEW_PKI == 1 ]]; then
    log "creating test PKI"
    mkcert root rsa "/CN=Fixture Apple Root CA/OU=Fixture Certification Authority/O=Fixture Apple Inc./C=US" \
        ext_root self 20200101000000Z 20450101000000Z
    mkcert devidca rsa "/CN=Fixture Developer ID Certification Authority/OU=G2/O=Fixture Apple Inc./C=US" \
        ext_devid_ca root 20200101000000Z 20420101000000Z
    mkcert wwdr rsa "/CN=Fixture Worldwide Developer Relations Certification Authority/OU=G3/O=Fixture Apple Inc./C=US" \
        ext_wwdr_ca root 20200101000000Z 20420101000000Z
    mkcert devid rsa "/UID=ABCDE12345/CN=Developer ID Application: Fixture Corp (ABCDE12345)/OU=ABCDE12345/O=Fixture Corp/C=US" \
        ext_devid_app devidca 20240101000000Z 20400101000000Z
    mkcert devid-ec ec "/UID=ABCDE12345/CN=Developer ID Application: Fixture Corp EC (ABCDE12345)/OU=ABCDE12345/O=Fixture Corp/C=US" \
        ext_devid_app devidca 20240101000000Z 20400101000000Z
    mkcert appledev rsa "/UID=FGHIJ67890/CN=Apple Development: Fixture Developer (FGHIJ67890)/OU=ABCDE12345/O=Fixture Corp/C=US" \
        ext_apple_dev wwdr 20240101000000Z 20400101000000Z
    mkcert profsign rsa "/CN=Fixture iPhone OS Provisioning Profile Signing/O=Fixture Apple Inc./C=US" \
        ext_profile_signer wwdr 20240101000000Z 20400101000000Z
    mkcert tsa rsa "/CN=Fixture Timestamp Authority/OU=Fixture Certification Authority/O=Fixture Apple Inc./C=US" \
        ext_tsa root 20200101000000Z 20450101000000Z

    chmod 644 "$PKI_OUT"/*.key
else
    log "reusing test PKI in $PKI_OUT (--new-pki to replace it)"
fi

# A second team's Developer ID identity, for the products that mix teams. Added
# when missing, without touching the rest of the PKI (its own serial range, so
# it never repeats a serial of the first run).
if [[ ! -f $PKI_OUT/devid-myapp.pem || ! -f $PKI_OUT/devid-myapp.key ]]; then
    log "creating the second team's identity (S1J6DZ9E7U)"
    echo 2000 > "$PKI_WORK/serial"
    mkcert devid-myapp rsa "/UID=S1J6DZ9E7U/CN=Developer ID Application: MyApp Inc (S1J6DZ9E7U)/OU=S1J6DZ9E7U/O=MyApp Inc/C=US" \
        ext_devid_app devidca 20240101000000Z 20400101000000Z
    chmod 644 "$PKI_OUT/devid-myapp.key"
fi

# The team's Apple Distribution identity, for the iOS ad hoc and enterprise builds. Added when
# missing, like the second team's (its own serial range).
if [[ ! -f $PKI_OUT/appledist.pem || ! -f $PKI_OUT/appledist.key ]]; then
    log "creating the Apple Distribution identity"
    echo 3000 > "$PKI_WORK/serial"
    mkcert appledist rsa "/UID=ABCDE12345/CN=Apple Distribution: Fixture Corp (ABCDE12345)/OU=ABCDE12345/O=Fixture Corp/C=US" \
        ext_apple_dist wwdr 20240101000000Z 20400101000000Z
    chmod 644 "$PKI_OUT/appledist.key"
fi

# The team's Mac Installer Distribution identity, for the Mac App Store packages (signed by
# tools/make-mas-fixtures.py). Added when missing, like the others (its own serial range).
if [[ ! -f $PKI_OUT/macinstaller.pem || ! -f $PKI_OUT/macinstaller.key ]]; then
    log "creating the Mac Installer Distribution identity"
    echo 4000 > "$PKI_WORK/serial"
    mkcert macinstaller rsa "/UID=ABCDE12345/CN=3rd Party Mac Developer Installer: Fixture Corp (ABCDE12345)/OU=ABCDE12345/O=Fixture Corp/C=US" \
        ext_mac_installer_dist wwdr 20240101000000Z 20400101000000Z
    chmod 644 "$PKI_OUT/macinstaller.key"
fi

# Sanity: the leaves chain to the fixture root (Apple marker extensions are critical,
# hence -ignore_critical).
for leaf in devid:devidca devid-ec:devidca devid-myapp:devidca appledev:wwdr appledist:wwdr macinstaller:wwdr profsign:wwdr tsa:root; do
    openssl verify -ignore_critical -CAfile "$PKI_OUT/root.pem" -untrusted "$PKI_OUT/${leaf#*:}.pem" \
        -attime 1780315200 "$PKI_OUT/${leaf%%:*}.pem" >/dev/null
done

# ---------------------------------------------------------------------------
log "starting loopback time-stamp server"
TSA_PORT_FILE=$WORK/tsa.port
python3 "$ROOT/tools/tsa-server.py" --config "$CNF" --port-file "$TSA_PORT_FILE" &
TSA_PID=$!
trap 'kill "$TSA_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [[ -s $TSA_PORT_FILE ]] && break; sleep 0.05; done
[[ -s $TSA_PORT_FILE ]] || { echo "make-fixtures: TSA did not start" >&2; exit 1; }
TSA_URL=http://127.0.0.1:$(cat "$TSA_PORT_FILE")/

# ---------------------------------------------------------------------------
if [[ -z $ONLY ]]; then
    log "fixture-gen generate"
    "$FIXTURE_GEN" generate "$OUT" --inputs "$BIN" --tsa-url "$TSA_URL"
elif [[ $ONLY == bundles ]]; then
    log "fixture-gen bundles"
    "$FIXTURE_GEN" bundles "$OUT" --inputs "$BIN" --tsa-url "$TSA_URL"
fi

if [[ $ONLY != bundles ]]; then
    log "fixture-gen products"
    "$FIXTURE_GEN" products "$OUT" --inputs "$BIN" --tsa-url "$TSA_URL"
fi

kill "$TSA_PID" 2>/dev/null || true
wait "$TSA_PID" 2>/dev/null || true
trap - EXIT

# ---------------------------------------------------------------------------
if [[ $ONLY != products ]]; then
    log "building archives"
    python3 "$ROOT/tools/make-archives.py" "$OUT"
fi

# ---------------------------------------------------------------------------
log "fixture-gen oracle"
"$FIXTURE_GEN" oracle "$OUT"

# ---------------------------------------------------------------------------
# Inputs of rule cases (corpus/cases): rewrites OUT_DIR/cases only, from
# OUT_DIR/macho and OUT_DIR/pki. Can be run on its own.
if [[ $ONLY != products ]]; then
    log "fixture-gen cases"
    "$FIXTURE_GEN" cases "$OUT"
fi

rm -f "$PKI_OUT"/*.csr
log "done: $(du -sh "$OUT" | cut -f1) in $OUT ($(wc -l < "$OUT/ORACLE.jsonl") oracle lines)"
