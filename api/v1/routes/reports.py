"""Aggregate encounter reports. Coordinators see exact counts; report viewers and API clients
get small cells, and cells from too few distinct supporters, suppressed (the answer states k and
min_distinct_supporters)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.deps import SessionDep
from api.v1.deps import CurrentActor
from api.v1.problems import errors
from domain.reports.models import EncounterReport, ReportDimension, ReportPeriod, ReportQuery
from domain.reports.service import read_encounter_report

router = APIRouter(tags=["reports"])
QUERY_NAMES = {"from_month": "from", "to_month": "to"}


def report_query(
    from_month: str, to_month: str, period: ReportPeriod, dimension: ReportDimension
) -> ReportQuery:
    """The domain's query; its refusals name the query parameters `from` and `to`."""
    try:
        return ReportQuery(
            from_month=from_month, to_month=to_month, period=period, dimension=dimension
        )
    except ValidationError as error:
        problems = [
            {**item, "loc": ("query", QUERY_NAMES.get(str(item["loc"][0]), item["loc"][0]))}
            for item in error.errors()
        ]
        raise RequestValidationError(problems) from None


@router.get(
    "/reports/encounters",
    summary="Encounters by month or quarter for one dimension",
    response_model=EncounterReport,
    responses=errors(401, 403, 422),
)
def encounter_report_route(
    actor: CurrentActor,
    session: SessionDep,
    from_month: Annotated[str, Query(alias="from", max_length=7, description="YYYY-MM")],
    to_month: Annotated[str, Query(alias="to", max_length=7, description="YYYY-MM, inclusive")],
    dimension: ReportDimension,
    period: ReportPeriod = ReportPeriod.month,
) -> EncounterReport:
    query = report_query(from_month, to_month, period, dimension)
    return read_encounter_report(session=session, actor=actor, query=query)
