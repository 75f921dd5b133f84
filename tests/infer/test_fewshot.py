"""The few-shot prompt: its exact text, the shipped shots (none of them a benchmark or smoke question),
and answers cut where the answer ends."""

import json
from pathlib import Path

import pytest

import posttrain.infer.fewshot as fs
import posttrain.infer.generation as G
from posttrain.data.readers import DataError
from posttrain.infer.backend import Sampling
from posttrain.infer.engine import Completion, generate
from posttrain.infer.load import load_for_inference

DATA = Path(__file__).resolve().parents[2] / "data"


def test_prompt_text_by_hand():
    shots = [fs.Shot("What is 1 plus 1?", "1 + 1 = 2."), fs.Shot("Name a colour.", "Red.")]
    assert fs.prompt_text(" Capital of Peru? ", shots, header="H") == (
        "H\n\nQuestion: What is 1 plus 1?\nAnswer: 1 + 1 = 2.\n\nQuestion: Name a colour.\nAnswer: Red.\n\n"
        "Question: Capital of Peru?\nAnswer:")


def test_shipped_shots_are_no_evaluation_item():
    shots = fs.default_shots()
    assert len(shots) >= 6
    evaluated = {json.loads(line)["instruction"].lower() for name in ("bench_heldout.jsonl", "bench_smoke.jsonl")
                 for line in (DATA / name).read_text().splitlines() if line.strip()}
    assert not {s.question.lower() for s in shots} & evaluated


def test_bad_shots_name_file_and_line(tmp_path):
    bad = tmp_path / "shots.jsonl"
    bad.write_text('{"question": "q", "answer": "a"}\n{"question": "q"}\n')
    with pytest.raises(DataError, match=r"shots.jsonl:2: a shot needs 'question' and 'answer'"):
        fs.load_shots(str(bad))
    bad.write_text('{"question": "q", "answer": "a\\n\\nb"}\n')
    with pytest.raises(DataError, match="blank line ends an answer"):
        fs.load_shots(str(bad))


def test_answers_come_back_in_order_with_finished_flags(monkeypatch, tokenizer):
    seen = []

    def fake_generate(model, prompts, **kw):
        assert kw["stop_strings"] == fs.STOPS
        seen.extend(prompts)
        return [Completion([1], f" answer {len(p)} ", "stop" if len(p) % 2 else "length") for p in prompts]
    monkeypatch.setattr(G, "generate", fake_generate)
    questions = ["a", "a much longer question here", "mid question"]
    got = fs.fewshot_generate(None, tokenizer, questions, batch_size=2)
    lengths = [len(tokenizer(fs.prompt_text(q, fs.default_shots()))["input_ids"]) for q in questions]
    assert got == [(f"answer {n}", n % 2 == 1) for n in lengths]
    assert sorted(map(len, seen)) == sorted(lengths)


def test_real_engine_cuts_at_the_end_of_the_answer(tiny_dir):
    model, tok = load_for_inference(str(tiny_dir), "fp32")
    got = fs.fewshot_generate(model, tok, ["What is the capital of Peru?"], max_new_tokens=12)
    (text, finished), = got
    assert "\n\n" not in text and "Question:" not in text
    full = generate(model, [tok(fs.prompt_text("What is the capital of Peru?", fs.default_shots()))["input_ids"]],
                       max_new_tokens=12, tokenizer=tok, pad_id=tok.pad_token_id)[0].text
    assert full.lstrip().startswith(text)  # the same greedy continuation, cut where the answer ends
    assert finished or full.strip() == text


def test_as_a_chat_backend_it_answers_the_last_turn_like_fewshot_generate(tiny_dir):
    model, tok = load_for_inference(str(tiny_dir), "fp32")
    questions = ["What is the capital of Peru?", "Name a colour.", "Why is the sky blue?"]
    convs = [[{"role": "user", "content": "ignored"}, {"role": "assistant", "content": "x"},
              {"role": "user", "content": q}] for q in questions]
    backend = fs.FewShotChat(model, tok, batch_size=2)
    replies = backend.chat(convs, Sampling(max_new_tokens=10, temperature=0.0))
    assert [(r.text, r.finish_reason == "stop") for r in replies] == fs.fewshot_generate(
        model, tok, questions, max_new_tokens=10, batch_size=2)
    assert all(r.tokens <= 10 for r in replies)
    sampled = backend.chat(convs[:1], Sampling(max_new_tokens=10, temperature=1.0, seed=3, n=2))
    assert len(sampled) == 2


def test_stop_strings_add_to_the_answers_own(monkeypatch, tokenizer):
    seen = []

    def fake_generate(model, prompts, **kw):
        seen.append(kw["stop_strings"])
        return [Completion([1], "x", "stop") for _ in prompts]
    monkeypatch.setattr(G, "generate", fake_generate)
    fs.FewShotChat(None, tokenizer).chat([[{"role": "user", "content": "q"}]], Sampling(stop_strings=("###", "\n\n")))
    assert seen == [fs.STOPS + ("###",)]
