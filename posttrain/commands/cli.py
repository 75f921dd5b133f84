"""The `posttrain` command: one subcommand per stage or tool, options generated from dataclasses.

Training stages take a YAML recipe and `key=value` overrides (`posttrain sft recipes/sft.yaml lr=1e-4`);
tools take positional arguments plus options. `posttrain CMD --help` lists every option with its
meaning (from the dataclass field docstrings). The table (`COMMANDS`) also says what `posttrain run`
needs to know of each command: whether it trains, the files it writes under which option, and which
options name its input files (posttrain/commands/command.py).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from posttrain.commands.command import TRAINED, Command, Output, error, exit_code, invoke
from posttrain.commands.demo import run_demo
from posttrain.commands.feedback_args import BestOfNArgs, ConstitutionArgs, CorrectionsArgs, DistillArgs, JudgeArgs
from posttrain.commands.pipeline import Runner
from posttrain.commands.tool_args import (
    ChatArgs,
    CheckArgs,
    DemoArgs,
    EvalArgs,
    MergeArgs,
    ReportArgs,
    RunArgs,
    ScoreArgs,
    ServeArgs,
    SheetArgs,
)
from posttrain.core.config import ConfigError, parse
from posttrain.data.check import lint, print_report
from posttrain.data.formats import control_strings, load_conversations
from posttrain.eval.compare import main_eval
from posttrain.eval.safety import main_safety
from posttrain.eval.sheets import main_sheet_export, main_sheet_import
from posttrain.eval.shift import main_shift
from posttrain.eval.sycophancy import main_sycophancy
from posttrain.feedback.best_of_n import run_best_of_n
from posttrain.feedback.constitution import run_constitution
from posttrain.feedback.corrections import run_corrections
from posttrain.feedback.distill import run_distill
from posttrain.feedback.judge.run import run_judge
from posttrain.infer.reward_model import score_file
from posttrain.model.hf import load_model, load_tokenizer, save_model
from posttrain.nn.lora import load_adapter, merge_lora
from posttrain.report.build import run_report
from posttrain.serve.run import run_server
from posttrain.serve.terminal import run_chat
from posttrain.train.configs import (
    DPOConfig,
    GRPOConfig,
    KTOConfig,
    ORPOConfig,
    PPOConfig,
    PretrainConfig,
    RMConfig,
    SFTConfig,
    SimPOConfig,
)
from posttrain.train.grpo import run_grpo
from posttrain.train.ppo import run_ppo
from posttrain.train.preference import run_preference
from posttrain.train.pretrain import run_pretrain
from posttrain.train.reward import run_rm
from posttrain.train.sft import run_sft

# ----------------------------------------------------------------------------- tool handlers

def check(args: CheckArgs) -> int:
    if not args.data or not args.model:
        raise ConfigError("check needs DATA and --model")
    tok = load_tokenizer(args.model)
    convs = load_conversations(args.data, args.skip_invalid, forbid=control_strings(tok))
    report, rendered = lint(tok, convs, args.template, args.max_len, args.last_turn_only)
    print_report(tok, report, rendered, args.show)
    return 0 if report.ok else 1


def score(args: ScoreArgs) -> None:
    scores = score_file(args.model, args.data, args.template, too_long=args.too_long, skip_invalid=args.skip_invalid)
    lines = [json.dumps({"row": i, "reward": None if s is None else round(s, 6)}) for i, s in enumerate(scores)]
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n")
        print(f"{len(scores)} rewards written to {args.out}")
    else:
        print("\n".join(lines))


def merge(args: MergeArgs) -> None:
    if not (args.base and args.adapter and args.out):
        raise ConfigError("merge needs BASE ADAPTER OUT")
    tok = load_tokenizer(args.adapter if (Path(args.adapter) / "tokenizer_config.json").exists() else args.base)
    save_model(merge_lora(load_adapter(load_model(args.base), args.adapter)), tok, args.out)
    print(f"merged model written to {args.out}")


def evaluate(a: EvalArgs) -> None:
    if a.safety:
        main_safety(a.models, a.template, a.safety_split, show_items=a.show_items)
    if a.sycophancy:
        if not a.benchmark:
            raise ConfigError("--sycophancy needs --benchmark (the questions to push back on)")
        main_sycophancy(a.models, a.benchmark, a.template, a.max_items, a.show_items)
    if a.shift:
        if not a.benchmark:
            raise ConfigError("--shift needs --benchmark (the questions to rephrase)")
        main_shift(a.models, a.benchmark, a.template, a.max_items, a.show_items)
    probes = a.sycophancy or a.shift
    if (a.safety or probes) and not (a.ppl or a.ppl_ood or (a.benchmark and not probes)):
        return
    main_eval(a.models, a.benchmark, a.ppl, a.ppl_ood, a.template, a.max_items, a.show_items, retain=a.retention)


def chat(a: ChatArgs) -> None:
    run_chat(a.model, system=a.system, template=a.template, max_new_tokens=a.max_new_tokens, temperature=a.temperature,
             top_p=a.top_p, dtype=a.dtype, seed=a.seed)


def sheet(a: SheetArgs) -> None:
    if a.action == "export":
        main_sheet_export(a.path, a.prompts, a.out)
    else:
        main_sheet_import(a.path)


def run(a: RunArgs) -> int:
    if not a.pipeline:
        raise ConfigError("run needs PIPELINE.yaml")
    return Runner(a.pipeline, COMMANDS, a.run_dir).run(start=a.start, only=a.only)


def demo(a: DemoArgs) -> int:
    return run_demo(COMMANDS, tiny=a.tiny, output_dir=a.output_dir)


# ----------------------------------------------------------------------------- the command table

def _training(config: type, handler, help: str, inputs: tuple[str, ...]) -> Command:
    """A training stage: key=value options over a recipe; its output is the folder `output_dir`."""
    return Command(config, handler, help, trains=True, outputs=TRAINED, inputs=inputs)


MODEL_IN = ("model.path", "model.template")
DATA_IN = (*MODEL_IN, "data.train", "data.eval")
RL_IN = (*MODEL_IN, "task.name", "task.reward", "task.eval_data")

COMMANDS = {
    "pretrain": _training(PretrainConfig, run_pretrain, "Train a small base model from scratch on a text corpus.",
                          ("pretrain.corpus",)),
    "sft": _training(SFTConfig, run_sft, "Supervised fine-tuning with assistant-only loss (full, frozen layers, or LoRA).",
                     (*DATA_IN, "data.replay")),
    "dpo": _training(DPOConfig, run_preference, "Direct preference optimisation on chosen/rejected pairs (loss=sigmoid|robust|ipo|hinge|rpo).", DATA_IN),
    "simpo": _training(SimPOConfig, run_preference, "SimPO: length-normalised preference optimisation without a reference model.", DATA_IN),
    "orpo": _training(ORPOConfig, run_preference, "ORPO: SFT and preference in one run, without a reference model.", DATA_IN),
    "kto": _training(KTOConfig, run_preference, "KTO: learn from thumbs up / down on single answers (prompt/completion/label).", DATA_IN),
    "rm": _training(RMConfig, run_rm, "Reward model: scalar head on the last token, Bradley–Terry loss on preference pairs.", DATA_IN),
    "ppo": _training(PPOConfig, run_ppo, "PPO: policy + value head, GAE, clipped losses, KL penalty (fixed or adaptive) to the reference.", RL_IN),
    "grpo": _training(GRPOConfig, run_grpo, "GRPO with verifiable rewards: G samples per prompt, group-relative advantages (grpo|dr_grpo|dapo).", RL_IN),
    "score": Command(ScoreArgs, score, "Rate (prompt, completion) rows with a reward model.", ("model", "data"),
                     inputs=("model", "data", "template")),
    "best-of-n": Command(BestOfNArgs, run_best_of_n, "Rejection sampling: n answers per prompt, the best by a reward kept (→ SFT / DPO data).",
                         ("model", "data"), outputs={"": Output("pairs", "pairs.jsonl"), "sft": Output("out", "best.jsonl")},
                         inputs=("model", "data", "reward", "template")),
    "distill": Command(DistillArgs, run_distill, "Self-distillation: the base model's own few-shot answers, checked, as SFT data.",
                       ("model", "data"), outputs={"": Output("out", "distill.jsonl")},
                       inputs=("model", "data", "shots", "reward")),
    "check": Command(CheckArgs, check, "Pre-flight lint: rendered examples with trained tokens highlighted, statistics, problems.",
                     ("data",), inputs=("data", "model", "template")),
    "eval": Command(EvalArgs, evaluate, "Benchmark accuracy and perplexity, models side by side.", ("models*",),
                    inputs=("models", "benchmark", "ppl", "ppl_ood", "template")),
    "chat": Command(ChatArgs, chat, "Terminal chat with a model.", ("model",), inputs=("model", "template")),
    "sheet": Command(SheetArgs, sheet, "Export / import human rating sheets.", ("action", "path"), inputs=("path", "prompts")),
    "merge": Command(MergeArgs, merge, "Merge a LoRA adapter into its base model (plain HF folder).", ("base", "adapter", "out"),
                     outputs={"": Output("out", "model")}, inputs=("base", "adapter")),
    "constitution": Command(ConstitutionArgs, run_constitution, "Constitutional AI data: answer → critique against a principle → revise (SFT rows + pairs).",
                            ("model", "data"), outputs={"": Output("out_pairs", "pairs.jsonl"), "sft": Output("out_sft", "sft.jsonl")},
                            inputs=("model", "data", "constitution", "critic", "template")),
    "corrections": Command(CorrectionsArgs, run_corrections, "On-policy pairs from a task's mistakes: wrong reply (rejected) vs the same reply corrected (chosen).",
                           ("model",), outputs={"": Output("out", "pairs.jsonl"), "heldout": Output("out_heldout", "heldout.jsonl"),
                                                "report": Output("report", "corrections.json")},
                           inputs=("model", "template")),
    "judge": Command(JudgeArgs, run_judge, "AI feedback: a model, endpoint or reward model judges answer pairs (both orders) → DPO pairs.",
                     ("judge", "data"), outputs={"": Output("out", "pairs.jsonl"), "ties": Output("ties", "ties.jsonl"),
                                                 "report": Output("report", "judge.json")},
                     inputs=("judge", "data", "template")),
    "serve": Command(ServeArgs, run_server, "OpenAI-compatible server + web page to chat, compare blind and label preferences.", ("models*",),
                     inputs=("models", "template")),
    "report": Command(ReportArgs, run_report, "One HTML report (figures as PNG too) for a run's models: curves, per-stage accuracy and perplexity, samples, probability shift.",
                      ("models*",), outputs={"": Output("out")},
                      inputs=("models", "benchmark", "ppl", "ppl_ood", "prompts", "judge_reports", "labels", "template")),
    "run": Command(RunArgs, run, "Run a pipeline file: stages in order, each reading earlier outputs by name; unchanged stages skipped.",
                   ("pipeline",), stage=False),
    "demo": Command(DemoArgs, demo, "Run the demo pipeline (pipelines/demo.yaml: base model continues → SFT → DPO → report).", stage=False),
}


def _positionals(argv: list[str], names: tuple[str, ...], fields: set[str] = frozenset()) -> list[str]:
    """Map leading bare arguments onto named fields (`name*` takes all of them as a list). A
    `key=value` is an override when `key` is one of `fields`, else a bare argument (serve's NAME=MODEL)."""
    out, rest = [], list(argv)
    bare = []
    while rest and not rest[0].startswith("-") and not ("=" in rest[0] and rest[0].split("=", 1)[0] in fields) \
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
    c = COMMANDS[cmd]
    fields = {f.name for f in dataclasses.fields(c.config)}
    return parse(c.config, _positionals(argv, c.positionals, fields), prog=f"posttrain {cmd}")


def _usage() -> str:
    lines = ["usage: posttrain COMMAND [RECIPE.yaml] [key=value ...] [--option value ...]", "", "commands:"]
    lines += [f"  {name:<10} {c.help}" for name, c in COMMANDS.items()]
    lines += ["", "`posttrain COMMAND --help` explains every option of that command."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0
    cmd, rest = argv[0], argv[1:]
    if cmd == "run":  # the YAML is the pipeline, not a recipe of options; --from is a Python keyword: `start`
        rest = ["--start" if x == "--from" else x for x in rest]
        if rest and not rest[0].startswith("-"):
            rest = ["--pipeline", *rest]
    if cmd not in COMMANDS:
        print(f"posttrain: unknown command {cmd!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    try:
        args = parse_command(cmd, rest)
    except OSError as e:  # a recipe that cannot be read is a usage error
        error(cmd, e)
        return 2
    except Exception as e:  # noqa: BLE001 - every failure gets one line; bugs re-raise under POSTTRAIN_DEBUG
        return exit_code(cmd, e)
    except SystemExit as e:
        return exit_code(cmd, e)
    return invoke(cmd, COMMANDS[cmd], args)


if __name__ == "__main__":
    sys.exit(main())
