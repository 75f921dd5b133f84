"""`posttrain constitution MODEL PROMPTS`: Constitutional AI data — answer, critique, revise.

For each prompt the model answers; then, for each round, a principle is drawn from the constitution,
the critic is asked to critique the latest answer against it, and to revise the answer in the light
of its critique. The final revision is written as an SFT example, and (original answer = rejected,
revision = chosen) as a preference pair, with the principles and critiques used.

The critic is the model itself unless `critic` names another folder or an OpenAI-compatible endpoint
(`posttrain serve`, vLLM, a hosted API): a small model often cannot critique usefully, and a stronger
one can critique and revise for it. A critique or revision the endpoint fails to give leaves that
prompt's answer unrevised (it is then skipped as unchanged). A constitution is YAML
(`principles: [{name, critique, revision}, ...]`) or a Markdown list (`- name: critique || revision`);
the default, `posttrain/assets/constitution.yaml`, was written for this project. A YAML constitution may
also hold `examples`: worked critiques and revisions (prompt, answer, principle, critique, revision) that
the critic sees as earlier turns of the conversation before its own — the few-shot prompting of the
Constitutional AI paper, which small models need to know what a critique looks like.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from posttrain.core.config import ConfigError
from posttrain.data.formats import load_rows, to_prompt_row
from posttrain.data.readers import write_jsonl
from posttrain.infer.backend import ChatBackend, Sampling
from posttrain.infer.endpoint import is_endpoint, open_backend
from posttrain.infer.generation import LocalChat

DEFAULT = Path(__file__).resolve().parents[1] / "assets" / "constitution.yaml"


@dataclass
class Principle:
    name: str
    critique: str
    revision: str


def load_constitution(path: str | Path | None = None) -> list[Principle]:
    path = Path(path or DEFAULT)
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".md", ".markdown"):
        out = []
        for i, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line.startswith(("- ", "* ")):
                continue
            name, _, rest = line[2:].partition(":")
            critique, sep, revision = rest.partition("||")
            if not sep or not critique.strip() or not revision.strip():
                raise ConfigError(f"{path}:{i}: expected '- name: critique request || revision request'")
            out.append(Principle(name.strip(), critique.strip(), revision.strip()))
    else:
        data = yaml.safe_load(text) or {}
        rows = data.get("principles") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise ConfigError(f"{path}: expected a 'principles' list of {{name, critique, revision}}")
        out = []
        for i, p in enumerate(rows):
            if not isinstance(p, dict) or not all(isinstance(p.get(k), str) and p[k].strip() for k in ("name", "critique", "revision")):
                raise ConfigError(f"{path}: principles[{i}]: expected name, critique and revision strings")
            out.append(Principle(p["name"], p["critique"], p["revision"]))
    if not out:
        raise ConfigError(f"{path}: no principles")
    return out


def load_examples(path: str | Path | None, principles: list[Principle]) -> list[dict]:
    """The constitution's worked examples as conversation turns (user prompt, answer, critique request,
    critique, revision request, revision), to put before every critique and revision the critic writes."""
    path = Path(path or DEFAULT)
    if path.suffix in (".md", ".markdown"):
        return []
    rows = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("examples") or []
    by_name = {p.name: p for p in principles}
    turns = []
    for i, ex in enumerate(rows):
        keys = ("prompt", "answer", "principle", "critique", "revision")
        if not isinstance(ex, dict) or not all(isinstance(ex.get(k), str) and ex[k].strip() for k in keys):
            raise ConfigError(f"{path}: examples[{i}]: expected {', '.join(keys)} strings")
        if ex["principle"] not in by_name:
            raise ConfigError(f"{path}: examples[{i}]: principle {ex['principle']!r} is not in the constitution")
        p = by_name[ex["principle"]]
        turns += [{"role": "user", "content": ex["prompt"]}, {"role": "assistant", "content": ex["answer"]},
                  {"role": "user", "content": p.critique}, {"role": "assistant", "content": ex["critique"]},
                  {"role": "user", "content": p.revision}, {"role": "assistant", "content": ex["revision"]}]
    return turns


def critique_and_revise(answer: ChatBackend, critic: ChatBackend, prompts: list[list[dict]],
                        principles: list[Principle], rounds: int = 1, seed: int = 0, shots: list[dict] = (),
                        sampling: Sampling | None = None) -> list[dict]:
    """For each prompt: the answer, then `rounds` of (principle, critique, revision). `answer` and `critic`
    are chat backends (a local model through the engine, or an endpoint), both asked with `sampling`;
    `shots` (worked examples as turns) come before each conversation the critic sees; a failed critique
    or revision (no text) leaves the answer as it was."""
    sampling = sampling or Sampling()
    rng = random.Random(seed)
    answers = answer.chat(prompts, sampling, "answers")
    records = [{"prompt": p, "original": a.text or "", "rounds": []} for p, a in zip(prompts, answers)]
    for _ in range(rounds):
        picked = [rng.choice(principles) for _ in records]
        convs = [list(shots) + r["prompt"] + [{"role": "assistant", "content": _latest(r)}, {"role": "user", "content": pr.critique}]
                 for r, pr in zip(records, picked)]
        critiques = [x.text for x in critic.chat(convs, sampling, "critiques")]
        convs = [c + [{"role": "assistant", "content": cr or ""}, {"role": "user", "content": pr.revision}]
                 for c, cr, pr in zip(convs, critiques, picked)]
        revisions = [x.text for x in critic.chat(convs, sampling, "revisions")]
        for r, pr, cr, rv in zip(records, picked, critiques, revisions):
            if cr is not None and rv is not None:
                r["rounds"].append({"principle": pr.name, "critique": cr, "revision": rv})
    return records


def _latest(record: dict) -> str:
    return record["rounds"][-1]["revision"] if record["rounds"] else record["original"]


def training_rows(records: list[dict]) -> tuple[list[dict], list[dict], dict]:
    """(SFT rows, preference pairs, skipped counts): a record whose final answer is empty, or is the
    original unchanged, gives neither."""
    sft, pairs, skipped = [], [], {"empty": 0, "unchanged": 0}
    for r in records:
        final, original = _latest(r).strip(), r["original"].strip()
        if not final or not original:
            skipped["empty"] += 1
            continue
        if final == original:
            skipped["unchanged"] += 1
            continue
        used = [x["principle"] for x in r["rounds"]]
        sft.append({"messages": r["prompt"] + [{"role": "assistant", "content": final}], "principles": used,
                    "source": "constitution"})
        pairs.append({"prompt": r["prompt"], "chosen": final, "rejected": original, "principles": used,
                      "critiques": [x["critique"] for x in r["rounds"]], "source": "constitution"})
    return sft, pairs, skipped


def _chosen(principles: list[Principle], names: list[str] | None) -> list[Principle]:
    """The principles named by --principles (all without it); an unknown name is a usage error."""
    if names:
        known = {p.name for p in principles}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ConfigError(f"--principles: {', '.join(unknown)} not in the constitution ({', '.join(sorted(known))})")
        principles = [p for p in principles if p.name in names]
    return principles


def run_constitution(a) -> dict:
    if not a.model or not a.data:
        raise ConfigError("constitution needs MODEL and PROMPTS")
    every = load_constitution(a.constitution)
    shots = load_examples(a.constitution, every) if a.examples else []
    principles = _chosen(every, a.principles)
    prompts = [msgs for msgs, _ in load_rows(a.data, to_prompt_row, a.skip_invalid, limit=a.limit)]
    sampling = Sampling(max_new_tokens=a.max_new_tokens, temperature=a.temperature, top_p=a.top_p, seed=a.seed)
    answer = LocalChat.load(a.model, a.template)
    critic = answer if not a.critic else open_backend(a.critic, a.critic_model, model_flag="--critic_model",
                                                      template=a.template, api_key_env=a.api_key_env, timeout=a.timeout)
    records = critique_and_revise(answer, critic, prompts, principles, a.rounds, a.seed, shots, sampling)
    sft, pairs, skipped = training_rows(records)
    write_jsonl(a.out_sft, sft)
    write_jsonl(a.out_pairs, pairs)
    summary = {"prompts": len(records), "written": len(sft), **skipped, "critic": a.critic or a.model}
    if is_endpoint(a.critic):
        summary["critic_errors"] = len(critic.errors)
    print(f"constitution: {len(records)} prompts, {a.rounds} round(s) of critique and revision by {summary['critic']} → "
          f"{len(sft)} SFT rows in {a.out_sft}, {len(pairs)} pairs in {a.out_pairs} "
          f"(skipped: {skipped['empty']} empty, {skipped['unchanged']} unchanged)", file=sys.stderr)
    return summary
