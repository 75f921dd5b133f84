"""Packing: the O(n log n) first-fit decreasing gives exactly the rows the plain O(n·rows) scan gave,
and scales to hundreds of thousands of examples; the compact example store reads back what was rendered."""

import random
import time

import pytest

from posttrain.chat import Rendered
from posttrain.data.batching import (
    Examples,
    collate_packed,
    collate_rows,
    index_rows,
    pack,
    pack_lengths,
)


def ffd_scan(lengths, max_len):
    """The previous packer, kept as the reference: scan every row for the first with room."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    rows, space = [], []
    for i in order:
        n = lengths[i]
        for r, free in enumerate(space):
            if n <= free:
                rows[r].append(i)
                space[r] -= n
                break
        else:
            rows.append([i])
            space.append(max_len - n)
    return [sorted(row) for row in rows]


@pytest.mark.parametrize("seed", range(5))
def test_pack_equals_first_fit_scan(seed):
    rng = random.Random(seed)
    for _ in range(60):
        max_len = rng.choice([8, 64, 512])
        lengths = [rng.randint(0, max_len + 5) for _ in range(rng.randint(0, 400))]  # overlong items too
        assert pack_lengths(lengths, max_len) == ffd_scan(lengths, max_len)


def test_pack_200k_examples_in_seconds():
    rng = random.Random(0)
    lengths = [rng.randint(16, 300) for _ in range(200_000)]
    start = time.perf_counter()
    rows = pack_lengths(lengths, 512)
    assert time.perf_counter() - start < 10  # the row scan took minutes here
    assert sorted(i for row in rows for i in row) == list(range(len(lengths)))
    assert all(sum(lengths[i] for i in row) <= 512 for row in rows)


def test_pack_rows_of_examples():
    ex = [Rendered([1] * n, [1] * n) for n in (5, 3, 4, 2)]
    assert [[len(e.ids) for e in row] for row in pack(ex, 8)] == [[5, 3], [4, 2]]


def test_examples_store_round_trip():
    store = Examples()
    store.append([5, 300000, 7], [0, 1, 1])
    store.append([9], [1])
    assert len(store) == 2 and store.lengths() == [3, 1] and store.n_trained == 3 and store.n_tokens == 4
    assert (store[0].ids, store[0].mask, store[-1].ids) == ([5, 300000, 7], [0, 1, 1], [9])
    assert [r.ids for r in store] == [[5, 300000, 7], [9]]
    with pytest.raises(IndexError):
        store[2]
    rows = index_rows(store, 8, packing=True)
    batch = collate_rows(store, rows, pad_id=0, packing=True)
    ref = collate_packed([[store[i] for i in row] for row in rows], 0)
    assert batch.input_ids.tolist() == ref.input_ids.tolist() and batch.target_mask.tolist() == ref.target_mask.tolist()
    assert list(index_rows(store, 8, packing=False)) == [0, 1]
