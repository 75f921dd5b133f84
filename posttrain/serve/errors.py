"""Every failure as OpenAI's error body, `{"error": {"message", "type", "param", "code"}}`.

A request that fails its pydantic model is a 400 (a 404 for an unknown comparison item) naming the
parameter at fault, with the message the server has always given for it: `refusal` words the first
pydantic error from where it is (`messages[1].content`, `sides[0].temperature`, `ratings.A.clarity`).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from posttrain.serve import protocol as P
from posttrain.serve.labels import ASPECTS, VERDICTS
from posttrain.serve.state import Server, server_of

RATINGS = "'ratings' must be {A: {aspect: 1-5}, B: {...}}"
SIDES = "'sides' must be two objects {model, temperature, top_p, max_tokens}"


def _fixed(message: str, status: int = 400):
    return lambda value, server: (status, message)


def _limited(key: str, limit: str):
    return lambda value, server: (400, P.integer_message(key, value, 1, getattr(server.limits, limit)))


def _number(key: str, bounds: tuple):
    return lambda value, server: (400, P.number_message(key, value, bounds))


BY_NAME = {  # parameter → (status, message) from the value given
    "model": lambda value, server: (400, P.model_message(server.models)),
    "stop": _fixed(P.STOP),
    "seed": lambda value, server: (400, f"'seed' must be an integer, got {value!r}"),
    "max_tokens": _limited("max_tokens", "max_tokens"),
    "max_completion_tokens": _limited("max_completion_tokens", "max_tokens"),
    "n": _limited("n", "max_n"),
    "temperature": _number("temperature", P.TEMPERATURE),
    "top_p": _number("top_p", P.TOP_P),
    "top_k": lambda value, server: (400, P.integer_message("top_k", value, *P.TOP_K)),
    "prompt": _fixed(P.PROMPT),
    "stream_options": _fixed(P.STREAM_OPTIONS),
    "sides": _fixed(SIDES),
    "item": _fixed("unknown or expired comparison item", 404),
    "verdict": _fixed(f"'verdict' must be one of {VERDICTS}"),
    "rater": _fixed("'rater' must be a string of at most 64 characters"),
    "label": _fixed("'label' must be true (thumbs up) or false (thumbs down)"),
    "ratings": _fixed(RATINGS),
}


def refusal(loc: tuple, err: dict, server: Server) -> P.APIError:
    """The error for the pydantic error `err` at `loc` (inside the body or the query)."""
    if not loc:
        return P.APIError(400, "the request body must be a JSON object")
    name, rest, value = loc[0], loc[1:], err.get("input")
    if err.get("type") == "refused":
        return P.APIError(400, err["msg"], str(name))
    if name == "sides" and len(rest) >= 2:  # a side's own field: named as in a chat request
        return refusal(rest[1:], err, server)
    if name == "messages" and rest and isinstance(rest[0], int):
        where = f"messages[{rest[0]}]"
        message = P.content_message(where) if rest[1:2] == ("content",) else P.role_message(where)
        return P.APIError(400, message, where)
    if name == "messages":
        return P.APIError(400, P.MESSAGES, "messages")
    if name == "ratings" and len(rest) >= 2 and rest[0] in ("A", "B") and rest[1] != "[key]":
        return P.APIError(400, f"rating '{rest[0]}.{rest[1]}' must be an integer 1-5 for one of {ASPECTS}", "ratings")
    if name in BY_NAME:
        status, message = BY_NAME[name](value, server)
        return P.APIError(status, message, str(name))
    return P.APIError(400, f"'{name}' is not valid", str(name))


async def api_error(_, exc: P.APIError):
    return JSONResponse(exc.body(), status_code=exc.status)


async def http_error(_, exc: StarletteHTTPException):
    return JSONResponse(P.APIError(exc.status_code, str(exc.detail)).body(), status_code=exc.status_code)


async def validation_error(request: Request, exc: RequestValidationError):
    first = (exc.errors() or [{"loc": ()}])[0]
    return await api_error(request, refusal(tuple(first["loc"][1:]), first, server_of(request)))


async def server_error(_, exc: Exception):
    return JSONResponse(P.APIError(500, f"{type(exc).__name__}: {exc}", kind="server_error").body(), status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(P.APIError, api_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, server_error)
