"""Slowing down password and secret guessing: after `MAX_FAILURES` failures within `WINDOW`
for one account or one address, further attempts wait until the oldest failure ages out.
Nothing locks an account for good. Counters live in the database, so every app instance
shares them."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, delete, func, select

from domain.columns import timestamp_column, utcnow

MAX_FAILURES = 10
WINDOW = timedelta(minutes=15)


class AuthFailure(SQLModel, table=True):
    __tablename__ = "auth_failure"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(index=True))
    account: str = Field(max_length=320, index=True)
    ip: str = Field(max_length=45, index=True)

    __table_args__ = (sa.Index("ix_auth_failure_account_at", "account", "at"),)


def _normalize(account: str) -> str:
    return account.strip().lower()[:320]


def retry_after_seconds(
    session: Session, *, account: str, ip: str, now: datetime | None = None
) -> int:
    """Seconds to wait before the next attempt, or 0 when an attempt may go ahead."""
    now = now or utcnow()
    since = now - WINDOW
    waits = [
        _wait_for(session, col(AuthFailure.account) == _normalize(account), since, now),
        _wait_for(session, col(AuthFailure.ip) == ip, since, now),
    ]
    return max(waits)


def _wait_for(session: Session, who: sa.ColumnElement[bool], since: datetime, now: datetime) -> int:
    recent = select(AuthFailure.at).where(who, col(AuthFailure.at) > since)
    count = session.exec(select(func.count()).select_from(recent.subquery())).one()
    if count < MAX_FAILURES:
        return 0
    # Waiting until enough failures age out brings the count back under the limit.
    ordered = recent.order_by(col(AuthFailure.at).desc()).offset(MAX_FAILURES - 1).limit(1)
    oldest_that_counts = session.exec(ordered).one()
    return max(1, math.ceil((oldest_that_counts + WINDOW - now).total_seconds()))


def record_failure(session: Session, *, account: str, ip: str) -> None:
    now = utcnow()
    session.exec(delete(AuthFailure).where(col(AuthFailure.at) <= now - WINDOW))
    session.add(AuthFailure(at=now, account=_normalize(account), ip=ip))
    session.flush()


def clear_failures(session: Session, *, account: str) -> None:
    """A successful sign-in forgives the account's failures (not the address's)."""
    session.exec(delete(AuthFailure).where(col(AuthFailure.account) == _normalize(account)))
