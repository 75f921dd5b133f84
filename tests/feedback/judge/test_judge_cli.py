"""`posttrain judge` through the CLI: a reward-model judge and a judge served by `posttrain serve`
(the openai client on loopback) label pairs that DPO trains on; a local judge reads verdicts from
letter probabilities; an endpoint judge's garbage and timeouts are counted, never fatal."""

from __future__ import annotations

import json
import socket

from posttrain.commands.cli import main
from posttrain.feedback.judge.backends import fill
from posttrain.serve.run import load_served
from serve_helpers import start

COMMON = ["max_len=64", "batch_size=2", "dtype=fp32", "progress=false", "template=chatml"]


def qa(i: int, wrong: str | None = None) -> tuple[str, str, str]:
    return f"What is {i} plus 2?", f"{i} plus 2 is {i + 2}.", wrong or f"{i} plus 2 is {i + 5}."


def rows_file(tmp_path, n=8, wrong: str | None = None):
    path = tmp_path / "to_judge.jsonl"
    rows = [dict(zip(("prompt", "a", "b"), qa(i, wrong)), model_a="m1", model_b="m2") for i in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_reward_model_judge_labels_pairs_that_dpo_trains_on(tiny_dir, pref_file, tmp_path):
    rm = tmp_path / "rm"
    assert main(["rm", f"model={tiny_dir}", f"data={pref_file}", f"output_dir={rm}", "max_steps=3", *COMMON]) == 0
    out, report = tmp_path / "judged.jsonl", tmp_path / "report.json"
    assert main(["judge", str(rm), str(rows_file(tmp_path)), "--out", str(out), "--report", str(report)]) == 0
    summary = json.loads(report.read_text())
    assert summary["pairs"] == 8 and summary["inconsistent"] == 0 and summary["unparsable"] == 0  # rewards ignore order
    pairs = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(pairs) == summary["decided"] > 0
    for p in pairs:
        assert {"prompt", "chosen", "rejected", "verdicts", "reasoning", "judge"} <= set(p)
        assert p["verdicts"][0] == p["verdicts"][1] and "reward A" in p["reasoning"][0]
    assert main(["dpo", f"model={tiny_dir}", f"data={out}", f"output_dir={tmp_path / 'dpo'}", "max_steps=1",
                 *[c for c in COMMON if not c.startswith("batch_size")], "batch_size=1"]) == 0


def test_endpoint_judge_on_posttrain_serve_counts_garbage(live, tmp_path):
    out, report = tmp_path / "judged.jsonl", tmp_path / "report.json"
    assert main(["judge", live.url + "/v1", str(rows_file(tmp_path, 4)), "--judge_model", "tiny", "--out", str(out),
                 "--report", str(report), "--max_new_tokens", "8"]) == 0
    s = json.loads(report.read_text())
    assert s["pairs"] == 4 and s["judge_errors"] == 0 and s["decided"] + s["ties"] == 4
    assert s["ties"] >= s["inconsistent"] + s["unparsable"]  # both are counted as ties
    assert len(out.read_text().splitlines()) == s["decided"]
    assert s["unparsable"] >= 1  # the tiny random model writes no verdicts


def test_endpoint_timeouts_are_judge_errors(tmp_path):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # accepts connections, never answers
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
        report = tmp_path / "report.json"
        assert main(["judge", url, str(rows_file(tmp_path, 2)), "--judge_model", "x", "--timeout", "0.5",
                     "--out", str(tmp_path / "o.jsonl"), "--report", str(report)]) == 0
        s = json.loads(report.read_text())
        assert s["judge_errors"] == 4 and s["unparsable"] == 2 and s["decided"] == 0
        assert "Timeout" in " ".join(s["judge_error_sample"])
    finally:
        silent.close()


SHORT = "Q: {question}\nA: {answer_a}\nB: {answer_b}\nWhich answer is right?"


def test_a_judge_served_by_posttrain_serve_labels_pairs_that_dpo_trains_on(tiny_dir, tmp_path):
    """A tiny judge is taught here to name the right sum (in both orders), served, and asked through
    the openai client; its decided pairs are what DPO trains on. (The wrong answers say "No idea.": a
2-layer model learns to spot that quickly, not to add.)"""
    (tmp_path / "judge.txt").write_text(SHORT)
    teach = []
    for i in range(8):
        q, right, wrong = qa(i, "No idea.")
        for a, b, verdict in ((right, wrong, "[[A]]"), (wrong, right, "[[B]]")):
            teach.append({"messages": [{"role": "user", "content": fill(SHORT, (q, a, b))},
                                       {"role": "assistant", "content": verdict}]})
    (tmp_path / "teach.jsonl").write_text("".join(json.dumps(r) + "\n" for r in teach))
    judge_dir = tmp_path / "judge_model"
    assert main(["sft", f"model={tiny_dir}", f"data={tmp_path / 'teach.jsonl'}", f"output_dir={judge_dir}",
                 "max_steps=150", "lr=3e-3", "warmup_steps=5", "max_len=128", "batch_size=8", "dtype=fp32",
                 "progress=false", "template=chatml"]) == 0
    served = load_served({"judge": str(judge_dir)}, dtype="fp32", max_rows=16)
    server, _ = start(served, tmp_path)
    try:
        out, report = tmp_path / "judged.jsonl", tmp_path / "report.json"
        assert main(["judge", server.url + "/v1", str(rows_file(tmp_path, wrong="No idea.")), "--judge_model", "judge",
                     "--template", str(tmp_path / "judge.txt"), "--out", str(out), "--report", str(report),
                     "--max_new_tokens", "6"]) == 0
    finally:
        server.stop()
        served["judge"].batcher.close()
    s = json.loads(report.read_text())
    pairs = [json.loads(line) for line in out.read_text().splitlines()]
    assert s["judge_errors"] == 0 and s["decided"] == len(pairs) >= 6  # taught on these very pairs
    assert all(p["chosen_model"] == "m1" and p["verdicts"][0] == p["verdicts"][1] for p in pairs)
    assert main(["dpo", f"model={tiny_dir}", f"data={out}", f"output_dir={tmp_path / 'dpo'}", "max_steps=2",
                 *[c for c in COMMON if not c.startswith("batch_size")], "batch_size=2"]) == 0


def test_a_local_judge_reads_verdicts_from_letter_probabilities(tiny_dir, tmp_path):
    out, report = tmp_path / "judged.jsonl", tmp_path / "report.json"
    assert main(["judge", str(tiny_dir), str(rows_file(tmp_path)), "--verdict", "logprobs", "--out", str(out),
                 "--report", str(report), "--ties", str(tmp_path / "ties.jsonl")]) == 0
    s = json.loads(report.read_text())
    assert s["unparsable"] == 0 and s["pairs"] == 8  # every judgement has a verdict
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    rows += [json.loads(line) for line in (tmp_path / "ties.jsonl").read_text().splitlines()]
    for r in rows:
        for text in r["reasoning"]:
            pa, pb = (float(x.split("=")[1]) for x in text.split(":")[0].split())
            assert abs(pa + pb - 1) < 1e-3 and text.endswith("[[A]]" if pa > pb else "[[B]]")
    assert main(["judge", str(tiny_dir), str(rows_file(tmp_path)), "--verdict", "logprobs", "--mode", "single",
                 "--out", str(out)]) == 2  # letter probabilities decide pairs, not ratings


def test_mean_swap_rule_needs_letter_probabilities(tiny_dir, tmp_path):
    out, report = tmp_path / "judged.jsonl", tmp_path / "report.json"
    assert main(["judge", str(tiny_dir), str(rows_file(tmp_path)), "--verdict", "logprobs", "--swap_rule", "mean",
                 "--out", str(out), "--report", str(report)]) == 0
    s = json.loads(report.read_text())
    assert s["unparsable"] == 0 and s["decided"] + s["ties"] == 8 and "within_margin" in s
    assert all(0 <= json.loads(line)["p_a_better"] <= 1 for line in out.read_text().splitlines())
    assert main(["judge", str(tiny_dir), str(rows_file(tmp_path)), "--swap_rule", "mean", "--out", str(out)]) == 2
