"""The log form offers a supporter's usual peer professions first: the top 5 of their own
encounters, most often logged first, in one query."""

from __future__ import annotations

from sqlmodel import Session

from domain.actors import Actor
from domain.codes import FORM_LABELS, LABELS, Role, form_label, label
from domain.encounters.service import (
    USUAL_PEER_PROFESSIONS,
    log_encounter,
    most_logged_peer_professions,
)
from domain.professions.service import list_professions
from domain.supporters.models import Supporter
from tests.factories import (
    COORDINATOR,
    actor_of,
    counting_statements,
    encounter_data,
    make_supporter,
    make_user,
    supporter_actor,
)


def log_times(db: Session, supporter: Supporter, profession: str, times: int) -> None:
    actor = supporter_actor(db, supporter)
    for _ in range(times):
        log_encounter(session=db, actor=actor, data=encounter_data(peer_profession=profession))


def usual(db: Session, actor: Actor) -> list[str]:
    return most_logged_peer_professions(session=db, actor=actor)


def test_the_most_often_logged_come_first(db: Session) -> None:
    supporter = make_supporter(db)
    log_times(db, supporter, "pharmacist", 1)
    log_times(db, supporter, "nurse", 3)
    assert usual(db, supporter_actor(db, supporter)) == ["nurse", "pharmacist"]


def test_the_top_5_are_offered_and_the_6th_is_not(db: Session) -> None:
    assert USUAL_PEER_PROFESSIONS == 5
    supporter = make_supporter(db)
    counts = {"physician": 6, "nurse": 5, "pharmacist": 4, "dentist": 3, "student": 2, "staff": 1}
    for profession, times in counts.items():
        log_times(db, supporter, profession, times)
    assert usual(db, supporter_actor(db, supporter)) == [
        "physician", "nurse", "pharmacist", "dentist", "student",
    ]  # fmt: skip


def test_ties_are_in_code_order(db: Session) -> None:
    supporter = make_supporter(db)
    # Logged in reverse code order, each profession's rows after the previous one's: by the
    # rows' ids (first or last) the order would be staff, nurse, dentist; only the code puts
    # the tied ones in order.
    for profession in ("staff", "nurse", "dentist"):
        log_times(db, supporter, profession, 2)
    assert usual(db, supporter_actor(db, supporter)) == ["dentist", "nurse", "staff"]


def test_when_more_than_5_tie_the_first_5_codes_are_offered(db: Session) -> None:
    # Every profession once, in reverse code order. With more tied rows than twice the limit,
    # PostgreSQL sorts the counts by a heap that keeps no order among equals: only the code
    # tie-break gives the first five codes (three tied rows come out of its grouping already in
    # code order).
    codes = sorted(profession.code for profession in list_professions(session=db))
    assert len(codes) > 2 * USUAL_PEER_PROFESSIONS
    supporter = make_supporter(db)
    for profession in reversed(codes):
        log_times(db, supporter, profession, 1)
    assert usual(db, supporter_actor(db, supporter)) == codes[:USUAL_PEER_PROFESSIONS]


def test_only_the_supporters_own_encounters_count(db: Session) -> None:
    supporter, other = make_supporter(db), make_supporter(db)
    log_times(db, other, "dentist", 4)
    log_times(db, supporter, "nurse", 1)
    assert usual(db, supporter_actor(db, supporter)) == ["nurse"]


def test_a_new_supporter_and_people_who_do_not_support_have_none(db: Session) -> None:
    log_times(db, make_supporter(db), "nurse", 2)
    assert usual(db, supporter_actor(db, make_supporter(db))) == []
    assert usual(db, actor_of(make_user(db, roles=(Role.report_viewer,)))) == []
    assert usual(db, COORDINATOR) == []


def test_it_is_one_query_however_many_encounters(db: Session) -> None:
    supporter = make_supporter(db)
    log_times(db, supporter, "nurse", 12)
    actor = supporter_actor(db, supporter)
    with counting_statements(db) as statements:
        usual(db, actor)
    assert len(statements) == 1


def test_the_forms_own_wording_falls_back_to_the_label_and_leaves_the_labels_alone() -> None:
    assert form_label("initiated_by", "supporter_approach") == "You approached"
    assert label("supporter_approach") == LABELS["supporter_approach"] == "Supporter approached"
    # Reports, exports and lists keep their names.
    assert form_label("stressors", "colleague_loss") == "Colleague loss"
    assert label("colleague_loss") == "Loss of a colleague"
    assert label("inpatient_unit") == "Inpatient unit"
    assert form_label("setting", "icu") == label("icu") == "ICU"
    assert form_label("no_such_field", "nurse") == "Nurse"
    # Every form wording answers a field the form has, for a code that exists.
    for field, wording in FORM_LABELS.items():
        assert wording, field
        assert all(code in LABELS for code in wording), field
