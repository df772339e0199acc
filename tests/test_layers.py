"""The architecture as a contract over the import graph of `chatbot/` (read with `ast`, nothing
imported): each layer imports only from layers below it or its own, a feature reaches another
feature only through that package's public face (its `__init__`), there is no import cycle, the
root holds at most 8 modules and no module is longer than 400 lines.

Every import counts, including those under `if TYPE_CHECKING:` and inside functions: an arrow is
an arrow. docs/architecture.md draws the same map.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "chatbot"

# Lowest first. A module's layer is that of the longest prefix listed here.
LAYERS: dict[str, tuple[str, ...]] = {
    "core": ("chatbot.errors", "chatbot.settings", "chatbot.store", "chatbot.messages",
             "chatbot.jsonsafe", "chatbot.engine", "chatbot.money", "chatbot.models",
             "chatbot.policy", "chatbot.i18n"),
    "client": ("chatbot.client",),
    "composition": ("chatbot.context",),
    "features": ("chatbot.chat", "chatbot.playground", "chatbot.lab", "chatbot.sentiment",
                 "chatbot.finetune", "chatbot.telegram", "chatbot.token_counter",
                 "chatbot.conversations", "chatbot.knowledge", "chatbot.tools"),
    "ui": ("chatbot.ui",),
    "entry": ("chatbot.__main__",),
}
PACKAGE = "chatbot"  # its own `__init__` sits on top: it may name anything, and names nothing
FEATURES = LAYERS["features"]
MAX_ROOT_MODULES = 8
MAX_LINES = 400


def module_files(root: Path) -> dict[str, Path]:
    """Dotted name → file, for every module under `root` (a package named by its folder)."""
    mods = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        mods[".".join(parts)] = path
    return mods


def _resolve(name: str, mods: dict[str, Path]) -> str | None:
    """The module that `name` (a module, or a name inside one) lives in."""
    while name not in mods:
        if "." not in name:
            return None
        name = name.rsplit(".", 1)[0]
    return name


def imports_of(module: str, path: Path, mods: dict[str, Path]) -> set[str]:
    """The project modules `module` imports: `from pkg import sub` is an arrow to `pkg.sub`."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    top = module.split(".")[0]
    found: set[str | None] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(_resolve(a.name, mods) for a in node.names if a.name.split(".")[0] == top)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            if source.split(".")[0] != top:
                continue
            for alias in node.names:
                full = f"{source}.{alias.name}"
                found.add(full if full in mods else _resolve(source, mods))
    found.discard(module)
    found.discard(None)
    return {m for m in found if m is not None}


def layer_of(module: str) -> int:
    """Its rank in LAYERS, lowest 0; -1 for a module the map does not place."""
    if module == PACKAGE:
        return len(LAYERS) - 1
    best, rank = -1, -1
    for index, prefixes in enumerate(LAYERS.values()):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), index
    return rank


def _feature(module: str) -> str | None:
    return next((f for f in FEATURES if module == f or module.startswith(f + ".")), None)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def violations(root: Path) -> list[str]:
    """Every broken rule under `root`, one line each; empty when the tree keeps the contract."""
    mods = module_files(root)
    graph = {m: imports_of(m, p, mods) for m, p in mods.items()}
    names = list(LAYERS)
    lost = sorted(m for m in graph if layer_of(m) < 0)
    found = [f"{m} is in no layer: add it to LAYERS and docs/architecture.md" for m in lost]
    placed = {m: deps - set(lost) for m, deps in graph.items() if m not in lost}
    for module, deps in sorted(placed.items()):
        for dep in sorted(deps):
            if layer_of(dep) > layer_of(module):
                found.append(f"{module} ({names[layer_of(module)]}) imports {dep} "
                             f"({names[layer_of(dep)]}): a lower layer imports a higher one")
            mine, theirs = _feature(module), _feature(dep)
            if theirs and mine and mine != theirs and dep != theirs:
                found.append(f"{module} imports {dep}: another feature's internals "
                             f"(use {theirs}'s public face)")
    found += [f"import cycle: {' ↔ '.join(c)}" for c in _cycles(graph)]
    root_modules = sorted(p.name for p in root.glob("*.py"))
    if len(root_modules) > MAX_ROOT_MODULES:
        found.append(f"{len(root_modules)} modules directly in {root.name}/ (at most "
                     f"{MAX_ROOT_MODULES}): {', '.join(root_modules)}")
    for module, path in sorted(mods.items()):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            found.append(f"{module} has {lines} lines (at most {MAX_LINES})")
    return found


def test_the_package_keeps_the_layering_contract() -> None:
    assert violations(ROOT) == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    """A small `chatbot/` tree with the given modules (path → source)."""
    root = tmp_path / "chatbot"
    for rel, source in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return root


GOOD = {"__init__.py": "", "errors.py": "", "client/__init__.py": "from chatbot import errors\n",
        "chat/__init__.py": "from chatbot.chat.turn import Turn\n", "chat/turn.py": "Turn = 1\n",
        "lab/__init__.py": "", "lab/run.py": "from chatbot.chat import Turn\nimport chatbot.client\n"}


def test_a_tree_that_keeps_the_rules_passes(tmp_path: Path) -> None:
    assert violations(_tree(tmp_path, GOOD)) == []


@pytest.mark.parametrize(("bad", "message"), [
    ({"errors.py": "from chatbot.client import X\n"}, "a lower layer imports a higher one"),
    ({"client/sdk.py": "if TYPE_CHECKING:\n    from chatbot.context import AppContext\n"},
     "a lower layer imports a higher one"),
    ({"client/sdk.py": "def f():\n    from ..ui import demo\n"}, "a lower layer imports"),
    ({"lab/run.py": "from chatbot.chat.turn import Turn\n"}, "another feature's internals"),
    ({"lab/run.py": "from chatbot.chat import turn\n"}, "another feature's internals"),
    ({"chat/turn.py": "from chatbot.chat import persona\n",
      "chat/persona.py": "from chatbot.chat.turn import x\n"}, "import cycle"),
    ({f"m{i}.py": "" for i in range(8)}, "modules directly in chatbot/"),
    ({"chat/turn.py": "x = 1\n" * 401}, "chatbot.chat.turn has 401 lines"),
    ({"newthing/__init__.py": ""}, "is in no layer"),
])
def test_a_broken_rule_is_named(tmp_path: Path, bad: dict[str, str], message: str) -> None:
    assert message in "\n".join(violations(_tree(tmp_path, {**GOOD, **bad})))
