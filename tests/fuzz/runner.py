"""Drive the fuzz: records through the validation layer, files through the readers, mixed files
through the commands (in process, POSTTRAIN_DEBUG=1 so that a bug escapes as an exception and is
counted as a traceback)."""

from __future__ import annotations

import json
import os
import random
import sys
import traceback
from pathlib import Path

import fuzzgen
from conftest import make_conversations, make_pairs

from posttrain.commands.cli import main

FORMATS = (".jsonl", ".json", ".csv", ".parquet")


class Tally:
    def __init__(self):
        self.records = self.files = self.runs = 0
        self.tracebacks: list[str] = []
        self.bad_errors: list[str] = []  # a clean exit whose message breaks the rules (not one line, no location)

    def guard(self, what: str, fn, *args):
        try:
            return fn(*args)
        except Exception:  # noqa: BLE001 - anything but a clean DataError is what the fuzz looks for
            self.tracebacks.append(f"{what}: {traceback.format_exc(limit=6)}")
            return None

    def summary(self) -> str:
        return (f"records fuzzed {self.records}, files read {self.files}, command runs {self.runs}, "
                f"tracebacks {len(self.tracebacks)}, bad error messages {len(self.bad_errors)}")


def fuzz_layer(tally: Tally, tmp: Path, n_per_group: int, forbid, seed: int = 0, huge_every: int = 500) -> None:
    pattern = fuzzgen.control_pattern(forbid)
    for gi, group in enumerate(fuzzgen.GROUPS):
        recs = fuzzgen.records(n_per_group, seed + gi, group, huge_every)
        for i, rec in enumerate(recs):
            tally.guard(f"{group} record {i}: {str(rec)[:200]}", fuzzgen.check_record, rec, group, pattern)
            tally.records += 1
        for fmt in FORMATS:
            chunk = recs if fmt == ".jsonl" else recs[: max(50, len(recs) // 4)]
            path = tmp / f"{group}{fmt}"
            if tally.guard(f"write {path}", fuzzgen.write, path, chunk) is None:
                continue
            tally.guard(f"read {path}", fuzzgen.check_file, path, group, forbid)
            tally.files += 1


def good_rows(kind: str, n: int, flat: bool = False) -> list[dict]:
    """Valid rows of a kind; `flat` (CSV): only string cells."""
    if kind == "sft":
        convs = make_conversations(n)
        return [{"question": c["messages"][0]["content"], "answer": c["messages"][1]["content"]} for c in convs] \
            if flat else convs
    pairs = make_pairs(n)
    if kind == "kto":
        return [{"prompt": p["prompt"], "completion": p["chosen" if i % 2 else "rejected"], "label": bool(i % 2)}
                for i, p in enumerate(pairs)]
    if kind == "prompt":
        return [{"prompt": p["prompt"], **({} if flat else {"answers": [p["chosen"].split()[-1].rstrip(".")]})}
                for p in pairs]
    if kind == "score":
        return [{"prompt": p["prompt"], "completion": p["chosen"]} for p in pairs]
    return pairs


def mixed_file(path: Path, kind: str, n_good: int, n_bad: int, seed: int) -> Path:
    rng = random.Random(seed)
    bad = fuzzgen.records(n_bad, seed, kind, huge_every=max(n_bad, 2))
    if path.suffix != ".jsonl":
        bad = [r for r in bad if not isinstance(r, bytes)]
    rows = good_rows(kind, n_good, path.suffix == ".csv") + bad
    rng.shuffle(rows)
    return fuzzgen.write(path, rows)


def run_command(tally: Tally, capsys, argv: list[str], data: Path, skip: bool) -> None:
    """One command on a mixed file; checks the exit code and the error line."""
    tally.runs += 1
    os.environ["POSTTRAIN_DEBUG"] = "1"
    try:
        rc = main(argv)
    except BaseException:  # noqa: BLE001 - an escaped exception is a traceback for the user
        tally.tracebacks.append(f"{' '.join(argv)[:300]}: {traceback.format_exc(limit=8)}")
        capsys.readouterr()
        return
    finally:
        os.environ.pop("POSTTRAIN_DEBUG", None)
    err = capsys.readouterr().err
    errors = [ln for ln in err.splitlines() if "error:" in ln]
    line = f"{argv[0]} {data.name} skip={skip}: rc={rc}"
    print(line, (errors or [""])[0][:240], file=sys.__stderr__)
    try:
        _check_exit(argv[0], rc, errors, err, data, skip)
    except AssertionError as e:
        tally.bad_errors.append(f"{line}: {e}")


def _check_exit(cmd: str, rc: int, errors: list[str], err: str, data: Path, skip: bool) -> None:
    if rc == 0 or (cmd == "check" and rc == 1 and not errors):  # check's 1: the lint found problems
        assert not errors, err[-2000:]
        return
    assert len(errors) == 1, err[-2000:]
    if rc == 2 and not skip:
        fuzzgen.check_message(errors[0].split("error: ", 1)[1], data)
    if skip:  # with skip_invalid a data error can only be "nothing usable left" or an unreadable file
        assert rc != 2 or "no usable" in errors[0] or "not a readable" in errors[0], errors[0][:400]
    if cmd == "check" or skip:
        assert "skipped" in err or rc != 0, err[-2000:]


def commands(tiny_dir: Path, rm_dir: Path | None, out: Path) -> dict[str, tuple[str, list[str]]]:
    """kind of data, argv (without data) for each command."""
    common = [f"model={tiny_dir}", "max_len=48", "batch_size=2", "max_steps=1", "dtype=fp32", "progress=false",
              "template=chatml", f"output_dir={out}", "save_every=0"]
    cmds = {"check": ("sft", ["check", "{data}", "--model", str(tiny_dir), "--max-len", "48", "--show", "1"]),
            "sft": ("sft", ["sft", *common, "data={data}"]),
            "dpo": ("pair", ["dpo", *common, "data={data}"]),
            "kto": ("kto", ["kto", *common, "data={data}"]),
            "rm": ("pair", ["rm", *common, "data={data}"]),
            "best-of-n": ("prompt", ["best-of-n", str(tiny_dir), "{data}", "n=2", "max_new_tokens=3",
                                     "template=chatml", "reward=brevity", f"out={out / 'bon.jsonl'}"])}
    if rm_dir is not None:
        cmds["score"] = ("score", ["score", str(rm_dir), "{data}", "template=chatml", f"out={out / 's.jsonl'}"])
    return cmds


def fuzz_commands(tally: Tally, capsys, tmp: Path, tiny_dir: Path, rm_dir: Path | None, names, formats,
                  n_good: int = 10, n_bad: int = 10, seed: int = 0) -> None:
    tmp.mkdir(parents=True, exist_ok=True)
    for ci, (name, (kind, argv)) in enumerate(commands(tiny_dir, rm_dir, tmp / "out").items()):
        if name not in names:
            continue
        for fi, fmt in enumerate(formats):
            data = mixed_file(tmp / f"{name}-{fi}{fmt}", kind, n_good, n_bad, seed + 31 * ci + fi)
            args = [a.replace("{data}", str(data)) for a in argv]
            for skip in (False, True):
                extra = (["--skip-invalid", "true"] if name == "check" else ["skip_invalid=true"]) if skip else []
                run_command(tally, capsys, args + extra, data, skip)


def train_rm(tiny_dir: Path, tmp: Path) -> Path:
    data = tmp / "rm_pairs.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in make_pairs(8)))
    out = tmp / "rm"
    assert main(["rm", f"model={tiny_dir}", f"data={data}", f"output_dir={out}", "max_len=48", "batch_size=2",
                 "max_steps=1", "dtype=fp32", "progress=false", "template=chatml"]) == 0
    return out
