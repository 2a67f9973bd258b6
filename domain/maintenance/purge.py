"""Deleting rows nobody can use any more, so tables of short-lived rows stay small:
- page sessions that ended (past their lifetime or idle too long) more than 12 hours ago:
  until then a form posted late is kept for its person (`ended_session_of`);
- kept forms past their expiry (`domain.kept_forms`; a kept form outlives its session's row);
- password links past their expiry (used or not: a used link is refused anyway);
- idempotency records past their retention (a retry after that is a new request);
- background jobs done a week ago, or failed a month ago (payloads may hold set-password
  links; `domain.jobs.service.purge_finished_jobs`);
- sign-in throttle counters that no longer hold anything back, and known addresses past
  their lifetime (the throttle's own rule, `purge_expired_throttle_rows`).

Each kind is one DELETE by its own expiry rule, in one small function next to the others, so
running it twice, or from several app instances at once, deletes nothing more: it is safe to
run on any schedule. Each rule's lifetime comes from the module that owns the rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session, col, delete, or_

from domain.auth.throttle import purge_expired_throttle_rows
from domain.idempotency.models import IdempotencyRecord
from domain.idempotency.service import RETENTION as IDEMPOTENCY_RETENTION
from domain.jobs.service import purge_finished_jobs
from domain.kept_forms.service import purge_expired_kept_forms
from domain.web_sessions.models import PasswordLink, WebSession
from domain.web_sessions.service import ENDED_SESSION_REMEMBERED_FOR, idle_limit_of


def purge_web_sessions(session: Session, now: datetime) -> int:
    """Sessions that ended (idle or past their lifetime) more than 12 hours ago: `has_ended`
    with `since=ENDED_SESSION_REMEMBERED_FOR`, as a query."""
    remembered = ENDED_SESSION_REMEMBERED_FOR
    idle_limit = idle_limit_of(session)
    long_ended = or_(
        col(WebSession.expires_at) <= now - remembered,
        col(WebSession.last_seen_at) < now - idle_limit - remembered,
    )
    return session.exec(delete(WebSession).where(long_ended)).rowcount


def purge_password_links(session: Session, now: datetime) -> int:
    expired = col(PasswordLink.expires_at) <= now
    return session.exec(delete(PasswordLink).where(expired)).rowcount


def purge_idempotency_records(session: Session, now: datetime) -> int:
    expired = col(IdempotencyRecord.created_at) <= now - IDEMPOTENCY_RETENTION
    return session.exec(delete(IdempotencyRecord).where(expired)).rowcount


PURGES: dict[str, Callable[[Session, datetime], int]] = {
    "page sessions": purge_web_sessions,
    "kept forms": purge_expired_kept_forms,
    "password links": purge_password_links,
    "idempotency records": purge_idempotency_records,
    "sign-in counters": purge_expired_throttle_rows,
    "finished jobs": purge_finished_jobs,
}


def purge_expired(session: Session, now: datetime) -> dict[str, int]:
    """Delete every expired row; how many of each kind went."""
    return {kind: purge(session, now) for kind, purge in PURGES.items()}
