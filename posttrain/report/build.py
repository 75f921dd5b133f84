"""`posttrain report NAME=MODEL ...`: one self-contained HTML page (and the same figures as PNG) for the
models of a run, in stage order, the first being the base model.

Per model: the training curves of its metrics.jsonl (when it was trained), held-out benchmark
accuracy, in- and out-of-domain perplexity (forgetting), red-team / over-refusal rates (with
`--safety true`), answers to the smoke questions side by side, and the probability shift (the first
model as a text completer, the others through their chat template). Judge verdict summaries
(`posttrain judge --report`) are tabled with their intervals when given.
"""

from __future__ import annotations

import base64
import gc
import html
import json
import math
import sys
from pathlib import Path

from posttrain.infer.engine import generate
from posttrain.eval.benchmark import win_rate
from posttrain.eval.compare import compare, format_compare, short_names
from posttrain.infer.load import load_for_inference
from posttrain.eval.safety import safety_eval
from posttrain.eval.smoke import load_smoke, run_smoke
from posttrain.report import figures
from posttrain.report.next_tokens import NextTokens, next_tokens
from posttrain.serve.labels import LabelStore, agreement, comparisons, win_rates
from posttrain.eval.tasks import bundled, load_task


def parse_models(specs: list[str]) -> list[tuple[str, str]]:
    pairs = [s.split("=", 1) if "=" in s and not Path(s).exists() else (None, s) for s in specs]
    names = short_names([p for _, p in pairs])
    return [(label or name, path) for (label, path), name in zip(pairs, names)]


def _pct(x) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _num(x) -> str:
    return "—" if x is None else (f"{x:.3f}" if math.isfinite(x) else "inf")


def collect(a, models: list[tuple[str, str]], rows: list[dict] | None = None) -> dict:
    """Every measurement of the report, as plain data (report.json). `rows`: `eval.compare`'s rows when
    the caller has measured them already (the demo)."""
    # the files given are read first: a wrong path fails before minutes of model evaluation
    out = {"models": [], "duels": [], "judges": [], "human": None}
    for f in a.judge_reports or []:
        out["judges"].append({"file": f, **json.loads(Path(f).read_text())})
    if a.labels:
        if not Path(a.labels).is_dir():
            raise ValueError(f"--labels {a.labels}: no such label folder (posttrain serve --labels writes one)")
        rows_h = comparisons(LabelStore(a.labels))
        out["human"] = {"folder": a.labels, "comparisons": len(rows_h), "win_rates": win_rates(rows_h),
                        "agreement": agreement(rows_h)}
    paths = [p for _, p in models]
    rows = rows or compare(paths, benchmark=a.benchmark, ppl_in=a.ppl, ppl_ood=a.ppl_ood, template=a.template,
                   max_items=a.max_items, max_new_tokens=a.max_new_tokens, ood_tokens=a.ood_tokens,
                   retain=a.retention)
    tasks = {name: load_task(name) for name in a.tasks}
    smoke = load_smoke(a.prompts)
    shift_items = [it for it in smoke if it.answers][: a.shift_prompts]
    for i, ((label, path), row) in enumerate(zip(models, rows)):
        print(f"[report] {label}: samples, probability shift{', safety' if a.safety else ''}", file=sys.stderr)
        model, tok = load_for_inference(path)
        as_base = i == 0 and a.base_raw
        if as_base:  # a text completer: the question as plain text, its continuation
            ids = [tok(it.instruction).input_ids for it in smoke]
            done = generate(model, ids, max_new_tokens=a.max_new_tokens, stop_ids=(), tokenizer=tok,
                            pad_id=tok.pad_token_id if tok.pad_token_id is not None else 0)
            samples = [{"prompt": it.instruction, "reply": c.text.strip(), "right": None} for it, c in zip(smoke, done)]
        else:
            samples = [{"prompt": r.item.instruction, "reply": r.reply, "right": r.right}
                       for r in run_smoke(model, tok, smoke, a.template, a.max_new_tokens)]
        shift = [next_tokens(model, tok, it.instruction, it.answers, chat=not as_base, template=a.template)
                 for it in shift_items]
        safety = safety_eval(model, tok, a.template) if a.safety else None
        task_acc = {name: t.evaluate(model, tok, a.template, max_new_tokens=a.task_new_tokens)["accuracy"]
                    for name, t in tasks.items()}
        metrics = Path(path) / "metrics.jsonl"
        curve_rows = [json.loads(x) for x in metrics.read_text().splitlines() if x.strip()] if metrics.is_file() else []
        out["models"].append({
            "label": label, "path": path, "contains": row["contains"], "exact": row["exact"], "n_scored": row["n_scored"],
            "ppl_in": row["ppl_in"], "ppl_ood": row["ppl_ood"], "retention": row["retention"],
            "fewshot": row["fewshot"], "tasks": task_acc, "samples": samples, "shift": [vars(s) for s in shift],
            "harmful_compliance": safety and safety["harmful_compliance"], "over_refusal": safety and safety["over_refusal"],
            "metrics": curve_rows})
        del model
        gc.collect()
    for i in range(1, len(rows)):
        if rows[i]["bench"] is not None and rows[i - 1]["bench"] is not None:
            wr = win_rate(rows[i]["bench"], rows[i - 1]["bench"])
            out["duels"].append({"new": models[i][0], "old": models[i - 1][0],
                                 **{k: wr[k] for k in ("n", "wins", "losses", "ties", "win_rate")}})
    out["table"] = format_compare([{**r, "model": label} for r, (label, _) in zip(rows, models)])
    names = [m["label"] for m in out["models"]]
    for name in tasks:
        accs = [m["tasks"][name] for m in out["models"]]
        out["table"] += (f"\n{'task ' + name + ' (held-out)':<26}" + "".join(f"{_pct(x):>14}" for x in accs) +
                         (f"   {names[-1]} − {names[0]}: {100 * (accs[-1] - accs[0]):+.1f} pt" if len(accs) > 1 else ""))
    return out


