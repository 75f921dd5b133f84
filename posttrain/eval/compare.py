"""Before/after comparison of model folders; `main_eval` is `posttrain eval`.

For each model: benchmark accuracy (`contains`, `exact`; greedy), in-domain perplexity on a
conversations file (assistant tokens only, rendered exactly as in training) and out-of-domain
perplexity on plain text (the first `ood_tokens` tokens, for speed). Perplexities are
token-weighted (`eval.perplexity`). Every model is scored with the same files and settings; with
`template=None` each model uses its own chat template (a base model without one gets the guess
of `chat.resolve_template`), so pass `template` to hold the prompt format fixed across models.
"""

from __future__ import annotations

import gc
import json
import math
import sys
import textwrap
from pathlib import Path

from posttrain.data.batching import render_all
from posttrain.data.formats import load_conversations
from posttrain.data.readers import read_text
from posttrain.eval.benchmark import BenchResult, format_table, load_items, pct, run_benchmark
from posttrain.eval.perplexity import perplexity, text_examples
from posttrain.eval.retention import fewshot_benchmark, known, retention
from posttrain.infer.load import load_for_inference

HOW_TO_READ = ("How to read: accuracy higher is better (contains = an answer appears as whole words; exact = the "
               "reply or its first sentence is an answer). Perplexity lower is better: in-domain falling means the "
               "model fits the training style; out-of-domain rising means it is forgetting general text.")


def ppl_in_domain(model, tokenizer, path: str, template: str | None, max_items: int | None, dtype: str) -> float:
    convs = load_conversations(path, limit=max_items)
    max_len = getattr(model.config, "max_position_embeddings", None) or 2048
    examples = render_all(tokenizer, convs, template, max_len, quiet=True)
    return perplexity(model, examples, tokenizer.pad_token_id, dtype=dtype)


def ppl_out_of_domain(model, tokenizer, text: str, dtype: str, max_tokens: int = 8192, seq_len: int = 512) -> float:
    seq_len = min(seq_len, getattr(model.config, "max_position_embeddings", None) or seq_len)
    examples = text_examples(tokenizer, text, seq_len=seq_len, max_tokens=max_tokens)
    if not examples:
        raise ValueError("out-of-domain text is shorter than two tokens")
    return perplexity(model, examples, tokenizer.pad_token_id, dtype=dtype)


def compare(models: list[str], benchmark: str | None = None, ppl_in: str | None = None, ppl_ood: str | None = None,
            template: str | None = None, max_items: int | None = None, dtype: str = "auto",
            max_new_tokens: int = 48, ood_tokens: int = 8192, retain: bool = False) -> list[dict]:
    """One dict per model: model, contains, exact, n_scored, ppl_in, ppl_ood (None where not measured), bench.
    With `retain` the first model is the base: its few-shot benchmark accuracy (`fewshot`) marks the items
    it knows, and every model gets `retention` (the share of those it answers right through its template)."""
    items = load_items(benchmark, limit=max_items) if benchmark else None
    if retain and not items:
        raise ValueError("retention needs a benchmark (the items the base model is asked)")
    ood_text = read_text(ppl_ood) if ppl_ood else None
    rows, base_known = [], None
    for path in models:
        print(f"[posttrain] evaluating {path}", file=sys.stderr)
        model, tokenizer = load_for_inference(path, dtype)
        row = {"model": path, "contains": None, "exact": None, "n_scored": 0, "ppl_in": None, "ppl_ood": None,
               "bench": None, "fewshot": None, "retention": None, "n_known": None}
        if items:
            bench = run_benchmark(model, tokenizer, items, template, max_new_tokens)
            row.update(contains=bench.contains_acc, exact=bench.exact_acc, n_scored=bench.n_scored, bench=bench)
        if retain:
            if base_known is None:
                few = fewshot_benchmark(model, tokenizer, items, max_new_tokens)
                base_known, row["fewshot"], row["fewshot_bench"] = known(few), few.contains_acc, few
            row["retention"], row["n_known"] = retention(base_known, bench)
        if ppl_in:
            row["ppl_in"] = ppl_in_domain(model, tokenizer, ppl_in, template, max_items, dtype)
        if ood_text is not None:
            row["ppl_ood"] = ppl_out_of_domain(model, tokenizer, ood_text, dtype, ood_tokens)
        rows.append(row)
        del model  # free one model's weights before loading the next
        gc.collect()
    return rows


