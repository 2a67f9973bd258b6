"""Reminders of monthly sessions: from 08:00 the day before, in the program's time zone
(America/New_York by default), once to each active supporter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from domain.codes import Role, SessionKind, SupporterStatus
from domain.db import unit_of_work
from domain.jobs.models import Job
from domain.mail.reminders import enqueue_due_reminders, reminder_opens_at, when_word
from domain.sessions.models import ProgramSession
from domain.sessions.service import delete_program_session
from tests.factories import COORDINATOR, make_program_session, make_supporter, make_user
from tests.mail.conftest import Clock, SmtpServer, worker_for

NEW_YORK = ZoneInfo("America/New_York")
# Thursday January 14, 2027, 5:00 PM in New York (EST, UTC-5) is 22:00 UTC.
STARTS = datetime(2027, 1, 14, 22, 0, tzinfo=UTC)
# 08:00 in New York on Wednesday January 13 is 13:00 UTC.
OPENS = datetime(2027, 1, 13, 13, 0, tzinfo=UTC)


def test_a_reminder_opens_at_8_local_time_the_calendar_day_before() -> None:
    assert reminder_opens_at(STARTS, NEW_YORK) == OPENS
    # 00:30 on Jan 14 in New York (05:30 UTC): still the 13th at 08:00 local.
    assert reminder_opens_at(datetime(2027, 1, 14, 5, 30, tzinfo=UTC), NEW_YORK) == OPENS
    # 23:30 on Jan 14 in New York is 04:30 UTC on the 15th: the day before is still the 13th.
    assert reminder_opens_at(datetime(2027, 1, 15, 4, 30, tzinfo=UTC), NEW_YORK) == OPENS
    # Summer time (EDT, UTC-4): 08:00 local is 12:00 UTC.
    july = datetime(2027, 7, 15, 21, 0, tzinfo=UTC)
    assert reminder_opens_at(july, NEW_YORK) == datetime(2027, 7, 14, 12, 0, tzinfo=UTC)


def people(session: Session) -> None:
    """Supporters of every kind: only active@ and also@ are active with active accounts."""
    make_supporter(
        session, user=make_user(session, roles=(Role.supporter,), email="active@h.example.org")
    )
    make_supporter(
        session, user=make_user(session, roles=(Role.supporter,), email="also@h.example.org")
    )
    make_supporter(
        session,
        status=SupporterStatus.paused,
        user=make_user(session, roles=(Role.supporter,), email="paused@h.example.org"),
    )
    make_supporter(
        session,
        status=SupporterStatus.inactive,
        user=make_user(session, roles=(Role.supporter,), email="left@h.example.org"),
    )
    make_supporter(
        session,
        status=SupporterStatus.candidate,
        user=make_user(session, roles=(Role.supporter,), email="new@h.example.org"),
    )
    make_supporter(session, user=make_user(session, roles=(Role.supporter,), active=False,
                                           email="deactivated@h.example.org"))  # fmt: skip
    make_user(session, roles=(Role.coordinator,), email="coordinator@h.example.org")


def test_reminders_go_from_8_the_day_before_once_each_to_active_supporters_only(
    mail_engine: Engine, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    with unit_of_work(mail_engine) as session:
        people(session)
        make_program_session(
            session, starts_at=STARTS, topic="Moral distress", location="Room 4B, Heart Center"
        )
        make_program_session(session, starts_at=STARTS, kind=SessionKind.initial_training)
        cancelled = make_program_session(session, starts_at=STARTS, topic="Cancelled one")
    assert cancelled.id is not None
    with unit_of_work(mail_engine) as session:
        delete_program_session(session=session, actor=COORDINATOR, session_id=cancelled.id)

    clock = Clock(OPENS - timedelta(minutes=1))  # 07:59 in New York the day before
    worker = worker_for(mail_engine, tmp_path, smtp_server, clock)
    assert worker.run_due() == 0
    assert smtp_server.inbox.messages == []

    clock.set(OPENS)  # 08:00
    assert worker.run_due() == 2
    assert sorted(m["To"] for m in smtp_server.inbox.messages) == [
        "active@h.example.org",
        "also@h.example.org",
    ]
    message = smtp_server.inbox.to("active@h.example.org")[0]
    assert "Moral distress" in message["Subject"]
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "Thursday, January 14, 2027, 5:00 PM EST" in body
    assert "Room 4B, Heart Center" in body

    for later in (timedelta(minutes=1), timedelta(hours=3), timedelta(hours=32)):
        clock.set(OPENS + later)
        assert worker.run_due() == 0  # none twice
    assert len(smtp_server.inbox.messages) == 2


def test_a_session_scheduled_after_8_the_day_before_is_reminded_of_at_once_until_it_starts(
    mail_engine: Engine,
) -> None:
    now = STARTS - timedelta(hours=2)
    with unit_of_work(mail_engine) as session:
        people(session)
        make_program_session(session, starts_at=STARTS)
        make_program_session(session, starts_at=now - timedelta(minutes=1), topic="Started")
    with unit_of_work(mail_engine) as session:
        assert enqueue_due_reminders(session, now) == 2
    with unit_of_work(mail_engine) as session:
        assert enqueue_due_reminders(session, now) == 0
        assert enqueue_due_reminders(session, STARTS) == 0  # started: no more reminders
    with Session(mail_engine) as session:
        subjects = [job.payload["subject"] for job in session.exec(select(Job))]
    assert len(subjects) == 2
    assert not any("Started" in subject for subject in subjects)


def test_a_supporter_paused_before_the_reminder_gets_none(mail_engine: Engine) -> None:
    with unit_of_work(mail_engine) as session:
        supporter = make_supporter(session)
        make_program_session(session, starts_at=STARTS)
        supporter.status = SupporterStatus.paused
        session.add(supporter)
    with unit_of_work(mail_engine) as session:
        assert enqueue_due_reminders(session, OPENS) == 0


def jobs_by_status(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        statuses = [job.status.value for job in session.exec(select(Job))]
    return {status: statuses.count(status) for status in sorted(set(statuses))}


def test_a_late_reminder_is_dropped_when_its_session_was_cancelled_or_moved_and_says_today(
    mail_engine: Engine,
    smtp_server_down: SmtpServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with unit_of_work(mail_engine) as session:
        make_supporter(
            session, user=make_user(session, roles=(Role.supporter,), email="one@h.example.org")
        )
        make_program_session(session, starts_at=STARTS, topic="Holds")
        moved = make_program_session(session, starts_at=STARTS, topic="Moves")
        cancelled = make_program_session(session, starts_at=STARTS, topic="Cancelled")
    clock = Clock(OPENS)
    worker = worker_for(mail_engine, tmp_path, smtp_server_down, clock)
    assert worker.run_due() == 3  # the server is down: all three wait
    assert jobs_by_status(mail_engine) == {"pending": 3}

    with unit_of_work(mail_engine) as session:
        row = session.get(ProgramSession, moved.id)
        assert row is not None
        row.starts_at = STARTS + timedelta(hours=1)
        session.add(row)
    with unit_of_work(mail_engine) as session:
        assert cancelled.id is not None
        delete_program_session(session=session, actor=COORDINATOR, session_id=cancelled.id)
    smtp_server_down.start()
    # 00:30 in New York on Thursday January 14, the day of the sessions (05:30 UTC).
    clock.set(datetime(2027, 1, 14, 5, 30, tzinfo=UTC))
    with caplog.at_level("INFO", logger="peer_support.mail"):
        assert worker.run_due() == 4  # 3 late ones, and one for the moved session's new time

    subjects = sorted(message["Subject"] for message in smtp_server_down.inbox.messages)
    assert [subject.startswith("Today: ") for subject in subjects] == [True, True]
    assert [subject.rsplit(", ", 1)[1] for subject in subjects] == ["Holds", "Moves"]
    moved_body = next(
        message.get_payload(decode=True).decode()  # type: ignore[union-attr]
        for message in smtp_server_down.inbox.messages
        if "Moves" in message["Subject"]
    )
    assert "6:00 PM EST" in moved_body  # the new time, not the old 5:00 PM
    assert "not sent: the session was cancelled" in caplog.text
    assert "not sent: the session was moved to another time" in caplog.text
    assert jobs_by_status(mail_engine) == {"done": 4}


def test_a_reminder_delivered_after_its_session_started_is_dropped(
    mail_engine: Engine,
    smtp_server_down: SmtpServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with unit_of_work(mail_engine) as session:
        make_supporter(session)
        make_program_session(session, starts_at=STARTS)
    clock = Clock(OPENS)
    worker = worker_for(mail_engine, tmp_path, smtp_server_down, clock)
    assert worker.run_due() == 1
    smtp_server_down.start()

    clock.set(STARTS)  # the backoff ended as the session began
    with caplog.at_level("INFO", logger="peer_support.mail"):
        assert worker.run_due() == 1

    assert smtp_server_down.inbox.messages == []
    assert "not sent: the session has started" in caplog.text
    assert jobs_by_status(mail_engine) == {"done": 1}


def test_the_subject_says_tomorrow_only_when_it_is() -> None:
    assert when_word(STARTS, OPENS, NEW_YORK) == "Tomorrow"
    # 23:59 in New York on Wednesday: still tomorrow; a minute later, today.
    assert when_word(STARTS, datetime(2027, 1, 14, 4, 59, tzinfo=UTC), NEW_YORK) == "Tomorrow"
    assert when_word(STARTS, datetime(2027, 1, 14, 5, 0, tzinfo=UTC), NEW_YORK) == "Today"
    assert when_word(STARTS, OPENS - timedelta(days=1), NEW_YORK) == "Thursday, January 14"
