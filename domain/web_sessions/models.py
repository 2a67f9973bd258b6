"""Server-side sessions behind the pages' cookie: only a hash of the cookie's token is stored."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain.columns import timestamp_column, utcnow


class WebSession(SQLModel, table=True):
    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    user_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    expires_at: datetime = Field(sa_column=timestamp_column(index=True))


class PasswordLink(SQLModel, table=True):
    """A one-time "set your password" link for an invited user; only its hash is stored."""

    __tablename__ = "password_link"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    user_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    expires_at: datetime = Field(sa_column=timestamp_column())
    used_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
