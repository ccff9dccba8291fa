#!/usr/bin/env python3
"""A Mac App Store app of the generated corpus, as uploaded (an installer package), with its
defects and fixed, signed on Linux.

usage: make-mas-fixtures.py CORPUS_GENERATED_DIR

Signs with rcodesign (the `apple-platform-py` wheel: `pip install apple-platform-py==0.1.0`)
using the fixture PKI (pki/): the app with the Apple Distribution identity (pki/appledist.pem),
the package with the Mac Installer Distribution identity (pki/macinstaller.pem). Starts from the
code of cases/DeepSigned.app (a main executable, a helper tool, an XPC service and a framework).
Run after make-fixtures.sh and make-packages.py. Writes mas/Store.app (the app of Store.pkg,
unpacked) and, under packages/:

  Store.pkg          productbuild layout installing Applications/Store.app: every executable
                     sandboxed and hardened, everything signed with Apple Distribution, a category and an icon
                     with the 512x512 and 512x512@2x images, a Mac App Store profile
                     (Contents/embedded.provisionprofile, signed by pki/profsign) whose App ID the
                     app claims; the package signed with Mac Installer Distribution. What App
                     Store Connect accepts, TestFlight included.
  Store-defects.pkg  the same app as first submitted: no profile, no LSApplicationCategoryType,
                     an icon without its 512x512@2x image, a static archive left in Resources,
                     the helper tool signed without the sandbox, the framework signed with the
                     Apple Development identity (pki/appledev.pem); the package signed with the
                     Developer ID Installer identity (packages/installer.pem).

CMS signatures differ on each run; the outputs are committed.
"""

import datetime
import importlib.util
import os
import plistlib
import shutil
import stat
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIGNING_TIME = "2026-06-01T00:00:00Z"
TEAM = "ABCDE12345"


