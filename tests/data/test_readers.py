"""Readers name the exact line of a bad row; loaders are lazy; bad bytes and bad JSON are one-line errors."""

import json
import tracemalloc

import pytest

from posttrain.data.formats import DataError, iter_conversations, load_conversations
from posttrain.data.preference import iter_pairs, iter_unpaired
from posttrain.data.readers import read_records
from posttrain.train.pretrain import read_corpus

GOOD = {"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]}


def test_csv_line_numbers_after_multiline_cell(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text('question,answer\n"Q\nspanning\nthree lines",A\nQ2,\n')
    assert [w for _, w in read_records(str(path))] == [f"{path}:2", f"{path}:5"]
    with pytest.raises(DataError, match=r"d.csv:5: field 'answer'"):
        load_conversations(str(path))


def test_csv_extra_cells_are_a_data_error(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("question,answer\nQ,A,surplus\n")
    with pytest.raises(DataError, match=r"d.csv:2: .*2 columns.*3"):
        load_conversations(str(path))


def test_pretrain_bad_jsonl_names_line(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "hello"}\n{"text": oops}\n')
    with pytest.raises(DataError, match=r"c.jsonl:2: invalid JSON"):
        read_corpus(str(path))
    path.write_text('{"text": "hello"}\n[1, 2]\n')
    with pytest.raises(DataError, match=r"c.jsonl:2: expected a JSON object"):
        read_corpus(str(path))


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_invalid_utf8_names_line_and_can_be_skipped(tmp_path, suffix, capsys):
    path = tmp_path / f"d{suffix}"
    good = json.dumps(GOOD).encode() if suffix == ".jsonl" else b"Q,A"
    bad = b'{"messages": "\xff\xfe"}' if suffix == ".jsonl" else b"Q\xff,A"
    head = b"" if suffix == ".jsonl" else b"question,answer\n"
    path.write_bytes(head + good + b"\n" + bad + b"\n" + good + b"\n")
    line = 2 if suffix == ".jsonl" else 3
    with pytest.raises(DataError, match=rf"d{suffix}:{line}: invalid UTF-8"):
        load_conversations(str(path))
    assert len(load_conversations(str(path), skip_invalid=True)) == 2
    assert "skipped 1 invalid rows" in capsys.readouterr().err


def test_json_non_object_row_skippable_and_deep_nesting(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps([GOOD, 3, GOOD]))
    with pytest.raises(DataError, match=r"d.json: row 1: expected an object"):
        load_conversations(str(path))
    assert len(load_conversations(str(path), skip_invalid=True)) == 2
    deep = tmp_path / "deep.jsonl"
    deep.write_text(json.dumps(GOOD) + "\n" + "[" * 100000 + "]" * 100000 + "\n" + "1" * 5000 + "\n")
    with pytest.raises(DataError, match=r"deep.jsonl:2: invalid JSON"):
        load_conversations(str(deep))
    assert len(load_conversations(str(deep), skip_invalid=True)) == 1


def test_lone_surrogate_is_a_data_error(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"messages": [{"role": "user", "content": "\\ud800"}, {"role": "assistant", "content": "A"}]}\n')
    with pytest.raises(DataError, match=r"d.jsonl:1: field 'messages\[0\].content': .*surrogate"):
        load_conversations(str(path))


def test_iterators_are_lazy_and_report_skips_at_the_end(tmp_path, capsys):
    """The first conversation arrives before the reader has seen the bad last line."""
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + json.dumps(GOOD) + "\n{bad\n")
    it = iter_conversations(str(path))
    assert next(it) == GOOD["messages"]
    assert next(it) == GOOD["messages"]
    with pytest.raises(DataError, match=r"d.jsonl:3"):
        next(it)
    it = iter_conversations(str(path), skip_invalid=True)
    assert len(list(it)) == 2
    err = capsys.readouterr().err
    assert "skipped 1 invalid rows" in err and "d.jsonl:3: invalid JSON" in err


def test_pair_iterators(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"prompt": "Q", "chosen": "A", "rejected": "B"}) + "\n"
                    + json.dumps({"prompt": "Q", "completion": "A", "label": False}) + "\n")
    assert len(list(iter_pairs(str(path), skip_invalid=True))) == 1
    assert [u.label for u in iter_unpaired(str(path))] == [True, False, False]


def test_rows_stream_in_constant_memory(tmp_path):
    """20,000 rows stream through the iterator with a peak far below a list of them (~20 MB)."""
    path = tmp_path / "big.jsonl"
    path.write_text((json.dumps(GOOD) + "\n") * 20_000)
    tracemalloc.start()
    n = sum(1 for _ in iter_conversations(str(path)))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert n == 20_000 and peak < 2_000_000


def test_json_file_with_a_bad_byte_loses_only_that_row(tmp_path):
    path = tmp_path / "d.json"
    bad = b'{"question": "Q\xff", "answer": "A"}'
    path.write_bytes(b"[" + json.dumps(GOOD).encode() + b", " + bad + b"]")
    with pytest.raises(DataError, match=r"d.json: row 1: field 'question': invalid text \(invalid UTF-8 byte 0xff"):
        load_conversations(str(path))
    assert len(load_conversations(str(path), skip_invalid=True)) == 1


def test_csv_kto_labels_are_text(tmp_path):
    path = tmp_path / "k.csv"
    path.write_text("prompt,completion,label\nQ,A,true\nQ,B,False\n")
    assert [u.label for u in iter_unpaired(str(path))] == [True, False]


def test_csv_cell_over_128kb(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("question,answer\n" + "Q" * 300_000 + ",A\n")
    assert len(load_conversations(str(path))[0][0]["content"]) == 300_000


def test_comma_joined_sources_are_read_in_turn(tmp_path):
    from posttrain.data.readers import DataError, read_records
    a, b = tmp_path / "a.jsonl", tmp_path / "b.csv"
    a.write_text('{"x": 1}\n{"x": 2}\n')
    b.write_text("x\n3\n")
    got = list(read_records(f"{a},{b}"))
    assert [r["x"] for r, _ in got] == [1, 2, "3"] and got[2][1] == f"{b}:2"
    with pytest.raises(DataError, match="missing.jsonl: file not found"):
        list(read_records(f"{a},{tmp_path / 'missing.jsonl'}"))
    odd = tmp_path / "with,comma.jsonl"  # a real path with a comma stays one source
    odd.write_text('{"x": 9}\n')
    assert [r["x"] for r, _ in read_records(str(odd))] == [9]
