"""Verdicts: the typed judgement every judge gives, reading one out of a judge model's free text,
position-swap debiasing, and win rates with bootstrap intervals.

Judges prefer the first (or the second) position whatever it holds. Every pair is therefore judged
twice, (a, b) and (b, a): when the two verdicts name the same answer it wins; when they disagree
the pair is a tie (the judge preferred a position, not an answer); when either verdict cannot be
read the pair is a tie too, and counted as unparsable.

A judge hands back a `Verdict` per job. Only an LLM judge's reply is text to be read (`read_pairwise`,
`read_rating`: the regexes below); a letter-odds or reward-model judge builds its verdict directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from posttrain.eval.stats import bootstrap_win_rate

_BRACKETED = re.compile(r"\[\[\s*(A|B|C|tie)\s*\]\]", re.IGNORECASE)
_STATED = re.compile(r"(?:verdict|winner|better answer|better)\s*(?:is|:|=)?\s*[\*\"'(]*\s*(?:answer|assistant|response)?\s*"
                     r"([AB]|tie)\b", re.IGNORECASE)
_BARE = re.compile(r"^\W*(A|B|tie)\W*$", re.IGNORECASE)
_RATING = re.compile(r"\[\[\s*(\d+(?:\.\d+)?)\s*\]\]|rating\s*[:=]?\s*(\d+(?:\.\d+)?)", re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    """One judgement of one job. Pairwise: `winner` of the two answers in the order shown ('A' | 'B' |
    'tie'; None when no verdict could be read), with the letter probabilities `p_a`, `p_b` when the judge
    gives them. Single: `rating` (None when none could be read). `text` is the judgement as the output
    files keep it (`reasoning`): None when the judge failed to give one (an endpoint's error)."""
    winner: str | None = None
    p_a: float | None = None
    p_b: float | None = None
    rating: float | None = None
    text: str | None = None

    @property
    def failed(self) -> bool:
        return self.text is None


def read_pairwise(text: str | None) -> Verdict:
    """A pairwise verdict out of a judge model's reply (None: the judge failed)."""
    return Verdict(winner=parse_pairwise(text), text=text)


def read_rating(text: str | None) -> Verdict:
    """A rating out of a judge model's reply (None: the judge failed)."""
    return Verdict(rating=parse_rating(text), text=text)


def parse_pairwise(text: str | None) -> str | None:
    """'A', 'B', 'tie', or None when no verdict can be read. The last verdict stated wins (a judge
    often mentions both letters while reasoning)."""
    if not text or not text.strip():
        return None
    found = _BRACKETED.findall(text) or _STATED.findall(text) or _BARE.findall(text.strip())
    if not found:
        return None
    v = found[-1].upper()
    return "tie" if v in ("C", "TIE") else v


def parse_rating(text: str | None, lo: float = 1, hi: float = 10) -> float | None:
    if not text:
        return None
    found = _RATING.findall(text)
    if not found:
        return None
    value = float(next(x for x in found[-1] if x))
    return value if lo <= value <= hi else None


def swap(verdict: str | None) -> str | None:
    """A verdict on (b, a) read as a verdict on (a, b)."""
    return {"A": "B", "B": "A"}.get(verdict, verdict)


def combine(first: str | None, second_swapped: str | None) -> tuple[str, str]:
    """(outcome for a vs b: 'A' | 'B' | 'tie', why: 'consistent' | 'inconsistent' | 'unparsable')."""
    if first is None or second_swapped is None:
        return "tie", "unparsable"
    if first == second_swapped:
        return first, "consistent"
    return "tie", "inconsistent"


def combine_mean(first: Verdict, second: Verdict, margin: float = 0.0) -> tuple[str, str, float | None]:
    """Position-swap by averaging: P(a better) = mean of P(A) on (a, b) and P(B) on (b, a). A judge that
    always prefers one position scores every pair near 0.5 (ties within `margin`), whatever that
    preference's strength; (outcome, why, mean probability). A verdict without letter probabilities
    leaves the pair unparsable."""
    if None in (first.p_a, first.p_b, second.p_a, second.p_b):
        return "tie", "unparsable", None
    mean = (first.p_a / (first.p_a + first.p_b) + second.p_b / (second.p_a + second.p_b)) / 2
    if abs(mean - 0.5) <= margin:
        return "tie", "within_margin", mean
    return ("A" if mean > 0.5 else "B"), "mean", mean


def win_rate(outcomes: list[str], resamples: int = 2000, seed: int = 0) -> dict:
    """Win rate of a over b (ties count half) and a 95% percentile-bootstrap interval."""
    return bootstrap_win_rate(outcomes, resamples, seed).to_dict()
