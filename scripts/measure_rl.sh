#!/bin/sh
# Reward model, GRPO and PPO on the demo's SFT model (Gemma-3-270M): the numbers in bench/RESULTS.md.
#   make demo && make measure-rl        (or: sh scripts/measure_rl.sh SFT_DIR OUT_DIR)
# Same frozen half as the demo's SFT (embeddings and the first 9 blocks); each stage prints its
# held-out evaluation before training and writes the after-training one to its metrics.jsonl.
set -e
SFT=${1:-out/demo/gemma/sft}
OUT=${2:-out/rl}
P="${POSTTRAIN:-.venv/bin/posttrain}"
COMMON="template=gemma max_len=128 freeze_embeddings=true freeze_layers=9 warmup_steps=2 progress=false"

# 1. Bradley-Terry reward model on the bundled pairs; accuracy on the 142 held-out pairs
$P rm model="$SFT" data=data/pref_train.jsonl eval_data=data/pref_heldout.jsonl output_dir="$OUT/rm" \
   batch_size=8 max_steps=40 lr=2e-5 $COMMON

# 2. GRPO on the arithmetic task (reward = the task's own answer check); 100 held-out problems
$P grpo recipes/grpo_gemma.yaml model="$SFT" output_dir="$OUT/grpo" progress=false

# 3. PPO against the reward model of step 1 (classic RLHF), adaptive KL; 100 held-out questions
$P ppo recipes/ppo_gemma.yaml model="$SFT" reward="$OUT/rm" output_dir="$OUT/ppo" progress=false

for s in rm grpo ppo; do echo "== $s"; grep eval_ "$OUT/$s/metrics.jsonl" | tail -1; done
