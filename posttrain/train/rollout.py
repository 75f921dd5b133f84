"""Rollouts for online RL: sample completions of the task's prompts from the policy.

- Prompts go through the one chat renderer. The G samples of a prompt share its prefill: the
  engine runs the prompt once and copies its KV cache G times (`generate(n=G)`).
- Sampling draws from softmax(logits / temperature) with no top-k/top-p, and the update takes
  log-probs of the same tempered distribution (`forward.token_logps(temperature=...)`). So π/π_old
  is 1 at the first update up to numerics (tested against the engine's own log-probs), and
  nothing is silently off-policy.
- A prompt is never cut: one that cannot fit beside max_new_tokens in max_len would lose BOS and
  the system prompt from the left, so `fit_prompts` drops it (counted) or refuses the run first.
- Samples carry the engine's per-token log-probs, so the update can log how far its recomputed
  log-probs are from the ones the tokens were drawn with (`logp_gap`).
- A sample's tokens include its stop token when it stopped, so the policy learns to stop; a
  sample that hit max_new_tokens is marked unfinished (PPO can penalise it).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from posttrain.data.chat import render_prompt
from posttrain.core.config import ConfigError
from posttrain.infer.engine import generate
from posttrain.core.runtime import evaluating


@dataclass
class Samples:
    rows: list[dict]  # prompt rows, each repeated once per sample
    prompt_ids: list[list[int]]
    completion_ids: list[list[int]]
    texts: list[str]
    finished: list[bool]  # ended on a stop token (False: cut at max_new_tokens)
    entropy: list[float]  # mean per-token entropy of the sampling distribution
    logprobs: list[list[float]]  # per-token log-probs of the sampling distribution (the engine's)


def pad_id(tokenizer) -> int:
    return tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0


@torch.no_grad()
def sample(model, tokenizer, rows: list[dict], template, n: int, max_new_tokens: int, temperature: float,
           seed: int, max_len: int, batch_size: int = 64, dtype: str = "auto") -> Samples:
    """n samples of each prompt row ({"prompt": messages, ...}); sample j of row i is at i*n + j.
    `dtype` must be the run's: the update recomputes these log-probs in it (else an fp32 run samples in bf16)."""
    budget = max_len - max_new_tokens
    prompts = [render_prompt(tokenizer, r["prompt"], template) for r in rows]
    for r, p in zip(rows, prompts):
        if len(p) > budget:
            raise ValueError(f"{r.get('where', 'prompt')}: prompt of {len(p)} tokens is over the {budget} that "
                             f"max_len - max_new_tokens leaves (prompts are checked by fit_prompts first)")
    done = []
    per = max(1, batch_size // n)
    with evaluating(model):
        for i in range(0, len(prompts), per):
            done += generate(model, prompts[i:i + per], max_new_tokens=max_new_tokens, temperature=temperature,
                             tokenizer=tokenizer, seed=seed + i, pad_id=pad_id(tokenizer), n=n, return_entropy=True,
                             return_logprobs=True, dtype=dtype)
    return Samples([r for r in rows for _ in range(n)], [p for p in prompts for _ in range(n)],
                   [c.ids for c in done], [c.text for c in done], [c.finish_reason == "stop" for c in done],
                   [c.entropy for c in done], [c.logprobs for c in done])


def fit_prompts(rows: list[dict], tokenizer, template, budget: int, policy: str, what: str) -> tuple[list[dict], int]:
    """(the rows whose rendered prompt fits in `budget` tokens, how many were dropped).

    policy "refuse" raises instead, naming the first long row (`where`: file:line, when known)."""
    lengths = [len(render_prompt(tokenizer, r["prompt"], template)) for r in rows]
    long = [i for i, n in enumerate(lengths) if n > budget]
    if long and policy == "refuse":
        i = long[0]
        raise ConfigError(f"{rows[i].get('where', f'{what} prompt {i + 1}')}: field 'prompt': {lengths[i]} tokens, over "
                          f"the {budget} that max_len - max_new_tokens leaves ({len(long)} prompts too long; raise "
                          "max_len, shorten them, or long_prompts=drop)")
    drop = set(long)
    return [r for i, r in enumerate(rows) if i not in drop], len(drop)
