"""`posttrain run PIPELINE.yaml`: named stages in order, each reading earlier stages' outputs by name.

A pipeline file:

    run_dir: out/pipeline                 # every stage writes into run_dir/<stage name>/
    stages:
      - name: sft
        command: sft                      # any posttrain command
        recipe: recipes/sft_tiny.yaml     # training stages: the recipe (optional)
        args: {model: base_dir, max_steps: 20}
      - name: dpo
        command: dpo
        args: {model: "${sft}", data: data/pref_train.jsonl}
      - repeat: 2                         # iteration rounds: round1.sample, round1.train, round2.sample, ...
        name: round
        model: "${dpo}"                   # ${prev} in round 1; later rounds start from the round before
        stages:
          - {name: sample, command: best-of-n, args: {model: "${prev}", data: prompts.jsonl}}
          - {name: train, command: dpo, args: {model: "${prev}", data: "${sample}"}}
      - name: report
        command: report
        args: {models: {base: base_dir, sft: "${sft}", final: "${round}"}}

`${name}` is a stage's main output (a training stage's folder, the file of pairs a judge, best-of-n,
corrections or constitution stage writes; `${name.sft}` its SFT rows, `${name.heldout}` held-out pairs);
`${run_dir}` the run folder; `${embedded.gemma}` / `${embedded.smollm2}` a bundled model.

The command table (posttrain/commands/cli.py) drives every stage: a stage builds its command's config
object from the recipe and arguments (`posttrain.core.config.build`, typed and checked as on the command
line), with the output options pointed into its folder, and calls the command's handler on it. A stage is
skipped when its command, settings (the whole config), the input files its command's input options name,
the outputs it reads and the package's code are all as when it last finished (a content hash in
run_dir/<stage>/.stage.json); a skipped stage's files are left as they were, byte for byte. A failed stage
stops the run with its name; earlier stages' outputs stay.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import yaml

from posttrain.commands.command import Command, exit_code, invoke
from posttrain.core.config import ConfigError, build, name_path, resolve_key, sections, to_dict
from posttrain.core.files import write_text_atomic
from posttrain.model.embedded import gemma_base, smollm2_instruct

PACKAGE = Path(__file__).resolve().parents[1]
PRINTED = "output.txt"  # the output of a command that writes no file: what it printed
_REF = re.compile(r"\$\{([A-Za-z0-9_.\-]+)\}")
# ${embedded.NAME}: a bundled model, built into the cache on first use
EMBEDDED = {"gemma": gemma_base, "smollm2": smollm2_instruct}


@dataclass
class Stage:
    name: str
    command: str
    args: dict = field(default_factory=dict)
    recipe: str | None = None


def load_pipeline(path: str | Path, commands: Mapping[str, Command]) -> tuple[dict, list[Stage]]:
    """(the file's settings, its stages with repeat blocks expanded) — refs are resolved when run.
    `commands`: the command table (name → Command) the stages use."""
    path = Path(path)
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("stages"), list) or not spec["stages"]:
        raise ConfigError(f"{path}: expected a 'stages' list")
    stages: list[Stage] = []
    for i, s in enumerate(spec["stages"]):
        if isinstance(s, dict) and "repeat" in s:
            stages += _expand(path, i, s, commands)
        else:
            stages.append(_stage(path, f"stages[{i}]", s, commands))
    names = [s.name for s in stages]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ConfigError(f"{path}: stage names must be unique: {', '.join(dup)}")
    return spec, stages


def _stage(path: Path, where: str, s, commands: Mapping[str, Command], rename=None) -> Stage:
    if not isinstance(s, dict) or not isinstance(s.get("name"), str) or not isinstance(s.get("command"), str):
        raise ConfigError(f"{path}: {where}: expected a mapping with 'name' and 'command'")
    if s["command"] not in commands or not commands[s["command"]].stage:
        raise ConfigError(f"{path}: {where}: unknown command {s['command']!r}")
    if not re.fullmatch(r"[A-Za-z0-9_\-]+", s["name"]):
        raise ConfigError(f"{path}: {where}: a stage name is letters, digits, '_' and '-': {s['name']!r}")
    args = s.get("args") or {}
    if not isinstance(args, dict):
        raise ConfigError(f"{path}: {where}: 'args' must be a mapping")
    unknown = set(s) - {"name", "command", "args", "recipe"}
    if unknown:
        raise ConfigError(f"{path}: {where}: unknown keys {sorted(unknown)}")
    if rename:
        args = _map_strings(args, lambda text: _REF.sub(lambda m: _as_ref(rename(m.group(1))), text))
    return Stage(s["name"], s["command"], args, s.get("recipe"))


def _expand(path: Path, i: int, block: dict, commands: Mapping[str, Command]) -> list[Stage]:
    n, name, inner = block.get("repeat"), block.get("name"), block.get("stages")
    if not isinstance(n, int) or n < 1 or not isinstance(name, str) or not isinstance(inner, list) or not inner:
        raise ConfigError(f"{path}: stages[{i}]: a repeat block needs repeat: N (≥1), name and a stages list")
    if not isinstance(block.get("model"), str):
        raise ConfigError(f"{path}: stages[{i}]: a repeat block needs 'model', the model round 1 starts from")
    local = {s.get("name") for s in inner if isinstance(s, dict)}
    out, prev = [], block["model"]
    for r in range(1, n + 1):
        round_name = f"{name}{r}"

        def rename(ref, _r=round_name, _prev=prev):
            if ref == "prev":
                return _prev
            head, dot, rest = ref.partition(".")
            return f"{_r}.{head}{dot}{rest}" if head in local else ref

        stages = [_stage(path, f"stages[{i}].stages[{j}]", s, commands, rename) for j, s in enumerate(inner)]
        for s in stages:
            s.name = f"{round_name}.{s.name}"
        out += stages
        trained = [s for s in stages if commands[s.command].trains]
        if not trained:
            raise ConfigError(f"{path}: stages[{i}]: a round needs a training stage (its model starts the next round)")
        prev = "${" + trained[-1].name + "}"
    out.append(Stage(name, "alias", {"of": prev}))  # ${round}: the last round's model
    return out


def _as_ref(ref: str) -> str:
    return ref if ref.startswith("${") else "${" + ref + "}"  # ${prev} is replaced by a whole reference


def _map_strings(value, fn):
    """`value` (nested lists and mappings) with `fn` applied to every string in it."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, list):
        return [_map_strings(v, fn) for v in value]
    if isinstance(value, dict):
        return {k: _map_strings(v, fn) for k, v in value.items()}
    return value


def _option_values(cls, args: dict) -> dict:
    """Stage arguments as the options of `cls` take them: a mapping for an option that is not a config section
    names models (serve, report: `{base: PATH, sft: PATH}`), given as the option's NAME=PATH list."""
    return {k: [f"{n}={p}" for n, p in v.items()] if isinstance(v, dict) and k not in sections(cls) else v
            for k, v in args.items()}


def command_line(s: Stage, values: dict, trains: bool) -> str:
    """The command line that runs the same stage by hand, for the log (training stages take key=value, tools
    --options)."""
    def shown(v) -> str:
        if isinstance(v, list):
            return "[" + ",".join(map(str, v)) + "]"
        return "null" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
    parts = [s.command] + ([s.recipe] if s.recipe else [])
    for k, v in values.items():
        parts += [f"{k}={shown(v)}"] if trains else [f"--{k}", shown(v)]
    return " ".join(parts)


def code_version() -> str:
    """A hash of the package's files (source, prompts, report templates, assets, the web page; not bytecode):
    a stage re-runs when the code that ran it changed."""
    h = hashlib.sha256()
    for p in sorted(PACKAGE.rglob("*")):
        name = p.relative_to(PACKAGE)
        if p.is_file() and "__pycache__" not in name.parts and p.suffix not in (".pyc", ".pyo"):
            h.update(str(name).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _file_hash(path: Path, cache: dict) -> str:
    key = str(path.resolve())
    if key not in cache:
        h = hashlib.sha256()
        files = sorted(q for q in path.rglob("*") if q.is_file()) if path.is_dir() else [path]
        for q in files:
            h.update(str(q.relative_to(path) if path.is_dir() else q.name).encode())
            with open(q, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
        cache[key] = h.hexdigest()[:16]
    return cache[key]


def input_paths(command: Command, cfg) -> list[str]:
    """The existing files and folders that `cfg`'s input options (as `command` declares them) name."""
    found = []
    for key in command.inputs:
        value = functools.reduce(getattr, resolve_key(type(cfg), key).split("."), cfg)
        for spec in value if isinstance(value, list) else [value]:
            path = name_path(spec).path if isinstance(spec, str) else ""
            if path and Path(path).exists():
                found.append(path)
    return found


@dataclass
class Prepared:
    """A stage ready to run: its config object, the command line it stands for, and its content hash."""

    config: object
    line: str
    digest: str


class Runner:
    """Runs stages in one process: each builds its command's config and calls the command's handler."""

    def __init__(self, path: str | Path, commands: Mapping[str, Command], run_dir: str | None = None):
        self.spec, self.stages = load_pipeline(path, commands)
        self.commands = commands
        self.run_dir = Path(run_dir or self.spec.get("run_dir") or "out/pipeline")
        self.outputs: dict[str, str] = {"run_dir": str(self.run_dir)}
        self.hashes: dict[str, str] = {}
        self.files: dict = {}
        self.code = code_version()

    def stage_dir(self, s: Stage) -> Path:
        return self.run_dir / s.name

    def resolve(self, value, s: Stage, deps: set):
        def sub(m):
            ref = m.group(1)
            if ref.startswith("embedded.") and ref[9:] in EMBEDDED:
                self.outputs.setdefault(ref, str(EMBEDDED[ref[9:]]()))
                return self.outputs[ref]
            if ref not in self.outputs:
                raise ConfigError(f"stage {s.name!r}: ${{{ref}}} names no earlier stage or output")
            deps.add(ref.split(".")[0] if ref.split(".")[0] in self.hashes else ref)
            return self.outputs[ref]
        return _map_strings(value, lambda text: _REF.sub(sub, text))

    def output_paths(self, s: Stage) -> dict[str, str]:
        """Each output of the stage's command (key → path in the stage folder); a printing command's: output.txt."""
        d, outputs = self.stage_dir(s), self.commands[s.command].outputs
        if not outputs:
            return {"": str(d / PRINTED)}
        return {key: str(d / o.file) if o.file else str(d) for key, o in outputs.items()}

    def prepare(self, s: Stage, args: dict, deps: set) -> Prepared:
        """The stage's config (recipe + arguments + its output options pointed into its folder) and content hash."""
        c = self.commands[s.command]
        values = _option_values(c.config, args)
        values.update({o.option: self.output_paths(s)[key] for key, o in c.outputs.items()})
        cfg = build(c.config, s.recipe, **values)
        run_dir = self.run_dir.resolve()  # files a stage of this run wrote count through its hash (`upstream`)
        inputs = {p: _file_hash(Path(p), self.files) for p in input_paths(c, cfg)
                  if not Path(p).resolve().is_relative_to(run_dir)}
        blob = {"command": s.command, "settings": to_dict(cfg), "code": self.code, "inputs": inputs,
                "upstream": {d: self.hashes.get(d) for d in sorted(deps)}}
        digest = hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()[:16]
        return Prepared(cfg, command_line(s, values, c.trains), digest)

    def run(self, start: str | None = None, only: str | None = None) -> int:
        names = [s.name for s in self.stages]
        for flag, n in (("--from", start), ("--only", only)):
            if n and n not in names:
                raise ConfigError(f"{flag} {n}: no such stage (stages: {', '.join(names)})")
        forced = set(names[names.index(start):]) if start else {only} if only else set()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        state = {"started": time.time(), "stages": {}}
        for s in self.stages:
            result = self.step(s, forced, only)
            if result:  # an alias has none
                state["stages"][s.name] = result
            if result.get("status") in (None, "skipped"):
                continue
            self._write_state(state)
            if result["status"] != "finished":
                print(f"posttrain run: stage {s.name!r} ({s.command}) failed (exit {result['exit']}); "
                      f"earlier stages' outputs are kept in {self.run_dir}", file=sys.stderr)
                return result["exit"] or 1
        self._write_state(state)
        print(f"[run] done: {len(self.stages)} stages in {self.run_dir}", file=sys.stderr)
        return 0

    def step(self, s: Stage, forced: set, only: str | None) -> dict:
        """One stage: an alias is bound, an unchanged (or --only'd out) stage skipped, any other one run."""
        if s.command == "alias":
            ref = s.args["of"][2:-1]
            self.outputs[s.name], self.hashes[s.name] = self.outputs[ref], self.hashes[ref]
            return {}
        deps: set = set()
        args = self.resolve(s.args, s, deps)
        try:
            stage = self.prepare(s, args, deps)
        except Exception as e:  # noqa: BLE001 - arguments the command refuses: the stage fails, named
            return {"status": "failed", "exit": exit_code(s.command, e), "seconds": 0.0}
        self.hashes[s.name] = stage.digest
        self.outputs.update({s.name + (f".{k}" if k else ""): p for k, p in self.output_paths(s).items()})
        marker = self.stage_dir(s) / ".stage.json"
        done = marker.is_file() and json.loads(marker.read_text()).get("hash") == stage.digest
        if (only and s.name != only) or (done and s.name not in forced):
            if not marker.is_file():
                raise ConfigError(f"stage {s.name!r} has never finished: run it first (without --only)")
            print(f"[run] {s.name}: {'unchanged, skipped' if done else 'kept (--only ' + only + ')'}",
                  file=sys.stderr)
            return {"status": "skipped", "hash": stage.digest}
        return self.run_stage(s, stage, marker)

    def run_stage(self, s: Stage, stage: Prepared, marker: Path) -> dict:
        c, d = self.commands[s.command], self.stage_dir(s)
        if marker.exists():
            marker.unlink()
        if c.trains and d.exists():  # a changed stage trains afresh, not from an old checkpoint
            shutil.rmtree(d)
        d.mkdir(parents=True, exist_ok=True)
        print(f"[run] {s.name}: posttrain {stage.line}", file=sys.stderr)
        t0 = time.perf_counter()
        with contextlib.nullcontext() if c.outputs else _printed_into(d / PRINTED):
            code = invoke(s.command, c, stage.config)
        seconds = time.perf_counter() - t0
        if code != 0:
            return {"status": "failed", "exit": code, "seconds": seconds}
        write_text_atomic(marker, json.dumps({"hash": stage.digest, "command": stage.line,
                                              "settings": to_dict(stage.config), "seconds": round(seconds, 2),
                                              "finished": time.strftime("%Y-%m-%dT%H:%M:%S")}, indent=1))
        return {"status": "finished", "hash": stage.digest, "seconds": round(seconds, 2)}

    def _write_state(self, state: dict) -> None:
        write_text_atomic(self.run_dir / "pipeline.json", json.dumps({**state, "outputs": self.outputs}, indent=1))


@contextlib.contextmanager
def _printed_into(path: Path):
    """What a printing command (eval, check, ...) writes to stdout, also kept in `path`: its output. Those handlers
    print() their tables (posttrain.eval.compare and friends take no stream), so stdout is teed while they run."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(_Tee(sys.stdout, printed)):
        try:
            yield
        finally:
            path.write_text(printed.getvalue(), encoding="utf-8")


class _Tee(io.TextIOBase):
    def __init__(self, *streams):
        self.streams = streams

    def write(self, text):
        for s in self.streams:
            s.write(text)
        return len(text)

    def flush(self):
        for s in self.streams:
            s.flush()
