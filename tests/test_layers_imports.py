"""Guard the layers: app → routing → geo → data, no upward import, no import circle.

Every module of ``data/``, ``geo/``, ``routing/``, ``app/`` and the two entry points
(``cli.py``, ``streamlit_app.py``) is parsed with :mod:`ast`; every ``import`` counts,
also those inside functions (a lazy import is still a dependency, and a circle made of
lazy imports is still a circle).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Layer of each top-level name; a module may import its own layer and the ones below.
LAYERS = {"data": 0, "geo": 1, "routing": 2, "app": 3, "streamlit_app": 3, "cli": 4}
#: Third-party packages only the app layer may import.
UI_PACKAGES = ("streamlit", "folium", "streamlit_folium")
#: Import circles known and being opened on another branch, each with a comment naming who
#: opens it; empty now (the data.layers ↔ data.names circle was opened by `points`).
KNOWN_CYCLES: frozenset[frozenset[str]] = frozenset()


def module_files(root: Path) -> dict[str, Path]:
    """Map dotted module name → file for every layer module under ``root``."""
    out: dict[str, Path] = {}
    for top in LAYERS:
        single = root / f"{top}.py"
        if single.is_file():
            out[top] = single
        folder = root / top
        if folder.is_dir():
            for path in sorted(folder.rglob("*.py")):
                parts = list(path.relative_to(root).with_suffix("").parts)
                if parts[-1] == "__init__":
                    parts = parts[:-1]
                out[".".join(parts)] = path
    return out


def _statements(path: Path, module: str) -> list[tuple[str, tuple[str, ...]]]:
    """``(imported module, names taken from it)`` for every import statement in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: list[tuple[str, tuple[str, ...]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            out.append((target, tuple(alias.name for alias in node.names)))
    return out


def resolve(name: str, modules: Iterable[str]) -> str | None:
    """The project module ``name`` refers to: the longest known dotted prefix, or None."""
    known = set(modules)
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        candidate = ".".join(parts[:n])
        if candidate in known:
            return candidate
    return None


def import_graph(root: Path) -> nx.DiGraph:
    """Directed graph module → project module it imports (self-imports left out).

    ``from pkg import sub`` points at ``pkg.sub`` when that is a module, else at ``pkg``.
    """
    files = module_files(root)
    graph = nx.DiGraph()
    graph.add_nodes_from(files)
    for module, path in files.items():
        for target, names in _statements(path, module):
            deps = [f"{target}.{n}" if f"{target}.{n}" in files else target for n in names] \
                if names else [target]
            for dep in deps:
                found = resolve(dep, files)
                if found is not None and found != module:
                    graph.add_edge(module, found)
    return graph


def layer_of(module: str) -> int:
    """Layer number of a module (its top-level name)."""
    return LAYERS[module.split(".")[0]]


def upward_imports(graph: nx.DiGraph) -> list[str]:
    """``a -> b`` for every import of a higher layer."""
    return sorted(f"{a} -> {b}" for a, b in graph.edges if layer_of(b) > layer_of(a))


def ui_imports(root: Path) -> list[str]:
    """Modules outside the app layer that import streamlit or folium."""
    bad = []
    for module, path in module_files(root).items():
        if layer_of(module) == LAYERS["app"]:
            continue
        hits = sorted({t for t, _ in _statements(path, module)
                       if t.split(".")[0] in UI_PACKAGES})
        if hits:
            bad.append(f"{module} imports {', '.join(hits)}")
    return bad


def import_cycles(graph: nx.DiGraph) -> list[frozenset[str]]:
    """Strongly connected groups of more than one module (each holds an import circle)."""
    return [frozenset(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]


# --------------------------------------------------------------------------- the guards


def test_no_upward_imports() -> None:
    """data imports nothing above it, geo only data, routing only geo and data."""
    assert upward_imports(import_graph(ROOT)) == []


def test_only_the_app_imports_streamlit_or_folium() -> None:
    """streamlit, folium and streamlit_folium are imported only in app/ and streamlit_app.py."""
    assert ui_imports(ROOT) == []


def test_no_import_cycles() -> None:
    """No circle of imports anywhere (lazy imports count), apart from the known ones."""
    cycles = import_cycles(import_graph(ROOT))
    unknown = [sorted(c) for c in cycles if c not in KNOWN_CYCLES]
    assert unknown == []


# --------------------------------------------------------------------------- the checker


@pytest.fixture()
def bad_tree(tmp_path: Path) -> Path:
    """A tiny project with an upward import, a lazy circle and streamlit in geo."""
    files = {
        "data/__init__.py": "",
        "data/a.py": "def f():\n    from geo import b\n",
        "geo/__init__.py": "",
        "geo/b.py": "import streamlit as st\nfrom . import c\n",
        "geo/c.py": "from geo.b import thing\n",
        "routing/__init__.py": "",
        "routing/sheets/__init__.py": "from routing.sheets.model import Row\n",
        "routing/sheets/model.py": "from data import a\n",
        "app/__init__.py": "",
        "app/page.py": "import streamlit\nfrom routing import sheets\n",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_checker_finds_upward_imports_circles_and_ui_imports(bad_tree: Path) -> None:
    """The checker reports exactly the planted faults: one upward import, one circle, st."""
    graph = import_graph(bad_tree)
    assert upward_imports(graph) == ["data.a -> geo.b"]
    assert import_cycles(graph) == [frozenset({"geo.b", "geo.c"})]
    assert ui_imports(bad_tree) == ["geo.b imports streamlit"]
    # a package that imports its own module is not a circle; the app may use streamlit
    assert graph.has_edge("routing.sheets", "routing.sheets.model")
    assert graph.has_edge("app.page", "routing.sheets")
