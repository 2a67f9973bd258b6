"""Mail through a real SMTP server: invitations and debrief notices arrive once each, wait out
a server that is down, fail after 8 attempts and go out when an admin retries them."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.app import create_app
from domain.actors import Actor
from domain.audit.models import AuditEvent
from domain.codes import Role
from domain.db import unit_of_work
from domain.debriefs.models import DebriefUrgency
from domain.debriefs.service import request_debrief
from domain.jobs.models import Job, JobStatus
from domain.jobs.service import enqueue
from domain.jobs.worker import Worker
from domain.mail.outbox import Mail, queue_mail
from domain.users.invitations import invite_user
from domain.users.models import User, UserCreate
from domain.users.passwords import hash_password
from tests.factories import actor_of, make_supporter, make_user
from tests.mail.conftest import Clock, SmtpServer, settings_for, worker_for
from tests.web.conftest import PASSWORD, hidden_value, post_sign_in_form

OPERATOR = Actor.operator()
INVITEE = "new.person@hospital.example.org"
MINUTE = timedelta(minutes=1)


def invite(engine: Engine, email: str = INVITEE) -> str:
    """Invite someone and commit; the set-password link."""
    with unit_of_work(engine) as session:
        data = UserCreate(email=email, display_name="New Person", roles=[Role.supporter])
        return invite_user(session=session, actor=OPERATOR, data=data).link


def roll_back(engine: Engine, work: Callable[[Session], None]) -> None:
    """Do `work` in a unit of work that then fails (and so rolls back)."""
    with unit_of_work(engine) as session:
        work(session)
        raise RuntimeError("the request failed after the work")


def jobs(engine: Engine) -> list[Job]:
    with Session(engine) as session:
        return list(session.exec(select(Job).order_by(col(Job.id))))


def test_an_invitation_arrives_once_with_its_link(
    mail_engine: Engine, smtp_server: SmtpServer, clock: Clock, tmp_path: Path
) -> None:
    link = invite(mail_engine)
    worker = worker_for(mail_engine, tmp_path, smtp_server, clock)

    assert worker.run_due() == 1
    assert worker.run_due() == 0

    [message] = smtp_server.inbox.messages
    assert message["To"] == INVITEE
    assert message["From"] == "Peer Support <peer-support@hospital.example.org>"
    assert message["Subject"].startswith("You are invited to")
    [job] = jobs(mail_engine)
    assert message["Message-ID"] == f"<peer-support.job-{job.id}@hospital.example.org>"
    assert link in message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert job.status == JobStatus.done
    assert job.attempts == 1


def test_a_new_debrief_request_mails_each_active_coordinator_once_naming_nobody(
    mail_engine: Engine, smtp_server: SmtpServer, clock: Clock, tmp_path: Path
) -> None:
    with unit_of_work(mail_engine) as session:
        ana = make_user(session, roles=(Role.coordinator,), email="ana@hospital.example.org")
        make_user(session, roles=(Role.coordinator,), email="gone@hospital.example.org",
                  active=False)  # fmt: skip
        make_user(session, roles=(Role.admin,), email="admin@hospital.example.org")
        supporter = make_supporter(
            session, user=make_user(session, roles=(Role.supporter,), display_name="Sam Quill",
                                    email="sam.quill@hospital.example.org")
        )  # fmt: skip
        supporter_user = session.get(User, supporter.user_id)
        assert supporter_user is not None
        asker = actor_of(supporter_user)
        request_debrief(session=session, actor=asker, urgency=DebriefUrgency.today)
    with unit_of_work(mail_engine) as session:
        # Asking again changes the urgency and tells nobody again.
        request_debrief(session=session, actor=asker, urgency=DebriefUrgency.this_week)

    worker = worker_for(mail_engine, tmp_path, smtp_server, clock)
    assert worker.run_due() == 1
    assert worker.run_due() == 0

    [message] = smtp_server.inbox.messages
    assert message["To"] == ana.email
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "A peer supporter asked for a debrief (today)." in body
    assert "Open the inbox: http://127.0.0.1:8000/inbox" in body
    for identifying in ("Sam", "Quill", "sam.quill"):
        assert identifying not in body
        assert identifying not in message["Subject"]


def test_nothing_is_queued_when_the_invitation_is_rolled_back(mail_engine: Engine) -> None:
    def invite_then_fail(session: Session) -> None:
        data = UserCreate(email=INVITEE, display_name="New Person", roles=[Role.supporter])
        invite_user(session=session, actor=OPERATOR, data=data)
        assert len(list(session.exec(select(Job)))) == 1  # in the invitation's transaction

    with pytest.raises(RuntimeError):
        roll_back(mail_engine, invite_then_fail)

    assert jobs(mail_engine) == []
    with Session(mail_engine) as session:
        assert session.exec(select(User).where(User.email == INVITEE)).first() is None


def test_an_enqueue_rolled_back_leaves_no_job_and_a_dedupe_key_queues_once(
    mail_engine: Engine,
) -> None:
    def enqueue_one(session: Session) -> None:
        enqueue(session, "mail.send", {"to": "a@h.example.org", "subject": "s", "body": "b"})

    with pytest.raises(RuntimeError):
        roll_back(mail_engine, enqueue_one)
    assert jobs(mail_engine) == []

    mail = Mail(to="a@h.example.org", subject="Hello", body="once")
    with unit_of_work(mail_engine) as session:
        queue_mail(session, mail, dedupe_key="hello-a")
        queue_mail(session, mail, dedupe_key="hello-a")
    with unit_of_work(mail_engine) as session:
        queue_mail(session, mail, dedupe_key="hello-a")
        queue_mail(session, mail)
        queue_mail(session, mail)

    assert [job.dedupe_key for job in jobs(mail_engine)] == ["hello-a", None, None]


def test_mail_waits_for_a_server_that_is_down_and_arrives_once_it_is_back(
    mail_engine: Engine, smtp_server_down: SmtpServer, clock: Clock, tmp_path: Path
) -> None:
    invite(mail_engine)
    with unit_of_work(mail_engine) as session:
        coordinator = make_user(session, roles=(Role.coordinator,))
        supporter = make_supporter(session)
        supporter_user = session.get(User, supporter.user_id)
        assert supporter_user is not None
        request_debrief(
            session=session, actor=actor_of(supporter_user), urgency=DebriefUrgency.this_week
        )
    worker = worker_for(mail_engine, tmp_path, smtp_server_down, clock)

    assert worker.run_due() == 2  # both tried, both refused
    for job in jobs(mail_engine):
        assert job.status == JobStatus.pending
        assert job.attempts == 1
        assert job.run_at == clock() + 10 * MINUTE
        assert "ConnectionRefusedError" in (job.last_error or "")

    smtp_server_down.start()
    clock.advance(9 * MINUTE)
    assert worker.run_due() == 0  # still waiting out the 10 minutes
    clock.advance(1 * MINUTE)
    assert worker.run_due() == 2

    inbox = smtp_server_down.inbox
    assert len(inbox.to(INVITEE)) == 1
    assert len(inbox.to(coordinator.email)) == 1
    assert len(inbox.messages) == 2
    assert {job.status for job in jobs(mail_engine)} == {JobStatus.done}


def test_backoff_doubles_from_10_minutes_and_the_8th_failure_fails_the_job(
    mail_engine: Engine, smtp_server_down: SmtpServer, clock: Clock, tmp_path: Path
) -> None:
    invite(mail_engine)
    worker = worker_for(mail_engine, tmp_path, smtp_server_down, clock)
    start = clock()
    waits = []
    for attempt in range(1, 8):
        assert worker.run_due() == 1
        [job] = jobs(mail_engine)
        assert (job.status, job.attempts) == (JobStatus.pending, attempt)
        waits.append(job.run_at - clock())
        clock.set(job.run_at)
    assert waits == [timedelta(minutes=m) for m in (10, 20, 40, 80, 160, 320, 640)]
    assert clock() - start == timedelta(hours=21, minutes=10)

    assert worker.run_due() == 1  # the 8th attempt
    [job] = jobs(mail_engine)
    assert (job.status, job.attempts) == (JobStatus.failed, 8)
    assert job.finished_at == clock()
    clock.advance(timedelta(days=2))
    assert worker.run_due() == 0  # failed jobs are not tried again by themselves


def test_a_failed_job_shows_on_the_admin_page_and_goes_out_when_retried(
    mail_engine: Engine, smtp_server_down: SmtpServer, clock: Clock, tmp_path: Path
) -> None:
    link = invite(mail_engine)
    worker = worker_for(mail_engine, tmp_path, smtp_server_down, clock)
    for _ in range(8):
        worker.run_due()
        clock.advance(timedelta(hours=11))
    [job] = jobs(mail_engine)
    assert job.status == JobStatus.failed
    with unit_of_work(mail_engine) as session:
        admin = make_user(session, roles=(Role.admin,), password_hash=hash_password(PASSWORD))
        admin_email = admin.email

    app = create_app(worker.settings)
    with TestClient(app, base_url="http://127.0.0.1") as browser:
        assert post_sign_in_form(browser, {"email": admin_email, "password": PASSWORD}).is_redirect
        page = browser.get("/admin/mail")
        assert page.status_code == 200
        assert INVITEE in page.text
        assert "You are invited to" in page.text
        assert "ConnectionRefusedError" in page.text
        assert link not in page.text  # never the body: it holds the set-password link
        token = link.rsplit("/", 1)[1]
        assert token not in page.text

        retried = browser.post(
            f"/admin/mail/{job.id}/retry",
            data={"csrf_token": hidden_value(page.text, "csrf_token")},
            follow_redirects=False,
        )
        assert retried.status_code == 303
        assert retried.headers["location"] == f"/admin/mail?retried={job.id}"

    [job] = jobs(mail_engine)
    assert (job.status, job.attempts) == (JobStatus.pending, 0)
    with Session(mail_engine) as session:
        audited = session.exec(select(AuditEvent).where(AuditEvent.action == "job.retry")).one()
        assert (audited.object_type, audited.object_id) == ("job", str(job.id))

    smtp_server_down.start()
    clock.set(max(clock(), job.run_at))
    assert worker.run_due() == 1
    assert len(smtp_server_down.inbox.to(INVITEE)) == 1
    assert jobs(mail_engine)[0].status == JobStatus.done


def test_without_smtp_url_mail_goes_to_the_log_and_the_job_is_done(
    mail_engine: Engine, clock: Clock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    link = invite(mail_engine)
    worker = worker_for(mail_engine, tmp_path, None, clock)

    with caplog.at_level("INFO", logger="peer_support.mail"):
        assert worker.run_due() == 1

    assert INVITEE in caplog.text
    assert link in caplog.text
    assert jobs(mail_engine)[0].status == JobStatus.done


def test_a_line_break_in_the_subject_becomes_a_space_and_the_mail_goes_out(
    mail_engine: Engine, smtp_server: SmtpServer, clock: Clock, tmp_path: Path
) -> None:
    with unit_of_work(mail_engine) as session:
        subject = "Tomorrow: Peer\nSupport monthly session,  Grief\r\n after a code"
        queue_mail(session, Mail(to=INVITEE, subject=subject, body="hi"))

    assert worker_for(mail_engine, tmp_path, smtp_server, clock).run_due() == 1

    [message] = smtp_server.inbox.messages
    assert message["Subject"] == "Tomorrow: Peer Support monthly session, Grief after a code"
    assert jobs(mail_engine)[0].status == JobStatus.done


def test_a_message_that_cannot_be_built_fails_at_once_without_retrying(
    mail_engine: Engine, smtp_server: SmtpServer, clock: Clock, tmp_path: Path
) -> None:
    with unit_of_work(mail_engine) as session:
        queue_mail(session, Mail(to="a@h.example.org\nBcc: b@h.example.org", subject="S", body="x"))

    assert worker_for(mail_engine, tmp_path, smtp_server, clock).run_due() == 1

    [job] = jobs(mail_engine)
    assert (job.status, job.attempts, job.finished_at) == (JobStatus.failed, 1, clock())
    assert (job.last_error or "").startswith(
        "PermanentJobError: the message cannot be built (ValueError:"
    )
    assert smtp_server.inbox.messages == []


def test_a_sent_job_keeps_only_recipient_and_subject_not_the_link(
    mail_engine: Engine, smtp_server: SmtpServer, clock: Clock, tmp_path: Path
) -> None:
    link = invite(mail_engine)
    assert link in str(jobs(mail_engine)[0].payload)  # queued: the body carries the link

    assert worker_for(mail_engine, tmp_path, smtp_server, clock).run_due() == 1

    [job] = jobs(mail_engine)
    assert job.status == JobStatus.done
    assert set(job.payload) == {"to", "subject"}
    assert job.payload["to"] == INVITEE
    assert link.rsplit("/", 1)[1] not in str(job.payload)


def test_credentials_over_smtp_without_starttls_are_refused_and_never_sent(
    mail_engine: Engine, smtp_server: SmtpServer, clock: Clock, tmp_path: Path
) -> None:
    invite(mail_engine)
    url = f"smtp://mailer:s3cret@127.0.0.1:{smtp_server.port}"  # aiosmtpd offers no STARTTLS
    worker = Worker(
        engine=mail_engine, settings=settings_for(mail_engine, tmp_path, url), clock=clock
    )
    sent: list[bytes] = []
    real_send = smtplib.SMTP.send

    def spy(client: smtplib.SMTP, data: str | bytes) -> None:
        sent.append(data if isinstance(data, bytes) else data.encode())
        real_send(client, data)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(smtplib.SMTP, "send", spy)
        assert worker.run_due() == 1

    [job] = jobs(mail_engine)
    assert (job.status, job.attempts) == (JobStatus.pending, 1)  # tried again later
    assert job.last_error == (
        f"SmtpSecurityError: the SMTP server 127.0.0.1:{smtp_server.port} does not offer "
        "STARTTLS: the password in SMTP_URL is not sent in clear (use smtps:// or a server "
        "offering STARTTLS)"
    )
    assert sent[0].upper().startswith(b"EHLO")
    assert not any(line.upper().startswith(b"AUTH") for line in sent)
    assert b"s3cret" not in b"".join(sent)
    assert smtp_server.inbox.messages == []


def test_an_invitation_queued_before_the_person_was_deactivated_is_not_sent(
    mail_engine: Engine, smtp_server: SmtpServer, clock: Clock, tmp_path: Path
) -> None:
    invite(mail_engine)
    with unit_of_work(mail_engine) as session:
        user = session.exec(select(User).where(User.email == INVITEE)).one()
        user.active = False
        session.add(user)
    worker = worker_for(mail_engine, tmp_path, smtp_server, clock)

    assert worker.run_due() == 1

    assert smtp_server.inbox.messages == []
    assert jobs(mail_engine)[0].status == JobStatus.done


def test_mail_to_an_address_of_no_account_and_to_an_active_person_goes_out(
    mail_engine: Engine, smtp_server: SmtpServer, clock: Clock, tmp_path: Path
) -> None:
    invite(mail_engine)
    with unit_of_work(mail_engine) as session:
        queue_mail(session, Mail(to="Outside@Elsewhere.example.org", subject="s", body="b"))
    worker = worker_for(mail_engine, tmp_path, smtp_server, clock)

    assert worker.run_due() == 2

    assert sorted(m["To"] for m in smtp_server.inbox.messages) == sorted(
        [INVITEE, "Outside@Elsewhere.example.org"]
    )
