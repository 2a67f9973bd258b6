"""A realistic demo program, to try the app and to show it.

Shaped like the program in docs/program-paper.md: 31 physicians and faculty scientists trained
in a pilot, then 53 more from other professions; two schools with departments and two sites;
one initial training and six monthly sessions with attendance; six months of de-identified
encounters; local resources beside the seeded national ones, with the keywords people search
by, and the seeded placeholder EAP completed and published (so the crisis button shows it);
four accounts to sign in with.

Rows go in with `add_all` for speed, but every derived value comes from the domain's own rules
(`build_encounter`, `monthly_workload`, `refresh_needs_refresher`) and encounters pass
through `EncounterCreate` like logged ones. All chance comes from `random.Random(seed)`, so a
seed and a day always give the same program (only the passwords are fresh each time).
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlmodel import Session, col, delete, func, select, update

from domain.actors import Actor
from domain.audit.service import record_audit_event
from domain.codes import (
    AttendanceStatus,
    Cost,
    DurationBand,
    EncounterSetting,
    Escalation,
    FlowStep,
    FollowUp,
    InitiatedBy,
    Modality,
    OrgUnitKind,
    PeerOrgRelation,
    ResourceCategory,
    Role,
    SessionKind,
    Stressor,
    SupportElement,
    SupporterStatus,
    SupportType,
)
from domain.columns import utc_today, utcnow
from domain.debriefs.models import DebriefRequest, DebriefStatus, DebriefUrgency
from domain.encounters.models import (
    Encounter,
    EncounterCreate,
    EncounterElement,
    EncounterFlowStep,
    EncounterResource,
    EncounterStressor,
    EncounterSupportType,
)
from domain.encounters.service import build_encounter
from domain.errors import InvalidInput, RuleViolation
from domain.jobs.models import Job
from domain.org_units.models import OrgUnit
from domain.professions.models import Profession
from domain.program_settings.service import get_program_settings
from domain.resources.models import Resource, ResourceAudience, ResourceCreate, ResourceUpdate
from domain.resources.service import create_resource, months_before, update_resource
from domain.sessions.models import Attendance, ProgramSession
from domain.supporters.models import Supporter
from domain.supporters.service import month_bounds, monthly_workload, refresh_needs_refresher
from domain.users.models import User, UserCreate, UserRole
from domain.users.service import create_user
from domain.web_sessions.models import PasswordLink, WebSession

T = TypeVar("T")

DEMO_DOMAIN = "demo.example.org"
# Demo resources are recognized by their address, so a reload replaces them and nothing else.
DEMO_URL = f"https://{DEMO_DOMAIN}/"
DEMO_ACTOR = Actor.operator("demo")


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


@dataclass(frozen=True)
class DemoSummary:
    logins: list[DemoLogin]
    supporters: int
    org_units: int
    sessions: int
    encounters: int


# The roster: the pilot cohort, then the expansion cohort, then people not yet trained.

PILOT_COHORT = {"physician": 22, "faculty_scientist": 9}
EXPANSION_COHORT = {
    "nurse": 12,
    "pharmacist": 8,
    "dentist": 6,
    "physical_therapist": 6,
    "occupational_therapist": 5,
    "psychiatric_rehabilitation_practitioner": 5,
    "nurse_practitioner": 3,
    "physician_assistant": 3,
    "social_worker": 3,
    "psychologist": 2,
}
CANDIDATE_PROFESSIONS = ("physician_assistant", "social_worker", "mental_health_counselor")
PILOT_LEAD_MONTHS = 9  # how long before the expansion's training the pilot cohort trained
MONTHS_OF_HISTORY = 6
PAUSED_COUNT = 3
CAPPED_COUNT = 4
CAPPED_MONTHLY_CAP = 4  # a low personal cap makes reaching it plausible early in a month
REFRESHER_COUNT = 4
OTHER_CAPS = (6, 10, 12)
OTHER_CAP_SHARE = 0.12
# Encounters per month for one supporter: most are occasional, a few carry much of the load.
ACTIVITY = {0.3: 20, 0.7: 30, 1.0: 25, 1.8: 15, 2.6: 10}

LOGIN_MAILBOXES = {
    Role.coordinator: "coordinator",
    Role.supporter: "supporter",
    Role.resource_editor: "resources",
    Role.report_viewer: "reports",
}

FIRST_NAMES = (
    "Avery", "Blake", "Camila", "Dario", "Elena", "Farah", "Gideon", "Hana", "Isaac", "Jonah",
    "Keiko", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Samir", "Tessa",
    "Uma", "Victor", "Wren", "Xavier", "Yara", "Zane", "Amara", "Bruno", "Chloe", "Dev",
    "Esther", "Felix", "Grace", "Hugo", "Ines", "Jules", "Kofi", "Lucia", "Marcus", "Nora",
)  # fmt: skip
# Invented surnames (Cedarbrook, Willowmere...): plausible, yet nobody's real name.
SURNAME_STARTS = (
    "Ash", "Birch", "Cedar", "Elm", "Fern", "Hazel", "Maple", "Oak",
    "Pine", "Rowan", "Willow", "Alder", "Aspen", "Linden", "Juniper", "Larch",
)  # fmt: skip
SURNAME_ENDS = ("brook", "field", "wood", "ridge", "dale", "ford", "mere", "well", "combe", "gate")

# Org units: (name, kind, names of the units below it).

ORG_TREE: tuple[tuple[str, OrgUnitKind, tuple[str, ...]], ...] = (
    (
        "Northfield School of Medicine",
        OrgUnitKind.school,
        ("Internal Medicine", "Surgery", "Pediatrics", "Psychiatry", "Emergency Medicine",
         "Molecular and Cellular Biology"),
    ),
    (
        "Northfield School of Health Professions",
        OrgUnitKind.school,
        ("Pharmacy Practice", "Dental Medicine", "Rehabilitation Sciences",
         "Psychiatric Rehabilitation and Counseling", "Nursing", "Physician Assistant Studies"),
    ),
    (
        "Northfield University Hospital",
        OrgUnitKind.site,
        ("Medical ICU", "4 West Medical-Surgical", "Infusion Center"),
    ),
    ("Eastbrook Community Health Center", OrgUnitKind.site, ()),
)  # fmt: skip
CHILD_KIND = {OrgUnitKind.school: OrgUnitKind.department, OrgUnitKind.site: OrgUnitKind.unit}
HOMES: dict[str, tuple[str, ...]] = {
    "physician": (
        "Internal Medicine", "Surgery", "Pediatrics", "Psychiatry", "Emergency Medicine",
    ),
    "faculty_scientist": ("Molecular and Cellular Biology", "Psychiatry", "Pharmacy Practice"),
    "nurse": ("Nursing", "Medical ICU", "4 West Medical-Surgical", "Infusion Center"),
    "nurse_practitioner": ("Nursing", "Eastbrook Community Health Center"),
    "physician_assistant": ("Physician Assistant Studies", "Emergency Medicine", "Surgery"),
    "pharmacist": ("Pharmacy Practice", "Northfield University Hospital"),
    "dentist": ("Dental Medicine",),
    "physical_therapist": ("Rehabilitation Sciences", "Northfield University Hospital"),
    "occupational_therapist": ("Rehabilitation Sciences",),
    "psychiatric_rehabilitation_practitioner": (
        "Psychiatric Rehabilitation and Counseling", "Eastbrook Community Health Center",
    ),
    "psychologist": ("Psychiatry", "Psychiatric Rehabilitation and Counseling"),
    "social_worker": ("Eastbrook Community Health Center", "Psychiatry"),
    "mental_health_counselor": ("Psychiatric Rehabilitation and Counseling",),
}  # fmt: skip

# Sessions.

TRAINING_HOUR_UTC = 13  # 8 or 9 a.m. on the US East Coast
MONTHLY_HOUR_UTC = 17  # noon, a lunch meeting
MONDAY, TUESDAY, WEDNESDAY, SATURDAY = 0, 1, 2, 5
MONTHLY_TOPICS = (
    "Active listening and listening blocks",
    "After an adverse event: supporting the second victim",
    "Sharing resources and tangible aid",
    "Red flags and the crisis path",
    "Peer support across professions",
    "Caring for ourselves as supporters",
)
UPCOMING_TOPIC = "Moral distress and moral repair"
USUAL_ATTENDANCE = {AttendanceStatus.attended: 82, AttendanceStatus.excused: 11,
                    AttendanceStatus.absent: 7}  # fmt: skip
PAUSED_ATTENDANCE = {AttendanceStatus.attended: 30, AttendanceStatus.excused: 60,
                     AttendanceStatus.absent: 10}  # fmt: skip
MISSED = (AttendanceStatus.excused, AttendanceStatus.absent)

# Encounters: weights drawn from what such programs report (burnout and patient care first).

CLINICAL_SETTINGS = {
    EncounterSetting.inpatient_unit: 24, EncounterSetting.icu: 9,
    EncounterSetting.emergency_department: 9, EncounterSetting.procedural_area: 6,
    EncounterSetting.outpatient_clinic: 16, EncounterSetting.office: 10,
    EncounterSetting.teaching_space: 4, EncounterSetting.virtual: 8,
    EncounterSetting.research_lab: 2, EncounterSetting.off_site: 3, EncounterSetting.other: 2,
}  # fmt: skip
COMMUNITY_SETTINGS = {
    EncounterSetting.outpatient_clinic: 35, EncounterSetting.office: 20,
    EncounterSetting.off_site: 15, EncounterSetting.virtual: 15,
    EncounterSetting.inpatient_unit: 10, EncounterSetting.other: 5,
}  # fmt: skip
REHABILITATION_SETTINGS = {
    EncounterSetting.inpatient_unit: 30, EncounterSetting.outpatient_clinic: 35,
    EncounterSetting.icu: 8, EncounterSetting.office: 7, EncounterSetting.virtual: 8,
    EncounterSetting.teaching_space: 7, EncounterSetting.other: 5,
}  # fmt: skip
SETTINGS_BY_PROFESSION = {
    "faculty_scientist": {
        EncounterSetting.research_lab: 35, EncounterSetting.office: 25,
        EncounterSetting.teaching_space: 15, EncounterSetting.virtual: 15,
        EncounterSetting.off_site: 5, EncounterSetting.other: 5,
    },
    "dentist": {
        EncounterSetting.outpatient_clinic: 45, EncounterSetting.procedural_area: 15,
        EncounterSetting.teaching_space: 15, EncounterSetting.office: 10,
        EncounterSetting.virtual: 10, EncounterSetting.other: 5,
    },
    "physical_therapist": REHABILITATION_SETTINGS,
    "occupational_therapist": REHABILITATION_SETTINGS,
    "psychiatric_rehabilitation_practitioner": COMMUNITY_SETTINGS,
    "psychologist": COMMUNITY_SETTINGS,
    "social_worker": COMMUNITY_SETTINGS,
}  # fmt: skip
INITIATIONS = {
    InitiatedBy.supporter_approach: 38, InitiatedBy.self_request: 20,
    InitiatedBy.colleague_referral: 15, InitiatedBy.leader_referral: 8,
    InitiatedBy.event_outreach: 7, InitiatedBy.follow_up: 12,
}  # fmt: skip
APPROACHES = frozenset({InitiatedBy.supporter_approach, InitiatedBy.event_outreach})
IN_PERSON_LEANING = {Modality.in_person: 80, Modality.phone: 9, Modality.message: 7,
                     Modality.video: 4}  # fmt: skip
REMOTE = {Modality.video: 5, Modality.phone: 3, Modality.message: 2}
# The colleagues supporters meet: the workforce of a medical school and its hospital.
PEERS = {
    "nurse": 22, "physician": 18, "resident_fellow": 10, "staff": 8, "faculty_scientist": 5,
    "pharmacist": 5, "student": 5, "nurse_practitioner": 4, "physician_assistant": 4,
    "physical_therapist": 3, "dentist": 3, "social_worker": 3, "other": 3,
    "occupational_therapist": 2, "psychologist": 2,
    "psychiatric_rehabilitation_practitioner": 2, "mental_health_counselor": 1,
}  # fmt: skip
SAME_PROFESSION_SHARE = 0.3  # plus the weighted draws that land on it: about 4 in 10
RELATIONS = {PeerOrgRelation.same_department: 48, PeerOrgRelation.other_department: 30,
             PeerOrgRelation.other_school: 10, PeerOrgRelation.unknown: 12}  # fmt: skip
DURATIONS = {DurationBand.under_15: 28, DurationBand.from_15_to_30: 42,
             DurationBand.from_30_to_60: 22, DurationBand.over_60: 8}  # fmt: skip
STRESSORS = {
    Stressor.workload_burnout: 24, Stressor.difficult_patient_family: 14,
    Stressor.adverse_event: 12, Stressor.moral_distress: 12, Stressor.personal: 12,
    Stressor.conflict_mistreatment: 10, Stressor.patient_death: 9,
    Stressor.career_academic: 9, Stressor.workplace_violence: 4, Stressor.litigation_review: 3,
    Stressor.other: 3, Stressor.colleague_loss: 2, Stressor.public_health_crisis: 2,
}  # fmt: skip
HEAVY_STRESSORS = frozenset(
    {Stressor.patient_death, Stressor.workplace_violence, Stressor.colleague_loss}
)
ELEMENTS = {SupportElement.listening: 60, SupportElement.encouragement: 25,
            SupportElement.companionship: 12, SupportElement.tangible_aid: 8}  # fmt: skip
SUPPORT_TYPES = {SupportType.emotional: 60, SupportType.informational: 28,
                 SupportType.instrumental: 12}  # fmt: skip
ONE_TO_THREE = {1: 45, 2: 40, 3: 15}
ONE_OR_TWO = {1: 65, 2: 35}
# How often a step beyond listening is done when nothing calls for it.
USUAL_STEPS = {FlowStep.confidentiality: 0.8, FlowStep.reflect: 0.85, FlowStep.normalize: 0.6,
               FlowStep.cope: 0.55, FlowStep.close: 0.85}  # fmt: skip
ESCALATIONS = {Escalation.none: 80, Escalation.information_shared: 11,
               Escalation.warm_referral: 7, Escalation.urgent_consult: 2}  # fmt: skip
REFERRALS = frozenset({Escalation.warm_referral, Escalation.urgent_consult})
SHARING_WITHOUT_ESCALATION = 0.12
RESOURCES_FOR = {
    Escalation.none: frozenset({ResourceCategory.wellness, ResourceCategory.spiritual_care,
                                ResourceCategory.financial, ResourceCategory.childcare,
                                ResourceCategory.ombuds, ResourceCategory.occupational_health}),
    Escalation.warm_referral: frozenset({ResourceCategory.counseling, ResourceCategory.eap,
                                         ResourceCategory.physician_health_program,
                                         ResourceCategory.peer_support_line}),
    Escalation.urgent_consult: frozenset({ResourceCategory.crisis_line,
                                          ResourceCategory.counseling}),
}  # fmt: skip
FOLLOW_UPS = {FollowUp.none: 35, FollowUp.declined: 8, FollowUp.planned: 27,
              FollowUp.completed: 30}  # fmt: skip
FOLLOW_UP_DAYS = 7  # a follow-up within a week of the encounter is rarely done yet
LOG_DELAY_HOURS = (0, 0, 0, 1, 3, 18)

# Local resources beside the seeded national ones: (days since last review, fields).
LOCAL_RESOURCES: tuple[tuple[int, dict[str, Any]], ...] = (
    (40, {
        "title": "Faculty and Staff Counseling Service",
        "description": "Short-term, confidential counseling for faculty, staff and trainees, "
        "in person or by video. No cost and no insurance claim.",
        "category": ResourceCategory.counseling, "phone": "(555) 555-0142",
        "url": f"{DEMO_URL}counseling", "location": "Northfield University Hospital, Suite 4B",
        "hours": "Weekdays 8 a.m. to 6 p.m.", "confidential": True, "cost": Cost.free,
        "keywords": ["counselors", "therapy", "therapist", "anxiety", "depression",
                     "mental health"],
    }),
    (75, {
        "title": "Wellness Center: resilience and mindfulness groups",
        "description": "Drop-in mindfulness, movement and resilience groups, on site and "
        "online, at lunch time and after night shifts.",
        "category": ResourceCategory.wellness, "url": f"{DEMO_URL}wellness",
        "location": "Northfield Learning Center, 2nd floor", "cost": Cost.free,
        "keywords": ["mindfulness", "yoga", "stress", "resilience", "meditation"],
    }),
    (120, {
        "title": "Chaplaincy and Spiritual Care",
        "description": "Chaplains of many faiths and of none, for staff as well as patients. "
        "Ask the hospital operator for the chaplain on call.",
        "category": ResourceCategory.spiritual_care, "phone": "(555) 555-0117",
        "url": f"{DEMO_URL}spiritual-care", "available_24_7": True, "confidential": True,
        "cost": Cost.free, "keywords": ["chaplain", "faith", "grief", "prayer"],
    }),
    (200, {
        "title": "Office of the Ombuds",
        "description": "Independent, informal and confidential help with conflicts, "
        "mistreatment and concerns you are not ready to report.",
        "category": ResourceCategory.ombuds, "email": f"ombuds@{DEMO_DOMAIN}",
        "url": f"{DEMO_URL}ombuds", "hours": "Weekdays 9 a.m. to 5 p.m.", "confidential": True,
        "cost": Cost.free, "keywords": ["conflict", "mistreatment", "harassment", "bullying"],
    }),
    (30, {
        "title": "Occupational Health: injury and exposure care",
        "description": "Care after a needlestick, an exposure or an injury at work, and "
        "fitness-for-duty questions.",
        "category": ResourceCategory.occupational_health, "phone": "(555) 555-0160",
        "url": f"{DEMO_URL}occupational-health", "hours": "Daily 7 a.m. to 7 p.m.",
        "cost": Cost.free, "keywords": ["needlestick", "exposure", "injury", "fitness for duty"],
    }),
    (90, {
        "title": "Employee Emergency Assistance Fund",
        "description": "Small grants for unexpected hardship: a fire, a flood, a funeral.",
        "category": ResourceCategory.financial, "url": f"{DEMO_URL}assistance-fund",
        "confidential": True, "cost": Cost.free, "keywords": ["hardship", "grant", "money"],
    }),
    (430, {
        "title": "Backup Childcare Program",
        "description": "Backup care for children when usual arrangements fall through, "
        "including evenings and weekends.",
        "category": ResourceCategory.childcare, "url": f"{DEMO_URL}backup-childcare",
        "cost": Cost.fee, "keywords": ["child care", "backup care", "babysitting", "kids"],
    }),
    (150, {
        "title": "Northfield State Physician Health Program",
        "description": "Confidential evaluation, referral and monitoring for licensed "
        "clinicians facing burnout, mental health or substance use concerns.",
        "category": ResourceCategory.physician_health_program, "phone": "(555) 555-0199",
        "url": f"{DEMO_URL}physician-health", "confidential": True, "cost": Cost.free,
        "audiences": ["physician", "resident_fellow", "physician_assistant", "dentist"],
        "keywords": ["PHP", "substance use", "burnout", "licensure"],
    }),
    (60, {
        "title": "Sleep Well: insomnia care for shift workers",
        "description": "Six weeks of cognitive behavioral therapy for insomnia (CBT-I), "
        "adapted to night and rotating shifts, in a group or one to one, online.",
        "category": ResourceCategory.wellness, "url": f"{DEMO_URL}sleep-well",
        "hours": "Evening and morning groups, weekly", "confidential": True, "cost": Cost.free,
        "keywords": ["sleep", "insomnia", "CBT-I", "night shift", "fatigue"],
    }),
    (100, {
        "title": "Legal consultation through the EAP",
        "description": "A free 30-minute consultation with an attorney on wills, housing, "
        "family and custody questions, and reduced fees after that.",
        "category": ResourceCategory.legal, "phone": "(555) 555-0175",
        "url": f"{DEMO_URL}legal-consultation", "confidential": True, "cost": Cost.free,
        "keywords": ["lawyer", "attorney", "legal advice", "EAP"],
    }),
)  # fmt: skip

# The seeded placeholder EAP, completed as an institution would: published with a phone, so
# the crisis button shows it. The demo updates that entry in place, so it never doubles.
SEEDED_EAP_TITLE = "Employee Assistance Program (EAP)"
DEMO_EAP: dict[str, Any] = {
    "description": "Free, confidential short-term counseling with licensed counselors for "
    "you and your household, by phone, video or in person, and referrals for legal, "
    "financial and childcare questions. Call any time, day or night.",
    "phone": "(555) 555-0127",
    "url": f"{DEMO_URL}eap",
    "hours": "Counselors answer the phone 24/7; appointments weekdays 8 a.m. to 8 p.m.",
    "location": "Northfield University Hospital, Building C, 3rd floor",
    "available_24_7": True,
    "confidential": True,
    "cost": Cost.free,
    "keywords": ["EAP", "employee assistance", "counseling", "counselors", "confidential",
                 "stress", "family"],
}  # fmt: skip
EAP_REVIEWED_DAYS_AGO = 20

# Tables that make the database "not empty", and the order that clears them: children first,
# each through the ORM so the session forgets deleted rows too (SQLite reuses ids, and a stale
# row with a reused key would break the next flush).
PROGRAM_TABLES = (User, Supporter, OrgUnit, ProgramSession, Encounter)
DELETION_ORDER = (
    Job,  # mail queued for the people replaced goes with them
    EncounterStressor, EncounterElement, EncounterSupportType, EncounterFlowStep,
    EncounterResource, Encounter, Attendance, ProgramSession, DebriefRequest, Supporter,
    WebSession, PasswordLink, UserRole, User,
)  # fmt: skip


@dataclass(frozen=True)
class _Calendar:
    today: date
    months: tuple[date, ...]  # first days, oldest first, ending with today's month
    pilot_trained_on: date
    initial_training_on: date
    monthly_session_days: tuple[date, ...]
    next_session_on: date  # the coming monthly session: reminders and "Coming up" have one


@dataclass(frozen=True)
class _Member:
    """One person of the roster before they become rows."""

    profession: str
    status: SupporterStatus
    trained_on: date | None
    cap: int
    activity: float = 0.0
    is_login: bool = False
    reaches_cap: bool = False
    misses_recent_sessions: bool = False


@dataclass(frozen=True)
class _Load:
    session: Session
    rng: random.Random
    calendar: _Calendar


def load_demo_program(
    session: Session, *, force: bool = False, today: date | None = None, seed: int = 2026
) -> DemoSummary:
    """Load the demo program; refuse a database with program data unless `force` replaces it."""
    today = today or utc_today()
    if today > utc_today():
        raise InvalidInput("The demo's today cannot be in the future.", field="today")
    _make_room(session, force=force)
    load = _Load(session=session, rng=random.Random(seed), calendar=_calendar(today))
    units = _add_org_units(session)
    members = _plan_roster(load, get_program_settings(session).default_monthly_cap)
    names = _fake_names(load.rng, len(members) + len(LOGIN_MAILBOXES) - 1)
    logins, login_users = _add_login_users(session, _login_names(names, len(members)))
    supporters = _add_supporters(load, members, names, login_users[Role.supporter], units)
    training, monthly = _add_program_sessions(load, login_users[Role.coordinator])
    _add_attendance(load, members, supporters, training, monthly)
    _add_local_resources(session, today)
    _complete_the_eap(session, today)
    encounters = _add_encounters(load, members, supporters, _published_resources(session))
    session.flush()
    _apply_supporter_rules(session, supporters, today)
    _add_debrief_requests(load, supporters, login_users[Role.coordinator])
    record_audit_event(session=session, actor=DEMO_ACTOR, action="demo.load", object_type="program")
    return DemoSummary(
        logins=logins,
        supporters=len(supporters),
        org_units=len(units),
        sessions=1 + len(monthly),
        encounters=encounters,
    )


# Making room.


def _make_room(session: Session, *, force: bool) -> None:
    if _holds_program_data(session):
        if not force:
            raise RuleViolation(
                "The database already holds program data; use --force to replace it."
            )
        _delete_program_data(session)
    _delete_demo_resources(session)


def _holds_program_data(session: Session) -> bool:
    return any(
        session.exec(select(func.count()).select_from(table)).one() for table in PROGRAM_TABLES
    )


def _delete_program_data(session: Session) -> None:
    for table in DELETION_ORDER:
        session.exec(delete(table))
    # Unlink the tree first, so no row points to a parent deleted before it.
    session.exec(update(OrgUnit).values(parent_id=None))
    session.exec(delete(OrgUnit))


def _delete_demo_resources(session: Session) -> None:
    """Resources an earlier demo load made; one shared in an encounter stays for the record."""
    shared = select(EncounterResource.resource_id)
    ids = list(
        session.exec(
            select(Resource.id).where(
                col(Resource.url).startswith(DEMO_URL),
                col(Resource.id).not_in(shared),
                # The EAP is the seeded entry the demo completes in place, never a demo row.
                Resource.category != ResourceCategory.eap,
            )
        )
    )
    if ids:
        session.exec(delete(ResourceAudience).where(col(ResourceAudience.resource_id).in_(ids)))
        session.exec(delete(Resource).where(col(Resource.id).in_(ids)))


# The calendar: the pilot long ago, the training six months back, a session each month since.


def _calendar(today: date) -> _Calendar:
    this_month = today.replace(day=1)
    months = tuple(months_before(this_month, n) for n in range(MONTHS_OF_HISTORY, -1, -1))
    training_day = _weekday_on_or_after(months[0].replace(day=6), TUESDAY)
    return _Calendar(
        today=today,
        months=months,
        pilot_trained_on=months_before(training_day, PILOT_LEAD_MONTHS),
        initial_training_on=training_day,
        # The third Wednesday: always after the training, always before this month.
        monthly_session_days=tuple(
            _weekday_on_or_after(month.replace(day=15), WEDNESDAY) for month in months[:-1]
        ),
        next_session_on=_next_monthly_session_day(today),
    )


def _next_monthly_session_day(today: date) -> date:
    """This month's third-Wednesday-or-so session if it is still ahead, else next month's."""
    this_months = _weekday_on_or_after(today.replace(day=15), WEDNESDAY)
    if this_months > today:
        return this_months
    return _weekday_on_or_after(months_before(today.replace(day=1), -1).replace(day=15), WEDNESDAY)


def _weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def _id_of(row: User | Supporter | ProgramSession) -> int:
    assert row.id is not None, "rows have ids once flushed"
    return row.id


# People.


def _plan_roster(load: _Load, default_cap: int) -> list[_Member]:
    cohorts = [
        (profession, trained_on)
        for cohort, trained_on in (
            (PILOT_COHORT, load.calendar.pilot_trained_on),
            (EXPANSION_COHORT, load.calendar.initial_training_on),
        )
        for profession, count in cohort.items()
        for _ in range(count)
    ]
    # The first pilot physician is the supporter login, so it stays ordinary.
    chosen = load.rng.sample(range(1, len(cohorts)), PAUSED_COUNT + CAPPED_COUNT + REFRESHER_COUNT)
    paused = set(chosen[:PAUSED_COUNT])
    capped = set(chosen[PAUSED_COUNT : PAUSED_COUNT + CAPPED_COUNT])
    missing = set(chosen[PAUSED_COUNT + CAPPED_COUNT :])
    trained = [
        _Member(
            profession=profession,
            status=SupporterStatus.paused if index in paused else SupporterStatus.active,
            trained_on=trained_on,
            cap=CAPPED_MONTHLY_CAP if index in capped else _personal_cap(load.rng, default_cap),
            activity=_weighted(load.rng, ACTIVITY),
            is_login=index == 0,
            reaches_cap=index in capped,
            misses_recent_sessions=index in missing,
        )
        for index, (profession, trained_on) in enumerate(cohorts)
    ]
    candidates = [
        _Member(profession, SupporterStatus.candidate, trained_on=None, cap=default_cap)
        for profession in CANDIDATE_PROFESSIONS
    ]
    return trained + candidates


def _personal_cap(rng: random.Random, default_cap: int) -> int:
    return rng.choice(OTHER_CAPS) if rng.random() < OTHER_CAP_SHARE else default_cap


def _fake_names(rng: random.Random, count: int) -> list[str]:
    surnames = [start + end for start in SURNAME_STARTS for end in SURNAME_ENDS]
    picks = rng.sample(range(len(FIRST_NAMES) * len(surnames)), count)
    return [f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {surnames[i // len(FIRST_NAMES)]}" for i in picks]


def _email(display_name: str) -> str:
    return f"{display_name.lower().replace(' ', '.')}@{DEMO_DOMAIN}"


def _login_names(names: list[str], roster_size: int) -> dict[Role, str]:
    """The supporter login is the roster's first person; the others come after the roster."""
    others = iter(names[roster_size:])
    return {role: names[0] if role == Role.supporter else next(others) for role in LOGIN_MAILBOXES}


