"""DPO benchmark: posttrain `run_preference` (DPO) against TRL's `DPOTrainer` on the same work, in one run.

    python bench/dpo_vs_trl.py [--model tiny|smollm2] [--precision auto|bf16|fp32|both] [--steps N] [--warmup N]
                               [--pairs P] [--quick] [--data PATH] [--limit N]

Both frameworks train the tiny Llama of bench/sft_vs_trl.py (its cached model folder, `plain` chat
template in the tokenizer), or with `--model smollm2` SmolLM2-135M-Instruct (ChatML on both sides),
with the sigmoid DPO loss, beta 0.1, on the same preference pairs
(default data/pref_train.jsonl; prompt/chosen/rejected rows). Ours reads the file itself; TRL gets
the very conversations ours parses, in TRL's conversational form (prompt = the prompt's messages,
chosen/rejected = one assistant message each), so both render through the tokenizer's chat
template. Each (prompt + answer) sequence is cut to 128 tokens (ours `max_len=128`; TRL
`max_length=128`, `truncation_mode="keep_start"`, which cuts prompt+answer per sequence). P pairs
(default 8) per optimizer step, AdamW at a constant lr 5e-6, no weight decay, grad clip 1.0, the
same number of steps, the same precision (fp32, or bf16 autocast with fp32 weights), and reference
log-probs precomputed in one pass over the training pairs before the first step on both sides
(ours `reference=precompute`, TRL `precompute_ref_log_probs=True`): no second model in memory.
The setup checks that both sides tokenize every pair to the same prompt / chosen / rejected ids.

Runs (each its own subprocess: peak RSS = `ru_maxrss` of that process alone; the load average
is recorded before each; runs are interleaved and the best of each configuration is kept, since
other jobs only ever slow a run down):
  ours/unpacked  packing=False, batch_size=P: one pair per row, exactly P pairs a step, like TRL.
                 This is the like-for-like configuration the summary line uses.
  ours/packed    packing=True: rows of 2*max_len tokens holding whole pairs, batch_size chosen so a
                 step holds about P pairs on average (pairs/step is counted, not assumed).
  ours/noshare   as unpacked with prefix_sharing=False: the prompt runs once per answer, as in TRL
                 (ours by default runs a pair's prompt once for both answers). Full runs only.
  trl/padded     DPOTrainer as it comes: [P chosen; P rejected] sequences padded to the longest.
  trl/padding_free  padding_free=True. TRL 1.16 accepts the field but warns and falls back to
                 padding; the run records whether it did. Full runs only.
"TRL best" is the faster TRL variant.

Metrics:
  pairs/s (steady)  pairs trained per second over the steps after the warm-up steps (ours: sum of
                    the loop's per-step `step_s`, collate to optimizer step, and the pairs of those
                    micro-batches; TRL: on_step_end clock and the pairs its collator handed out).
  ref s             wall time of the reference pass over all N training pairs (one forward each).
  prep s            everything else before the first step: load model, tokenize, build the trainer.
  e2e pairs/s       one epoch over the N pairs, projected: N / (prep s + ref s + N / steady pairs/s).
                    The runs train only --steps steps, but the reference pass always covers all N
                    pairs, so a measured "pairs trained / total time" would mostly measure N/steps.
  tokens/step       real (non-padding) tokens the forward pass sees per step (ours counts a shared
                    prompt once); MFU = 6 · N_params · tokens/s / measured matmul peak.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (OUT, ROOT, auto_precision, child_init, cpu_name, current_rss_mb, load_avg, matmul_peak, model_only_baseline, now_iso,  # noqa: E402
                    peak_rss_mb, run_child, versions)
import sft_vs_trl  # noqa: E402

DATA = ROOT / "data" / "pref_train.jsonl"
WORK = OUT / "dpo_work"


def configure(model: str) -> None:
    """The model under test (the SFT bench's tiny Llama, or SmolLM2-135M with ChatML on both sides)."""
    global WORK
    sft_vs_trl.configure(model)
    if model != "tiny":
        WORK = OUT / f"dpo_work_{model}"


def _tokenizer():
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(sft_vs_trl.MODEL_DIR)
    if sft_vs_trl.OUR_TEMPLATE == "chatml":  # TRL renders with the tokenizer's template: the same ChatML as ours
        from posttrain.data.chat import TEMPLATES
        tok.chat_template = TEMPLATES["chatml"]
    return tok
MAX_LEN, PAIRS, LR, BETA = 128, 8, 5e-6, 0.1

OURS_VARIANTS = {
    # name: (DPOConfig overrides; batch_size is set per run)
    "unpacked": {"packing": False},
    "packed": {"packing": True},
    "noshare": {"packing": False, "prefix_sharing": False},
}
TRL_VARIANTS = {
    "padded": {"padding_free": False},
    "padding_free": {"padding_free": True},
}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# ----------------------------------------------------------------------------- setup (parent)

def token_check(tok, pairs, triples) -> dict:
    """Tokenize the pairs the way DPOTrainer does (its own `_prepare_dataset` and its collator's
    keep_start cut) and compare prompt / chosen / rejected ids with ours, pair by pair."""
    from types import SimpleNamespace

    import datasets
    from datasets import Dataset
    from trl import DPOConfig
    from trl.trainer.dpo_trainer import DPOTrainer

    datasets.disable_progress_bars()
    ds = Dataset.from_list([{"prompt": p.prompt, "chosen": p.chosen, "rejected": p.rejected, "idx": i}
                            for i, p in enumerate(pairs)])
    args = DPOConfig(output_dir=str(WORK / "check"), max_length=MAX_LEN, truncation_mode="keep_start", use_cpu=True,
                     bf16=False, report_to="none", disable_tqdm=True)
    # The method only touches self._tokenizer (for non-conversational EOS handling), so a stand-in self will do.
    prepared = DPOTrainer._prepare_dataset(SimpleNamespace(_tokenizer=tok), ds, tok, args, "check")
    trl = {}
    for ex in prepared:
        p = list(ex["prompt_ids"])
        cut = max(0, MAX_LEN - len(p))  # DataCollatorForPreference: (prompt + answer)[:max_length]
        trl[ex["idx"]] = (p, list(ex["chosen_ids"])[:cut], list(ex["rejected_ids"])[:cut])
    ours = {t.index: t for t in triples}
    both = sorted(set(trl) & set(ours))
    same_prompt = same_chosen = same_rejected = same_all = same_scored = 0
    unscored_by_ours, unscored_tokens, examples = 0, {}, []
    for i in both:
        t, (p, c, r) = ours[i], trl[i]
        sp, sc, sr = t.prompt == p, t.first == c, t.second == r
        same_prompt += sp
        same_chosen += sc
        same_rejected += sr
        same_all += sp and sc and sr
        # TRL scores every completion token; ours scores the assistant span (content + end-of-turn)
        # and leaves out what the template writes after it (still in the forward pass).
        off = [tok_id for ids, mask in ((t.first, t.first_mask), (t.second, t.second_mask))
               for tok_id, m in zip(ids, mask) if not m]
        if sp and sc and sr and not off:
            same_scored += 1
        if off:
            unscored_by_ours += len(off)
            for tok_id in off:
                s = tok.decode([tok_id])
                unscored_tokens[s] = unscored_tokens.get(s, 0) + 1
        if not (sp and sc and sr) and len(examples) < 3:
            examples.append({"index": i, "ours": [t.prompt, t.first, t.second], "trl": [p, c, r]})
    return {"pairs": len(pairs), "ours_kept": len(ours), "trl_kept": len(trl), "compared": len(both),
            "ours_only": sorted(set(ours) - set(trl))[:20], "trl_only": sorted(set(trl) - set(ours))[:20],
            "same_prompt_ids": same_prompt, "same_chosen_ids": same_chosen, "same_rejected_ids": same_rejected,
            "same_ids": same_all, "same_ids_and_scored_tokens": same_scored,
            "tokens_in_forward_not_scored_by_ours": unscored_by_ours,
            "those_tokens": {repr(k): v for k, v in sorted(unscored_tokens.items(), key=lambda kv: -kv[1])[:5]},
            "mismatch_examples": examples}


def setup(data: Path, limit: int | None, pairs_per_step: int, model: str = "tiny") -> dict:
    """Model folder (via the SFT bench), the data files both sides read, the tokenization check."""
    from posttrain.data.pairs import make_pair_rows, render_pairs
    from posttrain.data.preference import load_pairs

    if not data.exists():
        raise SystemExit(f"no preference data at {data}: pass --data PATH (prompt/chosen/rejected jsonl rows)")
    sft_info = sft_vs_trl.setup(model=model)
    WORK.mkdir(parents=True, exist_ok=True)
    ours_data = data
    if limit:
        lines = [line for line in data.read_text().splitlines() if line.strip()][:limit]
        ours_data = WORK / f"pairs_first{limit}.jsonl"
        ours_data.write_text("\n".join(lines) + "\n")
    pairs = load_pairs(str(ours_data))
    trl_data = WORK / "trl_pairs.jsonl"
    with open(trl_data, "w") as f:
        for p in pairs:
            f.write(json.dumps({"prompt": p.prompt, "chosen": p.chosen, "rejected": p.rejected}) + "\n")

    tok = _tokenizer()
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    triples = render_pairs(tok, pairs, sft_vs_trl.OUR_TEMPLATE, MAX_LEN, quiet=True)
    check = token_check(tok, pairs, triples)
    rows = make_pair_rows(triples, 2 * MAX_LEN, True, True)
    per_row = len(triples) / len(rows)
    return {"n_params": sft_info["n_params"], "vocab": sft_info["vocab"], "model_dir": str(sft_vs_trl.MODEL_DIR),
            "data": str(data), "ours_data": str(ours_data), "trl_data": str(trl_data), "limit": limit,
            "pairs": len(pairs), "pairs_kept": len(triples),
            "tokens_shared": sum(t.size(True) for t in triples), "tokens_unshared": sum(t.size(False) for t in triples),
            "mean_prompt_len": sum(len(t.prompt) for t in triples) / len(triples),
            "mean_answer_len": sum(len(t.first) + len(t.second) for t in triples) / (2 * len(triples)),
            "packed_rows": len(rows), "pairs_per_packed_row": per_row,
            "packed_batch_rows": max(1, round(pairs_per_step / per_row)), "token_check": check}


# ----------------------------------------------------------------------------- children

def _rates(step_s: list[float], pairs: list[int], tokens: list[int], warmup: int) -> dict:
    dt = sum(step_s[warmup:])
    n = len(step_s) - warmup
    return {"pairs_per_s": sum(pairs[warmup:]) / dt, "step_s": dt / n, "pairs_per_step": sum(pairs[warmup:]) / n,
            "tokens_per_step": sum(tokens[warmup:]) / n, "tokens_per_s": sum(tokens[warmup:]) / dt,
            "timed_pairs": sum(pairs[warmup:]), "train_s": sum(step_s), "steps": len(step_s)}


def _e2e(r: dict) -> None:
    r["e2e_pairs_per_s"] = r["n_pairs"] / (r["prep_s"] + r["ref_s"] + r["n_pairs"] / r["pairs_per_s"])


def child_baseline(a) -> dict:
    return model_only_baseline(sft_vs_trl.MODEL_DIR)


def child_ours(a) -> dict:
    import torch

    import posttrain.train.loop as loop
    import posttrain.train.preference as pref
    from posttrain.core.config import build
    from posttrain.train.configs import DPOConfig

    rss_import = current_rss_mb()
    out = WORK / "runs" / f"ours_{a.variant}_{a.precision}"
    shutil.rmtree(out, ignore_errors=True)
    # Instrumentation only: time the reference pass, count the pairs of every micro-batch the loop
    # collates (in order: one a step here), note when training starts. Nothing else changes.
    marks, units, shared = {"ref_s": 0.0}, [], []
    orig_train, orig_ref = loop.train, pref.with_reference

    def timed_ref(*args, **kw):
        t0 = time.perf_counter()
        try:
            return orig_ref(*args, **kw)
        finally:
            marks["ref_s"] += time.perf_counter() - t0

    def counted_train(run, method, *rest, **kw):
        marks["train_start"] = time.perf_counter()
        source = method.source
        marks["n_pairs"] = sum(len(r) for r in source.rows)
        marks["rows"] = len(source.rows)
        collate_fn = source.collate

        def collate(items):
            b = collate_fn(items)
            units.append(int(b.n_units))
            shared.append(b.docs is not None)
            return b
        source.collate = collate
        return orig_train(run, method, *rest, **kw)

    pref.with_reference, loop.train = timed_ref, counted_train
    batch = a.rows if OURS_VARIANTS[a.variant]["packing"] else a.pairs
    kwargs = dict(model=str(sft_vs_trl.MODEL_DIR), template=sft_vs_trl.OUR_TEMPLATE, data=a.data, output_dir=str(out),
                  max_len=MAX_LEN, batch_size=batch,
                  grad_accum=1, max_steps=a.steps, lr=LR, schedule="constant", warmup_steps=0, weight_decay=0.0,
                  grad_clip=1.0, dtype=a.precision, device="cpu", progress=False, seed=0, beta=BETA, loss="sigmoid",
                  reference="precompute")
    kwargs.update(OURS_VARIANTS[a.variant])
    cfg = build(DPOConfig, **kwargs)
    t0 = time.perf_counter()
    pref.run_preference(cfg)
    total = time.perf_counter() - t0
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines() if line.strip()]
    rows = [r for r in rows if "step_s" in r]
    tokens = [r["tokens"] - (rows[i - 1]["tokens"] if i else 0) for i, r in enumerate(rows)]
    shutil.rmtree(out, ignore_errors=True)
    res = _rates([r["step_s"] for r in rows], units[:len(rows)], tokens, a.warmup)
    res.update(
        n_pairs=marks["n_pairs"], rows_per_epoch=marks["rows"], batch_size=batch, ref_s=marks["ref_s"],
        prep_s=marks["train_start"] - t0 - marks["ref_s"], total_s=total, prefix_sharing=all(shared),
        mean_loss=sum(r["loss"] for r in rows) / len(rows), first_loss=rows[0]["loss"],
        mean_accuracy=sum(r.get("accuracy", 0.0) for r in rows) / len(rows),
        mean_margin=sum(r.get("margin", 0.0) for r in rows) / len(rows),
        rss_after_imports_mb=rss_import, peak_rss_mb=peak_rss_mb(), threads=torch.get_num_threads(),
        config={k: v for k, v in kwargs.items() if k not in ("output_dir", "model")})
    _e2e(res)
    return res


