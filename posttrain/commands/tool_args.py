"""Options of the commands that inspect, evaluate and serve models, and of `posttrain run` / `demo` (`check`,
`eval`, `chat`, `score`, `sheet`, `merge`, `serve`, `report`): one dataclass each, whose field docstrings are the
`--help` text. The commands that write training data have theirs in feedback_args.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional

from posttrain.core.sections import NucleusSampling


@dataclass
class CheckArgs:
    """Lint training data as the model will see it: `posttrain check DATA --model M`."""

    data: str = ""
    """Conversations file (.jsonl/.json/.parquet/.csv), folder or `datasets` name (positional)."""
    model: str = ""
    """Model folder / hub id / .gguf whose tokenizer and template are used."""
    template: Optional[str] = None
    """Chat template name, .jinja file, or None for the tokenizer's own."""
    max_len: int = 512
    """Truncation length used in training."""
    last_turn_only: bool = False
    """Check as trained with loss on the last assistant turn only."""
    show: int = 3
    """How many rendered examples to print."""
    skip_invalid: bool = False
    """Skip malformed rows instead of stopping at the first."""


@dataclass
class ChatArgs(NucleusSampling):
    """Chat with a model in the terminal: `posttrain chat MODEL` (/reset, /system TEXT, /quit)."""

    top_p: float = 0.9
    seed: Optional[int] = None
    """Sampling seed (none: a fresh draw each session)."""
    model: str = ""
    """Model folder, hub id or .gguf file (positional)."""
    system: Optional[str] = None
    """System prompt."""
    template: Optional[str] = None
    """Chat template override (default: the tokenizer's own)."""
    dtype: Literal["auto", "fp32", "bf16", "fp16"] = "auto"
    """Compute precision."""


@dataclass
class EvalArgs:
    """Compare models on a benchmark and on in-/out-of-domain perplexity: `posttrain eval MODEL [MODEL ...]`."""

    models: list[str] = field(default_factory=list)
    """Model folders to evaluate side by side (positional, e.g. base then tuned)."""
    benchmark: Optional[str] = None
    """Benchmark JSONL: {"instruction", "answers"} rows; greedy answers scored by contains / exact match."""
    ppl: Optional[str] = None
    """In-domain conversations for perplexity on assistant tokens."""
    ppl_ood: Optional[str] = None
    """Out-of-domain plain-text file for perplexity (forgetting check)."""
    template: Optional[str] = None
    """Chat template override for models without their own."""
    max_items: Optional[int] = None
    """Use only the first N benchmark items (and N in-domain conversations for perplexity)."""
    show_items: bool = True
    """Print the per-item table (✓/✗, expected, got)."""
    retention: bool = False
    """The first model is the base: the benchmark items it answers right through a few-shot text prompt are what it
    knows; report each model's share of those still answered right (knowledge retention; needs benchmark)."""
    safety: bool = False
    """Red-team and over-refusal check: each model answers the bundled harmful prompts (should refuse) and their
    benign look-alikes (should answer); harmful-compliance and over-refusal rates per category, read by a
    rule-based refusal detector whose accuracy on hand-labelled answers is printed with them."""
    sycophancy: bool = False
    """Pushback probe on the benchmark items: after a right answer the user insists on a wrong one; report how
    often each model's right answer flips (needs benchmark)."""
    shift: bool = False
    """Shift probe on the benchmark items: accuracy on each question as written and rephrased out of distribution
    (lower case, chatty, role-play frame, format constraint) (needs benchmark)."""
    safety_split: Literal["heldout", "train", "all"] = "heldout"
    """Which safety prompts to use (train prompts are for building safety data, e.g. Constitutional AI)."""


@dataclass
class SheetArgs:
    """Human rating sheets: `posttrain sheet export MODEL --prompts B --out s.csv` or `posttrain sheet import s.csv`."""

    action: Literal["export", "import"] = "export"
    """export: generate answers and write a blank sheet; import: read a filled sheet and summarise (positional)."""
    path: str = ""
    """export: the model folder; import: the filled sheet (positional)."""
    prompts: Optional[str] = None
    """export: JSONL with `instruction` fields (a benchmark file works)."""
    out: str = "ratings.csv"
    """export: sheet to write (.csv or .md)."""


@dataclass
class MergeArgs:
    """Merge a LoRA adapter into its base: `posttrain merge BASE ADAPTER OUT` writes a plain Hugging Face folder."""

    base: str = ""
    """Base model folder / hub id / .gguf (positional)."""
    adapter: str = ""
    """PEFT adapter folder, ours or saved by `peft` (positional)."""
    out: str = ""
    """Output folder (positional)."""


@dataclass
class ScoreArgs:
    """Rewards from a reward model for prompt/completion rows (pair rows: chosen then rejected)."""

    model: str = ""
    """Reward-model folder written by `posttrain rm` (positional)."""
    data: str = ""
    """Rows to rate: prompt/completion, or prompt/chosen/rejected (positional)."""
    out: Optional[str] = None
    """Write {"row", "reward"} JSON lines here instead of printing them."""
    template: Optional[str] = None
    """Chat template override (default: the tokenizer's own)."""
    skip_invalid: bool = False
    """Skip malformed rows (and report how many) instead of stopping at the first."""
    too_long: Literal["error", "skip"] = "error"
    """A row longer than the reward model's context: error (stop, naming it) or skip (reward null, counted)."""


