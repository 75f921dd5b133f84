"""Labels from the page's API: the files stages read, durability, win rates and agreement."""

from __future__ import annotations

import json

import httpx
import pytest

from posttrain.commands.cli import main
from posttrain.data.formats import load_rows
from posttrain.data.preference import to_pair, to_unpaired
from posttrain.serve.labels import LabelStore, agreement, win_rates

Q = [{"role": "user", "content": "What is 3 plus 4?"}]
SIDES = [{"model": "tiny", "temperature": 1.0, "max_tokens": 8}, {"model": "tiny-b", "temperature": 1.0, "max_tokens": 8}]


def pair(live, **kw):
    """An item whose two answers are not blank (the tiny random model sometimes stops at once)."""
    for _ in range(20):
        r = httpx.post(live.url + "/ui/api/pair", json={"messages": Q, "sides": SIDES, **kw}, timeout=60)
        assert r.status_code == 200, r.text
        if r.json()["A"].strip() and r.json()["B"].strip():
            return r.json()
    raise AssertionError("20 pairs with a blank answer")


def label(live, item, verdict, rater="ann", **kw):
    return httpx.post(live.url + "/ui/api/label", json={"item": item, "verdict": verdict, "rater": rater, **kw}, timeout=60)


def test_win_rates_count_ties_half_and_agreement_counts_rater_pairs():
    rows = [{"A": "x", "B": "y", "outcome": "x", "item": "1", "rater": "a"},
            {"A": "y", "B": "x", "outcome": "x", "item": "1", "rater": "b"},
            {"A": "x", "B": "y", "outcome": "tie", "item": "2", "rater": "a"},
            {"A": "x", "B": "y", "outcome": "y", "item": "2", "rater": "b"}]
    (w,) = win_rates(rows)
    assert (w.first, w.result.wins, w.result.losses, w.result.ties, w.result.n) == ("x", 2, 1, 1, 4)
    assert w.result.rate == pytest.approx(2.5 / 4)
    assert agreement(rows).to_dict() == {"items": 2, "rater_pairs": 2, "agreement": 0.5}


def test_label_files_are_what_dpo_rm_and_kto_read(live, tmp_path, tiny_dir):
    item = pair(live)
    assert set(item) == {"item", "A", "B"}
    assert label(live, item["item"], "A", ratings={"A": {"helpfulness": 4}, "B": {"clarity": 2}}).json() == \
        {"saved": True, "files": ["pairs"]}
    assert label(live, item["item"], "B", rater="bob").status_code == 200  # a second rater, same item
    t = pair(live)
    assert label(live, t["item"], "tie").json()["files"] == ["ties"]
    bb = pair(live)
    assert label(live, bb["item"], "both_bad").json()["files"] == ["ties", "unpaired"]
    chat = Q + [{"role": "assistant", "content": "7"}]
    r = httpx.post(live.url + "/ui/api/feedback", json={"model": "tiny", "messages": chat, "label": True, "rater": "ann"})
    assert r.json() == {"saved": True, "files": ["unpaired"]}

    store = live.labels
    rows = store.read("pairs")
    assert [(r["rater"], r["verdict"]) for r in rows] == [("ann", "A"), ("bob", "B")]
    assert rows[0]["chosen"] == item["A"] and rows[0]["rejected"] == item["B"]
    assert rows[0]["ratings"] == {"A": {"helpfulness": 4}, "B": {"clarity": 2}}
    assert {rows[0]["shown"]["A"]["model"], rows[0]["shown"]["B"]["model"]} == {"tiny", "tiny-b"}
    assert rows[0]["shown"]["A"]["settings"]["temperature"] in (0.0, 1.0) and rows[0]["time"]
    pairs = load_rows(str(store.path("pairs")), to_pair)
    assert len(pairs) == 2 and pairs[0].prompt == Q
    unpaired = load_rows(str(store.path("unpaired")), to_unpaired)
    assert [u.label for u in unpaired] == [False, False, True]

    rv = httpx.get(live.url + "/ui/api/review").json()
    assert len(rv["comparisons"]) == 4 and rv["thumbs"] == {"up": 1, "down": 0}
    (w,) = rv["win_rates"]
    assert w["n"] == 4 and w["ties"] == 2 and w["wins"] + w["losses"] == 2
    assert rv["agreement"] == {"items": 1, "rater_pairs": 1, "agreement": 0.0}
    exported = httpx.get(live.url + "/ui/api/export/pairs")
    assert exported.status_code == 200 and exported.content == store.path("pairs").read_bytes()
    assert httpx.get(live.url + "/ui/api/export/..%2F..%2Fetc%2Fpasswd").status_code == 404

    common = [f"model={tiny_dir}", "max_len=64", "batch_size=1", "max_steps=1", "dtype=fp32", "progress=false"]
    assert main(["dpo", *common, f"data={store.path('pairs')}", f"output_dir={tmp_path / 'dpo'}"]) == 0
    assert main(["kto", *common, f"data={store.path('unpaired')}", f"output_dir={tmp_path / 'kto'}"]) == 0


