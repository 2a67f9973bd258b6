"""The coordinators' inbox: debrief requests to answer (assign a trainer, mark done), and who
or what else needs attention (supporters at their monthly cap or flagged for a refresher,
resources due for review). Rows change in place with htmx; without JavaScript each form is a
plain POST and a 303 back here."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import SessionDep
from domain.debriefs.models import DebriefStatus
from domain.debriefs.service import (
    assign_debrief_request,
    close_debrief_request,
    get_debrief_request,
    list_debrief_requests,
    list_trainers,
)
from domain.errors import DomainError, InvalidInput
from domain.inbox.service import (
    resources_due_for_review,
    supporters_at_cap,
    supporters_needing_refresher,
)
from domain.pagination import PageRequest
from domain.types import MAX_ROW_ID
from web.forms import FormValues, whole_number
from web.pages.common import page, redirect_after_post
from web.rendering import is_htmx
from web.session import CheckedVisitor, SignedInVisitor, Visitor

router = APIRouter(include_in_schema=False)
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
After = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]
ROW_TEMPLATE = "inbox_debrief_row.html"
CHOOSE_A_TRAINER = "Choose a trainer."
PAGE_SIZE = 50


def inbox_page(
    request: Request,
    session: Session,
    visitor: Visitor,
    *,
    status_code: int = 200,
    after: dict[str, int | None] | None = None,
    row_errors: dict[int, str] | None = None,
) -> HTMLResponse:
    after = after or {}
    actor = visitor.actor
    debriefs = list_debrief_requests(
        session=session, actor=actor, status=DebriefStatus.open,
        page=PageRequest(PAGE_SIZE, after.get("debriefs")),
    )  # fmt: skip
    context: dict[str, Any] = {
        "debriefs": debriefs,
        "trainers": list_trainers(session=session, actor=actor),
        "at_cap": supporters_at_cap(
            session=session, actor=actor, page=PageRequest(PAGE_SIZE, after.get("at_cap"))
        ),
        "refresher": supporters_needing_refresher(
            session=session, actor=actor, page=PageRequest(PAGE_SIZE, after.get("refresher"))
        ),
        "review": resources_due_for_review(
            session=session, actor=actor, page=PageRequest(PAGE_SIZE, after.get("review"))
        ),
        "row_errors": row_errors or {},
    }
    return page(
        request, session, visitor, "inbox.html", status_code=status_code, active="inbox",
        **context,
    )  # fmt: skip


@router.get("/inbox", response_class=HTMLResponse)
def inbox(
    request: Request,
    session: SessionDep,
    visitor: SignedInVisitor,
    debriefs_after: After = None,
    cap_after: After = None,
    refresher_after: After = None,
    review_after: After = None,
) -> HTMLResponse:
    after = {
        "debriefs": debriefs_after,
        "at_cap": cap_after,
        "refresher": refresher_after,
        "review": review_after,
    }
    return inbox_page(request, session, visitor, after=after)


def _trainer_id(raw: str) -> int:
    number = whole_number(raw, max_digits=18)
    if number is None or number > MAX_ROW_ID:
        raise InvalidInput(CHOOSE_A_TRAINER, field="assigned_to_user_id")
    return number


def answer_row(
    request: Request,
    session: Session,
    visitor: Visitor,
    request_id: int,
    error: DomainError | None,
) -> Response:
    """After a change: htmx gets the row as it is now (with the message, if any); a plain
    browser goes back to the inbox, or sees it again with the message beside the row."""
    status_code = error.status_code if error else 200
    if error is not None and error.status_code in (403, 404):
        raise error
    if is_htmx(request):
        row = get_debrief_request(session=session, actor=visitor.actor, request_id=request_id)
        return page(
            request, session, visitor, ROW_TEMPLATE, status_code=status_code, row=row,
            trainers=list_trainers(session=session, actor=visitor.actor),
            row_errors={request_id: error.message} if error else {},
        )  # fmt: skip
    if error is None:
        return redirect_after_post(request, f"/inbox#debrief-{request_id}")
    return inbox_page(
        request, session, visitor, status_code=status_code,
        row_errors={request_id: error.message},
    )  # fmt: skip


@router.post("/inbox/debriefs/{request_id}/assign", response_class=HTMLResponse)
def assign_submit(
    request: Request,
    session: SessionDep,
    visitor: CheckedVisitor,
    request_id: IdPath,
    form: FormValues,
) -> Response:
    error: DomainError | None = None
    try:
        assign_debrief_request(
            session=session, actor=visitor.actor, request_id=request_id,
            trainer_user_id=_trainer_id(form.first("assigned_to_user_id")),
        )  # fmt: skip
    except DomainError as refused:
        error = refused
    return answer_row(request, session, visitor, request_id, error)


@router.post("/inbox/debriefs/{request_id}/done", response_class=HTMLResponse)
def done_submit(
    request: Request, session: SessionDep, visitor: CheckedVisitor, request_id: IdPath
) -> Response:
    error: DomainError | None = None
    try:
        close_debrief_request(session=session, actor=visitor.actor, request_id=request_id)
    except DomainError as refused:
        error = refused
    return answer_row(request, session, visitor, request_id, error)
