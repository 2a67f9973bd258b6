"""One peer support encounter, de-identified by construction.

No names, contact details, employee or patient identifiers and no free text: every column is a
code, a date, a count or a flag (`tests/domain/test_encounter_schema.py` holds the table to this).
Multi-valued fields are child tables so reports count them with SQL GROUP BY on every database.
"""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import StrictBool, field_validator
from sqlmodel import Field, Relationship, SQLModel

from domain.codes import (
    DurationBand,
    EncounterSetting,
    Escalation,
    FlowStep,
    FollowUp,
    InitiatedBy,
    Modality,
    PeerOrgRelation,
    Stressor,
    SupportElement,
    SupportType,
)
from domain.columns import code_column, timestamp_column, utc_today, utcnow
from domain.schemas import InputSchema
from domain.types import IsoDate, RowId

MAX_RESOURCES_SHARED = 20
CHILD_KWARGS: dict[str, Any] = {"cascade": "all, delete-orphan", "lazy": "selectin"}


def _encounter_fk() -> sa.Column[Any]:
    return sa.Column(
        sa.ForeignKey("encounter.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Encounter(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    supporter_id: int = Field(foreign_key="supporter.id", index=True)
    # The supporter's profession when the encounter was logged: reports count this one, so a
    # past month does not move when a supporter's profession changes. Set by the service only.
    supporter_profession: str = Field(foreign_key="profession.code", index=True, max_length=60)
    occurred_on: date = Field(index=True)
    logged_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    setting: EncounterSetting = Field(sa_column=code_column(EncounterSetting))
    initiated_by: InitiatedBy = Field(sa_column=code_column(InitiatedBy))
    modality: Modality = Field(sa_column=code_column(Modality))
    peer_profession_code: str = Field(foreign_key="profession.code", index=True, max_length=60)
    peer_org_relation: PeerOrgRelation = Field(sa_column=code_column(PeerOrgRelation))
    interprofessional: bool
    duration_band: DurationBand = Field(sa_column=code_column(DurationBand))
    escalation: Escalation = Field(sa_column=code_column(Escalation))
    follow_up: FollowUp = Field(sa_column=code_column(FollowUp))
    supporter_needs_debrief: bool = Field(default=False)

    stressor_rows: list["EncounterStressor"] = Relationship(sa_relationship_kwargs=CHILD_KWARGS)
    element_rows: list["EncounterElement"] = Relationship(sa_relationship_kwargs=CHILD_KWARGS)
    support_type_rows: list["EncounterSupportType"] = Relationship(
        sa_relationship_kwargs=CHILD_KWARGS
    )
    flow_step_rows: list["EncounterFlowStep"] = Relationship(sa_relationship_kwargs=CHILD_KWARGS)
    resource_rows: list["EncounterResource"] = Relationship(sa_relationship_kwargs=CHILD_KWARGS)

    __table_args__ = (sa.Index("ix_encounter_supporter_occurred", "supporter_id", "occurred_on"),)


class EncounterStressor(SQLModel, table=True):
    __tablename__ = "encounter_stressor"
    encounter_id: int | None = Field(default=None, sa_column=_encounter_fk())
    stressor: Stressor = Field(sa_column=code_column(Stressor, primary_key=True, index=True))


class EncounterElement(SQLModel, table=True):
    __tablename__ = "encounter_element"
    encounter_id: int | None = Field(default=None, sa_column=_encounter_fk())
    element: SupportElement = Field(
        sa_column=code_column(SupportElement, primary_key=True, index=True)
    )


class EncounterSupportType(SQLModel, table=True):
    __tablename__ = "encounter_support_type"
    encounter_id: int | None = Field(default=None, sa_column=_encounter_fk())
    support_type: SupportType = Field(
        sa_column=code_column(SupportType, primary_key=True, index=True)
    )


class EncounterFlowStep(SQLModel, table=True):
    __tablename__ = "encounter_flow_step"
    encounter_id: int | None = Field(default=None, sa_column=_encounter_fk())
    flow_step: FlowStep = Field(sa_column=code_column(FlowStep, primary_key=True, index=True))


class EncounterResource(SQLModel, table=True):
    __tablename__ = "encounter_resource"
    encounter_id: int | None = Field(default=None, sa_column=_encounter_fk())
    resource_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("resource.id"), primary_key=True, index=True)
    )


