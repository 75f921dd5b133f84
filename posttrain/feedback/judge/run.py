"""`posttrain judge JUDGE DATA --out pairs.jsonl`: AI feedback as preference pairs (or grades).

Pairwise rows: `prompt` (a string or messages) with two answers as `a`/`b`, `completions: [a, b]`,
or `chosen`/`rejected` (re-judging existing pairs); optional `model_a`/`model_b`. Each pair is judged
in both orders (`verdicts`); decided pairs are written as `prompt`/`chosen`/`rejected` with both
verdicts and the judge's reasoning, ties to `--ties` if given. Single rows: `prompt` + `completion`
(or `answer`); each gets a 1–10 rating.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from posttrain.core.config import ConfigError
from posttrain.data.formats import load_rows
from posttrain.data.readers import DataError, write_jsonl
from posttrain.feedback.judge.backends import load_template, make_judge
from posttrain.feedback.judge.verdicts import Verdict, combine, combine_mean, swap, win_rate


def question_text(prompt) -> str:
    """A prompt as the judge reads it: the text, or a multi-turn conversation as 'role: content' lines."""
    if isinstance(prompt, str):
        return prompt
    if len(prompt) == 1:
        return prompt[0]["content"]
    return "\n".join(f"{m['role']}: {m['content']}" for m in prompt)


def _text(row: dict, key: str, where: str) -> str:
    v = row.get(key)
    if not isinstance(v, str) or not v.strip():
        raise DataError(f"{where}: field '{key}': expected a non-empty string, found {v!r:.40}")
    return v


def _prompt(row: dict, where: str):
    p = row.get("prompt")
    if isinstance(p, str) and p.strip():
        return p
    if isinstance(p, list) and p and all(isinstance(m, dict) and isinstance(m.get("content"), str) for m in p):
        return p
    raise DataError(f"{where}: field 'prompt': expected a string or a list of messages, found {p!r:.40}")


def to_judge_pair(row: dict, where: str) -> dict:
    if isinstance(row.get("completions"), list) and len(row["completions"]) == 2:
        a, b = row["completions"]
        row = {**row, "a": a, "b": b}
    keys = ("a", "b") if "a" in row or "b" in row else ("chosen", "rejected")
    return {"prompt": _prompt(row, where), "a": _text(row, keys[0], where), "b": _text(row, keys[1], where),
            "model_a": row.get("model_a"), "model_b": row.get("model_b")}


def to_judge_single(row: dict, where: str) -> dict:
    key = "completion" if "completion" in row else "answer"
    return {"prompt": _prompt(row, where), "answer": _text(row, key, where)}


def judge_pairs(judge, rows: list[dict], swap_rule: str = "agree", margin: float = 0.0) -> tuple[list[dict], dict]:
    """Judge every pair in both orders; (rows with the outcome, summary). `judge(jobs)` gives a `Verdict`
    per job. swap_rule "agree": the two verdicts must name the same answer (else a tie); "mean": letter
    probabilities averaged over the orders."""
    jobs = [(question_text(r["prompt"]), r["a"], r["b"]) for r in rows]
    verdicts: list[Verdict] = judge(jobs + [(q, b, a) for q, a, b in jobs])
    n = len(rows)
    out, counts = [], {"pairs": n, "decided": 0, "ties": 0, "inconsistent": 0, "unparsable": 0, "judge_errors": 0}
    if swap_rule == "mean":
        counts["within_margin"] = 0
    for i, r in enumerate(rows):
        first, second = verdicts[i], verdicts[n + i]
        counts["judge_errors"] += first.failed + second.failed
        v1, v2 = first.winner, swap(second.winner)
        extra = {}
        if swap_rule == "mean":
            outcome, why, extra["p_a_better"] = combine_mean(first, second, margin)
            counts["inconsistent"] += v1 is not None and v2 is not None and v1 != v2
        else:
            outcome, why = combine(v1, v2)
        counts["decided" if outcome != "tie" else "ties"] += 1
        if why in counts:
            counts[why] += 1
        out.append({**r, "outcome": outcome, "why": why, "verdicts": [v1, v2], "reasoning": [first.text, second.text],
                    **extra})
    return out, {**counts, **win_rate([r["outcome"] for r in out])}


def judge_singles(judge, rows: list[dict]) -> tuple[list[dict], dict]:
    verdicts: list[Verdict] = judge([(question_text(r["prompt"]), r["answer"]) for r in rows])
    out = [{**r, "rating": v.rating, "reasoning": v.text} for r, v in zip(rows, verdicts)]
    rated = [r["rating"] for r in out if r["rating"] is not None]
    return out, {"rows": len(out), "rated": len(rated), "unparsable": len(out) - len(rated),
                 "mean_rating": sum(rated) / len(rated) if rated else None}


def run_judge(a) -> dict:
    if not a.judge or not a.data:
        raise ValueError("judge needs JUDGE (a model folder, a reward-model folder or an endpoint URL) and DATA")
    if a.verdict == "logprobs" and a.mode != "pairwise":
        raise ConfigError("--verdict logprobs decides pairs (mode=pairwise); a rating needs a written judgement")
    if a.swap_rule == "mean" and a.verdict != "logprobs":
        raise ConfigError("--swap_rule mean averages letter probabilities: it needs --verdict logprobs")
    template = load_template(a.template, a.mode)
    convert = to_judge_pair if a.mode == "pairwise" else to_judge_single
    rows = load_rows(a.data, convert, a.skip_invalid, limit=a.limit)
    judge = make_judge(a.judge, template, a.judge_model, a.api_key_env, a.timeout, a.workers, a.max_new_tokens,
                       a.verdict)
    if a.mode == "single":
        out, summary = judge_singles(judge, rows)
        write_jsonl(a.out, out)
    else:
        judged, summary = judge_pairs(judge, rows, a.swap_rule, a.margin)
        pairs = []
        for r in judged:
            if r["outcome"] == "tie":
                continue
            win, lose = ("a", "b") if r["outcome"] == "A" else ("b", "a")
            pairs.append({"prompt": r["prompt"], "chosen": r[win], "rejected": r[lose],
                          "chosen_model": r[f"model_{win}"], "rejected_model": r[f"model_{lose}"],
                          "judge": judge.name, "verdicts": r["verdicts"], "reasoning": r["reasoning"],
                          **({"p_a_better": r["p_a_better"]} if "p_a_better" in r else {})})
        write_jsonl(a.out, pairs)
        if a.ties:
            write_jsonl(a.ties, [r for r in judged if r["outcome"] == "tie"])
    errors = getattr(judge, "errors", [])
    summary["judge"] = judge.name
    if errors:
        summary["judge_error_sample"] = errors[:3]
    if a.report:
        Path(a.report).write_text(json.dumps(summary, indent=2))
    print(format_summary(summary, a.mode, a.out), file=sys.stderr)
    return summary


def format_summary(s: dict, mode: str, out: str) -> str:
    if mode == "single":
        mean = "n/a" if s["mean_rating"] is None else f"{s['mean_rating']:.2f}"
        return f"judge {s['judge']}: {s['rated']}/{s['rows']} rated (mean {mean}), {s['unparsable']} unparsable → {out}"
    wr = "n/a" if s["win_rate"] is None else f"{100 * s['win_rate']:.1f}% [{100 * s['ci95'][0]:.1f}, {100 * s['ci95'][1]:.1f}]"
    return (f"judge {s['judge']}: {s['pairs']} pairs judged in both orders → {s['decided']} decided, {s['ties']} ties "
            f"({s['inconsistent']} inconsistent across orders, {s['unparsable']} unparsable, {s['judge_errors']} judge "
            f"errors); win rate of a over b {wr} (95% bootstrap); pairs → {out}")
