"""The `posttrain` command: one subcommand per stage or tool, options generated from dataclasses.

Training stages take a YAML recipe and `key=value` overrides (`posttrain sft recipes/sft.yaml lr=1e-4`);
tools take positional arguments plus options. `posttrain CMD --help` lists every option with its
meaning (from the dataclass field docstrings).
"""

from __future__ import annotations

import sys
from pathlib import Path
from dataclasses import dataclass, field, fields
from typing import Literal, Optional

from posttrain.config import (ConfigError, DPOConfig, GRPOConfig, KTOConfig, ORPOConfig, PPOConfig, PretrainConfig,
                              RMConfig, SFTConfig, SimPOConfig, make_parser, normalize_argv)


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


@dataclass
class DemoArgs:
    """The whole story on the embedded default: base model → SFT → answers → DPO, with before/after tables."""

    tiny: bool = False
    """Pretrain a tiny base model on the bundled corpus instead of using Gemma-3-270M (about 2 minutes)."""
    output_dir: str = "out/demo"
    """Where the demo writes its models and reports."""
    max_steps: int = 0
    """Override the number of SFT steps (0: the demo's default)."""


COMMANDS = {
    "pretrain": (PretrainConfig, [], "Train a small base model from scratch on a text corpus."),
    "sft": (SFTConfig, [], "Supervised fine-tuning with assistant-only loss (full, frozen layers, or LoRA)."),
    "dpo": (DPOConfig, [], "Direct preference optimisation on chosen/rejected pairs (loss=sigmoid|robust|ipo|hinge|rpo)."),
    "simpo": (SimPOConfig, [], "SimPO: length-normalised preference optimisation without a reference model."),
    "orpo": (ORPOConfig, [], "ORPO: SFT and preference in one run, without a reference model."),
    "kto": (KTOConfig, [], "KTO: learn from thumbs up / down on single answers (prompt/completion/label)."),
    "rm": (RMConfig, [], "Reward model: scalar head on the last token, Bradley–Terry loss on preference pairs."),
    "ppo": (PPOConfig, [], "PPO: policy + value head, GAE, clipped losses, KL penalty (fixed or adaptive) to the reference."),
    "grpo": (GRPOConfig, [], "GRPO with verifiable rewards: G samples per prompt, group-relative advantages (grpo|dr_grpo|dapo)."),
    "score": (ScoreArgs, ["model", "data"], "Rate (prompt, completion) rows with a reward model."),
    "best-of-n": (BestOfNArgs, ["model", "data"], "Rejection sampling: n answers per prompt, the best by a reward kept (→ SFT / DPO data)."),
    "check": (CheckArgs, ["data"], "Pre-flight lint: rendered examples with trained tokens highlighted, statistics, problems."),
    "eval": (EvalArgs, ["models*"], "Benchmark accuracy and perplexity, models side by side."),
    "chat": (ChatArgs, ["model"], "Terminal chat with a model."),
    "sheet": (SheetArgs, ["action", "path"], "Export / import human rating sheets."),
    "merge": (MergeArgs, ["base", "adapter", "out"], "Merge a LoRA adapter into its base model (plain HF folder)."),
    "demo": (DemoArgs, [], "Run the embedded demo (base model continues → SFT model answers → DPO)."),
}


def _positionals(argv: list[str], names: list[str]) -> list[str]:
    """Map leading bare arguments onto named fields (`name*` takes all of them as a list)."""
    out, rest = [], list(argv)
    bare = []
    while rest and not rest[0].startswith("-") and not ("=" in rest[0] and rest[0].split("=", 1)[0].isidentifier()) \
            and not rest[0].endswith((".yaml", ".yml")):
        bare.append(rest.pop(0))
    for name in names:
        if not bare:
            break
        if name.endswith("*"):
            out += [f"--{name[:-1]}", "[" + ",".join(bare) + "]"]
            bare = []
        else:
            out += [f"--{name}", bare.pop(0)]
    return out + bare + rest


