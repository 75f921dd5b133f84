"""Orientation: every tool that writes training data puts the better answer on the `chosen` side (and keeps
only the better answer), whichever order the answers were shown or sampled in.

Each writer is driven end to end through its command by a stand-in whose right answer is known: a judge
that prefers the longer answer (as generated text, through an OpenAI-compatible endpoint, by its letter
odds, as a reward model), a critic whose revisions are marked "REVISED", a reward that is an answer's
length, a model that is right on half of the problems. The stand-ins read only what the writer shows
them (the filled judge prompt, the conversation), so a writer that mislabels positions or swaps the
sides of a pair turns these tests red. Judging pairs with a stand-in judge *function* is covered in
judge/test_verdicts.py and judge/test_backends.py; these go through each judge back-end."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
import torch

import posttrain.feedback.best_of_n as bon
import posttrain.feedback.constitution as C
import posttrain.feedback.corrections as corr
import posttrain.feedback.distill as dist
import posttrain.feedback.judge.backends as B
from posttrain.commands.cli import main
from posttrain.core.tokenizer import train_tokenizer
from posttrain.data.formats import load_rows
from posttrain.data.preference import to_pair
from posttrain.eval.tasks import last_number, load_task
from posttrain.infer.backend import Reply

LONG, SHORT = "a long and careful answer", "short"


def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


# ----------------------------------------------------------------------------- judge back-ends

_SHOWN = re.compile(r"\[Answer A\]\n([^\n]*)\n\n\[Answer B\]\n([^\n<]*)")


def shown(prompt: str) -> tuple[str, str]:
    """The answers a filled default pairwise template shows as A and B (as the judge reads them)."""
    a, b = _SHOWN.search(prompt).groups()
    return a.strip(), b.strip()


def longer_letter(prompt: str) -> str:
    a, b = shown(prompt)
    return "A" if len(a) > len(b) else "B"


class LongerJudgeChat:
    """A chat backend that judges the filled prompt it is sent: the longer answer, by its letter."""
    name, errors = "longer-chat", []

    def chat(self, conversations, sampling, progress=None):
        return [Reply(f"Answer {(w := longer_letter(c[-1]['content']))} is longer. [[{w}]]") for c in conversations]


class LongerEndpoint(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat-completions endpoint judging like `LongerJudgeChat`."""

    def do_POST(self):  # noqa: N802 - the http.server name
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        w = longer_letter(req["messages"][-1]["content"])
        body = json.dumps({"id": "c", "object": "chat.completion", "created": 0, "model": req["model"],
                           "choices": [{"index": 0, "finish_reason": "stop",
                                        "message": {"role": "assistant", "content": f"Longer: [[{w}]]"}}],
                           "usage": {"prompt_tokens": 1, "completion_tokens": 3, "total_tokens": 4}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class LongerLetterLM:
    """A stand-in causal LM for the letter-odds judge: after the rendered judge prompt its next-token logits
    favour the token that reads "A" or "B" by the length of the answer shown under that letter (0.2 nats
    a character), so P(letter of the longer answer) > 1/2, and more so the longer it is."""
    device = torch.device("cpu")

    def __init__(self, tok):
        self.tok = tok
        self.letter = {x: [i for i in range(len(tok)) if tok.decode([i]) == x] for x in "AB"}

    def __call__(self, ids, logits_to_keep=1):
        a, b = shown(self.tok.decode(ids[0].tolist()))
        logits = torch.zeros(1, 1, len(self.tok))
        for x, text in (("A", a), ("B", b)):
            logits[0, -1, self.letter[x]] = 0.2 * len(text)
        return SimpleNamespace(logits=logits)


@pytest.fixture(scope="module")
def byte_tok():
    """A byte-level tokenizer with no merges to speak of: every text round-trips, and "A"/"B" are tokens."""
    return train_tokenizer(["A B [[ ]]"], vocab_size=300)


@pytest.fixture()
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), LongerEndpoint)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def judge_rows(tmp_path):
    """Four pairs, the longer answer shown first (as `a`) in rows 0 and 2, second (as `b`) in rows 1 and 3."""
    rows = [{"prompt": f"Question {i}?", "a": LONG if i % 2 == 0 else SHORT, "b": SHORT if i % 2 == 0 else LONG,
             "model_a": "m1", "model_b": "m2"} for i in range(4)]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.parametrize("backend", ["text", "endpoint", "logprobs", "logprobs_mean", "reward_model"])