def _add_login_users(
    session: Session, names: dict[Role, str]
) -> tuple[list[DemoLogin], dict[Role, User]]:
    logins, users = [], {}
    for role, mailbox in LOGIN_MAILBOXES.items():
        login = DemoLogin(role.value, f"{mailbox}@{DEMO_DOMAIN}", secrets.token_urlsafe(12))
        data = UserCreate(
            email=login.email, display_name=names[role], roles=[role], password=login.password
        )
        users[role] = create_user(session=session, actor=DEMO_ACTOR, data=data)
        logins.append(login)
    return logins, users


def _add_org_units(session: Session) -> dict[str, OrgUnit]:
    tops = {name: OrgUnit(name=name, kind=kind) for name, kind, _ in ORG_TREE}
    session.add_all(tops.values())
    session.flush()
    below = {
        child: OrgUnit(name=child, kind=CHILD_KIND[kind], parent_id=tops[name].id)
        for name, kind, children in ORG_TREE
        for child in children
    }
    session.add_all(below.values())
    session.flush()
    return tops | below


def _add_supporters(
    load: _Load,
    members: list[_Member],
    names: list[str],
    login_user: User,
    units: dict[str, OrgUnit],
) -> list[Supporter]:
    # Roster people never sign in, so they get no password (argon2 is slow on purpose).
    others = [
        User(email=_email(name), display_name=name, role_rows=[UserRole(role=Role.supporter)])
        for name in names[1 : len(members)]
    ]
    load.session.add_all(others)
    load.session.flush()
    supporters = [
        Supporter(
            user_id=_id_of(user),
            profession_code=member.profession,
            org_unit_id=units[load.rng.choice(HOMES.get(member.profession, tuple(units)))].id,
            status=member.status,
            trained_on=member.trained_on,
            max_encounters_per_month=member.cap,
        )
        for member, user in zip(members, [login_user, *others], strict=True)
    ]
    load.session.add_all(supporters)
    load.session.flush()
    return supporters


