"""Serving benchmark: `posttrain serve` against `transformers serve`, both OpenAI-compatible servers.

    python bench/serve_vs_transformers.py [--clients 1,8,32] [--max-tokens 64] [--dtype fp32]

The embedded SmolLM2-135M-Instruct (real weights, cached as a Hugging Face folder) is served by
three servers started side by side, each in its own process on loopback: ours (continuous
batching), `transformers serve` as it comes, and `transformers serve --continuous-batching`
(its paged-attention batcher), all in the same precision. For each number of concurrent clients
the servers are measured one after the other (interleaved: every server at 1 client, then every
server at 8, ...). A client sends one non-streamed chat request at a time from the held-out
prompts (data/sft_heldout.jsonl, in order, the same prompts for every server), greedy
(temperature 0), at most `--max-tokens` new tokens, and sends the next as soon as the answer
arrives; a level runs until `max(8, 2 × clients)` requests are answered. Throughput = completion
tokens (the servers' own `usage`) / wall time of the level; latency = request sent → answer
received, p50 and p95. Greedy answers from the same weights are nearly the same length on every
server; the mean completion length is recorded beside each row so unequal work would show.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, ROOT, cpu_name, load_avg, now_iso, versions  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prompts(n: int = 256) -> list[str]:
    out = []
    with open(ROOT / "data" / "sft_heldout.jsonl") as f:
        for line in f:
            msgs = json.loads(line)["messages"]
            out.append(next(m["content"] for m in msgs if m["role"] == "user"))
            if len(out) == n:
                break
    return out


def start(name: str, model: str, dtype: str, log: Path) -> dict:
    port = free_port()
    env = dict(os.environ, TOKENIZERS_PARALLELISM="false")
    if name == "posttrain":
        cmd = [sys.executable, "-m", "posttrain.commands.cli", "serve", f"{model}", "--port", str(port), "--dtype", dtype,
               "--labels", "", "--log_level", "warning", "--max_rows", "64"]
        model_id = Path(model).name
    else:
        exe = shutil.which("transformers", path=str(Path(sys.executable).parent)) or "transformers"
        cmd = [exe, "serve", model, "--port", str(port), "--host", "127.0.0.1",
               "--dtype", {"fp32": "float32", "bf16": "bfloat16"}[dtype], "--log-level", "warning"]
        if name == "transformers-cb":
            cmd.append("--continuous-batching")
        model_id = model
    proc = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 300
    while time.time() < deadline:
        if proc.poll() is not None:
            return {"name": name, "error": f"exited with {proc.returncode}: " + log.read_text()[-1500:]}
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return {"name": name, "proc": proc, "url": url, "model": model_id}
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    return {"name": name, "error": "did not start in 300 s"}


async def level(server: dict, clients: int, texts: list[str], max_tokens: int) -> dict:
    total = max(8, 2 * clients)
    latencies, tokens, errors = [], [], []
    next_index = iter(range(total))

    async def client(http):
        for i in next_index:
            body = {"model": server["model"], "messages": [{"role": "user", "content": texts[i % len(texts)]}],
                    "max_tokens": max_tokens, "temperature": 0}
            t0 = time.perf_counter()
            try:
                r = await http.post("/v1/chat/completions", json=body)
                r.raise_for_status()
                tokens.append(r.json()["usage"]["completion_tokens"])
                latencies.append(time.perf_counter() - t0)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")

    load = load_avg()
    async with httpx.AsyncClient(base_url=server["url"], timeout=900,
                                 limits=httpx.Limits(max_connections=clients + 4)) as http:
        t0 = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        wall = time.perf_counter() - t0
    lat = sorted(latencies)
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")  # noqa: E731
    return {"server": server["name"], "clients": clients, "requests": len(lat), "errors": len(errors),
            "error_sample": errors[:2], "completion_tokens": sum(tokens),
            "mean_completion_tokens": round(statistics.mean(tokens), 1) if tokens else None,
            "wall_s": round(wall, 2), "tokens_per_s": round(sum(tokens) / wall, 1) if wall else None,
            "p50_s": round(pct(0.5), 3), "p95_s": round(pct(0.95), 3), "load_before": load}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", default="1,8,32", help="comma-separated numbers of concurrent clients")
    p.add_argument("--max-tokens", type=int, default=64, help="max_tokens of every request")
    p.add_argument("--dtype", choices=["auto", "fp32", "bf16"], default="auto",
                   help="weights and compute precision on every server; auto: bf16 where the CPU has native bf16 "
                        "(or CUDA), else fp32, the fast path on CPUs without it")
    p.add_argument("--servers", default="posttrain,transformers,transformers-cb",
                   help="which servers to run (posttrain, transformers, transformers-cb)")
    p.add_argument("--out", default=str(OUT / "serve.json"), help="where the JSON results go")
    a = p.parse_args(argv)
    from common import auto_precision
    from posttrain.model.embedded import smollm2_instruct

    a.dtype = auto_precision() if a.dtype == "auto" else a.dtype
    model = str(smollm2_instruct())
    texts = prompts()
    OUT.mkdir(parents=True, exist_ok=True)
    servers = [start(n, model, a.dtype, OUT / f"serve_{n}.log") for n in a.servers.split(",")]
    rows = []
    try:
        live = [s for s in servers if "error" not in s]
        for s in servers:
            if "error" in s:
                print(f"{s['name']}: {s['error']}", file=sys.stderr)
        for s in live:  # warm-up: first requests load and compile things
            asyncio.run(level(s, 2, texts[-8:], 8))
        for c in (int(x) for x in a.clients.split(",")):
            for s in live:
                row = asyncio.run(level(s, c, texts, a.max_tokens))
                rows.append(row)
                print(f"{row['server']:<16} clients {c:>3}: {row['tokens_per_s']:>8} tok/s  p50 {row['p50_s']:.2f} s  "
                      f"p95 {row['p95_s']:.2f} s  mean {row['mean_completion_tokens']} tokens  errors {row['errors']}  "
                      f"[load {row['load_before'][0]}]", flush=True)
    finally:
        for s in servers:
            if "proc" in s:
                s["proc"].terminate()
                try:
                    s["proc"].wait(timeout=20)
                except subprocess.TimeoutExpired:
                    s["proc"].kill()
    result = {"when": now_iso(), "cpu": cpu_name(), "dtype": a.dtype, "max_tokens": a.max_tokens, "model": model,
              "versions": versions("torch", "transformers", "fastapi", "uvicorn"),
              "failed_servers": {s["name"]: s["error"] for s in servers if "error" in s}, "rows": rows}
    Path(a.out).write_text(json.dumps(result, indent=2))
    print(table(result))


def table(result: dict) -> str:
    rows = result["rows"]
    ours = {r["clients"]: r for r in rows if r["server"] == "posttrain"}
    single = ours.get(1, {}).get("p95_s")
    lines = ["| server | clients | tokens/s | vs best transformers | p50 s | p95 s | mean tokens | errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        peers = [x["tokens_per_s"] for x in rows if x["clients"] == r["clients"] and x["server"] != "posttrain"
                 and x["tokens_per_s"]]
        ratio = f"{r['tokens_per_s'] / max(peers):.2f}×" if r["server"] == "posttrain" and peers else ""
        lines.append(f"| {r['server']} | {r['clients']} | {r['tokens_per_s']} | {ratio} | {r['p50_s']} | {r['p95_s']} | "
                     f"{r['mean_completion_tokens']} | {r['errors']} |")
    top = max(ours) if ours else None
    if single and top:
        lines.append(f"\nOurs: p95 at {top} clients = {ours[top]['p95_s'] / single:.2f}× our single-client p95 "
                     f"({ours[top]['p95_s']} s vs {single} s).")
    for name, err in result["failed_servers"].items():
        lines.append(f"\n{name} did not run: {err[:300]}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
