from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlmodel import Session

from domain.actors import Actor
from domain.codes import Escalation, Role, Stressor, SupporterStatus
from domain.columns import utcnow
from domain.encounters.models import Encounter, EncounterCreate, EncounterUpdate
from domain.encounters.service import (
    EncounterFilters,
    delete_encounter,
    get_encounter,
    list_encounters,
    log_encounter,
    to_public,
    update_encounter,
)
from domain.errors import InvalidInput, NotFound, PermissionDenied, RuleViolation
from domain.pagination import PageRequest
from domain.supporters.models import Supporter, SupporterUpdate
from domain.supporters.service import update_supporter
from tests.factories import (
    ADMIN,
    COORDINATOR,
    audit_actions,
    counting_statements,
    days_ago,
    encounter_data,
    make_resource,
    make_supporter,
    make_user,
    set_logged_at,
    supporter_actor,
)

TODAY = utcnow().date()


def log(db: Session, supporter: Supporter, **values: Any) -> Encounter:
    actor = supporter_actor(db, supporter)
    return log_encounter(session=db, actor=actor, data=encounter_data(**values)).encounter


def change(db: Session, supporter: Supporter, encounter: Encounter, **values: Any) -> Encounter:
    assert encounter.id is not None
    return update_encounter(
        session=db,
        actor=supporter_actor(db, supporter),
        encounter_id=encounter.id,
        data=EncounterUpdate.model_validate(values),
    )


# Who logs


def test_a_logged_encounter_stores_what_the_supporter_recorded(db: Session) -> None:
    supporter = make_supporter(db)
    resource = make_resource(db)
    encounter = log(
        db,
        supporter,
        stressors=["patient_death", "moral_distress"],
        flow_steps=["listen", "approach", "close"],
        resources_shared=[resource.id],
        escalation="warm_referral",
    )
    public = to_public(encounter)
    assert public.supporter_id == supporter.id
    assert public.occurred_on == TODAY
    assert public.stressors == [Stressor.moral_distress, Stressor.patient_death]
    assert public.flow_steps == ["approach", "listen", "close"]
    assert public.resources_shared == [resource.id]
    assert public.escalation == Escalation.warm_referral
    assert public.editable_until == (encounter.logged_at + timedelta(days=7)).date()


@pytest.mark.parametrize("status", ["candidate", "paused", "inactive"])
def test_only_an_active_supporter_logs_encounters(db: Session, status: str) -> None:
    supporter = make_supporter(db, status=SupporterStatus(status))
    with pytest.raises(RuleViolation, match=f"Your supporter status is {status}"):
        log(db, supporter)


def test_a_supporter_without_initial_training_cannot_log_encounters(db: Session) -> None:
    supporter = make_supporter(db, trained_on=None)
    with pytest.raises(RuleViolation, match="after the initial training"):
        log(db, supporter)


@pytest.mark.parametrize(
    "actor_roles", [(Role.supporter,), (Role.coordinator,), (Role.admin, Role.supporter)]
)
def test_a_user_without_a_supporter_profile_cannot_log_encounters(
    db: Session, actor_roles: tuple[Role, ...]
) -> None:
    user = make_user(db, roles=actor_roles)
    assert user.id is not None
    actor = Actor.for_user(user.id, user.roles)
    with pytest.raises(PermissionDenied, match="Only peer supporters log encounters"):
        log_encounter(session=db, actor=actor, data=encounter_data())


def test_a_profile_without_the_supporter_role_cannot_log_encounters(db: Session) -> None:
    supporter = make_supporter(db, user=make_user(db, roles=(Role.coordinator,)))
    with pytest.raises(PermissionDenied, match="Only peer supporters"):
        log(db, supporter)


# What may be logged


def test_interprofessional_is_derived_from_the_two_professions(db: Session) -> None:
    nurse = make_supporter(db, profession_code="nurse")
    assert log(db, nurse, peer_profession="nurse").interprofessional is False
    assert log(db, nurse, peer_profession="pharmacist").interprofessional is True


def test_interprofessional_cannot_be_sent() -> None:
    with pytest.raises(ValidationError, match="interprofessional"):
        encounter_data(interprofessional=False)
    with pytest.raises(ValidationError, match="interprofessional"):
        EncounterUpdate.model_validate({"interprofessional": True})


def test_an_encounter_cannot_happen_in_the_future(db: Session) -> None:
    supporter = make_supporter(db)
    with pytest.raises(InvalidInput, match="cannot be in the future") as refused:
        log(db, supporter, occurred_on=TODAY + timedelta(days=1))
    assert refused.value.field == "occurred_on"


