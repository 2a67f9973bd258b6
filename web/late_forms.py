"""A supporter form posted after its session ended is kept for its person, not lost: the
sign-in page says so, and the form comes back filled in after signing in
(`domain/kept_forms/service.py` has the rules of keeping).

Whose form it is must be as certain as for a live session: the cookie names a session that
ended a short while ago (`ended_session_of`: not signed out, user still active), and the post
carries that session's CSRF token. Anything else keeps nothing, so another site cannot plant
answers in someone's form."""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from api.deps import unit_of_work_apart
from domain.actors import Actor
from domain.kept_forms.models import KeptForm
from domain.kept_forms.service import is_keepable_address, keep_form
from domain.web_sessions.service import ended_session_of
from web.forms import MAX_FORM_FIELDS, Form
from web.session import CSRF_FIELD, CSRF_HEADER, csrf_matches, session_token

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def keep_late_form(request: Request) -> bool:
    """Keep the form of a POST that found its session ended; whether it was kept."""
    token = session_token(request)
    address = request.url.path
    if request.method != "POST" or not token or not is_keepable_address(address):
        return False
    fields = await _posted_fields(request)
    if fields is None:
        return False
    sent = request.headers.get(CSRF_HEADER) or next(
        (value for name, value in fields if name == CSRF_FIELD), ""
    )
    answers = [(name, value) for name, value in fields if name != CSRF_FIELD]
    return await run_in_threadpool(_keep, request, token, sent, address, answers)


async def _posted_fields(request: Request) -> list[tuple[str, str]] | None:
    """The posted form as (name, value) pairs; None when there is no readable form."""
    if not request.headers.get("content-type", "").startswith(FORM_TYPES):
        return None
    try:
        data = await request.form(max_fields=MAX_FORM_FIELDS, max_files=0)
    except Exception:  # a malformed or already-read body: nothing to keep
        return None
    return [(name, value) for name, value in data.multi_items() if isinstance(value, str)]


def _keep(
    request: Request, token: str, sent: str, address: str, answers: list[tuple[str, str]]
) -> bool:
    with unit_of_work_apart(request) as session:
        ended = ended_session_of(session, token=token)
        if ended is None or not csrf_matches(sent, ended[0]):
            return False
        user = ended[1]
        assert user.id is not None
        actor = Actor.for_user(user.id, user.roles)
        keep_form(session=session, actor=actor, address=address, fields=answers)
        return True


def kept_answers(kept: KeptForm) -> Form:
    """A kept form's answers as a submitted form, so a page restores them through the same
    path that re-renders a posted one (`encounter_values` for the log and edit forms)."""
    values: dict[str, list[str]] = {}
    for name, value in kept.fields:
        values.setdefault(name, []).append(value)
    return Form(values)
