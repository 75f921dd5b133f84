"""The precomputed-reference cache is keyed by what the log-probs depend on — the weights' content,
the compute dtype, the template, max_len and the data — not by the model's folder name."""

import json

import pytest
import torch

from posttrain.core.config import build
from posttrain.data.pairs import render_pairs
from posttrain.data.preference import load_pairs
from posttrain.model.hf import load_model, load_tokenizer, save_model, tiny_model
from posttrain.core.runtime import Runtime
from posttrain.train import reference_cache
from posttrain.train.configs import DPOConfig
from posttrain.train.reference_cache import REF_CACHE, with_reference

CPU32 = Runtime(torch.device("cpu"), torch.float32)


@pytest.fixture()
def setup(tmp_path, tokenizer, pref_file, monkeypatch):
    """A model folder holding model A, a DPO config pointing at it, and a counter of reference passes."""
    folder = tmp_path / "model"
    save_model(tiny_model(tokenizer, seed=1, hidden_size=64, layers=2, heads=4), tokenizer, folder)
    cfg = build(DPOConfig, model=str(folder), data=str(pref_file), output_dir=str(tmp_path / "out"), max_len=64,
                template="chatml", batch_size=4)
    calls = []
    real = reference_cache.precompute_reference
    monkeypatch.setattr(reference_cache, "precompute_reference", lambda *a, **k: (calls.append(1), real(*a, **k)))
    return folder, cfg, calls


def _refs(cfg, folder, rt=CPU32):
    tok = load_tokenizer(str(folder))
    triples = render_pairs(tok, load_pairs(cfg.data.train)[:8], "chatml", 64)
    with_reference(cfg, load_model(str(folder)), {"train": triples}, True, tok, rt)
    return [t.ref for t in triples]


def test_same_weights_reuse_the_cache(setup):
    folder, cfg, calls = setup
    first = _refs(cfg, folder)
    again = _refs(cfg, folder)
    assert len(calls) == 1 and again == first
    assert (folder.parent / "out" / REF_CACHE).exists()


def test_new_weights_in_the_same_folder_are_recomputed(setup, tokenizer):
    """Old code keyed on the path: the second run silently reused model A's log-probs for model B."""
    folder, cfg, calls = setup
    ref_a = _refs(cfg, folder)
    save_model(tiny_model(tokenizer, seed=2, hidden_size=64, layers=2, heads=4), tokenizer, folder)
    ref_b = _refs(cfg, folder)
    assert len(calls) == 2
    assert ref_b != ref_a
    calls.clear()
    assert _refs(cfg, folder) == ref_b and not calls  # and B's own cache is then reused


def test_other_dtype_or_max_len_is_recomputed(setup):
    folder, cfg, calls = setup
    _refs(cfg, folder)
    _refs(cfg, folder, Runtime(torch.device("cpu"), torch.bfloat16))
    assert len(calls) == 2
    cfg.model.max_len = 48
    _refs(cfg, folder)
    assert len(calls) == 3


def test_cache_file_is_per_set(setup):
    folder, cfg, _ = setup
    _refs(cfg, folder)
    cache = json.loads((folder.parent / "out" / REF_CACHE).read_text())
    assert set(cache) == {"train"} and len(cache["train"]["logps"]) == 8


def test_digest_ignores_lora_adapters_but_not_base_weights(tiny_dir):
    """The reference of a LoRA run is the adapter-disabled policy: adapter values don't change it."""
    from posttrain.nn.lora import inject_lora, lora_layers
    model = load_model(str(tiny_dir))
    plain = reference_cache.weights_digest(model)
    inject_lora(model, r=4, alpha=8)
    for layer in lora_layers(model).values():
        torch.nn.init.normal_(layer.lora_B.weight)
    assert reference_cache.weights_digest(model) == plain
    with torch.no_grad():
        next(model.parameters()).view(-1)[0] += 1e-3
    assert reference_cache.weights_digest(model) != plain