def parse_command(cmd: str, argv: list[str]):
    cls, pos, _ = COMMANDS[cmd]
    parser = make_parser(cls, prog=f"posttrain {cmd}")
    try:
        ns = parser.parse_args(normalize_argv(_positionals(argv, pos)))
    except SystemExit:
        raise
    except Exception as e:  # unknown option, wrong type: say which
        raise ConfigError(str(e)) from None
    return cls(**{f.name: ns[f.name] for f in fields(cls) if f.name in ns})


def _usage() -> str:
    lines = ["usage: posttrain COMMAND [RECIPE.yaml] [key=value ...] [--option value ...]", "", "commands:"]
    lines += [f"  {name:<10} {desc}" for name, (_, _, desc) in COMMANDS.items()]
    lines += ["", "`posttrain COMMAND --help` explains every option of that command."]
    return "\n".join(lines)


def run(cmd: str, args) -> int:
    if cmd == "pretrain":
        from posttrain.train.pretrain import run_pretrain
        run_pretrain(args)
    elif cmd == "sft":
        from posttrain.train.sft import run_sft
        run_sft(args)
    elif cmd == "rm":
        from posttrain.train.reward import run_rm
        run_rm(args)
    elif cmd == "grpo":
        from posttrain.train.grpo import run_grpo
        run_grpo(args)
    elif cmd == "ppo":
        from posttrain.train.ppo import run_ppo
        run_ppo(args)
    elif cmd == "best-of-n":
        from posttrain.best_of_n import run_best_of_n
        run_best_of_n(args)
    elif cmd == "score":
        from posttrain.train.reward import main_score
        main_score(args.model, args.data, args.out, args.template)
    elif cmd in ("dpo", "simpo", "orpo", "kto"):
        from posttrain.train.preference import run_preference
        run_preference(args, cmd)
    elif cmd == "check":
        return run_check(args)
    elif cmd == "eval":
        from posttrain.eval.compare import main_eval
        main_eval(args.models, args.benchmark, args.ppl, args.ppl_ood, args.template, args.max_items, args.show_items)
    elif cmd == "chat":
        from posttrain.chat_cli import run_chat
        run_chat(args.model, system=args.system, template=args.template, max_new_tokens=args.max_new_tokens,
                 temperature=args.temperature, top_p=args.top_p, dtype=args.dtype)
    elif cmd == "sheet":
        from posttrain.eval import sheets
        if args.action == "export":
            sheets.main_sheet_export(args.path, args.prompts, args.out)
        else:
            sheets.main_sheet_import(args.path)
    elif cmd == "merge":
        from posttrain.lora import load_adapter, merge_lora
        from posttrain.models import load_model, load_tokenizer, save_model
        if not (args.base and args.adapter and args.out):
            raise ConfigError("merge needs BASE ADAPTER OUT")
        tok = load_tokenizer(args.adapter if (Path(args.adapter) / "tokenizer_config.json").exists() else args.base)
        save_model(merge_lora(load_adapter(load_model(args.base), args.adapter)), tok, args.out)
        print(f"merged model written to {args.out}")
    elif cmd == "demo":
        from posttrain.demo import run_demo
        run_demo(tiny=args.tiny, output_dir=args.output_dir, max_steps=args.max_steps)
    return 0


def run_check(args: CheckArgs) -> int:
    from posttrain.check import lint, print_report
    from posttrain.data.formats import load_conversations
    from posttrain.models import load_tokenizer

    if not args.data or not args.model:
        raise ConfigError("check needs DATA and --model")
    tok = load_tokenizer(args.model)
    convs = load_conversations(args.data, args.skip_invalid)
    report, rendered = lint(tok, convs, args.template, args.max_len, args.last_turn_only)
    print_report(tok, report, rendered, args.show)
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0
    cmd, rest = argv[0], argv[1:]
    if cmd not in COMMANDS:
        print(f"posttrain: unknown command {cmd!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    from posttrain.data.readers import DataError
    from posttrain.chat import TemplateError
    from posttrain.train.loop import TrainingDiverged

    try:
        args = parse_command(cmd, rest)
        return run(cmd, args)
    except SystemExit as e:  # --help
        return int(e.code or 0)
    except (ConfigError, DataError, TemplateError, TrainingDiverged, FileNotFoundError, ValueError) as e:
        print(f"posttrain {cmd}: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\nposttrain {cmd}: interrupted (a run with save_every>0 resumes with resume=true)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
