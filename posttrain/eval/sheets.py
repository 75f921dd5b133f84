"""Human rating sheets: export responses with blank 1–5 score columns, read them back, summarise.

`main_sheet_export` / `main_sheet_import` are `posttrain sheet export|import`.

A sheet is CSV (for spreadsheets) or a Markdown table (for editors and code review), chosen by
the file's suffix. Columns: `id`, `model` (when any row names one), `instruction`, `response`,
then `helpfulness`, `accuracy`, `clarity` (integers 1–5, blank until rated) and a free `notes`.
In Markdown, `|` inside a cell is written `\\|` and a newline `<br>`, and both are undone on import.

Blank scores are allowed on import (a rater may skip a row) and are not counted; anything else
that is not an integer 1–5 is an error naming file, line and column. "4.0" is read as 4 because
spreadsheets write integers that way.
"""

from __future__ import annotations

import csv
import gc
import io
from pathlib import Path

from posttrain.data.readers import DataError
from posttrain.eval.benchmark import generate, load_items
from posttrain.infer.load import load_for_inference

CRITERIA = ("helpfulness", "accuracy", "clarity")


def _columns(rows: list[dict]) -> list[str]:
    has_model = any(r.get("model") for r in rows)
    return ["id"] + (["model"] if has_model else []) + ["instruction", "response", *CRITERIA, "notes"]


