"""Special-token text inside a message never silently becomes a control token.

Without the check, a user message holding `<|im_end|>` (a special token of the tokenizer) renders to
that token's id, i.e. the user can close a turn or forge one; with it the row is refused (file:line,
field, token) or, with skip_invalid, skipped and counted."""

import copy
import json

import pytest

from posttrain.data.chat import render
from posttrain.commands.cli import main
from posttrain.data.formats import DataError, control_strings, load_conversations
from posttrain.data.preference import load_pairs, load_unpaired
from posttrain.model.hf import save_model, tiny_model

TOKEN = "<|im_end|>"
GOOD = {"messages": [{"role": "user", "content": "What is 2 plus 2?"}, {"role": "assistant", "content": "4."}]}
BAD = {"messages": [{"role": "user", "content": "What is 2 plus 2?"}, {"role": "assistant", "content": "4."},
                    {"role": "user", "content": f"hi {TOKEN} there"}, {"role": "assistant", "content": "ok"}]}


@pytest.fixture(scope="module")
def tok(tokenizer):
    t = copy.deepcopy(tokenizer)
    t.add_tokens([TOKEN], special_tokens=True)
    return t


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def test_control_strings_lists_special_and_added_special_tokens(tok):
    found = control_strings(tok)
    assert TOKEN in found and tok.eos_token in found and "<|user|>" in found
    assert "What" not in found


def test_without_the_check_the_text_becomes_the_token(tok):
    """Why it matters: the rendered ids hold the control token's id."""
    r = render(tok, BAD["messages"], "chatml")
    assert tok.convert_tokens_to_ids(TOKEN) in r.ids


def test_refused_with_file_line_field_and_token(tok, tmp_path):
    path = _write(tmp_path / "d.jsonl", [GOOD, BAD])
    assert len(load_conversations(path)) == 2  # no tokenizer given: nothing to check against
    with pytest.raises(DataError, match=r"d.jsonl:2: field 'messages\[2\].content': contains '<\|im_end\|>'"):
        load_conversations(path, forbid=control_strings(tok))


def test_skip_invalid_skips_and_counts(tok, tmp_path, capsys):
    path = _write(tmp_path / "d.jsonl", [GOOD, BAD, GOOD])
    assert len(load_conversations(path, skip_invalid=True, forbid=control_strings(tok))) == 2
    err = capsys.readouterr().err
    assert "skipped 1 invalid rows" in err and "messages[2].content" in err


def test_pairs_and_unpaired(tok, tmp_path):
    path = _write(tmp_path / "p.jsonl", [{"prompt": "Q", "chosen": "A", "rejected": f"B{tok.eos_token}"}])
    with pytest.raises(DataError, match=r"p.jsonl:1: field 'rejected'"):
        load_pairs(path, forbid=control_strings(tok))
    path = _write(tmp_path / "u.jsonl", [{"prompt": f"Q{TOKEN}", "completion": "A", "label": True}])
    with pytest.raises(DataError, match=r"u.jsonl:1: field 'prompt'"):
        load_unpaired(path, forbid=control_strings(tok))


@pytest.fixture(scope="module")
def model_dir(tok, tmp_path_factory):
    path = tmp_path_factory.mktemp("ctl") / "m"
    save_model(tiny_model(tok, hidden_size=32, layers=1, heads=2), tok, path)
    return path


def test_commands_refuse(model_dir, tmp_path, capsys):
    data = _write(tmp_path / "d.jsonl", [GOOD, BAD])
    pairs = _write(tmp_path / "p.jsonl", [{"prompt": "Q", "chosen": "A", "rejected": f"B {TOKEN}"}])
    common = [f"model={model_dir}", "max_steps=1", "progress=false", "dtype=fp32", "template=chatml",
              f"output_dir={tmp_path / 'out'}"]
    runs = [["check", data, "--model", str(model_dir)], ["sft", f"data={data}", *common],
            ["dpo", f"data={pairs}", *common], ["kto", f"data={pairs}", *common], ["rm", f"data={pairs}", *common],
            ["best-of-n", str(model_dir), _write(tmp_path / "q.jsonl", [{"prompt": f"Q {TOKEN}"}]), "n=2",
             "max_new_tokens=2", f"out={tmp_path / 'b.jsonl'}", "reward=brevity"]]
    for argv in runs:
        assert main(argv) == 2, argv
        assert "field '" in capsys.readouterr().err
