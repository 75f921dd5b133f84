"""Typed stage configs, composed of sections: a YAML recipe plus `key=value` overrides → one dataclass.

A training stage's config is a few sections, each a small dataclass: `run` (the loop: steps,
learning rate, batch, checkpoints, precision), `model` (what is loaded and which weights train:
LoRA, freezing, checkpointing, template, max_len), `data` (files and how they are batched) and
one section of the method's own options (`dpo`, `grpo`, ...). `posttrain dpo --help` therefore
lists what DPO reads and nothing else, and a `Literal` field offers only the values the stage
accepts. Each field's docstring is its `--help` text (jsonargparse reads attribute docstrings).

Keys may be written in full (`run.lr=1e-4`, or nested YAML) or bare (`lr=1e-4`) when one section
has that field; a section's name alone sets its main field (`model=path` is `model.path`,
`data=file` is `data.train`, `task=arithmetic` is `task.name`), and `eval_data` is `data.eval`.
`parse` builds a config from command-line words; `build` from a recipe and Python values (what pipeline
stages use), typed and checked by the same parser. `name_path` reads the NAME=PATH form in which commands
are given named models.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import fields, is_dataclass
from functools import lru_cache
from pathlib import Path, PurePath
from typing import Any, Literal, NamedTuple

import yaml
from jsonargparse import ArgumentParser, set_parsing_settings

set_parsing_settings(docstring_parse_attribute_docstrings=True)

PRIMARY = {"model": "path", "data": "train", "task": "name"}  # `model=X` → model.path=X
ALIASES = {"eval_data": "data.eval"}


class ConfigError(ValueError):
    """A recipe or override that cannot be used; the message says which field and why."""


@lru_cache(maxsize=None)
def _field_types(cls) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def sections(cls) -> dict[str, type]:
    """The section dataclasses of a composed config (name → class); empty for a flat one."""
    return {name: t for name, t in _field_types(cls).items() if is_dataclass(t)}


@lru_cache(maxsize=None)
def _dotted(cls) -> dict[str, Any]:
    """Every settable key of `cls` (dotted for sections) → its type."""
    out = {}
    for name, t in _field_types(cls).items():
        if is_dataclass(t):
            out.update({f"{name}.{k}": v for k, v in _field_types(t).items()})
        else:
            out[name] = t
    return out


def resolve_key(cls, key: str, value: Any = None) -> str:
    """The full dotted name of a bare or dotted key; ConfigError for an unknown or ambiguous one."""
    keys = _dotted(cls)
    if key in keys:
        return key
    secs = sections(cls)
    if key in secs and key in PRIMARY and not isinstance(value, dict):
        return f"{key}.{PRIMARY[key]}"
    if key in ALIASES and ALIASES[key] in keys:
        return ALIASES[key]
    hits = [k for k in keys if k.rsplit(".", 1)[-1] == key]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise ConfigError(f"option '{key}' is ambiguous: write one of {', '.join(hits)}")
    raise ConfigError(f"unknown option '{key}' (`--help` lists the options)")


def _choices(t) -> list[str] | None:
    """The accepted spellings of a Literal field, or of a union of Literals and bool (resume: bool | "force")."""
    if typing.get_origin(t) is Literal:
        return list(map(str, typing.get_args(t)))
    parts = typing.get_args(t) if typing.get_origin(t) in (typing.Union, types.UnionType) else ()
    if not parts or not all(p is bool or typing.get_origin(p) is Literal for p in parts):
        return None
    return [c for p in parts for c in (["true", "false"] if p is bool else map(str, typing.get_args(p)))]


def _check_choice(cls, key: str, value: Any) -> None:
    """A choice field gets one clear line naming the accepted values."""
    choices = _choices(_dotted(cls)[key])
    given = str(value).lower() if isinstance(value, bool) or str(value).lower() in ("true", "false") else str(value)
    if choices is not None and given not in choices:
        raise ConfigError(f"{key.rsplit('.', 1)[-1]}={value}: this stage takes one of {', '.join(choices)}")


def _flatten(tree: dict, prefix: str = "") -> list[tuple[str, Any]]:
    out = []
    for k, v in tree.items():
        if isinstance(v, dict):
            out += _flatten(v, f"{prefix}{k}.")
        else:
            out.append((prefix + k, v))
    return out


def _items(cls, tree: dict) -> list[tuple[str, Any]]:
    """(key, value) pairs of a mapping of options, a section's own mapping (`run: {lr: ...}`) flattened."""
    items = []
    for k, v in tree.items():
        if isinstance(v, dict) and k in sections(cls):
            items += [(f"{k}.{kk}", vv) for kk, vv in _flatten(v)]
        else:
            items.append((k, v))
    return items


def _recipe_items(cls, path: str) -> list[tuple[str, Any]]:
    try:
        tree = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"{path}: cannot read the recipe: {e}") from None
    if not isinstance(tree, dict):
        raise ConfigError(f"{path}: a recipe is a mapping of options, found {type(tree).__name__}")
    return _items(cls, tree)


def _as_arg(value: Any) -> str:
    if isinstance(value, str):
        return value
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


