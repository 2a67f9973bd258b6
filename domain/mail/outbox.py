"""Mail the program sends. A message is queued in the same transaction as the change that causes
it (a `mail.send` job, `domain.jobs`), so it goes out exactly when that change commits, and never
for a change rolled back. The worker sends it (`domain.mail.sending`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from domain.jobs.service import enqueue
from domain.settings import get_settings

MAIL_SEND = "mail.send"


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str  # plain text


def mail_is_configured() -> bool:
    """Without SMTP_URL, mail only reaches the log: pages then show the links it would carry."""
    return get_settings().smtp_url is not None


def queue_mail(
    session: Session,
    mail: Mail,
    *,
    dedupe_key: str | None = None,
    run_at: datetime | None = None,
) -> None:
    """Queue `mail` for the worker in `session`'s transaction. `dedupe_key` makes a second
    queueing of the same message a no-op (reminders); `run_at` holds it back until then."""
    enqueue(session, MAIL_SEND, asdict(mail), dedupe_key=dedupe_key, run_at=run_at)


def is_for_deactivated_person(session: Session, address: str) -> bool:
    """Mail queued for someone deactivated before it went out is dropped: an invitation or a
    password link to a person who no longer has access would only mislead them. Checked when
    sending, so no queued message can slip past a deactivation."""
    from domain.users.models import User  # users build on this module (invitations)

    active = session.exec(
        select(User.active).where(func.lower(col(User.email)) == address.strip().lower())
    ).first()
    return active is False
