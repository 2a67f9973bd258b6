"""People who sign in: creation, roles, deactivation, passwords and the first-run setup link.

Rules:
- One account per email (`_insert_user`): two creations of the same email at the same moment
  leave one user; the other gets the same Conflict as a late one, never a database error.
- Deactivating someone ends them at once (`_end_access_of`): their page sessions are deleted in
  the same transaction, and their bearer tokens are refused on the next call
  (`domain.auth.service.actor_from_claims` checks `active` on every request).
- There is always an active admin (`_refuse_losing_last_admin`).
- Admins find people by name or email, role and active state (`UserFilters`)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, or_, select

from domain.actors import Actor, require_role
from domain.audit.actions import AuditAction, field_changed
from domain.audit.service import record_audit_event
from domain.changes import changes_of
from domain.codes import Role
from domain.columns import utcnow
from domain.db import LIKE_ESCAPE, escape_like, lock_for
from domain.errors import Conflict, InvalidInput, NotFound, RuleViolation
from domain.pagination import Page, PageRequest, page_from_rows
from domain.supporters.service import end_supporter_of_deactivated_user, lock_user_row
from domain.users.models import (
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    SetupToken,
    User,
    UserCreate,
    UserRole,
    UserUpdate,
)
from domain.users.passwords import hash_password, verify_password

SETUP_LINK_LIFETIME = timedelta(hours=1)


def user_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(User)).one()


def get_user(*, session: Session, actor: Actor, user_id: int) -> User:
    """Admins read anyone (a roster read, audited); everybody else only themselves."""
    user = _user_in_reach(session, actor, user_id)
    if actor.user_id != user_id:
        _audit_user(session, actor, AuditAction.user_read, user)
    return user


def _user_in_reach(session: Session, actor: Actor, user_id: int) -> User:
    """Admins reach anyone; everybody else only themselves (others are simply not found)."""
    user = session.get(User, user_id)
    if user is None or (not actor.has_any_role(Role.admin) and actor.user_id != user_id):
        raise NotFound(f"There is no user {user_id}.")
    return user


@dataclass(frozen=True)
class UserFilters:
    """`text` matches part of the name or the email (any case); `role` and `active` exactly."""

    text: str | None = None
    role: Role | None = None
    active: bool | None = None


def list_users(
    *, session: Session, actor: Actor, page: PageRequest, filters: UserFilters | None = None
) -> Page[User]:
    """Oldest first. The users table holds the program's staff (hundreds, not millions), so the
    name search scans it; roles and the active state are indexed."""
    require_role(actor, Role.admin, to="list users")
    query = select(User).order_by(col(User.id)).limit(page.limit + 1)
    if page.after_id is not None:
        query = query.where(col(User.id) > page.after_id)
    filters = filters or UserFilters()
    if filters.text and filters.text.strip():
        pattern = f"%{escape_like(filters.text.strip().lower())}%"
        query = query.where(
            or_(
                func.lower(User.display_name).like(pattern, escape=LIKE_ESCAPE),
                col(User.email).like(pattern, escape=LIKE_ESCAPE),
            )
        )
    if filters.role is not None:
        holders = select(UserRole.user_id).where(UserRole.role == filters.role)
        query = query.where(col(User.id).in_(holders))
    if filters.active is not None:
        query = query.where(col(User.active).is_(filters.active))
    record_audit_event(
        session=session, actor=actor, action=AuditAction.user_list, object_type="user"
    )
    return page_from_rows(list(session.exec(query)), page, lambda user: user.id)


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def create_user(*, session: Session, actor: Actor, data: UserCreate) -> User:
    require_role(actor, Role.admin, to="create users")
    return _insert_user(session=session, actor=actor, data=data)


def insert_user_unchecked(*, session: Session, actor: Actor, data: UserCreate) -> User:
    """Create a user WITHOUT any permission check: the caller must have checked that `actor`
    may add this person (`domain.supporters.invitations.invite_supporter`: coordinators adding
    a supporter). Admins creating any user go through `create_user`, which checks."""
    return _insert_user(session=session, actor=actor, data=data)


def _insert_user(*, session: Session, actor: Actor, data: UserCreate) -> User:
    taken = Conflict(f"A user with the email {data.email} exists already.", field="email")
    if find_user_by_email(session, data.email) is not None:
        raise taken
    user = User(
        email=data.email,
        display_name=data.display_name,
        password_hash=hash_password(data.password) if data.password else None,
        role_rows=[UserRole(role=role) for role in sorted(set(data.roles))],
    )
    # Two creations of the same email at once both pass the check above (PostgreSQL); the
    # unique index lets one in and the other waits, then fails: the same Conflict for it.
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:
        if find_user_by_email(session, data.email) is not None:
            raise taken from None
        raise
    record_audit_event(
        session=session,
        actor=actor,
        action=AuditAction.user_create,
        object_type="user",
        object_id=user.id,
    )
    return user


def update_user(*, session: Session, actor: Actor, user_id: int, data: UserUpdate) -> User:
    require_role(actor, Role.admin, to="change users")
    # The user row first, locked (then the supporter row, in end_supporter_of_deactivated_user):
    # the same order as update_supporter, so a deactivation and a coordinator re-activating
    # the profile at the same moment run one after the other (`lock_user_row`).
    _user_in_reach(session, actor, user_id)
    user = lock_user_row(session, user_id)
    changes = changes_of(data)
    if "display_name" in changes and changes["display_name"] != user.display_name:
        user.display_name = changes["display_name"]
        _audit_user(session, actor, field_changed("user", "display_name"), user)
    if data.roles is not None and set(data.roles) != set(user.roles):
        _refuse_losing_last_admin(session, user, keeps_admin=Role.admin in data.roles)
        user.role_rows = [UserRole(user_id=user_id, role=role) for role in sorted(set(data.roles))]
        _audit_user(session, actor, AuditAction.user_roles_change, user)
    if data.active is not None and data.active != user.active:
        if not data.active:
            _refuse_losing_last_admin(session, user, keeps_admin=False)
            _end_access_of(session, user_id)
        user.active = data.active
        activated = AuditAction.user_activate if data.active else AuditAction.user_deactivate
        _audit_user(session, actor, activated, user)
        if not data.active:
            # Off the active roster in the same transaction (and so the same request).
            end_supporter_of_deactivated_user(session, actor, user_id)
    user.updated_at = utcnow()
    session.add(user)
    session.flush()
    return user


def _end_access_of(session: Session, user_id: int) -> None:
    """A deactivated person is signed out everywhere at once: their page sessions go in this
    transaction. Their bearer tokens need nothing here: every API request checks `active`."""
    # web_sessions.service builds on this module (set_password), so import it where used.
    from domain.web_sessions.service import end_all_sessions_of

    end_all_sessions_of(session, user_id)


def _audit_user(session: Session, actor: Actor, action: str, user: User) -> None:
    record_audit_event(
        session=session, actor=actor, action=action, object_type="user", object_id=user.id
    )


LAST_ADMIN_LOCK = "users.active_admins"


def _refuse_losing_last_admin(session: Session, user: User, *, keeps_admin: bool) -> None:
    if keeps_admin or Role.admin not in user.roles or not user.active:
        return
    # Count and write under one lock: two admins removing each other at the same moment would
    # each see the other still there (READ COMMITTED) and leave nobody able to sign in as admin.
    lock_for(session, LAST_ADMIN_LOCK)
    active_admins = session.exec(
        select(func.count())
        .select_from(UserRole)
        .join(User, col(User.id) == UserRole.user_id)
        .where(UserRole.role == Role.admin, col(User.active).is_(True))
    ).one()
    if active_admins <= 1:
        raise RuleViolation("This is the only active admin; make another admin first.")


def set_password(*, session: Session, actor: Actor, user_id: int, password: str) -> None:
    """A user sets their own password; an admin may set anyone's."""
    user = _user_in_reach(session, actor, user_id)
    _check_password(password)
    user.password_hash = hash_password(password)
    user.updated_at = utcnow()
    session.add(user)
    _audit_user(session, actor, AuditAction.user_password_set, user)


