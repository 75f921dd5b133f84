"""`posttrain judge`: AI feedback (RLAIF). A judge compares two answers (or grades one) in place of
a person; its verdicts become the preference pairs `posttrain dpo` / `rm` read.

- `verdicts` — reading a verdict out of a judge's free text, position-swap debiasing, win rates
  with bootstrap intervals (pure functions);
- `backends` — who judges: a local model through our engine, any OpenAI-compatible endpoint
  (`posttrain serve`, vLLM, Ollama, a hosted API), or a reward-model folder;
- `run` — the command: read rows, judge each pair in both orders, write pairs and a summary.

Prompt templates are plain files (`templates/`, or `--template FILE`) with `{question}`, `{answer_a}`,
`{answer_b}` (pairwise) or `{question}`, `{answer}` (single) in them.
"""
