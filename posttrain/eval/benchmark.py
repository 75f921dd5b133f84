"""Instruction benchmarks scored by answer matching: greedy generation, then `contains` and `exact`.

An item is a JSONL row `{"instruction": str, "answers": [str, ...], "family": str (optional)}`.
An item with no answers is shown in the table but not auto-scored (open-ended prompts, for a
human or a judge). Matching is SQuAD-style on normalised text (lowercase, no punctuation, no
articles, single spaces):

- `contains`: some answer occurs in the response as a run of whole words, so "4" does not match
  "14" and "paris" matches "The capital is Paris.";
- `exact`: the whole response, its first line or its first sentence equals some answer, so
  "Paris." and "Paris.\nIt is in France." are exact for "paris" while "It is Paris." is not.

Two kinds of answer are not matched as normalised words, since normalising would empty them:

- a choice letter ("A", "(A)", "b."): `exact` when the response, its first line or its first
  sentence is that letter ("A", "(A)", "A.", "A. Paris"); `contains` when the response names it as a
  choice: "(A)" anywhere, "A." / "A)" opening a line, "the answer is A" / "answer: a", or a capital
  letter standing alone — but not "A" or "I" opening a lowercase phrase ("A dog is...", "I think");
- an answer made only of articles ("an", "the"): matched with the articles kept on both sides.

An answer with nothing left to match (only punctuation) is refused when the items are loaded.

Digits are kept as they are (no "four" == "4"): it is simple and predictable, and an answer list
can name both spellings.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

from posttrain.data.readers import DataError, read_records
from posttrain.eval.stats import WinRate, duel
from posttrain.infer.generation import chat_generate

_ARTICLES = re.compile(r"\b(a|an|the)\b")
# A '.' or ',' between digits belongs to the number: 3.5 must not become 35 (nor match "35").
_NUMBER_SEP = re.compile(r"(?<=\d)[.,](?=\d)")
_PUNCT = re.compile("[" + re.escape(string.punctuation + "“”‘’«»…–—¡¿„‚‹›") + "]")  # Spanish opens with ¡ ¿
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_CHOICE = re.compile(r"^[^\w(]*\(?([a-z])\)?\W*$", re.IGNORECASE)  # the whole text is one letter: "A", "(A)", "A.", "a)"
_CHOICE_MENTION = re.compile(
    r"\(([A-Za-z])\)"                                                 # (A) anywhere
    r"|(?:^|\n)[^\w\n]*([A-Za-z])[.):](?!\w)"                          # A. / A) / A: opening a line
    r"|(?i:answer|option|choice)(?:\s+is)?\s*:?\s*(?:([A-Z])(?![\w'])|([a-z])(?=[^\w\s]|\s*$))"
    r"|(?<![\w'])([A-Z])(?![\w'])(?!\s+[a-z])")                         # a lone capital, not "A dog"


def normalize(text: str, articles: bool = True) -> str:
    """Lowercase, drop punctuation (keeping decimal points), articles (unless `articles=False`) and
    extra whitespace."""
    text = text.lower()
    text = _NUMBER_SEP.sub(lambda m: "\0" if m.group() == "." else "", text)  # park decimal points, drop 1,000's comma
    text = _PUNCT.sub(" ", text).replace("\0", ".")
    if articles:
        text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def target(answer: str) -> tuple[str, str] | None:
    """How an answer is matched: ("choice", "A"), ("text", normalised) or ("articles", normalised with
    the articles kept); None when nothing is left to match."""
    if m := _CHOICE.match(answer):
        return "choice", m.group(1).upper()
    if text := normalize(answer):
        return "text", text
    if text := normalize(answer, articles=False):
        return "articles", text
    return None


def choices_named(response: str) -> set[str]:
    """The choice letters a response names (upper case); see the module docstring."""
    return {next(g for g in m.groups() if g).upper() for m in _CHOICE_MENTION.finditer(response)}


def contains(response: str, answers: list[str]) -> bool:
    """Some answer occurs in the response: as whole normalised words, or as a named choice letter."""
    for kind, want in filter(None, map(target, answers)):
        if kind == "choice":
            if want in choices_named(response):
                return True
            continue
        words, want_words = normalize(response, kind == "text").split(), want.split()
        n = len(want_words)
        if any(words[i:i + n] == want_words for i in range(len(words) - n + 1)):
            return True
    return False


def _exact_candidates(response: str) -> list[str]:
    stripped = response.strip()
    first_line = stripped.splitlines()[0] if stripped else ""
    return [stripped, first_line, _SENTENCE_END.split(first_line, maxsplit=1)[0]]


def exact(response: str, answers: list[str]) -> bool:
    """The response, its first line or its first sentence equals an answer (normalised, or the same
    choice letter)."""
    candidates = _exact_candidates(response)
    for kind, want in filter(None, map(target, answers)):
        if kind == "choice":
            got = {m.group(1).upper() for c in candidates if (m := _CHOICE.match(c))}
        else:
            got = {normalize(c, kind == "text") for c in candidates}
        if want in got:
            return True
    return False


# ----------------------------------------------------------------------------- items

@dataclass
class Item:
    instruction: str
    answers: list[str] = field(default_factory=list)
    family: str | None = None

    @property
    def scored(self) -> bool:
        return bool(self.answers)


def _item(row: dict, where: str) -> Item:
    instruction = row.get("instruction")
    if not isinstance(instruction, str) or not instruction.strip():
        raise DataError(f"{where}: field 'instruction': expected a non-empty string, found {instruction!r:.40}")
    answers = row.get("answers", [])
    if isinstance(answers, str):  # one answer written without the list
        answers = [answers]
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        raise DataError(f"{where}: field 'answers': expected a list of strings, found {answers!r:.60}")
    if "answers" not in row and "answer" in row:  # a likely typo would silently leave the item unscored
        raise DataError(f"{where}: field 'answer': benchmark rows use 'answers' (a list of strings)")
    family = row.get("family")
    if family is not None and not isinstance(family, str):
        raise DataError(f"{where}: field 'family': expected a string, found {type(family).__name__}")
    answers = [a for a in answers if a.strip()]
    for a in answers:
        if target(a) is None:
            raise DataError(f"{where}: field 'answers': {a!r:.40} has no letter or digit to match")
    return Item(instruction, answers, family)


def load_items(path: str, limit: int | None = None) -> list[Item]:
    """Read benchmark items; errors name file:line and the field."""
    items = []
    for row, where in read_records(str(path)):
        items.append(_item(row, where))
        if limit and len(items) >= limit:
            break
    if not items:
        raise DataError(f"{path}: no benchmark items")
    return items


# ----------------------------------------------------------------------------- running

@dataclass
class Row:
    instruction: str
    expected: list[str]
    got: str
    contains: bool | None  # None: not auto-scored
    exact: bool | None
    family: str | None = None


@dataclass
class BenchResult:
    rows: list[Row]

    @property
    def scored(self) -> list[Row]:
        return [r for r in self.rows if r.contains is not None]

    @property
    def n_scored(self) -> int:
        return len(self.scored)

    @property
    def contains_acc(self) -> float | None:
        return _mean([r.contains for r in self.scored])

    @property
    def exact_acc(self) -> float | None:
        return _mean([r.exact for r in self.scored])

    def by_family(self) -> dict[str, tuple[float | None, float | None, int]]:
        """family → (contains acc, exact acc, scored items); items with no family are left out."""
        out = {}
        for fam in sorted({r.family for r in self.scored if r.family}):
            rows = [r for r in self.scored if r.family == fam]
            out[fam] = (_mean([r.contains for r in rows]), _mean([r.exact for r in rows]), len(rows))
        return out


def _mean(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def generate(model, tokenizer, prompts: list[str], template: str | None = None, max_new_tokens: int = 48,
             batch_size: int = 16) -> list[str]:
    """Greedy single-turn responses; the engine sorts prompts by length and runs `batch_size` at a time."""
    convs = [[{"role": "user", "content": p}] for p in prompts]
    return chat_generate(model, tokenizer, convs, template=template, max_new_tokens=max_new_tokens,
                         temperature=0.0, batch_size=batch_size, progress="answering")


def score(items: list[Item], responses: list[str]) -> BenchResult:
    rows = []
    for item, got in zip(items, responses, strict=True):
        c = contains(got, item.answers) if item.scored else None
        e = exact(got, item.answers) if item.scored else None
        rows.append(Row(item.instruction, item.answers, got, c, e, item.family))
    return BenchResult(rows)


def run_benchmark(model, tokenizer, items: list[Item], template: str | None = None, max_new_tokens: int = 48,
                  batch_size: int = 16) -> BenchResult:
    responses = generate(model, tokenizer, [it.instruction for it in items], template, max_new_tokens, batch_size)
    return score(items, responses)


# ----------------------------------------------------------------------------- display

def one_line(text: str, width: int) -> str:
    """Newlines shown as ⏎, cut to `width` characters with … when longer."""
    text = " ⏎ ".join(s.strip() for s in text.strip().splitlines() if s.strip())
    return text if len(text) <= width else text[:max(width - 1, 0)] + "…"


def pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _mark(flag: bool | None) -> str:
    return "·" if flag is None else ("✓" if flag else "✗")


def format_table(result: BenchResult, width: int = 120) -> str:
    """Per item: contains/exact marks (· = not scored), instruction, expected, got; then the accuracy."""
    text_w = max(width - 8, 30)  # 8 = the two marks and separators
    inst_w, exp_w = text_w * 3 // 10, text_w * 2 // 10
    got_w = text_w - inst_w - exp_w - 6
    lines = [f"C E  {'instruction':<{inst_w}} | {'expected':<{exp_w}} | got", "-" * min(width, 8 + text_w)]
    for r in result.rows:
        expected = " / ".join(r.expected) if r.expected else "(not scored)"
        lines.append(f"{_mark(r.contains)} {_mark(r.exact)}  {one_line(r.instruction, inst_w):<{inst_w}} | "
                     f"{one_line(expected, exp_w):<{exp_w}} | {one_line(r.got, got_w) or '(empty)'}")
    lines.append(accuracy_line(result))
    for fam, (c, e, n) in result.by_family().items():
        lines.append(f"  {fam}: contains {pct(c)}, exact {pct(e)} ({n} items)")
    return "\n".join(lines)


def accuracy_line(result: BenchResult) -> str:
    skipped = len(result.rows) - result.n_scored
    note = f", {skipped} not scored" if skipped else ""
    return (f"accuracy: contains {pct(result.contains_acc)}, exact {pct(result.exact_acc)} "
            f"over {result.n_scored} scored items{note}")


def head_to_head(new: BenchResult, old: BenchResult) -> WinRate:
    """Head to head on the same items by the benchmark's own check (contains), on the items the new
    model was scored on: a win is an item the new model gets right and the old one wrong; ties count half."""
    pairs = [(a, b) for a, b in zip(new.rows, old.rows, strict=True) if a.contains is not None]
    return duel([bool(a.contains) for a, _ in pairs], [bool(b.contains) for _, b in pairs])


def win_rate(new: BenchResult, old: BenchResult) -> dict:
    """`head_to_head` as a table row, with the mean answer length in words of each side."""
    pairs = [(a, b) for a, b in zip(new.rows, old.rows, strict=True) if a.contains is not None]
    words = lambda rows: sum(len(r.got.split()) for r in rows) / max(len(rows), 1)
    return {**head_to_head(new, old).to_dict(),
            "words_new": words([a for a, _ in pairs]), "words_old": words([b for _, b in pairs])}
