"""Rating sheets: CSV and Markdown round trips, score validation naming file/line/column, summaries."""

import csv

import pytest

from posttrain.data.readers import DataError
from posttrain.eval.sheets import CRITERIA, export_sheet, format_summary, import_sheet, summarize

ROWS = [{"model": "base", "instruction": "Say hi", "response": "hi | there,\n\"friend\" \\ ok"},
        {"model": "sft", "instruction": "Capital of France?", "response": "Paris."}]


@pytest.mark.parametrize("suffix", [".csv", ".md"])
def test_round_trip_blank(tmp_path, suffix):
    path = export_sheet(ROWS, tmp_path / f"sheet{suffix}")
    back = import_sheet(path)
    assert [(r["id"], r["model"], r["instruction"], r["response"]) for r in back] == \
        [("1", "base", "Say hi", ROWS[0]["response"]), ("2", "sft", "Capital of France?", "Paris.")]
    assert all(r[c] is None for r in back for c in CRITERIA)


def test_no_model_column_without_models(tmp_path):
    path = export_sheet([{"instruction": "q", "response": "a"}], tmp_path / "s.csv")
    assert path.read_text().splitlines()[0] == "id,instruction,response,helpfulness,accuracy,clarity,notes"


def fill_csv(path, scores):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for row, (h, a, c) in zip(rows, scores):
        row.update(helpfulness=h, accuracy=a, clarity=c)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def test_csv_filled_scores_and_summary(tmp_path):
    path = export_sheet(ROWS + [{"model": "base", "instruction": "q", "response": "a"}], tmp_path / "s.csv")
    fill_csv(path, [("5", "4", "3"), ("2", "", "4.0"), ("3", "2", "")])
    rows = import_sheet(path)
    assert [(r["helpfulness"], r["accuracy"], r["clarity"]) for r in rows] == [(5, 4, 3), (2, None, 4), (3, 2, None)]
    summary = summarize(rows)
    # base: helpfulness (5+3)/2 = 4, accuracy (4+2)/2 = 3, clarity 3 (one rated); sft: 2, none, 4
    assert summary == {"base": {"helpfulness": (4.0, 2), "accuracy": (3.0, 2), "clarity": (3.0, 1)},
                       "sft": {"helpfulness": (2.0, 1), "accuracy": (None, 0), "clarity": (4.0, 1)}}
    table = format_summary(summary)
    assert "4.00 (n=2)" in table and "— (n=0)" in table and table.splitlines()[0].split() == ["model", *CRITERIA]


def test_markdown_filled(tmp_path):
    path = export_sheet(ROWS, tmp_path / "s.md")
    text = path.read_text()
    assert text.count("|  |  |  |  |\n") == 2  # four blank cells per row: three scores and notes
    text = text.replace("|  |  |  |  |\n", "| 5 | 4 | 3 | good \\| fine |\n", 1).replace("|  |  |  |  |\n", "| 1 | 2 | 3 |  |\n")
    path.write_text(text)
    rows = import_sheet(path)
    assert [(r["helpfulness"], r["accuracy"], r["clarity"], r["notes"]) for r in rows] == [(5, 4, 3, "good | fine"), (1, 2, 3, "")]
    assert summarize([{k: v for k, v in r.items() if k != "model"} for r in rows])["all"]["helpfulness"] == (3.0, 2)


@pytest.mark.parametrize("value", ["7", "0", "4.5", "good"])
def test_csv_bad_score_names_line_and_column(tmp_path, value):
    path = export_sheet(ROWS, tmp_path / "s.csv")
    fill_csv(path, [("5", "4", "3"), ("4", value, "4")])
    # line 1 header; row 1 spans lines 2-3 (its response holds a newline); row 2 is on line 4.
    # columns: id, model, instruction, response, helpfulness, accuracy → accuracy is column 6.
    with pytest.raises(DataError, match=rf"s\.csv:4: column 'accuracy' \(column 6\): expected an integer 1–5, found '{value}'"):
        import_sheet(path)


def test_markdown_bad_score_names_line_and_column(tmp_path):
    path = export_sheet(ROWS, tmp_path / "s.md")
    path.write_text(path.read_text().replace("|  |  |  |  |\n", "| 3 | 3 | 9 |  |\n"))
    # line 1 the instructions, 2 blank, 3 header, 4 separator, 5 first row
    with pytest.raises(DataError, match=r"s\.md:5: column 'clarity' \(column 7\)"):
        import_sheet(path)


def test_missing_columns_and_bad_suffix(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("instruction,response\nq,a\n")
    with pytest.raises(DataError, match="missing column"):
        import_sheet(path)
    with pytest.raises(ValueError, match=r"\.csv or \.md"):
        export_sheet(ROWS, tmp_path / "s.txt")
