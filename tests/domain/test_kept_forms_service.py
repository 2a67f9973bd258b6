"""Kept forms: keeping, replacing, restoring and discarding a late form, its 12 hours, and
that it is only ever its own person's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from domain.actors import Actor
from domain.codes import Role
from domain.columns import utcnow
from domain.errors import InvalidInput, PermissionDenied
from domain.kept_forms.models import KeptForm
from domain.kept_forms.service import (
    KEEP_FOR,
    MAX_VALUE_LENGTH,
    discard_kept_form,
    is_keepable_address,
    keep_form,
    kept_form_for,
)
from domain.users.models import User
from tests.factories import COORDINATOR, actor_of, make_user

ANSWERS = [("occurred_on", "2026-12-07"), ("elements", "listening"), ("elements", "validation")]


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
    keep_form(session=db, actor=actor, address="/log", fields=ANSWERS)
    kept = kept_form_for(session=db, actor=actor, address="/log")
    assert kept is not None
    assert [tuple(pair) for pair in kept.fields] == ANSWERS  # order and repeats kept
    assert kept.expires_at - kept.created_at == KEEP_FOR == timedelta(hours=12)
    assert kept_form_for(session=db, actor=actor, address="/debrief") is None


def test_a_kept_form_is_gone_after_12_hours(db: Session, user: User) -> None:
    actor = actor_of(user)
    keep_form(session=db, actor=actor, address="/log", fields=ANSWERS)
    kept = db.exec(select(KeptForm)).one()
    kept.expires_at = utcnow() - timedelta(hours=11, minutes=59) + KEEP_FOR  # kept 11 h 59 ago
    db.add(kept)
    assert kept_form_for(session=db, actor=actor, address="/log") is not None
    kept.expires_at = utcnow() - timedelta(hours=12, minutes=1) + KEEP_FOR  # kept 12 h 01 ago
    db.add(kept)
    assert kept_form_for(session=db, actor=actor, address="/log") is None


def test_a_newer_post_replaces_the_kept_form(db: Session, user: User) -> None:
    actor = actor_of(user)
    keep_form(session=db, actor=actor, address="/log", fields=ANSWERS)
    keep_form(session=db, actor=actor, address="/log", fields=[("modality", "phone")])
    db.expire_all()
    assert kept_count(db) == 1
    kept = kept_form_for(session=db, actor=actor, address="/log")
    assert kept is not None
    assert kept.fields == [["modality", "phone"]]


def test_each_address_keeps_its_own_form(db: Session, user: User) -> None:
    actor = actor_of(user)
    keep_form(session=db, actor=actor, address="/log", fields=ANSWERS)
    keep_form(session=db, actor=actor, address="/debrief", fields=[("urgency", "today")])
    keep_form(session=db, actor=actor, address="/encounters/7/edit", fields=ANSWERS)
    assert kept_count(db) == 3


def test_a_kept_form_is_only_its_own_users(db: Session, user: User) -> None:
    other = make_user(db, roles=(Role.supporter,))
    keep_form(session=db, actor=actor_of(user), address="/log", fields=ANSWERS)
    assert kept_form_for(session=db, actor=actor_of(other), address="/log") is None
    assert kept_form_for(session=db, actor=COORDINATOR, address="/log") is None
    discard_kept_form(session=db, actor=actor_of(other), address="/log")
    assert kept_form_for(session=db, actor=actor_of(user), address="/log") is not None


def test_discarding_deletes_the_kept_form(db: Session, user: User) -> None:
    actor = actor_of(user)
    keep_form(session=db, actor=actor, address="/log", fields=ANSWERS)
    discard_kept_form(session=db, actor=actor, address="/log")
    assert kept_count(db) == 0
    discard_kept_form(session=db, actor=actor, address="/log")  # nothing left: no error


def test_values_longer_than_these_forms_send_are_left_out(db: Session, user: User) -> None:
    actor = actor_of(user)
    fields = [("a", "x" * MAX_VALUE_LENGTH), ("b", "x" * (MAX_VALUE_LENGTH + 1))]
    keep_form(session=db, actor=actor, address="/log", fields=fields)
    kept = kept_form_for(session=db, actor=actor, address="/log")
    assert kept is not None
    assert [name for name, _ in kept.fields] == ["a"]


def test_other_addresses_and_actors_without_a_user_keep_nothing(db: Session, user: User) -> None:
    with pytest.raises(InvalidInput):
        keep_form(session=db, actor=actor_of(user), address="/sign-out", fields=ANSWERS)
    with pytest.raises(PermissionDenied):
        keep_form(session=db, actor=Actor("cli"), address="/log", fields=ANSWERS)
    assert kept_count(db) == 0


def test_a_users_kept_forms_go_with_the_user(db: Session, user: User) -> None:
    keep_form(session=db, actor=actor_of(user), address="/log", fields=ANSWERS)
    db.delete(user)
    db.flush()
    assert kept_count(db) == 0
