"""The statistics module against hand computations and known answers."""

import numpy as np
import pytest

from posttrain.eval.stats import agreement, bootstrap, bootstrap_win_rate, duel, pair_win_rates, win_rate, wilson


def test_wilson_interval_matches_hand_computation():
    lo, hi = wilson(8, 10)  # p = 0.8, n = 10, z = 1.96: centre 0.7165, half 0.2232 (by hand)
    assert lo == pytest.approx(0.4902, abs=1e-4) and hi == pytest.approx(0.9433, abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)
    lo, hi = wilson(5, 10)  # p = 0.5: symmetric about 0.5, half = 1.96·√(0.025 + 0.0096)/1.384 = 0.2634
    assert lo == pytest.approx(0.5 - 0.2634, abs=1e-4) and hi == pytest.approx(0.5 + 0.2634, abs=1e-4)


def test_win_rate_counts_ties_half():
    w = win_rate(3, 1, 2)  # (3 + 1) / 6
    assert (w.n, w.rate) == (6, pytest.approx(4 / 6))
    assert w.ci95 == wilson(4, 6)
    assert w.to_dict() == {"wins": 3, "losses": 1, "ties": 2, "n": 6, "win_rate": pytest.approx(4 / 6),
                           "ci95": list(wilson(4, 6))}
    assert win_rate(0, 0, 0).rate is None


def test_duel_wins_are_items_only_the_new_side_gets_right():
    new = [True, True, False, False, True]
    old = [False, True, True, False, False]
    w = duel(new, old)  # wins: items 0 and 4; loss: item 2; ties: 1 and 3
    assert (w.wins, w.losses, w.ties, w.rate) == (2, 1, 2, pytest.approx(3 / 5))
    assert duel(old, new).rate == pytest.approx(2 / 5)  # the reverse duel is the complement
    with pytest.raises(ValueError):
        duel([True], [True, False])


def test_bootstrap_interval_of_a_constant_is_the_constant_and_covers_the_mean():
    assert bootstrap([1.0] * 20) == (1.0, 1.0)
    lo, hi = bootstrap([1.0] * 30 + [0.0] * 70, resamples=4000)
    se = np.sqrt(0.3 * 0.7 / 100)  # the normal approximation: 0.3 ± 1.96·0.0458
    assert lo == pytest.approx(0.3 - 1.96 * se, abs=0.03) and hi == pytest.approx(0.3 + 1.96 * se, abs=0.03)


def test_bootstrap_win_rate_orients_a_over_b():
    w = bootstrap_win_rate(["A", "A", "A", "B", "tie"])
    assert (w.wins, w.losses, w.ties, w.rate) == (3, 1, 1, pytest.approx(3.5 / 5))
    assert bootstrap_win_rate(["B", "B", "A", "B", "tie"]).rate == pytest.approx(1.5 / 5)
    assert bootstrap_win_rate([]).rate is None


def test_agreement_counts_rater_pairs_and_a_raters_last_label():
    labels = [("1", "ann", "x"), ("1", "bob", "x"), ("1", "cy", "y"),  # 3 pairs, 1 agrees
              ("2", "ann", "tie"), ("2", "bob", "y"), ("2", "bob", "tie"),  # bob's last: tie → agrees
              ("3", "ann", "x")]  # one rater: not counted
    a = agreement(labels)
    assert (a.items, a.rater_pairs, a.rate) == (2, 4, pytest.approx(2 / 4))
    assert agreement([]).rate is None


def test_pair_win_rates_orient_by_configuration_not_by_side():
    """x beats y shown as A, and again shown as B; a tie; y wins once; x vs x is a tie whatever the verdict.
    Pair (x, y): wins 2, losses 1, ties 1 → (2 + 0.5) / 4. Pair (x, x): one tie."""
    rows = [("x", "y", "x"), ("y", "x", "x"), ("x", "y", "tie"), ("y", "x", "y"), ("x", "x", "x")]
    xx, xy = pair_win_rates(rows)
    assert (xy.first, xy.second, xy.result.wins, xy.result.losses, xy.result.ties) == ("x", "y", 2, 1, 1)
    assert xy.result.rate == pytest.approx(2.5 / 4) and xy.result.ci95 == wilson(2.5, 4)
    assert (xx.first, xx.second, xx.result.ties, xx.result.rate) == ("x", "x", 1, 0.5)
    flipped = pair_win_rates([(b, a, o) for a, b, o in rows])  # the same verdicts, sides swapped: same numbers
    assert [p.to_dict() for p in flipped] == [p.to_dict() for p in (xx, xy)]