def child_trl(a) -> dict:
    os.environ["TQDM_DISABLE"] = "1"  # the reference pass's progress bar
    import torch
    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import DPOConfig, DPOTrainer

    rss_import = current_rss_mb()
    marks = {"ref_s": 0.0}
    orig_ref = DPOTrainer._precompute_ref_logps

    def timed_ref(self, *args, **kw):
        t0 = time.perf_counter()
        try:
            return orig_ref(self, *args, **kw)
        finally:
            marks["ref_s"] += time.perf_counter() - t0

    DPOTrainer._precompute_ref_logps = timed_ref
    out = WORK / "runs" / f"trl_{a.variant}_{a.precision}"
    shutil.rmtree(out, ignore_errors=True)
    kwargs = dict(
        output_dir=str(out), max_steps=a.steps, per_device_train_batch_size=a.pairs, gradient_accumulation_steps=1,
        learning_rate=LR, lr_scheduler_type="constant", warmup_steps=0, weight_decay=0.0, max_grad_norm=1.0,
        bf16=a.precision == "bf16", fp16=False, use_cpu=True, gradient_checkpointing=False,
        max_length=MAX_LEN, truncation_mode="keep_start", loss_type=["sigmoid"], beta=BETA,
        precompute_ref_log_probs=True, model_init_kwargs={"dtype": "float32"},
        logging_steps=a.steps, save_strategy="no", eval_strategy="no", report_to="none", disable_tqdm=True,
        dataloader_num_workers=0, dataloader_pin_memory=False, seed=0)
    kwargs.update(TRL_VARIANTS[a.variant])
    args = DPOConfig(**kwargs)

    t0 = time.perf_counter()
    tok = _tokenizer()
    ds = Dataset.from_list(read_jsonl(Path(a.trl_data)))
    trainer = DPOTrainer(model=str(sft_vs_trl.MODEL_DIR), args=args, train_dataset=ds, processing_class=tok)

    # Pairs per step: what the collator hands the training loop, in order (the dataloader may
    # collate one batch ahead, so only the first len(times) entries count).
    sizes = []
    collator = trainer.data_collator

    def counting(examples):
        sizes.append(len(examples))
        return collator(examples)

    trainer.data_collator = counting
    times, tokens = [], []

    class Clock(TrainerCallback):
        def on_train_begin(self, args, state, control, **kw):
            marks["train_start"] = time.perf_counter()

        def on_step_end(self, args, state, control, **kw):
            times.append(time.perf_counter())
            tokens.append(trainer._total_train_tokens)

    trainer.add_callback(Clock())
    trainer.train()
    step_s = [t - (times[i - 1] if i else marks["train_start"]) for i, t in enumerate(times)]
    step_tokens = [t - (tokens[i - 1] if i else 0) for i, t in enumerate(tokens)]
    res = _rates(step_s, sizes[:len(times)], step_tokens, a.warmup)
    logs = [h for h in trainer.state.log_history if "loss" in h]
    last = logs[-1] if logs else {}
    shutil.rmtree(out, ignore_errors=True)
    res.update(
        n_pairs=len(trainer.train_dataset), batch_size=a.pairs, ref_s=marks["ref_s"],
        prep_s=marks["train_start"] - t0 - marks["ref_s"], padding_free=bool(trainer.padding_free),
        mean_loss=last.get("loss"), mean_accuracy=last.get("rewards/accuracies"),
        mean_margin=last.get("rewards/margins"),
        rss_after_imports_mb=rss_import, peak_rss_mb=peak_rss_mb(), threads=torch.get_num_threads(),
        autocast_bf16=bool(args.bf16), optim=str(args.optim),
        config={k: v for k, v in kwargs.items() if k != "output_dir"})
    _e2e(res)
    return res


