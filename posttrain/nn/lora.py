"""LoRA written here (not wrapping `peft`), with PEFT's module names and folder layout.

A `LoRALinear` keeps the frozen original as `.base_layer` and adds `lora_A` (r × in) and `lora_B`
(out × r): y = W x + b + s · B A dropout(x), with s = alpha / r, or alpha / sqrt(r) for rsLoRA
(Kalajdzievski 2023: keeps the update's scale stable as r grows). A starts kaiming-uniform
(a = sqrt(5), PEFT's default) and B at zero, so an injected model starts exactly at its base.

State-dict keys therefore read `...q_proj.base_layer.weight`, `...q_proj.lora_A.weight`, and
`save_adapter` writes the folder `peft` writes: `adapter_config.json` + `adapter_model.safetensors`
with keys `base_model.model.<module path>.lora_A.weight`. `load_adapter` reads folders saved by
`peft` too, refusing options this module does not implement (DoRA, rank/alpha patterns, biases)
rather than loading them wrongly.

Departures from PEFT: one adapter per model (no adapter names); `modules_to_save` are trained in
place rather than as a copy, so `disable_adapters` cannot restore them (it warns), and a module
tied to another (a tied `lm_head`) trains both. Target matching follows PEFT: a list entry matches
a module path exactly or as a dotted suffix, a string is a regex that must match the whole path,
"all-linear" is every `nn.Linear` but the output head.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import warnings
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from posttrain.nn.logprobs import compute_dtype

ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
PREFIX = "base_model.model."  # PeftModelForCausalLM.base_model (LoraModel).model (the HF model)


class LoRALinear(nn.Module):
    """A frozen `nn.Linear` plus a trainable low-rank update B A, scaled by `scaling`."""

    def __init__(self, base: nn.Linear, r: int, alpha: float, dropout: float = 0.0, rslora: bool = False):
        super().__init__()
        if r < 1:
            raise ValueError(f"LoRA rank must be >= 1, got {r}")
        self.base_layer = base
        self.r, self.alpha = r, alpha
        self.scaling = alpha / math.sqrt(r) if rslora else alpha / r
        w = base.weight
        # Same dtype/device as the base weight, as PEFT does, so autocast and .to() treat them alike.
        self.lora_A = nn.Linear(base.in_features, r, bias=False, device=w.device, dtype=w.dtype)
        self.lora_B = nn.Linear(r, base.out_features, bias=False, device=w.device, dtype=w.dtype)
        self.lora_dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B.weight)
        base.requires_grad_(False)
        self.merged = False
        self.disabled = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.disabled and self.merged:
            raise RuntimeError("LoRA layer is merged; unmerge it before disabling the adapter")
        if self.disabled or self.merged:
            return self.base_layer(x)
        base = self.base_layer
        dropping = self.training and isinstance(self.lora_dropout, nn.Dropout)
        if dropping or base.weight.requires_grad or (base.bias is not None and base.bias.requires_grad):
            return base(x) + self.lora_B(self.lora_A(self.lora_dropout(x))) * self.scaling
        return _LoRAFunction.apply(x, base.weight, base.bias, self.lora_A.weight, self.lora_B.weight, self.scaling)

    def delta_weight(self) -> torch.Tensor:
        """s · B A (out × in), computed in fp32 so merging a bf16 model loses only the final rounding."""
        return (self.lora_B.weight.float() @ self.lora_A.weight.float()) * self.scaling

    @torch.no_grad()
    def merge(self) -> None:
        if not self.merged:
            w = self.base_layer.weight
            w.copy_((w.float() + self.delta_weight()).to(w.dtype))
            self.merged = True

    @torch.no_grad()
    def unmerge(self) -> None:
        if self.merged:
            w = self.base_layer.weight
            w.copy_((w.float() - self.delta_weight()).to(w.dtype))
            self.merged = False

    def extra_repr(self) -> str:
        return f"r={self.r}, alpha={self.alpha}, scaling={self.scaling:.4g}"


class _LoRAFunction(torch.autograd.Function):
    """y = x Wᵀ + b + s · (x Aᵀ) Bᵀ with a frozen W, in as few kernels as the maths allows.

    The generic path (`base(x) + B(A(x)) * s`) pays for a full-width multiply by s and an add in
    each direction and autograd's bookkeeping for five ops. Here the scale goes into one `addmm`
    (forward) and onto the rank-wide intermediate (backward), and W never gets a gradient. Only x,
    the rank-wide x Aᵀ and the (compute-dtype) weights are kept for backward.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, a, b, scaling):
        dt = compute_dtype(x)
        w = weight.to(dt)
        xc, ac, bc = x.to(dt), a.to(dt), b.to(dt)
        shape = x.shape[:-1]
        x2 = xc.reshape(-1, x.shape[-1])
        xa = x2 @ ac.T
        y = torch.addmm(bias.to(dt), x2, w.T) if bias is not None else x2 @ w.T
        y.addmm_(xa, bc.T, alpha=scaling)
        ctx.save_for_backward(x2, xa, w, ac, bc)
        ctx.scaling, ctx.in_shape, ctx.x_dtype, ctx.a_dtype, ctx.b_dtype = scaling, x.shape, x.dtype, a.dtype, b.dtype
        return y.reshape(*shape, -1)

    @staticmethod
    def backward(ctx, gy):
        x2, xa, w, a, b = ctx.saved_tensors
        g = gy.reshape(-1, gy.shape[-1]).to(w.dtype)
        gxa = (g @ b).mul_(ctx.scaling)  # (N, r): the scale applied on the narrow side
        gx = ga = gb = None
        if ctx.needs_input_grad[0]:
            gx = (g @ w).addmm_(gxa, a)
            gx = gx.reshape(ctx.in_shape).to(ctx.x_dtype)
        if ctx.needs_input_grad[3]:
            ga = (gxa.T @ x2).to(ctx.a_dtype)
        if ctx.needs_input_grad[4]:
            gb = (g.T @ xa).mul_(ctx.scaling).to(ctx.b_dtype)
        return gx, None, None, ga, gb, None




