"""GET /reports/encounters: exact counts for coordinators; report viewers and API clients never
see a count from 1 to 10; API clients' reads are audited; months are checked."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from domain.audit.models import AuditEvent
from domain.auth.service import TokenIssuer
from domain.codes import ApiScope, Role
from domain.columns import utc_today
from domain.encounters.service import log_encounter
from domain.reports.models import ReportDimension
from tests.api.conftest import bearer
from tests.factories import add_encounter_rows as add_encounters
from tests.factories import (
    add_encounter_rows_by,
    encounter_data,
    make_supporter,
    supporter_actor,
)

Headers = dict[str, str]
REPORT = "/api/v1/reports/encounters"
JANUARY, FEBRUARY = date(2025, 1, 15), date(2025, 2, 10)
K = 11


def read(client: TestClient, headers: Headers, dimension: str, **params: str) -> dict[str, Any]:
    query = {"from": "2025-01", "to": "2025-03", "dimension": dimension} | params
    response = client.get(REPORT, params=query, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def nonzero_cells(report: dict[str, Any]) -> dict[tuple[str, str], int]:
    return {(c["period"], c["value"]): c["count"] for c in report["cells"] if c["count"]}


# 3 encounters in January, 2 in February, by a nurse.
EXACT: dict[str, dict[tuple[str, str], int]] = {
    "setting": {("2025-01", "icu"): 3, ("2025-02", "office"): 2},
    "initiated_by": {("2025-01", "self_request"): 3, ("2025-02", "supporter_approach"): 2},
    "modality": {("2025-01", "phone"): 3, ("2025-02", "in_person"): 2},
    "stressor": {
        ("2025-01", "adverse_event"): 3,
        ("2025-01", "moral_distress"): 3,
        ("2025-02", "workload_burnout"): 2,
    },
    "element": {
        ("2025-01", "listening"): 3,
        ("2025-01", "encouragement"): 3,
        ("2025-02", "listening"): 2,
    },
    "support_type": {
        ("2025-01", "emotional"): 3,
        ("2025-02", "emotional"): 2,
        ("2025-02", "informational"): 2,
    },
    "escalation": {("2025-01", "warm_referral"): 3, ("2025-02", "none"): 2},
    "duration_band": {("2025-01", "30_to_60"): 3, ("2025-02", "under_15"): 2},
    "peer_profession": {("2025-01", "physician"): 3, ("2025-02", "nurse"): 2},
    "supporter_profession": {("2025-01", "nurse"): 3, ("2025-02", "nurse"): 2},
    "profession_pair": {("2025-01", "nurse>physician"): 3, ("2025-02", "nurse>nurse"): 2},
    "interprofessional": {("2025-01", "true"): 3, ("2025-02", "false"): 2},
}


@pytest.fixture
def five_encounters(db: Session) -> None:
    nurse = make_supporter(db)
    add_encounters(
        db,
        nurse,
        3,
        on=JANUARY,
        setting="icu",
        initiated_by="self_request",
        modality="phone",
        stressors=("adverse_event", "moral_distress"),
        elements=("listening", "encouragement"),
        escalation="warm_referral",
        duration_band="30_to_60",
    )
    add_encounters(
        db,
        nurse,
        2,
        on=FEBRUARY,
        setting="office",
        stressors=("workload_burnout",),
        support_types=("informational", "emotional"),
        duration_band="under_15",
        peer_profession_code="nurse",
    )


@pytest.mark.usefixtures("five_encounters")
@pytest.mark.parametrize("dimension", list(ReportDimension))
def test_a_coordinator_gets_exact_counts_for_every_dimension(
    client: TestClient, headers_for_roles: Callable[..., Headers], dimension: ReportDimension
) -> None:
    report = read(client, headers_for_roles(Role.coordinator), dimension.value)

    assert nonzero_cells(report) == EXACT[dimension.value]
    assert report["suppressed_for_audience"] is False
    assert not any(cell["suppressed"] for cell in report["cells"])
    assert [(t["period"], t["count"]) for t in report["totals"]] == [
        ("2025-01", 3),
        ("2025-02", 2),
        ("2025-03", 0),
    ]


@pytest.mark.usefixtures("five_encounters")
def test_a_coordinator_gets_quarters_too(
    client: TestClient, headers_for_roles: Callable[..., Headers]
) -> None:
    report = read(client, headers_for_roles(Role.coordinator), "setting", period="quarter")

    assert nonzero_cells(report) == {("2025-Q1", "icu"): 3, ("2025-Q1", "office"): 2}


@pytest.fixture
def mixed_encounters(db: Session) -> None:
    """Large and small cells side by side, in every dimension."""
    nurse = make_supporter(db)
    pharmacist = make_supporter(db, profession_code="pharmacist")
    add_encounters(db, nurse, 14, on=JANUARY, stressors=("adverse_event", "personal"))
    add_encounters(
        db, nurse, 3, on=JANUARY, setting="icu", modality="phone", escalation="emergency"
    )
    add_encounters(
        db,
        pharmacist,
        1,
        on=JANUARY,
        setting="virtual",
        initiated_by="follow_up",
        elements=("tangible_aid",),
        support_types=("instrumental",),
        duration_band="over_60",
        peer_profession_code="pharmacist",
    )
    add_encounters(db, pharmacist, 12, on=FEBRUARY, stressors=("moral_distress",))
    add_encounters(db, nurse, 2, on=FEBRUARY, setting="office", peer_profession_code="dentist")


@pytest.fixture
def report_viewer(headers_for_roles: Callable[..., Headers]) -> Headers:
    return headers_for_roles(Role.report_viewer)


@pytest.fixture
def reports_client(headers_for_scopes: Callable[..., Headers]) -> Headers:
    return headers_for_scopes(ApiScope.reports_read)


@pytest.mark.usefixtures("mixed_encounters")
@pytest.mark.parametrize("audience", ["report_viewer", "reports_client"])
@pytest.mark.parametrize("period", ["month", "quarter"])
@pytest.mark.parametrize("dimension", list(ReportDimension))
def test_suppressed_audiences_never_get_a_count_from_1_to_10(
    client: TestClient,
    request: pytest.FixtureRequest,
    audience: str,
    period: str,
    dimension: ReportDimension,
) -> None:
    report = read(client, request.getfixturevalue(audience), dimension.value, period=period)

    assert report["k"] == K
    assert report["suppressed_for_audience"] is True
    for cell in [*report["cells"], *report["totals"]]:
        assert cell["count"] is None or cell["count"] == 0 or cell["count"] >= K, cell
        assert (cell["count"] is None) == cell["suppressed"], cell
    assert any(cell["suppressed"] for cell in report["cells"])


@pytest.mark.parametrize("audience", ["report_viewer", "reports_client"])
def test_one_supporters_month_is_hidden_from_suppressed_audiences(
    client: TestClient,
    db: Session,
    request: pytest.FixtureRequest,
    headers_for_roles: Callable[..., Headers],
    audience: str,
) -> None:
    """The only pharmacist supporter logs 12 encounters: k or more, yet one person's month."""
    add_encounters(db, make_supporter(db, profession_code="pharmacist"), 12, on=JANUARY)
    add_encounter_rows_by(db, [make_supporter(db) for _ in range(3)], 30, on=JANUARY)
    physicians = [make_supporter(db, profession_code="physician") for _ in range(3)]
    add_encounter_rows_by(db, physicians, 20, on=JANUARY)
    params = {"to": "2025-01"}

    hidden = read(client, request.getfixturevalue(audience), "supporter_profession", **params)
    exact = read(client, headers_for_roles(Role.coordinator), "supporter_profession", **params)

    assert hidden["min_distinct_supporters"] == 3
    assert nonzero_cells(hidden) == {("2025-01", "nurse"): 30}
    assert {c["value"] for c in hidden["cells"] if c["suppressed"]} == {"pharmacist", "physician"}
    assert nonzero_cells(exact) == {
        ("2025-01", "pharmacist"): 12,
        ("2025-01", "nurse"): 30,
        ("2025-01", "physician"): 20,
    }


