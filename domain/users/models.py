from datetime import datetime

import sqlalchemy as sa
from pydantic import EmailStr, StrictBool, field_validator
from sqlmodel import Field, Relationship, SQLModel

from domain.codes import Role
from domain.columns import code_column, timestamp_column, utcnow
from domain.schemas import InputSchema
from domain.types import NonBlankText

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 256


class User(SQLModel, table=True):
    # "user" is reserved in PostgreSQL.
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, sa_column_kwargs={"unique": True})
    display_name: str = Field(max_length=200)
    password_hash: str | None = Field(default=None, max_length=255)
    external_subject: str | None = Field(
        default=None, max_length=255, sa_column_kwargs={"unique": True}
    )
    active: bool = Field(default=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())

    role_rows: list["UserRole"] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "lazy": "selectin"}
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)


class UserRole(SQLModel, table=True):
    __tablename__ = "user_role"

    user_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True, index=True
        ),
    )
    role: Role = Field(sa_column=code_column(Role, primary_key=True, index=True))


class SetupToken(SQLModel, table=True):
    """A one-time link for creating the first admin; only its hash is stored."""

    __tablename__ = "setup_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    expires_at: datetime = Field(sa_column=timestamp_column())
    used_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


def _normalize_email(value: str) -> str:
    return value.strip().lower()


class UserCreate(InputSchema):
    email: EmailStr
    display_name: NonBlankText = Field(min_length=1, max_length=200)
    roles: list[Role] = Field(min_length=1)
    password: str | None = Field(
        default=None, min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH
    )

    @field_validator("email", mode="after")
    @classmethod
    def lower_email(cls, value: str) -> str:
        return _normalize_email(value)


class UserUpdate(InputSchema):
    display_name: NonBlankText | None = Field(default=None, min_length=1, max_length=200)
    roles: list[Role] | None = Field(default=None, min_length=1)
    active: StrictBool | None = None


class UserPublic(SQLModel):
    id: int
    email: str
    display_name: str
    roles: list[Role]
    active: bool
