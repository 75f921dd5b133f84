#!/bin/sh
# Regenerates data/sft_distilled.jsonl: Gemma-3-270M base's own answers to the bundled questions that
# have checkable answers (data/prompts_train.jsonl, data/questions_corpora.jsonl), asked through the
# few-shot prompt of posttrain/infer/fewshot.py and kept only when right (posttrain distill's checks).
# Needs the embedded Gemma folder (`make demo` builds it once); ~20 min on 2 CPU cores.
set -eu
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
G=$($BIN/python -c "from posttrain.model.embedded import gemma_base; print(gemma_base())")
$BIN/posttrain distill "$G" data/prompts_train.jsonl out=out/distill/prompts.jsonl max_new_tokens=64
$BIN/posttrain distill "$G" data/questions_corpora.jsonl out=out/distill/corpora.jsonl max_new_tokens=64
cat out/distill/prompts.jsonl out/distill/corpora.jsonl > data/sft_distilled.jsonl
wc -l data/sft_distilled.jsonl
