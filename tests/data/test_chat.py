"""Templates and masks: token by token, prefix stability, BOS, and the generation prompt."""

import pytest

from posttrain.data.chat import TEMPLATES, TemplateError, render, render_prompt, resolve_template, stop_token_ids

CONV = [{"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is 2 plus 2?"}, {"role": "assistant", "content": "4 plus 0 is 4."},
        {"role": "user", "content": "And France?"}, {"role": "assistant", "content": "Paris."}]


def trained_text(tok, r):
    return tok.decode([i for i, m in zip(r.ids, r.mask) if m])


@pytest.mark.parametrize("name,eot", [("plain", "<|endoftext|>"), ("chatml", "<|im_end|>"), ("gemma", "<end_of_turn>"),
                                      ("llama3", "<|eot_id|>"), ("alpaca", "<|endoftext|>"), ("mistral", "<|endoftext|>")])
def test_mask_covers_assistant_content_and_end_of_turn(tokenizer, name, eot):
    r = render(tokenizer, CONV, name)
    assert trained_text(tokenizer, r).replace(" ", "") == f"4plus0is4.{eot}Paris.{eot}".replace(" ", "")
    assert not r.unstable_turns


def test_mask_token_by_token_plain(tokenizer):
    """nanochat-style: walk every token and check its mask against where it sits in the text."""
    r = render(tokenizer, CONV[1:3], "plain")
    toks = [tokenizer.decode([i]) for i in r.ids]
    text = "".join(toks)
    assert text == r.text
    start = text.index("<|assistant|>\n") + len("<|assistant|>\n")
    pos = 0
    for tok, m in zip(toks, r.mask):
        inside = start <= pos < text.index("<|endoftext|>") + len("<|endoftext|>")
        assert m == int(inside), (tok, pos)
        pos += len(tok)


def test_last_turn_only(tokenizer):
    r = render(tokenizer, CONV, "chatml", last_turn_only=True)
    assert trained_text(tokenizer, r) == "Paris.<|im_end|>"


def test_generation_prompt_is_prefix_of_training_render(tokenizer):
    for name in ["plain", "chatml", "gemma", "llama3", "alpaca", "mistral"]:
        prompt = render_prompt(tokenizer, CONV[:4], name)
        full = render(tokenizer, CONV, name).ids
        assert full[:len(prompt)] == prompt, name
        first_turn = render(tokenizer, CONV[:3], name)
        assert sum(render(tokenizer, CONV, name).mask[:len(prompt)]) == first_turn.n_trained, name


def test_no_double_bos(tokenizer):
    r = render(tokenizer, CONV, "gemma")
    assert r.ids[0] == tokenizer.bos_token_id and r.ids[1] != tokenizer.bos_token_id


def test_history_altering_template_flags_turns(tokenizer):
    # drops earlier assistant turns from the history, like templates that strip reasoning
    tpl = ("{% for m in messages %}{% if m['role'] != 'assistant' or loop.last %}"
           "{{ '<|' + m['role'] + '|>\n' + m['content'] + '\n' }}{% endif %}{% endfor %}"
           "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}")
    r = render(tokenizer, CONV, tpl)
    assert r.unstable_turns == [2]
    assert "Paris." in trained_text(tokenizer, r) and "4 plus" not in trained_text(tokenizer, r)


def test_truncation(tokenizer):
    r = render(tokenizer, CONV, "chatml", max_len=10)
    assert len(r.ids) == 10 and r.truncated


def test_resolve_template(tokenizer):
    assert resolve_template(tokenizer, None) == TEMPLATES["plain"]
    with pytest.raises(TemplateError):
        resolve_template(tokenizer, "nope")
    assert tokenizer.eos_token_id in stop_token_ids(tokenizer)


def test_pad_equal_eos_still_trains_eos(tokenizer):
    """With pad == eos, masks come from the rendering, not from pad ids: EOS stays a trained target."""
    from posttrain.data.batching import collate_padded, render_all

    r = render_all(tokenizer, [CONV[1:3], CONV[1:]], "plain", 64, quiet=True)
    batch = collate_padded(r, pad_id=tokenizer.eos_token_id)
    eos = tokenizer.eos_token_id
    trained_eos = (batch.input_ids[batch.target_mask] == eos).sum().item()
    assert trained_eos == 1 + 2  # one per assistant turn, padding (also eos) never trained
    assert (batch.input_ids == eos).sum().item() > trained_eos


def test_render_all_streams_and_trains_rewritten_turns(tokenizer):
    """history_rewrite=split (default): the turn the template rewrites is trained in an example of its
    own, rendered as at generation; drop leaves it untrained; error refuses, naming the option."""
    from posttrain.data.batching import render_all

    tpl = ("{% for m in messages %}{% if m['role'] != 'assistant' or loop.last %}"
           "{{ '<|' + m['role'] + '|>\n' + m['content'] + '\n' }}{% endif %}{% endfor %}"
           "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}")
    split = render_all(tokenizer, (c for c in [CONV]), tpl, 128, quiet=True)  # a generator: one pass
    assert len(split) == 2
    assert [trained_text(tokenizer, r).strip() for r in split] == ["Paris.", "4 plus 0 is 4."]
    prompt = render_prompt(tokenizer, CONV[:2], tpl)  # the generation-time prompt of the rewritten turn
    assert split[1].ids[:len(prompt)] == prompt and not any(split[1].mask[:len(prompt)])
    assert len(render_all(tokenizer, [CONV], tpl, 128, quiet=True, history="drop")) == 1
    with pytest.raises(TemplateError, match="conversation 1: .*history_rewrite=split"):
        render_all(tokenizer, [CONV], tpl, 128, quiet=True, history="error")
