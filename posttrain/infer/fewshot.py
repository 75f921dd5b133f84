"""A base model as an assistant through its context alone (in-context alignment, as in URIAL).

A text completer asked "What is the capital of France?" continues the text; shown a few
question/answer examples first, it answers in kind. This is how the base model's own knowledge is
read without any tuning: `posttrain distill` turns such answers into SFT data, and
`posttrain eval retention=true` uses them to find what the base knew.

The prompt is plain text (no chat template: the base model never saw one):

    <header>

    Question: <shot question>
    Answer: <shot answer>
    ...
    Question: <the question>
    Answer:

and the answer ends at a blank line or at the next "Question:". The default examples
(`posttrain/assets/fewshot.jsonl`) were written for this project and are none of the bundled
benchmark's or smoke questions. `FewShotChat` is this as a `ChatBackend`: a conversation's last turn is
the question (earlier turns are not shown).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from posttrain.data.readers import DataError
from posttrain.infer.backend import Reply, Sampling, repeat_each
from posttrain.infer.engine import Completion
from posttrain.infer.generation import engine_options, generate_batched

HEADER = "Below are questions, each followed by the answer of a helpful, accurate and concise assistant."
Q, A = "Question:", "Answer:"
STOPS = ("\n\n", f"\n{Q}")


@dataclass(frozen=True)
class Shot:
    question: str
    answer: str


def default_shots() -> list[Shot]:
    return load_shots(None)


def load_shots(path: str | None) -> list[Shot]:
    """Examples from a JSONL file of {"question", "answer"} rows, or the package's own."""
    if path is None:
        text = resources.files("posttrain").joinpath("assets/fewshot.jsonl").read_text(encoding="utf-8")
        where = "posttrain/assets/fewshot.jsonl"
    else:
        text, where = Path(path).read_text(encoding="utf-8"), path
    shots = []
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            shots.append(Shot(str(row["question"]).strip(), str(row["answer"]).strip()))
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise DataError(f"{where}:{i}: a shot needs 'question' and 'answer' ({e})") from None
        if "\n\n" in shots[-1].answer:
            raise DataError(f"{where}:{i}: field 'answer': a blank line ends an answer, so a shot cannot hold one")
    if not shots:
        raise DataError(f"{where}: no shots")
    return shots


def prompt_text(question: str, shots: list[Shot], header: str = HEADER) -> str:
    body = "".join(f"{Q} {s.question}\n{A} {s.answer}\n\n" for s in shots)
    return f"{header}\n\n{body}{Q} {question.strip()}\n{A}"


def fewshot_complete(model, tokenizer, questions: list[str], shots: list[Shot] | None = None,
                     max_new_tokens: int = 64, batch_size: int = 16, progress: str | None = None,
                     **kw) -> list[Completion]:
    """The base model's completion of each question's few-shot prompt, cut where its answer ends (shortest
    prompts first); stop strings in `kw` add to the answer's own. `kw` goes to `engine.generate`."""
    shots = default_shots() if shots is None else shots
    prompts = [tokenizer(prompt_text(q, shots))["input_ids"] for q in questions]
    stops = STOPS + tuple(s for s in kw.pop("stop_strings", ()) if s not in STOPS)
    return generate_batched(model, tokenizer, prompts, batch_size, progress, longest_first=False,
                            max_new_tokens=max_new_tokens, stop_strings=stops, **kw)


def fewshot_generate(model, tokenizer, questions: list[str], shots: list[Shot] | None = None,
                     max_new_tokens: int = 64, batch_size: int = 16, progress: str | None = None,
                     **kw) -> list[tuple[str, bool]]:
    """(answer, finished) per question: the base model's continuation up to the end of its answer;
    `finished` is False when it ran out of tokens first. `kw` goes to `engine.generate`."""
    done = fewshot_complete(model, tokenizer, questions, shots, max_new_tokens, batch_size, progress, **kw)
    return [(c.text.strip(), c.finish_reason == "stop") for c in done]


class FewShotChat:
    """A base model as a `ChatBackend`: each conversation's last turn is asked through the few-shot
    prompt; a reply is the answer (stripped), finished ('stop') or cut at the token budget ('length').
    The sampling's stop strings add to the answer's own (a blank line, the next question)."""

    def __init__(self, model, tokenizer, shots: list[Shot] | None = None, batch_size: int = 16, name: str = "fewshot"):
        self.model, self.tokenizer, self.shots, self.batch_size = model, tokenizer, shots, batch_size
        self.name, self.errors = name, []

    def chat(self, conversations: list[list[dict]], sampling: Sampling, progress: str | None = None) -> list[Reply]:
        questions = [conv[-1]["content"] for conv in repeat_each(conversations, sampling.n)]
        done = fewshot_complete(self.model, self.tokenizer, questions, self.shots, batch_size=self.batch_size,
                                progress=progress, **engine_options(sampling))
        return [Reply(c.text.strip(), c.finish_reason, len(c.ids)) for c in done]
