"""`posttrain distill`: the base model's own answers, in chat form, as SFT data (self-distillation).

A base model already knows much of what an assistant should say; what it lacks is the shape. Shown
a few question/answer examples (posttrain.infer.fewshot) it answers in that shape, and those answers,
filtered, become SFT data. Training on answers in the model's own words moves it least from what it
knew, so it forgets least (the reason Llama 2/3 and Tulu sample their SFT data from their own models).

Each question is answered `n` times (greedy when n=1); a sample is kept only if it passes every check:
- finished: it ended on its own (a blank line, the next question, EOS), not at `max_new_tokens`;
- not empty, not shorter than `min_words`;
- not repetitive (a word 3-gram repeated, or a line repeated, beyond `max_repeat`);
- not the question copied back, and no "Question:"/"Answer:" marker leaked into it;
- right, when the row has `answers` (the benchmark's `contains` check);
- rewarded, when `reward` is given, at least `min_reward` (a reward-model folder is a judge).
The first sample (of the highest reward, with `reward`) that passes is written; a question with none
is dropped, and the reasons are counted.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

import torch

from posttrain.data.formats import load_rows, to_prompt_row
from posttrain.eval.benchmark import contains, normalize
from posttrain.infer.load import load_for_inference
from posttrain.infer.fewshot import A, Q, fewshot_generate, load_shots
from posttrain.eval.rewards import load_reward
from posttrain.eval.tasks import last_number

_NUMERIC = re.compile(r"-?\d[\d,]*(\.\d+)?")


def repetition(text: str) -> float:
    """The share of word 3-grams (and of lines) that repeat an earlier one: 0 for fresh text."""
    words = normalize(text, articles=False).split()
    grams = [tuple(words[i:i + 3]) for i in range(len(words) - 2)]
    lines = [x.strip().lower() for x in text.splitlines() if x.strip()]
    dup = lambda xs: 1 - len(set(xs)) / len(xs) if xs else 0.0  # noqa: E731
    return max(dup(grams), dup(lines))


def check(question: str, answer: str, finished: bool, answers: list[str] | None, min_words: int = 1,
          max_repeat: float = 0.3) -> str | None:
    """Why a sample fails (a short reason), or None when it passes the checks that need no model."""
    if not finished:
        return "unfinished"
    if len(answer.split()) < min_words:
        return "empty" if not answer.strip() else "too_short"
    if Q in answer or A in answer:
        return "marker"
    if normalize(answer) == normalize(question) or (len(question) > 24 and normalize(question) in normalize(answer)):
        return "echo"
    if repetition(answer) > max_repeat:
        return "repetitive"
    if answers and not right(answer, answers):
        return "wrong"
    return None


def right(answer: str, answers: list[str]) -> bool:
    """A numeric answer is judged by the reply's last number ("Subtract 24 from 48." → "24 - 48 = -12."
    contains 24 but is wrong); otherwise some answer occurs in the reply (`contains`)."""
    numeric = {a.replace(",", "") for a in answers if _NUMERIC.fullmatch(a.strip())}
    last = last_number(answer)
    if numeric and last is not None:
        return last in numeric
    return contains(answer, answers)


def distill(model, tokenizer, rows: list[tuple[list[dict], list[str] | None]], shots, n: int = 1,
            temperature: float = 0.7, top_p: float = 0.95, max_new_tokens: int = 96, reward=None,
            min_reward: float | None = None, min_words: int = 1, max_repeat: float = 0.3, seed: int = 0,
            batch_size: int = 16) -> tuple[list[dict], Counter]:
    """(kept rows {question, answer, reward}, reasons counted over the dropped samples and questions)."""
    questions = [msgs[-1]["content"] for msgs, _ in rows]
    torch.manual_seed(seed)
    greedy = n == 1
    samples = fewshot_generate(model, tokenizer, [q for q in questions for _ in range(n)], shots, max_new_tokens,
                               batch_size, progress="answering", temperature=0.0 if greedy else temperature,
                               top_p=top_p)
    reasons: Counter = Counter()
    candidates = []  # (row index, answer) that pass the model-free checks
    for k, (answer, finished) in enumerate(samples):
        i = k // n
        why = check(questions[i], answer, finished, rows[i][1], min_words, max_repeat)
        if why:
            reasons[why] += 1
        else:
            candidates.append((i, answer))
    scores = [None] * len(candidates)
    if reward is not None and candidates:
        kw = {"answers": [rows[i][1] or [] for i, _ in candidates]}
        scores = reward([rows[i][0] for i, _ in candidates], [a for _, a in candidates], **kw)
    best: dict[int, tuple[float, str]] = {}
    for (i, answer), s in zip(candidates, scores):
        if reward is not None and (s is None or (min_reward is not None and s < min_reward)):
            reasons["low_reward"] += 1
            continue
        key = s if s is not None else 0.0
        if i not in best or key > best[i][0]:
            best[i] = (key, answer)
    kept = [{"prompt": rows[i][0], "answer": best[i][1], "reward": best[i][0] if reward is not None else None}
            for i in sorted(best)]
    reasons["questions_dropped"] = len(rows) - len(kept)
    return kept, reasons


def run_distill(args) -> dict:
    model, tokenizer = load_for_inference(args.model)
    rows = load_rows(args.data, to_prompt_row, args.skip_invalid, what="questions", limit=args.max_questions,
                     forbid=tokenizer)
    reward = load_reward(args.reward) if args.reward else None
    kept, reasons = distill(model, tokenizer, rows, load_shots(args.shots), args.n, args.temperature, args.top_p,
                            args.max_new_tokens, reward, args.min_reward, args.min_words, args.max_repeat,
                            args.seed)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        for r in kept:
            row = {"messages": r["prompt"] + [{"role": "assistant", "content": r["answer"]}],
                   "source": f"distill:{Path(args.model.rstrip('/')).name}"}
            if r["reward"] is not None:
                row["reward"] = r["reward"]
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    dropped = ", ".join(f"{k} {v}" for k, v in sorted(reasons.items()) if k != "questions_dropped")
    print(f"[posttrain] distill: {len(kept)} of {len(rows)} questions kept → {out}; "
          f"samples dropped: {dropped or 'none'}", file=sys.stderr)
    return {"kept": len(kept), "questions": len(rows), "reasons": dict(reasons)}
