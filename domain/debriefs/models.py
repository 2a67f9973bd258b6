"""A supporter's request for a debrief with a trainer: no free text, only when, who will reach
out, and who closed it."""

from datetime import datetime
from enum import StrEnum
from typing import Literal, Self

import sqlalchemy as sa
from pydantic import BaseModel, model_validator
from sqlmodel import Field, SQLModel

from domain.columns import code_column, timestamp_column, utcnow
from domain.schemas import InputSchema
from domain.types import RowId


class DebriefUrgency(StrEnum):
    today = "today"
    this_week = "this_week"


class DebriefStatus(StrEnum):
    open = "open"
    done = "done"


def _user_column() -> sa.Column[int]:
    """A coordinator named on the request; the request outlives their account."""
    return sa.Column(sa.ForeignKey("app_user.id", ondelete="SET NULL"), index=True, nullable=True)


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
    # The trainer (a coordinator) who will reach out; reassigned freely while the request is open.
    assigned_to_user_id: int | None = Field(default=None, sa_column=_user_column())
    assigned_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    closed_by_user_id: int | None = Field(default=None, sa_column=_user_column())

    # One open request per supporter: the database decides, whoever writes.
    __table_args__ = (
        sa.Index(
            "uq_debrief_request_one_open_per_supporter",
            "supporter_id",
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        ),
    )


class DebriefRequestUpdate(InputSchema):
    """What a coordinator changes: the trainer, and `done` once the debrief happened. A request
    never goes back to open: the supporter asks again instead."""

    assigned_to_user_id: RowId | None = None
    status: Literal[DebriefStatus.done] | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        """An empty change is refused (422): every answer naming who asked follows a change."""
        if self.assigned_to_user_id is None and self.status is None:
            raise ValueError("Give assigned_to_user_id, or status 'done', or both.")
        return self


class DebriefRequestPublic(BaseModel):
    """A request as the inbox and the API show it: who asked is a name, never more."""

    id: int
    supporter_id: int
    supporter_name: str
    urgency: DebriefUrgency
    status: DebriefStatus
    requested_at: datetime
    assigned_to_user_id: int | None
    assigned_to_name: str | None
    assigned_at: datetime | None
    closed_at: datetime | None
    closed_by_user_id: int | None
