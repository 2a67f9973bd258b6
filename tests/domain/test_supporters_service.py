from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlmodel import Session

from domain.actors import Actor
from domain.codes import Role, SupporterStatus
from domain.columns import utcnow
from domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from domain.pagination import PageRequest
from domain.program_settings.models import ProgramSettingsUpdate
from domain.program_settings.service import update_program_settings
from domain.supporters.models import SupporterCreate, SupporterUpdate
from domain.supporters.service import (
    SupporterFilters,
    create_supporter,
    display_names,
    get_supporter,
    list_supporters,
    update_supporter,
)
from tests.factories import (
    ADMIN,
    COORDINATOR,
    REPORT_VIEWER,
    RESOURCE_EDITOR,
    SUPPORTER,
    audit_actions,
    make_org_unit,
    make_supporter,
    make_user,
    supporter_actor,
)

TODAY = utcnow().date()


def new_profile(db: Session, **values: object) -> SupporterCreate:
    user = make_user(db, roles=(Role.supporter,))
    return SupporterCreate.model_validate(
        {"user_id": user.id, "profession_code": "pharmacist"} | values
    )


def change(db: Session, actor: Actor, supporter_id: int | None, **values: object) -> None:
    assert supporter_id is not None
    data = SupporterUpdate.model_validate(values)
    update_supporter(session=db, actor=actor, supporter_id=supporter_id, data=data)


# Adding supporters


@pytest.mark.parametrize("actor", [COORDINATOR, ADMIN])
def test_program_managers_add_a_candidate_with_the_default_cap(db: Session, actor: Actor) -> None:
    unit = make_org_unit(db)
    supporter = create_supporter(session=db, actor=actor, data=new_profile(db, org_unit_id=unit.id))
    assert supporter.status == SupporterStatus.candidate
    assert supporter.max_encounters_per_month == 8
    assert (supporter.available, supporter.needs_refresher) == (True, False)
    assert supporter.org_unit_id == unit.id
    assert audit_actions(db, object_type="supporter", object_id=supporter.id) == [
        "supporter.create"
    ]


def test_the_default_cap_comes_from_the_program_settings(db: Session) -> None:
    update_program_settings(
        session=db, actor=ADMIN, data=ProgramSettingsUpdate(default_monthly_cap=5)
    )
    supporter = create_supporter(session=db, actor=COORDINATOR, data=new_profile(db))
    assert supporter.max_encounters_per_month == 5


def test_a_cap_given_on_creation_is_kept(db: Session) -> None:
    data = new_profile(db, max_encounters_per_month=12)
    assert create_supporter(session=db, actor=COORDINATOR, data=data).max_encounters_per_month == 12


def test_a_trained_supporter_may_start_active(db: Session) -> None:
    data = new_profile(db, status="active", trained_on=TODAY - timedelta(days=3))
    supporter = create_supporter(session=db, actor=COORDINATOR, data=data)
    assert supporter.status == SupporterStatus.active


def test_an_active_supporter_needs_a_training_date(db: Session) -> None:
    with pytest.raises(InvalidInput, match="only after the initial training") as refused:
        create_supporter(session=db, actor=COORDINATOR, data=new_profile(db, status="active"))
    assert refused.value.field == "trained_on"


def test_a_training_date_in_the_future_is_refused(db: Session) -> None:
    data = new_profile(db, trained_on=TODAY + timedelta(days=2))
    with pytest.raises(InvalidInput, match="cannot be in the future") as refused:
        create_supporter(session=db, actor=COORDINATOR, data=data)
    assert refused.value.field == "trained_on"


