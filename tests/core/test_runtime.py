"""posttrain.core.runtime: glibc keeps freed training buffers (checked on the process's RSS)."""

import os
import subprocess
import sys
import textwrap

import pytest

PROBE = textwrap.dedent("""
    import os, sys
    import torch
    from posttrain.core.runtime import Runtime

    def rss_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    if sys.argv[1] == "runtime":
        Runtime.create(device="cpu")
    x = torch.ones(64 * 2**20 // 4)   # 64 MB, above glibc's default mmap threshold
    before = rss_mb()
    del x
    print(before - rss_mb())
""")


def _freed_mb(mode: str, env: dict | None = None) -> float:
    out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True,
                         env=env)
    return float(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc settings")
def test_cpu_runtime_keeps_freed_buffers_for_reuse():
    assert _freed_mb("plain") > 50          # glibc's default: the buffer's pages go back to the kernel
    assert _freed_mb("runtime") < 5         # after Runtime.create: kept in the heap for the next step
    env = dict(os.environ, POSTTRAIN_KEEP_FREED_MEMORY="0")
    assert _freed_mb("runtime", env) > 50   # the opt-out
