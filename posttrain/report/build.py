"""`posttrain report NAME=MODEL ...`: one self-contained HTML page (and the same figures as PNG) for the
models of a run, in stage order, the first being the base model.

Per model: the training curves of its metrics.jsonl (when it was trained), held-out benchmark
accuracy, in- and out-of-domain perplexity (forgetting), red-team / over-refusal rates (with
`--safety true`), answers to the smoke questions side by side, and the probability shift (the first
model as a text completer, the others through their chat template). Judge verdict summaries
(`posttrain judge --report`) are tabled with their intervals when given.

The steps: `collect` measures (a typed `results.Report`), `draw` makes the figures, `page.write_files`
writes report.json / report.md / report.html.
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path
from typing import NamedTuple

from posttrain.core.config import name_path
from posttrain.eval.benchmark import head_to_head
from posttrain.eval.compare import compare, format_compare, short_names
from posttrain.eval.safety import safety_eval
from posttrain.eval.smoke import SmokeItem, load_smoke, run_smoke
from posttrain.eval.tasks import bundled, load_task
from posttrain.infer.engine import generate
from posttrain.infer.load import load_for_inference
from posttrain.report import figures
from posttrain.report.next_tokens import next_tokens
from posttrain.report.page import mark, pct, write_files
from posttrain.report.results import Duel, HumanLabels, ModelReport, Report, Sample, human_labels


class Probes(NamedTuple):
    """What every model is asked besides the benchmark."""
    smoke: list[SmokeItem]  # answered side by side
    shift: list[SmokeItem]  # the probability shift (questions with a known answer)
    tasks: dict  # built-in task name → task (held-out accuracy)


def parse_models(specs: list[str]) -> list[tuple[str, str]]:
    pairs = [name_path(s) for s in specs]
    names = short_names([p for _, p in pairs])
    return [(label or name, path) for (label, path), name in zip(pairs, names)]


def read_judges(files: list[str]) -> list[dict]:
    """`posttrain judge --report` summaries as written, each with the file it came from."""
    return [{"file": f, **json.loads(Path(f).read_text())} for f in files]


def read_labels(folder: str | None) -> HumanLabels | None:
    if not folder:
        return None
    if not Path(folder).is_dir():
        raise ValueError(f"--labels {folder}: no such label folder (posttrain serve --labels writes one)")
    return human_labels(folder)


def collect(a, models: list[tuple[str, str]], rows: list[dict] | None = None) -> Report:
    """Every measurement of the report. `rows`: `eval.compare`'s rows when the caller has measured them
    already (the demo)."""
    # the files given are read first: a wrong path fails before minutes of model evaluation
    report = Report(judges=read_judges(a.judge_reports or []), human=read_labels(a.labels))
    rows = rows or compare([p for _, p in models], benchmark=a.benchmark, ppl_in=a.ppl, ppl_ood=a.ppl_ood,
                           template=a.template, max_items=a.max_items, max_new_tokens=a.max_new_tokens,
                           ood_tokens=a.ood_tokens, retain=a.retention)
    smoke = load_smoke(a.prompts)
    probes = Probes(smoke, [it for it in smoke if it.answers][: a.shift_prompts],
                    {name: load_task(name) for name in a.tasks})
    for i, ((label, path), row) in enumerate(zip(models, rows)):
        report.models.append(measure(a, label, path, row, probes, as_base=i == 0 and a.base_raw))
        gc.collect()  # free one model's weights before loading the next
    report.duels = duels([label for label, _ in models], rows)
    report.table = table(rows, report.models)
    return report


def measure(a, label: str, path: str, row: dict, probes: Probes, as_base: bool) -> ModelReport:
    """One model's measurements: `row` (its benchmark and perplexity) plus samples, shift, safety, tasks."""
    print(f"[report] {label}: samples, probability shift{', safety' if a.safety else ''}", file=sys.stderr)
    model, tok = load_for_inference(path)
    samples = answer(a, model, tok, probes.smoke, as_base)
    shift = [next_tokens(model, tok, it.instruction, it.answers, chat=not as_base, template=a.template)
             for it in probes.shift]
    safety = safety_eval(model, tok, a.template) if a.safety else {}
    tasks = {name: t.evaluate(model, tok, a.template, max_new_tokens=a.task_new_tokens)["accuracy"]
             for name, t in probes.tasks.items()}
    return ModelReport(
        label=label, path=path, contains=row["contains"], exact=row["exact"], n_scored=row["n_scored"],
        ppl_in=row["ppl_in"], ppl_ood=row["ppl_ood"], retention=row["retention"], fewshot=row["fewshot"],
        tasks=tasks, samples=samples, shift=shift, harmful_compliance=safety.get("harmful_compliance"),
        over_refusal=safety.get("over_refusal"), metrics=metric_rows(Path(path)))


