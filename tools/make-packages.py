#!/usr/bin/env python3
"""Flat installer packages (.pkg, xar) of the generated corpus, written without Apple tools.

usage: make-packages.py CORPUS_GENERATED_DIR

Writes under packages/:
  Tool.pkg              component package (pkgbuild layout): PackageInfo + Payload, the payload
                        gzip + cpio "odc" installing usr/local/bin/fixture-tool
                        (signed/devid-timestamped-arm64)
  Unsigned.pkg          component package whose payload (pbzx + cpio "newc") installs the unsigned
                        macho/hello-x86_64 as usr/local/bin/hello
  Release.pkg           product package (productbuild layout): Distribution, Resources and the
                        component com.example.clean.pkg, whose pbzx payload installs
                        products/Clean.app under Applications/
  tampered-payload.pkg  Unsigned.pkg with one byte of its stored Payload changed
  tampered-toc.pkg      Unsigned.pkg with one byte of its TOC checksum changed
  ExternalRef.pkg       Release.pkg whose Distribution names its component without `#`, so
                        Installer looks for it beside the package
  RootOnly.pkg          Tool.pkg's component with its tool installed readable by its owner only
                        (mode 0700), as a build run under a restrictive umask writes it
  unknown-payload.pkg   a component whose Payload is in no format bundlelint reads
                        (as `pkgbuild --large-payload` would write one it does not know)
  Signed.pkg            Tool.pkg signed (RSA <signature> and CMS <x-signature>, no timestamp) with
                        installer.pem, a "Developer ID Installer" leaf issued by pki/devidca; made
                        only when apple-platform-py (rcodesign in a PyPI wheel) is importable:
                        `pip install apple-platform-py==0.1.0`. installer.{pem,key} are made with
                        openssl when absent.

Apart from Signed.pkg (its CMS signature differs on each run), the packages are byte-stable:
every timestamp is fixed. The xar layout follows Apple's
pkg tools: a sha1 TOC checksum at heap offset 0, `Payload` stored as is (it is compressed
already), XML members zlib-encoded (`application/x-gzip`).
"""

import gzip
import hashlib
import subprocess
import tempfile
import io
import lzma
import os
import stat
import struct
import sys
import zlib
from xml.sax.saxutils import escape

FIXED_MTIME = 1767225600  # 2026-01-01T00:00:00Z


# ---------------------------------------------------------------------------------------------
# cpio


def cpio_entries(root, prefix="."):
    """(name, mode, data) for root's contents, sorted, symlinks as links, names `./…`."""
    out = [(prefix, stat.S_IFDIR | 0o755, b"")]
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        names = sorted(dirnames + filenames)
        for name in names:
            p = os.path.join(dirpath, name)
            arc = os.path.normpath(os.path.join(prefix, rel, name))
            arc = "./" + arc if not arc.startswith(".") else arc
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out.append((arc, stat.S_IFLNK | 0o755, os.readlink(p).encode()))
            elif stat.S_ISDIR(st.st_mode):
                out.append((arc, stat.S_IFDIR | 0o755, b""))
            else:
                with open(p, "rb") as f:
                    out.append((arc, stat.S_IFREG | (st.st_mode & 0o777), f.read()))
    return out


def odc(entries):
    out = bytearray()
    for i, (name, mode, data) in enumerate(entries + [("TRAILER!!!", 0, b"")]):
        nm = name.encode() + b"\0"
        out += b"070707%06o%06o%06o%06o%06o%06o%06o%011o%06o%011o" % (
            0, i + 1, mode, 0, 80, 1, 0, FIXED_MTIME, len(nm), len(data))
        out += nm + data
    return bytes(out)


def newc(entries):
    out = bytearray()

    def pad():
        while len(out) % 4:
            out.append(0)

    for i, (name, mode, data) in enumerate(entries + [("TRAILER!!!", 0, b"")]):
        nm = name.encode() + b"\0"
        out += b"070701" + b"".join(b"%08x" % v for v in (
            i + 1, mode, 0, 80, 1, FIXED_MTIME, len(data), 0, 0, 0, 0, len(nm), 0))
        out += nm
        pad()
        out += data
        pad()
    return bytes(out)


