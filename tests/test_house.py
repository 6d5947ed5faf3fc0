"""The house rules of the package (docs/architecture.md): small rooms, arrows that point one way.

* No import circle inside ``micrograd_mlp/``: every ``import`` of a package module, wherever it
  stands (a lazy import inside a function counts too), is an edge; importing
  ``micrograd_mlp.tensor.ops`` from outside ``micrograd_mlp.tensor`` also runs
  ``micrograd_mlp/tensor/__init__.py``, so it is an edge to that package as well; a module that
  imports a package and calls ``importlib.import_module`` (the CLI finding its demos) has an
  edge to every module of that package.
* No module over 700 lines (page assets, ``.js`` and ``.css``, are not modules).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "micrograd_mlp"
MAX_LINES = 700


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules ``name`` imports (with the packages that importing them runs)."""
    is_package = path.name == "__init__.py"
    own_package = name if is_package else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from . import x, from .m import x
                base = own_package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:  # a submodule, or a name the module itself defines
                submodule = f"{module}.{alias.name}"
                targets.add(submodule if submodule in known else module)
    source = path.read_text(encoding="utf-8")
    if "import_module(" in source:  # dynamic imports of a package's modules
        for target in list(targets):
            if target in known and (PACKAGE.parent / target.replace(".", "/")).is_dir():
                targets |= {m for m in known if m.startswith(target + ".")}
    edges = set()
    for target in targets:
        if target not in known or target == name:
            continue
        edges.add(target)
        # Importing a.b.c runs a/__init__ and a/b/__init__ first, unless they are the
        # importer's own packages (already being imported).
        parts = target.split(".")
        for i in range(1, len(parts)):
            parent = ".".join(parts[:i])
            if parent in known and not (name == parent or name.startswith(parent + ".")):
                edges.add(parent)
    return edges


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def test_no_import_circle_inside_the_package():
    cycles = _cycles(import_graph())
    assert not cycles, "import circles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_the_circle_finder_sees_a_circle_and_the_package_edges():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    known = {"micrograd_mlp", "micrograd_mlp.tensor", "micrograd_mlp.tensor.ops", "micrograd_mlp.x"}
    ops, tensor = "micrograd_mlp.tensor.ops", "micrograd_mlp.tensor"
    assert _edges_of("from micrograd_mlp.tensor.ops import Add", known) == {ops, tensor}
    assert _edges_of("import micrograd_mlp.tensor.ops", known) == {ops, tensor}
    assert _edges_of("def f():\n    from micrograd_mlp.tensor import ops", known) == {ops, tensor}
    assert _edges_of("from micrograd_mlp.tensor import Tensor", known) == {tensor}
    # the importer's own package is being imported already: no edge; a name from it is one
    assert _edges_of("from micrograd_mlp import tensor", known) == {tensor}
    assert _edges_of("from micrograd_mlp import Value", known) == {"micrograd_mlp"}
    dynamic = "import importlib\nimport micrograd_mlp.tensor\nimportlib.import_module(name)"
    assert _edges_of(dynamic, known) == {ops, tensor}


def _edges_of(source: str, known: set[str]) -> set[str]:
    """The edges of a module ``micrograd_mlp.x`` holding ``source``."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        fake = Path(d) / "micrograd_mlp" / "x.py"
        fake.parent.mkdir()
        fake.write_text(source, encoding="utf-8")
        return _imports("micrograd_mlp.x", fake, known)


def test_no_module_is_over_700_lines():
    sizes = {
        name: len(path.read_text(encoding="utf-8").splitlines())
        for name, path in _modules().items()
    }
    big = {name: n for name, n in sizes.items() if n > MAX_LINES}
    assert not big, f"modules over {MAX_LINES} lines (split them by job): {big}"
    assert len(sizes) > 20  # the walk found the package
