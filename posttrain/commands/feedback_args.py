"""Options of the commands that write training data (`best-of-n`, `distill`, `judge`, `constitution`,
`corrections`): one dataclass each, whose field docstrings are the `--help` text; the ones that sample compose
the shared sampling options (posttrain/core/sections.py: NucleusSampling) with their own defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional

from posttrain.core.sections import NucleusSampling


@dataclass
class BestOfNArgs(NucleusSampling):
    """Sample n answers per prompt, score them, keep the best (and the worst, for preference pairs)."""

    max_new_tokens: int = 64
    temperature: float = 1.0
    top_p: float = 1.0

    model: str = ""
    """Model that answers (positional): a Hugging Face folder or adapter folder."""
    data: str = ""
    """Prompt rows (positional): prompt (string or messages) or instruction, optionally answers (a list)."""
    reward: str = "contains"
    """Reward: contains, exact, brevity, a sum like contains+brevity, module:function, or a reward-model folder."""
    out: str = "out/best_of_n.jsonl"
    """SFT data written here: messages = prompt + best answer, with the rewards."""
    pairs: Optional[str] = None
    """Also write DPO pairs here (best as chosen, worst as rejected; prompts whose scores all tie are left out)."""
    n: int = 4
    """Samples per prompt."""
    max_prompts: Optional[int] = None
    """Use only the first N prompts."""
    template: Optional[str] = None
    """Chat template override (default: the tokenizer's own)."""
    skip_invalid: bool = False
    """Skip malformed prompt rows (and report how many) instead of stopping at the first."""
    keep_ties: bool = False
    """Keep prompts whose samples all scored the same (by default they are skipped: no sample is 'best')."""
    min_reward: Optional[float] = None
    """Skip prompts whose best sample scores below this (all n failed), instead of keeping a failure as SFT data."""


@dataclass
class DistillArgs(NucleusSampling):
    """Self-distillation: the base model answers questions through a few-shot prompt; checked answers → SFT data.
    Sampling applies when n > 1; an answer still going at max_new_tokens is dropped as unfinished."""

    max_new_tokens: int = 96

    model: str = ""
    """The base model that answers (positional): a Hugging Face folder, hub id, .gguf or adapter folder."""
    data: str = ""
    """Question rows (positional): instruction or prompt, optionally answers (a list: a sample must contain one)."""
    out: str = "out/distill.jsonl"
    """SFT data written here: messages = the question + the kept answer (source: distill)."""
    shots: Optional[str] = None
    """JSONL of {"question", "answer"} examples for the few-shot prompt (default: the package's eight)."""
    n: int = 1
    """Samples per question (1: greedy); the first that passes the checks (the best, with reward) is kept."""
    min_words: int = 1
    """Drop answers with fewer words."""
    max_repeat: float = 0.3
    """Drop answers whose share of repeated word 3-grams (or lines) is above this."""
    reward: Optional[str] = None
    """Optional judge: a reward spec as in best-of-n (contains, module:function, a reward-model folder)."""
    min_reward: Optional[float] = None
    """With reward: drop answers scored below this."""
    max_questions: Optional[int] = None
    """Use only the first N questions."""
    skip_invalid: bool = False
    """Skip malformed question rows (and report how many) instead of stopping at the first."""


@dataclass
class JudgeArgs:
    """AI feedback: a judge model compares two answers (both orders) or grades one:
    `posttrain judge JUDGE DATA --out pairs.jsonl`."""

    judge: str = ""
    """The judge (positional): a model folder (judges through our engine), a reward-model folder (the
    higher reward wins), or the base URL of an OpenAI-compatible endpoint (`http://127.0.0.1:8000/v1`)."""
    data: str = ""
    """Rows to judge (positional). pairwise: prompt + a/b (or completions [a, b], or chosen/rejected);
    single: prompt + completion."""
    mode: Literal["pairwise", "single"] = "pairwise"
    """pairwise: which of two answers is better, judged in both orders; single: a 1-10 rating."""
    out: str = "out/judged.jsonl"
    """Output: decided pairs as prompt/chosen/rejected (what dpo/rm read), with both verdicts and the
    judge's reasoning; single mode: the rows with their rating."""
    ties: Optional[str] = None
    """Also write the pairs that ended tied (inconsistent across orders, unparsable, or judged a tie)."""
    report: Optional[str] = None
    """Write the summary (counts, win rate of a over b with a 95% bootstrap interval) as JSON here."""
    template: Optional[str] = None
    """Judge prompt template file with {question}, {answer_a}, {answer_b} (or {question}, {answer});
    default: the shipped posttrain/feedback/judge/templates/<mode>.txt."""
    judge_model: Optional[str] = None
    """Endpoint judges: the model name to ask for."""
    api_key_env: str = "OPENAI_API_KEY"
    """Endpoint judges: the environment variable holding the API key."""
    timeout: float = 60.0
    """Endpoint judges: seconds before a request counts as a judge error."""
    workers: int = 8
    """Endpoint judges: requests in flight at once."""
    max_new_tokens: int = 256
    """Longest judgement in tokens (reasoning and verdict)."""
    verdict: Literal["text", "logprobs"] = "text"
    """Local model judges: 'text' reads the verdict from the judgement the model writes; 'logprobs' writes
    none and takes the likelier of 'A' and 'B' right after '[[' (always a verdict: for small models that
    cannot write a judgement; pairwise only)."""
    swap_rule: Literal["agree", "mean"] = "agree"
    """How the two orders combine: agree (the verdicts must name the same answer, else a tie) or mean (with
    --verdict logprobs: P(a better) averaged over both orders, so a constant position preference cancels)."""
    margin: float = 0.0
    """swap_rule mean: a pair whose mean P(a better) is within this of 0.5 is a tie."""
    limit: Optional[int] = None
    """Judge only the first N rows."""
    skip_invalid: bool = False
    """Skip malformed rows instead of stopping at the first."""


@dataclass
class ConstitutionArgs(NucleusSampling):
    """Constitutional AI data: answer, critique against a principle, revise → SFT rows and (original, revision)
    pairs: `posttrain constitution MODEL PROMPTS`. The sampling options apply to answers, critiques and
    revisions alike; the seed also draws the principles."""

    max_new_tokens: int = 160

    model: str = ""
    """The model whose answers are critiqued and revised (positional)."""
    data: str = ""
    """Prompts (positional): rows with `prompt` (text or messages) or `instruction`."""
    constitution: Optional[str] = None
    """Constitution file: YAML `principles: [{name, critique, revision}]` or a Markdown list
    `- name: critique request || revision request` (default: posttrain/assets/constitution.yaml, 16 principles)."""
    principles: list[str] = field(default_factory=list)
    """Draw only from these principles (names in the constitution), e.g. the harm principles for red-team
    prompts; default: all of them."""
    examples: bool = True
    """Show the critic the constitution's worked examples (critique and revision of an earlier answer) before
    each conversation; false: the bare requests only."""
    critic: Optional[str] = None
    """Who writes the critiques and revisions: a model folder, or the base URL of an OpenAI-compatible endpoint
    (`http://127.0.0.1:8000/v1`; with --critic_model) (default: MODEL itself)."""
    critic_model: Optional[str] = None
    """Endpoint critics: the model name to ask for."""
    api_key_env: str = "OPENAI_API_KEY"
    """Endpoint critics: the environment variable holding the API key."""
    timeout: float = 120.0
    """Endpoint critics: seconds before a request counts as failed (that prompt stays unrevised)."""
    out_sft: str = "out/constitution_sft.jsonl"
    """SFT rows: the prompt and the final revision."""
    out_pairs: str = "out/constitution_pairs.jsonl"
    """Preference pairs: chosen = the final revision, rejected = the original answer (with principles and critiques)."""
    rounds: int = 1
    """Rounds of critique and revision per prompt (a new principle each round)."""
    template: Optional[str] = None
    """Chat template override."""
    limit: Optional[int] = None
    """Use only the first N prompts."""
    skip_invalid: bool = False
    """Skip malformed rows instead of stopping at the first."""


@dataclass
class CorrectionsArgs:
    """On-policy preference pairs from a task's mistakes (wrong reply = rejected, the same reply with the
    right result = chosen): `posttrain corrections MODEL --task arithmetic`."""

    model: str = ""
    """The model that answers (positional): a folder or a LoRA adapter folder."""
    task: str = "arithmetic"
    """A built-in task with known answers (arithmetic, arithmetic:N for operands up to N)."""
    template: Optional[str] = None
    """Chat template override for models without their own."""
    max_new_tokens: int = 24
    """Longest reply in tokens."""
    out: str = "out/corrections.jsonl"
    """Pairs from the task's training problems."""
    out_heldout: str = "out/corrections_heldout.jsonl"
    """Pairs from its held-out problems (DPO's eval_data)."""
    report: Optional[str] = None
    """Also write the accuracy and pair counts per split as JSON here."""
