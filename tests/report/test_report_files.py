"""The report's statistics, report.json and the rendered page, on hand-built values (no model runs):
statistics by hand, JSON keys as scripts/readme_table.py reads them, HTML escaping, the Markdown text."""

from __future__ import annotations

import base64
import importlib.util
import json
import math
import re
from pathlib import Path

import pytest

from posttrain.eval.benchmark import BenchResult, Row, head_to_head
from posttrain.eval.benchmark import win_rate as bench_win_rate
from posttrain.eval.stats import Agreement, PairWinRate, WinRate
from posttrain.report.next_tokens import NextTokens
from posttrain.report.page import render_html, render_markdown, stage_rows, write_files
from posttrain.report.results import (Duel, HumanLabels, ModelReport, Report, Sample,
                                      human_labels)
from posttrain.serve.labels import LabelStore, agreement, comparisons, win_rates

ROOT = Path(__file__).resolve().parents[2]


def flat(page: str) -> str:
    """The page with whitespace runs made one space and none between tags (what a browser shows alike)."""
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", page))


def model(label: str, reply: str = "Paris.", right: bool | None = True, **kw) -> ModelReport:
    values = dict(label=label, path=f"out/{label}", contains=0.5, exact=0.25, n_scored=4, ppl_in=3.5, ppl_ood=9.0,
                  retention=None, fewshot=None, tasks={"arithmetic": 0.75},
                  samples=[Sample("What is the capital of France?", reply, right)],
                  shift=[NextTokens("What is the capital of France?", [" Paris", "\n"], [0.6, 0.3], [True, False],
                                    0.6, 0.3)],
                  harmful_compliance=None, over_refusal=None, metrics=[{"step": 1, "loss": 2.0}])
    return ModelReport(**{**values, **kw})


def sample_report() -> Report:
    duel = Duel("sft", "base", WinRate(1, 0, 2, 2 / 3, (0.2, 0.9)))
    human = HumanLabels("labels", 3, [PairWinRate("base", "sft", WinRate(1, 2, 0, 1 / 3, (0.06, 0.79)))],
                        Agreement(0, 0, None))
    judge = {"file": "judge.json", "judge": "rm", "pairs": 8, "decided": 6, "win_rate": 0.75, "ci95": [0.5, 0.9]}
    return Report([model("base", "The capital of France is", None), model("sft")], [duel], [judge], human, "the table")


def label_folder(tmp_path) -> LabelStore:
    """Five verdicts of two raters between configurations sft (shown as A) and base (B):
    i0 ann sft, i0 bob sft (agree), i1 ann base, i1 bob tie (disagree), i2 ann sft (one rater)."""
    store = LabelStore(tmp_path / "labels")
    verdicts = [("i0", "ann", "A"), ("i0", "bob", "A"), ("i1", "ann", "B"), ("i1", "bob", "tie"), ("i2", "ann", "A")]
    for k, (item, rater, verdict) in enumerate(verdicts):
        store.append("ties" if verdict == "tie" else "pairs",
                     [{"item": item, "rater": rater, "time": f"2026-12-02T10:00:0{k}", "verdict": verdict,
                       "shown": {"A": {"config": "sft"}, "B": {"config": "base"}}, "prompt": "q"}])
    return store


def test_human_statistics_by_hand(tmp_path):
    """First of the pair (alphabetically) is base: 1 win (i1 ann), 3 losses, 1 tie, n = 5,
    rate = (1 + 1/2) / 5 = 0.3. Wilson, z = 1.96, p = 0.3: d = 1 + z²/5 = 1.76832,
    centre = (p + z²/10) / d = 0.386898, half = z √(p(1-p)/5 + z²/100) / d = 0.314315 → [0.072583, 0.701213].
    Agreement: items i0 and i1 have two raters, one pair each, i0's agree → 1/2."""
    label_folder(tmp_path)
    human = human_labels(str(tmp_path / "labels"))
    (pair,) = human.win_rates
    assert (pair.first, pair.second, pair.result.wins, pair.result.losses, pair.result.ties) == ("base", "sft", 1, 3, 1)
    assert pair.result.n == 5 and pair.result.rate == pytest.approx(0.3)
    assert pair.result.ci95 == pytest.approx((0.072583, 0.701213), abs=1e-5)
    assert human.comparisons == 5 and human.agreement == Agreement(items=2, rater_pairs=2, rate=0.5)


def test_human_statistics_match_the_label_review(tmp_path):
    """The report and `posttrain serve`'s label review give the same numbers for the same folder."""
    rows = comparisons(label_folder(tmp_path))
    human = human_labels(str(tmp_path / "labels")).to_dict()
    assert human["win_rates"] == [w.to_dict() for w in win_rates(rows)]
    assert human["agreement"] == agreement(rows).to_dict()


