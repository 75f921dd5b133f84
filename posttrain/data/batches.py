"""The three batch layouts the training methods consume, as typed dataclasses.

Every batch declares what the loop needs to normalise and report a step: `n_units`, what the
method's loss is a sum over (trained tokens for SFT, pairs for DPO, sequences or tokens for RL),
and `n_tokens`, the real tokens it holds (for throughput). The loop divides the step's summed
loss and metrics by the units of the whole step (all micro-batches, all processes), so gradient
accumulation and DDP equal one bigger batch.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional

import torch

from posttrain.nn.attention import DocLayout


@dataclass
class Batch:
    n_units: int
    n_tokens: int

    def to(self, device):
        """A copy with every tensor (and tensor holder, e.g. an attention layout) on `device`."""
        moved = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if torch.is_tensor(v):
                moved[f.name] = v.to(device, non_blocking=True)
            elif isinstance(v, DocLayout):
                moved[f.name] = v.to(device)
        return dataclasses.replace(self, **moved)


@dataclass
class LMBatch(Batch):
    """Next-token batches (SFT, pretraining, perplexity): (B, T) rows, packed or padded.

    Packed rows have `position_ids` restarting at 0 for each document and no `attention_mask`;
    padded rows have an `attention_mask`. `target_mask` (B, T) marks the tokens that are trained
    targets. n_units = trained tokens."""

    input_ids: torch.Tensor = None
    position_ids: torch.Tensor = None
    target_mask: torch.Tensor = None
    attention_mask: Optional[torch.Tensor] = None


@dataclass
class PairBatch(Batch):
    """Prompts with two continuations each (chosen/rejected; KTO's completion and its mismatched
    KL completion), laid out by `posttrain.data.pairs`. Sequence 2k is triple k's first
    continuation, 2k+1 its second. n_units = triples.

    `pred_index` (N,) flat positions whose hidden state predicts each counted token, `targets`
    (N,) those tokens, `seq_index` (N,) the sequence each belongs to; `last_index` (2k,) the last
    real token of each continuation (where a reward model reads); `ref_logps` (2k,) precomputed
    reference log-probs (NaN when not precomputed); `labels` (k,) KTO's desirable flags."""

    input_ids: torch.Tensor = None
    position_ids: torch.Tensor = None
    docs: Optional[DocLayout] = None
    pred_index: torch.Tensor = None
    targets: torch.Tensor = None
    seq_index: torch.Tensor = None
    n_seqs: int = 0
    last_index: torch.Tensor = None
    ref_logps: torch.Tensor = None
    labels: torch.Tensor = None
    index: torch.Tensor = None
    attention_mask: Optional[torch.Tensor] = None


@dataclass
class RolloutBatch(Batch):
    """Right-padded [prompt | completion] rows (N, T) of sampled completions, and per-token
    tensors (N, Tc) over the completions: `mask` marks real completion tokens. `pred_index` lists
    the flat positions predicting each completion token, `targets` the tokens, `tok_index` where each
    lands in the (N, Tc) tensors. What the method prepared per sample rides along: `advantages`
    ((N,) for GRPO, (N, Tc) for PPO), `old_logps`, `ref_logps`, `old_values`, `returns` (N, Tc),
    each None when the method does not use it. n_units is the method's choice (sequences or tokens)."""

    input_ids: torch.Tensor = None
    attention_mask: torch.Tensor = None
    position_ids: torch.Tensor = None
    pred_index: torch.Tensor = None
    targets: torch.Tensor = None
    tok_index: torch.Tensor = None
    mask: torch.Tensor = None
    advantages: Optional[torch.Tensor] = None
    old_logps: Optional[torch.Tensor] = None
    ref_logps: Optional[torch.Tensor] = None
    old_values: Optional[torch.Tensor] = None
    returns: Optional[torch.Tensor] = None