def test_bad_label_requests_are_4xx(live):
    item = pair(live)
    assert label(live, "item-nope", "A").status_code == 404
    assert label(live, item["item"], "C").status_code == 400
    assert label(live, item["item"], "A", ratings={"A": {"helpfulness": 9}}).status_code == 400
    assert label(live, item["item"], "A", rater="x" * 100).status_code == 400
    bad = httpx.post(live.url + "/ui/api/pair", json={"messages": Q, "sides": [SIDES[0]]})
    assert bad.status_code == 400 and "sides" in bad.json()["error"]["message"]
    assert httpx.post(live.url + "/ui/api/feedback", json={"model": "tiny", "messages": Q, "label": True}).status_code == 400
    assert httpx.post(live.url + "/ui/api/feedback", json={"model": "nope", "label": True,
                                                           "messages": Q + [{"role": "assistant", "content": "x"}]}).status_code == 404
    assert not live.labels.path("pairs").exists()  # nothing was written by the bad requests


def test_an_empty_answer_is_refused_as_half_of_a_pair(live):
    greedy = [{"model": "tiny", "temperature": 0.0, "max_tokens": 6}] * 2  # the tiny model's greedy answer is blank
    item = httpx.post(live.url + "/ui/api/pair", json={"messages": Q, "sides": greedy}, timeout=60).json()
    assert not item["A"].strip() and not item["B"].strip()
    r = label(live, item["item"], "A")
    assert r.status_code == 400 and "empty answer" in r.json()["error"]["message"]
    assert label(live, item["item"], "both_bad").json()["files"] == ["ties"]  # no blank KTO rows
    assert not live.labels.path("pairs").exists() and not live.labels.path("unpaired").exists()


def test_next_offers_an_item_labelled_by_someone_else(live):
    item = pair(live)
    assert httpx.get(live.url + "/ui/api/next", params={"rater": "bob"}).json()["item"] is None  # nobody labelled it yet
    label(live, item["item"], "A", rater="ann")
    assert httpx.get(live.url + "/ui/api/next", params={"rater": "ann"}).json()["item"] is None
    offered = httpx.get(live.url + "/ui/api/next", params={"rater": "bob"}).json()
    assert offered["item"] == item["item"] and offered["A"] == item["A"]


def test_a_torn_last_line_is_cut_when_the_folder_is_opened(tmp_path):
    store = LabelStore(tmp_path)
    store.append("pairs", [{"prompt": "p", "chosen": "a", "rejected": "b"}])
    with open(store.path("pairs"), "ab") as f:
        f.write(b'{"prompt": "half a li')
    store = LabelStore(tmp_path)
    assert store.path("pairs").read_bytes().endswith(b"}\n")
    assert [json.loads(line) for line in store.path("pairs").read_text().splitlines()] == \
        [{"prompt": "p", "chosen": "a", "rejected": "b"}]