def test_a_user_has_at_most_one_supporter_profile(db: Session) -> None:
    existing = make_supporter(db)
    data = SupporterCreate(user_id=existing.user_id, profession_code="nurse")
    with pytest.raises(Conflict, match="has a supporter profile already") as refused:
        create_supporter(session=db, actor=COORDINATOR, data=data)
    assert refused.value.field == "user_id"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"user_id": 999_999}, "user_id"),
        ({"profession_code": "astronaut"}, "profession_code"),
        ({"org_unit_id": 999_999}, "org_unit_id"),
    ],
)
def test_unknown_references_are_refused(db: Session, values: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        create_supporter(session=db, actor=COORDINATOR, data=new_profile(db, **values))
    assert refused.value.field == field


@pytest.mark.parametrize("cap", [0, 61])
def test_a_cap_out_of_range_is_refused_by_the_schema(cap: int) -> None:
    with pytest.raises(ValidationError):
        SupporterCreate(user_id=1, profession_code="nurse", max_encounters_per_month=cap)


@pytest.mark.parametrize("actor", [SUPPORTER, REPORT_VIEWER, RESOURCE_EDITOR])
def test_others_cannot_add_supporters_or_see_the_roster(db: Session, actor: Actor) -> None:
    with pytest.raises(PermissionDenied, match="to add supporters"):
        create_supporter(session=db, actor=actor, data=new_profile(db))
    with pytest.raises(PermissionDenied, match="to see the roster"):
        list_supporters(session=db, actor=actor, filters=SupporterFilters(), page=PageRequest())


# Reading profiles


def test_a_supporter_reads_their_own_profile_but_not_anothers(db: Session) -> None:
    mine, theirs = make_supporter(db), make_supporter(db)
    me = supporter_actor(db, mine)
    assert mine.id is not None
    assert theirs.id is not None
    assert get_supporter(session=db, actor=me, supporter_id=mine.id) is mine
    with pytest.raises(NotFound, match=f"no supporter {theirs.id}"):
        get_supporter(session=db, actor=me, supporter_id=theirs.id)


def test_a_coordinator_reads_any_profile(db: Session) -> None:
    supporter = make_supporter(db)
    assert supporter.id is not None
    assert get_supporter(session=db, actor=COORDINATOR, supporter_id=supporter.id) is supporter


def test_the_roster_filters_by_status_profession_and_org_unit(db: Session) -> None:
    unit = make_org_unit(db)
    paused = make_supporter(db, status=SupporterStatus.paused)
    pharmacist = make_supporter(db, profession_code="pharmacist")
    in_unit = make_supporter(db, org_unit_id=unit.id)

    def roster(**filters: object) -> list[int | None]:
        page = list_supporters(
            session=db,
            actor=COORDINATOR,
            filters=SupporterFilters(**filters),  # type: ignore[arg-type]
            page=PageRequest(),
        )
        return [supporter.id for supporter in page.items]

    assert roster(status=SupporterStatus.paused) == [paused.id]
    assert roster(profession_code="pharmacist") == [pharmacist.id]
    assert roster(org_unit_id=unit.id) == [in_unit.id]


def test_the_roster_comes_page_by_page(db: Session) -> None:
    ids = [make_supporter(db).id for _ in range(3)]
    first = list_supporters(
        session=db, actor=COORDINATOR, filters=SupporterFilters(), page=PageRequest(limit=2)
    )
    assert [s.id for s in first.items] == ids[:2]
    assert first.next_after_id == ids[1]
    rest = list_supporters(
        session=db,
        actor=COORDINATOR,
        filters=SupporterFilters(),
        page=PageRequest(after_id=first.next_after_id),
    )
    assert ([s.id for s in rest.items], rest.next_after_id) == (ids[2:], None)


def test_display_names_come_from_the_users(db: Session) -> None:
    user = make_user(db, roles=(Role.supporter,), display_name="Dana Ruiz")
    supporter = make_supporter(db, user=user)
    assert display_names(db, [supporter]) == {user.id: "Dana Ruiz"}
    assert display_names(db, []) == {}


# Changing profiles


def test_a_supporter_changes_their_own_availability(db: Session) -> None:
    supporter = make_supporter(db)
    change(db, supporter_actor(db, supporter), supporter.id, available=False)
    assert supporter.available is False
    assert audit_actions(db, object_type="supporter", object_id=supporter.id) == [
        "supporter.change.available"
    ]


@pytest.mark.parametrize(
    "values",
    [
        {"status": "paused"},
        {"max_encounters_per_month": 20},
        {"needs_refresher": False},
        {"profession_code": "physician"},
        {"available": True, "trained_on": "2026-01-05"},
    ],
)
def test_a_supporter_changes_nothing_else_on_their_profile(
    db: Session, values: dict[str, object]
) -> None:
    supporter = make_supporter(db)
    with pytest.raises(PermissionDenied, match="only your own availability"):
        change(db, supporter_actor(db, supporter), supporter.id, **values)
    assert supporter.status == SupporterStatus.active


def test_a_supporter_cannot_change_anothers_profile(db: Session) -> None:
    mine, theirs = make_supporter(db), make_supporter(db)
    with pytest.raises(NotFound):
        change(db, supporter_actor(db, mine), theirs.id, available=False)
    assert theirs.available is True


@pytest.mark.parametrize("actor", [REPORT_VIEWER, RESOURCE_EDITOR])
def test_others_cannot_read_or_change_a_profile(db: Session, actor: Actor) -> None:
    supporter = make_supporter(db)
    assert supporter.id is not None
    with pytest.raises(NotFound):
        get_supporter(session=db, actor=actor, supporter_id=supporter.id)
    with pytest.raises(NotFound):
        change(db, actor, supporter.id, status="paused")
    assert supporter.status == SupporterStatus.active


def test_a_status_change_is_audited(db: Session) -> None:
    supporter = make_supporter(db)
    change(db, COORDINATOR, supporter.id, status="paused")
    assert supporter.status == SupporterStatus.paused
    assert audit_actions(db, object_type="supporter", object_id=supporter.id) == [
        "supporter.change.status"
    ]


def test_every_changed_field_is_audited_and_unchanged_ones_are_not(db: Session) -> None:
    supporter = make_supporter(db, trained_on=TODAY - timedelta(days=30))
    unit = make_org_unit(db)
    change(
        db,
        COORDINATOR,
        supporter.id,
        status="active",  # unchanged
        trained_on=TODAY - timedelta(days=10),
        max_encounters_per_month=4,
        profession_code="physician",
        org_unit_id=unit.id,
        needs_refresher=True,
    )
    assert (supporter.max_encounters_per_month, supporter.profession_code) == (4, "physician")
    assert set(audit_actions(db, object_type="supporter", object_id=supporter.id)) == {
        "supporter.change.trained_on",
        "supporter.change.max_encounters_per_month",
        "supporter.change.profession_code",
        "supporter.change.org_unit_id",
        "supporter.change.needs_refresher",
    }


def test_a_candidate_becomes_active_only_with_a_training_date(db: Session) -> None:
    supporter = make_supporter(db, status=SupporterStatus.candidate, trained_on=None)
    with pytest.raises(InvalidInput, match="only after the initial training"):
        change(db, COORDINATOR, supporter.id, status="active")
    change(db, COORDINATOR, supporter.id, status="active", trained_on=TODAY.isoformat())
    assert (supporter.status, supporter.trained_on) == (SupporterStatus.active, TODAY)


def test_an_active_supporter_keeps_their_training_date(db: Session) -> None:
    supporter = make_supporter(db)
    with pytest.raises(InvalidInput) as refused:
        change(db, COORDINATOR, supporter.id, trained_on=None)
    assert refused.value.field == "trained_on"


def test_a_training_date_in_the_future_is_refused_on_update(db: Session) -> None:
    supporter = make_supporter(db)
    with pytest.raises(InvalidInput, match="cannot be in the future"):
        change(db, COORDINATOR, supporter.id, trained_on=TODAY + timedelta(days=1))


@pytest.mark.parametrize(
    "name", ["status", "profession_code", "max_encounters_per_month", "available"]
)
def test_null_for_a_field_that_cannot_be_empty_is_refused(db: Session, name: str) -> None:
    supporter = make_supporter(db)
    with pytest.raises(InvalidInput, match=f"{name} cannot be empty") as refused:
        change(db, COORDINATOR, supporter.id, **{name: None})
    assert refused.value.field == name


def test_the_org_unit_may_be_cleared(db: Session) -> None:
    supporter = make_supporter(db, org_unit_id=make_org_unit(db).id)
    change(db, COORDINATOR, supporter.id, org_unit_id=None)
    assert supporter.org_unit_id is None


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"profession_code": "astronaut"}, "profession_code"),
        ({"org_unit_id": 999_999}, "org_unit_id"),
    ],
)
def test_unknown_references_are_refused_on_update(
    db: Session, values: dict[str, object], field: str
) -> None:
    supporter = make_supporter(db)
    with pytest.raises(InvalidInput) as refused:
        change(db, COORDINATOR, supporter.id, **values)
    assert refused.value.field == field
