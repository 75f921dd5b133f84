"""Preference losses as pure functions of per-sequence log-probabilities.

Inputs are tensors of shape (n,) per pair: `pc`/`pr` the policy's summed log-probs of the chosen
and rejected answers, `rc`/`rr` the reference model's (None for reference-free losses), `nc`/`nr`
their token counts. Each function returns (losses (n,), chosen rewards (n,), rejected rewards (n,)):
the stage sums the losses and the loop divides by the number of pairs in the step.

With h = (pc − rc) − (pr − rr), the implicit reward margin of DPO (Rafailov et al. 2023):
- sigmoid (DPO; cDPO with label smoothing ε): −(1−ε) log σ(βh) − ε log σ(−βh)
- robust (Chowdhury et al. 2024, unbiased under label-flip rate ε): (−(1−ε) log σ(βh) + ε log σ(−βh)) / (1−2ε)
- ipo (Azar et al. 2023), on per-token averages: (h_avg − 1/(2β))²
- hinge (SLiC, Zhao et al. 2023): max(0, 1 − βh)
- rpo (Pang et al. 2024): sigmoid + α · NLL of the chosen answer per token
- simpo (Meng et al. 2024), no reference: −log σ(β (pc/nc − pr/nr) − γ)
- orpo (Hong et al. 2024), no reference, with a = pc/nc, b = pr/nr:
  −a − λ log σ((a − b) − (log(1 − eᵃ) − log(1 − eᵇ)))
- kto (Ethayarajh et al. 2024): per example, r = logp − ref, z = max(0, the step's KL estimate):
  desirable w_D (1 − σ(β(r − z))), undesirable w_U (1 − σ(β(z − r)))
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def dpo_sigmoid(pc, pr, rc, rr, nc, nr, beta=0.1, label_smoothing=0.0, **_):
    h = (pc - rc) - (pr - rr)
    losses = -(1 - label_smoothing) * F.logsigmoid(beta * h) - label_smoothing * F.logsigmoid(-beta * h)
    return losses, beta * (pc - rc), beta * (pr - rr)


def dpo_robust(pc, pr, rc, rr, nc, nr, beta=0.1, label_smoothing=0.0, **_):
    if not 0 <= label_smoothing < 0.5:
        raise ValueError("robust DPO needs 0 <= label_smoothing < 0.5 (the assumed label-flip rate)")
    h = (pc - rc) - (pr - rr)
    eps = label_smoothing
    losses = (-(1 - eps) * F.logsigmoid(beta * h) + eps * F.logsigmoid(-beta * h)) / (1 - 2 * eps)
    return losses, beta * (pc - rc), beta * (pr - rr)


def ipo(pc, pr, rc, rr, nc, nr, beta=0.1, **_):
    h = (pc - rc) / nc - (pr - rr) / nr
    return (h - 1 / (2 * beta)) ** 2, beta * (pc - rc), beta * (pr - rr)


def hinge(pc, pr, rc, rr, nc, nr, beta=0.1, **_):
    h = (pc - rc) - (pr - rr)
    return torch.relu(1 - beta * h), beta * (pc - rc), beta * (pr - rr)


def rpo(pc, pr, rc, rr, nc, nr, beta=0.1, label_smoothing=0.0, rpo_alpha=1.0, **_):
    losses, cr, rj = dpo_sigmoid(pc, pr, rc, rr, nc, nr, beta, label_smoothing)
    return losses + rpo_alpha * (-pc / nc), cr, rj


def simpo(pc, pr, rc, rr, nc, nr, beta=2.0, simpo_gamma=0.5, label_smoothing=0.0, **_):
    a, b = pc / nc, pr / nr
    x = beta * (a - b) - simpo_gamma
    losses = -(1 - label_smoothing) * F.logsigmoid(x) - label_smoothing * F.logsigmoid(-x)
    return losses, beta * a, beta * b


def orpo(pc, pr, rc, rr, nc, nr, beta=0.1, **_):
    a, b = pc / nc, pr / nr
    # log(1 − eˣ) for x < 0, stable near 0 (x = log p of a near-certain answer)
    log_odds = (a - b) - (torch.log(-torch.expm1(a)) - torch.log(-torch.expm1(b)))
    return -a - beta * F.logsigmoid(log_odds), beta * a, beta * b


def kto_reference_point(log_ratio_sum: float, n: float) -> float:
    """KTO's z = max(0, mean of log π(y'|x) − log π_ref(y'|x)) over mismatched completions y', from the
    sum of those log-ratios and their count (each summed over every micro-batch and process of the
    optimizer step, so accumulation and DDP give the same z as one big batch)."""
    return max(0.0, log_ratio_sum / max(n, 1))


def kto(logp, ref, z, labels, beta=0.1, desirable_weight=1.0, undesirable_weight=1.0, **_):
    """KTO on unpaired examples: logp/ref (n,) summed log-probs of each completion under policy and
    reference, z the reference point (a number, no gradient, as in the paper: `kto_reference_point`),
    labels (n,) bool. Returns (losses, rewards)."""
    r = logp - ref
    losses = torch.where(labels, desirable_weight * (1 - torch.sigmoid(beta * (r - z))),
                         undesirable_weight * (1 - torch.sigmoid(beta * (z - r))))
    return losses, beta * r


PAIR_LOSSES = {"sigmoid": dpo_sigmoid, "robust": dpo_robust, "ipo": ipo, "hinge": hinge, "rpo": rpo,
               "simpo": simpo, "orpo": orpo}
REFERENCE_FREE = {"simpo", "orpo"}
