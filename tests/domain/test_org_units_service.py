import pytest
from sqlmodel import Session

from domain.actors import Actor
from domain.codes import OrgUnitKind
from domain.errors import InvalidInput, NotFound, PermissionDenied
from domain.org_units.models import OrgUnitCreate, OrgUnitUpdate
from domain.org_units.service import (
    create_org_unit,
    get_org_unit,
    list_org_units,
    update_org_unit,
)
from tests.factories import (
    ADMIN,
    COORDINATOR,
    REPORT_VIEWER,
    RESOURCE_EDITOR,
    SUPPORTER,
    make_org_unit,
)


@pytest.mark.parametrize("actor", [COORDINATOR, ADMIN])
def test_program_managers_add_an_org_unit_inside_another(db: Session, actor: Actor) -> None:
    school = make_org_unit(db, kind=OrgUnitKind.school)
    data = OrgUnitCreate(name="  Surgery ", kind=OrgUnitKind.department, parent_id=school.id)
    unit = create_org_unit(session=db, actor=actor, data=data)
    assert unit.id is not None
    stored = get_org_unit(session=db, org_unit_id=unit.id)
    assert (stored.name, stored.kind, stored.parent_id) == ("Surgery", "department", school.id)


@pytest.mark.parametrize("actor", [SUPPORTER, REPORT_VIEWER, RESOURCE_EDITOR])
def test_others_cannot_add_or_change_org_units(db: Session, actor: Actor) -> None:
    unit = make_org_unit(db)
    assert unit.id is not None
    with pytest.raises(PermissionDenied, match="to add org units"):
        create_org_unit(
            session=db, actor=actor, data=OrgUnitCreate(name="Lab", kind=OrgUnitKind.unit)
        )
    with pytest.raises(PermissionDenied, match="to change org units"):
        update_org_unit(
            session=db, actor=actor, org_unit_id=unit.id, data=OrgUnitUpdate(name="Renamed")
        )


def test_an_unknown_parent_is_refused(db: Session) -> None:
    data = OrgUnitCreate(name="Orphan", kind=OrgUnitKind.unit, parent_id=999_999)
    with pytest.raises(InvalidInput, match="no org unit 999999") as refused:
        create_org_unit(session=db, actor=COORDINATOR, data=data)
    assert refused.value.field == "parent_id"


def test_an_unknown_org_unit_is_not_found(db: Session) -> None:
    with pytest.raises(NotFound):
        get_org_unit(session=db, org_unit_id=999_999)
    with pytest.raises(NotFound):
        update_org_unit(
            session=db, actor=COORDINATOR, org_unit_id=999_999, data=OrgUnitUpdate(name="X")
        )


def test_an_org_unit_cannot_be_its_own_parent(db: Session) -> None:
    unit = make_org_unit(db)
    assert unit.id is not None
    with pytest.raises(InvalidInput, match="cannot sit inside itself") as refused:
        update_org_unit(
            session=db,
            actor=COORDINATOR,
            org_unit_id=unit.id,
            data=OrgUnitUpdate(parent_id=unit.id),
        )
    assert refused.value.field == "parent_id"


def test_an_org_unit_cannot_move_inside_its_own_descendant(db: Session) -> None:
    school = make_org_unit(db, kind=OrgUnitKind.school)
    department = make_org_unit(db, parent_id=school.id)
    unit = make_org_unit(db, kind=OrgUnitKind.unit, parent_id=department.id)
    assert school.id is not None
    with pytest.raises(InvalidInput, match="cannot sit inside itself"):
        update_org_unit(
            session=db,
            actor=COORDINATOR,
            org_unit_id=school.id,
            data=OrgUnitUpdate(parent_id=unit.id),
        )
    assert get_org_unit(session=db, org_unit_id=school.id).parent_id is None


def test_an_org_unit_moves_to_another_parent_or_to_the_top(db: Session) -> None:
    first, second = make_org_unit(db), make_org_unit(db)
    unit = make_org_unit(db, parent_id=first.id)
    assert unit.id is not None
    update_org_unit(
        session=db, actor=COORDINATOR, org_unit_id=unit.id, data=OrgUnitUpdate(parent_id=second.id)
    )
    assert unit.parent_id == second.id
    update_org_unit(
        session=db, actor=COORDINATOR, org_unit_id=unit.id, data=OrgUnitUpdate(parent_id=None)
    )
    assert unit.parent_id is None


def test_a_null_name_or_kind_is_refused(db: Session) -> None:
    unit = make_org_unit(db)
    assert unit.id is not None
    for data in (OrgUnitUpdate(name=None), OrgUnitUpdate(kind=None)):
        with pytest.raises(InvalidInput, match="cannot be empty"):
            update_org_unit(session=db, actor=COORDINATOR, org_unit_id=unit.id, data=data)


def test_org_units_are_listed_by_name(db: Session) -> None:
    make_org_unit(db, name="Zoology")
    make_org_unit(db, name="Anesthesiology")
    names = [unit.name for unit in list_org_units(session=db)]
    assert names.index("Anesthesiology") < names.index("Zoology")
