"""Attention for packed rows, one document at a time.

A packed row holds several conversations; `transformers` keeps them apart with a block-diagonal
mask over the whole row, so a row of 256 tokens holding eight 30-token documents computes 256²
scores to use ~1/8 of them. On CPU it is worse: the masked bf16 flash-attention backward runs at
a few GFLOP/s (a 8×256 batch: 27 ms per layer against 3.5 ms forward). Here each document is
gathered into its own slot of a `(documents, L)` batch (L = the longest document), attention runs
causally inside each slot, and the outputs are scattered back. Padding slots sit after every real
token of their document, so causality hides them from real queries and no gradient reaches them:
the result equals the block-diagonal mask's, with far less work.

The model's attention implementation is switched to `posttrain_docs`, which is exactly `sdpa`
(same mask, same kernel) whenever a forward is not given a document layout: generation,
evaluation on padded batches and anything else keep their behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from transformers import AttentionInterface
from transformers.integrations.sdpa_attention import sdpa_attention_forward
from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, sdpa_mask

from posttrain.nn.logprobs import compute_dtype

NAME = "posttrain_docs"
MATH_MAX_LEN = 512  # above this the explicit (docs, H, L, L) scores cost more memory than they save time


@dataclass
class DocLayout:
    gather: torch.Tensor   # (n_docs, L): flat row*T + t index of each slot (padding slots repeat the doc's start)
    scatter: torch.Tensor  # (B*T,): slot index (doc * L + offset) of each flat position
    max_len: int

    def to(self, device) -> "DocLayout":
        return DocLayout(self.gather.to(device), self.scatter.to(device), self.max_len)


def doc_layout(position_ids: torch.Tensor) -> DocLayout:
    """Documents of a packed batch: each starts where its position id is 0 (and at every row's start)."""
    B, T = position_ids.shape
    starts = position_ids == 0
    starts[:, 0] = True
    flat = starts.reshape(-1)
    first = flat.nonzero().squeeze(1)
    ends = torch.cat([first[1:], first.new_tensor([B * T])])
    # a document never runs over a row's end: every row's first token starts one
    lengths = ends - first
    L = int(lengths.max())
    offs = torch.arange(L, device=position_ids.device)
    gather = torch.where(offs[None, :] < lengths[:, None], first[:, None] + offs[None, :], first[:, None])
    doc = flat.long().cumsum(0) - 1
    pos = torch.arange(B * T, device=position_ids.device)
    return DocLayout(gather=gather, scatter=doc * L + (pos - first[doc]), max_len=L)


def usable(config, max_doc_len: int) -> bool:
    """Whether per-document attention over documents of up to `max_doc_len` tokens computes what the
    model's own attention would (no logit soft-capping, no sliding window shorter than a document)."""
    window = getattr(config, "sliding_window", None)
    return (getattr(config, "attn_logit_softcapping", None) is None
            and (window is None or max_doc_len <= window)
            and config._attn_implementation in ("sdpa", NAME))


def _docs_attention(module, query, key, value, attention_mask, dropout: float = 0.0, scaling=None, **kwargs):
    layout: DocLayout | None = kwargs.pop("posttrain_docs", None)
    if layout is None:
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs)
    B, H, T, d = query.shape

    n, L = layout.gather.shape

    def to_docs(x):  # (B, h, T, d) -> (n_docs, h, L, d); index_select: its backward is a fast index_add
        h = x.shape[1]
        flat = x.transpose(1, 2).reshape(B * T, h, d)
        return flat.index_select(0, layout.gather.reshape(-1)).view(n, L, h, d).transpose(1, 2)

    q, k, v = to_docs(query), to_docs(key), to_docs(value)
    if k.shape[1] != H:  # grouped-query attention
        k, v = (t.repeat_interleave(H // t.shape[1], dim=1) for t in (k, v))
    scale = scaling if scaling is not None else d ** -0.5
    p = dropout if module.training else 0.0
    dt = compute_dtype(q)
    if q.device.type == "cpu" and dt == torch.bfloat16 and L <= MATH_MAX_LEN:
        # CPU bf16 flash-attention backward is slow; plain matmuls with an fp32 softmax are 3-4× faster here
        q, k, v = q.to(dt), k.to(dt), v.to(dt)
        scores = (q @ k.transpose(-1, -2)).float().mul_(scale)
        causal = torch.ones(L, L, dtype=torch.bool, device=q.device).triu_(1)
        probs = scores.masked_fill_(causal, float("-inf")).softmax(-1).to(q.dtype)
        if p:
            probs = F.dropout(probs, p)
        out = probs @ v
    else:
        out = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=scale, dropout_p=p)
    out = out.transpose(1, 2).reshape(n * L, H, d).index_select(0, layout.scatter)  # (B*T, H, d)
    return out.reshape(B, T, H, d), None


def install(config) -> bool:
    """Register `posttrain_docs` and switch an `sdpa` model to it; False if the model uses something else."""
    if config._attn_implementation == NAME:
        return True
    if config._attn_implementation != "sdpa":
        return False
    AttentionInterface.register(NAME, _docs_attention)
    ALL_MASK_ATTENTION_FUNCTIONS.register(NAME, sdpa_mask)
    config._attn_implementation = NAME
    return True
