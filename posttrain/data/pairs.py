"""Preference examples as token ids, and batches that compute a shared prompt once.

A `Triple` is a prompt with two continuations: chosen/rejected for DPO-style losses, or a
completion and a mismatched "KL" completion for KTO. Both continuations are rendered through the
one chat renderer (`posttrain.data.chat.render`) as full conversations; the prompt is their common
token prefix, and only the continuations' assistant tokens count.

With prefix sharing a row holds `[prompt | first | second]`: the second continuation's position
ids restart where the prompt ends, and the attention layout (posttrain.nn.attention) gives it the
prompt and itself, not the first continuation. The prompt's tokens go through the model once for
both. Without sharing the row holds `[prompt | first]` and `[prompt | second]` as two documents.
Either way `pred_index` lists the hidden state that predicts each counted token: the first token
of each continuation is predicted from the prompt's last token.
"""

from __future__ import annotations

import sys
from array import array
from dataclasses import dataclass, field

import torch

from posttrain.nn.attention import DocLayout
from posttrain.data.chat import render, resolve_template
from posttrain.data.batches import PairBatch
from posttrain.data.batching import pack_lengths


class Triple:
    """prompt + first + second token ids, and the masks of the two continuations.

    Stored compactly (one int32 array for the ids, one byte string for both masks, ~5 bytes a token
    against ~44 as lists), so a million pairs fit in memory; the fields read back as lists."""

    __slots__ = ("_a", "_ids", "_mask", "_p", "index", "label", "ref")

    def __init__(self, prompt, first, first_mask, second, second_mask, label: bool = True, index: int = 0,
                 ref: tuple[float, float] | None = None):
        self._ids = array("i", prompt)
        self._ids.extend(first)
        self._ids.extend(second)
        self._mask = bytes(first_mask) + bytes(second_mask)
        self._p, self._a = len(prompt), len(first)
        self.label = label          # KTO: whether `first` is desirable
        self.index = index          # position in the dataset (reference log-probs are stored by it)
        self.ref = ref              # precomputed reference log-probs of (first, second)

    prompt = property(lambda self: self._ids[:self._p].tolist())
    first = property(lambda self: self._ids[self._p:self._p + self._a].tolist())
    second = property(lambda self: self._ids[self._p + self._a:].tolist())
    first_mask = property(lambda self: list(self._mask[:self._a]))
    second_mask = property(lambda self: list(self._mask[self._a:]))

    def size(self, shared: bool) -> int:
        return len(self._ids) + (0 if shared else self._p)


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def render_triple(tokenizer, prompt: list[dict], first: list[dict], second: list[dict], template: str,
                  max_len: int) -> Triple | None:
    """Render prompt+first and prompt+second (each cut to max_len); None if no answer token is left."""
    a = render(tokenizer, prompt + first, template, max_len)
    b = render(tokenizer, prompt + second, template, max_len)
    p = _common_prefix(a.ids, b.ids)
    while p and a.mask[p - 1] and b.mask[p - 1]:  # answers that begin alike: their common start still counts
        p -= 1
    # `render` also marks assistant turns inside a multi-turn prompt; only the continuations count
    ma, mb = a.mask[p:], b.mask[p:]
    if p == 0 or not any(ma) or not any(mb):
        return None
    return Triple(a.ids[:p], a.ids[p:], ma, b.ids[p:], mb)


def render_pairs(tokenizer, pairs, template: str | None, max_len: int, quiet: bool = False) -> list[Triple]:
    template = resolve_template(tokenizer, template)
    out, dropped = [], 0
    for i, pr in enumerate(pairs):
        t = render_triple(tokenizer, pr.prompt, pr.chosen, pr.rejected, template, max_len)
        if t is None:
            dropped += 1
            continue
        t.index = i
        out.append(t)
    _report(out, dropped, max_len, "pairs", quiet)
    return out


def render_unpaired(tokenizer, examples, template: str | None, max_len: int, quiet: bool = False) -> list[Triple]:
    """KTO: each example's completion, plus the next example's completion under its prompt (the
    mismatched pair that estimates the KL reference point, as in the KTO paper and TRL); the last
    takes the first's. `examples` may be a stream: only one example is held back."""
    template = resolve_template(tokenizer, template)
    out, dropped = [], 0

    def add(ex, other, i):
        nonlocal dropped
        t = render_triple(tokenizer, ex.prompt, ex.completion, other, template, max_len)
        if t is None:
            dropped += 1
            return
        t.label, t.index = ex.label, i
        out.append(t)

    stream = iter(examples)
    head = prev = next(stream, None)
    i = 0
    for ex in stream:
        add(prev, ex.completion, i)
        prev, i = ex, i + 1
    if head is not None:
        add(prev, head.completion, i)
    _report(out, dropped, max_len, "examples", quiet)
    return out


def _report(out, dropped, max_len, what, quiet):
    if dropped and not quiet:
        print(f"[posttrain] dropped {dropped} {what} whose prompt leaves no answer token within max_len={max_len}",
              file=sys.stderr)
    if not out:
        raise ValueError(f"no usable {what}: every prompt is longer than max_len={max_len}")


def make_pair_rows(items: list[Triple], row_len: int, shared: bool, packing: bool = True) -> list[list[Triple]]:
    """The units the loop batches: rows of whole triples packed into row_len tokens (first-fit
    decreasing; a triple longer than row_len gets a row of its own), or one triple per row."""
    if not packing:
        return [[t] for t in items]
    sizes = [t.size(shared) for t in items]
    return [[items[i] for i in row] for row in pack_lengths(sizes, max(row_len, max(sizes)))]


