"""Input types shared by the schemas."""

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, StrictInt

# Row ids are 32-bit integers in PostgreSQL; larger numbers can never name a row.
MAX_ROW_ID = 2**31 - 1
# The most fields a submitted form may carry (the pages' form reader refuses more, and a kept
# form never holds more).
MAX_FORM_FIELDS = 200
RowId = Annotated[StrictInt, Field(ge=1, le=MAX_ROW_ID)]


def _iso_date_text(value: object) -> object:
    """Dates come as YYYY-MM-DD text (or date objects from code), never as numbers: pydantic
    would otherwise read 0 or "0" as a Unix timestamp."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return value
    raise ValueError("give a date as YYYY-MM-DD")


def _iso_datetime_text(value: object) -> object:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and ISO_DATE.match(value) and "T" in value.upper():
        return value
    raise ValueError("give a time as YYYY-MM-DDTHH:MM:SS with its UTC offset, e.g. ...Z")


def _plausible_year(value: date) -> date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"give a date between {MIN_YEAR} and {MAX_YEAR}")
    return value


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MIN_YEAR, MAX_YEAR = 1900, 2100
IsoDate = Annotated[date, BeforeValidator(_iso_date_text), AfterValidator(_plausible_year)]
IsoDateTime = Annotated[
    datetime, BeforeValidator(_iso_datetime_text), AfterValidator(_plausible_year)
]


def _stripped_non_blank(value: str) -> str:
    stripped = value.strip()
    if not stripped:
        raise ValueError("this cannot be blank")
    return stripped


# Names and titles: surrounding spaces dropped, and nothing but spaces refused.
NonBlankText = Annotated[str, AfterValidator(_stripped_non_blank)]
