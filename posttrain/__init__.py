"""posttrain: turn a base language model into a chat assistant, and show that it did.

The package is layered. A module imports only from layers below its own (or, inside one layer,
from modules that do not import it back), at the top of the file; an import inside a function is
only for an optional dependency (matplotlib, pyarrow, datasets). tests/test_layers.py enforces this.

1. primitives — `losses/` (pure functions of tensors: torch only), `logprobs` (the fused output
   layer), `runtime` (device, precision, autocast, process group, train/eval mode), `tokenizer`,
   `config` (recipe + overrides → typed dataclasses), `sections` (the config sections stages share)
   and `faults` (named kill points for the fault-injection tests; inert unless POSTTRAIN_FAULT is set);
2. building blocks — `attention` (per-document attention), `lora`, `chat` (templates and the one
   renderer: conversation → ids + trained-token mask);
3. `data/` — readers, format normalisation, and collation into the three batch types of
   `data/batches.py` (LMBatch, PairBatch, RolloutBatch);
4. models — `models` (load / save / freeze), `fast_decode` (the engine's lean decoder),
   `embedded` (the bundled default models);
5. `forward` — hidden states and log-probs of each batch type;
6. `engine` (token ids in, token ids out) and `reward_model` (load, score pairs and rows);
7. `generation` — conversations in, answers out (the chat wrapper over the engine), `fewshot`
   (a base model answering through a few-shot text prompt), and `batcher` (continuous batching:
   requests join and leave a running batch step by step);
8. `eval/` (perplexity, benchmarks, comparisons, rating sheets) and `rewards` (reward functions);
9. `tasks` (RL tasks: prompts, reward and evaluation in one), `best_of_n`, `distill`, `check`, `chat_cli`,
   `serve/` (the OpenAI-compatible server, the web page and its label files), and `judge/` (AI
   feedback: judges, position-swap debiasing, win rates), `constitution` (Constitutional AI data), `report/` (the run report: figures, probability shift, HTML);
10. `train/` — the one loop (`loop`), the method contract (`method`), one module per method, the
    stage configs (`configs`);
11. `demo`, `pipeline` (`posttrain run`: stages in order, unchanged ones skipped), `cli` and `tool_args`
    (the tool commands' options) — the commands.
"""
