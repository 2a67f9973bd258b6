"""Workspace pages: reports (issue 8). Encounter counts by month or quarter and by one
dimension, as a chart with the table beside it, and as a CSV file of the same table.

Coordinators see exact counts; report viewers see the suppressed figures the domain answers
(`domain.reports.service`): a hidden cell is a dash, in the table, the chart and the file alike,
and nothing on the page or in the file carries its value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlmodel import Session

from api.deps import SessionDep
from domain.codes import label
from domain.professions.service import list_professions
from domain.program_settings.service import program_time_zone
from domain.reports.models import (
    EncounterReport,
    ReportDimension,
    ReportPeriod,
    ReportQuery,
    month_text,
)
from domain.reports.service import (
    INTERPROFESSIONAL_VALUES,
    PAIR_SEPARATOR,
    export_encounter_report,
    read_encounter_report,
    sees_exact_counts,
)
from web.charts import HIDDEN_MARK, Series, small_multiples
from web.exports import CsvCell, csv_download
from web.forms import parse_form
from web.pages.common import page
from web.session import SignedInVisitor, Visitor

router = APIRouter(include_in_schema=False)

DEFAULT_MONTHS = 6
QUERY_FIELDS = ("from", "to", "period", "dimension")
HIDDEN_IN_FILE = "hidden"
DIMENSION_LABELS: dict[ReportDimension, str] = {
    ReportDimension.setting: "Setting",
    ReportDimension.initiated_by: "Who started it",
    ReportDimension.modality: "Modality",
    ReportDimension.stressor: "Stressor",
    ReportDimension.element: "Element of support",
    ReportDimension.support_type: "Type of support",
    ReportDimension.escalation: "Escalation",
    ReportDimension.duration_band: "Duration",
    ReportDimension.peer_profession: "Peer's profession",
    ReportDimension.supporter_profession: "Supporter's profession",
    ReportDimension.profession_pair: "Supporter's and peer's professions",
    ReportDimension.interprofessional: "Interprofessional or not",
}
INTERPROFESSIONAL_LABELS = dict(
    zip(INTERPROFESSIONAL_VALUES, ("Interprofessional", "Same profession"), strict=True)
)
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class ReportRow:
    name: str
    figures: list[int | None]  # one per period; None is a hidden cell


@dataclass(frozen=True)
class ReportTable:
    """What the page shows and the file holds: one row per value, then the totals."""

    dimension: str
    periods: list[str]
    rows: list[ReportRow]
    totals: ReportRow
    any_hidden: bool

    def file_rows(self) -> list[list[CsvCell]]:
        return [
            [row.name, *(HIDDEN_IN_FILE if n is None else n for n in row.figures)]
            for row in [*self.rows, self.totals]
        ]


def default_query_values(session: Session) -> dict[str, str]:
    """The last six whole months, in the program's time zone, by setting."""
    today = datetime.now(program_time_zone(session)).date()
    this_month = today.year * 12 + today.month - 1
    return {
        "from": month_text(this_month - DEFAULT_MONTHS),
        "to": month_text(this_month - 1),
        "period": ReportPeriod.month.value,
        "dimension": ReportDimension.setting.value,
    }


def query_values(request: Request, session: Session) -> dict[str, str]:
    """The query string's answers, the defaults for what it leaves out."""
    values = default_query_values(session)
    for name in QUERY_FIELDS:
        given = request.query_params.get(name)
        if given is not None:
            values[name] = given.strip()
    return values


def value_names(session: Session, dimension: ReportDimension) -> dict[str, str]:
    """What people call each value; codes without a name fall back to a readable code."""
    if dimension is ReportDimension.interprofessional:
        return INTERPROFESSIONAL_LABELS
    if dimension in (
        ReportDimension.peer_profession,
        ReportDimension.supporter_profession,
        ReportDimension.profession_pair,
    ):
        professions = list_professions(session=session, include_inactive=True)
        return {profession.code: profession.name for profession in professions}
    return {}


