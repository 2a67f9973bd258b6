"""Saving a log once, however often it is sent, and bringing a form back to be checked.

The phone's outbox and every htmx Save send a log with an Idempotency-Key, so a retry after a
dropped connection logs one encounter (`log_once`). A form posted after its session ended is
kept (web/late_forms.py) with its own fields and that key; it comes back filled in
(`kept_answers`), carries its kept row's id, and its save deletes that row and no other
(`forget_restored_form`). The messages of a send that is refused, or that must be confirmed
first, are here too."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from fastapi import Request
from sqlmodel import Session

from domain.encounters.models import EncounterCreate
from domain.encounters.service import log_encounter
from domain.idempotency.service import StoredResponse, request_fingerprint, run_once
from domain.kept_forms.models import KeptForm
from domain.kept_forms.service import (
    DEBRIEF_ADDRESS,
    LOG_ADDRESS,
    discard_kept_form_by_id,
    is_keepable_address,
    kept_form_for,
)
from domain.supporters.service import MonthlyWorkload
from web.encounter_form import ENCOUNTER_FORM_FIELDS
from web.forms import Form
from web.session import Visitor

IDEMPOTENCY_KEY = "Idempotency-Key"
# The phone's outbox says whose log it sends (the person signed in when it was saved): a shared
# phone or another tab may have someone else's session in the cookie by then.
OUTBOX_OWNER = "X-Outbox-Owner"
OWNER_REFUSED = (
    "Not saved: this encounter was saved on this phone by someone else. Sign in as the person "
    "who saved it to send it."
)
# A restored log form carries the key its answers were first sent with (web/late_forms.py), and
# the kept row it came from, so its save replays a send that got through and deletes only that
# row.
IDEMPOTENCY_KEY_FIELD = "idempotency_key"
KEPT_FORM_ID_FIELD = "kept_form_id"
KEY_REFUSED = (
    "Not saved: this encounter was already saved from this phone, with other answers. Check "
    "My encounters; saving again logs it as a new encounter."
)
# A form sent with the token of an earlier session while the person is signed in (they signed
# in again in another tab): shown again, filled in, and nothing saved until they confirm.
STALE_FORM = (
    "Not saved yet: you signed in again since this page opened. Check the answers and save."
)
STALE_DEBRIEF = "Not sent yet: you signed in again since this page opened. Choose again to send."
# What is kept of each keepable form (`kept_field_names`): the log keeps its key too.
LOG_FORM_FIELDS = ENCOUNTER_FORM_FIELDS | {IDEMPOTENCY_KEY_FIELD}
DEBRIEF_FORM_FIELDS = frozenset({"urgency"})


def kept_field_names(address: str) -> frozenset[str]:
    """The fields of the form at a keepable address (none elsewhere)."""
    if not is_keepable_address(address):
        return frozenset()
    if address == LOG_ADDRESS:
        return LOG_FORM_FIELDS
    return DEBRIEF_FORM_FIELDS if address == DEBRIEF_ADDRESS else ENCOUNTER_FORM_FIELDS


def kept_answers(kept: KeptForm) -> Form:
    """A kept form's answers as a submitted form, so a page restores them through the same
    path that re-renders a posted one (`encounter_values` for the log and edit forms)."""
    values: dict[str, list[str]] = {}
    for name, value in kept.fields:
        values.setdefault(name, []).append(value)
    return Form(values)


def idempotency_key_of(request: Request, form: Form) -> str | None:
    """The log's Idempotency-Key: a restored form's own field first (with JavaScript, the
    outbox adds a header with a new key to every Save; the field is the key these answers were
    first sent with), else the header."""
    field = form.first(IDEMPOTENCY_KEY_FIELD)
    return field if field else request.headers.get(IDEMPOTENCY_KEY)  # an empty header is refused


def posted_kept_form_id(form: Form) -> int | None:
    raw = form.first(KEPT_FORM_ID_FIELD)
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 10 else None


def restored_from(session: Session, visitor: Visitor, address: str, form: Form) -> KeptForm | None:
    """The kept form a posted form was restored from, while it is still kept."""
    kept = kept_form_for(session=session, actor=visitor.actor, address=address)
    return kept if kept is not None and kept.id == posted_kept_form_id(form) else None


def forget_restored_form(session: Session, visitor: Visitor, form: Form) -> None:
    """After a save: delete the kept row the form was restored from, and no other."""
    kept_id = posted_kept_form_id(form)
    if kept_id is not None:
        discard_kept_form_by_id(session=session, actor=visitor.actor, kept_form_id=kept_id)


def forget_kept_log_with_key(session: Session, visitor: Visitor, key: str | None) -> None:
    """The kept log sent late with this key is this very encounter (the phone sent it again
    with its key): logged or replayed now, it is no longer waiting to be checked."""
    kept = kept_form_for(session=session, actor=visitor.actor, address=LOG_ADDRESS)
    if key and kept is not None and kept_answers(kept).first(IDEMPOTENCY_KEY_FIELD) == key:
        assert kept.id is not None
        discard_kept_form_by_id(session=session, actor=visitor.actor, kept_form_id=kept.id)


@dataclass(frozen=True)
class LogAnswer:
    """What a logged encounter's confirmation shows; stored with an Idempotency-Key so a retry
    shows the same confirmation."""

    workload: MonthlyWorkload
    debrief_prompt: bool

    def to_json(self) -> str:
        workload = self.workload
        return json.dumps(
            {
                "month_start": workload.month_start.isoformat(),
                "count": workload.count,
                "cap": workload.cap,
                "debrief_prompt": self.debrief_prompt,
            }
        )

    @classmethod
    def from_json(cls, body: str) -> LogAnswer:
        stored = json.loads(body)
        workload = MonthlyWorkload(
            month_start=date.fromisoformat(stored["month_start"]),
            count=stored["count"],
            cap=stored["cap"],
        )
        return cls(workload=workload, debrief_prompt=stored["debrief_prompt"])


def log_once(
    session: Session, visitor: Visitor, data: EncounterCreate, *, key: str | None
) -> LogAnswer:
    """`log_encounter`, at most once per Idempotency-Key (none: every time)."""

    def log() -> LogAnswer:
        logged = log_encounter(session=session, actor=visitor.actor, data=data)
        return LogAnswer(workload=logged.workload, debrief_prompt=logged.debrief_prompt)

    if key is None:
        return log()
    fingerprint = request_fingerprint("POST", "/log", data.model_dump_json().encode())
    answer = run_once(
        session, actor=visitor.actor, key=key, fingerprint=fingerprint,
        work=lambda: StoredResponse(status_code=200, body=log().to_json()),
    )  # fmt: skip
    return LogAnswer.from_json(answer.response.body)
