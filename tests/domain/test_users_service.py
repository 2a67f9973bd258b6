from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlmodel import Session, col, select

from domain.actors import Actor
from domain.audit.models import AuditEvent
from domain.codes import Role
from domain.columns import utcnow
from domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from domain.pagination import PageRequest
from domain.users.models import SetupToken, User, UserCreate, UserUpdate
from domain.users.service import (
    authenticate,
    complete_setup,
    create_user,
    get_user,
    issue_setup_token,
    list_users,
    set_password,
    update_user,
)
from tests.factories import (
    ADMIN,
    COORDINATOR,
    REPORT_VIEWER,
    SUPPORTER,
    actor_of,
    audit_actions,
    make_admin,
    make_user,
)

PASSWORD = "correct horse battery"


def new_user(db: Session, email: str = "Alex@Hospital.example.org", **values: object) -> int:
    data = UserCreate.model_validate(
        {"email": email, "display_name": "Alex", "roles": [Role.supporter]} | values
    )
    user = create_user(session=db, actor=ADMIN, data=data)
    assert user.id is not None
    return user.id


def stored(db: Session, user_id: int) -> User:
    """The row as stored (reading it through `get_user` would be an audited read)."""
    user = db.get(User, user_id)
    assert user is not None
    return user


def sign_in_events(db: Session) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == "auth.sign_in")
    return list(db.exec(query.order_by(col(AuditEvent.id))))


# Creating users


def test_an_admin_creates_a_user_with_a_lowercased_email_and_roles(db: Session) -> None:
    user_id = new_user(db, roles=[Role.coordinator, Role.supporter])
    user = stored(db, user_id)
    assert user.email == "alex@hospital.example.org"
    assert user.roles == {Role.coordinator, Role.supporter}
    assert user.password_hash is None
    assert audit_actions(db, object_type="user", object_id=user_id) == ["user.create"]


def test_a_password_is_stored_as_an_argon2id_hash(db: Session) -> None:
    user_id = new_user(db, password=PASSWORD)
    hashed = get_user(session=db, actor=ADMIN, user_id=user_id).password_hash
    assert hashed is not None
    assert hashed.startswith("$argon2id$")
    assert PASSWORD not in hashed


def test_a_duplicate_email_is_a_conflict_whatever_its_case(db: Session) -> None:
    new_user(db, email="alex@hospital.example.org")
    with pytest.raises(Conflict, match="exists already") as refused:
        new_user(db, email="  ALEX@hospital.EXAMPLE.org ")
    assert refused.value.field == "email"


@pytest.mark.parametrize(
    "values",
    [
        {"email": "not-an-email"},
        {"roles": []},
        {"roles": ["superuser"]},
        {"display_name": "   "},
        {"password": "short"},
        {"is_admin": True},
    ],
)
def test_invalid_user_data_is_refused_by_the_schema(values: dict[str, object]) -> None:
    base = {"email": "a@hospital.example.org", "display_name": "A", "roles": ["supporter"]}
    with pytest.raises(ValidationError):
        UserCreate.model_validate(base | values)


@pytest.mark.parametrize("actor", [COORDINATOR, SUPPORTER, REPORT_VIEWER])
def test_only_admins_create_list_and_change_users(db: Session, actor: Actor) -> None:
    user = make_user(db)
    assert user.id is not None
    data = UserCreate(email="b@hospital.example.org", display_name="B", roles=[Role.admin])
    with pytest.raises(PermissionDenied, match="administrator role to create users"):
        create_user(session=db, actor=actor, data=data)
    with pytest.raises(PermissionDenied, match="administrator role to list users"):
        list_users(session=db, actor=actor, page=PageRequest())
    with pytest.raises(PermissionDenied, match="administrator role to change users"):
        update_user(session=db, actor=actor, user_id=user.id, data=UserUpdate(active=False))


# Reading users


def test_a_user_reads_only_their_own_account(db: Session) -> None:
    me, other = make_user(db), make_user(db)
    assert me.id is not None
    assert other.id is not None
    assert get_user(session=db, actor=actor_of(me), user_id=me.id) is me
    with pytest.raises(NotFound):
        get_user(session=db, actor=actor_of(me), user_id=other.id)
    assert get_user(session=db, actor=ADMIN, user_id=other.id) is other


def test_an_unknown_user_is_not_found(db: Session) -> None:
    with pytest.raises(NotFound, match="no user 999999"):
        get_user(session=db, actor=ADMIN, user_id=999_999)


def test_users_are_listed_page_by_page(db: Session) -> None:
    ids = [make_user(db).id for _ in range(3)]
    first = list_users(session=db, actor=ADMIN, page=PageRequest(limit=2))
    assert [user.id for user in first.items] == ids[:2]
    assert first.next_after_id == ids[1]
    rest = list_users(session=db, actor=ADMIN, page=PageRequest(after_id=first.next_after_id))
    assert [user.id for user in rest.items] == ids[2:]
    assert rest.next_after_id is None


