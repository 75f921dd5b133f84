"""The statistics every comparison reports: win rates with ties counted half, Wilson and
percentile-bootstrap intervals, head-to-head duels and rater agreement.

One module so that a win rate means the same thing in the judge's summary, the server's label
review, the benchmark's head-to-head and the report. Values cross module boundaries as `WinRate`
and `Agreement`; `.to_dict()` gives the JSON rows the files and pages have always shown.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

import numpy as np


@dataclass(frozen=True)
class WinRate:
    """Wins, losses and ties of one side; `rate` = (wins + ties / 2) / n, None when n = 0;
    `ci95` a 95% interval of it (Wilson or bootstrap, as the producer says), None when n = 0."""
    wins: int
    losses: int
    ties: int
    rate: float | None
    ci95: tuple[float, float] | None

    @property
    def n(self) -> int:
        return self.wins + self.losses + self.ties

    def to_dict(self) -> dict:
        return {"wins": self.wins, "losses": self.losses, "ties": self.ties, "n": self.n, "win_rate": self.rate,
                "ci95": list(self.ci95) if self.ci95 is not None else None}


@dataclass(frozen=True)
class Agreement:
    """Items labelled by two or more raters, the rater pairs over them, and the share of pairs that agree."""
    items: int
    rater_pairs: int
    rate: float | None

    def to_dict(self) -> dict:
        return {"items": self.items, "rater_pairs": self.rater_pairs, "agreement": self.rate}


@dataclass(frozen=True)
class PairWinRate:
    """Verdicts between two configurations: the win rate of `first` (alphabetically first) over `second`."""
    first: str
    second: str
    result: WinRate

    def to_dict(self) -> dict:
        return {"first": self.first, "second": self.second, **self.result.to_dict()}


def wilson(score: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion score / n (score may hold half wins for ties):

        centre = (p + z²/2n) / (1 + z²/n),  half = z √(p(1-p)/n + z²/4n²) / (1 + z²/n),  p = score / n.

    (0, 1) when n = 0: nothing is known."""
    if n == 0:
        return 0.0, 1.0
    p = score / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def bootstrap(scores: list[float], resamples: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95% percentile-bootstrap interval of the mean of `scores` (resampled with replacement)."""
    x = np.asarray(scores, dtype=float)
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), (resamples, len(x)))].mean(1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return float(lo), float(hi)


def win_rate(wins: int, losses: int, ties: int) -> WinRate:
    """Win rate with ties half and its Wilson interval."""
    n = wins + losses + ties
    if n == 0:
        return WinRate(0, 0, 0, None, None)
    return WinRate(wins, losses, ties, (wins + ties / 2) / n, wilson(wins + ties / 2, n))


def bootstrap_win_rate(outcomes: list[str], resamples: int = 2000, seed: int = 0) -> WinRate:
    """Outcomes 'A' (a win), 'B' (a loss), anything else a tie; the interval is the percentile bootstrap."""
    scores = [{"A": 1.0, "B": 0.0}.get(o, 0.5) for o in outcomes]
    if not scores:
        return WinRate(0, 0, 0, None, None)
    wins, losses = outcomes.count("A"), outcomes.count("B")
    return WinRate(wins, losses, len(scores) - wins - losses, float(np.mean(scores)), bootstrap(scores, resamples, seed))


def duel(new: list[bool], old: list[bool]) -> WinRate:
    """Head to head on the same items: a win is an item `new` gets right and `old` wrong, a loss the
    reverse, a tie both or neither."""
    if len(new) != len(old):
        raise ValueError(f"a duel needs the same items on both sides ({len(new)} vs {len(old)})")
    wins = sum(a and not b for a, b in zip(new, old))
    losses = sum(b and not a for a, b in zip(new, old))
    return win_rate(wins, losses, len(new) - wins - losses)


def pair_win_rates(outcomes: list[tuple[str, str, str]]) -> list[PairWinRate]:
    """Per pair of configurations, from (config shown as A, config shown as B, outcome) triples: wins,
    losses and ties of the alphabetically first, Wilson interval. The outcome names the winning
    configuration; anything else ('tie', 'both bad', or a verdict between two sides of the same
    configuration) is a tie. Which side a configuration was shown on does not matter."""
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for a, b, outcome in outcomes:
        x, y = sorted((a, b))
        tally[(x, y)][0 if outcome == x != y else 1 if outcome == y != x else 2] += 1
    return [PairWinRate(x, y, win_rate(*cell)) for (x, y), cell in sorted(tally.items())]


def agreement(labels: list[tuple[str, str, str]]) -> Agreement:
    """Agreement between raters on the same item, from (item, rater, outcome) triples: the share of
    rater pairs whose outcomes match. A rater's last label of an item counts."""
    by_item: dict[str, dict[str, str]] = defaultdict(dict)
    for item, rater, outcome in labels:
        by_item[item][rater] = outcome
    pairs = agree = items = 0
    for raters in by_item.values():
        if len(raters) < 2:
            continue
        items += 1
        for u, v in combinations(sorted(raters), 2):
            pairs += 1
            agree += raters[u] == raters[v]
    return Agreement(items, pairs, agree / pairs if pairs else None)
