"""Reminders of monthly sessions, the day before, to every active supporter.

Rules:
- "The day before" is in the program's time zone: a reminder is due from 08:00 local time on
  the calendar day before the session's local date (`reminder_opens_at`), until the session
  starts. A session scheduled after that moment gets its reminders at once, as long as it has
  not started.
- Every active supporter gets one: supporter status `active` and user account active. Paused,
  inactive and candidate supporters, and deactivated users, get none.
- Each reminder goes once: its job's dedupe key names the session, its start time and the
  supporter, so the worker may enqueue on every pass. A session moved to another time is
  reminded of again at its new time; a cancelled (deleted) session is not reminded of.
- A reminder is checked again when it is sent (it may go out late, after the SMTP server was
  down): if its session is gone, has moved to another time or has started, it is dropped (the
  job is done, nothing sent, a line in the log). Its subject says "Tomorrow" or "Today" only
  when that is true at the moment of sending, and the date otherwise.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from domain.codes import SessionKind, SupporterStatus
from domain.jobs.models import Job
from domain.jobs.service import ClaimedJob, enqueue
from domain.mail.outbox import Mail
from domain.mail.sending import send_mail
from domain.program_settings.service import get_program_settings, program_time_zone
from domain.sessions.models import ProgramSession
from domain.settings import Settings, get_settings
from domain.supporters.models import Supporter
from domain.users.models import User

REMINDER_LOCAL_TIME = time(8, 0)
# The earliest a reminder opens: 08:00 the day before a session at 23:59 is under 40 hours
# before it, a daylight saving change adds one; sessions further off are not looked at.
LOOK_AHEAD = timedelta(hours=48)
WHEN_PATTERN = "%A, %B %-d, %Y, %-I:%M %p %Z"
DAY_PATTERN = "%A, %B %-d"
REMINDER_SEND = "mail.session_reminder"
log = logging.getLogger("peer_support.mail")


def reminder_opens_at(starts_at: datetime, zone: ZoneInfo) -> datetime:
    """08:00 local on the calendar day before the session's local date, in UTC."""
    day_before = starts_at.astimezone(zone).date() - timedelta(days=1)
    opens = datetime.combine(day_before, REMINDER_LOCAL_TIME, tzinfo=zone)
    return opens.astimezone(starts_at.tzinfo)


def reminder_key(program_session: ProgramSession, supporter_id: int) -> str:
    starts = program_session.starts_at.strftime("%Y%m%dT%H%MZ")
    return f"session-reminder:{program_session.id}:{starts}:{supporter_id}"


def sessions_to_remind(session: Session, now: datetime) -> list[ProgramSession]:
    zone = program_time_zone(session)
    upcoming = session.exec(
        select(ProgramSession)
        .where(
            ProgramSession.kind == SessionKind.monthly_session,
            col(ProgramSession.starts_at) > now,
            col(ProgramSession.starts_at) <= now + LOOK_AHEAD,
        )
        .order_by(col(ProgramSession.starts_at))
    )
    return [item for item in upcoming if reminder_opens_at(item.starts_at, zone) <= now]


def active_supporters(session: Session) -> list[tuple[int, str, str]]:
    """(supporter id, email, name) of every active supporter with an active account."""
    rows = session.exec(
        select(Supporter.id, User.email, User.display_name)
        .join(User, col(User.id) == col(Supporter.user_id))
        .where(Supporter.status == SupporterStatus.active, col(User.active).is_(True))
        .order_by(col(Supporter.id))
    )
    return [(supporter_id, email, name) for supporter_id, email, name in rows if supporter_id]


def when_word(starts_at: datetime, now: datetime, zone: ZoneInfo) -> str:
    """ "Today", "Tomorrow" or the weekday and date, as seen at `now` in `zone`."""
    day = starts_at.astimezone(zone).date()
    today = now.astimezone(zone).date()
    if day == today:
        return "Today"
    if day == today + timedelta(days=1):
        return "Tomorrow"
    return starts_at.astimezone(zone).strftime(DAY_PATTERN)


def reminder_about(program: str, program_session: ProgramSession) -> str:
    return f"{program} monthly session, {program_session.topic}"


def reminder_mail(
    program_session: ProgramSession,
    *,
    email: str,
    name: str,
    program: str,
    zone: ZoneInfo,
    now: datetime,
) -> Mail:
    when = program_session.starts_at.astimezone(zone).strftime(WHEN_PATTERN)
    place = program_session.location or "to be announced"
    day = when_word(program_session.starts_at, now, zone)
    return Mail(
        to=email,
        subject=f"{day}: {reminder_about(program, program_session)}",
        body=(
            f"Hello {name},\n\n"
            f"A reminder of the {program} monthly session:\n\n"
            f"  Topic: {program_session.topic}\n"
            f"  When:  {when} ({program_session.duration_minutes} minutes)\n"
            f"  Where: {place}\n\n"
            f"Your sessions: {get_settings().public_url.rstrip('/')}/sessions\n"
        ),
    )


def send_reminder(job: ClaimedJob, *, engine: Engine, settings: Settings, now: datetime) -> None:
    """The `mail.session_reminder` job: send it if its session still holds (there, at the same
    start, not started), with a subject true at `now`; otherwise drop it."""
    payload = job.payload
    with Session(engine) as session:
        program_session = session.get(ProgramSession, int(payload["session_id"]))
        zone = program_time_zone(session)
    starts_at = datetime.fromisoformat(str(payload["starts_at"]))
    reason = None
    if program_session is None:
        reason = "the session was cancelled"
    elif program_session.starts_at != starts_at:
        reason = "the session was moved to another time"
    elif program_session.starts_at <= now:
        reason = "the session has started"
    if reason is not None:
        log.info("Reminder (job %s) not sent: %s", job.id, reason)
        return
    subject = f"{when_word(starts_at, now, zone)}: {payload['about']}"
    send_mail({**payload, "subject": subject}, job_id=job.id, settings=settings, now=now)


def enqueue_due_reminders(session: Session, now: datetime) -> int:
    """Queue the reminders due at `now` not queued before; how many were new."""
    due = sessions_to_remind(session, now)
    if not due:
        return 0
    zone = program_time_zone(session)
    program = get_program_settings(session).program_name
    people = active_supporters(session)
    queued = 0
    for program_session in due:
        keys = {person[0]: reminder_key(program_session, person[0]) for person in people}
        known = set(
            session.exec(select(Job.dedupe_key).where(col(Job.dedupe_key).in_(keys.values())))
        )
        for supporter_id, email, name in people:
            if keys[supporter_id] in known:
                continue
            mail = reminder_mail(
                program_session, email=email, name=name, program=program, zone=zone, now=now
            )
            payload = {
                **asdict(mail),
                "session_id": program_session.id,
                "starts_at": program_session.starts_at.isoformat(),
                "about": reminder_about(program, program_session),
            }
            enqueue(session, REMINDER_SEND, payload, dedupe_key=keys[supporter_id], run_at=now)
            queued += 1
    return queued
