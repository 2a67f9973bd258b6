from datetime import datetime

from sqlmodel import Field, SQLModel

from domain.codes import OrgUnitKind
from domain.columns import code_column, timestamp_column, utcnow
from domain.schemas import InputSchema
from domain.types import NonBlankText, RowId


class OrgUnit(SQLModel, table=True):
    __tablename__ = "org_unit"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    kind: OrgUnitKind = Field(sa_column=code_column(OrgUnitKind, index=True))
    parent_id: int | None = Field(default=None, foreign_key="org_unit.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class OrgUnitCreate(InputSchema):
    name: NonBlankText = Field(min_length=1, max_length=200)
    kind: OrgUnitKind
    parent_id: RowId | None = None


class OrgUnitUpdate(InputSchema):
    name: NonBlankText | None = Field(default=None, min_length=1, max_length=200)
    kind: OrgUnitKind | None = None
    parent_id: RowId | None = None


class OrgUnitPublic(SQLModel):
    id: int
    name: str
    kind: OrgUnitKind
    parent_id: int | None
