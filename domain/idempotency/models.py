from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain.columns import timestamp_column, utcnow


class IdempotencyRecord(SQLModel, table=True):
    """The first response to a request sent with an `Idempotency-Key`, replayed for retries.

    The row is inserted before the work (the claim, with no response yet) and completed in the
    same transaction, so no other transaction ever sees it without its response."""

    __tablename__ = "idempotency_record"

    id: int | None = Field(default=None, primary_key=True)
    actor: str = Field(max_length=100)
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    status_code: int | None = None
    response_body: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(index=True))

    __table_args__ = (sa.UniqueConstraint("actor", "key", name="uq_idempotency_actor_key"),)
