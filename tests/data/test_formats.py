"""Readers and formats: every format normalises to the same conversation; bad rows name file:line:field."""

import json

import pytest

from posttrain.data.formats import DataError, load_conversations, to_conversation

EXPECTED = [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]
ROWS = [
    {"messages": EXPECTED},
    {"conversations": [{"from": "human", "value": "Q"}, {"from": "gpt", "value": "A"}]},
    {"instruction": "Q", "input": "", "output": "A"},
    {"instruction": "Q", "response": "A"},
    {"question": "Q", "answer": "A"},
    {"prompt": "Q", "completion": "A"},
    {"prompt": [{"role": "user", "content": "Q"}], "completion": [{"role": "assistant", "content": "A"}]},
]


@pytest.mark.parametrize("row", ROWS)
def test_formats_normalise(row):
    assert to_conversation(row) == EXPECTED


def test_alpaca_input_and_system():
    conv = to_conversation({"instruction": "Sum", "input": "2 3", "output": "5", "system": "S"})
    assert conv == [{"role": "system", "content": "S"}, {"role": "user", "content": "Sum\n\n2 3"},
                    {"role": "assistant", "content": "5"}]


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


@pytest.mark.parametrize("bad,needle", [
    ({"messages": [{"role": "user", "content": "Q"}, {"role": "bot", "content": "A"}]}, "messages[1].role"),
    ({"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": 3}]}, "messages[1].content"),
    ({"messages": [{"role": "user", "content": "Q"}]}, "end with an assistant turn"),
    ({"instruction": "Q", "output": None}, "field 'output'"),
    ({"text": "hello"}, "unknown row format"),
])
def test_bad_rows_name_file_line_field(tmp_path, bad, needle):
    path = _write(tmp_path / "d.jsonl", [ROWS[0], bad])
    with pytest.raises(DataError) as e:
        load_conversations(path)
    assert f"{path}:2" in str(e.value) and needle in str(e.value)


def test_invalid_json_and_skip_invalid(tmp_path, capsys):
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n{not json\n" + json.dumps({"x": 1}) + "\n" + json.dumps(ROWS[4]) + "\n")
    with pytest.raises(DataError, match=r"d.jsonl:2: invalid JSON"):
        load_conversations(str(path))
    assert len(load_conversations(str(path), skip_invalid=True)) == 2
    assert "skipped 2 invalid rows" in capsys.readouterr().err


def test_json_csv_parquet(tmp_path):
    pytest.importorskip("pyarrow")
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "d.json").write_text(json.dumps({"data": [ROWS[2], ROWS[4]]}))
    (tmp_path / "d.csv").write_text("question,answer\nQ,A\nQ,A\n")
    pq.write_table(pa.Table.from_pylist([ROWS[0], ROWS[0]]), tmp_path / "d.parquet")
    for name in ["d.json", "d.csv", "d.parquet"]:
        assert load_conversations(str(tmp_path / name)) == [EXPECTED, EXPECTED]
    (tmp_path / "bad.csv").write_text("question,answer\nQ,A\nQ,\n")
    with pytest.raises(DataError, match=r"bad.csv:3: field 'answer'"):
        load_conversations(str(tmp_path / "bad.csv"))


def test_datasets_folder(tmp_path):
    datasets = pytest.importorskip("datasets")
    datasets.Dataset.from_list([ROWS[4]] * 3).save_to_disk(str(tmp_path / "ds"))
    assert load_conversations(str(tmp_path / "ds")) == [EXPECTED] * 3


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_conversations(str(tmp_path / "nope.jsonl"))
