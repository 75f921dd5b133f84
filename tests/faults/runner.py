"""`python tests/faults/runner.py STAGE key=value ...`: the posttrain CLI with a fault point in the sampler.

The fault-injection tests run training through this script so POSTTRAIN_FAULT=engine.sample:N
kills a GRPO/PPO run in the middle of a rollout (at its N-th sampled token), without a hook in
the engine itself.
"""

import sys

from posttrain.infer import engine
from posttrain.core.faults import point

_sample = engine.sample


def sample(*args, **kwargs):
    point("engine.sample")
    return _sample(*args, **kwargs)


engine.sample = sample

from posttrain.commands.cli import main

sys.exit(main(sys.argv[1:]))
