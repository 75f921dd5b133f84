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

import json
import sys
from pathlib import Path

import torch

from posttrain.data.formats import load_rows, to_prompt_row
from posttrain.infer.load import load_for_inference
from posttrain.infer.generation import chat_generate
from posttrain.eval.rewards import load_reward


def best_of_n(model, tokenizer, prompts: list[list[dict]], reward, n: int = 4, answers=None, template=None,
              temperature: float = 1.0, top_p: float = 1.0, max_new_tokens: int = 64, seed: int = 0,
              batch_size: int = 32) -> list[dict]:
    """For each prompt: its samples, their rewards, and the index of the best and the worst. A sample the
    reward could not score (None: e.g. longer than the reward model's context) is left out."""
    torch.manual_seed(seed)
    convs = [p for p in prompts for _ in range(n)]
    samples = chat_generate(model, tokenizer, convs, template=template, max_new_tokens=max_new_tokens,
                            temperature=temperature, top_p=top_p, batch_size=batch_size, progress="sampling")
    kw = {"answers": [a for a in answers for _ in range(n)]} if answers is not None else {}
    scores = reward(convs, samples, **kw)
    out = []
    for i, prompt in enumerate(prompts):
        scored = [(x, y) for x, y in zip(samples[i * n:(i + 1) * n], scores[i * n:(i + 1) * n]) if y is not None]
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


def run_best_of_n(args) -> dict:
    model, tokenizer = load_for_inference(args.model)
    rows = load_rows(args.data, to_prompt_row, args.skip_invalid, what="prompts", limit=args.max_prompts,
                     forbid=tokenizer)
    prompts = [p for p, _ in rows]
    answers = [a or [] for _, a in rows] if any(a is not None for _, a in rows) else None
    reward = load_reward(args.reward, args.template)
    results = best_of_n(model, tokenizer, prompts, reward, args.n, answers, args.template, args.temperature,
                        args.top_p, args.max_new_tokens, args.seed)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    kept = select(results, args.keep_ties, args.min_reward)
    with open(out, "w", encoding="utf-8") as f:
        for r in kept:
            best = r["samples"][r["best"]]
            f.write(json.dumps({"messages": r["prompt"] + [{"role": "assistant", "content": best}],
                                "reward": r["rewards"][r["best"]], "rewards": r["rewards"]}, ensure_ascii=False) + "\n")
    n_pairs = 0
    if args.pairs:
        with open(args.pairs, "w", encoding="utf-8") as f:
            for r in results:
                if r["rewards"] and r["rewards"][r["best"]] > r["rewards"][r["worst"]]:
                    f.write(json.dumps({"prompt": r["prompt"], "chosen": r["samples"][r["best"]],
                                        "rejected": r["samples"][r["worst"]]}, ensure_ascii=False) + "\n")
                    n_pairs += 1
    scored = [r for r in results if r["rewards"]]
    mean_best = sum(r["rewards"][r["best"]] for r in scored) / max(len(scored), 1)
    mean_all = sum(sum(r["rewards"]) / len(r["rewards"]) for r in scored) / max(len(scored), 1)
    print(f"[posttrain] best-of-{args.n} over {len(results)} prompts: mean reward of a sample {mean_all:.3f}, "
          f"of the best {mean_best:.3f}; {len(kept)} rows → {out}, {len(results) - len(kept)} prompts skipped "
          f"(samples all tied or below min_reward)" + (f"; {n_pairs} pairs → {args.pairs}" if args.pairs else ""),
          file=sys.stderr)
    return {"mean_best": mean_best, "mean_sample": mean_all, "pairs": n_pairs, "skipped": len(results) - len(kept),
            "results": results}
