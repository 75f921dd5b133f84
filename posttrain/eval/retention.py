"""Knowledge retention: of the benchmark items the base model gets right as a few-shot text
completer, the share a tuned model still gets right through its chat template.

Fine-tuning can teach the shape of an answer while overwriting what the model knew. Benchmark
accuracy alone cannot tell "never knew it" from "forgot it"; this does: the base model's few-shot
answers (posttrain.infer.fewshot, no template) mark what it knows, and retention is the tuned model's
accuracy on exactly those items. 100% means nothing the base knew was lost.
"""

from __future__ import annotations

from posttrain.eval.benchmark import BenchResult, Item, score
from posttrain.infer.fewshot import fewshot_generate


def fewshot_benchmark(model, tokenizer, items: list[Item], max_new_tokens: int = 48) -> BenchResult:
    """The benchmark answered by a base model through the few-shot prompt (greedy)."""
    answers = fewshot_generate(model, tokenizer, [it.instruction for it in items], max_new_tokens=max_new_tokens,
                               progress="few-shot")
    return score(items, [text for text, _ in answers])


def known(base: BenchResult) -> list[bool]:
    """Per item: the base answered it right (contains). Items without answers are never known."""
    return [bool(r.contains) for r in base.rows]


def retention(base_known: list[bool], tuned: BenchResult) -> tuple[float | None, int]:
    """(share of the known items the tuned model answers right, number of known items)."""
    kept = [bool(r.contains) for k, r in zip(base_known, tuned.rows, strict=True) if k]
    return (sum(kept) / len(kept) if kept else None), len(kept)
