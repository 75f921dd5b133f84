"""KL estimators, GAE, PPO's clipped losses and every GRPO variant against values worked out by hand."""

import math

import pytest
import torch

from posttrain.losses.rl import (gae, group_advantages, grpo_loss, informative_groups, kl_estimate, ppo_policy_loss,
                                 value_loss)


def t(*x):
    return torch.tensor(x, dtype=torch.float64)


def test_kl_estimators():
    logp, ref = t(-1.0), t(-1.5)  # r = ref − logp = −0.5
    assert kl_estimate(logp, ref, "k1").item() == pytest.approx(0.5)
    assert kl_estimate(logp, ref, "k2").item() == pytest.approx(0.125)
    assert kl_estimate(logp, ref, "k3").item() == pytest.approx(math.exp(-0.5) - 1 + 0.5)  # 0.1065307
    assert kl_estimate(ref, ref, "k3").item() == 0.0
    with pytest.raises(ValueError):
        kl_estimate(logp, ref, "k4")


def test_gae_hand_computed():
    # γ = 1, λ = 0.5, rewards [0, 0, 1], values [.5, .6, .7]:
    # A2 = 1 − .7 = .3; A1 = (.7 − .6) + .5·.3 = .25; A0 = (.6 − .5) + .5·.25 = .225
    adv, ret = gae(t(0, 0, 1)[None], t(.5, .6, .7)[None], torch.ones(1, 3), gamma=1.0, lam=0.5)
    assert adv[0].tolist() == pytest.approx([0.225, 0.25, 0.3])
    assert ret[0].tolist() == pytest.approx([0.725, 0.85, 1.0])
    # the same response behind a prompt token and before padding: identical inside, zero outside
    adv2, _ = gae(t(9, 0, 0, 1, 9)[None], t(9, .5, .6, .7, 9)[None], t(0, 1, 1, 1, 0)[None], gamma=1.0, lam=0.5)
    assert adv2[0].tolist() == pytest.approx([0, 0.225, 0.25, 0.3, 0])
    # γ < 1 discounts the bootstrap: A1 = r + γV2 − V1 with λ = 0 (one step)
    adv3, _ = gae(t(0, 1)[None], t(.5, .2)[None], torch.ones(1, 2), gamma=0.9, lam=0.0)
    assert adv3[0].tolist() == pytest.approx([0.9 * 0.2 - 0.5, 1 - 0.2])


def test_ppo_clipped_loss_every_case():
    old = t(0.0, 0.0, 0.0, 0.0)
    logp = torch.log(t(1.5, 1.5, 0.5, 0.5))
    adv = t(1.0, -1.0, 1.0, -1.0)
    loss, clipped = ppo_policy_loss(logp, old, adv, clip=0.2)
    # ρ=1.5,A=+1: min(1.5, 1.2) → −1.2 (clipped); A=−1: min(−1.5, −1.2) = −1.5 → 1.5
    # ρ=0.5,A=+1: min(0.5, 0.8) → −0.5; A=−1: min(−0.5, −0.8) = −0.8 → 0.8 (clipped)
    assert loss.tolist() == pytest.approx([-1.2, 1.5, -0.5, 0.8])
    assert clipped.tolist() == [1.0, 0.0, 0.0, 1.0]
    assert ppo_policy_loss(logp[:1], old[:1], adv[:1], clip=0.2, clip_high=0.28)[0].item() == pytest.approx(-1.28)


def test_value_loss_clipped():
    # V = 1.0 moved from 0.5, clip 0.2 → 0.7; R = 2: ½ max(1, 1.69) = 0.845
    assert value_loss(t(1.0), t(0.5), t(2.0), clip=0.2).item() == pytest.approx(0.845)
    assert value_loss(t(0.6), t(0.5), t(2.0), clip=0.2).item() == pytest.approx(0.5 * 1.4 ** 2)


def test_group_advantages_and_dynamic_sampling():
    r = t(1, 0, 0, 1, 1, 1, 1, 1)
    std = math.sqrt(4 * 0.25 / 3)  # unbiased std of [1, 0, 0, 1]
    assert group_advantages(r, 4, eps=0.0)[:4].tolist() == pytest.approx([0.5 / std, -0.5 / std, -0.5 / std, 0.5 / std])
    assert group_advantages(r, 4)[4:].tolist() == [0.0] * 4
    assert group_advantages(r, 4, scale_std=False)[:4].tolist() == [0.5, -0.5, -0.5, 0.5]
    assert informative_groups(r, 4).tolist() == [True, False]


@pytest.mark.parametrize("variant,expected", [
    ("grpo", 0.0),         # per-sequence means −1 and +1, averaged
    ("dapo", 2 / 6),       # (−1·2 + 1·4) / 6 tokens
    ("dr_grpo", 2 / 8),    # (−2 + 4) / (2 sequences · max_len 4)
])
def test_grpo_variants_on_policy(variant, expected):
    logp = torch.zeros(2, 4, dtype=torch.float64)  # on-policy: ratio 1, per-token loss = −A
    mask = t(1, 1, 0, 0, 1, 1, 1, 1).view(2, 4)
    loss, m = grpo_loss(logp, logp, t(1.0, -1.0), mask, variant)
    assert loss.item() == pytest.approx(expected)
    assert m["clip_fraction"].item() == 0.0


def test_grpo_kl_term_and_gradient():
    logp = torch.zeros(1, 2, dtype=torch.float64, requires_grad=True)
    ref = t(-0.5, -0.5)[None]
    loss, m = grpo_loss(logp, logp.detach(), t(0.0), torch.ones(1, 2), "grpo", ref_logp=ref, beta=0.1)
    k3 = math.exp(-0.5) - 1 + 0.5
    assert loss.item() == pytest.approx(0.1 * k3) and m["kl"].item() == pytest.approx(k3)
    loss.backward()
    # d/dlogp [β(e^{ref−logp} − 1 − (ref − logp))] = β(1 − e^{ref−logp}), averaged over 2 tokens
    assert logp.grad[0].tolist() == pytest.approx([0.1 * (1 - math.exp(-0.5)) / 2] * 2)
