"""Human labels from the web page: durable appends, and what they say (win rates, rater agreement).

Three JSONL files in the label folder, each a format a stage reads as is:
- `pairs.jsonl` — blind comparisons with a winner: `prompt` (messages), `chosen`, `rejected`
  (`posttrain dpo` / `rm` read it), plus who rated, when, which model and settings made each
  answer, the order they were shown in, and optional 1-5 ratings;
- `unpaired.jsonl` — thumbs up/down from the chat, and both answers of a "both bad" comparison:
  `prompt`, `completion`, `label` (`posttrain kto` reads it);
- `ties.jsonl` — comparisons judged a tie or both bad (no preference to train on, but they count
  in the win rates).

What a verdict writes is decided here (`verdict_rows`, `thumb_row`): typed rows (`PairRow`, `TieRow`,
`UnpairedRow`) whose `to_json` keeps each file's keys in their order; the page's routes only save them.

A label is acknowledged only after its line is written with one `write` on an O_APPEND descriptor
and fsynced, so a killed server never loses a label the page was told is saved. A torn last line
(a kill in the middle of a write that was never acknowledged) is cut off when the folder is opened.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import ClassVar, Literal, get_args

from posttrain.core.files import fsync, make_dirs
from posttrain.eval.stats import Agreement, PairWinRate, pair_win_rates
from posttrain.eval.stats import agreement as rater_agreement

FILES = {"pairs": "pairs.jsonl", "unpaired": "unpaired.jsonl", "ties": "ties.jsonl"}
Verdict = Literal["A", "B", "tie", "both_bad"]
Aspect = Literal["helpfulness", "accuracy", "clarity"]
VERDICTS, ASPECTS = get_args(Verdict), get_args(Aspect)


def timestamp() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class LabelStore:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        make_dirs(self.folder)  # a new folder's entry is durable too, or a power cut loses it with its labels
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
                start = os.fstat(fd).st_size
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view):]
                    os.fsync(fd)
                except BaseException:  # a failed write (a full disk) leaves no torn line for the next row to join
                    os.ftruncate(fd, start)
                    raise
            finally:
                os.close(fd)
            if new:  # the file's directory entry must be durable too
                fsync(self.folder)

    def save(self, rows: list[Row]) -> list[str]:
        """Append each row to its file (one durable append per file, in the order the rows name them);
        returns the files written."""
        names = list(dict.fromkeys(r.file for r in rows))
        for name in names:
            self.append(name, [r.to_json() for r in rows if r.file == name])
        return names

    def read(self, name: str) -> list[dict]:
        path = self.path(name)
        if not path.exists():
            return []
        rows = []
        # "\n" alone ends a row (str.splitlines also splits at \u2028, \x85, ... inside a label's text);
        # a line being written right now may end inside a character
        for line in path.read_bytes().decode("utf-8", "replace").split("\n"):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:  # a torn line being written right now
                    continue
        return rows


# ----------------------------------------------------------------------------- what a label writes

@dataclass(frozen=True)
class Shown:
    """One side of a blind comparison: the model, its configuration (name and sampling settings) and
    the answer shown."""
    model: str
    config: str
    settings: dict
    text: str

    def public(self) -> dict:
        """What a label row records of this side (everything but the answer, which the row holds)."""
        return {"model": self.model, "config": self.config, "settings": self.settings}


@dataclass
class Item:
    """A blind comparison on the page: the conversation, the answers shown as A and B, and who has
    labelled it so far."""
    id: str
    prompt: list[dict]
    shown: dict[str, Shown]
    raters: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Judgement:
    """Who judged a comparison item, when, and how: the fields every comparison row ends with."""
    item: str
    rater: str
    time: str
    verdict: str
    shown: dict[str, dict]
    ratings: dict[str, dict[str, int]]


@dataclass(frozen=True)
class Thumb:
    """Who rated a chat answer, when, and the sampling settings the page used: the end of a chat row."""
    settings: dict
    rater: str
    time: str


class Row:
    """A line of one label file: its fields in order, a nested `Judgement` / `Thumb` spliced in."""
    file: ClassVar[str]

    def to_json(self) -> dict:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out.update({g.name: getattr(value, g.name) for g in fields(value)} if is_dataclass(value)
                       else {f.name: value})
        return out


@dataclass(frozen=True)
class PairRow(Row):
    """A line of pairs.jsonl (what `posttrain dpo` / `rm` read)."""
    file: ClassVar[str] = "pairs"
    prompt: list[dict]
    chosen: str
    rejected: str
    chosen_model: str
    rejected_model: str
    judgement: Judgement


@dataclass(frozen=True)
class TieRow(Row):
    """A line of ties.jsonl: a comparison judged a tie or both bad."""
    file: ClassVar[str] = "ties"
    prompt: list[dict]
    A: str
    B: str
    judgement: Judgement


@dataclass(frozen=True)
class UnpairedRow(Row):
    """A line of unpaired.jsonl (what `posttrain kto` reads): one answer, desirable or not."""
    file: ClassVar[str] = "unpaired"
    prompt: list[dict]
    completion: str
    label: bool
    source: str          # "chat" (a thumb on the chat tab) or "compare" (half of a "both bad" verdict)
    model: str           # the model's name (chat) or the configuration that answered (compare)
    by: Judgement | Thumb


class LabelRefused(ValueError):
    """A verdict that would write an unusable row."""


def verdict_rows(item: Item, verdict: str, rater: str, ratings: dict, time: str) -> list[Row]:
    """The rows a verdict on a comparison writes: A or B → one pair; a tie → one tie row; both bad →
    a tie row and each non-blank answer as an undesirable KTO example."""
    judged = Judgement(item.id, rater, time, verdict, {k: s.public() for k, s in item.shown.items()}, ratings)
    text = {k: s.text for k, s in item.shown.items()}
    if verdict in ("A", "B"):
        lose = "B" if verdict == "A" else "A"
        if not text["A"].strip() or not text["B"].strip():  # the pair readers refuse empty answers
            raise LabelRefused("an empty answer cannot be half of a training pair: label this item 'tie' or 'both bad'")
        return [PairRow(item.prompt, text[verdict], text[lose], item.shown[verdict].config, item.shown[lose].config,
                        judged)]
    rows: list[Row] = [TieRow(item.prompt, text["A"], text["B"], judged)]
    if verdict == "both_bad":  # two undesirable examples for KTO
        rows += [UnpairedRow(item.prompt, text[k], False, "compare", item.shown[k].config, judged)
                 for k in "AB" if text[k].strip()]
    return rows


def check_rated_chat(messages: list[dict]) -> None:
    """A chat whose last answer can be rated: it ends with a user turn and a non-blank answer."""
    if messages[-1]["role"] != "assistant" or len(messages) < 2 or messages[-2]["role"] != "user":
        raise LabelRefused("feedback needs a conversation ending with a user turn and the rated answer")
    if not messages[-1]["content"].strip():
        raise LabelRefused("an empty answer cannot be a KTO example")


def thumb_row(messages: list[dict], label: bool, model: str, settings: dict, rater: str, time: str) -> UnpairedRow:
    """A thumbs up or down on the last answer of a chat: one KTO row."""
    check_rated_chat(messages)
    return UnpairedRow(messages[:-1], messages[-1]["content"], label, "chat", model, Thumb(settings, rater, time))


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


def win_rates(rows: list[dict]) -> list[PairWinRate]:
    """Per pair of configurations of `comparisons` rows: wins, losses, ties of the first
    (alphabetically), its win rate (ties half) and a 95% Wilson interval."""
    return pair_win_rates([(r["A"], r["B"], r["outcome"]) for r in rows])


def agreement(rows: list[dict]) -> Agreement:
    """Agreement between raters who labelled the same item: the share of rater pairs whose
    outcomes match (the winning configuration, tie, or both bad)."""
    return rater_agreement([(r["item"], r["rater"], r["outcome"]) for r in rows])


def review(store: LabelStore) -> dict:
    rows = comparisons(store)
    thumbs = [r for r in store.read("unpaired") if r.get("source") == "chat"]
    return {"comparisons": rows, "win_rates": [w.to_dict() for w in win_rates(rows)],
            "agreement": agreement(rows).to_dict(),
            "thumbs": {"up": sum(bool(r.get("label")) for r in thumbs), "down": sum(not r.get("label") for r in thumbs)},
            "files": {name: str(store.path(name)) for name in FILES}}
