#!/usr/bin/env python3
"""Checks the module structure of src/ (run by scripts/test.sh).

1. No import cycle between files: every `use crate::...`, `crate::a::b`
   path, `super::...` path and `mod x;` is an edge from the file that holds
   it to the file that defines the module it names; the file graph must be
   acyclic (a `mod.rs` declaring its children is not an import and is left
   out).
2. Arrows run one way: each top-level folder of src/ is a layer with a rank
   (LAYERS below, top of the program first); a file may import only from its
   own layer or from layers of greater rank.
3. No file in src/ is longer than MAX_LINES lines, and src/ itself holds only
   lib.rs, main.rs and at most two other files.

Prints every violation and exits 1, or prints a one-line summary and exits 0.
`--graph` also prints the layer-to-layer import counts.
"""

import re
import sys
from collections import defaultdict
from pathlib import Path

# Top of the program first. A layer may import itself and any layer after it.
# Layers of the same rank (a tuple) may not import each other.
LAYERS = [
    ("main", "lib", "fuzzing"),  # the binary, the crate root, the fuzzing entry
    ("command",),  # command line, process start-up, signals
    ("parallel",),  # ranks: roles, scheduling, wire format, rank groups
    ("sweep",),  # one sweep simulation: plan, batching, results, estimates
    ("output", "analysis", "search"),  # beside the simulation: HDF5 file; dipole analysis; fit searches
    ("engine",),  # compartments, Hines solve, mechanisms, events, time loop
    ("network",),  # cells, models, drives, hnn-core file formats
    ("config",),  # the TOML, its rules and errors
    ("compat",),  # bit-compatibility with glibc, numpy, SVML
]
MAX_LINES = 700
TOP_LEVEL_ALLOWED_EXTRA = 2

RANK = {name: i for i, group in enumerate(LAYERS) for name in group}


def module_of(path: Path, src: Path) -> tuple:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "mod":
        parts = parts[:-1]
    if parts in (["lib"], ["main"]):
        return ()
    return tuple(parts)


