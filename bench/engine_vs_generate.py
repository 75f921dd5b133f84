"""Generation benchmark: posttrain's engine against `transformers`' `generate`, batched sampling.

    python bench/engine_vs_generate.py [--batch 16] [--new-tokens 64] [--rounds 2] [--dtype auto|bf16|fp32]

A third row runs our engine on the model's own `transformers` forward (`backend="transformers"`)
instead of the lean Llama-family decoder, to show what each part is worth.

The embedded SmolLM2-135M-Instruct (real weights, from its package, cached as a Hugging Face
folder) answers the same B chat prompts (the first B questions of data/bench_heldout.jsonl through
its ChatML template), left-padded, sampling at temperature 1.0, top-p 0.95, exactly N new tokens
per row on both sides (no stop tokens: ours `stop_ids=()`, transformers `min_new_tokens=N`), KV
cache on both, the same precision (bf16 autocast with fp32 weights, or fp32; by default what the
engine picks on the machine: fp32 on a CPU without native bf16, where our lean decoder also steps
aside for bf16 because emulated bf16 matmuls are slower than fp32 ones). Same process, same
model object; the two are timed alternately for `--rounds` rounds after one warm-up each, and
the best round of each is kept. tokens/s = B · N / seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, ROOT, cpu_name, load_avg, now_iso, versions  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batch", type=int, default=16, help="prompts per batch (rows)")
    p.add_argument("--new-tokens", type=int, default=64, help="tokens generated per row")
    p.add_argument("--rounds", type=int, default=2, help="timed rounds of each (best kept)")
    p.add_argument("--dtype", choices=["auto", "bf16", "fp32"], default="auto",
                   help="bf16 autocast or fp32 on both sides; auto: what the engine picks on this machine "
                        "(bf16 on GPUs and CPUs with native bf16, else fp32)")
    p.add_argument("--threads", type=int, default=2, help="torch threads")
    a = p.parse_args(argv)

    import torch

    from posttrain.data.chat import render_prompt
    from posttrain.model.embedded import smollm2_instruct
    from posttrain.infer.engine import generate
    from posttrain.model.hf import load_model, load_tokenizer
    from posttrain.core.runtime import autocast, pick_dtype

    from common import child_init
    child_init(a.threads, ours=True)  # both sides share this process, so glibc's keep-freed setting applies to both
    path = str(smollm2_instruct())
    model, tok = load_model(path).eval(), load_tokenizer(path)
    rows = [json.loads(l) for l in (ROOT / "data" / "bench_heldout.jsonl").read_text().splitlines() if l.strip()]
    prompts = [render_prompt(tok, [{"role": "user", "content": r["instruction"]}]) for r in rows[:a.batch]]
    B, N = len(prompts), a.new_tokens
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    cdtype = pick_dtype(a.dtype, torch.device("cpu"))
    a.dtype = "bf16" if cdtype == torch.bfloat16 else "fp32"

    def ours(backend="auto"):
        out = generate(model, prompts, max_new_tokens=N, temperature=1.0, top_p=0.95, stop_ids=(), pad_id=pad,
                       dtype=a.dtype, seed=0, backend=backend)
        assert all(len(c.ids) == N for c in out)

    def ours_hf():
        ours("transformers")

    T = max(map(len, prompts))
    ids = torch.full((B, T), pad)
    mask = torch.zeros((B, T), dtype=torch.long)
    for i, pr in enumerate(prompts):
        ids[i, T - len(pr):], mask[i, T - len(pr):] = torch.tensor(pr), 1

    def theirs():
        torch.manual_seed(0)
        with torch.no_grad(), autocast(torch.device("cpu"), cdtype):
            out = model.generate(input_ids=ids, attention_mask=mask, do_sample=True, temperature=1.0, top_p=0.95,
                                 top_k=0, max_new_tokens=N, min_new_tokens=N, pad_token_id=pad)
        assert out.shape[1] - T == N

    load0 = load_avg()
    runs = (("posttrain", ours), ("transformers", theirs), ("posttrain, transformers forward", ours_hf))
    best = {name: float("inf") for name, _ in runs}
    for name, fn in runs:
        fn()  # warm-up
    for _ in range(a.rounds):
        for name, fn in runs:
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    tps = {k: B * N / v for k, v in best.items()}
    ratio = tps["posttrain"] / tps["transformers"]
    print("| run | tokens/s | seconds |\n|---|---:|---:|")
    for k in best:
        print(f"| {k} | {tps[k]:,.0f} | {best[k]:.2f} |")
    print(f"Engine vs transformers.generate: {ratio:.2f}× tokens/s (SmolLM2-135M, batch {B} × {N} new tokens, "
          f"sampling T=1.0 top-p 0.95, {a.dtype}); load before {load0}, after {load_avg()}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "engine_vs_generate.json").write_text(json.dumps({
        "date": now_iso(), "machine": {"cpu": cpu_name(), "load_before": load0}, "batch": B, "new_tokens": N,
        "dtype": a.dtype, "threads": a.threads, "seconds": best, "tokens_per_s": tps, "ratio": ratio,
        "versions": versions("torch", "transformers")}, indent=2))


if __name__ == "__main__":
    main()
