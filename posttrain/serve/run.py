"""`posttrain serve MODEL [NAME=MODEL ...]`: load the models, then run the app on uvicorn."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

import uvicorn

from posttrain.infer.batcher import Batcher
from posttrain.data.chat import resolve_template
from posttrain.core.config import ConfigError, name_path
from posttrain.infer.load import load_for_inference
from posttrain.serve.app import Served, build_app
from posttrain.serve.labels import LabelStore
from posttrain.serve.protocol import Limits


def model_specs(specs: list[str]) -> dict[str, str]:
    """'PATH' or 'NAME=PATH' → {name: path}; a bare path is named after its folder."""
    out: dict[str, str] = {}
    for spec in specs:
        name, path = name_path(spec)
        name = name or Path(path.rstrip("/")).name or path
        if name in out:
            raise ConfigError(f"two models are named {name!r}: give one a name with NAME=PATH")
        out[name] = path
    return out


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_served(specs: dict[str, str], dtype: str = "auto", max_rows: int = 64, template: str | None = None) -> dict[str, Served]:
    served = {}
    for name, path in specs.items():
        print(f"loading {name} from {path}", file=sys.stderr, flush=True)
        model, tok = load_for_inference(path, dtype)
        served[name] = Served(name, path, tok, resolve_template(tok, template), Batcher(model, tok, dtype, max_rows))
    return served


def run_server(a) -> None:
    if not a.models:
        raise ConfigError("serve needs at least one MODEL (a folder, an adapter folder or NAME=FOLDER)")
    api_key = a.api_key or os.environ.get("POSTTRAIN_API_KEY") or None
    if not is_loopback(a.host) and not api_key:
        raise ConfigError(f"--host {a.host} is reachable from other machines: give --api-key (or POSTTRAIN_API_KEY)")
    served = load_served(model_specs(a.models), a.dtype, a.max_rows, a.template)
    limits = Limits(max_body_bytes=a.max_body_bytes, max_tokens=a.max_tokens, max_n=a.max_n,
                    default_max_tokens=min(a.default_max_tokens, a.max_tokens))
    labels = LabelStore(a.labels) if a.labels else None
    app = build_app(served, labels, api_key, limits)
    where = f"http://{a.host}:{a.port}"
    print(f"serving {', '.join(served)} on {where} — page {where}/ , API {where}/v1"
          + (f", labels in {a.labels}" if labels else ""), file=sys.stderr, flush=True)
    try:
        uvicorn.run(app, host=a.host, port=a.port, log_level=a.log_level, timeout_graceful_shutdown=5)
    finally:
        for s in served.values():
            s.batcher.close()
