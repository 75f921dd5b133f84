"""Judges hand back typed verdicts: an LLM judge behind any chat backend (its reply read for a verdict),
a reward model (its rewards compared, the reasoning text as the output files keep it), and the judge
command writing the winner as `chosen` whichever position it was shown in."""

from __future__ import annotations

import json

import pytest

import posttrain.feedback.judge.backends as B
import posttrain.feedback.judge.run as R
from posttrain.commands.cli import main
from posttrain.core.config import ConfigError
from posttrain.feedback.judge.verdicts import Verdict
from posttrain.infer.backend import Reply
from posttrain.infer.endpoint import EndpointChat


class Scripted:
    """A chat backend answering with fixed texts, recording what it was asked."""

    def __init__(self, texts):
        self.texts, self.seen, self.name, self.errors = list(texts), [], "scripted", ["boom"]

    def chat(self, conversations, sampling, progress=None):
        self.seen.append((conversations, sampling))
        return [Reply(t) for t in self.texts[:len(conversations)]]


def test_an_llm_judge_reads_its_backends_replies_greedily():
    backend = Scripted(["A is right. [[A]]", None, "hmm"])
    judge = B.ChatJudge(backend, "Q {question} A {answer_a} B {answer_b}", max_new_tokens=7)
    got = judge([("q", "x", "y")] * 3)
    assert [v.winner for v in got] == ["A", None, None] and [v.failed for v in got] == [False, True, False]
    convs, sampling = backend.seen[0]
    assert convs[0] == [{"role": "user", "content": "Q q A x B y"}]
    assert (sampling.temperature, sampling.max_new_tokens) == (0.0, 7)
    assert judge.name == "scripted" and judge.errors == ["boom"]
    single = B.ChatJudge(Scripted(["Fine. Rating: [[7]]"]), "{question} {answer}")([("q", "x")])
    assert single[0].rating == 7.0 and single[0].winner is None


def test_a_reward_model_judge_builds_its_verdicts(monkeypatch):
    rewards = {"good": 0.12345, "bad": -0.5, "same": -0.5, "huge": None}
    score = lambda questions, answers: [rewards[a] for a in answers]  # noqa: E731
    monkeypatch.setattr(B, "reward_model_scorer", lambda path, template=None: score)
    judge = B.RewardModelJudge("rm")
    got = judge([("q", "good", "bad"), ("q", "bad", "good"), ("q", "bad", "same"), ("q", "huge", "bad")])
    assert [v.winner for v in got] == ["A", "B", "tie", None]
    assert got[0].text == "reward A 0.1235, reward B -0.5000: [[A]]" and got[2].text.endswith("[[C]]")
    assert got[3].failed  # a job the reward model cannot score is a failed judgement, not a crash
    single = judge([("q", "good"), ("q", "huge")])
    assert single[0] == Verdict(rating=0.1235, text="reward 0.1235") and single[1].failed and judge([]) == []


def test_an_endpoint_judge_needs_the_model_name():
    with pytest.raises(ConfigError, match="--judge_model"):
        B.make_judge("http://127.0.0.1:1/v1", "{question}{answer_a}{answer_b}")
    judge = B.make_judge("http://127.0.0.1:1/v1", "{question}{answer_a}{answer_b}", judge_model="m")
    assert isinstance(judge, B.ChatJudge) and isinstance(judge.backend, EndpointChat)
    assert judge.name == "m @ http://127.0.0.1:1/v1"


class LongerWins:
    """A stand-in judge that always prefers the longer answer, wherever it is shown."""
    name = "longer"

    def __call__(self, jobs):
        return [Verdict("A" if len(a) > len(b) else "B", text="longer") for _, a, b in jobs]


def test_the_command_writes_the_longer_answer_as_chosen_in_both_orders(tmp_path, monkeypatch):
    monkeypatch.setattr(R, "make_judge", lambda *a, **kw: LongerWins())
    rows = [{"prompt": f"q{i}", "a": "a long answer" if i % 2 else "short", "b": "short" if i % 2 else "a long answer",
             "model_a": "m1", "model_b": "m2"} for i in range(4)]
    data, out, report = tmp_path / "rows.jsonl", tmp_path / "pairs.jsonl", tmp_path / "report.json"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["judge", "stand-in", str(data), "--out", str(out), "--report", str(report)]) == 0
    pairs = [json.loads(line) for line in out.read_text().splitlines()]
    assert [p["chosen"] for p in pairs] == ["a long answer"] * 4 and [p["rejected"] for p in pairs] == ["short"] * 4
    assert [p["chosen_model"] for p in pairs] == ["m2", "m1", "m2", "m1"]
    assert [p["verdicts"] for p in pairs] == [["B", "B"], ["A", "A"]] * 2 and pairs[0]["judge"] == "longer"
    s = json.loads(report.read_text())
    assert (s["decided"], s["ties"], s["inconsistent"], s["win_rate"]) == (4, 0, 0, 0.5)
