"""The program settings: one row, read by coordinators and admins, changed field by field.

Rules:
1. Admins change every setting. Coordinators change the settings of their daily work: the
   program name, the default monthly cap and the refresher rule (`changeable_settings`).
   Everything else (k, the distinct-supporter minimum, session timeouts, the time zone, the embed
   origins) protects people or the site, so it is the admins' alone.
2. An update that would change a setting the actor may not change is refused whole (403),
   naming the setting: never half-applied, never silently ignored. Sending a setting's current
   value is not a change, so a form or a client that sends everything back still works.
3. Coordinators and admins read all the settings (a coordinator's page shows the admins' ones
   read-only; coordinators see k in every report anyway). Nobody else does, API clients neither.
4. Every changed field is audited as `settings.change.<field>`; unchanged fields leave nothing.
5. Two people saving at once: the row is locked before it is read, so each update compares with
   the last committed state and the final row is one person's whole change, never a mix.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from domain.actors import Actor, require_role
from domain.audit.actions import field_changed
from domain.audit.service import record_audit_event
from domain.changes import changes_of
from domain.codes import Role
from domain.columns import utcnow
from domain.errors import PermissionDenied
from domain.program_settings.models import SETTINGS_ROW_ID, ProgramSettings, ProgramSettingsUpdate

ALL_SETTINGS = frozenset(ProgramSettingsUpdate.model_fields)
COORDINATOR_SETTINGS = frozenset(
    {"program_name", "default_monthly_cap", "refresher_missed_sessions"}
)
SETTINGS_READERS = (Role.coordinator, Role.admin)


def get_program_settings(session: Session) -> ProgramSettings:
    """The settings row (made by the first migration); recreated with defaults if missing."""
    settings = session.get(ProgramSettings, SETTINGS_ROW_ID)
    if settings is None:
        settings = ProgramSettings()
        session.add(settings)
        session.flush()
    return settings


def program_time_zone(session: Session) -> ZoneInfo:
    """Sessions are entered and shown in the program's time zone (stored times are UTC)."""
    return ZoneInfo(get_program_settings(session).time_zone)


def program_today(session: Session, now: datetime | None = None) -> date:
    """Today's date in the program's time zone (at `now`, a UTC datetime; default: now).

    "This month" (the monthly load, the cap, the debrief prompt) is the program's month: at
    2026-12-01 03:30 UTC it is still November 30 in America/New_York."""
    return (now or utcnow()).astimezone(program_time_zone(session)).date()


def changeable_settings(actor: Actor) -> frozenset[str]:
    """Rule 1: the settings `actor` may change (none for anyone else, API clients included)."""
    if actor.is_api_client:
        return frozenset()
    if actor.has_any_role(Role.admin):
        return ALL_SETTINGS
    if actor.has_any_role(Role.coordinator):
        return COORDINATOR_SETTINGS
    return frozenset()


def read_program_settings(*, session: Session, actor: Actor) -> ProgramSettings:
    require_role(actor, *SETTINGS_READERS, to="read the program settings")
    return get_program_settings(session)


def update_program_settings(
    *, session: Session, actor: Actor, data: ProgramSettingsUpdate
) -> ProgramSettings:
    require_role(actor, *SETTINGS_READERS, to="change the program settings")
    allowed = changeable_settings(actor)
    changes = changes_of(data)
    settings = _locked_settings(session)
    changed = {name: value for name, value in changes.items() if getattr(settings, name) != value}
    refused = [name for name in changed if name not in allowed]
    if refused:
        raise PermissionDenied(
            f"You need the administrator role to change {_names(refused)}.", field=refused[0]
        )
    for name, value in changed.items():
        setattr(settings, name, value)
        record_audit_event(
            session=session,
            actor=actor,
            action=field_changed("settings", name),
            object_type="program_settings",
            object_id=SETTINGS_ROW_ID,
        )
    settings.updated_at = utcnow()
    session.add(settings)
    session.flush()
    if "refresher_missed_sessions" in changed:
        # The roster builds on the settings: imported where used.
        from domain.supporters.roster import refresh_all_refresher_flags

        refresh_all_refresher_flags(session, actor, settings.refresher_missed_sessions)
    return settings


def _locked_settings(session: Session) -> ProgramSettings:
    """Rule 5: the row as last committed, locked until this unit of work ends (FOR UPDATE on
    PostgreSQL; SQLite's units of work already hold the write lock from BEGIN IMMEDIATE)."""
    get_program_settings(session)  # makes the row if it is missing
    statement = (
        select(ProgramSettings)
        .where(col(ProgramSettings.id) == SETTINGS_ROW_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.exec(statement).one()


def _names(fields: list[str]) -> str:
    return ", ".join(name.replace("_", " ") for name in fields)
