#!/usr/bin/env python3
"""The structure rules of docs/development.md, checked: no function over 80 lines and no import
circle between modules, and the binary never using the library's `internals` (exit 1 for any of
these), and the files over 400 lines (listed).

    python3 .ci/structure.py src [--quiet]

It leans on rustfmt's layout: a function's closing brace is alone on a line, indented as its
`fn`. Test modules (`#[cfg(test)] mod ... {`) are left out of the function count. An import is
any `crate::` or `super::` path in code; one into a module's own ancestors is not an edge (a
child using its parent's items is how modules are built).
"""

import os
import re
import sys

MAX_FN, MAX_FILE = 80, 400
FN = re.compile(r'^(\s*)(?:pub(?:\([\w:]+\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+(\w+)')
TEST_MODULE = re.compile(r'^(\s*)#\[cfg\(test\)\]\s*$')


def code_lines(text):
    """Each line without its `//` comment and with string literals emptied, so neither counts."""
    out = []
    for line in text.split("\n"):
        line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
        out.append(line.split("//", 1)[0])
    return out


def long_functions(lines):
    found, skip_to = [], -1
    for i, line in enumerate(lines):
        if i < skip_to:
            continue
        test = TEST_MODULE.match(line)
        if test and i + 1 < len(lines) and re.match(r'\s*(pub\s+)?mod\s+\w+\s*\{', lines[i + 1]):
            close = test.group(1) + "}"
            skip_to = next((j for j in range(i + 2, len(lines)) if lines[j].rstrip() == close), len(lines))
            continue
        m = FN.match(line)
        if not m:
            continue
        start = next((j for j in range(i, len(lines)) if lines[j].rstrip().endswith(("{", ";", "}"))), i)
        if not lines[start].rstrip().endswith("{"):
            continue  # a declaration, or a body on one line
        close = m.group(1) + "}"
        end = next((j for j in range(start + 1, len(lines)) if lines[j].rstrip() == close), start)
        if end - i + 1 > MAX_FN:
            found.append((end - i + 1, i + 1, m.group(2)))
    return found


def module_of(rel):
    parts = rel[:-3].split(os.sep)
    return tuple(parts[:-1]) if parts[-1] in ("mod", "lib", "main") else tuple(parts)


def imports(me, code, modules):
    """The modules `code` (of module `me`) names through `crate::` and `super::` paths."""
    paths = []
    for m in re.finditer(r'\b(crate|super)((?:::\w+)*)(?:::\{([^}]*)\})?', code):
        head = tuple(p for p in m.group(2).split("::") if p)
        base = () if m.group(1) == "crate" else me[:-1]
        while head and head[0] == "super":  # super::super::x
            base, head = base[:-1], head[1:]
        items = [tuple(p for p in item.strip().split("::") if p and p != "self")
                 for item in (m.group(3) or "").split(",")]
        paths.extend(base + head + item for item in items)
    found = set()
    for path in paths:
        for cut in range(len(path), 0, -1):
            target = path[:cut]
            if target in modules:
                if target != me and me[:len(target)] != target:
                    found.add(target)
                break
    return found


def circles(edges):
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], 0
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter; counter += 1; stack.append(root); on.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter; counter += 1
                    stack.append(child); on.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop(); on.discard(member); component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted("::".join(c) or "crate" for c in component))
    return out


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "src"
    quiet = "--quiet" in sys.argv
    texts = {}
    for folder, _, names in os.walk(src):
        for name in names:
            if name.endswith(".rs"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as f:
                    texts[os.path.relpath(path, src)] = f.read()
    modules = {module_of(rel) for rel in texts if not rel.endswith("main.rs")}
    long_fns, long_files, edges = [], [], {}
    for rel, text in sorted(texts.items()):
        lines = code_lines(text)
        long_fns += [(n, f"{rel}:{line} {name}") for n, line, name in long_functions(lines)]
        count = len(text.rstrip("\n").split("\n"))
        if count > MAX_FILE:
            long_files.append((count, rel))
        if not rel.endswith("main.rs"):
            me = module_of(rel)
            edges.setdefault(me, set()).update(imports(me, "\n".join(lines), modules))
    found = circles(edges)
    # The binary is the library's first user: it takes what the crate root offers, as any would.
    internal = [rel for rel, text in sorted(texts.items())
                if (rel.startswith("cli") or rel.endswith("main.rs")) and "mfa_contract::internals" in text]
    if not quiet:
        for n, name in sorted(long_fns, reverse=True):
            print(f"function over {MAX_FN} lines: {n:4d}  {name}")
        for n, name in sorted(long_files, reverse=True):
            print(f"file over {MAX_FILE} lines: {n:4d}  {name}")
        for component in found:
            print("import circle: " + " <-> ".join(component))
        for rel in internal:
            print(f"the binary uses mfa_contract::internals: {rel}")
    print(f"structure: {len(long_fns)} functions over {MAX_FN} lines, {len(long_files)} files over "
          f"{MAX_FILE} lines, {len(found)} import circles")
    return 1 if long_fns or found or internal else 0


if __name__ == "__main__":
    sys.exit(main())
