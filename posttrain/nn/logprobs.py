"""Output-layer maths without materialising the full `[N, V]` logits of a big vocabulary.

`linear_cross_entropy` fuses the output projection with the cross-entropy over chunks of
tokens: each chunk's logits are made, turned into the loss and into the gradients for the
hidden states and the output weight, and dropped. Peak memory is one chunk's logits instead of
all of them (Gemma's 262,144-token vocabulary makes those ~1 GB per 1,000 tokens in fp32), and
no `[N, V]` buffer is kept for backward. Under autocast the matmuls run in the autocast dtype;
softmax and the loss run in fp32.
"""

from __future__ import annotations

import torch


def _chunk_rows(vocab: int, budget: int = 1 << 23) -> int:
    # ~32 MB of fp32 logits per chunk, but at least 256 rows: the chunk's two matmuls read the whole
    # output weight (Gemma's: 335 MB in bf16), and on 2 CPU cores they ran at 256 GFLOP/s with 64-row
    # chunks against 383 with 256 rows (512 was slower again)
    return max(256, budget // max(vocab, 1))


def compute_dtype(t: torch.Tensor) -> torch.dtype:
    """The dtype matmuls on `t` run in: autocast's when it is on, else t's own."""
    dev = t.device.type
    return torch.get_autocast_dtype(dev) if torch.is_autocast_enabled(dev) else t.dtype


_FROZEN_CAST: dict = {}


def _cast_weight(weight: torch.Tensor, dt: torch.dtype) -> torch.Tensor:
    """The output weight in the compute dtype. A frozen weight (e.g. tied embeddings frozen) is
    cast once and reused while its version is unchanged: re-casting Gemma's 168 M-entry matrix
    cost ~0.15 s and a 335 MB allocation every step."""
    if weight.dtype == dt or weight.requires_grad:
        return weight.to(dt)
    key = (weight.data_ptr(), weight._version, dt)
    if key not in _FROZEN_CAST:
        _FROZEN_CAST.clear()
        _FROZEN_CAST[key] = weight.detach().to(dt)
    return _FROZEN_CAST[key]


class _LinearCE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, hidden, weight, targets, token_weights, softcap, chunk, grads):
        dt = compute_dtype(hidden)
        ctx.weight_dtype = weight.dtype
        w = _cast_weight(weight, dt)
        need_h, need_w = grads and ctx.needs_input_grad[0], grads and ctx.needs_input_grad[1]
        grad_h = torch.zeros_like(hidden) if need_h else None
        grad_w = torch.zeros(weight.shape, dtype=torch.float32, device=weight.device) if need_w else None
        total = torch.zeros((), dtype=torch.float32, device=hidden.device)
        for i in range(0, hidden.shape[0], chunk):
            h = hidden[i:i + chunk].to(dt)
            y = targets[i:i + chunk]
            tw = token_weights[i:i + chunk].float()
            logits = (h @ w.T).float()  # (c, V): the one big buffer of the chunk, reused below
            if softcap:
                t = torch.tanh(logits / softcap)
                logits = torch.mul(t, softcap, out=logits)
            lse = torch.logsumexp(logits, dim=-1)
            picked = logits.gather(1, y[:, None]).squeeze(1)
            total += ((lse - picked) * tw).sum()
            if need_h or need_w:
                g = logits.sub_(lse[:, None]).exp_()  # softmax in place; d nll / d logits = softmax - onehot
                g.scatter_add_(1, y[:, None], torch.full_like(picked[:, None], -1.0))
                g.mul_(tw[:, None])
                if softcap:
                    g.mul_(1 - t * t)
                g = g.to(dt)
                if need_h:
                    grad_h[i:i + chunk] = (g @ w).to(hidden.dtype)
                if need_w:
                    grad_w += (g.T @ h).float()
        ctx.save_for_backward(grad_h, grad_w)
        return total

    @staticmethod
    def backward(ctx, grad_out):
        grad_h, grad_w = ctx.saved_tensors
        gh = grad_h * grad_out if grad_h is not None else None
        gw = (grad_w * grad_out).to(ctx.weight_dtype) if grad_w is not None else None
        return gh, gw, None, None, None, None, None


def linear_cross_entropy(hidden: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor,
                         token_weights: torch.Tensor | None = None, softcap: float | None = None,
                         chunk: int | None = None) -> torch.Tensor:
    """Σ_i w_i · NLL(softmax(cap(hidden_i · Wᵀ)), target_i) — a scalar sum, not a mean.

    hidden (N, H), weight (V, H), targets (N,) int64, token_weights (N,) or None for all ones.
    Equals `F.cross_entropy(hidden @ weight.T, targets, reduction='sum')` (tested), with gradients
    for hidden and weight computed chunk by chunk in the forward pass.
    """
    if token_weights is None:
        token_weights = torch.ones(targets.shape, device=hidden.device)
    chunk = chunk or _chunk_rows(weight.shape[0])
    # evaluation (no_grad) must not pay for the gradients computed in the forward pass
    return _LinearCE.apply(hidden, weight, targets, token_weights, softcap, chunk, torch.is_grad_enabled())


