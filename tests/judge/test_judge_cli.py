"""`posttrain judge` through the CLI: a reward-model judge labels pairs that DPO trains on, and an
endpoint judge (`posttrain serve` on loopback, the openai client) whose garbage and timeouts are
counted, never fatal."""

from __future__ import annotations

import json
import socket

from posttrain.cli import main

COMMON = ["max_len=64", "batch_size=2", "dtype=fp32", "progress=false", "template=chatml"]


def rows_file(tmp_path, n=8):
    path = tmp_path / "to_judge.jsonl"
    path.write_text("".join(json.dumps({"prompt": f"What is {i} plus 2?", "a": f"{i} plus 2 is {i + 2}.",
                                        "b": f"{i} plus 2 is {i + 5}.", "model_a": "m1", "model_b": "m2"}) + "\n"
                            for i in range(n)))
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