def gzip_bytes(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def pbzx(data, chunk=1 << 24):
    out = bytearray(b"pbzx" + struct.pack(">Q", chunk))
    for start in range(0, len(data), chunk):
        part = data[start:start + chunk]
        xz = lzma.compress(part, format=lzma.FORMAT_XZ, preset=9)
        out += struct.pack(">QQ", len(part), len(xz)) + xz
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# xar


class Node:
    def __init__(self, name, data=None, encoding="application/octet-stream", children=None):
        self.name = name
        self.data = data  # None for a directory
        self.encoding = encoding
        self.children = children or []


def xar(nodes):
    heap = bytearray(20)  # the TOC checksum (sha1) comes first
    ids = [0]

    def file_xml(node, indent):
        ids[0] += 1
        pad = " " * indent
        xml = f'{pad}<file id="{ids[0]}">\n'
        if node.data is None:
            xml += f"{pad} <type>directory</type>\n{pad} <mode>0755</mode>\n"
            for child in node.children:
                xml += file_xml(child, indent + 1)
        else:
            stored = zlib.compress(node.data, 9) if node.encoding == "application/x-gzip" else node.data
            offset = len(heap)
            heap.extend(stored)
            xml += (
                f"{pad} <data>\n"
                f"{pad}  <length>{len(stored)}</length>\n"
                f'{pad}  <encoding style="{node.encoding}"/>\n'
                f"{pad}  <offset>{offset}</offset>\n"
                f"{pad}  <size>{len(node.data)}</size>\n"
                f'{pad}  <extracted-checksum style="sha1">{hashlib.sha1(node.data).hexdigest()}</extracted-checksum>\n'
                f'{pad}  <archived-checksum style="sha1">{hashlib.sha1(stored).hexdigest()}</archived-checksum>\n'
                f"{pad} </data>\n"
                f"{pad} <type>file</type>\n{pad} <mode>0644</mode>\n"
            )
        xml += f"{pad} <name>{escape(node.name)}</name>\n{pad}</file>\n"
        return xml

    body = "".join(file_xml(n, 2) for n in nodes)
    toc = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<xar>\n <toc>\n'
        "  <creation-time>2026-01-01T00:00:00</creation-time>\n"
        '  <checksum style="sha1">\n   <offset>0</offset>\n   <size>20</size>\n  </checksum>\n'
        + body + " </toc>\n</xar>\n"
    ).encode()
    compressed = zlib.compress(toc, 9)
    heap[0:20] = hashlib.sha1(compressed).digest()
    header = b"xar!" + struct.pack(">HHQQI", 28, 1, len(compressed), len(toc), 1)
    return header + compressed + bytes(heap), len(header) + len(compressed)


def package_info(identifier, files):
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<pkg-info format-version="2" identifier="{identifier}" '
        f'version="1.0" install-location="/" auth="root">\n'
        f'    <payload numberOfFiles="{files}" installKBytes="1"/>\n</pkg-info>\n'
    ).encode()


def component(identifier, payload, files):
    return [
        Node("PackageInfo", package_info(identifier, files), "application/x-gzip"),
        Node("Payload", payload),
    ]


