"""Bradley–Terry reward-model loss (Bradley & Terry 1952; as in InstructGPT and Llama 2).

P(chosen ≻ rejected) = σ(r_c − r_r); the loss per pair is −log σ(r_c − r_r − m), where the margin
m ≥ 0 (Llama 2) asks for a gap of at least m before a pair stops contributing much.
"""

from __future__ import annotations

import torch.nn.functional as F


def bradley_terry(r_chosen, r_rejected, margin=0.0):
    """Per-pair losses (n,) from scalar rewards (n,); `margin` a number or a tensor (n,)."""
    return -F.logsigmoid(r_chosen - r_rejected - margin)
