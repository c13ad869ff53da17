"""What every request passes before the pages and the API see it, and what every response carries.

One ASGI middleware, in this order:

1. security headers on every response: a Content-Security-Policy that allows only this server's
   own scripts, styles and images (no inline script, no other origin), ``nosniff``, no framing,
   no referrer to other sites, and ``no-store`` for everything but the static files;
2. the ``Host`` header must name this server when it is bound to a loopback address (a page on
   another site cannot reach it through DNS rebinding);
3. a request that changes something (POST…) from a browser page must come from this server's
   own pages (its ``Origin`` header, when there is one, names this host; ``Origin: null`` is
   refused);
4. with a token (``--token`` / ``ADVISOR_TOKEN``): the API needs ``Authorization: Bearer TOKEN``,
   the pages a session cookie set by ``/login``;
5. request bodies are limited in size (413), checked on ``Content-Length`` and while reading;
6. an unexpected error is logged with an id and answered with 500 and that id — never a
   traceback; a client that goes away before its body is read is one line at INFO;
7. ``HEAD`` is answered as ``GET`` without the body.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit

from starlette.requests import ClientDisconnect

from advisor.web.settings import Settings

log = logging.getLogger("advisor.web")

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SESSION_COOKIE = "advisor_session"
OPEN_PATHS = ("/login", "/static/")  # reachable without the token: the login page and its assets
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Scope = dict[str, Any]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]
# (scope, status, text key, values) -> an ASGI response: JSON for the API, a page otherwise
Problem = Callable[[Scope, int, str, dict[str, Any]], Any]


class TooLarge(Exception):
    """The request body passed its limit while it was being read."""


def is_api(path: str) -> bool:
    """Whether ``path`` belongs to the API (JSON errors, bearer token) rather than the pages."""
    return path.startswith("/api/") or path == "/openapi.json"


def session_value(token: str) -> str:
    """The session cookie's value for ``token`` (a keyed hash: the cookie never holds the token)."""
    return hmac.new(token.encode("utf-8"), b"advisor web session", hashlib.sha256).hexdigest()


def host_of(value: str) -> str:
    """The host of a ``Host`` header or an origin's authority, without the port, lower-case."""
    value = value.strip().lower()
    if value.startswith("["):  # [::1]:8000
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class Guard:
    """The ASGI middleware described in the module docstring."""

    def __init__(self, app: Any, settings: Settings, problem: Problem) -> None:
        self.app = app
        self.settings = settings
        self.problem = problem

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OURS]
                headers += _HEADERS_STATIC if static else _HEADERS
                message = {**message, "headers": headers}
            await send(message)

        refusal = self._refusal(scope)
        if refusal is not None:
            status, key, values = refusal
            await self.problem(scope, status, key, values)(scope, receive, send_with_headers)
            return
        if scope["method"] == "HEAD":  # answered as GET, without the body (RFC 9110 §9.3.2)
            scope = {**scope, "method": "GET"}
            send_with_body = send_with_headers

            async def send_with_headers(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.body":
                    message = {**message, "body": b""}
                await send_with_body(message)

        limit = self.settings.body_limit(scope["path"])
        length = _header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._too_large(scope, limit, receive, send_with_headers)
            return
        received = 0

        async def limited_receive() -> dict[str, Any]:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except TooLarge:
            if not started:
                await self._too_large(scope, limit, receive, send_with_headers)
        except ClientDisconnect:  # the client went away before sending its whole body: not a fault
            log.info("client disconnected before its request was read: %s %s", scope.get("method"), scope.get("path"))
        except Exception:  # noqa: BLE001 - the last line of defence: log it, answer 500 with its id
            error_id = secrets.token_hex(6)
            log.exception("error %s: %s %s", error_id, scope.get("method"), scope.get("path"))
            if not started:
                await self.problem(scope, 500, "internal", {"id": error_id})(scope, receive, send_with_headers)

    def _refusal(self, scope: Scope) -> tuple[int, str, dict[str, Any]] | None:
        """Why the request is refused before it reaches the app: (status, text key, values), or None."""
        settings = self.settings
        host = host_of(_header(scope, b"host") or "")
        if settings.allowed_hosts is not None and host not in settings.allowed_hosts:
            return 400, "bad_host", {"host": host}
        origin = _header(scope, b"origin")
        # "null" is what a sandboxed frame, a data: or a file: page sends: another page, not ours.
        if scope["method"] not in SAFE_METHODS and origin:
            parts = urlsplit(origin)
            if (parts.netloc or "").lower() != (_header(scope, b"host") or "").lower():
                return 403, "bad_origin", {"origin": origin}
        if settings.token and not scope["path"].startswith(OPEN_PATHS):
            if is_api(scope["path"]):
                given = _header(scope, b"authorization") or ""
                scheme, _, value = given.partition(" ")
                token = settings.token.encode()
                if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token):
                    return 401, "need_token", {}
            elif not hmac.compare_digest(_cookie(scope, SESSION_COOKIE).encode(),
                                         session_value(settings.token).encode()):
                return 303, "login", {}
        return None

    async def _too_large(self, scope: Scope, limit: int, receive: Receive, send: Send) -> None:
        await self.problem(scope, 413, "too_large", {"limit": _size(limit)})(scope, receive, send)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _cookie(scope: Scope, name: str) -> str:
    from http.cookies import CookieError, SimpleCookie

    raw = _header(scope, b"cookie")
    if not raw:
        return ""
    try:
        jar = SimpleCookie(raw)
    except CookieError:
        return ""
    return jar[name].value if name in jar else ""


def _size(limit: int) -> str:
    return f"{limit / (1 << 20):g} MB" if limit >= 1 << 20 else f"{limit / 1024:g} KB"


_COMMON = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # same-origin: our own form POSTs carry our Origin (with no-referrer a browser sends "Origin: null",
    # which is refused); no other site ever gets a Referer.
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
_HEADERS = _COMMON + [(b"cache-control", b"no-store")]
_HEADERS_STATIC = _COMMON + [(b"cache-control", b"public, max-age=3600")]
_OURS = frozenset(k for k, _ in _HEADERS) | {b"cache-control"}
