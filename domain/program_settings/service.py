from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import Session

from domain.actors import Actor, require_role
from domain.audit.actions import field_changed
from domain.audit.service import record_audit_event
from domain.changes import changes_of
from domain.codes import Role
from domain.columns import utcnow
from domain.program_settings.models import SETTINGS_ROW_ID, ProgramSettings, ProgramSettingsUpdate


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


def read_program_settings(*, session: Session, actor: Actor) -> ProgramSettings:
    require_role(actor, Role.admin, to="read the program settings")
    return get_program_settings(session)


def update_program_settings(
    *, session: Session, actor: Actor, data: ProgramSettingsUpdate
) -> ProgramSettings:
    require_role(actor, Role.admin, to="change the program settings")
    settings = get_program_settings(session)
    for name, value in changes_of(data).items():
        if getattr(settings, name) == value:
            continue
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
    return settings
