"""Who the presented token stands for."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import SessionDep
from api.v1.deps import CurrentActor
from api.v1.problems import errors
from domain.supporters.service import supporter_of_user
from domain.users.models import User

router = APIRouter(tags=["me"])


class Me(BaseModel):
    kind: str
    id: int
    display_name: str | None = None
    email: str | None = None
    roles: list[str]
    scopes: list[str]
    supporter_id: int | None = None


@router.get("/me", summary="Who the token stands for", response_model=Me, responses=errors(401))
def read_me(actor: CurrentActor, session: SessionDep) -> Me:
    if actor.client_id is not None:
        return Me(kind="api_client", id=actor.client_id, roles=[], scopes=sorted(actor.scopes))
    assert actor.user_id is not None
    user = session.get(User, actor.user_id)
    assert user is not None
    supporter = supporter_of_user(session, actor.user_id)
    return Me(
        kind="user",
        id=actor.user_id,
        display_name=user.display_name,
        email=user.email,
        roles=sorted(actor.roles),
        scopes=[],
        supporter_id=supporter.id if supporter else None,
    )
