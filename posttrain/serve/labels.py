"""Human labels from the web page: durable appends, and what they say (win rates, rater agreement).

Three JSONL files in the label folder, each a format a stage reads as is:
- `pairs.jsonl` — blind comparisons with a winner: `prompt` (messages), `chosen`, `rejected`
  (`posttrain dpo` / `rm` read it), plus who rated, when, which model and settings made each
  answer, the order they were shown in, and optional 1-5 ratings;
- `unpaired.jsonl` — thumbs up/down from the chat, and both answers of a "both bad" comparison:
  `prompt`, `completion`, `label` (`posttrain kto` reads it);
- `ties.jsonl` — comparisons judged a tie or both bad (no preference to train on, but they count
  in the win rates).

A label is acknowledged only after its line is written with one `write` on an O_APPEND descriptor
and fsynced, so a killed server never loses a label the page was told is saved. A torn last line
(a kill in the middle of a write that was never acknowledged) is cut off when the folder is opened.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

from posttrain.eval.stats import agreement as rater_agreement
from posttrain.eval.stats import win_rate

FILES = {"pairs": "pairs.jsonl", "unpaired": "unpaired.jsonl", "ties": "ties.jsonl"}


def timestamp() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class LabelStore:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        for name in FILES:
            self._repair(self.path(name))

    def path(self, name: str) -> Path:
        return self.folder / FILES[name]

    @staticmethod
    def _repair(path: Path) -> None:
        if not path.exists() or path.stat().st_size == 0:
            return
        data = path.read_bytes()
        if data.endswith(b"\n"):
            return
        keep = data.rfind(b"\n") + 1
        print(f"labels: {path}: dropping an unfinished last line ({len(data) - keep} bytes, never acknowledged)",
              file=sys.stderr)
        with open(path, "r+b") as f:
            f.truncate(keep)
            f.flush()
            os.fsync(f.fileno())

    def append(self, name: str, rows: list[dict]) -> None:
        """Append `rows` to one file and fsync it; returns only once they are on disk."""
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
        path = self.path(name)
        with self.lock:
            new = not path.exists()
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            if new:  # the file's directory entry must be durable too
                dfd = os.open(self.folder, os.O_RDONLY)
                try:
                    os.fsync(dfd)
                finally:
                    os.close(dfd)

    def read(self, name: str) -> list[dict]:
        path = self.path(name)
        if not path.exists():
            return []
        rows = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:  # a torn line being written right now
                    continue
        return rows


# ----------------------------------------------------------------------------- what the labels say

def comparisons(store: LabelStore) -> list[dict]:
    """Every blind comparison: item, rater, time, the two sides' configurations, and the outcome
    as the winning side's configuration, or 'tie' / 'both bad'."""
    out = []
    for row in store.read("pairs") + store.read("ties"):
        shown = row.get("shown") or {}
        a, b = (shown.get(k, {}).get("config", "?") for k in ("A", "B"))
        verdict = row.get("verdict")
        outcome = {"A": a, "B": b, "tie": "tie", "both_bad": "both bad"}.get(verdict, "?")
        out.append({"item": row.get("item"), "rater": row.get("rater", ""), "time": row.get("time", ""),
                    "A": a, "B": b, "verdict": verdict, "outcome": outcome,
                    "prompt": _last_user(row.get("prompt"))})
    return sorted(out, key=lambda r: r["time"])


def _last_user(prompt) -> str:
    if isinstance(prompt, list):
        users = [m.get("content", "") for m in prompt if isinstance(m, dict) and m.get("role") == "user"]
        return users[-1] if users else ""
    return prompt if isinstance(prompt, str) else ""


def win_rates(rows: list[dict]) -> list[dict]:
    """Per pair of configurations: wins, losses, ties of the first (alphabetically), its win rate
    (ties half) and a 95% Wilson interval."""
    table: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        x, y = sorted((r["A"], r["B"]))
        cell = table[(x, y)]
        cell[0 if r["outcome"] == x and x != y else 1 if r["outcome"] == y and x != y else 2] += 1
    return [{"first": x, "second": y, **win_rate(*cell).to_dict()} for (x, y), cell in sorted(table.items())]


def agreement(rows: list[dict]) -> dict:
    """Agreement between raters who labelled the same item: the share of rater pairs whose
    outcomes match (the winning configuration, tie, or both bad)."""
    return rater_agreement([(r["item"], r["rater"], r["outcome"]) for r in rows]).to_dict()


def review(store: LabelStore) -> dict:
    rows = comparisons(store)
    thumbs = [r for r in store.read("unpaired") if r.get("source") == "chat"]
    return {"comparisons": rows, "win_rates": win_rates(rows), "agreement": agreement(rows),
            "thumbs": {"up": sum(bool(r.get("label")) for r in thumbs), "down": sum(not r.get("label") for r in thumbs)},
            "files": {name: str(store.path(name)) for name in FILES}}
