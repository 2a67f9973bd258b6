"""Logging encounters, de-identified by construction.

Rules: only an active, trained supporter logs; a supporter sees and changes only their own
encounters, and changes (or deletes) them only within `EDIT_WINDOW` of logging; coordinators see
all, de-identified, each such read audited, and nobody else sees encounter rows
(`reads_every_encounter`: an admin alone reads reports like everyone else); the supporter's
profession is stored as it is at logging (`build_encounter`) and `interprofessional` is derived
from it here and nowhere else; reaching the monthly cap never refuses an encounter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from domain.actors import Actor
from domain.audit.actions import AuditAction
from domain.audit.service import record_audit_event
from domain.changes import changes_of
from domain.codes import Role
from domain.columns import utcnow
from domain.debriefs.service import should_prompt_debrief
from domain.encounters.models import (
    Encounter,
    EncounterCreate,
    EncounterElement,
    EncounterFlowStep,
    EncounterPublic,
    EncounterResource,
    EncounterStressor,
    EncounterSupportType,
    EncounterUpdate,
)
from domain.errors import InvalidInput, NotFound, PermissionDenied, RuleViolation
from domain.pagination import Page, PageRequest, page_from_rows
from domain.professions.service import require_active_profession
from domain.resources.models import Resource
from domain.supporters.models import Supporter
from domain.supporters.service import (
    MonthlyWorkload,
    apply_cap,
    require_logging_supporter,
    supporter_of_user,
)

EDIT_WINDOW = timedelta(days=7)
# How many of a supporter's usual peer professions the log form offers first.
USUAL_PEER_PROFESSIONS = 5
# Least privilege: admins run the system, they do not read who supported whom.
EVERY_ENCOUNTER_READERS = (Role.coordinator,)


@dataclass(frozen=True)
class LoggedEncounter:
    encounter: Encounter
    workload: MonthlyWorkload
    # Offer a debrief now (the rule is `should_prompt_debrief`).
    debrief_prompt: bool


@dataclass(frozen=True)
class EncounterFilters:
    occurred_from: date | None = None
    occurred_before: date | None = None
    # A coordinator who is also a supporter sees only their own log on their own pages.
    own_only: bool = False


def editable_until(encounter: Encounter) -> date:
    return (encounter.logged_at + EDIT_WINDOW).date()


def to_public(encounter: Encounter) -> EncounterPublic:
    return EncounterPublic.from_row(encounter, editable_until=editable_until(encounter))


def log_encounter(*, session: Session, actor: Actor, data: EncounterCreate) -> LoggedEncounter:
    supporter = require_logging_supporter(session, actor)
    _check_occurred_on(data.occurred_on, supporter)
    require_active_profession(session, data.peer_profession, field="peer_profession")
    _require_resources(session, data.resources_shared)
    encounter = build_encounter(supporter, data)
    session.add(encounter)
    session.flush()
    workload = apply_cap(session, actor, supporter)
    return LoggedEncounter(
        encounter=encounter,
        workload=workload,
        debrief_prompt=should_prompt_debrief(session, supporter),
    )


def build_encounter(supporter: Supporter, data: EncounterCreate) -> Encounter:
    """The row for what a supporter recorded, with every derived field derived here."""
    assert supporter.id is not None
    encounter = Encounter(
        supporter_id=supporter.id,
        supporter_profession=supporter.profession_code,
        occurred_on=data.occurred_on,
        setting=data.setting,
        initiated_by=data.initiated_by,
        modality=data.modality,
        peer_profession_code=data.peer_profession,
        peer_org_relation=data.peer_org_relation,
        interprofessional=is_interprofessional(supporter.profession_code, data.peer_profession),
        duration_band=data.duration_band,
        escalation=data.escalation,
        follow_up=data.follow_up,
        supporter_needs_debrief=data.supporter_needs_debrief,
    )
    _set_children(encounter, data.model_dump())
    return encounter


def is_interprofessional(supporter_profession: str, peer_profession: str) -> bool:
    """Compares with the supporter's profession as stored on the encounter (at logging)."""
    return supporter_profession != peer_profession


def most_logged_peer_professions(
    *, session: Session, actor: Actor, limit: int = USUAL_PEER_PROFESSIONS
) -> list[str]:
    """The peer professions of the actor's own encounters, most often logged first (ties in
    code order), at most `limit`: the log form offers them first. One grouped query over the
    supporter's encounters (indexed by supporter); none for someone who is not a supporter."""
    if actor.user_id is None:
        return []
    logged = func.count(col(Encounter.id))
    query = (
        select(Encounter.peer_profession_code)
        .join(Supporter, col(Supporter.id) == col(Encounter.supporter_id))
        .where(col(Supporter.user_id) == actor.user_id)
        .group_by(col(Encounter.peer_profession_code))
        .order_by(logged.desc(), col(Encounter.peer_profession_code))
        .limit(limit)
    )
    return list(session.exec(query))


def reads_every_encounter(actor: Actor) -> bool:
    return actor.has_any_role(*EVERY_ENCOUNTER_READERS)


def _check_occurred_on(occurred_on: date, supporter: Supporter) -> None:
    # UTC's date is never behind a US local date, so "today" anywhere in the US is accepted.
    if occurred_on > utcnow().date():
        raise InvalidInput("The encounter date cannot be in the future.", field="occurred_on")
    if supporter.trained_on is not None and occurred_on < supporter.trained_on:
        raise InvalidInput(
            "The encounter date is before your initial training.", field="occurred_on"
        )


