"""Who may use the viewer and how state-changing requests are protected.

- Off loopback a token is required: ``?token=`` once (it is then kept in an HttpOnly,
  SameSite=Strict cookie) or ``Authorization: Bearer``. On loopback no token is needed.
- CSRF: every POST must carry the server's per-start secret (the ``X-CSRF-Token`` header htmx
  sends, or the ``csrf`` form field). Another site can make a browser POST here but cannot
  read a page to learn the secret. A cross-origin ``Origin`` header is refused as well.
- Without a token, only requests addressed to a loopback name (Host: 127.0.0.1, localhost, ::1)
  are answered, so a web page cannot reach the viewer through DNS rebinding.
- A Content-Security-Policy allows scripts from this server only, so even a string that
  slipped through escaping could not run inline script.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from typing import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import Request, Response
from fastapi.responses import PlainTextResponse, RedirectResponse

from .forms import read_form

TOKEN_COOKIE = "taskladder_view_token"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def _hostname(host: str) -> str:
    """The name in a Host header, without its port ("[::1]:8765" -> "::1")."""
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else None


def guard_middleware(token: str | None, csrf_secret: str) -> Callable[[Request, Callable[[Request], Awaitable[Response]]],
                                                                        Awaitable[Response]]:
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if token is None and not is_loopback(_hostname(request.headers.get("host", ""))):
            return PlainTextResponse("this viewer answers only to 127.0.0.1 or localhost; to serve other names, "
                                     "start it with a token (TASKLADDER_VIEW_TOKEN)", status_code=403)
        if token is not None:
            given = request.query_params.get("token")
            if same(given, token):  # trade the URL token for a cookie, and drop it from the address bar
                url = request.url.remove_query_params("token")
                response: Response = RedirectResponse(str(url), status_code=303)
                response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
                return response
            if not (same(request.cookies.get(TOKEN_COOKIE), token) or same(_bearer(request), token)):
                return PlainTextResponse("a token is required: open the URL the viewer printed (it ends in ?token=...)",
                                         status_code=401)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            origin = request.headers.get("origin")
            if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
                return PlainTextResponse("cross-origin request refused", status_code=403)
            sent = request.headers.get("x-csrf-token") or await _form_csrf(request)
            if not same(sent, csrf_secret):
                return PlainTextResponse("missing or wrong CSRF token: reload the page and try again", status_code=403)
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    return guard


async def _form_csrf(request: Request) -> str | None:

    return (await read_form(request)).get("csrf")
