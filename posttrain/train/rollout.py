"""Rollouts for online RL: sample completions, score them, lay them out for the update.

- Prompts go through the one chat renderer. The G samples of a prompt share its prefill: the
  engine runs the prompt once and copies its KV cache G times (`generate(n=G)`).
- Sampling draws from softmax(logits / temperature) with no top-k/top-p, and the update takes
  log-probs of the same tempered distribution (`linear_token_logps(temperature=...)`). So π/π_old
  is 1 at the first update up to numerics (tested against the engine's own log-probs), and
  nothing is silently off-policy.
- A sample's tokens include its stop token when it stopped, so the policy learns to stop; a
  sample that hit max_new_tokens is marked unfinished (PPO can penalise it).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from posttrain.logprobs import linear_token_logps
from posttrain.models import lm_parts
from posttrain.train.steps import hidden_states


@dataclass
class Samples:
    rows: list[dict]  # prompt rows, each repeated once per sample
    prompt_ids: list[list[int]]
    completion_ids: list[list[int]]
    texts: list[str]
    finished: list[bool]  # ended on a stop token (False: cut at max_new_tokens)
    entropy: list[float]  # mean per-token entropy of the sampling distribution


@torch.no_grad()
def sample(model, tokenizer, rows: list[dict], template, n: int, max_new_tokens: int, temperature: float,
           seed: int, max_len: int, batch_size: int = 64) -> Samples:
    """n samples of each prompt row ({"prompt": messages, ...}); sample j of row i is at i*n + j."""
    from posttrain.chat import render_prompt
    from posttrain.engine import generate

    keep = max(1, max_len - max_new_tokens)
    prompts = [render_prompt(tokenizer, r["prompt"], template)[-keep:] for r in rows]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    was = model.training
    model.eval()
    done = []
    per = max(1, batch_size // n)
    for i in range(0, len(prompts), per):
        done += generate(model, prompts[i:i + per], max_new_tokens=max_new_tokens, temperature=temperature,
                         tokenizer=tokenizer, seed=seed + i, pad_id=pad, n=n, return_entropy=True)
    model.train(was)
    return Samples([r for r in rows for _ in range(n)], [p for p in prompts for _ in range(n)],
                   [c.ids for c in done], [c.text for c in done], [c.finish_reason == "stop" for c in done],
                   [c.entropy for c in done])


def collate(prompt_ids: list[list[int]], completion_ids: list[list[int]], pad_id: int) -> dict:
    """Right-padded [prompt | completion] rows (N, T), and where each completion token is predicted.

    pred_index: flat (N·T) positions whose hidden state predicts a completion token; targets: those
    tokens; tok_index: where each lands in the (N, Tc) per-token tensors; mask (N, Tc): real tokens.
    """
    N = len(prompt_ids)
    T = max(len(p) + len(c) for p, c in zip(prompt_ids, completion_ids))
    Tc = max(len(c) for c in completion_ids)
    ids = torch.full((N, T), pad_id, dtype=torch.long)
    attn = torch.zeros((N, T), dtype=torch.long)
    mask = torch.zeros((N, Tc), dtype=torch.bool)
    pred, targets, tok = [], [], []
    for i, (p, c) in enumerate(zip(prompt_ids, completion_ids)):
        seq = list(p) + list(c)
        ids[i, :len(seq)] = torch.tensor(seq)
        attn[i, :len(seq)] = 1
        mask[i, :len(c)] = True
        pred += [i * T + len(p) - 1 + j for j in range(len(c))]
        targets += list(c)
        tok += [i * Tc + j for j in range(len(c))]
    return {"input_ids": ids, "attention_mask": attn, "position_ids": torch.arange(T).expand(N, T).contiguous(),
            "pred_index": torch.tensor(pred), "targets": torch.tensor(targets), "tok_index": torch.tensor(tok),
            "mask": mask}


def token_logps(model, batch: dict, temperature: float = 1.0, value_head=None):
    """Per-token log-probs (N, Tc) fp32 of the completions under softmax(logits / temperature), zero
    on padding; with `value_head`, also per-token values (N, Tc) read from the same hidden states."""
    _, head, cap = lm_parts(model)
    h = hidden_states(model, batch)
    h = h.reshape(-1, h.shape[-1]).index_select(0, batch["pred_index"])
    lp = linear_token_logps(h, head.weight, batch["targets"], cap, temperature=temperature)
    shape = batch["mask"].shape
    logps = lp.new_zeros(shape.numel()).index_copy(0, batch["tok_index"], lp).view(shape)
    if value_head is None:
        return logps, None
    v = value_head(h.to(value_head.weight.dtype)).squeeze(-1).float()
    values = v.new_zeros(shape.numel()).index_copy(0, batch["tok_index"], v).view(shape)
    return logps, values
