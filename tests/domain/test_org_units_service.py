import pytest
from sqlalchemy import text
from sqlmodel import Session

from domain.actors import Actor
from domain.codes import OrgUnitKind
from domain.errors import InvalidInput, NotFound, PermissionDenied, RuleViolation
from domain.org_units.models import OrgUnit, OrgUnitCreate, OrgUnitUpdate
from domain.org_units.service import (
    create_org_unit,
    get_org_unit,
    list_org_units,
    update_org_unit,
)
from domain.org_units.tree import children, parents, walk_org_tree
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
    with pytest.raises(RuleViolation, match="cannot sit inside itself") as refused:
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
    with pytest.raises(RuleViolation, match="cannot sit inside itself"):
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


def chain_of(db: Session, levels: int, *, top_parent_id: int | None = None) -> list[OrgUnit]:
    """`levels` units, each inside the one before; stored directly, without the service's checks."""
    units: list[OrgUnit] = []
    for _ in range(levels):
        parent_id = units[-1].id if units else top_parent_id
        units.append(make_org_unit(db, kind=OrgUnitKind.unit, parent_id=parent_id))
    return units


def add_under(db: Session, parent: OrgUnit) -> OrgUnit:
    data = OrgUnitCreate(name="Deeper", kind=OrgUnitKind.unit, parent_id=parent.id)
    return create_org_unit(session=db, actor=COORDINATOR, data=data)


def test_units_nest_32_levels_deep_and_not_33(db: Session) -> None:
    levels = chain_of(db, 31)
    thirty_second = add_under(db, levels[-1])
    with pytest.raises(InvalidInput, match="at most 32 levels deep") as refused:
        add_under(db, thirty_second)
    assert refused.value.field == "parent_id"


def test_a_move_counts_the_levels_under_the_moved_unit(db: Session) -> None:
    levels = chain_of(db, 31)
    moved, under_it = chain_of(db, 2)  # a unit with a child: two levels move together
    assert moved.id is not None
    move_under_30th = OrgUnitUpdate(parent_id=levels[29].id)
    update_org_unit(session=db, actor=COORDINATOR, org_unit_id=moved.id, data=move_under_30th)
    assert under_it.id is not None
    assert walk_org_tree(db, [under_it.id], parents).levels == 32

    move_under_31st = OrgUnitUpdate(parent_id=levels[30].id)
    with pytest.raises(InvalidInput, match="at most 32 levels deep") as refused:
        update_org_unit(session=db, actor=COORDINATOR, org_unit_id=moved.id, data=move_under_31st)
    assert refused.value.field == "parent_id"
    assert moved.parent_id == levels[29].id


def plant_loop(db: Session, first: OrgUnit, second: OrgUnit) -> None:
    """Corrupted data, as a hand-made UPDATE or a bad restore could leave it."""
    move = text("UPDATE org_unit SET parent_id = :parent WHERE id = :unit")
    db.execute(move, {"parent": second.id, "unit": first.id})
    db.execute(move, {"parent": first.id, "unit": second.id})
    db.expire_all()  # as the next request would: it reads the rows afresh


def test_walks_end_on_a_loop_planted_in_the_database(db: Session) -> None:
    first, second = make_org_unit(db), make_org_unit(db)
    assert first.id is not None
    assert second.id is not None
    plant_loop(db, first, second)
    for step in (parents, children):
        walk = walk_org_tree(db, [first.id], step)
        assert (walk.levels, walk.unit_ids, walk.looped) == (2, {first.id, second.id}, True)


def test_nothing_hangs_from_a_planted_loop_and_the_loop_can_be_undone(db: Session) -> None:
    first, second = make_org_unit(db), make_org_unit(db)
    outside = make_org_unit(db)
    assert first.id is not None
    assert second.id is not None
    assert outside.id is not None
    plant_loop(db, first, second)
    with pytest.raises(RuleViolation, match="cannot sit inside itself"):
        update_org_unit(
            session=db,
            actor=COORDINATOR,
            org_unit_id=outside.id,
            data=OrgUnitUpdate(parent_id=first.id),
        )
    with pytest.raises(RuleViolation, match="cannot sit inside itself"):
        add_under(db, first)
    update_org_unit(
        session=db, actor=COORDINATOR, org_unit_id=first.id, data=OrgUnitUpdate(parent_id=None)
    )
    walk = walk_org_tree(db, [second.id], parents)
    assert (walk.levels, walk.looped) == (2, False)


def test_a_walk_stops_one_level_past_the_bound_on_a_planted_chain_of_40(db: Session) -> None:
    levels = chain_of(db, 40)
    assert levels[-1].id is not None
    walk = walk_org_tree(db, [levels[-1].id], parents)
    assert (walk.levels, walk.looped) == (33, False)
    with pytest.raises(InvalidInput, match="at most 32 levels deep"):
        add_under(db, levels[-1])
