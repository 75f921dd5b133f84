"""Experiment trackers beside metrics.jsonl: every logged line also goes to TensorBoard, MLflow or
trackio (`run.tracker`). Each is an optional dependency, imported when chosen; metrics.jsonl stays
the record the report and resume read."""

from __future__ import annotations

import os
from pathlib import Path


class Tracker:
    def log(self, metrics: dict) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


def _scalars(metrics: dict) -> dict:
    return {k: float(v) for k, v in metrics.items() if k != "step" and isinstance(v, (int, float))
            and not isinstance(v, bool)}


def _flat(tree: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in tree.items():
        out.update(_flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {prefix + k: v})
    return out


class TensorBoard(Tracker):
    def __init__(self, out: Path, config: dict, start: int):
        from torch.utils.tensorboard import SummaryWriter  # noqa: PLC0415 - optional dependency

        # a resumed run drops the events logged after its checkpoint, as metrics.jsonl is cut back
        self.writer = SummaryWriter(log_dir=str(out / "tensorboard"), purge_step=start + 1 if start else None)
        if not start:
            self.writer.add_text("config", "\n".join(f"    {k}: {v}" for k, v in _flat(config).items()))

    def log(self, metrics: dict) -> None:
        for k, v in _scalars(metrics).items():
            self.writer.add_scalar(k, v, metrics.get("step", 0))
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


class MLflow(Tracker):
    def __init__(self, out: Path, config: dict, start: int):
        import mlflow  # noqa: PLC0415 - optional dependency

        self.mlflow = mlflow
        if not os.environ.get("MLFLOW_TRACKING_URI"):
            mlflow.set_tracking_uri((out / "mlruns").resolve().as_uri())
        mlflow.start_run(run_name=out.name)
        mlflow.log_params({k: str(v)[:250] for k, v in _flat(config).items()})

    def log(self, metrics: dict) -> None:
        self.mlflow.log_metrics(_scalars(metrics), step=metrics.get("step", 0))

    def close(self) -> None:
        self.mlflow.end_run()


class Trackio(Tracker):
    def __init__(self, out: Path, config: dict, start: int):
        import trackio  # noqa: PLC0415 - optional dependency

        self.trackio = trackio
        trackio.init(project="posttrain", name=out.name, config=_flat(config), resume="allow" if start else "never")

    def log(self, metrics: dict) -> None:
        self.trackio.log(_scalars(metrics), step=metrics.get("step", 0))

    def close(self) -> None:
        self.trackio.finish()


def open_tracker(kind: str, out: Path, config: dict, start: int) -> Tracker:
    return {"tensorboard": TensorBoard, "mlflow": MLflow, "trackio": Trackio}[kind](out, config, start)
