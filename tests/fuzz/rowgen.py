"""Hypothesis strategies for rows of every data format: mostly plausible (so that valid rows are common),
with fields missing, junk, blank, holding lone surrogates or control-token text. Shared by the property
tests (tests/data/test_properties.py) and the fuzz tier (tests/fuzz/test_oracle.py), both judged by
`oracle.expect`."""

from __future__ import annotations

import json

from hypothesis import strategies as st

CONTROL = "<|endoftext|>"
good_texts = st.one_of(st.sampled_from(["Q?", "An answer.", "true", "0", "é 中 🙂"]),
                       st.text(min_size=1, max_size=6).filter(str.strip))
odd_texts = st.sampled_from(["", " ", "\n", "\ud800", "x\udcff", CONTROL, "a" + CONTROL])


def mostly(good, bad, odds: int = 3):
    """`good` `odds` times out of odds + 1 (a one_of would weigh each of the branches inside `bad` alike)."""
    return st.sampled_from([True] * odds + [False]).flatmap(lambda ok: good if ok else bad)


texts = mostly(good_texts, odd_texts)  # valid rows stay common
junk = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.floats(allow_nan=True), texts,
                 st.just([]), st.just({}), st.lists(st.integers(0, 1), max_size=2))
roles = st.sampled_from(["system", "user", "assistant", "tool", "User", "human", "gpt", 7, None])


@st.composite
def message(draw, role_key="role", content_key="content"):
    m = {}
    if draw(st.integers(0, 9)):
        m[role_key] = draw(roles)
    if draw(st.integers(0, 9)):
        m[content_key] = draw(st.one_of(texts, junk) if draw(st.integers(0, 5)) == 0 else texts)
    return m


@st.composite
def dialogue(draw, role_key="role", content_key="content", plausible=True, last="assistant"):
    """A list of messages, mostly in a plausible order ending with a `last` turn (so that valid ones are common)."""
    if plausible and draw(st.integers(0, 2)):
        n = draw(st.integers(1, 3))
        order = (["system"] if draw(st.booleans()) else []) + ["user", "assistant"] * n
        order = order if last == "assistant" else order[:-1]
        order = order[:draw(st.integers(1, len(order)))] if draw(st.integers(0, 3)) == 0 else order
        if role_key == "from":
            order = [{"user": "human", "assistant": "gpt"}.get(r, r) for r in order]
        msgs = [{role_key: r, content_key: draw(texts)} for r in order]
        if msgs and draw(st.integers(0, 3)) == 0:
            msgs[draw(st.integers(0, len(msgs) - 1))] = draw(message(role_key, content_key))
        return msgs
    return draw(st.lists(message(role_key, content_key), max_size=4))


answer = mostly(st.one_of(texts, texts.map(lambda a: [{"role": "assistant", "content": a}])), dialogue())
FIELDS = {"messages": dialogue(), "conversations": dialogue("from", "value"), "system": texts, "instruction": texts,
          "input": texts, "output": texts, "response": texts, "question": texts, "answer": texts,
          "prompt": mostly(texts, dialogue(last="user"), odds=1), "completion": answer, "chosen": answer, "rejected": answer,
          "label": mostly(st.sampled_from([True, False, 0, 1, 0.0, 1.0, 2, "true", " False ", "1", "yes"]), junk),
          "answers": st.one_of(st.none(), st.lists(texts, max_size=2), junk)}
SHAPES = [("messages",), ("conversations",), ("instruction", "input", "output"), ("instruction", "response"),
          ("question", "answer"), ("prompt", "completion"), ("prompt", "chosen", "rejected"), ("chosen", "rejected"),
          ("prompt", "completion", "label"), ("prompt", "answers"), ("instruction",), ("system", "question", "answer"),
          ("system", "prompt", "completion"), ("system", "prompt", "chosen", "rejected"),
          ("system", "prompt", "completion", "label")]


SHAPES_OF = {"sft": SHAPES[:6] + SHAPES[11:13], "pair": [SHAPES[6], SHAPES[7], SHAPES[13]],
             "kto": [SHAPES[8], SHAPES[14]], "prompt": [SHAPES[9], SHAPES[10]], "score": [SHAPES[5], SHAPES[6]]}


@st.composite
def records(draw, group=None):
    """A row of one of the formats (mostly those `group` reads), with each field drawn valid or not,
    sometimes missing, sometimes junk, and sometimes a stray extra field."""
    row = {}
    shapes = SHAPES_OF[group] if group and draw(st.integers(0, 3)) else SHAPES
    shape = draw(st.sampled_from(shapes))
    if shape == ("chosen", "rejected") and draw(st.booleans()):  # whole conversations sharing their first turns
        shared = draw(dialogue())
        shape = ()
        row = {k: shared + draw(mostly(texts.map(lambda a: [{"role": "assistant", "content": a}]), dialogue()))
               for k in ("chosen", "rejected")}
    for key in shape:
        roll = draw(st.sampled_from(["drawn"] * 10 + ["missing", "junk"]))
        if roll == "missing":
            continue
        row[key] = draw(junk) if roll == "junk" else draw(FIELDS[key])
    if draw(st.integers(0, 3)) == 0:
        key = draw(st.sampled_from(sorted(FIELDS)))
        row[key] = draw(FIELDS[key])
    return row


lines = st.one_of(records().map(lambda r: json.dumps(r, ensure_ascii=True).encode()),
                  records().map(lambda r: json.dumps(r, ensure_ascii=False).encode("utf-8", "surrogatepass")),
                  st.sampled_from([b"", b"   ", b"{bad", b"[1]", b"null", b"\xff{}", b'{"prompt": NaN}',
                                   b"\xef\xbb\xbf" + json.dumps({"question": "q", "answer": "a"}).encode()]))
