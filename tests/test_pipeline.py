"""`posttrain run`: stages in order reading earlier outputs by name, unchanged stages skipped (their
files untouched), --from / --only, repeat rounds, and a failed stage named with earlier outputs kept."""

from __future__ import annotations

import hashlib
import json

import pytest
import yaml

from posttrain.commands.cli import main

COMMON = {"max_len": 64, "batch_size": 2, "dtype": "fp32", "progress": False, "template": "chatml"}


def tree_hash(folder) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def write(path, stages):
    path.write_text(yaml.safe_dump({"run_dir": str(path.parent / "run"), "stages": stages}))
    return path


def stages(tiny_dir, sft_file, pref_file, bench, dpo_steps=2):
    return [
        {"name": "sft", "command": "sft", "args": {"model": str(tiny_dir), "data": str(sft_file), "max_steps": 3, **COMMON}},
        {"name": "dpo", "command": "dpo", "args": {"model": "${sft}", "data": str(pref_file), "max_steps": dpo_steps,
                                                   **COMMON}},
        {"name": "eval", "command": "eval", "args": {"models": [str(tiny_dir), "${sft}", "${dpo}"],
                                                     "benchmark": str(bench), "max_items": 4, "show_items": False}},
    ]


@pytest.fixture()
def bench(tmp_path):
    path = tmp_path / "bench.jsonl"
    path.write_text("".join(json.dumps({"instruction": f"What is {i} plus 1?", "answers": [str(i + 1)]}) + "\n"
                            for i in range(4)))
    return path


def test_sft_dpo_eval_then_only_dpo_changed_reuses_sft_byte_for_byte(tiny_dir, sft_file, pref_file, bench, tmp_path,
                                                                     capsys):
    pipe = write(tmp_path / "pipe.yaml", stages(tiny_dir, sft_file, pref_file, bench))
    assert main(["run", str(pipe)]) == 0
    run = tmp_path / "run"
    assert (run / "sft" / "metrics.jsonl").is_file() and (run / "dpo" / "metrics.jsonl").is_file()
    assert "benchmark contains acc" in (run / "eval" / "output.txt").read_text()
    sft_before, dpo_before = tree_hash(run / "sft"), tree_hash(run / "dpo")
    capsys.readouterr()

    write(pipe, stages(tiny_dir, sft_file, pref_file, bench, dpo_steps=3))  # only the DPO settings change
    assert main(["run", str(pipe)]) == 0
    err = capsys.readouterr().err
    assert "[run] sft: unchanged, skipped" in err and "[run] dpo: posttrain dpo" in err
    assert "[run] eval: posttrain eval" in err  # it reads the new DPO model
    assert tree_hash(run / "sft") == sft_before
    assert tree_hash(run / "dpo") != dpo_before
    assert len((run / "dpo" / "metrics.jsonl").read_text().splitlines()) >= 3
    state = json.loads((run / "pipeline.json").read_text())
    assert state["stages"]["sft"]["status"] == "skipped" and state["stages"]["dpo"]["status"] == "finished"

    assert main(["run", str(pipe)]) == 0  # nothing changed: everything skipped
    assert capsys.readouterr().err.count("unchanged, skipped") == 3
    assert main(["run", str(pipe), "--only", "eval"]) == 0
    err = capsys.readouterr().err
    assert "[run] eval: posttrain eval" in err and "sft: unchanged, skipped" in err
    assert main(["run", str(pipe), "--from", "dpo"]) == 0
    err = capsys.readouterr().err
    assert "sft: unchanged, skipped" in err and "[run] dpo: posttrain dpo" in err
    assert tree_hash(run / "sft") == sft_before


def test_a_changed_input_file_reruns_the_stage(tiny_dir, sft_file, pref_file, bench, tmp_path, capsys):
    pipe = write(tmp_path / "pipe.yaml", stages(tiny_dir, sft_file, pref_file, bench)[:1])
    assert main(["run", str(pipe)]) == 0
    sft_file.write_text(sft_file.read_text().splitlines()[0] + "\n" + sft_file.read_text())
    capsys.readouterr()
    assert main(["run", str(pipe)]) == 0
    assert "[run] sft: posttrain sft" in capsys.readouterr().err


def test_a_failed_stage_stops_the_run_by_name_and_keeps_earlier_outputs(tiny_dir, sft_file, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "x"}\n')
    pipe = write(tmp_path / "pipe.yaml", [
        {"name": "sft", "command": "sft", "args": {"model": str(tiny_dir), "data": str(sft_file), "max_steps": 2, **COMMON}},
        {"name": "dpo", "command": "dpo", "args": {"model": "${sft}", "data": str(bad), **COMMON}},
        {"name": "never", "command": "eval", "args": {"models": ["${dpo}"]}},
    ])
    assert main(["run", str(pipe)]) != 0
    err = capsys.readouterr().err
    assert "stage 'dpo' (dpo) failed" in err and "never" not in err
    assert (tmp_path / "run" / "sft" / ".stage.json").is_file()
    assert not (tmp_path / "run" / "dpo" / ".stage.json").exists()


