"""Scoring single answers with a reward model: a row longer than the model's context is never scored on
a cut answer — it gets `None` (counted and warned about) or, on request, is refused."""

import json

import pytest

import posttrain.infer.reward_model as rmod
from posttrain.data.chat import render, resolve_template
from posttrain.infer.reward_model import load_reward_model, score_file, score_items

Q = [{"role": "user", "content": "What is 2 plus 2?"}]
SHORT = [{"role": "assistant", "content": "4."}]
LONG = [{"role": "assistant", "content": "2 plus 2 is 4. " * 12}]


@pytest.fixture(scope="module")
def rm(tiny_dir, tokenizer):
    return load_reward_model(str(tiny_dir), tokenizer), resolve_template(tokenizer, "chatml")


def _len(tokenizer, tmpl, answer):
    return len(render(tokenizer, Q + answer, tmpl, last_turn_only=True).ids)


def test_long_rows_get_none_and_a_warning(rm, tokenizer):
    """Old code cut the long row at max_len and read its reward mid-answer."""
    model, tmpl = rm
    limit = _len(tokenizer, tmpl, SHORT) + 4
    assert _len(tokenizer, tmpl, LONG) > limit
    alone = score_items(model, tokenizer, tmpl, [(Q, SHORT)], dtype="fp32")
    with pytest.warns(UserWarning, match=r"1 of 3 rows .* longer than .* \d+ tokens"):
        got = score_items(model, tokenizer, tmpl, [(Q, SHORT), (Q, LONG), (Q, SHORT)], max_len=limit, dtype="fp32")
    assert got[1] is None
    assert got[0] == pytest.approx(alone[0], abs=1e-5) and got[2] == pytest.approx(alone[0], abs=1e-5)


def test_long_rows_refused_on_request(rm, tokenizer):
    model, tmpl = rm
    limit = _len(tokenizer, tmpl, SHORT) + 4
    with pytest.raises(ValueError, match=r"item 1: \d+ tokens, longer than max_len=\d+ \(1 of 2 rows\)"):
        score_items(model, tokenizer, tmpl, [(Q, SHORT), (Q, LONG)], max_len=limit, too_long="error")
    with pytest.raises(ValueError, match="too_long"):
        score_items(model, tokenizer, tmpl, [(Q, SHORT)], too_long="cut")


def test_default_limit_is_the_model_context(rm, tokenizer, monkeypatch):
    """Old code used max_len=1024 whatever the model: a 20-token model was fed 1024-token rows."""
    model, tmpl = rm
    monkeypatch.setattr(model.config, "max_position_embeddings", _len(tokenizer, tmpl, SHORT) + 4)
    with pytest.warns(UserWarning, match="1 of 2 rows"):
        got = score_items(model, tokenizer, tmpl, [(Q, LONG), (Q, SHORT)], dtype="fp32")
    assert got[0] is None and isinstance(got[1], float)


def test_score_file_refuses_long_rows_by_default(tiny_dir, tmp_path, monkeypatch):
    """`posttrain score` writes one number per row, so it refuses a row it cannot score (one clear error)."""
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"prompt": "What is 2 plus 2?", "completion": LONG[0]["content"]}) + "\n")
    orig = rmod.load_reward_model

    def load(path, tokenizer=None):
        model = orig(path, tokenizer)
        model.config.max_position_embeddings = 24
        return model
    monkeypatch.setattr(rmod, "load_reward_model", load)
    with pytest.raises(ValueError, match=r"item 0: \d+ tokens, longer than max_len=24"):
        score_file(str(tiny_dir), str(rows), "chatml")


def _short_context(monkeypatch, n):
    orig = rmod.load_reward_model

    def load(path, tokenizer=None):
        model = orig(path, tokenizer)
        model.config.max_position_embeddings = n
        return model
    monkeypatch.setattr(rmod, "load_reward_model", load)


def test_score_cli_skips_long_rows_on_request(tiny_dir, tokenizer, tmp_path, monkeypatch):
    """`too_long=skip` writes a null reward for the long row and a number for the short one."""
    from posttrain.commands.cli import main
    rows, out = tmp_path / "rows.jsonl", tmp_path / "scores.jsonl"
    rows.write_text(json.dumps({"prompt": "What is 2 plus 2?", "completion": LONG[0]["content"]}) + "\n"
                    + json.dumps({"prompt": "What is 2 plus 2?", "completion": SHORT[0]["content"]}) + "\n")
    _short_context(monkeypatch, _len(tokenizer, resolve_template(tokenizer, "chatml"), SHORT) + 4)
    with pytest.warns(UserWarning, match="1 of 2 rows"):
        assert main(["score", str(tiny_dir), str(rows), "template=chatml", "too_long=skip", f"out={out}"]) in (0, None)
    got = [json.loads(line)["reward"] for line in out.read_text().splitlines()]
    assert got[0] is None and isinstance(got[1], float)


def test_reward_model_as_rl_reward_refuses_long_rows(tiny_dir, monkeypatch):
    """As a GRPO/PPO/best-of-n reward, a too-long row is an error, never None inside a reward sum."""
    from posttrain.eval.rewards import load_reward
    _short_context(monkeypatch, 24)
    reward = load_reward(str(tiny_dir), "chatml")
    with pytest.raises(ValueError, match="longer than max_len=24"):
        reward(["What is 2 plus 2?"], [LONG[0]["content"]])


def test_an_adapter_folder_is_a_reward_model_base_merged_and_trainable(tiny_dir, tokenizer, tmp_path):
    """`posttrain rm model=ADAPTER` (the demo's SFT model is one): the trunk is the merged model, and every
    parameter trains (transformers' own adapter loading left them all frozen)."""
    import torch

    from posttrain.nn.lora import inject_lora, merge_lora, save_adapter
    from posttrain.model.hf import load_model
    from posttrain.infer.reward_model import load_reward_model

    lm = load_model(str(tiny_dir))
    inject_lora(lm, r=4, alpha=8)
    torch.manual_seed(0)
    for name, p in lm.named_parameters():
        if "lora_B" in name:
            p.data.normal_(0, 0.5)
    save_adapter(lm, tmp_path / "ad", base_model_name_or_path=str(tiny_dir))
    tokenizer.save_pretrained(tmp_path / "ad")
    rm = load_reward_model(str(tmp_path / "ad"))
    assert all(p.requires_grad for p in rm.parameters())
    merged = merge_lora(lm).eval()
    ids = torch.tensor([[5, 6, 7, 8]])
    with torch.no_grad():
        want = merged.model(input_ids=ids).last_hidden_state
        got = rm.eval().base_model(input_ids=ids).last_hidden_state
    torch.testing.assert_close(got, want)
