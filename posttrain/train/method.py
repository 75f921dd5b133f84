"""The contract between a training method and the one loop (posttrain.train.loop).

A method (SFT, pretraining, the DPO family, KTO, the reward model, PPO, GRPO) is an object with:

- `model`: the module the loop optimises (PPO's is the policy with its value head);
- `total_steps()` and `micro_batch(i)`: the run's length in optimizer steps, and micro-batch `i`
  of the whole run (a pure function of i, so a resumed run replays exactly; under DDP rank r takes
  every world-th one). Data-set methods get both from a `RowSource`, RL from its rollout source;
- `step(model, batch) -> (loss, metrics)`: the loss SUMMED over the batch's units and metric sums
  (tensors or floats); the loop divides both by the units of the whole step;
- `evaluate(model) -> dict`: held-out metrics (`eval_*`), {} when there is nothing to evaluate;
- `save(model)`: write the output folder (model or adapter, config, model card);
- `begin_step(model, batches)`: called with the step's micro-batches (this rank's, on the CPU)
  before any forward, for statistics over the whole step (KTO's reference point); usually nothing;
- `state_dict()` / `load_state_dict()`: running state that a checkpoint must keep (PPO's KL
  controller and reward statistics), {} for most.
"""

from __future__ import annotations

import math
from typing import Callable, Protocol

import torch
from torch import nn

from posttrain.data.batches import Batch
from posttrain.core.sections import RunConfig


class Method(Protocol):
    model: nn.Module

    def total_steps(self) -> int: ...

    def micro_batch(self, i: int) -> Batch: ...

    def step(self, model: nn.Module, batch: Batch) -> tuple[torch.Tensor, dict]: ...

    def evaluate(self, model: nn.Module) -> dict: ...

    def begin_step(self, model: nn.Module, batches: list[Batch]) -> None: ...

    def save(self, model: nn.Module) -> None: ...

    def state_dict(self) -> dict: ...

    def load_state_dict(self, state: dict) -> None: ...


class RowSource:
    """Micro-batches of a fixed data set: rows shuffled per epoch by (seed, epoch), `batch_size` at a time."""

    def __init__(self, rows: list, collate: Callable[[list], Batch], run: RunConfig, world: int):
        self.rows, self.collate, self.run, self.world = rows, collate, run, world
        self.per_epoch = len(rows) // run.batch_size
        self.perms: dict[int, list[int]] = {}

    def total_steps(self) -> int:
        steps_per_epoch = self.per_epoch // (self.run.grad_accum * self.world)
        if steps_per_epoch == 0:
            raise ValueError(f"{len(self.rows)} rows are too few for one step of batch_size={self.run.batch_size} × "
                             f"grad_accum={self.run.grad_accum} × {self.world} processes")
        return self.run.max_steps or max(1, math.ceil(self.run.epochs * steps_per_epoch))

    def micro_batch(self, i: int) -> Batch:
        B = self.run.batch_size
        epoch, k = divmod(i, self.per_epoch)
        if epoch not in self.perms:
            g = torch.Generator().manual_seed(self.run.seed * 1_000_003 + epoch)
            self.perms[epoch] = torch.randperm(len(self.rows), generator=g).tolist()
        return self.collate([self.rows[j] for j in self.perms[epoch][k * B:(k + 1) * B]])


class DataMethod:
    """The parts every fixed-data-set method shares: its rows, no running state."""

    source: RowSource

    def total_steps(self) -> int:
        return self.source.total_steps()

    def micro_batch(self, i: int) -> Batch:
        return self.source.micro_batch(i)

    def begin_step(self, model, batches) -> None:
        pass

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass
