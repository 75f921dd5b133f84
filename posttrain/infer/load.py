"""The one loader for inference: a model folder, an adapter folder (merged), or a hub id → the
model in eval mode on the best device with its weights in the compute dtype, and its tokenizer.

Every consumer of a model for generation or scoring (eval, judges, constitution, distillation,
best-of-n, corrections, the report and the server) loads through `load_for_inference`.
Inference keeps no fp32 master weights: bf16 weights halve the memory traffic of decoding
(Gemma-3-270M on CPU: ~34 ms/token against ~75 with fp32 weights under autocast).
"""

from __future__ import annotations

from typing import Callable, NamedTuple, TypeVar

from posttrain.core.runtime import pick_device, pick_dtype
from posttrain.model.hf import load_model, load_tokenizer

T = TypeVar("T")


class Loaded(NamedTuple):
    model: object
    tokenizer: object


def load_for_inference(path: str, dtype: str = "auto", device: str = "auto") -> Loaded:
    """(model in eval mode, tokenizer); `dtype` auto | fp32 | bf16 | fp16, `device` auto | cpu | cuda…"""
    dev = pick_device(device)
    return Loaded(load_model(path, dev, pick_dtype(dtype, dev)).eval(), load_tokenizer(path))


def each_model(paths: list[str], measure: Callable[[str, object, object], T], dtype: str = "auto") -> list[T]:
    """`measure(path, model, tokenizer)` for each model in turn, one loaded at a time (the probes'
    side-by-side tables compare models that need not fit in memory together)."""
    results = []
    for path in paths:
        model, tokenizer = load_for_inference(path, dtype)
        results.append(measure(path, model, tokenizer))
        del model
    return results