def load_make_packages():
    spec = importlib.util.spec_from_file_location("make_packages", os.path.join(ROOT, "tools", "make-packages.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def icns(elements):
    """An ICNS file holding `elements` (type, payload) in order."""
    body = b"".join(kind + struct.pack(">I", 8 + len(data)) + data for kind, data in elements)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def ar_archive(name, data):
    """A thin static archive (`ar`) holding one member: what `libtool -static` writes, minus
    the symbol table."""
    header = b"%-16s%-12d%-6d%-6d%-8o%-10d`\n" % (name.encode(), 1767225600, 0, 0, 0o644, len(data))
    return b"!<arch>\n" + header + data + (b"\n" if len(data) % 2 else b"")


# A PNG signature stands in for each image: the checks read the element types, not the pixels.
PNG = b"\x89PNG\r\n\x1a\n"

APP_ENTITLEMENTS = {"com.apple.security.app-sandbox": True, "com.apple.security.network.client": True}
XPC_ENTITLEMENTS = {"com.apple.security.app-sandbox": True}
HELPER_ENTITLEMENTS = {"com.apple.security.app-sandbox": True, "com.apple.security.inherit": True}
UNSANDBOXED_HELPER_ENTITLEMENTS = {"com.apple.security.network.client": True}

APP_ID = TEAM + ".com.example.store"
# What the App Store profile grants, and the main executable claims in the fixed build.
PROFILE_ENTITLEMENTS = {
    "com.apple.application-identifier": APP_ID,
    "com.apple.developer.team-identifier": TEAM,
    "keychain-access-groups": [TEAM + ".*"],
}

HELPER = "Contents/Helpers/deep-helper"
XPC = "Contents/XPCServices/com.example.deep.worker.xpc"
FRAMEWORK = "Contents/Frameworks/FixtureKit.framework"


def der(tag, content):
    """One DER element: tag, definite length, content."""
    n = len(content)
    length = bytes([n]) if n < 0x80 else (lambda b: bytes([0x80 | len(b)]) + b)(n.to_bytes((n.bit_length() + 7) // 8, "big"))
    return bytes([tag]) + length + content


def der_value(value):
    """A property-list value in Apple's DER encoding (the one of DER entitlements): dictionaries as a
    SET of (UTF8String key, value) SEQUENCEs sorted by key, arrays as SEQUENCEs."""
    if isinstance(value, bool):
        return der(0x01, b"\xff" if value else b"\x00")
    if isinstance(value, int):
        return der(0x02, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))
    if isinstance(value, str):
        return der(0x0C, value.encode())
    if isinstance(value, list):
        return der(0x30, b"".join(der_value(v) for v in value))
    if isinstance(value, dict):
        return der(0x31, b"".join(der(0x30, der_value(k) + der_value(v)) for k, v in sorted(value.items())))
    raise TypeError(type(value))


def cms_sign(pki, work, name, content):
    """A CMS SignedData holding `content`, signed by the profile signer with its chain."""
    path, chain = os.path.join(work, name), os.path.join(work, "chain.pem")
    with open(path, "wb") as f:
        f.write(content)
    with open(chain, "wb") as f:
        for cert in ("wwdr.pem", "root.pem"):
            with open(os.path.join(pki, cert), "rb") as c:
                f.write(c.read())
    return subprocess.run(["openssl", "cms", "-sign", "-nodetach", "-binary", "-outform", "DER", "-md", "sha256",
                           "-signer", os.path.join(pki, "profsign.pem"), "-inkey", os.path.join(pki, "profsign.key"),
                           "-certfile", chain, "-in", path], check=True, capture_output=True).stdout


def app_store_profile(gen, work):
    """A Mac App Store provisioning profile for com.example.store: no device list, no
    ProvisionsAllDevices, the Apple Distribution certificate, signed by pki/profsign as Apple's
    profile signer signs them (a CMS SignedData holding the plist)."""
    pki = os.path.join(gen, "pki")
    certificate = subprocess.run(["openssl", "x509", "-in", os.path.join(pki, "appledist.pem"), "-outform", "DER"],
                         check=True, capture_output=True).stdout
    profile = {
        "AppIDName": "Store",
        "ApplicationIdentifierPrefix": [TEAM],
        "CreationDate": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
        "Platform": ["OSX"],
        "IsXcodeManaged": False,
        "DeveloperCertificates": [certificate],
        "Entitlements": PROFILE_ENTITLEMENTS,
        "ExpirationDate": datetime.datetime(2040, 1, 1, tzinfo=datetime.timezone.utc),
        "Name": "Store Mac App Store",
        "TeamIdentifier": [TEAM],
        "TeamName": "Fixture Corp",
        "TimeToLive": 5113,
        "UUID": "5A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D",
        "Version": 1,
    }
    # DER-Encoded-Profile, which profiles carry since 2021: the date-free fields in DER, signed too.
    der_fields = {k: profile[k] for k in ("AppIDName", "ApplicationIdentifierPrefix", "Entitlements", "Name",
                                          "Platform", "TeamIdentifier", "TeamName", "UUID", "Version")}
    document = der(0x70, der(0x02, b"\x01") + der_value(der_fields))
    profile["DER-Encoded-Profile"] = cms_sign(pki, work, "profile.der", document)
    return cms_sign(pki, work, "profile.plist", plistlib.dumps(profile, sort_keys=False))


def build_app(gen, work, fixed):
    """Store.app in `work`, unsigned: DeepSigned.app's code under the Store name."""
    app = os.path.join(work, "Store.app")
    shutil.copytree(os.path.join(gen, "cases", "DeepSigned.app"), app, symlinks=True)
    for root, dirs, _ in os.walk(app):
        for d in dirs:
            if d == "_CodeSignature":
                shutil.rmtree(os.path.join(root, d))
    contents = os.path.join(app, "Contents")
    os.rename(os.path.join(contents, "MacOS", "DeepSigned"), os.path.join(contents, "MacOS", "Store"))
    with open(os.path.join(contents, "Info.plist"), "rb") as f:
        info = plistlib.load(f)
    info.update(CFBundleExecutable="Store", CFBundleIdentifier="com.example.store", CFBundleName="Store",
                CFBundleIconFile="AppIcon")
    if fixed:
        info["LSApplicationCategoryType"] = "public.app-category.productivity"
    with open(os.path.join(contents, "Info.plist"), "wb") as f:
        plistlib.dump(info, f, sort_keys=False)
    # The framework's binary as built, unsigned: DeepSigned.app's copy carries the app's
    # entitlements, which re-signing would keep.
    shutil.copy(os.path.join(gen, "macho", "FixtureKit-universal.dylib"),
                os.path.join(app, FRAMEWORK, "Versions", "A", "FixtureKit"))
    resources = os.path.join(contents, "Resources")
    os.makedirs(resources, exist_ok=True)
    images = [(b"ic09", PNG)] + ([(b"ic10", PNG)] if fixed else [])
    with open(os.path.join(resources, "AppIcon.icns"), "wb") as f:
        f.write(icns(images))
    if fixed:
        with open(os.path.join(contents, "embedded.provisionprofile"), "wb") as f:
            f.write(app_store_profile(gen, work))
    else:
        with open(os.path.join(resources, "libStore.a"), "wb") as f:
            f.write(ar_archive("store.o", b"\xcf\xfa\xed\xfe" + bytes(28)))
    return app


def sign_app(ap, gen, work, app, fixed):
    pki = os.path.join(gen, "pki")
    signer = ap.Signer(pem=ap.PemKey(files=[os.path.join(pki, f) for f in
                                            ("appledist.pem", "appledist.key", "wwdr.pem", "root.pem")]))

    def entitlements(name, value):
        path = os.path.join(work, name + ".entitlements")
        with open(path, "wb") as f:
            plistlib.dump(value, f)
        return path

    if not fixed:
        # The framework keeps the signature of the development build it was copied from.
        development = ap.Signer(pem=ap.PemKey(files=[os.path.join(pki, f) for f in
                                                     ("appledev.pem", "appledev.key", "wwdr.pem", "root.pem")]))
        ap.sign(os.path.join(app, FRAMEWORK), signer=development, team_name=TEAM, signing_time=SIGNING_TIME,
                timestamp_url="none")
    helper = HELPER_ENTITLEMENTS if fixed else UNSANDBOXED_HELPER_ENTITLEMENTS
    # Both builds run their executables with the hardened runtime, as Xcode signs them.
    flags = ["runtime"]
    paths = {
        "@main": ap.PathSettings(binary_identifier="com.example.store", code_signature_flags=flags,
                                 entitlements_xml_file=entitlements("app", dict(APP_ENTITLEMENTS, **(
                                     {k: v for k, v in PROFILE_ENTITLEMENTS.items() if k != "keychain-access-groups"}
                                     if fixed else {})))),
        HELPER: ap.PathSettings(binary_identifier="com.example.store.helper", code_signature_flags=flags,
                                entitlements_xml_file=entitlements("helper", helper)),
        XPC: ap.PathSettings(code_signature_flags=flags, entitlements_xml_file=entitlements("xpc", XPC_ENTITLEMENTS)),
    }
    exclude = [] if fixed else [FRAMEWORK + "/**"]
    ap.sign(app, signer=signer, paths=paths, team_name=TEAM, signing_time=SIGNING_TIME, timestamp_url="none",
            exclude=exclude)


def package(mp, app, identifier):
    """A productbuild-layout package installing `app` under Applications/."""
    entries = mp.cpio_entries(os.path.dirname(app), ".")
    entries = [e for e in entries if e[0] == "." or e[0].startswith("./Store.app")]
    entries = [(("./Applications" + e[0][1:]) if e[0] != "." else ".", e[1], e[2]) for e in entries]
    entries.insert(1, ("./Applications", stat.S_IFDIR | 0o755, b""))
    name = identifier + ".pkg"
    return mp.xar([
        mp.Node("Distribution", mp.distribution(name, identifier), "application/x-gzip"),
        mp.Node("Resources", children=[mp.Node("en.lproj", children=[])]),
        mp.Node(name, children=mp.component(identifier, mp.pbzx(mp.newc(entries)), len(entries))),
    ])[0]


def main():
    import apple_platform as ap

    if len(sys.argv) != 2:
        sys.exit(__doc__)
    gen = os.path.abspath(sys.argv[1])
    mp = load_make_packages()
    packages, pki = os.path.join(gen, "packages"), os.path.join(gen, "pki")
    installers = {
        True: [os.path.join(pki, f) for f in ("macinstaller.pem", "macinstaller.key", "wwdr.pem", "root.pem")],
        False: [os.path.join(packages, "installer.pem"), os.path.join(packages, "installer.key"),
                os.path.join(pki, "devidca.pem"), os.path.join(pki, "root.pem")],
    }
    unpacked = os.path.join(gen, "mas", "Store.app")
    for fixed, out in ((True, "Store.pkg"), (False, "Store-defects.pkg")):
        with tempfile.TemporaryDirectory() as work:
            app = build_app(gen, work, fixed)
            sign_app(ap, gen, work, app, fixed)
            if fixed:
                # The app also unpacked, for the cases that edit it.
                shutil.rmtree(unpacked, ignore_errors=True)
                shutil.copytree(app, unpacked, symlinks=True)
            unsigned = os.path.join(work, "unsigned.pkg")
            with open(unsigned, "wb") as f:
                f.write(package(mp, app, "com.example.store"))
            ap.sign(unsigned, os.path.join(packages, out), signer=ap.Signer(pem=ap.PemKey(files=installers[fixed])),
                    signing_time=SIGNING_TIME, timestamp_url="none")


if __name__ == "__main__":
    main()
