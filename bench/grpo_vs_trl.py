"""GRPO: our `posttrain grpo` against TRL's GRPOTrainer, same model, prompts, G, lengths, precision.

    python bench/grpo_vs_trl.py [--steps 6] [--warmup 1] [--precision fp32|bf16]

Both sides: the SFT bench's tiny Llama (bench/out/sft_work/model, built by bench/sft_vs_trl.py's
setup), the arithmetic task's training prompts in the same order, 4 prompts × G=8 samples per
optimizer step, 32 new tokens at temperature 1, no KL term (beta=0, TRL's default, so no reference
model on either side), one update per rollout, lr 1e-6, 2 torch threads, each side in its own
process. A step is timed from the start of its sampling to the end of its optimizer update (ours:
the loop's step_s; TRL: a callback from on_step_begin to on_step_end); the first `warmup` steps
are left out. Evaluation is not timed (ours evaluates before and after, outside the steps).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, cpu_name, now_iso, run_child, versions  # noqa: E402

PROMPTS, G, NEW_TOKENS, LR = 4, 8, 32, 1e-6


def _prompts(n: int) -> list[dict]:
    from posttrain.tasks import arithmetic

    return arithmetic().train[:n]


def child_ours(a) -> dict:
    import torch

    from posttrain.config import build
    from posttrain.train.configs import GRPOConfig
    from posttrain.train.grpo import run_grpo
    from sft_vs_trl import MODEL_DIR

    torch.set_num_threads(a.threads)
    out = OUT / "grpo_ours"
    cfg = build(GRPOConfig, model=str(MODEL_DIR), task="arithmetic", output_dir=str(out), num_generations=G,
                batch_size=PROMPTS, max_new_tokens=NEW_TOKENS, temperature=1.0, lr=LR, max_steps=a.steps, eval_prompts=4,
                dtype=a.precision, progress=False, max_len=128, template=None)
    run_grpo(cfg)
    rows = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines() if l.strip()]
    times = [r["step_s"] for r in rows if "step_s" in r]
    return {"step_s": times}


def child_trl(a) -> dict:
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    from posttrain.tasks import last_number_reward
    from sft_vs_trl import MODEL_DIR

    torch.set_num_threads(a.threads)
    rows = _prompts(PROMPTS * a.steps)
    ds = Dataset.from_list([{"prompt": r["prompt"], "answers": r["answers"]} for r in rows])

    def reward(prompts, completions, answers, **_):
        texts = [c[0]["content"] if isinstance(c, list) else c for c in completions]
        return last_number_reward(prompts, texts, answers=answers)

    times, t0 = [], [0.0]

    class Timer(TrainerCallback):
        def on_step_begin(self, *args, **kw):
            t0[0] = time.perf_counter()

        def on_step_end(self, *args, **kw):
            times.append(time.perf_counter() - t0[0])

    args = GRPOConfig(output_dir=str(OUT / "grpo_trl"), per_device_train_batch_size=PROMPTS * G, num_generations=G,
                      max_completion_length=NEW_TOKENS, temperature=1.0, learning_rate=LR, beta=0.0, max_steps=a.steps,
                      logging_steps=1, report_to=[], save_strategy="no", use_cpu=True, bf16=a.precision == "bf16",
                      shuffle_dataset=False, seed=0, disable_dropout=True)
    tok = AutoTokenizer.from_pretrained(MODEL_DIR)
    model = AutoModelForCausalLM.from_pretrained(MODEL_DIR)
    trainer = GRPOTrainer(model=model, reward_funcs=[reward], args=args, train_dataset=ds, processing_class=tok,
                          callbacks=[Timer()])
    trainer.train()
    return {"step_s": times}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=6, help="optimizer steps per side")
    p.add_argument("--warmup", type=int, default=1, help="leading steps left out of the timing")
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    p.add_argument("--threads", type=int, default=2, help="torch threads on each side")
    p.add_argument("--child", choices=["ours", "trl"], help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        res = (child_ours if a.child == "ours" else child_trl)(a)
        Path(a.result).write_text(json.dumps(res))
        return
    from sft_vs_trl import setup

    setup()
    common = ["--steps", str(a.steps), "--precision", a.precision, "--threads", str(a.threads)]
    out = {"when": now_iso(), "cpu": cpu_name(), "versions": versions("torch", "transformers", "trl"),
           "settings": {"prompts_per_step": PROMPTS, "G": G, "new_tokens": NEW_TOKENS, "precision": a.precision,
                        "steps": a.steps, "warmup": a.warmup}}
    for kind in ("ours", "trl"):
        r = run_child([__file__, "--child", kind, *common], timeout=1800)
        if "error" in r:
            print(r["log_tail"], file=sys.stderr)
            raise SystemExit(f"{kind} failed: {r['error']}")
        steady = r["step_s"][a.warmup:]
        r["mean_step_s"] = sum(steady) / len(steady)
        out[kind] = r
        print(f"{kind}: {r['mean_step_s']:.2f} s/step (load before {r['load_before']})", flush=True)
    out["ratio_steps_per_s"] = out["trl"]["mean_step_s"] / out["ours"]["mean_step_s"]
    print(f"GRPO vs TRL GRPOTrainer: {out['ratio_steps_per_s']:.2f}x steps/s "
          f"({out['ours']['mean_step_s']:.2f} vs {out['trl']['mean_step_s']:.2f} s/step)")
    (OUT / "grpo_vs_trl.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
