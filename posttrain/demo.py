"""`posttrain demo`: the whole story on the embedded default, offline.

1. ask the BASE model the seed questions as plain text: it continues instead of answering;
2. fine-tune it on the bundled instruction data (SFT, assistant-only loss);
3. ask again through the chat template: it answers and stops;
4. preference optimisation (DPO with RPO's NLL term) on the tuned model's own arithmetic mistakes
   against their corrections, measured on held-out problems;
5. print the before/after table: held-out benchmark accuracy, in-domain and out-of-domain
   perplexity, and draw the loss curve.

The default is Gemma-3-270M base (from the GGUF packages, cached once as a HF folder); `--tiny`
pretrains a small base model on the bundled corpus first and runs the same code in ~2 minutes.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from posttrain.config import load_recipe, replace
from posttrain.embedded import gemma_base
from posttrain.engine import generate
from posttrain.eval.benchmark import win_rate
from posttrain.eval.compare import compare, format_compare, load_for_eval
from posttrain.eval.smoke import load_smoke, run_smoke, smoke_line
from posttrain.generation import chat_generate
from posttrain.report.build import build_report
from posttrain.tasks import arithmetic, bundled, correct_last_number, last_number
from posttrain.train.configs import DPOConfig, PretrainConfig, SFTConfig
from posttrain.train.preference import run_preference
from posttrain.train.pretrain import run_pretrain
from posttrain.tool_args import ReportArgs
from posttrain.train.sft import run_sft

RECIPES = Path(__file__).resolve().parents[1] / "recipes"
# What the demo asks beyond the recipes: tokens per answer, benchmark items, the DPO step's answers.
SETTINGS = {"gemma": dict(new_tokens=32, bench_items=100, dpo_new_tokens=24),
            "tiny": dict(new_tokens=32, bench_items=100, dpo_new_tokens=24)}


def recipe(name: str) -> str:
    """A file of the repository's recipes/ folder (found from the package or the working directory)."""
    for path in (RECIPES / name, Path.cwd() / "recipes" / name):
        if path.exists():
            return str(path)
    raise FileNotFoundError(f"recipe {name} not found (run from the repository)")


def _say(msg: str = "") -> None:
    print(msg, flush=True)


def _data(name: str) -> str:
    return str(bundled(name))


def _questions() -> list[str]:
    return [it.instruction for it in load_smoke(_data("bench_smoke.jsonl"))]


def pretrain_tiny(out: Path) -> str:
    cfg = load_recipe(PretrainConfig, recipe("pretrain_tiny.yaml"), corpus=_data("corpus.txt"), output_dir=str(out / "base"))
    run_pretrain(cfg)
    return cfg.run.output_dir


def ask_raw(model_dir: str, questions: list[str], new_tokens: int) -> list[str]:
    """The base model as a text completer: the question as plain text, greedy continuation."""
    model, tok = load_for_eval(model_dir)
    prompts = [tok(q)["input_ids"] for q in questions]
    # no stop tokens: a text completer just keeps writing, which is the point of this step
    outs = generate(model, prompts, max_new_tokens=new_tokens, stop_ids=(), tokenizer=tok, pad_id=tok.pad_token_id)
    return [o.text for o in outs]


def ask_checked(model_dir: str, new_tokens: int, template: str | None) -> list:
    """The smoke questions through the chat template, each reply checked (✓/✗) and its stop noted."""
    model, tok = load_for_eval(model_dir)
    results = run_smoke(model, tok, load_smoke(_data("bench_smoke.jsonl")), template, new_tokens)
    _say("\n=== tuned model (chat), replies checked ===")
    for r in results:
        a = r.reply.replace("\n", " ⏎ ")
        mark = "✓" if r.right else f"✗ ({r.why})"
        _say(f"Q: {r.item.instruction}\nA: {a[:300]}\n   {mark}{'' if r.stopped else ' [did not stop]'}\n")
    _say(smoke_line(results))
    return results


def show_answers(title: str, questions: list[str], answers: list[str]) -> None:
    _say(f"\n=== {title} ===")
    for q, a in zip(questions, answers):
        a = a.strip().replace("\n", " ⏎ ")
        _say(f"Q: {q}\nA: {a[:300]}{' …' if len(a) > 300 else ''}\n")


