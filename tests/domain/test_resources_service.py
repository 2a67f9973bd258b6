from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlmodel import Session

from domain.actors import Actor
from domain.codes import ResourceCategory
from domain.columns import utcnow
from domain.encounters.service import log_encounter
from domain.errors import InvalidInput, NotFound, PermissionDenied, RuleViolation
from domain.pagination import PageRequest
from domain.program_settings.service import program_today
from domain.resources import search as search_module
from domain.resources.models import Resource, ResourceCreate, ResourceUpdate
from domain.resources.search import find_resources
from domain.resources.service import (
    CRISIS_CATEGORIES,
    PINNED_CATEGORIES,
    ResourceFilters,
    create_resource,
    delete_resource,
    get_resource,
    is_due_for_review,
    list_resources,
    mark_reviewed,
    to_public,
    update_resource,
)
from tests.factories import (
    ADMIN,
    COORDINATOR,
    REPORT_VIEWER,
    RESOURCE_EDITOR,
    SUPPORTER,
    audit_actions,
    encounter_data,
    make_resource,
    make_supporter,
    supporter_actor,
)

LIFELINE = "988 Suicide & Crisis Lifeline"
PHYSICIAN_LINE = "Physician Support Line"
TEXT_LINE = "Crisis Text Line"
EAP = "Employee Assistance Program (EAP)"
TODAY = utcnow().date()


def titles(db: Session, actor: Actor | None = None, **filters: object) -> list[str]:
    """What the directory's search finds (domain/resources/search.py; its own tests are in
    test_resource_search.py)."""
    found = find_resources(
        session=db,
        actor=actor,
        filters=ResourceFilters(**filters),  # type: ignore[arg-type]
    )
    return [resource.title for resource in found.items]


def new_entry(**values: object) -> ResourceCreate:
    return ResourceCreate.model_validate(
        {"title": "Chaplaincy", "category": "spiritual_care"} | values
    )


def resource_id(resource: Resource) -> int:
    assert resource.id is not None
    return resource.id


# Reading the directory


def test_everyone_sees_the_published_national_entries(db: Session) -> None:
    assert titles(db) == [LIFELINE, PHYSICIAN_LINE, TEXT_LINE]


@pytest.mark.parametrize("actor", [RESOURCE_EDITOR, COORDINATOR])
def test_resource_managers_also_see_drafts(db: Session, actor: Actor) -> None:
    assert EAP in titles(db, actor, include_unpublished=True)


@pytest.mark.parametrize("actor", [None, SUPPORTER, REPORT_VIEWER])
def test_drafts_are_hidden_from_everyone_else(db: Session, actor: Actor | None) -> None:
    draft = make_resource(db, published=False)
    with pytest.raises(PermissionDenied, match="to see unpublished resources"):
        titles(db, actor, include_unpublished=True)
    with pytest.raises(NotFound):
        get_resource(session=db, actor=actor, resource_id=resource_id(draft))


def test_a_published_entry_is_readable_without_signing_in(db: Session) -> None:
    entry = make_resource(db, title="Wellness center")
    assert get_resource(session=db, actor=None, resource_id=resource_id(entry)) is entry


def test_the_audience_filter_keeps_entries_for_everyone_and_for_that_profession(
    db: Session,
) -> None:
    assert titles(db, audience="physician") == [LIFELINE, PHYSICIAN_LINE, TEXT_LINE]
    assert titles(db, audience="nurse") == [LIFELINE, TEXT_LINE]


def test_the_text_search_looks_in_titles_and_descriptions_ignoring_case(db: Session) -> None:
    assert titles(db, text="LIFELINE") == [LIFELINE]
    assert titles(db, text=" psychiatrists ") == [PHYSICIAN_LINE]
    assert titles(db, text="text home") == [TEXT_LINE]
    assert titles(db, text="no such thing") == []


def test_percent_and_underscore_in_a_search_are_no_wildcards(db: Session) -> None:
    make_resource(db, title="Save 100% on childcare", category=ResourceCategory.childcare)
    assert titles(db, text="100%") == ["Save 100% on childcare"]
    assert titles(db, text="1_0") == []
    assert titles(db, text="%") == titles(db, text="_") == titles(db)  # no word: no filter


def test_the_category_filter(db: Session) -> None:
    assert titles(db, category=ResourceCategory.crisis_line) == [LIFELINE, TEXT_LINE]


def test_the_directory_comes_page_by_page(db: Session) -> None:
    first = list_resources(
        session=db, actor=None, filters=ResourceFilters(), page=PageRequest(limit=2)
    )
    assert [r.title for r in first.items] == [LIFELINE, PHYSICIAN_LINE]
    assert first.next_after_id == first.items[1].id
    rest = list_resources(
        session=db,
        actor=None,
        filters=ResourceFilters(),
        page=PageRequest(limit=2, after_id=first.next_after_id),
    )
    assert ([r.title for r in rest.items], rest.next_after_id) == ([TEXT_LINE], None)


