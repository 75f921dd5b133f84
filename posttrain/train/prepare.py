"""The model a fine-tuning stage trains: loaded, LoRA injected, layers frozen, checkpointing on.

Every stage that starts from an existing model (SFT, preference, RL) goes through `prepare_model`,
so `lora_*`, `freeze_*` and `gradient_checkpointing` mean the same thing everywhere.
"""

from __future__ import annotations

import torch

from posttrain.lora import inject_lora, parse_targets
from posttrain.models import freeze, load_model, parameter_summary
from posttrain.sections import ModelConfig


def prepare_model(cfg: ModelConfig, seed: int, verbose: bool = True, model=None, modules_to_save=()):
    """`model` defaults to the causal LM at cfg.path; `modules_to_save` train fully beside LoRA (a new head)."""
    model = load_model(cfg.path) if model is None else model
    if cfg.lora_r:
        torch.manual_seed(seed)  # LoRA's A is random: the same seed gives the same run (and all DDP ranks agree)
        inject_lora(model, cfg.lora_r, cfg.lora_alpha, cfg.lora_dropout, parse_targets(cfg.lora_targets), cfg.lora_rslora,
                    modules_to_save)
    freeze(model, cfg.freeze_embeddings, cfg.freeze_layers, cfg.freeze_regex)
    if cfg.gradient_checkpointing:
        enable_checkpointing(model)
    if verbose:
        parameter_summary(model)
    return model


def enable_checkpointing(model) -> None:
    """Recompute each decoder block in backward. Non-reentrant checkpointing: gradients reach LoRA and
    unfrozen weights even when the block's input (frozen embeddings) does not require grad."""
    if not getattr(model, "supports_gradient_checkpointing", False):
        raise ValueError(f"{type(model).__name__} does not support gradient checkpointing")
    kwargs = {"use_reentrant": False}
    if hasattr(model, "activation_checkpointing_enable"):  # transformers >= 5.2x name; the old one warns
        model.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs)
    else:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)
