"""Requests and responses of the page's API (`/ui/api/*`): blind comparisons, verdicts, thumbs, review.

The wording of a refused request is in `errors.py`, by parameter, like the OpenAI routes'.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StrictBool, StrictInt, StrictStr, field_validator

from posttrain.serve.labels import Aspect, LabelRefused, Verdict, check_rated_chat
from posttrain.serve.protocol import Addressed, Message, Sampled, Schema, chat_messages, refuse

Rater = Annotated[StrictStr, Field(max_length=64)]
Rating = Annotated[StrictInt, Field(ge=1, le=5)]


def rater_name(rater: str) -> str:
    return rater.strip() or "anonymous"


def _two_objects(sides):
    """The shape of `sides` is checked before each side's settings."""
    if not (isinstance(sides, list) and len(sides) == 2 and all(isinstance(s, dict) for s in sides)):
        raise ValueError("'sides' must be two objects")
    return sides


class Side(Sampled, Addressed):
    """One configuration of a comparison: a model and its sampling settings (one answer each)."""


class PairRequest(Schema):
    messages: Annotated[list[Message], Field(min_length=1)]
    """The conversation to answer; it ends with a user message."""
    sides: Annotated[list[Side], Field(min_length=2, max_length=2), BeforeValidator(_two_objects)]

    @field_validator("messages")
    @classmethod
    def _ends_with_user(cls, messages: list[Message]) -> list[Message]:
        if messages[-1].role != "user":
            raise refuse("the conversation to answer must end with a user message")
        return messages


class LabelRequest(Schema):
    item: StrictStr
    """The comparison item (from `/ui/api/pair` or `/ui/api/next`)."""
    verdict: Verdict
    rater: Rater = ""
    ratings: Annotated[dict[Literal["A", "B"], dict[Aspect, Rating]], BeforeValidator(lambda v: v or {})] = {}
    """Optional 1-5 ratings per side and aspect."""


class FeedbackRequest(Schema):
    messages: Annotated[list[Message], Field(min_length=1)]
    """The chat so far, ending with the user turn and the rated answer."""
    label: StrictBool
    """True: thumbs up; false: thumbs down."""
    model: StrictStr
    """The served model that gave the answer."""
    settings: Annotated[dict, BeforeValidator(lambda v: v if isinstance(v, dict) else {})] = {}
    """The sampling settings the page used (kept with the label)."""
    rater: Rater = ""

    @field_validator("messages")
    @classmethod
    def _ends_with_rated_answer(cls, messages: list[Message]) -> list[Message]:
        try:
            check_rated_chat(chat_messages(messages))
        except LabelRefused as exc:
            raise refuse(str(exc)) from None
        return messages


class PageConfig(Schema):
    models: list[str]
    labels: bool
    max_tokens: int
    aspects: list[str]


class PairShown(Schema):
    item: str
    A: str
    B: str


class NextItem(Schema):
    item: str | None
    messages: list[dict] | None = None
    A: str | None = None
    B: str | None = None


class Saved(Schema):
    saved: bool
    files: list[str]


class Comparison(Schema):
    item: str | None
    rater: str
    time: str
    A: str
    B: str
    verdict: str | None
    outcome: str
    prompt: str


class WinRateRow(Schema):
    first: str
    second: str
    wins: int
    losses: int
    ties: int
    n: int
    win_rate: float | None
    ci95: list[float] | None


class AgreementRow(Schema):
    items: int
    rater_pairs: int
    agreement: float | None


class Thumbs(Schema):
    up: int
    down: int


class Review(Schema):
    comparisons: list[Comparison]
    win_rates: list[WinRateRow]
    agreement: AgreementRow
    thumbs: Thumbs
    files: dict[str, str]
