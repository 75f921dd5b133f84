"""Who judges: a local model, an OpenAI-compatible endpoint, or a reward-model folder.

Every backend answers a list of jobs — (question, first answer, second answer) for pairwise
judging, (question, answer) for grading — with one text per job, or None when the judge failed
(an endpoint error or timeout). LLM judges see the job through the prompt template; a reward model
scores the answers and states its verdict in the same "[[A]]" form, so one parser reads them all.
"""

from __future__ import annotations

import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path

import openai
import torch
from tqdm.auto import tqdm

from posttrain.data.chat import render_prompt
from posttrain.infer.load import load_for_inference
from posttrain.infer.generation import chat_generate
from posttrain.eval.rewards import reward_model_scorer

TEMPLATES = resources.files("posttrain.feedback.judge") / "templates"


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


class LocalJudge:
    """A model folder judging through the engine, each prompt as one user turn.

    verdict="text": the judge writes its judgement greedily and the verdict is read from it.
    verdict="logprobs": no judgement is written; the judge's answer turn is opened with "[[" and the
    verdict is the likelier of the next tokens "A" and "B" (pairwise only). Every job gets a verdict, so
    a small model that cannot write a judgement can still label pairs — how well is for position-swap
    and a held-out check to tell."""

    def __init__(self, path: str, template: str, max_new_tokens: int = 256, verdict: str = "text"):
        self.name, self.template, self.max_new_tokens, self.verdict = path, template, max_new_tokens, verdict
        self.model, self.tokenizer = load_for_inference(path)
        self.opener, self.letters = _letter_ids(self.tokenizer)

    def __call__(self, jobs: list[tuple]) -> list[str | None]:
        convs = [[{"role": "user", "content": fill(self.template, j)}] for j in jobs]
        if self.verdict == "logprobs":
            if len(jobs[0]) != 3:
                raise ValueError("verdict=logprobs judges pairs only (mode=pairwise)")
            return [self._letter_odds(c) for c in tqdm(convs, desc="judging (letter odds)", unit="job", file=sys.stderr,
                                                       leave=False)]
        return chat_generate(self.model, self.tokenizer, convs, max_new_tokens=self.max_new_tokens, temperature=0.0,
                             progress="judging")

    @torch.inference_mode()
    def _letter_odds(self, conv: list[dict]) -> str:
        tok = self.tokenizer
        ids = torch.tensor([render_prompt(tok, conv, None) + self.opener])
        logits = self.model(ids.to(self.model.device), logits_to_keep=1).logits[0, -1].float()
        pa, pb = torch.softmax(logits[self.letters], dim=0).tolist()
        return f"P(A)={pa:.3f} P(B)={pb:.3f}: [[{'A' if pa > pb else 'B' if pb > pa else 'C'}]]"


class EndpointChat:
    """Conversations answered by an OpenAI-compatible chat-completions endpoint, `workers` at a time;
    a failed request answers None and is kept in `errors`."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 60, workers: int = 8,
                 max_new_tokens: int = 256, temperature: float = 0.0):
        self.name, self.model, self.workers = f"{model} @ {base_url}", model, workers
        self.max_new_tokens, self.temperature, self.errors = max_new_tokens, temperature, []
        self.client = openai.OpenAI(base_url=base_url, api_key=api_key or "none", timeout=timeout, max_retries=1)

    def _one(self, messages: list[dict]) -> str | None:
        try:
            r = self.client.chat.completions.create(model=self.model, temperature=self.temperature,
                                                    max_tokens=self.max_new_tokens, messages=messages)
            return r.choices[0].message.content or ""
        except Exception as exc:  # noqa: BLE001 - a failed request is counted, never fatal
            self.errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
            return None

    def __call__(self, conversations: list[list[dict]]) -> list[str | None]:
        with ThreadPoolExecutor(self.workers) as pool:
            return list(pool.map(self._one, conversations))


class EndpointJudge(EndpointChat):
    """An endpoint judging each job through the prompt template (greedy)."""

    def __init__(self, base_url: str, model: str, template: str, api_key: str | None = None, timeout: float = 60,
                 workers: int = 8, max_new_tokens: int = 256):
        super().__init__(base_url, model, api_key, timeout, workers, max_new_tokens)
        self.template = template

    def __call__(self, jobs: list[tuple]) -> list[str | None]:
        return super().__call__([[{"role": "user", "content": fill(self.template, j)}] for j in jobs])


class RewardModelJudge:
    """A reward-model folder: the higher reward wins (equal rewards tie); grading reports the reward."""

    def __init__(self, path: str, template_override: str | None = None):
        self.name, self.score = path, reward_model_scorer(path, template_override)

    def __call__(self, jobs: list[tuple]) -> list[str | None]:
        if len(jobs[0]) == 2:
            rewards = self.score([j[0] for j in jobs], [j[1] for j in jobs])
            return [f"reward {r:.4f}" if r is not None else None for r in rewards]
        first = self.score([j[0] for j in jobs], [j[1] for j in jobs])
        second = self.score([j[0] for j in jobs], [j[2] for j in jobs])
        return [f"reward A {a:.4f}, reward B {b:.4f}: [[{'A' if a > b else 'B' if b > a else 'C'}]]"
                for a, b in zip(first, second)]


def make_judge(spec: str, template: str, judge_model: str | None = None, api_key_env: str = "OPENAI_API_KEY",
               timeout: float = 60, workers: int = 8, max_new_tokens: int = 256, verdict: str = "text"):
    if spec.startswith(("http://", "https://")):
        if not judge_model:
            raise ValueError("an endpoint judge needs --judge_model (the model name the endpoint serves)")
        return EndpointJudge(spec, judge_model, template, os.environ.get(api_key_env), timeout, workers, max_new_tokens)
    if is_reward_model(spec):
        return RewardModelJudge(spec)
    return LocalJudge(spec, template, max_new_tokens, verdict)
