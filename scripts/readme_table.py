"""Write the README's before/after table from the demo's report (out/demo/gemma/report/report.json):
the lines between `<!-- demo-table:start -->` and `<!-- demo-table:end -->` are replaced.
    python scripts/readme_table.py [REPORT_JSON] [README]"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def pct(x) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def num(x) -> str:
    return "—" if x is None else f"{x:.2f}" if x < 100 else f"{x:.1f}"


def table(report: dict) -> str:
    models = report["models"]
    rows = [("benchmark accuracy (answer contained)",
             [pct(m["contains"]) + (f" (few-shot: {pct(m['fewshot'])})" if m.get("fewshot") is not None else "")
              for m in models]),
            ("benchmark exact match", [pct(m["exact"]) for m in models]),
            ("knowledge retention", [pct(m["retention"]) if i else "—" for i, m in enumerate(models)])]
    rows += [(f"held-out {t} accuracy", [pct(m["tasks"].get(t)) for m in models]) for t in models[0]["tasks"]]
    rows += [("perplexity in-domain", [num(m["ppl_in"]) for m in models]),
             ("perplexity out-of-domain (*The Tempest*)", [num(m["ppl_ood"]) for m in models])]
    lines = ["| | " + " | ".join(m["label"] for m in models) + " |", "|---" * (len(models) + 1) + "|"]
    lines += [f"| {name} | " + " | ".join(vals) + " |" for name, vals in rows]
    return "\n".join("   " + line for line in lines)  # indented: the table sits in the README's numbered list


def main() -> None:
    report = Path(sys.argv[1] if len(sys.argv) > 1 else "out/demo/gemma/report/report.json")
    readme = Path(sys.argv[2] if len(sys.argv) > 2 else "README.md")
    text = readme.read_text()
    start, end = "<!-- demo-table:start -->", "<!-- demo-table:end -->"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{table(json.loads(report.read_text()))}\n{end}{tail}")
    print(f"{readme}: table written from {report}")


if __name__ == "__main__":
    main()
