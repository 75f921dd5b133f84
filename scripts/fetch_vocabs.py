#!/usr/bin/env python
"""Fetch real tokenizer vocabularies for offline chat-template tests.

Source: the ``llama-cpp-python`` *source* distribution (MIT) vendors llama.cpp's
``models/ggml-vocab-*.gguf`` files: vocabulary-only GGUFs (no weights) of real
models.  This script downloads that sdist once with ``pip download`` (it is never
built or installed), extracts only the vocab GGUFs it needs, and converts each to a
Hugging Face tokenizer folder (``tokenizer.json`` + ``tokenizer_config.json``, plus
``chat_template.jinja`` when the GGUF carries ``tokenizer.chat_template``)::

    python scripts/fetch_vocabs.py [--cache DIR] [--names llama-bpe qwen2 ...] [--force]
    python scripts/fetch_vocabs.py --list        # vocabs available in the sdist

Load a result with ``AutoTokenizer.from_pretrained(DIR / "llama-bpe")``.

Default cache: ``$POSTTRAIN_CACHE/vocabs``, else ``~/.cache/posttrain/vocabs``.
Later runs return immediately (no network, no transformers import) when every
requested folder already exists.  Exit codes: 0 ok, 2 registry unreachable /
download failed, 3 a conversion failed.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

SDIST_NAME = "llama-cpp-python"
SDIST_VERSION = "0.3.36"
SDIST_FILE = f"llama_cpp_python-{SDIST_VERSION}.tar.gz"
VOCAB_DIR_IN_SDIST = "vendor/llama.cpp/models/"

# name -> what it is.  The folder produced is CACHE/<name>.
DEFAULT_VOCABS = {
    "llama-bpe": "Llama 3 (byte-level BPE, 128k); no chat template in the GGUF",
    "llama-spm": "Llama 2 / Mistral v1 SentencePiece (32k); no chat template in the GGUF",
    "qwen2": "Qwen2 (byte-level BPE, 151k); GGUF carries the ChatML template",
    "gpt-2": "GPT-2 (byte-level BPE, 50k); no chat template",
    "phi-3": "Phi-3 SentencePiece (32k); GGUF carries the phi-3 template",
    "gemma-4": "Gemma 4 SentencePiece-BPE (262k); GGUF carries the Gemma 4 template",
}
# Converted by transformers too, but not fetched by default (use --names).
# Not convertible by transformers: gpt-neox, mpt, command-r, baichuan, aquila, refact, bert-bge, nomic-bert-moe.
OPTIONAL_VOCABS = ("qwen35", "deepseek-llm", "deepseek-coder", "falcon", "starcoder")

STAMP = ".posttrain_vocab.json"


def default_cache() -> Path:
    root = os.environ.get("POSTTRAIN_CACHE")
    base = Path(root) if root else Path.home() / ".cache" / "posttrain"
    return base / "vocabs"


def is_done(folder: Path) -> bool:
    return (folder / STAMP).is_file() and (folder / "tokenizer.json").is_file()


def download_sdist(cache: Path) -> Path:
    """The sdist tarball in CACHE/_sdist, downloaded with pip only if missing."""
    sdist_dir = cache / "_sdist"
    target = sdist_dir / SDIST_FILE
    if target.is_file():
        return target
    sdist_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
        "--disable-pip-version-check", "--timeout", "20", "--retries", "2",
        f"{SDIST_NAME}=={SDIST_VERSION}", "-d", str(sdist_dir),
    ]  # fmt: skip
    print(f"[fetch_vocabs] downloading {SDIST_NAME}=={SDIST_VERSION} sdist (~77 MB) ...", file=sys.stderr, flush=True)
    t0 = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0 or not target.is_file():
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        _fail(2, cmd, tail, sdist_dir)
    print(f"[fetch_vocabs] downloaded {target.stat().st_size / 1e6:.1f} MB in {time.time() - t0:.0f}s", file=sys.stderr, flush=True)
    return target


def _fail(code: int, cmd, tail: str, sdist_dir: Path):
    print(
        f"[fetch_vocabs] ERROR: could not download {SDIST_NAME}=={SDIST_VERSION} from the package "
        f"registry (is PyPI reachable? check proxy / PIP_INDEX_URL).\n"
        f"command: {' '.join(cmd)}\n--- pip output (tail) ---\n{tail}\n"
        f"Alternatively put {SDIST_FILE} into {sdist_dir} by hand and re-run.",
        file=sys.stderr,
    )
    sys.exit(code)


def list_sdist_vocabs(sdist: Path) -> dict[str, tarfile.TarInfo]:
    found = {}
    with tarfile.open(sdist) as tf:
        for member in tf.getmembers():
            base = member.name.rsplit("/", 1)[-1]
            if (
                member.isfile()
                and member.name.split("/", 1)[-1] == VOCAB_DIR_IN_SDIST + base
                and base.startswith("ggml-vocab-")
                and base.endswith(".gguf")
            ):
                found[base[len("ggml-vocab-") : -len(".gguf")]] = member
    return found


def extract_ggufs(sdist: Path, names: list[str], dest: Path) -> dict[str, Path]:
    """Extract only ggml-vocab-<name>.gguf for each name into DEST (skips files already there)."""
    dest.mkdir(parents=True, exist_ok=True)
    out, missing = {}, []
    want = {n: dest / f"ggml-vocab-{n}.gguf" for n in names}
    todo = [n for n, p in want.items() if not p.is_file()]
    if todo:
        with tarfile.open(sdist) as tf:
            members = {}
            for member in tf.getmembers():
                base = member.name.rsplit("/", 1)[-1]
                if member.isfile() and member.name.split("/", 1)[-1] == VOCAB_DIR_IN_SDIST + base:
                    members[base] = member
            for n in todo:
                m = members.get(f"ggml-vocab-{n}.gguf")
                if m is None:
                    missing.append(n)
                    continue
                tmp = want[n].with_suffix(".part")
                with tf.extractfile(m) as src, open(tmp, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                tmp.replace(want[n])
    if missing:
        print(f"[fetch_vocabs] WARNING: not in the sdist: {', '.join(missing)}", file=sys.stderr)
    for n, p in want.items():
        if p.is_file():
            out[n] = p
    return out


def _tokenizer_class(gguf_path: Path):
    """The class AutoTokenizer would pick for this GGUF's architecture.

    AutoTokenizer(gguf_file=...) first builds a model config from the GGUF; for archs outside
    transformers' fast GGUF-config path (e.g. llama) that parses every token with gguf.GGUFReader
    (~50 s for the 128k Llama 3 vocab), and for gemma4 it fails config validation.  The tokenizer
    itself does not depend on the config, so we pick the class the same way AutoTokenizer does
    (model_type -> TOKENIZER_MAPPING_NAMES, default TokenizersBackend) and call it directly.
    The output is byte-identical to the AutoTokenizer path (checked for gpt-2, llama-bpe,
    llama-spm, qwen2, phi-3); use --via-auto to force the AutoTokenizer path.
    """
    from transformers.integrations.gguf import read_gguf_metadata
    from transformers.models.auto.tokenization_auto import TOKENIZER_MAPPING_NAMES, tokenizer_class_from_name

    arch = read_gguf_metadata(str(gguf_path))[0]["general.architecture"]
    name = TOKENIZER_MAPPING_NAMES.get(arch)
    if name is None and arch.startswith("gemma"):
        name = "GemmaTokenizer"  # what Gemma checkpoints' tokenizer_config.json declares
    return tokenizer_class_from_name(name or "TokenizersBackend")


def convert(gguf_path: Path, folder: Path, via_auto: bool) -> str:
    import transformers
    from transformers import AutoTokenizer

    tmp_out = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp_out, ignore_errors=True)
    # from_pretrained wants a directory + file name; use a private dir holding a symlink/copy.
    with tempfile.TemporaryDirectory(prefix="posttrain-gguf-") as td:
        link = Path(td) / gguf_path.name
        try:
            link.symlink_to(gguf_path.resolve())
        except OSError:
            shutil.copyfile(gguf_path, link)
        tok = None
        if via_auto:
            tok = AutoTokenizer.from_pretrained(td, gguf_file=link.name)
        else:
            try:
                tok = _tokenizer_class(link).from_pretrained(td, gguf_file=link.name)
            except Exception as exc:  # fall back to the documented path
                print(f"[fetch_vocabs]   direct load failed ({exc!r}); trying AutoTokenizer", file=sys.stderr)
                tok = AutoTokenizer.from_pretrained(td, gguf_file=link.name)
        if not tok.is_fast:
            raise RuntimeError(f"{gguf_path.name}: got a slow tokenizer ({type(tok).__name__})")
        tok.save_pretrained(tmp_out)
    stamp = {
        "source": f"{SDIST_NAME}=={SDIST_VERSION} sdist: {VOCAB_DIR_IN_SDIST}{gguf_path.name}",
        "license": "MIT (llama.cpp vocab files)",
        "tokenizer_class": type(tok).__name__,
        "transformers": transformers.__version__,
        "has_chat_template": bool(tok.chat_template),
    }
    (tmp_out / STAMP).write_text(json.dumps(stamp, indent=2) + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    tmp_out.replace(folder)
    return type(tok).__name__


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, default=None, help="output dir (default: $POSTTRAIN_CACHE/vocabs or ~/.cache/posttrain/vocabs)")
    ap.add_argument("--names", nargs="+", default=list(DEFAULT_VOCABS), help=f"vocabs to produce (default: {' '.join(DEFAULT_VOCABS)}; also: {' '.join(OPTIONAL_VOCABS)})")
    ap.add_argument("--force", action="store_true", help="re-convert even if the folder exists")
    ap.add_argument("--via-auto", action="store_true", help="convert with AutoTokenizer.from_pretrained(gguf_file=...) (slower, same output)")
    ap.add_argument("--list", action="store_true", help="list the vocab GGUFs in the sdist and exit")
    ap.add_argument("--prune", action="store_true", help="delete the sdist and extracted GGUFs afterwards (~110 MB)")
    args = ap.parse_args(argv)

    cache = (args.cache or default_cache()).expanduser().resolve()
    names = list(dict.fromkeys(args.names))
    folders = {n: cache / n for n in names}

    cache.mkdir(parents=True, exist_ok=True)
    # Test workers run this at the same time on a fresh machine: without the lock they download
    # into and convert through the same temporary paths and remove each other's files.
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _fetch(args, cache, names, folders)


def _fetch(args, cache: Path, names: list[str], folders: dict[str, Path]) -> int:
    if not args.list and not args.force and all(is_done(f) for f in folders.values()):
        for f in folders.values():
            print(f)
        return 0
    sdist = download_sdist(cache)

    if args.list:
        for n, m in sorted(list_sdist_vocabs(sdist).items()):
            print(f"{n:20s} {m.size / 1e6:6.1f} MB")
        return 0

    todo = [n for n in names if args.force or not is_done(folders[n])]
    ggufs = extract_ggufs(sdist, todo, cache / "_gguf")

    import warnings

    warnings.filterwarnings("ignore")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    failed = []
    for n in todo:
        if n not in ggufs:
            failed.append(n)
            continue
        t0 = time.time()
        try:
            cls = convert(ggufs[n], folders[n], args.via_auto)
            print(f"[fetch_vocabs] {n}: {cls} ({time.time() - t0:.1f}s)", file=sys.stderr, flush=True)
        except Exception as exc:
            failed.append(n)
            print(f"[fetch_vocabs] ERROR converting {n}: {exc!r}", file=sys.stderr)

    if args.prune:
        shutil.rmtree(cache / "_sdist", ignore_errors=True)
        shutil.rmtree(cache / "_gguf", ignore_errors=True)

    for n, f in folders.items():
        if is_done(f):
            print(f)
    if failed:
        print(f"[fetch_vocabs] failed: {', '.join(failed)}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
