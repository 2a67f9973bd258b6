"""The supporter's pages: home, the encounter guide, logging and changing encounters,
resources, sessions and asking for a debrief. Every rule is a domain service's."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import SessionDep
from domain import guide
from domain.codes import ResourceCategory
from domain.columns import utcnow
from domain.debriefs.models import DebriefUrgency
from domain.debriefs.service import (
    debrief_state_for_supporter,
    has_open_request,
    request_debrief,
    should_prompt_debrief,
)
from domain.encounters.models import Encounter, EncounterCreate, EncounterPublic, EncounterUpdate
from domain.encounters.service import (
    EncounterFilters,
    delete_encounter,
    get_own_encounter,
    is_editable,
    list_encounters,
    to_public,
    update_encounter,
)
from domain.errors import DomainError, PermissionDenied
from domain.idempotency.service import KeyInProgress, KeyUsedForAnotherRequest
from domain.kept_forms.service import (
    DEBRIEF_ADDRESS,
    LOG_ADDRESS,
    discard_kept_form,
    edit_address,
    kept_form_for,
)
from domain.pagination import MAX_LIMIT, PageRequest
from domain.program_settings.service import program_today
from domain.resources.search import find_resources, nothing_found_message
from domain.resources.service import ResourceFilters
from domain.sessions.service import attendance_of_supporter, upcoming_program_sessions
from domain.supporters.models import Supporter, SupporterUpdate
from domain.supporters.service import month_bounds, monthly_workload, update_supporter
from domain.types import MAX_ROW_ID
from web.encounter_form import (
    CHOOSE_ONE,
    UNANSWERED_MESSAGES,
    as_form_fields,
    encounter_values,
    fresh_log_values,
    log_form_context,
)
from web.forms import FormValues, domain_error_messages, parse_form
from web.pages.common import page, redirect_after_post
from web.rendering import is_htmx
from web.saving_once import (
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_KEY_FIELD,
    KEY_REFUSED,
    OUTBOX_OWNER,
    OWNER_REFUSED,
    STALE_DEBRIEF,
    STALE_FORM,
    forget_kept_log_with_key,
    forget_restored_form,
    idempotency_key_of,
    kept_answers,
    log_once,
    posted_kept_form_id,
    restored_from,
)
from web.session import CheckedVisitor, SignedInVisitor, Visitor, csrf_sent

router = APIRouter(include_in_schema=False)
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
ENCOUNTER_LOGGED = "encounter-logged"


def require_supporter(visitor: Visitor) -> Supporter:
    if not visitor.is_supporter or visitor.supporter is None:
        raise PermissionDenied("These pages are for peer supporters.")
    return visitor.supporter


def month_summary(session: Session, visitor: Visitor, supporter: Supporter) -> dict[str, Any]:
    today = program_today(session)
    start, _ = month_bounds(today)
    filters = EncounterFilters(occurred_from=start, own_only=True)
    listed = list_encounters(
        session=session, actor=visitor.actor, filters=filters, page=PageRequest(limit=60)
    )
    return {
        "workload": monthly_workload(session, supporter, today),
        "month_encounters": [to_public(row) for row in listed.items],
        "month_label": today.strftime("%B %Y"),
    }


def supporter_home(request: Request, session: Session, visitor: Visitor) -> HTMLResponse:
    if not visitor.is_supporter or visitor.supporter is None:
        return page(request, session, visitor, "home_member.html", active="home")
    supporter = visitor.supporter
    upcoming = upcoming_program_sessions(session=session, actor=visitor.actor, limit=1)
    return page(
        request, session, visitor, "home_supporter.html", active="home",
        next_session=upcoming[0] if upcoming else None,
        debrief_prompt=should_prompt_debrief(session, supporter),
        debrief_state=debrief_state_for_supporter(session, supporter),
        **month_summary(session, visitor, supporter),
    )  # fmt: skip


@router.get("/supporter", response_class=HTMLResponse)
def supporter_home_page(
    request: Request, session: SessionDep, visitor: SignedInVisitor
) -> HTMLResponse:
    """The supporter home at its own address: for people whose `/` is another role's home
    (a coordinator who supports too)."""
    require_supporter(visitor)
    return supporter_home(request, session, visitor)


@router.post("/availability", response_class=HTMLResponse)
def availability_submit(
    request: Request, session: SessionDep, visitor: CheckedVisitor, form: FormValues
) -> Response:
    """A supporter says whether they take new requests now (reaching the monthly cap turns
    it off; the supporter turns it back on when ready)."""
    supporter = require_supporter(visitor)
    assert supporter.id is not None
    data = SupporterUpdate(available=form.first("available") == "yes")
    update_supporter(session=session, actor=visitor.actor, supporter_id=supporter.id, data=data)
    return redirect_after_post(request, "/")


@router.get("/guide", response_class=HTMLResponse)
def guide_page(request: Request, session: SessionDep, visitor: SignedInVisitor) -> HTMLResponse:
    return page(
        request, session, visitor, "guide.html", active="guide", steps=guide.STEPS,
        listening_blocks=guide.LISTENING_BLOCKS, red_flags=guide.RED_FLAGS,
        escalation_path=guide.ESCALATION_PATH,
    )  # fmt: skip


# Logging an encounter.


def log_page(
    request: Request, session: Session, visitor: Visitor, supporter: Supporter, **context: Any
) -> HTMLResponse:
    today = program_today(session)
    values = context.pop("values", None) or fresh_log_values(today)
    errors = context.pop("errors", {})
    return page(
        request, session, visitor, "log.html", active="log", values=values,
        errors=errors, **log_form_context(session, visitor, values, errors),
        fresh_answers=as_form_fields(fresh_log_values(today)),
        # What an unanswered required field says, for the outbox to check before it keeps a
        # log saved offline: the server's words, written once (UNANSWERED_MESSAGES).
        # (pairs, in the form's order: a JSON object would come out sorted by name)
        unanswered_messages=list(UNANSWERED_MESSAGES.items()),
        **month_summary(session, visitor, supporter), **context,
    )  # fmt: skip


@router.get("/log", response_class=HTMLResponse)
def log_form(request: Request, session: SessionDep, visitor: SignedInVisitor) -> HTMLResponse:
    supporter = require_supporter(visitor)
    logged = request.query_params.get("logged") == "1"
    # A form posted after the session ended comes back as it was, for the person to check.
    kept = kept_form_for(session=session, actor=visitor.actor, address=LOG_ADDRESS)
    answers = kept_answers(kept) if kept else None
    return log_page(
        request, session, visitor, supporter, logged=logged, fresh_form=kept is None,
        values=encounter_values(answers) if answers else None, kept_form=kept,
        kept_address=LOG_ADDRESS, kept_form_id=kept.id if kept else None,
        idempotency_key=answers.first(IDEMPOTENCY_KEY_FIELD) if answers else "",
    )  # fmt: skip


@router.post("/log", response_class=HTMLResponse)
def log_submit(
    request: Request, session: SessionDep, visitor: SignedInVisitor, form: FormValues
) -> Response:
    """Log an encounter. With an Idempotency-Key (the phone's outbox sends one, and so does
    every htmx Save; a restored form carries its own as a field) the same key logs at most
    once: a retry after a dropped connection gets the same confirmation and makes no second
    encounter. A form sent with an earlier session's CSRF token comes back to be confirmed."""
    supporter = require_supporter(visitor)
    owner = request.headers.get(OUTBOX_OWNER)
    if owner is not None and owner != str(visitor.user.id):
        # Saved on this phone by someone else: never logged under this session's person.
        return log_page(
            request, session, visitor, supporter, errors={"form": OWNER_REFUSED},
            status_code=403, block="log_form", headers={"X-Outbox-Refused": "owner"},
        )  # fmt: skip
    values = encounter_values(form)
    key = idempotency_key_of(request, form)
    if not csrf_sent(request, form, visitor.web_session):
        return log_page(
            request, session, visitor, supporter, values=values, errors={"form": STALE_FORM},
            status_code=403, block="log_form", idempotency_key=form.first(IDEMPOTENCY_KEY_FIELD),
            kept_form=restored_from(session, visitor, LOG_ADDRESS, form),
            kept_address=LOG_ADDRESS, kept_form_id=posted_kept_form_id(form),
        )  # fmt: skip
    data, errors = parse_form(
        EncounterCreate, values, missing=CHOOSE_ONE, unanswered=UNANSWERED_MESSAGES
    )
    form_key = form.first(IDEMPOTENCY_KEY_FIELD)
    if data is not None:
        try:
            logged = log_once(session, visitor, data, key=key)
        except KeyInProgress:
            raise  # 409 with Retry-After: the first request's answer is on its way
        except KeyUsedForAnotherRequest:
            errors = {"form": KEY_REFUSED}
            form_key = ""  # used: a save from here on is a new encounter, with a new key
        except DomainError as error:
            errors = domain_error_messages(error)
            if error.field == IDEMPOTENCY_KEY:  # a malformed key: above the form, not a field
                errors = {"form": error.message}
                form_key = ""
        else:
            forget_restored_form(session, visitor, form)
            forget_kept_log_with_key(session, visitor, key)
            if not is_htmx(request):
                return redirect_after_post(request, "/log?logged=1")
            return page(
                request, session, visitor, "log_done.html", block="confirmation",
                headers={"HX-Trigger": ENCOUNTER_LOGGED}, workload=logged.workload,
                debrief_prompt=logged.debrief_prompt,
            )  # fmt: skip
    # Invalid: the form again, with each message beside its field and every answer kept (and
    # the notice of a kept form, which stays until a save succeeds or it is discarded).
    return log_page(
        request, session, visitor, supporter, values=values, errors=errors, status_code=422,
        block="log_form", kept_form=restored_from(session, visitor, LOG_ADDRESS, form),
        kept_address=LOG_ADDRESS, kept_form_id=posted_kept_form_id(form),
        idempotency_key=form_key,
    )  # fmt: skip