def test_an_encounter_cannot_happen_before_the_initial_training(db: Session) -> None:
    supporter = make_supporter(db, trained_on=TODAY - timedelta(days=10))
    with pytest.raises(InvalidInput, match="before your initial training") as refused:
        log(db, supporter, occurred_on=TODAY - timedelta(days=11))
    assert refused.value.field == "occurred_on"
    assert log(db, supporter, occurred_on=TODAY - timedelta(days=10)).id is not None


def test_an_unknown_peer_profession_is_refused(db: Session) -> None:
    supporter = make_supporter(db)
    with pytest.raises(InvalidInput, match="'astronaut' is not an active profession") as refused:
        log(db, supporter, peer_profession="astronaut")
    assert refused.value.field == "peer_profession"


def test_unknown_resources_are_refused(db: Session) -> None:
    supporter = make_supporter(db)
    known = make_resource(db)
    with pytest.raises(InvalidInput, match="no resource 999999") as refused:
        log(db, supporter, resources_shared=[known.id, 999_999])
    assert refused.value.field == "resources_shared"


@pytest.mark.parametrize(
    "values",
    [
        {"stressors": ["personal", "personal"]},
        {"elements": ["listening", "listening"]},
        {"support_types": ["emotional", "emotional"]},
        {"flow_steps": ["listen", "listen"]},
        {"resources_shared": [1, 1]},
    ],
)
def test_a_value_listed_twice_is_refused(values: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="list each value once"):
        encounter_data(**values)
    with pytest.raises(ValidationError, match="list each value once"):
        EncounterUpdate.model_validate(values)


@pytest.mark.parametrize("name", ["stressors", "elements", "support_types"])
def test_at_least_one_value_is_required(name: str) -> None:
    with pytest.raises(ValidationError):
        encounter_data(**{name: []})


@pytest.mark.parametrize("name", ["supporter_name", "notes", "peer_email"])
def test_identifying_or_free_text_fields_are_refused(name: str) -> None:
    with pytest.raises(ValidationError):
        EncounterCreate.model_validate(encounter_data().model_dump() | {name: "x"})


# The monthly cap


def test_reaching_the_monthly_cap_makes_the_supporter_unavailable(db: Session) -> None:
    supporter = make_supporter(db, max_encounters_per_month=2)
    actor = supporter_actor(db, supporter)
    first = log_encounter(session=db, actor=actor, data=encounter_data())
    assert (first.workload.count, first.debrief_prompt, supporter.available) == (1, False, True)

    second = log_encounter(session=db, actor=actor, data=encounter_data())
    assert (second.workload.count, second.workload.cap_reached) == (2, True)
    assert second.debrief_prompt is True
    assert supporter.available is False
    assert audit_actions(db, object_type="supporter", object_id=supporter.id) == [
        "supporter.change.available"
    ]


def test_an_encounter_beyond_the_cap_is_still_logged(db: Session) -> None:
    supporter = make_supporter(db, max_encounters_per_month=1)
    actor = supporter_actor(db, supporter)
    log_encounter(session=db, actor=actor, data=encounter_data())
    beyond = log_encounter(session=db, actor=actor, data=encounter_data())
    assert beyond.encounter.id is not None
    assert (beyond.workload.count, beyond.debrief_prompt) == (2, True)


def test_encounters_of_an_earlier_month_do_not_count_toward_this_months_cap(
    db: Session,
) -> None:
    supporter = make_supporter(db, max_encounters_per_month=1)
    last_month = TODAY.replace(day=1) - timedelta(days=1)
    logged = log_encounter(
        session=db,
        actor=supporter_actor(db, supporter),
        data=encounter_data(occurred_on=last_month),
    )
    assert (logged.workload.count, logged.debrief_prompt, supporter.available) == (0, False, True)


def test_asking_for_a_debrief_raises_the_debrief_prompt(db: Session) -> None:
    supporter = make_supporter(db)
    logged = log_encounter(
        session=db,
        actor=supporter_actor(db, supporter),
        data=encounter_data(supporter_needs_debrief=True),
    )
    assert logged.workload.cap_reached is False
    assert logged.debrief_prompt is True
    assert logged.encounter.supporter_needs_debrief is True


# Whose encounters


