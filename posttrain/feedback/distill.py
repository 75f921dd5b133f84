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

import re
import sys
from collections import Counter
from pathlib import Path

import torch

from posttrain.data.formats import load_rows, to_prompt_row
from posttrain.data.readers import write_jsonl
from posttrain.eval.benchmark import contains, normalize
from posttrain.eval.rewards import load_reward
from posttrain.eval.tasks import last_number
from posttrain.infer.backend import ChatBackend, Sampling
from posttrain.infer.fewshot import A, Q, FewShotChat, load_shots
from posttrain.infer.load import load_for_inference

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


def distill(backend: ChatBackend, rows: list[tuple[list[dict], list[str] | None]], n: int = 1,
            temperature: float = 0.7, top_p: float = 0.95, max_new_tokens: int = 96, reward=None,
            min_reward: float | None = None, min_words: int = 1, max_repeat: float = 0.3,
            seed: int = 0) -> tuple[list[dict], Counter]:
    """(kept rows {prompt, answer, reward}, reasons counted over the dropped samples and questions).
    `backend` answers each question (a `FewShotChat` over the base model); a sample is finished when
    it ended on its own. Greedy when n=1; sampling draws from torch's generator, seeded here once."""
    questions = [msgs[-1]["content"] for msgs, _ in rows]
    torch.manual_seed(seed)
    sampling = Sampling(max_new_tokens=max_new_tokens, temperature=0.0 if n == 1 else temperature, top_p=top_p, n=n)
    replies = backend.chat([msgs for msgs, _ in rows], sampling, progress="answering")
    reasons: Counter = Counter()
    candidates = []  # (row index, answer) that pass the model-free checks
    for k, reply in enumerate(replies):
        i = k // n
        why = check(questions[i], reply.text or "", reply.finish_reason == "stop", rows[i][1], min_words, max_repeat)
        if why:
            reasons[why] += 1
        else:
            candidates.append((i, reply.text))
    return _best(rows, candidates, reward, min_reward, reasons)


def _best(rows, candidates: list[tuple[int, str]], reward, min_reward: float | None,
          reasons: Counter) -> tuple[list[dict], Counter]:
    """Per question, the first passing candidate, or the highest-rewarded one reaching `min_reward`."""
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
    backend = FewShotChat(model, tokenizer, load_shots(args.shots), name=args.model)
    kept, reasons = distill(backend, rows, args.n, args.temperature, args.top_p, args.max_new_tokens, reward,
                            args.min_reward, args.min_words, args.max_repeat, args.seed)
    out = Path(args.out)
    source = f"distill:{Path(args.model.rstrip('/')).name}"
    write_jsonl(out, [{"messages": r["prompt"] + [{"role": "assistant", "content": r["answer"]}], "source": source,
                       **({"reward": r["reward"]} if r["reward"] is not None else {})} for r in kept])
    dropped = ", ".join(f"{k} {v}" for k, v in sorted(reasons.items()) if k != "questions_dropped")
    print(f"[posttrain] distill: {len(kept)} of {len(rows)} questions kept → {out}; "
          f"samples dropped: {dropped or 'none'}", file=sys.stderr)
    return {"kept": len(kept), "questions": len(rows), "reasons": dict(reasons)}