@router.get("/month", response_class=HTMLResponse)
def this_month(request: Request, session: SessionDep, visitor: SignedInVisitor) -> HTMLResponse:
    """This month's count and list: the fragment that refreshes when an encounter is logged."""
    supporter = require_supporter(visitor)
    return page(
        request, session, visitor, "_month.html", **month_summary(session, visitor, supporter)
    )


# My encounters: list, change, delete.


@router.get("/encounters", response_class=HTMLResponse)
def my_encounters(
    request: Request,
    session: SessionDep,
    visitor: SignedInVisitor,
    before: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> HTMLResponse:
    require_supporter(visitor)
    listed = list_encounters(
        session=session, actor=visitor.actor, filters=EncounterFilters(own_only=True),
        page=PageRequest(limit=50, after_id=before),
    )  # fmt: skip
    encounters = [to_public(row) for row in listed.items]
    return page(
        request, session, visitor, "encounters.html", active="encounters",
        months=group_by_month(encounters), older=listed.next_after_id,
        editable_ids={row.id for row in listed.items if is_editable(row)},
    )  # fmt: skip


def group_by_month(encounters: list[EncounterPublic]) -> list[tuple[str, list[EncounterPublic]]]:
    """Months newest first, each newest first by date: an encounter logged late for an
    earlier day goes to its own month, not to the top of the list."""
    months: dict[date, list[EncounterPublic]] = {}
    for encounter in sorted(encounters, key=lambda e: (e.occurred_on, e.id), reverse=True):
        months.setdefault(encounter.occurred_on.replace(day=1), []).append(encounter)
    return [(first.strftime("%B %Y"), rows) for first, rows in months.items()]


def _own_encounter(visitor: Visitor, session: Session, encounter_id: int) -> Encounter:
    require_supporter(visitor)
    return get_own_encounter(session, visitor.actor, encounter_id)


@router.get("/encounters/{encounter_id}/edit", response_class=HTMLResponse)
def edit_form(
    request: Request, session: SessionDep, visitor: SignedInVisitor, encounter_id: IdPath
) -> HTMLResponse:
    row = _own_encounter(visitor, session, encounter_id)
    encounter = to_public(row)
    address = edit_address(encounter_id)
    kept = kept_form_for(session=session, actor=visitor.actor, address=address)
    values = encounter_values(kept_answers(kept)) if kept else encounter.model_dump()
    return page(
        request, session, visitor, "edit.html", active="encounters", encounter=encounter,
        values=values, errors={}, too_late=not is_editable(row), kept_form=kept,
        kept_address=address, kept_form_id=kept.id if kept else None,
        **log_form_context(session, visitor, values, {}),
    )  # fmt: skip


@router.post("/encounters/{encounter_id}/edit", response_class=HTMLResponse)
def edit_submit(
    request: Request,
    session: SessionDep,
    visitor: SignedInVisitor,
    encounter_id: IdPath,
    form: FormValues,
) -> Response:
    encounter = to_public(_own_encounter(visitor, session, encounter_id))
    values = encounter_values(form)
    address = edit_address(encounter_id)
    if not csrf_sent(request, form, visitor.web_session):
        return page(
            request, session, visitor, "edit.html", status_code=403, active="encounters",
            encounter=encounter, values=values, errors={"form": STALE_FORM}, too_late=False,
            kept_form=restored_from(session, visitor, address, form), kept_address=address,
            kept_form_id=posted_kept_form_id(form),
            **log_form_context(session, visitor, values, {"form": STALE_FORM}),
        )  # fmt: skip
    data, errors = parse_form(
        EncounterUpdate, values, missing=CHOOSE_ONE, unanswered=UNANSWERED_MESSAGES
    )
    if data is not None:
        try:
            update_encounter(
                session=session, actor=visitor.actor, encounter_id=encounter_id, data=data
            )
        except DomainError as error:
            errors = domain_error_messages(error)
        else:
            forget_restored_form(session, visitor, form)
            return redirect_after_post(request, "/encounters?changed=1")
    # The notice of a kept form stays until a save succeeds or it is discarded.
    return page(
        request, session, visitor, "edit.html", status_code=422, active="encounters",
        encounter=encounter, values=values, errors=errors, too_late=False,
        kept_form=restored_from(session, visitor, address, form), kept_address=address,
        kept_form_id=posted_kept_form_id(form),
        **log_form_context(session, visitor, values, errors),
    )  # fmt: skip


@router.get("/encounters/{encounter_id}/delete", response_class=HTMLResponse)
def delete_confirmation(
    request: Request, session: SessionDep, visitor: SignedInVisitor, encounter_id: IdPath
) -> HTMLResponse:
    row = _own_encounter(visitor, session, encounter_id)
    return page(
        request, session, visitor, "delete.html", active="encounters", encounter=to_public(row),
        too_late=not is_editable(row),
    )  # fmt: skip


@router.post("/encounters/{encounter_id}/delete", response_class=HTMLResponse)
def delete_submit(
    request: Request, session: SessionDep, visitor: CheckedVisitor, encounter_id: IdPath
) -> Response:
    require_supporter(visitor)
    delete_encounter(session=session, actor=visitor.actor, encounter_id=encounter_id)
    return redirect_after_post(request, "/encounters?deleted=1")


# Resources, sessions, debriefs.


@router.get("/resources", response_class=HTMLResponse)
def resources_page(
    request: Request,
    session: SessionDep,
    visitor: SignedInVisitor,
    q: Annotated[str | None, Query(max_length=100)] = None,
    # "All categories" in the search form sends `category=`.
    category: ResourceCategory | Literal[""] | None = None,
    # The key to continue after, from the previous page's "More" link.
    after: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    filters = ResourceFilters(category=category or None, text=q or None)
    found = find_resources(
        session=session, actor=None, filters=filters, limit=MAX_LIMIT, after=after or None
    )
    return page(
        request, session, visitor, "resources.html", block="results", active="resources",
        resources=found.items, next_after=found.next_after, q=q or "", category=category,
        categories=list(ResourceCategory), nothing_found=nothing_found_message(filters),
    )  # fmt: skip


@router.get("/sessions", response_class=HTMLResponse)
def sessions_page(request: Request, session: SessionDep, visitor: SignedInVisitor) -> HTMLResponse:
    supporter = require_supporter(visitor)
    assert supporter.id is not None
    upcoming = upcoming_program_sessions(session=session, actor=visitor.actor, limit=10)
    record = attendance_of_supporter(
        session=session, actor=visitor.actor, supporter_id=supporter.id
    )
    past = [(held, attendance) for held, attendance in record if held.starts_at <= utcnow()]
    return page(
        request, session, visitor, "sessions.html", active="home", upcoming=upcoming,
        record=past, attended=sum(1 for _, a in past if a.status == "attended"),
    )  # fmt: skip


@router.get("/debrief", response_class=HTMLResponse)
def debrief_page(request: Request, session: SessionDep, visitor: SignedInVisitor) -> HTMLResponse:
    require_supporter(visitor)
    kept = kept_form_for(session=session, actor=visitor.actor, address=DEBRIEF_ADDRESS)
    kept_urgency = kept_answers(kept).first("urgency") if kept else ""
    return page(
        request, session, visitor, "debrief.html", active="home",
        requested=has_open_request(session, visitor.actor),
        sent=request.query_params.get("sent") == "1", kept_form=kept,
        kept_address=DEBRIEF_ADDRESS, kept_urgency=kept_urgency,
    )  # fmt: skip


@router.post("/debrief", response_class=HTMLResponse)
def debrief_submit(
    request: Request, session: SessionDep, visitor: SignedInVisitor, form: FormValues
) -> Response:
    require_supporter(visitor)
    urgency = form.first("urgency")
    if not csrf_sent(request, form, visitor.web_session):
        return page(
            request, session, visitor, "debrief.html", status_code=403, active="home",
            requested=False, sent=False, error=STALE_DEBRIEF,
        )  # fmt: skip
    if urgency not in DebriefUrgency.__members__:
        kept = kept_form_for(session=session, actor=visitor.actor, address=DEBRIEF_ADDRESS)
        return page(
            request, session, visitor, "debrief.html", status_code=422, active="home",
            requested=False, sent=False, error="Choose when you would like the debrief.",
            kept_form=kept, kept_address=DEBRIEF_ADDRESS,
        )  # fmt: skip
    request_debrief(session=session, actor=visitor.actor, urgency=DebriefUrgency(urgency))
    discard_kept_form(session=session, actor=visitor.actor, address=DEBRIEF_ADDRESS)
    return redirect_after_post(request, "/debrief?sent=1")
