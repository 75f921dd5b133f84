"""`posttrain check` flags the problems that silently ruin training, and passes clean data."""

import json

from posttrain.data.check import lint
from posttrain.commands.cli import main

CONV = [{"role": "user", "content": "What is 2 plus 2?"}, {"role": "assistant", "content": "4."}]


def test_clean_data_passes_through_cli(tiny_dir, sft_file, capsys):
    assert main(["check", str(sft_file), "--model", str(tiny_dir), "--show", "1"]) == 0
    out = capsys.readouterr().out
    assert "[[" in out and "OK: ready to train" in out


def test_problems_are_flagged(tokenizer):
    no_eot = "{% for m in messages %}{{ m['role'] + ': ' + m['content'] + '\n' }}{% endfor %}"
    report, _ = lint(tokenizer, [CONV], no_eot, 64)
    assert "eot_not_trained" in report.problems
    double = "{{ bos_token + bos_token }}" + "{% for m in messages %}{{ m['content'] + eos_token }}{% endfor %}"
    assert "double_bos" in lint(tokenizer, [CONV], double, 64)[0].problems
    report, _ = lint(tokenizer, [CONV], "plain", 6)
    assert "truncated_away" in report.problems
    empty = [{"role": "user", "content": "Q"}, {"role": "assistant", "content": ""}]
    tpl = "{% for m in messages %}{% if m['role'] == 'user' %}{{ m['content'] }}{% endif %}{% endfor %}"
    assert "no_trained_tokens" in lint(tokenizer, [empty], tpl, 64)[0].problems


def test_cli_fails_on_problem(tiny_dir, tmp_path, capsys):
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"messages": CONV}) + "\n")
    tpl = tmp_path / "t.jinja"
    tpl.write_text("{% for m in messages %}{{ m['role'] + ': ' + m['content'] + '\n' }}{% endfor %}")
    assert main(["check", str(path), "--model", str(tiny_dir), "--template", str(tpl)]) == 1
    assert "eot_not_trained" in capsys.readouterr().out
