"""The project's import graph read from the source with `ast`: every import counts, the ones inside
functions and under TYPE_CHECKING too, since they are how cycles hide."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ("app", "knowledge_base")


@dataclass(frozen=True)
class Import:
    """One import of a project module: who imports what, and where."""

    source: str
    target: str
    line: int

    def __str__(self) -> str:
        return f"{self.source} imports {self.target} (line {self.line})"


def module_files(root: Path, packages=PACKAGES) -> dict[str, Path]:
    """Dotted module name -> file, for every .py under the packages (a package is its __init__)."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _resolve(name: str, modules) -> str | None:
    """The longest prefix of a dotted name that is a project module (a.b.c.func -> a.b.c)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _targets(node: ast.AST, modules) -> list[str]:
    if isinstance(node, ast.Import):
        return [_resolve(alias.name, modules) for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        # `from pkg import mod` imports pkg.mod; `from mod import name` imports mod
        return [_resolve(f"{node.module}.{alias.name}", modules) for alias in node.names]
    return []


def imports(root: Path, packages=PACKAGES) -> list[Import]:
    """Every import of a project module by a project module, wherever it stands in the file."""
    modules = module_files(root, packages)
    found = []
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.level:
                raise AssertionError(f"{path}:{node.lineno}: relative import; the project writes absolute ones")
            for target in _targets(node, modules):
                if target is not None and target != name:
                    found.append(Import(name, target, node.lineno))
    return found


def external_imports(root: Path, package: str) -> list[Import]:
    """Imports of modules outside the project by one package (for rules like "no Flask here")."""
    modules = module_files(root, (package,))
    found = []
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [Import(name, alias.name, node.lineno) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.append(Import(name, node.module, node.lineno))
    return [i for i in found if i.target.split(".")[0] not in PACKAGES]


def cycles(edges: list[Import]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.source, set()).add(edge.target)
        graph.setdefault(edge.target, set())
    return _Tarjan(graph).components()


class _Tarjan:
    def __init__(self, graph: dict[str, set[str]]) -> None:
        self.graph = graph
        self.index: dict[str, int] = {}
        self.low: dict[str, int] = {}
        self.stack: list[str] = []
        self.on_stack: set[str] = set()
        self.found: list[list[str]] = []

    def components(self) -> list[list[str]]:
        for node in sorted(self.graph):
            if node not in self.index:
                self._visit(node)
        return self.found

    def _visit(self, node: str) -> None:
        self.index[node] = self.low[node] = len(self.index)
        self.stack.append(node)
        self.on_stack.add(node)
        for nxt in sorted(self.graph[node]):
            if nxt not in self.index:
                self._visit(nxt)
                self.low[node] = min(self.low[node], self.low[nxt])
            elif nxt in self.on_stack:
                self.low[node] = min(self.low[node], self.index[nxt])
        if self.low[node] == self.index[node]:
            self._pop_component(node)

    def _pop_component(self, root: str) -> None:
        component = []
        while True:
            member = self.stack.pop()
            self.on_stack.discard(member)
            component.append(member)
            if member == root:
                break
        if len(component) > 1:
            self.found.append(sorted(component))
