"""A supporter form posted after its session ended is kept for its person, not lost: the
sign-in page says so, and the form comes back filled in after signing in
(`domain/kept_forms/service.py` has the rules of keeping).

Whose form it is must be as certain as for a live session: the cookie names a session that
ended a short while ago (`ended_session_of`: not signed out, user still active), and the post
carries that session's CSRF token. Anything else keeps nothing, so another site cannot plant
answers in someone's form. A sign-out posted the same way deletes the ended session at once, as
any sign-out does, and nothing is kept for that browser after it."""

from __future__ import annotations

from fastapi import Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.deps import unit_of_work_apart
from domain.actors import Actor
from domain.kept_forms.models import KeptForm
from domain.kept_forms.service import is_keepable_address, keep_form
from domain.users.models import User
from domain.web_sessions.service import end_session, ended_session_of
from web.forms import MAX_FORM_FIELDS, Form
from web.session import CSRF_FIELD, CSRF_HEADER, csrf_matches, session_token

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
SIGN_OUT_ADDRESS = "/sign-out"


async def keep_late_form(request: Request) -> bool:
    """Keep the form of a POST that found its session ended; whether it was kept."""
    address = request.url.path
    if not is_keepable_address(address):
        return False
    late = await _late_post(request)
    if late is None:
        return False
    token, sent, fields = late
    answers = [(name, value) for name, value in fields if name != CSRF_FIELD]
    return await run_in_threadpool(_keep, request, token, sent, address, answers)


async def sign_out_late(request: Request) -> None:
    """A sign-out that found its session already ended still deletes it at once (with its
    CSRF token), as a sign-out does: from then on nothing is kept for that browser."""
    if request.url.path != SIGN_OUT_ADDRESS:
        return
    late = await _late_post(request)
    if late is not None:
        token, sent, _ = late
        await run_in_threadpool(_forget, request, token, sent)


async def _late_post(request: Request) -> tuple[str, str, list[tuple[str, str]]] | None:
    """The cookie's token, the CSRF token sent and the posted fields of a form POST with a
    session cookie; None for anything else."""
    token = session_token(request)
    if request.method != "POST" or not token:
        return None
    fields = await _posted_fields(request)
    if fields is None:
        return None
    sent = request.headers.get(CSRF_HEADER) or next(
        (value for name, value in fields if name == CSRF_FIELD), ""
    )
    return token, sent, fields


async def _posted_fields(request: Request) -> list[tuple[str, str]] | None:
    """The posted form as (name, value) pairs; None when there is no readable form."""
    if not request.headers.get("content-type", "").startswith(FORM_TYPES):
        return None
    try:
        data = await request.form(max_fields=MAX_FORM_FIELDS, max_files=0)
    except Exception:  # a malformed or already-read body: nothing to keep
        return None
    return [(name, value) for name, value in data.multi_items() if isinstance(value, str)]


def _checked_ended_session(session: Session, token: str, sent: str) -> User | None:
    """The person of the ended session behind the cookie, when the post carries its CSRF
    token."""
    ended = ended_session_of(session, token=token)
    if ended is None or not csrf_matches(sent, ended[0]):
        return None
    return ended[1]


def _keep(
    request: Request, token: str, sent: str, address: str, answers: list[tuple[str, str]]
) -> bool:
    with unit_of_work_apart(request) as session:
        user = _checked_ended_session(session, token, sent)
        if user is None:
            return False
        assert user.id is not None
        actor = Actor.for_user(user.id, user.roles)
        keep_form(session=session, actor=actor, address=address, fields=answers)
        return True


def _forget(request: Request, token: str, sent: str) -> None:
    with unit_of_work_apart(request) as session:
        if _checked_ended_session(session, token, sent) is not None:
            end_session(session, token=token)


def kept_answers(kept: KeptForm) -> Form:
    """A kept form's answers as a submitted form, so a page restores them through the same
    path that re-renders a posted one (`encounter_values` for the log and edit forms)."""
    values: dict[str, list[str]] = {}
    for name, value in kept.fields:
        values.setdefault(name, []).append(value)
    return Form(values)
