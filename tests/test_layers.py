"""The import layers of posttrain/__init__.py hold: imports only go down, none hide in functions,
and no two modules import each other (directly or around a loop).

Every module lives in one of the layer subpackages below (a module at the package's top level, or
in an unlisted subpackage, has no layer and fails). Absolute, relative (`from ..train import loop`)
and dynamic imports (`importlib.import_module("posttrain.train")`, `__import__`) all count. The
self-tests at the bottom plant each kind of violation in a scratch package and see the check fail.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "posttrain"
LAYERS = [  # bottom to top, as the package docstring lists them
    ["core", "losses"],
    ["nn"],
    ["data"],
    ["model"],
    ["infer"],
    ["eval"],
    ["feedback", "serve", "report"],
    ["train"],
    ["commands"],
]
OPTIONAL = {"matplotlib", "pyarrow", "datasets", "peft", "trl", "torch.utils.tensorboard", "mlflow", "trackio"}  # may be imported inside a function
DYNAMIC = {"import_module", "__import__"}


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Dotted module name → file, for every .py file of the package at `root`."""
    out = {}
    for p in root.rglob("*.py"):
        name = ".".join(p.relative_to(root.parent).with_suffix("").parts).removesuffix(".__init__")
        out[name] = p
    return out


def layer(module: str, package: str = "posttrain") -> int | None:
    """Index of the module's layer; None for a module in no listed subpackage."""
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != package:
        return None
    for i, names in enumerate(LAYERS):
        if parts[1] in names and (len(parts) > 2 or module in _packages):
            return i
    return None


_packages: set[str] = set()


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module an ImportFrom names (relative imports resolved against `module`)."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _dynamic(node: ast.Call) -> str | None:
    """The literal module name of importlib.import_module("…") / __import__("…"), else None."""
    fn = node.func
    name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else None
    if name in DYNAMIC and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    return None


def imports(path: Path, module: str, known: set[str]) -> tuple[set[str], list[tuple[int, str]]]:
    """(package modules imported, (line, module) of imports inside functions or made dynamically)."""
    tree = ast.parse(path.read_text())
    package = module.split(".")[0]
    top, inner = set(), []
    for node in ast.walk(tree):
        dynamic = False
        if isinstance(node, ast.ImportFrom):
            target = _resolve(node, module, path.name == "__init__.py")
            names = [target] + [f"{target}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.Call) and (target := _dynamic(node)):
            names, dynamic = [target], True
        else:
            continue
        if node.col_offset or dynamic:
            inner += [(node.lineno, n) for n in names[:1]]
        top.update(n for n in names if n in known and n != package)
    return top, inner


def violations(root: Path = ROOT) -> dict[str, list[str]]:
    """Every broken rule, by kind: no layer, upward import, hidden import, cycle."""
    mods = modules(root)
    package = root.name
    _packages.clear()
    _packages.update(n for n, p in mods.items() if p.name == "__init__.py")
    graph = {n: imports(p, n, set(mods)) for n, p in mods.items()}
    out = {"no layer": [], "upward": [], "hidden": [], "cycle": []}
    for name in mods:
        if name != package and layer(name, package) is None:
            out["no layer"].append(name)
    for src, (targets, inner) in graph.items():
        if src == package:
            out["upward"] += [f"{src} (the package root) imports {dst}" for dst in targets]
            continue
        for dst in targets:
            ls, ld = layer(src, package), layer(dst, package)
            if ls is not None and ld is not None and ld > ls:
                out["upward"].append(f"{src} (layer {ls + 1}) imports {dst} (layer {ld + 1})")
        out["hidden"] += [f"{mods[src].relative_to(root.parent)}:{line}: {n}" for line, n in inner
                          if n not in OPTIONAL and n.split(".")[0] not in OPTIONAL]
    out["cycle"] = _cycles({n: t for n, (t, _) in graph.items()})
    return out


def _cycles(g: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    found = []

    def visit(node, stack):
        state[node] = 1
        for nxt in sorted(g.get(node, ())):
            if state.get(nxt) == 1:
                found.append(" → ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for n in sorted(g):
        if n not in state:
            visit(n, [n])
    return found


@pytest.fixture(scope="module")
def found():
    return violations()


def test_every_module_has_a_layer(found):
    assert not found["no layer"], ("modules in no layer (put them in a layer subpackage, or add the "
                                   "subpackage to LAYERS and the package docstring):\n" + "\n".join(found["no layer"]))


def test_imports_go_down_only(found):
    assert not found["upward"], "upward imports:\n" + "\n".join(found["upward"])


def test_no_imports_inside_functions_except_optional_dependencies(found):
    assert not found["hidden"], ("imports inside functions or by name (move them to the top of the file):\n"
                                 + "\n".join(found["hidden"]))


def test_no_import_cycles(found):
    assert not found["cycle"], "import cycles:\n" + "\n".join(found["cycle"])


def test_the_package_docstring_names_every_layer():
    doc = ast.get_docstring(ast.parse((ROOT / "__init__.py").read_text()))
    for names in LAYERS:
        for n in names:
            assert f"`{n}/`" in doc, f"posttrain/__init__.py does not describe the layer subpackage {n}/"


# --- the checks can fail: each hole planted in a scratch package -------------------------------

def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "posttrain"
    for rel in ["__init__.py", "losses/__init__.py", "losses/a.py", "train/__init__.py", "train/loop.py"] + list(files):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(files.get(rel, ""))
    return root


def _clean(found: dict[str, list[str]], *kinds: str) -> None:
    for kind in set(found) - set(kinds):
        assert not found[kind], (kind, found[kind])


def test_planted_absolute_upward_import_fails(tmp_path):
    found = violations(_package(tmp_path, {"losses/a.py": "from posttrain.train import loop\n"}))
    assert "posttrain.losses.a (layer 1) imports posttrain.train.loop (layer 8)" in found["upward"]
    _clean(found, "upward")


def test_planted_relative_upward_import_fails(tmp_path):
    found = violations(_package(tmp_path, {"losses/a.py": "from ..train import loop\n"}))
    assert "posttrain.losses.a (layer 1) imports posttrain.train.loop (layer 8)" in found["upward"]


def test_planted_dynamic_import_fails(tmp_path):
    found = violations(_package(tmp_path, {"losses/a.py": "import importlib\nm = importlib.import_module('posttrain.train.loop')\n"}))
    assert "posttrain.losses.a (layer 1) imports posttrain.train.loop (layer 8)" in found["upward"]
    assert found["hidden"] == ["posttrain/losses/a.py:2: posttrain.train.loop"]


def test_planted_unlisted_module_fails(tmp_path):
    found = violations(_package(tmp_path, {"helpers.py": "", "misc/__init__.py": "", "misc/x.py": ""}))
    assert sorted(found["no layer"]) == ["posttrain.helpers", "posttrain.misc", "posttrain.misc.x"]


def test_planted_hidden_import_and_cycle_fail(tmp_path):
    found = violations(_package(tmp_path, {
        "train/loop.py": "def f():\n    from posttrain.losses import a\n",
        "losses/b.py": "from posttrain.losses import c\n", "losses/c.py": "from posttrain.losses import b\n"}))
    assert found["hidden"] == ["posttrain/train/loop.py:2: posttrain.losses"]
    assert found["cycle"] == ["posttrain.losses.b → posttrain.losses.c → posttrain.losses.b"]
