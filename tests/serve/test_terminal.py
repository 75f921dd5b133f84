"""The terminal chat, driven by a scripted input function: history, /reset, /system, streaming output."""

from __future__ import annotations

import io

import pytest
import torch

import posttrain.serve.terminal
from posttrain.data.chat import render_prompt
from posttrain.serve.terminal import run_chat


def scripted(lines):
    it = iter(lines)

    def input_fn(prompt=""):
        try:
            return next(it)
        except StopIteration:
            raise EOFError from None

    return input_fn


@pytest.fixture()
def fake_stream(monkeypatch):
    """Replace the engine's stream: record each prompt, answer 'A<n>' in two pieces."""
    prompts = []

    def stream(model, tokenizer, prompt_ids, **kw):
        prompts.append(list(prompt_ids))
        yield "A"
        yield str(len(prompts))

    monkeypatch.setattr(posttrain.serve.terminal, "stream", stream)
    return prompts


def test_history_reset_and_system(tiny_dir, tokenizer, fake_stream):
    out = io.StringIO()
    history = run_chat(str(tiny_dir), system="Be brief.", input_fn=scripted(
        ["hello", "", "What is 2 plus 2?", "/reset", "/system Answer the question.", "hello", "/quit", "ignored"]),
        output=out)
    u = lambda text: {"role": "user", "content": text}
    a = lambda text: {"role": "assistant", "content": text}
    sys_ = lambda text: {"role": "system", "content": text}
    expected = [  # what each turn rendered: the history grows, /reset empties it, /system replaces the prompt
        [sys_("Be brief."), u("hello")],
        [sys_("Be brief."), u("hello"), a("A1"), u("What is 2 plus 2?")],
        [sys_("Answer the question."), u("hello")],
    ]
    assert fake_stream == [render_prompt(tokenizer, m) for m in expected]
    assert history == [u("hello"), a("A3")]
    text = out.getvalue()
    assert text.startswith("chat with") and "/reset" in text.splitlines()[0]
    assert "A1\n" in text and "A2\n" in text and "(history cleared)" in text and "(system prompt set)" in text


def test_end_of_input_exits_and_real_stream_prints(tiny_dir):
    torch.manual_seed(0)
    out = io.StringIO()
    history = run_chat(str(tiny_dir), input_fn=scripted(["hello"]), output=out, max_new_tokens=4, dtype="fp32",
                       seed=0)
    assert [m["role"] for m in history] == ["user", "assistant"]
    answer_line = out.getvalue().splitlines()[1]
    assert answer_line.strip() == history[1]["content"] and answer_line.strip()
