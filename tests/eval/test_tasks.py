"""Tasks outside the repository: the arithmetic task's exclusion of benchmark items travels with the
package (package data), matches the benchmark file it was made from, and a missing copy is an error."""

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from posttrain.eval import tasks

ROOT = Path(__file__).resolve().parents[2]


def _operands_of_benchmark() -> set[tuple[int, int]]:
    rows = [json.loads(l) for l in (ROOT / "data" / "bench_heldout.jsonl").read_text().splitlines() if l.strip()]
    return {tuple(sorted(int(x) for x in re.findall(r"\d+", r["instruction"])))
            for r in rows if r.get("family") == "arithmetic"}


def test_shipped_exclusion_matches_the_benchmark():
    assert tasks.bench_operands() == _operands_of_benchmark() and len(tasks.bench_operands()) == 20


def test_exclusion_works_without_the_repository_data(tmp_path, monkeypatch):
    """data/ is not packaged: with neither the package's parent nor the working directory holding it,
    the exclusion used to be silently empty and benchmark problems leaked into training."""
    monkeypatch.setattr(tasks, "DATA", tmp_path / "nowhere")
    monkeypatch.chdir(tmp_path)
    bench = _operands_of_benchmark()
    t = tasks.arithmetic()
    ops = {tuple(sorted(int(x) for x in re.findall(r"\d+", r["prompt"][0]["content"]))) for r in t.train + t.heldout}
    assert bench and not ops & bench


def test_installed_layout_carries_the_asset(tmp_path):
    """Lay out the package as pyproject's package-data would install it (code + declared data only) in
    a folder with no data/ beside it, and read the exclusion from a fresh interpreter there."""
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = cfg["tool"]["setuptools"]["package-data"]["posttrain"]
    site = tmp_path / "site"
    for src in (ROOT / "posttrain").rglob("*.py"):
        dst = site / src.relative_to(ROOT)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, dst)
    for pattern in globs:
        for src in (ROOT / "posttrain").glob(pattern):
            dst = site / src.relative_to(ROOT)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, dst)
    code = "import posttrain.eval.tasks as t; print(len(t.bench_operands()), t.__file__)"
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run([sys.executable, "-c", code], check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    n, where = out.stdout.split()
    assert int(n) == 20 and where.startswith(str(site))


def test_missing_asset_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(tasks, "ASSETS", tmp_path)
    with pytest.raises(FileNotFoundError, match="bench_arithmetic.json.*reinstall"):
        tasks.bench_operands()
