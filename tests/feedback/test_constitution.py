"""Constitutional AI data: the constitution files, the critique → revision conversations, and the
CLI writing SFT rows and pairs that `sft` and `dpo` read."""

from __future__ import annotations

import json

import pytest

import posttrain.feedback.constitution as C
from posttrain.commands.cli import main
from posttrain.core.config import ConfigError
from posttrain.data.formats import load_conversations, load_rows
from posttrain.data.preference import to_pair
from posttrain.infer.backend import Reply, Sampling


class Fake:
    """A chat backend answering "<label> <i>" (or None: failed), recording what it was asked."""

    def __init__(self, seen=None, answer=None, failing=False):
        self.seen, self.answer, self.failing, self.name, self.errors = seen, answer, failing, "fake", []
        self.samplings = []

    def chat(self, convs, sampling, progress=None):
        self.samplings.append(sampling)
        if self.seen is not None:
            self.seen.append((progress, convs))
        if self.failing:
            return [Reply(None)] * len(convs)
        return [Reply(self.answer or f"{progress} {i}") for i in range(len(convs))]


def test_the_default_constitution_and_a_markdown_one(tmp_path):
    default = C.load_constitution()
    assert 12 <= len(default) <= 20 and len({p.name for p in default}) == len(default)
    md = tmp_path / "c.md"
    md.write_text("# mine\n- kind: Was the answer unkind? || Rewrite it kindly.\n- short: Too long? || Shorten it.\n")
    assert [p.name for p in C.load_constitution(md)] == ["kind", "short"]
    md.write_text("- broken: no revision here\n")
    with pytest.raises(ConfigError, match="c.md:1"):
        C.load_constitution(md)
    bad = tmp_path / "c.yaml"
    bad.write_text("principles: [{name: x, critique: y}]\n")
    with pytest.raises(ConfigError, match=r"principles\[0\]"):
        C.load_constitution(bad)


def test_each_round_critiques_the_latest_answer_then_revises():
    seen = []
    fake = Fake(seen)
    principles = [C.Principle("p1", "Critique 1?", "Revise 1."), C.Principle("p2", "Critique 2?", "Revise 2.")]
    prompts = [[{"role": "user", "content": "q0"}], [{"role": "user", "content": "q1"}]]
    recs = C.critique_and_revise(fake, fake, prompts, principles, rounds=2, seed=3)
    assert [s[0] for s in seen] == ["answers", "critiques", "revisions", "critiques", "revisions"]
    crit2 = seen[3][1][0]  # round 2 critiques the round-1 revision, not the original answer
    assert crit2[1] == {"role": "assistant", "content": "revisions 0"} and crit2[2]["content"] in ("Critique 1?", "Critique 2?")
    rev = seen[2][1][1]
    assert [m["role"] for m in rev] == ["user", "assistant", "user", "assistant", "user"]
    assert rev[3]["content"] == "critiques 1" and rev[4]["content"].startswith("Revise")
    assert recs[0]["original"] == "answers 0" and len(recs[0]["rounds"]) == 2


def test_a_failed_critique_leaves_the_answer_unrevised():
    answer, critic, sampling = Fake(answer="original"), Fake(failing=True), Sampling(max_new_tokens=5, seed=1)
    recs = C.critique_and_revise(answer, critic, [[{"role": "user", "content": "q"}]], C.load_constitution(),
                                 sampling=sampling)
    assert recs[0]["rounds"] == [] and C._latest(recs[0]) == "original"
    assert answer.samplings == [sampling] and critic.samplings == [sampling] * 2  # one set of options for both