def value_name(value: str, names: dict[str, str]) -> str:
    if PAIR_SEPARATOR in value:
        first, _, second = value.partition(PAIR_SEPARATOR)
        return f"{value_name(first, names)} → {value_name(second, names)}"
    return names.get(value) or label(value)


def report_table(session: Session, report: EncounterReport) -> ReportTable:
    periods = [total.period for total in report.totals]
    column = {period: index for index, period in enumerate(periods)}
    names = value_names(session, report.dimension)
    figures: dict[str, list[int | None]] = {}
    for cell in report.cells:
        row = figures.setdefault(cell.value, [None] * len(periods))
        row[column[cell.period]] = None if cell.suppressed else cell.count
    rows = [ReportRow(value_name(value, names), row) for value, row in figures.items()]
    totals = ReportRow("All encounters", [None if t.suppressed else t.count for t in report.totals])
    any_hidden = any(cell.suppressed for cell in report.cells) or any(
        total.suppressed for total in report.totals
    )
    return ReportTable(DIMENSION_LABELS[report.dimension], periods, rows, totals, any_hidden)


def short_period(period: str, first: bool) -> str:
    """Under a chart's column: "Mar", with the year for January and the first column;
    quarters as "Q1 '26"."""
    year, _, part = period.partition("-")
    if part.startswith("Q"):
        return f"{part} '{year[2:]}"
    month = MONTH_NAMES[int(part) - 1]
    return f"{month} '{year[2:]}" if first or part == "01" else month


def report_chart(table: ReportTable, report: EncounterReport) -> Markup:
    span = f"{report.from_month} to {report.to_month}"
    kind = "quarter" if report.period is ReportPeriod.quarter else "month"
    description = (
        f"One small column chart per value, encounters per {kind}, on one scale. "
        "The table beside the chart lists the same figures."
    )
    if table.any_hidden:
        description += f" A dash ({HIDDEN_MARK}) marks a hidden figure."
    return small_multiples(
        chart_id="report-chart",
        title=f"Encounters by {table.dimension.lower()}, {span}",
        description=description,
        periods=[short_period(p, index == 0) for index, p in enumerate(table.periods)],
        series=[Series(row.name, row.figures) for row in table.rows],
    )


def file_name(report: EncounterReport) -> str:
    return f"encounters-by-{report.dimension.value}-{report.from_month}-to-{report.to_month}.csv"


def _parsed(values: dict[str, str]) -> tuple[ReportQuery | None, dict[str, str]]:
    return parse_form(ReportQuery, values, missing="Choose one.")


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, session: SessionDep, visitor: SignedInVisitor) -> HTMLResponse:
    exact = sees_exact_counts(visitor.actor)  # refuses everyone but coordinators and viewers
    values = query_values(request, session)
    query, errors = _parsed(values)
    context: dict[str, Any] = {"values": values, "errors": errors, "exact": exact}
    if query is not None:
        report = read_encounter_report(session=session, actor=visitor.actor, query=query)
        table = report_table(session, report)
        context.update(
            report=report,
            table=table,
            chart=report_chart(table, report),
            download=_download_link(values),
        )
    return _reports(request, session, visitor, context, status_code=422 if errors else 200)


@router.get("/reports.csv")
def reports_file(request: Request, session: SessionDep, visitor: SignedInVisitor) -> Response:
    exact = sees_exact_counts(visitor.actor)
    values = query_values(request, session)
    query, errors = _parsed(values)
    if query is None:
        context = {"values": values, "errors": errors, "exact": exact}
        return _reports(request, session, visitor, context, status_code=422)
    report = export_encounter_report(session=session, actor=visitor.actor, query=query)
    table = report_table(session, report)
    return csv_download(file_name(report), [table.dimension, *table.periods], table.file_rows())


def _download_link(values: dict[str, str]) -> str:
    return "/reports.csv?" + urlencode({name: values[name] for name in QUERY_FIELDS})


def _reports(
    request: Request,
    session: Session,
    visitor: Visitor,
    context: dict[str, Any],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        request, session, visitor, "reports.html", active="reports", block="report_area",
        status_code=status_code, dimensions=DIMENSION_LABELS, periods=list(ReportPeriod),
        **context,
    )  # fmt: skip
