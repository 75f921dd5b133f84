"""Rewards as plain callables and rejection sampling: the kept answer is the best-scored sample, the
pairs are best over worst, and both files train (SFT and DPO through the CLI)."""

import json
from pathlib import Path

import pytest

from posttrain.commands.cli import main
from posttrain.eval.rewards import load_reward
from posttrain.infer.backend import Reply


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


TIE_REWARD = """
def half_tie(prompts, completions, **kw):
    # odd prompts: every sample fails alike (0.0), so no sample is better than another
    return [0.0 if "odd" in p[-1]["content"] else 1.0 + len(c) for p, c in zip(prompts, completions)]
"""


def _tie_args(tiny_dir, tmp_path, **kw):
    from types import SimpleNamespace
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text("".join(json.dumps({"prompt": f"What is {i} plus {i}? {'odd' if i % 2 else 'even'}"}) + "\n"
                               for i in range(1, 9)))
    base = {"model": str(tiny_dir), "data": str(prompts), "reward": "tie_reward:half_tie",
            "out": str(tmp_path / "best.jsonl"), "pairs": None, "n": 3, "temperature": 1.0, "top_p": 1.0,
            "max_new_tokens": 6, "max_prompts": None, "template": "chatml", "seed": 0,
            "skip_invalid": False, "keep_ties": False, "min_reward": None}
    return SimpleNamespace(**{**base, **kw})


def test_best_of_n_skips_prompts_whose_samples_all_tie(tiny_dir, tmp_path, monkeypatch, capsys):
    """Old code wrote a 'best' answer for every prompt, even when all n samples failed alike."""
    from posttrain.feedback.best_of_n import run_best_of_n
    (tmp_path / "tie_reward.py").write_text(TIE_REWARD)
    monkeypatch.syspath_prepend(str(tmp_path))
    args = _tie_args(tiny_dir, tmp_path)
    got = run_best_of_n(args)
    out = Path(args.out)
    rows = [json.loads(l) for l in out.read_text().splitlines()]
    assert len(rows) == 4 and all("even" in r["messages"][0]["content"] for r in rows)
    assert got["skipped"] == 4
    assert "4 prompts skipped" in capsys.readouterr().err
    # the old behaviour on request
    got = run_best_of_n(_tie_args(tiny_dir, tmp_path, keep_ties=True))
    assert got["skipped"] == 0 and len(out.read_text().splitlines()) == 8
    # a floor: prompts whose best sample scores below it all failed, though their rewards differ
    got = run_best_of_n(_tie_args(tiny_dir, tmp_path, keep_ties=True, min_reward=1e9))
    assert got["skipped"] == 8 and out.read_text() == ""


def test_select_counts_by_hand():
    from posttrain.feedback.best_of_n import select
    results = [{"rewards": [0.0, 0.0]}, {"rewards": [1.0, 0.0]}, {"rewards": [0.5, 0.2]}, {"rewards": [1.0, 1.0]},
               {"rewards": []}]  # the last: no sample could be scored
    assert [results.index(r) for r in select(results)] == [1, 2]
    assert [results.index(r) for r in select(results, min_reward=0.6)] == [1]
    assert [results.index(r) for r in select(results, keep_ties=True, min_reward=0.6)] == [1, 3]
    assert select(results, keep_ties=True) == results[:4]


def test_unscored_samples_are_left_out():
    """A reward of None (a reward model's too-long row) is never the best nor the worst."""
    import posttrain.feedback.best_of_n as bon
    rewards = iter([None, 0.2, 0.9, None, None, None])
    got = bon.best_of_n(Numbered(), [["p1"], ["p2"]], lambda c, s, **kw: [next(rewards) for _ in s], n=3)
    assert got[0]["samples"] == ["s1", "s2"] and got[0]["best"] == 1 and got[0]["worst"] == 0
    assert got[1]["rewards"] == [] and bon.select(got) == [got[0]]


def test_failed_samples_are_left_out_and_n_is_asked_of_the_backend():
    import posttrain.feedback.best_of_n as bon
    backend = Numbered(failed={0, 4})
    got = bon.best_of_n(backend, [["p1"], ["p2"]], lambda c, s, **kw: [float(len(x)) for x in s], n=3,
                        temperature=0.5, top_p=0.9, max_new_tokens=7)
    assert [r["samples"] for r in got] == [["s1", "s2"], ["s3", "s5"]]
    (convs, sampling), = backend.seen
    assert convs == [["p1"], ["p2"]] and (sampling.n, sampling.temperature, sampling.top_p) == (3, 0.5, 0.9)


class Numbered:
    """A chat backend answering s0, s1, ... (n per conversation); the replies numbered in `failed` fail."""

    def __init__(self, failed=()):
        self.failed, self.seen, self.name, self.errors = set(failed), [], "numbered", []

    def chat(self, convs, sampling, progress=None):
        self.seen.append((convs, sampling))
        return [Reply(None if i in self.failed else f"s{i}") for i in range(len(convs) * sampling.n)]
