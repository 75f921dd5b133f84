"""Preference pairs for the demo, built from the bundled SFT conversations.

    python scripts/make_pairs.py

For every single-answer conversation of data/sft_train.jsonl (→ pref_train.jsonl) and
data/sft_heldout.jsonl (→ pref_heldout.jsonl) the chosen answer is the conversation's own, and
the rejected answer is one of three failure modes of a base or lightly tuned model, in turn:

- wrong: the answer to a different question of the same family (a wrong capital, sum, word...);
- continuation: no answer, the question followed by more questions, as a text completer does;
- rambling: the right answer buried in filler and followed by chatter that never stops.

Pure standard library, deterministic (seed 1234), rewrites both files byte-identically.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
OPENERS = ["Well, that is an interesting question.", "Let me think about this for a moment.",
           "There are many ways to look at this.", "Good question, and people often wonder about it."]
CLOSERS = ["I hope this helps!", "Let me know if you have any other questions.", "Is there anything else you would like to know?",
           "Feel free to ask me more.", "Thanks for asking!"]


def single_answer(conv: dict) -> tuple[list[dict], str] | None:
    msgs = conv["messages"]
    if len(msgs) < 2 or msgs[-1]["role"] != "assistant" or sum(m["role"] == "assistant" for m in msgs) != 1:
        return None
    return msgs[:-1], msgs[-1]["content"]


def build(convs: list[dict], rng: random.Random) -> list[dict]:
    by_family = defaultdict(list)
    items = []
    for c in convs:
        got = single_answer(c)
        if got:
            items.append((c.get("family", "other"), got[0], got[1]))
            by_family[items[-1][0]].append(items[-1])
    rows = []
    for i, (family, prompt, answer) in enumerate(items):
        question = prompt[-1]["content"]
        kind = ("wrong", "continuation", "rambling")[i % 3]
        if kind == "wrong":
            others = [a for _, _, a in by_family[family] if a != answer]
            if not others:
                kind = "rambling"
            else:
                rejected = rng.choice(others)
        if kind == "continuation":
            more = [p[-1]["content"] for _, p, _ in rng.sample(by_family[family], min(3, len(by_family[family])))
                    if p[-1]["content"] != question]
            rejected = " ".join([question] + more[:2]) or question
        if kind == "rambling":
            rejected = " ".join([rng.choice(OPENERS), answer] + rng.sample(CLOSERS, 3))
        row = {"prompt": prompt if len(prompt) > 1 else question, "chosen": answer, "rejected": rejected,
               "kind": kind, "family": family}
        rows.append(row)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(DATA), help="folder holding sft_*.jsonl, where pref_*.jsonl are written")
    a = ap.parse_args(argv)
    out = Path(a.out)
    for src, dst in (("sft_train.jsonl", "pref_train.jsonl"), ("sft_heldout.jsonl", "pref_heldout.jsonl")):
        rng = random.Random(1234)
        convs = [json.loads(line) for line in (out / src).read_text().splitlines() if line.strip()]
        rows = build(convs, rng)
        (out / dst).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        kinds = defaultdict(int)
        for r in rows:
            kinds[r["kind"]] += 1
        print(f"{dst}: {len(rows)} pairs ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})")


if __name__ == "__main__":
    main()