# Sessions and attendance.


def _add_program_sessions(
    load: _Load, facilitator: User
) -> tuple[ProgramSession, list[ProgramSession]]:
    training = ProgramSession(
        kind=SessionKind.initial_training,
        starts_at=_at(load.calendar.initial_training_on, TRAINING_HOUR_UTC),
        duration_minutes=120,
        topic="Initial peer supporter training",
        location="Northfield Learning Center, Room 210",
        facilitator_id=facilitator.id,
    )
    monthly = [
        ProgramSession(
            kind=SessionKind.monthly_session,
            starts_at=_at(day, MONTHLY_HOUR_UTC),
            duration_minutes=60,
            topic=topic,
            location="Video meeting (link in the invitation)",
            facilitator_id=facilitator.id,
        )
        for day, topic in zip(load.calendar.monthly_session_days, MONTHLY_TOPICS, strict=True)
    ]
    upcoming = ProgramSession(
        kind=SessionKind.monthly_session,
        starts_at=_at(load.calendar.next_session_on, MONTHLY_HOUR_UTC),
        duration_minutes=60,
        topic=UPCOMING_TOPIC,
        location="Video meeting (link in the invitation)",
        facilitator_id=facilitator.id,
    )
    load.session.add_all([training, *monthly, upcoming])
    load.session.flush()
    return training, monthly