def test_a_supporter_cannot_reach_anothers_encounter(db: Session) -> None:
    author, other = make_supporter(db), make_supporter(db)
    encounter = log(db, author)
    assert encounter.id is not None
    them = supporter_actor(db, other)
    with pytest.raises(NotFound, match="no encounter"):
        get_encounter(session=db, actor=them, encounter_id=encounter.id)
    with pytest.raises(NotFound):
        change(db, other, encounter, setting="icu")
    with pytest.raises(NotFound):
        delete_encounter(session=db, actor=them, encounter_id=encounter.id)
    assert get_encounter(session=db, actor=supporter_actor(db, author), encounter_id=encounter.id)


def test_coordinators_read_any_encounter(db: Session) -> None:
    encounter = log(db, make_supporter(db))
    assert encounter.id is not None
    assert get_encounter(session=db, actor=COORDINATOR, encounter_id=encounter.id) is encounter
    with pytest.raises(NotFound):
        get_encounter(session=db, actor=COORDINATOR, encounter_id=999_999)


def test_an_admin_alone_reads_no_encounter_row(db: Session) -> None:
    """Least privilege: admins run the system; encounter rows name their supporter."""
    encounter = log(db, make_supporter(db))
    assert encounter.id is not None
    with pytest.raises(PermissionDenied, match="Only peer supporters and coordinators"):
        get_encounter(session=db, actor=ADMIN, encounter_id=encounter.id)
    with pytest.raises(PermissionDenied, match="Only peer supporters and coordinators"):
        list_encounters(session=db, actor=ADMIN, filters=EncounterFilters(), page=PageRequest())


def test_a_supporters_list_shows_only_their_own_encounters(db: Session) -> None:
    mine, theirs = make_supporter(db), make_supporter(db)
    own = [log(db, mine), log(db, mine)]
    log(db, theirs)
    page = list_encounters(
        session=db, actor=supporter_actor(db, mine), filters=EncounterFilters(), page=PageRequest()
    )
    assert page.items == list(reversed(own))


def test_a_coordinator_lists_every_encounter_newest_first(db: Session) -> None:
    first, second = make_supporter(db), make_supporter(db)
    logged = [log(db, first), log(db, second), log(db, first)]
    page = list_encounters(
        session=db, actor=COORDINATOR, filters=EncounterFilters(), page=PageRequest()
    )
    assert page.items == list(reversed(logged))


@pytest.mark.parametrize(
    "actor",
    [
        Actor.for_user(999_999, frozenset({Role.report_viewer})),
        Actor.for_api_client(1, frozenset({"reports:read", "roster:read"})),
    ],
)
def test_report_viewers_and_api_clients_never_list_encounter_rows(
    db: Session, actor: Actor
) -> None:
    log(db, make_supporter(db))
    with pytest.raises(PermissionDenied, match="Only peer supporters and coordinators"):
        list_encounters(session=db, actor=actor, filters=EncounterFilters(), page=PageRequest())


def test_encounters_come_page_by_page(db: Session) -> None:
    supporter = make_supporter(db)
    logged = [log(db, supporter) for _ in range(3)]
    actor = supporter_actor(db, supporter)
    first = list_encounters(
        session=db, actor=actor, filters=EncounterFilters(), page=PageRequest(limit=2)
    )
    assert first.items == [logged[2], logged[1]]
    assert first.next_after_id == logged[1].id
    rest = list_encounters(
        session=db,
        actor=actor,
        filters=EncounterFilters(),
        page=PageRequest(limit=2, after_id=first.next_after_id),
    )
    assert (rest.items, rest.next_after_id) == ([logged[0]], None)


def test_encounters_filter_by_date(db: Session) -> None:
    supporter = make_supporter(db)
    older = log(db, supporter, occurred_on=TODAY - timedelta(days=20))
    newer = log(db, supporter, occurred_on=TODAY - timedelta(days=2))
    actor = supporter_actor(db, supporter)

    def listed(filters: EncounterFilters) -> list[Encounter]:
        return list_encounters(session=db, actor=actor, filters=filters, page=PageRequest()).items

    assert listed(EncounterFilters(occurred_from=TODAY - timedelta(days=5))) == [newer]
    assert listed(EncounterFilters(occurred_before=TODAY - timedelta(days=5))) == [older]


# Changing and deleting


def test_a_supporter_changes_their_encounter_within_seven_days(db: Session) -> None:
    supporter = make_supporter(db)
    encounter = log(db, supporter, stressors=["adverse_event"])
    set_logged_at(db, encounter, days_ago(6))
    change(db, supporter, encounter, setting="icu", stressors=["adverse_event", "personal"])
    db.expire_all()
    public = to_public(db.get_one(Encounter, encounter.id))
    assert public.setting == "icu"
    assert public.stressors == ["adverse_event", "personal"]


