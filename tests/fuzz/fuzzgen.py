"""Seeded malformed records for every row format, written as JSONL / JSON / CSV / Parquet, and the
checks the fuzz tests apply: the reader/validation layer and the commands may only fail with a
one-line DataError-style message naming the file, the line or row, and (for a row) the field."""

from __future__ import annotations

import copy
import json
import random
import re
from pathlib import Path

from posttrain.data.formats import (
    DataError,
    _control_pattern,
    check_control,
    iter_rows,
    to_conversation,
    to_prompt_row,
)
from posttrain.data.preference import to_pair, to_unpaired

SPECIAL = "<|endoftext|>"  # a special token of the tiny fixture tokenizer
U = {"role": "user", "content": "What is 2 plus 3?"}
A = {"role": "assistant", "content": "2 plus 3 is 5."}
B = {"role": "assistant", "content": "2 plus 3 is 6."}

GOOD = {
    "messages": {"messages": [{"role": "system", "content": "Be brief."}, U, A]},
    "sharegpt": {"conversations": [{"from": "human", "value": U["content"]}, {"from": "gpt", "value": A["content"]}]},
    "alpaca": {"instruction": U["content"], "input": "", "output": A["content"]},
    "qa": {"question": U["content"], "answer": A["content"]},
    "prompt_completion": {"prompt": U["content"], "completion": A["content"]},
    "prompt_completion_msgs": {"prompt": [U], "completion": [A]},
    "pair": {"prompt": U["content"], "chosen": A["content"], "rejected": B["content"]},
    "pair_msgs": {"prompt": [U], "chosen": [A], "rejected": [B]},
    "pair_implicit": {"chosen": [U, A], "rejected": [U, B]},
    "kto": {"prompt": U["content"], "completion": A["content"], "label": True},
    "rl_prompt": {"prompt": U["content"], "answers": ["5"]},
    "rl_prompt_msgs": {"prompt": [{"role": "system", "content": "Be brief."}, U], "answers": ["5"]},
}
GROUPS = {"sft": ["messages", "sharegpt", "alpaca", "qa", "prompt_completion", "prompt_completion_msgs"],
          "pair": ["pair", "pair_msgs", "pair_implicit"], "kto": ["kto", "pair"],
          "prompt": ["rl_prompt", "rl_prompt_msgs"], "score": ["prompt_completion", "pair"]}
CONVERTERS = {"sft": to_conversation, "pair": to_pair, "kto": to_unpaired, "prompt": to_prompt_row,
              "score": lambda r, w: to_pair(r, w) if "chosen" in r else to_unpaired({**r, "label": True}, w)}

JUNK = [None, 0, -1, 3.5, float("nan"), float("inf"), True, False, "", "   ", [], {}, [None], [[[]]], {"a": {"b": [1]}},
        "x" * 50, ["a", 1], {"role": "user"}, 10 ** 30, "\ud800", "\x00", "é" * 10]


def _paths(obj, prefix=()):
    """Every (path) inside a record, to pick one to mutate."""
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


def _set(obj, path, value):
    for k in path[:-1]:
        obj = obj[k]
    obj[path[-1]] = value


def _get(obj, path):
    for k in path:
        obj = obj[k]
    return obj


def _nest(depth):
    v = "deep"
    for _ in range(depth):
        v = [v]
    return v


