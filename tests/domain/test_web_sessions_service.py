"""Signing in to the pages: sessions, their timeouts, rotation and throttling; the "set your
password" links."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from domain.actors import Actor
from domain.audit.models import AuditEvent
from domain.auth.throttle import (
    ADDRESS_LIMIT,
    PAIR_LIMIT,
    WINDOW,
    CounterKind,
    ThrottleCounter,
    TooManyAttempts,
    email_account,
)
from domain.codes import Role
from domain.columns import utcnow
from domain.errors import InvalidInput, NotFound, PermissionDenied
from domain.program_settings.service import get_program_settings
from domain.users.models import User
from domain.users.passwords import hash_password, verify_password
from domain.web_sessions.models import PasswordLink, WebSession
from domain.web_sessions.service import (
    PASSWORD_LINK_LIFETIME,
    SignedIn,
    check_password_link,
    end_all_sessions_of,
    end_session,
    ended_session_of,
    issue_password_link,
    resume_session,
    sign_in,
    use_password_link,
)
from tests.factories import (
    ADMIN,
    COORDINATOR,
    SUPPORTER,
    actor_of,
    age_throttle,
    audit_actions,
    fail_sign_ins,
    make_user,
)

PASSWORD = "a-long-test-passphrase"
NEW_PASSWORD = "another-long-passphrase"
IP = "203.0.113.7"


@pytest.fixture(scope="module")
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture
def user(db: Session, password_hash: str) -> User:
    return make_user(
        db,
        roles=(Role.supporter,),
        email="jordan@hospital.example.org",
        password_hash=password_hash,
    )


def signed_in(db: Session, user: User, previous_token: str | None = None) -> SignedIn:
    result = sign_in(db, email=user.email, password=PASSWORD, ip=IP, previous_token=previous_token)
    assert result is not None
    return result


def session_count(db: Session) -> int:
    return db.exec(select(func.count()).select_from(WebSession)).one()


# Signing in.


def test_the_right_password_opens_a_session(db: Session, user: User) -> None:
    result = signed_in(db, user)
    assert result.user.id == user.id
    assert len(result.token) >= 40
    web_session = result.web_session
    assert web_session.user_id == user.id
    assert web_session.token_hash == hashlib.sha256(result.token.encode()).hexdigest()
    assert result.token not in {web_session.token_hash, web_session.csrf_token}
    assert len(web_session.csrf_token) >= 40
    assert web_session.last_seen_at == web_session.created_at
    assert web_session.expires_at - web_session.created_at == timedelta(hours=12)
    assert audit_actions(db, object_type="user", object_id=user.id) == ["auth.sign_in"]


def test_each_session_has_its_own_token_and_csrf_token(db: Session, user: User) -> None:
    first, second = signed_in(db, user), signed_in(db, user)
    assert first.token != second.token
    assert first.web_session.csrf_token != second.web_session.csrf_token
    assert session_count(db) == 2


def test_the_absolute_lifetime_is_a_program_setting(db: Session, user: User) -> None:
    get_program_settings(db).session_absolute_hours = 2
    web_session = signed_in(db, user).web_session
    assert web_session.expires_at - web_session.created_at == timedelta(hours=2)


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("jordan@hospital.example.org", "not-the-password"),
        ("nobody@hospital.example.org", PASSWORD),
        ("", ""),
    ],
)
def test_a_wrong_email_or_password_opens_nothing_and_counts_a_failure(
    db: Session, user: User, email: str, password: str
) -> None:
    assert sign_in(db, email=email, password=password, ip=IP, previous_token=None) is None
    assert session_count(db) == 0
    account = email_account(email)
    # An email nobody has counts like a real one: the answer never tells which emails exist.
    expected = {("address", IP, 1), ("account", account, 1), ("pair", f"{account}|{IP}", 1)}
    assert counted(db) == expected


def counted(db: Session) -> set[tuple[str, str, int]]:
    rows = db.exec(select(ThrottleCounter)).all()
    return {(row.kind, row.key, row.count) for row in rows if row.kind != CounterKind.known}


def test_a_deactivated_user_cannot_sign_in(db: Session, user: User) -> None:
    user.active = False
    assert sign_in(db, email=user.email, password=PASSWORD, ip=IP, previous_token=None) is None
    assert session_count(db) == 0


def test_sign_in_ends_the_session_the_browser_had(db: Session, user: User) -> None:
    first = signed_in(db, user)
    second = signed_in(db, user, previous_token=first.token)
    assert resume_session(db, token=first.token) is None
    assert resume_session(db, token=second.token) is not None
    assert session_count(db) == 1


def test_a_failed_sign_in_keeps_the_session_the_browser_had(db: Session, user: User) -> None:
    first = signed_in(db, user)
    failed = sign_in(
        db, email=user.email, password="not-the-password", ip=IP, previous_token=first.token
    )
    assert failed is None
    assert resume_session(db, token=first.token) is not None


def addresses(count: int, prefix: str = "198.51.100.") -> list[str]:
    return [f"{prefix}{n}" for n in range(count)]


def test_failures_for_an_account_from_many_addresses_make_a_new_address_wait(
    db: Session, user: User
) -> None:
    fail_sign_ins(db, user.email, addresses(10))
    with pytest.raises(TooManyAttempts) as refused:
        sign_in(db, email=user.email.upper(), password=PASSWORD, ip=IP, previous_token=None)
    assert refused.value.status_code == 429
    assert refused.value.retry_after_seconds == 1  # 2^(10-10) s after the 10th failure
    assert refused.value.message == "Too many attempts. Try again in 1 s."
    assert session_count(db) == 0


def test_the_last_failure_before_the_limit_still_gets_its_try(db: Session, user: User) -> None:
    fail_sign_ins(db, user.email, [IP] * (PAIR_LIMIT - 1))
    assert sign_in(db, email=user.email, password="wrong", ip=IP, previous_token=None) is None
    with pytest.raises(TooManyAttempts) as refused:
        sign_in(db, email=user.email, password=PASSWORD, ip=IP, previous_token=None)
    assert refused.value.message == "Too many attempts. Try again in about 15 min."


def test_failures_for_many_emails_from_an_address_hold_it_back_at_100(
    db: Session, user: User
) -> None:
    for n in range(ADDRESS_LIMIT - 1):
        fail_sign_ins(db, f"guess{n}@hospital.example.org", [IP], account_exists=False)
    assert signed_in(db, user) is not None
    fail_sign_ins(db, "guess-last@hospital.example.org", [IP], account_exists=False)
    with pytest.raises(TooManyAttempts):
        sign_in(db, email=user.email, password=PASSWORD, ip=IP, previous_token=None)
    # Elsewhere the account still signs in.
    assert sign_in(db, email=user.email, password=PASSWORD, ip="192.0.2.1", previous_token=None)


def test_old_failures_age_out(db: Session, user: User) -> None:
    fail_sign_ins(db, user.email, [IP] * PAIR_LIMIT)
    age_throttle(db, WINDOW)
    assert signed_in(db, user) is not None


def test_a_success_forgives_its_own_address_not_the_account(db: Session, user: User) -> None:
    signed_in(db, user)  # IP becomes a known address: the account's waits skip it
    fail_sign_ins(db, user.email, [IP] * 9 + addresses(5))
    signed_in(db, user)
    account = email_account(user.email)
    assert ("pair", f"{account}|{IP}", 0) in counted(db)
    assert ("account", account, 14) in counted(db)  # the success took back only its own claim
    assert ("address", IP, 9) in counted(db)


# Resuming a session.


def test_a_live_session_resumes_and_is_touched(db: Session, user: User) -> None:
    result = signed_in(db, user)
    result.web_session.last_seen_at = utcnow() - timedelta(minutes=10)
    resumed = resume_session(db, token=result.token)
    assert resumed is not None
    web_session, resumed_user = resumed
    assert resumed_user.id == user.id
    assert utcnow() - web_session.last_seen_at < timedelta(seconds=5)


@pytest.mark.parametrize("token", ["", "unknown", "x" * 1000])
def test_an_unknown_token_resumes_nothing(db: Session, user: User, token: str) -> None:
    signed_in(db, user)
    assert resume_session(db, token=token) is None


def test_an_idle_session_ends_after_the_programs_idle_minutes(db: Session, user: User) -> None:
    get_program_settings(db).session_idle_minutes = 45
    result = signed_in(db, user)
    result.web_session.last_seen_at = utcnow() - timedelta(minutes=44)
    assert resume_session(db, token=result.token) is not None
    result.web_session.last_seen_at = utcnow() - timedelta(minutes=46)
    assert resume_session(db, token=result.token) is None
    # Refused, and its row stays (for a late form's person) until the purge, 12 h later.
    assert session_count(db) == 1
    assert resume_session(db, token=result.token) is None


def test_a_session_ends_at_its_absolute_lifetime(db: Session, user: User) -> None:
    result = signed_in(db, user)
    result.web_session.expires_at = utcnow() - timedelta(seconds=1)
    assert resume_session(db, token=result.token) is None
    assert session_count(db) == 1


def test_a_deactivated_users_session_ends(db: Session, user: User) -> None:
    result = signed_in(db, user)
    user.active = False
    db.add(user)
    assert resume_session(db, token=result.token) is None
    assert session_count(db) == 0  # deleted at once: nothing is kept for them


# An ended session is remembered 12 h after it ended, so a late form finds its person.


def test_an_idle_session_is_remembered_for_12_hours_after_it_ended(db: Session, user: User) -> None:
    get_program_settings(db).session_idle_minutes = 30
    result = signed_in(db, user)
    result.web_session.last_seen_at = utcnow() - timedelta(minutes=29)
    assert ended_session_of(db, token=result.token) is None  # live: nothing to remember yet
    # Ended 11 h 59 min ago (idle 30 min + 11 h 59 min): still remembered, never resumed.
    result.web_session.last_seen_at = utcnow() - timedelta(minutes=30, hours=11, seconds=59 * 60)
    ended = ended_session_of(db, token=result.token)
    assert ended is not None
    assert ended[0].id == result.web_session.id
    assert ended[1].id == user.id
    assert resume_session(db, token=result.token) is None
    # Ended 12 h 01 min ago: forgotten.
    result.web_session.last_seen_at = utcnow() - timedelta(minutes=30 + 1, hours=12)
    assert ended_session_of(db, token=result.token) is None


def test_a_session_past_its_lifetime_is_remembered_for_12_hours(db: Session, user: User) -> None:
    result = signed_in(db, user)
    result.web_session.expires_at = utcnow() - timedelta(hours=11, minutes=59)
    assert ended_session_of(db, token=result.token) is not None
    result.web_session.expires_at = utcnow() - timedelta(hours=12, minutes=1)
    assert ended_session_of(db, token=result.token) is None


def test_signing_out_forgets_the_session_at_once(db: Session, user: User) -> None:
    result = signed_in(db, user)
    result.web_session.last_seen_at = utcnow() - timedelta(hours=1)
    end_session(db, token=result.token)
    assert session_count(db) == 0
    assert ended_session_of(db, token=result.token) is None


def test_an_ended_session_of_a_deactivated_user_is_nobodys(db: Session, user: User) -> None:
    result = signed_in(db, user)
    result.web_session.last_seen_at = utcnow() - timedelta(hours=1)
    user.active = False
    db.add(user)
    assert ended_session_of(db, token=result.token) is None


@pytest.mark.parametrize("token", ["", "unknown"])
def test_an_unknown_token_has_no_ended_session(db: Session, user: User, token: str) -> None:
    signed_in(db, user).web_session.last_seen_at = utcnow() - timedelta(hours=1)
    assert ended_session_of(db, token=token) is None


def test_ending_a_session_ends_only_that_one(db: Session, user: User) -> None:
    first, second = signed_in(db, user), signed_in(db, user)
    end_session(db, token=first.token)
    assert resume_session(db, token=first.token) is None
    assert resume_session(db, token=second.token) is not None
    end_session(db, token="unknown")  # nothing to end: no error


def test_all_sessions_of_a_user_end_together(db: Session, user: User, password_hash: str) -> None:
    other = make_user(db, password_hash=password_hash)
    mine = [signed_in(db, user), signed_in(db, user)]
    theirs = signed_in(db, other)
    assert user.id is not None
    end_all_sessions_of(db, user.id)
    assert all(resume_session(db, token=result.token) is None for result in mine)
    assert resume_session(db, token=theirs.token) is not None


# "Set your password" links.


@pytest.fixture
def invited(db: Session) -> User:
    return make_user(db, roles=(Role.supporter,))


def link_for(db: Session, user: User) -> str:
    assert user.id is not None
    return issue_password_link(session=db, actor=ADMIN, user_id=user.id)


def test_an_admin_issues_a_link_that_is_audited(db: Session, invited: User) -> None:
    token = link_for(db, invited)
    row = db.exec(select(PasswordLink)).one()
    assert row.user_id == invited.id
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.used_at is None
    assert row.expires_at - row.created_at == pytest.approx(
        PASSWORD_LINK_LIFETIME, abs=timedelta(seconds=1)
    )
    assert "user.invite" in audit_actions(db, object_type="user", object_id=invited.id)


@pytest.mark.parametrize("actor", [COORDINATOR, SUPPORTER, Actor("anonymous")])
def test_only_admins_issue_links(db: Session, invited: User, actor: Actor) -> None:
    assert invited.id is not None
    with pytest.raises(PermissionDenied):
        issue_password_link(session=db, actor=actor, user_id=invited.id)


def test_a_link_for_an_unknown_user_is_refused(db: Session) -> None:
    with pytest.raises(NotFound):
        issue_password_link(session=db, actor=ADMIN, user_id=987654)


def test_a_link_sets_the_password_once(db: Session, invited: User) -> None:
    token = link_for(db, invited)
    assert check_password_link(db, token).user_id == invited.id
    changed = use_password_link(db, token=token, password=NEW_PASSWORD, ip=IP)
    assert changed.id == invited.id
    assert verify_password(NEW_PASSWORD, invited.password_hash)
    assert db.exec(select(PasswordLink)).one().used_at is not None
    assert "user.password.set" in audit_actions(db, object_type="user", object_id=invited.id)
    with pytest.raises(NotFound):
        check_password_link(db, token)
    with pytest.raises(NotFound):
        use_password_link(db, token=token, password="yet-another-passphrase", ip=IP)
    assert verify_password(NEW_PASSWORD, invited.password_hash)


def test_an_expired_link_is_refused(db: Session, invited: User) -> None:
    token = link_for(db, invited)
    db.exec(select(PasswordLink)).one().expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(NotFound, match="Ask an admin for a new one"):
        check_password_link(db, token)
    with pytest.raises(NotFound):
        use_password_link(db, token=token, password=NEW_PASSWORD, ip=IP)
    assert invited.password_hash is None


def test_an_unknown_link_is_refused(db: Session) -> None:
    with pytest.raises(NotFound):
        check_password_link(db, "made-up")


def test_a_link_of_a_deactivated_user_is_refused(db: Session, invited: User) -> None:
    token = link_for(db, invited)
    invited.active = False
    with pytest.raises(NotFound, match="not active"):
        use_password_link(db, token=token, password=NEW_PASSWORD, ip=IP)
    assert invited.password_hash is None


def test_a_too_short_password_leaves_the_link_usable(db: Session, invited: User) -> None:
    token = link_for(db, invited)
    with pytest.raises(InvalidInput) as refused:
        use_password_link(db, token=token, password="short", ip=IP)
    assert refused.value.field == "password"
    assert check_password_link(db, token).used_at is None


def test_setting_a_password_ends_the_users_sessions(
    db: Session, user: User, password_hash: str
) -> None:
    result = signed_in(db, user)
    link = link_for(db, user)
    use_password_link(db, token=link, password=NEW_PASSWORD, ip=IP)
    assert resume_session(db, token=result.token) is None
    assert sign_in(db, email=user.email, password=PASSWORD, ip=IP, previous_token=None) is None
    assert sign_in(db, email=user.email, password=NEW_PASSWORD, ip=IP, previous_token=None)


def test_the_sign_in_audit_names_the_user_and_the_address(db: Session, user: User) -> None:
    signed_in(db, user)
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "auth.sign_in")).one()
    assert event.actor == actor_of(user).audit_label
    assert event.ip == IP
    assert event.outcome == "success"
