from datetime import date, datetime
from typing import Annotated

import sqlalchemy as sa
from pydantic import EmailStr, HttpUrl, StrictBool, StringConstraints
from sqlalchemy import event
from sqlmodel import Field, Relationship, SQLModel

from domain.codes import Cost, ResourceCategory, label
from domain.columns import code_column, timestamp_column, utcnow
from domain.schemas import InputSchema
from domain.types import IsoDate, NonBlankText

REVIEW_INTERVAL_MONTHS = 12
PHONE_PATTERN = r"^[0-9A-Za-z +().\-]{2,40}$"
MAX_KEYWORDS = 30
Keyword = Annotated[NonBlankText, StringConstraints(max_length=60)]


class Resource(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=sa.Column(sa.Text(), nullable=False))
    category: ResourceCategory = Field(sa_column=code_column(ResourceCategory, index=True))
    phone: str | None = Field(default=None, max_length=40)
    text_number: str | None = Field(default=None, max_length=40)
    url: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=320)
    location: str | None = Field(default=None, max_length=300)
    hours: str | None = Field(default=None, max_length=200)
    available_24_7: bool = False
    confidential: bool = False
    cost: Cost | None = Field(default=None, sa_column=code_column(Cost, nullable=True))
    published: bool = Field(default=False, index=True)
    # Words people search by that the title may not hold: abbreviations ("EAP"), symptoms
    # ("insomnia", "sleep"). Searched like the title's words, shown to editors only.
    keywords: list[str] = Field(
        default_factory=list,
        sa_column=sa.Column(sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )
    last_reviewed_on: date | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    # What the search index holds beside the title and the description (see
    # `search_terms_of`); written on every insert and update, never by hand.
    search_terms: str = Field(
        default="", sa_column=sa.Column(sa.Text(), nullable=False, server_default=sa.text("''"))
    )

    audience_rows: list["ResourceAudience"] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "lazy": "selectin"}
    )


def search_terms_of(keywords: list[str], category: str) -> str:
    """The keywords and the category's label, so that "EAP" and "Employee assistance" both find
    the EAP. Labels live in Python, so the database cannot derive this text itself."""
    return " ".join([*keywords, label(category)])


@event.listens_for(Resource, "before_insert")
@event.listens_for(Resource, "before_update")
def _keep_search_terms(_mapper: object, _connection: object, resource: Resource) -> None:
    # An ORM event rather than a line in each service: every writer (services, demo data,
    # factories) keeps the index in step without knowing about it.
    resource.search_terms = search_terms_of(list(resource.keywords), resource.category)


class ResourceAudience(SQLModel, table=True):
    """A profession a resource is meant for; a resource without any is for everyone."""

    __tablename__ = "resource_audience"

    resource_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True, index=True
        ),
    )
    profession_code: str = Field(
        sa_column=sa.Column(
            sa.String(60), sa.ForeignKey("profession.code"), primary_key=True, index=True
        )
    )


class ResourceFields(InputSchema):
    title: NonBlankText = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    category: ResourceCategory
    audiences: list[str] = Field(default_factory=list, max_length=60)
    phone: str | None = Field(default=None, schema_extra={"pattern": PHONE_PATTERN})
    text_number: str | None = Field(default=None, schema_extra={"pattern": PHONE_PATTERN})
    url: HttpUrl | None = None
    email: EmailStr | None = None
    location: str | None = Field(default=None, max_length=300)
    hours: str | None = Field(default=None, max_length=200)
    available_24_7: StrictBool = False
    confidential: StrictBool = False
    cost: Cost | None = None
    published: StrictBool = False
    keywords: list[Keyword] = Field(default_factory=list, max_length=MAX_KEYWORDS)
    last_reviewed_on: IsoDate | None = None


class ResourceCreate(ResourceFields):
    pass


class ResourceUpdate(InputSchema):
    title: NonBlankText | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    category: ResourceCategory | None = None
    audiences: list[str] | None = Field(default=None, max_length=60)
    phone: str | None = Field(default=None, schema_extra={"pattern": PHONE_PATTERN})
    text_number: str | None = Field(default=None, schema_extra={"pattern": PHONE_PATTERN})
    url: HttpUrl | None = None
    email: EmailStr | None = None
    location: str | None = Field(default=None, max_length=300)
    hours: str | None = Field(default=None, max_length=200)
    available_24_7: StrictBool | None = None
    confidential: StrictBool | None = None
    cost: Cost | None = None
    published: StrictBool | None = None
    keywords: list[Keyword] | None = Field(default=None, max_length=MAX_KEYWORDS)
    last_reviewed_on: IsoDate | None = None


class ResourcePublic(SQLModel):
    id: int
    title: str
    description: str
    category: ResourceCategory
    audiences: list[str]
    phone: str | None
    text_number: str | None
    url: str | None
    email: str | None
    location: str | None
    hours: str | None
    available_24_7: bool
    confidential: bool
    cost: Cost | None
    published: bool
    keywords: list[str]
    last_reviewed_on: date | None
    due_for_review: bool
