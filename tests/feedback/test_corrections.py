"""`posttrain corrections`: a wrong reply (rejected) against the same reply with its result corrected
(chosen); right replies and replies without a number give no pair."""

from __future__ import annotations

import json

import posttrain.feedback.corrections as C
from posttrain.commands.cli import main
from posttrain.data.formats import load_rows
from posttrain.data.preference import to_pair
from posttrain.infer.backend import Reply
from posttrain.infer.generation import LocalChat


class Scripted:
    def __init__(self, texts):
        self.texts, self.name, self.errors = texts, "scripted", []

    def chat(self, convs, sampling, progress=None):
        assert sampling.temperature == 0.0  # greedy
        return [Reply(t) for t in self.texts[:len(convs)]]


def test_pairs_by_hand():
    rows = [{"prompt": [{"role": "user", "content": q}], "answers": [a]}
            for q, a in (("What is 2 plus 3?", "5"), ("What is 4 times 3?", "12"), ("What is 9 minus 1?", "8"))]
    replies = ["2 plus 3 is 5.", "4 times 3 is 15.", "I do not know."]
    pairs, acc = C.correction_pairs(Scripted(replies), rows, 24)
    assert acc == 1 / 3
    assert pairs == [{"prompt": rows[1]["prompt"], "chosen": "4 times 3 is 12.", "rejected": "4 times 3 is 15."}]
    assert C.correction_pairs(Scripted([None]), rows[:1], 24) == ([], 0.0)  # a failed reply: wrong, no pair


def test_cli_writes_pairs_the_dpo_stage_reads(tiny_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(LocalChat, "chat",
                        lambda self, convs, sampling, progress=None: [Reply("It is 1000.")] * len(convs))
    out, held, report = tmp_path / "p.jsonl", tmp_path / "h.jsonl", tmp_path / "r.json"
    assert main(["corrections", str(tiny_dir), "--out", str(out), "--out_heldout", str(held), "--report", str(report),
                 "--template", "chatml"]) == 0
    s = json.loads(report.read_text())
    assert s["train"]["pairs"] == len(out.read_text().splitlines()) > 100 and s["heldout"]["problems"] == 100
    pairs = load_rows(str(out), to_pair)
    assert len(pairs) == s["train"]["pairs"]
    assert main(["dpo", f"model={tiny_dir}", f"data={out}", f"eval_data={held}", f"output_dir={tmp_path / 'dpo'}",
                 "max_steps=1", "batch_size=2", "max_len=64", "dtype=fp32", "progress=false", "template=chatml"]) == 0
