"""Signing in to the pages: sessions with an idle timeout and an absolute lifetime (program
settings), rotated at sign-in, ended at sign-out; invitation links to set a password. An ended
session is never resumed, but its row is remembered for a while so a late form finds its person."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from domain.actors import Actor, require_role
from domain.audit.service import record_audit_event
from domain.auth.service import authenticate_throttled
from domain.codes import Role
from domain.columns import utcnow
from domain.errors import NotFound
from domain.kept_forms.service import KEEP_FOR
from domain.program_settings.service import get_program_settings
from domain.users.models import User
from domain.users.service import set_password
from domain.web_sessions.models import PasswordLink, WebSession

PASSWORD_LINK_LIFETIME = timedelta(days=3)
# An ended session's row stays this long after it ended, so a form posted late can still be
# kept for its person (domain.kept_forms keeps it as long); sign-out and deactivation delete
# the row at once, and then nothing is kept.
# An ended session is remembered as long as a form it posted late is kept.
ENDED_SESSION_REMEMBERED_FOR = KEEP_FOR
ZERO = timedelta(0)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    """The cookie's token (shown once) and the session it opens."""

    token: str
    web_session: WebSession
    user: User


def sign_in(
    session: Session, *, email: str, password: str, ip: str, previous_token: str | None
) -> SignedIn | None:
    """A new session for the right email and password, None otherwise. Any session the
    browser had is ended (rotation). Repeated failures raise TooManyAttempts, as for the token
    endpoint (one throttle, see domain.auth.throttle)."""
    user = authenticate_throttled(session, email=email, password=password, ip=ip)
    if user is None:
        return None
    if previous_token:
        end_session(session, token=previous_token)
    return _open_session(session, user)


def _open_session(session: Session, user: User) -> SignedIn:
    assert user.id is not None
    settings = get_program_settings(session)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    web_session = WebSession(
        token_hash=_hash(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_absolute_hours),
    )
    session.add(web_session)
    session.flush()
    return SignedIn(token=token, web_session=web_session, user=user)


def idle_limit_of(session: Session) -> timedelta:
    return timedelta(minutes=get_program_settings(session).session_idle_minutes)


def has_ended(
    web_session: WebSession, *, now: datetime, idle_limit: timedelta, since: timedelta = ZERO
) -> bool:
    """Whether the session had ended (idle longer than `idle_limit`, or past its absolute
    lifetime) `since` ago. The purge writes the same rule as a query."""
    return (
        now >= web_session.expires_at + since or now - web_session.last_seen_at > idle_limit + since
    )


def resume_session(session: Session, *, token: str) -> tuple[WebSession, User] | None:
    """The live session behind a cookie, touched now; None when unknown, ended (idle too long
    or past its lifetime) or its user deactivated. A deactivated user's session is deleted at
    once; an ended one stays `ENDED_SESSION_REMEMBERED_FOR`, for `ended_session_of`."""
    found = session.exec(select(WebSession).where(WebSession.token_hash == _hash(token))).first()
    if found is None:
        return None
    user = session.get(User, found.user_id)
    if not user or not user.active:
        session.delete(found)
        session.flush()
        return None
    now = utcnow()
    if has_ended(found, now=now, idle_limit=idle_limit_of(session)):
        return None
    found.last_seen_at = now
    session.add(found)
    return found, user


def ended_session_of(session: Session, *, token: str) -> tuple[WebSession, User] | None:
    """The session behind a cookie when it has ended less than `ENDED_SESSION_REMEMBERED_FOR`
    ago and its user is still active: who a late form belongs to. It cannot be resumed; None
    for a live, unknown, deleted or long-ended session."""
    found = session.exec(select(WebSession).where(WebSession.token_hash == _hash(token))).first()
    if found is None:
        return None
    now, idle_limit = utcnow(), idle_limit_of(session)
    if not has_ended(found, now=now, idle_limit=idle_limit) or has_ended(
        found, now=now, idle_limit=idle_limit, since=ENDED_SESSION_REMEMBERED_FOR
    ):
        return None
    user = session.get(User, found.user_id)
    if user is None or not user.active:
        return None
    return found, user


def end_session(session: Session, *, token: str) -> None:
    session.exec(delete(WebSession).where(col(WebSession.token_hash) == _hash(token)))


def end_all_sessions_of(session: Session, user_id: int) -> None:
    session.exec(delete(WebSession).where(col(WebSession.user_id) == user_id))


# Invitations: a link to set a password.


def issue_password_link(*, session: Session, actor: Actor, user_id: int) -> str:
    """A one-time token for the user to choose a password (admins; the CLI)."""
    require_role(actor, Role.admin, to="invite users")
    return password_link_for(session=session, actor=actor, user_id=user_id)


def password_link_for(*, session: Session, actor: Actor, user_id: int) -> str:
    """The token of a new set-password link; the caller has checked the actor may invite."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user {user_id}.")
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordLink(
            token_hash=_hash(token), user_id=user_id, expires_at=utcnow() + PASSWORD_LINK_LIFETIME
        )
    )
    session.flush()
    record_audit_event(
        session=session, actor=actor, action="user.invite", object_type="user", object_id=user_id
    )
    return token


def check_password_link(session: Session, token: str) -> PasswordLink:
    link = session.exec(select(PasswordLink).where(PasswordLink.token_hash == _hash(token))).first()
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        raise NotFound(
            "This link is not valid any more (used, expired or mistyped). "
            "Ask an admin for a new one."
        )
    return link


def use_password_link(session: Session, *, token: str, password: str, ip: str | None) -> User:
    """Set the password through the link (once); older sessions of the user end."""
    link = check_password_link(session, token)
    user = session.get(User, link.user_id)
    if user is None or not user.active:
        raise NotFound("This account is not active. Ask an admin.")
    assert user.id is not None
    actor = Actor.for_user(user.id, user.roles, ip=ip)
    set_password(session=session, actor=actor, user_id=user.id, password=password)
    link.used_at = utcnow()
    session.add(link)
    end_all_sessions_of(session, user.id)
    return user