def export_sheet(rows: list[dict], path: str | Path) -> Path:
    """Write rows (`instruction`, `response`, optional `model`) as a blank rating sheet (.csv or .md)."""
    path = Path(path)
    cols = _columns(rows)
    table = [{c: str(r.get(c) or "") for c in cols} | {"id": str(i + 1)} for i, r in enumerate(rows)]
    if path.suffix == ".csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, cols, lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
        text = buf.getvalue()
    elif path.suffix == ".md":
        lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
        lines += ["| " + " | ".join(_md_escape(row[c]) for c in cols) + " |" for row in table]
        text = "Rate each response 1 (poor) to 5 (excellent); leave a cell blank to skip it.\n\n" + "\n".join(lines) + "\n"
    else:
        raise ValueError(f"{path}: rating sheets are .csv or .md, not {path.suffix!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _md_escape(cell: str) -> str:
    return cell.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", "\n").replace("\n", "<br>")


def _md_unescape(cell: str) -> str:
    out, i = [], 0
    cell = cell.strip().replace("<br>", "\n")
    while i < len(cell):  # undo \\ and \| in one left-to-right pass so "\\|" round-trips
        if cell[i] == "\\" and i + 1 < len(cell) and cell[i + 1] in "\\|":
            out.append(cell[i + 1])
            i += 2
        else:
            out.append(cell[i])
            i += 1
    return "".join(out)


def _split_md_row(line: str) -> list[str]:
    """Cells of `| a | b |`: split on '|' not escaped by a backslash; the outer pipes are optional."""
    body = line.strip()
    cells, start, i = [], 0, 0
    while i < len(body):
        if body[i] == "\\":
            i += 2
            continue
        if body[i] == "|":
            cells.append(body[start:i])
            start = i + 1
        i += 1
    trailing_pipe = start == len(body)
    cells.append(body[start:])
    if body.startswith("|"):
        cells = cells[1:]
    if trailing_pipe:
        cells = cells[:-1]
    return [_md_unescape(c) for c in cells]


def _read_md(path: Path) -> list[tuple[dict, int]]:
    header, out = None, []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip().startswith("|"):
            continue
        cells = _split_md_row(line)
        if header is None:
            header = [c.strip().lower() for c in cells]
        elif all(set(c.strip()) <= set("-: ") for c in cells):
            continue  # the |---|---| separator
        else:
            if len(cells) != len(header):
                raise DataError(f"{path}:{n}: expected {len(header)} cells, found {len(cells)} (a '|' in text must be written '\\|')")
            out.append((dict(zip(header, cells)), n))
    return out


def _read_csv(path: Path) -> list[tuple[dict, int]]:
    out = []
    with open(path, encoding="utf-8-sig", newline="") as f:  # -sig: Excel writes a BOM
        reader = csv.reader(f)
        header = None
        end = 0
        for cells in reader:
            start, end = end + 1, reader.line_num  # a quoted cell may span lines; name the row's first
            if header is None:
                header = [c.strip().lower() for c in cells]
                continue
            if not any(c.strip() for c in cells):
                continue
            out.append((dict(zip(header, cells)), start))
    return out


def _score(value: str, path: Path, line: int, col: str, col_no: int) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is None or number != int(number) or not 1 <= number <= 5:
        raise DataError(f"{path}:{line}: column '{col}' (column {col_no}): expected an integer 1–5, found {value!r}")
    return int(number)


def import_sheet(path: str | Path) -> list[dict]:
    """Read a filled sheet; each row's scores are ints 1–5 or None (blank)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    records = _read_csv(path) if path.suffix == ".csv" else _read_md(path)
    if not records:
        raise DataError(f"{path}: no rows found")
    header = list(records[0][0])
    missing = [c for c in ("response", *CRITERIA) if c not in header]
    if missing:
        raise DataError(f"{path}: missing column(s) {missing}; found {header}")
    rows = []
    for rec, line in records:
        row = {k: v for k, v in rec.items() if k not in CRITERIA}
        for c in CRITERIA:
            row[c] = _score(rec.get(c, ""), path, line, c, header.index(c) + 1)
        rows.append(row)
    return rows


def summarize(rows: list[dict]) -> dict[str, dict[str, tuple[float | None, int]]]:
    """model (or "all" without a model column) → criterion → (mean score, number rated)."""
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r.get("model") or "all", []).append(r)
    out = {}
    for model, group in groups.items():
        out[model] = {}
        for c in CRITERIA:
            scores = [r[c] for r in group if r.get(c) is not None]
            out[model][c] = (sum(scores) / len(scores) if scores else None, len(scores))
    return out


def format_summary(summary: dict[str, dict[str, tuple[float | None, int]]]) -> str:
    """One line per model: mean (n) for each criterion."""
    name_w = max([5] + [len(m) for m in summary])
    lines = [f"{'model':<{name_w}}  " + "  ".join(f"{c:>16}" for c in CRITERIA)]
    for model, crit in summary.items():
        cells = [("—" if mean is None else f"{mean:.2f}") + f" (n={n})" for mean, n in crit.values()]
        lines.append(f"{model:<{name_w}}  " + "  ".join(f"{c:>16}" for c in cells))
    return "\n".join(lines)


# ----------------------------------------------------------------------------- CLI entry points

def load_prompts(path: str, limit: int | None = None) -> list[str]:
    """Prompts for a sheet: a .txt file (one per non-blank line) or benchmark-style rows (`instruction`)."""
    if Path(path).suffix == ".txt":
        prompts = [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
        return prompts[:limit] if limit else prompts
    return [it.instruction for it in load_items(path, limit=limit)]


def main_sheet_export(models: str | list[str], prompts: str | None, out: str | Path, template: str | None = None,
                      max_new_tokens: int = 256, max_items: int | None = None) -> Path:
    """`posttrain sheet export`: greedy answers from each model to each prompt, written as a blank sheet."""
    if not prompts:
        raise SystemExit("posttrain sheet export: give --prompts (a benchmark JSONL or a .txt file, one prompt per line)")
    models = [models] if isinstance(models, str) else list(models)
    instructions = load_prompts(prompts, max_items)
    rows = []
    for path in models:
        model, tokenizer = load_for_inference(path)
        responses = generate(model, tokenizer, instructions, template, max_new_tokens)
        rows += [{"model": path, "instruction": i, "response": r} for i, r in zip(instructions, responses)]
        del model  # free one model's weights before loading the next
        gc.collect()
    written = export_sheet(rows, out)
    print(f"wrote {len(rows)} rows to {written}; fill in {'/'.join(CRITERIA)} (1–5), then run "
          f"`posttrain sheet import {written}`")
    return written


def main_sheet_import(path: str | Path) -> dict:
    """`posttrain sheet import`: validate a filled sheet and print the mean score per criterion (per model)."""
    summary = summarize(import_sheet(path))
    print(format_summary(summary))
    return summary
