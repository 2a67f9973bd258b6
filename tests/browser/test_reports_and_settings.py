"""Reports and settings in Chromium at 1280x800: changing the report range changes the chart and
the table (through htmx, the address follows), a report viewer sees the note about hidden
figures, and axe-core finds nothing wrong on /reports and /settings in either theme."""

from __future__ import annotations

from datetime import date
from typing import Literal

import pytest
from playwright.sync_api import Page, expect

from domain.codes import Role
from domain.db import unit_of_work
from tests.browser.conftest import LiveServer, screenshot, sign_in_to_workspace
from tests.browser.test_accessibility import SCHEMES, violations_report
from tests.factories import add_encounter_rows_by, make_supporter

pytestmark = pytest.mark.browser

# A year of its own, far from what other browser tests log (this month).
YEAR = 2019
# Encounters per month, January to June, by setting; three supporters share each setting's.
MONTHLY = {
    "inpatient_unit": (24, 31, 27, 40, 36, 45),
    "icu": (12, 15, 22, 18, 25, 30),
    "emergency_department": (5, 14, 11, 20, 16, 12),
}


@pytest.fixture(scope="module")
def six_months(live_server: LiveServer) -> None:
    with unit_of_work(live_server.engine) as session:
        supporters = [make_supporter(session) for _ in range(3)]
        for setting, counts in MONTHLY.items():
            for month, count in enumerate(counts, start=1):
                day = date(YEAR, month, 10)
                add_encounter_rows_by(session, supporters, count, on=day, setting=setting)


def report_url(first: int, last: int, dimension: str = "setting") -> str:
    return (
        f"/reports?from={YEAR}-{first:02d}&to={YEAR}-{last:02d}&period=month&dimension={dimension}"
    )


def header_cells(page: Page) -> list[str]:
    return page.locator(".report-table thead th").all_inner_texts()


@pytest.mark.usefixtures("six_months")
def test_changing_the_report_range_changes_the_chart_and_the_table(
    desktop_page: Page, live_server: LiveServer
) -> None:
    page = desktop_page
    sign_in_to_workspace(page, live_server.new_member(Role.coordinator))
    page.goto(report_url(1, 3))
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    assert header_cells(page) == ["Setting", f"{YEAR}-01", f"{YEAR}-02", f"{YEAR}-03"]
    chart = page.get_by_role("img", name=f"Encounters by setting, {YEAR}-01 to {YEAR}-03")
    expect(chart).to_be_visible()
    expect(page.locator(".report-chart .chart-bar")).to_have_count(9)  # 3 settings x 3 months

    page.get_by_label("From (month)").fill(f"{YEAR}-01")
    page.get_by_label("To (month)").fill(f"{YEAR}-06")
    page.get_by_role("button", name="Show").click()

    expect(
        page.get_by_role("img", name=f"Encounters by setting, {YEAR}-01 to {YEAR}-06")
    ).to_be_visible()
    assert header_cells(page) == ["Setting", *(f"{YEAR}-{m:02d}" for m in range(1, 7))]
    expect(page.locator(".report-chart .chart-bar")).to_have_count(18)
    row = page.locator(".report-table tbody tr", has_text="Inpatient unit")
    expect(row.locator("td")).to_have_text([str(n) for n in MONTHLY["inpatient_unit"]])
    expect(page).to_have_url(f"{live_server.url}{report_url(1, 6)}")
    # The chart sits beside the table at desktop width.
    chart_box = page.locator(".report-chart").bounding_box()
    table_box = page.locator(".report-table").bounding_box()
    assert chart_box
    assert table_box
    assert chart_box["x"] + chart_box["width"] <= table_box["x"]
    download = page.get_by_role("link", name="Download this table (CSV)")
    expect(download).to_have_attribute(
        "href", f"/reports.csv?from={YEAR}-01&to={YEAR}-06&period=month&dimension=setting"
    )
    # Last: Playwright's screenshot trips the CSP on the page's next htmx swap.
    screenshot(page, "report.png")


def test_a_bad_range_is_shown_beside_the_field_and_kept(
    desktop_page: Page, live_server: LiveServer
) -> None:
    page = desktop_page
    sign_in_to_workspace(page, live_server.new_member(Role.coordinator))
    page.goto(report_url(1, 3))
    page.get_by_label("To (month)").fill(f"{YEAR - 1}-06")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#to-error")).to_contain_text("before the first month")
    expect(page.get_by_label("To (month)")).to_have_value(f"{YEAR - 1}-06")


@pytest.mark.usefixtures("six_months")
def test_a_report_viewer_is_told_why_figures_are_hidden(
    desktop_page: Page, live_server: LiveServer
) -> None:
    page = desktop_page
    sign_in_to_workspace(page, live_server.new_member(Role.report_viewer))
    page.goto(report_url(1, 6))
    expect(page.locator(".report-note")).to_contain_text("Some figures are hidden")
    expect(page.locator(".report-note")).to_contain_text("fewer than 11 encounters")
    row = page.locator(".report-table tbody tr", has_text="Emergency department")
    expect(row.locator("td").first).to_contain_text("hidden")  # January's 5


@pytest.mark.usefixtures("six_months")
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize(
    ("role", "path"),
    [
        (Role.coordinator, report_url(1, 6)),
        (Role.report_viewer, report_url(1, 6)),
        (Role.coordinator, "/settings"),
        (Role.admin, "/settings"),
    ],
    ids=["reports-coordinator", "reports-viewer", "settings-coordinator", "settings-admin"],
)
def test_reports_and_settings_pass_axe(
    desktop_page: Page,
    live_server: LiveServer,
    role: Role,
    path: str,
    scheme: Literal["light", "dark"],
) -> None:
    page = desktop_page
    page.emulate_media(color_scheme=scheme)
    sign_in_to_workspace(page, live_server.new_member(role))
    page.goto(path)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert violations_report(page) == ""


def test_settings_errors_pass_axe_and_keep_the_input(
    desktop_page: Page, live_server: LiveServer
) -> None:
    page = desktop_page
    sign_in_to_workspace(page, live_server.new_member(Role.admin))
    page.goto("/settings")
    page.get_by_label("Default monthly cap").fill("0")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#default_monthly_cap-error")).to_be_visible()
    expect(page.get_by_label("Default monthly cap")).to_have_value("0")
    assert violations_report(page) == ""
    screenshot(page, "settings.png")