# Review


def test_an_entry_never_reviewed_is_due_for_review(db: Session) -> None:
    [eap] = find_resources(
        session=db,
        actor=COORDINATOR,
        filters=ResourceFilters(text="assistance", include_unpublished=True),
    ).items
    assert to_public(eap).due_for_review is True


@pytest.mark.parametrize(
    ("reviewed_on", "today", "due"),
    [
        (date(2025, 11, 26), date(2026, 11, 26), True),  # exactly 12 months
        (date(2025, 11, 27), date(2026, 11, 26), False),
        (date(2024, 6, 1), date(2026, 11, 26), True),
        (date(2025, 2, 28), date(2026, 2, 28), True),
        (date(2025, 3, 1), date(2026, 2, 28), False),
    ],
)
def test_an_entry_is_due_for_review_twelve_months_after_its_last_review(
    reviewed_on: date, today: date, due: bool
) -> None:
    entry = Resource(title="X", category=ResourceCategory.other, last_reviewed_on=reviewed_on)
    assert is_due_for_review(entry, today=today) is due


def test_marking_an_entry_reviewed_clears_due_for_review(db: Session) -> None:
    entry = make_resource(db, last_reviewed_on=TODAY - timedelta(days=400))
    assert to_public(entry).due_for_review is True
    mark_reviewed(session=db, actor=RESOURCE_EDITOR, resource_id=resource_id(entry))
    assert entry.last_reviewed_on == program_today(db)
    assert to_public(entry).due_for_review is False


# Curating


@pytest.mark.parametrize("actor", [RESOURCE_EDITOR, COORDINATOR])
def test_resource_managers_add_an_entry_with_its_audiences(db: Session, actor: Actor) -> None:
    data = new_entry(
        audiences=["physician", "nurse", "physician"],
        url="https://chaplains.example.org/",
        phone="(555) 010-2000",
        published=True,
    )
    entry = create_resource(session=db, actor=actor, data=data)
    public = to_public(entry)
    assert (public.title, public.audiences) == ("Chaplaincy", ["nurse", "physician"])
    assert public.url == "https://chaplains.example.org/"
    assert titles(db, audience="nurse", text="chaplaincy") == ["Chaplaincy"]
    assert titles(db, audience="dentist", text="chaplaincy") == []


@pytest.mark.parametrize("actor", [SUPPORTER, REPORT_VIEWER, ADMIN])
def test_others_cannot_curate_the_directory(db: Session, actor: Actor) -> None:
    entry_id = resource_id(make_resource(db))
    with pytest.raises(PermissionDenied, match="to add resources"):
        create_resource(session=db, actor=actor, data=new_entry())
    with pytest.raises(PermissionDenied, match="to change resources"):
        update_resource(
            session=db, actor=actor, resource_id=entry_id, data=ResourceUpdate(title="X")
        )
    with pytest.raises(PermissionDenied, match="to review resources"):
        mark_reviewed(session=db, actor=actor, resource_id=entry_id)
    with pytest.raises(PermissionDenied, match="to delete resources"):
        delete_resource(session=db, actor=actor, resource_id=entry_id)


def test_an_unknown_audience_code_is_refused(db: Session) -> None:
    with pytest.raises(InvalidInput, match="'astronaut' is not a profession code") as refused:
        create_resource(
            session=db, actor=RESOURCE_EDITOR, data=new_entry(audiences=["nurse", "astronaut"])
        )
    assert refused.value.field == "audiences"
    entry_id = resource_id(make_resource(db))
    with pytest.raises(InvalidInput):
        update_resource(
            session=db,
            actor=RESOURCE_EDITOR,
            resource_id=entry_id,
            data=ResourceUpdate(audiences=["astronaut"]),
        )