def token_logps(logits: torch.Tensor, targets: torch.Tensor, chunk: int = 4096) -> torch.Tensor:
    """log p(target) per position from logits (..., V) → (...), log-softmax taken chunk by chunk."""
    flat, y = logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)
    out = [flat[i:i + chunk].float().log_softmax(-1).gather(1, y[i:i + chunk, None]).squeeze(1)
           for i in range(0, flat.shape[0], chunk)]
    return torch.cat(out).reshape(targets.shape)


class _LinearLogps(torch.autograd.Function):
    """log p(target_i) = (h_i Wᵀ)[y_i] − logsumexp(h_i Wᵀ) per token, chunked over tokens.

    Unlike the summed NLL, the upstream gradient is per token (a preference loss weighs each
    sequence differently), so it is only known in backward. When W is frozen (LoRA, frozen tied
    embeddings: the usual preference set-up) the per-token gradient d logp_i / d h_i = W[y_i] − p_i W
    is an (N, H) tensor made in the forward pass while the chunk's logits are at hand; backward
    scales it. When W trains, backward recomputes each chunk's logits instead.
    """

    @staticmethod
    def forward(ctx, hidden, weight, targets, softcap, chunk, grads, temperature=1.0):
        dt = compute_dtype(hidden)
        w = _cast_weight(weight, dt)
        need_h, need_w = grads and ctx.needs_input_grad[0], grads and ctx.needs_input_grad[1]
        early = need_h and not need_w
        unit_h = torch.empty_like(hidden) if early else None
        out = torch.empty(hidden.shape[0], dtype=torch.float32, device=hidden.device)
        lses = torch.empty_like(out) if need_w else None
        for i in range(0, hidden.shape[0], chunk):
            h, y = hidden[i:i + chunk].to(dt), targets[i:i + chunk]
            logits = (h @ w.T).float()
            t = None
            if softcap:
                t = torch.tanh(logits / softcap)
                logits = torch.mul(t, softcap, out=logits)
            if temperature != 1.0:
                logits.div_(temperature)
            lse = torch.logsumexp(logits, dim=-1)
            out[i:i + chunk] = logits.gather(1, y[:, None]).squeeze(1) - lse
            if lses is not None:
                lses[i:i + chunk] = lse
            if early:  # d logp / d logits = (onehot − softmax) / temperature
                g = logits.sub_(lse[:, None]).exp_().neg_()
                g.scatter_add_(1, y[:, None], torch.ones_like(lse[:, None]))
                if softcap:
                    g.mul_(1 - t * t)
                if temperature != 1.0:
                    g.div_(temperature)
                unit_h[i:i + chunk] = (g.to(dt) @ w).to(hidden.dtype)
        ctx.softcap, ctx.chunk, ctx.weight_dtype, ctx.compute_dtype = softcap, chunk, weight.dtype, dt
        ctx.temperature = temperature
        ctx.need = (need_h, need_w)
        ctx.save_for_backward(unit_h, hidden if need_w else None, weight if need_w else None, targets, lses)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        unit_h, hidden, weight, targets, lses = ctx.saved_tensors
        need_h, need_w = ctx.need
        if unit_h is not None:
            return unit_h * grad_out[:, None].to(unit_h.dtype), None, None, None, None, None, None
        dt = ctx.compute_dtype  # backward runs outside autocast: use the forward's precision
        w = weight.to(dt)
        grad_h = torch.zeros_like(hidden) if need_h else None
        grad_w = torch.zeros(weight.shape, dtype=torch.float32, device=weight.device)
        for i in range(0, hidden.shape[0], ctx.chunk):
            h, y = hidden[i:i + ctx.chunk].to(dt), targets[i:i + ctx.chunk]
            logits = (h @ w.T).float()
            t = None
            if ctx.softcap:
                t = torch.tanh(logits / ctx.softcap)
                logits = torch.mul(t, ctx.softcap, out=logits)
            if ctx.temperature != 1.0:
                logits.div_(ctx.temperature)
            g = logits.sub_(lses[i:i + ctx.chunk, None]).exp_().neg_()
            g.scatter_add_(1, y[:, None], torch.ones_like(g[:, :1]))
            g.mul_(grad_out[i:i + ctx.chunk, None].float() / ctx.temperature)
            if ctx.softcap:
                g.mul_(1 - t * t)
            g = g.to(dt)
            if need_h:
                grad_h[i:i + ctx.chunk] = (g @ w).to(hidden.dtype)
            grad_w += (g.T @ h).float()
        return grad_h, grad_w.to(ctx.weight_dtype), None, None, None, None, None


def linear_token_logps(hidden: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor,
                       softcap: float | None = None, chunk: int | None = None, temperature: float = 1.0) -> torch.Tensor:
    """log softmax(cap(hidden · Wᵀ) / temperature)[target] per row: hidden (N, H), weight (V, H),
    targets (N,) → (N,) fp32. The temperature divides the (soft-capped) logits as the sampler does.

    Equals `F.log_softmax(hidden @ weight.T, -1).gather(-1, targets)` (tested, with gradients) without
    the (N, V) logits."""
    chunk = chunk or _chunk_rows(weight.shape[0])
    return _LinearLogps.apply(hidden, weight, targets, softcap, chunk, torch.is_grad_enabled(), temperature)