def _add_attendance(
    load: _Load,
    members: list[_Member],
    supporters: list[Supporter],
    training: ProgramSession,
    monthly: list[ProgramSession],
) -> None:
    threshold = get_program_settings(load.session).refresher_missed_sessions
    for member, supporter in zip(members, supporters, strict=True):
        statuses = _attendance_statuses(load, member, training, monthly, threshold)
        load.session.add_all(
            Attendance(
                session_id=_id_of(held),
                supporter_id=_id_of(supporter),
                status=status,
                recorded_at=held.starts_at + timedelta(minutes=held.duration_minutes),
            )
            for held, status in statuses
        )


def _attendance_statuses(
    load: _Load,
    member: _Member,
    training: ProgramSession,
    monthly: list[ProgramSession],
    threshold: int,
) -> list[tuple[ProgramSession, AttendanceStatus]]:
    if member.trained_on is None:
        # Candidates signed up for the training but could not come: still candidates.
        return [(training, load.rng.choice(MISSED))]
    statuses = []
    if member.trained_on == load.calendar.initial_training_on:
        statuses.append((training, AttendanceStatus.attended))
    first_missed = len(monthly) - threshold if member.misses_recent_sessions else len(monthly)
    for index, held in enumerate(monthly):
        statuses.append((held, _monthly_status(load.rng, member, missed=index >= first_missed)))
    return statuses