@pytest.mark.parametrize(
    "values",
    [
        {"title": "   "},
        {"category": "casino"},
        {"phone": "<script>"},
        {"url": "javascript:alert(1)"},
        {"email": "nobody"},
        {"cost": "priceless"},
        {"rating": 5},
    ],
)
def test_invalid_entries_are_refused_by_the_schema(values: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        new_entry(**values)


def test_an_editor_changes_an_entry_and_its_audiences(db: Session) -> None:
    entry = make_resource(db, phone="555-0100")
    data = ResourceUpdate(title="Wellness hub", audiences=["dentist"], phone=None)
    update_resource(session=db, actor=RESOURCE_EDITOR, resource_id=resource_id(entry), data=data)
    public = to_public(entry)
    assert (public.title, public.audiences, public.phone) == ("Wellness hub", ["dentist"], None)


@pytest.mark.parametrize("name", ["title", "category", "published", "audiences"])
def test_null_for_a_field_that_cannot_be_empty_is_refused(db: Session, name: str) -> None:
    entry_id = resource_id(make_resource(db))
    data = ResourceUpdate.model_validate({name: None})
    with pytest.raises(InvalidInput) as refused:
        update_resource(session=db, actor=RESOURCE_EDITOR, resource_id=entry_id, data=data)
    assert refused.value.field == name


def test_an_unshared_entry_can_be_deleted(db: Session) -> None:
    data = new_entry(audiences=["nurse"])
    entry_id = resource_id(create_resource(session=db, actor=COORDINATOR, data=data))
    delete_resource(session=db, actor=COORDINATOR, resource_id=entry_id)
    with pytest.raises(NotFound):
        get_resource(session=db, actor=COORDINATOR, resource_id=entry_id)


def test_an_entry_shared_in_an_encounter_cannot_be_deleted(db: Session) -> None:
    entry_id = resource_id(make_resource(db))
    supporter = make_supporter(db)
    log_encounter(
        session=db,
        actor=supporter_actor(db, supporter),
        data=encounter_data(resources_shared=[entry_id]),
    )
    with pytest.raises(RuleViolation, match="unpublish it instead"):
        delete_resource(session=db, actor=COORDINATOR, resource_id=entry_id)
    assert get_resource(session=db, actor=None, resource_id=entry_id).id == entry_id


def test_an_edit_that_changes_nothing_writes_nothing(db: Session) -> None:
    entry = make_resource(db, title="Quiet room", phone="555-0100")
    entry.updated_at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    db.add(entry)
    db.flush()
    same = ResourceUpdate(title="Quiet room", phone="555-0100", audiences=[], published=True)
    update_resource(session=db, actor=RESOURCE_EDITOR, resource_id=resource_id(entry), data=same)
    db.refresh(entry)
    assert entry.updated_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert audit_actions(db, object_type="resource", object_id=resource_id(entry)) == []

    changed = ResourceUpdate(title="Quiet room", phone="555-0199")
    update_resource(session=db, actor=RESOURCE_EDITOR, resource_id=resource_id(entry), data=changed)
    db.refresh(entry)
    assert entry.updated_at > datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert audit_actions(db, object_type="resource", object_id=resource_id(entry)) == [
        "resource.change.phone"
    ]


def test_a_second_delete_finds_no_entry(db: Session) -> None:
    entry_id = resource_id(make_resource(db))
    delete_resource(session=db, actor=COORDINATOR, resource_id=entry_id)
    with pytest.raises(NotFound):
        delete_resource(session=db, actor=COORDINATOR, resource_id=entry_id)
    assert audit_actions(db, object_type="resource", object_id=entry_id) == ["resource.delete"]


def test_the_crisis_panel_holds_the_pinned_lines_and_the_eap() -> None:
    assert (ResourceCategory.crisis_line, ResourceCategory.peer_support_line) == PINNED_CATEGORIES
    assert (*PINNED_CATEGORIES, ResourceCategory.eap) == CRISIS_CATEGORIES
    assert search_module.PINNED_CATEGORIES is PINNED_CATEGORIES


@pytest.mark.parametrize("category", ["crisis_line", "peer_support_line", "eap"])
def test_a_crisis_panel_entry_is_published_only_with_a_number_to_call_or_text(
    db: Session, category: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        create_resource(
            session=db, actor=RESOURCE_EDITOR,
            data=new_entry(category=category, published=True),
        )  # fmt: skip
    assert refused.value.field == "phone"
    by_phone = new_entry(category=category, published=True, phone="988")
    by_text = new_entry(category=category, published=True, text_number="741741")
    draft = new_entry(category=category, published=False)
    for data in (by_phone, by_text, draft):
        create_resource(session=db, actor=RESOURCE_EDITOR, data=data)


def test_other_categories_publish_without_a_number(db: Session) -> None:
    create_resource(
        session=db, actor=RESOURCE_EDITOR, data=new_entry(category="wellness", published=True)
    )


def test_a_change_may_not_leave_a_published_crisis_entry_without_a_number(db: Session) -> None:
    """Publishing a draft without a number, or clearing the only number of a published entry,
    is refused and changes nothing; unpublishing first, then clearing, is fine."""
    draft = create_resource(
        session=db, actor=RESOURCE_EDITOR, data=new_entry(category="eap", published=False)
    )
    line = create_resource(
        session=db, actor=RESOURCE_EDITOR,
        data=new_entry(category="crisis_line", published=True, phone="988"),
    )  # fmt: skip
    for entry, change in ((draft, {"published": True}), (line, {"phone": None})):
        with pytest.raises(InvalidInput):
            update_resource(
                session=db, actor=RESOURCE_EDITOR, resource_id=resource_id(entry),
                data=ResourceUpdate.model_validate(change),
            )  # fmt: skip
    assert (draft.published, line.phone) == (False, "988")
    for change in ({"published": False}, {"phone": None}):
        update_resource(
            session=db, actor=RESOURCE_EDITOR, resource_id=resource_id(line),
            data=ResourceUpdate.model_validate(change),
        )  # fmt: skip
    assert (line.published, line.phone) == (False, None)
