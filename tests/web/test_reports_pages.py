"""The reports page and its CSV file: who sees what, exact counts for coordinators, suppressed
ones for report viewers (and never a hidden count anywhere in the HTML or the file), the range
form's errors, htmx fragments and the chart."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from domain.codes import Role
from domain.demo import load_demo_program
from domain.professions.models import Profession
from domain.program_settings.service import get_program_settings
from domain.reports.models import ReportDimension
from domain.supporters.models import Supporter
from domain.users.models import User
from tests.factories import (
    add_encounter_rows_by,
    audit_actions,
    make_supporter,
    make_user,
)
from tests.web.conftest import HTMX, Browser, goes_to_sign_in, is_fragment

MARCH = date(2025, 3, 12)
APRIL = date(2025, 4, 9)
MARCH_ONLY = {"from": "2025-03", "to": "2025-03", "period": "month", "dimension": "setting"}
# March 2025 by setting, with k = 20 and 3 distinct supporters. The ICU's 17 is small (hidden);
# the emergency department's 43, the smallest visible cell, is hidden too, or 118 - 58 would
# give the 17 away; the total covers hidden cells, so it is hidden.
ICU, EMERGENCY, INPATIENT = 17, 43, 58
TOTAL = ICU + EMERGENCY + INPATIENT  # 118
HIDDEN_NUMBERS = (ICU, EMERGENCY, TOTAL, ICU + EMERGENCY)
K = 20


@pytest.fixture
def supporters(db: Session) -> list[Supporter]:
    return [make_supporter(db) for _ in range(3)]


@pytest.fixture
def march(db: Session, supporters: list[Supporter]) -> None:
    settings = get_program_settings(db)
    settings.small_cell_threshold = K
    db.add(settings)
    add_encounter_rows_by(db, supporters, ICU, on=MARCH, setting="icu")
    add_encounter_rows_by(db, supporters, EMERGENCY, on=MARCH, setting="emergency_department")
    add_encounter_rows_by(db, supporters, INPATIENT, on=MARCH, setting="inpatient_unit")
    add_encounter_rows_by(db, supporters, 30, on=APRIL, setting="inpatient_unit")


def person(db: Session, role: Role) -> User:
    # A name without digits: "Signed in as Person 43" would read as a count.
    return make_user(db, roles=(role,), display_name=f"Robin {role.value.title()}")


@pytest.fixture
def as_coordinator(db: Session, sign_in: Callable[..., Browser]) -> Browser:
    return sign_in(person(db, Role.coordinator))


@pytest.fixture
def as_viewer(db: Session, sign_in: Callable[..., Browser]) -> Browser:
    return sign_in(person(db, Role.report_viewer))


@pytest.fixture
def as_viewer_too(
    db: Session, sign_in: Callable[..., Browser], new_browser: Callable[..., TestClient]
) -> Browser:
    """A report viewer in a browser of their own, beside `as_coordinator`."""
    return sign_in(person(db, Role.report_viewer), new_browser())


def without_tokens(html: str) -> str:
    """The page less its random CSRF tokens, which could hold any digits."""
    html = re.sub(r'name="csrf_token" value="[^"]*"', "", html)
    return re.sub(r"hx-headers='[^']*'", "", html)


def shows_number(text: str, number: int) -> bool:
    return re.search(rf"(?<![\w.-]){number}(?![\w.])", text) is not None


def table_of(html: str) -> list[list[str]]:
    """The report table's rows as text (a hidden cell reads "\N{EN DASH} hidden")."""
    body = html.split('<table class="data-table">')[1].split("</table>")[0]
    return [
        [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]
        for cells in (
            re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
            for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
        )
    ]


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


# Who sees the reports.


@pytest.mark.parametrize("path", ["/reports", "/reports.csv"])
@pytest.mark.parametrize("role", [Role.admin, Role.supporter, Role.resource_editor, None], ids=str)
def test_only_coordinators_and_report_viewers_see_reports(
    db: Session, sign_in: Callable[..., Browser], path: str, role: Role | None
) -> None:
    user = make_user(db, roles=(role,) if role else ())
    browser = sign_in(user)
    answer = browser.client.get(path, params=MARCH_ONLY, headers={"accept": "text/html"})
    assert answer.status_code == 403
    assert "report.read" not in audit_actions(db, object_type="report", object_id="setting")


