"""What re-runs and what re-keys: a changed package file changes the pipeline's code hash (a finished stage runs
again, and the stages reading it), and a changed data file or chat template re-keys the reference log-prob
cache (the log-probs are computed again, not reused for other inputs)."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest
import torch
import yaml

from posttrain.commands import pipeline
from posttrain.commands.cli import COMMANDS
from posttrain.commands.pipeline import Runner, code_version
from posttrain.core.config import build
from posttrain.core.runtime import Runtime
from posttrain.data.pairs import render_pairs
from posttrain.data.preference import load_pairs
from posttrain.model.hf import load_model, load_tokenizer
from posttrain.train import reference_cache
from posttrain.train.configs import DPOConfig

# ----------------------------------------------------------------------------- the pipeline's code hash

FAKE_PACKAGE = {"__init__.py": "", "train/loop.py": "LR = 1\n", "report/templates/report.html": "<h1>{{ t }}</h1>",
                "report/templates/report.md": "# {{ t }}", "assets/fewshot.jsonl": '{"q": "1+1", "a": "2"}\n',
                "assets/constitution.yaml": "rules: []\n", "serve/static/app.js": "let x = 1;"}


@pytest.fixture()
def package(tmp_path, monkeypatch):
    """A stand-in package folder that code_version() hashes."""
    root = tmp_path / "pkg"
    for name, text in FAKE_PACKAGE.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    monkeypatch.setattr(pipeline, "PACKAGE", root)
    return root


@pytest.mark.parametrize("name", sorted(FAKE_PACKAGE))
def test_any_changed_package_file_changes_the_code_hash(package, name):
    """Not only .py: the report's templates, the few-shot prompt and the web page shape what a stage writes."""
    before = code_version()
    (package / name).write_text((package / name).read_text() + " ")
    assert code_version() != before


def test_the_code_hash_sees_files_added_and_renamed_but_not_bytecode(package):
    before = code_version()
    (package / "train" / "__pycache__").mkdir()
    (package / "train" / "__pycache__" / "loop.cpython-312.pyc").write_bytes(b"\x00compiled")
    assert code_version() == before  # rebuilt on import; the source it comes from is hashed
    (package / "train" / "loop.py").rename(package / "train" / "loop2.py")
    renamed = code_version()
    assert renamed != before
    (package / "train" / "extra.py").write_text("")
    assert code_version() != renamed


