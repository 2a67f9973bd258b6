"""The curation list's read model (domain/resources/curation.py): only resource editors and
coordinators read it; statuses, counts and the 12-month review boundary."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from domain.actors import Actor
from domain.codes import ResourceCategory, Role
from domain.columns import utcnow
from domain.errors import PermissionDenied
from domain.resources.curation import CurationStatus, curation_page, status_counts
from domain.resources.service import months_before
from tests.factories import make_resource

EDITOR = Actor.for_user(1, frozenset({Role.resource_editor}))
COORDINATOR = Actor.for_user(2, frozenset({Role.coordinator}))
OTHERS = [
    Actor.for_user(3, frozenset({Role.supporter})),
    Actor.for_user(4, frozenset({Role.report_viewer})),
    Actor.for_user(5, frozenset({Role.admin})),
    Actor.for_user(6, frozenset()),
]


@pytest.mark.parametrize("actor", OTHERS, ids=lambda a: ",".join(sorted(a.roles)) or "none")
def test_only_curators_read_the_list(db: Session, actor: Actor) -> None:
    with pytest.raises(PermissionDenied, match="to curate the resource directory"):
        status_counts(session=db, actor=actor)
    with pytest.raises(PermissionDenied):
        curation_page(session=db, actor=actor, limit=10)
    with pytest.raises(PermissionDenied):
        curation_page(session=db, actor=actor, limit=10, text="line")


def test_counts_and_statuses_meet_at_12_months(db: Session) -> None:
    before = status_counts(session=db, actor=EDITOR)
    today = utcnow().date()
    boundary = months_before(today, 12)
    due = make_resource(db, title="Reviewed 12 months ago", last_reviewed_on=boundary)
    fresh = make_resource(db, title="A day short", last_reviewed_on=boundary + timedelta(days=1))
    draft = make_resource(db, title="Draft", published=False, last_reviewed_on=None,
                          category=ResourceCategory.legal)  # fmt: skip
    after = status_counts(session=db, actor=COORDINATOR)
    assert (after.all - before.all, after.published - before.published) == (3, 2)
    assert (after.unpublished - before.unpublished, after.due - before.due) == (1, 2)
    page = curation_page(session=db, actor=EDITOR, status=CurationStatus.due, limit=500)
    ids = {row.id for row in page.rows}
    assert {due.id, draft.id} <= ids
    assert fresh.id not in ids
    legal = curation_page(session=db, actor=EDITOR, category=ResourceCategory.legal,
                          status=CurationStatus.unpublished, limit=500)  # fmt: skip
    assert [row.title for row in legal.rows] == ["Draft"]
    assert legal.rows[0].due_for_review is True
    assert legal.next_after is None
