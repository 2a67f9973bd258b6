"""Sending a queued mail (the `mail.send` job): through the SMTP server named by `SMTP_URL`, or,
without one, into the log (the pages show the links such mail would carry).

- `smtp://host:port` (port 25 unless given) upgrades to TLS with STARTTLS when the server
  offers it; with a user and password (`smtp://user:password@host`) STARTTLS is required: a
  server not offering it fails the attempt, and the password is never sent in clear.
  `smtps://` (port 465 unless given) speaks TLS from the start. The user and password are
  optional (percent-encode special characters).
- The subject is one line (whitespace collapsed). A message that cannot be built (a line break
  in an address, a missing field) fails its job at once: retrying cannot help.
- `From:` is `MAIL_FROM`. Each message has a `Message-ID` made from its job's id, so a send
  repeated after a crash (delivery is at least once) carries the same id, and mail systems
  and people can recognise the repeat.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any
from urllib.parse import unquote, urlsplit

from domain.jobs.service import PermanentJobError, describe_error
from domain.settings import Settings

log = logging.getLogger("peer_support.mail")
SMTP_TIMEOUT_SECONDS = 30
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


def message_id(job_id: int, mail_from: str) -> str:
    """The same id for every send of the same job."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    return f"<peer-support.job-{job_id}@{domain}>"


def one_line(text: str) -> str:
    """All whitespace (line breaks from a topic or program name too) as single spaces."""
    return " ".join(text.split())


def build_message(
    payload: dict[str, Any], *, job_id: int, mail_from: str, now: datetime
) -> EmailMessage:
    """The message to send; `PermanentJobError` when it cannot be built (sending it again
    would fail the same way)."""
    try:
        message = EmailMessage()
        message["From"] = mail_from
        message["To"] = str(payload["to"])
        message["Subject"] = one_line(str(payload["subject"]))
        message["Date"] = format_datetime(now)
        message["Message-ID"] = message_id(job_id, mail_from)
        message.set_content(str(payload["body"]))
    except Exception as error:
        raise PermanentJobError(
            f"the message cannot be built ({describe_error(error)}); it is not sent"
        ) from error
    return message


class SmtpSecurityError(Exception):
    """The server would have us send credentials without TLS."""


def send_over_smtp(smtp_url: str, message: EmailMessage) -> None:
    url = urlsplit(smtp_url)
    host = url.hostname or "localhost"
    port = url.port or DEFAULT_PORTS[url.scheme]
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if url.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT_SECONDS, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)
    with client:
        client.ehlo()
        if url.scheme == "smtp" and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
        elif url.scheme == "smtp" and url.username:
            raise SmtpSecurityError(
                f"the SMTP server {host}:{port} does not offer STARTTLS: the password in "
                "SMTP_URL is not sent in clear (use smtps:// or a server offering STARTTLS)"
            )
        if url.username:
            client.login(unquote(url.username), unquote(url.password or ""))
        client.send_message(message)


def send_mail(payload: dict[str, Any], *, job_id: int, settings: Settings, now: datetime) -> None:
    """Send one queued mail; raises when the server refuses it or cannot be reached."""
    message = build_message(payload, job_id=job_id, mail_from=settings.mail_from, now=now)
    if settings.smtp_url is None:
        log.info(
            "Mail not sent (no SMTP_URL set), written here instead:\nTo: %s\nSubject: %s\n\n%s",
            message["To"],
            message["Subject"],
            payload["body"],
        )
        return
    send_over_smtp(settings.smtp_url.get_secret_value(), message)
