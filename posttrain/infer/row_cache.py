"""The KV cache of a continuous batch: storage with spare rows and columns that rows join and leave.

The batcher (`posttrain.infer.batcher`) prefills newcomers in a cache of their own, then writes their
keys and values into free rows here, right aligned to the filled length (their first columns are
masked padding). Joining and leaving cost one row's copy, not the whole batch's: a leaving row is
replaced by the last row, and columns are only compacted (the leading ones no live row attends to
are dropped) or doubled when they run out. The fast decoder works on views of the live rows
(`RowCache.view`), so a decoding step writes into this storage in place.
"""

from __future__ import annotations

import torch

from posttrain.model.fast_decode import KVCache


class RowCache:
    """Keys, values, attention mask, positions and next inputs of the live rows of a continuous batch.

    Per layer the storage is (row capacity, kv_heads, column capacity, head_dim); the first `rows`
    rows are live and the first `length` columns filled (every row's newest token at the same
    column, shorter rows left padded with zeros that their mask hides). The decoder works on views
    of the live rows, so a step writes into the storage in place."""

    def __init__(self):
        self.k: list[torch.Tensor] = []
        self.v: list[torch.Tensor] = []
        self.mask = self.positions = self.inputs = None
        self.rows = self.length = 0

    def view(self) -> KVCache:
        return KVCache([t[:self.rows] for t in self.k], [t[:self.rows] for t in self.v], self.length)

    def _resize(self, rows: int, cols: int, drop: int = 0, pad: int = 0) -> None:
        """New storage of `rows` × `cols`: the live rows' columns [drop, length) move to start at column
        `pad` (dropping leading columns no row needs, or making room on the left for a longer prompt)."""
        keep = self.length - drop

        def moved(t: torch.Tensor) -> torch.Tensor:
            new = t.new_zeros((rows, t.shape[1], cols, t.shape[3]))
            new[:self.rows, :, pad:pad + keep] = t[:self.rows, :, drop:self.length]
            return new

        self.k, self.v = [moved(t) for t in self.k], [moved(t) for t in self.v]
        mask = self.mask.new_zeros((rows, cols))
        mask[:self.rows, pad:pad + keep] = self.mask[:self.rows, drop:self.length]
        self.mask, self.length = mask, pad + keep
        for name in ("positions", "inputs"):
            old = getattr(self, name)
            new = old.new_zeros((rows, 1))
            new[:self.rows] = old[:self.rows]
            setattr(self, name, new)

    def reserve_column(self) -> None:
        """Room for one more column: drop the leading columns no live row attends to, or double."""
        cap = self.k[0].shape[2]
        if self.length < cap:
            return
        used = self.mask[:self.rows, :self.length].any(0)
        start = int(used.float().argmax()) if bool(used.any()) else self.length
        self._resize(self.k[0].shape[0], cap if start >= cap // 4 else 2 * cap, drop=start)

    def add(self, fresh: KVCache, mask: torch.Tensor, positions: torch.Tensor, inputs: torch.Tensor) -> None:
        """Append the rows of a freshly prefilled cache (its mask, next positions and inputs)."""
        n, width = mask.shape
        if not self.k:  # the first rows: storage with room to grow
            self.k = [t.new_zeros((max(8, n), t.shape[1], max(64, 2 * width), t.shape[3])) for t in fresh.k]
            self.v = [t.new_zeros(self.k[0].shape) for t in fresh.v]
            self.mask = mask.new_zeros((max(8, n), self.k[0].shape[2]))
            self.positions = positions.new_zeros((max(8, n), 1))
            self.inputs = inputs.new_zeros((max(8, n), 1))
            self.length = width
        if width > self.length:  # a prompt longer than the filled part: every row moves right
            self._resize(self.k[0].shape[0], max(self.k[0].shape[2], width + 1), pad=width - self.length)
        if self.rows + n > self.k[0].shape[0]:
            self._resize(max(2 * self.k[0].shape[0], self.rows + n), self.k[0].shape[2])
        lo, hi, start = self.rows, self.rows + n, self.length - width
        for store, new in zip(self.k + self.v, fresh.k + fresh.v):
            store[lo:hi, :, :start] = 0
            store[lo:hi, :, start:self.length] = new[:, :, :width]
        self.mask[lo:hi] = 0
        self.mask[lo:hi, start:self.length] = mask
        self.positions[lo:hi], self.inputs[lo:hi] = positions, inputs
        self.rows = hi

    def remove(self, i: int) -> int:
        """Drop live row i by moving the last live row into its place; returns the moved row's old index."""
        last = self.rows - 1
        if i != last:
            for t in self.k + self.v:
                t[i, :, :self.length] = t[last, :, :self.length]
            for t in (self.mask, self.positions, self.inputs):
                t[i] = t[last]
        self.rows = last
        return last