def _monthly_status(rng: random.Random, member: _Member, *, missed: bool) -> AttendanceStatus:
    if missed:
        return rng.choice(MISSED)
    if member.is_login:
        return AttendanceStatus.attended
    paused = member.status == SupporterStatus.paused
    return _weighted(rng, PAUSED_ATTENDANCE if paused else USUAL_ATTENDANCE)


# Resources.


def _add_local_resources(session: Session, today: date) -> None:
    for reviewed_days_ago, fields in LOCAL_RESOURCES:
        data = ResourceCreate(
            **fields, published=True, last_reviewed_on=today - timedelta(days=reviewed_days_ago)
        )
        create_resource(session=session, actor=DEMO_ACTOR, data=data)


def _complete_the_eap(session: Session, today: date) -> None:
    """Complete and publish the seeded placeholder EAP (made anew if it was deleted). An EAP
    someone already completed with their own phone number is theirs: the demo leaves it."""
    eap = session.exec(
        select(Resource)
        .where(Resource.category == ResourceCategory.eap, Resource.title == SEEDED_EAP_TITLE)
        .order_by(col(Resource.id))
    ).first()
    reviewed_on = today - timedelta(days=EAP_REVIEWED_DAYS_AGO)
    if eap is None:
        data = ResourceCreate(
            title=SEEDED_EAP_TITLE,
            category=ResourceCategory.eap,
            published=True,
            last_reviewed_on=reviewed_on,
            **DEMO_EAP,
        )
        create_resource(session=session, actor=DEMO_ACTOR, data=data)
        return
    if eap.phone and eap.url != DEMO_EAP["url"]:
        return
    assert eap.id is not None
    changes = ResourceUpdate(**DEMO_EAP, published=True, last_reviewed_on=reviewed_on)
    update_resource(session=session, actor=DEMO_ACTOR, resource_id=eap.id, data=changes)


