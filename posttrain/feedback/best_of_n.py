"""Rejection sampling: n answers per prompt, scored by a reward, the best kept (Llama 2/3's recipe).

Writes one JSON line per prompt that SFT reads (`messages`: the prompt and the best answer) with
the scores alongside, and with `pairs` a second file that DPO reads (`prompt`, `chosen` = best,
`rejected` = worst), only for prompts whose best and worst scores differ.

A prompt whose n samples all score the same (every one failed the check alike, or the reward cannot
tell them apart) has no best answer: it is skipped and counted, not written as SFT data. With
`min_reward`, a prompt whose best sample scores below it is skipped too (all its samples failed,
though their rewards differ). `keep_ties=true` keeps tied prompts (the old behaviour).

Prompt rows: `prompt` (string or message list) or `instruction`, optionally `answers` (a list,
passed to the reward as `answers=`; needed by the `contains`/`exact` rewards).
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from posttrain.data.formats import load_rows, to_prompt_row
from posttrain.data.readers import write_jsonl
from posttrain.eval.rewards import load_reward
from posttrain.infer.backend import ChatBackend, Sampling, repeat_each
from posttrain.infer.generation import LocalChat


def best_of_n(backend: ChatBackend, prompts: list[list[dict]], reward, n: int = 4, answers=None,
              temperature: float = 1.0, top_p: float = 1.0, max_new_tokens: int = 64, seed: int = 0) -> list[dict]:
    """For each prompt: its samples, their rewards, and the index of the best and the worst. A sample the
    reward could not score (None: e.g. longer than the reward model's context) is left out, and so is one
    the backend failed to give. Sampling draws from torch's generator, seeded here once."""
    torch.manual_seed(seed)
    convs = repeat_each(prompts, n)
    replies = backend.chat(prompts, Sampling(max_new_tokens=max_new_tokens, temperature=temperature, top_p=top_p, n=n),
                           progress="sampling")
    samples = [r.text for r in replies]
    kw = {"answers": [a for a in answers for _ in range(n)]} if answers is not None else {}
    scores = reward(convs, [s or "" for s in samples], **kw)
    out = []
    for i, prompt in enumerate(prompts):
        scored = [(x, y) for x, y in zip(samples[i * n:(i + 1) * n], scores[i * n:(i + 1) * n])
                  if x is not None and y is not None]
        s, r = [x for x, _ in scored], [y for _, y in scored]
        best = max(range(len(r)), key=r.__getitem__, default=None)
        worst = min(range(len(r)), key=r.__getitem__, default=None)
        out.append({"prompt": prompt, "samples": s, "rewards": r, "best": best, "worst": worst})
    return out


def select(results: list[dict], keep_ties: bool = False, min_reward: float | None = None) -> list[dict]:
    """The results worth an SFT row: some sample beats another (unless `keep_ties`), and the best
    reaches `min_reward` (when given)."""
    def kept(r):
        rewards = r["rewards"]
        if not rewards:
            return False
        if not keep_ties and max(rewards) == min(rewards):
            return False
        return min_reward is None or max(rewards) >= min_reward
    return [r for r in results if kept(r)]


def sft_rows(kept: list[dict]) -> list[dict]:
    """One SFT row per kept result: the prompt and its best sample, with the rewards alongside."""
    return [{"messages": r["prompt"] + [{"role": "assistant", "content": r["samples"][r["best"]]}],
             "reward": r["rewards"][r["best"]], "rewards": r["rewards"]} for r in kept]


def pair_rows(results: list[dict]) -> list[dict]:
    """Best over worst, for every result whose best scores above its worst."""
    return [{"prompt": r["prompt"], "chosen": r["samples"][r["best"]], "rejected": r["samples"][r["worst"]]}
            for r in results if r["rewards"] and r["rewards"][r["best"]] > r["rewards"][r["worst"]]]


def run_best_of_n(args) -> dict:
    backend = LocalChat.load(args.model, args.template)
    rows = load_rows(args.data, to_prompt_row, args.skip_invalid, what="prompts", limit=args.max_prompts,
                     forbid=backend.tokenizer)
    prompts = [p for p, _ in rows]
    answers = [a or [] for _, a in rows] if any(a is not None for _, a in rows) else None
    reward = load_reward(args.reward, args.template)
    results = best_of_n(backend, prompts, reward, args.n, answers, args.temperature, args.top_p, args.max_new_tokens,
                        args.seed)
    kept = select(results, args.keep_ties, args.min_reward)
    out = Path(args.out)
    write_jsonl(out, sft_rows(kept))
    pairs = pair_rows(results)
    if args.pairs:
        write_jsonl(args.pairs, pairs)
    n_pairs = len(pairs) if args.pairs else 0
    scored = [r for r in results if r["rewards"]]
    mean_best = sum(r["rewards"][r["best"]] for r in scored) / max(len(scored), 1)
    mean_all = sum(sum(r["rewards"]) / len(r["rewards"]) for r in scored) / max(len(scored), 1)
    print(f"[posttrain] best-of-{args.n} over {len(results)} prompts: mean reward of a sample {mean_all:.3f}, "
          f"of the best {mean_best:.3f}; {len(kept)} rows → {out}, {len(results) - len(kept)} prompts skipped "
          f"(samples all tied or below min_reward)" + (f"; {n_pairs} pairs → {args.pairs}" if args.pairs else ""),
          file=sys.stderr)
    return {"mean_best": mean_best, "mean_sample": mean_all, "pairs": n_pairs, "skipped": len(results) - len(kept),
            "results": results}