def plot_loss(run_dir: Path, png: Path) -> Path | None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    rows = [json.loads(l) for l in (run_dir / "metrics.jsonl").read_text().splitlines() if l.strip()]
    train = [(r["step"], r["loss"]) for r in rows if "loss" in r]
    evals = [(r["step"], r["eval_loss"]) for r in rows if "eval_loss" in r]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(*zip(*train), label="train loss (assistant tokens)")
    if evals:
        ax.plot(*zip(*evals), "o-", label="held-out loss")
    ax.set_xlabel("step")
    ax.set_ylabel("NLL per token")
    ax.set_title("SFT")
    ax.legend()
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return png


def run_sft_step(kind: str, base: str, out: Path, max_steps: int) -> tuple[SFTConfig, dict]:
    """SFT with the recipe the README names (recipes/sft_<kind>.yaml) on the bundled data files it names."""
    overrides = dict(model=base, output_dir=str(out / "sft"))
    if max_steps:
        overrides["max_steps"] = max_steps
    cfg = load_recipe(SFTConfig, recipe(f"sft_{kind}.yaml"), **overrides)
    # the recipe names files of data/ relative to the repository; found from the package wherever it runs
    bundled_files = {k: ",".join(_data(Path(p).name) for p in v.split(",")) for k, v in
                     (("data", cfg.data.train), ("eval_data", cfg.data.eval), ("replay", cfg.data.replay)) if v}
    cfg = replace(cfg, **bundled_files)
    summary = run_sft(cfg)
    _say(f"trained {summary['steps']} steps, {summary['tokens']:,} tokens at {summary['tokens_per_s']:.0f} tokens/s")
    return cfg, summary


def run_demo(tiny: bool = False, output_dir: str = "out/demo", max_steps: int = 0) -> dict:
    t0 = time.perf_counter()
    kind = "tiny" if tiny else "gemma"
    settings = SETTINGS[kind]
    out = Path(output_dir) / kind
    out.mkdir(parents=True, exist_ok=True)
    questions = _questions()
    if tiny:
        _say("step 0/4: pretraining a tiny base model on data/corpus.txt (a text completer)")
        base = pretrain_tiny(out)
    else:
        base = str(gemma_base())
    _say(f"\nstep 1/4: the BASE model ({base}) gets the questions as plain text")
    show_answers("base model (text completion)", questions, ask_raw(base, questions, settings["new_tokens"]))

    _say("step 2/4: supervised fine-tuning on the bundled instruction data")
    sft_cfg, summary = run_sft_step(kind, base, out, max_steps)
    sft_dir, template = sft_cfg.run.output_dir, sft_cfg.model.template

    _say("\nstep 3/4: the TUNED model gets the same questions through its chat template")
    smoke = ask_checked(sft_dir, settings["new_tokens"], template)

    _say("\nstep 4/4: preference optimisation (DPO + RPO's NLL term) on the tuned model's own arithmetic mistakes")
    dpo_dir, dpo_summary, arith = run_dpo_step(kind, sft_dir, out, settings["dpo_new_tokens"])
    ev = [json.loads(l) for l in (dpo_dir / "metrics.jsonl").read_text().splitlines() if "eval_accuracy" in l]
    arith_line = (f"held-out arithmetic ({arith['n']} problems never trained on, greedy, last number = result): "
                  f"SFT {100 * arith['sft']:.0f}% → DPO {100 * arith['dpo']:.0f}%")
    _say(f"DPO: {dpo_summary['steps']} steps on {arith['pairs']} pairs; held-out pairs: reward accuracy "
         f"{100 * ev[-1]['eval_accuracy']:.1f}%, margin {ev[-1]['eval_margin']:.2f}\n{arith_line}")

    rows = compare([base, sft_dir, str(dpo_dir)], benchmark=_data("bench_heldout.jsonl"),
                   ppl_in=_data("sft_heldout.jsonl"), ppl_ood=_data("ood.txt"), template=template,
                   max_items=settings["bench_items"], max_new_tokens=settings["new_tokens"], ood_tokens=4096,
                   retain=True)
    report = write_report(out, kind, rows, ev[-1], arith_line, Path(sft_dir), t0, smoke_line(smoke))
    _say("\nthe report: training curves, forgetting, accuracy, probability shift, answers side by side")
    page = build_report([("base", base), ("SFT", sft_dir), ("DPO", str(dpo_dir))],
                        ReportArgs(out=str(out / "report"), title=f"posttrain demo ({kind})", template=template,
                                   max_new_tokens=settings["new_tokens"]), rows=rows)
    _say(f"report page: {page['html']} (PNG figures beside it)")
    return {"rows": rows, "elapsed_s": report["elapsed_s"], "summary": summary, "dpo": dpo_summary, "smoke": smoke,
            "win_rate": report["win_rate"], "dpo_eval": ev[-1], "arithmetic": arith}


