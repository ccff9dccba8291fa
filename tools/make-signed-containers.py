#!/usr/bin/env python3
"""Signed flat packages and disk images of the generated corpus, signed on Linux.

usage: make-signed-containers.py CORPUS_GENERATED_DIR

Signs with rcodesign (the `apple-platform-py` wheel: `pip install apple-platform-py==0.1.0`)
using the fixture PKI (pki/), with secure timestamps from the loopback time-stamp authority
(tools/tsa-server.py). Run after make-packages.py and make-disk-images.sh. Writes:

  packages/Timestamped.pkg      Tool.pkg signed with the Developer ID Installer identity
                                (packages/installer.pem) and a secure timestamp: what the notary
                                service accepts
  packages/Stapled.pkg          Timestamped.pkg with a ticket stapled after the archive (`t8lr`
                                trailers around placeholder ticket bytes: the ticket is opaque)
  packages/ApplicationSigned.pkg Tool.pkg signed with the Developer ID Application identity
                                (pki/devid.pem), the wrong kind of certificate for a package
  disk-images/Fixture-signed.dmg          Fixture-zlib.dmg signed with Developer ID Application
                                          and a secure timestamp
  disk-images/Fixture-installer-signed.dmg Fixture-zlib.dmg signed with the Developer ID
                                          Installer identity, the wrong kind for a disk image
  disk-images/Tiny-signed.dmg             Tiny-zlib.dmg signed like Fixture-signed.dmg (a fuzz seed)

CMS signatures and timestamps differ on each run; the outputs are committed.
"""

import os
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_tsa(pki, work):
    env = dict(os.environ, PKI_OUT=pki, PKI_WORK=work)
    os.makedirs(os.path.join(work, "newcerts"), exist_ok=True)
    with open(os.path.join(work, "tsa-serial"), "w") as f:
        f.write("01\n")
    port_file = os.path.join(work, "tsa.port")
    server = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools", "tsa-server.py"), "--config",
                               os.path.join(ROOT, "tools", "fixture-src", "pki.cnf"), "--port-file", port_file], env=env)
    for _ in range(200):
        if os.path.exists(port_file) and os.path.getsize(port_file):
            break
        time.sleep(0.05)
    with open(port_file) as f:
        return server, "http://127.0.0.1:%s/" % f.read().strip()


def staple(data, ticket):
    """A ticket after the archive, as stapler writes it: terminator trailer, ticket, ticket trailer."""
    trailer = lambda kind, length: b"t8lr" + struct.pack("<HHII", 1, kind, length, 0)
    return data + trailer(1, 0) + ticket + trailer(2, len(ticket))


def main():
    import apple_platform as ap

    gen = os.path.abspath(sys.argv[1])
    pki, packages, images = (os.path.join(gen, d) for d in ("pki", "packages", "disk-images"))
    installer = [os.path.join(packages, "installer.pem"), os.path.join(packages, "installer.key")]
    application = [os.path.join(pki, "devid.pem"), os.path.join(pki, "devid.key")]
    chain = [os.path.join(pki, "devidca.pem"), os.path.join(pki, "root.pem")]
    with tempfile.TemporaryDirectory() as work:
        server, url = start_tsa(pki, work)
        try:
            def sign(source, target, identity):
                ap.sign(source, target, signer=ap.Signer(pem=ap.PemKey(files=identity + chain)), timestamp_url=url)

            sign(os.path.join(packages, "Tool.pkg"), os.path.join(packages, "Timestamped.pkg"), installer)
            sign(os.path.join(packages, "Tool.pkg"), os.path.join(packages, "ApplicationSigned.pkg"), application)
            sign(os.path.join(images, "Fixture-zlib.dmg"), os.path.join(images, "Fixture-signed.dmg"), application)
            sign(os.path.join(images, "Fixture-zlib.dmg"), os.path.join(images, "Fixture-installer-signed.dmg"),
                 installer)
            sign(os.path.join(images, "Tiny-zlib.dmg"), os.path.join(images, "Tiny-signed.dmg"), application)
        finally:
            server.terminate()
    with open(os.path.join(packages, "Timestamped.pkg"), "rb") as f:
        signed = f.read()
    with open(os.path.join(packages, "Stapled.pkg"), "wb") as f:
        f.write(staple(signed, b"placeholder notarization ticket: its contents are opaque to a verifier"))


if __name__ == "__main__":
    main()
