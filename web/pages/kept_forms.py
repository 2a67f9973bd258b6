"""Discarding a kept form: the person decides not to save what their ended session left
(`domain/kept_forms/service.py`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import SessionDep
from domain.errors import NotFound
from domain.kept_forms.service import discard_kept_form, is_keepable_address
from web.forms import FormValues
from web.pages.common import redirect_after_post
from web.session import MaybeVisitor, SignInRequired, csrf_checked_visitor

router = APIRouter(include_in_schema=False)


@router.post("/kept-forms/discard")
def discard(
    request: Request, session: SessionDep, visitor: MaybeVisitor, form: FormValues
) -> Response:
    """Delete the visitor's kept form for the address, then show that form fresh."""
    address = form.first("address")
    if visitor is None:
        # Signed out: after signing in, back to the form's own page (its notice has the
        # Discard button), not to this address, which answers only POST.
        raise SignInRequired(address if is_keepable_address(address) else "/")
    visitor = csrf_checked_visitor(request, visitor, form)
    if not is_keepable_address(address):
        raise NotFound("There is no kept form at this address.")
    discard_kept_form(session=session, actor=visitor.actor, address=address)
    return redirect_after_post(request, address)