def draw(data: dict, out: Path) -> list[tuple[str, Path]]:
    labels = [m["label"] for m in data["models"]]
    figs = []
    for m in data["models"]:
        if m["metrics"]:
            png = figures.curves(m["label"], m["metrics"], out / f"curves_{_slug(m['label'])}.png")
            if png:
                figs.append((f"Training curves: {m['label']}", png))
    png = figures.per_stage(labels, {"in-domain (held-out chats)": [m["ppl_in"] for m in data["models"]],
                                     "out-of-domain (plain text)": [m["ppl_ood"] for m in data["models"]]},
                            "perplexity after each stage (forgetting)", "perplexity", out / "forgetting.png")
    if png:
        figs.append(("Perplexity after each stage (forgetting)", png))
    acc = {"benchmark contains": [m["contains"] for m in data["models"]],
           "benchmark exact": [m["exact"] for m in data["models"]],
           "knowledge retention": [m["retention"] for m in data["models"]],
           **{f"task {t}": [m["tasks"].get(t) for m in data["models"]] for t in data["models"][0]["tasks"]},
           "harmful compliance": [m["harmful_compliance"] for m in data["models"]],
           "over-refusal": [m["over_refusal"] for m in data["models"]]}
    png = figures.per_stage(labels, acc, "held-out accuracy and safety rates after each stage", "%",
                            out / "accuracy.png", percent=True)
    if png:
        figs.append(("Accuracy and safety after each stage", png))
    shift_rows = [(m["label"], [NextTokens(**s) for s in m["shift"]]) for m in data["models"]]
    if len(shift_rows) > 2:  # base, and the last (most tuned) model
        shift_rows = [shift_rows[0], shift_rows[-1]]
    png = figures.probability_shift(shift_rows, out / "probability_shift.png")
    if png:
        figs.append(("Probability shift: base vs tuned, next token after the question", png))
    return figs


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text)


