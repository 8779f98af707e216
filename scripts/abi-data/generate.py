#!/usr/bin/env python3
"""Regenerates lib/data/abi/ from the public sources of the ABI policies.

    python3 scripts/abi-data/generate.py MANYLINUX_POLICY_JSON STABLE_ABI_TOML COMMENT...

MANYLINUX_POLICY_JSON is auditwheel's src/auditwheel/policy/manylinux-policy.json (PyPI package
auditwheel, MIT licence; `pip install auditwheel` puts it under site-packages/auditwheel/policy/).
STABLE_ABI_TOML is CPython's Misc/stable_abi.toml (PSF licence). The build never runs this script:
its outputs are committed, so that nothing is downloaded at build time.

Only what the checks need is kept:
  manylinux-policy.json  per policy its name, aliases, architectures and allowed libraries; per
                         architecture and symbol-version prefix (GLIBC, GLIBCXX, ...) every allowed
                         version with the first policy that allows it. For one architecture the
                         prefixes and the version sets only grow from one policy to the next (the
                         script checks it), so a policy restricts a prefix from the first policy
                         that names it on. (An architecture may leave: ppc64 after 2_17.)
  python-stable-abi.txt  one line per function or data symbol of the stable ABI: NAME ADDED.
"""
import json
import sys
import tomllib


def manylinux(source_path: str, comment: str) -> str:
    with open(source_path, encoding="utf-8") as f:
        policies = [p for p in json.load(f) if p["name"] != "linux"]
    out_policies = []
    first_allowed: dict[str, dict[str, dict[str, int]]] = {}
    previous: dict[str, dict[str, set[str]]] = {}
    for index, policy in enumerate(policies):
        archs = sorted(policy["symbol_versions"])
        for arch in archs:
            dropped = set(previous.get(arch, {})) - set(policy["symbol_versions"][arch])
            if dropped:
                sys.exit(f"{policy['name']} {arch} drops {sorted(dropped)}")
        out_policies.append({
            "name": policy["name"],
            "aliases": policy["aliases"],
            "archs": archs,
            "libraries": sorted(policy["lib_whitelist"]),
        })
        for arch, deps in policy["symbol_versions"].items():
            for dep, versions in deps.items():
                versions = set(versions)
                before = previous.get(arch, {}).get(dep)
                if before is not None and not before <= versions:
                    sys.exit(f"{policy['name']} {arch} {dep} drops {sorted(before - versions)}")
                table = first_allowed.setdefault(arch, {}).setdefault(dep, {})
                for version in versions:
                    table.setdefault(version, index)
                previous.setdefault(arch, {})[dep] = versions
    def version_key(text: str):
        return [int(part) if part.isdigit() else -1 for part in text.split(".")]
    symbol_versions = {
        arch: {
            dep: [[v, table[v]] for v in sorted(table, key=version_key)]
            for dep, table in sorted(deps.items())
        }
        for arch, deps in sorted(first_allowed.items())
    }
    document = {"comment": comment, "policies": out_policies, "symbol_versions": symbol_versions}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=True) + "\n"


def stable_abi(source_path: str, comment: str) -> str:
    with open(source_path, "rb") as f:
        table = tomllib.load(f)
    lines = [f"# {line}" for line in comment.split("\n")]
    lines.append("# NAME ADDED (function and data symbols only)")
    entries = []
    for kind in ("function", "data"):
        for name, item in table.get(kind, {}).items():
            entries.append(f"{name} {item['added']}")
    return "\n".join(lines + sorted(entries)) + "\n"


def main() -> None:
    policy_json, stable_abi_toml, manylinux_comment, stable_abi_comment = sys.argv[1:5]
    with open("lib/data/abi/manylinux-policy.json", "w", encoding="utf-8") as f:
        f.write(manylinux(policy_json, manylinux_comment))
    with open("lib/data/abi/python-stable-abi.txt", "w", encoding="utf-8") as f:
        f.write(stable_abi(stable_abi_toml, stable_abi_comment))


if __name__ == "__main__":
    main()
