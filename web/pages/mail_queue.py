"""Workspace page for admins: the mail queue (background jobs). Counts by status, the failed
jobs with a Retry button, and the jobs waiting. It shows who a mail is for and its subject,
never its body: a body may hold a set-password link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import SessionDep
from domain.errors import DomainError
from domain.jobs.models import JobStatus
from domain.jobs.service import count_jobs_by_status, list_jobs, retry_job
from domain.pagination import PageRequest
from domain.types import MAX_ROW_ID
from web.forms import whole_number
from web.pages.common import page, redirect_after_post
from web.session import CheckedVisitor, SignedInVisitor, Visitor

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
RowQuery = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]


@router.get("/admin/mail", response_class=HTMLResponse)
def mail_queue(
    request: Request,
    session: SessionDep,
    visitor: SignedInVisitor,
    failed_before: RowQuery = None,
    pending_before: RowQuery = None,
) -> HTMLResponse:
    return mail_queue_page(
        request, session, visitor, failed_before=failed_before, pending_before=pending_before
    )


def mail_queue_page(
    request: Request,
    session: Session,
    visitor: Visitor,
    *,
    failed_before: int | None = None,
    pending_before: int | None = None,
    job_errors: dict[int, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    actor = visitor.actor
    counts = count_jobs_by_status(session=session, actor=actor)
    failed = list_jobs(
        session=session, actor=actor, status=JobStatus.failed,
        page=PageRequest(limit=PAGE_SIZE, after_id=failed_before),
    )  # fmt: skip
    pending = list_jobs(
        session=session, actor=actor, status=JobStatus.pending,
        page=PageRequest(limit=PAGE_SIZE, after_id=pending_before),
    )  # fmt: skip
    job_errors = job_errors or {}
    listed = {job.id for job in failed.items}
    return page(
        request, session, visitor, "mail_queue.html", active="mail", counts=counts,
        statuses=list(JobStatus), failed=failed, pending=pending,
        retried=whole_number(request.query_params.get("retried", "")),
        job_errors=job_errors,
        unlisted_errors=[message for job_id, message in job_errors.items() if job_id not in listed],
        status_code=status_code,
    )  # fmt: skip


@router.post("/admin/mail/{job_id}/retry", response_class=HTMLResponse)
def retry_submit(
    request: Request,
    session: SessionDep,
    visitor: CheckedVisitor,
    job_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
) -> Response:
    """A refusal (the job was retried already, say) is shown beside the job's Retry button, or
    above the failed jobs when the job is no longer among them."""
    try:
        retry_job(session=session, actor=visitor.actor, job_id=job_id)
    except DomainError as error:
        if error.status_code in (403, 404):
            raise
        return mail_queue_page(
            request, session, visitor, job_errors={job_id: error.message},
            status_code=error.status_code,
        )  # fmt: skip
    return redirect_after_post(request, f"/admin/mail?retried={job_id}")