# ----------------------------------------------------------------------------- choosing modules

def _path_match(name: str, entries) -> bool:
    """PEFT's list rule: the whole module path, or a dotted suffix of it."""
    return any(name == e or name.endswith("." + e) for e in entries)


def select_targets(model, targets="all-linear", exclude=()) -> list[str]:
    """Paths of the `nn.Linear` modules LoRA would wrap; `exclude` (modules_to_save) and their children
    never match, as in PEFT."""
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    chosen = []
    for name, module in model.named_modules():
        if not name or any(re.match(rf"(^|.*\.){re.escape(m)}($|\..*)", name) for m in exclude):
            continue
        if targets == "all-linear":
            hit = isinstance(module, nn.Linear) and module is not head
        elif isinstance(targets, str):
            hit = re.fullmatch(targets, name) is not None
        else:
            hit = _path_match(name, targets)
        if hit and not isinstance(module, nn.Linear):
            raise ValueError(f"LoRA target {name} is a {type(module).__name__}; only nn.Linear is supported")
        if hit:
            chosen.append(name)
    if not chosen:
        raise ValueError(f"LoRA targets {targets!r} match no nn.Linear module of the model")
    return chosen


def _set_module(model, path: str, new: nn.Module) -> None:
    parent, _, child = path.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, child, new)


def lora_layers(model) -> dict[str, LoRALinear]:
    return {n: m for n, m in model.named_modules() if isinstance(m, LoRALinear)}


def _compact_targets(model, chosen: list[str], exclude) -> list[str]:
    """Short module names (q_proj, ...) when they select exactly `chosen` (called before wrapping),
    else the full paths: both are valid PEFT `target_modules` lists."""
    short = sorted({n.rsplit(".", 1)[-1] for n in chosen})
    try:
        same = select_targets(model, short, exclude) == chosen
    except ValueError:  # a short name also names a non-Linear module
        same = False
    return short if same else chosen


# ----------------------------------------------------------------------------- inject / merge

