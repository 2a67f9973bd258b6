"""The `peer-support` command: each command works, and bad input ends in one line on stderr
with a non-zero exit, never a traceback."""

from __future__ import annotations

import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api import cli
from api.app import create_app
from domain.auth.throttle import ThrottleCounter
from domain.columns import utcnow
from domain.db import make_engine
from domain.settings import Settings
from domain.web_sessions.models import PasswordLink, WebSession
from tests.factories import make_user

HOUR = timedelta(hours=1)
BAD_INPUT = [
    ([], "the following arguments are required: COMMAND"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["migrate", "--now"], "unrecognized arguments: --now"),
    (["serve", "--port", "99999"], "'99999' is not a port number"),
    (["serve", "--port", "http"], "'http' is not a port number"),
    (["create-user", "--email", "a@hospital.example.org", "--name", "A"], "--role"),
    (["create-user", "--email", "a@h.example.org", "--name", "A", "--role", "wizard"], "wizard"),
    (["demo", "--forcefully"], "unrecognized arguments"),
]


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A fresh SQLite file for the command, whatever database the suite runs on."""
    path = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code: int, err: str, expected: str) -> None:
    assert code != 0
    assert len(err.strip().splitlines()) == 1, err
    assert expected in err
    assert "Traceback" not in err


@pytest.mark.parametrize(("argv", "expected"), BAD_INPUT)
def test_bad_arguments_end_in_one_line(
    capsys: pytest.CaptureFixture[str], database: Path, argv: list[str], expected: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert_one_line_error(code, err, expected)


@pytest.mark.parametrize("command", ["migrate", "serve", "create-user", "demo", "purge", "audit"])
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], command: str) -> None:
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    assert f"usage: peer-support {command}" in out


def test_migrate_brings_an_empty_database_to_head(
    capsys: pytest.CaptureFixture[str], database: Path
) -> None:
    code, out, _ = run(capsys, "migrate")
    assert code == 0
    assert "is at revision" in out
    assert database.exists()


def test_commands_refuse_an_unmigrated_database(
    capsys: pytest.CaptureFixture[str], database: Path
) -> None:
    code, _, err = run(capsys, "create-user", "--email", "a@h.example.org", "--name", "A",
                       "--role", "admin")  # fmt: skip
    assert_one_line_error(code, err, "run `peer-support migrate` first")


def test_create_user_with_a_password_from_stdin(
    capsys: pytest.CaptureFixture[str], database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, "migrate")
    monkeypatch.setattr(sys, "stdin", _stdin("correct-horse-battery\n"))
    roles = ["--role", "coordinator", "--role", "admin"]
    code, out, _ = run(capsys, "create-user", "--email", "Coord@Hospital.example.org",
                       "--name", "Casey", *roles, "--password-stdin")  # fmt: skip
    assert code == 0
    assert "coord@hospital.example.org (admin, coordinator)" in out


def test_create_user_refusals_are_one_line(
    capsys: pytest.CaptureFixture[str], database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, "migrate")
    base = ["create-user", "--name", "Casey", "--role", "coordinator"]
    code, _, err = run(capsys, *base, "--email", "not-an-email")
    assert_one_line_error(code, err, "--email")
    monkeypatch.setattr(sys, "stdin", _stdin("short\n"))
    code, _, err = run(capsys, *base, "--email", "c@h.example.org", "--password-stdin")
    assert_one_line_error(code, err, "--password-stdin")
    monkeypatch.setattr(sys, "stdin", _stdin(""))
    code, _, err = run(capsys, *base, "--email", "c@h.example.org", "--password-stdin")
    assert_one_line_error(code, err, "standard input had no password")
    assert run(capsys, *base, "--email", "c@h.example.org")[0] == 0
    code, _, err = run(capsys, *base, "--email", "C@H.example.org")
    assert_one_line_error(code, err, "exists already")


def test_bad_settings_end_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/app")
    code, _, err = run(capsys, "migrate")
    assert_one_line_error(code, err, "DATABASE_URL must look like")
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    code, _, err = run(capsys, "migrate")
    assert_one_line_error(code, err, "database error")


def test_serve_prints_a_one_time_setup_link_when_nobody_can_sign_in(
    capsys: pytest.CaptureFixture[str], database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, object] = {}
    monkeypatch.setattr("uvicorn.run", lambda _app, **options: served.update(options))
    run(capsys, "migrate")
    code, out, _ = run(capsys, "serve", "--port", "8123")
    assert code == 0
    assert "http://127.0.0.1:8123/setup/" in out
    assert served == {
        "host": "127.0.0.1",
        "port": 8123,
        "log_level": "info",
        "proxy_headers": False,
    }


def test_a_real_process_fails_in_one_line_without_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "serve", "--port", "0x"],
        capture_output=True,
        text=True,
        env={"VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 2
    assert_one_line_error(result.returncode, result.stderr, "not a port number")


def _stdin(text: str) -> object:
    import io

    return io.StringIO(text)


def test_demo_loads_a_program_and_prints_four_sign_ins(
    capsys: pytest.CaptureFixture[str], database: Path
) -> None:
    run(capsys, "migrate")
    code, out, _ = run(capsys, "demo")
    assert code == 0
    assert "Loaded the demo program:" in out
    for role in ("coordinator", "supporter", "resource_editor", "report_viewer"):
        assert f"  {role} " in out
    code, _, err = run(capsys, "demo")
    assert_one_line_error(code, err, "--force")
    assert run(capsys, "demo", "--force")[0] == 0


def test_create_api_client_prints_a_secret_that_authenticates(
    capsys: pytest.CaptureFixture[str], database: Path
) -> None:
    run(capsys, "migrate")
    code, out, _ = run(capsys, "create-api-client", "--name", "HR warehouse",
                       "--scope", "roster:read", "--scope", "reports:read")  # fmt: skip
    assert code == 0
    assert "with scopes: reports:read roster:read" in out
    client_id = out.split("client_id:")[1].split()[0]
    secret = out.split("client_secret:")[1].split()[0]
    settings = Settings(_env_file=None, environment="test", database_url=f"sqlite:///{database}",
                        var_dir=database.parent)  # fmt: skip
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as app:
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        response = app.post("/api/v1/auth/token", data=form)
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "reports:read roster:read"


def test_create_api_client_refusals_are_one_line(
    capsys: pytest.CaptureFixture[str], database: Path
) -> None:
    run(capsys, "migrate")
    assert run(capsys, "create-api-client", "--help")[0] == 0
    code, _, err = run(capsys, "create-api-client", "--name", "HR", "--scope", "encounters:read")
    assert_one_line_error(code, err, "invalid choice: 'encounters:read'")
    code, _, err = run(capsys, "create-api-client", "--name", "HR")
    assert_one_line_error(code, err, "--scope")
    for empty in ("", "   "):
        code, _, err = run(capsys, "create-api-client", "--name", empty, "--scope", "reports:read")
        assert_one_line_error(code, err, "--name")
    assert run(capsys, "create-api-client", "--name", "HR", "--scope", "reports:read")[0] == 0
    code, _, err = run(capsys, "create-api-client", "--name", " HR ", "--scope", "roster:read")
    assert_one_line_error(code, err, "exists already")


def test_create_user_without_a_password_prints_a_set_password_link(
    capsys: pytest.CaptureFixture[str], database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_URL", "https://peer.hospital.example.org/")
    run(capsys, "migrate")
    code, out, _ = run(capsys, "create-user", "--email", "new@hospital.example.org", "--name",
                       "Noor", "--role", "supporter")  # fmt: skip
    assert code == 0
    assert "https://peer.hospital.example.org/set-password/" in out


def test_purge_deletes_expired_rows_and_prints_how_many_of_each_kind(
    capsys: pytest.CaptureFixture[str], database: Path
) -> None:
    run(capsys, "migrate")
    engine = make_engine(f"sqlite:///{database}")
    now = utcnow()
    with Session(engine) as session:
        user = make_user(session)
        assert user.id is not None
        # Ended sessions stay 12 hours (a late form finds its person), then go.
        ended_long_ago = (now - timedelta(hours=12, seconds=1), now - timedelta(days=1))
        for expires_at in (*ended_long_ago, now - timedelta(seconds=1), now + HOUR):
            session.add(WebSession(token_hash=secrets.token_hex(32), user_id=user.id,
                                   csrf_token="c", expires_at=expires_at))  # fmt: skip
        session.add(PasswordLink(token_hash="t", user_id=user.id, expires_at=now - HOUR))
        session.add(ThrottleCounter(kind="pair", key="a@h.example.org 203.0.113.9", count=3,
                                    window_start=now - HOUR, last_at=now - HOUR))  # fmt: skip
        session.commit()
    engine.dispose()

    code, out, _ = run(capsys, "purge")

    assert code == 0
    assert out.splitlines() == [
        "Deleted expired rows:",
        "  page sessions        2",
        "  kept forms           0",
        "  password links       1",
        "  idempotency records  0",
        "  sign-in counters     1",
        "  finished jobs        0",
    ]
    code, out, _ = run(capsys, "purge")
    assert code == 0
    assert "  page sessions        0" in out


def test_purge_refuses_an_unmigrated_database(
    capsys: pytest.CaptureFixture[str], database: Path
) -> None:
    code, _, err = run(capsys, "purge")
    assert_one_line_error(code, err, "run `peer-support migrate` first")
