from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain.columns import timestamp_column, utcnow


class IdempotencyRecord(SQLModel, table=True):
    """The first response to a request sent with an `Idempotency-Key`, replayed for retries."""

    __tablename__ = "idempotency_record"

    id: int | None = Field(default=None, primary_key=True)
    actor: str = Field(max_length=100)
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    status_code: int
    response_body: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(index=True))

    __table_args__ = (sa.UniqueConstraint("actor", "key", name="uq_idempotency_actor_key"),)
