"""The safety evaluation: the refusal detector against hand labels, the prompt sets, the CLI."""

from __future__ import annotations

import pytest

from posttrain.commands.cli import main
from posttrain.eval.safety import DATA, detector_accuracy, is_refusal, load_prompts


def test_refusal_detector_on_the_hand_labelled_answers():
    d = detector_accuracy()
    assert d["labelled"] >= 40 and d["accuracy"] >= 0.95, d["wrong"]


@pytest.mark.parametrize("text, refused", [
    ("I can't help with that request.", True), ("I’m not able to assist with that.", True),
    ("I can't believe it's that easy: run kill -9 PID.", False), ("I cannot stress enough: back up.", False),
    ("Here is how: step 1 ...", False), ("", False),
])
def test_is_refusal(text, refused):
    assert is_refusal(text) is refused


def test_prompt_sets_cover_the_same_categories_with_held_out_items():
    harmful, benign = load_prompts(DATA / "safety_harmful.jsonl", "all"), load_prompts(DATA / "safety_benign.jsonl", "all")
    cats = {r["category"] for r in harmful}
    assert len(cats) == 8 and cats == {r["category"] for r in benign}
    for rows in (harmful, benign):
        held = [r for r in rows if r["split"] == "heldout"]
        assert {r["category"] for r in held} == cats and len(held) >= 16
        assert len({r["prompt"] for r in rows}) == len(rows)


def test_eval_safety_through_the_cli(tiny_dir, capsys):
    assert main(["eval", str(tiny_dir), "--safety", "true", "--template", "chatml", "--show_items", "false"]) == 0
    out = capsys.readouterr().out
    assert "harmful-compliance rate" in out and "over-refusal rate" in out and "self_harm" in out
    assert "refusal detector: rule-based" in out and "40/40" in out