@pytest.mark.parametrize("path", ["/reports", "/reports.csv"])
def test_reports_need_sign_in(client: TestClient, path: str) -> None:
    assert goes_to_sign_in(
        client.get(path, headers={"accept": "text/html"}, follow_redirects=False)
    )


def test_the_report_link_is_in_the_navigation_of_coordinators_and_viewers(
    as_viewer: Browser,
) -> None:
    page = as_viewer.client.get("/reports", params=MARCH_ONLY).text
    assert '<a href="/reports" aria-current="page">Reports</a>' in page
    assert "/roster" not in page  # a report viewer's navigation is reports alone


# Coordinators: exact counts.


@pytest.mark.usefixtures("march")
def test_a_coordinator_sees_exact_counts_in_the_table_and_the_chart(
    as_coordinator: Browser,
) -> None:
    answer = as_coordinator.client.get("/reports", params=MARCH_ONLY)
    assert answer.status_code == 200
    rows = table_of(answer.text)
    assert rows[0] == ["Setting", "2025-03"]
    assert ["Inpatient unit", "58"] in rows
    assert ["ICU", "17"] in rows
    assert ["Emergency department", "43"] in rows
    assert ["All encounters", "118"] in rows
    assert "Exact counts" in answer.text
    chart = answer.text.split('<svg class="chart"')[1].split("</svg>")[0]
    assert 'role="img"' in answer.text
    assert '<title id="report-chart-title">Encounters by setting, 2025-03 to 2025-03</title>' in (
        answer.text
    )
    assert chart.count('<rect class="chart-bar"') == 3  # the three non-zero settings
    assert ">17</text>" in chart
    assert "style=" not in answer.text


@pytest.mark.usefixtures("march")
def test_a_coordinators_file_holds_the_exact_table(db: Session, as_coordinator: Browser) -> None:
    answer = as_coordinator.client.get("/reports.csv", params=MARCH_ONLY)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["cache-control"] == "no-store"
    assert "encounters-by-setting-2025-03-to-2025-03.csv" in answer.headers["content-disposition"]
    rows = csv_rows(answer.text)
    assert rows[0] == ["Setting", "2025-03"]
    assert rows[-1] == ["All encounters", "118"]
    figures = {row[0]: row[1] for row in rows[1:]}
    assert figures["Inpatient unit"] == "58"
    assert sorted(figures.values()).count("0") == len(rows) - 2 - 3  # zeros are answers too
    assert audit_actions(db, object_type="report", object_id="setting") == [
        "report.read",
        "report.export",
    ]


# Report viewers: suppressed figures, and never a hidden count.


@pytest.mark.usefixtures("march")
def test_a_report_viewer_never_sees_a_hidden_count_in_the_page(as_viewer: Browser) -> None:
    answer = as_viewer.client.get("/reports", params=MARCH_ONLY)
    assert answer.status_code == 200
    page = without_tokens(answer.text)
    for number in HIDDEN_NUMBERS:
        assert not shows_number(page, number), number
    assert shows_number(page, INPATIENT)
    rows = table_of(answer.text)
    assert ["Inpatient unit", "58"] in rows
    assert ["All encounters", "– hidden"] in rows
    assert sum(1 for row in rows if row[1] == "– hidden") == 3  # two cells and the total
    assert "Some figures are hidden" in page
    assert f"fewer than {K} encounters" in page
    assert "fewer than 3 supporters" in page
    chart = page.split('<svg class="chart"')[1].split("</svg>")[0]
    assert chart.count('<rect class="chart-bar"') == 1  # no bar for a hidden cell
    assert chart.count('class="chart-hidden"') == 2


@pytest.mark.usefixtures("march")
def test_a_report_viewer_never_sees_a_hidden_count_in_the_file(as_viewer: Browser) -> None:
    answer = as_viewer.client.get("/reports.csv", params=MARCH_ONLY)
    assert answer.status_code == 200
    for number in HIDDEN_NUMBERS:
        assert not shows_number(answer.text, number), number
    rows = csv_rows(answer.text)
    figures = {row[0]: row[1] for row in rows[1:]}
    assert figures["Inpatient unit"] == "58"
    assert figures["All encounters"] == "hidden"
    assert list(figures.values()).count("hidden") == 3


