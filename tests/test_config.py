"""Every shipped recipe loads into its config; overrides and errors behave."""

from pathlib import Path

import pytest

from posttrain.cli import COMMANDS, main, parse_command
from posttrain.config import ConfigError, SFTConfig, load_recipe, parse

RECIPES = sorted(Path(__file__).resolve().parents[1].glob("recipes/*.yaml"))


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_every_recipe_loads(path):
    first = path.read_text().splitlines()[0]
    assert first.startswith("# posttrain "), "a recipe opens with the command that runs it"
    stage = first.split()[2]
    cfg = load_recipe(COMMANDS[stage][0], str(path))
    assert cfg.lr > 0


def test_overrides_and_types(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("model: m\ndata: d.jsonl\nlr: 1.0e-4\n")
    cfg = parse(SFTConfig, [str(recipe), "lr=3e-4", "packing=false", "--max_len", "64"])
    assert (cfg.lr, cfg.packing, cfg.max_len, cfg.model) == (3e-4, False, 64, "m")
    with pytest.raises(ConfigError, match="lrr"):
        parse(SFTConfig, [str(recipe), "lrr=1"])
    with pytest.raises(ConfigError, match="lr"):
        parse(SFTConfig, [str(recipe), "lr=fast"])
    with pytest.raises(ConfigError, match="model"):
        SFTConfig(data="x")


def test_cli_help_lists_every_option(capsys):
    for cmd in COMMANDS:
        assert main([cmd, "--help"]) == 0
    out = capsys.readouterr().out
    assert "--freeze_layers" in out and "Freeze the first N transformer blocks" in out


def test_positionals():
    args = parse_command("eval", ["a", "b", "--benchmark", "x.jsonl"])
    assert args.models == ["a", "b"] and args.benchmark == "x.jsonl"
    assert parse_command("check", ["d.jsonl", "--model", "m"]).data == "d.jsonl"


def test_unknown_command_and_bad_value(capsys):
    assert main(["nope"]) == 2
    assert main(["sft", "model=m", "data=d", "lr=abc"]) == 1
    assert "lr" in capsys.readouterr().err
