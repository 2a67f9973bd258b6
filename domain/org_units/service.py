from __future__ import annotations

from sqlmodel import Session, col, select

from domain.actors import PROGRAM_MANAGERS, Actor, require_role
from domain.changes import changes_of
from domain.codes import ApiScope
from domain.errors import InvalidInput, NotFound
from domain.org_units.models import OrgUnit, OrgUnitCreate, OrgUnitUpdate
from domain.pagination import Page, PageRequest, page_from_rows


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
    require_org_unit(session, data.parent_id, field="parent_id")
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
        _refuse_cycle(session, unit_id=org_unit_id, new_parent_id=changes["parent_id"])
    for name, value in changes.items():
        setattr(unit, name, value.strip() if isinstance(value, str) else value)
    session.add(unit)
    session.flush()
    return unit


def _refuse_cycle(session: Session, *, unit_id: int, new_parent_id: int | None) -> None:
    require_org_unit(session, new_parent_id, field="parent_id")
    ancestor_id = new_parent_id
    while ancestor_id is not None:
        if ancestor_id == unit_id:
            raise InvalidInput("An org unit cannot sit inside itself.", field="parent_id")
        ancestor = session.get(OrgUnit, ancestor_id)
        ancestor_id = ancestor.parent_id if ancestor else None


def page_org_units(*, session: Session, page: PageRequest) -> Page[OrgUnit]:
    query = select(OrgUnit).order_by(col(OrgUnit.id)).limit(page.limit + 1)
    if page.after_id is not None:
        query = query.where(col(OrgUnit.id) > page.after_id)
    return page_from_rows(list(session.exec(query)), page, lambda row: row.id)
