"""Every table, imported once so `SQLModel.metadata` is complete (Alembic and tests use it)."""

from sqlmodel import SQLModel

from domain.api_clients.models import ApiClient, ApiClientScope
from domain.audit.models import AuditEvent
from domain.auth.throttle import ThrottleCounter
from domain.debriefs.models import DebriefRequest
from domain.encounters.models import (
    Encounter,
    EncounterElement,
    EncounterFlowStep,
    EncounterResource,
    EncounterStressor,
    EncounterSupportType,
)
from domain.idempotency.models import IdempotencyRecord
from domain.jobs.models import Job
from domain.kept_forms.models import KeptForm
from domain.org_units.models import OrgUnit
from domain.professions.models import Profession
from domain.program_settings.models import ProgramSettings
from domain.resources.models import Resource, ResourceAudience
from domain.sessions.models import Attendance, ProgramSession
from domain.supporters.models import Supporter
from domain.users.models import SetupToken, User, UserRole
from domain.web_sessions.models import PasswordLink, WebSession

metadata = SQLModel.metadata

__all__ = [
    "ApiClient",
    "ApiClientScope",
    "Attendance",
    "AuditEvent",
    "DebriefRequest",
    "Encounter",
    "EncounterElement",
    "EncounterFlowStep",
    "EncounterResource",
    "EncounterStressor",
    "EncounterSupportType",
    "IdempotencyRecord",
    "Job",
    "KeptForm",
    "OrgUnit",
    "PasswordLink",
    "Profession",
    "ProgramSession",
    "ProgramSettings",
    "Resource",
    "ResourceAudience",
    "SetupToken",
    "Supporter",
    "ThrottleCounter",
    "User",
    "UserRole",
    "WebSession",
    "metadata",
]
