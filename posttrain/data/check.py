"""`posttrain check`: pre-flight lint of training data as the model will see it.

Shows rendered examples with the trained tokens highlighted, token and truncation statistics,
and fails with a clear message on problems that silently ruin a run: examples with no trained
token, an end-of-turn/EOS that is never trained (the model would never learn to stop), a double
BOS, a template that re-renders history (not prefix-stable), examples truncated away entirely.
"""

from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass, field

from posttrain.data.chat import Rendered, render, resolve_template, stop_token_ids


@dataclass
class LintReport:
    n: int = 0
    tokens: list[int] = field(default_factory=list)
    trained: list[int] = field(default_factory=list)
    truncated: int = 0
    problems: dict[str, list[int]] = field(default_factory=dict)

    def add(self, kind: str, index: int):
        self.problems.setdefault(kind, []).append(index)

    @property
    def ok(self) -> bool:
        return not self.problems


PROBLEMS = {
    "no_trained_tokens": "examples with zero trained tokens (no assistant content after rendering)",
    "eot_not_trained": "assistant turns whose end-of-turn/EOS token is not trained: the model will not learn to stop",
    "double_bos": "examples starting with two BOS tokens (the template adds BOS and so does the tokenizer)",
    "not_prefix_stable": "the template re-renders earlier turns differently once later turns follow; those turns are not trained",
    "truncated_away": "examples whose assistant tokens were all cut by max_len",
    "prompt_mismatch": "assistant turns that do not start with the generation prompt: training and inference see different prompts",
}


def _runs(mask: list[int]) -> list[tuple[int, int]]:
    runs, start = [], None
    for i, m in enumerate(mask + [0]):
        if m and start is None:
            start = i
        elif not m and start is not None:
            runs.append((start, i))
            start = None
    return runs


def lint_example(r: Rendered, stops: set[int], bos: int | None) -> list[str]:
    found = []
    if r.n_trained == 0:
        found.append("truncated_away" if r.truncated else "no_trained_tokens")
    runs = _runs(r.mask)
    if runs and any(r.ids[end - 1] not in stops for _, end in runs[:-1 if r.truncated else None]):
        found.append("eot_not_trained")
    if bos is not None and r.ids[:2] == [bos, bos]:
        found.append("double_bos")
    if r.unstable_turns:
        found.append("not_prefix_stable")
    if r.prompt_mismatch:
        found.append("prompt_mismatch")
    return found


def lint(tokenizer, convs: list[list[dict]], template: str | None, max_len: int, last_turn_only: bool = False) -> tuple[LintReport, list[Rendered]]:
    template = resolve_template(tokenizer, template)
    stops, bos = set(stop_token_ids(tokenizer)), tokenizer.bos_token_id
    report, rendered = LintReport(), []
    for i, conv in enumerate(convs):
        r = render(tokenizer, conv, template, max_len, last_turn_only)
        rendered.append(r)
        report.n += 1
        report.tokens.append(len(r.ids))
        report.trained.append(r.n_trained)
        report.truncated += r.truncated
        for kind in lint_example(r, stops, bos):
            report.add(kind, i)
    return report, rendered


def highlight(tokenizer, r: Rendered, color: bool) -> str:
    """The rendered text with trained spans marked: green background on a terminal, [[...]] otherwise."""
    pieces, prev = [], 0
    for start, end in _runs(r.mask):
        pieces.append(tokenizer.decode(r.ids[prev:start]))
        span = tokenizer.decode(r.ids[start:end])
        pieces.append(f"\x1b[42;30m{span}\x1b[0m" if color else f"[[{span}]]")
        prev = end
    pieces.append(tokenizer.decode(r.ids[prev:]))
    return "".join(pieces)


def print_report(tokenizer, report: LintReport, rendered: list[Rendered], show: int = 3, file=None) -> None:
    file = file or sys.stdout
    color = file.isatty() if hasattr(file, "isatty") else False
    legend = "green" if color else "[[ ]]"
    for i, r in enumerate(rendered[:show]):
        print(f"--- example {i} ({len(r.ids)} tokens, {r.n_trained} trained, trained tokens in {legend}) ---", file=file)
        print(highlight(tokenizer, r, color), file=file)
    t = report.tokens
    print(f"\n{report.n} examples | tokens per example min {min(t)} / mean {statistics.mean(t):.1f} / max {max(t)} | "
          f"trained {sum(report.trained):,} of {sum(t):,} tokens ({100 * sum(report.trained) / max(sum(t), 1):.1f}%) | "
          f"truncated {report.truncated}", file=file)
    for kind, idx in report.problems.items():
        print(f"PROBLEM {kind}: {len(idx)} {PROBLEMS[kind]} (e.g. example {idx[:5]})", file=file)
    print("OK: ready to train" if report.ok else "FAILED: fix the problems above before training", file=file)
