"""The headline table of bench/RESULTS.md, printed from the JSON files the benchmarks wrote.

    python bench/summary.py [--model smollm2|tiny]

Reads bench/out/{sft,sft_frozen_half,sft_lora,dpo}_vs_trl[_MODEL].json, grpo_vs_trl_*.json and
engine_vs_generate.json (whichever exist) and prints one markdown row per comparison, so the
figures in RESULTS.md are the scripts' own. "At peak" is the ratio ours would reach if our step ran
at the measured matmul peak (speed ratio / our MFU): the ceiling of this comparison on this CPU,
because the peer's time is fixed and ours cannot drop below the FLOPs the objective needs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT  # noqa: E402


def _load(name: str) -> dict | None:
    path = OUT / name
    return json.loads(path.read_text()) if path.exists() else None


def _mb(x: float) -> str:
    return f"{x:,.0f} MB"


def rows(model: str) -> list[str]:
    suffix = "" if model == "tiny" else f"_{model}"
    out = []
    for kind, label, unit in (("sft", "SFT, every weight", "tokens/s"),
                              ("sft_frozen_half", "SFT, embeddings + lower half frozen", "tokens/s"),
                              ("sft_lora", "LoRA SFT (r 16, all linear)", "tokens/s")):
        d = _load(f"{kind}_vs_trl{suffix}.json")
        for prec, s in (d or {}).get("summary", {}).items():
            load = max(r["load_before"][0] for r in d["runs"] if "load_before" in r)
            out.append(
                f"| {label} vs TRL SFTTrainer{' + PEFT' if kind == 'sft_lora' else ''} ({prec}) | "
                f"{s['ours_tokens_per_s']:,.0f} vs {s['trl_best_tokens_per_s']:,.0f} {unit} (TRL `{s['trl_best_variant']}`) | "
                f"**{s['speed_ratio']:.2f}×** ({s.get('speed_ratio_vs_equivalent', s['speed_ratio']):.2f}× vs "
                f"`{s.get('trl_best_equivalent_variant', s['trl_best_variant'])}`) | {s['speed_ratio'] / s['ours_mfu']:.2f}× | "
                f"{s['memory_ratio']:.2f}× ({_mb(s['ours_peak_rss_mb'])} vs {_mb(s['trl_best_peak_rss_mb'])}) | "
                f"{100 * s['ours_mfu']:.0f}% / {100 * s['trl_best_mfu']:.0f}% of {d['matmul_peak_gflops'][prec]:.0f} GFLOP/s | "
                f"{d['date'][:10]}, load ≤ {load:.2f} |")
    d = _load(f"dpo_vs_trl{suffix}.json")
    for prec, s in (d or {}).get("summary", {}).items():
        ours = next(r for r in d["runs"] if r.get("label") == "ours/unpacked" and r.get("precision") == prec
                    and "error" not in r and r["pairs_per_s"] == s["ours_pairs_per_s"])
        load = max(r["load_before"][0] for r in d["runs"] if "load_before" in r)
        out.append(
            f"| DPO vs TRL DPOTrainer ({prec}, {d['pairs_per_step']} pairs a step, reference precomputed) | "
            f"{s['ours_pairs_per_s']:,.2f} vs {s['trl_best_pairs_per_s']:,.2f} pairs/s | **{s['speed_ratio']:.2f}×** "
            f"(packed {s.get('packed_speed_ratio', float('nan')):.2f}×) | {s['speed_ratio'] / ours['mfu']:.2f}× | "
            f"{s['memory_ratio']:.2f}× ({_mb(s['ours_peak_rss_mb'])} vs {_mb(s['trl_best_peak_rss_mb'])}) | "
            f"{100 * ours['mfu']:.0f}% of {d['matmul_peak_gflops'][prec]:.0f} GFLOP/s (6·N) | {d['date'][:10]}, load ≤ {load:.2f} |")
    for path in sorted(OUT.glob(f"grpo_vs_trl{suffix}*.json")):
        d = json.loads(path.read_text())
        st = d["settings"]
        o, t = d["ours"], d["trl"]
        mem = (f"{d['memory_ratio']:.2f}× ({_mb(o['peak_rss_mb'])} vs {_mb(t['peak_rss_mb'])})"
               if "memory_ratio" in d else "(not recorded)")
        out.append(
            f"| GRPO vs TRL GRPOTrainer ({st['precision']}, {st['prompts_per_step']} prompts × G {st['G']}, "
            f"≤{st['new_tokens']} new tokens; completions {o['mean_completion_len'] or 0:.0f} vs "
            f"{t['mean_completion_len'] or 0:.0f}) | {o['mean_step_s']:.1f} vs {t['mean_step_s']:.1f} s/step | "
            f"**{d['ratio_steps_per_s']:.2f}×** ({d['ratio_completion_tokens_per_s'] or 0:.2f}× per completion token) | | "
            f"{mem} | | {d['when'][:10]}, load ≤ {max(o['load_before'][0], t['load_before'][0]):.2f} |")
    d = _load("engine_vs_generate.json")
    if d and model == "smollm2":
        tps = d["tokens_per_s"]
        out.append(
            f"| Engine vs `transformers.generate` ({d['dtype']}, {d['batch']} rows × {d['new_tokens']} sampled tokens) | "
            f"{tps['posttrain']:,.0f} vs {tps['transformers']:,.0f} tokens/s | **{d['ratio']:.2f}×** | | (same process) | | "
            f"{d['date'][:10]}, load {d['machine']['load_before'][0]:.2f} before |")
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="smollm2", choices=["smollm2", "tiny"], help="which model's results")
    a = p.parse_args(argv)
    print("| comparison | ours vs peer | speed ratio | at peak | peak memory ratio | MFU ours / peer | date, load |")
    print("|---|---|---:|---:|---|---|---|")
    print("\n".join(rows(a.model)))


if __name__ == "__main__":
    main()