def test_the_real_package_hash_covers_each_kind_of_file_it_ships(tmp_path, monkeypatch):
    """A copy of the real package hashes as the package does (relative names); editing one file of each kind
    (by suffix) in the copy changes the hash."""
    real = code_version()
    copy = tmp_path / "posttrain"
    shutil.copytree(pipeline.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(pipeline, "PACKAGE", copy)
    assert code_version() == real
    kinds = {}
    for p in sorted(copy.rglob("*")):
        if p.is_file():
            kinds.setdefault(p.suffix, p)
    assert {".py", ".html", ".jsonl"} <= set(kinds)
    for suffix, p in kinds.items():
        data = p.read_bytes()
        p.write_bytes(data + b"\n")
        assert code_version() != real, f"{p.relative_to(copy)} ({suffix}) is not in the code hash"
        p.write_bytes(data)
    assert code_version() == real


def test_a_changed_package_file_reruns_the_stage_and_those_reading_it(package, tmp_path, capsys):
    ran = []

    def fake_eval(args):
        ran.append(list(args.models))
        print("evaluated")

    commands = {**COMMANDS, "eval": replace(COMMANDS["eval"], handler=fake_eval)}
    model = tmp_path / "model"
    model.mkdir()
    pipe = tmp_path / "pipe.yaml"
    pipe.write_text(yaml.safe_dump({"run_dir": str(tmp_path / "run"), "stages": [
        {"name": "ev", "command": "eval", "args": {"models": [str(model)]}},
        {"name": "after", "command": "eval", "args": {"models": ["${ev}"]}}]}))
    assert Runner(pipe, commands).run() == 0 and len(ran) == 2
    assert Runner(pipe, commands).run() == 0 and len(ran) == 2  # nothing changed: both skipped
    (package / "report" / "templates" / "report.html").write_text("<h2>{{ t }}</h2>")
    capsys.readouterr()
    assert Runner(pipe, commands).run() == 0 and len(ran) == 4
    err = capsys.readouterr().err
    assert "[run] ev: posttrain eval" in err and "[run] after: posttrain eval" in err and "skipped" not in err


# ----------------------------------------------------------------------------- the reference log-prob cache

CPU32 = Runtime(torch.device("cpu"), torch.float32)


@pytest.fixture()
def ref_setup(tmp_path, tiny_dir, pref_file, monkeypatch):
    """A DPO config on the tiny model and its pairs file, and a log of the reference passes made."""
    cfg = build(DPOConfig, model=str(tiny_dir), data=str(pref_file), output_dir=str(tmp_path / "out"), max_len=64,
                template="chatml", batch_size=8)
    passes = []
    real = reference_cache.precompute_reference
    monkeypatch.setattr(reference_cache, "precompute_reference",
                        lambda model, triples, *a, **k: (passes.append(len(triples)), real(model, triples, *a, **k)))
    return cfg, load_model(str(tiny_dir)), load_tokenizer(str(tiny_dir)), passes


def _refs(cfg, model, tok):
    triples = render_pairs(tok, load_pairs(cfg.data.train)[:6], cfg.model.template, cfg.model.max_len, quiet=True)
    reference_cache.with_reference(cfg, model, {"train": triples}, True, tok, CPU32)
    return [t.ref for t in triples]


def test_a_changed_data_file_rekeys_the_reference_cache(ref_setup, pref_file):
    """One rejected answer edited (same prompt, same number of pairs): the log-probs are computed again, and
    the edited pair's rejected log-prob is the new answer's."""
    cfg, model, tok, passes = ref_setup
    first = _refs(cfg, model, tok)
    assert _refs(cfg, model, tok) == first and passes == [6]  # unchanged: reused
    lines = pref_file.read_text().splitlines(keepends=True)
    lines[0] = lines[0].replace('"rejected": "', '"rejected": "Not ')
    pref_file.write_text("".join(lines))
    edited = _refs(cfg, model, tok)
    assert passes == [6, 6]
    assert edited[0][0] == pytest.approx(first[0][0], abs=1e-4) and edited[0][1] != pytest.approx(first[0][1], abs=1e-3)
    assert [x for r in edited[1:] for x in r] == pytest.approx([x for r in first[1:] for x in r], abs=1e-4)


def test_a_changed_chat_template_rekeys_the_reference_cache(ref_setup):
    cfg, model, tok, passes = ref_setup
    chatml = _refs(cfg, model, tok)
    cfg.model.template = "plain"
    plain = _refs(cfg, model, tok)
    assert passes == [6, 6] and plain != chatml
    cfg.model.template = "chatml"
    again = _refs(cfg, model, tok)
    assert len(passes) == 3  # the cache holds one entry per set: back to chatml is computed again
    assert [x for r in again for x in r] == pytest.approx([x for r in chatml for x in r], abs=1e-4)


def test_the_cache_key_names_the_template_and_the_data(ref_setup):
    """The key names the template itself (the module's contract), not only through the token ids it rendered:
    the template also decides which tokens are trained. And each pair's tokens: same prompt, other answer,
    other key."""
    cfg, model, tok, _ = ref_setup
    triples = render_pairs(tok, load_pairs(cfg.data.train)[:6], "chatml", 64, quiet=True)
    key = lambda c, ts: reference_cache._cache_key(c, ts, "w", CPU32, True)
    base = key(cfg, triples)
    other = build(DPOConfig, model=cfg.model.path, data=cfg.data.train, output_dir=cfg.run.output_dir, max_len=64,
                  template="{% for m in messages %}{{ m['content'] }}{% endfor %}", batch_size=8)
    assert key(other, triples) != base
    assert key(cfg, triples[:5]) != base
    t = triples[0]
    swapped = render_pairs(tok, [replace_rejected(load_pairs(cfg.data.train)[0])], "chatml", 64, quiet=True)[0]
    assert swapped.prompt == t.prompt and key(cfg, [swapped] + triples[1:]) != base


def replace_rejected(pair):
    """The pair with another rejected answer."""
    from dataclasses import replace as dc_replace
    return dc_replace(pair, rejected=[{"role": "assistant", "content": "Not " + pair.rejected[-1]["content"]}])
