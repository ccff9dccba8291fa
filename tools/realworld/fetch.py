#!/usr/bin/env python3
"""Download and unpack the real-world corpus listed in manifest.toml.

Files go to ${BUNDLELINT_REALWORLD_CACHE:-~/.cache/bundlelint-realworld}: `downloads/<registry>/<file>`
as published (fetched with `npm pack` or `pip download`), `extracted/<registry>/<file>/` unpacked.
Every download is checked against the manifest's sha256 before it is unpacked. Running it again does nothing for what
is already there. Symlinks and exec bits are kept (bundles depend on both), and tars inside a
package (mitmproxy-macos ships its app as one) are unpacked beside themselves as `<name>.d/`.
"""

import argparse
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMPLETE_MARKER = ".bundlelint-realworld-complete"
NESTED_ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".tar.bz2")


def cache_root():
    configured = os.environ.get("BUNDLELINT_REALWORLD_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "bundlelint-realworld"


def load_manifest(path=HERE / "manifest.toml"):
    with open(path, "rb") as handle:
        return tomllib.load(handle)["package"]


def package_slug(entry):
    return f"{entry['registry']}/{entry['name']}@{entry['version']}"


def extracted_dir(entry, root=None):
    # By file name: one version of a package can ship several files (one per architecture).
    return (root or cache_root()) / "extracted" / entry["registry"] / entry["file"]


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def wheel_download_args(filename):
    """pip download options that select exactly this wheel: its Python, ABI and platform tags."""
    stem = filename[: -len(".whl")]
    python_tag, abi_tag, platform_tag = stem.split("-")[-3:]
    args = []
    for platform in platform_tag.split("."):
        if platform != "any":
            args += ["--platform", platform]
    cpython = [tag for tag in python_tag.split(".") if tag.startswith("cp")]
    if cpython:
        # The wheel's own CPython version: a later one would prefer a newer stable-ABI wheel.
        digits = cpython[0][2:]
        args += ["--python-version", f"{digits[0]}.{digits[1:]}", "--implementation", "cp", "--abi", abi_tag]
    else:
        args += ["--python-version", "3.12"]
    # Tags pick the file; the interpreter this runs under must not veto it.
    args.append("--ignore-requires-python")
    return args


def fetch_with_client(entry, directory):
    """Fetch the package file with the registry's own client into directory; return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory) as scratch:
        if entry["registry"] == "npm":
            command = ["npm", "pack", "--silent", "--pack-destination", scratch, f"{entry['name']}@{entry['version']}"]
        else:
            command = ["pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "--dest", scratch]
            command += wheel_download_args(entry["file"]) + [f"{entry['name']}=={entry['version']}"]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=scratch)
        produced = [p for p in Path(scratch).iterdir() if p.is_file()]
        if entry["registry"] == "pypi":
            produced = [p for p in produced if p.name.lower() == entry["file"].lower()]
        if len(produced) != 1:
            raise ValueError(f"{package_slug(entry)}: expected {entry['file']}, got {[p.name for p in produced]}")
        destination = directory / entry["file"]
        produced[0].replace(destination)
        return destination


def ensure_download(entry, root):
    """The verified package file, fetched unless a file with the manifest's sha256 is cached."""
    archive = root / "downloads" / entry["registry"] / entry["file"]
    if archive.exists() and sha256_of(archive) == entry["sha256"]:
        return archive, False
    archive = fetch_with_client(entry, archive.parent)
    actual = sha256_of(archive)
    if actual != entry["sha256"]:
        archive.unlink()
        raise ValueError(f"{entry['file']}: sha256 {actual}, manifest says {entry['sha256']}")
    return archive, True


def safe_member_path(root, name):
    """The destination of an archive member, or None when it would land outside root."""
    target = (root / name).resolve() if not os.path.isabs(name) else None
    if target is None or (target != root.resolve() and root.resolve() not in target.parents):
        return None
    return root / name


def extract_zip(archive, root):
    with zipfile.ZipFile(archive) as bundle:
        for info in bundle.infolist():
            destination = safe_member_path(root, info.filename)
            if destination is None:
                print(f"  skipped unsafe member {info.filename}", file=sys.stderr)
                continue
            mode = info.external_attr >> 16
            if info.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            if stat.S_ISLNK(mode):
                if destination.is_symlink() or destination.exists():
                    destination.unlink()
                os.symlink(bundle.read(info).decode(), destination)
                continue
            with bundle.open(info) as source, open(destination, "wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
            if mode & 0o777:
                os.chmod(destination, mode & 0o777)


def extract_tar(archive, root):
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as bundle:
        # The "tar" filter refuses members outside root but keeps symlinks and exec bits.
        bundle.extractall(root, filter="tar")


def extract_nested_tars(root):
    for directory, _, files in os.walk(root):
        for name in files:
            path = Path(directory) / name
            if name.endswith(NESTED_ARCHIVE_SUFFIXES) and not path.is_symlink() and tarfile.is_tarfile(path):
                try:
                    extract_tar(path, path.with_name(name + ".d"))
                except (tarfile.TarError, OSError) as error:
                    print(f"  could not unpack nested {path}: {error}", file=sys.stderr)


def unpack(entry, archive, destination):
    if destination.joinpath(COMPLETE_MARKER).exists():
        return False
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    if entry["file"].endswith((".whl", ".zip")):
        extract_zip(archive, destination)
    else:
        extract_tar(archive, destination)
    extract_nested_tars(destination)
    destination.joinpath(COMPLETE_MARKER).write_text(entry["sha256"] + "\n")
    return True


def selected(entries, filters):
    if not filters:
        return entries
    return [e for e in entries if any(f.lower() in f"{package_slug(e)} {e['file']}".lower() for f in filters)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package", "-p", action="append", default=[], help="only packages whose registry/name@version or file name contains this (repeatable)")
    parser.add_argument("--manifest", type=Path, default=HERE / "manifest.toml")
    args = parser.parse_args(argv)
    root = cache_root()
    entries = selected(load_manifest(args.manifest), args.package)
    failures = 0
    for entry in entries:
        try:
            archive, fetched = ensure_download(entry, root)
            unpacked = unpack(entry, archive, extracted_dir(entry, root))
        except (OSError, ValueError, subprocess.CalledProcessError, zipfile.BadZipFile, tarfile.TarError) as error:
            failures += 1
            print(f"FAILED {package_slug(entry)}: {error}", file=sys.stderr)
            continue
        state = "downloaded" if fetched else "cached"
        print(f"{package_slug(entry)}: {state}{', unpacked' if unpacked else ''}", file=sys.stderr)
    print(f"{len(entries) - failures} of {len(entries)} packages ready in {root}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
