from __future__ import annotations

import stat
from pathlib import Path

import pytest

from domain.auth.tokens import new_private_key_pem
from domain.settings import Settings, SettingsError, load_settings

STRONG_SECRET = "s" * 40


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "DATABASE_URL",
        "SECRET_KEY",
        "ENVIRONMENT",
        "ALLOWED_HOSTS",
        "DEBUG",
        "LOG_LEVEL",
        "JWT_KEY_FILES",
        "JWT_ISSUER",
        "JWT_AUDIENCE",
        "PUBLIC_URL",
        "SQLITE_BUSY_TIMEOUT_MS",
        "FORWARDED_ALLOW_IPS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_the_default_database_is_a_sqlite_file_under_var(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.database_url == f"sqlite:///{tmp_path / 'peer-support.db'}"
    assert settings.is_sqlite


def test_a_postgresql_url_is_served_through_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:pw@db.internal:5432/peer")
    assert load_settings().database_url == "postgresql+psycopg://app:pw@db.internal:5432/peer"


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("not a url", "DATABASE_URL must look like"),
        ("mysql://root@localhost/app", "unsupported database 'mysql'"),
        ("postgresql://app@db.internal:5432", "database name is missing"),
        ("sqlite://", "SQLite file path is missing"),
    ],
)
def test_a_malformed_database_url_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, url: str, hint: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert hint in str(refused.value)
    assert "\n" not in str(refused.value)


def test_an_unknown_environment_or_log_level_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "loud")
    with pytest.raises(SettingsError, match="LOG_LEVEL"):
        load_settings()
    monkeypatch.setenv("LOG_LEVEL", "INFO")
    monkeypatch.setenv("ENVIRONMENT", "staging-ish")
    with pytest.raises(SettingsError, match="ENVIRONMENT"):
        load_settings()


@pytest.fixture
def signing_key_file(tmp_path: Path) -> Path:
    key_file = tmp_path / "jwt-key.pem"
    key_file.write_text(new_private_key_pem())
    return key_file


def test_production_refuses_a_missing_or_weak_secret(
    monkeypatch: pytest.MonkeyPatch, signing_key_file: Path
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("JWT_KEY_FILES", str(signing_key_file))
    with pytest.raises(SettingsError, match="SECRET_KEY must be set"):
        load_settings()
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(SettingsError, match="SECRET_KEY must be set"):
        load_settings()
    monkeypatch.setenv("SECRET_KEY", STRONG_SECRET)
    assert load_settings().signing_secret() == STRONG_SECRET


def test_production_refuses_debug_and_open_hosts(
    monkeypatch: pytest.MonkeyPatch, signing_key_file: Path
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("JWT_KEY_FILES", str(signing_key_file))
    monkeypatch.setenv("SECRET_KEY", STRONG_SECRET)
    monkeypatch.setenv("DEBUG", "true")
    with pytest.raises(SettingsError, match="DEBUG must be off"):
        load_settings()
    monkeypatch.setenv("DEBUG", "false")
    monkeypatch.setenv("ALLOWED_HOSTS", "*")
    with pytest.raises(SettingsError, match="ALLOWED_HOSTS"):
        load_settings()


def test_production_needs_token_signing_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG_SECRET)
    with pytest.raises(SettingsError, match="JWT_KEY_FILES must name"):
        load_settings()
    monkeypatch.setenv("JWT_KEY_FILES", "/nonexistent/key.pem")
    with pytest.raises(SettingsError, match="no such file"):
        load_settings()


def test_allowed_hosts_are_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_HOSTS", "peer.example.org, intranet.example.org")
    assert load_settings().allowed_hosts == ["peer.example.org", "intranet.example.org"]


def test_forwarded_allow_ips_trusts_nobody_by_default_and_lists_proxies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings().forwarded_allow_ips == []
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.5, 10.1.0.0/16,::1")
    assert load_settings().forwarded_allow_ips == ["10.0.0.5", "10.1.0.0/16", "::1"]


@pytest.mark.parametrize("value", ["*", "proxy.example.org", "10.0.0.300"])
def test_forwarded_allow_ips_refuses_anything_but_addresses(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", value)
    with pytest.raises(SettingsError, match=r"FORWARDED_ALLOW_IPS: .* is not an IP address"):
        load_settings()


def test_development_generates_a_secret_once_and_keeps_it_private(tmp_path: Path) -> None:
    first = Settings(_env_file=None).signing_secret()
    second = Settings(_env_file=None).signing_secret()
    key_file = tmp_path / "secret_key"
    assert first == second
    assert len(first) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LOG_LEVEL=warning\n")
    assert load_settings().log_level == "warning"


def test_the_sqlite_busy_timeout_is_5_seconds_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().sqlite_busy_timeout_ms == 5000
    monkeypatch.setenv("SQLITE_BUSY_TIMEOUT_MS", "300")
    assert load_settings().sqlite_busy_timeout_ms == 300
    monkeypatch.setenv("SQLITE_BUSY_TIMEOUT_MS", "-1")
    with pytest.raises(SettingsError, match="SQLITE_BUSY_TIMEOUT_MS"):
        load_settings()
