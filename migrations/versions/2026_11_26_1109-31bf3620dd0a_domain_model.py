"""The domain model of DESIGN.md section 3, its seed data and the append-only audit trail.

Revision ID: 31bf3620dd0a
Revises:
Create Date: 2026-11-26 11:09:32.213216+00:00
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "31bf3620dd0a"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("external_subject", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
        sa.UniqueConstraint("external_subject"),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_app_user_active"), ["active"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("object_type", sa.String(length=60), nullable=False),
        sa.Column("object_id", sa.String(length=60), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_event_object", ["object_type", "object_id"], unique=False)

    op.create_table(
        "org_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "school",
                "department",
                "site",
                "unit",
                name="ck_orgunitkind",
                native_enum=False,
                create_constraint=True,
                length=60,
            ),
            nullable=False,
        ),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["org_unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("org_unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_unit_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_org_unit_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "profession",
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    with op.batch_alter_table("profession", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_profession_active"), ["active"], unique=False)

    op.create_table(
        "program_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_name", sa.String(length=120), nullable=False),
        sa.Column("small_cell_threshold", sa.Integer(), nullable=False),
        sa.Column("default_monthly_cap", sa.Integer(), nullable=False),
        sa.Column("refresher_missed_sessions", sa.Integer(), nullable=False),
        sa.Column("embed_origins", sa.JSON(), nullable=False),
        sa.Column("session_idle_minutes", sa.Integer(), nullable=False),
        sa.Column("session_absolute_hours", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_single_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "resource",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "crisis_line",
                "eap",
                "counseling",
                "physician_health_program",
                "peer_support_line",
                "wellness",
                "spiritual_care",
                "financial",
                "legal",
                "childcare",
                "occupational_health",
                "ombuds",
                "other",
                name="ck_resourcecategory",
                native_enum=False,
                create_constraint=True,
                length=60,
            ),
            nullable=False,
        ),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("text_number", sa.String(length=40), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("location", sa.String(length=300), nullable=True),
        sa.Column("hours", sa.String(length=200), nullable=True),
        sa.Column("available_24_7", sa.Boolean(), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column(
            "cost",
            sa.Enum(
                "free",
                "insurance",
                "fee",
                name="ck_cost",
                native_enum=False,
                create_constraint=True,
                length=60,
            ),
            nullable=True,
        ),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("last_reviewed_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("resource", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resource_category"), ["category"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_resource_last_reviewed_on"), ["last_reviewed_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_resource_published"), ["published"], unique=False)

    op.create_table(
        "setup_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "program_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "initial_training",
                "monthly_session",
                "debrief",
                name="ck_sessionkind",
                native_enum=False,
                create_constraint=True,
                length=60,
            ),
            nullable=False,
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["facilitator_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("program_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_program_session_facilitator_id"), ["facilitator_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_program_session_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_program_session_starts_at"), ["starts_at"], unique=False
        )

    op.create_table(
        "resource_audience",
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("profession_code", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["profession_code"],
            ["profession.code"],
        ),
        sa.ForeignKeyConstraint(["resource_id"], ["resource.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("resource_id", "profession_code"),
    )
    with op.batch_alter_table("resource_audience", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resource_audience_profession_code"), ["profession_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_resource_audience_resource_id"), ["resource_id"], unique=False
        )

    op.create_table(
        "supporter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("profession_code", sa.String(length=60), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "candidate",
                "active",
                "paused",
                "inactive",
                name="ck_supporterstatus",
                native_enum=False,
                create_constraint=True,
                length=60,
            ),
            nullable=False,
        ),
        sa.Column("trained_on", sa.Date(), nullable=True),
        sa.Column("max_encounters_per_month", sa.Integer(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("needs_refresher", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_unit.id"],
        ),
        sa.ForeignKeyConstraint(
            ["profession_code"],
            ["profession.code"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id"),
    )
    with op.batch_alter_table("supporter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supporter_available"), ["available"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_supporter_needs_refresher"), ["needs_refresher"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_supporter_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_supporter_profession_code"), ["profession_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_supporter_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_supporter_trained_on"), ["trained_on"], unique=False)

    op.create_table(
        "user_role",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "coordinator",
                "supporter",
                "resource_editor",
                "report_viewer",
                name="ck_role",
                native_enum=False,
                create_constraint=True,
                length=60,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "role"),
    )
    with op.batch_alter_table("user_role", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_role_role"), ["role"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_role_user_id"), ["user_id"], unique=False)

    op.create_table(
        "attendance",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("supporter_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "invited",
                "attended",
                "excused",
                "absent",
                name="ck_attendancestatus",
                native_enum=False,
                create_constraint=True,
                length=60,
            ),
            nullable=False,
        ),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["program_session.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["supporter_id"], ["supporter.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "supporter_id"),
    )
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attendance_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_attendance_supporter_id"), ["supporter_id"], unique=False
        )

    op.create_table(
        "encounter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supporter_id", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "setting",
            sa.Enum(
                "inpatient_unit",
                "icu",
                "emergency_department",
                "procedural_area",
                "outpatient_clinic",
                "research_lab",
                "teaching_space",
                "office",
                "virtual",
                "off_site",
                "other",
                name="ck_encountersetting",
                native_enum=False,
                create_constraint=True,
                length=60,
            ),
            nullable=False,
        ),
        sa.Column(
            "initiated_by",
            sa.Enum(
                "supporter_approach",
                "self_request",
                "colleague_referral",
                "leader_referral",
                "event_outreach",
                "follow_up",
                name="ck_initiatedby",
                native_enum=False,
                create_constraint=True,
                length=60,
            ),
            nullable=False,
        ),
        sa.Column(
            "modality",
            sa.Enum(
                "in_person",
                "phone",
                "video",
                "message",
                name="ck_modality",
                native_enum=False,
                create_constraint=True,
                length=60,
            ),
            nullable=False,
        ),
        sa.Column("peer_profession_code", sa.String(length=60), nullable=False),
        sa.Column(
            "peer_org_relation",
            sa.Enum(
                "same_department",
                "other_department",
                "other_school",
                "unknown",
                name="ck_peerorgrelation",
                native_enum=False,
                create_constraint=True,
                length=60,
            ),
            nullable=False,
        ),
        sa.Column("interprofessional", sa.Boolean(), nullable=False),
        sa.Column(
            "duration_band",
            sa.Enum(
                "under_15",
                "15_to_30",
                "30_to_60",
                "over_60",
                name="ck_durationband",
                native_enum=False,
                create_constraint=True,
                length=60,
            ),
            nullable=False,
        ),
        sa.Column(
            "escalation",
            sa.Enum(
                "none",
                "information_shared",
                "warm_referral",
                "urgent_consult",
                "emergency",
                name="ck_escalation",
                native_enum=False,
                create_constraint=True,
                length=60,
            ),
            nullable=False,
        ),
        sa.Column(
            "follow_up",
            sa.Enum(
                "none",
                "declined",
                "planned",
                "completed",
                name="ck_followup",
                native_enum=False,
                create_constraint=True,
                length=60,
            ),
            nullable=False,
        ),
        sa.Column("supporter_needs_debrief", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["peer_profession_code"],
            ["profession.code"],
        ),
        sa.ForeignKeyConstraint(
            ["supporter_id"],
            ["supporter.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("encounter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_encounter_occurred_on"), ["occurred_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_encounter_peer_profession_code"), ["peer_profession_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_encounter_supporter_id"), ["supporter_id"], unique=False
        )
        batch_op.create_index(
            "ix_encounter_supporter_occurred", ["supporter_id", "occurred_on"], unique=False
        )

    op.create_table(
        "encounter_element",
        sa.Column("encounter_id", sa.Integer(), nullable=False),
        sa.Column(
            "element",
            sa.Enum(
                "listening",
                "encouragement",
                "companionship",
                "tangible_aid",
                name="ck_supportelement",
                native_enum=False,
                create_constraint=True,
                length=60,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["encounter_id"], ["encounter.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("encounter_id", "element"),
    )
    with op.batch_alter_table("encounter_element", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_encounter_element_element"), ["element"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_encounter_element_encounter_id"), ["encounter_id"], unique=False
        )

    op.create_table(
        "encounter_flow_step",
        sa.Column("encounter_id", sa.Integer(), nullable=False),
        sa.Column(
            "flow_step",
            sa.Enum(
                "approach",
                "confidentiality",
                "listen",
                "reflect",
                "normalize",
                "cope",
                "safety",
                "resources",
                "close",
                "self_care",
                name="ck_flowstep",
                native_enum=False,
                create_constraint=True,
                length=60,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["encounter_id"], ["encounter.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("encounter_id", "flow_step"),
    )
    with op.batch_alter_table("encounter_flow_step", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_encounter_flow_step_encounter_id"), ["encounter_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_encounter_flow_step_flow_step"), ["flow_step"], unique=False
        )

    op.create_table(
        "encounter_resource",
        sa.Column("encounter_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["encounter_id"], ["encounter.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resource.id"],
        ),
        sa.PrimaryKeyConstraint("encounter_id", "resource_id"),
    )
    with op.batch_alter_table("encounter_resource", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_encounter_resource_encounter_id"), ["encounter_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_encounter_resource_resource_id"), ["resource_id"], unique=False
        )

    op.create_table(
        "encounter_stressor",
        sa.Column("encounter_id", sa.Integer(), nullable=False),
        sa.Column(
            "stressor",
            sa.Enum(
                "adverse_event",
                "patient_death",
                "difficult_patient_family",
                "workplace_violence",
                "litigation_review",
                "moral_distress",
                "workload_burnout",
                "conflict_mistreatment",
                "career_academic",
                "colleague_loss",
                "personal",
                "public_health_crisis",
                "other",
                name="ck_stressor",
                native_enum=False,
                create_constraint=True,
                length=60,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["encounter_id"], ["encounter.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("encounter_id", "stressor"),
    )
    with op.batch_alter_table("encounter_stressor", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_encounter_stressor_encounter_id"), ["encounter_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_encounter_stressor_stressor"), ["stressor"], unique=False
        )

    op.create_table(
        "encounter_support_type",
        sa.Column("encounter_id", sa.Integer(), nullable=False),
        sa.Column(
            "support_type",
            sa.Enum(
                "emotional",
                "informational",
                "instrumental",
                name="ck_supporttype",
                native_enum=False,
                create_constraint=True,
                length=60,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["encounter_id"], ["encounter.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("encounter_id", "support_type"),
    )
    with op.batch_alter_table("encounter_support_type", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_encounter_support_type_encounter_id"), ["encounter_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_encounter_support_type_support_type"), ["support_type"], unique=False
        )

    seed_reference_data()
    make_audit_trail_append_only()


# Reference data as it stood when this revision was written; later changes get their own revision.
PROFESSIONS = {
    "physician": "Physician",
    "faculty_scientist": "Faculty scientist",
    "nurse": "Nurse",
    "nurse_practitioner": "Nurse practitioner",
    "physician_assistant": "Physician assistant",
    "pharmacist": "Pharmacist",
    "dentist": "Dentist",
    "physical_therapist": "Physical therapist",
    "occupational_therapist": "Occupational therapist",
    "psychiatric_rehabilitation_practitioner": "Psychiatric rehabilitation practitioner",
    "psychologist": "Psychologist",
    "social_worker": "Social worker",
    "mental_health_counselor": "Mental health counselor",
    "resident_fellow": "Resident or fellow",
    "student": "Student",
    "staff": "Staff",
    "other": "Other",
}
REVIEWED_ON = date(2026, 11, 26)
NATIONAL_RESOURCES: list[dict[str, Any]] = [
    {
        "title": "988 Suicide & Crisis Lifeline",
        "description": "Call or text 988 for free, confidential support in a suicidal, mental "
        "health or substance use crisis, any time of day.",
        "category": "crisis_line",
        "phone": "988",
        "text_number": "988",
        "url": "https://988lifeline.org/",
        "available_24_7": True,
        "confidential": True,
        "cost": "free",
        "published": True,
        "last_reviewed_on": REVIEWED_ON,
        "audiences": [],
    },
    {
        "title": "Physician Support Line",
        "description": "Free, confidential peer support by volunteer psychiatrists for "
        "physicians and medical students. No appointment needed.",
        "category": "peer_support_line",
        "phone": "1-888-409-0141",
        "text_number": None,
        "url": "https://www.physiciansupportline.com/",
        "hours": "Weekdays, 8 a.m. to midnight Eastern",
        "available_24_7": False,
        "confidential": True,
        "cost": "free",
        "published": True,
        "last_reviewed_on": REVIEWED_ON,
        "audiences": ["physician", "resident_fellow", "student"],
    },
    {
        "title": "Crisis Text Line",
        "description": "Text HOME to 741741 to reach a trained crisis counselor, any time.",
        "category": "crisis_line",
        "phone": None,
        "text_number": "741741",
        "url": "https://www.crisistextline.org/",
        "available_24_7": True,
        "confidential": True,
        "cost": "free",
        "published": True,
        "last_reviewed_on": REVIEWED_ON,
        "audiences": [],
    },
    {
        "title": "Employee Assistance Program (EAP)",
        "description": "Placeholder: add your institution's EAP phone, hours and web page, "
        "then publish this entry.",
        "category": "eap",
        "phone": None,
        "text_number": None,
        "url": None,
        "available_24_7": False,
        "confidential": True,
        "cost": "free",
        "published": False,
        "last_reviewed_on": None,
        "audiences": [],
    },
]


def seed_reference_data() -> None:
    now = datetime.now(UTC)
    profession = sa.table(
        "profession",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("active", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        profession,
        [{"code": c, "name": n, "active": True, "created_at": now} for c, n in PROFESSIONS.items()],
    )
    settings = sa.table(
        "program_settings",
        sa.column("id", sa.Integer),
        sa.column("program_name", sa.String),
        sa.column("small_cell_threshold", sa.Integer),
        sa.column("default_monthly_cap", sa.Integer),
        sa.column("refresher_missed_sessions", sa.Integer),
        sa.column("embed_origins", sa.JSON),
        sa.column("session_idle_minutes", sa.Integer),
        sa.column("session_absolute_hours", sa.Integer),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        settings,
        [
            {
                "id": 1,
                "program_name": "ONE 2 ONE 2 CARE",
                "small_cell_threshold": 11,
                "default_monthly_cap": 8,
                "refresher_missed_sessions": 3,
                "embed_origins": [],
                "session_idle_minutes": 30,
                "session_absolute_hours": 12,
                "updated_at": now,
            }
        ],
    )
    seed_resources(now)


def seed_resources(now: datetime) -> None:
    resource_columns = [
        "title",
        "description",
        "category",
        "phone",
        "text_number",
        "url",
        "hours",
        "available_24_7",
        "confidential",
        "cost",
        "published",
        "last_reviewed_on",
    ]
    resource = sa.table(
        "resource",
        sa.column("id", sa.Integer),
        *(sa.column(name) for name in resource_columns),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    audience = sa.table(
        "resource_audience", sa.column("resource_id", sa.Integer), sa.column("profession_code")
    )
    bind = op.get_bind()
    for entry in NATIONAL_RESOURCES:
        values = {name: entry.get(name) for name in resource_columns}
        result = bind.execute(
            resource.insert()
            .values(**values, created_at=now, updated_at=now)
            .returning(resource.c.id)
        )
        resource_id = result.scalar_one()
        for code in entry["audiences"]:
            bind.execute(audience.insert().values(resource_id=resource_id, profession_code=code))


APPEND_ONLY_MESSAGE = "audit_event is append-only"


def make_audit_trail_append_only() -> None:
    """The database itself refuses to change or delete audit events."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
        return
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_event_no_{operation.lower()} BEFORE {operation} ON audit_event "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
        )


