"""Kept forms: keeping, replacing, restoring and discarding a late form, its 12 hours, and
that it is only ever its own person's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from domain.actors import Actor
from domain.codes import Role
from domain.columns import utcnow
from domain.errors import InvalidInput, NotFound, PermissionDenied, RuleViolation
from domain.kept_forms.models import KeptForm
from domain.kept_forms.service import (
    KEEP_FOR,
    MAX_VALUE_LENGTH,
    discard_kept_form,
    discard_kept_form_by_id,
    is_keepable_address,
    keep_form,
    kept_form_for,
)
from domain.types import MAX_FORM_FIELDS
from domain.users.models import User
from domain.web_sessions.service import ENDED_SESSION_REMEMBERED_FOR
from tests.factories import (
    COORDINATOR,
    actor_of,
    days_ago,
    make_supporter,
    make_user,
    set_logged_at,
)
from tests.web.test_supporter_pages import log

ANSWERS = [("occurred_on", "2026-12-07"), ("elements", "listening"), ("elements", "validation")]
FIELD_NAMES = frozenset({"occurred_on", "elements", "modality", "urgency", "a", "b"})


def keep(db: Session, actor: Actor, address: str, fields: list[tuple[str, str]]) -> None:
    keep_form(session=db, actor=actor, address=address, fields=fields, field_names=FIELD_NAMES)


@pytest.fixture
def user(db: Session) -> User:
    return make_user(db, roles=(Role.supporter,))


def kept_count(db: Session) -> int:
    return db.exec(select(func.count()).select_from(KeptForm)).one()


@pytest.mark.parametrize(
    ("address", "keepable"),
    [
        ("/log", True),
        ("/debrief", True),
        ("/encounters/1/edit", True),
        ("/encounters/123456789/edit", True),
        ("/encounters/0/edit", False),
        ("/encounters/x/edit", False),
        ("/encounters/1/delete", False),
        ("/log/", False),
        ("/sign-out", False),
        ("/availability", False),
        ("/admin/users", False),
        ("", False),
    ],
)
def test_only_the_supporter_forms_are_keepable(address: str, keepable: bool) -> None:
    assert is_keepable_address(address) is keepable


def test_a_kept_form_comes_back_as_it_was_for_12_hours(db: Session, user: User) -> None:
    actor = actor_of(user)
    keep(db, actor, "/log", ANSWERS)
    kept = kept_form_for(session=db, actor=actor, address="/log")
    assert kept is not None
    assert [tuple(pair) for pair in kept.fields] == ANSWERS  # order and repeats kept
    assert kept.expires_at - kept.created_at == KEEP_FOR == timedelta(hours=12)
    assert kept_form_for(session=db, actor=actor, address="/debrief") is None


def test_a_kept_form_is_gone_after_12_hours(db: Session, user: User) -> None:
    actor = actor_of(user)
    keep(db, actor, "/log", ANSWERS)
    kept = db.exec(select(KeptForm)).one()
    kept.expires_at = utcnow() - timedelta(hours=11, minutes=59) + KEEP_FOR  # kept 11 h 59 ago
    db.add(kept)
    assert kept_form_for(session=db, actor=actor, address="/log") is not None
    kept.expires_at = utcnow() - timedelta(hours=12, minutes=1) + KEEP_FOR  # kept 12 h 01 ago
    db.add(kept)
    assert kept_form_for(session=db, actor=actor, address="/log") is None


def test_a_kept_form_is_gone_at_exactly_12_hours(
    db: Session, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    actor = actor_of(user)
    keep(db, actor, "/log", ANSWERS)
    kept = db.exec(select(KeptForm)).one()
    now = kept.created_at + timedelta(hours=12)
    monkeypatch.setattr("domain.kept_forms.service.utcnow", lambda: now)
    assert kept_form_for(session=db, actor=actor, address="/log") is None


def test_a_newer_post_replaces_the_kept_form(db: Session, user: User) -> None:
    actor = actor_of(user)
    keep(db, actor, "/log", ANSWERS)
    keep(db, actor, "/log", [("modality", "phone")])
    db.expire_all()
    assert kept_count(db) == 1
    kept = kept_form_for(session=db, actor=actor, address="/log")
    assert kept is not None
    assert kept.fields == [["modality", "phone"]]


def test_each_address_keeps_its_own_form(db: Session, user: User) -> None:
    actor = actor_of(user)
    keep(db, actor, "/log", ANSWERS)
    keep(db, actor, "/debrief", [("urgency", "today")])
    encounter = log(db, make_supporter(db, user=user))
    keep(db, actor, f"/encounters/{encounter.id}/edit", ANSWERS)
    assert kept_count(db) == 3


def test_a_kept_form_is_only_its_own_users(db: Session, user: User) -> None:
    other = make_user(db, roles=(Role.supporter,))
    keep(db, actor_of(user), "/log", ANSWERS)
    assert kept_form_for(session=db, actor=actor_of(other), address="/log") is None
    assert kept_form_for(session=db, actor=COORDINATOR, address="/log") is None
    discard_kept_form(session=db, actor=actor_of(other), address="/log")
    assert kept_form_for(session=db, actor=actor_of(user), address="/log") is not None


def test_discarding_deletes_the_kept_form(db: Session, user: User) -> None:
    actor = actor_of(user)
    keep(db, actor, "/log", ANSWERS)
    discard_kept_form(session=db, actor=actor, address="/log")
    assert kept_count(db) == 0
    discard_kept_form(session=db, actor=actor, address="/log")  # nothing left: no error


def test_discarding_one_form_leaves_the_persons_other_kept_forms(db: Session, user: User) -> None:
    actor = actor_of(user)
    keep(db, actor, "/log", ANSWERS)
    keep(db, actor, "/debrief", [("urgency", "today")])
    discard_kept_form(session=db, actor=actor, address="/log")
    assert kept_form_for(session=db, actor=actor, address="/log") is None
    assert kept_form_for(session=db, actor=actor, address="/debrief") is not None


def test_values_longer_than_these_forms_send_are_left_out(db: Session, user: User) -> None:
    actor = actor_of(user)
    fields = [("a", "x" * MAX_VALUE_LENGTH), ("b", "x" * (MAX_VALUE_LENGTH + 1))]
    keep(db, actor, "/log", fields)
    kept = kept_form_for(session=db, actor=actor, address="/log")
    assert kept is not None
    assert [name for name, _ in kept.fields] == ["a"]


def test_other_addresses_and_actors_without_a_user_keep_nothing(db: Session, user: User) -> None:
    with pytest.raises(InvalidInput):
        keep(db, actor_of(user), "/sign-out", ANSWERS)
    with pytest.raises(PermissionDenied):
        keep(db, Actor("cli"), "/log", ANSWERS)
    assert kept_count(db) == 0


def test_a_users_kept_forms_go_with_the_user(db: Session, user: User) -> None:
    keep(db, actor_of(user), "/log", ANSWERS)
    db.delete(user)
    db.flush()
    assert kept_count(db) == 0


def test_an_ended_session_is_remembered_as_long_as_its_form_is_kept() -> None:
    assert ENDED_SESSION_REMEMBERED_FOR == KEEP_FOR


def test_only_the_forms_own_fields_are_kept(db: Session, user: User) -> None:
    actor = actor_of(user)
    fields = [("elements", "listening"), ("Elements", "x"), ("csrf_token", "t"), ("note", "x")]
    keep(db, actor, "/log", fields)
    kept = kept_form_for(session=db, actor=actor, address="/log")
    assert kept is not None
    assert kept.fields == [["elements", "listening"]]


def test_at_most_as_many_fields_as_a_form_may_send_are_kept(db: Session, user: User) -> None:
    actor = actor_of(user)
    keep(db, actor, "/log", [("elements", str(number)) for number in range(MAX_FORM_FIELDS + 1)])
    kept = kept_form_for(session=db, actor=actor, address="/log")
    assert kept is not None
    assert len(kept.fields) == MAX_FORM_FIELDS == 200


def test_an_edit_form_is_kept_only_for_an_own_encounter_that_can_still_change(
    db: Session, user: User
) -> None:
    actor = actor_of(user)
    own = log(db, make_supporter(db, user=user))
    another = log(db, make_supporter(db))
    with pytest.raises(NotFound):
        keep(db, actor, f"/encounters/{another.id}/edit", ANSWERS)
    with pytest.raises(NotFound):
        keep(db, actor, "/encounters/999999/edit", ANSWERS)
    set_logged_at(db, own, days_ago(7) + timedelta(minutes=1))  # 6 days 23 h 59 ago
    keep(db, actor, f"/encounters/{own.id}/edit", ANSWERS)
    assert kept_count(db) == 1
    set_logged_at(db, own, days_ago(7) - timedelta(minutes=1))  # 7 days and a minute ago
    with pytest.raises(RuleViolation):
        keep(db, actor, f"/encounters/{own.id}/edit", ANSWERS)
    without_supporter = make_user(db, roles=(Role.supporter,))
    with pytest.raises(PermissionDenied):
        keep(db, actor_of(without_supporter), f"/encounters/{own.id}/edit", ANSWERS)


def test_discarding_by_id_deletes_only_that_row_of_its_own_user(db: Session, user: User) -> None:
    actor = actor_of(user)
    other = make_user(db, roles=(Role.supporter,))
    keep(db, actor, "/log", ANSWERS)
    keep(db, actor, "/debrief", [("urgency", "today")])
    kept = kept_form_for(session=db, actor=actor, address="/log")
    assert kept is not None
    assert kept.id is not None
    discard_kept_form_by_id(session=db, actor=actor_of(other), kept_form_id=kept.id)
    assert kept_count(db) == 2  # another's id deletes nothing
    discard_kept_form_by_id(session=db, actor=actor, kept_form_id=kept.id)
    assert kept_form_for(session=db, actor=actor, address="/log") is None
    assert kept_form_for(session=db, actor=actor, address="/debrief") is not None
