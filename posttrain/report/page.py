"""The report as files: report.html and report.md rendered from the jinja2 templates in `templates/`
(HTML autoescaped; figures embedded as base64 PNG, so the page fetches nothing), report.json from
`Report.to_dict()`. Each file is written beside itself and renamed into place.
"""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path
from typing import NamedTuple

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from posttrain.core.files import write_text_atomic
from posttrain.report.results import ModelReport, Report


def pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def num(x: float | None) -> str:
    return "—" if x is None else (f"{x:.3f}" if math.isfinite(x) else "inf")


def interval(ci) -> str:
    return "—" if not ci else f"[{pct(ci[0])}, {pct(ci[1])}]"


def mark(right: bool | None) -> str:
    return "" if right is None else (" ✓" if right else " ✗")


ENV = Environment(loader=PackageLoader("posttrain.report", "templates"), autoescape=select_autoescape(["html"]),
                  undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
ENV.filters.update(pct=pct, num=num, interval=interval, mark=mark)


class StageRow(NamedTuple):
    name: str
    cells: list[str]  # one formatted value per model


class Figure(NamedTuple):
    caption: str
    png: Path

    @property
    def base64(self) -> str:
        return base64.b64encode(self.png.read_bytes()).decode()


def stage_rows(models: list[ModelReport]) -> list[StageRow]:
    """The per-stage table: a row per measure any model has, formatted as percent or perplexity."""
    measures = [("benchmark contains", lambda m: m.contains, pct), ("benchmark exact", lambda m: m.exact, pct),
                ("knowledge retention", lambda m: m.retention, pct),
                *[(f"task {t} (held-out)", lambda m, t=t: m.tasks[t], pct) for t in models[0].tasks],
                ("ppl in-domain", lambda m: m.ppl_in, num), ("ppl out-of-domain", lambda m: m.ppl_ood, num),
                ("harmful compliance", lambda m: m.harmful_compliance, pct),
                ("over-refusal", lambda m: m.over_refusal, pct)]
    return [StageRow(name, [fmt(get(m)) for m in models]) for name, get, fmt in measures
            if any(get(m) is not None for m in models)]


def render_html(report: Report, figs: list[tuple[str, Path]], title: str) -> str:
    return ENV.get_template("report.html").render(
        title=title, report=report, stage_rows=stage_rows(report.models), figures=[Figure(*f) for f in figs])


def render_markdown(report: Report, figs: list[tuple[str, Path]], title: str) -> str:
    return ENV.get_template("report.md").render(title=title, table=report.table, figures=[Figure(*f) for f in figs])


def write_files(report: Report, figs: list[tuple[str, Path]], title: str, out: Path) -> Path:
    """report.json, report.md and report.html in `out`; returns the page's path."""
    write_text_atomic(out / "report.json", json.dumps(report.to_dict(), indent=1, default=str))
    write_text_atomic(out / "report.md", render_markdown(report, figs, title))
    write_text_atomic(out / "report.html", render_html(report, figs, title))
    return out / "report.html"
