"""The curation list's read model (domain/resources/curation.py): only resource editors and
coordinators read it; statuses, counts and the 12-month review boundary."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from domain.actors import Actor
from domain.codes import ResourceCategory, Role
from domain.columns import utcnow
from domain.errors import InvalidInput, PermissionDenied
from domain.resources.curation import CurationStatus, curation_page, status_counts
from domain.resources.models import Resource
from domain.resources.service import due_for_review_clause, is_due_for_review, months_before
from tests.factories import counting_statements, make_resource

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


# The 12-month boundary, with the dates written out: due when last reviewed on
# `months_before(today, 12)` or before; at a month's end the same day number, or the month's
# last day when the month is shorter.
REVIEW_BOUNDARY = [
    (date(2026, 11, 26), date(2025, 11, 25), True),
    (date(2026, 11, 26), date(2025, 11, 26), True),
    (date(2026, 11, 26), date(2025, 11, 27), False),
    (date(2026, 2, 28), date(2025, 2, 28), True),
    (date(2026, 2, 28), date(2025, 3, 1), False),
    (date(2024, 2, 29), date(2023, 2, 28), True),
    (date(2024, 2, 29), date(2023, 3, 1), False),
    (date(2025, 2, 28), date(2024, 2, 28), True),
    (date(2025, 2, 28), date(2024, 2, 29), False),
]


@pytest.mark.parametrize(("today", "reviewed", "due"), REVIEW_BOUNDARY)
def test_the_review_boundary_in_every_place_it_is_judged(
    db: Session, today: date, reviewed: date, due: bool
) -> None:
    before = status_counts(session=db, actor=EDITOR, today=today)
    entry = make_resource(db, title="Quillwort review desk", last_reviewed_on=reviewed)
    assert entry.id is not None
    after = status_counts(session=db, actor=EDITOR, today=today)

    assert is_due_for_review(entry, today) is due
    in_clause = db.exec(
        select(Resource.id).where(Resource.id == entry.id, due_for_review_clause(today))
    ).first()
    assert (in_clause is not None) is due
    assert after.due - before.due == int(due)
    listed = curation_page(session=db, actor=EDITOR, status=CurationStatus.due, limit=500,
                           after=str(entry.id - 1), today=today)  # fmt: skip
    assert (entry.id in {row.id for row in listed.rows}) is due
    searched = curation_page(session=db, actor=EDITOR, status=CurationStatus.due,
                             text="quillwort", limit=10, today=today)  # fmt: skip
    assert [row.id for row in searched.rows] == ([entry.id] if due else [])


# A page link (`after`) of the plain list.


@pytest.mark.parametrize(
    "after",
    [
        "999999999999999999",  # 18 digits
        "9999999999999999999",  # 19 digits
        "99999999999999999999",  # 20 digits
        "2147483648",  # 2**31: one past the largest row id
        "0",
        "garbage",
        "-1",
        " 1",
        "١",  # a digit, not an ASCII one
    ],
)
def test_a_page_link_never_given_out_is_invalid_input(db: Session, after: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        curation_page(session=db, actor=EDITOR, limit=10, after=after)
    assert refused.value.field == "after"


def test_page_links_from_1_to_the_largest_row_id_are_read(db: Session) -> None:
    assert curation_page(session=db, actor=EDITOR, limit=10, after="2147483647").rows == []
    assert curation_page(session=db, actor=EDITOR, limit=10, after="1").rows is not None


# A search keeps to the status in its query.


def test_a_search_finds_the_one_draft_among_many_published_matches_in_one_query(
    db: Session,
) -> None:
    published = [
        make_resource(db, title=f"Gorsefield counsel {n}", last_reviewed_on=date(2026, 11, 1))
        for n in range(12)
    ]
    draft = make_resource(db, title="Gorsefield counsel draft", published=False,
                          last_reviewed_on=None)  # fmt: skip
    with counting_statements(db) as statements:
        first = curation_page(session=db, actor=EDITOR, status=CurationStatus.unpublished,
                              text="gorsefield counsel", limit=5)  # fmt: skip
    # The search, and the loading of its rows' audiences: one of each per page.
    assert len(statements) == 2
    assert [row.id for row in first.rows] == [draft.id]
    assert first.next_after is None

    due = curation_page(session=db, actor=EDITOR, status=CurationStatus.due,
                        text="gorsefield", limit=5, today=date(2026, 11, 26))  # fmt: skip
    assert [row.id for row in due.rows] == [draft.id]

    seen: list[int] = []
    after: str | None = None
    for _ in range(10):
        with counting_statements(db) as statements:
            page = curation_page(session=db, actor=EDITOR, status=CurationStatus.published,
                                 text="gorsefield", limit=5, after=after)  # fmt: skip
        assert len(statements) == 2
        assert len(page.rows) <= 5
        seen += [row.id for row in page.rows]
        after = page.next_after
        if after is None:
            break
    assert seen == [entry.id for entry in published]
