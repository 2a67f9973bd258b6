"""Who is signed in to the pages: a server-side session behind an HttpOnly cookie, and the
CSRF token every state-changing request from that session must carry."""

from __future__ import annotations

import base64
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, unquote

from fastapi import Depends, Request, Response

from api.deps import SessionDep
from domain.actors import Actor
from domain.codes import Role
from domain.errors import PermissionDenied
from domain.supporters.models import Supporter
from domain.supporters.service import supporter_of_user
from domain.users.models import User
from domain.web_sessions.models import WebSession
from domain.web_sessions.service import resume_session
from web.forms import FormValues

PLAIN_COOKIE = "peer_session"
# The __Host- prefix makes browsers refuse the cookie unless it is Secure, host-only, path /.
SECURE_COOKIE = "__Host-peer_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SIGN_OUT_ADDRESS = "/sign-out"


def mask_token(token: str) -> str:
    """A one-time pad and the token XORed with it; `unmask_token` gives the token back."""
    raw = token.encode()
    pad = secrets.token_bytes(len(raw))
    return base64.urlsafe_b64encode(
        pad + bytes(a ^ b for a, b in zip(pad, raw, strict=True))
    ).decode()


def unmask_token(masked: str) -> str | None:
    try:
        data = base64.urlsafe_b64decode(masked.encode())
    except (ValueError, UnicodeError):
        return None
    half = len(data) // 2
    if half == 0 or len(data) % 2:
        return None
    pad, mixed = data[:half], data[half:]
    try:
        return bytes(a ^ b for a, b in zip(pad, mixed, strict=True)).decode()
    except UnicodeDecodeError:
        return None


class SignInRequired(Exception):
    """Raised by pages that need a signed-in user; answered with a redirect to sign-in."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


@dataclass(frozen=True)
class Visitor:
    """A signed-in person on the pages."""

    user: User
    actor: Actor
    web_session: WebSession
    supporter: Supporter | None

    @property
    def csrf_token(self) -> str:
        """The session's CSRF token, masked afresh each time it is written into a page, so
        compressed pages never repeat the same secret bytes (BREACH)."""
        return mask_token(self.web_session.csrf_token)

    @property
    def is_supporter(self) -> bool:
        return self.supporter is not None and Role.supporter in self.actor.roles


def cookie_name(request: Request) -> str:
    return SECURE_COOKIE if request.url.scheme == "https" else PLAIN_COOKIE


def session_token(request: Request) -> str | None:
    return request.cookies.get(cookie_name(request))


def set_session_cookie(request: Request, response: Response, token: str, max_age: int) -> None:
    response.set_cookie(
        cookie_name(request),
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="lax",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(cookie_name(request), path="/")


# Login CSRF: the sign-in form carries a random check that must match a cookie set with it,
# so another site cannot sign a browser in to an account the attacker controls.
SIGN_IN_CHECK_COOKIE = "peer_sign_in_check"
SIGN_IN_CHECK_FIELD = "sign_in_check"
SIGN_IN_CHECK_MAX_AGE = 60 * 60


def new_sign_in_check() -> str:
    return secrets.token_urlsafe(24)


def set_sign_in_check_cookie(request: Request, response: Response, check: str) -> None:
    response.set_cookie(
        SIGN_IN_CHECK_COOKIE,
        check,
        max_age=SIGN_IN_CHECK_MAX_AGE,
        path="/sign-in",
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="strict",
    )


def clear_sign_in_check_cookie(response: Response) -> None:
    response.delete_cookie(SIGN_IN_CHECK_COOKIE, path="/sign-in")


def sign_in_check_matches(request: Request, sent: str) -> bool:
    expected = request.cookies.get(SIGN_IN_CHECK_COOKIE, "")
    return bool(sent) and bool(expected) and hmac.compare_digest(sent, expected)


def optional_visitor(request: Request, session: SessionDep) -> Visitor | None:
    token = session_token(request)
    resumed = resume_session(session, token=token) if token else None
    if resumed is None:
        return None
    web_session, user = resumed
    assert user.id is not None
    actor = Actor.for_user(user.id, user.roles, ip=request.client.host if request.client else None)
    return Visitor(
        user=user,
        actor=actor,
        web_session=web_session,
        supporter=supporter_of_user(session, user.id),
    )


MaybeVisitor = Annotated[Visitor | None, Depends(optional_visitor)]


def required_visitor(request: Request, visitor: MaybeVisitor) -> Visitor:
    if visitor is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(safe_next_path(target))
    return visitor


SignedInVisitor = Annotated[Visitor, Depends(required_visitor)]


def csrf_checked_visitor(request: Request, visitor: SignedInVisitor, form: FormValues) -> Visitor:
    """The visitor of a state-changing request that carries the session's CSRF token (a form
    field for plain forms, a header set on <body> for htmx); anything else is refused."""
    if not csrf_sent(request, form, visitor.web_session):
        raise PermissionDenied(FORM_EXPIRED)
    return visitor


FORM_EXPIRED = "This form has expired. Go back, reload the page and try again."


def csrf_sent(request: Request, form: FormValues, web_session: WebSession) -> bool:
    """Whether the request carries the session's CSRF token as the header OR as the form field.
    Either is enough: both are this session's secret, which another site can neither read nor
    send (and a Lax cookie never comes with its cross-site POST). Accepting either matters after
    signing in again in another tab: a form re-rendered with the new token (the field) is still
    sent by htmx with the old page's header from <body hx-headers>."""
    header = request.headers.get(CSRF_HEADER, "")
    return csrf_matches(header, web_session) or csrf_matches(form.first(CSRF_FIELD), web_session)


CheckedVisitor = Annotated[Visitor, Depends(csrf_checked_visitor)]


def csrf_matches(sent: str, web_session: WebSession) -> bool:
    """Whether `sent` (masked, or plain from older pages) is the session's CSRF token; compared
    as bytes, so a token of any characters is an answer, never an error."""
    if not sent:
        return False
    candidate = unmask_token(sent) or sent
    return hmac.compare_digest(candidate.encode(), web_session.csrf_token.encode())


# Where to go after signing in. The path ends up in a Location or HX-Redirect header, so only
# a plain path of this site passes: another host would be an open redirect, CR/LF a header
# injection, and anything outside printable ASCII a 500 (headers are latin-1).
NEXT_PATH_MAX_LENGTH = 500
PLAIN_PATH_CHARACTERS = frozenset(chr(code) for code in range(0x21, 0x7F)) - {"\\"}


def safe_next_path(candidate: str | None) -> str:
    """`candidate` when it is a plain path on this site, else "/"."""
    if (
        not candidate
        or len(candidate) > NEXT_PATH_MAX_LENGTH
        or not set(candidate) <= PLAIN_PATH_CHARACTERS
        or _leaves_the_site(candidate)
        # Percent-decoded once more, as a proxy or a browser might: still a plain path.
        or _leaves_the_site(decoded := unquote(candidate))
        or "\\" in decoded
        or any(unicodedata.category(char) == "Cc" for char in decoded)
    ):
        return "/"
    return candidate


def _leaves_the_site(path: str) -> bool:
    """Anything but a path of this host: `//host`, `https://host`, `javascript:`, `host`."""
    return not path.startswith("/") or path.startswith("//")


def sign_in_location(next_path: str) -> str:
    return f"/sign-in?next={quote(safe_next_path(next_path), safe='')}"
