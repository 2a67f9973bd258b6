"""The program's codes: the exact strings the API and the database use (DESIGN.md section 3).

Names shown to people come from `LABELS`, never from the code strings themselves.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    coordinator = "coordinator"
    supporter = "supporter"
    resource_editor = "resource_editor"
    report_viewer = "report_viewer"


class OrgUnitKind(StrEnum):
    school = "school"
    department = "department"
    site = "site"
    unit = "unit"


class SupporterStatus(StrEnum):
    candidate = "candidate"
    active = "active"
    paused = "paused"
    inactive = "inactive"


class SessionKind(StrEnum):
    initial_training = "initial_training"
    monthly_session = "monthly_session"
    debrief = "debrief"


class AttendanceStatus(StrEnum):
    invited = "invited"
    attended = "attended"
    excused = "excused"
    absent = "absent"


class EncounterSetting(StrEnum):
    inpatient_unit = "inpatient_unit"
    icu = "icu"
    emergency_department = "emergency_department"
    procedural_area = "procedural_area"
    outpatient_clinic = "outpatient_clinic"
    research_lab = "research_lab"
    teaching_space = "teaching_space"
    office = "office"
    virtual = "virtual"
    off_site = "off_site"
    other = "other"


class InitiatedBy(StrEnum):
    supporter_approach = "supporter_approach"
    self_request = "self_request"
    colleague_referral = "colleague_referral"
    leader_referral = "leader_referral"
    event_outreach = "event_outreach"
    follow_up = "follow_up"


class Modality(StrEnum):
    in_person = "in_person"
    phone = "phone"
    video = "video"
    message = "message"


class PeerOrgRelation(StrEnum):
    same_department = "same_department"
    other_department = "other_department"
    other_school = "other_school"
    unknown = "unknown"


class DurationBand(StrEnum):
    under_15 = "under_15"
    from_15_to_30 = "15_to_30"
    from_30_to_60 = "30_to_60"
    over_60 = "over_60"


class Stressor(StrEnum):
    adverse_event = "adverse_event"
    patient_death = "patient_death"
    difficult_patient_family = "difficult_patient_family"
    workplace_violence = "workplace_violence"
    litigation_review = "litigation_review"
    moral_distress = "moral_distress"
    workload_burnout = "workload_burnout"
    conflict_mistreatment = "conflict_mistreatment"
    career_academic = "career_academic"
    colleague_loss = "colleague_loss"
    personal = "personal"
    public_health_crisis = "public_health_crisis"
    other = "other"


class SupportElement(StrEnum):
    """The four elements of peer support that help modify the burnout response."""

    listening = "listening"
    encouragement = "encouragement"
    companionship = "companionship"
    tangible_aid = "tangible_aid"


class SupportType(StrEnum):
    emotional = "emotional"
    informational = "informational"
    instrumental = "instrumental"


class FlowStep(StrEnum):
    """Steps of the encounter flow, in the order the guide shows them."""

    approach = "approach"
    confidentiality = "confidentiality"
    listen = "listen"
    reflect = "reflect"
    normalize = "normalize"
    cope = "cope"
    safety = "safety"
    resources = "resources"
    close = "close"
    self_care = "self_care"


class Escalation(StrEnum):
    none = "none"
    information_shared = "information_shared"
    warm_referral = "warm_referral"
    urgent_consult = "urgent_consult"
    emergency = "emergency"


class FollowUp(StrEnum):
    none = "none"
    declined = "declined"
    planned = "planned"
    completed = "completed"


class ResourceCategory(StrEnum):
    crisis_line = "crisis_line"
    eap = "eap"
    counseling = "counseling"
    physician_health_program = "physician_health_program"
    peer_support_line = "peer_support_line"
    wellness = "wellness"
    spiritual_care = "spiritual_care"
    financial = "financial"
    legal = "legal"
    childcare = "childcare"
    occupational_health = "occupational_health"
    ombuds = "ombuds"
    other = "other"


class Cost(StrEnum):
    free = "free"
    insurance = "insurance"
    fee = "fee"


SEEDED_PROFESSIONS: dict[str, str] = {
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

LABELS: dict[str, str] = {
    # roles
    "admin": "Administrator",
    "coordinator": "Coordinator",
    "supporter": "Peer supporter",
    "resource_editor": "Resource editor",
    "report_viewer": "Report viewer",
    # supporter status
    "candidate": "Candidate",
    "active": "Active",
    "paused": "Paused",
    "inactive": "Inactive",
    # session kinds and attendance
    "initial_training": "Initial training",
    "monthly_session": "Monthly session",
    "debrief": "Debrief",
    "invited": "Invited",
    "attended": "Attended",
    "excused": "Excused",
    "absent": "Absent",
    # settings
    "inpatient_unit": "Inpatient unit",
    "icu": "ICU",
    "emergency_department": "Emergency department",
    "procedural_area": "Procedural area",
    "outpatient_clinic": "Outpatient clinic",
    "research_lab": "Research lab",
    "teaching_space": "Teaching space",
    "office": "Office",
    "virtual": "Virtual",
    "off_site": "Off site",
    # initiation
    "supporter_approach": "Supporter approached",
    "self_request": "Colleague asked",
    "colleague_referral": "Colleague referral",
    "leader_referral": "Leader referral",
    "event_outreach": "Event outreach",
    "follow_up": "Follow-up",
    # modality
    "in_person": "In person",
    "phone": "Phone",
    "video": "Video",
    "message": "Message",
    # relation
    "same_department": "Same department",
    "other_department": "Other department",
    "other_school": "Other school",
    "unknown": "Unknown",
    # duration
    "under_15": "Under 15 min",
    "15_to_30": "15–30 min",
    "30_to_60": "30–60 min",
    "over_60": "Over 60 min",
    # stressors
    "adverse_event": "Adverse event",
    "patient_death": "Patient death",
    "difficult_patient_family": "Difficult patient or family",
    "workplace_violence": "Workplace violence",
    "litigation_review": "Litigation or review",
    "moral_distress": "Moral distress",
    "workload_burnout": "Workload and burnout",
    "conflict_mistreatment": "Conflict or mistreatment",
    "career_academic": "Career or academic",
    "colleague_loss": "Loss of a colleague",
    "personal": "Personal",
    "public_health_crisis": "Public health crisis",
    "other": "Other",
    # elements and support types
    "listening": "Listening",
    "encouragement": "Encouragement",
    "companionship": "Companionship",
    "tangible_aid": "Tangible aid",
    "emotional": "Emotional",
    "informational": "Informational",
    "instrumental": "Instrumental",
    # flow steps
    "approach": "Approach and invite",
    "confidentiality": "Role and confidentiality",
    "listen": "Listen actively",
    "reflect": "Reflect and validate",
    "normalize": "Normalize and reframe",
    "cope": "Coping and strengths",
    "safety": "Safety check",
    "resources": "Resources and tangible aid",
    "close": "Close and follow-up",
    "self_care": "Your own debrief and care",
    # escalation and follow-up
    "none": "None",
    "information_shared": "Information shared",
    "warm_referral": "Warm referral",
    "urgent_consult": "Urgent consult",
    "emergency": "Emergency",
    "declined": "Declined",
    "planned": "Planned",
    "completed": "Completed",
    # resource categories and cost
    "crisis_line": "Crisis line",
    "eap": "Employee assistance program",
    "counseling": "Counseling",
    "physician_health_program": "Physician health program",
    "peer_support_line": "Peer support line",
    "wellness": "Wellness",
    "spiritual_care": "Spiritual care",
    "financial": "Financial",
    "legal": "Legal",
    "childcare": "Childcare",
    "occupational_health": "Occupational health",
    "ombuds": "Ombuds",
    "free": "Free",
    "insurance": "Covered by insurance",
    "fee": "Fee",
    # org unit kinds
    "school": "School",
    "department": "Department",
    "site": "Site",
    "unit": "Unit",
}


def label(code: str) -> str:
    """The name people see for a code; unknown codes fall back to a readable form of the code."""
    return LABELS.get(code) or SEEDED_PROFESSIONS.get(code) or code.replace("_", " ").capitalize()


# The log form's own wording, where it differs from `LABELS`: short enough for chips on a
# phone, second person where that is clearer ("You approached"), and phrased so that each
# answer inside the closed "More details" reads on its own in the line that sums them up.
# Reports, exports and lists keep `LABELS`.
FORM_LABELS: dict[str, dict[str, str]] = {
    "setting": {
        "inpatient_unit": "Inpatient",
        "emergency_department": "Emergency",
        "procedural_area": "Procedures",
        "outpatient_clinic": "Clinic",
        "research_lab": "Lab",
        "teaching_space": "Teaching",
    },
    "duration_band": {
        "under_15": "Under 15",
        "15_to_30": "15–30",
        "30_to_60": "30–60",
        "over_60": "Over 60",
    },
    "stressors": {
        "difficult_patient_family": "Patient or family",
        "workplace_violence": "Violence",
        "litigation_review": "Litigation, review",
        "workload_burnout": "Workload, burnout",
        "conflict_mistreatment": "Conflict, mistreatment",
        "career_academic": "Career",
        "colleague_loss": "Colleague loss",
        "public_health_crisis": "Public health crisis",
    },
    "elements": {
        "listening": "Listened",
        "encouragement": "Encouraged",
        "companionship": "Stayed with them",
        "tangible_aid": "Did a task",
    },
    "support_types": {
        "emotional": "Comfort",
        "informational": "Information",
        "instrumental": "Practical help",
    },
    "initiated_by": {
        "supporter_approach": "You approached",
        "self_request": "They asked",
        "colleague_referral": "A colleague sent them",
        "leader_referral": "A leader sent them",
        "event_outreach": "Outreach event",
        "follow_up": "Your follow-up",
    },
    "peer_org_relation": {
        "same_department": "Your department",
        "other_department": "Another department",
        "other_school": "Elsewhere in the organization",
        "unknown": "Workplace unknown",
    },
    "escalation": {
        "none": "No referral",
        "information_shared": "Safety talk only",
        "warm_referral": "Referred (warm hand-off)",
        "urgent_consult": "Urgent consult",
        "emergency": "Emergency (911)",
    },
    "follow_up": {
        "none": "No follow-up",
        "declined": "They declined one",
        "planned": "Follow-up planned",
        "completed": "Follow-up done",
    },
}


def form_label(field: str, code: str) -> str:
    """What the log form calls `code` as an answer to `field` (its own wording, else `label`)."""
    return FORM_LABELS.get(field, {}).get(code) or label(code)


class ApiScope(StrEnum):
    """What an API client may do; API clients never see encounter rows, only reports."""

    roster_read = "roster:read"
    roster_write = "roster:write"
    sessions_read = "sessions:read"
    sessions_write = "sessions:write"
    resources_read = "resources:read"
    resources_write = "resources:write"
    reports_read = "reports:read"
    audit_read = "audit:read"
