"""Sessions extend while the person is active on a page: the page's script asks this address
now and then while they type or tap (every signed-in request touches the session), and learns
when the session has ended so it can say their answers will be kept (web/late_forms.py)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from web.session import MaybeVisitor

router = APIRouter(include_in_schema=False)
NEVER_CACHED = {"Cache-Control": "no-store"}


@router.get("/session/alive")
def session_alive(visitor: MaybeVisitor) -> Response:
    """204 when the session is live (and now touched: the visitor's request session commits),
    401 when it has ended."""
    status = 204 if visitor is not None else 401
    return Response(status_code=status, headers=NEVER_CACHED)
