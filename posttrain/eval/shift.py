"""Shift probe: the same facts asked as in training, and rephrased out of distribution.

Each benchmark question is asked as written (in-distribution: the style of the SFT data) and in
rephrasings a user might type but the training data never shows: lower case without punctuation,
a chatty preamble, a request inside a role-play frame, and an answer-format constraint. Accuracy is
the benchmark's `contains` check on each. A model that learned the facts answers them either way;
one that learned the surface of its training prompts loses accuracy on the rephrasings.
"""

from __future__ import annotations

from posttrain.eval.benchmark import contains, load_items
from posttrain.infer.generation import chat_generate
from posttrain.infer.load import each_model

REPHRASINGS = {
    "lowercase": lambda q: q.lower().rstrip("?.! ") + " ?",
    "chatty": lambda q: f"hey, sorry to bother you, quick one for a quiz tonight: {q[0].lower() + q[1:]}",
    "roleplay": lambda q: f"You are a friendly museum guide talking to a visitor. The visitor asks: \"{q}\"",
    "format": lambda q: f"{q} Reply with the answer only, in at most five words.",
}


def shift(model, tokenizer, items, template: str | None = None, max_new_tokens: int = 48) -> dict:
    items = [it for it in items if it.answers]
    styles = {"as written": lambda q: q, **REPHRASINGS}
    rows = [{"instruction": it.instruction, "answers": it.answers} for it in items]
    acc = {}
    for name, rephrase in styles.items():
        convs = [[{"role": "user", "content": rephrase(it.instruction)}] for it in items]
        answers = chat_generate(model, tokenizer, convs, template, max_new_tokens=max_new_tokens, temperature=0.0,
                                progress=f"shift ({name})")
        for r, a in zip(rows, answers):
            r[name] = {"answer": a, "right": contains(a, r["answers"])}
        acc[name] = sum(r[name]["right"] for r in rows) / max(len(rows), 1)
    rephrased = sum(acc[n] for n in REPHRASINGS) / len(REPHRASINGS)
    return {"items": rows, "accuracy": acc, "in_distribution": acc["as written"], "rephrased": rephrased}


def format_shift(names: list[str], results: list[dict]) -> str:
    styles = list(results[0]["accuracy"])
    lines = ["shift probe: benchmark accuracy as written vs rephrased out of distribution",
             f"{'phrasing':<14}" + "".join(f"{n[-24:]:>26}" for n in names)]
    for s in styles:
        lines.append(f"{s:<14}" + "".join(f"{100 * r['accuracy'][s]:>25.0f}%" for r in results))
    lines.append(f"{'rephrased avg':<14}" + "".join(f"{100 * r['rephrased']:>25.0f}%" for r in results))
    return "\n".join(lines)


def main_shift(models: list[str], benchmark: str, template: str | None = None, max_items: int | None = None,
               show_items: bool = False) -> list[dict]:
    items = load_items(benchmark, max_items)

    def measure(path, model, tok):
        result = shift(model, tok, items, template)
        if show_items:
            print(f"\n== {path}: per item (✓ right, ✗ wrong) as written / " + " / ".join(REPHRASINGS))
            for r in result["items"]:
                print("  " + " ".join("✓" if r[s]["right"] else "✗" for s in result["accuracy"]) + f"  {r['instruction'][:60]!r}")
        return result

    results = each_model(models, measure)
    print("\n" + format_shift(models, results))
    return results
