"""Org units over the API: a move that would loop answers 409, a tree deeper than 32 levels 422
on `parent_id`, both as problem details."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlmodel import Session

from domain.codes import OrgUnitKind, Role
from tests.factories import make_org_unit

Headers = dict[str, str]


def test_moving_a_unit_inside_its_own_child_answers_409(
    client: TestClient, db: Session, headers_for_roles: Callable[..., Headers]
) -> None:
    school = make_org_unit(db, kind=OrgUnitKind.school)
    department = make_org_unit(db, parent_id=school.id)
    answer = client.patch(
        f"/api/v1/org-units/{school.id}",
        json={"parent_id": department.id},
        headers=headers_for_roles(Role.coordinator),
    )
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"] == "An org unit cannot sit inside itself."
    assert (
        client.get(
            f"/api/v1/org-units/{school.id}", headers=headers_for_roles(Role.coordinator)
        ).json()["parent_id"]
        is None
    )


def test_a_33rd_level_answers_422_on_parent_id(
    client: TestClient, db: Session, headers_for_roles: Callable[..., Headers]
) -> None:
    parent_id = None
    for _ in range(32):
        parent_id = make_org_unit(db, kind=OrgUnitKind.unit, parent_id=parent_id).id
    answer = client.post(
        "/api/v1/org-units",
        json={"name": "Too deep", "kind": "unit", "parent_id": parent_id},
        headers=headers_for_roles(Role.coordinator),
    )
    assert answer.status_code == 422
    assert [error["field"] for error in answer.json()["errors"]] == ["parent_id"]
    assert "at most 32 levels deep" in answer.json()["detail"]
