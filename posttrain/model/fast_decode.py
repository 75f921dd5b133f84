"""A lean decoder for Llama-family models (Llama, Mistral, Qwen2, Qwen3) and Gemma 3: the engine's
fast path.

Why it exists: at sampling batch sizes a `transformers` forward spends more time in Python per
module (cache concatenation, mask construction, seven separate projections per layer) than in the
matmuls themselves. This runs the same maths on the model's own weights with less around it:
- q/k/v are one matmul and gate/up another (fused copies made once per `generate` call, in the
  compute dtype, with LoRA deltas folded in, so an adapter samples exactly like the unmerged model);
- the KV cache is preallocated and written in place (grown by doubling); a one-token step attends
  with two matmuls over its filled part (a prefill uses SDPA);
- rotary angles come from the model's own `rotary_emb`, so every rope-scaling variant is the model's.

Weights are read when decoding starts: training between two steps of one `decode_steps` would
sample from the old weights (nothing in posttrain does that).

`unsupported(model)` says why a model cannot take this path (another architecture, a sliding window
the sequence would cross, an unknown module type); the engine then uses the `transformers`
forward. Tested equal to that forward (fp32) on tiny configs of each architecture, with LoRA.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from posttrain.nn.lora import LoRALinear
from posttrain.core.runtime import cpu_has_fast_bf16

ARCHITECTURES = ("llama", "mistral", "qwen2", "qwen3", "gemma3_text")
ACTIVATIONS = {"gemma3_text": "gelu_pytorch_tanh"}  # the rest: silu


def unsupported(model, total_len: int | None = None, dtype: torch.dtype | None = None) -> str | None:
    """Why `model` cannot use `FastDecoder` for sequences of `total_len` tokens computed in `dtype`,
    or None if it can."""
    cfg = getattr(model, "config", None)
    if getattr(cfg, "model_type", None) not in ARCHITECTURES:
        return f"architecture {getattr(cfg, 'model_type', type(model).__name__)!r}"
    act = getattr(cfg, "hidden_activation", None) or getattr(cfg, "hidden_act", "silu")
    if act != ACTIVATIONS.get(cfg.model_type, "silu"):
        return f"activation {act!r}"
    if getattr(cfg, "attn_logit_softcapping", None) or getattr(cfg, "use_bidirectional_attention", False):
        return "attention soft-capping or bidirectional attention"
    inner = getattr(model, "model", None)
    if inner is None or not all(hasattr(inner, a) for a in ("embed_tokens", "layers", "norm", "rotary_emb")):
        return "module layout"
    window = getattr(cfg, "sliding_window", None)
    sliding = "sliding_attention" in (getattr(cfg, "layer_types", None) or ["sliding_attention"])
    if window and sliding and getattr(cfg, "use_sliding_window", True) and (total_len is None or total_len > window):
        return f"sliding window of {window} tokens"
    device = next(model.parameters()).device
    if dtype in (torch.bfloat16, torch.float16) and device.type == "cpu" and not cpu_has_fast_bf16():
        # measured 0.8 s per SmolLM2 decoding step against 0.15 s in fp32 (2 EPYC cores without
        # AVX512-BF16); the transformers forward under autocast loses less there
        return f"{dtype} matmuls on a CPU without native support for them"
    for name, module in model.named_modules():
        if isinstance(module, LoRALinear):
            if module.base_layer.weight.is_meta:
                return f"{name} is on the meta device"
        elif isinstance(module, nn.Linear) and type(module) is not nn.Linear:
            return f"{name} is a {type(module).__name__}"
    return None


def _linear(module, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(weight, bias) that `module` applies, in `dtype`; a LoRA layer's delta is folded into the weight."""
    if isinstance(module, LoRALinear):
        w = module.base_layer.weight
        if not (module.disabled or module.merged):
            w = w.float() + module.delta_weight()
        b = module.base_layer.bias
    else:
        w, b = module.weight, module.bias
    return w.to(dtype), None if b is None else b.to(dtype)


def _fused(modules, dtype) -> tuple[torch.Tensor, torch.Tensor | None]:
    parts = [_linear(m, dtype) for m in modules]
    bias = None
    if any(b is not None for _, b in parts):
        bias = torch.cat([b if b is not None else w.new_zeros(w.shape[0]) for w, b in parts])
    return torch.cat([w for w, _ in parts]), bias


def _rms(x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    """transformers' Llama RMSNorm: normalise in fp32, back to the input dtype, then scale."""
    h = x.float()
    h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps)
    return weight * h.to(x.dtype)


def _gemma_rms(x: torch.Tensor, weight_plus_one: torch.Tensor, eps: float) -> torch.Tensor:
    """transformers' Gemma 3 RMSNorm: normalise and scale by (1 + w) in fp32, then cast back."""
    h = x.float()
    return (h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps) * weight_plus_one).to(x.dtype)


SKINNY = 256  # up to this many rows, a CPU linear runs as W @ xᵀ (see `_linear_apply`)


