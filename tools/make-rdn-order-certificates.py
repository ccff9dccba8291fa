#!/usr/bin/env python3
"""Writes a test CA and a leaf it signs whose subject holds a multi-valued RDN stored out of DER order.

DER sorts the members of a SET OF; X.509 signatures cover the TBSCertificate bytes as issued, so a
certificate whose multi-valued RDN is not sorted is still valid, and a verifier must check the
signature over the bytes it read, not over a re-encoding (which would sort the set).

Encoders (OpenSSL, cryptography) always sort, so the leaf is built with sorted DER, the members of
its multi-valued RDN are swapped in the TBSCertificate (same length, so no other byte moves), and
the result is signed again with the CA's key.

Usage: tools/make-rdn-order-certificates.py [OUT_DIR]   (default tests/data/rdn-order)
Writes root.pem and leaf.pem. Keys are fresh on every run, so the outputs change; check the result
with `openssl verify -CAfile root.pem leaf.pem`.
"""

import base64
import datetime
import pathlib
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID


def read_tlv(data, at):
    """(tag, header length, value length) of the DER element at `at` (short or long definite form)."""
    tag = data[at]
    first = data[at + 1]
    if first < 0x80:
        return tag, 2, first
    count = first & 0x7F
    return tag, 2 + count, int.from_bytes(data[at + 2 : at + 2 + count], "big")


def children(data, start, end):
    """(offset, total length) of each element between `start` and `end`."""
    out = []
    at = start
    while at < end:
        _, header, length = read_tlv(data, at)
        out.append((at, header + length))
        at += header + length
    return out


def element(data, at):
    """(value start, value end) of the element at `at`."""
    _, header, length = read_tlv(data, at)
    return at + header, at + header + length


def swap_multi_valued_rdn(tbs):
    """The TBSCertificate with the members of the subject's multi-valued RDN in reverse order."""
    start, end = element(tbs, 0)
    fields = children(tbs, start, end)
    # [0] version, serialNumber, signature, issuer, validity, subject, ...
    subject_at, _ = fields[5]
    subject_start, subject_end = element(tbs, subject_at)
    for rdn_at, rdn_len in children(tbs, subject_start, subject_end):
        rdn_start, rdn_end = element(tbs, rdn_at)
        members = children(tbs, rdn_start, rdn_end)
        if len(members) > 1:
            swapped = b"".join(bytes(tbs[m : m + n]) for m, n in reversed(members))
            out = bytearray(tbs)
            out[rdn_start:rdn_end] = swapped
            assert bytes(out) != bytes(tbs), "the members were already out of order"
            return bytes(out)
    raise SystemExit("no multi-valued RDN in the subject")


def main():
    out_dir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/rdn-order")
    out_dir.mkdir(parents=True, exist_ok=True)
    not_before = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    not_after = datetime.datetime(2046, 1, 1, tzinfo=datetime.timezone.utc)

    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "RDN Order Test Root")])
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(1)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(root_key, hashes.SHA256())
    )

    leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.COMMON_NAME, "RDN Order Test Leaf")]),
            # One RDN with two members: DER puts the shorter encoding (OU) first.
            x509.RelativeDistinguishedName(
                [
                    x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "ABCDE12345"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Multi-Valued Org"),
                ]
            ),
        ]
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(root_name)
        .public_key(leaf_key.public_key())
        .serial_number(2)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(root_key, hashes.SHA256())
    )

    der = leaf.public_bytes(serialization.Encoding.DER)
    tbs = leaf.tbs_certificate_bytes
    unsorted_tbs = swap_multi_valued_rdn(tbs)
    signature = root_key.sign(unsorted_tbs, padding.PKCS1v15(), hashes.SHA256())
    # Same lengths: the TBSCertificate and the signature value are replaced in place.
    assert len(signature) == len(leaf.signature)
    unsorted = der.replace(tbs, unsorted_tbs).replace(leaf.signature, signature)
    assert len(unsorted) == len(der) and unsorted != der

    # Written by hand: cryptography's own reader refuses a SET OF out of DER order.
    body = base64.encodebytes(unsorted).decode().replace("\n", "")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    pem = ("-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n").encode()
    (out_dir / "root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    (out_dir / "leaf.pem").write_bytes(pem)
    print(f"wrote {out_dir}/root.pem and {out_dir}/leaf.pem")


if __name__ == "__main__":
    main()
