"""Reward model: Bradley–Terry against hand values, the reward read at the last real token equals what
`transformers` computes from the saved folder (right and left padding), and RM accuracy on held-out
pairs rises above chance through the CLI (full and LoRA)."""

import json
import math

import pytest
import torch

from conftest import make_pairs
from posttrain.commands.cli import main
from posttrain.data.pairs import collate_pairs, make_pair_rows, render_pairs
from posttrain.data.preference import load_pairs
from posttrain.losses.reward import bradley_terry
from posttrain.model.hf import load_tokenizer
from posttrain.infer.reward_model import load_reward_model, pair_rewards as rewards


def test_bradley_terry_hand_computed():
    rc, rr = torch.tensor([1.0, -2.0]), torch.tensor([0.5, 1.0])
    assert bradley_terry(rc, rr).tolist() == pytest.approx([math.log1p(math.exp(-0.5)), math.log1p(math.exp(3.0))])
    assert bradley_terry(rc, rr, 1.0)[0].item() == pytest.approx(math.log1p(math.exp(0.5)))  # 0.974077


@pytest.fixture()
def heldout_file(tmp_path):
    path = tmp_path / "heldout.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in make_pairs(32, seed=7)))
    return path


@pytest.mark.parametrize("lora", [False, True])
def test_rm_learns_and_loads_in_transformers(tiny_dir, pref_file, heldout_file, tmp_path, lora):
    out = tmp_path / "rm"
    extra = ["lora_r=8", "lora_alpha=16", "lr=1e-2"] if lora else ["lr=3e-3"]
    assert main(["rm", f"model={tiny_dir}", f"data={pref_file}", f"eval_data={heldout_file}", f"output_dir={out}",
                 "max_len=64", "batch_size=4", "max_steps=60", "dtype=fp32", "progress=false", "template=chatml",
                 *extra]) == 0
    rows = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["eval_accuracy"] > 0.6, rows[-1]  # chance is 0.5
    assert not (out / "adapter_config.json").exists()  # a reward model ships as one plain folder

    # our reward (shared-prompt batch) == transformers' own sequence-classification forward
    from transformers import AutoModelForSequenceClassification
    tok = load_tokenizer(str(out))
    hf = AutoModelForSequenceClassification.from_pretrained(out).eval()
    ours = load_reward_model(str(out)).eval()
    triples = render_pairs(tok, load_pairs(str(heldout_file))[:6], "chatml", 128)  # no answer cut
    batch = collate_pairs(make_pair_rows(triples, 128, True), tok.pad_token_id, True)
    order = [t for row in make_pair_rows(triples, 128, True) for t in row]
    with torch.no_grad():
        r = rewards(ours, batch)
        seqs = [t.prompt + c for t in order for c in (t.first, t.second)]
        T = max(map(len, seqs))
        for side in ("right", "left"):
            ids = torch.full((len(seqs), T), tok.pad_token_id)
            mask = torch.zeros((len(seqs), T), dtype=torch.long)
            for i, s in enumerate(seqs):
                sl = slice(0, len(s)) if side == "right" else slice(T - len(s), T)
                ids[i, sl], mask[i, sl] = torch.tensor(s), 1
            theirs = hf(input_ids=ids, attention_mask=mask).logits.squeeze(-1)
            assert torch.allclose(r, theirs, atol=1e-4), (side, r, theirs)

    # scoring single answers (one padded row each, as `posttrain score` and RL rewards do) gives the same
    from posttrain.data.chat import resolve_template
    from posttrain.infer.reward_model import score_items
    pairs = load_pairs(str(heldout_file))[:6]
    items = [(pairs[t.index].prompt, answer) for t in order for answer in (pairs[t.index].chosen, pairs[t.index].rejected)]
    scored = score_items(ours, tok, resolve_template(tok, "chatml"), items, max_len=128, batch_size=5, dtype="fp32")
    assert torch.allclose(torch.tensor(scored), r, atol=1e-4), (scored, r)


def test_score_command(tiny_dir, pref_file, tmp_path, capsys):
    out = tmp_path / "rm"
    assert main(["rm", f"model={tiny_dir}", f"data={pref_file}", f"output_dir={out}", "max_len=64", "batch_size=4",
                 "max_steps=2", "dtype=fp32", "progress=false", "template=chatml"]) == 0
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"prompt": "What is 2 plus 2?", "completion": "2 plus 2 is 4."}) + "\n")
    assert main(["score", str(out), str(rows), f"out={tmp_path / 's.jsonl'}", "template=chatml"]) == 0
    got = [json.loads(l) for l in (tmp_path / "s.jsonl").read_text().splitlines()]
    assert len(got) == 1 and math.isfinite(got[0]["reward"])


def test_reward_model_as_reward_function(tiny_dir, pref_file, tmp_path):
    """`load_reward(folder)` scores (prompt, completion) like `posttrain score` does."""
    from posttrain.eval.rewards import load_reward
    from posttrain.infer.reward_model import score_file

    out = tmp_path / "rm"
    assert main(["rm", f"model={tiny_dir}", f"data={pref_file}", f"output_dir={out}", "max_len=64", "batch_size=4",
                 "max_steps=2", "dtype=fp32", "progress=false", "template=chatml"]) == 0
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"prompt": "What is 2 plus 2?", "completion": "2 plus 2 is 4."}) + "\n")
    fn = load_reward(str(out), "chatml")
    assert fn(["What is 2 plus 2?"], ["2 plus 2 is 4."]) == pytest.approx(score_file(str(out), str(rows), "chatml"))


def test_rm_runs_are_reproducible(tiny_dir, pref_file, tmp_path):
    """The new head is initialised from the run's seed: two runs give the same reward model."""
    from safetensors.torch import load_file

    for name in ("a", "b"):
        torch.randn(7)  # whatever the process did before must not matter
        assert main(["rm", f"model={tiny_dir}", f"data={pref_file}", f"output_dir={tmp_path / name}", "max_len=64",
                     "batch_size=4", "max_steps=2", "dtype=fp32", "progress=false", "template=chatml"]) == 0
    a, b = load_file(str(tmp_path / "a" / "model.safetensors")), load_file(str(tmp_path / "b" / "model.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