def mutate(row: dict, rng: random.Random, huge: bool) -> dict:
    """One malformed (or sometimes still valid) variant of a good row."""
    row = copy.deepcopy(row)
    paths = [p for p in _paths(row) if p]
    path = rng.choice(paths)
    op = rng.randrange(12)
    if op == 0:
        _set(row, path, rng.choice(JUNK))
    elif op == 1:
        parent = _get(row, path[:-1])
        del parent[path[-1]]
    elif op == 2:
        _set(row, path, "")
    elif op == 3 and huge:
        _set(row, path, "w " * 500_000)  # ~1 MB
    elif op == 4:
        strings = [p for p in paths if isinstance(_get(row, p), str)]
        if strings:
            p = rng.choice(strings)
            s = _get(row, p)
            _set(row, p, s[: len(s) // 2] + rng.choice([SPECIAL, "<|user|>", "<|pad|>"]) + s[len(s) // 2:])
    elif op == 5:
        lists = [p for p in [()] + paths if isinstance(_get(row, p), list) and len(_get(row, p)) > 1]
        if lists:
            lst = _get(row, rng.choice(lists))
            lst.reverse()  # roles out of order
    elif op == 6:
        lists = [p for p in paths if isinstance(_get(row, p), list) and _get(row, p)]
        if lists:
            lst = _get(row, rng.choice(lists))
            lst[:] = [m for m in lst if not (isinstance(m, dict) and m.get("role") in ("assistant",)
                                             or isinstance(m, dict) and m.get("from") == "gpt")] or lst[:1]
    elif op == 7:
        _set(row, path, _nest(rng.randint(2, 60)))
    elif op == 8:
        row = {k: v for k, v in row.items() if rng.random() < 0.5}
    elif op == 9:
        row[rng.choice(["label", "role", "system", "answers", "extra", "messages"])] = rng.choice(JUNK)
    elif op == 10:
        dicts = [p for p in [()] + paths if isinstance(_get(row, p), dict) and "role" in _get(row, p)]
        if dicts:
            _get(row, rng.choice(dicts))["role"] = rng.choice(["system", "user", "assistant", "tool", "User", 7])
    else:
        _set(row, path, rng.choice(["null", "{", "[]", "true", "\\u0000", "\t\n"]))
    return row


RAW = [b"{not json", b"[1, 2]", b"null", b'"text"', b"\xff\xfe{}", b'{"messages": "\xc3\x28"}', b"[" * 3000 + b"]" * 3000,
       b"1" * 5000, b'{"a": 1', b"\xef\xbb\xbf{}", b"{}", b'{"prompt": NaN}']


def records(n: int, seed: int, group: str, huge_every: int = 500) -> list:
    """n records for `group` (see GROUPS): mostly mutated rows (dicts), some raw broken JSONL lines (bytes)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        if rng.random() < 0.08:
            out.append(rng.choice(RAW))
        else:
            out.append(mutate(GOOD[rng.choice(GROUPS[group])], rng, huge=i % huge_every == huge_every - 1))
    return out


def _json_line(rec) -> bytes:
    if isinstance(rec, bytes):
        return rec
    return json.dumps(rec, ensure_ascii=False).encode("utf-8", "surrogatepass")


def write(path: Path, recs: list) -> Path:
    """Write `recs` in the format of the path's suffix (raw byte records only fit JSONL and CSV)."""
    fmt = path.suffix
    if fmt == ".jsonl":
        path.write_bytes(b"\n".join(_json_line(r) for r in recs) + b"\n")
    elif fmt == ".json":
        rows = [r if not isinstance(r, bytes) else 7 for r in recs]
        path.write_bytes(json.dumps(rows, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    elif fmt == ".csv":
        _write_csv(path, recs)
    else:
        _write_parquet(path, recs)
    return path


def _cell(v) -> str:
    return v if isinstance(v, str) else "" if v is None else json.dumps(v, ensure_ascii=False)


def _write_csv(path: Path, recs: list) -> None:
    import csv
    import io

    keys = sorted({k for r in recs if isinstance(r, dict) for k in r})[:8] or ["prompt"]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(keys)
    for r in recs:
        if isinstance(r, bytes):
            w.writerow(["x"] * (len(keys) + 1))  # more cells than the header
        else:
            w.writerow([_cell(r.get(k)) for k in keys])
    path.write_bytes(buf.getvalue().encode("utf-8", "surrogatepass"))


def _write_parquet(path: Path, recs: list) -> None:
    """One table per schema pyarrow accepts (mixed types cannot share a column); rows it refuses are
    written as JSON text columns."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def as_text(r):
        return pa.Table.from_pylist([{k: _cell(v).encode("utf-8", "surrogatepass").decode("utf-8", "replace")
                                      for k, v in r.items()}])

    by_schema: dict[str, list] = {}
    for r in recs:
        if isinstance(r, bytes):
            continue
        try:
            t = pa.Table.from_pylist([r])
            pq.write_table(t, pa.BufferOutputStream())  # some tables build but cannot be written (empty structs)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            t = as_text(r)
        by_schema.setdefault(str(t.schema), []).append(t)
    path.mkdir(parents=True, exist_ok=True)
    for i, ts in enumerate(by_schema.values()):
        pq.write_table(pa.concat_tables(ts), path / f"part{i:04d}.parquet")


LOCATION = re.compile(r"(:\d+|: row \d+|\[\w+\]: row \d+)(:|\s)")
ROW_LEVEL = ("field", "JSON", "UTF-8", "object", "columns", "CSV")


def check_message(msg: str, path: str) -> None:
    """A DataError message: one line, naming the file, the line or row, and what is wrong with it."""
    assert "\n" not in msg, msg
    assert len(msg) < 2000, msg[:300]
    if "no usable" in msg or "folder has no" in msg or "not a readable Parquet" in msg:
        return
    assert str(path) in msg and LOCATION.search(msg), msg[:300]
    assert any(w in msg for w in ROW_LEVEL), msg[:300]


def check_record(rec, group: str, pattern) -> str:
    """Run one record through the validation layer: 'ok' or 'error'; anything but DataError propagates."""
    if isinstance(rec, bytes):
        return "raw"
    try:
        CONVERTERS[group](rec, "f.jsonl:7")
        check_control(rec, "f.jsonl:7", pattern)
        return "ok"
    except DataError as e:
        check_message(str(e), "f.jsonl")
        return "error"


def check_file(path: Path, group: str, forbid) -> tuple[int, int]:
    """Read a file through iter_rows with and without skip_invalid; returns (good rows, skipped rows)."""
    convert = CONVERTERS[group]
    good = 0
    try:
        for _ in iter_rows(str(path), convert, False, forbid=forbid):
            good += 1
    except DataError as e:
        check_message(str(e), path)
    n = 0
    try:
        for _ in iter_rows(str(path), convert, True, forbid=forbid):
            n += 1
    except DataError as e:
        check_message(str(e), path)
    return n, good


def control_pattern(forbid):
    return _control_pattern(forbid)
