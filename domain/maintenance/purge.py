"""Deleting rows nobody can use any more, so tables of short-lived rows stay small:
- page sessions past their lifetime or idle too long (`resume_session` would refuse them);
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
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, or_

from domain.auth.throttle import purge_expired_throttle_rows
from domain.idempotency.models import IdempotencyRecord
from domain.idempotency.service import RETENTION as IDEMPOTENCY_RETENTION
from domain.jobs.service import purge_finished_jobs
from domain.program_settings.service import get_program_settings
from domain.web_sessions.models import PasswordLink, WebSession


def purge_web_sessions(session: Session, now: datetime) -> int:
    idle_limit = timedelta(minutes=get_program_settings(session).session_idle_minutes)
    ended = or_(
        col(WebSession.expires_at) <= now,
        col(WebSession.last_seen_at) < now - idle_limit,
    )
    return session.exec(delete(WebSession).where(ended)).rowcount


def purge_password_links(session: Session, now: datetime) -> int:
    expired = col(PasswordLink.expires_at) <= now
    return session.exec(delete(PasswordLink).where(expired)).rowcount


def purge_idempotency_records(session: Session, now: datetime) -> int:
    expired = col(IdempotencyRecord.created_at) <= now - IDEMPOTENCY_RETENTION
    return session.exec(delete(IdempotencyRecord).where(expired)).rowcount


PURGES: dict[str, Callable[[Session, datetime], int]] = {
    "page sessions": purge_web_sessions,
    "password links": purge_password_links,
    "idempotency records": purge_idempotency_records,
    "sign-in counters": purge_expired_throttle_rows,
    "finished jobs": purge_finished_jobs,
}


def purge_expired(session: Session, now: datetime) -> dict[str, int]:
    """Delete every expired row; how many of each kind went."""
    return {kind: purge(session, now) for kind, purge in PURGES.items()}