@dataclass
class DemoArgs:
    """The whole story on the embedded default: the shipped pipeline pipelines/demo.yaml (base model → SFT →
    DPO → report); `posttrain run pipelines/demo.yaml` is the same."""

    tiny: bool = False
    """Run pipelines/demo_tiny.yaml: a tiny base model pretrained on the bundled corpus instead of Gemma-3-270M
    (about 3 minutes)."""
    output_dir: Optional[str] = None
    """Where the demo writes (OUTPUT_DIR/gemma or OUTPUT_DIR/tiny; default: the pipeline's run_dir, out/demo/...)."""


@dataclass
class ServeArgs:
    """Serve models over the OpenAI chat-completions API, with a page to chat, compare blind and label:
    `posttrain serve MODEL [NAME=MODEL ...]`."""

    models: list[str] = field(default_factory=list)
    """Model folders (a merged model or a LoRA adapter folder), each optionally named NAME=FOLDER; the
    name is the `model` clients ask for (default: the folder's name). Positional."""
    host: str = "127.0.0.1"
    """Address to bind. Anything but a loopback address needs --api-key."""
    port: int = 8000
    """Port to listen on."""
    api_key: Optional[str] = None
    """Require `Authorization: Bearer KEY` on the API and the page's requests (default: $POSTTRAIN_API_KEY)."""
    labels: Optional[str] = "labels"
    """Folder for the page's labels (pairs.jsonl for dpo/rm, unpaired.jsonl for kto, ties.jsonl); empty for none."""
    dtype: Literal["auto", "fp32", "bf16", "fp16"] = "auto"
    """Weights and compute precision (auto: bf16 on a GPU or a CPU with native bf16, else fp32)."""
    max_rows: int = 64
    """Most sequences decoded together; later requests wait for a free row."""
    max_tokens: int = 1024
    """Largest max_tokens a request may ask for (a larger one is a 400)."""
    default_max_tokens: int = 256
    """max_tokens of a request that gives none."""
    max_n: int = 16
    """Largest n (choices per request)."""
    max_body_bytes: int = 1_000_000
    """Largest request body (a larger one is a 413)."""
    template: Optional[str] = None
    """Chat template override for every model (default: each tokenizer's own)."""
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
    """uvicorn's log level (info logs every request)."""


@dataclass
class ReportArgs:
    """One HTML report (figures embedded, also as PNG) for a run's models in stage order, base first:
    `posttrain report base=FOLDER sft=FOLDER dpo=FOLDER --out out/report`."""

    models: list[str] = field(default_factory=list)
    """The models (positional), in stage order, the base model first: NAME=FOLDER or FOLDER."""
    out: str = "out/report"
    """Folder for report.html, report.md, report.json and the PNG figures."""
    title: str = "posttrain report"
    """The report's title."""
    benchmark: Optional[str] = None
    """Held-out benchmark JSONL (accuracy per stage); none: no accuracy rows."""
    ppl: Optional[str] = None
    """In-domain held-out conversations (perplexity per stage)."""
    ppl_ood: Optional[str] = None
    """Out-of-domain plain text (perplexity per stage: the forgetting curve)."""
    ood_tokens: int = 4096
    """Tokens of the out-of-domain text to score."""
    prompts: Optional[str] = None
    """Smoke questions answered side by side and used for the probability shift (default: the bundled
    data/bench_smoke.jsonl)."""
    shift_prompts: int = 4
    """How many questions (with a known answer) the probability-shift figure shows."""
    base_raw: bool = True
    """The first model is a text completer: it gets the questions as plain text (samples and probability shift);
    false: through the chat template like the others."""
    safety: bool = False
    """Also measure red-team harmful-compliance and over-refusal rates per stage (held-out safety prompts)."""
    judge_reports: list[str] = field(default_factory=list)
    """`posttrain judge --report` files to table (win rates with 95% bootstrap intervals)."""
    labels: Optional[str] = None
    """A label folder of `posttrain serve` (its blind A/B comparisons): human win rates per pair of
    configurations with 95% Wilson intervals, and rater agreement."""
    template: Optional[str] = None
    """Chat template override for models without their own."""
    max_items: Optional[int] = 100
    """Benchmark items (and in-domain conversations) to use."""
    max_new_tokens: int = 48
    """Longest answer in tokens (benchmark and samples)."""
    retention: bool = False
    """The first model is the base: report each model's share of the benchmark items the base answers right
    few-shot (knowledge retention; needs benchmark)."""
    tasks: list[str] = field(default_factory=list)
    """Built-in tasks (e.g. arithmetic) whose held-out accuracy is measured per stage."""
    task_new_tokens: int = 24
    """Longest reply in tokens for the task problems."""


@dataclass
class RunArgs:
    """Run a pipeline file: named stages in order, unchanged stages skipped: `posttrain run PIPELINE.yaml`."""

    pipeline: str = ""
    """The pipeline YAML (positional): `stages:` of {name, command, recipe, args}, `repeat:` blocks (posttrain/commands/pipeline.py)."""
    run_dir: Optional[str] = None
    """Where the stages write (default: the file's run_dir, else out/pipeline)."""
    start: Optional[str] = None
    """Re-run from this stage on (`--from` also works); earlier stages are reused as they finished."""
    only: Optional[str] = None
    """Run only this stage (its inputs must have finished before)."""