def write_report(out: Path, kind: str, rows: list[dict], dpo_eval: dict, arith_line: str, sft_dir: Path,
                 t0: float, smoke: str = "") -> dict:
    """The before/after table, the DPO-vs-SFT duel, the loss curve and report.md."""
    table = format_compare(rows)
    wr = win_rate(rows[2]["bench"], rows[1]["bench"])
    duel = (f"DPO vs SFT on the {wr['n']} held-out benchmark questions (answer check, not trained on): "
            f"{wr['wins']} won, {wr['losses']} lost, {wr['ties']} tied → win rate {100 * wr['win_rate']:.1f}%; "
            f"mean answer {wr['words_new']:.1f} words vs {wr['words_old']:.1f}")
    _say("\n=== before / after (held-out benchmark, perplexity) ===\n" + table + "\n\n" + duel)
    png = plot_loss(sft_dir, out / "loss.png")
    elapsed = time.perf_counter() - t0
    report = out / "report.md"
    report.write_text(f"# posttrain demo ({'tiny' if kind == 'tiny' else 'Gemma-3-270M'})\n\n{table}\n\n{duel}\n\n"
                      f"SFT model, {smoke}\n\n"
                      f"DPO: {arith_line}; held-out preference pairs: reward accuracy "
                      f"{100 * dpo_eval['eval_accuracy']:.1f}%, margin {dpo_eval['eval_margin']:.2f}\n\n"
                      f"Loss curve: {png}\n\nTotal time: {elapsed / 60:.1f} min\n")
    _say(arith_line)
    _say(f"\nreport: {report}" + (f" | loss curve: {png}" if png else "") + f" | total {elapsed / 60:.1f} min")
    return {"elapsed_s": elapsed, "win_rate": wr}


def correction_pairs(model_dir: str, rows: list[dict], template: str, new_tokens: int) -> tuple[list[dict], float]:
    """On-policy pairs: the model's greedy reply to each problem it gets wrong (rejected) against the
    same reply with its result corrected (chosen); and the model's accuracy on the rows."""
    model, tok = load_for_eval(model_dir)
    replies = chat_generate(model, tok, [r["prompt"] for r in rows], template=template, max_new_tokens=new_tokens)
    pairs, right = [], 0
    for r, reply in zip(rows, replies):
        if last_number(reply) in r["answers"]:
            right += 1
        elif (fixed := correct_last_number(reply, r["answers"][0])) is not None:
            pairs.append({"prompt": r["prompt"], "chosen": fixed, "rejected": reply})
    return pairs, right / len(rows)


def run_dpo_step(kind: str, sft_dir: str, out: Path, new_tokens: int) -> tuple[Path, dict, dict]:
    """DPO (recipes/dpo_<kind>.yaml: loss=rpo) from the SFT model on its own mistakes on the arithmetic
    task's training problems; held-out problems measure it. The SFT model may be a LoRA adapter: DPO loads it merged."""
    task = arithmetic()
    cfg = load_recipe(DPOConfig, recipe(f"dpo_{kind}.yaml"), model=sft_dir, output_dir=str(out / "dpo"))
    template = cfg.model.template
    files = {}
    for split, rows in (("train", task.train), ("heldout", task.heldout)):
        pairs, acc = correction_pairs(sft_dir, rows, template, new_tokens)
        files[split] = out / f"arith_pairs_{split}.jsonl"
        files[split].write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
        files[f"{split}_pairs"], files[f"{split}_acc"] = len(pairs), acc
    summary = run_preference(replace(cfg, data=str(files["train"]), eval_data=str(files["heldout"])))
    dpo_dir = Path(cfg.run.output_dir)
    model, tok = load_for_eval(str(dpo_dir))
    after = task.evaluate(model, tok, template, max_new_tokens=new_tokens)
    return dpo_dir, summary, {"sft": files["heldout_acc"], "dpo": after["accuracy"], "n": len(task.heldout),
                              "pairs": files["train_pairs"]}


if __name__ == "__main__":  # pragma: no cover
    run_demo(tiny="--tiny" in sys.argv)
