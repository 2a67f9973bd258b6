"""The admin mail queue page (/admin/mail): admins only; counts, failed and waiting jobs
without their bodies; Retry is CSRF-protected and audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select, update

from domain.codes import Role
from domain.columns import utcnow
from domain.jobs.models import Job, JobStatus
from domain.mail.outbox import Mail, queue_mail
from tests.factories import events_after, last_event_id, make_supporter, make_user
from tests.web.conftest import HTML, Browser, assert_security_headers, goes_to_sign_in

SECRET_LINK = "http://127.0.0.1:8000/set-password/very-secret-token"


def queue_failed_and_pending(db: Session) -> tuple[Job, Job]:
    queue_mail(db, Mail(to="failed@h.example.org", subject="You are invited", body=SECRET_LINK))
    queue_mail(db, Mail(to="waiting@h.example.org", subject="Tomorrow: session", body="hi"))
    failed, pending = db.exec(select(Job).order_by(col(Job.id).desc()).limit(2)).all()[::-1]
    db.exec(
        update(Job)
        .where(col(Job.id) == failed.id)
        .values(status=JobStatus.failed, attempts=8, last_error="SMTPRecipientsRefused: no",
                finished_at=utcnow())
    )  # fmt: skip
    db.flush()
    db.refresh(failed)
    return failed, pending


@pytest.fixture
def as_admin(db: Session, sign_in: Callable[..., Browser]) -> Browser:
    return sign_in(make_user(db, roles=(Role.admin,)))


def test_admins_see_counts_failed_and_waiting_jobs_but_never_a_body(
    db: Session, as_admin: Browser
) -> None:
    failed, _ = queue_failed_and_pending(db)

    page = as_admin.client.get("/admin/mail", headers=HTML)

    assert page.status_code == 200
    assert_security_headers(page)
    assert page.headers["cache-control"] == "no-store"
    assert 'aria-current="page">Mail queue</a>' in page.text
    assert "failed@h.example.org" in page.text
    assert "SMTPRecipientsRefused: no" in page.text
    assert "waiting@h.example.org" in page.text
    assert f'action="/admin/mail/{failed.id}/retry"' in page.text
    assert SECRET_LINK not in page.text
    assert "very-secret-token" not in page.text


@pytest.mark.parametrize(
    "roles",
    [(Role.coordinator,), (Role.supporter,), (Role.report_viewer,), (Role.resource_editor,)],
)
def test_every_other_role_is_refused(
    db: Session, sign_in: Callable[..., Browser], roles: tuple[Role, ...]
) -> None:
    user = make_user(db, roles=roles)
    if Role.supporter in roles:
        make_supporter(db, user=user)
    failed, _ = queue_failed_and_pending(db)
    browser = sign_in(user)

    assert browser.client.get("/admin/mail", headers=HTML).status_code == 403
    retry = browser.client.post(
        f"/admin/mail/{failed.id}/retry", data=browser.form(), headers=HTML,
        follow_redirects=False,
    )  # fmt: skip
    assert retry.status_code == 403
    db.refresh(failed)
    assert failed.status == JobStatus.failed


def test_signed_out_visitors_go_to_sign_in(client: TestClient) -> None:
    assert goes_to_sign_in(client.get("/admin/mail", headers=HTML, follow_redirects=False))


def test_retry_needs_the_csrf_token(db: Session, as_admin: Browser) -> None:
    failed, _ = queue_failed_and_pending(db)

    for data in ({}, {"csrf_token": "forged"}):
        refused = as_admin.client.post(
            f"/admin/mail/{failed.id}/retry", data=data, headers=HTML, follow_redirects=False
        )
        assert refused.status_code == 403
    db.refresh(failed)
    assert failed.status == JobStatus.failed


def test_retry_queues_the_job_again_and_is_audited(db: Session, as_admin: Browser) -> None:
    failed, _ = queue_failed_and_pending(db)
    before = last_event_id(db)

    answer = as_admin.client.post(
        f"/admin/mail/{failed.id}/retry", data=as_admin.form(), headers=HTML,
        follow_redirects=False,
    )  # fmt: skip

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/admin/mail?retried={failed.id}"
    db.refresh(failed)
    assert (failed.status, failed.attempts, failed.finished_at) == (JobStatus.pending, 0, None)
    assert events_after(db, before) == [
        ("job.retry", f"user:{as_admin.user.id}", "job", str(failed.id), "success")
    ]
    page = as_admin.client.get(answer.headers["location"], headers=HTML)
    assert f"Job {failed.id} is queued again." in page.text

    again = as_admin.client.post(
        f"/admin/mail/{failed.id}/retry", data=as_admin.form(), headers=HTML,
        follow_redirects=False,
    )  # fmt: skip
    assert again.status_code == 409  # not failed any more: said on the page, not an error page
    assert "<h1>Mail queue</h1>" in again.text
    assert '<p class="error" role="alert">This job is not failed' in again.text
    missing = as_admin.client.post(
        "/admin/mail/999999/retry", data=as_admin.form(), headers=HTML, follow_redirects=False
    )
    assert missing.status_code == 404


def test_htmx_retry_answers_with_hx_redirect(db: Session, as_admin: Browser) -> None:
    failed, _ = queue_failed_and_pending(db)

    answer = as_admin.client.post(f"/admin/mail/{failed.id}/retry", headers=as_admin.htmx)

    assert answer.status_code == 204
    assert answer.headers["HX-Redirect"] == f"/admin/mail?retried={failed.id}"


def test_waiting_jobs_are_listed_page_by_page(db: Session, as_admin: Browser) -> None:
    for number in range(51):
        queue_mail(db, Mail(to=f"p{number}@h.example.org", subject="s", body="b"))

    first = as_admin.client.get("/admin/mail", headers=HTML)
    assert "p50@h.example.org" in first.text
    assert "p0@h.example.org" not in first.text
    oldest_shown = db.exec(
        select(Job.id).where(Job.payload["to"].as_string() == "p1@h.example.org")
    ).one()
    assert f"/admin/mail?pending_before={oldest_shown}" in first.text

    second = as_admin.client.get(f"/admin/mail?pending_before={oldest_shown}", headers=HTML)
    assert "p0@h.example.org" in second.text
    assert "p1@h.example.org" not in second.text


def test_a_debrief_asked_on_the_page_queues_a_notice_per_active_coordinator(
    db: Session, client: TestClient, as_supporter: Browser
) -> None:
    coordinators = [make_user(db, roles=(Role.coordinator,)) for _ in range(2)]
    make_user(db, roles=(Role.coordinator,), active=False)
    newest = db.exec(select(func.max(Job.id))).one() or 0

    for urgency in ("this_week", "today"):  # asking again tells nobody again
        answer = client.post(
            "/debrief", data=as_supporter.form(urgency=urgency), follow_redirects=False
        )
        assert answer.status_code == 303

    queued = db.exec(select(Job).where(col(Job.id) > newest).order_by(col(Job.id))).all()
    assert [job.payload["to"] for job in queued] == [user.email for user in coordinators]
    for job in queued:
        assert "A peer supporter asked for a debrief (this week)." in job.payload["body"]
        assert as_supporter.user.display_name not in job.payload["body"]
