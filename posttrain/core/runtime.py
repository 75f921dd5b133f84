"""Where and how tensors run: device, compute precision, autocast, the process group, train/eval mode.

The training loop builds one `Runtime` and hands it to the method; evaluation, reference passes
and rollouts use the same object, so a run never works out its device or precision twice.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
import torch.distributed as dist


@lru_cache(maxsize=1)
def cpu_has_fast_bf16() -> bool:
    """AVX512-BF16 or AMX: bf16 matmuls run several times faster than fp32 on such CPUs."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


@lru_cache(maxsize=1)
def keep_freed_memory() -> bool:
    """Make glibc keep freed memory for reuse instead of handing it back to the kernel.

    A training step frees and re-allocates the same large activation buffers every step. By
    default glibc serves each of them with a fresh mmap and unmaps it on free, so every step
    page-faults its whole working set again (kernel time was a large share of a SmolLM2-135M CPU
    step; the SFT rows of bench/RESULTS.md run with this). With mmap off and a 1 GiB trim
    threshold, freed blocks stay in the heap and the next step reuses them. Linux/glibc only;
    POSTTRAIN_KEEP_FREED_MEMORY=0 turns it off. Returns whether it was applied.
    """
    if os.environ.get("POSTTRAIN_KEEP_FREED_MEMORY", "1") == "0":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_max = -1, -4
        return bool(libc.mallopt(m_mmap_max, 0)) and bool(libc.mallopt(m_trim_threshold, 1 << 30))
    except (OSError, AttributeError):
        return False


def pick_device(device: str = "auto") -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def pick_dtype(dtype: str, device: torch.device) -> torch.dtype:
    """Compute dtype used by autocast: bf16 on CUDA and fast-bf16 CPUs under `auto`, else fp32."""
    table = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
    if dtype != "auto":
        return table[dtype]
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.bfloat16 if cpu_has_fast_bf16() else torch.float32


def autocast(device: torch.device, dtype: torch.dtype):
    """Mixed precision around forward passes; weights and optimizer state stay fp32."""
    if dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype)


def dist_env() -> tuple[int, int, int]:
    """(rank, local_rank, world_size), initialising the process group under torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0")), world


@contextlib.contextmanager
def evaluating(model):
    """Eval mode (no dropout) inside the block; the model's previous mode is restored after it."""
    was = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was)


@dataclass(frozen=True)
class Runtime:
    """Device, compute dtype and process group of one run (built once by the loop)."""

    device: torch.device
    dtype: torch.dtype
    rank: int = 0
    local_rank: int = 0
    world: int = 1

    @classmethod
    def create(cls, device: str = "auto", dtype: str = "auto") -> "Runtime":
        rank, local_rank, world = dist_env()
        dev = pick_device(device)
        if dev.type == "cuda" and world > 1:
            dev = torch.device("cuda", local_rank)
        if dev.type == "cpu":
            keep_freed_memory()
        return cls(dev, pick_dtype(dtype, dev), rank, local_rank, world)

    @property
    def main(self) -> bool:
        """The process that prints, writes metrics and saves."""
        return self.rank == 0

    def autocast(self):
        return autocast(self.device, self.dtype)

    def to(self, batch):
        """A batch (posttrain.data.batches) on this run's device."""
        return batch.to(self.device)

    def all_sum(self, x: float) -> float:
        """x summed over processes (x itself in a single process)."""
        if self.world == 1:
            return float(x)
        t = torch.tensor([float(x)], dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return float(t.item())
