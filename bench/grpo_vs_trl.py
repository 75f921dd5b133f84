"""GRPO: our `posttrain grpo` against TRL's GRPOTrainer, same model, prompts, G, lengths, precision.

    python bench/grpo_vs_trl.py [--model tiny|smollm2] [--new_tokens 32] [--steps N] [--warmup N]
                                [--precision auto|fp32|bf16]

Both sides: the same model — the SFT bench's tiny Llama (bench/out/sft_work/model, built by
bench/sft_vs_trl.py's setup) or SmolLM2-135M-Instruct from the embedded package (ChatML on both
sides) — the arithmetic task's training prompts in the same order (TRL gets them in the order our
rollout source draws them: the seed-0 permutation of `posttrain/train/rl.py`), 4 prompts × G=8
samples per optimizer step, `--new_tokens` new tokens at temperature 1, no KL term (beta=0, TRL's
default, so no reference model on either side), one update per rollout, lr 1e-6, 2 torch threads,
each side in its own process. Mean completion lengths per step are recorded for both (sampling
differs, so equal settings can still mean unequal work; the ratio per completion token is printed
beside the ratio per step). A step is timed from the start of its sampling to the end of its optimizer update (ours:
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
from common import OUT, auto_precision, child_init, cpu_name, load_avg, now_iso, peak_rss_mb, run_child, versions  # noqa: E402

PROMPTS, G, LR = 4, 8, 1e-6
CHATML = ("{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>\n' }}{% endfor %}"
          "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")


def _prompts(n: int) -> list[dict]:
    """The first n prompts our rollout source draws (rl.Rollouts._prompts: seed 0, epoch 0)."""
    import torch

    from posttrain.eval.tasks import arithmetic

    train = arithmetic().train
    perm = torch.randperm(len(train), generator=torch.Generator().manual_seed(0)).tolist()
    return [train[i] for i in perm[:n]]


def _model_dir(a):
    import sft_vs_trl

    sft_vs_trl.configure(a.model)
    return sft_vs_trl.MODEL_DIR


def child_ours(a) -> dict:
    import torch

    from posttrain.core.config import build
    from posttrain.train.configs import GRPOConfig
    from posttrain.train.grpo import run_grpo
    out = OUT / "grpo_ours"
    cfg = build(GRPOConfig, model=str(_model_dir(a)), task="arithmetic", output_dir=str(out), num_generations=G,
                batch_size=PROMPTS, max_new_tokens=a.new_tokens, temperature=1.0, lr=LR, max_steps=a.steps,
                eval_prompts=4, dtype=a.precision, progress=False, max_len=64 + a.new_tokens,
                template="chatml" if a.model == "smollm2" else None, seed=0)
    run_grpo(cfg)
    rows = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines() if l.strip()]
    rows = [r for r in rows if "step_s" in r]
    return {"step_s": [r["step_s"] for r in rows], "completion_len": [r.get("response_length") for r in rows],
            "peak_rss_mb": peak_rss_mb(), "threads": torch.get_num_threads()}


def child_trl(a) -> dict:
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    from posttrain.eval.tasks import last_number_reward

    model_dir = _model_dir(a)
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
                      max_completion_length=a.new_tokens, temperature=1.0, learning_rate=LR, beta=0.0, max_steps=a.steps,
                      logging_steps=1, report_to=[], save_strategy="no", use_cpu=True, bf16=a.precision == "bf16",
                      shuffle_dataset=False, seed=0, disable_dropout=True)
    tok = AutoTokenizer.from_pretrained(model_dir)
    if a.model == "smollm2":
        tok.chat_template = CHATML  # ours renders ChatML without SmolLM2's default system prompt; so does TRL here
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    trainer = GRPOTrainer(model=model, reward_funcs=[reward], args=args, train_dataset=ds, processing_class=tok,
                          callbacks=[Timer()])
    trainer.train()
    lengths = [h.get("completions/mean_length") for h in trainer.state.log_history if "completions/mean_length" in h]
    return {"step_s": times, "completion_len": lengths, "peak_rss_mb": peak_rss_mb(), "threads": torch.get_num_threads()}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", choices=["tiny", "smollm2"], default="tiny")
    p.add_argument("--new_tokens", type=int, default=32, help="completion length limit on both sides")
    p.add_argument("--steps", type=int, default=None, help="optimizer steps per side (default 10; 4 on a 135M model)")
    p.add_argument("--warmup", type=int, default=None, help="leading steps left out of the timing (default 2; 1 on 135M)")
    p.add_argument("--precision", choices=["auto", "fp32", "bf16"], default="auto",
                   help="auto: bf16 where the CPU has native bf16 (or CUDA), else fp32")
    p.add_argument("--threads", type=int, default=2, help="torch threads on each side")
    p.add_argument("--child", choices=["ours", "trl"], help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    big = a.model != "tiny"  # a 135M step at 128 new tokens takes about a minute on 2 cores
    a.steps = a.steps or (4 if big else 10)
    a.warmup = a.warmup if a.warmup is not None else (1 if big else 2)
    a.precision = auto_precision() if a.precision == "auto" else a.precision
    if a.child:
        keep = child_init(a.threads, ours=a.child == "ours")
        res = (child_ours if a.child == "ours" else child_trl)(a)
        res["keep_freed_memory"] = keep
        Path(a.result).write_text(json.dumps(res))
        return
    import sft_vs_trl

    sft_vs_trl.configure(a.model)
    sft_vs_trl.setup(model=a.model)
    common = ["--steps", str(a.steps), "--warmup", str(a.warmup), "--precision", a.precision, "--threads", str(a.threads), "--model", a.model,
              "--new_tokens", str(a.new_tokens)]
    out = {"when": now_iso(), "cpu": cpu_name(), "versions": versions("torch", "transformers", "trl"),
           "load_before": load_avg(),
           "settings": {"model": a.model, "prompts_per_step": PROMPTS, "G": G, "new_tokens": a.new_tokens,
                        "precision": a.precision, "steps": a.steps, "warmup": a.warmup}}
    for kind in ("ours", "trl"):
        r = run_child([__file__, "--child", kind, *common], timeout=1800)
        if "error" in r:
            print(r["log_tail"], file=sys.stderr)
            raise SystemExit(f"{kind} failed: {r['error']}")
        steady = r["step_s"][a.warmup:]
        lens = [x for x in r["completion_len"][a.warmup:] if x is not None]
        r["mean_step_s"] = sum(steady) / len(steady)
        r["mean_completion_len"] = sum(lens) / len(lens) if lens else None
        out[kind] = r
        print(f"{kind}: {r['mean_step_s']:.2f} s/step, mean completion {r['mean_completion_len'] or 0:.1f} tokens, "
              f"peak RSS {r['peak_rss_mb']:,.0f} MB (load before {r['load_before']})", flush=True)
    out["ratio_steps_per_s"] = out["trl"]["mean_step_s"] / out["ours"]["mean_step_s"]
    out["memory_ratio"] = out["ours"]["peak_rss_mb"] / out["trl"]["peak_rss_mb"]
    lo, lt = out["ours"]["mean_completion_len"], out["trl"]["mean_completion_len"]
    out["ratio_completion_tokens_per_s"] = out["ratio_steps_per_s"] * lo / lt if lo and lt else None
    per_token = (f"; per completion token {out['ratio_completion_tokens_per_s']:.2f}x"
                 if out["ratio_completion_tokens_per_s"] else "")
    print(f"GRPO vs TRL GRPOTrainer ({a.model}, {a.new_tokens} new tokens, {a.precision}): "
          f"{out['ratio_steps_per_s']:.2f}x steps/s ({out['ours']['mean_step_s']:.2f} vs {out['trl']['mean_step_s']:.2f} "
          f"s/step; completions {lo or 0:.1f} vs {lt or 0:.1f} tokens){per_token}; "
          f"{out['memory_ratio']:.2f}x peak memory")
    name = "grpo_vs_trl.json" if a.model == "tiny" else f"grpo_vs_trl_{a.model}_{a.new_tokens}.json"
    (OUT / name).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
