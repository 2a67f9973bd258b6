"""The purge deletes exactly the rows their own rules already refuse, at the boundary: a row
expired 1 second ago goes, a row that expires in 1 second stays."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, SQLModel, select

from domain.auth.throttle import CounterKind, ThrottleCounter
from domain.columns import utcnow
from domain.idempotency.models import IdempotencyRecord
from domain.jobs.models import Job, JobStatus
from domain.kept_forms.models import KeptForm
from domain.kept_forms.service import KEEP_FOR
from domain.maintenance.purge import purge_expired
from domain.program_settings.service import get_program_settings
from domain.users.models import User
from domain.web_sessions.models import PasswordLink, WebSession
from tests.factories import make_user

SECOND = timedelta(seconds=1)
IDLE_MINUTES = 30
NO_PURGE = {"page sessions": 0, "kept forms": 0, "password links": 0, "idempotency records": 0,
            "sign-in counters": 0, "finished jobs": 0}  # fmt: skip
REMEMBERED = timedelta(hours=12)  # an ended session's row stays 12 h for a late form


@pytest.fixture
def now() -> datetime:
    return utcnow().replace(microsecond=0)


@pytest.fixture
def user(db: Session) -> User:
    settings = get_program_settings(db)
    settings.session_idle_minutes = IDLE_MINUTES
    db.add(settings)
    return make_user(db)


def web_session(user: User, *, expires_at: datetime, last_seen_at: datetime) -> WebSession:
    assert user.id is not None
    return WebSession(
        token_hash=secrets.token_hex(32),
        user_id=user.id,
        csrf_token="csrf",
        created_at=last_seen_at,
        last_seen_at=last_seen_at,
        expires_at=expires_at,
    )


def password_link(user: User, *, expires_at: datetime, used: bool = False) -> PasswordLink:
    assert user.id is not None
    return PasswordLink(
        token_hash=secrets.token_hex(32),
        user_id=user.id,
        expires_at=expires_at,
        used_at=expires_at - timedelta(days=1) if used else None,
    )


def idempotency_record(*, created_at: datetime) -> IdempotencyRecord:
    return IdempotencyRecord(
        actor="user:1", key=secrets.token_hex(8), request_hash="0" * 64, status_code=201,
        response_body="{}", created_at=created_at,
    )  # fmt: skip


def throttle_counter(*, last_at: datetime, kind: CounterKind = CounterKind.pair) -> ThrottleCounter:
    return ThrottleCounter(
        kind=kind, key=secrets.token_hex(8), count=3, window_start=last_at, last_at=last_at
    )


def add_rows(db: Session, **rows: SQLModel) -> dict[str, Any]:
    for row in rows.values():
        db.add(row)
    db.flush()
    return {name: row.id for name, row in rows.items()}  # type: ignore[attr-defined]


def remaining(db: Session, table: type[SQLModel], ids: dict[str, Any]) -> set[str]:
    kept = set(db.exec(select(table.id)).all())  # type: ignore[attr-defined]
    return {name for name, row_id in ids.items() if row_id in kept}


def test_page_sessions_go_12_hours_after_they_ended_by_lifetime_or_idleness(
    db: Session, user: User, now: datetime
) -> None:
    idle = timedelta(minutes=IDLE_MINUTES)
    later = timedelta(hours=20)
    ids = add_rows(
        db,
        ended_12_h_and_a_second_ago=web_session(
            user, expires_at=now - REMEMBERED - SECOND, last_seen_at=now
        ),
        ended_12_h_less_a_second_ago=web_session(
            user, expires_at=now - REMEMBERED + SECOND, last_seen_at=now
        ),
        ended_a_second_ago=web_session(user, expires_at=now - SECOND, last_seen_at=now),
        idle_12_h_and_a_second_too_long=web_session(
            user, expires_at=now + later, last_seen_at=now - idle - REMEMBERED - SECOND
        ),
        idle_12_h_less_a_second_too_long=web_session(
            user, expires_at=now + later, last_seen_at=now - idle - REMEMBERED + SECOND
        ),
        idle_a_second_too_long=web_session(
            user, expires_at=now + later, last_seen_at=now - idle - SECOND
        ),
    )

    counts = purge_expired(db, now)

    assert counts == NO_PURGE | {"page sessions": 2}
    assert remaining(db, WebSession, ids) == {
        "ended_12_h_less_a_second_ago", "ended_a_second_ago",
        "idle_12_h_less_a_second_too_long", "idle_a_second_too_long",
    }  # fmt: skip


def kept_form(user: User, *, expires_at: datetime, address: str = "/log") -> KeptForm:
    assert user.id is not None
    return KeptForm(
        user_id=user.id, address=address, fields=[["modality", "in_person"]],
        created_at=expires_at - KEEP_FOR, expires_at=expires_at,
    )  # fmt: skip


def test_kept_forms_go_at_their_expiry_and_outlive_their_sessions(
    db: Session, user: User, now: datetime
) -> None:
    long_ended = web_session(
        user, expires_at=now - REMEMBERED - SECOND, last_seen_at=now - timedelta(days=1)
    )
    ids = add_rows(
        db,
        session=long_ended,
        expired_a_second_ago=kept_form(user, expires_at=now - SECOND, address="/log"),
        # Kept exactly 12 hours ago: its time is up.
        expires_now=kept_form(user, expires_at=now, address="/encounters/1/edit"),
        expires_in_a_second=kept_form(user, expires_at=now + SECOND, address="/debrief"),
    )

    counts = purge_expired(db, now)

    assert counts == NO_PURGE | {"page sessions": 1, "kept forms": 2}
    assert remaining(db, KeptForm, ids) == {"expires_in_a_second"}


def test_password_links_past_their_expiry_go_used_or_not(
    db: Session, user: User, now: datetime
) -> None:
    ids = add_rows(
        db,
        expired_a_second_ago=password_link(user, expires_at=now - SECOND),
        used_and_expired=password_link(user, expires_at=now - SECOND, used=True),
        expires_in_a_second=password_link(user, expires_at=now + SECOND),
    )

    counts = purge_expired(db, now)

    assert counts == NO_PURGE | {"password links": 2}
    assert remaining(db, PasswordLink, ids) == {"expires_in_a_second"}


def test_idempotency_records_go_after_24_hours(db: Session, now: datetime) -> None:
    day = timedelta(hours=24)
    ids = add_rows(
        db,
        a_second_past_24_hours=idempotency_record(created_at=now - day - SECOND),
        a_second_short_of_24_hours=idempotency_record(created_at=now - day + SECOND),
    )

    counts = purge_expired(db, now)

    assert counts == NO_PURGE | {"idempotency records": 1}
    assert remaining(db, IdempotencyRecord, ids) == {"a_second_short_of_24_hours"}


def test_sign_in_counters_go_15_minutes_after_their_last_failure(
    db: Session, now: datetime
) -> None:
    window = timedelta(minutes=15)
    db.add_all([
        throttle_counter(last_at=now - window - SECOND),
        throttle_counter(last_at=now - window + SECOND),
    ])  # fmt: skip
    db.flush()

    counts = purge_expired(db, now)

    assert counts == NO_PURGE | {"sign-in counters": 1}
    left = db.exec(select(ThrottleCounter.last_at)).all()
    assert [at.replace(tzinfo=now.tzinfo) for at in left] == [now - window + SECOND]


def test_a_second_purge_finds_nothing_left(db: Session, user: User, now: datetime) -> None:
    add_rows(
        db,
        session=web_session(user, expires_at=now - REMEMBERED - SECOND, last_seen_at=now),
        kept=kept_form(user, expires_at=now - SECOND),
        link=password_link(user, expires_at=now - SECOND),
        record=idempotency_record(created_at=now - timedelta(days=2)),
    )
    db.add(throttle_counter(last_at=now - timedelta(hours=1)))
    db.add(Job(kind="mail.send", payload={}, status=JobStatus.done,
               finished_at=now - timedelta(days=8)))  # fmt: skip
    db.flush()
    assert purge_expired(db, now) == dict.fromkeys(NO_PURGE, 1)
    assert purge_expired(db, now) == NO_PURGE


def test_known_addresses_go_30_days_after_their_last_sign_in(db: Session, now: datetime) -> None:
    lifetime = timedelta(days=30)
    db.add_all([
        throttle_counter(last_at=now - lifetime - SECOND, kind=CounterKind.known),
        throttle_counter(last_at=now - lifetime + SECOND, kind=CounterKind.known),
    ])  # fmt: skip
    db.flush()

    counts = purge_expired(db, now)

    assert counts == NO_PURGE | {"sign-in counters": 1}
    left = db.exec(select(ThrottleCounter.last_at)).all()
    assert [at.replace(tzinfo=now.tzinfo) for at in left] == [now - lifetime + SECOND]
