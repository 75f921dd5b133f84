"""Preference data: every accepted shape, implicit prompts, KTO rows, and errors that name file:line:field."""

import json

import pytest

from posttrain.data.preference import DataError, load_pairs, load_unpaired, to_pair, to_unpaired

U = {"role": "user", "content": "Hi?"}
A = {"role": "assistant", "content": "Hello."}
B = {"role": "assistant", "content": "Go away."}


def test_string_and_message_forms():
    p = to_pair({"prompt": "Hi?", "chosen": "Hello.", "rejected": "Go away."})
    assert (p.prompt, p.chosen, p.rejected) == ([U], [A], [B])
    p = to_pair({"prompt": [U], "chosen": [A], "rejected": [B], "system": "Be kind."})
    assert p.prompt == [{"role": "system", "content": "Be kind."}, U]


def test_implicit_prompt_extracted():
    sys_ = {"role": "system", "content": "S"}
    turn = [sys_, U, A, {"role": "user", "content": "And?"}]
    p = to_pair({"chosen": turn + [{"role": "assistant", "content": "Yes."}],
                 "rejected": turn + [{"role": "assistant", "content": "No."}]})
    assert p.prompt == turn and p.chosen == [{"role": "assistant", "content": "Yes."}]


@pytest.mark.parametrize("row,match", [
    ({"prompt": "Hi?", "chosen": "Hello."}, r"t.jsonl:1: field 'rejected'"),
    ({"prompt": "Hi?", "chosen": "Hello.", "rejected": 3}, r"t.jsonl:1: field 'rejected': expected a string"),
    ({"prompt": "Hi?", "chosen": "Same.", "rejected": "Same."}, r"identical"),
    ({"chosen": [U, A], "rejected": [{"role": "user", "content": "Other"}, B]}, r"share no prompt"),
    ({"prompt": "Hi?", "chosen": [U], "rejected": "x"}, r"field 'chosen': expected the answer to start with an assistant turn"),
])
def test_errors_name_file_line_field(tmp_path, row, match):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(row) + "\n")
    with pytest.raises(DataError, match=match):
        load_pairs(str(path))


def test_skip_invalid_counts(tmp_path, capsys):
    path = tmp_path / "t.jsonl"
    good = {"prompt": "Hi?", "chosen": "Hello.", "rejected": "Go away."}
    path.write_text("\n".join(json.dumps(r) for r in [good, {"prompt": "x"}, good]) + "\n")
    assert len(load_pairs(str(path), skip_invalid=True)) == 2
    assert "skipped 1 invalid rows" in capsys.readouterr().err


def test_unpaired_rows_and_pairs_for_kto(tmp_path):
    assert to_unpaired({"prompt": "Hi?", "completion": "Hello.", "label": 1}).label is True
    with pytest.raises(DataError, match="field 'label': expected true/false"):
        to_unpaired({"prompt": "Hi?", "completion": "Hello.", "label": "yes"})
    path = tmp_path / "k.jsonl"
    path.write_text(json.dumps({"prompt": "Hi?", "chosen": "Hello.", "rejected": "Go away."}) + "\n"
                    + json.dumps({"prompt": "Hi?", "completion": "Hey.", "label": False}) + "\n")
    ex = load_unpaired(str(path))
    assert [(e.completion[0]["content"], e.label) for e in ex] == [("Hello.", True), ("Go away.", False), ("Hey.", False)]
