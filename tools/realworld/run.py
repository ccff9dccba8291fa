#!/usr/bin/env python3
"""Check every bundle and Mach-O file of the real-world corpus and compare with expectations.

For each unpacked package (see fetch.py) the artifacts are the outermost bundles (.app,
.framework, .bundle, .appex, .xpc, .plugin, ...) and every Mach-O file outside a bundle. Each is
checked with `bundlelint check --format json` (the policy bundlelint detects: developer-id unless
the code is signed for the App Store or development) and inspected (`inspect --format json`) to learn
whether it carries a vendor's Developer ID signature. Findings are counted per rule and
severity, separately for vendor-signed artifacts, and the error rules of each artifact are
compared with expectations.toml. Exit status: 0 when everything matches, 1 on a difference,
2 when the corpus or the binary is missing.
"""

import argparse
import concurrent.futures
import fnmatch
import json
import os
import subprocess
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
import fetch  # noqa: E402

BUNDLE_SUFFIXES = (
    ".app", ".framework", ".bundle", ".appex", ".xpc", ".plugin", ".kext", ".systemextension",
    ".dext", ".qlgenerator", ".mdimporter", ".prefPane", ".saver", ".component", ".vst", ".vst3",
)
THIN_MAGICS = {b"\xfe\xed\xfa\xce", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe"}
FAT_MAGICS = {b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"}
# A fat header and a Java class file share 0xcafebabe; a class file's next word is its version
# (45 and up), a fat file's is its architecture count, which real files keep small.
MAX_FAT_ARCHS = 30
SEVERITIES = ("error", "warning", "info")
CHECK_TIMEOUT_SECONDS = 600


def is_macho(path):
    try:
        with open(path, "rb") as handle:
            header = handle.read(8)
    except OSError:
        return False
    if len(header) < 8:
        return False
    if header[:4] in THIN_MAGICS:
        return True
    return header[:4] in FAT_MAGICS and 0 < int.from_bytes(header[4:8], "big") < MAX_FAT_ARCHS


def discover_artifacts(root):
    """Outermost bundles and Mach-O files outside bundles under root, as paths relative to root."""
    found = []
    for directory, subdirectories, files in os.walk(root):
        here = Path(directory)
        kept = []
        for name in sorted(subdirectories):
            path = here / name
            if path.is_symlink():
                continue
            if name.endswith(BUNDLE_SUFFIXES):
                found.append(path.relative_to(root))
            else:
                kept.append(name)
        subdirectories[:] = kept
        for name in sorted(files):
            path = here / name
            if not path.is_symlink() and is_macho(path):
                found.append(path.relative_to(root))
    return sorted(found, key=str)


def run_json(command):
    completed = subprocess.run(command, capture_output=True, timeout=CHECK_TIMEOUT_SECONDS)
    if completed.returncode not in (0, 1):
        raise RuntimeError(f"exit {completed.returncode}: {completed.stderr.decode(errors='replace')[-500:]}")
    return json.loads(completed.stdout)


def leaf_certificates(inspect_document):
    """(item path, leaf authority, team id) of every signed slice of the artifact's own code."""
    for item in inspect_document.get("items", []):
        for slice_ in item.get("slices", []):
            signature = slice_.get("signature") or {}
            authorities = (signature.get("cms") or {}).get("authorities") or []
            if authorities:
                directories = signature.get("code_directories") or [{}]
                yield item.get("path"), authorities[0], directories[0].get("team_id")


def outermost_item(inspect_document):
    items = inspect_document.get("items", [])
    return min(items, key=lambda item: (str(item.get("path", "")).count("/"), str(item.get("path", "")))) if items else None


def signing_kinds(inspect_document):
    """How the artifact's outermost code item is signed, per slice (unsigned, linker-signed, ...)."""
    outermost = outermost_item(inspect_document)
    return sorted({s.get("signing") or "?" for s in outermost.get("slices", [])}) if outermost else []


def vendor_signature(inspect_document):
    """The Developer ID leaf that signs the artifact's outermost code item, if any."""
    outermost = outermost_item(inspect_document)
    if outermost is None:
        return None
    for path, leaf, team in leaf_certificates({"items": [outermost]}):
        if "Developer ID Application" in leaf:
            return {"authority": leaf, "team": team}
    return None


def describe_unread(part):
    if isinstance(part, dict) and "message" in part:
        return f"{part.get('path', '?')}: {part['message']}"
    return part if isinstance(part, str) else json.dumps(part, sort_keys=True)


def check_artifact(binary, package_root, relative):
    path = package_root / relative
    result = {"findings": [], "vendor": None, "signing": [], "failure": None, "unread": []}
    try:
        # --no-config: a bundlelint.toml above the cache must not change what is measured.
        document = run_json([binary, "check", "--no-config", "--format", "json", "--exit-zero", str(path)])
        result["findings"] = [
            {"rule": f.get("rule"), "severity": f.get("severity"), "path": f.get("path"), "message": f.get("message")}
            for f in document.get("findings", [])
        ]
        # A run that could not read every part is incomplete: what it missed is not measured.
        if document.get("complete") is False:
            result["unread"] = [describe_unread(part) for part in document.get("unread", [])] or ["(not said)"]
        inspected = run_json([binary, "inspect", "--format", "json", str(path)])
        result["vendor"] = vendor_signature(inspected)
        result["signing"] = signing_kinds(inspected)
    except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError, OSError) as error:
        result["failure"] = str(error)
    return result


def load_expectations(path):
    with open(path, "rb") as handle:
        return tomllib.load(handle).get("artifact", [])


def expectation_patterns(expectation):
    return expectation.get("paths") or [expectation["path"]]


def matching_pattern(expectation, entry, relative):
    """The first of the expectation's path globs that names this artifact, or None."""
    if expectation["package"].lower() != entry["name"].lower():
        return None
    if not fnmatch.fnmatchcase(entry["file"], expectation.get("file", "*")):
        return None
    return next((p for p in expectation_patterns(expectation) if fnmatch.fnmatchcase(str(relative), p)), None)


def expected_errors(expectations, entry, relative):
    """rule -> reason for every error expected on this artifact and every error known to be false
    (reported as a difference all the same, with its reason), and the patterns used."""
    rules, known_false, used = {}, {}, set()
    for index, expectation in enumerate(expectations):
        pattern = matching_pattern(expectation, entry, relative)
        if pattern is not None:
            used.add((index, pattern))
            rules.update(expectation.get("errors", {}))
            known_false.update(expectation.get("false_errors", {}))
    return rules, known_false, used


def compare(artifacts, expectations):
    differences = []
    used = set()
    for artifact in artifacts:
        expected, known_false, matched = expected_errors(expectations, artifact["entry"], artifact["relative"])
        used |= matched
        actual = sorted({f["rule"] for f in artifact["findings"] if f["severity"] == "error"})
        artifact["error_rules"] = actual
        artifact["unexpected"] = [rule for rule in actual if rule not in expected]
        artifact["missing"] = sorted(rule for rule in expected if rule not in actual)
        if artifact["failure"]:
            differences.append(("failed", artifact["id"], artifact["failure"]))
        for rule in artifact["unexpected"]:
            first = next(f for f in artifact["findings"] if f["rule"] == rule and f["severity"] == "error")
            why_false = f" [known false: {known_false[rule]}]" if rule in known_false else ""
            differences.append(("unexpected error", artifact["id"], f"{rule}: {first['path']}: {first['message']}{why_false}"))
        for rule in artifact["missing"]:
            differences.append(("expected but missing", artifact["id"], f"{rule} ({expected[rule]})"))
    checked_files = {artifact["entry"]["file"] for artifact in artifacts}
    checked_packages = {artifact["entry"]["name"].lower() for artifact in artifacts}
    for index, expectation in enumerate(expectations):
        if expectation["package"].lower() not in checked_packages:
            continue
        if not any(fnmatch.fnmatchcase(f, expectation.get("file", "*")) for f in checked_files):
            continue
        for pattern in expectation_patterns(expectation):
            if (index, pattern) not in used:
                differences.append(("stale expectation", f"{expectation['package']}: {pattern}", "names no artifact"))
    return differences


def signer_differences(entries, artifacts):
    """The manifest names each package's Developer ID signer: the bytes must still say so."""
    signers = defaultdict(set)
    for artifact in artifacts:
        if artifact["vendor"]:
            signers[artifact["entry"]["file"]].add(artifact["vendor"]["authority"])
    differences = []
    for entry in entries:
        expected, found = entry.get("developer_id"), signers.get(entry["file"], set())
        if expected and expected not in found:
            differences.append(("signer", fetch.package_slug(entry), f"manifest says {expected}, artifacts carry {sorted(found) or 'none'}"))
        for authority in sorted(found - {expected}):
            differences.append(("signer", fetch.package_slug(entry), f"artifacts carry {authority}, not in the manifest"))
    return differences


def difference_counts(differences):
    """How many differences of each kind and rule, for a summary before the list."""
    counts = Counter()
    for kind, _, detail in differences:
        rule = detail.split(":")[0].split(" (")[0] if kind in ("unexpected error", "expected but missing") else ""
        counts[(kind, rule)] += 1
    return counts


def per_rule_table(artifacts):
    table = defaultdict(Counter)
    for artifact in artifacts:
        vendor = artifact["vendor"] is not None
        for finding in artifact["findings"]:
            row = table[finding["rule"]]
            row[finding["severity"]] += 1
            if vendor:
                row["vendor " + finding["severity"]] += 1
            if finding["severity"] == "error" and finding["rule"] in artifact["unexpected"]:
                row["unexpected error"] += 1
        for rule in {f["rule"] for f in artifact["findings"]}:
            table[rule]["artifacts"] += 1
    return table


COLUMNS = ("error", "unexpected error", "warning", "info", "vendor error", "vendor warning", "vendor info", "artifacts")


def render_table(table, artifacts):
    lines = []
    header = ["rule"] + [column.replace("unexpected error", "unexpected") for column in COLUMNS]
    rows = sorted(table.items(), key=lambda item: (-item[1]["error"], -item[1]["warning"], item[0]))
    totals = Counter()
    for _, counts in rows:
        totals.update({column: counts[column] for column in COLUMNS if column != "artifacts"})
    body = [[rule] + [str(counts[column]) for column in COLUMNS] for rule, counts in rows]
    body.append(["TOTAL"] + [str(totals[column]) if column != "artifacts" else str(len(artifacts)) for column in COLUMNS])
    widths = [max(len(row[i]) for row in [header] + body) for i in range(len(header))]
    for row in [header] + body:
        lines.append("  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)))
    return "\n".join(lines), totals


def collect_targets(entries, root):
    """Every artifact of the selected packages, or None when a package is not unpacked yet."""
    targets = []
    for entry in entries:
        package_root = fetch.extracted_dir(entry, root)
        if not package_root.joinpath(fetch.COMPLETE_MARKER).exists():
            print(f"{fetch.package_slug(entry)} is not unpacked in {root}: run tools/realworld/fetch.py (or pass --fetch)", file=sys.stderr)
            return None
        for relative in discover_artifacts(package_root):
            targets.append({"entry": entry, "root": package_root, "relative": relative,
                            "id": f"{entry['registry']}/{entry['file']}/{relative}"})
    return targets


def print_report(entries, artifacts, table, differences, expectations_name, out):
    text, totals = render_table(table, artifacts)
    vendor_artifacts = sum(1 for a in artifacts if a["vendor"])
    bundles = sum(1 for a in artifacts if str(a["relative"]).endswith(BUNDLE_SUFFIXES))
    print(f"{len(entries)} packages, {len(artifacts)} artifacts ({bundles} bundles, {len(artifacts) - bundles} Mach-O files), "
          f"{vendor_artifacts} vendor Developer ID signed", file=out)
    print(text, file=out)
    print(f"\nerrors: {totals['error']} ({totals['unexpected error']} not expected), "
          f"on vendor-signed artifacts: {totals['vendor error']}", file=out)
    incomplete = [a for a in artifacts if a["unread"]]
    if incomplete:
        print(f"\n{len(incomplete)} artifacts were checked incompletely (parts bundlelint did not read):", file=out)
        for a in incomplete:
            print(f"  {a['id']}: {'; '.join(a['unread'])[:300]}", file=out)
    if not differences:
        print(f"\nno differences from {expectations_name}", file=out)
        return
    print(f"\n{len(differences)} differences from {expectations_name}:", file=out)
    for (kind, rule), count in sorted(difference_counts(differences).items(), key=lambda item: -item[1]):
        print(f"  {count:5d}  {kind}  {rule}", file=out)
    print(file=out)
    for kind, artifact_id, detail in differences:
        print(f"  {kind}: {artifact_id}\n      {detail}", file=out)


def json_document(entries, artifacts, table, differences, with_findings):
    _, totals = render_table(table, artifacts)
    return {
        "packages": len(entries),
        "artifacts": [
            {"id": a["id"], "package": a["entry"]["name"], "registry": a["entry"]["registry"], "file": a["entry"]["file"],
             "path": str(a["root"] / a["relative"]), "vendor": a["vendor"], "signing": a["signing"], "failure": a["failure"],
             "unread": a["unread"],
             "error_rules": a["error_rules"], "unexpected": a["unexpected"], "missing": a["missing"],
             "counts": dict(Counter(f["severity"] for f in a["findings"])),
             "rules": dict(Counter(f"{f['rule']}:{f['severity']}" for f in a["findings"])),
             "findings": a["findings"] if with_findings else None}
            for a in artifacts
        ],
        "rules": {rule: dict(counts) for rule, counts in sorted(table.items())},
        "totals": dict(totals),
        "differences": [{"kind": k, "artifact": i, "detail": d} for k, i, d in differences],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundlelint", default=os.environ.get("BUNDLELINT", str(REPO / "target" / "release" / "bundlelint")),
                        help="the binary to run (default: $BUNDLELINT or target/release/bundlelint)")
    parser.add_argument("--package", "-p", action="append", default=[],
                        help="only packages whose registry/name@version or file name contains this (repeatable)")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="checks run at once (default 2)")
    parser.add_argument("--json", metavar="FILE", help="also write the summary and every artifact's result as JSON "
                        "(- for stdout; the table then goes to stderr)")
    parser.add_argument("--json-findings", action="store_true", help="with --json, include every finding of every artifact")
    parser.add_argument("--expectations", type=Path, default=HERE / "expectations.toml")
    parser.add_argument("--fetch", action="store_true", help="run fetch.py for the selected packages first")
    parser.add_argument("--list", action="store_true", help="only list the artifacts that would be checked")
    args = parser.parse_args(argv)

    entries = fetch.selected(fetch.load_manifest(), args.package)
    if args.fetch and fetch.main([arg for name in args.package for arg in ("--package", name)]) != 0:
        return 2
    targets = collect_targets(entries, fetch.cache_root())
    if targets is None:
        return 2
    if args.list:
        for target in targets:
            print(target["id"])
        return 0
    if not os.access(args.bundlelint, os.X_OK):
        print(f"{args.bundlelint} is not an executable: build it (cargo build --release) or pass --bundlelint", file=sys.stderr)
        return 2

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = pool.map(lambda t: check_artifact(args.bundlelint, t["root"], t["relative"]), targets)
        artifacts = [dict(target, **result) for target, result in zip(targets, results)]
    differences = signer_differences(entries, artifacts) + compare(artifacts, load_expectations(args.expectations))
    table = per_rule_table(artifacts)

    print_report(entries, artifacts, table, differences, args.expectations.name,
                 sys.stderr if args.json == "-" else sys.stdout)
    if args.json:
        output = json.dumps(json_document(entries, artifacts, table, differences, args.json_findings), indent=1)
        if args.json == "-":
            print(output)
        else:
            Path(args.json).write_text(output + "\n")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
