"""Encounter reports through the service and the database: who reads them, what is counted,
and that suppressed audiences get suppressed answers (DESIGN.md section 3, Reports)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from domain.actors import Actor
from domain.codes import Modality
from domain.columns import utc_today
from domain.encounters.service import log_encounter
from domain.errors import PermissionDenied
from domain.professions.models import Profession
from domain.program_settings.service import get_program_settings
from domain.reports.models import EncounterReport, ReportDimension, ReportQuery, month_number
from domain.reports.service import count_statement, read_encounter_report, totals_statement
from domain.supporters.models import Supporter, SupporterUpdate
from domain.supporters.service import update_supporter
from tests.factories import (
    ADMIN,
    ANONYMOUS,
    COORDINATOR,
    REPORT_VIEWER,
    RESOURCE_EDITOR,
    SUPPORTER,
    add_encounter_rows_by,
    audit_actions,
    counting_statements,
    encounter_data,
    make_supporter,
    supporter_actor,
)
from tests.factories import (
    add_encounter_rows as add_encounters,
)

READING_CLIENT = Actor.for_api_client(41, frozenset({"reports:read"}))
JANUARY = date(2025, 1, 15)
# A month the supporters made by `make_supporter` (trained 120 days ago) may log in.
LAST_MONTH = (utc_today().replace(day=1) - timedelta(days=1)).replace(day=10)
PAST = {"first": LAST_MONTH.strftime("%Y-%m"), "last": LAST_MONTH.strftime("%Y-%m")}
FEBRUARY = date(2025, 2, 15)
MARCH = date(2025, 3, 15)


def report(
    db: Session,
    actor: Actor,
    dimension: str = "setting",
    *,
    first: str = "2025-01",
    last: str = "2025-01",
    period: str = "month",
) -> EncounterReport:
    query = ReportQuery.model_validate(
        {"from_month": first, "to_month": last, "period": period, "dimension": dimension}
    )
    return read_encounter_report(session=db, actor=actor, query=query)


def cells_of(answer: EncounterReport, period: str) -> dict[str, int | None]:
    return {cell.value: cell.count for cell in answer.cells if cell.period == period}


def total_of(answer: EncounterReport, period: str) -> int | None:
    (total,) = [total.count for total in answer.totals if total.period == period]
    return total


def three_supporters(db: Session, profession: str = "nurse") -> list[Supporter]:
    return [make_supporter(db, profession_code=profession) for _ in range(3)]


def busy_first_quarter(db: Session) -> None:
    """January: 20 inpatient, 15 ICU, 2 ED. February and March: 20 inpatient, 20 ICU. Each
    setting's encounters come from three supporters (two for ED's 2), so only counts matter."""
    team = three_supporters(db)
    add_encounter_rows_by(db, team, 20, on=JANUARY)
    add_encounter_rows_by(db, team, 15, on=JANUARY, setting="icu")
    add_encounter_rows_by(db, team, 2, on=JANUARY, setting="emergency_department")
    for month in (FEBRUARY, MARCH):
        add_encounter_rows_by(db, team, 20, on=month)
        add_encounter_rows_by(db, team, 20, on=month, setting="icu")


# Who reads what


def test_a_coordinator_sees_exact_counts_and_zeros(db: Session) -> None:
    supporter = make_supporter(db)
    add_encounters(db, supporter, 3, on=JANUARY)
    add_encounters(db, supporter, 1, on=JANUARY, setting="icu")
    answer = report(db, COORDINATOR)
    assert not answer.suppressed_for_audience
    cells = cells_of(answer, "2025-01")
    assert cells["inpatient_unit"] == 3
    assert cells["icu"] == 1
    assert cells["virtual"] == 0
    assert total_of(answer, "2025-01") == 4
    assert not any(cell.suppressed for cell in answer.cells)


def test_a_report_viewer_gets_small_cells_and_their_complement_hidden(db: Session) -> None:
    busy_first_quarter(db)
    answer = report(db, REPORT_VIEWER)
    assert answer.suppressed_for_audience
    assert (answer.k, answer.min_distinct_supporters) == (11, 3)
    cells = cells_of(answer, "2025-01")
    assert cells["emergency_department"] is None  # 2: below k
    assert cells["icu"] is None  # 15: the smallest visible cell, else ED = total - 20 - 15
    assert cells["inpatient_unit"] == 20
    assert cells["virtual"] == 0
    assert total_of(answer, "2025-01") is None
    hidden = {cell.value for cell in answer.cells if cell.suppressed}
    assert hidden == {"emergency_department", "icu"}


def test_the_thresholds_come_from_the_program_settings_and_are_stated(db: Session) -> None:
    busy_first_quarter(db)
    settings = get_program_settings(db)
    settings.small_cell_threshold = 2
    settings.min_distinct_supporters = 2
    db.add(settings)
    db.flush()
    answer = report(db, REPORT_VIEWER)
    assert (answer.k, answer.min_distinct_supporters) == (2, 2)
    assert cells_of(answer, "2025-01")["emergency_department"] == 2
    assert total_of(answer, "2025-01") == 37


def test_an_api_client_with_the_reports_scope_gets_a_suppressed_answer_and_is_audited(
    db: Session,
) -> None:
    busy_first_quarter(db)
    answer = report(db, READING_CLIENT, "setting")
    assert answer.suppressed_for_audience
    assert cells_of(answer, "2025-01")["emergency_department"] is None
    assert audit_actions(db, object_type="report", object_id="setting") == ["report.read"]


def test_an_api_client_without_the_reports_scope_is_refused(db: Session) -> None:
    client = Actor.for_api_client(42, frozenset({"resources:read"}))
    with pytest.raises(PermissionDenied, match=r"reports:read"):
        report(db, client)
    assert audit_actions(db, object_type="report", object_id="setting") == []


@pytest.mark.parametrize("actor", [SUPPORTER, ADMIN, RESOURCE_EDITOR, ANONYMOUS])
def test_anyone_else_is_refused_an_admin_too(db: Session, actor: Actor) -> None:
    with pytest.raises(PermissionDenied):
        report(db, actor)


# Suppression across periods


def test_a_tiny_month_is_suppressed_whole_zeros_and_total_too(db: Session) -> None:
    supporter = make_supporter(db)
    add_encounters(db, supporter, 1, on=JANUARY)
    add_encounters(db, supporter, 1, on=JANUARY, setting="icu")
    answer = report(db, REPORT_VIEWER)
    assert all(cell.suppressed and cell.count is None for cell in answer.cells)
    assert total_of(answer, "2025-01") is None


def test_a_quarter_hides_every_value_one_of_its_months_hid(db: Session) -> None:
    busy_first_quarter(db)
    answer = report(db, REPORT_VIEWER, first="2025-02", last="2025-03", period="quarter")
    assert (answer.from_month, answer.to_month) == ("2025-01", "2025-03")
    cells = cells_of(answer, "2025-Q1")
    assert cells["icu"] is None  # 55 in the quarter, but hidden in January
    assert cells["emergency_department"] is None
    assert cells["inpatient_unit"] == 60
    assert total_of(answer, "2025-Q1") is None


def test_a_months_suppression_does_not_depend_on_the_range_asked(db: Session) -> None:
    busy_first_quarter(db)
    alone = report(db, REPORT_VIEWER)
    in_a_range = report(db, REPORT_VIEWER, last="2025-03")
    assert cells_of(alone, "2025-01") == cells_of(in_a_range, "2025-01")
    assert alone.totals == in_a_range.totals[:1]
    february = report(db, REPORT_VIEWER, first="2025-02", last="2025-02")
    assert cells_of(february, "2025-02") == cells_of(in_a_range, "2025-02")


def test_quarters_widen_the_range_to_whole_quarters(db: Session) -> None:
    answer = report(db, COORDINATOR, first="2025-02", last="2025-04", period="quarter")
    assert (answer.from_month, answer.to_month) == ("2025-01", "2025-06")
    assert [total.period for total in answer.totals] == ["2025-Q1", "2025-Q2"]
    assert answer.model_dump(mode="json")["from"] == "2025-01"


# What is counted


def test_there_is_a_cell_for_every_period_and_value_in_code_order(db: Session) -> None:
    supporter = make_supporter(db)
    add_encounters(db, supporter, 2, on=FEBRUARY)
    answer = report(db, COORDINATOR, "modality", last="2025-03")
    expected = list(
        itertools.product(["2025-01", "2025-02", "2025-03"], [m.value for m in Modality])
    )
    assert [(cell.period, cell.value) for cell in answer.cells] == expected
    assert cells_of(answer, "2025-02") == {"in_person": 2, "phone": 0, "video": 0, "message": 0}
    assert [total.count for total in answer.totals] == [0, 2, 0]


def test_a_multi_valued_dimension_counts_an_encounter_once_per_value(db: Session) -> None:
    supporter = make_supporter(db)
    add_encounters(db, supporter, 2, on=JANUARY, stressors=("adverse_event", "moral_distress"))
    add_encounters(db, supporter, 1, on=JANUARY, stressors=("adverse_event",))
    answer = report(db, COORDINATOR, "stressor")
    cells = cells_of(answer, "2025-01")
    assert cells["adverse_event"] == 3
    assert cells["moral_distress"] == 2
    assert cells["personal"] == 0
    assert total_of(answer, "2025-01") == 3  # encounters, not the sum of the cells


def test_professions_pairs_and_interprofessional_share(db: Session) -> None:
    supporter = make_supporter(db, profession_code="nurse")
    add_encounters(db, supporter, 2, on=JANUARY, peer_profession_code="physician")
    add_encounters(db, supporter, 1, on=JANUARY, peer_profession_code="nurse")
    by_supporter = cells_of(report(db, COORDINATOR, "supporter_profession"), "2025-01")
    assert by_supporter["nurse"] == 3
    assert by_supporter["pharmacist"] == 0
    assert list(by_supporter) == sorted(by_supporter)
    pairs = cells_of(report(db, COORDINATOR, "profession_pair"), "2025-01")
    assert pairs == {"nurse>nurse": 1, "nurse>physician": 2}
    shares = cells_of(report(db, COORDINATOR, "interprofessional"), "2025-01")
    assert shares == {"true": 2, "false": 1}


PROFESSION_DIMENSIONS = ("supporter_profession", "profession_pair", "interprofessional")


@pytest.mark.parametrize("actor", [COORDINATOR, REPORT_VIEWER], ids=["exact", "suppressed"])
def test_a_past_month_is_unchanged_after_a_supporters_profession_changes(
    db: Session, actor: Actor
) -> None:
    """Each encounter counts the profession its supporter had when logging it."""
    nurses = three_supporters(db)
    for nurse in nurses:
        for peer in ("physician", "nurse"):
            # Logged through the service, as supporters do: 12 encounters in total per peer.
            for _ in range(4):
                log_encounter(
                    session=db,
                    actor=supporter_actor(db, nurse),
                    data=encounter_data(occurred_on=LAST_MONTH, peer_profession=peer),
                )
    before = {
        dimension: report(db, actor, dimension, **PAST) for dimension in PROFESSION_DIMENSIONS
    }
    for nurse in nurses:
        assert nurse.id is not None
        data = SupporterUpdate(profession_code="pharmacist")
        update_supporter(session=db, actor=COORDINATOR, supporter_id=nurse.id, data=data)
    after = {dimension: report(db, actor, dimension, **PAST) for dimension in PROFESSION_DIMENSIONS}
    assert after == before
    month = PAST["first"]
    assert cells_of(after["supporter_profession"], month)["nurse"] == 24
    assert cells_of(after["supporter_profession"], month)["pharmacist"] == 0
    assert cells_of(after["profession_pair"], month) == {"nurse>nurse": 12, "nurse>physician": 12}
    assert cells_of(after["interprofessional"], month) == {"true": 12, "false": 12}


# Rule 4: distinct supporters


def one_profession_among_many(db: Session, *, pharmacists: int) -> None:
    """January: 12 encounters by `pharmacists` pharmacist supporters, 30 by three nurses and
    20 by three physicians."""
    team = [make_supporter(db, profession_code="pharmacist") for _ in range(pharmacists)]
    add_encounter_rows_by(db, team, 12, on=JANUARY)
    add_encounter_rows_by(db, three_supporters(db), 30, on=JANUARY)
    add_encounter_rows_by(db, three_supporters(db, "physician"), 20, on=JANUARY)


@pytest.mark.parametrize(("pharmacists", "shown"), [(1, False), (2, False), (3, True)])
def test_a_cell_from_fewer_than_3_supporters_is_hidden_from_suppressed_audiences(
    db: Session, pharmacists: int, shown: bool
) -> None:
    one_profession_among_many(db, pharmacists=pharmacists)
    for audience in (REPORT_VIEWER, READING_CLIENT):
        cells = cells_of(report(db, audience, "supporter_profession"), "2025-01")
        assert cells["pharmacist"] == (12 if shown else None)  # 12 >= k: only rule 4 hides it
        # The complement: else pharmacist = total - 30 - 20.
        assert cells["physician"] == (20 if shown else None)
        assert cells["nurse"] == 30
    exact = cells_of(report(db, COORDINATOR, "supporter_profession"), "2025-01")
    assert (exact["pharmacist"], exact["physician"], exact["nurse"]) == (12, 20, 30)


def test_the_fewest_distinct_supporters_is_a_program_setting(db: Session) -> None:
    one_profession_among_many(db, pharmacists=2)
    settings = get_program_settings(db)
    settings.min_distinct_supporters = 2
    db.add(settings)
    db.flush()
    answer = report(db, REPORT_VIEWER, "supporter_profession")
    assert answer.min_distinct_supporters == 2
    assert cells_of(answer, "2025-01")["pharmacist"] == 12


def test_a_quarter_counts_a_supporter_once_across_its_months(db: Session) -> None:
    """One pharmacist logs 12 encounters each month; the quarter's 36 are still one person's."""
    pharmacist = make_supporter(db, profession_code="pharmacist")
    nurses = three_supporters(db)
    for month in (JANUARY, FEBRUARY, MARCH):
        add_encounters(db, pharmacist, 12, on=month)
        add_encounter_rows_by(db, nurses, 30, on=month)
    answer = report(db, REPORT_VIEWER, "supporter_profession", last="2025-03", period="quarter")
    cells = cells_of(answer, "2025-Q1")
    assert cells["pharmacist"] is None
    assert cells["nurse"] is None  # the complement
    assert total_of(answer, "2025-Q1") is None


def test_an_inactive_profession_with_encounters_keeps_its_cell(db: Session) -> None:
    supporter = make_supporter(db)
    add_encounters(db, supporter, 1, on=JANUARY, peer_profession_code="dentist")
    dentist = db.get(Profession, "dentist")
    assert dentist is not None
    dentist.active = False
    db.add(dentist)
    db.flush()
    cells = cells_of(report(db, COORDINATOR, "peer_profession"), "2025-01")
    assert cells["dentist"] == 1


# Queries


def statements_for_a_report(db: Session, encounters: int) -> int:
    supporter = make_supporter(db)
    for month in (JANUARY, FEBRUARY, MARCH):
        add_encounters(db, supporter, encounters, on=month, stressors=("personal", "other"))
    db.expunge_all()
    with counting_statements(db) as statements:
        answer = report(db, READING_CLIENT, "stressor", last="2025-03", period="quarter")
    assert answer.cells
    return len(statements)


def test_a_report_runs_the_same_number_of_queries_for_3_or_60_encounters(db: Session) -> None:
    assert statements_for_a_report(db, 1) == statements_for_a_report(db, 20)


@pytest.mark.parametrize("dimension", list(ReportDimension))
def test_the_counting_sql_compiles_for_postgresql_and_sqlite(dimension: ReportDimension) -> None:
    first, last = month_number("2025-01"), month_number("2025-12")
    for dialect in (postgresql.dialect(), sqlite.dialect()):
        sql = str(count_statement(dimension, first, last).compile(dialect=dialect))
        assert "GROUP BY" in sql
        assert "GROUP BY" in str(totals_statement(first, last).compile(dialect=dialect))


# The query


def test_the_query_takes_from_and_to_as_the_api_writes_them() -> None:
    query = ReportQuery.model_validate(
        {"from": "2025-01", "to": "2025-03", "dimension": "stressor"}
    )
    assert (query.from_month, query.to_month, query.period) == ("2025-01", "2025-03", "month")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"from_month": "2025-1"}, "from_month"),
        ({"from_month": "2025-13"}, "from_month"),
        ({"to_month": "March 2025"}, "to_month"),
        ({"from_month": "2025-03", "to_month": "2025-01"}, "to_month"),
        ({"from_month": "2022-01", "to_month": "2025-01"}, "to_month"),
        ({"dimension": "colour"}, "dimension"),
        ({"period": "week"}, "period"),
        ({"day": "2025-01-15"}, "day"),
    ],
)
def test_a_bad_query_names_the_field(changes: dict[str, str], field: str) -> None:
    values = {"from_month": "2025-01", "to_month": "2025-02", "dimension": "setting"} | changes
    with pytest.raises(ValidationError) as refused:
        ReportQuery.model_validate(values)
    assert [error["loc"] for error in refused.value.errors()] == [(field,)]


def test_a_report_may_span_36_months() -> None:
    query = ReportQuery(from_month="2023-01", to_month="2025-12", dimension=ReportDimension.setting)
    assert query.to_month == "2025-12"
