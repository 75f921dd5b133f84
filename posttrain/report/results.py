"""What the report measured, as typed values, and the statistics it derives (all from `eval.stats`).

A `Report` holds one `ModelReport` per stage, the benchmark duels between neighbouring stages, the
judge summaries given, and the human labels' win rates and rater agreement. Statistics stay
`WinRate` / `Agreement` values until `Report.to_dict()` turns the whole into report.json (the keys
scripts/readme_table.py and earlier reports use).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from posttrain.eval.stats import Agreement, PairWinRate, WinRate
from posttrain.report.next_tokens import NextTokens
from posttrain.serve.labels import LabelStore, agreement, comparisons, win_rates

# the duel row of report.json: the contestants, then these keys of the win rate, in this order
DUEL_KEYS = ("n", "wins", "losses", "ties", "win_rate")


@dataclass
class Sample:
    """One smoke question and a model's reply; `right` None where nothing is checked (the base as a text completer)."""
    prompt: str
    reply: str
    right: bool | None


@dataclass
class ModelReport:
    """Every measurement of one model (None where not measured); rates are fractions, not percent."""
    label: str
    path: str
    contains: float | None
    exact: float | None
    n_scored: int
    ppl_in: float | None
    ppl_ood: float | None
    retention: float | None
    fewshot: float | None
    tasks: dict[str, float]  # built-in task → held-out accuracy
    samples: list[Sample]
    shift: list[NextTokens]
    harmful_compliance: float | None
    over_refusal: float | None
    metrics: list[dict]  # the rows of its metrics.jsonl (empty when it was not trained)


@dataclass
class Duel:
    """A stage against the one before on the same benchmark items."""
    new: str
    old: str
    result: WinRate

    def to_dict(self) -> dict:
        row = self.result.to_dict()
        return {"new": self.new, "old": self.old, **{k: row[k] for k in DUEL_KEYS}}


@dataclass
class HumanLabels:
    """The blind comparisons of a `posttrain serve --labels` folder."""
    folder: str
    comparisons: int
    win_rates: list[PairWinRate]
    agreement: Agreement

    def to_dict(self) -> dict:
        return {"folder": self.folder, "comparisons": self.comparisons,
                "win_rates": [w.to_dict() for w in self.win_rates], "agreement": self.agreement.to_dict()}


@dataclass
class Report:
    models: list[ModelReport] = field(default_factory=list)
    duels: list[Duel] = field(default_factory=list)
    judges: list[dict] = field(default_factory=list)  # `posttrain judge --report` files as written, plus "file"
    human: HumanLabels | None = None
    table: str = ""  # the terminal table (eval.compare's, plus the task rows)

    def to_dict(self) -> dict:
        """report.json: plain data, the keys and order of every earlier report."""
        return {"models": [dataclasses.asdict(m) for m in self.models], "duels": [d.to_dict() for d in self.duels],
                "judges": self.judges, "human": self.human and self.human.to_dict(), "table": self.table}


def human_labels(folder: str) -> HumanLabels:
    """Win rates and rater agreement of the blind comparisons in a label folder."""
    rows = comparisons(LabelStore(folder))
    return HumanLabels(folder, len(rows), win_rates(rows), agreement(rows))
