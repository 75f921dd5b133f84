"""Rewards as plain callables and rejection sampling: the kept answer is the best-scored sample, the
pairs are best over worst, and both files train (SFT and DPO through the CLI)."""

import json

import pytest

from posttrain.cli import main
from posttrain.rewards import load_reward


def test_builtin_and_summed_rewards():
    r = load_reward("contains+brevity")
    got = r(["q", "q"], ["It is Paris.", "No idea at all"], answers=[["Paris"], ["Paris"]])
    assert got == pytest.approx([1 - 3 / 100, 0 - 4 / 100])
    assert load_reward("exact")(["q"], ["Paris"], answers=[["paris"]]) == [1.0]
    with pytest.raises(ValueError, match="needs rows with an 'answers' list"):
        load_reward("contains")(["q"], ["x"])
    with pytest.raises(ValueError, match="expected a built-in"):
        load_reward("nonsense")


def test_best_of_n_keeps_the_best_and_trains(tiny_dir, tmp_path, monkeypatch):
    (tmp_path / "my_reward.py").write_text(
        "def longest(prompts, completions, **kw):\n    return [float(len(c)) for c in completions]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text("".join(json.dumps({"prompt": f"What is {i} plus {i}?", "answers": [str(2 * i)]}) + "\n"
                               for i in range(1, 9)))
    out, pairs = tmp_path / "best.jsonl", tmp_path / "pairs.jsonl"
    assert main(["best-of-n", str(tiny_dir), str(prompts), "reward=my_reward:longest", f"out={out}", f"pairs={pairs}",
                 "n=4", "max_new_tokens=12", "template=chatml", "temperature=1.0"]) == 0
    rows = [json.loads(l) for l in out.read_text().splitlines()]
    assert len(rows) == 8
    for r in rows:
        assert len(r["rewards"]) == 4 and r["reward"] == max(r["rewards"])
        assert r["reward"] == float(len(r["messages"][-1]["content"]))  # the kept answer is the one scored best
    for p in (json.loads(l) for l in pairs.read_text().splitlines()):
        assert len(p["chosen"]) > len(p["rejected"])
    common = [f"model={tiny_dir}", "max_len=64", "batch_size=2", "max_steps=2", "dtype=fp32", "progress=false",
              "template=chatml"]
    assert main(["sft", *common, f"data={out}", f"output_dir={tmp_path / 'sft'}"]) == 0
    assert main(["dpo", *common, f"data={pairs}", f"output_dir={tmp_path / 'dpo'}"]) == 0
