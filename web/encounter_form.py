"""The encounter form, for logging an encounter and for changing one: what it asks (where,
the colleague's profession, how long, what it was about, what the supporter did, what the
colleague needed, and under "More details" the date, how, who started it, guide steps,
referral, follow-up, resources shared and a debrief), the answers it starts with, and what it
says about each field. Its wording lives here once: the pages, the error summary and the
phone's outbox all take it from here."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

from sqlmodel import Session

from domain.codes import (
    DurationBand,
    EncounterSetting,
    Escalation,
    FlowStep,
    FollowUp,
    InitiatedBy,
    Modality,
    PeerOrgRelation,
    Stressor,
    SupportElement,
    SupportType,
    form_label,
)
from domain.encounters.service import most_logged_peer_professions
from domain.pagination import PageRequest
from domain.professions.service import list_professions
from domain.program_settings.service import program_today
from domain.resources.service import ResourceFilters, list_resources
from web.forms import Form, error_summary
from web.session import Visitor

CHOOSE_ONE = "Choose one."
SINGLE_FIELDS = (
    "occurred_on", "setting", "initiated_by", "modality", "peer_profession",
    "peer_org_relation", "duration_band", "escalation", "follow_up",
)  # fmt: skip
MULTI_FIELDS = ("stressors", "elements", "support_types", "flow_steps")
# The encounter form's own fields: all that a form posted after its session ended keeps of it
# (web/late_forms.py).
ENCOUNTER_FORM_FIELDS = frozenset(
    {*SINGLE_FIELDS, *MULTI_FIELDS, "resources_shared", "supporter_needs_debrief"}
)
# The encounter form's fields in the order the form shows them, by the names people see: the
# error summary lists them in this order.
ENCOUNTER_FIELD_NAMES = {
    "setting": "Where",
    "peer_profession": "Colleague's profession",
    "duration_band": "How long",
    "stressors": "What it was about",
    "elements": "What you did",
    "support_types": "What they needed",
    "occurred_on": "Date",
    "modality": "How",
    "initiated_by": "Who started it",
    "peer_org_relation": "Where the colleague works",
    "flow_steps": "Guide steps you used",
    "escalation": "Referral or escalation",
    "follow_up": "Follow-up",
    "resources_shared": "Resources shared",
    "supporter_needs_debrief": "Debrief",
}
# What a required field left unanswered says, beside it and in the summary at the top.
UNANSWERED_MESSAGES = {
    "setting": "Choose where it happened",
    "peer_profession": "Choose the colleague's profession",
    "duration_band": "Choose how long it took",
    "stressors": "Choose what it was about",
    "elements": "Choose what you did",
    "support_types": "Choose what they needed",
    "occurred_on": "Enter the date",
}
# Inside the closed "More details": it opens by itself when one of these has a message.
MORE_DETAILS_FIELDS = (
    "occurred_on", "modality", "initiated_by", "peer_org_relation", "flow_steps",
    "escalation", "follow_up", "resources_shared", "supporter_needs_debrief",
)  # fmt: skip
# The answers of "More details" that the line summing them up counts (one, several).
COUNTED_ANSWERS = {
    "flow_steps": ("guide step", "guide steps"),
    "resources_shared": ("resource shared", "resources shared"),
}
DEBRIEF_WANTED = "Debrief wanted"
# A typical encounter: listening and emotional support are nearly always part of it.
LOG_DEFAULTS: dict[str, Any] = {
    "modality": Modality.in_person,
    "initiated_by": InitiatedBy.supporter_approach,
    "peer_org_relation": PeerOrgRelation.unknown,
    "escalation": Escalation.none,
    "follow_up": FollowUp.none,
    "elements": [SupportElement.listening],
    "support_types": [SupportType.emotional],
    "flow_steps": [],
    "stressors": [],
    "resources_shared": [],
}


def choices() -> dict[str, Any]:
    """The codes the log form offers, in the order the program lists them."""
    return {
        "settings": list(EncounterSetting),
        "initiations": list(InitiatedBy),
        "modalities": list(Modality),
        "relations": list(PeerOrgRelation),
        "durations": list(DurationBand),
        "stressor_codes": list(Stressor),
        "element_codes": list(SupportElement),
        "support_type_codes": list(SupportType),
        "flow_codes": list(FlowStep),
        "escalations": list(Escalation),
        "follow_ups": list(FollowUp),
    }


def encounter_values(form: Form) -> dict[str, Any]:
    """The form's answers in the shape of EncounterCreate; blank answers are left out so the
    schema's defaults and messages apply."""
    values: dict[str, Any] = {name: form.first(name) for name in SINGLE_FIELDS if form.first(name)}
    values.update({name: form.all(name) for name in MULTI_FIELDS})
    values["resources_shared"] = [
        int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else raw
        for raw in form.all("resources_shared")
    ]
    values["supporter_needs_debrief"] = form.first("supporter_needs_debrief") == "yes"
    return values


