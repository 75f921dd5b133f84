"""Chat templates and the ONE renderer: conversation → token ids + trained-token mask.

Every stage (SFT, preference, RL, generation, the linter) renders through `render`, so what is
trained is exactly what is generated from. Templates are Jinja, run by the tokenizer's own
`apply_chat_template`; masks come from the rendering itself: each assistant turn's character
span is found by rendering the conversation up to that turn (with and without the turn), then
the full text is tokenised once with character offsets and a token is trained when it starts
inside an assistant span. Re-encoding message contents on their own would disagree with the
full tokenisation wherever a merge crosses a boundary; this cannot.

The span of an assistant turn runs from the end of its generation prompt to the end of its
end-of-turn marker (`<end_of_turn>`, `<|im_end|>`, `<|eot_id|>`, EOS...), trailing whitespace
excluded, so the model learns to stop even when pad == eos.

Templates that rewrite history (reasoning models such as Qwen3 drop `<think>` blocks from assistant
turns before the last user message) render a prefix of the conversation differently from the
whole, so an earlier turn has no span in the full rendering that matches how it is generated.
`render_examples` trains such a turn in an example of its own, rendered up to that turn
(`history_rewrite=split`, the default); see docs/templates.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

_BOS = "{% if bos_token %}{{ bos_token }}{% endif %}"
_SYSTEM_INTO_FIRST_USER = (
    "{% set ns = namespace(sys='') %}"
    "{% if messages and messages[0]['role'] == 'system' %}{% set ns.sys = messages[0]['content'] + '\n\n' %}"
    "{% set messages = messages[1:] %}{% endif %}"
)

TEMPLATES = {
    "chatml": (
        "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>\n' }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
    ),
    "llama3": (
        _BOS + "{% for m in messages %}{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|>\n\n'"
        " + m['content'] | trim + '<|eot_id|>' }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
    ),
    "llama2": (
        "{% set ns = namespace(sys='') %}"
        "{% if messages and messages[0]['role'] == 'system' %}{% set ns.sys = '<<SYS>>\n' + messages[0]['content'] + '\n<</SYS>>\n\n' %}"
        "{% set messages = messages[1:] %}{% endif %}"
        "{% for m in messages %}{% if m['role'] == 'user' %}"
        "{{ bos_token + '[INST] ' + (ns.sys if loop.first else '') + m['content'] | trim + ' [/INST]' }}"
        "{% else %}{{ ' ' + m['content'] | trim + ' ' + eos_token }}{% endif %}{% endfor %}"
    ),
    "mistral": (
        _SYSTEM_INTO_FIRST_USER + _BOS +
        "{% for m in messages %}{% if m['role'] == 'user' %}"
        "{{ '[INST] ' + (ns.sys if loop.first else '') + m['content'] + ' [/INST]' }}"
        "{% else %}{{ ' ' + m['content'] + eos_token }}{% endif %}{% endfor %}"
    ),
    "gemma": (
        _SYSTEM_INTO_FIRST_USER + _BOS +
        "{% for m in messages %}{% set role = 'model' if m['role'] == 'assistant' else m['role'] %}"
        "{{ '<start_of_turn>' + role + '\n' + ((ns.sys if loop.first else '') + m['content']) | trim + '<end_of_turn>\n' }}"
        "{% endfor %}{% if add_generation_prompt %}{{ '<start_of_turn>model\n' }}{% endif %}"
    ),
    "alpaca": (
        _BOS + "{% for m in messages %}{% if m['role'] == 'system' %}{{ m['content'] + '\n\n' }}"
        "{% elif m['role'] == 'user' %}{{ '### Instruction:\n' + m['content'] + '\n\n### Response:\n' }}"
        "{% else %}{{ m['content'] + eos_token + '\n\n' }}{% endif %}{% endfor %}"
    ),
    "plain": (
        _BOS + "{% for m in messages %}{{ '<|' + m['role'] + '|>\n' }}"
        "{% if m['role'] == 'assistant' %}{{ m['content'] + eos_token + '\n' }}{% else %}{{ m['content'] + '\n' }}{% endif %}"
        "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
    ),
}
TEMPLATES["zephyr"] = TEMPLATES["plain"]

# Markers that end an assistant turn besides EOS; generation stops at any of them.
END_OF_TURN = ("<end_of_turn>", "<|im_end|>", "<|eot_id|>", "<|end|>", "<|endoftext|>", "</s>", "<|end_of_text|>")
_VOCAB_HINTS = (("<start_of_turn>", "gemma"), ("<|eot_id|>", "llama3"), ("<|im_start|>", "chatml"), ("[INST]", "mistral"))


class TemplateError(ValueError):
    """The chat template cannot produce a trustworthy mask for this conversation."""


def resolve_template(tokenizer, template: str | None = None) -> str:
    """The Jinja text to use: a built-in name, a .jinja file, the tokenizer's own, or a guess from its vocabulary."""
    if template:
        if template in TEMPLATES:
            return TEMPLATES[template]
        if "{%" in template or "{{" in template:
            return template
        if Path(template).is_file():
            return Path(template).read_text(encoding="utf-8")
        raise TemplateError(f"unknown chat template {template!r}: use one of {sorted(TEMPLATES)}, a .jinja file, or Jinja text")
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.chat_template
    vocab = tokenizer.get_vocab()
    for token, name in _VOCAB_HINTS:
        if token in vocab:
            return TEMPLATES[name]
    return TEMPLATES["plain"]


def stop_token_ids(tokenizer) -> list[int]:
    """EOS plus every end-of-turn marker that is a single token of this vocabulary."""
    vocab = tokenizer.get_vocab()
    ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
    ids |= {vocab[t] for t in END_OF_TURN if t in vocab}
    return sorted(ids)


