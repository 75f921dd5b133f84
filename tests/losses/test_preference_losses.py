"""Every preference loss against values worked out by hand (scalar `math`, not torch)."""

import math

import pytest
import torch

from posttrain.losses.preference import PAIR_LOSSES, kto, kto_reference_point


def t(*xs):
    return torch.tensor(xs, dtype=torch.float64)


# one pair: policy chosen/rejected −10/−12, reference −11/−11, 5 and 4 answer tokens, β = 0.1
PC, PR, RC, RR, NC, NR = t(-10.0), t(-12.0), t(-11.0), t(-11.0), t(5.0), t(4.0)
H = (-10 + 11) - (-12 + 11)  # implicit reward margin = 2


def softplus(x):  # −log σ(−x)
    return math.log1p(math.exp(x))


@pytest.mark.parametrize("name,kw,expected", [
    ("sigmoid", {}, softplus(-0.2)),                                              # 0.598139
    ("sigmoid", {"label_smoothing": 0.1}, 0.9 * softplus(-0.2) + 0.1 * softplus(0.2)),
    ("robust", {"label_smoothing": 0.1}, (0.9 * softplus(-0.2) - 0.1 * softplus(0.2)) / 0.8),
    ("ipo", {}, (1 / 5 + 1 / 4 - 1 / (2 * 0.1)) ** 2),                          # (0.45 − 5)² = 20.7025
    ("hinge", {}, 1 - 0.1 * H),                                                   # 0.8
    ("rpo", {"rpo_alpha": 0.5}, softplus(-0.2) + 0.5 * 10 / 5),
    ("simpo", {"beta": 2.0, "simpo_gamma": 0.5}, softplus(-(2.0 * (-10 / 5 + 12 / 4) - 0.5))),
    ("orpo", {}, 10 / 5 + 0.1 * softplus(-((-2 + 3) - (math.log(1 - math.exp(-2)) - math.log(1 - math.exp(-3)))))),
])
def test_pair_losses_hand_computed(name, kw, expected):
    params = {"beta": 0.1, **kw}
    losses, rc, rr = PAIR_LOSSES[name](PC, PR, RC, RR, NC, NR, **params)
    assert losses.item() == pytest.approx(expected, rel=1e-9)
    if name not in ("simpo", "orpo"):
        assert (rc.item(), rr.item()) == pytest.approx((0.1 * 1, 0.1 * -1))


def test_spot_values():
    """A few of the numbers above written out, so a wrong formula in both places still fails."""
    assert PAIR_LOSSES["sigmoid"](PC, PR, RC, RR, NC, NR, beta=0.1)[0].item() == pytest.approx(0.5981388693, abs=1e-9)
    assert PAIR_LOSSES["ipo"](PC, PR, RC, RR, NC, NR, beta=0.1)[0].item() == pytest.approx(20.7025, abs=1e-9)
    assert PAIR_LOSSES["simpo"](PC, PR, RC, RR, NC, NR, beta=2.0, simpo_gamma=0.5)[0].item() == pytest.approx(0.2014132779, abs=1e-9)


def test_dpo_gradient_direction():
    """Minimising DPO raises the chosen log-prob and lowers the rejected one."""
    pc, pr = t(-10.0).requires_grad_(), t(-12.0).requires_grad_()
    PAIR_LOSSES["sigmoid"](pc, pr, RC, RR, NC, NR, beta=0.1)[0].sum().backward()
    # d/dpc −log σ(βh) = −β σ(−βh)
    assert pc.grad.item() == pytest.approx(-0.1 / (1 + math.exp(0.2)))
    assert pr.grad.item() == pytest.approx(0.1 / (1 + math.exp(0.2)))


def test_robust_rejects_half():
    with pytest.raises(ValueError):
        PAIR_LOSSES["robust"](PC, PR, RC, RR, NC, NR, label_smoothing=0.5)


def test_kto_hand_computed():
    logp, ref = t(-10.0, -12.0), t(-11.0, -11.0)
    kl_logp, kl_ref = t(-20.0, -21.0), t(-20.5, -21.5)
    z = kto_reference_point(float((kl_logp - kl_ref).sum()), 2)  # mean(0.5, 0.5) = 0.5
    labels = torch.tensor([True, False])
    losses, rewards = kto(logp, ref, z, labels, beta=0.1, desirable_weight=1.0, undesirable_weight=2.0)
    sig = lambda x: 1 / (1 + math.exp(-x))
    assert z == pytest.approx(0.5)
    assert losses.tolist() == pytest.approx([1 - sig(0.1 * (1 - 0.5)), 2 * (1 - sig(0.1 * (0.5 + 1)))])
    assert rewards.tolist() == pytest.approx([0.1, -0.1])
    # a negative KL estimate is clamped to 0; no completions count as none
    assert kto_reference_point(-1.0, 2) == 0.0 and kto_reference_point(0.0, 0) == 0.0


def test_kto_reference_point_of_split_batches_equals_the_whole():
    """z from the summed log-ratios of two halves == z of the whole batch (what the trainer sums over
    micro-batches and processes): max(0, (4 + 2 − 3 − 5) / 4) = 0, while the halves' own clamped
    estimates, max(0, 3) and max(0, −4), average to 1.5."""
    ratios = t(4.0, 2.0, -3.0, -5.0)
    halves = [ratios[:2], ratios[2:]]
    assert kto_reference_point(sum(float(h.sum()) for h in halves), 4) == kto_reference_point(float(ratios.sum()), 4) == 0
    assert sum(kto_reference_point(float(h.sum()), 2) for h in halves) / 2 == pytest.approx(1.5)