def test_every_judge_backend_writes_the_longer_answer_as_chosen_in_both_orders(backend, tmp_path, monkeypatch,
                                                                              byte_tok, request):
    spec, extra = "stand-in", []
    if backend == "text":
        monkeypatch.setattr(B, "open_backend", lambda *a, **kw: LongerJudgeChat())
    elif backend == "endpoint":
        spec, extra = request.getfixturevalue("endpoint"), ["--judge_model", "judge"]
    elif backend.startswith("logprobs"):
        local = SimpleNamespace(model=LongerLetterLM(byte_tok), tokenizer=byte_tok, name="letters")
        monkeypatch.setattr(B.LocalChat, "load", lambda *a, **kw: local)
        extra = ["--verdict", "logprobs"] + (["--swap_rule", "mean"] if backend == "logprobs_mean" else [])
    else:
        monkeypatch.setattr(B, "is_reward_model", lambda path: True)
        monkeypatch.setattr(B, "reward_model_scorer",
                            lambda path, template=None: lambda qs, answers: [float(len(x)) for x in answers])
    out, report = tmp_path / "pairs.jsonl", tmp_path / "report.json"
    assert main(["judge", spec, str(judge_rows(tmp_path)), "--out", str(out), "--report", str(report), *extra]) == 0
    pairs = read_jsonl(out)
    assert [(p["chosen"], p["rejected"]) for p in pairs] == [(LONG, SHORT)] * 4
    assert [p["chosen_model"] for p in pairs] == ["m1", "m2", "m1", "m2"]  # the longer was shown first, then second
    assert [p["rejected_model"] for p in pairs] == ["m2", "m1", "m2", "m1"]
    if backend != "logprobs_mean":
        assert [p["verdicts"] for p in pairs] == [["A", "A"], ["B", "B"]] * 2  # each read as a verdict on (a, b)
    else:
        assert all(p["p_a_better"] > 0.5 for p in pairs[::2]) and all(p["p_a_better"] < 0.5 for p in pairs[1::2])
    s = json.loads(report.read_text())
    assert (s["decided"], s["ties"], s["win_rate"]) == (4, 0, 0.5)


# ----------------------------------------------------------------------------- Constitutional AI

PRINCIPLES = "- fix: Critique the answer. || Revise the answer.\n"


class MarkingCritic:
    """Answers each prompt with a draft (long for even prompts, short for odd), critiques when asked to
    critique, and revises the latest answer as "REVISED v<n>" (n: the round): the revision is the better
    answer, shorter than the draft for even prompts and longer for odd ones."""
    name, errors = "marking", []

    def chat(self, conversations, sampling, progress=None):
        out = []
        for c in conversations:
            last = c[-1]["content"]
            if last == "Critique the answer.":
                out.append(Reply("It could be better."))
            elif last == "Revise the answer.":
                latest = c[-4]["content"]  # the answer critiqued: [..., latest, critique?, critique, revise?]
                n = int(latest.removeprefix("REVISED v")) + 1 if latest.startswith("REVISED v") else 1
                out.append(Reply(f"REVISED v{n}"))
            else:
                i = int(last.split()[-1].rstrip("?"))
                out.append(Reply(f"a long rambling first draft for prompt {i}" if i % 2 == 0 else f"draft {i}"))
        return out


