"""What HSDS 3.0 requires of the objects the directory exports, written down from Open
Referral's schemas (read, not copied): required keys, types, formats (uuid, uri, email,
date-time) and enums. Models forbid keys HSDS does not define, so a misspelt field fails too.

Read with `HsdsServicePage.model_validate_json(body)`: strict JSON mode, so a number never
passes for a string, nor a string for a number or a boolean."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

# The canonical text form of a UUID, lowercase as Python writes it.
UUID_TEXT = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
Uuid = Annotated[str, StringConstraints(pattern=UUID_TEXT)]
# `format: uri`; for a directory people click, only web addresses.
Uri = Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$")]
# opens_at / closes_at: HH:MM, optionally seconds and a `Z` or UTC offset.
ClockTime = Annotated[
    str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?(Z|[+-]\d{2}:\d{2})?$")
]
# Comma-separated two-letter days for `byday` (WEEKLY: no ordinal prefixes).
WeekDays = Annotated[
    str, StringConstraints(pattern=r"^(MO|TU|WE|TH|FR|SA|SU)(,(MO|TU|WE|TH|FR|SA|SU))*$")
]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]


class HsdsObject(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class Organization(HsdsObject):
    # required: id, name, description
    id: Uuid
    name: NonEmpty
    description: str
    alternate_name: str | None = None
    email: EmailStr | None = None
    website: Uri | None = None


class Phone(HsdsObject):
    # required: id, number
    id: Uuid
    number: NonEmpty
    service_id: Uuid | None = None
    organization_id: Uuid | None = None
    extension: float | None = None
    # RFC 6350 telephone types, the list HSDS draws from.
    type: Literal["text", "voice", "fax", "cell", "video", "pager", "textphone"] | None = None
    description: str | None = None


class Schedule(HsdsObject):
    # required: id
    id: Uuid
    service_id: Uuid | None = None
    description: str | None = None
    freq: Literal["WEEKLY", "MONTHLY"] | None = None
    wkst: Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"] | None = None
    byday: WeekDays | None = None
    opens_at: ClockTime | None = None
    closes_at: ClockTime | None = None
    notes: str | None = None


class ServiceArea(HsdsObject):
    # required: id
    id: Uuid
    service_id: Uuid | None = None
    name: str | None = None
    description: str | None = None
    extent_type: Literal["geojson", "topojson", "kml", "text"] | None = None


class CostOption(HsdsObject):
    # required: id
    id: Uuid
    service_id: Uuid | None = None
    option: str | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")] | None = None
    amount: float | None = None
    amount_description: str | None = None


class Taxonomy(HsdsObject):
    # required: id, name, description
    id: Uuid
    name: NonEmpty
    description: str
    uri: Uri | None = None
    version: str | None = None


class TaxonomyTerm(HsdsObject):
    # required: id, name, description
    id: Uuid
    name: NonEmpty
    description: str
    code: str | None = None
    parent_id: Uuid | None = None
    taxonomy: str | None = None
    taxonomy_id: Uuid | None = None
    taxonomy_detail: Taxonomy | None = None


class Attribute(HsdsObject):
    # required: id
    id: Uuid
    link_id: Uuid | None = None
    taxonomy_term_id: Uuid | None = None
    link_type: str | None = None
    link_entity: str | None = None
    value: str | None = None
    taxonomy_term: TaxonomyTerm | None = None


class Service(HsdsObject):
    # required: id, name, status (and organization_id in the tabular form)
    id: Uuid
    name: NonEmpty
    status: Literal["active", "inactive", "defunct", "temporarily closed"]
    organization_id: Uuid | None = None
    description: str | None = None
    url: Uri | None = None
    email: EmailStr | None = None
    fees_description: str | None = None
    eligibility_description: str | None = None
    assured_date: date | None = None
    last_modified: AwareDatetime | None = None
    organization: Organization | None = None
    phones: list[Phone] = Field(default_factory=list)
    schedules: list[Schedule] = Field(default_factory=list)
    service_areas: list[ServiceArea] = Field(default_factory=list)
    cost_options: list[CostOption] = Field(default_factory=list)
    attributes: list[Attribute] = Field(default_factory=list)


class HsdsServicePage(HsdsObject):
    """The page HSDS's `GET /services` answers (its `Page` schema plus `contents`)."""

    total_items: int
    total_pages: int
    page_number: int
    size: int
    first_page: bool
    last_page: bool
    empty: bool
    contents: list[Service]
