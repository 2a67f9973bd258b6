"""A supporter's request for a debrief with a trainer: no free text, only when."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain.columns import code_column, timestamp_column, utcnow


class DebriefUrgency(StrEnum):
    today = "today"
    this_week = "this_week"


class DebriefStatus(StrEnum):
    open = "open"
    done = "done"


class DebriefRequest(SQLModel, table=True):
    __tablename__ = "debrief_request"

    id: int | None = Field(default=None, primary_key=True)
    supporter_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("supporter.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    urgency: DebriefUrgency = Field(sa_column=code_column(DebriefUrgency))
    status: DebriefStatus = Field(
        default=DebriefStatus.open, sa_column=code_column(DebriefStatus, index=True)
    )
    requested_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(index=True))
    closed_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