def test_constitution_writes_the_final_revision_as_chosen_and_the_draft_as_rejected(tmp_path, monkeypatch):
    monkeypatch.setattr(C.LocalChat, "load", lambda *a, **kw: MarkingCritic())
    (tmp_path / "c.md").write_text(PRINCIPLES)
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text("".join(json.dumps({"prompt": f"Tell me about prompt {i}?"}) + "\n" for i in range(4)))
    sft, pairs = tmp_path / "sft.jsonl", tmp_path / "pairs.jsonl"
    assert main(["constitution", "stand-in", str(prompts), "--out_sft", str(sft), "--out_pairs", str(pairs),
                 "--constitution", str(tmp_path / "c.md"), "--rounds", "2"]) == 0
    drafts = [f"a long rambling first draft for prompt {i}" if i % 2 == 0 else f"draft {i}" for i in range(4)]
    got = read_jsonl(pairs)
    assert [(p["chosen"], p["rejected"]) for p in got] == [("REVISED v2", d) for d in drafts]
    assert [p["prompt"][-1]["content"] for p in got] == [f"Tell me about prompt {i}?" for i in range(4)]
    assert [r["messages"][-1]["content"] for r in read_jsonl(sft)] == ["REVISED v2"] * 4
    read = [(r.chosen[-1]["content"], r.rejected[-1]["content"]) for r in load_rows(str(pairs), to_pair)]
    assert read == [("REVISED v2", d) for d in drafts]  # as `dpo` reads them


# ----------------------------------------------------------------------------- best-of-n

class Ordered:
    """n samples per prompt whose lengths rise ("up"), fall ("down") or peak in the middle ("mid")."""
    name, errors, tokenizer = "ordered", [], None
    SAMPLES = {"up": ["a", "bb bb", "ccc ccc ccc", "dddd dddd dddd dddd"],
               "down": ["dddd dddd dddd dddd", "ccc ccc ccc", "bb bb", "a"],
               "mid": ["bb bb", "dddd dddd dddd dddd", "a", "ccc ccc ccc"]}

    def chat(self, conversations, sampling, progress=None):
        assert sampling.n == 4
        return [Reply(s) for c in conversations for s in self.SAMPLES[c[-1]["content"]]]


def test_best_of_n_keeps_the_best_and_pairs_best_over_worst_whatever_the_sample_order(tmp_path, monkeypatch):
    monkeypatch.setattr(bon.LocalChat, "load", lambda *a, **kw: Ordered())
    monkeypatch.setattr(bon, "load_reward", lambda *a, **kw: lambda prompts, completions, **k: [float(len(c))
                                                                                             for c in completions])
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text("".join(json.dumps({"prompt": p}) + "\n" for p in ("up", "down", "mid")))
    out, pairs = tmp_path / "best.jsonl", tmp_path / "pairs.jsonl"
    assert main(["best-of-n", "stand-in", str(prompts), "reward=length", f"out={out}", f"pairs={pairs}", "n=4"]) == 0
    best, worst = "dddd dddd dddd dddd", "a"
    rows = read_jsonl(out)
    assert [(r["messages"][0]["content"], r["messages"][-1]["content"], r["reward"]) for r in rows] == \
        [(p, best, float(len(best))) for p in ("up", "down", "mid")]
    assert [(p["prompt"][-1]["content"], p["chosen"], p["rejected"]) for p in read_jsonl(pairs)] == \
        [(p, best, worst) for p in ("up", "down", "mid")]


# ----------------------------------------------------------------------------- corrections

class HalfRight:
    """Answers the arithmetic task from its own answer key: right on even problems, one too many on odd
    ones (the wrong number said once early and once last, or only last, alternately)."""
    name, errors = "half-right", []

    def __init__(self, key):
        self.key = key

    def chat(self, conversations, sampling, progress=None):
        out = []
        for k, c in enumerate(conversations):
            i, answer = self.key[c[-1]["content"]]
            n = answer if i % 2 == 0 else str(int(answer) + 1)
            out.append(Reply(f"I get {n}, so the result is {n}." if i % 4 in (0, 1) else f"The result is {n}."))
        return out


