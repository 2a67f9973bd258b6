"""The admin mail queue at desktop size: a failed job retried with a click; axe finds nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import col, select, update

from domain.codes import Role
from domain.columns import utcnow
from domain.db import unit_of_work
from domain.jobs.models import Job, JobStatus
from domain.mail.outbox import Mail, queue_mail
from tests.browser.conftest import LiveServer, screenshot, sign_in_to_workspace
from tests.browser.test_accessibility import violations_report

pytestmark = pytest.mark.browser


def queue_a_failed_mail(live_server: LiveServer, to: str) -> int:
    with unit_of_work(live_server.engine) as session:
        queue_mail(session, Mail(to=to, subject="You are invited", body="a secret link"))
        job_id = session.exec(select(Job.id).order_by(col(Job.id).desc())).first()
        session.exec(
            update(Job)
            .where(col(Job.id) == job_id)
            .values(status=JobStatus.failed, attempts=8, finished_at=utcnow(),
                    last_error="SMTPServerDisconnected: Connection unexpectedly closed")
        )  # fmt: skip
    assert job_id is not None
    return job_id


def test_an_admin_retries_a_failed_mail(desktop_page: Page, live_server: LiveServer) -> None:
    admin = live_server.new_member(Role.admin)
    job_id = queue_a_failed_mail(live_server, "failed.browser@hospital.example.org")
    sign_in_to_workspace(desktop_page, admin)

    desktop_page.goto("/admin/mail")
    expect(desktop_page.get_by_role("heading", level=1)).to_have_text("Mail queue")
    assert violations_report(desktop_page) == ""
    screenshot(desktop_page, "mail-queue.png")

    desktop_page.get_by_role(
        "button", name=f"Retry job {job_id} to failed.browser@hospital.example.org"
    ).click()

    expect(desktop_page.get_by_role("status")).to_have_text(f"Job {job_id} is queued again.")
    with unit_of_work(live_server.engine) as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert job.status == JobStatus.pending