@dataclass
class Rendered:
    ids: list[int]
    mask: list[int]  # 1 where the token is trained (assistant content and its end-of-turn)
    text: str = ""
    truncated: bool = False
    unstable_turns: list[int] = field(default_factory=list)  # assistant turns the template re-renders
    prompt_mismatch: list[int] = field(default_factory=list)  # turns not starting with the generation prompt

    @property
    def n_trained(self) -> int:
        return sum(self.mask)


def _apply(tokenizer, template: str, messages: list[dict], gen: bool) -> str:
    return tokenizer.apply_chat_template(messages, chat_template=template, tokenize=False, add_generation_prompt=gen)


def _adds_bos(tokenizer) -> bool:
    cached = getattr(tokenizer, "_posttrain_adds_bos", None)
    if cached is None:
        bos = tokenizer.bos_token_id
        cached = bos is not None and tokenizer("a", add_special_tokens=True)["input_ids"][:1] == [bos] \
            and tokenizer("a", add_special_tokens=False)["input_ids"][:1] != [bos]
        try:
            tokenizer._posttrain_adds_bos = cached
        except AttributeError:
            pass
    return cached


def _tokenize(tokenizer, text: str) -> tuple[list[int], list[tuple[int, int]]]:
    if not getattr(tokenizer, "is_fast", False):
        raise TemplateError("masks need a fast tokenizer (character offsets); load it with use_fast=True")
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids, offsets = list(enc["input_ids"]), [tuple(o) for o in enc["offset_mapping"]]
    # Tokenizers that always start with BOS (Llama-2 style) get it once, never twice.
    if _adds_bos(tokenizer) and ids[:1] != [tokenizer.bos_token_id]:
        ids, offsets = [tokenizer.bos_token_id] + ids, [(0, 0)] + offsets
    return ids, offsets


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def assistant_spans(tokenizer, template: str, messages: list[dict], last_turn_only: bool = False):
    """Character spans `[start, end)` of trained assistant turns.

    Returns (full text, spans, unstable turns, prompt-mismatch turns). A turn is unstable when the
    template renders it differently once later turns follow (history is re-written); it is not
    trained. A prompt mismatch is a generation prompt that the rendered turn does not start with
    (e.g. a prompt that opens a "thinking" channel the history omits): the span then starts where
    the two renderings part, and the linter reports it."""
    full = _apply(tokenizer, template, messages, gen=False)
    turns = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
    if last_turn_only:
        turns = turns[-1:]
    spans, unstable, mismatch = [], [], []
    for i in turns:
        prompt = _apply(tokenizer, template, messages[:i], gen=True)
        upto = _apply(tokenizer, template, messages[: i + 1], gen=False)
        if not full.startswith(upto):
            unstable.append(i)
            continue
        start = len(prompt) if upto.startswith(prompt) else _common_prefix(prompt, upto)
        if start != len(prompt):
            mismatch.append(i)
        spans.append((start, max(len(upto.rstrip()), start)))
    return full, spans, unstable, mismatch


def render(tokenizer, messages: list[dict], template: str | None = None, max_len: int | None = None,
           last_turn_only: bool = False) -> Rendered:
    """Render a conversation for training: ids and a mask that is 1 on trained (assistant) tokens."""
    template = resolve_template(tokenizer, template)
    text, spans, unstable, mismatch = assistant_spans(tokenizer, template, messages, last_turn_only)
    ids, offsets = _tokenize(tokenizer, text)
    mask = [0] * len(ids)
    for j, (start, end) in enumerate(offsets):
        if end > start and any(s <= start < e for s, e in spans):
            mask[j] = 1
    truncated = max_len is not None and len(ids) > max_len
    if truncated:
        ids, mask = ids[:max_len], mask[:max_len]
    return Rendered(ids, mask, text, truncated, unstable, mismatch)


HISTORY_REWRITE = ("split", "drop", "error")


def render_examples(tokenizer, messages: list[dict], template: str | None = None, max_len: int | None = None,
                    last_turn_only: bool = False, history: str = "split") -> list[Rendered]:
    """The training examples of one conversation: its rendering, plus one per assistant turn that the
    template rewrites once later turns follow (reasoning templates such as Qwen3's strip `<think>`
    blocks from earlier turns). Such a turn is generated from the history as the template renders it
    then, so it is trained on exactly that: the conversation up to and including the turn, last turn
    only. `history`: split (that), drop (leave those turns untrained), error (refuse)."""
    if history not in HISTORY_REWRITE:
        raise TemplateError(f"history_rewrite={history!r}: expected one of {'/'.join(HISTORY_REWRITE)}")
    template = resolve_template(tokenizer, template)
    r = render(tokenizer, messages, template, max_len, last_turn_only)
    if not r.unstable_turns or history == "drop":
        return [r]
    if history == "error":
        raise TemplateError(f"the chat template rewrites assistant turn(s) {r.unstable_turns} once later turns follow "
                            "(e.g. it strips <think> reasoning from earlier turns); set history_rewrite=split to train "
                            "each turn on the prompt it is generated from, or history_rewrite=drop to leave them untrained")
    return [r] + [render(tokenizer, messages[:i + 1], template, max_len, last_turn_only=True) for i in r.unstable_turns]


def render_prompt(tokenizer, messages: list[dict], template: str | None = None) -> list[int]:
    """Token ids of a conversation followed by the generation prompt (the same code path as training)."""
    text = _apply(tokenizer, resolve_template(tokenizer, template), messages, gen=True)
    return _tokenize(tokenizer, text)[0]
