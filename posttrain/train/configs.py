"""Each training stage's config: the shared sections (posttrain/core/sections.py) plus one of its own.

A method section holds only what that method reads, so `posttrain simpo --help` shows SimPO's γ
and nothing of KTO's weights, and `loss=` offers only the losses the stage runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Literal, Optional

from posttrain.core.config import ConfigError
from posttrain.core.sections import (ConversationData, ModelConfig, PairData, RunConfig, Sampling, UnpairedData,
                                     need)


def _run(**kw):
    return field(default_factory=lambda: RunConfig(**kw))


def _check_reference(reference: str, model: ModelConfig) -> None:
    if reference == "adapter" and not model.lora_r:
        raise ConfigError("reference=adapter needs LoRA (lora_r > 0): the base model is the adapter-disabled policy")


# ----------------------------------------------------------------------------- supervised

@dataclass
class SFTConfig:
    """Supervised fine-tuning on conversations, loss on assistant tokens only."""

    run: RunConfig = _run(lr=2e-5)
    model: ModelConfig = field(default_factory=ModelConfig)
    data: ConversationData = field(default_factory=ConversationData)

    def __post_init__(self):
        need(self.model.path and self.data.train, "model=... and data=...")


@dataclass
class PretrainOptions:
    """The corpus and the size of the model trained from scratch."""

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

    def __post_init__(self):
        if self.hidden_size % self.heads:
            raise ConfigError("hidden_size must be divisible by heads")


@dataclass
class PretrainConfig:
    """Train a small base model from scratch on a text corpus (tokenizer trained here too)."""

    run: RunConfig = _run(lr=3e-3, warmup_steps=20)
    pretrain: PretrainOptions = field(default_factory=PretrainOptions)

    def __post_init__(self):
        need(self.pretrain.corpus, "corpus=...")


# ----------------------------------------------------------------------------- preference

DPO_LOSSES = ("sigmoid", "robust", "ipo", "hinge", "rpo")


@dataclass
class DPOOptions:
    """DPO and its family."""

    loss: Literal["sigmoid", "robust", "ipo", "hinge", "rpo"] = "sigmoid"
    """sigmoid (DPO), robust (unbiased under flipped labels), ipo, hinge (SLiC), rpo (DPO + NLL on the chosen answer)."""
    beta: float = 0.1
    """Temperature of the implicit reward β·log(π/π_ref)."""
    label_smoothing: float = 0.0
    """Assumed rate of flipped labels (cDPO / robust DPO); 0 = trust every label."""
    rpo_alpha: float = 1.0
    """Weight of the chosen answer's per-token NLL in loss=rpo."""
    reference: Literal["auto", "precompute", "adapter", "copy"] = "auto"
    """Reference model: precompute its log-probs once before training (auto), the LoRA-disabled base (adapter), or a frozen copy kept in memory."""

    def __post_init__(self):
        if self.beta <= 0:
            raise ConfigError(f"beta must be > 0, got {self.beta}")
        if not 0 <= self.label_smoothing < 0.5:
            raise ConfigError(f"label_smoothing must be in [0, 0.5), got {self.label_smoothing}")


@dataclass
class SimPOOptions:
    """SimPO: length-normalised log-probs, no reference model."""

    beta: float = 2.0
    """Scale of the length-normalised reward."""
    gamma: float = 0.5
    """Target reward margin γ."""


@dataclass
class ORPOOptions:
    """ORPO: SFT on the chosen answer plus λ · log odds-ratio, no reference model."""

    beta: float = 0.1
    """λ, the weight of the odds-ratio term."""


@dataclass
class KTOOptions:
    """KTO: unpaired desirable/undesirable answers against a batch KL reference point."""

    beta: float = 0.1
    """β of the KTO value function."""
    desirable_weight: float = 1.0
    """Weight of desirable examples (raise it when they are rarer than undesirable ones)."""
    undesirable_weight: float = 1.0
    """Weight of undesirable examples."""
    reference: Literal["auto", "precompute", "adapter", "copy"] = "auto"
    """Reference model: precomputed log-probs (auto), the LoRA-disabled base (adapter), or a frozen copy."""


@dataclass
class PairStage:
    """The block every stage on preference data composes: the loop, the model, the pairs; a stage adds its
    method section (named like the stage) and overrides the defaults it needs."""

    run: RunConfig = _run(lr=1e-6)
    model: ModelConfig = field(default_factory=ModelConfig)
    data: PairData = field(default_factory=PairData)

    stage = property(lambda self: fields(self)[-1].name)  # the method section's name: the command, and the card's
    method = property(lambda self: getattr(self, self.stage))
    loss = property(lambda self: self.stage)

    def __post_init__(self):
        need(self.model.path and self.data.train, "model=... and data=...")
        _check_reference(getattr(self.method, "reference", "auto"), self.model)
        beta = getattr(self.method, "beta", None)
        if beta is not None and beta <= 0:
            raise ConfigError(f"beta must be > 0, got {beta}")


@dataclass
class DPOConfig(PairStage):
    """Direct preference optimisation and its family (loss=sigmoid|robust|ipo|hinge|rpo)."""

    dpo: DPOOptions = field(default_factory=DPOOptions)

    loss = property(lambda self: self.dpo.loss)


