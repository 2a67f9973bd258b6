"""Inviting a supporter: a user account with the supporter role only, their profile, and a
set-password link by mail.

Rules: coordinators invite (`INVITERS`); the account gets the supporter role and nothing else
(coordinators never hand out other roles); an email that exists already is refused as a field
error, and two invitations of the same email at the same moment make one user, the other a
`Conflict` (the unique email decides, see `domain.users.service`); a supporter invited with a
training date starts `active`, without one as a `candidate` (`initial_status`); the profile
follows every rule of `create_supporter` (an active profession, a known org unit, a training
date not in the future).
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from domain.actors import Actor, require_role
from domain.codes import Role, SupporterStatus
from domain.supporters.models import SupporterCreate, SupporterInvite
from domain.supporters.service import create_supporter
from domain.users.invitations import Invitation, send_invitation
from domain.users.models import UserCreate
from domain.users.service import insert_user_unchecked

INVITERS = (Role.coordinator,)


def initial_status(trained_on: date | None) -> SupporterStatus:
    return SupporterStatus.active if trained_on is not None else SupporterStatus.candidate


def invite_supporter(*, session: Session, actor: Actor, data: SupporterInvite) -> Invitation:
    """All or nothing, in a savepoint of its own: a refused profile leaves no account behind,
    even when the caller goes on (a page showing the form again, an import's next row)."""
    require_role(actor, *INVITERS, to="invite supporters")
    account = UserCreate(email=data.email, display_name=data.display_name, roles=[Role.supporter])
    with session.begin_nested():
        user = insert_user_unchecked(session=session, actor=actor, data=account)
        assert user.id is not None
        profile = SupporterCreate(
            user_id=user.id,
            profession_code=data.profession_code,
            org_unit_id=data.org_unit_id,
            status=initial_status(data.trained_on),
            trained_on=data.trained_on,
        )
        create_supporter(session=session, actor=actor, data=profile)
        return send_invitation(session=session, actor=actor, user=user)
