"""A supporter form posted after its session ended is kept for its person, not lost: the
sign-in page says so, and the form comes back filled in after signing in
(`domain/kept_forms/service.py` has the rules of keeping).

Whose form it is must be as certain as for a live session: the cookie names a session that
ended a short while ago (`ended_session_of`: not signed out, user still active), and the post
carries that session's CSRF token. Anything else keeps nothing, so another site cannot plant
answers in someone's form. Only the form's own fields are kept (`kept_field_names`), with the
log's Idempotency-Key, so the restored form and the phone's own retry log one encounter. A
sign-out posted the same way deletes the ended session at once, as any sign-out does, and
nothing is kept for that browser after it."""

from __future__ import annotations

import logging

from fastapi import Request
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.deps import unit_of_work_apart
from domain.actors import Actor
from domain.errors import DomainError
from domain.idempotency.service import is_valid_key
from domain.kept_forms.service import is_keepable_address, keep_form
from domain.types import MAX_FORM_FIELDS
from domain.users.models import User
from domain.web_sessions.service import end_session, ended_session_of
from web.forms import Form
from web.saving_once import IDEMPOTENCY_KEY_FIELD, idempotency_key_of, kept_field_names
from web.session import CSRF_FIELD, CSRF_HEADER, SIGN_OUT_ADDRESS, csrf_matches, session_token

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
logger = logging.getLogger(__name__)


async def keep_late_form(request: Request) -> bool:
    """Keep the form of a POST that found its session ended; whether it was kept."""
    address = request.url.path
    if not is_keepable_address(address):
        return False
    late = await _late_post(request)
    if late is None:
        return False
    token, sent, fields = late
    answers = kept_answers_of(request, address, fields)
    try:
        return await run_in_threadpool(_keep, request, token, sent, address, answers)
    except SQLAlchemyError:
        # Keeping is a kindness on the way to signing in: without it, the plain sign-in.
        logger.exception("A form posted after its session ended could not be kept")
        return False


def kept_answers_of(
    request: Request, address: str, fields: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """What is kept of a late post: the form's own fields and, for the log, a valid
    Idempotency-Key (the field of a restored form, else the header) as its hidden field."""
    names = kept_field_names(address)
    answers = [(name, value) for name, value in fields if name in names]
    if IDEMPOTENCY_KEY_FIELD not in names:
        return answers
    key = idempotency_key_of(request, form_of(fields))
    answers = [(name, value) for name, value in answers if name != IDEMPOTENCY_KEY_FIELD]
    return answers + ([(IDEMPOTENCY_KEY_FIELD, key)] if key and is_valid_key(key) else [])


async def sign_out_late(request: Request) -> None:
    """A sign-out that found its session already ended still deletes it at once (with its
    CSRF token), as a sign-out does: from then on nothing is kept for that browser."""
    if request.url.path != SIGN_OUT_ADDRESS:
        return
    late = await _late_post(request)
    if late is None:
        return
    token, sent, _ = late
    try:
        await run_in_threadpool(_forget, request, token, sent)
    except SQLAlchemyError:
        logger.exception("An ended session could not be deleted at sign-out")


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
    try:
        with unit_of_work_apart(request) as session:
            user = _checked_ended_session(session, token, sent)
            if user is None:
                return False
            assert user.id is not None
            actor = Actor.for_user(user.id, user.roles)
            keep_form(
                session=session, actor=actor, address=address, fields=answers,
                field_names=kept_field_names(address),
            )  # fmt: skip
            return True
    except DomainError:  # another's encounter, or one that can no longer be changed
        return False


def _forget(request: Request, token: str, sent: str) -> None:
    with unit_of_work_apart(request) as session:
        if _checked_ended_session(session, token, sent) is not None:
            end_session(session, token=token)


def form_of(fields: list[tuple[str, str]]) -> Form:
    values: dict[str, list[str]] = {}
    for name, value in fields:
        values.setdefault(name, []).append(value)
    return Form(values)
