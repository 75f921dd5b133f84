"""Tasks for online RL: each owns its prompts, its reward and its evaluation.

The number RL maximises and the number evaluation reports are the same function, so they
cannot drift apart (nanochat's rule). Built in:

- `arithmetic` (`arithmetic:N`): "What is 17 plus 5?", sums and differences of numbers up to 20
  (up to N) and products up to 12 × 12. Reward 1 when the last number in the reply is the result (a reply cannot win by listing
  several numbers), else 0. 100 problems are held out; problems of the bundled benchmark are in
  neither split (their operands ship as package data, posttrain/assets/bench_arithmetic.json).
- `format`: the bundled short-answer questions (data/prompts_train.jsonl); reward 1 when the
  reply's first sentence is the answer alone (the benchmark's `exact` check), else 0.
- `length`: the same questions; reward −|words − 8| / 8 (floored at −1) for a reply containing the
  answer, −1 otherwise: a correct answer in about eight words.
- a prompt file (`prompt` or `instruction`, optional `answers`) with a reward spec from
  `posttrain.eval.rewards` (`contains`, `exact`, module:function, a reward-model folder); held-out
  prompts come from a second file.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from posttrain.data.formats import load_rows, to_prompt_row
from posttrain.infer.generation import chat_generate
from posttrain.eval.rewards import contains_answer, exact_answer, load_reward, unechoed

DATA = Path(__file__).resolve().parents[2] / "data"
ASSETS = Path(__file__).resolve().parents[1] / "assets"
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def bundled(name: str) -> Path:
    """A file of the repository's data/ folder (found from the package or the working directory)."""
    for path in (DATA / name, Path.cwd() / "data" / name):
        if path.exists():
            return path
    raise FileNotFoundError(f"bundled data file {name} not found (run from the repository)")


@dataclass
class Task:
    """Prompt rows are {"prompt": [messages], "answers": [str] or None}; `reward` is
    `(prompts, completions, answers=...) -> list[float]`; a reply is correct when its reward ≥ `solved`."""

    name: str
    train: list[dict]
    heldout: list[dict]
    reward: Callable[..., list[float]]
    solved: float | None = 1.0  # None: no "solved" threshold (e.g. a reward model's score)
    bounds: tuple[float, float] = (0.0, 1.0)  # the reward's range (a wrong or empty reply scores the low end)

    def score(self, rows: list[dict], completions: list[str]) -> list[float]:
        kw = {"answers": [r["answers"] for r in rows]} if any(r.get("answers") for r in rows) else {}
        return [float(x) for x in self.reward([r["prompt"] for r in rows], completions, **kw)]

    def evaluate(self, model, tokenizer, template=None, limit: int | None = None, max_new_tokens: int = 32,
                 temperature: float = 0.0, seed: int = 0) -> dict:
        """Replies to the held-out prompts (greedy unless a temperature is given): mean reward and the share solved."""
        rows = self.heldout[:limit] if limit else self.heldout
        replies = chat_generate(model, tokenizer, [r["prompt"] for r in rows], template=template,
                                max_new_tokens=max_new_tokens, temperature=temperature, seed=seed)
        scores = self.score(rows, replies)
        out = {"reward": sum(scores) / len(scores), "words": sum(len(r.split()) for r in replies) / len(replies),
               "n": len(rows)}
        if self.solved is not None:
            out["accuracy"] = sum(s >= self.solved for s in scores) / len(scores)
        return out


# ----------------------------------------------------------------------------- arithmetic

_PHRASES = {"add": ["What is {a} plus {b}?", "Add {a} and {b}.", "Calculate {a} + {b}.", "What is the sum of {a} and {b}?"],
            "sub": ["What is {a} minus {b}?", "Subtract {b} from {a}.", "Calculate {a} - {b}.", "What is {a} take away {b}?"],
            "mul": ["What is {a} times {b}?", "Multiply {a} by {b}.", "Calculate {a} × {b}.", "What is {a} multiplied by {b}?"]}
_RESULT = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}


def last_number(text: str) -> str | None:
    found = _NUMBER.findall(text)
    return found[-1].replace(",", "") if found else None


def correct_last_number(reply: str, answer: str) -> str | None:
    """The reply with its last number replaced by `answer` (a minimal correction of a wrong result),
    or None when it has no number."""
    found = list(_NUMBER.finditer(reply))
    if not found:
        return None
    m = found[-1]
    return reply[:m.start()] + answer + reply[m.end():]