def test_repeat_rounds_sample_from_the_current_model_and_train_again(tiny_dir, sft_file, bench, tmp_path, capsys):
    pipe = write(tmp_path / "pipe.yaml", [
        {"name": "sft", "command": "sft", "args": {"model": str(tiny_dir), "data": str(sft_file), "max_steps": 2, **COMMON}},
        {"repeat": 2, "name": "round", "model": "${sft}", "stages": [
            {"name": "sample", "command": "best-of-n", "args": {"model": "${prev}", "data": str(bench), "n": 3,
                                                                "reward": "brevity", "max_new_tokens": 8,
                                                                "template": "chatml"}},
            {"name": "train", "command": "dpo", "args": {"model": "${prev}", "data": "${sample}", "max_steps": 1,
                                                         **COMMON}}]},
        {"name": "final", "command": "eval", "args": {"models": ["${round}"], "benchmark": str(bench),
                                                      "show_items": False}},
    ])
    assert main(["run", str(pipe)]) == 0
    err = capsys.readouterr().err
    run = tmp_path / "run"
    assert f"model={run / 'sft'}" in err and f"model={run / 'round1.train'}" in err  # round 2 starts from round 1
    assert f"--model {run / 'round1.train'}" in err  # ... and samples from it
    for r in (1, 2):
        assert (run / f"round{r}.train" / ".stage.json").is_file()
        assert (run / f"round{r}.sample" / "pairs.jsonl").read_text().strip()
    assert f"--models [{run / 'round2.train'}]" in err  # ${round}: the last round's model


@pytest.mark.parametrize("stages_, match", [
    ([{"name": "a", "command": "nope"}], "unknown command"),
    ([{"name": "a", "command": "sft"}, {"name": "a", "command": "sft"}], "unique"),
    ([{"name": "a", "command": "eval", "args": {"models": ["${b}"]}}], r"\$\{b\} names no earlier stage"),
    ([{"repeat": 0, "name": "r", "stages": []}], "repeat block"),
])
def test_bad_pipelines_are_usage_errors(stages_, match, tmp_path, capsys):
    pipe = write(tmp_path / "pipe.yaml", stages_)
    assert main(["run", str(pipe)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_shipped_pipelines_and_the_readme_example_are_valid(tmp_path):
    from pathlib import Path

    from posttrain.commands.cli import COMMANDS
    from posttrain.commands.pipeline import load_pipeline

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text()
    example = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "readme.yaml").write_text(example)
    for path in [*sorted((root / "pipelines").glob("*.yaml")), tmp_path / "readme.yaml"]:
        _, stages_ = load_pipeline(path, COMMANDS)
        assert stages_, path
        for s in stages_:
            assert s.recipe is None or (root / s.recipe).is_file(), (path, s.recipe)
    names = [s.name for s in load_pipeline(tmp_path / "readme.yaml", COMMANDS)[1]]
    assert names[2:5] == ["round1.sample", "round1.train", "round1.eval"] and "round" in names


def test_posttrain_demo_runs_the_shipped_pipeline(monkeypatch, tmp_path):
    from posttrain.commands import pipeline

    seen = {}

    def fake_run(self, start=None, only=None):
        seen.update(stages=[s.name for s in self.stages], run_dir=str(self.run_dir))
        return 0

    monkeypatch.setattr(pipeline.Runner, "run", fake_run)
    assert main(["demo", "--tiny", "true", "--output_dir", str(tmp_path)]) == 0
    assert seen == {"stages": ["base", "sft", "pairs", "dpo", "report"], "run_dir": str(tmp_path / "tiny")}
    assert main(["demo"]) == 0 and seen["stages"] == ["sft", "pairs", "dpo", "report"]
    assert seen["run_dir"] == "out/demo/gemma"


def _placeholders(value):
    """Stage arguments with every ${ref} replaced by a plain path (what a finished stage would give)."""
    from posttrain.commands.pipeline import _map_strings

    return _map_strings(value, lambda text: text.replace("${", "out/").replace("}", ""))


def test_every_shipped_stage_builds_its_commands_config(tmp_path):
    """A stage is its command's config object: recipe + arguments (+ output options), built and checked."""
    from pathlib import Path

    from posttrain.commands.cli import COMMANDS
    from posttrain.commands.pipeline import _option_values, load_pipeline
    from posttrain.core.config import build

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text().split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "readme.yaml").write_text(readme)
    for path in [*sorted((root / "pipelines").glob("*.yaml")), tmp_path / "readme.yaml"]:
        for s in load_pipeline(path, COMMANDS)[1]:
            if s.command == "alias":
                continue
            c = COMMANDS[s.command]
            cfg = build(c.config, s.recipe and str(root / s.recipe), **_option_values(c.config, _placeholders(s.args)))
            assert isinstance(cfg, c.config), (path, s.name)


