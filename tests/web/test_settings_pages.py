"""The program settings page: who sees it, what each role may change (the rule is
`changeable_settings` in the settings service), errors beside fields, CSRF and auditing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from domain.codes import Role
from domain.program_settings.service import get_program_settings
from tests.factories import audit_actions, make_user
from tests.web.conftest import HTML, Browser, goes_to_sign_in, is_fragment

COORDINATOR_FORM = {
    "program_name": "Colleagues for care",
    "default_monthly_cap": "12",
    "refresher_missed_sessions": "2",
}
ADMIN_FORM = {
    **COORDINATOR_FORM,
    "small_cell_threshold": "7",
    "min_distinct_supporters": "4",
    "session_idle_minutes": "45",
    "session_absolute_hours": "8",
    "time_zone": "Europe/Berlin",
    "embed_origins": "https://intranet.example.org\r\n\r\n  http://localhost:8080  \r\n",
}
ADMIN_ONLY = {
    "small_cell_threshold": "7",
    "min_distinct_supporters": "4",
    "session_idle_minutes": "45",
    "session_absolute_hours": "8",
    "time_zone": "Europe/Berlin",
    "embed_origins": "https://intranet.example.org",
}


@pytest.fixture
def as_role(db: Session, sign_in: Callable[..., Browser]) -> Callable[[Role], Browser]:
    return lambda role: sign_in(make_user(db, roles=(role,)))


def audited(db: Session) -> list[str]:
    return audit_actions(db, object_type="program_settings", object_id=1)


def post(browser: Browser, fields: dict[str, str], *, htmx: bool = False) -> Any:
    headers = browser.htmx if htmx else HTML
    return browser.client.post(
        "/settings", data=browser.form(**fields), headers=headers, follow_redirects=False
    )


@pytest.mark.parametrize("role", [Role.supporter, Role.report_viewer, Role.resource_editor])
def test_only_coordinators_and_admins_open_the_settings(
    db: Session, as_role: Callable[[Role], Browser], role: Role
) -> None:
    browser = as_role(role)
    assert browser.client.get("/settings", headers=HTML).status_code == 403
    assert post(browser, {"program_name": "Taken over"}).status_code == 403
    assert get_program_settings(db).program_name == "ONE 2 ONE 2 CARE"


def test_the_settings_need_sign_in(client: TestClient) -> None:
    assert goes_to_sign_in(client.get("/settings", headers=HTML, follow_redirects=False))


def test_a_coordinator_sees_three_fields_and_the_rest_read_only(
    as_role: Callable[[Role], Browser],
) -> None:
    page = as_role(Role.coordinator).client.get("/settings").text
    assert '<a href="/settings" aria-current="page">Settings</a>' in page
    for name in COORDINATOR_FORM:
        assert f'name="{name}"' in page
    for name in ADMIN_ONLY:
        assert f'name="{name}"' not in page
        assert f'id="setting-{name}"' in page  # shown, read-only
    assert page.count("Only an administrator changes this.") == len(ADMIN_ONLY)
    assert '<span class="setting-value" id="setting-small_cell_threshold">11</span>' in page


def test_an_admin_sees_every_field(as_role: Callable[[Role], Browser]) -> None:
    page = as_role(Role.admin).client.get("/settings").text
    for name in ADMIN_FORM:
        assert f'name="{name}"' in page
    assert '<option value="America/New_York" selected>' in page
    assert "Only an administrator" not in page


def test_a_coordinator_changes_their_settings_and_each_change_is_audited(
    db: Session, as_role: Callable[[Role], Browser]
) -> None:
    browser = as_role(Role.coordinator)
    answer = post(browser, COORDINATOR_FORM)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/settings?saved=1"
    settings = get_program_settings(db)
    assert (settings.program_name, settings.default_monthly_cap) == ("Colleagues for care", 12)
    assert settings.refresher_missed_sessions == 2
    assert audited(db) == [
        "settings.change.program_name",
        "settings.change.default_monthly_cap",
        "settings.change.refresher_missed_sessions",
    ]
    assert "Settings saved." in browser.client.get("/settings?saved=1").text


@pytest.mark.parametrize("name", sorted(ADMIN_ONLY))
def test_a_coordinator_posting_an_admin_setting_is_refused_not_ignored(
    db: Session, as_role: Callable[[Role], Browser], name: str
) -> None:
    before = get_program_settings(db).model_dump()
    answer = post(as_role(Role.coordinator), {**COORDINATOR_FORM, name: ADMIN_ONLY[name]})
    assert answer.status_code == 403
    assert "administrator role to change" in answer.text
    db.expire_all()
    assert get_program_settings(db).model_dump() == before  # nothing, not even the name
    assert audited(db) == []


def test_a_coordinator_may_send_an_admin_setting_back_unchanged(
    db: Session, as_role: Callable[[Role], Browser]
) -> None:
    answer = post(as_role(Role.coordinator), {**COORDINATOR_FORM, "small_cell_threshold": "11"})
    assert answer.status_code == 303
    assert audited(db) == [
        "settings.change.program_name",
        "settings.change.default_monthly_cap",
        "settings.change.refresher_missed_sessions",
    ]


def test_an_admin_changes_everything(db: Session, as_role: Callable[[Role], Browser]) -> None:
    answer = post(as_role(Role.admin), ADMIN_FORM, htmx=True)
    assert answer.status_code == 204
    assert answer.headers["hx-redirect"] == "/settings?saved=1"
    settings = get_program_settings(db)
    assert settings.small_cell_threshold == 7
    assert settings.min_distinct_supporters == 4
    assert (settings.session_idle_minutes, settings.session_absolute_hours) == (45, 8)
    assert settings.time_zone == "Europe/Berlin"
    assert settings.embed_origins == ["https://intranet.example.org", "http://localhost:8080"]
    assert sorted(audited(db)) == sorted(f"settings.change.{name}" for name in ADMIN_FORM)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("program_name", "", "Fill this in."),
        ("default_monthly_cap", "0", "Enter 1 or more."),
        ("default_monthly_cap", "twelve", "Enter a whole number."),
        ("default_monthly_cap", "²", "Enter a whole number."),
        ("default_monthly_cap", "¹", "Enter a whole number."),
        ("default_monthly_cap", "-1", "Enter a whole number."),
        ("default_monthly_cap", "1e3", "Enter a whole number."),
        ("default_monthly_cap", "", "Enter a whole number."),
        ("refresher_missed_sessions", "25", "Enter 24 or less."),
        ("small_cell_threshold", "1", "Enter 2 or more."),
        ("time_zone", "Mars/Olympus_Mons", "is not a time zone name"),
        ("embed_origins", "https://ok.example.org\n*", "is not an origin"),
    ],
)
def test_bad_input_is_shown_beside_its_field_and_kept(
    db: Session, as_role: Callable[[Role], Browser], field: str, value: str, message: str
) -> None:
    answer = post(as_role(Role.admin), {**ADMIN_FORM, field: value}, htmx=True)
    assert answer.status_code == 422
    assert is_fragment(answer)
    error = answer.text.split(f'<p class="error" id="{field}-error">')[1].split("</p>")[0]
    assert message in error
    described = f'aria-describedby="{field}-hint {field}-error"'
    assert described in answer.text or f'aria-describedby="{field}-error"' in answer.text
    if field in ("program_name", "default_monthly_cap"):
        assert f'name="{field}" type="{"text" if field == "program_name" else "number"}"' in (
            answer.text
        )
        assert f'value="{value}"' in answer.text  # kept as typed
    else:
        assert 'value="Colleagues for care"' in answer.text  # the other answers are kept
    if field == "time_zone":
        assert '<option value="Mars/Olympus_Mons" selected>' in answer.text
    if field == "embed_origins":
        assert "https://ok.example.org\n*</textarea>" in answer.text
    assert get_program_settings(db).program_name == "ONE 2 ONE 2 CARE"
    assert audited(db) == []


def test_a_settings_form_without_its_csrf_token_is_refused(
    db: Session, as_role: Callable[[Role], Browser]
) -> None:
    browser = as_role(Role.admin)
    answer = browser.client.post(
        "/settings", data=COORDINATOR_FORM, headers=HTML, follow_redirects=False
    )
    assert answer.status_code == 403
    forged = browser.client.post(
        "/settings",
        data={**COORDINATOR_FORM, "csrf_token": "forged"},
        headers=HTML,
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert get_program_settings(db).program_name == "ONE 2 ONE 2 CARE"
    assert audited(db) == []


def test_number_fields_take_their_range_from_the_schema_and_link_their_hint(
    as_role: Callable[[Role], Browser],
) -> None:
    page = as_role(Role.admin).client.get("/settings", headers=HTML).text
    cap = page.split('id="setting-default_monthly_cap"')[1].split(">")[0]
    assert 'min="1" max="60"' in cap
    assert 'aria-describedby="default_monthly_cap-hint"' in cap
    assert "says otherwise (1 to 60).</p>" in page
    idle = page.split('id="setting-session_idle_minutes"')[1].split(">")[0]
    assert 'min="5" max="240"' in idle
    assert '<p class="hint" id="session_idle_minutes-hint">5 to 240.</p>' in page
