"""Terminal multi-turn chat with a model folder: `posttrain chat MODEL [--system ...]`.

The history is kept as messages and rendered every turn with `chat.render_prompt`, the same code
path training uses, so the model sees its own chat template; answers stream token by token from
`engine.stream`. Commands: /reset (clear the history, keep the system prompt), /system TEXT,
/quit (or end of input).
"""

from __future__ import annotations

import sys

from posttrain.data.chat import render_prompt, resolve_template, stop_token_ids
from posttrain.infer.engine import stream
from posttrain.model.hf import load_model, load_tokenizer
from posttrain.core.runtime import pick_device

BANNER = "chat with {name} — /reset clears the history, /system TEXT sets the system prompt, /quit exits"


def messages_for(system: str | None, history: list[dict]) -> list[dict]:
    """The conversation to render: the system prompt (if any) then the turns so far."""
    return ([{"role": "system", "content": system}] if system else []) + history


def run_chat(model_path: str, system: str | None = None, template: str | None = None, max_new_tokens: int = 256,
             temperature: float = 0.7, top_p: float = 0.9, dtype: str = "auto", input_fn=input,
             output=sys.stdout, seed: int | None = None) -> list[dict]:
    """Chat until /quit or end of input; returns the final history (without the system prompt)."""
    tokenizer = load_tokenizer(model_path)
    model = load_model(model_path, device=pick_device()).eval()
    template = resolve_template(tokenizer, template)
    stop_ids = stop_token_ids(tokenizer)
    history: list[dict] = []
    print(BANNER.format(name=model_path), file=output, flush=True)
    while True:
        try:
            line = input_fn("> ")
        except (EOFError, KeyboardInterrupt):
            print(file=output)
            return history
        line = line.strip()
        if not line:
            continue
        if line in ("/quit", "/exit"):
            return history
        if line == "/reset":
            history = []
            print("(history cleared)", file=output, flush=True)
            continue
        if line.startswith("/system"):
            system = line[len("/system"):].strip() or None
            print(f"(system prompt {'set' if system else 'cleared'})", file=output, flush=True)
            continue
        history.append({"role": "user", "content": line})
        prompt = render_prompt(tokenizer, messages_for(system, history), template)
        pieces = []
        for delta in stream(model, tokenizer, prompt, max_new_tokens=max_new_tokens, temperature=temperature,
                            top_p=top_p, stop_ids=stop_ids, seed=seed, dtype=dtype):
            pieces.append(delta)
            print(delta, end="", file=output, flush=True)
        print(file=output, flush=True)
        history.append({"role": "assistant", "content": "".join(pieces).strip()})
