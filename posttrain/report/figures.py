"""The report's figures, drawn with matplotlib (an optional dependency, imported where it is used)."""

from __future__ import annotations

import math
from pathlib import Path

# metrics.jsonl keys that describe the run, not the model
BOOKKEEPING = {"step", "lr", "grad_norm", "tokens", "tokens_per_s", "step_s", "epoch", "elapsed_s", "mem_gb",
               "peak_mem_gb", "samples", "rollout_s", "train_s"}
ORDER = ("loss", "reward", "margin", "kl", "accuracy")


def _plt():
    import matplotlib  # noqa: PLC0415 - optional dependency

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    return plt


def metric_groups(rows: list[dict], limit: int = 6) -> list[str]:
    """The metrics worth a panel: every numeric key (a held-out `eval_x` shares x's panel), losses,
    rewards, margins, KL and accuracies first."""
    names = set()
    for r in rows:
        for k, v in r.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                base = k[5:] if k.startswith("eval_") else k
                if base not in BOOKKEEPING and not base.endswith("_s"):
                    names.add(base)
    rank = lambda n: (next((i for i, o in enumerate(ORDER) if o in n), len(ORDER)), n)  # noqa: E731
    return sorted(names, key=rank)[:limit]


def curves(label: str, rows: list[dict], png: Path) -> Path | None:
    groups = metric_groups(rows)
    if not groups:
        return None
    plt = _plt()
    cols = min(3, len(groups))
    nrows = math.ceil(len(groups) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 2.8 * nrows), squeeze=False)
    for ax, g in zip(axes.flat, groups):
        for key, style, name in ((g, "-", "train"), (f"eval_{g}", "o-", "held-out")):
            pts = [(r["step"], r[key]) for r in rows if isinstance(r.get(key), (int, float)) and "step" in r]
            if pts:
                ax.plot(*zip(*pts), style, label=name, markersize=4)
        ax.set_title(g, fontsize=10)
        ax.set_xlabel("step", fontsize=8)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(groups):]:
        ax.axis("off")
    fig.suptitle(f"{label}: training curves")
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return png


def per_stage(labels: list[str], series: dict[str, list], title: str, ylabel: str, png: Path,
              percent: bool = False) -> Path | None:
    """One line per measure across the stages (None where not measured): the forgetting figure and the
    accuracy figure."""
    series = {k: v for k, v in series.items() if any(x is not None for x in v)}
    if not series:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    x = list(range(len(labels)))
    for name, vals in series.items():
        pts = [(i, 100 * v if percent else v) for i, v in zip(x, vals) if v is not None and math.isfinite(v)]
        if pts:
            ax.plot(*zip(*pts), "o-", label=name)
            for i, v in pts:
                ax.annotate(f"{v:.0f}%" if percent else f"{v:.2f}", (i, v), textcoords="offset points",
                            xytext=(0, 5), ha="center", fontsize=7)
    ax.set_xticks(x, labels)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return png


def _label(token: str) -> str:
    """A token as a tick label: spaces shown as ␣ so that a space token is not an empty label."""
    return (token if token.strip() else token.replace(" ", "␣").replace("\t", "⇥") or "∅")[:14]


def probability_shift(rows: list[tuple[str, list]], png: Path) -> Path | None:
    """rows: (model label, [NextTokens per prompt]). One row of panels per prompt, one column per model:
    the top next tokens, answer-style in green, continuation-style in grey."""
    if not rows or not rows[0][1]:
        return None
    plt = _plt()
    n_prompts, n_models = len(rows[0][1]), len(rows)
    fig, axes = plt.subplots(n_prompts, n_models, figsize=(3.6 * n_models, 2.5 * n_prompts), squeeze=False)
    for c, (label, nts) in enumerate(rows):
        for r, nt in enumerate(nts):
            ax = axes[r][c]
            ys = list(range(len(nt.tokens)))[::-1]
            colors = ["#2e8b57" if s else "#9a9a9a" for s in nt.answer_style]
            ax.barh(ys, nt.probs, color=colors)
            ax.set_yticks(ys, [_label(t) for t in nt.tokens], fontsize=7)
            ax.set_xlim(0, 1)
            ax.tick_params(axis="x", labelsize=7)
            ax.set_title(f"{label}: answer {100 * nt.answer_mass:.0f}% / continue {100 * nt.continuation_mass:.0f}%",
                         fontsize=8)
            if c == 0:
                ax.set_ylabel(nt.prompt[:38], fontsize=8)
    fig.suptitle("next-token distribution after the question (green: answer-style, grey: continuation)", fontsize=10)
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return png
