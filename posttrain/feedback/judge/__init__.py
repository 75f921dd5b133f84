"""`posttrain judge`: AI feedback (RLAIF). A judge compares two answers (or grades one) in place of
a person; its verdicts become the preference pairs `posttrain dpo` / `rm` read.

- `verdicts` — the typed `Verdict` every judge gives, reading one out of a judge model's free text,
  position-swap debiasing, win rates with bootstrap intervals (pure functions);
- `backends` — who judges: an LLM behind a chat backend (`posttrain.infer`: a local model through our
  engine, or any OpenAI-compatible endpoint — `posttrain serve`, vLLM, Ollama, a hosted API), a local
  model's letter odds, or a reward-model folder;
- `run` — the command: read rows, judge each pair in both orders, write pairs and a summary.

Prompt templates are plain files (`templates/`, or `--template FILE`) with `{question}`, `{answer_a}`,
`{answer_b}` (pairwise) or `{question}`, `{answer}` (single) in them.
"""