@pytest.mark.usefixtures("march")
def test_a_report_viewer_never_sees_a_hidden_count_by_quarter(as_viewer: Browser) -> None:
    query = {**MARCH_ONLY, "period": "quarter", "to": "2025-04"}
    page = without_tokens(as_viewer.client.get("/reports", params=query).text)
    file = as_viewer.client.get("/reports.csv", params=query).text
    for text in (page, file):
        for number in (*HIDDEN_NUMBERS, TOTAL + 30, INPATIENT + 30):
            assert not shows_number(text, number), number
    assert "2025-Q1" in page
    assert "2025-Q2" in page
    assert "2025-01 to 2025-06 (whole calendar quarters)" in page


# Per dimension: (values of 37 encounters, values of the 61 others). k = 40 hides the 37 (and
# whatever must be hidden beside it); 37, 61 and 98 appear nowhere else on the page.
SMALL, LARGE, DIMENSION_K = 37, 61, 40
DIMENSION_DATA: dict[ReportDimension, tuple[dict[str, Any], dict[str, Any]]] = {
    ReportDimension.setting: ({"setting": "icu"}, {"setting": "inpatient_unit"}),
    ReportDimension.initiated_by: ({"initiated_by": "self_request"}, {}),
    ReportDimension.modality: ({"modality": "phone"}, {}),
    ReportDimension.stressor: ({"stressors": ("patient_death",)}, {}),
    ReportDimension.element: ({"elements": ("encouragement",)}, {}),
    ReportDimension.support_type: ({"support_types": ("informational",)}, {}),
    ReportDimension.escalation: ({"escalation": "warm_referral"}, {}),
    ReportDimension.duration_band: ({"duration_band": "over_60"}, {}),
    ReportDimension.peer_profession: ({"peer_profession_code": "pharmacist"}, {}),
    ReportDimension.supporter_profession: ({"supporter_profession": "pharmacist"}, {}),
    ReportDimension.profession_pair: ({"peer_profession_code": "pharmacist"}, {}),
    ReportDimension.interprofessional: ({"peer_profession_code": "nurse"}, {}),
}


def test_every_dimension_has_its_leak_data() -> None:
    assert set(DIMENSION_DATA) == set(ReportDimension)


@pytest.mark.parametrize("dimension", list(ReportDimension), ids=str)
def test_a_report_viewer_never_sees_a_hidden_count_in_any_dimension(
    db: Session,
    supporters: list[Supporter],
    as_coordinator: Browser,
    as_viewer_too: Browser,
    dimension: ReportDimension,
) -> None:
    """The exact value of every cell the viewer's file hides (read from the coordinator's file)
    appears nowhere in the viewer's page or file."""
    settings = get_program_settings(db)
    settings.small_cell_threshold = DIMENSION_K
    db.add(settings)
    small, large = DIMENSION_DATA[dimension]
    add_encounter_rows_by(db, supporters, SMALL, on=MARCH, **small)
    add_encounter_rows_by(db, supporters, LARGE, on=MARCH, **large)
    query = {**MARCH_ONLY, "dimension": dimension.value}

    exact = csv_rows(as_coordinator.client.get("/reports.csv", params=query).text)
    shown = csv_rows(as_viewer_too.client.get("/reports.csv", params=query).text)
    assert len(exact) == len(shown)
    hidden = {
        int(exact_cell)
        for exact_row, shown_row in zip(exact[1:], shown[1:], strict=True)
        for exact_cell, shown_cell in zip(exact_row[1:], shown_row[1:], strict=True)
        if shown_cell == "hidden"
    }
    assert SMALL in hidden, (exact, shown)
    page = without_tokens(as_viewer_too.client.get("/reports", params=query).text)
    file = as_viewer_too.client.get("/reports.csv", params=query).text
    for number in hidden:
        assert not shows_number(page, number), (number, dimension)
        assert not shows_number(file, number), (number, dimension)


@pytest.mark.usefixtures("march")
def test_a_report_viewer_sees_the_note_even_when_nothing_is_hidden(as_viewer: Browser) -> None:
    page = as_viewer.client.get(
        "/reports", params={**MARCH_ONLY, "from": "2024-01", "to": "2024-01"}
    )
    assert "No figure is hidden in this range." in page.text
    assert "To protect colleagues" in page.text


