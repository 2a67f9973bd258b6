"""Inviting people: a user account without a password, and a set-password link by mail.

Rules:
- An invited person is `awaiting_password` until they choose one through the link (or sign in
  through an external identity); only then is the invitation done.
- Admins may send a fresh link to someone awaiting their password (`resend_invitation`), never
  to someone who has chosen one (that would be a password reset by another name) and never to
  a deactivated account (its link would not work).
- Only the newest link works: sending a fresh one marks the person's older unused links used,
  so a link in an old mail (or an old queue row) opens nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, update

from domain.actors import Actor, require_role
from domain.codes import Role
from domain.columns import utcnow
from domain.errors import NotFound, RuleViolation
from domain.mail.outbox import Mail, mail_is_configured, queue_mail
from domain.program_settings.service import get_program_settings
from domain.settings import get_settings
from domain.users.models import User, UserCreate
from domain.users.service import create_user
from domain.web_sessions.models import PasswordLink
from domain.web_sessions.service import PASSWORD_LINK_LIFETIME, password_link_for


@dataclass(frozen=True)
class Invitation:
    user: User
    link: str  # the absolute set-password URL
    mailed: bool  # False when no mail is configured: show `link` to pass on by hand


def invite_user(*, session: Session, actor: Actor, data: UserCreate) -> Invitation:
    """Admins: a new user (no password) and their set-password link by mail."""
    user = create_user(
        session=session, actor=actor, data=data.model_copy(update={"password": None})
    )
    return send_invitation(session=session, actor=actor, user=user)


def send_invitation(*, session: Session, actor: Actor, user: User) -> Invitation:
    """Mail `user` a fresh set-password link. The caller has checked that `actor` may invite
    this user (admins anyone; coordinators supporters)."""
    assert user.id is not None
    retire_password_links(session, user.id)
    token = password_link_for(session=session, actor=actor, user_id=user.id)
    link = f"{get_settings().public_url.rstrip('/')}/set-password/{token}"
    program = get_program_settings(session).program_name
    days = PASSWORD_LINK_LIFETIME.days
    queue_mail(
        session,
        Mail(
            to=user.email,
            subject=f"You are invited to {program}",
            body=(
                f"Hello {user.display_name},\n\n"
                f"You have been invited to {program}. Choose your password here "
                f"(the link works once, for {days} days):\n\n{link}\n"
            ),
        ),
    )
    return Invitation(user=user, link=link, mailed=mail_is_configured())


def retire_password_links(session: Session, user_id: int) -> None:
    """Mark `user_id`'s unused set-password links used: a fresh one replaces them."""
    session.exec(
        update(PasswordLink)
        .where(col(PasswordLink.user_id) == user_id, col(PasswordLink.used_at).is_(None))
        .values(used_at=utcnow())
    )


def awaiting_password(user: User) -> bool:
    """Invited, and has not chosen a password yet (nor signs in through another identity)."""
    return user.password_hash is None and user.external_subject is None


def resend_invitation(*, session: Session, actor: Actor, user_id: int) -> Invitation:
    """Admins: a fresh set-password link for someone who has not chosen a password yet."""
    require_role(actor, Role.admin, to="invite users")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user {user_id}.")
    if not user.active:
        raise RuleViolation("This account is deactivated; reactivate it first.")
    if not awaiting_password(user):
        raise RuleViolation(f"{user.display_name} has chosen a password already.")
    return send_invitation(session=session, actor=actor, user=user)