@dataclass
class _PairLayout:
    """What `collate_pairs` accumulates while it lays triples into rows."""

    docs: list = field(default_factory=list)
    pred: list = field(default_factory=list)
    targets: list = field(default_factory=list)
    seq: list = field(default_factory=list)
    last: list = field(default_factory=list)
    k: int = 0  # triple counter in the batch: sequences 2k (first) and 2k+1 (second)


def _place(tr: Triple, ids, pos, b: int, base: int, t: int, shared: bool, lay: _PairLayout):
    """Write one triple at column t of row b; (positions of each continuation, their predecessors, new t)."""
    p, la, lb = len(tr.prompt), len(tr.first), len(tr.second)
    if shared:
        seg = tr.prompt + tr.first + tr.second
        ids[b, t:t + len(seg)] = torch.tensor(seg)
        pos[b, t:t + p + la] = torch.arange(p + la)
        pos[b, t + p + la:t + p + la + lb] = torch.arange(p, p + lb)
        prompt_idx = list(range(base + t, base + t + p))
        a_idx = list(range(base + t + p, base + t + p + la))
        b_idx = list(range(base + t + p + la, base + t + p + la + lb))
        lay.docs += [prompt_idx + a_idx, prompt_idx + b_idx]
        return a_idx, b_idx, base + t + p - 1, base + t + p - 1, t + p + la + lb
    for cont in (tr.first, tr.second):
        seg = tr.prompt + cont
        ids[b, t:t + len(seg)] = torch.tensor(seg)
        pos[b, t:t + len(seg)] = torch.arange(len(seg))
        lay.docs.append(list(range(base + t, base + t + len(seg))))
        t += len(seg)
    return lay.docs[-2][p:], lay.docs[-1][p:], lay.docs[-2][p - 1], lay.docs[-1][p - 1], t


def _count(tr: Triple, placed, pad_id: int, lay: _PairLayout) -> None:
    """Record each continuation's counted tokens, their predictors and its last real token."""
    a_idx, b_idx, a_prev, b_prev, _ = placed
    for s, (idx, prev, toks, mask) in enumerate(((a_idx, a_prev, tr.first, tr.first_mask),
                                                  (b_idx, b_prev, tr.second, tr.second_mask))):
        # a reward model reads the last token that is not padding (the rule transformers uses)
        real = [j for j, tok in enumerate(toks) if tok != pad_id]
        lay.last.append(idx[real[-1]] if real else prev)
        for j, (tok, m) in enumerate(zip(toks, mask)):
            if m:
                lay.pred.append(prev if j == 0 else idx[j - 1])
                lay.targets.append(tok)
                lay.seq.append(2 * lay.k + s)


def collate_pairs(rows: list[list[Triple]], pad_id: int, shared: bool) -> PairBatch:
    """Rows of triples → one batch with the attention layout, the counted tokens and their predictors."""
    T = max(sum(t.size(shared) for t in row) for row in rows)
    B = len(rows)
    ids = torch.full((B, T), pad_id, dtype=torch.long)
    pos = torch.zeros((B, T), dtype=torch.long)
    lay = _PairLayout()
    for b, row in enumerate(rows):
        t = 0
        for tr in row:
            placed = _place(tr, ids, pos, b, b * T, t, shared, lay)
            _count(tr, placed, pad_id, lay)
            t = placed[-1]
            lay.k += 1
        if t < T:  # the row's padding tail: a document of its own
            pos[b, t:] = torch.arange(T - t)
            lay.docs.append(list(range(b * T + t, b * T + T)))
    triples = [tr for row in rows for tr in row]
    refs = [tr.ref if tr.ref is not None else (float("nan"), float("nan")) for tr in triples]
    long = lambda xs: torch.tensor(xs, dtype=torch.long)
    return PairBatch(
        n_units=lay.k, n_tokens=sum(t.size(shared) for t in triples), input_ids=ids, position_ids=pos,
        docs=layout_from_docs(lay.docs, B * T) if shared else None, pred_index=long(lay.pred),
        targets=long(lay.targets), seq_index=long(lay.seq), n_seqs=2 * lay.k, last_index=long(lay.last),
        ref_logps=torch.tensor(refs, dtype=torch.float32).reshape(-1),
        labels=torch.tensor([tr.label for tr in triples], dtype=torch.bool), index=long([tr.index for tr in triples]))


def layout_from_docs(docs: list[list[int]], total: int) -> DocLayout:
    """A DocLayout from explicit documents (lists of flat positions). A position in several documents
    (a shared prompt) takes its output from the first; every position must be in one."""
    L = max(len(d) for d in docs)
    gather = torch.empty((len(docs), L), dtype=torch.long)
    scatter = torch.full((total,), -1, dtype=torch.long)
    for i, d in enumerate(docs):
        dt = torch.tensor(d, dtype=torch.long)
        gather[i, :len(d)] = dt
        gather[i, len(d):] = d[0]
        fresh = scatter[dt] < 0
        scatter[dt[fresh]] = i * L + torch.arange(len(d))[fresh]
    assert bool((scatter >= 0).all()), "every position must belong to a document"
    return DocLayout(gather=gather, scatter=scatter, max_len=L)
