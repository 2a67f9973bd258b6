from __future__ import annotations

from sqlmodel import Session, col, select

from domain.actors import PROGRAM_MANAGERS, Actor, require_role
from domain.changes import changes_of
from domain.codes import ApiScope
from domain.db import lock_for
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.org_units.models import OrgUnit, OrgUnitCreate, OrgUnitUpdate
from domain.org_units.tree import (
    MAX_ORG_DEPTH,
    ORG_TREE_LOCK,
    Walk,
    children,
    parents,
    walk_org_tree,
)
from domain.pagination import Page, PageRequest, page_from_rows

INSIDE_ITSELF = "An org unit cannot sit inside itself."


def list_org_units(*, session: Session) -> list[OrgUnit]:
    return list(session.exec(select(OrgUnit).order_by(col(OrgUnit.name), col(OrgUnit.id))))


def get_org_unit(*, session: Session, org_unit_id: int) -> OrgUnit:
    unit = session.get(OrgUnit, org_unit_id)
    if unit is None:
        raise NotFound(f"There is no org unit {org_unit_id}.")
    return unit


def require_org_unit(session: Session, org_unit_id: int | None, *, field: str) -> None:
    if org_unit_id is not None and session.get(OrgUnit, org_unit_id) is None:
        raise InvalidInput(f"There is no org unit {org_unit_id}.", field=field)


def create_org_unit(*, session: Session, actor: Actor, data: OrgUnitCreate) -> OrgUnit:
    require_role(actor, *PROGRAM_MANAGERS, to="add org units", scope=ApiScope.roster_write)
    _refuse_bad_parent(session, unit_id=None, new_parent_id=data.parent_id)
    unit = OrgUnit(name=data.name.strip(), kind=data.kind, parent_id=data.parent_id)
    session.add(unit)
    session.flush()
    return unit


def update_org_unit(
    *, session: Session, actor: Actor, org_unit_id: int, data: OrgUnitUpdate
) -> OrgUnit:
    require_role(actor, *PROGRAM_MANAGERS, to="change org units", scope=ApiScope.roster_write)
    unit = get_org_unit(session=session, org_unit_id=org_unit_id)
    changes = changes_of(data, nullable=frozenset({"parent_id"}))
    if "parent_id" in changes:
        _refuse_bad_parent(session, unit_id=org_unit_id, new_parent_id=changes["parent_id"])
    for name, value in changes.items():
        setattr(unit, name, value.strip() if isinstance(value, str) else value)
    session.add(unit)
    session.flush()
    return unit


def _refuse_bad_parent(session: Session, *, unit_id: int | None, new_parent_id: int | None) -> None:
    """A unit (`unit_id`, or None for a new one), with everything under it, must hang from a
    top unit, at most MAX_ORG_DEPTH levels down. Checked under the tree lock, held until the
    unit of work ends: two moves checked side by side could each pass (A under B, B under A)
    and together make a loop."""
    if new_parent_id is None:
        return  # a top unit: nothing above it, and its subtree only gets shallower
    lock_for(session, ORG_TREE_LOCK)
    require_org_unit(session, new_parent_id, field="parent_id")
    above = _walk_up(session, new_parent_id)
    if unit_id is None:
        _refuse_depth(above, below=1)
        return
    if unit_id in above.unit_ids:
        raise RuleViolation(INSIDE_ITSELF, field="parent_id")
    _refuse_depth(above, below=walk_org_tree(session, [unit_id], children).levels)


def _walk_up(session: Session, parent_id: int) -> Walk:
    above = walk_org_tree(session, [parent_id], parents)
    if above.looped:  # only stored data edited by hand can loop; never hang a unit from it
        raise RuleViolation(INSIDE_ITSELF, field="parent_id")
    return above


def _refuse_depth(above: Walk, *, below: int) -> None:
    """`above`: the new parent's path to the top; `below`: levels the moved unit brings."""
    if above.levels + below > MAX_ORG_DEPTH:
        raise InvalidInput(
            f"Org units nest at most {MAX_ORG_DEPTH} levels deep (a top unit is level 1); "
            "this would go deeper.",
            field="parent_id",
        )


def page_org_units(*, session: Session, page: PageRequest) -> Page[OrgUnit]:
    query = select(OrgUnit).order_by(col(OrgUnit.id)).limit(page.limit + 1)
    if page.after_id is not None:
        query = query.where(col(OrgUnit.id) > page.after_id)
    return page_from_rows(list(session.exec(query)), page, lambda row: row.id)
