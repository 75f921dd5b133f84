"""Verdicts out of free text, position-swap debiasing, and win rates with bootstrap intervals.

Judges prefer the first (or the second) position whatever it holds. Every pair is therefore judged
twice, (a, b) and (b, a): when the two verdicts name the same answer it wins; when they disagree
the pair is a tie (the judge preferred a position, not an answer); when either verdict cannot be
read the pair is a tie too, and counted as unparsable.
"""

from __future__ import annotations

import re

from posttrain.eval.stats import bootstrap_win_rate

_BRACKETED = re.compile(r"\[\[\s*(A|B|C|tie)\s*\]\]", re.IGNORECASE)
_STATED = re.compile(r"(?:verdict|winner|better answer|better)\s*(?:is|:|=)?\s*[\*\"'(]*\s*(?:answer|assistant|response)?\s*"
                     r"([AB]|tie)\b", re.IGNORECASE)
_BARE = re.compile(r"^\W*(A|B|tie)\W*$", re.IGNORECASE)
_RATING = re.compile(r"\[\[\s*(\d+(?:\.\d+)?)\s*\]\]|rating\s*[:=]?\s*(\d+(?:\.\d+)?)", re.IGNORECASE)


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


_PROBS = re.compile(r"P\(A\)=([0-9.]+) P\(B\)=([0-9.]+)")


def letter_probs(text: str | None) -> tuple[float, float] | None:
    """(P(A), P(B)) of a letter-probability judgement (`--verdict logprobs`), or None."""
    m = _PROBS.search(text or "")
    return (float(m.group(1)), float(m.group(2))) if m else None


def combine_mean(first: str | None, second: str | None, margin: float = 0.0) -> tuple[str, str, float | None]:
    """Position-swap by averaging: P(a better) = mean of P(A) on (a, b) and P(B) on (b, a). A judge that
    always prefers one position scores every pair near 0.5 (ties within `margin`), whatever that
    preference's strength; (outcome, why, mean probability)."""
    p1, p2 = letter_probs(first), letter_probs(second)
    if p1 is None or p2 is None:
        return "tie", "unparsable", None
    mean = (p1[0] / (p1[0] + p1[1]) + p2[1] / (p2[0] + p2[1])) / 2
    if abs(mean - 0.5) <= margin:
        return "tie", "within_margin", mean
    return ("A" if mean > 0.5 else "B"), "mean", mean


def win_rate(outcomes: list[str], resamples: int = 2000, seed: int = 0) -> dict:
    """Win rate of a over b (ties count half) and a 95% percentile-bootstrap interval."""
    return bootstrap_win_rate(outcomes, resamples, seed).to_dict()
