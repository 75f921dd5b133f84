"""The command line: every failure is one `error:` line and exit 2 (config/data/usage) or 1 (other);
a traceback only with POSTTRAIN_DEBUG=1."""

import builtins
import json
import os
import subprocess
import sys

import pytest

from posttrain.commands import cli
from posttrain.commands.cli import main

CONV = {"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]}


def _one_error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert "Traceback" not in err and len(lines) == 1 and "error: " in lines[0], err
    return lines[0]


def test_eval_with_nothing_to_evaluate_is_a_usage_error(tiny_dir, capsys):
    assert main(["eval", str(tiny_dir)]) == 2
    assert "--benchmark" in _one_error_line(capsys.readouterr().err)


def test_missing_and_unreadable_files(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.jsonl"), "--model", str(tmp_path)]) in (1, 2)
    _one_error_line(capsys.readouterr().err)
    assert main(["sft", str(tmp_path / "missing.yaml")]) == 2
    _one_error_line(capsys.readouterr().err)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_permission_denied_is_one_line(tiny_dir, tmp_path, capsys):
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(CONV) + "\n")
    path.chmod(0)
    assert main(["check", str(path), "--model", str(tiny_dir)]) == 1
    assert "Permission denied" in _one_error_line(capsys.readouterr().err)


def test_os_and_import_errors_are_one_line(tiny_dir, sft_file, monkeypatch, capsys):
    def no_space(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli, "lint", no_space)
    assert main(["check", str(sft_file), "--model", str(tiny_dir)]) == 1
    assert "No space left" in _one_error_line(capsys.readouterr().err)

    def missing_extra(*a, **k):
        raise ModuleNotFoundError("No module named 'peft'", name="peft")

    monkeypatch.setattr(cli, "lint", missing_extra)
    assert main(["check", str(sft_file), "--model", str(tiny_dir)]) == 1
    assert "peft" in _one_error_line(capsys.readouterr().err)


def test_bad_data_is_exit_2(tiny_dir, tmp_path, capsys):
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(CONV) + "\n{bad\n")
    assert main(["check", str(path), "--model", str(tiny_dir)]) == 2
    assert "d.jsonl:2: invalid JSON" in _one_error_line(capsys.readouterr().err)


def test_bugs_are_one_line_unless_debug(tiny_dir, sft_file, monkeypatch, capsys):
    def bug(*a, **k):
        return builtins.len(None)

    monkeypatch.setattr(cli, "lint", bug)
    monkeypatch.delenv("POSTTRAIN_DEBUG", raising=False)
    assert main(["check", str(sft_file), "--model", str(tiny_dir)]) == 1
    assert "POSTTRAIN_DEBUG=1" in _one_error_line(capsys.readouterr().err)
    monkeypatch.setenv("POSTTRAIN_DEBUG", "1")
    with pytest.raises(TypeError):
        main(["check", str(sft_file), "--model", str(tiny_dir)])


def test_subprocess_exit_code_and_single_line(tiny_dir):
    r = subprocess.run([sys.executable, "-m", "posttrain.commands.cli", "eval", str(tiny_dir)], capture_output=True, text=True, check=False,
                       env={**os.environ, "POSTTRAIN_DEBUG": ""}, timeout=120)
    assert r.returncode == 2
    _one_error_line(r.stderr)
