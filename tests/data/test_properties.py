"""Properties over generated inputs (hypothesis), where hand-picked examples leave room for a bug:

- masks: for random conversations and every built-in template, the rendered text is the template's
  own layout (spelled out here per template) and a token is trained exactly when it starts inside an
  assistant span (the answer and its end-of-turn marker);
- packing: packed rows hold every example exactly once, each intact and in its own document, and
  per-document attention equals attention under an explicit block-diagonal causal mask;
- readers: a record is accepted iff the oracle (tests/fuzz/oracle.py) says it is valid, the loader
  returns exactly what the oracle says it must, and every accepted SFT record trains some tokens;
  a JSONL file yields exactly its valid lines, and stops at the first invalid one naming its line;
- label files: after torn tails (a kill mid-write) and failed writes (a full disk), every
  acknowledged row is read back, and every line of the file is one JSON row.

Example counts are small so that the default suite stays fast; the fuzz tier (`make test-fuzz`)
runs the oracle over thousands of records.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from posttrain.data.batching import Examples, collate_rows, index_rows, render_all
from posttrain.data.chat import TEMPLATES, render
from posttrain.data.formats import _control_pattern, check_control, control_strings, iter_rows
from posttrain.data.readers import DataError
from posttrain.nn.attention import _docs_attention, doc_layout
from posttrain.serve.labels import LabelStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fuzz"))
import oracle  # noqa: E402  (tests/fuzz/oracle.py)
from fuzzgen import CONVERTERS  # noqa: E402  (the loader of each group)
from rowgen import lines, records  # noqa: E402  (tests/fuzz/rowgen.py)

FAST = settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

# ----------------------------------------------------------------------------- masks

WORDS = ["What", "is", "the", "capital", "of", "France", "Paris", "plus", "2", "4.", "Be", "brief.", "hello",
         "world", "é", "中文", "🙂", "a", "?", "!", "--", "'", '"', "<", ">", "|", "[", "]", "{", "}", "#"]
SEPS = [" ", "  ", "\n", "\n\n", "\t", ""]
content = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPS)), max_size=8).map(
    lambda parts: "".join(w + s for w, s in parts))
padded = st.tuples(st.sampled_from(["", " ", "\n"]), content, st.sampled_from(["", " ", "\n", " \n"])).map("".join)


@st.composite
def conversations(draw):
    conv = [{"role": "system", "content": draw(padded)}] if draw(st.booleans()) else []
    for _ in range(draw(st.integers(1, 3))):
        conv += [{"role": "user", "content": draw(padded)}, {"role": "assistant", "content": draw(padded)}]
    return conv


def layout(name: str, conv: list[dict], bos: str, eos: str) -> list[tuple[str, bool]]:
    """The template's rendering spelled out as (text, trained) pieces: what each built-in template
    writes (docs/templates.md), with each assistant answer and its end-of-turn marker trained."""
    system = conv[0]["content"] if conv[0]["role"] == "system" else None
    turns = conv[1:] if system is not None else conv
    out: list[tuple[str, bool]] = []
    if name == "chatml":
        for m in conv:
            if m["role"] == "assistant":
                out += [("<|im_start|>assistant\n", False), (m["content"] + "<|im_end|>", True), ("\n", False)]
            else:
                out.append((f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n", False))
    elif name == "llama3":
        out.append((bos, False))
        for m in conv:
            head = f"<|start_header_id|>{m['role']}<|end_header_id|>\n\n"
            body = m["content"].strip() + "<|eot_id|>"
            out += [(head, False), (body, True)] if m["role"] == "assistant" else [(head + body, False)]
    elif name == "llama2":
        sys_block = f"<<SYS>>\n{system}\n<</SYS>>\n\n" if system is not None else ""
        for k, m in enumerate(turns):
            if m["role"] == "user":
                out.append((f"{bos}[INST] {sys_block if k == 0 else ''}{m['content'].strip()} [/INST]", False))
            else:
                out.append((f" {m['content'].strip()} {eos}", True))
    elif name == "mistral":
        out.append((bos, False))
        sys_text = system + "\n\n" if system is not None else ""
        for k, m in enumerate(turns):
            if m["role"] == "user":
                out.append((f"[INST] {sys_text if k == 0 else ''}{m['content']} [/INST]", False))
            else:
                out.append((f" {m['content']}{eos}", True))
    elif name == "gemma":
        out.append((bos, False))
        sys_text = system + "\n\n" if system is not None else ""
        for k, m in enumerate(turns):
            text = ((sys_text if k == 0 else "") + m["content"]).strip()
            if m["role"] == "assistant":
                out += [("<start_of_turn>model\n", False), (text + "<end_of_turn>", True), ("\n", False)]
            else:
                out.append((f"<start_of_turn>user\n{text}<end_of_turn>\n", False))
    elif name == "alpaca":
        out.append((bos, False))
        for m in conv:
            if m["role"] == "system":
                out.append((m["content"] + "\n\n", False))
            elif m["role"] == "user":
                out.append((f"### Instruction:\n{m['content']}\n\n### Response:\n", False))
            else:
                out += [(m["content"] + eos, True), ("\n\n", False)]
    else:  # plain, zephyr
        out.append((bos, False))
        for m in conv:
            out.append((f"<|{m['role']}|>\n", False))
            out += [(m["content"] + eos, True), ("\n", False)] if m["role"] == "assistant" \
                else [(m["content"] + "\n", False)]
    return out


def spans_of(pieces: list[tuple[str, bool]], last_only: bool) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for text, trained in pieces:
        if trained:
            spans.append((pos, pos + len(text)))
        pos += len(text)
    return spans[-1:] if last_only else spans


@pytest.mark.parametrize("name", sorted(TEMPLATES))
@FAST
@given(conv=conversations(), last_only=st.booleans())
def test_trained_tokens_are_exactly_the_assistant_spans(tokenizer, name, conv, last_only):
    """Every token that lies inside an answer (+ its end-of-turn) is trained, every token outside is
    not, and a token straddling a span's edge is trained iff it starts inside (the renderer's rule)."""
    pieces = layout(name, conv, tokenizer.bos_token, tokenizer.eos_token)
    r = render(tokenizer, conv, name, last_turn_only=last_only)
    assert r.text == "".join(t for t, _ in pieces)
    assert not r.unstable_turns and not r.prompt_mismatch
    spans = spans_of(pieces, last_only)
    enc = tokenizer(r.text, add_special_tokens=False, return_offsets_mapping=True)
    assert r.ids == enc["input_ids"] and len(r.mask) == len(r.ids)
    for tid, (s, e), m in zip(r.ids, enc["offset_mapping"], r.mask):
        if e == s:
            assert m == 0
            continue
        inside = any(a <= s and e <= b for a, b in spans)
        outside = all(e <= a or b <= s for a, b in spans)
        starts_inside = any(a <= s < b for a, b in spans)
        want = 1 if inside else 0 if outside else int(starts_inside)
        assert m == want, (tokenizer.decode([tid]), (s, e), spans, r.text)
    # each answer's end-of-turn marker (its last character) sits in a trained token
    for a, b in spans:
        assert any(m and s < b <= e for (s, e), m in zip(enc["offset_mapping"], r.mask)), (a, b)


# ----------------------------------------------------------------------------- packing

@st.composite
def examples(draw):
    n = draw(st.integers(1, 12))
    lengths = draw(st.lists(st.integers(1, 24), min_size=n, max_size=n))
    ex = []
    for k, n_tok in enumerate(lengths):
        ids = [1000 * (k + 1) + j for j in range(n_tok)]  # every token distinct: a lost or doubled one shows
        mask = draw(st.lists(st.integers(0, 1), min_size=n_tok, max_size=n_tok))
        ex.append((ids, mask))
    return ex, draw(st.integers(4, 40)), draw(st.integers(1, 4))


def documents(batch) -> list[tuple[list[int], list[int]]]:
    """The documents of a packed batch read back from its position ids: a document starts at each 0;
    the tail after a row's last document is padding (all untrained)."""
    docs = []
    for ids, pos, tm in zip(batch.input_ids.tolist(), batch.position_ids.tolist(), batch.target_mask.tolist()):
        starts = [t for t, p in enumerate(pos) if p == 0] + [len(pos)]
        for a, b in zip(starts, starts[1:]):
            assert pos[a:b] == list(range(b - a))
            docs.append((ids[a:b], [int(x) for x in tm[a:b]]))
    return docs


