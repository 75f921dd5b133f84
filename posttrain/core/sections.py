"""The config sections the stages share: the loop (`run`), the model, the data, and the sampling options.

A training stage's config (posttrain/train/configs.py) composes these with one section of its own; the
sampling options (`Sampling`, `NucleusSampling`) are composed by every command that samples (the RL rollout
section, and the tools' options in posttrain/commands/tool_args.py), each overriding the defaults it needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Optional

from posttrain.core.config import ConfigError


@dataclass
class RunConfig:
    """The training loop: output, steps, optimizer, batches, checkpoints, precision."""

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
    """Micro-batch size: examples (padded), packed rows of max_len tokens, or prompts (RL)."""
    grad_accum: int = 1
    """Micro-batches per optimizer step (per process); the loss is normalised by the step's total units (tokens, pairs)."""
    grad_clip: float = 1.0
    """Clip the global gradient norm to this value (0 disables)."""
    eval_every: int = 0
    """Evaluate on the held-out data every N steps (0: only at the end)."""
    save_every: int = 0
    """Write a resumable checkpoint every N steps (0: only at the end)."""
    seed: int = 0
    """Seed for data order, initialisation, dropout and sampling."""
    dtype: Literal["auto", "fp32", "bf16", "fp16"] = "auto"
    """Compute precision: auto = bf16 on CUDA, bf16 autocast on CPUs with fast bf16, else fp32."""
    device: str = "auto"
    """Device: auto, cpu, cuda, cuda:1 ..."""
    resume: bool | Literal["force"] = False
    """Continue from the last checkpoint in output_dir, exactly where it stopped; refused if options other than progress, max_steps, epochs, eval_every, save_every changed, unless `force`."""
    progress: bool = True
    """Show a progress bar with loss, learning rate and tokens/s."""
    tracker: Literal["none", "tensorboard", "mlflow", "trackio"] = "none"
    """Also log every metrics.jsonl line to an experiment tracker: tensorboard (event files in
    output_dir/tensorboard), mlflow (MLFLOW_TRACKING_URI, else output_dir/mlruns) or trackio (local)."""

    def __post_init__(self):
        if self.lr <= 0:
            raise ConfigError(f"lr must be > 0, got {self.lr}")
        if self.batch_size < 1 or self.grad_accum < 1:
            raise ConfigError("batch_size and grad_accum must be >= 1")
        if self.max_steps < 0 or self.epochs <= 0:
            raise ConfigError("max_steps must be >= 0 and epochs > 0")
        if self.resume not in (True, False, "force"):
            raise ConfigError(f"resume must be true, false or force, got {self.resume!r}")


@dataclass
class ModelConfig:
    """The model: where it loads from, its template and length, and which weights train (LoRA, freezing)."""

    path: str = ""
    """Base model: a Hugging Face folder, a hub id, a .gguf file, or a PEFT adapter folder (loaded merged)."""
    template: Optional[str] = None
    """Chat template: a built-in name (chatml, llama3, llama2, mistral, gemma, alpaca, plain), a .jinja file, or None for the tokenizer's own (chatml if it has none)."""
    max_len: int = 512
    """Maximum tokens per example (longer ones are truncated) and per packed row."""
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
    lean_layers: bool = True
    """RMSNorm and gated-MLP forwards that keep only their inputs for backward (posttrain.model.lean_layers): same values, less activation memory; false runs the model's own modules."""
    neftune_alpha: float = 0.0
    """NEFTune: uniform noise of scale alpha / sqrt(tokens × width) on the input embeddings while training (5 in the paper; 0 = off)."""

    def __post_init__(self):
        if self.lora_r < 0 or not 0 <= self.lora_dropout < 1 or self.neftune_alpha < 0:
            raise ConfigError("lora_r and neftune_alpha must be >= 0 and lora_dropout in [0, 1)")
        if self.max_len < 8:
            raise ConfigError(f"max_len must be >= 8, got {self.max_len}")
        if self.freeze_regex is not None:
            try:
                re.compile(self.freeze_regex)
            except re.error as e:
                raise ConfigError(f"freeze_regex {self.freeze_regex!r} is not a valid regex: {e}") from None


@dataclass
class DataFiles:
    """The files a stage trains and evaluates on (what their rows hold: the section that composes this one)."""

    train: str = ""
    """Training data: a .jsonl/.json/.parquet/.csv file, a folder, or a `datasets` name."""
    eval: Optional[str] = None
    """Held-out data (same formats) for the evaluation loss and the stage's held-out metrics."""
    skip_invalid: bool = False
    """Skip malformed rows (and report how many) instead of stopping at the first."""


@dataclass
class ConversationData(DataFiles):
    """Conversations to train on (messages rows), and how they are batched."""

    packing: bool = True
    """Pack several examples per row (padding-free, attention kept inside each example)."""
    last_turn_only: bool = False
    """Train on the last assistant turn only instead of every assistant turn."""
    history_rewrite: Literal["split", "drop", "error"] = "split"
    """Templates that rewrite earlier assistant turns (Qwen3 strips their <think> reasoning): split = one example per such turn, rendered as at generation; drop = leave them untrained; error = refuse."""
    replay: Optional[str] = None
    """Plain text (.txt, or .jsonl/.json/.csv/.parquet with a `text` field) mixed in with next-token loss on every token: rehearsing general text limits forgetting."""
    replay_fraction: float = 0.1
    """With replay: the share of all trained tokens that come from the replay text (taken from its start, in max_len rows)."""


@dataclass
class PairData(DataFiles):
    """Preference data (prompt/chosen/rejected rows, strings or message lists, or chosen/rejected conversations sharing a prompt; held out: evaluation loss, accuracy and margin), and how pairs are batched."""

    prefix_sharing: bool = True
    """Run each prompt through the model once for both answers (same result, less compute)."""
    packing: bool = True
    """Pack several pairs per row of 2 × max_len tokens; false = one pair per row (batch_size = pairs)."""


@dataclass
class UnpairedData(PairData):
    """Unpaired labels (prompt/completion/label rows, label true = desirable; held out: evaluation loss and rewards), and how they are batched."""


@dataclass
class Sampling:
    """How answers are sampled: the length and temperature every command that samples shares (RL rollouts too)."""

    max_new_tokens: int = 256
    """Longest answer in tokens."""
    temperature: float = 0.7
    """Sampling temperature: the logits are divided by it; 0 = greedy (RL rollouts need > 0)."""


@dataclass
class NucleusSampling(Sampling):
    """Sampling with a nucleus threshold and a seed: the options of the tools that sample (chat, best-of-n, distill, constitution)."""

    top_p: float = 0.95
    """Nucleus sampling threshold: sample from the smallest set of tokens whose probabilities add up to it."""
    seed: int = 0
    """Sampling seed."""


def need(value, what: str) -> None:
    if not value:
        raise ConfigError(f"this stage needs {what}")
