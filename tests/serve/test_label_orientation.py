"""Orientation of the page's label files: a verdict for a side writes that side's answer (and its
configuration) as `chosen` whichever position it was shown in; a thumbs down is an undesirable KTO row,
a thumbs up a desirable one; "both bad" writes each answer as an undesirable row under its own
configuration. The rater is a stand-in with a known right answer: the longer answer is better.

The rows are read back as `dpo` / `kto` read them (`to_pair`, `to_unpaired`), and the page's API is
driven once with the blind shuffle pinned to each order (two stand-in models that always answer long
and short)."""

from __future__ import annotations

import itertools
import json
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

import posttrain.serve.page_routes as page_routes
from posttrain.core.tokenizer import train_tokenizer
from posttrain.data.chat import resolve_template
from posttrain.data.formats import load_rows
from posttrain.data.preference import to_pair, to_unpaired
from posttrain.infer.batcher import Completion
from posttrain.serve.app import Served, build_app
from posttrain.serve.labels import Item, LabelStore, Shown, thumb_row, verdict_rows
from posttrain.serve.protocol import Limits

Q = [{"role": "user", "content": "What is 3 plus 4?"}]
LONG, SHORT = "3 plus 4 is 7, since 3 + 4 = 7.", "eight"
SETTINGS = {"temperature": 1.0, "top_p": 1.0, "max_tokens": 8, "seed": None}


def item(long_shown_as: str) -> Item:
    """A comparison whose long answer (model "long") is shown as `long_shown_as`, the short one (model
    "short") in the other position."""
    sides = {"long": Shown("long", "long (T=1)", SETTINGS, LONG),
             "short": Shown("short", "short (T=1)", SETTINGS, SHORT)}
    other = "B" if long_shown_as == "A" else "A"
    return Item(f"item-{long_shown_as}", Q, {long_shown_as: sides["long"], other: sides["short"]})


def longer(it: Item) -> str:
    """The stand-in rater: the letter of the longer answer shown."""
    return "A" if len(it.shown["A"].text) > len(it.shown["B"].text) else "B"


@pytest.mark.parametrize("long_shown_as", ["A", "B"])
def test_a_verdict_writes_the_chosen_sides_answer_and_configuration_in_both_orders(long_shown_as, tmp_path):
    it = item(long_shown_as)
    verdict = longer(it)
    assert verdict == long_shown_as
    (row,) = verdict_rows(it, verdict, "ann", {}, "t")
    assert (row.chosen, row.rejected) == (LONG, SHORT)
    assert (row.chosen_model, row.rejected_model) == ("long (T=1)", "short (T=1)")
    assert row.judgement.verdict == verdict and row.judgement.shown[verdict]["config"] == "long (T=1)"
    store = LabelStore(tmp_path)
    store.save([row])
    (read,) = load_rows(str(store.path("pairs")), to_pair)  # as `dpo` / `rm` read it
    assert read.chosen[-1]["content"] == LONG and read.rejected[-1]["content"] == SHORT and read.prompt == Q


def test_thumbs_up_is_desirable_and_thumbs_down_undesirable(tmp_path):
    chat = Q + [{"role": "assistant", "content": "7"}, {"role": "user", "content": "And 3 plus 5?"},
                {"role": "assistant", "content": "9"}]
    up, down = (thumb_row(chat, label, "m", {}, "ann", "t") for label in (True, False))
    assert (up.label, down.label) == (True, False)
    assert up.completion == down.completion == "9" and up.prompt == chat[:-1]  # the last answer is rated
    store = LabelStore(tmp_path)
    store.save([up, down])
    read = load_rows(str(store.path("unpaired")), to_unpaired)  # as `kto` reads it
    assert [(u.label, u.completion[-1]["content"]) for u in read] == [(True, "9"), (False, "9")]


@pytest.mark.parametrize("long_shown_as", ["A", "B"])
def test_both_bad_writes_each_answer_as_undesirable_under_its_own_configuration(long_shown_as, tmp_path):
    it = item(long_shown_as)
    tie, *bad = verdict_rows(it, "both_bad", "ann", {}, "t")
    assert (tie.file, tie.A, tie.B) == ("ties", it.shown["A"].text, it.shown["B"].text)
    assert sorted((r.completion, r.model, r.label) for r in bad) == sorted([(LONG, "long (T=1)", False),
                                                                            (SHORT, "short (T=1)", False)])
    store = LabelStore(tmp_path)
    store.save([tie, *bad])
    read = load_rows(str(store.path("unpaired")), to_unpaired)
    assert sorted((u.completion[-1]["content"], u.label) for u in read) == sorted([(SHORT, False), (LONG, False)])


class Fixed:
    """A stand-in batcher answering every prompt with one fixed text, at once."""

    max_context = 500

    def __init__(self, text):
        self.text = text

    def submit(self, prompt, sampling, emit):
        for c in range(sampling.n):
            emit(("delta", c, self.text))
            emit(("done", c, Completion([1] * len(self.text), self.text, "stop")))
        return SimpleNamespace(done=True, cancel=lambda: None)


@pytest.fixture()
def page(tmp_path, monkeypatch):
    tok = train_tokenizer([LONG + SHORT], vocab_size=300)
    template = resolve_template(tok, "chatml")
    served = {name: Served(name, "-", tok, template, Fixed(text)) for name, text in (("long", LONG), ("short", SHORT))}
    flips = itertools.cycle([0, 1])  # the blind shuffle, pinned: as asked, then reversed, then as asked ...
    monkeypatch.setattr(page_routes, "secrets", SimpleNamespace(randbelow=lambda n: next(flips)))
    labels = LabelStore(tmp_path / "labels")
    with TestClient(build_app(served, labels, limits=Limits(max_tokens=64)), raise_server_exceptions=False) as c:
        yield c, labels


def test_the_page_writes_the_preferred_answer_as_chosen_whichever_side_showed_it(page):
    client, labels = page
    sides = [{"model": m, "temperature": 1.0, "max_tokens": 8} for m in ("short", "long")]
    positions = []
    for _ in range(2):
        shown = client.post("/ui/api/pair", json={"messages": Q, "sides": sides}).json()
        verdict = "A" if len(shown["A"]) > len(shown["B"]) else "B"
        positions.append(verdict)
        assert client.post("/ui/api/label", json={"item": shown["item"], "verdict": verdict}).status_code == 200
    assert sorted(positions) == ["A", "B"]  # the long answer was shown in each position once
    rows = labels.read("pairs")
    assert [(r["chosen"], r["rejected"]) for r in rows] == [(LONG, SHORT)] * 2
    assert all(r["chosen_model"].startswith("long (") and r["rejected_model"].startswith("short (") for r in rows)
    assert [r["shown"][r["verdict"]]["model"] for r in rows] == ["long", "long"]
    chat = Q + [{"role": "assistant", "content": SHORT}]
    for label in (False, True):
        r = client.post("/ui/api/feedback", json={"model": "short", "messages": chat, "label": label})
        assert r.status_code == 200
    assert [(r["completion"], r["label"]) for r in labels.read("unpaired")] == [(SHORT, False), (SHORT, True)]
    assert json.loads(client.get("/ui/api/review").text)["thumbs"] == {"up": 1, "down": 1}
