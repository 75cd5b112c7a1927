#!/usr/bin/env python3
"""Prints swkube's import graph from the sources: for each target under Sources/, the project
targets and package products its Swift files import. With --check, also enforces the layering of
docs/architecture.md and exits 1 on a violation:
  - a target imports only targets of a lower layer (LAYERS below, top first);
  - the controller imports no C module and reaches the runtime only through the CRI protocols;
  - every target declares in Package.swift exactly the targets and products it imports.
Usage: scripts/import-graph.py [--check] [--root DIR]
"""
import os
import re
import sys

# Top of the stack first; a target may import only targets of a later (lower) row.
LAYERS = [
    ["swkubelet", "swkubectl", "swkube-pull", "swkube-runc", "swkube-shim"],   # executables
    ["Controller", "KubeCtl"],                                                   # layer 1 + CLI
    ["KubeAPI", "StateStore"],                                                   # the Pod model, the state store
    ["Runtime", "RegistryHTTP"],                                                 # layer 3: lifecycle, registry transport
    ["ImageStore", "CRI", "SwkRunc"],                                            # layer 3 images; layer 2 protocols; layer 4 executor
    ["OCI", "SwkYAML", "DirectoryWatch", "ContainerLog"],                                        # shared foundations
    ["SwkSupport"],
    ["CSwkSys", "CYAML", "CSQLite", "CSeccomp", "CArchive", "CCrypto", "CSwkRuncEarly"],  # C
]
C_MODULES = set(LAYERS[-1])
# What the controller must reach only through the CRI protocols.
CONTROLLER_FORBIDDEN = {"Runtime", "ImageStore", "RegistryHTTP", "SwkRunc", "OCI"}
# Package products, by the module name Swift files import.
PRODUCTS = {"ArgumentParser", "Logging", "AsyncHTTPClient", "NIOCore", "NIOPosix", "NIOHTTP1", "NIOSSL"}

IMPORT = re.compile(r"^\s*(?:@\w+\s+)*import\s+(?:(?:struct|class|enum|func|protocol|var|let)\s+)?([A-Za-z_][A-Za-z0-9_]*)", re.M)


def rank(target):
    for i, row in enumerate(LAYERS):
        if target in row:
            return i
    return None


def source_imports(root):
    """Target name -> set of project targets and products its Swift sources import."""
    sources = os.path.join(root, "Sources")
    project = {t for row in LAYERS for t in row}
    graph = {}
    for target in sorted(os.listdir(sources)):
        path = os.path.join(sources, target)
        if not os.path.isdir(path):
            continue
        found = set()
        for dirpath, _, files in os.walk(path):
            for name in files:
                if name.endswith(".swift"):
                    with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                        found |= {m for m in IMPORT.findall(f.read()) if m in project or m in PRODUCTS}
        graph[target] = found - {target}
    return graph


def declared_dependencies(root):
    """Target name -> set of dependencies Package.swift declares (targets and product names)."""
    with open(os.path.join(root, "Package.swift"), encoding="utf-8") as f:
        text = f.read()
    declared = {}
    for m in re.finditer(r'\.(?:executableTarget|target|systemLibrary)\(\s*name:\s*"([^"]+)"', text):
        name, rest = m.group(1), text[m.end():]
        deps = set()
        d = re.match(r'\s*,\s*dependencies:\s*\[', rest)
        if d:
            depth, i = 1, d.end()
            while depth and i < len(rest):
                depth += {"[": 1, "]": -1}.get(rest[i], 0)
                i += 1
            body = rest[d.end():i - 1]
            deps |= set(re.findall(r'\.product\(name:\s*"([^"]+)"', body))
            body = re.sub(r'\.product\([^)]*\)', "", body)
            deps |= set(re.findall(r'"([^"]+)"', body))
        declared[name] = deps
    return declared


def violations(graph, declared):
    found = []
    for target, imports in sorted(graph.items()):
        mine = rank(target)
        if mine is None:
            found.append(f"{target}: not placed in a layer (scripts/import-graph.py LAYERS)")
            continue
        for dep in sorted(imports):
            theirs = rank(dep)
            if theirs is not None and theirs <= mine:
                found.append(f"{target} imports {dep}: a layer may import only the layers below it")
        if target == "Controller":
            for dep in sorted(imports & C_MODULES):
                found.append(f"Controller imports C module {dep}: the controller goes through SwkSupport or the runtime")
            for dep in sorted(imports & CONTROLLER_FORBIDDEN):
                found.append(f"Controller imports {dep}: the controller reaches the runtime only through the CRI protocols")
        if target in declared and target not in C_MODULES:
            undeclared = imports - declared[target]
            unused = declared[target] - imports
            if undeclared:
                found.append(f"{target} imports {', '.join(sorted(undeclared))} without declaring it in Package.swift")
            if unused:
                found.append(f"{target} declares {', '.join(sorted(unused))} in Package.swift but does not import it")
    return found


def main():
    args = sys.argv[1:]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if "--root" in args:
        root = args[args.index("--root") + 1]
    graph = source_imports(root)
    for target, imports in sorted(graph.items(), key=lambda kv: (rank(kv[0]) if rank(kv[0]) is not None else 99, kv[0])):
        print(f"{target} -> {' '.join(sorted(imports)) or '(nothing)'}")
    if "--check" in args:
        problems = violations(graph, declared_dependencies(root))
        for p in problems:
            print(f"violation: {p}", file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
