#!/bin/sh
# Constitutional AI on the demo's SFT model (Gemma-3-270M), and the safety / sycophancy numbers of
# base, SFT and after CAI → DPO: the numbers in bench/RESULTS.md. `CRITIC=FOLDER` has another model
# write the critiques and revisions.
#   make demo && make measure-safety        (or: sh scripts/measure_safety.sh SFT_DIR BASE_DIR OUT_DIR)
#   ONLY=cai runs steps 1-4 (Constitutional AI → DPO, held-out measures), ONLY=rlaif step 5.
# The constitution stage sees only the train split of the safety prompts; every number below is on
# the held-out split (and the held-out benchmark).
set -e
SFT=${1:-out/demo/gemma/sft}
BASE=${2:-$HOME/.cache/posttrain/gemma-3-270m-base}
OUT=${3:-out/safety}
P="${POSTTRAIN:-.venv/bin/posttrain}"
PY="${PYTHON:-.venv/bin/python}"
mkdir -p "$OUT"

# 1. the train-split prompts: harmful requests, and their benign look-alikes
$PY - "$OUT" <<'PYEOF'
import json, sys
for name in ("harmful", "benign"):
    with open(f"{sys.argv[1]}/cai_prompts_{name}.jsonl", "w") as f:
        for line in open(f"data/safety_{name}.jsonl"):
            row = json.loads(line)
            if row["split"] == "train":
                f.write(json.dumps({"prompt": row["prompt"], "category": row["category"]}) + "\n")
PYEOF

# 2. Constitutional AI: the SFT model answers, critiques itself against a drawn principle, revises (with the
#    constitution's worked examples before each critique and revision). As in the paper's harmlessness
#    phase, red-team prompts draw from the harm principles; the look-alikes from over-caution and helpfulness.
HARM="[harmless,illegal,self_harm,privacy,respectful,medical_care,no_manipulation,children]"
HELP="[not_overcautious,helpful,honest,correct,direct]"
if [ "${ONLY:-all}" != rlaif ]; then
for kind in harmful benign; do
  if [ $kind = harmful ]; then PR=$HARM; else PR=$HELP; fi
  $P constitution "$SFT" "$OUT/cai_prompts_$kind.jsonl" --out_sft "$OUT/cai_sft_$kind.jsonl" \
     --out_pairs "$OUT/cai_pairs_$kind.jsonl" --principles "$PR" --template gemma --max_new_tokens 128 \
     --temperature 0.7 ${CRITIC:+--critic "$CRITIC"}
done
cat "$OUT/cai_pairs_harmful.jsonl" "$OUT/cai_pairs_benign.jsonl" > "$OUT/cai_pairs.jsonl"
cat "$OUT/cai_sft_harmful.jsonl" "$OUT/cai_sft_benign.jsonl" > "$OUT/cai_sft.jsonl"

# 3. DPO (RPO loss) from the SFT model on the CAI pairs: the demo's DPO recipe, these pairs
$P dpo recipes/dpo_gemma.yaml model="$SFT" data="$OUT/cai_pairs.jsonl" eval_data=null output_dir="$OUT/dpo" \
   batch_size=4 max_steps=30 progress=false

# 4. held-out safety, sycophancy and benchmark for base, SFT and CAI-DPO
$P eval "$BASE" "$SFT" "$OUT/dpo" --safety true --show_items false --template gemma | tee "$OUT/safety.txt"
$P eval "$BASE" "$SFT" "$OUT/dpo" --benchmark data/bench_heldout.jsonl --sycophancy true --show_items false \
   --template gemma | tee "$OUT/sycophancy.txt"
$P eval "$BASE" "$SFT" "$OUT/dpo" --benchmark data/bench_heldout.jsonl --shift true --show_items false \
   --template gemma | tee "$OUT/shift.txt"
$P eval "$SFT" "$OUT/dpo" --benchmark data/bench_heldout.jsonl --show_items false | tee "$OUT/bench.txt"
fi
[ "${ONLY:-all}" = cai ] && exit 0

# 5. RLAIF: the SFT model judges 300 bundled training pairs in both orders. It cannot write a judgement
#    (0/600 readable verdicts before), so the verdict is read from the letter probabilities after "[["
#    (--verdict logprobs), and the two orders are combined by averaging P(a better) (--swap_rule mean: a
#    constant position preference cancels). `a` is the bundled chosen answer, so the judge's "win rate
#    of a" is its agreement with the bundled labels. A reward model trained on its decided pairs, beside
#    the same reward model trained on the same 300 pairs' bundled labels, both scored on the 251
#    held-out bundled pairs.
head -n 300 data/pref_train.jsonl > "$OUT/pref300.jsonl"
$P judge "$SFT" "$OUT/pref300.jsonl" --out "$OUT/rlaif_pairs.jsonl" --report "$OUT/rlaif_report.json" \
   --verdict logprobs --swap_rule mean
RM="template=gemma max_len=128 freeze_embeddings=true freeze_layers=9 warmup_steps=2 progress=false batch_size=8 max_steps=40 lr=2e-5"
if [ "$(wc -l < "$OUT/rlaif_pairs.jsonl")" -ge 8 ]; then  # a judge that decides almost nothing trains nothing
  $P rm model="$SFT" data="$OUT/rlaif_pairs.jsonl" eval_data=data/pref_heldout.jsonl output_dir="$OUT/rm_rlaif" $RM
fi
$P rm model="$SFT" data="$OUT/pref300.jsonl" eval_data=data/pref_heldout.jsonl output_dir="$OUT/rm_bundled" $RM
for s in rm_rlaif rm_bundled; do echo "== $s"; grep -s eval_ "$OUT/$s/metrics.jsonl" | tail -1; done | tee "$OUT/rlaif.txt"
