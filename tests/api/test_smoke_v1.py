from collections.abc import Callable

from fastapi.testclient import TestClient

from domain.codes import ApiScope, Role


def test_a_coordinator_reads_me_and_the_roster(
    client: TestClient, headers_for_roles: Callable[..., dict[str, str]]
) -> None:
    headers = headers_for_roles(Role.coordinator)
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["roles"] == ["coordinator"]
    assert client.get("/api/v1/supporters", headers=headers).status_code == 200


def test_an_api_client_reads_reports_but_never_encounters(
    client: TestClient, headers_for_scopes: Callable[..., dict[str, str]]
) -> None:
    headers = headers_for_scopes(ApiScope.reports_read)
    report = client.get(
        "/api/v1/reports/encounters",
        params={"from": "2026-01", "to": "2026-03", "dimension": "setting"},
        headers=headers,
    )
    assert report.status_code == 200, report.text
    assert report.json()["k"] == 11
    assert "from" in report.json()
    assert client.get("/api/v1/encounters", headers=headers).status_code == 403