def strip_comments_and_strings(text: str) -> str:
    """The code of a Rust file without comments, string and char literals
    (a small scanner: regexes get `"//"` inside strings and `'"'` wrong)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif c == "r" and re.match(r'r#*"', text[i:]) and not (i and (text[i - 1].isalnum() or text[i - 1] == "_")):
            hashes = re.match(r"r(#*)\"", text[i:]).group(1)
            end = text.find('"' + hashes, i + len(hashes) + 2)
            i = n if end < 0 else end + 1 + len(hashes)
            out.append('""')
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            out.append('""')
        elif c == "'" and re.match(r"'(\\.[^']*|[^\\'])'", text[i:]):
            i += re.match(r"'(\\.[^']*|[^\\'])'", text[i:]).end()
            out.append("' '")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def expand_use(tree: str) -> list:
    """`a::{b, c::{d, e}}` -> [a::b, a::c::d, a::c::e] (strings of ::-paths)."""
    tree = re.sub(r"\s+", "", tree)
    out = []

    def walk(prefix, s):
        # s is a comma-separated list at one level
        depth, start, items = 0, 0, []
        for i, ch in enumerate(s):
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == "," and depth == 0:
                items.append(s[start:i])
                start = i + 1
        items.append(s[start:])
        for item in items:
            if not item:
                continue
            if "{" in item:
                head, rest = item.split("{", 1)
                walk(prefix + head, rest[: rest.rfind("}")])
            else:
                item = re.sub(r"as\w+$", "", item) if "as" in item and re.search(r"\bas\b", item) else item
                out.append(prefix + item)

    walk("", tree)
    return out


def referenced_paths(text: str):
    """Absolute-or-relative ::-paths a file names (crate::, super::, self::)."""
    paths = []
    for m in re.finditer(r"\buse\s+([^;]+);", text):
        for p in expand_use(re.sub(r"\s+as\s+\w+", "", m.group(1))):
            paths.append(p)
    for m in re.finditer(r"(?<![\w:])((?:crate|super)(?:::\w+)+)", text):
        paths.append(m.group(1))
    return paths


def resolve(path: str, here: tuple, in_test: bool, modules: set):
    parts = path.split("::")
    if parts[0] == "crate":
        base, rest = (), parts[1:]
    elif parts[0] in ("super", "self"):
        base = here
        rest = parts
        # inside `mod tests`, the first `super` is the file's own module
        if in_test and rest and rest[0] == "super":
            rest = rest[1:]
        while rest and rest[0] in ("super", "self"):
            if rest[0] == "super":
                base = base[:-1]
            rest = rest[1:]
    else:
        return None
    target = base
    best = base if base in modules else None
    for p in rest:
        target = target + (p,)
        if target in modules:
            best = target
    return best


def split_tests(text: str):
    """(code outside `#[cfg(test)] mod ... { }`, code inside)."""
    inside = []
    out = text
    while True:
        m = re.search(r"#\[cfg\(test\)\]\s*(?:pub\s+)?mod\s+\w+\s*\{", out)
        if not m:
            break
        depth, i = 1, m.end()
        while i < len(out) and depth:
            depth += {"{": 1, "}": -1}.get(out[i], 0)
            i += 1
        inside.append(out[m.end() : i - 1])
        out = out[: m.start()] + out[i:]
    return out, "\n".join(inside)


def main():
    root = Path(__file__).resolve().parent.parent
    src = root / "src"
    files = sorted(p for p in src.rglob("*.rs") if "bin" not in p.relative_to(src).parts)
    modules = {module_of(f, src): f for f in files}
    problems = []

    # 3. sizes and the top level
    for f in sorted(src.rglob("*")):
        if f.is_file() and f.suffix in (".rs", ".c"):
            n = sum(1 for _ in f.open(encoding="utf-8"))
            if n > MAX_LINES:
                problems.append(f"{f.relative_to(root)}: {n} lines (at most {MAX_LINES})")
    top = sorted(p.name for p in src.iterdir() if p.is_file())
    extra = [n for n in top if n not in ("lib.rs", "main.rs")]
    if len(extra) > TOP_LEVEL_ALLOWED_EXTRA:
        problems.append(f"src/ holds {len(extra)} files besides lib.rs and main.rs: {', '.join(extra)}")

    # 1, 2. imports
    edges = defaultdict(set)
    layer_counts = defaultdict(int)
    for mod, f in modules.items():
        text = strip_comments_and_strings(f.read_text(encoding="utf-8"))
        code, tests = split_tests(text)
        for body, in_test in ((code, False), (tests, True)):
            for p in referenced_paths(body):
                t = resolve(p, mod, in_test, set(modules))
                if t is None or t == mod or t == ():
                    continue
                # a parent naming its child module (mod.rs re-exports) is not an import
                if t[: len(mod)] == mod and f.name == "mod.rs":
                    continue
                edges[mod].add(t)
    for mod in modules:
        if mod == ():
            continue
    for a, targets in edges.items():
        la = a[0] if a else "lib"
        for b in targets:
            lb = b[0] if b else "lib"
            layer_counts[(la, lb)] += 1
            if la in RANK and lb in RANK and la != lb and RANK[lb] <= RANK[la]:
                problems.append(
                    f"upward import: {modules[a].relative_to(root)} ({la}) uses "
                    f"{'::'.join(b)} ({lb}); {lb} stands above or beside {la}"
                )
            for name in (la, lb):
                if name not in RANK:
                    problems.append(f"{name}: a top-level module that LAYERS in {Path(__file__).name} does not rank")

    # cycles (Tarjan)
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(comp)

    for v in modules:
        if v not in index:
            strong(v)
    for comp in sccs:
        names = sorted(str(modules[m].relative_to(root)) for m in comp)
        problems.append("import cycle between files: " + " <-> ".join(names))

    if "--graph" in sys.argv:
        for (a, b), n in sorted(layer_counts.items()):
            print(f"{a:>10} -> {b:<10} {n}")
    for p in sorted(set(problems)):
        print(p)
    if problems:
        print(f"check_layers: {len(set(problems))} problems", file=sys.stderr)
        sys.exit(1)
    n_edges = sum(len(t) for t in edges.values())
    print(
        f"check_layers: {len(modules)} files, {n_edges} imports between files, "
        f"no cycle, no upward import, none over {MAX_LINES} lines"
    )


if __name__ == "__main__":
    main()
