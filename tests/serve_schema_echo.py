"""A stand-in batcher for the server tests that need no model."""

from __future__ import annotations

from posttrain.infer.batcher import Completion


class Echo:
    """A stand-in batcher: each choice answers "seven" at once (or nothing at temperature 0)."""

    max_context = 200

    def submit(self, prompt, sampling, emit):
        if len(prompt) > self.max_context:
            raise ValueError(f"this model's maximum context length is {self.max_context} tokens")

        class Done:
            done = True

            def cancel(self):
                pass

        for c in range(sampling.n):
            text = "" if sampling.temperature == 0 else "seven"
            emit(("delta", c, text))
            emit(("done", c, Completion([1] * len(text), text, "stop")))
        return Done()
