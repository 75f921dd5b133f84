"""Benchmark scoring: normalisation, `contains` / `exact` on hand-written cases, item loading, the table."""

import json

import pytest

import posttrain.eval.benchmark
from posttrain.data.readers import DataError
from posttrain.eval.benchmark import (
    BenchResult,
    Item,
    contains,
    exact,
    format_table,
    load_items,
    normalize,
    run_benchmark,
    score,
)


@pytest.mark.parametrize("text,expected", [
    ("The capital is Paris.", "capital is paris"),
    ("  A   cat!!  ", "cat"),
    ("Hello,\n\tWorld?", "hello world"),
    ("It costs 3.5 dollars.", "it costs 3.5 dollars"),   # decimal point kept, sentence point dropped
    ("1,000 people", "1000 people"),                      # thousands comma dropped
    ("Theatre and the anchor", "theatre and anchor"),     # articles only as whole words
    ("“Quoted” — dash", "quoted dash"),
])
def test_normalize(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize("response,answers,expected", [
    ("The capital is Paris.", ["paris"], True),
    ("14", ["4"], False),                       # word-boundary aware
    ("It is 14.", ["4"], False),
    ("2 plus 2 is 4.", ["4"], True),
    ("I live in New York City.", ["new york"], True),   # multi-word answer
    ("York", ["New York"], False),
    ("3.5", ["35"], False),
    ("Rome, I think", ["Paris", "Rome"], True),          # any of several answers
    ("anything", [], False),
    ("'Thank you' in Spanish is '¡Gracias'.", ["gracias"], True),  # ¡ ¿ open Spanish sentences
    ("¿Dónde está? Aquí.", ["aquí"], True),
])
def test_contains(response, answers, expected):
    assert contains(response, answers) is expected


@pytest.mark.parametrize("response,answers,expected", [
    ("Paris.", ["paris"], True),
    ("  the Paris  ", ["Paris"], True),                 # articles and whitespace normalised away
    ("Paris.\nIt is in France.", ["Paris"], True),      # first line
    ("Paris. It is in France.", ["Paris"], True),       # first sentence
    ("It is Paris.", ["paris"], False),                 # contains, but not exact
    ("3.5", ["3.5"], True),                             # a decimal point does not end a sentence
    ("4", ["14"], False),
    ("", ["x"], False),
])
def test_exact(response, answers, expected):
    assert exact(response, answers) is expected


# Multiple choice: an expected "A" normalised to "" (article stripped) and could never match.
@pytest.mark.parametrize("response,contains_ok,exact_ok", [
    ("A", True, True),
    ("(A)", True, True),
    ("A.", True, True),
    ("a)", True, True),
    ("A. Paris", True, True),
    ("The answer is A", True, False),
    ("The answer is (A), Paris.", True, False),
    ("answer: a", True, False),
    ("B", False, False),
    ("(B)", False, False),
    ("The answer is B", False, False),
    ("A dog is not a cat. The answer is C.", False, False),  # "A"/"a" as articles are not a choice
    ("", False, False),
])
def test_multiple_choice_letter(response, contains_ok, exact_ok):
    assert contains(response, ["A"]) is contains_ok
    assert exact(response, ["A"]) is exact_ok
    assert exact(response, ["(A)"]) is exact_ok  # the answer written as a choice marker is the same letter


@pytest.mark.parametrize("response,answer,contains_ok,exact_ok", [
    ("an", "an", True, True),
    ("The.", "the", True, True),
    ("a cat", "the", False, False),
    ("It is an apple.", "an", True, False),
])
def test_article_answers_are_not_emptied(response, answer, contains_ok, exact_ok):
    assert contains(response, [answer]) is contains_ok
    assert exact(response, [answer]) is exact_ok


def test_multiple_choice_items_score():
    items = [Item("Which is a city? (A) Paris (B) Blue", ["A"]), Item("Pick one: (A) x (B) y", ["B"])]
    result = score(items, ["(A)", "The answer is A"])
    assert [r.contains for r in result.rows] == [True, False]
    assert [r.exact for r in result.rows] == [True, False]


def write_jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_load_items(tmp_path):
    path = write_jsonl(tmp_path / "b.jsonl", [
        {"instruction": "Capital of France?", "answers": ["Paris"], "family": "geo"},
        {"instruction": "Write a poem.", "answers": []},
        {"instruction": "2+2?", "answers": "4"},   # a single string is one answer
    ])
    items = load_items(str(path))
    assert items == [Item("Capital of France?", ["Paris"], "geo"), Item("Write a poem.", [], None), Item("2+2?", ["4"], None)]
    assert [it.scored for it in items] == [True, False, True]
    assert len(load_items(str(path), limit=2)) == 2


@pytest.mark.parametrize("bad,field", [
    ({"instruction": "x", "answers": 4}, "answers"),
    ({"instruction": "", "answers": ["a"]}, "instruction"),
    ({"answers": ["a"]}, "instruction"),
    ({"instruction": "x", "answer": "a"}, "answer"),       # the typo would silently leave the item unscored
    ({"instruction": "x", "family": 3}, "family"),
    ({"instruction": "x", "answers": ["..."]}, "answers"),  # nothing left to match: never scored right
])
def test_load_items_errors_name_file_line_field(tmp_path, bad, field):
    path = write_jsonl(tmp_path / "b.jsonl", [{"instruction": "ok", "answers": ["a"]}, bad])
    with pytest.raises(DataError, match=rf"b\.jsonl:2: field '{field}'"):
        load_items(str(path))


def test_score_accuracy_excludes_unscored_items():
    items = [Item("q1", ["paris"], "geo"), Item("q2", ["4"], "math"), Item("q3", []), Item("q4", ["rome"], "geo")]
    result = score(items, ["Paris.", "It is 14.", "free text", "I think it is Rome."])
    # contains: q1 ✓ q2 ✗ q4 ✓ → 2/3; exact: q1 ✓ only → 1/3; q3 not scored.
    assert [r.contains for r in result.rows] == [True, False, None, True]
    assert [r.exact for r in result.rows] == [True, False, None, False]
    assert result.n_scored == 3
    assert result.contains_acc == pytest.approx(2 / 3)
    assert result.exact_acc == pytest.approx(1 / 3)
    assert result.by_family() == {"geo": (1.0, 0.5, 2), "math": (0.0, 0.0, 1)}
    assert BenchResult([]).contains_acc is None


def test_format_table():
    items = [Item("Capital of France?", ["Paris"]), Item("Write a poem.", [])]
    table = format_table(score(items, ["Paris.\nIt is in France.", "x" * 500]), width=100)
    lines = table.splitlines()
    assert lines[2].startswith("✓ ✓  Capital of France?")
    assert "Paris. ⏎ It is in France." in lines[2]                 # got shown on one line
    assert lines[3].startswith("· ·  Write a poem.") and "(not scored)" in lines[3]
    assert lines[3].endswith("…") and len(lines[3]) <= 100        # long reply truncated to the width
    assert lines[-1] == "accuracy: contains 100.0%, exact 100.0% over 1 scored items, 1 not scored"


def test_run_benchmark_uses_the_engine_greedily(monkeypatch):
    """Prompts go to `chat_generate` as single-turn conversations, greedy, with the batch size."""
    calls = []

    def chat_generate(model, tokenizer, conversations, template=None, batch_size=32, **kw):
        calls.append((conversations[0], template, batch_size, kw))
        return ["Paris" if "France" in c[0]["content"] else "no idea" for c in conversations]

    monkeypatch.setattr(posttrain.eval.benchmark, "chat_generate", chat_generate)
    items = [Item(f"Capital of France? ({i})", ["Paris"]) for i in range(3)] + [Item("Capital of Peru?", ["Lima"])] * 2
    result = run_benchmark(None, None, items, template="chatml", max_new_tokens=7, batch_size=2)
    assert calls == [([{"role": "user", "content": "Capital of France? (0)"}], "chatml", 2,
                      {"max_new_tokens": 7, "temperature": 0.0, "progress": "answering"})]
    assert result.contains_acc == pytest.approx(3 / 5)


def test_run_benchmark_real_engine(tokenizer):
    pytest.importorskip("posttrain.infer.engine")
    from posttrain.model.hf import tiny_model

    items = [Item("What is the capital of Peru?", ["Lima"]), Item("What is 2 plus 2?", ["4"])]
    result = run_benchmark(tiny_model(tokenizer), tokenizer, items, max_new_tokens=4, batch_size=2)
    assert len(result.rows) == 2 and all(isinstance(r.got, str) for r in result.rows)
    assert 0.0 <= result.contains_acc <= 1.0


def test_win_rate_counts_by_hand():
    from posttrain.eval.benchmark import BenchResult, Row, win_rate

    def res(flags, texts):
        return BenchResult([Row("q", ["a"], t, f, f) for f, t in zip(flags, texts)])

    new = res([True, True, False, None], ["a b", "a", "x y z w", "-"])
    old = res([False, True, True, None], ["x", "a", "a", "-"])
    r = win_rate(new, old)
    assert (r["wins"], r["losses"], r["ties"], r["n"]) == (1, 1, 1, 3)
    assert r["win_rate"] == 0.5 and r["words_new"] == (2 + 1 + 4) / 3 and r["words_old"] == 1.0
