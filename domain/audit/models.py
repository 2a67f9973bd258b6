from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain.columns import timestamp_column, utcnow


class AuditEvent(SQLModel, table=True):
    """Append-only and chained (domain/audit/chain.py). An event is inserted with its seal
    (`seq`, `prev_hash`, `hash`) empty; the commit that wrote it seals it (domain/audit/sealing.py).
    The database refuses any other UPDATE, and every DELETE, REPLACE and TRUNCATE (migrations)."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(index=True))
    actor: str = Field(max_length=100)
    action: str = Field(max_length=100)
    object_type: str = Field(max_length=60)
    object_id: str | None = Field(default=None, max_length=60)
    outcome: str = Field(default="success", max_length=20)
    ip: str | None = Field(default=None, max_length=45)
    seq: int | None = Field(default=None, unique=True, index=True)  # the place in the chain
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)

    __table_args__ = (
        sa.Index("ix_audit_event_object", "object_type", "object_id"),
        # The audit search: by actor, by action prefix (LIKE 'prefix%'), newest first.
        sa.Index("ix_audit_event_actor_id", "actor", "id"),
        sa.Index(
            "ix_audit_event_action_id",
            "action",
            "id",
            postgresql_ops={"action": "varchar_pattern_ops"},
        ),
    )


class AuditEventPublic(SQLModel):
    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str | None
    outcome: str
    ip: str | None