def write_html(data: dict, figs: list[tuple[str, Path]], title: str, path: Path) -> None:
    e = html.escape
    models = data["models"]
    head = "".join(f"<th>{e(m['label'])}</th>" for m in models)
    def field(key):
        return lambda m: m[key]

    rows = [("benchmark contains", field("contains"), _pct), ("benchmark exact", field("exact"), _pct),
            ("knowledge retention", field("retention"), _pct),
            *[(f"task {t} (held-out)", lambda m, t=t: m["tasks"][t], _pct) for t in models[0]["tasks"]],
            ("ppl in-domain", field("ppl_in"), _num), ("ppl out-of-domain", field("ppl_ood"), _num),
            ("harmful compliance", field("harmful_compliance"), _pct), ("over-refusal", field("over_refusal"), _pct)]
    body = "".join(f"<tr><td>{e(name)}</td>" + "".join(f"<td>{fmt(get(m))}</td>" for m in models) + "</tr>"
                   for name, get, fmt in rows if any(get(m) is not None for m in models))
    parts = [f"<h1>{e(title)}</h1>", "<h2>Per stage</h2>", f"<table><tr><th></th>{head}</tr>{body}</table>"]
    if data["duels"]:
        parts.append("<h2>Benchmark duels (each stage against the one before)</h2><table><tr><th>new</th><th>old</th>"
                     "<th>won</th><th>lost</th><th>tied</th><th>win rate</th></tr>" + "".join(
                         f"<tr><td>{e(d['new'])}</td><td>{e(d['old'])}</td><td>{d['wins']}</td><td>{d['losses']}</td>"
                         f"<td>{d['ties']}</td><td>{_pct(d['win_rate'])}</td></tr>" for d in data["duels"]) + "</table>")
    if data["judges"]:
        parts.append("<h2>Judge win rates</h2><table><tr><th>judge</th><th>pairs</th><th>decided</th><th>win rate of a"
                     "</th><th>95% interval</th></tr>" + "".join(
                         f"<tr><td>{e(str(j.get('judge')))}</td><td>{j.get('pairs')}</td><td>{j.get('decided')}</td>"
                         f"<td>{_pct(j.get('win_rate'))}</td><td>{_ci(j.get('ci95'))}</td></tr>" for j in data["judges"])
                     + "</table>")
    if data.get("human") and data["human"]["win_rates"]:
        h = data["human"]
        agree = h["agreement"]["agreement"]
        parts.append(f"<h2>Human win rates ({h['comparisons']} blind comparisons in {e(h['folder'])}; rater agreement "
                     f"{_pct(agree)})</h2><table><tr><th>first</th><th>second</th><th>won</th><th>lost</th><th>tied</th>"
                     "<th>win rate (ties half)</th><th>95% Wilson interval</th></tr>" + "".join(
                         f"<tr><td>{e(w['first'])}</td><td>{e(w['second'])}</td><td>{w['wins']}</td><td>{w['losses']}"
                         f"</td><td>{w['ties']}</td><td>{_pct(w['win_rate'])}</td><td>{_ci(w['ci95'])}</td></tr>"
                         for w in h["win_rates"]) + "</table>")
    for caption, png in figs:
        b64 = base64.b64encode(png.read_bytes()).decode()
        parts.append(f"<figure><img alt=\"{e(caption)}\" src=\"data:image/png;base64,{b64}\">"
                     f"<figcaption>{e(caption)}</figcaption></figure>")
    parts.append("<h2>Answers side by side</h2><table class=\"samples\"><tr><th>prompt</th>" + head + "</tr>")
    for i, s in enumerate(models[0]["samples"]):
        cells = []
        for m in models:
            r = m["samples"][i]
            mark = "" if r["right"] is None else (" ✓" if r["right"] else " ✗")
            cells.append(f"<td>{e(r['reply'][:400])}<b>{mark}</b></td>")
        parts.append(f"<tr><td>{e(s['prompt'])}</td>{''.join(cells)}</tr>")
    parts.append("</table>")
    style = ("body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}table{border-collapse:collapse;"
             "margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;font-size:14px}"
             "figure{margin:1.5em 0}img{max-width:100%}.samples td{max-width:320px}")
    page = (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{e(title)}</title><style>{style}</style>"
            f"</head><body>{''.join(parts)}</body></html>")
    tmp = path.with_suffix(".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)


def _ci(ci) -> str:
    return "—" if not ci else f"[{_pct(ci[0])}, {_pct(ci[1])}]"


def build_report(models: list[tuple[str, str]], a, rows: list[dict] | None = None) -> dict:
    """The report of `models` ((label, folder), base first) in `a.out`; `a`: `posttrain report`'s options
    (tool_args.ReportArgs); `rows`: compare()'s rows when already measured."""
    out, title = Path(a.out), a.title
    a.prompts = a.prompts or str(bundled("bench_smoke.jsonl"))
    out.mkdir(parents=True, exist_ok=True)
    data = collect(a, models, rows)
    figs = draw(data, out)
    (out / "report.json").write_text(json.dumps(data, indent=1, default=str))
    (out / "report.md").write_text(f"# {title}\n\n```\n{data['table']}\n```\n\n" +
                                   "".join(f"![{c}]({p.name})\n\n" for c, p in figs))
    write_html(data, figs, title, out / "report.html")
    print(f"report: {out / 'report.html'} ({len(figs)} figures, also as PNG in {out})", file=sys.stderr)
    return {"figures": [str(p) for _, p in figs], "html": str(out / "report.html"), "data": data}


def run_report(a) -> dict:
    if not a.models:
        raise ValueError("report needs the models of the run (NAME=FOLDER ...), base first")
    result = build_report(parse_models(a.models), a)
    data = result["data"]
    labels = [m["label"] for m in data["models"]]
    for i, s in enumerate(data["models"][0]["samples"]):  # the story in the terminal: each model's answer
        print(f"\nQ: {s['prompt']}")
        for label, m in zip(labels, data["models"]):
            r = m["samples"][i]
            mark = "" if r["right"] is None else (" ✓" if r["right"] else " ✗")
            print(f"  {label:>8}: {' '.join(r['reply'].split())[:160]}{mark}")
    print("\n" + data["table"])
    return {k: v for k, v in result.items() if k != "data"}
