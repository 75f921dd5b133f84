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


@pytest.mark.parametrize("cmd,defaults", [
    ("chat", {"max_new_tokens": 256, "temperature": 0.7, "top_p": 0.9, "seed": None}),
    ("best-of-n", {"max_new_tokens": 64, "temperature": 1.0, "top_p": 1.0, "seed": 0}),
    ("distill", {"max_new_tokens": 96, "temperature": 0.7, "top_p": 0.95, "seed": 0}),
    ("constitution", {"max_new_tokens": 160, "temperature": 0.7, "top_p": 0.95, "seed": 0}),
])
def test_the_sampling_tools_share_one_sampling_section_with_their_own_defaults(cmd, defaults, capsys):
    from posttrain.core.sections import NucleusSampling

    assert issubclass(COMMANDS[cmd].config, NucleusSampling)
    args = parse_command(cmd, ["m", "d"] if cmd != "chat" else ["m"])
    assert {k: getattr(args, k) for k in defaults} == defaults
    assert parse_command(cmd, ["m", "--temperature", "0.3", "--max_new_tokens", "5"]).temperature == 0.3
    assert main([cmd, "--help"]) == 0
    out = capsys.readouterr().out
    assert all(f"--{k}" in out for k in defaults) and "Nucleus sampling threshold" in out


def test_rollouts_compose_the_sampling_section_under_their_own_names():
    from posttrain.core.sections import Sampling
    from posttrain.train.configs import GRPOConfig, PPOConfig, RolloutConfig

    assert issubclass(RolloutConfig, Sampling) and not hasattr(RolloutConfig(), "top_p")
    for cls in (GRPOConfig, PPOConfig):
        cfg = build(cls, model="m", **{"rollout.temperature": 0.5})
        assert (cfg.rollout.max_new_tokens, cfg.rollout.temperature, cfg.run.seed) == (32, 0.5, 0)
    with pytest.raises(ConfigError, match="temperature"):
        build(GRPOConfig, model="m", temperature=0)


def test_the_pair_stages_compose_one_block():
    from posttrain.train.configs import DPOConfig, KTOConfig, ORPOConfig, PairStage, RMConfig, SimPOConfig

    expected = {DPOConfig: ("dpo", 1e-6, "sigmoid"), SimPOConfig: ("simpo", 1e-6, "simpo"),
                ORPOConfig: ("orpo", 8e-6, "orpo"), KTOConfig: ("kto", 1e-6, "kto"), RMConfig: ("rm", 1e-5, "rm")}
    for cls, (stage, lr, loss) in expected.items():
        cfg = build(cls, model="m", data="d")
        assert issubclass(cls, PairStage) and (cfg.stage, cfg.run.lr, cfg.loss) == (stage, lr, loss)
        assert cfg.method is getattr(cfg, stage)
        with pytest.raises(ConfigError, match="model"):
            build(cls, data="d")
    for cls in (DPOConfig, SimPOConfig, ORPOConfig, KTOConfig):
        with pytest.raises(ConfigError, match="beta"):
            build(cls, model="m", data="d", beta=0)
    with pytest.raises(ConfigError, match="LoRA"):
        build(DPOConfig, model="m", data="d", reference="adapter")


def test_build_takes_a_recipe_sections_and_strings_as_the_command_line_does(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("data: d.jsonl\nlr: 1e-4\n")  # no model: the overrides give it
    cfg = build(SFTConfig, str(recipe), model=tmp_path, run={"max_steps": "3"})
    assert (cfg.model.path, cfg.run.lr, cfg.run.max_steps) == (str(tmp_path), 1e-4, 3)
    assert cfg == parse(SFTConfig, [str(recipe), f"model={tmp_path}", "max_steps=3"])
    with pytest.raises(ConfigError, match="max_steps"):
        build(SFTConfig, model="m", data="d", max_steps="many")


def test_name_path(tmp_path):
    from posttrain.core.config import NamePath, name_path

    assert name_path("sft=out/a") == NamePath("sft", "out/a") and name_path("out/a") == NamePath(None, "out/a")
    odd = tmp_path / "a=b"
    odd.mkdir()
    assert name_path(str(odd)) == (None, str(odd))  # an existing path is a path
