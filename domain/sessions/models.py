"""Program sessions (initial training, monthly sessions, debriefs) and attendance.

Named `ProgramSession` in code so it is never confused with a database session."""

from datetime import datetime

import sqlalchemy as sa
from pydantic import StrictInt, field_validator
from sqlmodel import Field, SQLModel

from domain.codes import AttendanceStatus, SessionKind
from domain.columns import code_column, timestamp_column, utcnow
from domain.schemas import InputSchema
from domain.types import IsoDateTime, RowId

MAX_DURATION_MINUTES = 8 * 60


class ProgramSession(SQLModel, table=True):
    __tablename__ = "program_session"

    id: int | None = Field(default=None, primary_key=True)
    kind: SessionKind = Field(sa_column=code_column(SessionKind, index=True))
    starts_at: datetime = Field(sa_column=timestamp_column(index=True))
    duration_minutes: int
    topic: str = Field(max_length=200)
    location: str = Field(default="", max_length=300)
    facilitator_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class Attendance(SQLModel, table=True):
    session_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("program_session.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )
    supporter_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("supporter.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )
    status: AttendanceStatus = Field(sa_column=code_column(AttendanceStatus, index=True))
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


def _require_aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("give the time with its UTC offset, e.g. 2026-01-15T17:00:00Z")
    return value


class ProgramSessionCreate(InputSchema):
    kind: SessionKind
    starts_at: IsoDateTime
    duration_minutes: StrictInt = Field(default=60, ge=5, le=MAX_DURATION_MINUTES)
    topic: str = Field(min_length=1, max_length=200)
    location: str = Field(default="", max_length=300)
    facilitator_id: RowId | None = None

    _aware = field_validator("starts_at")(_require_aware)


class ProgramSessionUpdate(InputSchema):
    kind: SessionKind | None = None
    starts_at: IsoDateTime | None = None
    duration_minutes: StrictInt | None = Field(default=None, ge=5, le=MAX_DURATION_MINUTES)
    topic: str | None = Field(default=None, min_length=1, max_length=200)
    location: str | None = Field(default=None, max_length=300)
    facilitator_id: RowId | None = None

    _aware = field_validator("starts_at")(_require_aware)


class ProgramSessionPublic(SQLModel):
    id: int
    kind: SessionKind
    starts_at: datetime
    duration_minutes: int
    topic: str
    location: str
    facilitator_id: int | None


class AttendanceUpdate(InputSchema):
    status: AttendanceStatus