def _no_duplicates(values: list[Any] | None) -> list[Any] | None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError("list each value once")
    return values


class EncounterFields(InputSchema):
    """What a supporter records; `interprofessional` is derived and never accepted."""

    occurred_on: IsoDate = Field(default_factory=utc_today)
    setting: EncounterSetting
    initiated_by: InitiatedBy = InitiatedBy.supporter_approach
    modality: Modality = Modality.in_person
    peer_profession: str = Field(max_length=60)
    peer_org_relation: PeerOrgRelation = PeerOrgRelation.unknown
    duration_band: DurationBand
    stressors: list[Stressor] = Field(min_length=1)
    elements: list[SupportElement] = Field(min_length=1)
    support_types: list[SupportType] = Field(min_length=1)
    flow_steps: list[FlowStep] = Field(default_factory=list)
    resources_shared: list[RowId] = Field(default_factory=list, max_length=MAX_RESOURCES_SHARED)
    escalation: Escalation = Escalation.none
    follow_up: FollowUp = FollowUp.none
    supporter_needs_debrief: StrictBool = False

    _unique = field_validator(
        "stressors", "elements", "support_types", "flow_steps", "resources_shared"
    )(_no_duplicates)


class EncounterCreate(EncounterFields):
    pass


class EncounterUpdate(InputSchema):
    occurred_on: IsoDate | None = None
    setting: EncounterSetting | None = None
    initiated_by: InitiatedBy | None = None
    modality: Modality | None = None
    peer_profession: str | None = Field(default=None, max_length=60)
    peer_org_relation: PeerOrgRelation | None = None
    duration_band: DurationBand | None = None
    stressors: list[Stressor] | None = Field(default=None, min_length=1)
    elements: list[SupportElement] | None = Field(default=None, min_length=1)
    support_types: list[SupportType] | None = Field(default=None, min_length=1)
    flow_steps: list[FlowStep] | None = None
    resources_shared: list[RowId] | None = Field(default=None, max_length=MAX_RESOURCES_SHARED)
    escalation: Escalation | None = None
    follow_up: FollowUp | None = None
    supporter_needs_debrief: StrictBool | None = None

    _unique = field_validator(
        "stressors", "elements", "support_types", "flow_steps", "resources_shared"
    )(_no_duplicates)


class EncounterPublic(SQLModel):
    id: int
    supporter_id: int
    occurred_on: date
    logged_at: datetime
    setting: EncounterSetting
    initiated_by: InitiatedBy
    modality: Modality
    peer_profession: str
    peer_org_relation: PeerOrgRelation
    interprofessional: bool
    duration_band: DurationBand
    stressors: list[Stressor]
    elements: list[SupportElement]
    support_types: list[SupportType]
    flow_steps: list[FlowStep]
    resources_shared: list[int]
    escalation: Escalation
    follow_up: FollowUp
    supporter_needs_debrief: bool
    editable_until: date

    @classmethod
    def from_row(cls, row: Encounter, *, editable_until: date) -> "EncounterPublic":
        assert row.id is not None
        flow_order = list(FlowStep)
        return cls(
            id=row.id,
            supporter_id=row.supporter_id,
            occurred_on=row.occurred_on,
            logged_at=row.logged_at,
            setting=row.setting,
            initiated_by=row.initiated_by,
            modality=row.modality,
            peer_profession=row.peer_profession_code,
            peer_org_relation=row.peer_org_relation,
            interprofessional=row.interprofessional,
            duration_band=row.duration_band,
            stressors=sorted(r.stressor for r in row.stressor_rows),
            elements=sorted(r.element for r in row.element_rows),
            support_types=sorted(r.support_type for r in row.support_type_rows),
            flow_steps=sorted((r.flow_step for r in row.flow_step_rows), key=flow_order.index),
            resources_shared=sorted(r.resource_id for r in row.resource_rows),
            escalation=row.escalation,
            follow_up=row.follow_up,
            supporter_needs_debrief=row.supporter_needs_debrief,
            editable_until=editable_until,
        )
