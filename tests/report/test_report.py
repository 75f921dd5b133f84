"""`posttrain report`: the figures and the self-contained page from a base and a tuned tiny model, and the
probability-shift measure by hand."""

from __future__ import annotations

import json
import re

import pytest
import torch

from posttrain.commands.cli import main
from posttrain.model.hf import load_model, load_tokenizer
from posttrain.report.figures import metric_groups
from posttrain.report.next_tokens import is_answer_start, next_tokens
from posttrain.serve.labels import LabelStore

COMMON = ["max_len=64", "batch_size=2", "dtype=fp32", "progress=false", "template=chatml"]


def make_report(tiny_dir, sft_file, tmp_path):
    sft = tmp_path / "sft"
    assert main(["sft", f"model={tiny_dir}", f"data={sft_file}", f"output_dir={sft}", "max_steps=3",
                 f"eval_data={sft_file}", "eval_every=2", *COMMON]) == 0
    bench = tmp_path / "bench.jsonl"
    bench.write_text("".join(json.dumps({"instruction": f"What is {i} plus 1?", "answers": [str(i + 1)]}) + "\n"
                             for i in range(3)))
    ood = tmp_path / "ood.txt"
    ood.write_text("The quick brown fox jumps over the lazy dog. " * 40)
    labels = LabelStore(tmp_path / "labels")  # two raters' blind verdicts, as `posttrain serve` writes them
    labels.append("pairs", [{"item": f"i{k}", "rater": r, "time": f"2026-12-02T10:0{k}:0{j}", "verdict": v,
                             "shown": {"A": {"config": "sft"}, "B": {"config": "base"}}, "prompt": "q"}
                            for k, (r, v) in enumerate((("ann", "A"), ("bob", "A"), ("ann", "B"))) for j in (0,)])
    judge = tmp_path / "judge.json"
    judge.write_text(json.dumps({"judge": "rm", "pairs": 8, "decided": 6, "win_rate": 0.75, "ci95": [0.5, 0.9]}))
    out = tmp_path / "report"
    assert main(["report", f"base={tiny_dir}", f"sft={sft}", "--out", str(out), "--benchmark", str(bench),
                 "--labels", str(tmp_path / "labels"), "--judge_reports", f"[{judge}]",
                 "--ppl", str(sft_file), "--ppl_ood", str(ood), "--max_items", "3", "--max_new_tokens", "8",
                 "--template", "chatml", "--shift_prompts", "2", "--title", "tiny run"]) == 0
    return out


def test_report_writes_every_figure_as_png_and_inside_the_page(tiny_dir, sft_file, tmp_path):
    out = make_report(tiny_dir, sft_file, tmp_path)
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert pngs == ["accuracy.png", "curves_sft.png", "forgetting.png", "probability_shift.png"]
    page = (out / "report.html").read_text()
    assert len(re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', page)) == len(pngs)
    assert "http://" not in page and "https://" not in page  # self-contained: nothing to fetch
    data = json.loads((out / "report.json").read_text())
    assert [m["label"] for m in data["models"]] == ["base", "sft"]
    for m in data["models"]:
        assert m["ppl_in"] > 1 and m["ppl_ood"] > 1 and len(m["samples"]) == len(data["models"][0]["samples"])
        for s in m["shift"]:
            assert abs(s["answer_mass"] + s["continuation_mass"] - sum(s["probs"])) < 1e-6 and sum(s["probs"]) <= 1 + 1e-6
    assert data["duels"][0]["new"] == "sft" and data["duels"][0]["n"] == 3
    assert data["models"][0]["samples"][0]["right"] is None  # the base continues text: nothing to check
    (human,) = data["human"]["win_rates"]
    assert (human["first"], human["second"], human["wins"], human["losses"]) == ("base", "sft", 1, 2)
    # by hand: rate 1/3; Wilson (z = 1.96, n = 3, p = 1/3): d = 1 + z²/3 = 2.28053,
    # centre = (p + z²/6) / d = 0.426919, half = z √(p(1-p)/3 + z²/36) / d = 0.365428 → [0.061490, 0.792345]
    assert human["win_rate"] == pytest.approx(1 / 3) and human["ci95"] == pytest.approx([0.061490, 0.792345], abs=1e-5)
    duel = data["duels"][0]
    assert duel["win_rate"] == pytest.approx((duel["wins"] + duel["ties"] / 2) / duel["n"])
    assert "Human win rates (3 blind comparisons" in page and "Judge win rates" in page and "75.0%" in page


def test_next_tokens_by_hand(tiny_dir):
    model, tok = load_model(str(tiny_dir)).eval(), load_tokenizer(str(tiny_dir))
    nt = next_tokens(model, tok, "What is the capital of France?", ["Paris"], chat=False, top=5)
    with torch.no_grad():
        ids = tok("What is the capital of France?").input_ids
        probs = torch.softmax(model(torch.tensor([ids])).logits[0, -1].float(), -1)
    top = probs.topk(5)
    assert [tok.decode([i]).replace("\n", "⏎") for i in top.indices.tolist()] == nt.tokens
    assert torch.allclose(top.values, torch.tensor(nt.probs), atol=1e-5)
    assert nt.answer_mass == sum(p for p, s in zip(nt.probs, nt.answer_style) if s)


def test_answer_style_tokens():
    assert is_answer_start(" Par", ["Paris"]) and is_answer_start("Paris", ["Paris"]) and is_answer_start(" The", [])
    assert not is_answer_start("\n", ["Paris"]) and not is_answer_start(" What", ["Paris"])
    assert not is_answer_start("?", ["Paris"])


def test_metric_panels_pair_train_and_held_out():
    rows = [{"step": 1, "loss": 2.0, "lr": 1e-3, "tokens_per_s": 9.0, "margin": 0.1, "kl": 0.0},
            {"step": 2, "eval_loss": 1.9, "eval_accuracy": 0.5}]
    assert metric_groups(rows) == ["loss", "margin", "kl", "accuracy"]