@FAST
@given(data=examples())
def test_packing_keeps_every_example_once_and_whole(data):
    ex, max_len, per_batch = data
    store = Examples()
    for ids, mask in ex:
        store.append(ids, mask)
    rows = index_rows(store, max_len, packing=True)
    flat = sorted(i for row in rows for i in row)
    assert flat == list(range(len(ex)))  # a partition: nothing lost, nothing doubled
    for row in rows:
        assert sum(len(ex[i][0]) for i in row) <= max_len or len(row) == 1
    got, n_units, n_tokens = [], 0, 0
    for b in range(0, len(rows), per_batch):
        batch = collate_rows(store, rows[b:b + per_batch], pad_id=7, packing=True)
        n_units, n_tokens = n_units + batch.n_units, n_tokens + batch.n_tokens
        for ids, mask in documents(batch):
            if ids[0] == 7:  # the padding tail of a row
                assert set(ids) == {7} and not any(mask)
            else:
                got.append((ids, mask))
    assert sorted(got) == sorted((ids, mask) for ids, mask in ex)
    assert n_units == sum(sum(m) for _, m in ex) and n_tokens == sum(len(i) for i, _ in ex)


@FAST
@given(data=examples(), heads=st.sampled_from([1, 2]))
def test_per_document_attention_never_crosses_documents(data, heads):
    """Packed attention equals attention under an explicit mask: a query sees keys of its own document
    at or before it, nothing else (the documents are known here from the examples, not from the layout)."""
    ex, max_len, _ = data
    store = Examples()
    for ids, mask in ex:
        store.append(ids, mask)
    rows = index_rows(store, max_len, packing=True)
    batch = collate_rows(store, rows, pad_id=7, packing=True)
    B, T = batch.input_ids.shape
    doc = torch.full((B, T), -1, dtype=torch.long)  # the example each position holds; -1 = padding
    for b, row in enumerate(rows):
        t = 0
        for i in row:
            doc[b, t:t + len(ex[i][0])] = i
            t += len(ex[i][0])
    g = torch.Generator().manual_seed(len(ex) * 131 + max_len)
    q, k, v = (torch.randn(B, heads, T, 8, generator=g, dtype=torch.float64) for _ in range(3))
    layout = doc_layout(batch.position_ids)
    out, _ = _docs_attention(SimpleNamespace(training=False), q, k, v, None, posttrain_docs=layout)
    same = doc[:, :, None] == doc[:, None, :]
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    allowed = same & causal & (doc[:, :, None] >= 0)
    scores = (q @ k.transpose(-1, -2)) * 8 ** -0.5
    scores = scores.masked_fill(~allowed[:, None], float("-inf"))
    want = torch.nan_to_num(scores.softmax(-1)) @ v  # (B, H, T, d)
    real = doc >= 0
    assert torch.allclose(out[real], want.transpose(1, 2)[real], atol=1e-9)  # out is (B, T, H, d)
    # and the layout itself: every slot of a document holds positions of one example, scatter inverts gather
    flat = doc.reshape(-1)
    assert all(flat[slots].unique().numel() == 1 for slots in layout.gather)
    assert torch.equal(layout.gather.reshape(-1)[layout.scatter], torch.arange(B * T))


