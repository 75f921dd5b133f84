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
`${run_dir}` the run folder; `${embedded.gemma}` / `${embedded.smollm2}` a bundled model. A stage is
skipped when its command, recipe, arguments, input files, the outputs it reads and the package's code
are all as when it last finished (a content hash in run_dir/<stage>/.stage.json); a skipped stage's
files are left as they were, byte for byte. A failed stage stops the run with its name; earlier
stages' outputs stay.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from posttrain.core.config import ConfigError
from posttrain.model.embedded import gemma_base, smollm2_instruct

PACKAGE = Path(__file__).resolve().parents[1]
TRAINING = {"pretrain", "sft", "dpo", "simpo", "orpo", "kto", "rm", "ppo", "grpo"}
# Tool commands: where each writes (option → file in the stage folder); the first is `${name}`, the
# others `${name.<key>}` under the key given.
TOOL_OUTPUTS = {
    "judge": {"": ("out", "pairs.jsonl"), "ties": ("ties", "ties.jsonl"), "report": ("report", "judge.json")},
    "constitution": {"": ("out_pairs", "pairs.jsonl"), "sft": ("out_sft", "sft.jsonl")},
    "best-of-n": {"": ("pairs", "pairs.jsonl"), "sft": ("out", "best.jsonl")},
    "distill": {"": ("out", "distill.jsonl")},
    "corrections": {"": ("out", "pairs.jsonl"), "heldout": ("out_heldout", "heldout.jsonl"),
                    "report": ("report", "corrections.json")},
    "merge": {"": ("out", "model")},
    "report": {"": ("out", "")},
}
_REF = re.compile(r"\$\{([A-Za-z0-9_.\-]+)\}")
# ${embedded.NAME}: a bundled model, built into the cache on first use
EMBEDDED = {"gemma": gemma_base, "smollm2": smollm2_instruct}


@dataclass
class Stage:
    name: str
    command: str
    args: dict = field(default_factory=dict)
    recipe: str | None = None


def load_pipeline(path: str | Path, commands: set[str]) -> tuple[dict, list[Stage]]:
    """(the file's settings, its stages with repeat blocks expanded) — refs are resolved when run.
    `commands`: the command names a stage may use."""
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


def _stage(path: Path, where: str, s, commands: set[str], rename=None) -> Stage:
    if not isinstance(s, dict) or not isinstance(s.get("name"), str) or not isinstance(s.get("command"), str):
        raise ConfigError(f"{path}: {where}: expected a mapping with 'name' and 'command'")
    if s["command"] not in commands or s["command"] in ("run", "demo"):
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


def _expand(path: Path, i: int, block: dict, commands: set[str]) -> list[Stage]:
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
        trained = [s for s in stages if s.command in TRAINING]
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


def _strings(value) -> list[str]:
    found: list[str] = []
    _map_strings(value, found.append)
    return found


def code_version() -> str:
    """A hash of the package's source: a stage re-runs when the code that ran it changed."""
    h = hashlib.sha256()
    for p in sorted(PACKAGE.rglob("*")):
        if p.is_file() and p.suffix in (".py", ".txt", ".yaml", ".jinja", ".json"):
            h.update(str(p.relative_to(PACKAGE)).encode())
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


