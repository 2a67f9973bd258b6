"""The resource directory's curation pages (resource editors and coordinators, desktop and
tablet): the list with each entry's review status, adding and changing entries, publishing,
marking reviewed, deleting, and a preview of an entry as the directory and the embed show it.

Every rule is a domain service's or schema's; this module reads forms and answers pages. The
preview validates what was typed the same way a save does and leaves out what would not pass,
so it never shows a link a save would refuse."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import SessionDep
from domain.codes import Cost, ResourceCategory
from domain.errors import DomainError, InvalidInput
from domain.professions.service import list_professions
from domain.program_settings.service import program_today
from domain.resources.curation import (
    STATUS_NAMES,
    CurationStatus,
    curation_page,
    require_curator,
    status_counts,
)
from domain.resources.models import Resource, ResourceCreate, ResourceUpdate
from domain.resources.search import nothing_found_message
from domain.resources.service import (
    ResourceFilters,
    create_resource,
    delete_resource,
    get_resource,
    is_due_for_review,
    mark_reviewed,
    update_resource,
)
from domain.types import MAX_ROW_ID
from web.forms import (
    FieldAtFault,
    Form,
    FormValues,
    domain_error_messages,
    parse_form,
    whole_number,
)
from web.forms import error_summary as summary_of_errors
from web.pages.common import page, redirect_after_post
from web.session import CheckedVisitor, SignedInVisitor, Visitor

router = APIRouter(include_in_schema=False)
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
PAGE_SIZE = 50
TEXT_FIELDS = ("title", "description", "phone", "text_number", "url", "email", "location",
               "hours", "keywords", "last_reviewed_on")  # fmt: skip
OPTIONAL_FIELDS = ("phone", "text_number", "url", "email", "location", "hours",
                   "last_reviewed_on")  # fmt: skip
CHECKBOXES = ("available_24_7", "confidential", "published")
# The fields in the order the form shows them: the error summary lists them the same way.
FIELD_NAMES = {
    "title": "Title", "category": "Category", "description": "Description",
    "audiences": "Audiences", "keywords": "Keywords and abbreviations", "phone": "Phone",
    "text_number": "Text number", "url": "Web address", "email": "Email", "hours": "Hours",
    "location": "Location", "available_24_7": "Open 24/7", "confidential": "Confidential",
    "cost": "Cost", "published": "Publish", "last_reviewed_on": "Last reviewed",
}  # fmt: skip
DONE = {
    "created": "The entry is added.",
    "saved": "Your changes are saved.",
    "published": "The entry is published: the directory shows it now.",
    "unpublished": "The entry is unpublished: only editors see it now.",
    "reviewed": "Marked reviewed today.",
    "deleted": "The entry is deleted.",
}
UNTITLED = "Untitled entry"


# The list.


@router.get("/curation", response_class=HTMLResponse)
def curation_list(
    request: Request,
    session: SessionDep,
    visitor: SignedInVisitor,
    status: CurationStatus = CurationStatus.all,
    category: ResourceCategory | None = None,
    q: Annotated[str, Query(max_length=100)] = "",
    after: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    require_curator(visitor.actor)
    counts = status_counts(session=session, actor=visitor.actor)
    listed = curation_page(
        session=session, actor=visitor.actor, status=status, category=category, text=q,
        limit=PAGE_SIZE, after=after,
    )  # fmt: skip
    searched = ResourceFilters(category=category, text=q, include_unpublished=True)
    return page(
        request, session, visitor, "curation.html", active="curation", listed=listed,
        nothing_found=nothing_found_message(searched),
        counts=counts, statuses=list(CurationStatus), status_names=STATUS_NAMES, status=status,
        category=category, categories=list(ResourceCategory), q=q, after=after,
        done=DONE.get(request.query_params.get("done", ""), ""),
    )  # fmt: skip


# The form: reading it, and turning it into the schemas.


def values_of_form(form: Form) -> dict[str, Any]:
    """What was typed and chosen, kept as typed, to show back."""
    values: dict[str, Any] = {name: form.first(name).strip() for name in TEXT_FIELDS}
    values["description"] = form.first("description").strip()
    values["category"] = form.first("category")
    values["cost"] = form.first("cost")
    values["audiences"] = form.all("audiences")
    for name in CHECKBOXES:
        values[name] = form.first(name) == "1"
    return values


def values_of(resource: Resource) -> dict[str, Any]:
    return {
        "title": resource.title,
        "description": resource.description,
        "category": resource.category.value,
        "audiences": sorted(row.profession_code for row in resource.audience_rows),
        "keywords": ", ".join(resource.keywords),
        "phone": resource.phone or "",
        "text_number": resource.text_number or "",
        "url": resource.url or "",
        "email": resource.email or "",
        "location": resource.location or "",
        "hours": resource.hours or "",
        "available_24_7": resource.available_24_7,
        "confidential": resource.confidential,
        "cost": resource.cost.value if resource.cost else "",
        "published": resource.published,
        "last_reviewed_on": resource.last_reviewed_on.isoformat()
        if resource.last_reviewed_on
        else "",
    }


def keywords_of(text: str) -> list[str]:
    """One text field, comma-separated: "EAP, sleep, insomnia"."""
    return [word.strip() for word in text.split(",") if word.strip()]


def answers_of(values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """The form's answers in the shape of ResourceCreate (or, editing, ResourceUpdate with
    every field of the form set: an emptied field is cleared, not kept)."""
    answers: dict[str, Any] = {
        "title": values["title"],
        "description": values["description"],
        "category": values["category"] or None,
        "audiences": values["audiences"],
        "keywords": keywords_of(values["keywords"]),
        "available_24_7": values["available_24_7"],
        "confidential": values["confidential"],
        "cost": values["cost"] or None,
    }
    for name in OPTIONAL_FIELDS:
        answers[name] = values[name] or None
    if creating:
        answers["published"] = values["published"]
    else:
        # Publishing and reviewing are actions of their own: a form loaded before someone
        # published or reviewed the entry must not undo that when it is saved.
        del answers["last_reviewed_on"]
    return answers


def required_messages(values: dict[str, Any]) -> dict[str, str]:
    """An edit leaves out nothing, so a blank title must be said here: the update schema
    would read it as "no change"."""
    errors = {}
    if not values["title"]:
        errors["title"] = "Fill this in."
    if not values["category"]:
        errors["category"] = "Choose one."
    return errors


def parse_resource_form(
    values: dict[str, Any], *, creating: bool
) -> tuple[ResourceCreate | ResourceUpdate | None, dict[str, str]]:
    schema: type[ResourceCreate] | type[ResourceUpdate] = (
        ResourceCreate if creating else ResourceUpdate
    )
    data, errors = parse_form(schema, answers_of(values, creating=creating))
    errors = errors | required_messages(values)
    return (data if not errors else None), errors


def preview_of(values: dict[str, Any]) -> ResourceCreate:
    """The entry as typed, for the preview: a field that would not pass is left out (a
    refused `javascript:` address never becomes a link), a missing title says so."""
    answers = answers_of(values, creating=True)
    answers["title"] = answers["title"] or UNTITLED
    answers["category"] = answers["category"] or ResourceCategory.other.value
    answers["audiences"] = []
    for _ in range(2):
        data, errors = parse_form(ResourceCreate, answers)
        if data is not None:
            # The card reads the address as the stored text, as it reads a saved entry's.
            return data.model_copy(update={"url": str(data.url) if data.url else None})
        for name in errors:
            answers.pop(name, None)
        answers.setdefault("title", UNTITLED)
        answers.setdefault("category", ResourceCategory.other.value)
    return ResourceCreate(title=UNTITLED, category=ResourceCategory.other)


def error_summary(errors: dict[str, str]) -> list[FieldAtFault]:
    """The summary at the top, each message after its field's name; a refused delete is said
    beside the Delete button instead."""
    shown = {name: message for name, message in errors.items() if name != "delete"}
    return summary_of_errors(shown, FIELD_NAMES, unanswered={})


def form_page(
    request: Request,
    session: Session,
    visitor: Visitor,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    editing: Resource | None = None,
    status_code: int = 200,
    done: str = "",
    block: str | None = None,
) -> HTMLResponse:
    errors = errors or {}
    chosen = set(values.get("audiences") or [])
    professions = [
        p for p in list_professions(session=session, include_inactive=True)
        if p.active or p.code in chosen
    ]  # fmt: skip
    return page(
        request, session, visitor, "curation_form.html", active="curation", values=values,
        errors=errors, summary=error_summary(errors), editing=editing,
        due=editing is not None and is_due_for_review(editing), preview=preview_of(values),
        categories=list(ResourceCategory), costs=list(Cost), professions=professions,
        status_code=status_code, done=DONE.get(done, ""), block=block,
    )  # fmt: skip


# Adding an entry.


@router.get("/curation/new", response_class=HTMLResponse)
def new_entry_form(request: Request, session: SessionDep, visitor: SignedInVisitor) -> Response:
    require_curator(visitor.actor)
    values = values_of_form(Form({}))
    # Written now, so reviewed now: today in the program's time zone, the day its people live.
    values["last_reviewed_on"] = program_today(session).isoformat()
    return form_page(request, session, visitor, values=values)


@router.post("/curation/new", response_class=HTMLResponse)
def new_entry_submit(
    request: Request, session: SessionDep, visitor: CheckedVisitor, form: FormValues
) -> Response:
    require_curator(visitor.actor)
    values = values_of_form(form)
    data, errors = parse_resource_form(values, creating=True)
    if isinstance(data, ResourceCreate):
        try:
            created = create_resource(session=session, actor=visitor.actor, data=data)
        except DomainError as error:
            if error.status_code in (403, 404):
                raise
            errors = domain_error_messages(error)
        else:
            return redirect_after_post(request, f"/curation/{created.id}?done=created")
    return form_page(request, session, visitor, values=values, errors=errors, status_code=422)


# The preview: the form posted as it is typed (htmx), or with the Preview button (no
# JavaScript). It writes nothing.


@router.post("/curation/preview", response_class=HTMLResponse)
def preview(
    request: Request, session: SessionDep, visitor: CheckedVisitor, form: FormValues
) -> Response:
    require_curator(visitor.actor)
    values = values_of_form(form)
    editing_id = whole_number(form.first("editing"))
    editing = None
    if editing_id is not None and 1 <= editing_id <= MAX_ROW_ID:
        editing = get_resource(session=session, actor=visitor.actor, resource_id=editing_id)
    return form_page(request, session, visitor, values=values, editing=editing, block="preview")


# Changing an entry.


def editing_page(
    request: Request,
    session: Session,
    visitor: Visitor,
    resource: Resource,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return form_page(
        request, session, visitor, values=values_of(resource), editing=resource, errors=errors,
        status_code=status_code, done=request.query_params.get("done", ""),
    )  # fmt: skip


@router.get("/curation/{resource_id}", response_class=HTMLResponse)
def edit_entry_form(
    request: Request, session: SessionDep, visitor: SignedInVisitor, resource_id: IdPath
) -> Response:
    require_curator(visitor.actor)
    resource = get_resource(session=session, actor=visitor.actor, resource_id=resource_id)
    return editing_page(request, session, visitor, resource)


@router.post("/curation/{resource_id}", response_class=HTMLResponse)
def edit_entry_submit(
    request: Request,
    session: SessionDep,
    visitor: CheckedVisitor,
    resource_id: IdPath,
    form: FormValues,
) -> Response:
    require_curator(visitor.actor)
    resource = get_resource(session=session, actor=visitor.actor, resource_id=resource_id)
    values = values_of_form(form)
    values["published"] = resource.published  # publishing is its own action
    data, errors = parse_resource_form(values, creating=False)
    if isinstance(data, ResourceUpdate):
        try:
            update_resource(
                session=session, actor=visitor.actor, resource_id=resource_id, data=data
            )
        except DomainError as error:
            if error.status_code in (403, 404):
                raise
            errors = domain_error_messages(error)
        else:
            return redirect_after_post(request, f"/curation/{resource_id}?done=saved")
    return form_page(
        request, session, visitor, values=values, errors=errors, editing=resource,
        status_code=422,
    )  # fmt: skip


# Actions: one POST each, a redirect back with a notice.


@router.post("/curation/{resource_id}/publish", response_class=HTMLResponse)
def publish(
    request: Request, session: SessionDep, visitor: CheckedVisitor, resource_id: IdPath
) -> Response:
    return _set_published(request, session, visitor, resource_id, published=True)


@router.post("/curation/{resource_id}/unpublish", response_class=HTMLResponse)
def unpublish(
    request: Request, session: SessionDep, visitor: CheckedVisitor, resource_id: IdPath
) -> Response:
    return _set_published(request, session, visitor, resource_id, published=False)


def _set_published(
    request: Request, session: Session, visitor: Visitor, resource_id: int, *, published: bool
) -> Response:
    require_curator(visitor.actor)
    try:
        update_resource(
            session=session, actor=visitor.actor, resource_id=resource_id,
            data=ResourceUpdate(published=published),
        )  # fmt: skip
    except InvalidInput as refused:
        # Nothing was written (the rule is checked first): the entry's page with the message.
        resource = get_resource(session=session, actor=visitor.actor, resource_id=resource_id)
        return editing_page(
            request, session, visitor, resource, errors=domain_error_messages(refused),
            status_code=422,
        )  # fmt: skip
    done = "published" if published else "unpublished"
    return redirect_after_post(request, f"/curation/{resource_id}?done={done}")


@router.post("/curation/{resource_id}/review", response_class=HTMLResponse)
def review(
    request: Request, session: SessionDep, visitor: CheckedVisitor, resource_id: IdPath
) -> Response:
    require_curator(visitor.actor)
    mark_reviewed(session=session, actor=visitor.actor, resource_id=resource_id)
    return redirect_after_post(request, f"/curation/{resource_id}?done=reviewed")


@router.post("/curation/{resource_id}/delete", response_class=HTMLResponse)
def delete(
    request: Request, session: SessionDep, visitor: CheckedVisitor, resource_id: IdPath
) -> Response:
    require_curator(visitor.actor)
    try:
        delete_resource(session=session, actor=visitor.actor, resource_id=resource_id)
    except DomainError as error:
        if error.status_code in (403, 404):
            raise
        resource = get_resource(session=session, actor=visitor.actor, resource_id=resource_id)
        return editing_page(
            request, session, visitor, resource, errors={"delete": error.message},
            status_code=error.status_code,
        )  # fmt: skip
    return redirect_after_post(request, "/curation?done=deleted")