# The range form.


def test_the_page_opens_on_the_last_six_whole_months(as_coordinator: Browser) -> None:
    page = as_coordinator.client.get("/reports").text
    rows = table_of(page)
    assert len(rows[0]) == 1 + 6
    assert rows[0][0] == "Setting"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"from": "2025-13"}, "from", "is not a month written YYYY-MM"),
        ({"from": "2025-05", "to": "2025-03"}, "to", "before the first month"),
        ({"from": "2022-01", "to": "2025-03"}, "to", "at most 36 months"),
        ({"from": "2025-03-01"}, "from", "is not a month"),
        ({"dimension": "name"}, "dimension", "Choose one of the options."),
        ({"period": "week"}, "period", "Choose one of the options."),
    ],
)
def test_a_bad_range_is_shown_beside_its_field_and_kept(
    as_viewer: Browser, query: dict[str, str], field: str, message: str
) -> None:
    answer = as_viewer.client.get("/reports", params={**MARCH_ONLY, **query})
    assert answer.status_code == 422
    assert f'<p class="error" id="{field}-error">' in answer.text
    error = answer.text.split(f'id="{field}-error">')[1].split("</p>")[0]
    assert message in error
    assert f'aria-describedby="{field}-error"' in answer.text
    if field in ("from", "to"):
        assert f'value="{query[field]}"' in answer.text
    assert "<table" not in answer.text


def test_a_bad_range_in_the_file_address_is_refused(as_coordinator: Browser) -> None:
    answer = as_coordinator.client.get("/reports.csv", params={**MARCH_ONLY, "to": "2024-01"})
    assert answer.status_code == 422
    assert "before the first month" in answer.text


@pytest.mark.usefixtures("march")
def test_htmx_gets_the_report_fragment_and_the_range_changes_it(as_coordinator: Browser) -> None:
    answer = as_coordinator.client.get(
        "/reports", params={**MARCH_ONLY, "to": "2025-04"}, headers=HTMX
    )
    assert answer.status_code == 200
    assert is_fragment(answer)
    assert table_of(answer.text)[0] == ["Setting", "2025-03", "2025-04"]
    assert ["Inpatient unit", "58", "30"] in table_of(answer.text)
    assert (
        'href="/reports.csv?from=2025-03&amp;to=2025-04&amp;period=month&amp;dimension=setting"'
        in (answer.text)
    )


@pytest.mark.usefixtures("march")
def test_the_interprofessional_dimension_has_readable_names(as_coordinator: Browser) -> None:
    page = as_coordinator.client.get(
        "/reports", params={**MARCH_ONLY, "dimension": "interprofessional"}
    )
    rows = table_of(page.text)
    assert [row[0] for row in rows[1:]] == [
        "Interprofessional",
        "Same profession",
        "All encounters",
    ]


def test_a_formula_in_a_profession_name_is_neutralised_in_the_file(
    db: Session, as_coordinator: Browser, supporters: list[Supporter]
) -> None:
    db.add(Profession(code="spreadsheet_trick", name='=HYPERLINK("http://x.example","y")'))
    db.flush()
    add_encounter_rows_by(db, supporters, 4, on=MARCH, peer_profession_code="spreadsheet_trick")
    query = {**MARCH_ONLY, "dimension": "peer_profession"}
    rows = csv_rows(as_coordinator.client.get("/reports.csv", params=query).text)
    assert ['\'=HYPERLINK("http://x.example","y")', "4"] in rows


# The demo program.


@pytest.fixture
def demo_program(db: Session) -> None:
    load_demo_program(db)  # before anyone signs in: the demo wants a program without people


def test_the_demo_program_fills_the_default_six_months(
    demo_program: None, as_coordinator: Browser, as_viewer_too: Browser
) -> None:
    rows = table_of(as_coordinator.client.get("/reports").text)
    totals = rows[-1]
    assert totals[0] == "All encounters"
    assert len(totals) == 1 + 6
    assert all(int(figure) > 0 for figure in totals[1:]), totals
    viewer_rows = table_of(as_viewer_too.client.get("/reports").text)
    shown = [figure for row in viewer_rows[1:] for figure in row[1:] if figure.isdigit()]
    assert any(int(figure) > 0 for figure in shown), viewer_rows
