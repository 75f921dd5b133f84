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

from posttrain.config import PretrainConfig, SFTConfig

# Each path is a small recipe: what the base is, which template, how long to train.
# Gemma: embeddings (tied to the output layer) and the first 9 of 18 blocks frozen: backward stops
# halfway, the step is ~30% faster, and less of the base model's general text ability is lost.
GEMMA = dict(template="gemma", max_len=128, batch_size=8, grad_accum=1, lr=1e-4, max_steps=60, warmup_steps=5,
             freeze_embeddings=True, freeze_layers=9, n_train=None, bench_items=100, new_tokens=32,
             dpo=dict(batch_size=4, max_steps=30, lr=1e-5, beta=0.1, warmup_steps=2, new_tokens=24))
TINY = dict(template="plain", max_len=128, batch_size=16, grad_accum=1, lr=2e-3, max_steps=100, warmup_steps=10,
            freeze_embeddings=False, freeze_layers=0, n_train=None, bench_items=100, new_tokens=32,
            dpo=dict(batch_size=8, max_steps=30, lr=2e-4, beta=0.1, warmup_steps=3, new_tokens=24))


def _say(msg: str = "") -> None:
    print(msg, flush=True)


def _data(name: str) -> str:
    from posttrain.tasks import bundled

    return str(bundled(name))


def _questions() -> list[str]:
    return [json.loads(l)["instruction"] for l in Path(_data("bench_smoke.jsonl")).read_text().splitlines() if l.strip()]


def pretrain_tiny(out: Path, steps: int = 120) -> str:
    from posttrain.train.pretrain import run_pretrain

    cfg = PretrainConfig(corpus=_data("corpus.txt"), output_dir=str(out / "base"), vocab_size=4096, hidden_size=192,
                         layers=4, heads=6, seq_len=256, batch_size=16, max_steps=steps, lr=3e-3, warmup_steps=20)
    run_pretrain(cfg)
    return cfg.output_dir


def subset(path: str, n: int | None, out: Path) -> str:
    """The first n rows of a bundled file (the files are already shuffled across families)."""
    if n is None:
        return path
    lines = [l for l in Path(path).read_text(encoding="utf-8").splitlines() if l.strip()][:n]
    dst = out / f"{Path(path).stem}_{n}.jsonl"
    dst.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(dst)


def ask_raw(model_dir: str, questions: list[str], new_tokens: int) -> list[str]:
    """The base model as a text completer: the question as plain text, greedy continuation."""
    from posttrain.engine import generate
    from posttrain.eval.compare import load_for_eval

    model, tok = load_for_eval(model_dir)
    prompts = [tok(q)["input_ids"] for q in questions]
    # no stop tokens: a text completer just keeps writing, which is the point of this step
    outs = generate(model, prompts, max_new_tokens=new_tokens, stop_ids=(), tokenizer=tok, pad_id=tok.pad_token_id)
    return [o.text for o in outs]


def ask_chat(model_dir: str, questions: list[str], new_tokens: int, template: str | None = None) -> list[str]:
    from posttrain.engine import chat_generate
    from posttrain.eval.compare import load_for_eval

    model, tok = load_for_eval(model_dir)
    return chat_generate(model, tok, [[{"role": "user", "content": q}] for q in questions], template=template,
                         max_new_tokens=new_tokens)


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


