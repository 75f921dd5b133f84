"""Load and save causal LMs and tokenizers; tiny models for tests; freezing.

A model is a Hugging Face folder, a hub id, or a .gguf file (dequantised by `transformers`). Saved
folders are plain `transformers` folders: safetensors weights, tokenizer with `chat_template`,
and a generation config whose EOS list includes the template's end-of-turn token.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM

from posttrain.nn import lora
from posttrain.data.chat import stop_token_ids


# ----------------------------------------------------------------------------- loading

def _gguf_parts(path: str) -> tuple[str, str | None]:
    p = Path(path)
    if p.suffix == ".gguf" and p.is_file():
        return str(p.parent), p.name
    return path, None


def load_tokenizer(path: str):
    folder, gguf = _gguf_parts(path)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=gguf) if gguf else AutoTokenizer.from_pretrained(folder)
    if tok.pad_token_id is None:  # padding is masked out of the loss, so EOS is a safe pad
        tok.pad_token = tok.eos_token
    return tok


def load_model(path: str, device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32):
    """A causal LM from a folder, hub id or GGUF file, with plain (trainable) weights."""
    if lora.is_adapter_folder(path):  # a PEFT adapter: its base with the adapter merged in
        model = lora.load_adapter(load_model(lora.adapter_base(path), "cpu", torch.float32), path)
        return lora.merge_lora(model).to(device=device, dtype=dtype)
    folder, gguf = _gguf_parts(path)
    kwargs = {"dtype": dtype}
    if gguf:
        kwargs["gguf_file"] = gguf
    model = AutoModelForCausalLM.from_pretrained(folder, **kwargs)
    if gguf:
        clear_quantization(model)
    return model.to(device)


def clear_quantization(model) -> None:
    """A model loaded from GGUF is flagged quantized although its weights are dequantised floats;
    `save_pretrained` refuses it and trainers treat it as frozen. Drop the flags."""
    model.hf_quantizer = None
    if "is_quantized" in vars(model):
        model.is_quantized = False
    if "quantization_method" in vars(model):
        del model.quantization_method
    for cfg in (model.config, getattr(model, "generation_config", None)):
        if cfg is not None and hasattr(cfg, "quantization_config"):
            with contextlib.suppress(AttributeError):
                delattr(cfg, "quantization_config")


def lm_parts(model):
    """(decoder returning hidden states, output projection weight, final logit soft-cap or None)."""
    decoder = model.get_decoder() if hasattr(model, "get_decoder") else model.model
    head = model.get_output_embeddings()
    cap = getattr(model.config, "final_logit_softcapping", None)
    if cap is None and hasattr(model.config, "get_text_config"):
        cap = getattr(model.config.get_text_config(), "final_logit_softcapping", None)
    return decoder, head, cap


# ----------------------------------------------------------------------------- saving

def save_model(model, tokenizer, out: str | Path, template: str | None = None) -> Path:
    """Write a Hugging Face folder. Files are written to a temporary folder first and each is
    renamed into place, so a reader never sees a half-written file; other files in `out`
    (metrics, checkpoints) are kept."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".save.", dir=out))
    try:
        if template:
            tokenizer.chat_template = template
        unwrapped = getattr(model, "module", model)
        gen = getattr(unwrapped, "generation_config", None)  # a reward model (sequence classifier) has none
        if gen is not None:
            gen.eos_token_id = stop_token_ids(tokenizer)
            gen.pad_token_id = tokenizer.pad_token_id
            if tokenizer.bos_token_id is not None:
                gen.bos_token_id = tokenizer.bos_token_id
        unwrapped.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        for f in sorted(tmp.iterdir()):
            os.replace(f, out / f.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


# ----------------------------------------------------------------------------- tiny models

def tiny_config(vocab_size: int, hidden_size: int = 64, layers: int = 2, heads: int = 4, max_positions: int = 1024, **kw):
    """A Llama config small enough for tests: 2 layers, hidden 32–128."""
    kw = {"num_key_value_heads": heads, **kw}
    return LlamaConfig(vocab_size=vocab_size, hidden_size=hidden_size, intermediate_size=hidden_size * 3,
                       num_hidden_layers=layers, num_attention_heads=heads, max_position_embeddings=max_positions,
                       tie_word_embeddings=True, attn_implementation="sdpa", **kw)


def tiny_model(tokenizer, seed: int = 0, **kw):
    cfg = tiny_config(len(tokenizer), bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                      pad_token_id=tokenizer.pad_token_id, **kw)
    torch.manual_seed(seed)
    return LlamaForCausalLM(cfg)


# ----------------------------------------------------------------------------- freezing

def freeze(model, embeddings: bool = False, first_layers: int = 0, regex: str | None = None) -> None:
    """Freeze the input embeddings (and a tied output layer), the first N blocks, and/or every parameter
    whose name `regex` matches (re.search)."""
    if embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    if first_layers:
        decoder = lm_parts(model)[0]
        layers = decoder.layers
        if first_layers > len(layers):
            raise ValueError(f"freeze_layers={first_layers} but the model has only {len(layers)} blocks")
        for block in layers[:first_layers]:
            block.requires_grad_(False)
    if regex:
        hits = [p for name, p in model.named_parameters() if re.search(regex, name)]
        if not hits:
            raise ValueError(f"freeze_regex {regex!r} matches no parameter name (e.g. {next(iter(dict(model.named_parameters())))})")
        for p in hits:
            p.requires_grad_(False)
    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError("every parameter is frozen: nothing would train")


def parameter_summary(model, file=sys.stderr) -> tuple[int, int]:
    """Print total / trainable / % parameters (tied weights counted once)."""
    seen, total, trainable = set(), 0, 0
    for p in model.parameters():
        if id(p) in seen:
            continue
        seen.add(id(p))
        total += p.numel()
        trainable += p.numel() if p.requires_grad else 0
    print(f"parameters: total {total:,} | trainable {trainable:,} | {100 * trainable / max(total, 1):.2f}%", file=file)
    return total, trainable
