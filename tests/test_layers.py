"""The import layers of docs/architecture.md, enforced.

Every module of ``aekit`` sits in one layer; a module may import its own layer and the
layers below it, never one above — at module level or inside a function (function-local
imports are where upward imports used to hide). No name with a leading underscore is
imported from another module. A new module must be given a layer here, deliberately.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "aekit"

# (layer, module prefixes), lowest first; the longest matching prefix decides.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("core", ("aekit.errors", "aekit.registry", "aekit.config", "aekit.capabilities",
              "aekit.log", "aekit.machine")),
    ("domain", ("aekit.data", "aekit.models", "aekit.nn", "aekit.losses", "aekit.tasks.pairs",
                "aekit.classify", "aekit.recipes")),
    ("engine", ("aekit.engine", "aekit.io", "aekit.rundata", "aekit.tasks.infer",
                "aekit.tasks.restore")),
    ("analysis", ("aekit.evaluate", "aekit.report")),
    ("apps", ("aekit.tasks", "aekit.anomaly", "aekit.sklearn", "aekit.api", "aekit.serve",
              "aekit.cli")),
]
RANK = {name: i for i, (name, _) in enumerate(LAYERS)}


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name (None: not placed)."""
    best: tuple[int, str] | None = None
    for name, prefixes in LAYERS:
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and (best is None
                                                                 or len(p) > best[0]):
                best = (len(p), name)
    return best[1] if best else None


def modules(src: Path = SRC) -> dict[str, Path]:
    """Dotted module name → file, for the package at ``src`` (``…/aekit``)."""
    out = {}
    for path in src.rglob("*.py"):
        parts = path.relative_to(src.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports(module: str, path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, imported module, names) for every import of aekit in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name, []) for a in node.names if a.name.startswith("aekit")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "aekit":
                found.append((node.lineno, target, [a.name for a in node.names]))
    return found


def resolve(target: str, names: list[str], known: dict[str, Path]) -> list[str]:
    """``from aekit.models import dense`` imports the module aekit.models.dense."""
    subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in known]
    return subs + ([target] if len(subs) < len(names) or not names else [])


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(m for m in modules() if m != "aekit" and layer_of(m) is None)
    assert not unplaced, f"give these modules a layer in tests/test_layers.py: {unplaced}"


def violations(known: dict[str, Path] | None = None) -> list[str]:
    """Every upward or private import in the modules ``known`` (default: aekit's own)."""
    known = modules() if known is None else known
    bad = []
    for module, path in sorted(known.items()):
        if module == "aekit":
            continue  # the package façade: only __version__ and the lazy API (PEP 562)
        mine = RANK[layer_of(module) or "apps"]
        for line, target, names in imports(module, path):
            for dep in resolve(target, names, known):
                if dep == "aekit":
                    if set(names) - {"__version__"}:
                        bad.append(f"{path.name}:{line} imports {names} from the façade")
                    continue
                theirs = layer_of(dep)
                if theirs is not None and RANK[theirs] > mine:
                    bad.append(f"{module}:{line} ({layer_of(module)}) imports {dep} ({theirs})")
            private = [n for n in names if n.startswith("_") and n != "__version__"
                       and f"{target}.{n}" not in known]
            if private and target != module:
                bad.append(f"{module}:{line} imports private {private} from {target}")
    return bad


def test_no_upward_or_private_imports() -> None:
    bad = violations()
    assert not bad, "import-layer violations:\n" + "\n".join(bad)


@pytest.mark.parametrize(("module", "layer"), [
    ("aekit.config", "core"), ("aekit.models.dense", "domain"), ("aekit.tasks.pairs", "domain"),
    ("aekit.engine.run", "engine"), ("aekit.report.html", "analysis"),
    ("aekit.tasks.embed", "apps"),
])
def test_layer_table(module: str, layer: str) -> None:
    assert layer_of(module) == layer


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    """A planted package with an upward import (config → models, inside a function) and a
    private import across modules is reported by the same ``violations`` the real check
    runs: the check can fail."""
    pkg = tmp_path / "aekit"
    (pkg / "models").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "models" / "__init__.py").write_text("def build_model():\n    pass\n")
    (pkg / "config.py").write_text("def f():\n    from aekit.models import build_model\n")
    (pkg / "registry.py").write_text("from aekit.errors import _hidden\n")
    (pkg / "errors.py").write_text("_hidden = 1\n")
    bad = violations(modules(pkg))
    assert any("aekit.config:2 (core) imports aekit.models (domain)" in b for b in bad), bad
    assert any("imports private ['_hidden'] from aekit.errors" in b for b in bad), bad
    assert violations(modules(SRC)) == []
