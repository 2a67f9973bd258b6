"""The program settings through the API: coordinators read them and change their three, admins
all; the rule is the settings service's (`changeable_settings`), so the pages and the API agree."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from domain.codes import Role
from domain.program_settings.service import get_program_settings
from tests.api.conftest import Headers
from tests.factories import audit_actions

API = "/api/v1/settings"


def test_a_coordinator_reads_the_settings(
    client: TestClient, headers_for_roles: Callable[..., Headers]
) -> None:
    answer = client.get(API, headers=headers_for_roles(Role.coordinator))
    assert answer.status_code == 200
    assert answer.json()["small_cell_threshold"] == 11


def test_a_coordinator_changes_the_program_name_cap_and_refresher_rule(
    client: TestClient, db: Session, headers_for_roles: Callable[..., Headers]
) -> None:
    body = {"program_name": "Peers", "default_monthly_cap": 10, "refresher_missed_sessions": 4}
    answer = client.patch(API, json=body, headers=headers_for_roles(Role.coordinator))
    assert answer.status_code == 200, answer.text
    assert {name: answer.json()[name] for name in body} == body
    assert len(audit_actions(db, object_type="program_settings", object_id=1)) == 3


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("small_cell_threshold", 5),
        ("min_distinct_supporters", 2),
        ("session_idle_minutes", 60),
        ("session_absolute_hours", 4),
        ("time_zone", "Europe/Berlin"),
        ("embed_origins", ["https://intranet.example.org"]),
    ],
)
def test_a_coordinator_changing_an_admin_setting_is_refused_whole(
    client: TestClient,
    db: Session,
    headers_for_roles: Callable[..., Headers],
    name: str,
    value: object,
) -> None:
    body = {"program_name": "Peers", name: value}
    answer = client.patch(API, json=body, headers=headers_for_roles(Role.coordinator))
    assert answer.status_code == 403
    assert name.replace("_", " ") in answer.json()["detail"]
    assert get_program_settings(db).program_name == "ONE 2 ONE 2 CARE"
    assert audit_actions(db, object_type="program_settings", object_id=1) == []


def test_an_admin_changes_an_admin_setting(
    client: TestClient, headers_for_roles: Callable[..., Headers]
) -> None:
    answer = client.patch(
        API, json={"small_cell_threshold": 5}, headers=headers_for_roles(Role.admin)
    )
    assert answer.status_code == 200
    assert answer.json()["small_cell_threshold"] == 5


@pytest.mark.parametrize(
    "origin",
    ["https://a.org;script-src *", "https://a.org/path", "https://a.org ", "*", "https://*.a.org",
     "ftp://a.org", "https://a.org:0", "https://a.org:65536", "https://user@a.org"],
)  # fmt: skip
def test_an_embed_origin_that_is_not_an_origin_is_a_problem_naming_the_field(
    client: TestClient, db: Session, headers_for_roles: Callable[..., Headers], origin: str
) -> None:
    answer = client.patch(
        API,
        json={"embed_origins": ["https://intranet.example.org", origin]},
        headers=headers_for_roles(Role.admin),
    )

    assert answer.status_code == 422
    fields = [error["field"] for error in answer.json()["errors"]]
    assert fields[0].startswith("embed_origins")
    assert "is not an origin" in answer.text
    assert get_program_settings(db).embed_origins == []


def test_embed_origins_that_are_origins_are_kept(
    client: TestClient, headers_for_roles: Callable[..., Headers]
) -> None:
    origins = ["https://intranet.example.org", "http://localhost:8080"]

    answer = client.patch(
        API, json={"embed_origins": origins}, headers=headers_for_roles(Role.admin)
    )

    assert answer.status_code == 200
    assert answer.json()["embed_origins"] == origins