def _published_resources(session: Session) -> list[Resource]:
    query = select(Resource).where(col(Resource.published).is_(True)).order_by(col(Resource.id))
    return list(session.exec(query))


# Encounters.


def _add_encounters(
    load: _Load, members: list[_Member], supporters: list[Supporter], resources: list[Resource]
) -> int:
    active = set(load.session.exec(select(Profession.code).where(col(Profession.active).is_(True))))
    peers = {code: weight for code, weight in PEERS.items() if code in active}
    encounters = [
        _encounter(load, supporter, day, peers, resources)
        for member, supporter in zip(members, supporters, strict=True)
        if member.status == SupporterStatus.active
        for day in _encounter_days(load, member)
    ]
    load.session.add_all(encounters)
    return len(encounters)


def _encounter_days(load: _Load, member: _Member) -> list[date]:
    """Days between the training (or the window's start) and today, month by month."""
    assert member.trained_on is not None
    days = []
    for month in load.calendar.months:
        first = max(month, member.trained_on)
        last = min(month_bounds(month)[1] - timedelta(days=1), load.calendar.today)
        if first <= last:
            count = _encounter_count(load, member, month, (last - first).days + 1)
            days += [_day_between(load.rng, first, last) for _ in range(count)]
    return days


def _encounter_count(load: _Load, member: _Member, month: date, open_days: int) -> int:
    is_this_month = month == load.calendar.months[-1]
    if member.reaches_cap and is_this_month:
        return member.cap
    month_days = (month_bounds(month)[1] - month).days
    drawn = _poisson(load.rng, member.activity * open_days / month_days)
    # Only the chosen few reach this month's cap; earlier months may touch it.
    return min(drawn, member.cap - 1 if is_this_month else member.cap)


