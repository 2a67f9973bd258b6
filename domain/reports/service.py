"""Encounter reports: counts by month or quarter and by one dimension, counted in SQL with
GROUP BY, exact for coordinators and suppressed for everyone else who may read them: small cells
and cells from too few distinct supporters (DESIGN.md section 3, Reports).

Professions are counted as stored on each encounter at logging, so a past month's answer does
not change when a supporter's profession does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from domain.actors import Actor, require_role
from domain.audit.actions import AuditAction
from domain.audit.service import record_audit_event
from domain.codes import (
    ApiScope,
    DurationBand,
    EncounterSetting,
    Escalation,
    InitiatedBy,
    Modality,
    Role,
    Stressor,
    SupportElement,
    SupportType,
)
from domain.encounters.models import (
    Encounter,
    EncounterElement,
    EncounterStressor,
    EncounterSupportType,
)
from domain.errors import PermissionDenied
from domain.professions.models import Profession
from domain.program_settings.service import get_program_settings
from domain.reports.models import (
    EncounterReport,
    ReportCell,
    ReportDimension,
    ReportPeriod,
    ReportQuery,
    ReportTotal,
    first_day,
    month_number,
    month_text,
    quarter_text,
)
from domain.reports.suppression import (
    PeriodCounts,
    PeriodResult,
    add_periods,
    suppress_period,
    suppress_quarter,
)

REPORTS_SCOPE = ApiScope.reports_read
PAIR_SEPARATOR = ">"  # "supporter_profession>peer_profession"

_CODE_ENUMS: dict[ReportDimension, type[StrEnum]] = {
    ReportDimension.setting: EncounterSetting,
    ReportDimension.initiated_by: InitiatedBy,
    ReportDimension.modality: Modality,
    ReportDimension.stressor: Stressor,
    ReportDimension.element: SupportElement,
    ReportDimension.support_type: SupportType,
    ReportDimension.escalation: Escalation,
    ReportDimension.duration_band: DurationBand,
}
_VALUE_COLUMNS: dict[ReportDimension, tuple[Any, ...]] = {
    ReportDimension.setting: (Encounter.setting,),
    ReportDimension.initiated_by: (Encounter.initiated_by,),
    ReportDimension.modality: (Encounter.modality,),
    ReportDimension.stressor: (EncounterStressor.stressor,),
    ReportDimension.element: (EncounterElement.element,),
    ReportDimension.support_type: (EncounterSupportType.support_type,),
    ReportDimension.escalation: (Encounter.escalation,),
    ReportDimension.duration_band: (Encounter.duration_band,),
    ReportDimension.peer_profession: (Encounter.peer_profession_code,),
    ReportDimension.supporter_profession: (Encounter.supporter_profession,),
    ReportDimension.profession_pair: (
        Encounter.supporter_profession,
        Encounter.peer_profession_code,
    ),
    ReportDimension.interprofessional: (Encounter.interprofessional,),
}
_CHILD_TABLES: dict[ReportDimension, Any] = {
    ReportDimension.stressor: EncounterStressor,
    ReportDimension.element: EncounterElement,
    ReportDimension.support_type: EncounterSupportType,
}
_PROFESSION_DIMENSIONS = frozenset(
    {ReportDimension.peer_profession, ReportDimension.supporter_profession}
)
INTERPROFESSIONAL_VALUES = ("true", "false")


class ReportPeriodSpan(NamedTuple):
    label: str  # "2026-03" or "2026-Q1"
    months: tuple[int, ...]  # month numbers, see `domain.reports.models.month_number`


@dataclass(frozen=True)
class MonthlyTally:
    """What the database counted, by month: sparse, a missing entry is a zero."""

    cells: dict[tuple[int, str], int]  # (month number, value) -> count
    supporters: dict[tuple[int, str], set[int]]  # (month number, value) -> who logged them
    totals: dict[int, int]  # month number -> encounters

    def counts_of(self, month: int, values: Sequence[str]) -> PeriodCounts:
        counts = {value: self.cells.get((month, value), 0) for value in values}
        supporters = {value: frozenset(self.supporters.get((month, value), ())) for value in values}
        return PeriodCounts(counts, self.totals.get(month, 0), supporters)

    def occurring_values(self) -> set[str]:
        return {value for (_, value) in self.cells}


class ReportAudience(StrEnum):
    """Who a report is for. Coordinators get `exact` counts unless they ask for what a
    `suppressed` audience (report viewers, API clients) gets, e.g. to show it to a room."""

    exact = "exact"
    suppressed = "suppressed"


def read_encounter_report(
    *,
    session: Session,
    actor: Actor,
    query: ReportQuery,
    audience: ReportAudience | None = None,
) -> EncounterReport:
    """The report for the actor's audience, or (`audience`) a coordinator's choice of it."""
    exact = sees_exact_counts(actor, audience)
    report = answer_report(session, query, exact=exact)
    _audit_read(session, actor, query.dimension)
    return report


def answer_report(session: Session, query: ReportQuery, *, exact: bool) -> EncounterReport:
    """Count and (unless `exact`) suppress; for callers that checked the actor and audit."""
    first, last = covered_months(query)
    tally = count_by_month(session, query.dimension, first, last)
    values = _possible_values(session, query.dimension, tally.occurring_values())
    settings = get_program_settings(session)
    k, min_supporters = settings.small_cell_threshold, settings.min_distinct_supporters
    cells: list[ReportCell] = []
    totals: list[ReportTotal] = []
    for period in report_periods(first, last, query.period):
        months = [tally.counts_of(month, values) for month in period.months]
        hidden = None
        if not exact:
            hidden = _suppress(
                months, k=k, min_supporters=min_supporters, dimension=query.dimension
            )
        period_cells, period_total = _period_answer(period.label, months, hidden)
        cells += period_cells
        totals.append(period_total)
    return EncounterReport(
        dimension=query.dimension,
        period=query.period,
        from_month=month_text(first),
        to_month=month_text(last),
        k=k,
        min_distinct_supporters=min_supporters,
        suppressed_for_audience=not exact,
        cells=cells,
        totals=totals,
    )


def _audit_read(session: Session, actor: Actor, dimension: ReportDimension | str) -> None:
    """Every read, by people and API clients alike."""
    record_audit_event(
        session=session,
        actor=actor,
        action=AuditAction.report_read,
        object_type="report",
        object_id=str(dimension),
    )


def export_encounter_report(
    *, session: Session, actor: Actor, query: ReportQuery
) -> EncounterReport:
    """The same answer as `read_encounter_report`, for a file that leaves the program: audited
    as a read and as an export."""
    report = read_encounter_report(session=session, actor=actor, query=query)
    record_audit_event(
        session=session,
        actor=actor,
        action=AuditAction.report_export,
        object_type="report",
        object_id=query.dimension.value,
    )
    return report


def sees_exact_counts(actor: Actor, audience: ReportAudience | None = None) -> bool:
    """Coordinators see exact counts; report viewers and API clients with the reports scope get
    suppressed ones; nobody else reads reports (an admin alone neither: least privilege). A
    coordinator may ask for the suppressed answer; nobody else may ask for exact counts."""
    if actor.is_api_client:
        if not actor.has_scope(REPORTS_SCOPE):
            raise PermissionDenied(f"This API client needs the {REPORTS_SCOPE} scope.")
        exact = False
    else:
        require_role(actor, Role.coordinator, Role.report_viewer, to="read reports")
        exact = actor.has_any_role(Role.coordinator)
    if audience is ReportAudience.exact and not exact:
        raise PermissionDenied("Exact counts are for coordinators.")
    return exact and audience is not ReportAudience.suppressed


def covered_months(query: ReportQuery) -> tuple[int, int]:
    """First and last month numbers covered, widened to whole quarters for quarterly answers."""
    first, last = month_number(query.from_month), month_number(query.to_month)
    if query.period is ReportPeriod.quarter:
        first -= first % 3
        last += 2 - last % 3
    return first, last


def report_periods(first: int, last: int, period: ReportPeriod) -> list[ReportPeriodSpan]:
    if period is ReportPeriod.month:
        return [ReportPeriodSpan(month_text(m), (m,)) for m in range(first, last + 1)]
    return [ReportPeriodSpan(quarter_text(m), (m, m + 1, m + 2)) for m in range(first, last + 1, 3)]


# Counting


def _year_and_month() -> tuple[Any, Any]:
    # EXTRACT on PostgreSQL, STRFTIME on SQLite: SQLAlchemy compiles it for each.
    occurred_on = col(Encounter.occurred_on)
    return sa.extract("year", occurred_on), sa.extract("month", occurred_on)


def _within(first: int, last: int) -> Any:
    occurred_on = col(Encounter.occurred_on)
    return sa.and_(occurred_on >= first_day(first), occurred_on < first_day(last + 1))


def count_statement(dimension: ReportDimension, first: int, last: int) -> Any:
    """Encounters (or child rows) by year, month, supporter and value, from `first` to `last`
    inclusive: one row per supporter and cell, so distinct supporters are known (rule 4)."""
    year, month = _year_and_month()
    supporter = col(Encounter.supporter_id)
    value_columns = [col(column) for column in _VALUE_COLUMNS[dimension]]
    statement = sa.select(year, month, supporter, *value_columns, func.count())
    statement = statement.select_from(Encounter)
    if dimension in _CHILD_TABLES:
        child = _CHILD_TABLES[dimension]
        statement = statement.join(child, col(child.encounter_id) == col(Encounter.id))
    return statement.where(_within(first, last)).group_by(year, month, supporter, *value_columns)


def totals_statement(first: int, last: int) -> Any:
    year, month = _year_and_month()
    return (
        sa.select(year, month, func.count(col(Encounter.id)))
        .where(_within(first, last))
        .group_by(year, month)
    )


def count_by_month(
    session: Session, dimension: ReportDimension, first: int, last: int
) -> MonthlyTally:
    """Two GROUP BY queries, whatever the number of encounters."""
    cells: dict[tuple[int, str], int] = {}
    supporters: dict[tuple[int, str], set[int]] = {}
    for year, month, supporter, *value, count in session.exec(
        count_statement(dimension, first, last)
    ):
        cell = (_month_of(year, month), _value_code(value))
        cells[cell] = cells.get(cell, 0) + count
        supporters.setdefault(cell, set()).add(supporter)
    totals = {
        _month_of(year, month): count
        for year, month, count in session.exec(totals_statement(first, last))
    }
    return MonthlyTally(cells=cells, supporters=supporters, totals=totals)


def _month_of(year: Any, month: Any) -> int:
    # int(): PostgreSQL's EXTRACT answers numerics (Decimal), SQLite's integers.
    return int(year) * 12 + int(month) - 1


def _value_code(columns: Sequence[Any]) -> str:
    if len(columns) == 2:
        return PAIR_SEPARATOR.join(str(code) for code in columns)
    (value,) = columns
    if isinstance(value, bool):
        return INTERPROFESSIONAL_VALUES[0] if value else INTERPROFESSIONAL_VALUES[1]
    return str(value)  # a code enum member or a profession code


def _possible_values(
    session: Session, dimension: ReportDimension, occurring: set[str]
) -> list[str]:
    """Every value a cell is shown for, in code order: zeros are answers too."""
    if dimension in _CODE_ENUMS:
        return [member.value for member in _CODE_ENUMS[dimension]]
    if dimension is ReportDimension.interprofessional:
        return list(INTERPROFESSIONAL_VALUES)
    if dimension in _PROFESSION_DIMENSIONS:
        # Inactive professions still count the encounters logged while they were active.
        return sorted(_active_profession_codes(session) | occurring)
    # 17 professions make 289 pairs: list the pairs that occur somewhere in the answer.
    return sorted(occurring)


def _active_profession_codes(session: Session) -> set[str]:
    return set(session.exec(select(Profession.code).where(col(Profession.active).is_(True))))


# Suppressing and answering


def _suppress(
    months: list[PeriodCounts], *, k: int, min_supporters: int, dimension: ReportDimension
) -> PeriodResult:
    single_valued = dimension.single_valued
    if len(months) == 1:
        (month,) = months
        return suppress_period(
            month, k=k, min_supporters=min_supporters, single_valued=single_valued
        )
    return suppress_quarter(months, k=k, min_supporters=min_supporters, single_valued=single_valued)


def _period_answer(
    label: str, months: list[PeriodCounts], hidden: PeriodResult | None
) -> tuple[list[ReportCell], ReportTotal]:
    """The cells and the total of one period; `hidden` is None for exact answers."""
    if hidden is None:
        hidden = PeriodResult(frozenset(), total_suppressed=False)
    period = add_periods(months)
    cells = [
        ReportCell(
            period=label,
            value=value,
            count=None if value in hidden.suppressed else count,
            suppressed=value in hidden.suppressed,
        )
        for value, count in period.counts.items()
    ]
    return cells, ReportTotal(
        period=label,
        count=None if hidden.total_suppressed else period.total,
        suppressed=hidden.total_suppressed,
    )
