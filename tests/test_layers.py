"""The import layers of posttrain/__init__.py hold: imports only go down, none hide in functions,
and no two modules import each other (directly or around a loop)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "posttrain"
LAYERS = [  # bottom to top, as the package docstring lists them
    ["posttrain", "posttrain.losses", "posttrain.logprobs", "posttrain.runtime", "posttrain.tokenizer",
     "posttrain.config", "posttrain.sections", "posttrain.faults"],
    ["posttrain.attention", "posttrain.lora", "posttrain.chat"],
    ["posttrain.data"],
    ["posttrain.models", "posttrain.fast_decode", "posttrain.embedded"],
    ["posttrain.forward"],
    ["posttrain.engine", "posttrain.reward_model"],
    ["posttrain.generation", "posttrain.fewshot", "posttrain.batcher"],
    ["posttrain.eval", "posttrain.rewards"],
    ["posttrain.tasks", "posttrain.best_of_n", "posttrain.distill", "posttrain.check", "posttrain.chat_cli",
     "posttrain.serve", "posttrain.judge", "posttrain.constitution", "posttrain.report",
     "posttrain.corrections"],
    ["posttrain.train"],
    ["posttrain.demo", "posttrain.pipeline", "posttrain.cli", "posttrain.tool_args"],
]
OPTIONAL = {"matplotlib", "pyarrow", "datasets", "peft", "trl", "torch.utils.tensorboard", "mlflow", "trackio"}  # may be imported inside a function


def modules() -> dict[str, Path]:
    out = {}
    for p in ROOT.rglob("*.py"):
        name = ".".join(p.relative_to(ROOT.parent).with_suffix("").parts).removesuffix(".__init__")
        out[name] = p
    return out


def layer(module: str) -> int:
    best = None
    for i, names in enumerate(LAYERS):
        for n in names:
            if (module == n or module.startswith(n + ".")) and (best is None or len(n) > len(best[1])):
                best = (i, n)
    assert best is not None, f"{module} is in no layer: add it to LAYERS and to the package docstring"
    return best[0]


def imports(path: Path) -> tuple[set[str], list[tuple[int, str]]]:
    """(posttrain modules imported at module level, (line, module) of imports inside functions)."""
    tree = ast.parse(path.read_text())
    top, inner = set(), []
    known = modules()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        if node.col_offset:
            inner += [(node.lineno, n) for n in names[:1]]
        else:
            top.update(n for n in names if n in known and n != "posttrain")
    return top, inner


def graph() -> dict[str, set[str]]:
    return {name: imports(path)[0] for name, path in modules().items()}


def test_every_module_has_a_layer():
    for name in modules():
        layer(name)


def test_imports_go_down_only():
    bad = [f"{src} (layer {layer(src) + 1}) imports {dst} (layer {layer(dst) + 1})"
           for src, targets in graph().items() for dst in targets if layer(dst) > layer(src)]
    assert not bad, "upward imports:\n" + "\n".join(bad)


def test_no_imports_inside_functions_except_optional_dependencies():
    bad = [f"{path.relative_to(ROOT.parent)}:{line}: {name}" for path in modules().values()
           for line, name in imports(path)[1] if name not in OPTIONAL and name.split(".")[0] not in OPTIONAL]
    assert not bad, "imports inside functions (move them to the top of the file):\n" + "\n".join(bad)


def test_no_import_cycles():
    g = graph()
    state: dict[str, int] = {}

    def visit(node, stack):
        state[node] = 1
        for nxt in sorted(g.get(node, ())):
            if state.get(nxt) == 1:
                pytest.fail("import cycle: " + " → ".join(stack[stack.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for n in sorted(g):
        if n not in state:
            visit(n, [n])


def test_the_rule_catches_an_upward_and_a_hidden_import(tmp_path):
    """The checks above can fail: a module of the losses layer importing train, in a function."""
    p = tmp_path / "x.py"
    p.write_text("import torch\n\ndef f():\n    from posttrain.train import loop\n")
    top, inner = imports(p)
    assert inner == [(4, "posttrain.train")]
    assert layer("posttrain.train.loop") > layer("posttrain.losses.rl")
