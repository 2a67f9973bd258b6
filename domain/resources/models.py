import re
from datetime import date, datetime
from typing import Annotated

import sqlalchemy as sa
from pydantic import (
    AfterValidator,
    BeforeValidator,
    EmailStr,
    HttpUrl,
    StrictBool,
    StringConstraints,
    UrlConstraints,
    WithJsonSchema,
)
from sqlalchemy import event
from sqlmodel import Field, Relationship, SQLModel

from domain.codes import Cost, ResourceCategory, label
from domain.columns import code_column, timestamp_column, utcnow
from domain.schemas import InputSchema
from domain.types import IsoDate, NonBlankText

REVIEW_INTERVAL_MONTHS = 12
MAX_KEYWORDS = 30
MAX_PHONE_LENGTH = 40
MAX_URL_LENGTH = 500
# A directory search (`q`), on the API and on the pages alike: words past this add nothing a
# person would miss (the search also stops at a number of words).
MAX_SEARCH_TEXT_LENGTH = 100
# What a link may start with (case aside): `https:example.org` without the slashes is refused
# rather than guessed at.
WEB_ADDRESS_PREFIXES = ("https://", "http://")
# A number a phone can dial: at least 3 digits ("988"), with only the separators people write
# ("1-888-409-0141", "(555) 555-0142", "+1 555.555.0100"). No letters: "call me" is no number.
PHONE_PATTERN = r"^[ +().\-]*([0-9][ +().\-]*){3,}$"
PHONE_MESSAGE = (
    "give a phone number of at least 3 digits, with only digits, spaces, +, -, . and parentheses"
)
WEB_ADDRESS_MESSAGE = "give a web address that starts with https:// or http://"
KEYWORD_COMMA_MESSAGE = "a keyword cannot hold a comma (commas separate keywords)"


def _dialable(value: str) -> str:
    if len(value) > MAX_PHONE_LENGTH:
        raise ValueError(f"keep the phone number to {MAX_PHONE_LENGTH} characters")
    if not re.fullmatch(PHONE_PATTERN, value):
        raise ValueError(PHONE_MESSAGE)
    return value


def is_web_address(value: object) -> bool:
    """An http or https address, the only kind that becomes a link: a `javascript:` or `data:`
    address in a link runs in the page of whoever clicks it, and `ftp:` or `file:` open nothing
    useful. Takes anything whose text is an address (a stored `str`, a validated `HttpUrl`), so
    the schema, the HSDS export and the card template ask the same question."""
    if value is None:
        return False
    return str(value).strip().lower().startswith(WEB_ADDRESS_PREFIXES)


def _web_scheme(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        if not is_web_address(value):
            raise ValueError(WEB_ADDRESS_MESSAGE)
    return value


def _storable_web_address(value: HttpUrl) -> HttpUrl:
    # Normalizing may add a character ("https://example.org" gains its "/").
    if len(str(value)) > MAX_URL_LENGTH:
        raise ValueError(f"keep the web address under {MAX_URL_LENGTH} characters")
    return value


def _without_commas(value: str) -> str:
    if "," in value:
        raise ValueError(KEYWORD_COMMA_MESSAGE)
    return value


def _distinct_keywords(values: list[str]) -> list[str]:
    """Each keyword once, in the order given ("EAP" and "eap" are the same word)."""
    seen: set[str] = set()
    distinct = []
    for value in values:
        if value.casefold() not in seen:
            seen.add(value.casefold())
            distinct.append(value)
    return distinct


PhoneNumber = Annotated[
    str,
    StringConstraints(strip_whitespace=True),
    AfterValidator(_dialable),
    WithJsonSchema({"type": "string", "pattern": PHONE_PATTERN, "maxLength": MAX_PHONE_LENGTH}),
]
WebAddress = Annotated[
    HttpUrl,
    UrlConstraints(max_length=MAX_URL_LENGTH),
    BeforeValidator(_web_scheme),
    AfterValidator(_storable_web_address),
]
Keyword = Annotated[NonBlankText, StringConstraints(max_length=60), AfterValidator(_without_commas)]
Keywords = Annotated[list[Keyword], AfterValidator(_distinct_keywords)]


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
    phone: PhoneNumber | None = None
    text_number: PhoneNumber | None = None
    url: WebAddress | None = None
    email: EmailStr | None = None
    location: str | None = Field(default=None, max_length=300)
    hours: str | None = Field(default=None, max_length=200)
    available_24_7: StrictBool = False
    confidential: StrictBool = False
    cost: Cost | None = None
    published: StrictBool = False
    keywords: Keywords = Field(default_factory=list, max_length=MAX_KEYWORDS)
    last_reviewed_on: IsoDate | None = None


class ResourceCreate(ResourceFields):
    pass


class ResourceUpdate(InputSchema):
    title: NonBlankText | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    category: ResourceCategory | None = None
    audiences: list[str] | None = Field(default=None, max_length=60)
    phone: PhoneNumber | None = None
    text_number: PhoneNumber | None = None
    url: WebAddress | None = None
    email: EmailStr | None = None
    location: str | None = Field(default=None, max_length=300)
    hours: str | None = Field(default=None, max_length=200)
    available_24_7: StrictBool | None = None
    confidential: StrictBool | None = None
    cost: Cost | None = None
    published: StrictBool | None = None
    keywords: Keywords | None = Field(default=None, max_length=MAX_KEYWORDS)
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