def _poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _day_between(rng: random.Random, first: date, last: date) -> date:
    day = first + timedelta(days=rng.randint(0, (last - first).days))
    # Most encounters happen on workdays: a weekend draw is often drawn again.
    if day.weekday() >= SATURDAY and rng.random() < 0.6:
        day = first + timedelta(days=rng.randint(0, (last - first).days))
    return day


def _encounter(
    load: _Load,
    supporter: Supporter,
    occurred_on: date,
    peers: Mapping[str, float],
    resources: list[Resource],
) -> Encounter:
    data = _encounter_data(load, supporter.profession_code, occurred_on, peers, resources)
    encounter = build_encounter(supporter, data)
    encounter.logged_at = _logged_at(load.rng, occurred_on)
    return encounter


def _encounter_data(
    load: _Load,
    profession: str,
    occurred_on: date,
    peers: Mapping[str, float],
    resources: list[Resource],
) -> EncounterCreate:
    rng = load.rng
    setting = _weighted(rng, SETTINGS_BY_PROFESSION.get(profession, CLINICAL_SETTINGS))
    initiated_by = _weighted(rng, INITIATIONS)
    peer = profession if rng.random() < SAME_PROFESSION_SHARE else _weighted(rng, peers)
    stressors = _some(rng, STRESSORS, _weighted(rng, ONE_TO_THREE))
    escalation = _weighted(rng, ESCALATIONS)
    shared = _shared_resources(rng, escalation, peer, resources)
    needs_debrief = _needs_debrief(rng, stressors, escalation)
    return EncounterCreate(
        occurred_on=occurred_on,
        setting=setting,
        initiated_by=initiated_by,
        modality=_modality(rng, setting),
        peer_profession=peer,
        peer_org_relation=_weighted(rng, RELATIONS),
        duration_band=_weighted(rng, DURATIONS),
        stressors=stressors,
        elements=_elements(rng, shared=bool(shared)),
        support_types=_support_types(rng, shared=bool(shared)),
        flow_steps=_flow_steps(rng, initiated_by, escalation, bool(shared), needs_debrief),
        resources_shared=shared,
        escalation=escalation,
        follow_up=_follow_up(rng, occurred_on, load.calendar.today),
        supporter_needs_debrief=needs_debrief,
    )


def _modality(rng: random.Random, setting: EncounterSetting) -> Modality:
    return _weighted(rng, REMOTE if setting == EncounterSetting.virtual else IN_PERSON_LEANING)


