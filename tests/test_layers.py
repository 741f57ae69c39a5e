"""The layer contract (docs/architecture.md): arrows go one way.

- pure logic (every module of transforms/ and schemas/ not named `beam_*`) imports neither
  apache_beam nor wirestrip.pipeline, nor a `beam_*` module (which would bring Beam along);
- Beam wrappers (`beam_*`) import logic, never wirestrip.pipeline;
- schemas import nothing of wirestrip but schemas;
- no import cycle between wirestrip modules.

Checked on the source (every import statement, function-level ones included) and, for the pure
modules, by importing each in a fresh interpreter and looking for apache_beam in sys.modules.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("pipeline", "transforms", "schemas")


def _modules() -> dict[str, Path]:
    """wirestrip module name -> source file, for every module of the three packages."""
    out = {}
    for top in PACKAGES:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out["wirestrip." + ".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(path: Path, module: str, *, top_level_only: bool = False) -> set[str]:
    """Absolute names of everything `path` imports (relative imports resolved against `module`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}".rstrip(".")
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES)
    return names


def _is_beam_wrapper(module: str) -> bool:
    return module.rpartition(".")[2].startswith("beam_")


def _pure(module: str) -> bool:
    return module.startswith(("wirestrip.transforms", "wirestrip.schemas")) and not _is_beam_wrapper(module)


def _violations(module: str, imported: set[str]) -> list[str]:
    bad = []
    for name in sorted(imported):
        if module.startswith(("wirestrip.transforms", "wirestrip.schemas")) and name.startswith("wirestrip.pipeline"):
            bad.append(f"{module} imports {name}: transforms and schemas never import the pipeline")
        if module.startswith("wirestrip.schemas") and name.startswith("wirestrip.") and not name.startswith("wirestrip.schemas"):
            bad.append(f"{module} imports {name}: schemas stand alone")
        if _pure(module) and (name == "apache_beam" or name.startswith("apache_beam.")):
            bad.append(f"{module} imports {name}: pure logic imports no Beam (name the module beam_* if it is a wrapper)")
        if _pure(module) and name in MODULES and _is_beam_wrapper(name):
            bad.append(f"{module} imports {name}: pure logic imports no Beam wrapper")
    return bad


def test_every_module_keeps_to_its_layer():
    bad = [v for module, path in MODULES.items() for v in _violations(module, _imports(path, module))]
    assert not bad, "\n".join(bad)


def test_no_import_cycles_between_modules():
    graph = {m: {n for n in _imports(p, m, top_level_only=True) if n in MODULES and n != m} for m, p in MODULES.items()}
    # A package's __init__ importing its own submodules is not a cycle of the flow.
    graph = {m: {n for n in deps if not (p_init(m) and n.startswith(m + "."))} for m, deps in graph.items()}
    cycles, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join([*stack[stack.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, "\n".join(cycles)


def p_init(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def test_pure_modules_load_no_beam_when_imported():
    pure = [m for m in MODULES if _pure(m)]
    code = (
        "import importlib, json, sys\n"
        f"mods = {pure!r}\n"
        "bad = {}\n"
        "for m in mods:\n"
        "    for loaded in [k for k in sys.modules if k.startswith(('apache_beam', 'wirestrip'))]:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(m)\n"
        "    found = sorted(k for k in sys.modules if k == 'apache_beam' or k.startswith('wirestrip.pipeline'))\n"
        "    if found:\n"
        "        bad[m] = found[:3]\n"
        "print(json.dumps(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    bad = json.loads(out.stdout.strip().splitlines()[-1])
    assert not bad, f"importing these pure modules loads Beam or the pipeline: {bad}"


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("wirestrip.transforms.read.charset", "import apache_beam as beam\n", "pure logic imports no Beam"),
        ("wirestrip.transforms.clean.rules", "from wirestrip.pipeline.commit import atomic_write\n", "never import the pipeline"),
        ("wirestrip.transforms.dedup.fingerprint", "def f():\n    from wirestrip.transforms.beam_safe import count\n", "no Beam wrapper"),
        ("wirestrip.schemas.articles", "from wirestrip.transforms.hashing import doc_id\n", "schemas stand alone"),
    ],
)
def test_the_contract_catches_a_wrong_arrow(tmp_path, module, source, expected):
    """The check itself fails on each kind of wrong arrow (so a green run means something)."""
    path = tmp_path / "m.py"
    path.write_text(source)
    assert any(expected in v for v in _violations(module, _imports(path, module)))