def _warn_tied(model, saved: list[str]) -> None:
    """A tied lm_head in modules_to_save trains the embedding too (PEFT would train a copy)."""
    ids = {id(p) for n in saved for p in model.get_submodule(n).parameters()}
    shared = [n for n, p in model.named_parameters(remove_duplicate=False)
              if id(p) in ids and not any(n.startswith(s + ".") for s in saved)]
    if shared:
        warnings.warn(f"modules_to_save share weights with {shared}; those are trained too, unlike in PEFT", stacklevel=3)


def inject_lora(model, r: int = 8, alpha: float = 16, dropout: float = 0.0, targets="all-linear",
                rslora: bool = False, modules_to_save=()):
    """Wrap the target Linear layers in `LoRALinear`, freeze every other parameter except those of
    `modules_to_save`, and record the settings as `model.posttrain_lora`. Returns the model."""
    if lora_layers(model):
        raise ValueError("model already has LoRA layers")
    modules_to_save = list(modules_to_save)
    chosen = select_targets(model, targets, exclude=modules_to_save)
    target_modules = _compact_targets(model, chosen, modules_to_save)
    saved = [n for n, _ in model.named_modules() if n and _path_match(n, modules_to_save)]
    missing = [m for m in modules_to_save if not any(_path_match(n, [m]) for n in saved)]
    if missing:  # checked before anything is changed, so a typo leaves the model as it was
        raise ValueError(f"modules_to_save {missing} match no module of the model")
    model.requires_grad_(False)  # frozen base: no grads, so the optimizer holds no state for it
    for name in chosen:
        _set_module(model, name, LoRALinear(model.get_submodule(name), r, alpha, dropout, rslora))
    for name in saved:
        model.get_submodule(name).requires_grad_(True)
    _warn_tied(model, saved)
    model.posttrain_lora = {"r": r, "lora_alpha": alpha, "lora_dropout": dropout, "use_rslora": rslora,
                            "target_modules": target_modules, "modules_to_save": modules_to_save,
                            "modules_to_save_paths": saved}
    return model


@contextlib.contextmanager
def disable_adapters(model):
    """Run the base model (e.g. the DPO/PPO reference) without copying it: LoRA layers return W x.
    Merged layers are unmerged for the duration and merged again afterwards."""
    layers = list(lora_layers(model).values())
    if getattr(model, "posttrain_lora", {}).get("modules_to_save"):
        warnings.warn("modules_to_save are trained in place; disable_adapters does not restore them", stacklevel=3)
    merged = [l for l in layers if l.merged]
    for l in merged:
        l.unmerge()
    before = [l.disabled for l in layers]
    for l in layers:
        l.disabled = True
    try:
        yield model
    finally:
        for l, d in zip(layers, before):
            l.disabled = d
        for l in merged:
            l.merge()


def unmerge_lora(model):
    for l in lora_layers(model).values():
        l.unmerge()
    return model


def merge_lora(model, unload: bool = True):
    """Fold s · B A into each base weight. With `unload` (default) the LoRA layers are replaced by
    their plain `nn.Linear`, every parameter is made trainable again and `posttrain_lora` is removed:
    the result saves and loads as an ordinary `transformers` model."""
    for name, layer in lora_layers(model).items():
        layer.merge()
        if unload:
            _set_module(model, name, layer.base_layer)
    if unload:
        model.requires_grad_(True)
        if hasattr(model, "posttrain_lora"):
            del model.posttrain_lora
    return model


# ----------------------------------------------------------------------------- PEFT folders

def adapter_state_dict(model) -> dict[str, torch.Tensor]:
    """LoRA A/B and modules_to_save weights under PEFT's saved key names."""
    out = {}
    for name, layer in lora_layers(model).items():
        out[f"{PREFIX}{name}.lora_A.weight"] = layer.lora_A.weight
        out[f"{PREFIX}{name}.lora_B.weight"] = layer.lora_B.weight
    for name in model.posttrain_lora["modules_to_save_paths"]:
        for pname, p in model.get_submodule(name).named_parameters():
            out[f"{PREFIX}{name}.{pname}"] = p
    # clone: safetensors refuses tensors sharing storage (a tied head saved beside its embedding)
    return {k: v.detach().contiguous().clone().cpu() for k, v in out.items()}


