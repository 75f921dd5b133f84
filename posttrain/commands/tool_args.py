"""Options of the tool commands (`posttrain check`, `eval`, `chat`, `score`, `best-of-n`, `distill`, ...):
one dataclass each, whose field docstrings are the `--help` text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional


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
class ChatArgs:
    """Chat with a model in the terminal: `posttrain chat MODEL` (/reset, /system TEXT, /quit)."""

    model: str = ""
    """Model folder, hub id or .gguf file (positional)."""
    system: Optional[str] = None
    """System prompt."""
    template: Optional[str] = None
    """Chat template override (default: the tokenizer's own)."""
    max_new_tokens: int = 256
    """Longest answer in tokens."""
    temperature: float = 0.7
    """Sampling temperature (0 = greedy)."""
    top_p: float = 0.9
    """Nucleus sampling threshold."""
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
class BestOfNArgs:
    """Sample n answers per prompt, score them, keep the best (and the worst, for preference pairs)."""

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
    temperature: float = 1.0
    """Sampling temperature."""
    top_p: float = 1.0
    """Nucleus sampling threshold."""
    max_new_tokens: int = 64
    """Longest answer, in tokens."""
    max_prompts: Optional[int] = None
    """Use only the first N prompts."""
    template: Optional[str] = None
    """Chat template override (default: the tokenizer's own)."""
    seed: int = 0
    """Sampling seed."""
    skip_invalid: bool = False
    """Skip malformed prompt rows (and report how many) instead of stopping at the first."""
    keep_ties: bool = False
    """Keep prompts whose samples all scored the same (by default they are skipped: no sample is 'best')."""
    min_reward: Optional[float] = None
    """Skip prompts whose best sample scores below this (all n failed), instead of keeping a failure as SFT data."""


@dataclass
class DistillArgs:
    """Self-distillation: the base model answers questions through a few-shot prompt; checked answers → SFT data."""

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
    temperature: float = 0.7
    """Sampling temperature when n > 1."""
    top_p: float = 0.95
    """Nucleus sampling threshold when n > 1."""
    max_new_tokens: int = 96
    """Longest answer in tokens; an answer still going at this length is dropped as unfinished."""
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
    seed: int = 0
    """Sampling seed."""
    skip_invalid: bool = False
    """Skip malformed question rows (and report how many) instead of stopping at the first."""


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
class ConstitutionArgs:
    """Constitutional AI data: answer, critique against a principle, revise → SFT rows and (original, revision)
    pairs: `posttrain constitution MODEL PROMPTS`."""

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
    temperature: float = 0.7
    """Sampling temperature of answers, critiques and revisions (0 = greedy)."""
    top_p: float = 0.95
    """Nucleus sampling threshold."""
    max_new_tokens: int = 160
    """Longest answer, critique or revision in tokens."""
    template: Optional[str] = None
    """Chat template override."""
    seed: int = 0
    """Seed of the principle draws and the sampling."""
    limit: Optional[int] = None
    """Use only the first N prompts."""
    skip_invalid: bool = False
    """Skip malformed rows instead of stopping at the first."""


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