def distribution(component_name, identifier, reference=None):
    reference = reference or "#" + component_name
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<installer-gui-script minSpecVersion="2">\n'
        "    <title>Clean</title>\n"
        f'    <pkg-ref id="{identifier}"/>\n'
        '    <choices-outline><line choice="default"><line choice="clean"/></line></choices-outline>\n'
        '    <choice id="default"/>\n'
        f'    <choice id="clean" visible="false"><pkg-ref id="{identifier}"/></choice>\n'
        f'    <pkg-ref id="{identifier}" version="1.0" onConclusion="none">{reference}</pkg-ref>\n'
        "</installer-gui-script>\n"
    ).encode()


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    gen = sys.argv[1]
    out_dir = os.path.join(gen, "packages")
    os.makedirs(out_dir, exist_ok=True)

    def read(rel):
        with open(os.path.join(gen, rel), "rb") as f:
            return f.read()

    def write(name, data):
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)

    tool = [(".", stat.S_IFDIR | 0o755, b""), ("./usr", stat.S_IFDIR | 0o755, b""),
            ("./usr/local", stat.S_IFDIR | 0o755, b""), ("./usr/local/bin", stat.S_IFDIR | 0o755, b""),
            ("./usr/local/bin/fixture-tool", stat.S_IFREG | 0o755, read("signed/devid-timestamped-arm64"))]
    write("Tool.pkg", xar(component("com.example.tool", gzip_bytes(odc(tool)), len(tool)))[0])
    write("RootOnly.pkg", root_only(tool))

    hello = tool[:4] + [("./usr/local/bin/hello", stat.S_IFREG | 0o755, read("macho/hello-x86_64"))]
    unsigned, heap_start = xar(component("com.example.hello", pbzx(newc(hello)), len(hello)))
    write("Unsigned.pkg", unsigned)

    clean = cpio_entries(os.path.join(gen, "products"), ".")
    clean = [e for e in clean if e[0] == "." or e[0].startswith("./Clean.app")]
    clean = [(("./Applications" + e[0][1:]) if e[0] != "." else ".", e[1], e[2]) for e in clean]
    clean.insert(1, ("./Applications", stat.S_IFDIR | 0o755, b""))
    name = "com.example.clean.pkg"
    product = [
        Node("Distribution", distribution(name, "com.example.clean"), "application/x-gzip"),
        Node("Resources", children=[Node("en.lproj", children=[])]),
        Node(name, children=component("com.example.clean", pbzx(newc(clean)), len(clean))),
    ]
    write("Release.pkg", xar(product)[0])
    write("ExternalRef.pkg", external_ref(product, name))

    # The Payload is the second member stored, after the 20-byte TOC checksum and PackageInfo:
    # change a byte in its middle.
    tampered = bytearray(unsigned)
    tampered[len(tampered) - 200] ^= 0xFF
    write("tampered-payload.pkg", bytes(tampered))
    tampered = bytearray(unsigned)
    tampered[heap_start + 3] ^= 0xFF
    write("tampered-toc.pkg", bytes(tampered))

    write("unknown-payload.pkg", xar(component("com.example.large", b"\x00LPF" + bytes(60), 1))[0])

    sign(gen, out_dir)


def external_ref(product, name):
    """Release.pkg whose Distribution names its component without `#`: outside the archive."""
    outside = [Node("Distribution", distribution(name, "com.example.clean", reference=name), "application/x-gzip")]
    return xar(outside + product[1:])[0]


def root_only(tool):
    """Tool.pkg with its tool readable by its owner (root, once installed) only."""
    private = tool[:-1] + [(tool[-1][0], stat.S_IFREG | 0o700, tool[-1][2])]
    return xar(component("com.example.tool", gzip_bytes(odc(private)), len(private)))[0]


INSTALLER_CNF = """[req]
distinguished_name=dn
prompt=no
[dn]
UID=ABCDE12345
CN=Developer ID Installer: Fixture Corp (ABCDE12345)
OU=ABCDE12345
O=Fixture Corp
C=US
[ext]
basicConstraints=critical,CA:false
keyUsage=critical,digitalSignature
extendedKeyUsage=critical,1.2.840.113635.100.4.13
1.2.840.113635.100.6.1.14=critical,DER:0500
"""


def sign(gen, out_dir):
    try:
        import apple_platform as ap
    except ImportError:
        print("apple-platform-py is not installed: Signed.pkg is left as it is", file=sys.stderr)
        return
    pki = os.path.join(gen, "pki")
    cert, key = os.path.join(out_dir, "installer.pem"), os.path.join(out_dir, "installer.key")
    if not (os.path.exists(cert) and os.path.exists(key)):
        with tempfile.TemporaryDirectory() as tmp:
            cnf, csr = os.path.join(tmp, "inst.cnf"), os.path.join(tmp, "inst.csr")
            with open(cnf, "w") as f:
                f.write(INSTALLER_CNF)
            subprocess.run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
                            "-config", cnf], check=True, capture_output=True)
            subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", os.path.join(pki, "devidca.pem"),
                            "-CAkey", os.path.join(pki, "devidca.key"), "-set_serial", "0x5151",
                            "-days", "5000", "-extfile", cnf, "-extensions", "ext", "-out", cert],
                           check=True, capture_output=True)
    chain = [cert, key, os.path.join(pki, "devidca.pem"), os.path.join(pki, "root.pem")]
    ap.sign(os.path.join(out_dir, "Tool.pkg"), os.path.join(out_dir, "Signed.pkg"),
            signer=ap.Signer(pem=ap.PemKey(files=chain)), timestamp_url="none",
            signing_time="2026-01-01T00:00:00Z")


if __name__ == "__main__":
    main()
