from datetime import datetime
from zoneinfo import available_timezones

import sqlalchemy as sa
from pydantic import StrictInt, field_validator
from sqlmodel import Field, SQLModel

from domain.columns import timestamp_column, utcnow
from domain.program_settings.embed_origins import embed_origin_problem
from domain.schemas import InputSchema

SETTINGS_ROW_ID = 1
DEFAULT_PROGRAM_NAME = "ONE 2 ONE 2 CARE"
DEFAULT_SMALL_CELL_THRESHOLD = 11
DEFAULT_MIN_DISTINCT_SUPPORTERS = 3
DEFAULT_MONTHLY_CAP = 8
DEFAULT_REFRESHER_MISSED_SESSIONS = 3
DEFAULT_SESSION_IDLE_MINUTES = 30
DEFAULT_SESSION_ABSOLUTE_HOURS = 12
DEFAULT_TIME_ZONE = "America/New_York"


class ProgramSettings(SQLModel, table=True):
    """The program's own settings: one row, changed by admins (coordinators: some), every change
    audited (`domain.program_settings.service`)."""

    __tablename__ = "program_settings"

    id: int = Field(default=SETTINGS_ROW_ID, primary_key=True)
    program_name: str = Field(default=DEFAULT_PROGRAM_NAME, max_length=120)
    small_cell_threshold: int = DEFAULT_SMALL_CELL_THRESHOLD
    # Suppressed reports hide a cell whose encounters come from fewer distinct supporters.
    min_distinct_supporters: int = Field(
        default=DEFAULT_MIN_DISTINCT_SUPPORTERS,
        # The column was added to a table that already had its row.
        sa_column_kwargs={"server_default": str(DEFAULT_MIN_DISTINCT_SUPPORTERS)},
    )
    default_monthly_cap: int = DEFAULT_MONTHLY_CAP
    refresher_missed_sessions: int = DEFAULT_REFRESHER_MISSED_SESSIONS
    embed_origins: list[str] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON(), nullable=False)
    )
    session_idle_minutes: int = DEFAULT_SESSION_IDLE_MINUTES
    session_absolute_hours: int = DEFAULT_SESSION_ABSOLUTE_HOURS
    # Sessions are entered and shown in the program's own time zone (an IANA name).
    time_zone: str = Field(
        default=DEFAULT_TIME_ZONE,
        max_length=64,
        sa_column_kwargs={"server_default": DEFAULT_TIME_ZONE},
    )
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())

    __table_args__ = (sa.CheckConstraint(f"id = {SETTINGS_ROW_ID}", name="ck_single_row"),)


class ProgramSettingsUpdate(InputSchema):
    program_name: str | None = Field(default=None, min_length=1, max_length=120)
    small_cell_threshold: StrictInt | None = Field(default=None, ge=2, le=100)
    min_distinct_supporters: StrictInt | None = Field(default=None, ge=2, le=20)
    default_monthly_cap: StrictInt | None = Field(default=None, ge=1, le=60)
    refresher_missed_sessions: StrictInt | None = Field(default=None, ge=1, le=24)
    embed_origins: list[str] | None = Field(default=None, max_length=50)
    session_idle_minutes: StrictInt | None = Field(default=None, ge=5, le=240)
    session_absolute_hours: StrictInt | None = Field(default=None, ge=1, le=24)
    time_zone: str | None = Field(default=None, max_length=64)

    @field_validator("time_zone")
    @classmethod
    def known_time_zone(cls, value: str | None) -> str | None:
        if value is not None and value not in available_timezones():
            raise ValueError(f"{value!r} is not a time zone name like America/New_York")
        return value

    @field_validator("embed_origins")
    @classmethod
    def origins_are_origins(cls, value: list[str] | None) -> list[str] | None:
        """Each line goes into a header: only `scheme://host[:port]` (domain rule in
        `domain.program_settings.embed_origins`)."""
        if value is None:
            return None
        for origin in value:
            problem = embed_origin_problem(origin)
            if problem is not None:
                raise ValueError(problem)
        return value


class ProgramSettingsPublic(SQLModel):
    program_name: str
    small_cell_threshold: int
    min_distinct_supporters: int
    default_monthly_cap: int
    refresher_missed_sessions: int
    embed_origins: list[str]
    session_idle_minutes: int
    session_absolute_hours: int
    time_zone: str