# ----------------------------------------------------------------------------- parent

def run_one(kind: str, variant: str | None, precision: str, a, info: dict) -> dict:
    argv = [str(Path(__file__).resolve()), "--child", kind, "--precision", precision, "--steps", str(a.steps),
            "--warmup", str(a.warmup), "--threads", str(a.threads), "--pairs", str(a.pairs),
            "--rows", str(info["packed_batch_rows"]), "--data", info["ours_data"], "--trl-data", info["trl_data"],
            "--model", a.model]
    if variant:
        argv += ["--variant", variant]
    label = f"{kind}/{variant}" if variant else kind
    r = run_child(argv)
    r.update(kind=kind, variant=variant, precision=precision, label=label)
    if kind == "baseline" and "error" not in r:
        print(f"  model-only baseline: peak RSS {r['peak_rss_mb']:.0f} MB (after imports {r['rss_after_imports_mb']:.0f} MB)",
              file=sys.stderr)
    elif "error" in r:
        print(f"  {label:18s} {precision}: FAILED ({r['error']})\n{r['log_tail']}", file=sys.stderr)
    else:
        print(f"  {label:18s} {precision}: {r['pairs_per_s']:7.1f} pairs/s  {r['step_s'] * 1000:7.1f} ms/step  "
              f"{r['pairs_per_step']:4.1f} pairs/step  ref {r['ref_s']:5.1f}s  e2e {r['e2e_pairs_per_s']:6.1f} pairs/s  "
              f"peak RSS {r['peak_rss_mb']:5.0f} MB  load {r['load_before'][0]:.2f}  wall {r['wall_s']:.0f}s",
              file=sys.stderr)
    return r


