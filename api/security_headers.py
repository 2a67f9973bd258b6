"""Strict security headers on every response (a pure ASGI middleware, so streaming still works).

No page may be framed (`frame-ancestors 'none'` and `X-Frame-Options: DENY`), except the embeddable
directory, which sets its own policy naming the program's embed origins
(`content_security_policy(frame_ancestors=...)`). X-Frame-Options cannot name origins, so the
middleware leaves it out of an answer whose own policy lets someone frame it."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_FRAMING = "frame-ancestors 'none'"


def content_security_policy(*, frame_ancestors: Sequence[str] = ()) -> str:
    """The site's policy; `frame_ancestors` are the origins that may frame the answer (checked
    origins only: each goes into the header as it is), none by default."""
    framing = f"frame-ancestors {' '.join(frame_ancestors)}" if frame_ancestors else NO_FRAMING
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "form-action 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            framing,
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()
STATIC_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
HSTS = "max-age=63072000; includeSubDomains"


def may_be_framed(headers: MutableHeaders) -> bool:
    """The answer set its own policy, and that policy lets some origin frame it."""
    policy = headers.get("content-security-policy")
    if policy is None:
        return False
    directives = [directive.strip() for directive in policy.split(";")]
    framing = [d for d in directives if d.split(" ", 1)[0].lower() == "frame-ancestors"]
    return bool(framing) and framing[0] != NO_FRAMING


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                framed = may_be_framed(headers)
                for name, value in STATIC_HEADERS.items():
                    if not (framed and name == "X-Frame-Options"):
                        headers.setdefault(name, value)
                if is_https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
