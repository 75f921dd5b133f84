"""Fused chunked output layer + cross-entropy equals the plain computation, values and gradients."""

import pytest
import torch
import torch.nn.functional as F

from posttrain.nn.logprobs import linear_cross_entropy, token_logps


def _reference(h, W, y, tw, cap):
    logits = h @ W.T
    if cap:
        logits = cap * torch.tanh(logits / cap)
    return (F.cross_entropy(logits, y, reduction="none") * tw).sum()


@pytest.mark.parametrize("cap", [None, 5.0])
@pytest.mark.parametrize("chunk", [7, 64])
def test_matches_cross_entropy(cap, chunk):
    torch.manual_seed(0)
    h = torch.randn(50, 16, requires_grad=True)
    W = torch.randn(100, 16, requires_grad=True)
    y = torch.randint(0, 100, (50,))
    tw = torch.rand(50)
    ours = linear_cross_entropy(h, W, y, tw, softcap=cap, chunk=chunk)
    (3 * ours).backward()
    gh, gW = h.grad.clone(), W.grad.clone()
    h.grad = W.grad = None
    ref = _reference(h, W, y, tw, cap)
    (3 * ref).backward()
    assert torch.allclose(ours, ref, rtol=1e-5)
    assert torch.allclose(gh, h.grad, atol=1e-5) and torch.allclose(gW, W.grad, atol=1e-5)


def test_hand_computed_value():
    """h = [1, 0], W = I (2 classes), target 0: NLL = log(1 + e^-1) = 0.31326."""
    h = torch.tensor([[1.0, 0.0]])
    assert linear_cross_entropy(h, torch.eye(2), torch.tensor([0])).item() == pytest.approx(0.3132617, abs=1e-6)


def test_frozen_weight_gets_no_gradient_and_bf16_autocast_close():
    torch.manual_seed(1)
    h = torch.randn(40, 32, requires_grad=True)
    W = torch.randn(300, 32)  # frozen (tied embeddings frozen)
    y = torch.randint(0, 300, (40,))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        ours = linear_cross_entropy(h, W, y)
    ours.backward()
    ref = _reference(h.detach(), W, y, torch.ones(40), None)
    assert W.grad is None and h.grad is not None
    assert torch.allclose(ours, ref, rtol=2e-2)


def test_token_logps():
    logits = torch.randn(2, 3, 11)
    y = torch.randint(0, 11, (2, 3))
    expected = logits.log_softmax(-1).gather(-1, y[..., None]).squeeze(-1)
    assert torch.allclose(token_logps(logits, y, chunk=4), expected, atol=1e-6)


@pytest.mark.parametrize("train_w", [False, True])
@pytest.mark.parametrize("softcap", [None, 5.0])
def test_linear_token_logps_matches_reference(train_w, softcap):
    """Per-token log-probs and their gradients (weighted per token, as a preference loss does)."""
    from posttrain.nn.logprobs import linear_token_logps

    torch.manual_seed(0)
    h = torch.randn(37, 16, requires_grad=True)
    w = torch.randn(50, 16, requires_grad=train_w)
    y = torch.randint(0, 50, (37,))
    g = torch.randn(37)
    got = linear_token_logps(h, w, y, softcap=softcap, chunk=8)
    (got * g).sum().backward()
    gh, gw = h.grad.clone(), (w.grad.clone() if train_w else None)
    h.grad = None
    w.grad = None
    logits = h @ w.T
    if softcap:
        logits = torch.tanh(logits / softcap) * softcap
    ref = torch.log_softmax(logits, -1).gather(1, y[:, None]).squeeze(1)
    (ref * g).sum().backward()
    assert torch.allclose(got, ref, atol=1e-5)
    assert torch.allclose(gh, h.grad, atol=1e-5)
    if train_w:
        assert torch.allclose(gw, w.grad, atol=1e-5)
    with torch.no_grad():
        assert torch.allclose(linear_token_logps(h, w, y, softcap=softcap), ref, atol=1e-5)