def best(runs: list[dict], label: str, precision: str) -> dict | None:
    ok = [r for r in runs if r["label"] == label and r["precision"] == precision and "error" not in r]
    return max(ok, key=lambda r: r["pairs_per_s"]) if ok else None


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--precision", choices=["auto", "bf16", "fp32", "both"], default="auto",
                   help="auto: bf16 where the CPU has native bf16 (or CUDA), else fp32")
    p.add_argument("--steps", type=int, default=None, help="optimizer steps per run (same for every run)")
    p.add_argument("--warmup", type=int, default=None, help="leading steps left out of the steady-state timing")
    p.add_argument("--pairs", type=int, default=PAIRS, help="preference pairs per optimizer step (both sides)")
    p.add_argument("--quick", action="store_true",
                   help="a short check: fewer steps, the first 320 pairs, ours unpacked/packed and TRL padded, one round")
    p.add_argument("--data", default=None, help="prompt/chosen/rejected jsonl (default data/pref_train.jsonl)")
    p.add_argument("--limit", type=int, default=None, help="use only the first N pairs of the data")
    p.add_argument("--threads", type=int, default=2, help="torch threads in every run and in the matmul peak")
    p.add_argument("--model", choices=["tiny", "smollm2"], default="tiny",
                   help="tiny: the SFT bench's 5.5M-parameter Llama; smollm2: SmolLM2-135M-Instruct (embedded package)")
    p.add_argument("--child", choices=["ours", "trl", "baseline"], help=argparse.SUPPRESS)
    p.add_argument("--variant", help=argparse.SUPPRESS)
    p.add_argument("--rows", type=int, default=1, help=argparse.SUPPRESS)
    p.add_argument("--trl-data", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    big = a.model != "tiny"  # 135M: fewer steps and pairs (the reference pass covers every pair), one round
    a.precision = auto_precision() if a.precision == "auto" else a.precision
    a.steps = a.steps or (8 if a.quick else 10 if big else 30)
    a.warmup = a.warmup if a.warmup is not None else (2 if a.quick or big else 5)
    if a.steps <= a.warmup:
        p.error("--steps must be larger than --warmup")

    configure(a.model)
    if a.child:
        keep = child_init(a.threads, ours=a.child == "ours")
        res = {"ours": child_ours, "trl": child_trl, "baseline": child_baseline}[a.child](a)
        res["keep_freed_memory"] = keep
        Path(a.result).write_text(json.dumps(res))
        return

    t_start = time.perf_counter()
    data = Path(a.data).resolve() if a.data else DATA
    limit = a.limit or (320 if a.quick else 160 if big else None)
    print("[bench] setup (model folder, data files, tokenization check) ...", file=sys.stderr)
    info = setup(data, limit, a.pairs, a.model)
    c = info["token_check"]
    print(f"[bench] model: {a.model}, {info['n_params']:,} params; data: {info['pairs']} pairs from {data.name}"
          f"{f' (first {limit})' if limit else ''}, kept ours {info['pairs_kept']} / TRL {c['trl_kept']}; "
          f"mean prompt {info['mean_prompt_len']:.1f}, answer {info['mean_answer_len']:.1f} tokens; "
          f"packed: {info['pairs_per_packed_row']:.2f} pairs per {2 * MAX_LEN}-token row → {info['packed_batch_rows']} rows/step",
          file=sys.stderr)
    print(f"[bench] tokenization vs TRL: {c['same_ids']}/{c['compared']} pairs identical (prompt {c['same_prompt_ids']}, "
          f"chosen {c['same_chosen_ids']}, rejected {c['same_rejected_ids']}); scored tokens identical in "
          f"{c['same_ids_and_scored_tokens']}/{c['compared']}: {c['tokens_in_forward_not_scored_by_ours']} tokens are in "
          f"both forwards but scored only by TRL {c['those_tokens']}", file=sys.stderr)
    load0 = load_avg()
    precisions = ["bf16", "fp32"] if a.precision == "both" else [a.precision]
    peak = matmul_peak(threads=a.threads, precisions=precisions)
    print(f"[bench] matmul peak (2048², {a.threads} threads): "
          f"{', '.join(f'{k} {v:.0f}' for k, v in peak.items())} GFLOP/s; "
          f"load {load0}", file=sys.stderr)

    ours_v = ["unpacked", "packed"] if a.quick or big else list(OURS_VARIANTS)
    # TRL 1.16's padding_free falls back to padded (see above), so the short runs leave it out
    trl_v = ["padded"] if a.quick or big else list(TRL_VARIANTS)
    runs = [] if a.quick else [run_one("baseline", None, "fp32", a, info)]
    for prec in precisions:
        print(f"[bench] {prec}: round 1 ({', '.join(['ours/' + v for v in ours_v] + ['trl/' + v for v in trl_v])})",
              file=sys.stderr)
        for v in ours_v:
            runs.append(run_one("ours", v, prec, a, info))
        for v in trl_v:
            runs.append(run_one("trl", v, prec, a, info))
        if not (a.quick or big):
            ranked = sorted((best(runs, f"trl/{v}", prec) for v in trl_v), key=lambda r: -(r or {}).get("pairs_per_s", 0))
            top = [r["variant"] for r in ranked if r][:1]
            print(f"[bench] {prec}: round 2 (ours/unpacked, ours/packed, TRL best {top})", file=sys.stderr)
            for v in ("unpacked", "packed"):
                runs.append(run_one("ours", v, prec, a, info))
            for v in top:
                runs.append(run_one("trl", v, prec, a, info))

    baseline = next((r for r in runs if r["kind"] == "baseline" and "error" not in r), None)
    summary = {}
    lines = ["", "| precision | run | pairs/s | ms/step | pairs/step | tokens/step | ref pass s | prep s | "
                 "e2e pairs/s | peak RSS MB | MFU | mean loss | load (1 min) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for prec in precisions:
        entries = [(f"ours/{v}", best(runs, f"ours/{v}", prec)) for v in ours_v]
        entries += [(f"trl/{v}", best(runs, f"trl/{v}", prec)) for v in trl_v]
        for label, r in entries:
            if r is None:
                lines.append(f"| {prec} | {label} | failed | | | | | | | | | | |")
                continue
            r["mfu"] = 6 * info["n_params"] * r["tokens_per_s"] / (peak[prec] * 1e9)
            name = label + (" (fell back to padded)" if label == "trl/padding_free" and not r.get("padding_free") else "")
            loss = f"{r['mean_loss']:.4f}" if r.get("mean_loss") is not None else "-"
            lines.append(f"| {prec} | {name} | {r['pairs_per_s']:,.1f} | {r['step_s'] * 1000:,.0f} | {r['pairs_per_step']:.1f} | "
                         f"{r['tokens_per_step']:,.0f} | {r['ref_s']:.1f} | {r['prep_s']:.1f} | {r['e2e_pairs_per_s']:,.1f} | "
                         f"{r['peak_rss_mb']:,.0f} | {100 * r['mfu']:.1f}% | {loss} | {r['load_before'][0]:.2f} |")
        ours = dict(entries).get("ours/unpacked")
        trl_ok = [r for label, r in entries if label.startswith("trl/") and r]
        if ours and trl_ok:
            tb = max(trl_ok, key=lambda r: r["pairs_per_s"])
            s = {"ours_run": "ours/unpacked", "ours_pairs_per_s": ours["pairs_per_s"],
                 "ours_e2e_pairs_per_s": ours["e2e_pairs_per_s"], "ours_peak_rss_mb": ours["peak_rss_mb"],
                 "ours_ref_s": ours["ref_s"],
                 "trl_best_variant": tb["variant"], "trl_best_padding_free_active": tb.get("padding_free", False),
                 "trl_best_pairs_per_s": tb["pairs_per_s"], "trl_best_e2e_pairs_per_s": tb["e2e_pairs_per_s"],
                 "trl_best_peak_rss_mb": tb["peak_rss_mb"], "trl_best_ref_s": tb["ref_s"],
                 "speed_ratio": ours["pairs_per_s"] / tb["pairs_per_s"],
                 "e2e_speed_ratio": ours["e2e_pairs_per_s"] / tb["e2e_pairs_per_s"],
                 "memory_ratio": ours["peak_rss_mb"] / tb["peak_rss_mb"],
                 "ref_pass_ratio": tb["ref_s"] / ours["ref_s"] if ours["ref_s"] else None}
            for v in ("packed", "noshare"):
                o = dict(entries).get(f"ours/{v}")
                if o:
                    s[f"{v}_speed_ratio"] = o["pairs_per_s"] / tb["pairs_per_s"]
                    s[f"{v}_e2e_speed_ratio"] = o["e2e_pairs_per_s"] / tb["e2e_pairs_per_s"]
                    s[f"{v}_memory_ratio"] = o["peak_rss_mb"] / tb["peak_rss_mb"]
            summary[prec] = s
    print("\n".join(lines))
    if baseline:
        print(f"\nmodel-only baseline (import torch+transformers, load the model): peak RSS {baseline['peak_rss_mb']:.0f} MB")
    print(f"tokenization: {c['same_ids']}/{c['compared']} pairs give identical prompt/chosen/rejected ids on both sides; "
          f"ours leaves {c['tokens_in_forward_not_scored_by_ours']} forwarded tokens out of the scored sum "
          f"({c['those_tokens']}, what the template writes after the end-of-turn), TRL scores them")
    for prec, s in summary.items():
        tv = s["trl_best_variant"] + ("" if s["trl_best_variant"] != "padding_free" or s["trl_best_padding_free_active"]
                                      else ", fell back to padded")
        line = (f"DPO vs TRL DPOTrainer: {s['speed_ratio']:.2f}× pairs/s, {s['memory_ratio']:.2f}× peak memory "
                f"[{prec}; ours unpacked {s['ours_pairs_per_s']:,.1f} vs TRL best ({tv}) {s['trl_best_pairs_per_s']:,.1f} "
                f"pairs/s steady; end-to-end one epoch incl. reference pass {s['e2e_speed_ratio']:.2f}×")
        if "packed_speed_ratio" in s:
            line += f"; ours packed {s['packed_speed_ratio']:.2f}× steady, {s['packed_e2e_speed_ratio']:.2f}× e2e"
        if "noshare_speed_ratio" in s:
            line += f"; ours without prefix sharing {s['noshare_speed_ratio']:.2f}×"
        print(line + "]")
    elapsed = time.perf_counter() - t_start
    print(f"\n[bench] done in {elapsed:.0f} s; load average now {load_avg()}")

    OUT.mkdir(parents=True, exist_ok=True)
    report = {"date": now_iso(), "command": " ".join([Path(sys.argv[0]).name] + (argv if argv is not None else sys.argv[1:])),
              "quick": a.quick, "threads": a.threads, "steps": a.steps, "warmup_steps": a.warmup,
              "pairs_per_step": a.pairs, "max_len": MAX_LEN, "lr": LR, "beta": BETA, "loss": "sigmoid",
              "reference": "precomputed before training (both sides)",
              "machine": {"cpu": cpu_name(), "cores": os.cpu_count(), "load_before": load0},
              "matmul_peak_gflops": peak, "versions": versions("torch", "transformers", "trl", "accelerate", "datasets"),
              "model_and_data": info, "summary": summary, "runs": runs, "elapsed_s": elapsed}
    name = "dpo_vs_trl.json" if a.model == "tiny" else f"dpo_vs_trl_{a.model}.json"
    (OUT / name).write_text(json.dumps(report, indent=2))
    print(f"[bench] wrote {OUT / name}", file=sys.stderr)


if __name__ == "__main__":
    main()
