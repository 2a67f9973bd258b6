"""Kept forms: a log, edit or debrief form posted after its session ended is kept for its
person, so signing in again brings it back instead of an empty form. The rules:
- Only the supporter forms keep (`is_keepable_address`): logging, changing an encounter and
  asking for a debrief. Other forms are short or an administrator's. Of what was posted, only
  the fields of the form at that address are kept (the caller names them, where the form is
  defined), and an edit form only for an encounter the person owns and can still change.
- A kept form lasts `KEEP_FOR` (12 hours) from the late post, then it is gone (the pages stop
  showing it at once, `purge_expired_kept_forms` deletes the row later).
- One per person and address: a newer post replaces the older. The database decides (a
  unique constraint and an upsert), so a double tap keeps one row, never two.
- It belongs to the user, not to the ended session: only that user sees or discards it.
- Nothing is saved from it without the person: the page shows it filled in, and the save
  (which deletes it in the same transaction) or a discard is theirs.
The web layer decides who the late post belongs to (the ended session and its CSRF token,
`web/late_forms.py`); this module stores and returns what it is given."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from domain.actors import Actor
from domain.columns import utcnow
from domain.db import insert_for
from domain.encounters.service import get_own_encounter, is_editable
from domain.errors import InvalidInput, PermissionDenied, RuleViolation
from domain.idempotency.service import MAX_KEY_LENGTH
from domain.kept_forms.models import MAX_ADDRESS_LENGTH, KeptForm
from domain.types import MAX_FORM_FIELDS

KEEP_FOR = timedelta(hours=12)
# The supporter forms send codes, dates, ids and the log's Idempotency-Key: nothing longer is
# kept, and never more fields than a form may send.
MAX_VALUE_LENGTH = MAX_KEY_LENGTH
KEEPABLE_ADDRESS = re.compile(r"/log|/debrief|/encounters/[1-9][0-9]{0,17}/edit")
EDIT_ADDRESS = re.compile(r"/encounters/([1-9][0-9]{0,17})/edit")
LOG_ADDRESS = "/log"
DEBRIEF_ADDRESS = "/debrief"


def is_keepable_address(address: str) -> bool:
    """Whether a form posted late to `address` is kept: the log, an encounter's edit form and
    the debrief request."""
    return len(address) <= MAX_ADDRESS_LENGTH and KEEPABLE_ADDRESS.fullmatch(address) is not None


def edit_address(encounter_id: int) -> str:
    return f"/encounters/{encounter_id}/edit"


def _owner(actor: Actor) -> int:
    if actor.user_id is None:
        raise PermissionDenied("Only a signed-in person has kept forms.")
    return actor.user_id


def keep_form(
    *,
    session: Session,
    actor: Actor,
    address: str,
    fields: Sequence[tuple[str, str]],
    field_names: Collection[str],
) -> None:
    """Keep `fields` (name, value pairs in their order) posted to `address` for the actor,
    replacing what was kept for that address before. Only the form's own `field_names` are
    kept, and values too long for these forms are left out rather than stored. An edit form
    is kept only for the actor's own encounter while it can still be changed (else NotFound,
    PermissionDenied or RuleViolation)."""
    user_id = _owner(actor)
    if not is_keepable_address(address):
        raise InvalidInput(f"Forms posted to {address[:MAX_ADDRESS_LENGTH]} are not kept.")
    _require_changeable_encounter(session, actor, address)
    kept = [
        [name, value]
        for name, value in fields
        if name in field_names and len(value) <= MAX_VALUE_LENGTH
    ]
    now = utcnow()
    values = {"user_id": user_id, "address": address, "fields": kept[:MAX_FORM_FIELDS],
              "created_at": now, "expires_at": now + KEEP_FOR}  # fmt: skip
    upsert = insert_for(session, KeptForm).values(**values)
    replace = {name: upsert.excluded[name] for name in ("fields", "created_at", "expires_at")}
    session.exec(upsert.on_conflict_do_update(index_elements=["user_id", "address"], set_=replace))


def _require_changeable_encounter(session: Session, actor: Actor, address: str) -> None:
    """For an edit address: the actor's own encounter, still within its edit window."""
    edit = EDIT_ADDRESS.fullmatch(address)
    if edit is None:
        return
    encounter = get_own_encounter(session, actor, int(edit.group(1)))
    if not is_editable(encounter):
        raise RuleViolation("This encounter can no longer be changed.")


def kept_form_for(*, session: Session, actor: Actor, address: str) -> KeptForm | None:
    """The actor's own kept form for `address`, while it lasts."""
    if actor.user_id is None:
        return None
    return session.exec(
        select(KeptForm).where(
            KeptForm.user_id == actor.user_id,
            KeptForm.address == address,
            col(KeptForm.expires_at) > utcnow(),
        )
    ).first()


def discard_kept_form(*, session: Session, actor: Actor, address: str) -> None:
    """Delete the actor's kept form for `address` (none: nothing to do). Saving the form calls
    this in the same transaction as the save."""
    user_id = _owner(actor)
    session.exec(
        delete(KeptForm).where(col(KeptForm.user_id) == user_id, col(KeptForm.address) == address)
    )


def discard_kept_form_by_id(*, session: Session, actor: Actor, kept_form_id: int) -> None:
    """Delete the actor's kept form `kept_form_id` (another's, or none: nothing to do). Saving
    a restored form deletes the row it came from, and only that one: a save of other answers
    (another tab, the phone's waiting logs) leaves a kept form the person has not seen."""
    user_id = _owner(actor)
    session.exec(
        delete(KeptForm).where(col(KeptForm.id) == kept_form_id, col(KeptForm.user_id) == user_id)
    )


def purge_expired_kept_forms(session: Session, now: datetime) -> int:
    return session.exec(delete(KeptForm).where(col(KeptForm.expires_at) <= now)).rowcount
