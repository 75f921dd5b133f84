"""When a row stops and what its text is: stop ids, stop strings, a finished row's text, streaming deltas.

A row stops on a stop id (by default the tokenizer's EOS and end-of-turn tokens), on a stop string
ending in its newest token (`StopStrings`, which decodes only a short window of the last ids, so a
step costs the same however long the row is), or at its token budget. `finish_row` turns the
finished ids into the answer's text (stop token dropped, text cut at the stop string), and
`TextDeltas` releases that text piece by piece while the row is still generating, never a partial
character nor what may yet turn out to be the start of a stop string.
"""

from __future__ import annotations

from collections.abc import Sequence

from posttrain.data.chat import stop_token_ids

REPLACEMENT = "\ufffd"  # what a partial multi-byte character decodes to


def default_stop_ids(model, tokenizer=None) -> list[int]:
    """The tokenizer's EOS and end-of-turn tokens, else the model's generation-config EOS."""
    if tokenizer is not None:
        return stop_token_ids(tokenizer)
    eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    return [] if eos is None else list(eos) if isinstance(eos, (list, tuple)) else [eos]


class StopStrings:
    """Per-row check: does a stop string end in the token just generated?

    Text is decoded with special tokens, so a stop string such as `<|im_end|>` fires. Only a window
    of the last ids is decoded, so a step costs the same however long the row is: a stop string
    ending in the new token spans at most one token per UTF-8 byte (a token decodes to one byte or
    more), plus two for a token straddling its start and a leading space dropped at the window start.
    """

    def __init__(self, tokenizer, stop_strings: Sequence[str], n_rows: int):
        self.tokenizer, self.stop_strings = tokenizer, [s for s in stop_strings if s]
        self.window = max((len(s.encode("utf-8")) for s in self.stop_strings), default=0) + 2
        self.ids: list[list[int]] = [[] for _ in range(n_rows)]
        self.hit: list[str | None] = [None] * n_rows  # the stop string a row stopped on

    def __call__(self, row: int, token: int) -> bool:
        self.ids[row].append(token)
        if not self.stop_strings:
            return False
        text = self.tokenizer.decode(self.ids[row][-self.window:], skip_special_tokens=False)
        self.hit[row] = next((s for s in self.stop_strings if s in text), None)
        return self.hit[row] is not None


def _plain(tokenizer, text: str) -> str:
    """`text` as a decode without special tokens shows it: the special tokens' text removed."""
    for tok in getattr(tokenizer, "all_special_tokens", ()):
        text = text.replace(tok, "")
    return text


def finish_row(tokenizer, ids: list[int], stop_ids: Sequence[int], stop_strings: Sequence[str],
               hit: str | None = None) -> tuple[str, str]:
    """(text, finish_reason) of a finished row: stop token dropped, text (without special tokens) cut at
    the first stop string; `hit`, the stop string the row stopped on, is cut even when it is (partly)
    special tokens, which the text does not show."""
    stopped = bool(ids) and ids[-1] in set(stop_ids)
    body, reason = (ids[:-1], "stop") if stopped else (ids, "length")
    if tokenizer is None:
        return "", reason
    text = tokenizer.decode(body, skip_special_tokens=True)
    cuts = [text.find(s) for s in stop_strings if s and s in text]
    if cuts:
        return text[: min(cuts)], "stop"
    if hit is not None:  # it ended in the last token, so what shows of it ends the text
        shown = _plain(tokenizer, hit)
        return (text[: text.rfind(shown)] if shown and shown in text else text), "stop"
    return text, reason


class TextDeltas:
    """Turns a growing row of ids into text deltas whose concatenation is the finished text.

    The row is decoded in full at each step and the new suffix is released unless it ends in a
    partial multi-byte character (U+FFFD). With stop strings, the last `len(longest stop) - 1`
    characters are held back until they cannot be the start of a stop string.
    """

    def __init__(self, tokenizer, stop_strings: Sequence[str] = ()):
        self.tokenizer, self.emitted = tokenizer, 0
        self.hold = max((len(s) for s in stop_strings if s), default=1) - 1

    def step(self, ids: list[int]) -> str:
        text = self.tokenizer.decode(ids, skip_special_tokens=True)
        upto = len(text) - self.hold
        if text.endswith(REPLACEMENT) or upto <= self.emitted:
            return ""
        delta, self.emitted = text[self.emitted:upto], upto
        return delta

    def rest(self, final_text: str) -> str:
        """What is left of the finished text (stop strings cut) after the deltas released so far."""
        return final_text[self.emitted:] if len(final_text) > self.emitted else ""