def save_adapter(model, folder, base_model_name_or_path: str | None = None) -> Path:
    """Write a PEFT LoRA folder that `peft.PeftModel.from_pretrained(base, folder)` loads."""
    cfg = model.posttrain_lora
    if any(l.merged for l in lora_layers(model).values()):
        raise ValueError("unmerge the LoRA layers before saving the adapter")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": base_model_name_or_path,
        "r": cfg["r"], "lora_alpha": cfg["lora_alpha"], "lora_dropout": cfg["lora_dropout"],
        "use_rslora": cfg["use_rslora"], "target_modules": cfg["target_modules"],
        "modules_to_save": cfg["modules_to_save"] or None, "bias": "none", "fan_in_fan_out": False,
        "init_lora_weights": True, "inference_mode": True, "use_dora": False, "lora_bias": False,
        "rank_pattern": {}, "alpha_pattern": {}, "layers_to_transform": None, "layers_pattern": None,
        "exclude_modules": None, "target_parameters": None, "revision": None,
    }
    (folder / ADAPTER_CONFIG).write_text(json.dumps(config, indent=2) + "\n")
    save_file(adapter_state_dict(model), str(folder / ADAPTER_WEIGHTS), metadata={"format": "pt"})
    return folder


def _check_supported(config: dict) -> None:
    if config.get("peft_type", "LORA") != "LORA":
        raise ValueError(f"not a LoRA adapter: peft_type={config.get('peft_type')}")
    if config.get("bias", "none") != "none":
        raise ValueError(f"adapter trains biases (bias={config['bias']!r}); posttrain's LoRA does not")
    unset = (None, False, [], {})
    options = ("use_dora", "fan_in_fan_out", "lora_bias", "rank_pattern", "alpha_pattern", "layers_to_transform",
               "exclude_modules", "target_parameters", "trainable_token_indices", "layer_replication")
    bad = [f"{k}={config[k]!r}" for k in options if config.get(k) not in unset]
    if bad:
        raise ValueError(f"adapter uses options posttrain's LoRA does not implement: {', '.join(bad)}")


def load_adapter(model, folder, trainable: bool = False):
    """Inject LoRA per `adapter_config.json` (ours or `peft`'s) and load its weights. The LoRA
    parameters stay frozen unless `trainable` (to continue training the adapter)."""
    folder = Path(folder)
    config = json.loads((folder / ADAPTER_CONFIG).read_text())
    _check_supported(config)
    targets = config["target_modules"]
    inject_lora(model, r=config["r"], alpha=config["lora_alpha"], dropout=config.get("lora_dropout", 0.0),
                targets=targets if isinstance(targets, str) else list(targets),
                rslora=config.get("use_rslora", False), modules_to_save=config.get("modules_to_save") or ())
    weights = {k.removeprefix(PREFIX): v for k, v in load_file(str(folder / ADAPTER_WEIGHTS)).items()}
    expected = adapter_state_dict(model).keys()
    missing = [k for k in expected if k.removeprefix(PREFIX) not in weights]
    unexpected = [k for k in weights if PREFIX + k not in expected]
    if missing or unexpected:
        raise ValueError(f"adapter {folder} does not fit the model: missing {missing[:5]}, unexpected {unexpected[:5]}")
    with torch.no_grad():
        for key, value in weights.items():
            p = model.get_parameter(key)
            p.copy_(value.to(p.dtype))
    if not trainable:
        model.requires_grad_(False)
    return model


def parse_targets(text: str):
    """CLI form of `targets`: "all-linear", "q_proj,v_proj" (a list), or a regex (anything else)."""
    if text == "all-linear" or any(c in text for c in "^$*+?[](){}|\\"):
        return text
    return [t.strip() for t in text.split(",") if t.strip()]


def is_adapter_folder(path) -> bool:
    return (Path(path) / ADAPTER_CONFIG).is_file()


def adapter_base(path) -> str:
    return json.loads((Path(path) / ADAPTER_CONFIG).read_text())["base_model_name_or_path"]

