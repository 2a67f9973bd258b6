"""Column types shared by the tables: codes stored as their exact strings with a CHECK
constraint, and timestamps that are always timezone-aware UTC on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

CODE_LENGTH = 60


def code_type(enum: type[StrEnum]) -> sa.Enum:
    return sa.Enum(
        enum,
        name=f"ck_{enum.__name__.lower()}",
        native_enum=False,
        create_constraint=True,
        length=CODE_LENGTH,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def code_column(enum: type[StrEnum], *, index: bool = False, **kwargs: Any) -> sa.Column[Any]:
    return sa.Column(code_type(enum), nullable=kwargs.pop("nullable", False), index=index, **kwargs)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware, on every backend."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc_today() -> date:
    return utcnow().date()


def timestamp_column(*, index: bool = False, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(UTCDateTime(), nullable=nullable, index=index)
