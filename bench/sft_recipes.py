"""Which SFT recipe keeps the base model's knowledge? Gemma-3-270M, one row per recipe.

    python bench/sft_recipes.py                       # every recipe below
    python bench/sft_recipes.py base_recipe replay    # some of them
    python bench/sft_recipes.py --data a.jsonl,b.jsonl --steps 80 lora

Each recipe starts from recipes/sft_gemma.yaml (the demo's SFT step) with the overrides below,
trains, and is measured on what it never trained on: the bundled benchmark (100 held-out
questions, contains), knowledge retention (of the items the base answers right through a
few-shot text prompt, the share the tuned model answers right through its chat template), the
five smoke questions (answer checks), in-domain perplexity (data/sft_heldout.jsonl) and
out-of-domain perplexity (data/ood.txt, 4,096 tokens). The base model's few-shot accuracy is
measured once. Rows are appended to bench/out/sft_recipes.jsonl and printed as a table.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
RECIPES = {
    "base_recipe": {},
    "lr5e-5": {"lr": 5e-5},
    "lora16": {"lora_r": 16, "lora_alpha": 32, "freeze_layers": 0, "lr": 2e-4},
    "replay10": {"replay": str(DATA / "corpus.txt"), "replay_fraction": 0.1},
    "replay25": {"replay": str(DATA / "corpus.txt"), "replay_fraction": 0.25},
    "freeze12": {"freeze_layers": 12},
    "epochs2": {"max_steps": 120},
    "neftune5": {"neftune_alpha": 5.0},
    "lora16_replay25": {"lora_r": 16, "lora_alpha": 32, "freeze_layers": 0, "lr": 2e-4,
                        "replay": str(DATA / "corpus.txt"), "replay_fraction": 0.25},
    "lora16_upper_replay25": {"lora_r": 16, "lora_alpha": 32, "freeze_layers": 9, "lr": 2e-4,
                              "replay": str(DATA / "corpus.txt"), "replay_fraction": 0.25},
}


def cpu_kind() -> str:
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    return "AVX512-BF16" if "avx512_bf16" in flags else "AVX2" if "avx2" in flags else "other"


def measure(model_dir: str, template: str, base_known: list[bool] | None = None) -> dict:
    from posttrain.eval.benchmark import load_items, run_benchmark
    from posttrain.eval.compare import ppl_in_domain, ppl_out_of_domain
    from posttrain.infer.load import load_for_inference
    from posttrain.eval.retention import fewshot_benchmark, known, retention
    from posttrain.eval.smoke import load_smoke, run_smoke
    from posttrain.data.readers import read_text
    model, tok = load_for_inference(model_dir)
    items = load_items(str(DATA / "bench_heldout.jsonl"))
    bench = run_benchmark(model, tok, items, template, max_new_tokens=32)
    row = {"bench": bench.contains_acc, "ppl_ood": ppl_out_of_domain(model, tok, read_text(str(DATA / "ood.txt")), "auto", 4096)}
    if base_known is None:  # the base: what it knows, through the few-shot prompt
        few = fewshot_benchmark(model, tok, items, max_new_tokens=32)
        row.update(fewshot=few.contains_acc, known=known(few))
        return row
    smoke = run_smoke(model, tok, load_smoke(str(DATA / "bench_smoke.jsonl")), template, 48)
    row.update(retention=retention(base_known, bench)[0],
               smoke=sum(r.right for r in smoke), stopped=sum(r.stopped for r in smoke),
               smoke_replies=[r.reply for r in smoke],
               ppl_in=ppl_in_domain(model, tok, str(DATA / "sft_heldout.jsonl"), template, None, "auto"))
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", help=f"recipes to run (default: all of {', '.join(RECIPES)})")
    ap.add_argument("--data", default=str(DATA / "sft_train.jsonl"), help="SFT data, comma-separated files")
    ap.add_argument("--steps", type=int, default=None, help="override max_steps for every recipe")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out"), help="where models and sft_recipes.jsonl go")
    ap.add_argument("--table", action="store_true", help="print the rows measured so far as a markdown table and stop")
    args = ap.parse_args()
    if args.table:
        print(table(Path(args.out)))
        return
    from posttrain.core.config import load_recipe
    from posttrain.model.embedded import gemma_base
    from posttrain.train.configs import SFTConfig
    from posttrain.train.sft import run_sft
    base = str(gemma_base())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cache = out / "sft_recipes_base.json"
    base_row = json.loads(cache.read_text()) if cache.exists() else measure(base, "gemma")
    cache.write_text(json.dumps(base_row))
    print(f"base: benchmark (chat template) {base_row['bench']:.2f}, few-shot {base_row['fewshot']:.2f}, "
          f"ppl ood {base_row['ppl_ood']:.1f} [{cpu_kind()}, load {os.getloadavg()[0]:.1f}]", flush=True)
    for name in args.names or list(RECIPES):
        overrides = dict(RECIPES[name])
        if args.steps and "max_steps" not in overrides:
            overrides["max_steps"] = args.steps
        files = args.data.split(",")
        data = files[0] if len(files) == 1 else _concat(files, out / "mix.jsonl")
        cfg = load_recipe(SFTConfig, str(ROOT / "recipes" / "sft_gemma.yaml"), model=base, data=data,
                          eval_data=str(DATA / "sft_heldout.jsonl"), output_dir=str(out / f"sft_{name}"),
                          progress=False, **overrides)
        t0 = time.perf_counter()
        summary = run_sft(cfg)
        row = {"recipe": name, "overrides": overrides, "data": args.data, "steps": summary["steps"],
               "train_s": round(time.perf_counter() - t0, 1), "cpu": cpu_kind(), "load": os.getloadavg()[0]}
        row.update(measure(cfg.run.output_dir, "gemma", base_row["known"]))
        row["ppl_ood_rise"] = row["ppl_ood"] / base_row["ppl_ood"] - 1
        with open(out / "sft_recipes.jsonl", "a") as f:
            f.write(json.dumps(row) + "\n")
        print(f"| {name} | {row['bench']:.2f} | {row['retention']:.2f} | {row['smoke']}/5 ({row['stopped']} stop) | "
              f"{row['ppl_in']:.2f} | {row['ppl_ood']:.1f} ({100 * row['ppl_ood_rise']:+.0f}%) | {row['train_s']:.0f} s |",
              flush=True)
        print("   smoke replies: " + " || ".join(r.replace("\n", " / ")[:80] for r in row["smoke_replies"]), flush=True)


def table(out: Path) -> str:
    """The measured rows (bench/out/sft_recipes.jsonl) as the markdown table of bench/RESULTS.md."""
    base = json.loads((out / "sft_recipes_base.json").read_text())
    lines = ["| data | recipe | benchmark | retention | smoke right (stopped) | ppl in | ppl out (vs base) | train s | CPU, load |",
             "|---|---|---|---|---|---|---|---|---|",
             f"| — | base model | {base['bench']:.2f} (few-shot {base['fewshot']:.2f}) | — | — | — | {base['ppl_ood']:.1f} | — | |"]
    for line in (out / "sft_recipes.jsonl").read_text().splitlines():
        r = json.loads(line)
        data = "+".join(Path(f).stem.removeprefix("sft_") for f in r["data"].split(","))
        lines.append(f"| {data} | {r['recipe']} | {r['bench']:.2f} | {r['retention']:.2f} | {r['smoke']}/5 ({r['stopped']}) | "
                     f"{r['ppl_in']:.2f} | {r['ppl_ood']:.1f} ({100 * r['ppl_ood_rise']:+.0f}%) | {r['train_s']:.0f} | "
                     f"{r['cpu']}, {r['load']:.1f} |")
    return "\n".join(lines)


def _concat(files: list[str], dest: Path) -> str:
    dest.write_text("".join(Path(f).read_text(encoding="utf-8") for f in files), encoding="utf-8")
    return str(dest)


if __name__ == "__main__":
    main()
