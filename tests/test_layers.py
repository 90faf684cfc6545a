"""The layer order of docs/ARCHITECTURE.md, enforced: a module imports only from its own layer or
lower ones (every import counts, also those inside functions). skyfield's import-loop test is the
idea; here it is the whole order, not only loops.
"""

from __future__ import annotations

import ast
import shutil
import sys
from pathlib import Path

import norrsken

PACKAGE = Path(norrsken.__file__).resolve().parent

#: Layers from the bottom; a module belongs to the first entry that is its name or a package
#: containing it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("version", "errors", "checks", "times", "geometry", "cache", "io", "tasks"),
    ("drivers", "ephemeris", "land", "orbit"),
    ("geomag",),
    ("precipitation",),
    ("atmosphere", "emission"),
    ("field", "color", "sensor"),
    ("render",),
    ("visibility", "planner"),
    ("climate", "cube", "frames", "video", "products", "plots"),
    ("api",),
    ("cli",),
)


def layer_of(module: str) -> int:
    """The layer of a dotted module name below ``norrsken`` (``render.sky`` -> 6)."""
    parts = module.split(".")
    for index, names in enumerate(LAYERS):
        if parts[0] in names:
            return index
    raise KeyError(f"norrsken.{module} is in no layer: add it to LAYERS and docs/ARCHITECTURE.md")


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """The norrsken modules (dotted, below ``norrsken``) that the file at ``path`` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path).split(".") if module_name(path) else []
    package = here if path.name == "__init__.py" else here[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("norrsken."):
                    found.add(alias.name.removeprefix("norrsken."))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                target = [*base, *(node.module.split(".") if node.module else [])]
            elif node.module and (node.module == "norrsken" or node.module.startswith("norrsken.")):
                target = node.module.split(".")[1:]
            else:
                continue
            if target:
                found.add(".".join(target))
            else:  # "from . import geomag" at the top of the package
                found.update(alias.name for alias in node.names)
    return found


def graph() -> dict[str, set[str]]:
    return {module_name(path): imports(path) for path in sorted(PACKAGE.rglob("*.py")) if module_name(path)}


def violations(modules: dict[str, set[str]]) -> list[str]:
    """Every import of a higher layer, as 'importer (layer) -> imported (layer)'."""
    bad = []
    for importer, imported in sorted(modules.items()):
        for target in sorted(imported):
            if layer_of(target) > layer_of(importer):
                bad.append(f"{importer} ({layer_of(importer)}) -> {target} ({layer_of(target)})")
    return bad


def test_every_module_has_a_layer():
    for module, imported in graph().items():
        layer_of(module)
        for target in imported:
            layer_of(target)


def test_no_module_imports_a_higher_layer():
    assert violations(graph()) == []


def test_a_backward_import_is_caught(tmp_path, monkeypatch):
    # A copy of the package in which a bottom-layer module imports the renderer, inside a
    # function: the walk over that tree must report exactly that import.
    copy = tmp_path / "norrsken"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "data"))
    geometry = copy / "geometry.py"
    geometry.write_text(
        geometry.read_text(encoding="utf-8") + "\n\ndef _bad():\n    from .render import sky  # noqa: F401\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", copy)
    assert violations(graph()) == ["geometry (0) -> render (6)"]


def test_relative_and_absolute_imports_are_resolved(tmp_path, monkeypatch):
    package = tmp_path / "norrsken"
    (package / "emission").mkdir(parents=True)
    (package / "emission" / "table.py").write_text(
        "from .. import geomag\nfrom ..precipitation.model import Drivers\nfrom .lines import LINES\n"
        "import norrsken.render.sky\nfrom norrsken import cli\nimport numpy\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", package)
    found = imports(package / "emission" / "table.py")
    assert found == {"geomag", "precipitation.model", "emission.lines", "render.sky", "cli"}


def test_modules_stay_small():
    """No module over ~600 lines: one concern each."""
    long = {
        module_name(path): count
        for path in PACKAGE.rglob("*.py")
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > 620
    }
    assert long == {}


def test_the_front_door_lists_the_api():
    from norrsken import api

    assert norrsken.__all__ == api.__all__
    for name in norrsken.__all__:
        assert getattr(norrsken, name) is getattr(api, name)