def test_corrections_write_the_corrected_reply_as_chosen_and_the_wrong_one_as_rejected(tmp_path, monkeypatch):
    task = load_task("arithmetic")
    key = {r["prompt"][-1]["content"]: (i, r["answers"][0]) for rows in (task.train, task.heldout)
           for i, r in enumerate(rows)}
    monkeypatch.setattr(corr.LocalChat, "load", lambda *a, **kw: HalfRight(key))
    out, held, report = tmp_path / "p.jsonl", tmp_path / "h.jsonl", tmp_path / "r.json"
    assert main(["corrections", "stand-in", "--out", str(out), "--out_heldout", str(held), "--report", str(report)]) == 0
    s = json.loads(report.read_text())
    for split, rows, path in (("train", task.train, out), ("heldout", task.heldout, held)):
        pairs = read_jsonl(path)
        wrong = [r for i, r in enumerate(rows) if i % 2]
        assert len(pairs) == len(wrong) == s[split]["pairs"]
        assert s[split]["accuracy"] == (len(rows) - len(wrong)) / len(rows)
        for p, r in zip(pairs, wrong):
            assert p["prompt"] == r["prompt"]
            assert last_number(p["chosen"]) in r["answers"] and last_number(p["rejected"]) not in r["answers"]
            assert p["chosen"].rsplit(" ", 1)[0] == p["rejected"].rsplit(" ", 1)[0]  # only the result differs


# ----------------------------------------------------------------------------- self-distillation

class TwoOrders:
    """Two samples a question, the right one first ("first") or second ("second"), both finished (the wrong
    sum names the right one on its way: the reply's result is its last number)."""
    name, errors = "two-orders", []
    LIMA, QUITO = "The capital of Peru is Lima.", "The capital of Peru is Quito."
    SAMPLES = {"What is the capital of Peru? first": [LIMA, QUITO], "What is the capital of Peru? second": [QUITO, LIMA],
               "What is 6 plus 7? first": ["6 plus 7 is 13.", "6 plus 7 is not 13 but 14."],
               "What is 6 plus 7? second": ["6 plus 7 is not 13 but 14.", "6 plus 7 is 13."]}

    def chat(self, conversations, sampling, progress=None):
        assert sampling.n == 2
        return [Reply(s, "stop") for c in conversations for s in self.SAMPLES[c[-1]["content"]]]


def test_distill_keeps_only_the_right_answer_whichever_sample_it_is(tmp_path, monkeypatch):
    monkeypatch.setattr(dist, "load_for_inference", lambda path: (None, None))
    monkeypatch.setattr(dist, "FewShotChat", lambda *a, **kw: TwoOrders())
    questions = tmp_path / "q.jsonl"
    answers = {q: ["Lima"] if "Peru" in q else ["13"] for q in TwoOrders.SAMPLES}
    questions.write_text("".join(json.dumps({"prompt": q, "answers": a}) + "\n" for q, a in answers.items()))
    out = tmp_path / "distilled.jsonl"
    assert main(["distill", "stand-in", str(questions), f"out={out}", "n=2"]) == 0
    assert [r["messages"][-1]["content"] for r in read_jsonl(out)] == \
        ["The capital of Peru is Lima."] * 2 + ["6 plus 7 is 13."] * 2


def test_distill_with_a_reward_keeps_the_best_rewarded_sample_in_either_order():
    """Among samples that all pass the checks, the one of the highest reward (here: the longer) is kept,
    whether it was sampled first or second."""
    samples = {"q1": ["Lima.", "Lima is the capital of Peru."], "q2": ["Lima is the capital of Peru.", "Lima."]}

    class Backend:
        name, errors = "b", []

        def chat(self, conversations, sampling, progress=None):
            return [Reply(s, "stop") for c in conversations for s in samples[c[-1]["content"]]]

    rows = [([{"role": "user", "content": q}], ["Lima"]) for q in samples]
    longer = lambda prompts, completions, **kw: [float(len(c)) for c in completions]  # noqa: E731
    kept, _ = dist.distill(Backend(), rows, n=2, reward=longer)
    assert [(k["answer"], k["reward"]) for k in kept] == [("Lima is the capital of Peru.", 28.0)] * 2