def _elements(rng: random.Random, *, shared: bool) -> list[SupportElement]:
    elements = _some(rng, ELEMENTS, _weighted(rng, ONE_TO_THREE))
    # Sharing a resource is tangible aid, the fourth element.
    if shared and SupportElement.tangible_aid not in elements:
        elements = [*elements[:2], SupportElement.tangible_aid]
    return elements


def _support_types(rng: random.Random, *, shared: bool) -> list[SupportType]:
    types = _some(rng, SUPPORT_TYPES, _weighted(rng, ONE_OR_TWO))
    if shared and SupportType.informational not in types:
        types = [types[0], SupportType.informational]
    return types


def _flow_steps(
    rng: random.Random,
    initiated_by: InitiatedBy,
    escalation: Escalation,
    shared: bool,
    needs_debrief: bool,
) -> list[FlowStep]:
    done = {FlowStep.listen} | {step for step, share in USUAL_STEPS.items() if rng.random() < share}
    if initiated_by in APPROACHES:
        done.add(FlowStep.approach)
    if escalation in REFERRALS or rng.random() < 0.2:
        done.add(FlowStep.safety)
    if shared:
        done.add(FlowStep.resources)
    if needs_debrief or rng.random() < 0.3:
        done.add(FlowStep.self_care)
    return [step for step in FlowStep if step in done]


def _shared_resources(
    rng: random.Random, escalation: Escalation, peer: str, resources: list[Resource]
) -> list[int]:
    if escalation == Escalation.none and rng.random() >= SHARING_WITHOUT_ESCALATION:
        return []
    suited = [r for r in resources if _meant_for(r, peer)]
    wanted = RESOURCES_FOR.get(escalation)
    fitting = [r for r in suited if wanted is None or r.category in wanted] or suited
    picked = rng.sample(fitting, min(len(fitting), _weighted(rng, ONE_OR_TWO)))
    return sorted(r.id for r in picked if r.id is not None)


def _meant_for(resource: Resource, profession: str) -> bool:
    audiences = {row.profession_code for row in resource.audience_rows}
    return not audiences or profession in audiences


def _needs_debrief(rng: random.Random, stressors: list[Stressor], escalation: Escalation) -> bool:
    chance = 0.05
    if HEAVY_STRESSORS.intersection(stressors):
        chance += 0.25
    if escalation == Escalation.urgent_consult:
        chance += 0.4
    return rng.random() < chance


def _follow_up(rng: random.Random, occurred_on: date, today: date) -> FollowUp:
    follow_up = _weighted(rng, FOLLOW_UPS)
    if follow_up == FollowUp.completed and (today - occurred_on).days < FOLLOW_UP_DAYS:
        return FollowUp.planned
    return follow_up


def _logged_at(rng: random.Random, occurred_on: date) -> datetime:
    # Logged during the US working day, mostly at once, never later than now.
    hours = rng.randint(TRAINING_HOUR_UTC, 23) + rng.choice(LOG_DELAY_HOURS)
    return min(_at(occurred_on, 0) + timedelta(hours=hours), utcnow())


def _weighted(rng: random.Random, weights: Mapping[T, float]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _some(rng: random.Random, weights: Mapping[T, float], count: int) -> list[T]:
    """`count` different values, each drawn by weight among those not drawn yet."""
    left = dict(weights)
    picked: list[T] = []
    for _ in range(min(count, len(left))):
        value = _weighted(rng, left)
        picked.append(value)
        del left[value]
    return picked


# Debrief requests: the inbox holds some, and the supporter login's home shows one's state.


def _add_debrief_requests(load: _Load, supporters: list[Supporter], coordinator: User) -> None:
    """The supporter login's request is with the coordinator ("... will contact you"); two
    colleagues wait for a trainer (one today); one debrief was done a few days ago."""
    today = load.calendar.today
    login, roster = supporters[0], supporters[1:]
    active = [s for s in roster if s.status == SupporterStatus.active]
    waiting_today, waiting_week, done = load.rng.sample(active, 3)
    requests = [
        DebriefRequest(
            supporter_id=_id_of(login), urgency=DebriefUrgency.this_week,
            requested_at=_at(today - timedelta(days=2), 15),
            assigned_to_user_id=coordinator.id, assigned_at=_at(today - timedelta(days=1), 14),
        ),
        DebriefRequest(
            supporter_id=_id_of(waiting_today), urgency=DebriefUrgency.today,
            requested_at=_at(today - timedelta(days=1), 21),
        ),
        DebriefRequest(
            supporter_id=_id_of(waiting_week), urgency=DebriefUrgency.this_week,
            requested_at=_at(today - timedelta(days=3), 16),
        ),
        DebriefRequest(
            supporter_id=_id_of(done), urgency=DebriefUrgency.today, status=DebriefStatus.done,
            requested_at=_at(today - timedelta(days=6), 18),
            assigned_to_user_id=coordinator.id, assigned_at=_at(today - timedelta(days=6), 19),
            closed_at=_at(today - timedelta(days=5), 20), closed_by_user_id=coordinator.id,
        ),
    ]  # fmt: skip
    load.session.add_all(requests)
    load.session.flush()


# Derived flags, by the domain's rules.


def _apply_supporter_rules(session: Session, supporters: Sequence[Supporter], today: date) -> None:
    workloads = [monthly_workload(session, supporter, today) for supporter in supporters]
    for supporter, workload in zip(supporters, workloads, strict=True):
        # As `apply_cap` does: reaching this month's cap stops new requests. Only active
        # supporters take requests at all.
        active = supporter.status == SupporterStatus.active
        supporter.available = active and not workload.cap_reached
    for supporter in supporters:
        refresh_needs_refresher(session, DEMO_ACTOR, supporter)
