"""Smoke-answer checks by hand, on the replies the demo printed before this issue (all wrong)."""

import json

import pytest

from posttrain.eval.smoke import SmokeItem, check_reply, load_smoke, run_smoke, smoke_line

HAIKU = SmokeItem("Write a haiku about programming.", lines=3, topic=["program", "code", "coding", "computer", "bug"])
COLORS = SmokeItem("Name three primary colors.", all_of=[["red", "yellow", "blue"], ["red", "green", "blue"]])


@pytest.mark.parametrize("item,reply,ok", [
    (HAIKU, "The answer is 3.", False),
    (HAIKU, "Lines of code compile\nbugs hide in the quiet loops\nthe tests turn green now", True),
    (HAIKU, "Soft rain on the roof\npuddles gather in the yard\nthe garden drinks deep", False),  # off topic
    (SmokeItem("What is 15 multiplied by 7?", ["105"]), "15 × 7 = 110.", False),
    (SmokeItem("What is 15 multiplied by 7?", ["105"]), "15 × 7 = 105.", True),
    (COLORS, "Here are three primary colors: blue, green, and violet.", False),
    (COLORS, "Red, yellow and blue.", True),
    (COLORS, "The primary colors of light are red, green and blue.", True),
    (SmokeItem("Translate 'thank you' into Spanish.", ["gracias"]), "In Spanish, 'thank you' is 'por favor'.", False),
    (SmokeItem("Translate 'thank you' into Spanish.", ["gracias"]), "Gracias.", True),
])
def test_check_reply(item, reply, ok):
    assert (check_reply(item, reply) == "") is ok


def test_load_and_run_on_the_tiny_model(tiny_dir, tmp_path):
    from posttrain.infer.load import load_for_inference
    path = tmp_path / "smoke.jsonl"
    path.write_text(json.dumps({"instruction": "Name three primary colors.", "answers": [],
                                "all_of": [["red", "yellow", "blue"]]}) + "\n")
    items = load_smoke(str(path))
    assert items[0].all_of == [["red", "yellow", "blue"]]
    model, tok = load_for_inference(str(tiny_dir), "fp32")
    [r] = run_smoke(model, tok, items, template="chatml", max_new_tokens=6)
    assert r.right is (r.why == "") and isinstance(r.stopped, bool)
    assert smoke_line([r]).startswith(f"smoke questions: {int(r.right)}/1 answered right")