def test_an_encounter_older_than_seven_days_cannot_be_changed_or_deleted(db: Session) -> None:
    supporter = make_supporter(db)
    encounter = log(db, supporter)
    set_logged_at(db, encounter, days_ago(8))
    assert encounter.id is not None
    with pytest.raises(RuleViolation, match="only within 7 days of logging"):
        change(db, supporter, encounter, setting="icu")
    with pytest.raises(RuleViolation, match="only within 7 days of logging"):
        delete_encounter(
            session=db, actor=supporter_actor(db, supporter), encounter_id=encounter.id
        )
    assert encounter.setting == "inpatient_unit"


def test_a_supporter_deletes_their_encounter_within_seven_days(db: Session) -> None:
    supporter = make_supporter(db)
    encounter = log(db, supporter, resources_shared=[make_resource(db).id])
    set_logged_at(db, encounter, days_ago(6))
    assert encounter.id is not None
    actor = supporter_actor(db, supporter)
    delete_encounter(session=db, actor=actor, encounter_id=encounter.id)
    with pytest.raises(NotFound):
        get_encounter(session=db, actor=actor, encounter_id=encounter.id)


def test_the_supporters_profession_is_stored_when_logged_and_never_sent(db: Session) -> None:
    supporter = make_supporter(db, profession_code="nurse")
    encounter = log(db, supporter)
    assert encounter.supporter_profession == "nurse"
    with pytest.raises(ValidationError, match="supporter_profession"):
        encounter_data(supporter_profession="physician")
    with pytest.raises(ValidationError, match="supporter_profession"):
        EncounterUpdate.model_validate({"supporter_profession": "physician"})


def test_a_later_profession_change_leaves_logged_encounters_as_logged(db: Session) -> None:
    supporter = make_supporter(db, profession_code="nurse")
    encounter = log(db, supporter, peer_profession="physician")
    assert supporter.id is not None
    data = SupporterUpdate(profession_code="pharmacist")
    update_supporter(session=db, actor=COORDINATOR, supporter_id=supporter.id, data=data)
    assert encounter.supporter_profession == "nurse"
    # Within the edit window the peer changes: compared with the profession as logged.
    change(db, supporter, encounter, peer_profession="nurse")
    assert (encounter.supporter_profession, encounter.interprofessional) == ("nurse", False)
    assert log(db, supporter, peer_profession="nurse").supporter_profession == "pharmacist"


def test_changing_the_peer_profession_recomputes_interprofessional(db: Session) -> None:
    supporter = make_supporter(db, profession_code="nurse")
    encounter = log(db, supporter, peer_profession="physician")
    change(db, supporter, encounter, peer_profession="nurse")
    assert (encounter.peer_profession_code, encounter.interprofessional) == ("nurse", False)
    change(db, supporter, encounter, peer_profession="dentist")
    assert encounter.interprofessional is True


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"occurred_on": TODAY + timedelta(days=1)}, "occurred_on"),
        ({"occurred_on": TODAY - timedelta(days=365)}, "occurred_on"),
        ({"peer_profession": "astronaut"}, "peer_profession"),
        ({"resources_shared": [999_999]}, "resources_shared"),
        ({"setting": None}, "setting"),
        ({"stressors": None}, "stressors"),
    ],
)
def test_a_change_breaking_a_rule_is_refused(
    db: Session, values: dict[str, Any], field: str
) -> None:
    supporter = make_supporter(db)
    encounter = log(db, supporter)
    with pytest.raises(InvalidInput) as refused:
        change(db, supporter, encounter, **values)
    assert refused.value.field == field


# Listing runs a constant number of queries


def statements_to_list_and_show(db: Session, encounters: int) -> int:
    supporter = make_supporter(db, max_encounters_per_month=60)
    resource = make_resource(db)
    for _ in range(encounters):
        log(db, supporter, flow_steps=["listen", "close"], resources_shared=[resource.id])
    actor = supporter_actor(db, supporter)
    db.expunge_all()
    with counting_statements(db) as statements:
        page = list_encounters(
            session=db, actor=actor, filters=EncounterFilters(), page=PageRequest()
        )
        shown = [to_public(encounter) for encounter in page.items]
    assert len(shown) == encounters
    assert all(item.resources_shared == [resource.id] for item in shown)
    return len(statements)


def test_listing_encounters_runs_the_same_number_of_queries_for_3_or_30(db: Session) -> None:
    assert statements_to_list_and_show(db, 3) == statements_to_list_and_show(db, 30)
