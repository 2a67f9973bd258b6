"""Process settings, read from the environment (and an optional `.env` file).

Safe defaults for a laptop; refusals for unsafe production settings. Program settings that a
coordinator or admin changes at run time (k, caps, ...) live in the database instead
(`domain/program_settings`).
"""

from __future__ import annotations

import ipaddress
import secrets
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from domain.db import SQLITE_BUSY_TIMEOUT_MS

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VAR_DIR = REPO_ROOT / "var"
MIN_SECRET_LENGTH = 32
DATABASE_URL_HINT = (
    "DATABASE_URL must look like sqlite:///path/to/file.db or "
    "postgresql://user:password@host:5432/dbname"
)


SMTP_URL_HINT = (
    "SMTP_URL must look like smtp://user:password@host:587 (STARTTLS when offered) or "
    "smtps://user:password@host:465; the user and password are optional"
)


def check_smtp_url(raw: str) -> str:
    """A usable SMTP_URL: smtp:// or smtps://, a host, a port number if one is given."""
    url = urlsplit(raw.strip())
    if url.scheme not in ("smtp", "smtps"):
        raise ValueError(f"{SMTP_URL_HINT} (unsupported scheme {url.scheme or 'none'!r})")
    try:
        url.port  # noqa: B018 (raises for a port that is not a number from 0 to 65535)
    except ValueError:
        raise ValueError(f"{SMTP_URL_HINT} (the port is not a number)") from None
    if not url.hostname:
        raise ValueError(f"{SMTP_URL_HINT} (the host is missing)")
    if url.path not in ("", "/") or url.query or url.fragment:
        raise ValueError(f"{SMTP_URL_HINT} (nothing may follow the host and port)")
    return raw.strip()


class SettingsError(Exception):
    """Settings that cannot be used; the message is one line a person can act on."""


def normalize_database_url(raw: str) -> str:
    try:
        url: URL = make_url(raw.strip())
    except (ArgumentError, ValueError) as exc:
        raise ValueError(DATABASE_URL_HINT) from exc
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database:
            raise ValueError(f"{DATABASE_URL_HINT} (the SQLite file path is missing)")
        return url.set(drivername="sqlite").render_as_string(hide_password=False)
    if backend == "postgresql":
        if not url.database:
            raise ValueError(f"{DATABASE_URL_HINT} (the database name is missing)")
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"{DATABASE_URL_HINT} (unsupported database {backend!r})")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)

    environment: Literal["development", "test", "production"] = "development"
    var_dir: Path = DEFAULT_VAR_DIR
    database_url: str = ""
    secret_key: SecretStr | None = None
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1", "localhost", "testserver"]
    )
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    debug: bool = False
    # Where people reach this app: links printed by the CLI start with it.
    public_url: str = "http://127.0.0.1:8000"
    jwt_issuer: str = "peer-support"
    jwt_audience: str = "peer-support-api"
    # The reverse proxies whose X-Forwarded-For names the client (IPs or networks, comma
    # separated). Empty trusts nobody: the address is the connection's own.
    forwarded_allow_ips: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # PEM files of EC P-256 private keys: the first signs, the others still verify (rotation).
    jwt_key_files: Annotated[list[Path], NoDecode] = Field(default_factory=list)
    # The server deletes expired rows (page sessions, links, idempotency records, sign-in
    # failures) this often; 0 turns that off, for those who run `peer-support purge` themselves.
    purge_interval_seconds: float = Field(default=60 * 60, ge=0)
    # How long a SQLite write waits for the lock held by other writers before it answers 503.
    sqlite_busy_timeout_ms: int = Field(default=SQLITE_BUSY_TIMEOUT_MS, ge=0, le=600_000)
    # Where mail goes: smtp://user:password@host:port (STARTTLS when offered) or smtps://...
    # Unset, mail is written to the log and the pages show the links it would carry.
    smtp_url: SecretStr | None = None
    mail_from: str = "Peer Support <peer-support@localhost>"

    @field_validator("allowed_hosts", "jwt_key_files", "forwarded_allow_ips", mode="before")
    @classmethod
    def split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [host.strip() for host in value.split(",") if host.strip()]
        return value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def proxies_are_addresses(cls, value: list[str]) -> list[str]:
        for proxy in value:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(
                    f"{proxy!r} is not an IP address or network (list the proxies' own addresses)"
                ) from None
        return value

    @field_validator("smtp_url")
    @classmethod
    def smtp_url_is_usable(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        return SecretStr(check_smtp_url(value.get_secret_value()))

    @field_validator("mail_from")
    @classmethod
    def mail_from_is_an_address(cls, value: str) -> str:
        address = parseaddr(value)[1]
        if "@" not in address or "\n" in value or "\r" in value:
            raise ValueError(
                "MAIL_FROM must be an email address, e.g. Peer Support <peer-support@hospital.org>"
            )
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def lower_log_level(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def resolve_and_refuse_unsafe(self) -> Settings:
        self.database_url = normalize_database_url(
            self.database_url or f"sqlite:///{self.var_dir / 'peer-support.db'}"
        )
        if self.environment == "production":
            self._refuse_unsafe_production()
        return self

    def _refuse_unsafe_production(self) -> None:
        secret = self.secret_key.get_secret_value() if self.secret_key else ""
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"SECRET_KEY must be set to at least {MIN_SECRET_LENGTH} random characters "
                "when ENVIRONMENT=production"
            )
        if self.debug:
            raise ValueError("DEBUG must be off when ENVIRONMENT=production")
        if not self.allowed_hosts or "*" in self.allowed_hosts:
            raise ValueError("ALLOWED_HOSTS must list this server's host names in production")
        if not self.jwt_key_files:
            raise ValueError("JWT_KEY_FILES must name the token signing keys in production")

    @model_validator(mode="after")
    def key_files_exist(self) -> Settings:
        missing = [str(path) for path in self.jwt_key_files if not path.is_file()]
        if missing:
            raise ValueError(f"JWT_KEY_FILES: no such file {missing[0]}")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def signing_secret(self) -> str:
        """The secret for signing; in development it is generated once and kept under var/."""
        if self.secret_key:
            return self.secret_key.get_secret_value()
        key_file = self.var_dir / "secret_key"
        if not key_file.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            key_file.touch(mode=0o600)
            key_file.write_text(secrets.token_urlsafe(48))
        return key_file.read_text().strip()


def describe_validation_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]).upper()
    message = first["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
