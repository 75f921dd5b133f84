"""Named fault points: where the fault-injection tests (tests/faults/) kill a run to prove resume exact.

`point("checkpoint.between_renames")` sends SIGKILL to its own process the N-th time it is reached
when the environment has `POSTTRAIN_FAULT=checkpoint.between_renames:N` (N defaults to 1). SIGKILL,
not an exception: nothing is flushed, closed or cleaned up, as when the machine loses power or the
scheduler kills the job. With the variable unset a point is one comparison.
"""

from __future__ import annotations

import os
import signal

ENV = "POSTTRAIN_FAULT"


def _target(spec: str | None) -> tuple[str, int] | None:
    if not spec:
        return None
    name, _, n = spec.partition(":")
    return name, int(n or 1)


_TARGET = _target(os.environ.get(ENV))
_hits: dict[str, int] = {}


def point(name: str) -> None:
    """Kill this process here if POSTTRAIN_FAULT names this point and this is its N-th hit."""
    if _TARGET is None or _TARGET[0] != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] == _TARGET[1]:
        os.kill(os.getpid(), signal.SIGKILL)
