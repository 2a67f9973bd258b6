"""The monthly tally: its figures, who reads it, and that the room sees exactly what a report
viewer sees (the same suppressed cells, the same shown counts)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from domain.actors import Actor
from domain.errors import InvalidInput, PermissionDenied
from domain.reports.models import EncounterReport, ReportDimension, ReportQuery
from domain.reports.service import ReportAudience, read_encounter_report
from domain.reports.tally import (
    TALLY_DIMENSIONS,
    Figure,
    MonthlyTally,
    Share,
    read_monthly_tally,
)
from domain.supporters.models import Supporter
from tests.factories import (
    ADMIN,
    COORDINATOR,
    REPORT_VIEWER,
    RESOURCE_EDITOR,
    SUPPORTER,
    add_encounter_rows_by,
    audit_actions,
    make_supporter,
)

MARCH, FEBRUARY = date(2025, 3, 12), date(2025, 2, 12)
READING_CLIENT = Actor.for_api_client(41, frozenset({"reports:read"}))


def team(db: Session, count: int, profession: str = "nurse") -> list[Supporter]:
    return [make_supporter(db, profession_code=profession) for _ in range(count)]


def busy_march(db: Session) -> None:
    """March: nurses 30 inpatient (to physicians), 12 ICU (to nurses), 4 ED from 2 nurses
    (an urgent consult); pharmacists 15 office encounters to physicians. February: 25 nurse
    inpatient encounters to physicians."""
    nurses, pharmacists = team(db, 4), team(db, 3, "pharmacist")
    add_encounter_rows_by(db, nurses, 30, on=MARCH, stressors=("adverse_event", "personal"))
    add_encounter_rows_by(db, nurses, 12, on=MARCH, setting="icu", peer_profession_code="nurse")
    add_encounter_rows_by(
        db, nurses[:2], 4, on=MARCH, setting="emergency_department", escalation="urgent_consult"
    )
    add_encounter_rows_by(db, pharmacists, 15, on=MARCH, setting="office")
    add_encounter_rows_by(db, nurses, 25, on=FEBRUARY)


def tally(db: Session, audience: ReportAudience, actor: Actor = COORDINATOR) -> MonthlyTally:
    return read_monthly_tally(session=db, actor=actor, month="2025-03", audience=audience)


def figures(answer: MonthlyTally, dimension: ReportDimension) -> dict[str, tuple[Figure, Figure]]:
    (section,) = [s for s in answer.sections if s.dimension is dimension]
    return {line.value: (line.month, line.before) for line in section.lines}


def exact(count: int) -> Figure:
    return Figure(count, suppressed=False)


HIDDEN = Figure(None, suppressed=True)


def test_the_exact_tally_counts_each_dimension_for_the_month_and_the_month_before(
    db: Session,
) -> None:
    busy_march(db)
    answer = tally(db, ReportAudience.exact)
    assert (answer.month, answer.before, answer.exact) == ("2025-03", "2025-02", True)
    assert (answer.total.month, answer.total.before) == (exact(61), exact(25))
    settings = figures(answer, ReportDimension.setting)
    assert settings["inpatient_unit"] == (exact(30), exact(25))
    assert settings["icu"] == (exact(12), exact(0))
    assert settings["emergency_department"] == (exact(4), exact(0))
    assert settings["office"] == (exact(15), exact(0))
    assert settings["virtual"] == (exact(0), exact(0))  # every value, zeros too
    stressors = figures(answer, ReportDimension.stressor)
    assert stressors["adverse_event"] == (exact(61), exact(25))
    assert stressors["personal"] == (exact(30), exact(0))
    escalations = figures(answer, ReportDimension.escalation)
    assert escalations["urgent_consult"] == (exact(4), exact(0))
    assert escalations["none"] == (exact(57), exact(25))
    assert [s.dimension for s in answer.sections] == list(TALLY_DIMENSIONS)


def test_the_exact_tally_has_the_interprofessional_share_and_the_profession_matrix(
    db: Session,
) -> None:
    busy_march(db)
    answer = tally(db, ReportAudience.exact)
    # Interprofessional: 30 + 4 nurse-to-physician and 15 pharmacist-to-physician of 61.
    assert answer.interprofessional.month == exact(49)
    assert answer.share_percent == (Share(80, suppressed=False), Share(100, suppressed=False))
    matrix = answer.matrix
    assert matrix.supporter_professions == ["nurse", "pharmacist"]
    assert matrix.peer_professions == ["nurse", "physician"]
    assert matrix.figure("nurse", "physician") == exact(34)
    assert matrix.figure("nurse", "nurse") == exact(12)
    assert matrix.figure("pharmacist", "physician") == exact(15)
    assert matrix.figure("pharmacist", "nurse") == exact(0)


def report_viewers_report(db: Session, dimension: ReportDimension) -> EncounterReport:
    query = ReportQuery(from_month="2025-02", to_month="2025-03", dimension=dimension)
    return read_encounter_report(session=db, actor=REPORT_VIEWER, query=query)


def cell_figures(report: EncounterReport, period: str) -> dict[str, Figure]:
    return {c.value: Figure(c.count, c.suppressed) for c in report.cells if c.period == period}


def test_the_room_view_suppresses_exactly_what_a_report_viewer_sees(db: Session) -> None:
    busy_march(db)
    room = tally(db, ReportAudience.suppressed)
    assert room.exact is False
    for dimension in TALLY_DIMENSIONS:
        seen = report_viewers_report(db, dimension)
        lines = figures(room, dimension)
        assert {value: pair[0] for value, pair in lines.items()} == cell_figures(seen, "2025-03")
        assert {value: pair[1] for value, pair in lines.items()} == cell_figures(seen, "2025-02")
    pairs = cell_figures(report_viewers_report(db, ReportDimension.profession_pair), "2025-03")
    assert {f"{a}>{b}": f for (a, b), f in room.matrix.cells.items()} == pairs
    split = report_viewers_report(db, ReportDimension.interprofessional)
    assert room.interprofessional.month == cell_figures(split, "2025-03")["true"]
    # The ED's 4 encounters from 2 nurses are hidden, and with them the next smallest cell.
    settings = figures(room, ReportDimension.setting)
    assert settings["emergency_department"][0] == HIDDEN
    assert settings["icu"][0] == HIDDEN
    assert settings["inpatient_unit"][0] == exact(30)
    assert figures(room, ReportDimension.escalation)["urgent_consult"][0] == HIDDEN
    assert room.matrix.figure("nurse", "nurse") == exact(12)
    assert room.share_percent[0].suppressed == room.interprofessional.month.suppressed


def test_no_room_figure_is_a_count_the_report_viewer_does_not_see(db: Session) -> None:
    busy_march(db)
    room = tally(db, ReportAudience.suppressed)
    shown = [
        figure
        for section in room.sections
        for line in section.lines
        for figure in (line.month, line.before)
    ] + list(room.matrix.cells.values())
    assert all(figure.count is None for figure in shown if figure.suppressed)


def test_a_coordinator_may_ask_a_report_for_the_suppressed_audience(db: Session) -> None:
    busy_march(db)
    query = ReportQuery(from_month="2025-03", to_month="2025-03", dimension=ReportDimension.setting)
    as_room = read_encounter_report(
        session=db, actor=COORDINATOR, query=query, audience=ReportAudience.suppressed
    )
    as_viewer = read_encounter_report(session=db, actor=REPORT_VIEWER, query=query)
    assert as_room.cells == as_viewer.cells
    assert as_room.suppressed_for_audience is True
    with pytest.raises(PermissionDenied, match="Exact counts are for coordinators"):
        read_encounter_report(
            session=db, actor=REPORT_VIEWER, query=query, audience=ReportAudience.exact
        )
    with pytest.raises(PermissionDenied):
        read_encounter_report(
            session=db, actor=READING_CLIENT, query=query, audience=ReportAudience.exact
        )


@pytest.mark.parametrize(
    "actor", [REPORT_VIEWER, ADMIN, SUPPORTER, RESOURCE_EDITOR, READING_CLIENT]
)
def test_only_coordinators_read_the_tally(db: Session, actor: Actor) -> None:
    for audience in ReportAudience:
        with pytest.raises(PermissionDenied, match="to see the monthly tally"):
            tally(db, audience, actor)


def test_a_tally_read_is_one_audited_report_read(db: Session) -> None:
    tally(db, ReportAudience.suppressed)
    assert audit_actions(db, object_type="report", object_id="tally:2025-03") == ["report.read"]


@pytest.mark.parametrize("month", ["2025-13", "2025-3", "March", "1899-12", "1900-01"])
def test_a_month_not_written_yyyy_mm_is_refused(db: Session, month: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_monthly_tally(
            session=db, actor=COORDINATOR, month=month, audience=ReportAudience.exact
        )
    assert refused.value.field == "month"


def test_january_is_compared_with_the_december_before(db: Session) -> None:
    answer = read_monthly_tally(
        session=db, actor=COORDINATOR, month="2026-01", audience=ReportAudience.exact
    )
    assert answer.before == "2025-12"
    assert answer.share_percent == (Share(None, suppressed=False), Share(None, suppressed=False))
