"""What a request passes before a route sees it: the API key, the body size limit, and reading the body
as JSON.

`JSONRoute` reads a route's body as JSON whatever its Content-Type says (as the server always has, so
`curl -d '{...}'` works), under the body size limit even without a Content-Length, and answers malformed
JSON with OpenAI's error body; FastAPI then validates the parsed object against the route's model.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from posttrain.serve.protocol import APIError, parse_json
from posttrain.serve.state import server_of

GUARDED = ("/v1/", "/ui/api/")


async def guard(request: Request, call_next):
    """HTTP middleware: the API key on the API and the page's data, and the Content-Length limit."""
    server = server_of(request)
    if server.api_key and request.url.path.startswith(GUARDED):
        given = request.headers.get("authorization", "")
        if not secrets.compare_digest(given.encode(), f"Bearer {server.api_key}".encode()):
            err = APIError(401, "missing or wrong API key (send 'Authorization: Bearer KEY')",
                           code="invalid_api_key", kind="authentication_error")
            return JSONResponse(err.body(), status_code=401)
    size, limit = request.headers.get("content-length"), server.limits.max_body_bytes
    if size is not None and size.isdigit() and int(size) > limit:
        err = APIError(413, f"request body is {size} bytes; the limit is {limit}")
        return JSONResponse(err.body(), status_code=413)
    return await call_next(request)


class _Parsed(Request):
    """A request whose body has been read and parsed already."""

    def __init__(self, request: Request, body: bytes, data: dict):
        headers = [(k, v) for k, v in request.scope["headers"] if k.lower() != b"content-type"]
        super().__init__({**request.scope, "headers": [*headers, (b"content-type", b"application/json")]},
                         request.receive)
        self._raw, self._data = body, data

    async def body(self) -> bytes:
        return self._raw

    async def json(self) -> dict:
        return self._data


class JSONRoute(APIRoute):
    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def parse_then_handle(request: Request) -> Response:
            body = await request.body()
            return await handler(_Parsed(request, body, parse_json(body, server_of(request).limits)))

        return parse_then_handle
