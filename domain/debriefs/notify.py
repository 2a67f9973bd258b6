"""Telling the program's coordinators at once that a supporter asked for a debrief, so a
request cannot sit unseen.

Confidentiality: the mail names nobody, neither the supporter nor anything about them; it
says how soon the debrief was asked for and where the inbox is. Only a new request is told;
asking again (a change of urgency) sends nothing."""

from __future__ import annotations

from sqlmodel import Session, col, select

from domain.codes import Role
from domain.debriefs.models import DebriefRequest, DebriefUrgency
from domain.mail.outbox import Mail, queue_mail
from domain.program_settings.service import get_program_settings
from domain.settings import get_settings
from domain.users.models import User, UserRole

URGENCY_WORDS = {DebriefUrgency.today: "today", DebriefUrgency.this_week: "this week"}


def active_coordinator_emails(session: Session) -> list[tuple[int, str]]:
    rows = session.exec(
        select(User.id, User.email)
        .join(UserRole, col(UserRole.user_id) == col(User.id))
        .where(UserRole.role == Role.coordinator, col(User.active).is_(True))
        .order_by(col(User.id))
    )
    return [(user_id, email) for user_id, email in rows if user_id is not None]


def debrief_request_mail(session: Session, *, to: str, urgency: DebriefUrgency) -> Mail:
    inbox = f"{get_settings().public_url.rstrip('/')}/inbox"
    program = get_program_settings(session).program_name
    return Mail(
        to=to,
        subject=f"{program}: a debrief was requested",
        body=(
            f"A peer supporter asked for a debrief ({URGENCY_WORDS[urgency]}).\n\n"
            f"Open the inbox: {inbox}\n"
        ),
    )


def notify_coordinators(session: Session, request: DebriefRequest) -> None:
    """One mail to each active coordinator about a new request (queued with it)."""
    for user_id, email in active_coordinator_emails(session):
        queue_mail(
            session,
            debrief_request_mail(session, to=email, urgency=request.urgency),
            dedupe_key=f"debrief-request:{request.id}:{user_id}",
        )
