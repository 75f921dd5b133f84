"""Typed stage configs: a YAML recipe plus `key=value` overrides become one validated dataclass.

Each field's docstring is its `--help` text (jsonargparse reads attribute docstrings). Fields
shared by every training stage live in `LoopConfig`; a stage adds only its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Literal, Optional

from jsonargparse import ArgumentParser, ActionConfigFile, set_parsing_settings

set_parsing_settings(docstring_parse_attribute_docstrings=True)


class ConfigError(ValueError):
    """A recipe or override that cannot be used; the message says which field and why."""


@dataclass
class LoopConfig:
    """Options of the one training loop, shared by every stage."""

    output_dir: str = "out/run"
    """Folder for the model, checkpoints, metrics.jsonl and the resolved config."""
    lr: float = 2e-5
    """Peak learning rate of AdamW."""
    weight_decay: float = 0.0
    """AdamW weight decay (not applied to biases and norms)."""
    warmup_steps: int = 0
    """Linear warm-up steps before the decay starts."""
    schedule: Literal["cosine", "linear", "constant"] = "cosine"
    """Learning-rate decay after warm-up (to 10% of the peak for cosine/linear)."""
    epochs: float = 1.0
    """Passes over the training data (fractions allowed); ignored when max_steps > 0."""
    max_steps: int = 0
    """Optimizer steps to run; 0 means derive from epochs."""
    batch_size: int = 8
    """Micro-batch size: examples (padded), or packed rows of max_len tokens."""
    grad_accum: int = 1
    """Micro-batches per optimizer step (per process); the loss is normalised by the step's total trained tokens."""
    grad_clip: float = 1.0
    """Clip the global gradient norm to this value (0 disables)."""
    eval_every: int = 0
    """Evaluate on eval_data every N steps (0: only at the end)."""
    save_every: int = 0
    """Write a resumable checkpoint every N steps (0: only at the end)."""
    seed: int = 0
    """Seed for data order, initialisation and dropout."""
    dtype: Literal["auto", "fp32", "bf16", "fp16"] = "auto"
    """Compute precision: auto = bf16 on CUDA, bf16 autocast on CPUs with fast bf16, else fp32."""
    device: str = "auto"
    """Device: auto, cpu, cuda, cuda:1 ..."""
    resume: bool = False
    """Continue from the last checkpoint in output_dir, exactly where it stopped."""
    progress: bool = True
    """Show a progress bar with loss, learning rate and tokens/s."""

    def __post_init__(self):
        if self.lr <= 0:
            raise ConfigError(f"lr must be > 0, got {self.lr}")
        if self.batch_size < 1 or self.grad_accum < 1:
            raise ConfigError("batch_size and grad_accum must be >= 1")
        if self.max_steps < 0 or self.epochs <= 0:
            raise ConfigError("max_steps must be >= 0 and epochs > 0")


@dataclass
class TuneConfig(LoopConfig):
    """Options of every stage that fine-tunes an existing model: which model, which weights train, template."""

    model: str = ""
    """Base model: a Hugging Face folder, a hub id, a .gguf file, or a PEFT adapter folder (loaded merged)."""
    template: Optional[str] = None
    """Chat template: a built-in name (chatml, llama3, llama2, mistral, gemma, alpaca, plain), a .jinja file, or None for the tokenizer's own (chatml if it has none)."""
    max_len: int = 512
    """Maximum tokens per example (longer ones are truncated) and per packed row."""
    skip_invalid: bool = False
    """Skip malformed rows (and report how many) instead of stopping at the first."""
    freeze_embeddings: bool = False
    """Freeze the input embeddings (and a tied output layer)."""
    freeze_layers: int = 0
    """Freeze the first N transformer blocks."""
    freeze_regex: Optional[str] = None
    """Freeze every parameter whose name this regex matches (re.search), e.g. 'layers\\.(0|1)\\.|norm'."""
    lora_r: int = 0
    """LoRA rank; 0 trains the (unfrozen) weights themselves. The output folder is then a PEFT adapter."""
    lora_alpha: float = 16.0
    """LoRA scaling numerator: the update is scaled by lora_alpha / lora_r (or / sqrt(r) with lora_rslora)."""
    lora_dropout: float = 0.0
    """Dropout on the LoRA input."""
    lora_targets: str = "all-linear"
    """Modules to adapt: all-linear, a comma-separated list of names (q_proj,v_proj), or a regex over module paths."""
    lora_rslora: bool = False
    """rsLoRA scaling lora_alpha / sqrt(lora_r), stable across ranks."""
    gradient_checkpointing: bool = False
    """Recompute each block's activations in the backward pass: less memory, ~30% more compute."""

    def __post_init__(self):
        super().__post_init__()
        if self.lora_r < 0 or not 0 <= self.lora_dropout < 1:
            raise ConfigError("lora_r must be >= 0 and lora_dropout in [0, 1)")
        if self.max_len < 8:
            raise ConfigError(f"max_len must be >= 8, got {self.max_len}")
        if self.freeze_regex is not None:
            try:
                re.compile(self.freeze_regex)
            except re.error as e:
                raise ConfigError(f"freeze_regex {self.freeze_regex!r} is not a valid regex: {e}") from None