def drop_audit_trail_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
    op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")


def downgrade() -> None:
    drop_audit_trail_triggers()
    with op.batch_alter_table("encounter_support_type", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_encounter_support_type_support_type"))
        batch_op.drop_index(batch_op.f("ix_encounter_support_type_encounter_id"))

    op.drop_table("encounter_support_type")
    with op.batch_alter_table("encounter_stressor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_encounter_stressor_stressor"))
        batch_op.drop_index(batch_op.f("ix_encounter_stressor_encounter_id"))

    op.drop_table("encounter_stressor")
    with op.batch_alter_table("encounter_resource", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_encounter_resource_resource_id"))
        batch_op.drop_index(batch_op.f("ix_encounter_resource_encounter_id"))

    op.drop_table("encounter_resource")
    with op.batch_alter_table("encounter_flow_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_encounter_flow_step_flow_step"))
        batch_op.drop_index(batch_op.f("ix_encounter_flow_step_encounter_id"))

    op.drop_table("encounter_flow_step")
    with op.batch_alter_table("encounter_element", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_encounter_element_encounter_id"))
        batch_op.drop_index(batch_op.f("ix_encounter_element_element"))

    op.drop_table("encounter_element")
    with op.batch_alter_table("encounter", schema=None) as batch_op:
        batch_op.drop_index("ix_encounter_supporter_occurred")
        batch_op.drop_index(batch_op.f("ix_encounter_supporter_id"))
        batch_op.drop_index(batch_op.f("ix_encounter_peer_profession_code"))
        batch_op.drop_index(batch_op.f("ix_encounter_occurred_on"))

    op.drop_table("encounter")
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendance_supporter_id"))
        batch_op.drop_index(batch_op.f("ix_attendance_status"))
        batch_op.drop_index(batch_op.f("ix_attendance_session_id"))

    op.drop_table("attendance")
    with op.batch_alter_table("user_role", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_role_user_id"))
        batch_op.drop_index(batch_op.f("ix_user_role_role"))

    op.drop_table("user_role")
    with op.batch_alter_table("supporter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supporter_trained_on"))
        batch_op.drop_index(batch_op.f("ix_supporter_status"))
        batch_op.drop_index(batch_op.f("ix_supporter_profession_code"))
        batch_op.drop_index(batch_op.f("ix_supporter_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_supporter_needs_refresher"))
        batch_op.drop_index(batch_op.f("ix_supporter_available"))

    op.drop_table("supporter")
    with op.batch_alter_table("resource_audience", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resource_audience_resource_id"))
        batch_op.drop_index(batch_op.f("ix_resource_audience_profession_code"))

    op.drop_table("resource_audience")
    with op.batch_alter_table("program_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_session_starts_at"))
        batch_op.drop_index(batch_op.f("ix_program_session_kind"))
        batch_op.drop_index(batch_op.f("ix_program_session_facilitator_id"))

    op.drop_table("program_session")
    op.drop_table("setup_token")
    with op.batch_alter_table("resource", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resource_published"))
        batch_op.drop_index(batch_op.f("ix_resource_last_reviewed_on"))
        batch_op.drop_index(batch_op.f("ix_resource_category"))

    op.drop_table("resource")
    op.drop_table("program_settings")
    with op.batch_alter_table("profession", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profession_active"))

    op.drop_table("profession")
    with op.batch_alter_table("org_unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_unit_parent_id"))
        batch_op.drop_index(batch_op.f("ix_org_unit_kind"))

    op.drop_table("org_unit")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_object")
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))
        batch_op.drop_index(batch_op.f("ix_audit_event_actor"))
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))

    op.drop_table("audit_event")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_user_active"))

    op.drop_table("app_user")
