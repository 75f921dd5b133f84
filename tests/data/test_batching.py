"""Packing: the O(n log n) first-fit decreasing gives exactly the rows the plain O(n·rows) scan gave,
and scales to hundreds of thousands of examples; the compact example store reads back what was rendered."""

import math
import random
import sys

import pytest

from posttrain.data.chat import Rendered
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


def _lines_run(fn, *args) -> tuple[object, int]:
    """fn(*args) and the number of its own lines executed: a work count that no machine load changes."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if frame.f_code is fn.__code__:
            if event == "line":
                count += 1
            return tracer
        return None
    sys.settrace(tracer)
    try:
        return fn(*args), count
    finally:
        sys.settrace(None)


def test_pack_work_grows_as_n_log_n():
    """The row scan it replaced did work proportional to items × rows (minutes at 200k items)."""
    rng = random.Random(0)
    work = {}
    for n in (5_000, 20_000):
        lengths = [rng.randint(16, 300) for _ in range(n)]
        rows, work[n] = _lines_run(pack_lengths, lengths, 512)
        assert sorted(i for row in rows for i in row) == list(range(n))
        assert all(sum(lengths[i] for i in row) <= 512 for row in rows)
        assert work[n] < 60 * n * math.log2(n)
    assert work[20_000] / work[5_000] < 4 * 1.5  # ~4.6 for n log n; items × rows would give ~16


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


def test_replay_rows_hold_the_asked_share(tokenizer):
    from posttrain.data.batching import Examples, add_replay
    ex = Examples()
    for _ in range(10):
        ex.append([1, 2, 3, 4, 5], [0, 0, 1, 1, 1])  # 30 trained tokens
    text = " ".join(f"word{i}" for i in range(400))
    got = add_replay(ex, tokenizer, text, 0.25, max_len=16)
    assert got == 10  # 0.25 / 0.75 * 30
    replay = [ex[i] for i in range(10, len(ex))]
    assert sum(sum(r.mask) for r in replay) == got and all(len(r.ids) <= 16 for r in replay)
    bos = tokenizer.bos_token_id
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    flat = [t for r in replay for t in (r.ids[1:] if bos is not None else r.ids)]
    assert flat == ids[:len(flat)]  # the text's own tokens, in order, from its start
    assert all(r.mask[0] == 0 for r in replay)
    with pytest.raises(ValueError, match="replay_fraction"):
        add_replay(ex, tokenizer, text, 1.0, 16)


def test_sft_with_replay_trains_on_both(tiny_dir, sft_file, tmp_path, capsys):
    from conftest import corpus_text
    from posttrain.commands.cli import main
    text = tmp_path / "replay.txt"
    text.write_text(corpus_text())
    assert main(["sft", f"model={tiny_dir}", f"data={sft_file}", f"output_dir={tmp_path / 'run'}", "max_steps=2",
                 "batch_size=4", "max_len=64", "dtype=fp32", "progress=false", f"replay={text}",
                 "replay_fraction=0.2"]) == 0
    err = capsys.readouterr().err
    share = float(err.split("assistant tokens (")[1].split("%")[0])
    assert "replay:" in err and 19.0 <= share <= 21.0, err
