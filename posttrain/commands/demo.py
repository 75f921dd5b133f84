"""`posttrain demo`: the shipped demo pipeline, the whole story on the embedded default, offline.

`pipelines/demo.yaml` takes Gemma-3-270M base (from the GGUF packages, cached once as a HF folder), a
text completer, through SFT (assistant-only loss) and DPO with RPO's NLL term on its own arithmetic
mistakes, and writes the report: training curves, in- and out-of-domain perplexity per stage
(forgetting), held-out benchmark and task accuracy, the answers of base, SFT and DPO side by side,
and the probability shift (what the base model puts after a question, against the tuned model).
`--tiny` runs `pipelines/demo_tiny.yaml`: a small base model pretrained here first, ~3 minutes.
`make demo` runs the same file with `posttrain run pipelines/demo.yaml`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from posttrain.commands.command import Command
from posttrain.commands.pipeline import Runner

PIPELINES = Path(__file__).resolve().parents[2] / "pipelines"


def pipeline_file(name: str) -> str:
    """A file of the repository's pipelines/ folder (found from the package or the working directory)."""
    for path in (PIPELINES / name, Path.cwd() / "pipelines" / name):
        if path.exists():
            return str(path)
    raise FileNotFoundError(f"pipeline {name} not found (run from the repository)")


def run_demo(commands: Mapping[str, Command], tiny: bool = False, output_dir: str | None = None) -> int:
    """Run the demo pipeline with the command table `commands`; its exit code."""
    name = "demo_tiny.yaml" if tiny else "demo.yaml"
    run_dir = str(Path(output_dir) / ("tiny" if tiny else "gemma")) if output_dir else None
    return Runner(pipeline_file(name), commands, run_dir).run()