def test_a_past_month_is_unchanged_after_a_supporters_profession_changes(
    client: TestClient,
    db: Session,
    headers_for_roles: Callable[..., Headers],
    report_viewer: Headers,
) -> None:
    last_month = (utc_today().replace(day=1) - timedelta(days=1)).replace(day=10)
    month = last_month.strftime("%Y-%m")
    nurses = [make_supporter(db) for _ in range(3)]
    for nurse, peer in itertools.product(nurses, ["physician", "nurse"] * 4):
        data = encounter_data(occurred_on=last_month, peer_profession=peer)
        log_encounter(session=db, actor=supporter_actor(db, nurse), data=data)
    coordinator = headers_for_roles(Role.coordinator)
    dimensions = ["supporter_profession", "profession_pair", "interprofessional"]

    def reports() -> list[dict[str, Any]]:
        return [
            read(client, headers, dimension, **{"from": month, "to": month})
            for headers in (coordinator, report_viewer)
            for dimension in dimensions
        ]

    before = reports()
    for nurse in nurses:
        changed = client.patch(
            f"/api/v1/supporters/{nurse.id}",
            json={"profession_code": "pharmacist"},
            headers=coordinator,
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["profession_code"] == "pharmacist"
    after = reports()

    assert after == before
    for answer in (after[0], after[3]):  # supporter_profession, exact and suppressed
        assert nonzero_cells(answer) == {(month, "nurse"): 24}
    assert nonzero_cells(after[4]) == {(month, "nurse>nurse"): 12, (month, "nurse>physician"): 12}


def test_each_report_read_by_an_api_client_is_audited(
    client: TestClient,
    db: Session,
    issuer: TokenIssuer,
    make_api_client: Callable[..., Any],
) -> None:
    api_client, _ = make_api_client(ApiScope.reports_read)
    headers = bearer(issuer, f"client:{api_client.id}", frozenset({ApiScope.reports_read.value}))

    read(client, headers, "setting")
    read(client, headers, "stressor")

    reads = db.exec(
        select(AuditEvent.object_id)
        .where(
            AuditEvent.actor == f"api_client:{api_client.id}", AuditEvent.action == "report.read"
        )
        .order_by(col(AuditEvent.id))
    )
    assert list(reads) == ["setting", "stressor"]


@pytest.mark.parametrize(
    ("months", "field"),
    [
        ({"from": "2026-13", "to": "2026-12"}, "from"),
        ({"from": "2026-1", "to": "2026-03"}, "from"),
        ({"from": "2026-01", "to": "2026-13"}, "to"),
        ({"from": "2026-01", "to": "2026-3"}, "to"),
        ({"from": "2026-05", "to": "2026-03"}, "to"),
    ],
)
def test_a_bad_month_is_a_422_naming_it(
    client: TestClient,
    headers_for_roles: Callable[..., Headers],
    months: dict[str, str],
    field: str,
) -> None:
    params = months | {"dimension": "setting"}

    response = client.get(REPORT, params=params, headers=headers_for_roles(Role.coordinator))

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_an_unknown_dimension_is_a_422_naming_it(
    client: TestClient, headers_for_roles: Callable[..., Headers]
) -> None:
    params = {"from": "2025-01", "to": "2025-03", "dimension": "blood_type"}

    response = client.get(REPORT, params=params, headers=headers_for_roles(Role.coordinator))

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["dimension"]