@dataclass
class SimPOConfig(PairStage):
    """SimPO: length-normalised preference optimisation with a target margin, no reference model."""

    simpo: SimPOOptions = field(default_factory=SimPOOptions)


@dataclass
class ORPOConfig(PairStage):
    """ORPO: SFT on the chosen answer plus λ · log odds-ratio of chosen over rejected, no reference model."""

    run: RunConfig = _run(lr=8e-6)
    orpo: ORPOOptions = field(default_factory=ORPOOptions)


@dataclass
class KTOConfig(PairStage):
    """KTO: learn from thumbs up / down on single answers (prompt/completion/label rows)."""

    data: UnpairedData = field(default_factory=UnpairedData)
    kto: KTOOptions = field(default_factory=KTOOptions)


@dataclass
class RMOptions:
    """The reward model's loss."""

    margin: float = 0.0
    """Bradley–Terry margin m: loss −log σ(r_chosen − r_rejected − m)."""


@dataclass
class RMConfig(PairStage):
    """Reward model: the LM with a scalar head on the last real token, Bradley–Terry loss on pairs."""

    run: RunConfig = _run(lr=1e-5)
    rm: RMOptions = field(default_factory=RMOptions)


# ----------------------------------------------------------------------------- online RL

@dataclass
class TaskConfig:
    """What the policy answers, how replies are scored, and the held-out evaluation."""

    name: str = "arithmetic"
    """Built-in task (arithmetic, arithmetic:N, format, length: prompts, reward and evaluation in one) or a prompt file (prompt/instruction rows, optional answers)."""
    reward: Optional[str] = None
    """Reward override / reward for a prompt file: contains, exact, brevity, module:function, a reward-model folder, or a sum like contains+brevity."""
    eval_data: Optional[str] = None
    """Held-out prompt file for a file task (built-in tasks hold out their own prompts)."""
    eval_prompts: int = 100
    """Held-out prompts evaluated (reward and accuracy of one reply each, sampled KL to the reference)."""
    eval_temperature: float = 0.0
    """Temperature of the evaluation replies: 0 = greedy; > 0 measures the sampling policy (with a fixed seed)."""


@dataclass
class RolloutConfig(Sampling):
    """How completions are sampled (tempered, no top-p: the update's log-probs are of the same distribution; seed: run.seed), and the reference policy they are compared with."""

    max_new_tokens: int = 32
    temperature: float = 1.0
    reference: Literal["auto", "adapter", "copy"] = "auto"
    """Reference policy: auto = the LoRA-disabled policy with LoRA, else a frozen copy when a KL term (beta > 0) uses it; copy = always a frozen copy (it also gives the held-out KL)."""
    long_prompts: Literal["drop", "refuse"] = "drop"
    """A prompt longer than max_len - max_new_tokens (never cut: that would lose BOS and the system prompt): drop = leave it out and say how many; refuse = stop, naming the first such row."""

    def __post_init__(self):
        if self.temperature <= 0 or self.max_new_tokens < 1:
            raise ConfigError("temperature must be > 0 and max_new_tokens >= 1")


@dataclass
class GRPOOptions:
    """GRPO: G samples per prompt, group-relative advantages, clipped ratio, optional KL (k3)."""

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
    beta: float = 0.0
    """KL coefficient to the reference policy (0: no KL term, and no reference is kept)."""

    def __post_init__(self):
        if self.num_generations < 2 or self.iterations < 1 or self.beta < 0:
            raise ConfigError("num_generations must be >= 2 (advantages are relative to the group), iterations >= 1, beta >= 0")


@dataclass
class PPOOptions:
    """PPO: value head, GAE, clipped surrogate and value losses, KL penalty in the reward."""

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

    def __post_init__(self):
        if self.beta < 0:
            raise ConfigError("beta must be >= 0")


@dataclass
class RLStage:
    """The block both online RL stages compose: the loop, the model, the task, the rollouts; a stage adds its
    method section."""

    run: RunConfig = _run(lr=1e-6, batch_size=4)
    model: ModelConfig = field(default_factory=lambda: ModelConfig(max_len=256))
    task: TaskConfig = field(default_factory=TaskConfig)
    rollout: RolloutConfig = field(default_factory=RolloutConfig)

    def __post_init__(self):
        need(self.model.path, "model=...")
        _check_reference(self.rollout.reference, self.model)
        if self.rollout.max_new_tokens >= self.model.max_len:
            raise ConfigError(f"max_new_tokens ({self.rollout.max_new_tokens}) must be < max_len ({self.model.max_len})")


@dataclass
class GRPOConfig(RLStage):
    """GRPO with verifiable rewards: G samples per prompt, group-relative advantages (grpo|dr_grpo|dapo)."""

    grpo: GRPOOptions = field(default_factory=GRPOOptions)


@dataclass
class PPOConfig(RLStage):
    """PPO: policy + value head, GAE, clipped losses, KL penalty (fixed or adaptive) to the reference."""

    run: RunConfig = _run(lr=3e-6, batch_size=4)
    ppo: PPOOptions = field(default_factory=PPOOptions)