@dataclass
class SFTConfig(TuneConfig):
    """Supervised fine-tuning on conversations, loss on assistant tokens only."""

    data: str = ""
    """Training data: a .jsonl/.json/.parquet/.csv file, a folder, or a `datasets` name."""
    eval_data: Optional[str] = None
    """Held-out conversations for periodic evaluation loss (same formats as data)."""
    packing: bool = True
    """Pack several examples per row (padding-free, attention kept inside each example)."""
    last_turn_only: bool = False
    """Train on the last assistant turn only instead of every assistant turn."""
    lr: float = 2e-5

    def __post_init__(self):
        super().__post_init__()
        if not self.model or not self.data:
            raise ConfigError("sft needs model=... and data=...")


@dataclass
class PairsConfig(TuneConfig):
    """Options of the stages that train on preference pairs (preference optimisation, reward models)."""

    data: str = ""
    """Preference data: prompt/chosen/rejected rows (strings or message lists) or chosen/rejected conversations sharing a prompt; KTO also reads prompt/completion/label rows."""
    eval_data: Optional[str] = None
    """Held-out preference data: evaluation loss, accuracy and margin."""
    prefix_sharing: bool = True
    """Run each prompt through the model once for both answers (same result, less compute)."""
    packing: bool = True
    """Pack several pairs per row of 2 × max_len tokens; false = one pair per row (batch_size = pairs)."""

    def __post_init__(self):
        super().__post_init__()
        if not self.model or not self.data:
            raise ConfigError("this stage needs model=... and data=...")


@dataclass
class PreferenceConfig(PairsConfig):
    """Preference optimisation on pairs (DPO family, SimPO, ORPO) or unpaired labels (KTO)."""

    loss: Literal["sigmoid", "robust", "ipo", "hinge", "rpo", "simpo", "orpo", "kto"] = "sigmoid"
    """The loss: sigmoid (DPO), robust, ipo, hinge, rpo (DPO + NLL), simpo, orpo, kto."""
    beta: float = 0.1
    """Strength: DPO-family temperature on the implicit reward, SimPO's reward scale, ORPO's λ, KTO's β."""
    label_smoothing: float = 0.0
    """Assumed rate of flipped labels (cDPO / robust DPO); 0 = trust every label."""
    rpo_alpha: float = 1.0
    """Weight of the chosen answer's per-token NLL in loss=rpo."""
    simpo_gamma: float = 0.5
    """SimPO's target reward margin γ."""
    desirable_weight: float = 1.0
    """KTO: weight of desirable examples (raise it when they are rarer than undesirable ones)."""
    undesirable_weight: float = 1.0
    """KTO: weight of undesirable examples."""
    reference: Literal["auto", "precompute", "adapter", "copy"] = "auto"
    """Reference model: precompute its log-probs once before training (auto), the LoRA-disabled base (adapter), or a frozen copy kept in memory."""
    lr: float = 1e-6

    def __post_init__(self):
        super().__post_init__()
        if self.beta <= 0:
            raise ConfigError(f"beta must be > 0, got {self.beta}")
        if not 0 <= self.label_smoothing < 0.5:
            raise ConfigError(f"label_smoothing must be in [0, 0.5), got {self.label_smoothing}")
        if self.reference == "adapter" and not self.lora_r:
            raise ConfigError("reference=adapter needs LoRA (lora_r > 0): the base model is the adapter-disabled policy")


