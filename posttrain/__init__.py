"""posttrain: turn a base language model into a chat assistant, and show that it did.

The package is layered, one subpackage a layer (or a few side by side). A module imports only from
layers below its own (or, inside one layer, from modules that do not import it back), at the top of
the file; an import inside a function is only for an optional dependency (matplotlib, pyarrow,
datasets). tests/test_layers.py enforces this, relative and dynamic imports included.

1. `core/` (config: recipe + overrides → typed dataclasses, the shared config sections, runtime:
   device, precision, autocast, process group; BPE training; fault-injection points) and `losses/`
   (pure functions of tensors: torch only);
2. `nn/` — torch building blocks: the fused, chunked output layer (`logprobs`), per-document
   attention, LoRA layers and the PEFT layout;
3. `data/` — chat templates and the one renderer (conversation → ids + trained-token mask), readers,
   format normalisation, the data lint, and collation into the three batch types of
   `data/batches.py` (LMBatch, PairBatch, RolloutBatch);
4. `model/` — Hugging Face load / save / freeze, the engine's lean decoder, the bundled default
   models, and the forward pass of each batch type (hidden states, log-probs);
5. `infer/` — using a model: the engine (token ids in, token ids out), conversations in / answers
   out, few-shot prompting of a base model, continuous batching, reward-model scoring;
6. `eval/` — perplexity, benchmarks, comparisons, rating sheets, safety and sycophancy probes,
   reward functions and the RL tasks (prompts, reward and evaluation in one);
7. `feedback/` (AI judges, Constitutional AI, best-of-n, self-distillation, correction pairs: the
   tools that write training data), `serve/` (the OpenAI-compatible server, the web page and its
   label files, the terminal chat) and `report/` (the run report: figures, next-token shift, HTML);
8. `train/` — the one loop, the method contract, one module per method, the stage configs;
9. `commands/` — the command table and the tool commands' options, `posttrain run` pipelines, the demo.
"""
