"""A live `posttrain serve` app on loopback: uvicorn in a thread (the `served` and `live` fixtures
in tests/conftest.py use it)."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from posttrain.serve.app import build_app
from posttrain.serve.labels import LabelStore
from posttrain.serve.protocol import Limits


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, app):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            assert time.time() < deadline, "server did not start"
            time.sleep(0.02)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(timeout=10)



def start(served, tmp_path, api_key=None, limits=None):
    labels = LabelStore(tmp_path / "labels")
    return LiveServer(build_app(served, labels, api_key, limits or Limits(max_tokens=1000, max_body_bytes=200_000))), labels
