"""`Idempotency-Key` for creations: a retried request gets the first answer and creates
nothing more; the same key with a different body is refused (422)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Header
from fastapi.responses import Response
from pydantic import BaseModel
from sqlmodel import Session

from domain.actors import Actor
from domain.idempotency.service import StoredResponse, remember, replay, request_fingerprint

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="Send the same key again to retry safely: one row is created.",
    ),
]
JSON = "application/json"


def create_once(
    session: Session,
    actor: Actor,
    *,
    key: str | None,
    route: str,
    data: BaseModel,
    create: Callable[[], BaseModel],
) -> Response:
    """Run `create` unless this key already did; answer 201 with the created object."""
    fingerprint = request_fingerprint("POST", route, data.model_dump_json().encode())
    if key is not None:
        stored = replay(session, actor=actor, key=key, fingerprint=fingerprint)
        if stored is not None:
            headers = {"Idempotent-Replayed": "true"}
            return Response(stored.body, stored.status_code, headers=headers, media_type=JSON)
    body = create().model_dump_json()
    if key is not None:
        stored = StoredResponse(status_code=201, body=body)
        remember(session, actor=actor, key=key, fingerprint=fingerprint, response=stored)
    return Response(body, 201, media_type=JSON)