def run_demo(tiny: bool = False, output_dir: str = "out/demo", max_steps: int = 0) -> dict:
    from posttrain.eval.benchmark import win_rate
    from posttrain.eval.compare import compare, format_compare
    from posttrain.train.sft import run_sft

    t0 = time.perf_counter()
    recipe = dict(TINY if tiny else GEMMA)
    if max_steps:
        recipe["max_steps"] = max_steps
    out = Path(output_dir) / ("tiny" if tiny else "gemma")
    out.mkdir(parents=True, exist_ok=True)
    questions = _questions()

    if tiny:
        _say("step 0/4: pretraining a tiny base model on data/corpus.txt (a text completer)")
        base = pretrain_tiny(out)
    else:
        from posttrain.embedded import gemma_base
        base = str(gemma_base())
    _say(f"\nstep 1/4: the BASE model ({base}) gets the questions as plain text")
    show_answers("base model (text completion)", questions, ask_raw(base, questions, recipe["new_tokens"]))

    _say("step 2/4: supervised fine-tuning on the bundled instruction data")
    sft_dir = out / "sft"
    cfg = SFTConfig(model=base, data=subset(_data("sft_train.jsonl"), recipe["n_train"], out),
                    eval_data=_data("sft_heldout.jsonl"), output_dir=str(sft_dir), template=recipe["template"],
                    max_len=recipe["max_len"], batch_size=recipe["batch_size"], grad_accum=recipe["grad_accum"],
                    lr=recipe["lr"], max_steps=recipe["max_steps"], warmup_steps=recipe["warmup_steps"],
                    freeze_embeddings=recipe["freeze_embeddings"], freeze_layers=recipe["freeze_layers"], eval_every=0)
    summary = run_sft(cfg)
    _say(f"trained {summary['steps']} steps, {summary['tokens']:,} tokens at {summary['tokens_per_s']:.0f} tokens/s")

    _say("\nstep 3/4: the TUNED model gets the same questions through its chat template")
    show_answers("tuned model (chat)", questions, ask_chat(str(sft_dir), questions, recipe["new_tokens"]))

    _say("\nstep 4/4: preference optimisation (DPO + RPO's NLL term) on the tuned model's own arithmetic mistakes")
    dpo_dir, dpo_summary, arith = run_dpo_step(recipe, str(sft_dir), out)
    ev = [json.loads(l) for l in (dpo_dir / "metrics.jsonl").read_text().splitlines() if "eval_accuracy" in l]
    arith_line = (f"held-out arithmetic ({arith['n']} problems never trained on, greedy, last number = result): "
                  f"SFT {100 * arith['sft']:.0f}% → DPO {100 * arith['dpo']:.0f}%")
    _say(f"DPO: {dpo_summary['steps']} steps on {arith['pairs']} pairs; held-out pairs: reward accuracy "
         f"{100 * ev[-1]['eval_accuracy']:.1f}%, margin {ev[-1]['eval_margin']:.2f}\n{arith_line}")

    rows = compare([base, str(sft_dir), str(dpo_dir)], benchmark=_data("bench_heldout.jsonl"),
                   ppl_in=_data("sft_heldout.jsonl"), ppl_ood=_data("ood.txt"), template=recipe["template"],
                   max_items=recipe["bench_items"], max_new_tokens=recipe["new_tokens"], ood_tokens=4096)
    table = format_compare(rows)
    wr = win_rate(rows[2]["bench"], rows[1]["bench"])
    duel = (f"DPO vs SFT on the {wr['n']} held-out benchmark questions (answer check, not trained on): "
            f"{wr['wins']} won, {wr['losses']} lost, {wr['ties']} tied → win rate {100 * wr['win_rate']:.1f}%; "
            f"mean answer {wr['words_new']:.1f} words vs {wr['words_old']:.1f}")
    _say("\n=== before / after (held-out benchmark, perplexity) ===\n" + table + "\n\n" + duel)
    png = plot_loss(sft_dir, out / "loss.png")
    elapsed = time.perf_counter() - t0
    report = out / "report.md"
    report.write_text(f"# posttrain demo ({'tiny' if tiny else 'Gemma-3-270M'})\n\n{table}\n\n{duel}\n\n"
                      f"DPO: {arith_line}; held-out preference pairs: reward accuracy "
                      f"{100 * ev[-1]['eval_accuracy']:.1f}%, margin {ev[-1]['eval_margin']:.2f}\n\n"
                      f"Loss curve: {png}\n\nTotal time: {elapsed / 60:.1f} min\n")
    _say(arith_line)
    _say(f"\nreport: {report}" + (f" | loss curve: {png}" if png else "") + f" | total {elapsed / 60:.1f} min")
    return {"rows": rows, "elapsed_s": elapsed, "summary": summary, "dpo": dpo_summary, "win_rate": wr,
            "dpo_eval": ev[-1], "arithmetic": arith}


def correction_pairs(model_dir: str, rows: list[dict], template: str, new_tokens: int) -> tuple[list[dict], float]:
    """On-policy pairs: the model's greedy reply to each problem it gets wrong (rejected) against the
    same reply with its result corrected (chosen); and the model's accuracy on the rows."""
    from posttrain.engine import chat_generate
    from posttrain.eval.compare import load_for_eval
    from posttrain.tasks import correct_last_number, last_number

    model, tok = load_for_eval(model_dir)
    replies = chat_generate(model, tok, [r["prompt"] for r in rows], template=template, max_new_tokens=new_tokens)
    pairs, right = [], 0
    for r, reply in zip(rows, replies):
        if last_number(reply) in r["answers"]:
            right += 1
        elif (fixed := correct_last_number(reply, r["answers"][0])) is not None:
            pairs.append({"prompt": r["prompt"], "chosen": fixed, "rejected": reply})
    return pairs, right / len(rows)


def run_dpo_step(recipe: dict, sft_dir: str, out: Path) -> tuple[Path, dict, dict]:
    """DPO (loss=rpo) from the SFT model on its own mistakes on the arithmetic task's training problems;
    held-out problems measure it. The same blocks are frozen as in SFT."""
    from posttrain.config import DPOConfig
    from posttrain.eval.compare import load_for_eval
    from posttrain.tasks import arithmetic
    from posttrain.train.preference import run_preference

    d = recipe["dpo"]
    task = arithmetic()
    files = {}
    for split, rows in (("train", task.train), ("heldout", task.heldout)):
        pairs, acc = correction_pairs(sft_dir, rows, recipe["template"], d["new_tokens"])
        files[split] = out / f"arith_pairs_{split}.jsonl"
        files[split].write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
        files[f"{split}_pairs"], files[f"{split}_acc"] = len(pairs), acc
    dpo_dir = out / "dpo"
    cfg = DPOConfig(model=sft_dir, data=str(files["train"]), eval_data=str(files["heldout"]), output_dir=str(dpo_dir),
                    template=recipe["template"], max_len=recipe["max_len"], batch_size=d["batch_size"],
                    max_steps=d["max_steps"], lr=d["lr"], beta=d["beta"], loss="rpo", warmup_steps=d["warmup_steps"],
                    freeze_embeddings=recipe["freeze_embeddings"], freeze_layers=recipe["freeze_layers"])
    summary = run_preference(cfg, "dpo")
    model, tok = load_for_eval(str(dpo_dir))
    after = task.evaluate(model, tok, recipe["template"], max_new_tokens=d["new_tokens"])
    return dpo_dir, summary, {"sft": files["heldout_acc"], "dpo": after["accuracy"], "n": len(task.heldout),
                              "pairs": files["train_pairs"]}


if __name__ == "__main__":  # pragma: no cover
    run_demo(tiny="--tiny" in sys.argv)