# Changing users


def test_a_role_change_is_stored_and_audited(db: Session) -> None:
    user_id = new_user(db)
    update_user(
        session=db,
        actor=ADMIN,
        user_id=user_id,
        data=UserUpdate(roles=[Role.supporter, Role.resource_editor]),
    )
    db.expire_all()
    assert stored(db, user_id).roles == {
        Role.supporter,
        Role.resource_editor,
    }
    assert audit_actions(db, object_type="user", object_id=user_id) == [
        "user.create",
        "user.roles.change",
    ]


def test_deactivation_and_reactivation_are_audited(db: Session) -> None:
    user_id = new_user(db)
    update_user(session=db, actor=ADMIN, user_id=user_id, data=UserUpdate(active=False))
    assert stored(db, user_id).active is False
    update_user(session=db, actor=ADMIN, user_id=user_id, data=UserUpdate(active=True))
    assert audit_actions(db, object_type="user", object_id=user_id) == [
        "user.create",
        "user.deactivate",
        "user.activate",
    ]


def test_a_display_name_change_is_stored_and_audited(db: Session) -> None:
    user_id = new_user(db)
    update_user(
        session=db, actor=ADMIN, user_id=user_id, data=UserUpdate(display_name=" Alex Kim ")
    )
    assert stored(db, user_id).display_name == "Alex Kim"
    assert audit_actions(db, object_type="user", object_id=user_id)[-1] == (
        "user.change.display_name"
    )


def test_a_blank_or_null_display_name_is_refused(db: Session) -> None:
    user_id = new_user(db)
    with pytest.raises(ValidationError, match="cannot be blank"):
        UserUpdate(display_name="   ")
    with pytest.raises(InvalidInput) as refused:
        update_user(session=db, actor=ADMIN, user_id=user_id, data=UserUpdate(display_name=None))
    assert refused.value.field == "display_name"


def test_unchanged_values_are_not_audited(db: Session) -> None:
    user_id = new_user(db)
    data = UserUpdate(roles=[Role.supporter], active=True)
    update_user(session=db, actor=ADMIN, user_id=user_id, data=data)
    assert audit_actions(db, object_type="user", object_id=user_id) == ["user.create"]


def test_the_last_active_admin_keeps_the_admin_role(db: Session) -> None:
    admin = make_admin(db)
    assert admin.id is not None
    with pytest.raises(RuleViolation, match="only active admin"):
        update_user(
            session=db, actor=ADMIN, user_id=admin.id, data=UserUpdate(roles=[Role.coordinator])
        )
    with pytest.raises(RuleViolation, match="only active admin"):
        update_user(session=db, actor=ADMIN, user_id=admin.id, data=UserUpdate(active=False))
    assert admin.roles == {Role.admin}
    assert admin.active is True


def test_an_inactive_admin_does_not_count_as_another_admin(db: Session) -> None:
    admin = make_admin(db)
    make_admin(db, active=False)
    assert admin.id is not None
    with pytest.raises(RuleViolation):
        update_user(session=db, actor=ADMIN, user_id=admin.id, data=UserUpdate(active=False))


def test_an_admin_steps_down_once_there_is_another_active_admin(db: Session) -> None:
    admin = make_admin(db)
    make_admin(db)
    assert admin.id is not None
    data = UserUpdate(roles=[Role.coordinator])
    update_user(session=db, actor=ADMIN, user_id=admin.id, data=data)
    assert admin.roles == {Role.coordinator}


# Passwords


def test_a_user_sets_their_own_password_and_the_change_is_audited(db: Session) -> None:
    user = make_user(db)
    assert user.id is not None
    set_password(session=db, actor=actor_of(user), user_id=user.id, password=PASSWORD)
    db.flush()
    assert authenticate(session=db, email=user.email, password=PASSWORD, ip=None) is user
    assert "user.password.set" in audit_actions(db, object_type="user", object_id=user.id)


def test_a_user_cannot_set_someone_elses_password_but_an_admin_can(db: Session) -> None:
    me, other = make_user(db), make_user(db)
    assert other.id is not None
    with pytest.raises(NotFound):
        set_password(session=db, actor=actor_of(me), user_id=other.id, password=PASSWORD)
    set_password(session=db, actor=ADMIN, user_id=other.id, password=PASSWORD)
    assert other.password_hash is not None


@pytest.mark.parametrize("password", ["too short", "x" * 257])
def test_a_password_of_the_wrong_length_is_refused(db: Session, password: str) -> None:
    user = make_user(db)
    assert user.id is not None
    with pytest.raises(InvalidInput, match="12 to 256 characters") as refused:
        set_password(session=db, actor=ADMIN, user_id=user.id, password=password)
    assert refused.value.field == "password"