# ----------------------------------------------------------------------------- readers

def verdict(group: str, row, controls) -> oracle.Reject | oracle.Accept:
    try:
        value = CONVERTERS[group](row, "f.jsonl:3")
        check_control(row, "f.jsonl:3", _control_pattern(controls))
    except DataError as e:
        assert "f.jsonl:3" in str(e) and "\n" not in str(e), str(e)
        return oracle.Reject(str(e))
    return oracle.Accept(value)


@pytest.mark.parametrize("group", sorted(oracle.GROUPS))
@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_record_is_accepted_iff_valid(tokenizer, group, data):
    """The loader's verdict is the oracle's, and an accepted record is exactly what the oracle built."""
    row = data.draw(records(group), label="row")
    controls = control_strings(tokenizer)
    want, got = oracle.expect(group, row, controls), verdict(group, row, controls)
    assert type(got) is type(want), (row, want, got)
    if isinstance(want, oracle.Accept):
        assert got.value == want.value, row


EDGES = [{"system": "\ud800", "question": "Q?", "answer": "A."},  # text that reaches the template
         {"system": "\udcff", "prompt": "Q?", "chosen": "A.", "rejected": "B.", "completion": "A.", "label": 1},
         {"system": 7, "prompt": "Q?", "completion": "A.", "label": "False"},  # a non-string system is ignored
         {"prompt": "Q?", "completion": "A.", "label": 1.0},  # 1.0 is not a label
         {"messages": [{"role": "user", "content": "Q?"}, {"role": "assistant"}]}]  # no content