def last_number_reward(prompts, completions, answers=None, **_):
    if answers is None:
        raise ValueError("the last-number reward needs rows with an 'answers' list")
    return [float(last_number(unechoed(p, c)) in a) for p, c, a in zip(prompts, completions, answers)]


def bench_operands() -> set[tuple[int, int]]:
    """Operand pairs of the bundled benchmark's arithmetic items (package data: data/ is not installed)."""
    path = ASSETS / "bench_arithmetic.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: the arithmetic task cannot keep the benchmark's problems out of "
                                "training without it (reinstall posttrain; the file is package data)")
    return {tuple(sorted(p)) for p in json.loads(path.read_text())["pairs"]}


def arithmetic(limit: int = 20, n_heldout: int = 100, seed: int = 0) -> Task:
    """Sums and differences of numbers up to `limit`, products up to 12 × 12."""
    problems = [("add", a, b) for a in range(1, limit + 1) for b in range(1, limit + 1) if a <= b]
    problems += [("sub", a, b) for a in range(2, limit + 1) for b in range(1, a)]
    problems += [("mul", a, b) for a in range(2, 13) for b in range(2, 13) if a <= b]
    bench = bench_operands()
    problems = [p for p in problems if tuple(sorted(p[1:])) not in bench]
    rng = random.Random(seed)
    rng.shuffle(problems)
    rows = []
    for op, a, b in problems:
        if op != "sub" and rng.random() < 0.5:
            a, b = b, a
        q = rng.choice(_PHRASES[op]).format(a=a, b=b)
        rows.append({"prompt": [{"role": "user", "content": q}], "answers": [str(_RESULT[op](a, b))]})
    return Task("arithmetic", rows[n_heldout:], rows[:n_heldout], last_number_reward)


# ----------------------------------------------------------------------------- bundled questions

def _bundled_questions(n_heldout: int) -> tuple[list[dict], list[dict]]:
    rows = [json.loads(l) for l in bundled("prompts_train.jsonl").read_text().splitlines() if l.strip()]
    rows = [{"prompt": [{"role": "user", "content": r["instruction"]}], "answers": r["answers"]} for r in rows]
    return rows[n_heldout:], rows[:n_heldout]


def length_reward(prompts, completions, answers=None, target: int = 8, **_):
    """−|words − target| / target, floored at −1, for a reply that contains the answer; −1 otherwise
    (a reply of the right length but wrong, empty or copied from the prompt earns nothing)."""
    if answers is None:
        raise ValueError("the length reward needs rows with an 'answers' list")
    ok = contains_answer(prompts, completions, answers)
    return [-min(abs(len(c.split()) - target) / target, 1.0) if good else -1.0 for c, good in zip(completions, ok)]


def answer_format(n_heldout: int = 100) -> Task:
    train, heldout = _bundled_questions(n_heldout)
    return Task("format", train, heldout, exact_answer)


def length(n_heldout: int = 100) -> Task:
    train, heldout = _bundled_questions(n_heldout)
    return Task("length", train, heldout, length_reward, solved=0.0, bounds=(-1.0, 0.0))


BUILTIN: dict[str, Callable[[], Task]] = {"arithmetic": arithmetic, "format": answer_format, "length": length}


def from_files(data: str, eval_data: str | None, reward: str, template: str | None = None) -> Task:
    def rows(path):
        def convert(row, where):
            return (*to_prompt_row(row, where), where)
        return [{"prompt": p, "answers": a, "where": w} for p, a, w in load_rows(path, convert, what="prompts")]

    train = rows(data)
    solved = 1.0 if reward in ("contains", "exact") else None
    return Task(Path(data).stem, train, rows(eval_data) if eval_data else [], load_reward(reward, template), solved)


def load_task(task: str, reward: str | None = None, eval_data: str | None = None, template: str | None = None) -> Task:
    """A built-in task by name (its reward unless `reward` overrides it), or a prompt file with a reward."""
    name, _, arg = task.partition(":")
    if name == "arithmetic" and arg.isdigit():
        t = arithmetic(int(arg))
    elif task in BUILTIN:
        t = BUILTIN[task]()
    else:
        t = None
    if t is not None:
        if reward:
            t.reward, t.solved = load_reward(reward, template), None
        return t
    if not Path(task).exists():
        raise ValueError(f"task {task!r}: expected a built-in ({', '.join(BUILTIN)}) or a prompt file")
    if not reward:
        raise ValueError(f"task {task}: a prompt file needs reward=... (contains, exact, module:function or a reward-model folder)")
    return from_files(task, eval_data, reward, template)