# Signing in


def test_the_right_password_signs_in_and_is_audited_as_a_success(db: Session) -> None:
    user_id = new_user(db, password=PASSWORD)
    user = authenticate(
        session=db, email=" ALEX@hospital.example.org", password=PASSWORD, ip="198.51.100.4"
    )
    assert user is not None
    assert user.id == user_id
    [event] = sign_in_events(db)
    assert (event.actor, event.object_id, event.outcome, event.ip) == (
        f"user:{user_id}",
        str(user_id),
        "success",
        "198.51.100.4",
    )


def test_a_wrong_password_is_refused_and_audited_as_a_failure(db: Session) -> None:
    new_user(db, password=PASSWORD)
    assert (
        authenticate(session=db, email="alex@hospital.example.org", password="nope", ip=None)
        is None
    )
    assert [event.outcome for event in sign_in_events(db)] == ["failure"]


def test_an_unknown_email_is_refused_and_audited_as_an_anonymous_failure(db: Session) -> None:
    assert authenticate(session=db, email="who@example.org", password=PASSWORD, ip=None) is None
    [event] = sign_in_events(db)
    assert (event.actor, event.object_id, event.outcome) == ("anonymous", None, "failure")


def test_an_inactive_user_cannot_sign_in_even_with_the_right_password(db: Session) -> None:
    user_id = new_user(db, password=PASSWORD)
    update_user(session=db, actor=ADMIN, user_id=user_id, data=UserUpdate(active=False))
    assert (
        authenticate(session=db, email="alex@hospital.example.org", password=PASSWORD, ip=None)
        is None
    )
    assert [event.outcome for event in sign_in_events(db)] == ["failure"]


def test_a_user_without_a_password_cannot_sign_in_with_one(db: Session) -> None:
    new_user(db)
    assert (
        authenticate(session=db, email="alex@hospital.example.org", password=PASSWORD, ip=None)
        is None
    )


# First-run setup


def first_admin(email: str = "first@hospital.example.org") -> UserCreate:
    return UserCreate(
        email=email, display_name="First", roles=[Role.coordinator], password=PASSWORD
    )


def test_setup_creates_an_admin_through_the_setup_link(db: Session) -> None:
    token = issue_setup_token(db)
    assert token is not None
    user = complete_setup(session=db, token=token, data=first_admin(), ip="192.0.2.1")
    assert user.roles == {Role.admin, Role.coordinator}
    assert authenticate(session=db, email=user.email, password=PASSWORD, ip=None) is user
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "user.create")).one()
    assert (event.actor, event.ip) == ("setup", "192.0.2.1")


def test_no_setup_token_is_issued_once_a_user_exists(db: Session) -> None:
    make_user(db)
    assert issue_setup_token(db) is None


def test_a_setup_link_works_once(db: Session) -> None:
    token = issue_setup_token(db)
    assert token is not None
    complete_setup(session=db, token=token, data=first_admin(), ip=None)
    with pytest.raises(NotFound):
        complete_setup(session=db, token=token, data=first_admin("second@example.org"), ip=None)


def test_an_expired_setup_link_is_refused(db: Session) -> None:
    token = issue_setup_token(db)
    assert token is not None
    row = db.exec(select(SetupToken)).one()
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.add(row)
    db.flush()
    with pytest.raises(NotFound, match="not valid"):
        complete_setup(session=db, token=token, data=first_admin(), ip=None)


def test_a_setup_link_is_refused_once_a_user_exists(db: Session) -> None:
    token = issue_setup_token(db)
    assert token is not None
    make_user(db)
    with pytest.raises(NotFound, match="Setup is done already"):
        complete_setup(session=db, token=token, data=first_admin(), ip=None)


def test_a_new_setup_link_invalidates_the_older_ones(db: Session) -> None:
    old, new = issue_setup_token(db), issue_setup_token(db)
    assert old is not None
    assert new is not None
    with pytest.raises(NotFound, match="not valid"):
        complete_setup(session=db, token=old, data=first_admin(), ip=None)
    complete_setup(session=db, token=new, data=first_admin(), ip=None)


def test_a_mistyped_setup_link_is_refused(db: Session) -> None:
    issue_setup_token(db)
    with pytest.raises(NotFound, match="not valid"):
        complete_setup(session=db, token="mistyped", data=first_admin(), ip=None)


def test_setup_needs_a_password(db: Session) -> None:
    token = issue_setup_token(db)
    assert token is not None
    data = first_admin().model_copy(update={"password": None})
    with pytest.raises(InvalidInput, match="Choose a password") as refused:
        complete_setup(session=db, token=token, data=data, ip=None)
    assert refused.value.field == "password"