def test_the_command_table_names_real_options():
    """What each command declares for pipelines (outputs, inputs) are options of its config."""
    from posttrain.commands.cli import COMMANDS
    from posttrain.core.config import resolve_key

    for name, c in COMMANDS.items():
        for key in [*c.inputs, *(o.option for o in c.outputs.values())]:
            resolve_key(c.config, key)  # ConfigError if not an option
        assert not c.trains or resolve_key(c.config, c.outputs[""].option) == "run.output_dir", name


def test_a_stage_calls_the_handler_with_its_config_and_keeps_what_it_printed(tmp_path, capsys):
    """No argv in between: the handler gets the dataclass (a model mapping as NAME=PATH entries, YAML strings
    typed); a command that writes no file has what it printed as its output, ${name}."""
    from dataclasses import replace

    from posttrain.commands.cli import COMMANDS
    from posttrain.commands.pipeline import Runner
    from posttrain.commands.tool_args import EvalArgs

    seen = []

    def fake_eval(args):
        seen.append(args)
        print(f"evaluated {len(args.models)} models")

    commands = {**COMMANDS, "eval": replace(COMMANDS["eval"], handler=fake_eval)}
    model = tmp_path / "model"
    model.mkdir()
    pipe = write(tmp_path / "pipe.yaml", [
        {"name": "ev", "command": "eval", "args": {"models": {"a": str(model), "b": str(model)},
                                                   "max_items": "3", "show_items": "false"}},
        {"name": "again", "command": "eval", "args": {"models": ["${ev}"]}},
    ])
    assert Runner(pipe, commands).run() == 0
    first, second = seen
    assert isinstance(first, EvalArgs) and first.models == [f"a={model}", f"b={model}"]
    assert (first.max_items, first.show_items) == (3, False)
    assert second.models == [str(tmp_path / "run" / "ev" / "output.txt")]
    assert (tmp_path / "run" / "ev" / "output.txt").read_text() == "evaluated 2 models\n"
    assert "evaluated 2 models" in capsys.readouterr().out  # still shown as it runs
    assert Runner(pipe, commands).run() == 0 and len(seen) == 2  # unchanged: skipped


def test_arguments_a_command_refuses_fail_that_stage_by_name(tmp_path, capsys):
    pipe = write(tmp_path / "pipe.yaml", [
        {"name": "pref", "command": "dpo", "args": {"model": "m", "data": "d", "loss": "simpo"}}])
    assert main(["run", str(pipe)]) == 2
    err = capsys.readouterr().err
    assert "posttrain dpo: error: loss=simpo" in err and "stage 'pref' (dpo) failed (exit 2)" in err


def test_a_changed_recipe_or_a_file_it_names_reruns_the_stage(tiny_dir, sft_file, tmp_path, capsys):
    recipe = tmp_path / "sft.yaml"
    recipe.write_text(f"data: {sft_file}\nrun:\n  lr: 1e-4\n  max_steps: 2\n")  # YAML reads 1e-4 as a string
    pipe = write(tmp_path / "pipe.yaml", [
        {"name": "sft", "command": "sft", "recipe": str(recipe), "args": {"model": str(tiny_dir), **COMMON}}])
    assert main(["run", str(pipe)]) == 0
    settings = json.loads((tmp_path / "run" / "sft" / ".stage.json").read_text())["settings"]
    assert settings["run"]["lr"] == 1e-4 and settings["model"]["path"] == str(tiny_dir)
    capsys.readouterr()
    assert main(["run", str(pipe)]) == 0
    assert "[run] sft: unchanged, skipped" in capsys.readouterr().err
    recipe.write_text(recipe.read_text().replace("max_steps: 2", "max_steps: 3"))
    assert main(["run", str(pipe)]) == 0
    assert f"[run] sft: posttrain sft {recipe}" in capsys.readouterr().err
    sft_file.write_text(sft_file.read_text().splitlines()[0] + "\n" + sft_file.read_text())  # named by the recipe
    assert main(["run", str(pipe)]) == 0
    assert f"[run] sft: posttrain sft {recipe}" in capsys.readouterr().err
