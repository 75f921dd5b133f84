"""Gemma-3-270M training-step speed of the demo's settings against LoRA (the demo's LoRA-or-freezing choice).

    python bench/gemma_step.py freeze        # embeddings + first 9 of 18 blocks frozen, the rest trained fully
    python bench/gemma_step.py lora          # LoRA r=16 (alpha 32) on every linear layer of all 18 blocks
    python bench/gemma_step.py lora-upper    # LoRA r=16 on the upper 9 blocks only (first 9 frozen)

SFT on data/sft_train.jsonl with the gemma template, 8 packed rows of 128 tokens a step, bf16
autocast, AdamW; 2 warm-up steps, then tokens/s over 6 steps and the process's peak RSS.
Needs the embedded Gemma folder (`make demo` builds it once).
"""

from __future__ import annotations

import resource
import sys
import time

import torch


def main(mode: str) -> None:
    from posttrain.data.chat import resolve_template
    from posttrain.core.config import build
    from posttrain.data.batching import collate, make_rows, render_all
    from posttrain.data.formats import load_conversations
    from posttrain.model.embedded import gemma_base
    from posttrain.model.forward import lm_loss
    from posttrain.model.hf import load_tokenizer
    from posttrain.core.runtime import autocast
    from posttrain.train.configs import SFTConfig
    from posttrain.train.loop import make_optimizer
    from posttrain.train.prepare import prepare_model

    torch.set_num_threads(2)
    kw = {"freeze": dict(freeze_embeddings=True, freeze_layers=9),
          "lora": dict(lora_r=16, lora_alpha=32, freeze_embeddings=True),
          "lora-upper": dict(lora_r=16, lora_alpha=32, freeze_embeddings=True, freeze_layers=9)}[mode]
    path = str(gemma_base())
    cfg = build(SFTConfig, model=path, data="data/sft_train.jsonl", max_len=128, dtype="bf16", device="cpu", **kw)
    tok = load_tokenizer(path)
    rows = make_rows(render_all(tok, load_conversations(cfg.data.train), resolve_template(tok, "gemma"), 128, quiet=True), 128, True)
    model = prepare_model(cfg.model, cfg.run.seed).train()
    opt = make_optimizer(model, 1e-4, 0.0, torch.device("cpu"))

    def step(i: int) -> int:
        b = collate(rows[i * 8:(i + 1) * 8], tok.pad_token_id, True)
        with autocast(torch.device("cpu"), torch.bfloat16):
            loss = lm_loss(model, b)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return b.n_tokens

    for i in range(2):
        step(i)
    t0, n = time.perf_counter(), 0
    for i in range(2, 8):
        n += step(i)
    dt = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{mode}: {dt / 6:.2f} s/step, {n / dt:.0f} tokens/s, peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "freeze")
