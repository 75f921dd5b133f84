"""Kill -9 the server while labels are being written: every acknowledged label is in the file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import httpx
from serve_helpers import free_port

from posttrain.serve.labels import LabelStore


def test_sigkill_while_labelling_loses_no_acknowledged_label(tiny_dir, tmp_path):
    port, folder = free_port(), tmp_path / "labels"
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "posttrain.commands.cli", "serve", f"tiny={tiny_dir}", "--port", str(port),
                             "--labels", str(folder), "--dtype", "fp32", "--log_level", "warning"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 90
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.time() < deadline, "server did not start"
            time.sleep(0.1)
        sides = [{"model": "tiny", "temperature": 1.0, "max_tokens": 6}] * 2
        for _ in range(20):  # two answers that are not blank, so the labels make training pairs
            got = httpx.post(url + "/ui/api/pair", json={"messages": [{"role": "user", "content": "hi"}], "sides": sides},
                             timeout=60).json()
            if got["A"].strip() and got["B"].strip():
                break
        item = got["item"]
        acked: list[str] = []
        lock = threading.Lock()

        def rater(k: int):
            with httpx.Client(base_url=url, timeout=10) as http:
                for i in range(10_000):
                    name = f"r{k}-{i}"
                    try:
                        r = http.post("/ui/api/label", json={"item": item, "verdict": "AB"[i % 2], "rater": name})
                    except httpx.HTTPError:
                        return  # the server is gone
                    if r.status_code == 200 and r.json().get("saved"):
                        with lock:
                            acked.append(name)

        threads = [threading.Thread(target=rater, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        deadline = time.time() + 60
        while len(acked) < 40:
            assert time.time() < deadline, "labels are not being saved"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        for t in threads:
            t.join(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    raw = (folder / "pairs.jsonl").read_text()
    lines = raw.splitlines()
    complete = lines if raw.endswith("\n") else lines[:-1]  # a torn last line was never acknowledged
    written = {json.loads(line)["rater"] for line in complete}  # every complete line parses
    assert set(acked) <= written, f"{len(set(acked) - written)} acknowledged labels are missing"
    rows = LabelStore(folder).read("pairs")  # opening the folder again repairs a torn tail
    assert {r["rater"] for r in rows} == written and os.path.getsize(folder / "pairs.jsonl") > 0
