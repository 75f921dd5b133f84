"""Our renderer against `transformers`' own `apply_chat_template`, on real tokenizer vocabularies.

The vocabularies come from vocabulary-only GGUF files in the llama-cpp-python source
distribution (fetched once by scripts/fetch_vocabs.py, run by `make test`); real chat templates
come with Qwen2 (ChatML), Phi-3 and Gemma 4. Llama 3 and Mistral/Llama 2 vocabularies carry no
template, so those check our built-ins on the real vocabulary.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from posttrain.data.chat import TEMPLATES, TemplateError, render, render_examples, render_prompt

CONV = [{"role": "user", "content": "What is 2 plus 2?"}, {"role": "assistant", "content": "2 plus 2 is 4."},
        {"role": "user", "content": "And the capital of France?"}, {"role": "assistant", "content": "Paris."}]
CACHE = Path(os.environ.get("POSTTRAIN_CACHE", Path.home() / ".cache" / "posttrain")) / "vocabs"

CASES = [  # (vocabulary, template: None = the vocabulary's own real template, expected trained text)
    ("qwen2", None, "2 plus 2 is 4.<|im_end|>Paris.<|im_end|>"),
    ("qwen2", "chatml", "2 plus 2 is 4.<|im_end|>Paris.<|im_end|>"),
    ("phi-3", None, "2 plus 2 is 4.<|end|>Paris.<|end|>"),
    ("llama-bpe", "llama3", "2 plus 2 is 4.<|eot_id|>Paris.<|eot_id|>"),
    ("llama-spm", "mistral", "2 plus 2 is 4.</s>Paris.</s>"),
    ("llama-spm", "llama2", "2 plus 2 is 4. </s>Paris. </s>"),
    ("gemma-4", None, "2 plus 2 is 4.<turn|>Paris.<turn|>"),
]


@pytest.fixture(scope="module")
def vocabs():
    names = sorted({c[0] for c in CASES})
    if not all((CACHE / n / "tokenizer.json").exists() for n in names):
        proc = subprocess.run([sys.executable, str(Path(__file__).parents[2] / "scripts" / "fetch_vocabs.py"),
                               "--names", *names], capture_output=True, text=True, timeout=600)
        if proc.returncode == 2:
            pytest.skip("package registry unreachable: real vocabularies unavailable (" + proc.stderr[-200:] + ")")
        assert proc.returncode == 0, proc.stderr[-2000:]
    from transformers import AutoTokenizer

    return {n: AutoTokenizer.from_pretrained(str(CACHE / n)) for n in names}


def _hf_ids(tok, conv, template, gen=False):
    out = tok.apply_chat_template(conv, chat_template=template, tokenize=True, add_generation_prompt=gen, return_dict=True)
    return list(out["input_ids"])


@pytest.mark.parametrize("vocab,template,trained", CASES, ids=[f"{v}-{t or 'own'}" for v, t, _ in CASES])
def test_ids_and_masks_match_apply_chat_template(vocabs, vocab, template, trained):
    tok = vocabs[vocab]
    tpl = TEMPLATES[template] if template else tok.chat_template
    assert tpl, f"{vocab} should carry its own template"
    r = render(tok, CONV, tpl)
    hf = _hf_ids(tok, CONV, tpl)
    if r.ids[:1] == [tok.bos_token_id] and hf[:1] != [tok.bos_token_id]:
        hf = [tok.bos_token_id] + hf  # a tokenizer that always starts with BOS gets it from us once
    assert r.ids == hf
    got = tok.decode([i for i, m in zip(r.ids, r.mask) if m], skip_special_tokens=False)
    assert got.replace(" ", "") == trained.replace(" ", "")
    assert r.ids[:2] != [tok.bos_token_id] * 2


@pytest.mark.parametrize("vocab,template", [(v, t) for v, t, _ in CASES])
def test_generation_prompt_matches(vocabs, vocab, template):
    tok = vocabs[vocab]
    tpl = TEMPLATES[template] if template else tok.chat_template
    ours = render_prompt(tok, CONV[:3], tpl)
    hf = _hf_ids(tok, CONV[:3], tpl, gen=True)
    assert ours[-len(hf):] == hf and len(ours) - len(hf) in (0, 1)


def test_thinking_prompt_is_reported(vocabs):
    """Gemma 4 opens a thought channel in the generation prompt that rendered history omits."""
    tok = vocabs["gemma-4"]
    r = render(tok, CONV, tok.chat_template)
    if "<|channel>" in tok.apply_chat_template(CONV[:1], tokenize=False, add_generation_prompt=True):
        assert r.prompt_mismatch == [1, 3]
    else:
        assert r.prompt_mismatch == []


# Modelled on Qwen3's public chat template (tools left out): an assistant turn after the last user
# query keeps its reasoning in <think>...</think>; earlier assistant turns are rendered without it.
QWEN3_STYLE = (
    "{%- if messages[0].role == 'system' %}{{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}{%- endif %}"
    "{%- set ns = namespace(last_query_index=messages|length - 1, found=false) %}"
    "{%- for message in messages[::-1] %}{%- set index = (messages|length - 1) - loop.index0 %}"
    "{%- if not ns.found and message.role == 'user' %}{%- set ns.found = true %}{%- set ns.last_query_index = index %}{%- endif %}"
    "{%- endfor %}"
    "{%- for message in messages %}{%- set content = message.content %}"
    "{%- if message.role == 'user' or (message.role == 'system' and not loop.first) %}"
    "{{- '<|im_start|>' + message.role + '\\n' + content + '<|im_end|>\\n' }}"
    "{%- elif message.role == 'assistant' %}{%- set reasoning = '' %}"
    "{%- if '</think>' in content %}"
    "{%- set reasoning = content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') %}"
    "{%- set content = content.split('</think>')[-1].lstrip('\\n') %}{%- endif %}"
    "{%- if loop.index0 > ns.last_query_index and (loop.last or reasoning) %}"
    "{{- '<|im_start|>assistant\\n<think>\\n' + reasoning.strip('\\n') + '\\n</think>\\n\\n' + content.lstrip('\\n') }}"
    "{%- else %}{{- '<|im_start|>assistant\\n' + content }}{%- endif %}"
    "{{- '<|im_end|>\\n' }}{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)
THINKING = [{"role": "system", "content": "Be brief."},
            {"role": "user", "content": "What is 2 plus 2?"},
            {"role": "assistant", "content": "<think>\nadd them\n</think>\n\n2 plus 2 is 4."},
            {"role": "user", "content": "And the capital of France?"},
            {"role": "assistant", "content": "<think>\nthe capital\n</think>\n\nParis."}]


def _hf_text(tok, conv, gen):
    return tok.apply_chat_template(conv, chat_template=QWEN3_STYLE, tokenize=False, add_generation_prompt=gen)


def test_reasoning_template_trains_each_turn_on_its_generation_prompt(tokenizer):
    """Each trained assistant turn's context is what `apply_chat_template` renders when that turn is
    generated (earlier reasoning stripped), and the turn itself keeps its own reasoning."""
    assert not _hf_text(tokenizer, THINKING, False).startswith(_hf_text(tokenizer, THINKING[:3], False))
    examples = render_examples(tokenizer, THINKING, QWEN3_STYLE)
    assert len(examples) == 2
    turns = {}
    for r in examples:
        first = r.mask.index(1)
        last = len(r.mask) - r.mask[::-1].index(1)
        assert sum(r.mask) == last - first  # one trained span per example
        context = tokenizer.decode(r.ids[:first])
        turn = next(i for i in (2, 4) if context == _hf_text(tokenizer, THINKING[:i], True))
        turns[turn] = tokenizer.decode(r.ids[first:last])
        assert r.ids == _hf_ids(tokenizer, THINKING[:turn + 1], QWEN3_STYLE)[:len(r.ids)]
    assert turns[2].replace(" ", "") == "<think>\nadd them\n</think>\n\n2 plus 2 is 4.<|im_end|>".replace(" ", "")
    assert turns[4].replace(" ", "") == "<think>\nthe capital\n</think>\n\nParis.<|im_end|>".replace(" ", "")


def test_reasoning_template_drop_and_error(tokenizer):
    dropped = render_examples(tokenizer, THINKING, QWEN3_STYLE, history="drop")
    assert len(dropped) == 1 and dropped[0].unstable_turns == [2]
    with pytest.raises(TemplateError, match="history_rewrite=split"):
        render_examples(tokenizer, THINKING, QWEN3_STYLE, history="error")
    # templates that do not rewrite history give one example whatever the option
    assert len(render_examples(tokenizer, THINKING, "chatml", history="error")) == 1