class Runner:
    """Runs stages through `main` (the `posttrain` command's entry point) in one process."""

    def __init__(self, path: str | Path, main, commands: set[str], run_dir: str | None = None):
        self.spec, self.stages = load_pipeline(path, commands)
        self.main = main
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

    def argv(self, s: Stage, args: dict) -> list[str]:
        out = [s.command] + ([s.recipe] if s.recipe else [])
        d = self.stage_dir(s)
        if s.command in TRAINING:
            args = {**args, "output_dir": str(d)}
        for _, (opt, fname) in TOOL_OUTPUTS.get(s.command, {}).items():
            args = {**args, opt: str(d / fname) if fname else str(d)}
        for k, v in args.items():
            if isinstance(v, dict):  # NAME=MODEL pairs (serve, report)
                v = [f"{a}={b}" for a, b in v.items()]
            if isinstance(v, list):
                v = "[" + ",".join(str(x) for x in v) + "]"
            elif isinstance(v, bool):
                v = str(v).lower()
            v = "null" if v is None else str(v)
            # training stages take key=value overrides of their recipe; tools take --options
            out += [f"{k}={v}"] if s.command in TRAINING else [f"--{k}", v]
        return out

    def fingerprint(self, s: Stage, argv: list[str], deps: set) -> str:
        # files and folders the stage reads (named in its arguments or its recipe) that no stage of this run wrote
        values = [*argv, *(_strings(yaml.safe_load(Path(s.recipe).read_text()) or {}) if s.recipe else [])]
        inputs = {}
        for v in values:
            for part in str(v).strip("[]").split(","):
                part = part.split("=", 1)[-1]
                p = Path(part)
                if part and p.exists() and not p.resolve().is_relative_to(self.run_dir.resolve()):
                    inputs[part] = _file_hash(p, self.files)
        blob = {"command": s.command, "argv": argv, "code": self.code, "inputs": inputs,
                "recipe": _file_hash(Path(s.recipe), self.files) if s.recipe else None,
                "upstream": {d: self.hashes.get(d) for d in sorted(deps)}}
        return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()[:16]

    def register(self, s: Stage) -> None:
        d = self.stage_dir(s)
        if s.command in TRAINING:
            self.outputs[s.name] = str(d)
        elif s.command in TOOL_OUTPUTS:
            for key, (_, fname) in TOOL_OUTPUTS[s.command].items():
                self.outputs[s.name + (f".{key}" if key else "")] = str(d / fname) if fname else str(d)
        else:  # eval and other printing tools: what they printed
            self.outputs[s.name] = str(d / "output.txt")

    def run(self, start: str | None = None, only: str | None = None) -> int:
        names = [s.name for s in self.stages]
        for flag, n in (("--from", start), ("--only", only)):
            if n and n not in names:
                raise ConfigError(f"{flag} {n}: no such stage (stages: {', '.join(names)})")
        forced = set(names[names.index(start):]) if start else {only} if only else set()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        state = {"started": time.time(), "stages": {}}
        for s in self.stages:
            if s.command == "alias":
                ref = s.args["of"][2:-1]
                self.outputs[s.name], self.hashes[s.name] = self.outputs[ref], self.hashes[ref]
                continue
            deps: set = set()
            args = self.resolve(s.args, s, deps)
            argv = self.argv(s, args)
            digest = self.fingerprint(s, argv, deps)
            self.hashes[s.name] = digest
            self.register(s)
            marker = self.stage_dir(s) / ".stage.json"
            done = marker.is_file() and json.loads(marker.read_text()).get("hash") == digest
            if (only and s.name != only) or (done and s.name not in forced):
                if not marker.is_file():
                    raise ConfigError(f"stage {s.name!r} has never finished: run it first (without --only)")
                print(f"[run] {s.name}: {'unchanged, skipped' if done else 'kept (--only ' + only + ')'}",
                      file=sys.stderr)
                state["stages"][s.name] = {"status": "skipped", "hash": digest}
                continue
            state["stages"][s.name] = self.run_stage(s, argv, digest, marker)
            self._write_state(state)
            if state["stages"][s.name]["status"] != "finished":
                print(f"posttrain run: stage {s.name!r} ({s.command}) failed (exit {state['stages'][s.name]['exit']}); "
                      f"earlier stages' outputs are kept in {self.run_dir}", file=sys.stderr)
                return state["stages"][s.name]["exit"] or 1
        self._write_state(state)
        print(f"[run] done: {len(self.stages)} stages in {self.run_dir}", file=sys.stderr)
        return 0

    def run_stage(self, s: Stage, argv: list[str], digest: str, marker: Path) -> dict:
        d = self.stage_dir(s)
        if marker.exists():
            marker.unlink()
        if s.command in TRAINING and d.exists():  # a changed stage trains afresh, not from an old checkpoint
            shutil.rmtree(d)
        d.mkdir(parents=True, exist_ok=True)
        print(f"[run] {s.name}: posttrain {' '.join(argv)}", file=sys.stderr)
        t0 = time.perf_counter()
        printed = io.StringIO()
        tee = _Tee(sys.stdout, printed)
        with contextlib.redirect_stdout(tee):
            code = self.main(argv)
        seconds = time.perf_counter() - t0
        if s.command not in TRAINING and s.command not in TOOL_OUTPUTS:
            (d / "output.txt").write_text(printed.getvalue(), encoding="utf-8")
        if code != 0:
            return {"status": "failed", "exit": code, "seconds": seconds}
        tmp = marker.with_suffix(".tmp")
        tmp.write_text(json.dumps({"hash": digest, "argv": argv, "seconds": round(seconds, 2),
                                   "finished": time.strftime("%Y-%m-%dT%H:%M:%S")}, indent=1))
        tmp.replace(marker)
        return {"status": "finished", "hash": digest, "seconds": round(seconds, 2)}

    def _write_state(self, state: dict) -> None:
        tmp = self.run_dir / "pipeline.json.tmp"
        tmp.write_text(json.dumps({**state, "outputs": self.outputs}, indent=1))
        tmp.replace(self.run_dir / "pipeline.json")


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
