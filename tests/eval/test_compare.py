"""`compare` / `posttrain eval` and the sheet entry points on the tiny model from conftest."""

import json
import math

import pytest

import posttrain.eval.benchmark

from conftest import corpus_text
from posttrain.eval.compare import compare, format_compare, main_eval
from posttrain.eval.sheets import main_sheet_export, main_sheet_import

BENCH = [{"instruction": "What is the capital of France?", "answers": ["Paris"]},
         {"instruction": "What is 2 plus 2?", "answers": ["4"]},
         {"instruction": "Write a haiku.", "answers": []}]


@pytest.fixture()
def files(tmp_path, sft_file):
    bench = tmp_path / "bench.jsonl"
    bench.write_text("".join(json.dumps(r) + "\n" for r in BENCH))
    ood = tmp_path / "ood.txt"
    ood.write_text(corpus_text()[:3000])
    return str(bench), str(sft_file), str(ood)


@pytest.fixture()
def fake_engine(monkeypatch):
    """A stand-in for `posttrain.infer.generation.chat_generate` (as the benchmark sees it) with fixed answers, so accuracy is known."""
    def chat_generate(model, tokenizer, conversations, template=None, **kw):
        return ["The capital is Paris." if "France" in c[-1]["content"] else "It is 14." for c in conversations]

    monkeypatch.setattr(posttrain.eval.benchmark, "chat_generate", chat_generate)


def test_compare_real_engine_finite(tiny_dir, files):
    bench, ppl_in, ood = files
    [row] = compare([str(tiny_dir)], bench, ppl_in, ood, max_items=8, dtype="fp32", max_new_tokens=4)
    assert row["n_scored"] == 2 and 0.0 <= row["contains"] <= 1.0 and 0.0 <= row["exact"] <= 1.0
    # an untrained model over a 400-token vocabulary: ppl is finite and of the order of the vocabulary
    assert math.isfinite(row["ppl_in"]) and math.isfinite(row["ppl_ood"])
    assert 10 < row["ppl_in"] < 5000 and 10 < row["ppl_ood"] < 5000


def test_compare_two_models_table(tiny_dir, files, fake_engine, capsys, tmp_path):
    bench, ppl_in, ood = files
    out = tmp_path / "eval.json"
    rows = main_eval([str(tiny_dir), str(tiny_dir)], bench, ppl_in, ood, max_items=4, show_items=True, dtype="fp32",
                     out=str(out))
    # fake answers: France ✓ contains (not exact), "It is 14." ✗ for "4" → contains 1/2, exact 0/2
    assert [(r["contains"], r["exact"], r["n_scored"]) for r in rows] == [(0.5, 0.0, 2)] * 2
    assert rows[0]["ppl_in"] == pytest.approx(rows[1]["ppl_in"])  # same model, same numbers
    printed = capsys.readouterr().out
    assert "✓ ✗  What is the capital of France?" in printed and "accuracy: contains 50.0%" in printed
    table = format_compare(rows).splitlines()
    assert table[0].split() == ["base", "base", "change"]
    assert table[2].split() == ["benchmark", "contains", "acc", "50.0%", "50.0%", "+0.0", "pt"]
    assert table[4].startswith("ppl in-domain") and table[5].startswith("ppl out-of-domain")
    assert "(2 scored benchmark items)" in table[6] and "forgetting" in format_compare(rows)
    saved = json.loads(out.read_text())
    assert saved[0]["items"][0]["got"] == "The capital is Paris." and saved[0]["contains"] == 0.5


def test_format_compare_skips_unmeasured_rows():
    rows = [{"model": "a/base", "contains": None, "exact": None, "ppl_in": 12.0, "ppl_ood": 30.0},
            {"model": "b/sft", "contains": None, "exact": None, "ppl_in": 4.5, "ppl_ood": 33.25}]
    lines = format_compare(rows).splitlines()
    assert [ln.split()[:2] for ln in lines[2:4]] == [["ppl", "in-domain"], ["ppl", "out-of-domain"]]
    assert lines[2].split()[-3:] == ["12.000", "4.500", "-7.500"] and lines[3].split()[-1] == "+3.250"


def test_sheet_export_then_import(tiny_dir, files, fake_engine, tmp_path, capsys):
    bench, _, _ = files
    sheet = main_sheet_export([str(tiny_dir)], bench, str(tmp_path / "rate.md"))
    text = sheet.read_text()
    assert "The capital is Paris." in text and text.count("|  |  |  |  |\n") == 3
    sheet.write_text(text.replace("|  |  |  |  |\n", "| 4 | 2 | 5 |  |\n"))
    summary = main_sheet_import(str(sheet))
    assert summary == {str(tiny_dir): {"helpfulness": (4.0, 3), "accuracy": (2.0, 3), "clarity": (5.0, 3)}}
    assert "4.00 (n=3)" in capsys.readouterr().out


def test_main_eval_needs_something_to_measure(tiny_dir):
    with pytest.raises(SystemExit):
        main_eval([str(tiny_dir)])


def test_short_names():
    from posttrain.eval.compare import short_names

    assert short_names(["out/a/final", "out/b/final"]) == ["a/final", "b/final"]
    assert short_names(["out/base", "out/sft"]) == ["base", "sft"]
    assert short_names(["out/base", "out/base"]) == ["base", "base"]
    assert short_names(["Qwen/Qwen3-0.6B", "out/sft"]) == ["Qwen3-0.6B", "sft"]


def test_retention_counts_by_hand(tiny_dir, files, fake_engine, monkeypatch, capsys):
    """The base knows (few-shot) France and 2+2; a tuned model answering France only keeps 1 of 2 = 50%.
    The few-shot answers come from the text prompt, not from the chat engine."""
    import posttrain.eval.retention as ret
    bench, _, _ = files
    seen = []

    def fewshot(model, tok, questions, **kw):
        seen.extend(questions)
        return [("Paris." if "France" in q else "4." if "2 plus 2" in q else "a haiku", True) for q in questions]
    monkeypatch.setattr(ret, "fewshot_generate", fewshot)
    rows = main_eval([str(tiny_dir), str(tiny_dir)], bench, max_items=4, show_items=True, dtype="fp32", retain=True)
    assert seen == [b["instruction"] for b in BENCH]  # once, for the base only
    assert rows[0]["fewshot"] == 1.0 and rows[0]["n_known"] == 2
    assert [r["retention"] for r in rows] == [0.5, 0.5]
    table = format_compare(rows)
    assert "base few-shot acc" in table and "knowledge retention" in table and "of the 2 items" in table
    assert "(few-shot text prompt, no template)" in capsys.readouterr().out


def test_retention_by_hand():
    from posttrain.eval.benchmark import Item, score
    from posttrain.eval.retention import known, retention
    items = [Item("q1", ["Lima"]), Item("q2", ["Rome"]), Item("q3", ["Oslo"]), Item("q4", [])]
    base = score(items, ["Lima.", "It is Rome.", "Bergen", "d"])
    assert known(base) == [True, True, False, False]
    assert retention(known(base), score(items, ["Lima", "Milan", "Oslo", "d"])) == (0.5, 2)
    assert retention([False] * 4, base) == (None, 0)