def log_form_context(
    session: Session, visitor: Visitor, values: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    """What the encounter form needs besides its answers: the choices, the supporter's usual
    peer professions first, the error summary and the line that sums up "More details"."""
    published = list_resources(
        session=session, actor=visitor.actor, filters=ResourceFilters(), page=PageRequest(200)
    )
    professions = list_professions(session=session)
    usual = most_logged_peer_professions(session=session, actor=visitor.actor)
    by_code = {profession.code: profession for profession in professions}
    today = program_today(session)
    return {
        **choices(),
        "professions": professions,
        "usual_professions": [by_code[code] for code in usual if code in by_code],
        "shareable_resources": published.items,
        "today": today,
        "error_summary": error_summary(errors, ENCOUNTER_FIELD_NAMES, UNANSWERED_MESSAGES),
        "more_details_open": any(field in errors for field in MORE_DETAILS_FIELDS),
        "more_details_line": more_details_line(values, today),
        "counted_answers": COUNTED_ANSWERS,
        "debrief_wanted": DEBRIEF_WANTED,
    }


def more_details_line(values: dict[str, Any], today: date) -> list[str]:
    """Every answer inside the closed "More details", in the form's order, so that nothing
    pre-filled is saved unseen ("Today · In person · You approached · ...")."""
    line = [day_of(values.get("occurred_on"), today)]
    line += chosen_labels(("modality", "initiated_by", "peer_org_relation"), values)
    line += counted("flow_steps", values)
    line += chosen_labels(("escalation", "follow_up"), values)
    line += counted("resources_shared", values)
    return line + ([DEBRIEF_WANTED] if values.get("supporter_needs_debrief") else [])


def chosen_labels(fields: tuple[str, ...], values: dict[str, Any]) -> list[str]:
    return [form_label(field, str(values[field])) for field in fields if values.get(field)]


def counted(field: str, values: dict[str, Any]) -> list[str]:
    chosen = len(values.get(field) or [])
    one, several = COUNTED_ANSWERS[field]
    return [f"{chosen} {one if chosen == 1 else several}"] if chosen else []


def day_of(occurred_on: date | str | None, today: date) -> str:
    """The day as the line says it: "Today", else the month and day ("Dec 5"); an answer
    that is no date, as typed (its own message says so)."""
    if isinstance(occurred_on, str):
        try:
            day = date.fromisoformat(occurred_on)
        except ValueError:
            return occurred_on or "No date"
    elif occurred_on is None:
        return "No date"
    else:
        day = occurred_on
    return "Today" if day == today else day.strftime("%b %-d")


def fresh_log_values(today: date) -> dict[str, Any]:
    return {**LOG_DEFAULTS, "occurred_on": today}


def as_form_fields(values: dict[str, Any]) -> list[tuple[str, str]]:
    """Answers as a form posts them, (name, value) pairs: the log form's `data-fresh-answers`,
    which the outbox puts back after an offline Save (not `form.reset()`, which returns to what
    the server last rendered: a refused form's answers, or a kept form's)."""
    fields = []
    for name, value in values.items():
        for one in value if isinstance(value, list) else [value]:
            fields.append((name, one.value if isinstance(one, Enum) else str(one)))
    return fields