def _linear_apply(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """x Wᵀ + b. On CPU in fp32 with few rows (decoding), computed as (W xᵀ)ᵀ: the BLAS takes a
    different, faster path for a tall-times-skinny product (measured on 2 EPYC cores, 16 rows: 0.7
    vs 2.2 ms for a 3072 × 576 weight, 27 vs 49 ms for SmolLM2's 49k-row output layer). bf16 keeps
    the ordinary call: no faster there, and unmeasured on CPUs with native bf16."""
    x2 = x.reshape(-1, x.shape[-1])
    if x.device.type == "cpu" and weight.dtype == torch.float32 and x2.shape[0] <= SKINNY:
        y = (weight @ x2.T).T
        if bias is not None:
            y = y + bias
    else:
        y = F.linear(x2, weight, bias)
    return y.reshape(*x.shape[:-1], -1)


def _rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return x * cos + torch.cat((-x[..., half:], x[..., :half]), dim=-1) * sin


def _attend_one(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, bias: torch.Tensor, scale: float) -> torch.Tensor:
    """Attention of one new token per row, (B, H, 1, D), over the cache (B, Hkv, S, D): the query
    heads of a key/value head as the rows of one matmul (no repeat of the cache)."""
    B, H, _, D = q.shape
    Hkv = k.shape[1]
    q = q.reshape(B, Hkv, H // Hkv, D)
    scores = torch.matmul(q, k.transpose(-1, -2)).mul_(scale).add_(bias)
    return torch.matmul(scores.softmax(-1), v).reshape(B, H, 1, D)


@dataclass
class KVCache:
    """A batch's keys and values per layer, (B, kv_heads, capacity, head_dim), `length` columns filled
    (the same for every row: shorter rows are left padded, and their attention mask hides the pad)."""
    k: list[torch.Tensor] = field(default_factory=list)
    v: list[torch.Tensor] = field(default_factory=list)
    length: int = 0


class FastDecoder:
    """Prefill and one-token steps of a Llama-family or Gemma 3 model with an in-place KV cache.

    Same interface as the engine's transformers backend: `forward(ids, mask, positions)` takes the
    new tokens (B, T), the attention mask over everything so far (B, S) and the new tokens'
    positions (B, T), and returns the last position's logits (B, V) in fp32; `repeat(n)` and
    `select(index)` reshape the batch of the cache.

    Gemma 3 differs in details only: embeddings scaled by sqrt(hidden), RMSNorm weights applied as
    (1 + w) before the cast, a norm after attention and after the MLP as well as before, tanh-GELU,
    query scale from `query_pre_attn_scalar`, and separate rotary tables for local and global layers
    (local layers' sliding window is never crossed: `unsupported` checks the length).
    """

    def __init__(self, model, dtype: torch.dtype):
        cfg, inner = model.config, model.model
        self.dtype = dtype
        self.gemma = cfg.model_type == "gemma3_text"
        self.heads, self.kv_heads = cfg.num_attention_heads, cfg.num_key_value_heads
        self.head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
        self.scale = (cfg.query_pre_attn_scalar if self.gemma else self.head_dim) ** -0.5
        self.eps = cfg.rms_norm_eps
        self.norm_fn = _gemma_rms if self.gemma else _rms
        self.act = (lambda t: F.gelu(t, approximate="tanh")) if self.gemma else F.silu
        self.softcap = getattr(cfg, "final_logit_softcapping", None)
        self.layers = []
        for n, layer in enumerate(inner.layers):
            att, mlp = layer.self_attn, layer.mlp
            norm = lambda name: self._norm_weight(getattr(layer, name, None) or getattr(att, name, None))  # noqa: E731
            self.layers.append({
                "attn_in": norm("input_layernorm"),
                "attn_out": norm("post_attention_layernorm") if self.gemma else None,
                "mlp_in": norm("pre_feedforward_layernorm" if self.gemma else "post_attention_layernorm"),
                "mlp_out": norm("post_feedforward_layernorm") if self.gemma else None,
                "q_norm": norm("q_norm"), "k_norm": norm("k_norm"),
                "qkv": _fused([att.q_proj, att.k_proj, att.v_proj], dtype), "o": _linear(att.o_proj, dtype),
                "gate_up": _fused([mlp.gate_proj, mlp.up_proj], dtype), "down": _linear(mlp.down_proj, dtype),
                "rope": cfg.layer_types[n] if self.gemma else None,
            })
        self.embed, self.norm = inner.embed_tokens.weight, self._norm_weight(inner.norm)
        scale = getattr(inner.embed_tokens, "embed_scale", None)
        self.embed_scale = None if scale is None else scale.to(self.embed.dtype)
        self.lm_head = _linear(model.lm_head, dtype)
        self.rotary = inner.rotary_emb
        self.k: list[torch.Tensor] = []
        self.v: list[torch.Tensor] = []
        self.length = 0  # filled columns of the cache (the same for every row: prompts are left padded)

    def _norm_weight(self, module) -> torch.Tensor | None:
        if module is None:
            return None
        return 1.0 + module.weight.float() if self.gemma else module.weight

    def _room(self, batch: int, need: int, device) -> None:
        """Make the cache hold `need` columns, doubling its capacity when it grows."""
        cap = self.k[0].shape[2] if self.k else 0
        if need <= cap:
            return
        new_cap = max(need, 2 * cap, 64)
        shape = (batch, self.kv_heads, new_cap, self.head_dim)

        def grown(old: torch.Tensor | None) -> torch.Tensor:
            new = torch.empty(shape, dtype=self.dtype, device=device)
            if old is not None:
                new[:, :, :self.length] = old[:, :, :self.length]
            return new

        self.k = [grown(t) for t in self.k or [None] * len(self.layers)]
        self.v = [grown(t) for t in self.v or [None] * len(self.layers)]

    def swap_cache(self, cache: KVCache | None = None) -> KVCache:
        """Install `cache` (an empty one by default) and return the one it replaces: the weights are
        prepared once, and a continuous batcher prefills newcomers in a cache of their own."""
        old = KVCache(self.k, self.v, self.length)
        cache = cache or KVCache()
        self.k, self.v, self.length = cache.k, cache.v, cache.length
        return old

    def repeat(self, n: int) -> None:
        self.k = [t.repeat_interleave(n, 0) for t in self.k]
        self.v = [t.repeat_interleave(n, 0) for t in self.v]

    def select(self, index: torch.Tensor) -> None:
        self.k = [t.index_select(0, index) for t in self.k]
        self.v = [t.index_select(0, index) for t in self.v]

    @torch.no_grad()
    def forward(self, ids: torch.Tensor, mask: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        B, T = ids.shape
        start, end = self.length, self.length + T
        self._room(B, end, ids.device)
        keys = mask[:, :end].bool()
        if T == 1:
            bias = torch.zeros(keys.shape, dtype=self.dtype, device=ids.device).masked_fill_(~keys, float("-inf"))
            bias = bias[:, None, None, :]
        else:  # causal over the new tokens; a pad query sees itself so no row of scores is all -inf
            rows = torch.arange(start, end, device=ids.device)[:, None]
            cols = torch.arange(end, device=ids.device)[None, :]
            attn_mask = ((cols <= rows) & keys[:, None, :] | (cols == rows))[:, None]
        x = F.embedding(ids, self.embed)
        if self.embed_scale is not None:
            x = x * self.embed_scale
        rope = {}
        for kind in {w["rope"] for w in self.layers}:
            cos, sin = self.rotary(x, positions, kind) if kind else self.rotary(x, positions)
            rope[kind] = cos[:, None].to(self.dtype), sin[:, None].to(self.dtype)
        H, Hkv, D, norm = self.heads, self.kv_heads, self.head_dim, self.norm_fn
        for i, w in enumerate(self.layers):
            h = norm(x, w["attn_in"], self.eps)
            qk, v = _linear_apply(h.to(self.dtype), *w["qkv"]).split([(H + Hkv) * D, Hkv * D], dim=-1)
            qk = qk.reshape(B, T, H + Hkv, D)
            if w["q_norm"] is not None:
                qk = torch.cat([norm(qk[:, :, :H], w["q_norm"], self.eps),
                                norm(qk[:, :, H:], w["k_norm"], self.eps)], dim=2).to(self.dtype)
            qk = _rotate(qk.transpose(1, 2), *rope[w["rope"]])  # queries and keys rotated in one go
            q = qk[:, :H]
            self.k[i][:, :, start:end] = qk[:, H:]
            self.v[i][:, :, start:end] = v.reshape(B, T, Hkv, D).transpose(1, 2)
            if T == 1:
                a = _attend_one(q, self.k[i][:, :, :end], self.v[i][:, :, :end], bias, self.scale)
            else:
                a = F.scaled_dot_product_attention(q, self.k[i][:, :, :end], self.v[i][:, :, :end],
                                                   attn_mask=attn_mask, scale=self.scale, enable_gqa=H != Hkv)
            a = _linear_apply(a.transpose(1, 2).reshape(B, T, H * D), *w["o"])
            x = x + (a if w["attn_out"] is None else norm(a, w["attn_out"], self.eps))
            h = norm(x, w["mlp_in"], self.eps).to(self.dtype)
            gate, up = _linear_apply(h, *w["gate_up"]).chunk(2, dim=-1)
            m = _linear_apply(self.act(gate) * up, *w["down"])
            x = x + (m if w["mlp_out"] is None else norm(m, w["mlp_out"], self.eps))
        self.length = end
        h = norm(x[:, -1], self.norm, self.eps).to(self.dtype)
        logits = _linear_apply(h, *self.lm_head).float()
        if self.softcap:
            logits = torch.tanh(logits / self.softcap) * self.softcap
        return logits
