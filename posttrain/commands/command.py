"""A command of the `posttrain` table: its options (a config dataclass), its handler, and what a pipeline needs
to know about it (whether it trains, the files it writes and under which option, the options that name input
files); and `invoke`, the one place a handler runs and a failure becomes one `error:` line and an exit code
(the command line and `posttrain run` stages share it).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Callable, Mapping

from posttrain.core.config import ConfigError
from posttrain.data.chat import TemplateError
from posttrain.data.readers import DataError
from posttrain.train.loop import TrainingDiverged


@dataclass(frozen=True)
class Output:
    """A file (or folder) a command writes: the option that names it and its name in a pipeline stage's folder."""

    option: str
    file: str = ""  # "" = the stage folder itself


TRAINED = {"": Output("output_dir")}  # a training stage's output: its folder (model, metrics, config, card)


@dataclass(frozen=True)
class Command:
    config: type
    """The options: a training stage's config or a tool's dataclass (its field docstrings are the `--help`)."""
    handler: Callable
    """Runs the command on a `config` instance; an int result is the exit code."""
    help: str
    positionals: tuple[str, ...] = ()
    """Fields filled by leading bare arguments, in order (`name*`: all of them, as a list)."""
    trains: bool = False
    """A training stage: a model folder comes out (a pipeline clears it before a re-run; a repeat round needs one)."""
    outputs: Mapping[str, Output] = field(default_factory=dict)
    """What it writes: "" is a pipeline's `${stage}`, another key `${stage.key}`. None: what it prints is the output."""
    inputs: tuple[str, ...] = ()
    """Options (bare or dotted keys) that may name input files or folders (NAME=PATH entries too): a pipeline
    hashes them to know whether a stage must run again."""
    stage: bool = True
    """Whether a pipeline stage may run it (not `run` and `demo` themselves)."""


USAGE_ERRORS = (ConfigError, DataError, TemplateError)  # exit 2: the user's input needs fixing
RUN_ERRORS = (TrainingDiverged, OSError, ImportError, MemoryError, ValueError)  # exit 1: the run failed


def error(cmd: str, message) -> None:
    text = " ".join(str(message).split())  # one line, whatever the exception put in it
    print(f"posttrain {cmd}: error: {text[:2000]}", file=sys.stderr)


def exit_code(cmd: str, e: BaseException) -> int:
    """One `error:` line and the exit code for a failure; genuine bugs re-raise under POSTTRAIN_DEBUG=1."""
    if isinstance(e, SystemExit):  # --help exits 0; a tool that exits with a message is a usage error
        if e.code is None or isinstance(e.code, int):
            return e.code or 0
        error(cmd, e.code)
        return 2
    if isinstance(e, USAGE_ERRORS):
        error(cmd, e)
        return 2
    if isinstance(e, ImportError) and e.name:
        error(cmd, f"{e} (an optional dependency is missing: pip install {e.name.split('.')[0]})")
        return 1
    if isinstance(e, RUN_ERRORS):
        error(cmd, e if str(e) else type(e).__name__)
        return 1
    if os.environ.get("POSTTRAIN_DEBUG") == "1":
        raise e
    error(cmd, f"internal error ({type(e).__name__}: {e}); rerun with POSTTRAIN_DEBUG=1 for the traceback")
    return 1


def invoke(cmd: str, command: Command, config) -> int:
    """Run `command`'s handler on `config`: its exit code (0 unless it returned an int), a failure as one line."""
    try:
        result = command.handler(config)
        return result if type(result) is int else 0  # stages return a summary; check returns its exit code
    except KeyboardInterrupt:
        print(f"\nposttrain {cmd}: interrupted (a run with save_every>0 resumes with resume=true)", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - every failure gets one line; bugs re-raise under POSTTRAIN_DEBUG
        return exit_code(cmd, e)
    except SystemExit as e:
        return exit_code(cmd, e)
