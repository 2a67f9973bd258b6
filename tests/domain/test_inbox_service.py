"""The inbox besides debrief requests: supporters at their cap this month, supporters flagged
for a refresher, published resources due for review; coordinators only, names audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session

from domain.actors import Actor
from domain.codes import ApiScope, Role, SupporterStatus
from domain.columns import utcnow
from domain.encounters.service import log_encounter
from domain.errors import PermissionDenied
from domain.inbox.service import (
    inbox_counts,
    resources_due_for_review,
    supporters_at_cap,
    supporters_needing_refresher,
)
from domain.pagination import PageRequest
from domain.resources.service import months_before
from domain.supporters.models import Supporter
from tests.factories import (
    COORDINATOR,
    actor_of,
    add_encounter_rows,
    encounter_data,
    events_after,
    last_event_id,
    make_resource,
    make_supporter,
    make_user,
    supporter_actor,
)


def log(db: Session, supporter: Supporter, times: int, day: date | None = None) -> None:
    actor = supporter_actor(db, supporter)
    for _ in range(times):
        log_encounter(
            session=db, actor=actor, data=encounter_data(occurred_on=day or utcnow().date())
        )


def at_cap_ids(db: Session) -> list[int]:
    listed = supporters_at_cap(session=db, actor=COORDINATOR, page=PageRequest())
    return [row.supporter_id for row in listed.items]


@pytest.mark.parametrize(("logged", "listed"), [(2, False), (3, True), (4, True)])
def test_a_supporter_is_listed_from_the_3rd_encounter_of_a_cap_of_3(
    db: Session, logged: int, listed: bool
) -> None:
    supporter = make_supporter(db, max_encounters_per_month=3)
    log(db, supporter, logged)
    assert (supporter.id in at_cap_ids(db)) is listed
    if listed:
        row = next(
            r
            for r in supporters_at_cap(session=db, actor=COORDINATOR, page=PageRequest()).items
            if r.supporter_id == supporter.id
        )
        assert (row.count, row.cap) == (logged, 3)


def test_last_months_encounters_do_not_count_toward_this_months_cap(db: Session) -> None:
    supporter = make_supporter(db, max_encounters_per_month=2)
    last_month = utcnow().date().replace(day=1) - timedelta(days=1)
    log(db, supporter, 3, day=last_month)
    log(db, supporter, 1)
    assert supporter.id not in at_cap_ids(db)


def test_supporters_flagged_for_a_refresher_are_listed(db: Session) -> None:
    flagged = make_supporter(db, needs_refresher=True)
    make_supporter(db)
    listed = supporters_needing_refresher(session=db, actor=COORDINATOR, page=PageRequest())
    assert [row.supporter_id for row in listed.items] == [flagged.id]


def refresher_ids(db: Session) -> list[int]:
    listed = supporters_needing_refresher(session=db, actor=COORDINATOR, page=PageRequest(200))
    return [row.supporter_id for row in listed.items]


def test_supporters_off_the_roster_are_not_in_the_inbox_lists_nor_counts(db: Session) -> None:
    """Inactive profiles and profiles of deactivated accounts: 1 listed of the 3 at their cap
    (of 1) and flagged, and the counts say so too."""
    before = inbox_counts(session=db, actor=COORDINATOR)
    kept = make_supporter(db, max_encounters_per_month=1, needs_refresher=True)
    inactive = make_supporter(db, max_encounters_per_month=1, needs_refresher=True)
    deactivated = make_supporter(
        db,
        user=make_user(db, roles=(Role.supporter,), active=False),
        max_encounters_per_month=1,
        needs_refresher=True,
    )
    for supporter in (kept, inactive, deactivated):
        add_encounter_rows(db, supporter, 1, on=utcnow().date())
    inactive.status = SupporterStatus.inactive
    db.add(inactive)
    db.flush()
    assert kept.id in at_cap_ids(db)
    assert kept.id in refresher_ids(db)
    for gone in (inactive.id, deactivated.id):
        assert gone not in at_cap_ids(db)
        assert gone not in refresher_ids(db)
    after = inbox_counts(session=db, actor=COORDINATOR)
    assert after.at_cap == before.at_cap + 1
    assert after.needs_refresher == before.needs_refresher + 1


def test_reading_names_of_supporters_is_an_audited_roster_read(db: Session) -> None:
    before = last_event_id(db)
    supporters_at_cap(session=db, actor=COORDINATOR, page=PageRequest())
    supporters_needing_refresher(session=db, actor=COORDINATOR, page=PageRequest())
    assert [event[0] for event in events_after(db, before)] == ["supporter.list"] * 2
    before = last_event_id(db)
    inbox_counts(session=db, actor=COORDINATOR)
    assert events_after(db, before) == []


def test_published_resources_are_due_12_months_after_their_last_review(db: Session) -> None:
    today = utcnow().date()
    due = make_resource(db, last_reviewed_on=months_before(today, 12))
    never = make_resource(db, last_reviewed_on=None)
    fresh = make_resource(db, last_reviewed_on=months_before(today, 12) + timedelta(days=1))
    draft = make_resource(db, last_reviewed_on=None, published=False)
    listed = resources_due_for_review(session=db, actor=COORDINATOR, page=PageRequest(200))
    ids = {row.resource_id for row in listed.items}
    assert {due.id, never.id} <= ids
    assert fresh.id not in ids
    assert draft.id not in ids


def test_counts_agree_with_the_lists(db: Session) -> None:
    capped = make_supporter(db, max_encounters_per_month=1)
    log(db, capped, 1)
    make_supporter(db, needs_refresher=True)
    make_resource(db, last_reviewed_on=None)
    counts = inbox_counts(session=db, actor=COORDINATOR)
    assert counts.at_cap == len(at_cap_ids(db))
    assert counts.needs_refresher == len(
        supporters_needing_refresher(session=db, actor=COORDINATOR, page=PageRequest(200)).items
    )
    assert counts.due_for_review == len(
        resources_due_for_review(session=db, actor=COORDINATOR, page=PageRequest(200)).items
    )
    assert counts.at_cap >= 1
    assert counts.needs_refresher >= 1


@pytest.mark.parametrize(
    "roles", [(Role.supporter,), (Role.admin,), (Role.report_viewer,), (Role.resource_editor,)]
)
def test_only_coordinators_see_the_inbox(db: Session, roles: tuple[Role, ...]) -> None:
    someone = actor_of(make_user(db, roles=roles))
    for read in (supporters_at_cap, supporters_needing_refresher, resources_due_for_review):
        with pytest.raises(PermissionDenied):
            read(session=db, actor=someone, page=PageRequest())
    with pytest.raises(PermissionDenied):
        inbox_counts(session=db, actor=someone)
    client = Actor.for_api_client(1, frozenset(scope.value for scope in ApiScope))
    with pytest.raises(PermissionDenied):
        inbox_counts(session=db, actor=client)
