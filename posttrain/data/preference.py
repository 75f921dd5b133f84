"""Preference rows → (prompt, chosen, rejected) conversations; unpaired rows → (prompt, completion, label).

Paired rows (DPO, IPO, ORPO, SimPO, ...):
- `prompt` + `chosen` + `rejected`, each a string or a list of messages (a string prompt is one
  user turn, a string answer one assistant turn; a list answer holds the assistant turn(s));
- implicit prompt: `chosen` and `rejected` are whole conversations that share their first
  messages; the shared messages are the prompt (TRL's `extract_prompt`).
Unpaired rows (KTO): `prompt` + `completion` + `label` (true = desirable). Paired rows also feed
KTO: chosen becomes a desirable example, rejected an undesirable one.

Errors name the row's location and the field, like the SFT formats.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from posttrain.data.formats import check_order, iter_rows, messages_field, text_field
from posttrain.data.readers import DataError

LABELS = {"true": True, "false": False, "1": True, "0": False}


@dataclass
class Pair:
    prompt: list[dict]     # system/user/assistant turns, ending with a user turn
    chosen: list[dict]     # assistant turn(s) that continue the prompt
    rejected: list[dict]


@dataclass
class Unpaired:
    prompt: list[dict]
    completion: list[dict]
    label: bool


def _side(row: dict, key: str, where: str) -> list[dict]:
    value = row.get(key)
    if isinstance(value, list):
        return messages_field(value, where, key)
    return [{"role": "assistant", "content": text_field(row, key, where)}]


def _prompt(row: dict, where: str) -> list[dict]:
    value = row["prompt"]
    msgs = messages_field(value, where, "prompt") if isinstance(value, list) else [{"role": "user", "content": text_field(row, "prompt", where)}]
    if isinstance(row.get("system"), str) and row["system"] and msgs[0]["role"] != "system":
        msgs = [{"role": "system", "content": text_field(row, "system", where, required=False)}] + msgs
    return msgs


def _split(prompt: list[dict], answer: list[dict], where: str, field: str) -> list[dict]:
    """Check prompt + answer is a valid conversation whose answer part is assistant turns."""
    if not answer or answer[0]["role"] != "assistant":
        raise DataError(f"{where}: field '{field}': expected the answer to start with an assistant turn, "
                        f"found {answer[0]['role'] if answer else 'nothing'!r}")
    check_order(prompt + answer, where, f"prompt+{field}")
    return answer


def to_pair(row: dict, where: str = "<row>") -> Pair:
    for key in ("chosen", "rejected"):
        if key not in row:
            raise DataError(f"{where}: field '{key}': expected a string or a list of messages, found nothing "
                            f"(paired rows need prompt/chosen/rejected or chosen/rejected conversations; found fields {sorted(row)[:8]})")
    if "prompt" in row and row["prompt"] is not None:
        prompt = _prompt(row, where)
        chosen, rejected = _side(row, "chosen", where), _side(row, "rejected", where)
    else:  # implicit prompt: the messages both conversations share
        if not isinstance(row["chosen"], list) or not isinstance(row["rejected"], list):
            raise DataError(f"{where}: field 'prompt': expected a prompt, or chosen/rejected as whole conversations sharing their first messages")
        c, r = messages_field(row["chosen"], where, "chosen"), messages_field(row["rejected"], where, "rejected")
        n = 0
        while n < min(len(c), len(r)) and c[n] == r[n]:
            n += 1
        while n and c[n - 1]["role"] == "assistant":  # the prompt ends with the last shared user turn
            n -= 1
        if n == 0:
            raise DataError(f"{where}: fields 'chosen'/'rejected': the two conversations share no prompt (their first messages differ)")
        prompt, chosen, rejected = c[:n], c[n:], r[n:]
    if chosen == rejected:
        raise DataError(f"{where}: fields 'chosen'/'rejected': the two answers are identical")
    return Pair(prompt, _split(prompt, chosen, where, "chosen"), _split(prompt, rejected, where, "rejected"))


def to_unpaired(row: dict, where: str = "<row>") -> Unpaired:
    for key in ("prompt", "completion", "label"):
        if key not in row:
            raise DataError(f"{where}: field '{key}': expected it (unpaired rows need prompt/completion/label), found fields {sorted(row)[:8]}")
    label = row["label"]
    if isinstance(label, str) and label.strip().lower() in LABELS:  # CSV cells are text
        label = LABELS[label.strip().lower()]
    if not isinstance(label, bool):
        if label in (0, 1) and not isinstance(label, float):
            label = bool(label)
        else:
            raise DataError(f"{where}: field 'label': expected true/false, found {type(label).__name__} {repr(label)[:40]}")
    prompt = _prompt(row, where)
    return Unpaired(prompt, _split(prompt, _side(row, "completion", where), where, "completion"), label)


def iter_pairs(source: str, skip_invalid: bool = False, split: str = "train", limit: int | None = None,
               forbid=()) -> Iterator[Pair]:
    """Pairs one at a time as the file is read (`forbid`: control-token texts to refuse, see formats.py)."""
    return iter_rows(source, to_pair, skip_invalid, split, limit, "preference pairs", forbid)


def load_pairs(source: str, skip_invalid: bool = False, split: str = "train", limit: int | None = None,
               forbid=()) -> list[Pair]:
    return list(iter_pairs(source, skip_invalid, split, limit, forbid))


def _unpaired_group(row: dict, where: str) -> list[Unpaired]:
    if "label" in row:
        return [to_unpaired(row, where)]
    p = to_pair(row, where)
    return [Unpaired(p.prompt, p.chosen, True), Unpaired(p.prompt, p.rejected, False)]


def iter_unpaired(source: str, skip_invalid: bool = False, split: str = "train", limit: int | None = None,
                  forbid=()) -> Iterator[Unpaired]:
    """KTO examples: unpaired rows as they are, paired rows split into a desirable and an undesirable one."""
    for group in iter_rows(source, _unpaired_group, skip_invalid, split, limit, "examples", forbid):
        yield from group


def load_unpaired(source: str, skip_invalid: bool = False, split: str = "train", limit: int | None = None,
                  forbid=()) -> list[Unpaired]:
    return list(iter_unpaired(source, skip_invalid, split, limit, forbid))
