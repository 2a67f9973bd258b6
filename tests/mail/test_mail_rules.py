"""The queue's rules that need no worker: the backoff schedule, retries by admins only, the
purge of finished jobs, the SMTP_URL and MAIL_FROM settings, and a login to the SMTP server."""

from __future__ import annotations

import ipaddress
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session, col, select, update

from domain.codes import Role
from domain.columns import utcnow
from domain.db import unit_of_work
from domain.errors import Conflict, DomainError, NotFound, PermissionDenied
from domain.jobs.models import Job, JobStatus
from domain.jobs.service import MAX_ATTEMPTS, backoff_after, purge_finished_jobs, retry_job
from domain.mail import sending
from domain.mail.outbox import Mail, queue_mail
from domain.settings import Settings
from domain.users.invitations import resend_invitation
from domain.web_sessions.service import check_password_link
from tests.factories import (
    ADMIN,
    COORDINATOR,
    REPORT_VIEWER,
    RESOURCE_EDITOR,
    SUPPORTER,
    make_user,
)
from tests.mail.conftest import Clock, SmtpServer, worker_for

DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)


def test_the_backoff_doubles_from_10_minutes_over_8_attempts_about_a_day() -> None:
    assert MAX_ATTEMPTS == 8
    waits = [backoff_after(attempt) for attempt in range(1, 8)]
    assert waits == [timedelta(minutes=m) for m in (10, 20, 40, 80, 160, 320, 640)]
    assert sum(waits, timedelta()) == timedelta(hours=21, minutes=10)


def a_job(db: Session, **values: Any) -> Job:
    queue_mail(db, Mail(to="a@h.example.org", subject="s", body="b"))
    job = db.exec(select(Job).order_by(col(Job.id).desc())).first()
    assert job is not None
    if values:
        db.exec(update(Job).where(col(Job.id) == job.id).values(**values))
        db.flush()
        db.refresh(job)
    return job


@pytest.mark.parametrize("actor", [COORDINATOR, SUPPORTER, REPORT_VIEWER, RESOURCE_EDITOR])
def test_only_admins_retry_jobs(db: Session, actor: Any) -> None:
    job = a_job(db, status=JobStatus.failed, attempts=8)
    assert job.id is not None
    with pytest.raises(PermissionDenied):
        retry_job(session=db, actor=actor, job_id=job.id)


def test_only_failed_jobs_are_retried(db: Session) -> None:
    for status in (JobStatus.pending, JobStatus.running, JobStatus.done):
        job = a_job(db, status=status)
        assert job.id is not None
        with pytest.raises(Conflict):
            retry_job(session=db, actor=ADMIN, job_id=job.id)
    with pytest.raises(NotFound):
        retry_job(session=db, actor=ADMIN, job_id=987_654)


def test_done_jobs_go_after_7_days_and_failed_ones_after_30(db: Session) -> None:
    now = utcnow().replace(microsecond=0)
    db.exec(update(Job).values(finished_at=now))  # older jobs of other tests stay
    kept = [
        a_job(db, status=JobStatus.done, finished_at=now - 7 * DAY + SECOND),
        a_job(db, status=JobStatus.failed, finished_at=now - 30 * DAY + SECOND),
        a_job(db, status=JobStatus.pending),
    ]
    a_job(db, status=JobStatus.done, finished_at=now - 7 * DAY)
    a_job(db, status=JobStatus.failed, finished_at=now - 30 * DAY)

    assert purge_finished_jobs(db, now) == 2
    assert purge_finished_jobs(db, now) == 0
    left = set(db.exec(select(Job.id)))
    assert {job.id for job in kept} <= left


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.example.org", "unsupported scheme 'http'"),
        ("mail.example.org:25", "unsupported scheme"),
        ("smtp://", "the host is missing"),
        ("smtp://mail.example.org:port", "the port is not a number"),
        ("smtp://mail.example.org/inbox", "nothing may follow the host and port"),
    ],
)
def test_a_bad_smtp_url_is_refused_with_a_message_that_says_why(url: str, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, smtp_url=url)
    text = str(refused.value)
    assert "SMTP_URL must look like smtp://user:password@host:587" in text
    assert message in text


@pytest.mark.parametrize(
    "url", ["smtp://mail.example.org", "smtp://u%40x:p%2Fw@mail.example.org:587", "smtps://h:465"]
)
def test_good_smtp_urls_are_taken(url: str) -> None:
    settings = Settings(_env_file=None, smtp_url=url)
    assert settings.smtp_url is not None
    assert settings.smtp_url.get_secret_value() == url


def test_mail_from_must_be_an_address() -> None:
    with pytest.raises(ValidationError, match="MAIL_FROM must be an email address"):
        Settings(_env_file=None, mail_from="Peer Support")


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - DAY)
        .not_valid_after(now + DAY)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_the_worker_logs_in_with_the_user_and_password_of_the_url_after_starttls(
    mail_engine: Engine, clock: Clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(*args: Any) -> AuthResult:
        credentials = args[4]
        logins.append((credentials.login, credentials.password))
        return AuthResult(success=True)

    cert, key = self_signed_certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    trusting = ssl.create_default_context(cafile=str(cert))
    monkeypatch.setattr(sending.ssl, "create_default_context", lambda: trusting)
    server = SmtpServer(
        options={
            "tls_context": server_tls,
            "require_starttls": True,
            "auth_required": True,
            "authenticator": authenticator,
        }
    )
    server.start()
    try:
        with unit_of_work(mail_engine) as session:
            queue_mail(session, Mail(to="a@h.example.org", subject="s", body="b"))
        worker = worker_for(mail_engine, tmp_path, None, clock)
        url = f"smtp://mailer%40hospital:p%40ss%2Fword@127.0.0.1:{server.port}"
        worker.settings = Settings(**{**worker.settings.model_dump(), "smtp_url": url})
        assert worker.run_due() == 1
    finally:
        server.stop()
    assert logins == [(b"mailer@hospital", b"p@ss/word")]
    assert len(server.inbox.messages) == 1


def test_a_resent_invitation_makes_the_older_unused_links_stop_working(db: Session) -> None:
    invited = make_user(db, roles=(Role.supporter,))
    assert invited.id is not None
    first = resend_invitation(session=db, actor=ADMIN, user_id=invited.id)
    second = resend_invitation(session=db, actor=ADMIN, user_id=invited.id)
    third = resend_invitation(session=db, actor=ADMIN, user_id=invited.id)

    for old in (first, second):
        with pytest.raises(DomainError):
            check_password_link(db, old.link.rsplit("/", 1)[1])
    assert check_password_link(db, third.link.rsplit("/", 1)[1]).user_id == invited.id
