"""Reward canaries over every built-in reward and task (enumerated from the registries, so a new one
is covered): an empty reply, the prompt copied back, and a reply of the right shape with the wrong
content must score below the correct answer and at (or within 5% of the range above) the minimum."""

import pytest

from posttrain.eval import rewards
from posttrain.eval import tasks
from posttrain.eval.rewards import prompt_text


def _canaries(rows, i):
    row = rows[i]
    wrong = next(r["answers"][0] for r in rows[i + 1:] + rows[:i] if r["answers"][0] not in row["answers"])
    return {"empty": "", "blank": "  \n ", "echo": prompt_text(row["prompt"]),
            "echo twice": prompt_text(row["prompt"]) + " " + prompt_text(row["prompt"]),
            "wrong answer": wrong, "wrong sentence": f"The answer is {wrong}."}


def _rows():
    return tasks.arithmetic().heldout[:20] + tasks.answer_format().heldout[:20]


def _check(name, score, rows, lo, hi, content_blind=False):
    tol = 0.05 * (hi - lo)
    for i, row in enumerate(rows):
        correct = score([row], [row["answers"][0]])[0]
        for kind, reply in _canaries(rows, i).items():
            if content_blind and kind.startswith("wrong"):
                continue
            got = score([row], [reply])[0]
            assert got < correct and got <= lo + tol, f"{name}: {kind} reply {reply!r} scored {got} (correct {correct})"


@pytest.mark.parametrize("name", sorted(rewards.BUILTIN))
def test_builtin_rewards_score_canaries_low(name):
    fn = rewards.BUILTIN[name]
    lo, hi = rewards.BOUNDS[name]

    def score(rows, replies):
        return fn([r["prompt"] for r in rows], replies, answers=[r["answers"] for r in rows])
    _check(name, score, _rows(), lo, hi, content_blind=name in rewards.CONTENT_BLIND)


@pytest.mark.parametrize("name", sorted(tasks.BUILTIN))
def test_builtin_tasks_score_canaries_low(name):
    task = tasks.load_task(name)
    _check(name, task.score, task.heldout[:30], *task.bounds)


def test_every_builtin_declares_its_range():
    assert set(rewards.BOUNDS) == set(rewards.BUILTIN) and rewards.CONTENT_BLIND <= set(rewards.BUILTIN)


def test_echo_does_not_hide_a_real_answer():
    """Only the copy is ignored: the question restated and then answered still scores."""
    row = {"prompt": [{"role": "user", "content": "What is 10 minus 5?"}], "answers": ["5"]}
    assert tasks.last_number_reward([row["prompt"]], ["What is 10 minus 5?"], answers=[["5"]]) == [0.0]
    assert tasks.last_number_reward([row["prompt"]], ["What is 10 minus 5? It is 5."], answers=[["5"]]) == [1.0]
    assert rewards.contains_answer(["Is Paris the capital?"], ["Is Paris the capital?"], answers=[["Paris"]]) == [0.0]
    assert rewards.contains_answer(["Is Paris the capital?"], ["Yes: Paris."], answers=[["Paris"]]) == [1.0]
