"""Mail the program sends. A message is queued in the same transaction as the change that causes
it, so it goes out exactly when that change commits, and never for a change rolled back."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session

from domain.settings import get_settings

log = logging.getLogger("peer_support.mail")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str  # plain text


def mail_is_configured() -> bool:
    """Without SMTP_URL, mail only reaches the log: pages then show the links it would carry."""
    return get_settings().smtp_url is not None


def queue_mail(session: Session, mail: Mail, *, dedupe_key: str | None = None) -> None:
    """Queue `mail` for the worker. `dedupe_key` makes a second queueing of the same message a
    no-op (reminders). Until the durable queue lands this only logs."""
    # TODO(issue 8, mail): write a job row in `session` instead.
    del session, dedupe_key
    log.info("mail to %s: %s", mail.to, mail.subject)
