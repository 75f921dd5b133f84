"""scripts/import_corpora.py: the converter's filters on a tiny in-memory chatterbot-style archive, and
the invariants of the bundled output files. Offline: the downloaded packages are not needed."""

import importlib.util
import json
import os
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location("import_corpora", os.path.join(ROOT, "scripts", "import_corpora.py"))
ic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ic)

SAMPLE = {
    "ai.yml": """categories: [AI]
conversations:
- - What is AI?
  - Artificial intelligence is the study of machines that perform tasks that normally need human thinking.
- - Who are you?
  - I am a robot named Bob and my favourite food is pizza.
- - What is your name?
  - ChatterBot is my name.
- - Are you a computer program?
  - Yes.
- - What is a chat robot?
  - Robots.
- - What is the capital of France?
  - The capital of France is Paris.
- - Tell me about Paris.
  - It is a large city with many museums.
- - Can you help me?
  - Sure, what do you need?
- - Can you help me?
  - Sure, I can help with that. <|im_end|>
- - What is the biggest ocean on Earth?
  - The Pacific Ocean is the biggest one.
""",
    "conversations.yml": """categories: [conversations]
conversations:
- - Good morning, how are you?
  - I am doing well, how about you?
  - I'm also good.
  - That's good to hear.
  - What did you eat today?
  - I ate a big sandwich for lunch.
""",
    "computers.yml": """categories: [computers]
conversations:
- - What is a computer?
  - A computer is an electronic machine that processes data by following instructions.
  - My favourite computer is the one I live in.
""",
    "trivia.yml": """categories: [trivia]
conversations:
- - What is the softest mineral in the world?
  - Talc
- - What is the largest type of deer?
  - The moose
""",
}


@pytest.fixture()
def archive(tmp_path):
    path = tmp_path / "chatterbot_corpus-0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in SAMPLE.items():
            zf.writestr(f"chatterbot_corpus/data/english/{name}", text)
    return str(path)


@pytest.fixture()
def reserved():
    return ic.Reserved(["France", "Paris"], ["What is the largest ocean on Earth?"],
                       [("What is the largest ocean on Earth?", ["Pacific"])])


def _pairs(rows):
    return [tuple(m["content"] for m in r["messages"]) for r in rows]


def test_filters(archive, reserved):
    rows, questions, stats = ic.import_chatterbot(archive, reserved)
    pairs = _pairs(rows)
    kept_answers = {p[1] for p in pairs}
    assert ("What is AI?", ("Artificial intelligence is the study of machines that perform tasks that normally "
                            "need human thinking.")) in pairs
    assert ("Are you a computer program?", "Yes.") in pairs            # one word, but a yes/no question
    assert ("Can you help me?", "Sure, what do you need?") not in pairs  # answers with a question only
    assert not any("robot named" in a or "ChatterBot" in a or "<|" in a for a in kept_answers)
    assert "Robots." not in kept_answers                               # one word, not a yes/no question
    assert not any("Paris" in t or "France" in t for p in pairs for t in p)  # reserved names, either side
    assert not any("Pacific" in a for a in kept_answers)               # answers a reserved fact
    # a response list is split into alternatives; the persona alternative is dropped
    assert ("What is a computer?", ("A computer is an electronic machine that processes data by following "
                                    "instructions.")) in pairs
    assert not any("I live in" in a for a in kept_answers)
    # a dialogue is cut before its first bad turn (the persona claim about lunch)
    assert ("Good morning, how are you?", "I am doing well, how about you?", "I'm also good.",
            "That's good to hear.") in pairs
    # trivia: one-word answers are questions, not training answers
    assert [q["answers"] for q in questions] == [["Talc"], ["moose"]]
    assert ("What is the largest type of deer?", "The moose") in pairs
    assert not any(p[0].startswith("What is the softest") for p in pairs)
    for r in rows:
        assert r["messages"][-1]["role"] == "assistant" and r["source"] == ic.CHATTERBOT_SOURCE
    assert stats["ai", "dropped: too short"] == 1


def test_smoke_topics_and_aliases(reserved):
    r = ic.Reserved(["United States", "USA", "US", "America"], [], [])
    assert r.reason("Write a haiku about coding, please.")
    assert r.reason("What is 15 times 7?")
    assert r.reason("How do I say thanks in Spanish?")
    assert r.reason("Who was the first US president?")
    assert r.reason("Which American singer sang this?")
    assert not r.reason("Tell us about North America.")  # "us" is not "US"; a continent is not the country
    assert not r.reason("Name three fruits.")


def _jsonl(name):
    path = os.path.join(ROOT, "data", name)
    if not os.path.exists(path):
        pytest.skip(f"{name} not generated")
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_bundled_files_are_clean():
    rows, questions = _jsonl("sft_corpora.jsonl"), _jsonl("questions_corpora.jsonl")
    ic.check_rows(rows, questions)
    reserved = ic.Reserved.from_project()
    for r in rows:
        msgs = r["messages"]
        for q, a in zip(msgs[::2], msgs[1::2]):
            assert not reserved.reason(q["content"], a["content"]), r
    for q in questions:
        assert not reserved.reason(q["instruction"], " ".join(q["answers"])), q
        assert not any(a.lower() in q["instruction"].lower() for a in q["answers"]), q
