"""The monthly tally: the figures of one month, beside the month before, shown at the monthly
session where supporters share the number and types of their encounters.

Rules:
- Coordinators read it (they run the meeting); one read is one audited report read
  (`report.read` on `tally:YYYY-MM`).
- The room sees what report viewers see: the answers of `domain.reports.service` for the
  suppressed audience, never anything derived from exact counts, so supporters in the room do
  not learn a colleague's month. A coordinator's own screen may ask for exact counts.
- Each figure is a report cell: the month and the month before are two periods of one report
  per dimension, suppressed period by period exactly as a report viewer's report of the same
  two months.
- The interprofessional share is shown only when both of its cells are shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from sqlmodel import Session

from domain.actors import Actor, require_role
from domain.codes import Role
from domain.errors import InvalidInput
from domain.program_settings.service import get_program_settings
from domain.reports.models import (
    EncounterReport,
    ReportDimension,
    ReportPeriod,
    ReportQuery,
    month_number,
    month_text,
)
from domain.reports.service import (
    INTERPROFESSIONAL_VALUES,
    PAIR_SEPARATOR,
    ReportAudience,
    _audit_read,
    answer_report,
)

# The tables of the tally, in the order the page shows them.
TALLY_DIMENSIONS = (
    ReportDimension.stressor,
    ReportDimension.setting,
    ReportDimension.element,
    ReportDimension.support_type,
    ReportDimension.escalation,
)


@dataclass(frozen=True)
class Figure:
    """A count as its audience may see it: `count` is None when suppressed."""

    count: int | None
    suppressed: bool

    @property
    def shown(self) -> bool:
        return not self.suppressed


ZERO = Figure(0, suppressed=False)


@dataclass(frozen=True)
class Share:
    """The interprofessional share in percent: None when hidden, or without encounters."""

    percent: int | None
    suppressed: bool


@dataclass(frozen=True)
class TallyLine:
    value: str
    month: Figure
    before: Figure


@dataclass(frozen=True)
class TallySection:
    dimension: ReportDimension
    lines: list[TallyLine]

    @property
    def multi_valued(self) -> bool:
        return not self.dimension.single_valued


@dataclass(frozen=True)
class ProfessionMatrix:
    """Supporter profession (rows) by peer profession (columns) for the month: the professions
    of the pairs counted (or hidden) this month; a pair not listed is a zero."""

    supporter_professions: list[str]
    peer_professions: list[str]
    cells: dict[tuple[str, str], Figure]

    def figure(self, supporter_profession: str, peer_profession: str) -> Figure:
        return self.cells.get((supporter_profession, peer_profession), ZERO)


@dataclass(frozen=True)
class MonthlyTally:
    month: str  # "2026-03"
    before: str  # "2026-02"
    exact: bool
    k: int
    min_distinct_supporters: int
    total: TallyLine  # encounters in each month
    sections: list[TallySection]
    interprofessional: TallyLine  # encounters where the peer's profession differs
    share_percent: tuple[Share, Share]  # the month, the month before
    matrix: ProfessionMatrix


def previous_month(month: str) -> str:
    return month_text(month_number(month) - 1)


def read_monthly_tally(
    *, session: Session, actor: Actor, month: str, audience: ReportAudience
) -> MonthlyTally:
    """The tally of `month` ("YYYY-MM") and the month before, for `audience`: `suppressed` is
    what the room sees, `exact` the coordinator's own screen."""
    require_role(actor, Role.coordinator, to="see the monthly tally")
    before = _month_before_or_refuse(month)
    exact = audience is ReportAudience.exact

    def report(dimension: ReportDimension) -> EncounterReport:
        query = ReportQuery(
            from_month=before, to_month=month, period=ReportPeriod.month, dimension=dimension
        )
        return answer_report(session, query, exact=exact)

    sections = [TallySection(d, _lines(report(d), month, before)) for d in TALLY_DIMENSIONS]
    split = report(ReportDimension.interprofessional)
    pairs = report(ReportDimension.profession_pair)
    settings = get_program_settings(session)
    _audit_read(session, actor, f"tally:{month}")
    return MonthlyTally(
        month=month,
        before=before,
        exact=exact,
        k=settings.small_cell_threshold,
        min_distinct_supporters=settings.min_distinct_supporters,
        total=_total_line(split, month, before),
        sections=sections,
        interprofessional=_line(split, INTERPROFESSIONAL_VALUES[0], month, before),
        share_percent=(_share(split, month), _share(split, before)),
        matrix=_matrix(pairs, month),
    )


def _month_before_or_refuse(month: str) -> str:
    """The month before a valid month that has one in reach of reports (1900-02 to 2099-12)."""
    try:
        ReportQuery(from_month=month, to_month=month, dimension=ReportDimension.setting)
        before = previous_month(month)
        ReportQuery(from_month=before, to_month=month, dimension=ReportDimension.setting)
    except ValidationError:
        raise InvalidInput(
            f"{month!r} is not a month written YYYY-MM, like 2026-03.", field="month"
        ) from None
    return before


def _figure(report: EncounterReport, period: str, value: str) -> Figure:
    for cell in report.cells:
        if cell.period == period and cell.value == value:
            return Figure(cell.count, cell.suppressed)
    return ZERO


def _line(report: EncounterReport, value: str, month: str, before: str) -> TallyLine:
    return TallyLine(value, _figure(report, month, value), _figure(report, before, value))


def _lines(report: EncounterReport, month: str, before: str) -> list[TallyLine]:
    values = list(dict.fromkeys(cell.value for cell in report.cells))
    return [_line(report, value, month, before) for value in values]


def _total_line(report: EncounterReport, month: str, before: str) -> TallyLine:
    totals = {total.period: Figure(total.count, total.suppressed) for total in report.totals}
    return TallyLine("total", totals.get(month, ZERO), totals.get(before, ZERO))


def _share(report: EncounterReport, period: str) -> Share:
    """Percent of the period's encounters that were interprofessional, when both cells show."""
    crossing = _figure(report, period, INTERPROFESSIONAL_VALUES[0])
    within = _figure(report, period, INTERPROFESSIONAL_VALUES[1])
    if crossing.count is None or within.count is None:
        return Share(None, suppressed=True)
    counted = crossing.count + within.count
    return Share(round(100 * crossing.count / counted) if counted else None, suppressed=False)


def _matrix(report: EncounterReport, month: str) -> ProfessionMatrix:
    cells: dict[tuple[str, str], Figure] = {}
    for cell in report.cells:
        supporter_profession, _, peer_profession = cell.value.partition(PAIR_SEPARATOR)
        if cell.period == month:
            cells[(supporter_profession, peer_profession)] = Figure(cell.count, cell.suppressed)
    # Rows and columns with something to show this month: a pair counted only the month
    # before is a zero here, and the answer lists it for the month before's sake.
    occurring = [pair for pair, figure in cells.items() if figure.suppressed or figure.count]
    return ProfessionMatrix(
        supporter_professions=sorted({pair[0] for pair in occurring}),
        peer_professions=sorted({pair[1] for pair in occurring}),
        cells=cells,
    )
