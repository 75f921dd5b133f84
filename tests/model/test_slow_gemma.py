"""Real-model tests on Gemma-3-270M base (slow: `make test-slow`)."""

import json

import pytest

pytestmark = pytest.mark.slow

CONV = [{"role": "user", "content": "What is 2 plus 2?"}, {"role": "assistant", "content": "4."},
        {"role": "user", "content": "Capital of Italy?"}, {"role": "assistant", "content": "Rome."}]


@pytest.fixture(scope="module")
def gemma():
    from posttrain.model.embedded import gemma_base

    return str(gemma_base())


def test_gemma_template_on_real_vocab(gemma):
    from posttrain.data.chat import TEMPLATES, render, render_prompt
    from posttrain.model.hf import load_tokenizer

    tok = load_tokenizer(gemma)
    r = render(tok, CONV, "gemma")
    hf = list(tok.apply_chat_template(CONV, chat_template=TEMPLATES["gemma"], tokenize=True, return_dict=True)["input_ids"])
    assert r.ids == hf and r.ids[0] == tok.bos_token_id and r.ids[1] != tok.bos_token_id
    assert tok.decode([i for i, m in zip(r.ids, r.mask) if m]) == "4.<end_of_turn>Rome.<end_of_turn>"
    prompt = render_prompt(tok, CONV[:3], "gemma")
    assert tok.decode(prompt).endswith("<start_of_turn>model\n")


def test_gemma_sft_steps_and_reload(gemma, tmp_path):
    from transformers import AutoModelForCausalLM

    from posttrain.commands.cli import main

    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"messages": CONV}) + "\n" for _ in range(16)))
    out = tmp_path / "sft"
    assert main(["sft", f"model={gemma}", f"data={data}", f"output_dir={out}", "template=gemma", "max_len=64",
                 "batch_size=4", "max_steps=3", "lr=1e-4", "freeze_embeddings=true", "progress=false"]) == 0
    losses = [json.loads(l)["loss"] for l in (out / "metrics.jsonl").read_text().splitlines()]
    assert losses[-1] < losses[0]
    model = AutoModelForCausalLM.from_pretrained(out)
    assert model.generation_config.eos_token_id == [1, 106] or 106 in model.generation_config.eos_token_id
