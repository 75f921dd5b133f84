"""Data at scale: peak memory and data-preparation time of `posttrain sft` and `posttrain dpo` on
10,000 and 1,000,000 rows of JSONL.

    .venv/bin/python bench/data_scale.py                 # 10k and 1M rows (the 1M runs take minutes)
    .venv/bin/python bench/data_scale.py --rows 10000 100000

A tiny model (2 layers, hidden 64) is built here from a tokenizer trained here, as tests/conftest.py
does; each stage runs `max_steps` steps in its own process, so its peak RSS (`ru_maxrss` of the
child, polled from /proc) is its alone. Data preparation is the seconds from the child's start
(imports included) to its "[posttrain] N examples/pairs, ... tokens ... rows" line, printed once every
row is read, rendered and packed. DPO runs with `reference=copy`: precomputing reference log-probs would
run the model over every pair, which is a training cost, not a data one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import cpu_name, now_iso

FACTS = [("France", "Paris"), ("Italy", "Rome"), ("Spain", "Madrid"), ("Japan", "Tokyo"), ("Egypt", "Cairo"),
         ("Peru", "Lima"), ("Kenya", "Nairobi"), ("Chile", "Santiago"), ("Cuba", "Havana"), ("Iran", "Tehran")]


def row(i: int, rng: random.Random) -> tuple[str, str, str]:
    """(question, right answer, wrong answer), the two kinds the test fixtures use."""
    if i % 2:
        c, cap = FACTS[i % len(FACTS)]
        return f"What is the capital of {c}?", f"The capital of {c} is {cap}.", \
            f"The capital of {c} is {FACTS[(i + 3) % len(FACTS)][1]}."
    x, y = rng.randint(1, 99), rng.randint(1, 99)
    return f"What is {x} plus {y}?", f"{x} plus {y} is {x + y}.", f"{x} plus {y} is {x + y + 1}."


def write_data(folder: Path, n: int) -> tuple[Path, Path]:
    sft, pref = folder / f"sft_{n}.jsonl", folder / f"pref_{n}.jsonl"
    if not (sft.exists() and pref.exists()):
        rng = random.Random(n)
        with open(sft, "w") as fs, open(pref, "w") as fp:
            for i in range(n):
                q, a, b = row(i, rng)
                fs.write(json.dumps({"messages": [{"role": "user", "content": q},
                                                  {"role": "assistant", "content": a}]}) + "\n")
                fp.write(json.dumps({"prompt": q, "chosen": a, "rejected": b}) + "\n")
    return sft, pref


def build_model(folder: Path) -> Path:
    from posttrain.model.hf import save_model, tiny_model
    from posttrain.core.tokenizer import train_tokenizer

    path = folder / "tiny"
    if not (path / "config.json").exists():
        rng = random.Random(0)
        text = " ".join(" ".join(row(i, rng)) for i in range(400)) + " system user assistant"
        tok = train_tokenizer([text] * 4, vocab_size=400)
        save_model(tiny_model(tok, hidden_size=64, layers=2, heads=4), tok, path)
    return path


def peak_rss_mb(pid: int, stop: threading.Event, out: list) -> None:
    """Poll VmHWM of the child (its own peak, independent of earlier children)."""
    while not stop.is_set():
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    out[0] = max(out[0], int(line.split()[1]) / 1024)
        except OSError:
            return
        stop.wait(0.2)


def run_stage(stage: str, model: Path, data: Path, out: Path, extra: list[str]) -> dict:
    args = [sys.executable, "-m", "posttrain.commands.cli", stage, f"model={model}", f"data={data}", f"output_dir={out}",
            "max_steps=3", "batch_size=4", "max_len=128", "dtype=fp32", "progress=false", *extra]
    env = dict(os.environ, OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false", PYTHONUNBUFFERED="1")
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    peak, stop = [0.0], threading.Event()
    watcher = threading.Thread(target=peak_rss_mb, args=(proc.pid, stop, peak), daemon=True)
    watcher.start()
    prep, log = None, []
    for line in proc.stderr:
        log.append(line)
        if prep is None and line.startswith("[posttrain]") and " tokens" in line and " rows" in line:
            prep = time.perf_counter() - t0
    proc.wait()
    stop.set()
    watcher.join()
    total = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{stage} on {data} failed:\n" + "".join(log[-20:]))
    return {"peak_rss_mb": peak[0], "prep_s": prep, "total_s": total}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="+", default=[10_000, 1_000_000])
    ap.add_argument("--work", default=str(ROOT / "bench" / "out" / "data_scale"))
    ap.add_argument("--stages", nargs="+", default=["sft", "dpo"])
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    model = build_model(work)
    results = {}
    for n in args.rows:
        t = time.perf_counter()
        sft, pref = write_data(work, n)
        print(f"# {n:,} rows written in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        for stage in args.stages:
            data, extra = (sft, []) if stage == "sft" else (pref, ["reference=copy"])
            results[stage, n] = r = run_stage(stage, model, data, work / f"{stage}_{n}", extra)
            print(f"# {stage} {n:,}: {r}", file=sys.stderr)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\n{now_iso()}  {cpu_name()}  avx512_bf16: {'avx512_bf16' in Path('/proc/cpuinfo').read_text()}")
    print(f"(max ru_maxrss over all children: {children:,.0f} MB)\n")
    print("| stage | rows | peak RSS (MB) | data prep (s) | prep µs/row | total (s) |")
    print("|---|---:|---:|---:|---:|---:|")
    for (stage, n), r in results.items():
        print(f"| {stage} | {n:,} | {r['peak_rss_mb']:,.0f} | {r['prep_s']:.1f} | {r['prep_s'] / n * 1e6:,.0f} "
              f"| {r['total_s']:.1f} |")
    lo, hi = min(args.rows), max(args.rows)
    for stage in args.stages:
        if lo != hi:
            growth = results[stage, hi]["peak_rss_mb"] - results[stage, lo]["peak_rss_mb"]
            print(f"{stage}: RSS growth {lo:,} → {hi:,} rows: {growth:,.0f} MB "
                  f"({growth * 2**20 / (hi - lo):,.0f} bytes/row; target < 1024 MB)")


if __name__ == "__main__":
    main()