DPO_LOSSES = ("sigmoid", "robust", "ipo", "hinge", "rpo")


@dataclass
class DPOConfig(PreferenceConfig):
    """Direct preference optimisation and its family: loss=sigmoid (DPO), robust, ipo, hinge, rpo."""

    def __post_init__(self):
        super().__post_init__()
        if self.loss not in DPO_LOSSES:
            raise ConfigError(f"dpo takes loss in {DPO_LOSSES}; use `posttrain {self.loss}` for {self.loss}")


@dataclass
class SimPOConfig(PreferenceConfig):
    """SimPO: length-normalised log-probs, target margin γ, no reference model."""

    loss: Literal["simpo"] = "simpo"
    beta: float = 2.0


@dataclass
class ORPOConfig(PreferenceConfig):
    """ORPO: SFT on the chosen answer plus λ · log odds-ratio of chosen over rejected, no reference model."""

    loss: Literal["orpo"] = "orpo"
    lr: float = 8e-6


@dataclass
class KTOConfig(PreferenceConfig):
    """KTO: unpaired desirable/undesirable examples against a batch KL reference point."""

    loss: Literal["kto"] = "kto"


@dataclass
class RMConfig(PairsConfig):
    """Reward model: the LM with a scalar head on the last real token, Bradley–Terry loss on pairs."""

    margin: float = 0.0
    """Bradley–Terry margin m: loss −log σ(r_chosen − r_rejected − m)."""
    lr: float = 1e-5


@dataclass
class RLConfig(TuneConfig):
    """Options of the online RL stages: what to sample, how to score it, how far to stay from the reference."""

    task: str = "arithmetic"
    """Built-in task (arithmetic, format, length: prompts, reward and evaluation in one) or a prompt file (prompt/instruction rows, optional answers)."""
    reward: Optional[str] = None
    """Reward override / reward for a prompt file: contains, exact, brevity, module:function, a reward-model folder, or a sum like contains+brevity."""
    eval_data: Optional[str] = None
    """Held-out prompt file for a file task (built-in tasks hold out their own prompts)."""
    eval_prompts: int = 100
    """Held-out prompts evaluated (reward and accuracy of one reply each, sampled KL to the reference)."""
    eval_temperature: float = 0.0
    """Temperature of the evaluation replies: 0 = greedy; > 0 measures the sampling policy (with a fixed seed)."""
    max_new_tokens: int = 32
    """Tokens sampled per completion."""
    temperature: float = 1.0
    """Sampling temperature; the update's log-probs use the same tempered distribution."""
    beta: float = 0.0
    """KL coefficient to the reference policy (0: no KL term)."""
    reference: Literal["auto", "adapter", "copy"] = "auto"
    """Reference policy: the LoRA-disabled policy (auto with LoRA) or a frozen copy (auto without)."""
    max_len: int = 256
    batch_size: int = 4
    """Prompts per micro-batch."""

    def __post_init__(self):
        super().__post_init__()
        if not self.model:
            raise ConfigError("this stage needs model=...")
        if self.temperature <= 0 or self.max_new_tokens < 1 or self.beta < 0:
            raise ConfigError("temperature must be > 0, max_new_tokens >= 1 and beta >= 0")
        if self.max_new_tokens >= self.max_len:
            raise ConfigError(f"max_new_tokens ({self.max_new_tokens}) must be < max_len ({self.max_len})")


@dataclass
class GRPOConfig(RLConfig):
    """GRPO: G samples per prompt, advantages relative to the group, clipped ratio, optional KL (k3)."""

    num_generations: int = 8
    """Samples per prompt (the group G)."""
    loss: Literal["grpo", "dr_grpo", "dapo"] = "grpo"
    """Variant: grpo (std-normalised, per-sequence mean), dr_grpo (no std, constant normaliser), dapo (token mean, clip-higher, drops groups whose rewards all agree)."""
    epsilon: float = 0.2
    """Clip range of the ratio π/π_old (lower side, and upper unless epsilon_high)."""
    epsilon_high: Optional[float] = None
    """Upper clip range (clip-higher; dapo defaults to 0.28)."""
    iterations: int = 1
    """Updates per rollout (μ); above 1 the old log-probs are recomputed and the ratio clipping bites."""
    lr: float = 1e-6

    def __post_init__(self):
        super().__post_init__()
        if self.num_generations < 2 or self.iterations < 1:
            raise ConfigError("num_generations must be >= 2 (advantages are relative to the group) and iterations >= 1")


