"""Service credentials for an institution's systems (OAuth2 client credentials)."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from domain.codes import ApiScope
from domain.columns import code_column, timestamp_column, utcnow
from domain.schemas import InputSchema
from domain.types import NonBlankText


class ApiClient(SQLModel, table=True):
    __tablename__ = "api_client"

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    name: str = Field(max_length=120, sa_column_kwargs={"unique": True})
    secret_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    revoked_at: datetime | None = Field(
        default=None, sa_column=timestamp_column(nullable=True, index=True)
    )

    scope_rows: list["ApiClientScope"] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "lazy": "selectin"}
    )

    @property
    def scopes(self) -> frozenset[ApiScope]:
        return frozenset(row.scope for row in self.scope_rows)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ApiClientScope(SQLModel, table=True):
    __tablename__ = "api_client_scope"

    api_client_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.ForeignKey("api_client.id", ondelete="CASCADE"), primary_key=True, index=True
        ),
    )
    scope: ApiScope = Field(sa_column=code_column(ApiScope, primary_key=True))


class ApiClientCreate(InputSchema):
    name: NonBlankText = Field(min_length=1, max_length=120)
    scopes: list[ApiScope] = Field(min_length=1)


class ApiClientUpdate(InputSchema):
    scopes: list[ApiScope] = Field(min_length=1)


class ApiClientPublic(SQLModel):
    id: int
    client_id: str
    name: str
    scopes: list[ApiScope]
    created_at: datetime
    revoked_at: datetime | None
    active: bool


class ApiClientCreated(ApiClientPublic):
    """Shown once, at creation: the secret is stored only as a hash."""

    client_secret: str
