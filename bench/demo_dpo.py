"""The demo's DPO step with other settings, on an SFT model the demo wrote:

    python bench/demo_dpo.py out/demo/gemma/sft lora lora_r=16 lora_alpha=32 freeze_layers=0 lr=5e-5
    python bench/demo_dpo.py out/demo/gemma/sft lowlr lr=3e-6

Runs `posttrain.commands.demo.run_dpo_step` (pairs from the SFT model's own arithmetic mistakes, RPO) with
recipes/dpo_gemma.yaml plus the given overrides (values parsed as JSON), then prints held-out
arithmetic before/after and the benchmark (contains) of the SFT and DPO models. Output under
/tmp/dpo_probe_<tag>.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[0] in ("-h", "--help"):
        print(__doc__)
        return
    import posttrain.commands.demo as demo
    from posttrain.core.config import replace
    from posttrain.eval.compare import compare
    from posttrain.train.configs import DPOConfig
    sft_dir, tag = argv[0], argv[1]
    over = {k: json.loads(v) for k, v in (kv.split("=", 1) for kv in argv[2:])}
    load = demo.load_recipe

    def patched(cls, path, **kw):  # the demo loads its DPO recipe through this name
        cfg = load(cls, path, **kw)
        return replace(cfg, **over) if cls is DPOConfig else cfg
    demo.load_recipe = patched
    out = Path(f"/tmp/dpo_probe_{tag}")
    out.mkdir(exist_ok=True)
    dpo_dir, _, arith = demo.run_dpo_step("gemma", sft_dir, out, 24)
    rows = compare([sft_dir, str(dpo_dir)], benchmark=demo._data("bench_heldout.jsonl"), template="gemma",
                   max_new_tokens=32)
    print(f"{tag} {over}: held-out arithmetic {arith['sft']:.2f} → {arith['dpo']:.2f} ({arith['pairs']} pairs); "
          f"benchmark {rows[0]['contains']:.2f} → {rows[1]['contains']:.2f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
