"""`posttrain corrections MODEL --task arithmetic`: on-policy preference pairs from a task's own mistakes.

The model answers every problem of the task greedily; each wrong reply whose last number can be
replaced by the right result becomes a pair — the reply as written (rejected) against the same reply
with its result corrected (chosen) — so the pair differs only where the model went wrong. The
train problems give the training pairs, the held-out problems the held-out pairs (and the model's
accuracy on each split, before any preference step).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from posttrain.data.readers import write_jsonl
from posttrain.eval.tasks import correct_last_number, last_number, load_task
from posttrain.infer.backend import ChatBackend, Sampling
from posttrain.infer.generation import LocalChat


def correction_pairs(backend: ChatBackend, rows: list[dict], new_tokens: int) -> tuple[list[dict], float]:
    """(pairs from the wrong replies, the share of rows answered right); the replies are greedy. A reply
    the backend failed to give counts as wrong and gives no pair."""
    replies = [r.text for r in backend.chat([r["prompt"] for r in rows], Sampling(max_new_tokens=new_tokens),
                                            progress="answering")]
    pairs, right = [], 0
    for r, reply in zip(rows, replies):
        if reply is None:
            continue
        if last_number(reply) in r["answers"]:
            right += 1
        elif (fixed := correct_last_number(reply, r["answers"][0])) is not None:
            pairs.append({"prompt": r["prompt"], "chosen": fixed, "rejected": reply})
    return pairs, right / len(rows)


def run_corrections(a) -> dict:
    if not a.model:
        raise ValueError("corrections needs MODEL")
    task = load_task(a.task)
    if not all(r.get("answers") for r in task.train + task.heldout):
        raise ValueError(f"task {a.task}: corrections need problems with known answers")
    backend = LocalChat.load(a.model, a.template)
    summary = {"task": a.task, "model": a.model}
    for split, rows, path in (("train", task.train, a.out), ("heldout", task.heldout, a.out_heldout)):
        pairs, acc = correction_pairs(backend, rows, a.max_new_tokens)
        write_jsonl(path, pairs)
        summary[split] = {"problems": len(rows), "accuracy": acc, "pairs": len(pairs)}
    if a.report:
        Path(a.report).write_text(json.dumps(summary, indent=1))
    print(f"corrections: {a.model} on {a.task}: train {100 * summary['train']['accuracy']:.0f}% right → "
          f"{summary['train']['pairs']} pairs in {a.out}; held-out {100 * summary['heldout']['accuracy']:.0f}% → "
          f"{summary['heldout']['pairs']} pairs in {a.out_heldout}", file=sys.stderr)
    return summary
