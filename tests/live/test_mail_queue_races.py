"""Mail queued by parallel requests against a live server: debrief requests sent by several
taps at once open one request per supporter and queue one notice per coordinator; a failed job
retried by several clicks at once is put back once (one audit event); the jobs the requests
committed are all there for the worker."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select, update

from domain.audit.models import AuditEvent
from domain.codes import Role
from domain.columns import utcnow
from domain.debriefs.models import DebriefRequest
from domain.jobs.models import Job, JobStatus
from domain.mail.outbox import Mail, queue_mail
from domain.users.passwords import hash_password
from tests.databases import sibling_database_url
from tests.factories import make_supporter, make_user
from tests.live.server import LiveServer, at_once, running_server
from tests.web.conftest import PASSWORD, hidden_value
from web.session import SIGN_IN_CHECK_COOKIE, SIGN_IN_CHECK_FIELD

SUPPORTERS = 3
TAPS = 4
COORDINATORS = 2


@pytest.fixture(scope="module")
def server(
    engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A database of its own module (tests still count against a baseline of their own)."""
    with running_server(
        sibling_database_url(database_url, "mailrace"), tmp_path_factory.mktemp("mailrace")
    ) as own:
        yield own


def signed_in(server: LiveServer, email: str) -> httpx.Client:
    browser = server.client(headers={"accept": "text/html"})
    check = "sign-in-check-for-live-tests"
    browser.cookies.set(SIGN_IN_CHECK_COOKIE, check, path="/sign-in")
    answer = browser.post(
        "/sign-in", data={"email": email, "password": PASSWORD, SIGN_IN_CHECK_FIELD: check}
    )
    assert answer.status_code == 303, answer.text
    return browser


def test_parallel_debrief_taps_queue_one_notice_per_coordinator(server: LiveServer) -> None:
    password_hash = hash_password(PASSWORD)

    def people(session: Session) -> tuple[list[str], list[str]]:
        coordinators = [
            make_user(session, roles=(Role.coordinator,)).email for _ in range(COORDINATORS)
        ]
        emails = []
        for _ in range(SUPPORTERS):
            user = make_user(session, roles=(Role.supporter,), password_hash=password_hash)
            make_supporter(session, user=user)
            emails.append(user.email)
        return coordinators, emails

    def baseline(session: Session) -> tuple[int, int]:
        requests = session.exec(select(func.count()).select_from(DebriefRequest)).one()
        last_job = session.exec(select(func.max(Job.id))).one()
        return requests, last_job or 0

    # Counted against what the database held before (other tests share it).
    requests_before, last_job_before = server.seed(baseline)
    coordinators, emails = server.seed(people)
    # Each tap from a device of its own (a page session each), as a person with a phone and a
    # desktop would: requests of one page session already wait for each other.
    browsers = [signed_in(server, email) for email in emails for _ in range(TAPS)]
    tokens = [hidden_value(browser.get("/debrief").text, "csrf_token") for browser in browsers]
    try:
        answers = at_once(
            len(browsers),
            lambda i: browsers[i].post(
                "/debrief", data={"csrf_token": tokens[i], "urgency": "today"}
            ),
        )
    finally:
        for browser in browsers:
            browser.close()

    assert {answer.status_code for answer in answers} == {303}, [a.text for a in answers]

    def counts(session: Session) -> tuple[int, list[str]]:
        requests = session.exec(select(func.count()).select_from(DebriefRequest)).one()
        new_jobs = session.exec(select(Job).where(col(Job.id) > last_job_before))
        return requests - requests_before, [str(job.payload.get("to")) for job in new_jobs]

    new_requests, recipients = server.seed(counts)
    assert new_requests == SUPPORTERS
    # One notice per request to each coordinator: ours each get exactly 3, nobody more.
    assert [recipients.count(email) for email in coordinators] == [SUPPORTERS] * COORDINATORS
    assert max(recipients.count(email) for email in recipients) == SUPPORTERS


def test_parallel_retries_of_a_failed_job_put_it_back_once(server: LiveServer) -> None:
    password_hash = hash_password(PASSWORD)

    def failed_job_and_admin(session: Session) -> tuple[int, str]:
        queue_mail(session, Mail(to="x@hospital.example.org", subject="s", body="b"))
        job_id = session.exec(select(Job.id).order_by(col(Job.id).desc())).first()
        assert job_id is not None
        session.exec(
            update(Job).where(col(Job.id) == job_id)
            .values(status=JobStatus.failed, attempts=8, finished_at=utcnow())
        )  # fmt: skip
        admin = make_user(session, roles=(Role.admin,), password_hash=password_hash)
        return job_id, admin.email

    job_id, admin_email = server.seed(failed_job_and_admin)
    browser = signed_in(server, admin_email)
    try:
        token = hidden_value(browser.get("/admin/mail").text, "csrf_token")
        answers = at_once(
            5, lambda _: browser.post(f"/admin/mail/{job_id}/retry", data={"csrf_token": token})
        )
    finally:
        browser.close()

    assert sorted(answer.status_code for answer in answers) == [303, 409, 409, 409, 409]

    def retried(session: Session) -> tuple[JobStatus, int]:
        job = session.get(Job, job_id)
        assert job is not None
        events = session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "job.retry", AuditEvent.object_id == str(job_id))
        ).one()
        return job.status, events

    assert server.seed(retried) == (JobStatus.pending, 1)