def answer(a, model, tok, smoke: list[SmokeItem], as_base: bool) -> list[Sample]:
    """The smoke questions' replies: through the chat template (checked), or for a base model as plain
    text it continues (nothing to check)."""
    if not as_base:
        return [Sample(r.item.instruction, r.reply, r.right)
                for r in run_smoke(model, tok, smoke, a.template, a.max_new_tokens)]
    ids = [tok(it.instruction).input_ids for it in smoke]
    done = generate(model, ids, max_new_tokens=a.max_new_tokens, stop_ids=(), tokenizer=tok,
                    pad_id=tok.pad_token_id if tok.pad_token_id is not None else 0)
    return [Sample(it.instruction, c.text.strip(), None) for it, c in zip(smoke, done)]


def metric_rows(folder: Path) -> list[dict]:
    """The rows of a trained model's metrics.jsonl; none for a model that was not trained here."""
    metrics = folder / "metrics.jsonl"
    return [json.loads(x) for x in metrics.read_text().splitlines() if x.strip()] if metrics.is_file() else []


def duels(labels: list[str], rows: list[dict]) -> list[Duel]:
    """Each stage against the one before, where both ran the benchmark."""
    return [Duel(labels[i], labels[i - 1], head_to_head(rows[i]["bench"], rows[i - 1]["bench"]))
            for i in range(1, len(rows)) if rows[i]["bench"] is not None and rows[i - 1]["bench"] is not None]


def table(rows: list[dict], models: list[ModelReport]) -> str:
    """eval.compare's table with the report's labels, and a row per built-in task."""
    text = format_compare([{**r, "model": m.label} for r, m in zip(rows, models)])
    for name in models[0].tasks if models else ():
        accs = [m.tasks[name] for m in models]
        text += (f"\n{'task ' + name + ' (held-out)':<26}" + "".join(f"{pct(x):>14}" for x in accs) +
                 (f"   {models[-1].label} − {models[0].label}: {100 * (accs[-1] - accs[0]):+.1f} pt"
                  if len(accs) > 1 else ""))
    return text


def draw(report: Report, out: Path) -> list[tuple[str, Path]]:
    """The figures as PNG in `out`, with their captions: training curves, forgetting, accuracy, shift."""
    models, labels = report.models, [m.label for m in report.models]
    figs = [(f"Training curves: {m.label}", figures.curves(m.label, m.metrics, out / f"curves_{_slug(m.label)}.png"))
            for m in models if m.metrics]
    figs.append(("Perplexity after each stage (forgetting)", figures.per_stage(
        labels, {"in-domain (held-out chats)": [m.ppl_in for m in models],
                 "out-of-domain (plain text)": [m.ppl_ood for m in models]},
        "perplexity after each stage (forgetting)", "perplexity", out / "forgetting.png")))
    acc = {"benchmark contains": [m.contains for m in models], "benchmark exact": [m.exact for m in models],
           "knowledge retention": [m.retention for m in models],
           **{f"task {t}": [m.tasks.get(t) for m in models] for t in models[0].tasks},
           "harmful compliance": [m.harmful_compliance for m in models],
           "over-refusal": [m.over_refusal for m in models]}
    figs.append(("Accuracy and safety after each stage", figures.per_stage(
        labels, acc, "held-out accuracy and safety rates after each stage", "%", out / "accuracy.png", percent=True)))
    shift_rows = [(m.label, m.shift) for m in models]
    if len(shift_rows) > 2:  # base, and the last (most tuned) model
        shift_rows = [shift_rows[0], shift_rows[-1]]
    figs.append(("Probability shift: base vs tuned, next token after the question",
                 figures.probability_shift(shift_rows, out / "probability_shift.png")))
    return [(caption, png) for caption, png in figs if png]


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text)


def build_report(models: list[tuple[str, str]], a, rows: list[dict] | None = None) -> dict:
    """The report of `models` ((label, folder), base first) in `a.out`; `a`: `posttrain report`'s options
    (tool_args.ReportArgs); `rows`: compare()'s rows when already measured. Returns the figures, the page
    and the typed `Report`."""
    out = Path(a.out)
    a.prompts = a.prompts or str(bundled("bench_smoke.jsonl"))
    out.mkdir(parents=True, exist_ok=True)
    report = collect(a, models, rows)
    figs = draw(report, out)
    page = write_files(report, figs, a.title, out)
    print(f"report: {page} ({len(figs)} figures, also as PNG in {out})", file=sys.stderr)
    return {"figures": [str(p) for _, p in figs], "html": str(page), "report": report}


def run_report(a) -> dict:
    if not a.models:
        raise ValueError("report needs the models of the run (NAME=FOLDER ...), base first")
    result = build_report(parse_models(a.models), a)
    report = result["report"]
    for i, s in enumerate(report.models[0].samples):  # the story in the terminal: each model's answer
        print(f"\nQ: {s.prompt}")
        for m in report.models:
            r = m.samples[i]
            print(f"  {m.label:>8}: {' '.join(r.reply.split())[:160]}{mark(r.right)}")
    print("\n" + report.table)
    return {k: v for k, v in result.items() if k != "report"}
