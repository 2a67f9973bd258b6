"""The coordinators' inbox besides debrief requests: what needs someone's attention now.

Rules (each one is the rule where it lives, asked in SQL so a list is one query):
- a supporter at or over their monthly cap this month: `MonthlyWorkload.cap_reached` (this
  month's encounters >= the supporter's cap), as `domain.supporters.service` counts it, "this
  month" being the program's month (`program_today`);
- a supporter flagged `needs_refresher` (`refresh_needs_refresher`: N missed monthly sessions);
- both lists (and their counts) leave out supporters who are off the roster: status inactive,
  or their user account deactivated (`_on_the_roster`);
- a published resource due for review (`domain.resources.service.is_due_for_review`: never
  reviewed, or 12 months or more since the last review).
Lists of supporters name people, so reading them is a roster read (audited); the counts on the
coordinator home name nobody and are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, func, select

from domain.actors import Actor, require_role
from domain.audit.actions import AuditAction
from domain.audit.service import record_audit_event
from domain.codes import Role, SupporterStatus
from domain.debriefs.service import DebriefCounts, count_open_requests
from domain.encounters.models import Encounter
from domain.pagination import Page, PageRequest, page_from_rows
from domain.program_settings.service import program_today
from domain.resources.models import Resource
from domain.resources.service import due_for_review_clause
from domain.supporters.models import Supporter
from domain.supporters.service import month_bounds
from domain.users.models import User

SEE_THE_INBOX = "see the inbox"


@dataclass(frozen=True)
class SupporterAtCap:
    supporter_id: int
    display_name: str
    count: int
    cap: int


@dataclass(frozen=True)
class SupporterToRefresh:
    supporter_id: int
    display_name: str
    profession_code: str


@dataclass(frozen=True)
class ResourceToReview:
    resource_id: int
    title: str
    last_reviewed_on: date | None


@dataclass(frozen=True)
class InboxCounts:
    debriefs: DebriefCounts
    at_cap: int
    needs_refresher: int
    due_for_review: int


def _month_counts(day: date) -> Any:
    """Encounters per supporter in the month of `day` (as `monthly_workload` counts them)."""
    start, following = month_bounds(day)
    return (
        select(Encounter.supporter_id, func.count().label("logged"))
        .where(col(Encounter.occurred_on) >= start, col(Encounter.occurred_on) < following)
        .group_by(col(Encounter.supporter_id))
        .subquery()
    )


def _on_the_roster() -> Any:
    """Supporters the inbox is about: not inactive, and their user account active (the query
    joins User)."""
    return (col(Supporter.status) != SupporterStatus.inactive) & col(User.active).is_(True)


def _audit_roster_read(session: Session, actor: Actor) -> None:
    record_audit_event(
        session=session, actor=actor, action=AuditAction.supporter_list, object_type="supporter"
    )


def supporters_at_cap(
    *, session: Session, actor: Actor, page: PageRequest, day: date | None = None
) -> Page[SupporterAtCap]:
    require_role(actor, Role.coordinator, to=SEE_THE_INBOX)
    counts = _month_counts(day or program_today(session))
    query = (
        select(Supporter.id, User.display_name, counts.c.logged, Supporter.max_encounters_per_month)
        .join(counts, counts.c.supporter_id == Supporter.id)
        .join(User, col(User.id) == Supporter.user_id)
        .where(counts.c.logged >= Supporter.max_encounters_per_month, _on_the_roster())
        .order_by(col(Supporter.id))
        .limit(page.limit + 1)
    )
    if page.after_id is not None:
        query = query.where(col(Supporter.id) > page.after_id)
    rows = [SupporterAtCap(*row) for row in session.exec(query)]
    _audit_roster_read(session, actor)
    return page_from_rows(rows, page, lambda row: row.supporter_id)


def supporters_needing_refresher(
    *, session: Session, actor: Actor, page: PageRequest
) -> Page[SupporterToRefresh]:
    require_role(actor, Role.coordinator, to=SEE_THE_INBOX)
    query = (
        select(Supporter.id, User.display_name, Supporter.profession_code)
        .join(User, col(User.id) == Supporter.user_id)
        .where(col(Supporter.needs_refresher).is_(True), _on_the_roster())
        .order_by(col(Supporter.id))
        .limit(page.limit + 1)
    )
    if page.after_id is not None:
        query = query.where(col(Supporter.id) > page.after_id)
    rows = [SupporterToRefresh(*row) for row in session.exec(query)]
    _audit_roster_read(session, actor)
    return page_from_rows(rows, page, lambda row: row.supporter_id)


def resources_due_for_review(
    *, session: Session, actor: Actor, page: PageRequest, today: date | None = None
) -> Page[ResourceToReview]:
    """Published entries only: drafts are not shown to anyone yet."""
    require_role(actor, Role.coordinator, to=SEE_THE_INBOX)
    query = (
        select(col(Resource.id), Resource.title, col(Resource.last_reviewed_on))
        .where(col(Resource.published).is_(True), due_for_review_clause(today))
        .order_by(col(Resource.id))
        .limit(page.limit + 1)
    )
    if page.after_id is not None:
        query = query.where(col(Resource.id) > page.after_id)
    rows = [ResourceToReview(*row) for row in session.exec(query)]  # type: ignore[arg-type]
    return page_from_rows(rows, page, lambda row: row.resource_id)


def inbox_counts(*, session: Session, actor: Actor, day: date | None = None) -> InboxCounts:
    """How many of each (names nobody: the coordinator home shows it without an audit)."""
    require_role(actor, Role.coordinator, to=SEE_THE_INBOX)
    today = day or program_today(session)
    counts = _month_counts(today)
    at_cap = session.exec(
        select(func.count())
        .select_from(Supporter)
        .join(counts, counts.c.supporter_id == Supporter.id)
        .join(User, col(User.id) == Supporter.user_id)
        .where(counts.c.logged >= Supporter.max_encounters_per_month, _on_the_roster())
    ).one()
    refresher = session.exec(
        select(func.count())
        .select_from(Supporter)
        .join(User, col(User.id) == Supporter.user_id)
        .where(col(Supporter.needs_refresher).is_(True), _on_the_roster())
    ).one()
    due = session.exec(
        select(func.count())
        .select_from(Resource)
        .where(col(Resource.published).is_(True), due_for_review_clause(today))
    ).one()
    return InboxCounts(
        debriefs=count_open_requests(session=session, actor=actor),
        at_cap=at_cap,
        needs_refresher=refresher,
        due_for_review=due,
    )