@dataclass
class PPOConfig(RLConfig):
    """PPO: policy + value head, GAE, clipped surrogate and value losses, KL penalty in the reward."""

    ppo_epochs: int = 4
    """Passes over each rollout batch."""
    minibatches: int = 1
    """Optimizer steps per pass (the rollout holds minibatches × grad_accum × batch_size prompts per process)."""
    gamma: float = 1.0
    """Discount of GAE."""
    lam: float = 0.95
    """λ of GAE."""
    cliprange: float = 0.2
    """Clip range of the policy ratio."""
    cliprange_value: float = 0.2
    """Clip range of the value update around the rollout's values."""
    vf_coef: float = 0.1
    """Weight of the value loss."""
    beta: float = 0.05
    """KL coefficient: per-token penalty −β·KL in the reward (the initial value when kl_target is set)."""
    kl_target: Optional[float] = None
    """Adaptive KL controller (Ziegler et al. 2019): steer β so the sequence KL stays near this; None keeps β fixed."""
    kl_horizon: int = 10000
    """Samples over which the adaptive controller corrects β."""
    kl_estimator: Literal["k1", "k2", "k3"] = "k1"
    """Per-token KL estimator in the reward penalty."""
    reward_norm: bool = True
    """Normalise scores by running mean and std (over all rollouts so far)."""
    missing_eos_penalty: Optional[float] = None
    """Subtract this from the score of a completion that never stopped (hit max_new_tokens)."""
    lr: float = 3e-6


@dataclass
class PretrainConfig(LoopConfig):
    """Train a small base model from scratch on a text corpus (tokenizer trained here too)."""

    corpus: str = ""
    """Plain-text file (or .jsonl with a `text` field) to train on."""
    vocab_size: int = 2048
    """Vocabulary of the byte-level BPE tokenizer trained on the corpus."""
    hidden_size: int = 128
    """Model width."""
    layers: int = 4
    """Transformer blocks."""
    heads: int = 4
    """Attention heads."""
    seq_len: int = 256
    """Tokens per training row."""
    lr: float = 3e-3
    warmup_steps: int = 20

    def __post_init__(self):
        super().__post_init__()
        if not self.corpus:
            raise ConfigError("pretrain needs corpus=...")
        if self.hidden_size % self.heads:
            raise ConfigError("hidden_size must be divisible by heads")


def normalize_argv(argv: list[str]) -> list[str]:
    """`recipe.yaml key=value` → `--config recipe.yaml --key=value` (jsonargparse syntax)."""
    out = []
    for arg in argv:
        if not arg.startswith("-") and arg.endswith((".yaml", ".yml")):
            out += ["--config", arg]
        elif not arg.startswith("-") and "=" in arg and arg.split("=", 1)[0].isidentifier():
            out.append("--" + arg)
        elif arg.startswith("--") and len(arg) > 2:  # --ppl-ood → --ppl_ood
            name, eq, value = arg[2:].partition("=")
            out.append("--" + name.replace("-", "_") + eq + value)
        else:
            out.append(arg)
    return out


def make_parser(cls, prog: str | None = None, description: str | None = None) -> ArgumentParser:
    parser = ArgumentParser(prog=prog, description=description or cls.__doc__, exit_on_error=False)
    parser.add_argument("--config", action=ActionConfigFile, help="YAML recipe; key=value arguments override it.")
    parser.add_class_arguments(cls, fail_untyped=True, sub_configs=False)
    return parser


def parse(cls, argv: list[str]):
    """Build a `cls` from CLI-style arguments (recipe path, key=value, --key value)."""
    parser = make_parser(cls)
    try:
        ns = parser.parse_args(normalize_argv(list(argv)))
    except Exception as e:  # jsonargparse raises on unknown keys / bad types
        raise ConfigError(str(e)) from None
    values = {f.name: ns[f.name] for f in fields(cls) if f.name in ns}
    return cls(**values)


def load_recipe(cls, path: str, **overrides):
    """A recipe file plus Python overrides, as used by the demo and tests."""
    return parse(cls, [path] + [f"{k}={v}" for k, v in overrides.items()])


def to_dict(cfg) -> dict:
    return {f.name: getattr(cfg, f.name) for f in fields(cfg)}

