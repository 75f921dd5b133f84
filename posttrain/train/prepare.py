"""The model a fine-tuning stage trains: loaded, LoRA injected, layers frozen, lean layers and checkpointing on.

Every stage that starts from an existing model (SFT, preference, RL) goes through `prepare_model`,
so `lora_*`, `freeze_*` and `gradient_checkpointing` mean the same thing everywhere.
"""

from __future__ import annotations

import torch

from posttrain.model import lean_layers
from posttrain.nn.lora import inject_lora, parse_targets
from posttrain.model.hf import freeze, load_model, parameter_summary
from posttrain.core.sections import ModelConfig


def prepare_model(cfg: ModelConfig, seed: int, verbose: bool = True, model=None, modules_to_save=()):
    """`model` defaults to the causal LM at cfg.path; `modules_to_save` train fully beside LoRA (a new head)."""
    model = load_model(cfg.path) if model is None else model
    if cfg.lora_r:
        torch.manual_seed(seed)  # LoRA's A is random: the same seed gives the same run (and all DDP ranks agree)
        inject_lora(model, cfg.lora_r, cfg.lora_alpha, cfg.lora_dropout, parse_targets(cfg.lora_targets), cfg.lora_rslora,
                    modules_to_save)
    freeze(model, cfg.freeze_embeddings, cfg.freeze_layers, cfg.freeze_regex)
    if cfg.lean_layers:
        lean_layers.install(model)
    if cfg.gradient_checkpointing:
        enable_checkpointing(model)
    if cfg.neftune_alpha:
        add_neftune(model, cfg.neftune_alpha)
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


def add_neftune(model, alpha: float):
    """NEFTune (Jain et al., 2023): in training mode only, add Uniform(-1, 1) · alpha / sqrt(L · d) to the
    input embeddings of each row of L tokens and width d. Evaluation and saved weights are untouched."""
    def noisy(module, inputs, out):
        if not module.training:
            return out
        scale = alpha / (out.shape[-2] * out.shape[-1]) ** 0.5
        return out + torch.empty_like(out).uniform_(-scale, scale)
    return model.get_input_embeddings().register_forward_hook(noisy)
