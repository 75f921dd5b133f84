"""Every shipped recipe loads into its config; overrides and errors behave."""

from pathlib import Path

import pytest

from posttrain.commands.cli import COMMANDS, main, parse_command
from posttrain.core.config import ConfigError, build, load_recipe, parse
from posttrain.train.configs import SFTConfig

RECIPES = sorted(Path(__file__).resolve().parents[1].glob("recipes/*.yaml"))


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_every_recipe_loads(path):
    first = path.read_text().splitlines()[0]
    assert first.startswith("# posttrain "), "a recipe opens with the command that runs it"
    stage = first.split()[2]
    cfg = load_recipe(COMMANDS[stage].config, str(path))
    assert cfg.run.lr > 0


def test_overrides_and_types(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("model: m\ndata: d.jsonl\nlr: 1.0e-4\n")
    cfg = parse(SFTConfig, [str(recipe), "lr=3e-4", "packing=false", "--max_len", "64"])
    assert (cfg.run.lr, cfg.data.packing, cfg.model.max_len, cfg.model.path) == (3e-4, False, 64, "m")
    with pytest.raises(ConfigError, match="lrr"):
        parse(SFTConfig, [str(recipe), "lrr=1"])
    with pytest.raises(ConfigError, match="lr"):
        parse(SFTConfig, [str(recipe), "lr=fast"])
    with pytest.raises(ConfigError, match="model"):
        build(SFTConfig, data="x")


def test_cli_help_lists_every_option(capsys):
    for cmd in COMMANDS:
        assert main([cmd, "--help"]) == 0
    out = capsys.readouterr().out
    assert "--model.freeze_layers" in out and "Freeze the first N transformer blocks" in out


@pytest.mark.parametrize("cmd,wanted,unwanted", [
    ("dpo", ["--dpo.beta", "--dpo.rpo_alpha", "{sigmoid,robust,ipo,hinge,rpo}"], ["gamma", "desirable_weight", "kto", "simpo", "num_generations"]),
    ("sft", ["--data.packing", "--model.lora_r", "--run.lr"], ["beta", ".loss", "prefix_sharing", "num_generations"]),
    ("grpo", ["--grpo.num_generations", "--rollout.temperature", "--task.name", "{grpo,dr_grpo,dapo}"],
     ["--data.", "label_smoothing", "ppo_epochs", "kl_target"]),
])
def test_help_lists_only_what_the_stage_reads(cmd, wanted, unwanted, capsys):
    assert main([cmd, "--help"]) == 0
    out = capsys.readouterr().out
    assert all(w in out for w in wanted), [w for w in wanted if w not in out]
    assert not [u for u in unwanted if u in out]


def test_bad_option_or_loss_is_one_line_and_exit_2(capsys):
    for argv in (["dpo", "model=m", "data=d", "loss=simpo"], ["sft", "model=m", "data=d", "lrr=1"],
                 ["grpo", "model=m", "num_generations=x"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith(f"posttrain {argv[0]}: error:"), err


def test_a_bool_or_choice_field_names_its_choices(capsys):
    """resume takes true, false or force: a wrong value is one line naming them (was a Union dump)."""
    assert main(["sft", "model=m", "data=d", "resume=maybe"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "resume=maybe: this stage takes one of true, false, force" in err, err
    for value, want in (("force", "force"), ("true", True), ("True", True), ("false", False)):
        assert parse(SFTConfig, ["model=m", "data=d", f"resume={value}"]).run.resume == want


def test_bare_dotted_and_nested_keys_agree(tmp_path):
    nested = tmp_path / "n.yaml"
    nested.write_text("run:\n  lr: 1.0e-4\nmodel:\n  path: m\n  lora_r: 4\ndata:\n  train: d.jsonl\n")
    flat = tmp_path / "f.yaml"
    flat.write_text("lr: 1.0e-4\nmodel: m\nlora_r: 4\ndata: d.jsonl\n")
    a, b = parse(SFTConfig, [str(nested)]), parse(SFTConfig, [str(flat)])
    c = parse(SFTConfig, ["run.lr=1e-4", "model.path=m", "model.lora_r=4", "data.train=d.jsonl"])
    assert a == b == c == build(SFTConfig, lr=1e-4, model="m", lora_r=4, data="d.jsonl")


def test_positionals():
    args = parse_command("eval", ["a", "b", "--benchmark", "x.jsonl"])
    assert args.models == ["a", "b"] and args.benchmark == "x.jsonl"
    assert parse_command("check", ["d.jsonl", "--model", "m"]).data == "d.jsonl"


def test_unknown_command_and_bad_value(capsys):
    assert main(["nope"]) == 2
    assert main(["sft", "model=m", "data=d", "lr=abc"]) == 2
    assert "lr" in capsys.readouterr().err