def _ppl(x: float | None) -> str:
    return "—" if x is None else (f"{x:.3f}" if math.isfinite(x) else "inf")


def _delta(first: float | None, last: float | None, percent: bool) -> str:
    if first is None or last is None or not (math.isfinite(first) and math.isfinite(last)):
        return ""
    d = last - first
    return f"{100 * d:+.1f} pt" if percent else f"{d:+.3f}"


def short_names(paths: list[str]) -> list[str]:
    """The fewest trailing path parts that tell the models apart: out/a/final, out/b/final → a/final, b/final."""
    parts = [Path(p).parts or (p,) for p in paths]
    for k in range(1, max(len(x) for x in parts) + 1):
        names = ["/".join(x[-k:]) for x in parts]
        if len(set(names)) == len(set(paths)):  # the same model given twice stays one name
            return names
    return list(paths)


def format_compare(rows: list[dict], name_width: int = 24) -> str:
    """Metrics down, models across; with two or more models a last column gives last − first."""
    names = [n if len(n) <= name_width else "…" + n[-name_width + 1:] for n in short_names([r["model"] for r in rows])]
    w = max([12] + [len(n) for n in names])
    metrics = [("benchmark contains acc", "contains", pct, True), ("benchmark exact acc", "exact", pct, True),
               ("base few-shot acc", "fewshot", pct, True), ("knowledge retention", "retention", pct, True),
               ("ppl in-domain", "ppl_in", _ppl, False), ("ppl out-of-domain", "ppl_ood", _ppl, False)]
    show_delta = len(rows) >= 2
    head = f"{'':<24}" + "".join(f"{n:>{w + 2}}" for n in names) + (f"{'change':>12}" if show_delta else "")
    lines = [head, "-" * len(head)]
    for label, key, fmt, percent in metrics:
        values = [r.get(key) for r in rows]
        if all(v is None for v in values):
            continue
        if key == "fewshot":  # measured on the base only: no change to show
            lines.append(f"{label:<24}" + "".join(f"{fmt(v) if v is not None else '':>{w + 2}}" for v in values))
            continue
        line = f"{label:<24}" + "".join(f"{fmt(v):>{w + 2}}" for v in values)
        if show_delta:
            line += f"{_delta(values[0], values[-1], percent):>12}"
        lines.append(line)
    n = {r.get("n_scored") for r in rows if r.get("n_scored")}
    if n:
        lines.append(f"({'/'.join(map(str, sorted(n)))} scored benchmark items)")
    if (k := next((r["n_known"] for r in rows if r.get("n_known") is not None), None)) is not None:
        lines.append(f"(retention: of the {k} items the first model answers right few-shot, the share answered right)")
    lines += textwrap.wrap(HOW_TO_READ, 100)
    return "\n".join(lines)


# ----------------------------------------------------------------------------- CLI entry points

def main_eval(models: list[str], benchmark: str | None = None, ppl: str | None = None, ppl_ood: str | None = None,
              template: str | None = None, max_items: int | None = None, show_items: bool = False,
              dtype: str = "auto", max_new_tokens: int = 48, out: str | None = None,
              retain: bool = False) -> list[dict]:
    """`posttrain eval`: print per-item tables (with show_items) and the comparison table; optionally save JSON."""
    if not (benchmark or ppl or ppl_ood):
        raise SystemExit("posttrain eval: give at least one of --benchmark, --ppl, --ppl-ood")
    rows = compare(models, benchmark, ppl, ppl_ood, template, max_items, dtype, max_new_tokens, retain=retain)
    for r in rows:
        if show_items and r.get("fewshot_bench") is not None:
            print(f"\n== {r['model']} (few-shot text prompt, no template)\n{format_table(r['fewshot_bench'])}")
        if show_items and r["bench"] is not None:
            print(f"\n== {r['model']}\n{format_table(r['bench'])}")
    print("\n" + format_compare(rows))
    if out:
        Path(out).write_text(json.dumps([_jsonable(r) for r in rows], indent=2) + "\n", encoding="utf-8")
    return rows


def _jsonable(row: dict) -> dict:
    bench: BenchResult | None = row.get("bench")
    out = {k: v for k, v in row.items() if k not in ("bench", "fewshot_bench")}
    if bench is not None:
        out["items"] = [{"instruction": r.instruction, "expected": r.expected, "got": r.got,
                         "contains": r.contains, "exact": r.exact, "family": r.family} for r in bench.rows]
    return out
