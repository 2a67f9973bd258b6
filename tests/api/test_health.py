from __future__ import annotations

import sqlite3
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from domain.settings import Settings


def test_healthz_answers_while_the_process_is_up(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_says_the_database_is_reachable_and_migrated(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["migrations"] == "at head"


def test_readyz_is_unavailable_on_an_unmigrated_database(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "empty.db").close()  # the server never creates the file itself
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'empty.db'}",
        var_dir=tmp_path,
    )
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert "peer-support migrate" in response.json()["migrations"]


def test_readyz_is_unavailable_when_the_database_is_unreachable(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        database_url="postgresql://nobody@127.0.0.1:1/none",
        var_dir=tmp_path,
    )
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_requests_for_unknown_hosts_are_refused(client: TestClient) -> None:
    assert client.get("/healthz", headers={"host": "evil.example.net"}).status_code == 400
