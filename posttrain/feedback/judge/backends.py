"""Who judges: an LLM behind any chat backend (a local model through our engine, an OpenAI-compatible
endpoint), a local model's letter odds, or a reward-model folder.

A judge answers a list of jobs — (question, first answer, second answer) for pairwise judging,
(question, answer) for grading — with one `Verdict` per job. An LLM judge sees the job through the
prompt template and its reply is read for a verdict (`verdicts.read_pairwise` / `read_rating`); a
letter-odds or reward-model judge builds its verdict from numbers, and writes the text the output files
keep as its reasoning ("P(A)=… P(B)=…: [[A]]", "reward A …, reward B …: [[A]]", "reward …").
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Protocol

import torch
from tqdm.auto import tqdm

from posttrain.data.chat import render_prompt
from posttrain.eval.rewards import reward_model_scorer
from posttrain.feedback.judge.verdicts import Verdict, read_pairwise, read_rating
from posttrain.infer.backend import ChatBackend, Sampling
from posttrain.infer.endpoint import is_endpoint, open_backend
from posttrain.infer.generation import LocalChat

TEMPLATES = resources.files("posttrain.feedback.judge") / "templates"
LETTER = {"A": "A", "B": "B", "tie": "C"}  # a winner as the templates' "[[X]]" names it


class Judge(Protocol):
    name: str

    def __call__(self, jobs: list[tuple]) -> list[Verdict]:
        ...


def load_template(path: str | None, mode: str) -> str:
    text = Path(path).read_text() if path else (TEMPLATES / f"{mode}.txt").read_text()
    needed = ["{question}", "{answer_a}", "{answer_b}"] if mode == "pairwise" else ["{question}", "{answer}"]
    missing = [n for n in needed if n not in text]
    if missing:
        raise ValueError(f"judge template {path or mode}: missing {', '.join(missing)}")
    return text


def fill(template: str, job: tuple) -> str:
    keys = ("question", "answer_a", "answer_b") if len(job) == 3 else ("question", "answer")
    text = template
    for k, v in zip(keys, job):  # plain replacement: answers may hold braces that str.format would read
        text = text.replace("{" + k + "}", v)
    return text


def is_reward_model(path: str) -> bool:
    cfg = Path(path) / "config.json"
    if not cfg.is_file():
        return False
    return any(a.endswith("ForSequenceClassification") for a in json.loads(cfg.read_text()).get("architectures") or [])


def _letter_ids(tok) -> tuple[list[int], list[int]]:
    """The ids of "[[" and of "A" and "B" right after it (tokenizers merge differently)."""
    opener = tok("[[", add_special_tokens=False).input_ids
    letters = []
    for x in "AB":
        full = tok("[[" + x, add_special_tokens=False).input_ids
        letters.append(full[len(opener)] if full[:len(opener)] == opener else tok(x, add_special_tokens=False).input_ids[0])
    return opener, letters


class ChatJudge:
    """An LLM judging through any chat backend, each job through the prompt template as one user turn,
    answered greedily; the verdict (or rating) is read from the reply."""

    def __init__(self, backend: ChatBackend, template: str, max_new_tokens: int = 256):
        self.backend, self.template, self.max_new_tokens = backend, template, max_new_tokens
        self.name, self.errors = backend.name, backend.errors

    def __call__(self, jobs: list[tuple]) -> list[Verdict]:
        convs = [[{"role": "user", "content": fill(self.template, j)}] for j in jobs]
        replies = self.backend.chat(convs, Sampling(max_new_tokens=self.max_new_tokens, temperature=0.0),
                                    progress="judging")
        read = read_rating if jobs and len(jobs[0]) == 2 else read_pairwise
        return [read(r.text) for r in replies]


class LetterOddsJudge:
    """A local model judging pairs by its letter odds (verdict="logprobs"): no judgement is written; the
    judge's answer turn is opened with "[[" and the verdict is the likelier of the next tokens "A" and "B".
    Every job gets a verdict, so a small model that cannot write a judgement can still label pairs — how
    well is for position-swap and a held-out check to tell. The probabilities are kept to 3 places, as
    the reasoning text shows them."""

    def __init__(self, local: LocalChat, template: str):
        self.local, self.template, self.name, self.errors = local, template, local.name, []
        self.opener, self.letters = _letter_ids(local.tokenizer)

    def __call__(self, jobs: list[tuple]) -> list[Verdict]:
        if any(len(j) != 3 for j in jobs):
            raise ValueError("verdict=logprobs judges pairs only (mode=pairwise)")
        convs = [[{"role": "user", "content": fill(self.template, j)}] for j in jobs]
        return [self._letter_odds(c) for c in tqdm(convs, desc="judging (letter odds)", unit="job", file=sys.stderr,
                                                   leave=False)]

    @torch.inference_mode()
    def _letter_odds(self, conv: list[dict]) -> Verdict:
        model, tok = self.local.model, self.local.tokenizer
        ids = torch.tensor([render_prompt(tok, conv, None) + self.opener])
        logits = model(ids.to(model.device), logits_to_keep=1).logits[0, -1].float()
        pa, pb = torch.softmax(logits[self.letters], dim=0).tolist()
        winner = "A" if pa > pb else "B" if pb > pa else "tie"
        return Verdict(winner, round(pa, 3), round(pb, 3), text=f"P(A)={pa:.3f} P(B)={pb:.3f}: [[{LETTER[winner]}]]")


class RewardModelJudge:
    """A reward-model folder: the higher reward wins (equal rewards tie); grading reports the reward (to
    4 places, as the reasoning text shows it). A job the model cannot score (too long) fails."""

    def __init__(self, path: str, template_override: str | None = None):
        self.name, self.errors, self.score = path, [], reward_model_scorer(path, template_override)

    def __call__(self, jobs: list[tuple]) -> list[Verdict]:
        if not jobs:
            return []
        questions = [j[0] for j in jobs]
        first = self.score(questions, [j[1] for j in jobs])
        if len(jobs[0]) == 2:
            return [Verdict(rating=round(r, 4), text=f"reward {r:.4f}") if r is not None else Verdict() for r in first]
        second = self.score(questions, [j[2] for j in jobs])
        return [_reward_verdict(a, b) for a, b in zip(first, second)]


def _reward_verdict(a: float | None, b: float | None) -> Verdict:
    if a is None or b is None:
        return Verdict()
    winner = "A" if a > b else "B" if b > a else "tie"
    return Verdict(winner, text=f"reward A {a:.4f}, reward B {b:.4f}: [[{LETTER[winner]}]]")


def make_judge(spec: str, template: str, judge_model: str | None = None, api_key_env: str = "OPENAI_API_KEY",
               timeout: float = 60, workers: int = 8, max_new_tokens: int = 256, verdict: str = "text") -> Judge:
    """A reward-model folder judges by its rewards; a local model by its letter odds with
    verdict="logprobs"; otherwise the model folder or endpoint (`open_backend`) writes its judgement."""
    if is_reward_model(spec):
        return RewardModelJudge(spec)
    if verdict == "logprobs" and not is_endpoint(spec):
        return LetterOddsJudge(LocalChat.load(spec), template)
    backend = open_backend(spec, judge_model, model_flag="--judge_model", api_key_env=api_key_env, timeout=timeout,
                           workers=workers)
    return ChatJudge(backend, template, max_new_tokens)
