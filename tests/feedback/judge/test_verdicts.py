"""Reading verdicts out of judges' free text, position-swap debiasing, bootstrap win rates."""

from __future__ import annotations

import pytest

from posttrain.feedback.judge.run import judge_pairs
from posttrain.feedback.judge.verdicts import (
    Verdict,
    combine,
    combine_mean,
    parse_pairwise,
    parse_rating,
    read_pairwise,
    swap,
    win_rate,
)


@pytest.mark.parametrize("text, verdict", [
    ("Answer A is correct. [[A]]", "A"),
    ("A says 4, B says 5; B is right.\n[[B]]", "B"),
    ("Both are fine. [[C]]", "tie"),
    ("First I thought [[A]], but on reflection [[B]]", "B"),  # the last stated verdict counts
    ("Verdict: B", "B"),
    ("The better answer is **A**.", "A"),
    ("winner = tie", "tie"),
    ("B", "B"),
    ("  a. ", "A"),
    ("", None), (None, None), ("   \n", None),
    ("Both answers discuss Paris at length.", None),
    ("\ufffd\x13 qu\ufffd capital", None),
])
def test_parse_pairwise(text, verdict):
    assert parse_pairwise(text) == verdict


def test_parse_rating():
    assert parse_rating("Solid answer. Rating: [[7]]") == 7.0
    assert parse_rating("rating: 8.5") == 8.5
    assert parse_rating("Rating: [[42]]") is None  # out of range
    assert parse_rating("no idea") is None and parse_rating(None) is None


def test_combine_and_swap():
    assert swap("A") == "B" and swap("tie") == "tie" and swap(None) is None
    assert combine("A", "A") == ("A", "consistent")
    assert combine("A", "B") == ("tie", "inconsistent")
    assert combine(None, "A") == ("tie", "unparsable")


def test_win_rate_bootstrap():
    assert win_rate(["A"] * 10) == {"wins": 10, "losses": 0, "ties": 0, "n": 10, "win_rate": 1.0, "ci95": [1.0, 1.0]}
    w = win_rate(["A", "B", "tie", "tie"] * 25)
    assert w["win_rate"] == 0.5 and w["ci95"][0] < 0.5 < w["ci95"][1] and w["ci95"][1] - w["ci95"][0] < 0.25
    assert win_rate([])["win_rate"] is None


ROWS = [{"prompt": f"What is {i} plus 1?", "a": f"{i + 1}, right", "b": f"{i + 2}, wrong", "model_a": "x", "model_b": "y"}
        for i in range(6)]


def test_position_swap_turns_a_position_biased_judge_into_ties():
    always_first = lambda jobs: [read_pairwise("After careful thought: [[A]]")] * len(jobs)  # noqa: E731
    judged, s = judge_pairs(always_first, ROWS)
    assert [r["outcome"] for r in judged] == ["tie"] * 6
    assert (s["decided"], s["ties"], s["inconsistent"], s["unparsable"]) == (0, 6, 6, 0)
    assert s["win_rate"] == 0.5


def test_a_content_judge_decides_and_keeps_both_verdicts():
    def fair(jobs):  # the answer marked right wins, whichever position it is in
        return [read_pairwise(f"reasoning ... [[{'A' if 'right' in a else 'B'}]]") for _, a, _ in jobs]

    judged, s = judge_pairs(fair, ROWS)
    assert [r["outcome"] for r in judged] == ["A"] * 6 and s["decided"] == 6 and s["win_rate"] == 1.0
    assert judged[0]["verdicts"] == ["A", "A"] and all("reasoning" in t for t in judged[0]["reasoning"])


def test_garbage_empty_and_failed_judgements_are_counted_not_fatal():
    replies = iter(["[[A]]", "", None, "\x00garbage\ufffd", "[[B]]", "[[A]]"] * 2)
    judged, s = judge_pairs(lambda jobs: [read_pairwise(next(replies)) for _ in jobs], ROWS)
    assert s["pairs"] == 6 and s["judge_errors"] == 2 and s["unparsable"] >= 3
    assert s["decided"] + s["ties"] == 6


def odds(p_a: float, p_b: float) -> Verdict:
    return Verdict("A" if p_a > p_b else "B" if p_b > p_a else "tie", p_a, p_b, text="odds")


def test_mean_rule_cancels_a_constant_position_preference():
    biased = odds(0.8, 0.2)
    assert combine_mean(biased, biased) == ("tie", "within_margin", 0.5)  # prefers position A in both orders
    outcome, why, p = combine_mean(odds(0.7, 0.3), odds(0.4, 0.6))
    assert (outcome, why) == ("A", "mean") and abs(p - 0.65) < 1e-9  # (0.7 + 0.6) / 2
    assert combine_mean(odds(0.55, 0.45), odds(0.5, 0.5), margin=0.05)[0] == "tie"
    assert combine_mean(read_pairwise("garbage"), biased) == ("tie", "unparsable", None)  # no probabilities


def test_a_failed_judgement_is_a_judge_error_and_unparsable():
    assert read_pairwise(None).failed and not read_pairwise("").failed
    judged, s = judge_pairs(lambda jobs: [Verdict()] + [Verdict("A", text="x")] * (len(jobs) - 1), ROWS)
    assert s["judge_errors"] == 1 and s["unparsable"] == 1 and judged[0]["reasoning"] == [None, "x"]


def longer_wins(jobs):
    """A stand-in judge that always prefers the longer answer, wherever it is shown."""
    return [Verdict("A" if len(a) > len(b) else "B", text=f"{len(a)} vs {len(b)}") for _, a, b in jobs]


def test_orientation_the_longer_answer_wins_in_both_presentation_orders():
    rows = [{"prompt": "q1", "a": "a long answer", "b": "short", "model_a": "m1", "model_b": "m2"},
            {"prompt": "q2", "a": "short", "b": "a long answer", "model_a": "m1", "model_b": "m2"}]
    judged, s = judge_pairs(longer_wins, rows)
    assert [r["outcome"] for r in judged] == ["A", "B"] and s["decided"] == 2 and s["inconsistent"] == 0
    assert judged[0]["verdicts"] == ["A", "A"] and judged[1]["verdicts"] == ["B", "B"]  # both read as a-vs-b
    assert judged[1]["reasoning"] == ["5 vs 13", "13 vs 5"]  # (a, b) first, then (b, a)
