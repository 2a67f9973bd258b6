"""Asking for a debrief: one open request per supporter, and when the pages offer one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from domain.actors import Actor
from domain.codes import ApiScope, Role
from domain.columns import utcnow
from domain.debriefs.models import (
    DebriefRequest,
    DebriefRequestUpdate,
    DebriefStatus,
    DebriefUrgency,
)
from domain.debriefs.service import (
    DONE_SHOWN_FOR,
    DebriefCounts,
    DebriefState,
    DebriefStateKind,
    assign_debrief_request,
    close_debrief_request,
    count_open_requests,
    debrief_state_for_supporter,
    has_open_request,
    list_debrief_requests,
    list_open_requests,
    open_request_of,
    request_debrief,
    should_prompt_debrief,
    update_debrief_request,
)
from domain.encounters.service import log_encounter
from domain.errors import InvalidInput, NotFound, PermissionDenied, RuleViolation
from domain.pagination import PageRequest
from domain.supporters.models import Supporter
from domain.users.models import User
from tests.factories import (
    COORDINATOR,
    actor_of,
    audit_actions,
    encounter_data,
    events_after,
    last_event_id,
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
    before = utcnow()
    request = request_debrief(session=db, actor=actor, urgency=DebriefUrgency.today)
    after = utcnow()
    assert request.id is not None
    assert request.supporter_id == supporter.id
    assert request.urgency == DebriefUrgency.today
    assert request.status == DebriefStatus.open
    assert request.closed_at is None
    assert before <= request.requested_at <= after


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


# Answering: assign a trainer, mark done (coordinators only).


def coordinator_user(db: Session, **overrides: object) -> User:
    return make_user(db, roles=(Role.coordinator,), **overrides)


def asked(db: Session) -> DebriefRequest:
    supporter = make_supporter(db)
    return request_debrief(
        session=db, actor=supporter_actor(db, supporter), urgency=DebriefUrgency.today
    )


def request_id_of(request: DebriefRequest) -> int:
    assert request.id is not None
    return request.id


def test_a_coordinator_assigns_a_trainer_and_it_is_audited(db: Session) -> None:
    me, trainer = coordinator_user(db), coordinator_user(db, display_name="Tara Trainer")
    request = asked(db)
    assert trainer.id is not None
    assigned = assign_debrief_request(
        session=db,
        actor=actor_of(me),
        request_id=request_id_of(request),
        trainer_user_id=trainer.id,
    )
    assert assigned.assigned_to_user_id == trainer.id
    assert assigned.assigned_at is not None
    assert assigned.status == DebriefStatus.open
    assert audit_actions(db, object_type="debrief_request", object_id=request.id) == [
        "debrief_request.assign"
    ]


def test_reassigning_an_open_request_is_allowed(db: Session) -> None:
    me, other = coordinator_user(db), coordinator_user(db)
    request = asked(db)
    for trainer in (me, other, me):
        assert trainer.id is not None
        assign_debrief_request(
            session=db, actor=actor_of(me), request_id=request_id_of(request),
            trainer_user_id=trainer.id,
        )  # fmt: skip
    db.refresh(request)
    assert request.assigned_to_user_id == me.id


@pytest.mark.parametrize(
    "who",
    ["supporter", "admin", "report_viewer", "resource_editor", "inactive coordinator", "nobody"],
)
def test_the_trainer_must_be_an_active_coordinator(db: Session, who: str) -> None:
    if who == "nobody":
        trainer_id = 999_999
    elif who == "inactive coordinator":
        trainer_id = coordinator_user(db, active=False).id or 0
    else:
        trainer_id = make_user(db, roles=(Role(who),)).id or 0
    request = asked(db)
    with pytest.raises(InvalidInput) as refused:
        assign_debrief_request(
            session=db, actor=actor_of(coordinator_user(db)), request_id=request_id_of(request),
            trainer_user_id=trainer_id,
        )  # fmt: skip
    assert refused.value.field == "assigned_to_user_id"
    db.refresh(request)
    assert request.assigned_to_user_id is None


def test_closing_marks_done_and_closing_again_changes_nothing(db: Session) -> None:
    first, second = coordinator_user(db), coordinator_user(db)
    request = asked(db)
    closed = close_debrief_request(
        session=db, actor=actor_of(first), request_id=request_id_of(request)
    )
    assert closed.status == DebriefStatus.done
    assert closed.closed_by_user_id == first.id
    closed_at = closed.closed_at
    assert closed_at is not None
    again = close_debrief_request(
        session=db, actor=actor_of(second), request_id=request_id_of(request)
    )
    assert again.status == DebriefStatus.done
    assert again.closed_by_user_id == first.id
    assert again.closed_at == closed_at
    assert audit_actions(db, object_type="debrief_request", object_id=request.id) == [
        "debrief_request.close"
    ]


def test_a_done_request_cannot_be_assigned_again(db: Session) -> None:
    me = coordinator_user(db)
    request = asked(db)
    close_debrief_request(session=db, actor=actor_of(me), request_id=request_id_of(request))
    assert me.id is not None
    with pytest.raises(RuleViolation, match="done already"):
        assign_debrief_request(
            session=db, actor=actor_of(me), request_id=request_id_of(request),
            trainer_user_id=me.id,
        )  # fmt: skip
    db.refresh(request)
    assert request.status == DebriefStatus.done
    assert request.assigned_to_user_id is None


def test_an_unknown_request_is_not_found(db: Session) -> None:
    me = coordinator_user(db)
    with pytest.raises(NotFound):
        close_debrief_request(session=db, actor=actor_of(me), request_id=999_999)


REFUSED = {
    "supporter": (Role.supporter,),
    "admin": (Role.admin,),
    "report viewer": (Role.report_viewer,),
    "resource editor": (Role.resource_editor,),
    "no role": (),
}


@pytest.mark.parametrize("roles", REFUSED.values(), ids=REFUSED.keys())
def test_only_coordinators_see_or_answer_requests(db: Session, roles: tuple[Role, ...]) -> None:
    someone = actor_of(make_user(db, roles=roles))
    request = asked(db)
    trainer = coordinator_user(db)
    assert trainer.id is not None
    with pytest.raises(PermissionDenied):
        list_debrief_requests(session=db, actor=someone, status=None, page=PageRequest())
    with pytest.raises(PermissionDenied):
        assign_debrief_request(
            session=db, actor=someone, request_id=request_id_of(request),
            trainer_user_id=trainer.id,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        close_debrief_request(session=db, actor=someone, request_id=request_id_of(request))
    with pytest.raises(PermissionDenied):
        count_open_requests(session=db, actor=someone)
    db.refresh(request)
    assert request.status == DebriefStatus.open


def test_api_clients_never_see_requests_whatever_their_scopes(db: Session) -> None:
    every_scope = Actor.for_api_client(1, frozenset(scope.value for scope in ApiScope))
    with pytest.raises(PermissionDenied):
        list_debrief_requests(session=db, actor=every_scope, status=None, page=PageRequest())


def test_the_list_names_who_asked_and_the_trainer_and_is_audited(db: Session) -> None:
    me = coordinator_user(db, display_name="Casey Coordinator")
    asker = make_supporter(db, user=make_user(db, roles=(Role.supporter,), display_name="Sam Lee"))
    request = request_debrief(
        session=db, actor=supporter_actor(db, asker), urgency=DebriefUrgency.this_week
    )
    assert me.id is not None
    assign_debrief_request(
        session=db, actor=actor_of(me), request_id=request_id_of(request), trainer_user_id=me.id
    )
    before = last_event_id(db)
    listed = list_debrief_requests(
        session=db, actor=actor_of(me), status=DebriefStatus.open, page=PageRequest()
    )
    assert [(row.supporter_name, row.assigned_to_name) for row in listed.items] == [
        ("Sam Lee", "Casey Coordinator")
    ]
    assert [event[0] for event in events_after(db, before)] == ["debrief_request.list"]


def test_open_requests_come_oldest_first_and_done_ones_newest_first_by_pages(
    db: Session,
) -> None:
    me = actor_of(coordinator_user(db))
    opened = [asked(db) for _ in range(3)]
    done = [asked(db) for _ in range(3)]
    for request in done:
        close_debrief_request(session=db, actor=me, request_id=request_id_of(request))
    first = list_debrief_requests(
        session=db, actor=me, status=DebriefStatus.open, page=PageRequest(limit=2)
    )
    assert [row.id for row in first.items] == [r.id for r in opened[:2]]
    rest = list_debrief_requests(
        session=db, actor=me, status=DebriefStatus.open,
        page=PageRequest(limit=2, after_id=first.next_after_id),
    )  # fmt: skip
    assert [row.id for row in rest.items] == [opened[2].id]
    assert rest.next_after_id is None
    newest = list_debrief_requests(
        session=db, actor=me, status=DebriefStatus.done, page=PageRequest(limit=2)
    )
    assert [row.id for row in newest.items] == [done[2].id, done[1].id]
    assert count_open_requests(session=db, actor=me).open == 3


def test_counts_tell_the_unassigned_apart(db: Session) -> None:
    me = coordinator_user(db)
    assert me.id is not None
    first, _second = asked(db), asked(db)
    assign_debrief_request(
        session=db, actor=actor_of(me), request_id=request_id_of(first), trainer_user_id=me.id
    )
    assert count_open_requests(session=db, actor=actor_of(me)) == DebriefCounts(
        open=2, unassigned=1
    )


# What the supporter's home says.


def test_the_done_state_lasts_14_days() -> None:
    assert timedelta(days=14) == DONE_SHOWN_FOR


def test_the_supporters_state_follows_their_latest_request(
    db: Session, supporter: Supporter, actor: Actor
) -> None:
    me = coordinator_user(db, display_name="Tara Trainer")
    assert me.id is not None
    assert debrief_state_for_supporter(db, supporter) is None
    request = request_debrief(session=db, actor=actor, urgency=DebriefUrgency.today)
    waiting = debrief_state_for_supporter(db, supporter)
    assert waiting == DebriefState(DebriefStateKind.waiting)
    assign_debrief_request(
        session=db, actor=actor_of(me), request_id=request_id_of(request), trainer_user_id=me.id
    )
    assigned = debrief_state_for_supporter(db, supporter)
    assert assigned is not None
    assert assigned.kind == DebriefStateKind.assigned
    assert assigned.sentence == "Tara Trainer will contact you."
    close_debrief_request(session=db, actor=actor_of(me), request_id=request_id_of(request))
    done = debrief_state_for_supporter(db, supporter)
    assert done == DebriefState(DebriefStateKind.done)
    request_debrief(session=db, actor=actor, urgency=DebriefUrgency.this_week)
    assert debrief_state_for_supporter(db, supporter) == DebriefState(DebriefStateKind.waiting)


def test_done_shows_until_14_days_after_closing_then_nothing(
    db: Session, supporter: Supporter, actor: Actor
) -> None:
    request = request_debrief(session=db, actor=actor, urgency=DebriefUrgency.today)
    close_debrief_request(
        session=db, actor=actor_of(coordinator_user(db)), request_id=request_id_of(request)
    )
    db.refresh(request)
    assert request.closed_at is not None
    just_before = request.closed_at + timedelta(days=14) - timedelta(seconds=1)
    at_14_days = request.closed_at + timedelta(days=14)
    state = debrief_state_for_supporter(db, supporter, now=just_before)
    assert state is not None
    assert state.kind == DebriefStateKind.done
    assert debrief_state_for_supporter(db, supporter, now=at_14_days) is None


def test_another_supporters_request_is_not_mine(db: Session, supporter: Supporter) -> None:
    asked(db)
    assert debrief_state_for_supporter(db, supporter) is None


def test_update_debrief_request_refuses_an_empty_change(db: Session, supporter: Supporter) -> None:
    request = request_debrief(
        session=db, actor=supporter_actor(db, supporter), urgency=DebriefUrgency.today
    )
    assert request.id is not None
    with pytest.raises(InvalidInput, match="Give a trainer"):
        update_debrief_request(
            session=db,
            actor=COORDINATOR,
            request_id=request.id,
            data=DebriefRequestUpdate.model_construct(),
        )
    with pytest.raises(ValidationError):
        DebriefRequestUpdate.model_validate({})
    done = update_debrief_request(
        session=db,
        actor=COORDINATOR,
        request_id=request.id,
        data=DebriefRequestUpdate(status=DebriefStatus.done),
    )
    assert done.status == DebriefStatus.done


def test_the_database_refuses_a_second_open_request_of_one_supporter(db: Session) -> None:
    supporter = make_supporter(db)
    assert supporter.id is not None
    db.add(DebriefRequest(supporter_id=supporter.id, urgency=DebriefUrgency.today))
    db.flush()
    second = DebriefRequest(supporter_id=supporter.id, urgency=DebriefUrgency.this_week)
    with db.begin_nested():
        db.add(second)
        with pytest.raises(IntegrityError):
            db.flush()


def test_closed_requests_do_not_count_against_the_one_open(db: Session) -> None:
    supporter = make_supporter(db)
    assert supporter.id is not None
    for _ in range(2):
        db.add(
            DebriefRequest(
                supporter_id=supporter.id, urgency=DebriefUrgency.today, status=DebriefStatus.done
            )
        )
    db.add(DebriefRequest(supporter_id=supporter.id, urgency=DebriefUrgency.today))
    db.flush()
