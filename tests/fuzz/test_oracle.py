"""The fuzz tier with an oracle: not only "no traceback", but *which* records are rejected and what the
accepted ones train on. Every generated record (fuzzgen.records) goes through the loader of its group
and through `oracle.expect`; the verdicts must agree, and an accepted record must come back exactly
as the oracle built it. Files in every format must yield exactly their valid rows (with
skip_invalid), or stop at the first invalid one (JSONL: naming its line). Every accepted SFT record
trains tokens.

The short version runs in the default suite; the full one (`make test-fuzz`, marker `fuzz`) runs
2,000 fuzzgen records per group and 3,000 hypothesis-generated ones (tests/fuzz/rowgen.py)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import fuzzgen
import oracle
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rowgen import records

from posttrain.data.batching import render_all
from posttrain.data.formats import DataError, control_strings, iter_rows

FORMATS = (".jsonl", ".json", ".csv", ".parquet")


def loader_verdict(group: str, rec: dict, pattern):
    try:
        value = fuzzgen.CONVERTERS[group](rec, "f.jsonl:7")
        fuzzgen.check_control(rec, "f.jsonl:7", pattern)
    except DataError as e:
        fuzzgen.check_message(str(e), "f.jsonl")
        return oracle.Reject(str(e))
    return oracle.Accept(value)


def expected_rows(path: Path, recs: list) -> list:
    """The parsed rows of a written file, as the format defines them (None: a row that cannot be read)."""
    if path.suffix == ".json":
        data = json.loads(path.read_bytes().decode("utf-8-sig", "surrogateescape"))
        return data
    if path.suffix == ".csv":
        text = path.read_bytes().decode("utf-8", "surrogateescape")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        header, out = rows[0], []
        for cells in rows[1:]:
            if not cells:
                continue
            bad = any(0xDC80 <= ord(c) <= 0xDCFF for cell in cells for c in cell)  # bytes that are not UTF-8
            out.append(None if bad or len(cells) > len(header)
                       else dict(zip(header, cells + [None] * (len(header) - len(cells)))))
        return out
    import pyarrow.parquet as pq

    out = []
    for part in sorted(path.rglob("*.parquet")):
        try:
            out += pq.read_table(part).to_pylist()
        except OSError:  # e.g. nested deeper than pyarrow reads: the file (not a row) is unreadable
            return out + [BROKEN]
    return out


BROKEN = object()  # a file that cannot be read past this point: the reader stops with a file-level error


def verdicts(path: Path, recs: list, group: str, controls) -> list[tuple[str, oracle.Reject | oracle.Accept]]:
    """(location, verdict) of every row the file holds."""
    if path.suffix == ".jsonl":
        return [(f"{path}:{n}", v) for n, v in oracle.expect_jsonl(path.read_bytes(), group, controls)]
    return [(f"row {i}", row if row is BROKEN else oracle.Reject("unreadable") if row is None
             else oracle.expect(group, row, controls)) for i, row in enumerate(expected_rows(path, recs))]


def check_file(path: Path, recs: list, group: str, controls) -> tuple[int, int]:
    want = verdicts(path, recs, group, controls)
    valid = [v.value for _, v in want if isinstance(v, oracle.Accept)]
    bad = [where for where, v in want if isinstance(v, oracle.Reject)]
    convert = fuzzgen.CONVERTERS[group]
    if want and want[-1][1] is BROKEN:  # the rows before the unreadable part, then a one-line file error
        got = []
        with pytest.raises(DataError, match="not a readable Parquet"):
            for item in iter_rows(str(path), convert, True, forbid=controls):
                got.append(item)
        assert got == valid
        return len(valid), len(bad) + 1
    if valid:
        got = list(iter_rows(str(path), convert, True, forbid=controls))
        assert len(got) == len(valid), (path, len(got), len(valid))
        assert got == valid, next((g, v) for g, v in zip(got, valid) if g != v)
    else:
        with pytest.raises(DataError, match="no usable"):
            list(iter_rows(str(path), convert, True, forbid=controls))
    if bad:
        with pytest.raises(DataError) as e:
            list(iter_rows(str(path), convert, False, forbid=controls))
        if path.suffix == ".jsonl":
            assert str(e.value).startswith(bad[0] + ":"), (str(e.value)[:200], bad[0])
    return len(valid), len(bad)


def run(tmp: Path, tokenizer, n_per_group: int, seed: int, huge_every: int = 500) -> dict:
    controls = control_strings(tokenizer)
    pattern = fuzzgen.control_pattern(controls)
    tally = {"accepted": 0, "rejected": 0, "file rows accepted": 0, "file rows rejected": 0}
    for gi, group in enumerate(fuzzgen.GROUPS):
        recs = fuzzgen.records(n_per_group, seed + gi, group, huge_every)
        accepted = []
        for rec in recs:
            if isinstance(rec, bytes):
                continue
            want, got = oracle.expect(group, rec, controls), loader_verdict(group, rec, pattern)
            assert type(got) is type(want), (group, str(rec)[:300], want, got)
            if isinstance(want, oracle.Accept):
                assert got.value == want.value, (group, str(rec)[:300])
                accepted.append(want.value)
                tally["accepted"] += 1
            else:
                tally["rejected"] += 1
        if group == "sft" and accepted:  # whatever is accepted trains: no example is dropped for want of a target
            assert len(render_all(tokenizer, accepted, "chatml", 10**7, quiet=True)) == len(accepted)
        for fmt in FORMATS:
            chunk = recs if fmt == ".jsonl" else recs[: max(50, len(recs) // 4)]
            path = fuzzgen.write(tmp / f"{group}{fmt}", chunk)
            ok, bad = check_file(path, chunk, group, controls)
            tally["file rows accepted"] += ok
            tally["file rows rejected"] += bad
    return tally


def test_fuzz_oracle_short(tokenizer, tmp_path, capsys):
    tally = run(tmp_path, tokenizer, 60, seed=1, huge_every=10**9)
    with capsys.disabled():
        print(f"oracle: {tally}")
    assert tally["accepted"] >= 30 and tally["rejected"] >= 100


@pytest.mark.fuzz
def test_fuzz_oracle_full(tokenizer, tmp_path, capsys):
    tally = run(tmp_path, tokenizer, 2000, seed=0)
    with capsys.disabled():
        print(f"oracle: {tally}")
    assert tally["accepted"] + tally["rejected"] >= 9000 and tally["accepted"] >= 1000


@pytest.mark.fuzz
@pytest.mark.parametrize("group", sorted(oracle.GROUPS))
@settings(max_examples=3000, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_generated_records_follow_the_oracle_at_scale(tokenizer, group, data):
    """The property of tests/data/test_properties.py with twenty times the examples."""
    row = data.draw(records(group), label="row")
    controls = control_strings(tokenizer)
    want, got = oracle.expect(group, row, controls), loader_verdict(group, row, fuzzgen.control_pattern(controls))
    assert type(got) is type(want), (row, want, got)
    assert isinstance(want, oracle.Reject) or got.value == want.value, row
