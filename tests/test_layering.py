"""The package's layers import only downwards: core <- features <- datasets <- baselines <- experiments.

Two checks: every import statement of every module (module level and inside functions, read with
``ast``) names a module of its own layer or a lower one; and importing all modules of the lower
layers in a fresh interpreter loads no module of a higher layer. ``kmnet.cli`` (the ``kmnet``
command) is the entry point above all layers and may import any of them.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import kmnet

PKG = Path(kmnet.__file__).resolve().parent
LAYERS = ("core", "features", "datasets", "baselines", "experiments")
ENTRY_POINTS = {"kmnet.cli"}


def _module_name(path: Path) -> str:
    parts = ["kmnet", *path.relative_to(PKG).with_suffix("").parts]
    return ".".join(parts[:-1]) if parts[-1] == "__init__" else ".".join(parts)


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS[1:] else "core"


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def _imports(module: str, path: Path):
    """(line, imported kmnet module) for every import of ``path`` that reaches into kmnet."""
    is_pkg = path.name == "__init__.py"
    package = module if is_pkg else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "kmnet" or a.name.startswith("kmnet."):
                    yield node.lineno, a.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not (target == "kmnet" or target.startswith("kmnet.")):
                continue
            if node.module is None:  # ``from . import x``: x may be a sub-module
                for a in node.names:
                    yield node.lineno, f"{target}.{a.name}"
            else:
                yield node.lineno, target


def test_the_layout_has_the_four_layer_packages():
    packages = sorted(p.parent.name for p in PKG.glob("*/__init__.py"))
    assert packages == sorted(LAYERS[1:])


@pytest.mark.parametrize("layer", LAYERS)
def test_no_module_imports_a_higher_layer(layer):
    rank = {name: k for k, name in enumerate(LAYERS)}
    bad = []
    for module, path in _modules().items():
        if _layer(module) != layer or module in ENTRY_POINTS:
            continue
        for line, target in _imports(module, path):
            if rank[_layer(target)] > rank[layer]:
                bad.append(f"{path.relative_to(PKG.parent)}:{line} ({layer}) imports {target} ({_layer(target)})")
    assert not bad, "\n".join(bad)


def test_the_import_check_sees_relative_and_lazy_imports(tmp_path):
    """The checker itself: a lazy relative import of a higher layer is found."""
    f = tmp_path / "probe.py"
    f.write_text("def f():\n    from ..experiments import protocols\n    from . import cache\n")
    found = list(_imports("kmnet.features.probe", f))
    assert found == [(2, "kmnet.experiments"), (3, "kmnet.features.cache")]
    assert [_layer(t) for _, t in found] == ["experiments", "features"]


def test_importing_the_lower_layers_loads_no_higher_one():
    """In one fresh interpreter, import the layers bottom up; after each, no higher layer is loaded."""
    by_layer = {name: [m for m in _modules() if m not in ENTRY_POINTS and _layer(m) == name] for name in LAYERS}
    code = (
        "import importlib, json, sys\n"
        f"layers, by_layer = {list(LAYERS)!r}, {by_layer!r}\n"
        "found = {}\n"
        "for k, name in enumerate(layers):\n"
        "    for m in by_layer[name]:\n"
        "        importlib.import_module(m)\n"
        "    higher = ['kmnet.' + h for h in layers[k + 1:]]\n"
        "    found[name] = sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in higher))\n"
        "print(json.dumps(found))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found == {name: [] for name in LAYERS}, found