def _check_password(password: str) -> None:
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        raise InvalidInput(
            f"Use a password of {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters.",
            field="password",
        )


def authenticate(*, session: Session, email: str, password: str, ip: str | None) -> User | None:
    """The active user with this email and password, or None; every attempt is audited."""
    user = find_user_by_email(session, email)
    ok = password_opens(user, password)
    audit_sign_in_check(session, user=user, ok=ok, ip=ip)
    return user if ok else None


def password_opens(user: User | None, password: str) -> bool:
    """True when this is the password of an active user; the same argon2 work either way. It
    reads nothing from the database, so a caller may run it outside any transaction."""
    valid = verify_password(password, user.password_hash if user else None)
    return user is not None and valid and user.active


def audit_sign_in_check(session: Session, *, user: User | None, ok: bool, ip: str | None) -> None:
    record_audit_event(
        session=session,
        actor=Actor(audit_label=f"user:{user.id}" if user else "anonymous", ip=ip),
        action="auth.sign_in",
        object_type="user",
        object_id=user.id if user else None,
        outcome="success" if ok else "failure",
    )


# First run: a one-time link that lets the first admin create an account.


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_setup_token(session: Session) -> str | None:
    """A fresh setup token when nobody can sign in yet, else None. Older tokens stop working."""
    if user_count(session) > 0:
        return None
    now = utcnow()
    for old in session.exec(select(SetupToken).where(col(SetupToken.used_at).is_(None))):
        old.used_at = now
        session.add(old)
    token = secrets.token_urlsafe(32)
    session.add(SetupToken(token_hash=_token_hash(token), expires_at=now + SETUP_LINK_LIFETIME))
    session.flush()
    return token


def check_setup_token(session: Session, token: str) -> SetupToken:
    if user_count(session) > 0:
        raise NotFound("Setup is done already: sign in instead.")
    row = session.exec(
        select(SetupToken).where(SetupToken.token_hash == _token_hash(token))
    ).first()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise NotFound(
            "This setup link is not valid (used, expired or mistyped). "
            "Restart the server to print a new one."
        )
    return row


def complete_setup(*, session: Session, token: str, data: UserCreate, ip: str | None) -> User:
    """Create the first admin through the setup link; the link works once."""
    row = check_setup_token(session, token)
    if data.password is None:
        raise InvalidInput("Choose a password.", field="password")
    row.used_at = utcnow()
    session.add(row)
    setup_actor = Actor(audit_label="setup", ip=ip)
    first = data.model_copy(update={"roles": sorted({Role.admin, *data.roles})})
    return _insert_user(session=session, actor=setup_actor, data=first)
