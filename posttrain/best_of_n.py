"""Rejection sampling: n answers per prompt, scored by a reward, the best kept (Llama 2/3's recipe).

Writes one JSON line per prompt that SFT reads (`messages`: the prompt and the best answer) with
the scores alongside, and with `pairs` a second file that DPO reads (`prompt`, `chosen` = best,
`rejected` = worst), only for prompts whose best and worst scores differ.

Prompt rows: `prompt` (string or message list) or `instruction`, optionally `answers` (a list,
passed to the reward as `answers=`; needed by the `contains`/`exact` rewards).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

from posttrain.data.formats import load_rows, to_prompt_row
from posttrain.eval.compare import load_for_eval
from posttrain.generation import chat_generate
from posttrain.rewards import load_reward


def best_of_n(model, tokenizer, prompts: list[list[dict]], reward, n: int = 4, answers=None, template=None,
              temperature: float = 1.0, top_p: float = 1.0, max_new_tokens: int = 64, seed: int = 0,
              batch_size: int = 32) -> list[dict]:
    """For each prompt: its n samples, their rewards, and the index of the best and the worst."""
    torch.manual_seed(seed)
    convs = [p for p in prompts for _ in range(n)]
    samples = chat_generate(model, tokenizer, convs, template=template, max_new_tokens=max_new_tokens,
                            temperature=temperature, top_p=top_p, batch_size=batch_size, progress="sampling")
    kw = {"answers": [a for a in answers for _ in range(n)]} if answers is not None else {}
    scores = reward(convs, samples, **kw)
    out = []
    for i, prompt in enumerate(prompts):
        s, r = samples[i * n:(i + 1) * n], scores[i * n:(i + 1) * n]
        best = max(range(n), key=lambda j: r[j])
        worst = min(range(n), key=lambda j: r[j])
        out.append({"prompt": prompt, "samples": s, "rewards": r, "best": best, "worst": worst})
    return out


def run_best_of_n(args) -> dict:
    rows = load_rows(args.data, to_prompt_row, what="prompts", limit=args.max_prompts)
    prompts = [p for p, _ in rows]
    answers = [a or [] for _, a in rows] if any(a is not None for _, a in rows) else None
    reward = load_reward(args.reward, args.template)
    model, tokenizer = load_for_eval(args.model)
    results = best_of_n(model, tokenizer, prompts, reward, args.n, answers, args.template, args.temperature,
                        args.top_p, args.max_new_tokens, args.seed)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        for r in results:
            best = r["samples"][r["best"]]
            f.write(json.dumps({"messages": r["prompt"] + [{"role": "assistant", "content": best}],
                                "reward": r["rewards"][r["best"]], "rewards": r["rewards"]}, ensure_ascii=False) + "\n")
    n_pairs = 0
    if args.pairs:
        with open(args.pairs, "w", encoding="utf-8") as f:
            for r in results:
                if r["rewards"][r["best"]] > r["rewards"][r["worst"]]:
                    f.write(json.dumps({"prompt": r["prompt"], "chosen": r["samples"][r["best"]],
                                        "rejected": r["samples"][r["worst"]]}, ensure_ascii=False) + "\n")
                    n_pairs += 1
    mean_best = sum(r["rewards"][r["best"]] for r in results) / len(results)
    mean_all = sum(sum(r["rewards"]) / len(r["rewards"]) for r in results) / len(results)
    print(f"[posttrain] best-of-{args.n} over {len(results)} prompts: mean reward of a sample {mean_all:.3f}, "
          f"of the best {mean_best:.3f} → {out}" + (f"; {n_pairs} pairs → {args.pairs}" if args.pairs else ""),
          file=sys.stderr)
    return {"mean_best": mean_best, "mean_sample": mean_all, "pairs": n_pairs, "results": results}
