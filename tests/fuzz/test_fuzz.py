"""Fuzz tier: malformed records through the reader/validation layer and the commands; zero tracebacks.

The short version runs in the default suite; the full one (`make test-fuzz`, marker `fuzz`) feeds
over 10,000 records and every command on every file format, with and without skip_invalid."""

import pytest
import runner

from posttrain.data.formats import control_strings


def _report(tally):
    print(tally.summary())
    assert not tally.tracebacks, f"{tally.summary()}\n" + "\n".join(tally.tracebacks[:5])
    assert not tally.bad_errors, f"{tally.summary()}\n" + "\n".join(tally.bad_errors[:10])


def test_fuzz_short(tokenizer, tiny_dir, tmp_path, capsys):
    tally = runner.Tally()
    runner.fuzz_layer(tally, tmp_path, 60, control_strings(tokenizer), seed=1, huge_every=200)
    runner.fuzz_commands(tally, capsys, tmp_path, tiny_dir, None, {"sft"}, (".jsonl",), n_good=6, n_bad=8, seed=1)
    with capsys.disabled():
        _report(tally)
    assert tally.records >= 300 and tally.runs == 2


@pytest.mark.fuzz
def test_fuzz_full(tokenizer, tiny_dir, tmp_path, capsys):
    tally = runner.Tally()
    runner.fuzz_layer(tally, tmp_path, 2000, control_strings(tokenizer), seed=0)
    rm_dir = runner.train_rm(tiny_dir, tmp_path)
    names = {"check", "sft", "dpo", "kto", "rm", "score", "best-of-n"}
    for seed in range(3):
        runner.fuzz_commands(tally, capsys, tmp_path / f"s{seed}", tiny_dir, rm_dir, names, runner.FORMATS, seed=seed)
    with capsys.disabled():
        _report(tally)
    assert tally.records >= 10_000 and tally.runs >= 150
