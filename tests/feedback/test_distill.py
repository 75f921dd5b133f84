"""`posttrain distill`: each check by hand, selection among samples, and the command end to end
(its output trains with `posttrain sft`)."""

import json

import pytest

import posttrain.feedback.distill as d
from posttrain.commands.cli import main
from posttrain.infer.backend import Reply
from posttrain.infer.fewshot import FewShotChat


class Scripted:
    """A chat backend whose reply to a conversation's last turn is the next of its (text, finished) list."""

    def __init__(self, samples):
        self.samples, self.seen, self.name, self.errors = samples, [], "scripted", []

    def chat(self, convs, sampling, progress=None):
        self.seen.append(sampling)
        it = {q: iter(v) for q, v in self.samples.items()}
        return [Reply(*next(it[c[-1]["content"]])) for c in convs for _ in range(sampling.n)]


@pytest.mark.parametrize("answer,finished,answers,why", [
    ("Lima is the capital of Peru.", True, ["Lima"], None),
    ("Lima is the capital of Peru.", False, None, "unfinished"),
    ("   ", True, None, "empty"),
    ("Lima is the capital of Peru.\nQuestion: What is 2 plus 2?", True, None, "marker"),
    ("What is the capital city of Peru, please?", True, None, "echo"),
    ("Lima is big. Lima is big. Lima is big. Lima is big.", True, None, "repetitive"),
    ("Cusco is the capital of Peru.", True, ["Lima"], "wrong"),
    ("24 - 48 = -12.", True, ["24"], "wrong"),  # holds the answer, as an operand
    ("48 - 24 = 24.", True, ["24"], None),
    ("A spider has eight legs.", True, ["8", "eight"], None),
    ("A spider has 6 legs, not eight.", True, ["8", "eight"], "wrong"),
    ("Red leaves drift and fall\nswaying softly in the wind\nthe trees rest for sleep", True, [], None),
])
def test_check_reasons(answer, finished, answers, why):
    assert d.check("What is the capital city of Peru, please?", answer, finished, answers) == why


def test_repetition_by_hand():
    assert d.repetition("one two three four") == 0.0
    assert d.repetition("a b c a b c") == pytest.approx(1 / 4)  # abc bca cab abc: one of four repeats
    assert d.repetition("same line\nsame line\nother") == pytest.approx(1 / 3)


def test_first_passing_or_best_rewarded_sample():
    backend = Scripted({"q1": [("", "stop"), ("Lima.", "stop"), ("Lima is the capital.", "stop")],
                        "q2": [("Cusco.", "stop"), ("Quito.", "length"), ("Bogota.", "stop")]})
    rows = [([{"role": "user", "content": "q1"}], ["Lima"]), ([{"role": "user", "content": "q2"}], ["Lima"])]
    kept, reasons = d.distill(backend, rows, n=3)
    assert [k["answer"] for k in kept] == ["Lima."]
    assert reasons == {"empty": 1, "wrong": 2, "unfinished": 1, "questions_dropped": 1}
    assert backend.seen[0].n == 3 and backend.seen[0].temperature == 0.7
    longest = lambda prompts, completions, **kw: [float(len(c)) for c in completions]  # noqa: E731
    kept, reasons = d.distill(backend, rows, n=3, reward=longest, min_reward=6.0)
    assert [k["answer"] for k in kept] == ["Lima is the capital."] and kept[0]["reward"] == 20.0
    assert reasons["low_reward"] == 1


def test_command_writes_sft_data_that_trains(tiny_dir, tmp_path, monkeypatch, capsys):
    questions = tmp_path / "q.jsonl"
    questions.write_text("".join(json.dumps({"instruction": f"What is {i} plus {i}?"}) + "\n" for i in range(6)))
    out = tmp_path / "distilled.jsonl"
    answers = iter(["1 + 1 = 2.", "", "3 + 3 = 6.", "4 + 4 = 8.", "no", "6 + 6 = 12."])
    monkeypatch.setattr(FewShotChat, "chat", lambda self, convs, sampling, progress=None:
                        [Reply(next(answers), "stop") for _ in convs])
    assert main(["distill", str(tiny_dir), str(questions), f"out={out}", "min_words=2"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["messages"][-1]["content"] for r in rows] == ["1 + 1 = 2.", "3 + 3 = 6.", "4 + 4 = 8.", "6 + 6 = 12."]
    assert rows[0]["messages"][0] == {"role": "user", "content": "What is 0 plus 0?"}
    assert "4 of 6 questions kept" in capsys.readouterr().err
    assert main(["sft", f"model={tiny_dir}", f"data={out}", f"output_dir={tmp_path / 'sft'}", "max_steps=1",
                 "batch_size=2", "max_len=64", "dtype=fp32", "progress=false", "template=chatml"]) == 0


def test_command_on_the_real_engine(tiny_dir, tmp_path, capsys):
    questions = tmp_path / "q.jsonl"
    questions.write_text("".join(json.dumps({"instruction": f"Capital of country {i}?"}) + "\n" for i in range(3)))
    out = tmp_path / "distilled.jsonl"
    assert main(["distill", str(tiny_dir), str(questions), f"out={out}", "max_new_tokens=8", "n=2"]) == 0
    assert "of 3 questions kept" in capsys.readouterr().err
    assert out.exists()
