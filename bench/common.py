"""Shared helpers for the benchmarks: machine load, memory, matmul peak, versions, child processes.

Every benchmark runs each framework in its own subprocess so that peak memory (`ru_maxrss`) is
that framework's alone, records the machine's load average before every run (other jobs on
these 2 cores can halve a timing), and measures the matmul peak it reports MFU against itself.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def load_avg() -> tuple[float, float, float]:
    return tuple(round(x, 2) for x in os.getloadavg())


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def versions(*names: str) -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for n in names:
        try:
            out[n] = version(n)
        except PackageNotFoundError:
            out[n] = None
    return out


def matmul_peak(seconds: float = 1.0, n: int = 2048, threads: int = 2, precisions=("fp32", "bf16")) -> dict:
    """GFLOP/s of an n×n matmul loop in each precision on `threads` threads (best of short bursts).

    Only the precisions a run uses: on a CPU without native bf16 one 2048² bf16 product takes ~50 s.

    Best-of rather than mean, because other jobs on the machine only ever slow a burst down.
    """
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    res = {}
    try:
        for name, dt in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
            if name not in precisions:
                continue
            a, b = torch.randn(n, n, dtype=dt), torch.randn(n, n, dtype=dt)
            for _ in range(2):
                a @ b  # warm-up
            best, t_end = float("inf"), time.perf_counter() + seconds
            while time.perf_counter() < t_end:
                t0 = time.perf_counter()
                for _ in range(3):
                    a @ b
                best = min(best, (time.perf_counter() - t0) / 3)
            res[name] = 2 * n ** 3 / best / 1e9
    finally:
        torch.set_num_threads(old)
    return res


def child_init(threads: int, ours: bool) -> bool:
    """What every child process does first: the same number of torch threads on both sides. Ours
    also gets the glibc setting posttrain's CPU runtime applies anyway (keep freed memory for reuse);
    the peer runs with glibc's defaults, its best: the same setting made TRL's SFT steps ~25% slower
    here (SmolLM2-135M, fp32: 74 → 57 tokens/s padding-free, 75 → 58 packed). Returns whether the
    setting is on in this process."""
    import torch

    from posttrain.core.runtime import keep_freed_memory

    torch.set_num_threads(threads)
    return keep_freed_memory() if ours else False


def auto_precision() -> str:
    """bf16 where the CPU multiplies bf16 natively (AVX512-BF16/AMX) or on CUDA, else fp32: on an
    AVX2-only CPU a bf16 matmul runs at a fraction of a GFLOP/s, so fp32 is what anyone would use."""
    import torch

    from posttrain.core.runtime import cpu_has_fast_bf16

    return "bf16" if torch.cuda.is_available() or cpu_has_fast_bf16() else "fp32"


def run_child(argv: list[str], timeout: float = 900) -> dict:
    """Run `python argv...` with a `--result FILE` appended; return the JSON it wrote plus load/wall time."""
    OUT.mkdir(parents=True, exist_ok=True)
    result = OUT / f".child_{os.getpid()}_{time.monotonic_ns()}.json"
    env = dict(os.environ, TOKENIZERS_PARALLELISM="false", PYTHONUNBUFFERED="1")
    load = load_avg()
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, *argv, "--result", str(result)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t0
    if proc.returncode != 0 or not result.exists():
        tail = (proc.stdout + proc.stderr)[-4000:]
        return {"error": f"exit code {proc.returncode}", "log_tail": tail, "load_before": load, "wall_s": wall}
    data = json.loads(result.read_text())
    result.unlink()
    data.update(load_before=load, wall_s=round(wall, 2))
    return data


def now_iso() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def model_only_baseline(model_dir) -> dict:
    """Peak RSS of importing torch + transformers and loading the model: what every run pays anyway."""
    import torch  # noqa: F401
    from transformers import AutoModelForCausalLM

    rss_import = current_rss_mb()
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype="float32")
    model.train()
    return {"rss_after_imports_mb": rss_import, "peak_rss_mb": peak_rss_mb()}
