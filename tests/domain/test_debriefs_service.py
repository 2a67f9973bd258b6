"""Asking for a debrief: one open request per supporter, and when the pages offer one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from domain.actors import Actor
from domain.codes import Role
from domain.columns import utcnow
from domain.debriefs.models import DebriefRequest, DebriefStatus, DebriefUrgency
from domain.debriefs.service import (
    has_open_request,
    list_open_requests,
    open_request_of,
    request_debrief,
    should_prompt_debrief,
)
from domain.encounters.service import log_encounter
from domain.errors import RuleViolation
from domain.supporters.models import Supporter
from tests.factories import (
    COORDINATOR,
    actor_of,
    encounter_data,
    make_supporter,
    make_user,
    supporter_actor,
)


@pytest.fixture
def supporter(db: Session) -> Supporter:
    return make_supporter(db, max_encounters_per_month=3)


@pytest.fixture
def actor(db: Session, supporter: Supporter) -> Actor:
    return supporter_actor(db, supporter)


def request_count(db: Session) -> int:
    return db.exec(select(func.count()).select_from(DebriefRequest)).one()


def close(db: Session, request: DebriefRequest) -> None:
    request.status = DebriefStatus.done
    request.closed_at = utcnow()
    db.add(request)
    db.flush()


def log(db: Session, supporter: Supporter, **overrides: object) -> None:
    log_encounter(
        session=db, actor=supporter_actor(db, supporter), data=encounter_data(**overrides)
    )


# Asking.


def test_a_supporter_asks_for_a_debrief(db: Session, supporter: Supporter, actor: Actor) -> None:
    request = request_debrief(session=db, actor=actor, urgency=DebriefUrgency.today)
    assert request.id is not None
    assert request.supporter_id == supporter.id
    assert request.urgency == DebriefUrgency.today
    assert request.status == DebriefStatus.open
    assert request.closed_at is None
    assert utcnow() - request.requested_at < timedelta(seconds=5)


def test_asking_again_updates_the_one_open_request(
    db: Session, supporter: Supporter, actor: Actor
) -> None:
    first = request_debrief(session=db, actor=actor, urgency=DebriefUrgency.today)
    again = request_debrief(session=db, actor=actor, urgency=DebriefUrgency.this_week)
    assert again.id == first.id
    assert again.urgency == DebriefUrgency.this_week
    assert request_count(db) == 1


def test_after_a_debrief_is_done_a_new_request_opens(db: Session, actor: Actor) -> None:
    first = request_debrief(session=db, actor=actor, urgency=DebriefUrgency.today)
    close(db, first)
    second = request_debrief(session=db, actor=actor, urgency=DebriefUrgency.this_week)
    assert second.id != first.id
    assert request_count(db) == 2
    assert first.status == DebriefStatus.done
    assert first.urgency == DebriefUrgency.today


@pytest.mark.parametrize("roles", [(Role.supporter,), (Role.coordinator,), ()])
def test_only_people_with_a_supporter_profile_ask(db: Session, roles: tuple[Role, ...]) -> None:
    someone = actor_of(make_user(db, roles=roles))
    with pytest.raises(RuleViolation, match="Only peer supporters ask for debriefs"):
        request_debrief(session=db, actor=someone, urgency=DebriefUrgency.today)
    assert request_count(db) == 0


def test_actors_without_a_user_cannot_ask(db: Session) -> None:
    with pytest.raises(RuleViolation):
        request_debrief(session=db, actor=COORDINATOR, urgency=DebriefUrgency.today)


def test_has_open_request_is_per_supporter(db: Session, actor: Actor) -> None:
    other = make_supporter(db)
    other_actor = supporter_actor(db, other)
    assert not has_open_request(db, actor)
    request = request_debrief(session=db, actor=actor, urgency=DebriefUrgency.today)
    assert has_open_request(db, actor)
    assert not has_open_request(db, other_actor)
    assert not has_open_request(db, actor_of(make_user(db, roles=(Role.coordinator,))))
    close(db, request)
    assert not has_open_request(db, actor)


def test_open_requests_are_listed_oldest_first(db: Session, actor: Actor) -> None:
    later_supporter = make_supporter(db)
    done_supporter = make_supporter(db)
    mine = request_debrief(session=db, actor=actor, urgency=DebriefUrgency.this_week)
    mine.requested_at = utcnow() - timedelta(hours=3)
    later = request_debrief(
        session=db, actor=supporter_actor(db, later_supporter), urgency=DebriefUrgency.today
    )
    done = request_debrief(
        session=db, actor=supporter_actor(db, done_supporter), urgency=DebriefUrgency.today
    )
    close(db, done)
    assert [request.id for request in list_open_requests(db)] == [mine.id, later.id]
    assert later_supporter.id is not None
    assert open_request_of(db, later_supporter.id) == later
    assert done_supporter.id is not None
    assert open_request_of(db, done_supporter.id) is None


# When the pages offer a debrief.


def test_no_prompt_without_a_reason(db: Session, supporter: Supporter) -> None:
    assert not should_prompt_debrief(db, supporter)
    log(db, supporter)
    assert not should_prompt_debrief(db, supporter)


def test_the_prompt_comes_when_the_monthly_cap_is_reached(
    db: Session, supporter: Supporter
) -> None:
    for _ in range(supporter.max_encounters_per_month - 1):
        log(db, supporter)
    assert not should_prompt_debrief(db, supporter)
    log(db, supporter)
    assert should_prompt_debrief(db, supporter)


def test_the_prompt_comes_when_an_encounter_this_month_asked_for_one(
    db: Session, supporter: Supporter
) -> None:
    log(db, supporter, supporter_needs_debrief=True)
    assert should_prompt_debrief(db, supporter)


def test_last_months_encounters_do_not_prompt(db: Session, supporter: Supporter) -> None:
    last_month = utcnow().date().replace(day=1) - timedelta(days=1)
    for _ in range(supporter.max_encounters_per_month):
        log(db, supporter, occurred_on=last_month)
    log(db, supporter, occurred_on=last_month, supporter_needs_debrief=True)
    assert not should_prompt_debrief(db, supporter)


def test_another_supporters_encounters_do_not_prompt(db: Session, supporter: Supporter) -> None:
    other = make_supporter(db)
    log(db, other, supporter_needs_debrief=True)
    assert not should_prompt_debrief(db, supporter)


def test_an_open_request_silences_the_prompt(
    db: Session, supporter: Supporter, actor: Actor
) -> None:
    log(db, supporter, supporter_needs_debrief=True)
    request_debrief(session=db, actor=actor, urgency=DebriefUrgency.today)
    assert not should_prompt_debrief(db, supporter)
