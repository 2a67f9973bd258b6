"""What a report is asked for and what it answers (DESIGN.md section 3, Reports).

Months travel as "YYYY-MM" strings and are counted internally as month numbers
(`year * 12 + month - 1`), so spans and quarters are plain integer arithmetic."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import AliasChoices, ConfigDict, ValidationInfo, field_validator
from sqlmodel import Field, SQLModel

from domain.schemas import InputSchema

MAX_SPAN_MONTHS = 36
MONTH_PATTERN = re.compile(r"((?:19|20)\d\d)-(0[1-9]|1[0-2])")


class ReportPeriod(StrEnum):
    month = "month"
    quarter = "quarter"


class ReportDimension(StrEnum):
    setting = "setting"
    initiated_by = "initiated_by"
    modality = "modality"
    stressor = "stressor"
    element = "element"
    support_type = "support_type"
    escalation = "escalation"
    duration_band = "duration_band"
    peer_profession = "peer_profession"
    supporter_profession = "supporter_profession"
    profession_pair = "profession_pair"
    interprofessional = "interprofessional"

    @property
    def single_valued(self) -> bool:
        """Every encounter has exactly one value, so a period's cells add up to its total."""
        return self not in MULTI_VALUED_DIMENSIONS


# An encounter has one or more of these, so a period's cells add up to at least its total.
MULTI_VALUED_DIMENSIONS = frozenset(
    {ReportDimension.stressor, ReportDimension.element, ReportDimension.support_type}
)


def month_number(text: str) -> int:
    """ "2026-03" -> 2026 * 12 + 2; the text is a valid month (see `ReportQuery`)."""
    year, month = text.split("-")
    return int(year) * 12 + int(month) - 1


def month_text(number: int) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def quarter_text(number: int) -> str:
    """The quarter a month belongs to: 2026-02 -> "2026-Q1"."""
    return f"{number // 12:04d}-Q{number % 12 // 3 + 1}"


def first_day(number: int) -> date:
    return date(number // 12, number % 12 + 1, 1)


def _accepts(*names: str) -> dict[str, Any]:
    # Passed through `schema_extra` because SQLModel's `Field` takes only one name; this way
    # type checkers still see the Python name in the constructor.
    return {"validation_alias": AliasChoices(*names)}


class ReportQuery(InputSchema):
    """`from` and `to` are inclusive calendar months: suppressed audiences never get day ranges.

    For `period=quarter` both ends widen to whole calendar quarters; the answer says which."""

    # The API's query string says `from` and `to`; Python code says `from_month` and `to_month`.
    from_month: str = Field(
        description="First month, YYYY-MM", schema_extra=_accepts("from_month", "from")
    )
    to_month: str = Field(
        description="Last month, YYYY-MM (inclusive)", schema_extra=_accepts("to_month", "to")
    )
    period: ReportPeriod = ReportPeriod.month
    dimension: ReportDimension

    @field_validator("from_month", "to_month")
    @classmethod
    def is_a_month(cls, value: str) -> str:
        if not MONTH_PATTERN.fullmatch(value):
            raise ValueError(f"{value!r} is not a month written YYYY-MM (1900-2099), like 2026-03")
        return value

    @field_validator("to_month")
    @classmethod
    def is_within_reach_of_from(cls, value: str, info: ValidationInfo) -> str:
        start = info.data.get("from_month")
        if start is None:  # `from_month` was refused already; one message is enough
            return value
        span = month_number(value) - month_number(start) + 1
        if span < 1:
            raise ValueError(f"the last month {value} is before the first month {start}")
        if span > MAX_SPAN_MONTHS:
            raise ValueError(
                f"a report covers at most {MAX_SPAN_MONTHS} months; {start} to {value} is {span}"
            )
        return value


class ReportCell(SQLModel):
    """One value in one period. A suppressed cell has `count` None and `suppressed` True."""

    period: str = Field(description='"2026-03" or "2026-Q1"')
    value: str
    count: int | None
    suppressed: bool


class ReportTotal(SQLModel):
    """Encounters in a period: not the sum of the cells when encounters have several values."""

    period: str
    count: int | None
    suppressed: bool


class EncounterReport(SQLModel):
    """Counts of encounters by period and value, with a cell for every (period, value), zeros too.

    `from`/`to` are the months actually covered (widened to whole quarters for `period=quarter`).
    `k` is the small-cell threshold in force and `min_distinct_supporters` the fewest distinct
    supporters a shown cell comes from; `suppressed_for_audience` is false only for coordinators,
    who see exact counts (neither threshold applies to them). A period whose cells cannot
    otherwise be protected is suppressed whole: every cell, zeros included, and its total."""

    model_config = ConfigDict(serialize_by_alias=True)  # type: ignore[assignment]

    dimension: ReportDimension
    period: ReportPeriod
    from_month: str = Field(serialization_alias="from")
    to_month: str = Field(serialization_alias="to")
    k: int
    min_distinct_supporters: int
    suppressed_for_audience: bool
    cells: list[ReportCell]
    totals: list[ReportTotal]
