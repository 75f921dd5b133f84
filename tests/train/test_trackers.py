"""run.tracker=tensorboard: every metrics.jsonl line also lands in TensorBoard event files, read back
with TensorBoard's own reader."""

from __future__ import annotations

import json

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from posttrain.commands.cli import main


def test_tensorboard_gets_every_logged_metric(tiny_dir, sft_file, tmp_path):
    out = tmp_path / "sft"
    assert main(["sft", f"model={tiny_dir}", f"data={sft_file}", f"output_dir={out}", "max_steps=3", "max_len=64",
                 "batch_size=2", "dtype=fp32", "progress=false", "template=chatml", f"eval_data={sft_file}",
                 "tracker=tensorboard"]) == 0
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    events = EventAccumulator(str(out / "tensorboard"))
    events.Reload()
    for key in ("loss", "eval_loss", "lr"):
        logged = [(r["step"], r[key]) for r in rows if key in r]
        seen = [(e.step, e.value) for e in events.Scalars(key)]
        assert len(seen) == len(logged) >= 1
        assert all(a == b and abs(x - y) <= 1e-6 * max(1, abs(x)) for (a, x), (b, y) in zip(logged, seen))
    assert "config/text_summary" in events.Tags()["tensors"]  # the run's config, once