def test_an_endpoint_critic_on_posttrain_serve_and_a_silent_one(live, tiny_dir, tmp_path, capsys):
    import socket

    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text("".join(json.dumps({"prompt": f"Tell me about the number {i}."}) + "\n" for i in range(4)))
    sft, pairs = tmp_path / "sft.jsonl", tmp_path / "pairs.jsonl"
    args = ["constitution", str(tiny_dir), str(prompts), "--out_sft", str(sft), "--out_pairs", str(pairs),
            "--temperature", "1.0", "--max_new_tokens", "8", "--template", "chatml",
            "--examples", "false"]  # the worked examples do not fit the tiny model's context
    assert main([*args, "--critic", live.url + "/v1", "--critic_model", "tiny"]) == 0
    assert len(load_conversations(str(sft))) == len(load_rows(str(pairs), to_pair))
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        assert main([*args, "--critic", f"http://127.0.0.1:{silent.getsockname()[1]}/v1", "--critic_model", "x",
                     "--timeout", "0.5"]) == 0
    finally:
        silent.close()
    assert sft.read_text() == "" and "4 unchanged" in capsys.readouterr().err  # nothing revised, nothing fabricated
    assert main([*args, "--critic", "http://127.0.0.1:1/v1"]) == 2  # an endpoint critic needs --critic_model


def test_constitution_cli_writes_rows_the_stages_read(tiny_dir, tmp_path):
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text("".join(json.dumps({"prompt": f"How do I sort a list of {i} numbers?"}) + "\n" for i in range(6)))
    sft, pairs = tmp_path / "sft.jsonl", tmp_path / "pairs.jsonl"
    assert main(["constitution", str(tiny_dir), str(prompts), "--out_sft", str(sft), "--out_pairs", str(pairs),
                 "--temperature", "1.0", "--max_new_tokens", "12", "--template", "chatml"]) == 0
    convs = load_conversations(str(sft))
    rows = load_rows(str(pairs), to_pair)
    assert len(convs) == len(rows) >= 1
    raw = json.loads(pairs.read_text().splitlines()[0])
    assert raw["principles"][0] in {p.name for p in C.load_constitution()} and raw["chosen"] != raw["rejected"]
    common = [f"model={tiny_dir}", "max_len=96", "batch_size=1", "max_steps=1", "dtype=fp32", "progress=false",
              "template=chatml"]
    assert main(["dpo", *common, f"data={pairs}", f"output_dir={tmp_path / 'dpo'}"]) == 0
    assert main(["sft", *common, f"data={sft}", f"output_dir={tmp_path / 'sft_out'}"]) == 0


def test_worked_examples_come_before_each_critique_but_not_into_the_data():
    principles = C.load_constitution()
    shots = C.load_examples(None, principles)
    assert len(shots) >= 18 and shots[0]["role"] == "user" and shots[-1]["role"] == "assistant"
    seen = []
    fake = Fake(seen)
    prompts = [[{"role": "user", "content": "q0"}]]
    recs = C.critique_and_revise(fake, fake, prompts, principles, rounds=1, shots=shots)
    assert seen[0][1][0] == prompts[0]  # the answer is the model's own, without examples
    for label, convs in seen[1:]:
        assert convs[0][:len(shots)] == shots and convs[0][len(shots)] == prompts[0][0]
    assert recs[0]["prompt"] == prompts[0]


def test_bad_examples_name_the_entry(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("principles:\n  - {name: a, critique: 'c', revision: 'r'}\n"
                    "examples:\n  - {prompt: p, answer: x, principle: zz, critique: c, revision: r}\n")
    with pytest.raises(ConfigError, match=r"examples\[0\].*'zz'"):
        C.load_examples(path, C.load_constitution(path))


def test_principles_subset_is_drawn_from_and_unknown_names_are_usage_errors(tiny_dir, tmp_path):
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text("".join(json.dumps({"prompt": f"How do I sort {i} numbers?"}) + "\n" for i in range(6)))
    pairs = tmp_path / "pairs.jsonl"
    args = ["constitution", str(tiny_dir), str(prompts), "--out_sft", str(tmp_path / "sft.jsonl"), "--out_pairs",
            str(pairs), "--temperature", "1.0", "--max_new_tokens", "8", "--template", "chatml", "--examples", "false"]
    assert main([*args, "--principles", "[harmless,illegal]"]) == 0
    used = {p for line in pairs.read_text().splitlines() for p in json.loads(line)["principles"]}
    assert used and used <= {"harmless", "illegal"}
    assert main([*args, "--principles", "[harmless,nope]"]) == 2
