"""URL-encoded form bodies, parsed without python-multipart (the viewer's forms are all small)."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import Request

MAX_FORM_BYTES = 1_000_000


async def read_form(request: Request) -> dict[str, str]:
    """The form's fields (the last value of a repeated one); an empty dict for other bodies.

    The body is cached by Starlette, so the CSRF check and the route can both read it."""
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        return {}
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    return {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}


async def read_form_lists(request: Request) -> dict[str, list[str]]:
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        return {}
    body = await request.body()
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
