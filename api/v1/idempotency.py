"""`Idempotency-Key` for creations: a retried request gets the first answer and creates
nothing more, even when the retries arrive in parallel; the same key with a different body is
refused (422). The rules, and how races are decided, are in domain/idempotency/service.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header
from fastapi.responses import Response
from pydantic import BaseModel
from sqlmodel import Session

from api.v1.problems import Problem, errors
from domain.actors import Actor
from domain.idempotency.service import (
    RETENTION,
    StoredResponse,
    request_fingerprint,
    run_once,
)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description=(
            "A key you make up for this one creation (a UUID). Send the request again with the "
            "same key and body after a timeout or a dropped connection: it is created once, and "
            "every retry gets the first answer (201, `Idempotent-Replayed: true`). While the "
            "first is still running, a retry may get 409 with `Retry-After`. The same key with "
            "another body is refused (422). A request refused with an error did not use its "
            f"key. Keys are yours alone and kept {RETENTION.total_seconds() / 3600:.0f} hours."
        ),
    ),
]
JSON = "application/json"
REPLAYED_HEADER: dict[str, Any] = {
    "Idempotent-Replayed": {
        "description": "`true` when this is the first answer given again for a retry",
        "schema": {"type": "string", "enum": ["true"]},
    }
}


IN_PROGRESS_RESPONSE: dict[str, Any] = {
    "model": Problem,
    "description": (
        "Conflict, or a request with the same Idempotency-Key still in progress: "
        "send it again after `Retry-After` seconds"
    ),
    "headers": {
        "Retry-After": {
            "description": "Seconds to wait before retrying (only for a key still in progress)",
            "schema": {"type": "integer"},
        }
    },
}


def idempotent_creation_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The documented responses of a creation that accepts `Idempotency-Key`."""
    return {201: {"headers": REPLAYED_HEADER}} | errors(*statuses) | {409: IN_PROGRESS_RESPONSE}


def create_once(
    session: Session,
    actor: Actor,
    *,
    key: str | None,
    route: str,
    data: BaseModel,
    create: Callable[[], BaseModel],
    secret_fields: frozenset[str] = frozenset(),
) -> Response:
    """Run `create` unless this key already did; answer 201 with the created object.

    `secret_fields` (a password) are left out of the stored fingerprint: a fast hash of them
    would be a password hash weaker than the user table's. A retry that changes only them
    gets the first answer."""
    if key is None:
        return Response(create().model_dump_json(), 201, media_type=JSON)

    def work() -> StoredResponse:
        return StoredResponse(status_code=201, body=create().model_dump_json())

    fingerprinted = data.model_dump_json(exclude=set(secret_fields)).encode()
    fingerprint = request_fingerprint("POST", route, fingerprinted)
    answer = run_once(session, actor=actor, key=key, fingerprint=fingerprint, work=work)
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return Response(
        answer.response.body, answer.response.status_code, headers=headers, media_type=JSON
    )