def test_benchmark_duel_by_hand():
    """new right/wrong: T F T (unscored); old: F F T T. The unscored item drops out; item 0 is a win,
    items 1 and 2 ties: wins 1, losses 0, ties 2, rate (1 + 2/2) / 3 = 2/3; as benchmark.win_rate says."""
    new = BenchResult([Row("q", ["a"], "a", c, c) for c in (True, False, True, None)])
    old = BenchResult([Row("q", ["a"], "a", c, c) for c in (False, False, True, True)])
    result = head_to_head(new, old)
    assert (result.wins, result.losses, result.ties, result.n) == (1, 0, 2, 3)
    assert result.rate == pytest.approx(2 / 3)
    row = Duel("new", "old", result).to_dict()
    expected = bench_win_rate(new, old)
    assert row == {"new": "new", "old": "old", **{k: expected[k] for k in ("n", "wins", "losses", "ties", "win_rate")}}


def test_report_json_keys_and_the_readme_table(tmp_path):
    data = json.loads(json.dumps(sample_report().to_dict()))
    assert list(data) == ["models", "duels", "judges", "human", "table"]
    assert list(data["models"][0]) == ["label", "path", "contains", "exact", "n_scored", "ppl_in", "ppl_ood",
                                       "retention", "fewshot", "tasks", "samples", "shift", "harmful_compliance",
                                       "over_refusal", "metrics"]
    assert data["models"][0]["samples"][0] == {"prompt": "What is the capital of France?",
                                               "reply": "The capital of France is", "right": None}
    assert list(data["models"][0]["shift"][0]) == ["prompt", "tokens", "probs", "answer_style", "answer_mass",
                                                   "continuation_mass"]
    assert data["duels"] == [{"new": "sft", "old": "base", "n": 3, "wins": 1, "losses": 0, "ties": 2,
                              "win_rate": pytest.approx(2 / 3)}]
    assert data["human"] == {"folder": "labels", "comparisons": 3, "agreement": {"items": 0, "rater_pairs": 0,
                                                                                "agreement": None},
                             "win_rates": [{"first": "base", "second": "sft", "wins": 1, "losses": 2, "ties": 0,
                                            "n": 3, "win_rate": pytest.approx(1 / 3), "ci95": [0.06, 0.79]}]}
    spec = importlib.util.spec_from_file_location("readme_table", ROOT / "scripts" / "readme_table.py")
    readme_table = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(readme_table)
    text = readme_table.table(data)
    assert "| base | sft |" in text and "| held-out arithmetic accuracy | 75.0% | 75.0% |" in text


def test_page_escapes_what_models_and_people_wrote():
    report = sample_report()
    report.models[1] = model("sft", reply="<script>alert('x')</script> & more")
    report.judges[0]["judge"] = "<img src=x onerror=alert(1)>"
    page = flat(render_html(report, [], "run <1>"))
    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more" in page
    assert "<title>run &lt;1&gt;</title>" in page and "<h1>run &lt;1&gt;</h1>" in page


def test_page_tables_and_embedded_figures(tmp_path):
    png = tmp_path / "forgetting.png"
    png.write_bytes(b"\x89PNG not really")
    page = flat(render_html(sample_report(), [("Perplexity <forgetting>", png)], "run"))
    b64 = base64.b64encode(png.read_bytes()).decode()
    assert (f'<img alt="Perplexity &lt;forgetting&gt;" src="data:image/png;base64,{b64}">'
            "<figcaption>Perplexity &lt;forgetting&gt;</figcaption>") in page
    assert "<tr><td>sft</td><td>base</td><td>1</td><td>0</td><td>2</td><td>66.7%</td></tr>" in page
    assert "<td>rm</td><td>8</td><td>6</td><td>75.0%</td><td>[50.0%, 90.0%]</td>" in page
    assert "Human win rates (3 blind comparisons in labels; rater agreement —)" in page
    assert "<td>33.3%</td><td>[6.0%, 79.0%]</td>" in page
    assert "<td>Paris.<b> ✓</b></td>" in page and "<td>The capital of France is<b></b></td>" in page
    assert "http://" not in page and "https://" not in page


def test_stage_rows_skip_what_no_model_measured():
    rows = stage_rows([model("base", ppl_ood=math.inf), model("sft")])
    assert [r.name for r in rows] == ["benchmark contains", "benchmark exact", "task arithmetic (held-out)",
                                      "ppl in-domain", "ppl out-of-domain"]
    assert rows[0].cells == ["50.0%", "50.0%"] and rows[4].cells == ["inf", "9.000"]


def test_markdown_and_files(tmp_path):
    png = tmp_path / "accuracy.png"
    png.write_bytes(b"png")
    report = sample_report()
    text = render_markdown(report, [("Accuracy", png)], "run")
    assert text == "# run\n\n```\nthe table\n```\n\n![Accuracy](accuracy.png)\n\n"
    assert render_markdown(report, [], "run") == "# run\n\n```\nthe table\n```\n\n"
    page = write_files(report, [("Accuracy", png)], "run", tmp_path)
    assert page == tmp_path / "report.html" and sorted(p.name for p in tmp_path.iterdir()) == [
        "accuracy.png", "report.html", "report.json", "report.md"]
    assert json.loads((tmp_path / "report.json").read_text())["table"] == "the table"


def test_templates_ship_with_the_package():
    """Every template is declared package data (an installed copy renders the same page)."""
    import tomllib  # noqa: PLC0415

    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["posttrain"]
    shipped = {p for pattern in globs for p in (ROOT / "posttrain").glob(pattern)}
    templates = set((ROOT / "posttrain" / "report" / "templates").iterdir())
    assert templates and templates <= shipped