def normalize_argv(cls, argv: list[str]) -> list[str]:
    """Recipe files, `key=value` and `--key value` → `--section.key=value` for jsonargparse."""
    out, rest = [], list(argv)
    while rest:
        arg = rest.pop(0)
        if arg in ("-h", "--help"):
            out.append(arg)
        elif arg == "--config" and rest:
            rest.insert(0, rest.pop(0))  # `--config recipe.yaml` is the same as the bare path
        elif not arg.startswith("-") and arg.endswith((".yaml", ".yml")):
            for k, v in _recipe_items(cls, arg):
                key = resolve_key(cls, k, v)
                _check_choice(cls, key, v)
                out.append(f"--{key}={_as_arg(v)}")
        elif arg.startswith("--") or ("=" in arg and arg.split("=", 1)[0].replace(".", "").isidentifier()):
            name, eq, value = arg.lstrip("-").partition("=")
            if not eq:
                if not rest:
                    raise ConfigError(f"option --{name} needs a value")
                value = rest.pop(0)
            key = resolve_key(cls, name.replace("-", "_"), value)
            _check_choice(cls, key, value)
            out.append(f"--{key}={value}")
        else:
            raise ConfigError(f"unexpected argument '{arg}' (options are key=value)")
    return out


def make_parser(cls, prog: str | None = None, description: str | None = None) -> ArgumentParser:
    epilog = ("Write options as key=value: bare (lr=1e-4) or with their section (run.lr=1e-4); model=PATH and "
              "data=FILE set model.path and data.train. A recipe YAML may nest options by section."
              if sections(cls) else None)
    parser = ArgumentParser(prog=prog, description=description or cls.__doc__, epilog=epilog, exit_on_error=False)
    parser.add_class_arguments(cls, fail_untyped=True, sub_configs=False)
    return parser


def _one_line(e: Exception) -> str:
    return " ".join(str(e).split())


def parse(cls, argv: list[str], prog: str | None = None):
    """Build a `cls` from CLI-style arguments (recipe path, key=value, --key value); `--help` exits."""
    parser = make_parser(cls, prog=prog)
    args = normalize_argv(cls, list(argv))
    try:
        ns = parser.parse_args(args)
    except SystemExit:
        raise
    except Exception as e:  # a wrong type: say which
        raise ConfigError(_one_line(e)) from None
    return _instantiate(cls, ns.as_dict())


def _instantiate(cls, values: dict):
    secs = sections(cls)
    kw = {}
    for f in fields(cls):
        if f.name not in values:
            continue
        v = values[f.name]
        kw[f.name] = secs[f.name](**v) if f.name in secs and isinstance(v, dict) else v
    try:
        return cls(**kw)
    except (TypeError, ValueError) as e:
        raise ConfigError(_one_line(e)) from None


def _assign(cls, values: dict, items) -> dict:
    """Nested plain `values` of a `cls` with (bare or dotted key, value) `items` set, checked as the CLI checks them."""
    for k, v in items:
        key = resolve_key(cls, k.replace("__", "."), v)
        _check_choice(cls, key, v)
        sec, _, name = key.rpartition(".")
        (values.setdefault(sec, {}) if sec else values)[name] = v
    return values


def _plain(value):
    """YAML-like plain data: paths as strings, tuples as lists (what the parser checks types on)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value) if isinstance(value, PurePath) else value


@lru_cache(maxsize=None)
def _object_parser(cls) -> ArgumentParser:
    return make_parser(cls)


def _typed(cls, values: dict):
    """A `cls` from nested plain values: types checked and converted as on the command line ('1e-4' → 1e-4)."""
    try:
        ns = _object_parser(cls).parse_object(_plain(values))
    except Exception as e:  # a wrong type: say which
        raise ConfigError(_one_line(e)) from None
    return _instantiate(cls, ns.as_dict())


def build(cls, recipe: str | None = None, /, **overrides):
    """A config from a recipe file (optional) and Python values: bare or dotted keys (`lr=1e-4`, `run.lr=1e-4`)
    or a section's mapping (`run={"lr": 1e-4}`), defaults elsewhere; the overrides win over the recipe. What
    `posttrain run` stages and Python callers use."""
    values = _assign(cls, {}, _recipe_items(cls, recipe)) if recipe else {}
    return _typed(cls, _assign(cls, values, _items(cls, overrides)))


def load_recipe(cls, path: str, **overrides):
    """A recipe file plus Python overrides (bare or dotted keys): `build` with a recipe."""
    return build(cls, path, **overrides)


def replace(cfg, **overrides):
    """A copy of `cfg` with bare or dotted keys changed (validated again)."""
    return _typed(type(cfg), _assign(type(cfg), to_dict(cfg), overrides.items()))


class NamePath(NamedTuple):
    name: str | None
    path: str


def name_path(spec: str) -> NamePath:
    """'NAME=PATH' or 'PATH' → (NAME or None, PATH): how a command names the models (or files) it is given. An
    existing path is a path even with '=' in it."""
    if "=" in spec and not Path(spec).exists():
        name, path = spec.split("=", 1)
        return NamePath(name, path)
    return NamePath(None, spec)


def to_dict(cfg) -> dict:
    """Nested plain dict of a config (what `config.yaml` in an output folder holds)."""
    return dataclasses.asdict(cfg)