@pytest.mark.parametrize("group", sorted(oracle.GROUPS))
@pytest.mark.parametrize("row", EDGES)
def test_edge_records_follow_the_oracle(tokenizer, group, row):
    controls = control_strings(tokenizer)
    want, got = oracle.expect(group, row, controls), verdict(group, row, controls)
    assert type(got) is type(want) and (isinstance(want, oracle.Reject) or got.value == want.value), (want, got)


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(row=records("sft"), name=st.sampled_from(["chatml", "plain", "gemma", "llama2"]))
def test_an_accepted_sft_record_trains(tokenizer, row, name):
    """What is accepted must train: its rendering has trained tokens (the answer's end-of-turn at least)."""
    want = oracle.expect("sft", row, control_strings(tokenizer))
    assume(isinstance(want, oracle.Accept))
    (ex,) = render_all(tokenizer, [want.value], name, 4096, quiet=True)
    assert ex.mask.count(1) >= 1


@pytest.mark.parametrize("group", ["sft", "pair"])
@FAST
@given(body=st.lists(lines, min_size=1, max_size=6))
def test_a_jsonl_file_yields_exactly_its_valid_lines(tokenizer, tmp_path_factory, group, body):
    path = tmp_path_factory.mktemp("jsonl") / "d.jsonl"
    data = b"\n".join(body) + b"\n"
    path.write_bytes(data)
    controls = control_strings(tokenizer)
    want = oracle.expect_jsonl(data, group, controls)
    valid = [v.value for _, v in want if isinstance(v, oracle.Accept)]
    bad = [n for n, v in want if isinstance(v, oracle.Reject)]
    if valid:
        assert list(iter_rows(str(path), CONVERTERS[group], True, forbid=controls)) == valid
    else:
        with pytest.raises(DataError, match="no usable"):
            list(iter_rows(str(path), CONVERTERS[group], True, forbid=controls))
    if bad:
        with pytest.raises(DataError, match=rf"d\.jsonl:{bad[0]}: "):
            list(iter_rows(str(path), CONVERTERS[group], False, forbid=controls))
    elif valid:
        assert list(iter_rows(str(path), CONVERTERS[group], False, forbid=controls)) == valid


# ----------------------------------------------------------------------------- label files

label_text = st.text(st.characters(codec="utf-8"), max_size=12)  # any text: \u2028, \x85, \r, emoji, ...
label_rows = st.lists(st.fixed_dictionaries({"prompt": label_text, "chosen": label_text, "n": st.integers()}),
                      min_size=1, max_size=3)
events = st.lists(st.one_of(
    st.tuples(st.just("append"), st.sampled_from(["pairs", "unpaired"]), label_rows),
    st.tuples(st.just("fail"), st.sampled_from(["pairs", "unpaired"]), label_rows, st.floats(0, 1)),
    st.tuples(st.just("kill"), st.sampled_from(["pairs", "unpaired"]), label_rows, st.floats(0, 1))), max_size=8)


def _failing_write(after: int):
    """os.write that writes `after` bytes, then fails as a full disk does."""
    real, left = os.write, [after]

    def write(fd, data):
        if left[0] <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        n = real(fd, bytes(data[:left[0]]))
        left[0] -= n
        return n
    return write


@FAST
@given(script=events)
def test_no_acknowledged_label_is_lost(tmp_path_factory, script):
    """Appends that return are acknowledged. A write that fails part way (disk full) raises and is not
    acknowledged; a kill mid-write leaves a torn tail that reopening the folder cuts. Whatever happens,
    every acknowledged row reads back, in order, and every line of each file is one JSON row (what
    `posttrain dpo` / `kto` read)."""
    folder = tmp_path_factory.mktemp("labels")
    store, acked = LabelStore(folder), {"pairs": [], "unpaired": []}
    for ev in script:
        kind, name, rows = ev[:3]
        if kind == "append":
            store.append(name, rows)
            acked[name] += rows
        elif kind == "fail":
            size = len("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode())
            with mock.patch("os.write", _failing_write(int(ev[3] * (size - 1)))), pytest.raises(OSError):
                store.append(name, rows)
        else:  # killed mid-write: a prefix of the line(s) reaches the disk, then the folder is reopened
            data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
            with open(store.path(name), "ab") as f:
                f.write(data[:int(ev[3] * (len(data) - 1))])
            store = LabelStore(folder)
            complete = data[:int(ev[3] * (len(data) - 1))].count(b"\n")
            acked[name] += rows[:complete]  # whole lines of the torn write survive: harmless, readable rows
    for name, rows in acked.items():
        assert store.read(name) == rows
        path = store.path(name)
        if path.exists():
            raw = path.read_bytes()
            assert raw == b"" or raw.endswith(b"\n")
            assert [json.loads(line) for line in raw.split(b"\n")[:-1]] == rows