def _require_resources(session: Session, resource_ids: list[int]) -> None:
    if not resource_ids:
        return
    found = set(session.exec(select(Resource.id).where(col(Resource.id).in_(resource_ids))))
    missing = sorted(set(resource_ids) - found)
    if missing:
        raise InvalidInput(f"There is no resource {missing[0]}.", field="resources_shared")


_CHILDREN: dict[str, tuple[str, type[Any], str]] = {
    "stressors": ("stressor_rows", EncounterStressor, "stressor"),
    "elements": ("element_rows", EncounterElement, "element"),
    "support_types": ("support_type_rows", EncounterSupportType, "support_type"),
    "flow_steps": ("flow_step_rows", EncounterFlowStep, "flow_step"),
    "resources_shared": ("resource_rows", EncounterResource, "resource_id"),
}


def _set_children(encounter: Encounter, values: dict[str, Any]) -> None:
    for field, (relation, row_type, column) in _CHILDREN.items():
        if field in values and values[field] is not None:
            setattr(encounter, relation, [row_type(**{column: v}) for v in values[field]])


def get_own_encounter(session: Session, actor: Actor, encounter_id: int) -> Encounter:
    """The actor's own encounter; another supporter's is "not found", never "forbidden".
    Callers who never see encounter rows (report viewers, admins alone, API clients) are refused
    outright, and coordinators, who read every encounter, may not change one they did not log."""
    supporter = supporter_of_user(session, actor.user_id)
    coordinator = reads_every_encounter(actor)
    if supporter is None and not coordinator:
        raise PermissionDenied("Only peer supporters and coordinators see encounters.")
    encounter = session.get(Encounter, encounter_id)
    if encounter is not None and supporter is not None and encounter.supporter_id == supporter.id:
        return encounter
    if encounter is not None and coordinator:
        raise PermissionDenied("Only the supporter who logged an encounter may change it.")
    raise NotFound(f"There is no encounter {encounter_id} in your log.")


def get_encounter(*, session: Session, actor: Actor, encounter_id: int) -> Encounter:
    if reads_every_encounter(actor):
        encounter = session.get(Encounter, encounter_id)
        if encounter is None:
            raise NotFound(f"There is no encounter {encounter_id}.")
        if not _logged_by(session, actor, encounter):
            _audit_read(session, actor, AuditAction.encounter_read, encounter_id=encounter_id)
        return encounter
    return get_own_encounter(session, actor, encounter_id)


def _logged_by(session: Session, actor: Actor, encounter: Encounter) -> bool:
    supporter = supporter_of_user(session, actor.user_id)
    return supporter is not None and encounter.supporter_id == supporter.id


def _audit_read(
    session: Session, actor: Actor, action: str, *, encounter_id: int | None = None
) -> None:
    """Reads of encounter rows by anyone but the supporter who logged them are audited."""
    record_audit_event(
        session=session,
        actor=actor,
        action=action,
        object_type="encounter",
        object_id=encounter_id,
    )


def is_editable(encounter: Encounter) -> bool:
    """Its supporter may still change or delete it: within 7 days of logging."""
    return utcnow() <= encounter.logged_at + EDIT_WINDOW


def _require_edit_window(encounter: Encounter) -> None:
    if not is_editable(encounter):
        raise RuleViolation(
            "Encounters can be changed or deleted only within 7 days of logging; "
            "older ones stay as they are."
        )


def update_encounter(
    *, session: Session, actor: Actor, encounter_id: int, data: EncounterUpdate
) -> Encounter:
    encounter = get_own_encounter(session, actor, encounter_id)
    _require_edit_window(encounter)
    supporter = session.get(Supporter, encounter.supporter_id)
    assert supporter is not None
    changes = changes_of(data)
    if "occurred_on" in changes:
        _check_occurred_on(changes["occurred_on"], supporter)
    if "peer_profession" in changes:
        require_active_profession(session, changes["peer_profession"], field="peer_profession")
        encounter.peer_profession_code = changes["peer_profession"]
        encounter.interprofessional = is_interprofessional(
            encounter.supporter_profession, changes["peer_profession"]
        )
    if "resources_shared" in changes:
        _require_resources(session, changes["resources_shared"])
    for name, value in changes.items():
        if name not in _CHILDREN and name != "peer_profession":
            setattr(encounter, name, value)
    _set_children(encounter, changes)
    session.add(encounter)
    session.flush()
    return encounter


def delete_encounter(*, session: Session, actor: Actor, encounter_id: int) -> None:
    encounter = get_own_encounter(session, actor, encounter_id)
    _require_edit_window(encounter)
    session.delete(encounter)
    session.flush()


def list_encounters(
    *, session: Session, actor: Actor, filters: EncounterFilters, page: PageRequest
) -> Page[Encounter]:
    """A supporter's own log, or every encounter (de-identified) for coordinators.

    Newest first; child rows load in one query per child table, however long the page."""
    query = select(Encounter).order_by(col(Encounter.id).desc()).limit(page.limit + 1)
    own_log_only = filters.own_only or not reads_every_encounter(actor)
    if own_log_only:
        supporter = supporter_of_user(session, actor.user_id)
        if supporter is None:
            # Report viewers, admins and API clients get aggregate reports, never encounter rows.
            raise PermissionDenied("Only peer supporters and coordinators see encounters.")
        query = query.where(Encounter.supporter_id == supporter.id)
    if filters.occurred_from:
        query = query.where(col(Encounter.occurred_on) >= filters.occurred_from)
    if filters.occurred_before:
        query = query.where(col(Encounter.occurred_on) < filters.occurred_before)
    if page.after_id is not None:
        query = query.where(col(Encounter.id) < page.after_id)
    if not own_log_only:
        _audit_read(session, actor, AuditAction.encounter_list)
    return page_from_rows(list(session.exec(query)), page, lambda row: row.id)
