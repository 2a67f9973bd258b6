import pytest
from pydantic import ValidationError
from sqlmodel import Session

from domain.actors import Actor
from domain.encounters.service import log_encounter
from domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from domain.professions.models import ProfessionCreate, ProfessionUpdate
from domain.professions.service import (
    create_profession,
    get_profession,
    list_professions,
    update_profession,
)
from tests.factories import (
    ADMIN,
    COORDINATOR,
    REPORT_VIEWER,
    RESOURCE_EDITOR,
    SUPPORTER,
    encounter_data,
    make_supporter,
    supporter_actor,
)

SEEDED = {
    "physician",
    "faculty_scientist",
    "nurse",
    "nurse_practitioner",
    "physician_assistant",
    "pharmacist",
    "dentist",
    "physical_therapist",
    "occupational_therapist",
    "psychiatric_rehabilitation_practitioner",
    "psychologist",
    "social_worker",
    "mental_health_counselor",
    "resident_fellow",
    "student",
    "staff",
    "other",
}


def test_the_seeded_professions_are_listed(db: Session) -> None:
    assert {p.code for p in list_professions(session=db)} == SEEDED


@pytest.mark.parametrize("actor", [COORDINATOR, ADMIN])
def test_program_managers_add_a_profession(db: Session, actor: Actor) -> None:
    data = ProfessionCreate(code="chaplain", name="  Chaplain ")
    create_profession(session=db, actor=actor, data=data)
    assert get_profession(session=db, code="chaplain").name == "Chaplain"
    assert "chaplain" in {p.code for p in list_professions(session=db)}


@pytest.mark.parametrize("actor", [SUPPORTER, REPORT_VIEWER, RESOURCE_EDITOR])
def test_others_cannot_add_or_change_professions(db: Session, actor: Actor) -> None:
    with pytest.raises(
        PermissionDenied, match="coordinator or administrator role to add professions"
    ):
        create_profession(session=db, actor=actor, data=ProfessionCreate(code="doula", name="D"))
    with pytest.raises(PermissionDenied, match="to change professions"):
        update_profession(session=db, actor=actor, code="nurse", data=ProfessionUpdate(name="N"))


def test_a_duplicate_profession_code_is_a_conflict(db: Session) -> None:
    with pytest.raises(Conflict, match="'nurse' exists already") as refused:
        create_profession(
            session=db, actor=COORDINATOR, data=ProfessionCreate(code="nurse", name="Nurse 2")
        )
    assert refused.value.field == "code"
    assert refused.value.status_code == 409


@pytest.mark.parametrize("code", ["Nurse", "x", "has space", "1nurse"])
def test_a_profession_code_is_lower_snake_case(code: str) -> None:
    with pytest.raises(ValidationError):
        ProfessionCreate(code=code, name="Anything")


def test_a_blank_profession_name_is_refused() -> None:
    with pytest.raises(ValidationError, match="cannot be blank"):
        ProfessionCreate(code="doula", name="   ")


def test_a_coordinator_renames_a_profession(db: Session) -> None:
    data = ProfessionUpdate(name=" Registered nurse ")
    update_profession(session=db, actor=COORDINATOR, code="nurse", data=data)
    assert get_profession(session=db, code="nurse").name == "Registered nurse"


def test_a_null_profession_name_is_refused(db: Session) -> None:
    with pytest.raises(InvalidInput) as refused:
        update_profession(
            session=db, actor=COORDINATOR, code="nurse", data=ProfessionUpdate(name=None)
        )
    assert refused.value.field == "name"


def test_an_unknown_profession_is_not_found(db: Session) -> None:
    with pytest.raises(NotFound, match="'astronaut'"):
        get_profession(session=db, code="astronaut")
    with pytest.raises(NotFound):
        update_profession(
            session=db, actor=COORDINATOR, code="astronaut", data=ProfessionUpdate(name="A")
        )


def test_a_deactivated_profession_leaves_the_default_list(db: Session) -> None:
    data = ProfessionUpdate(active=False)
    update_profession(session=db, actor=COORDINATOR, code="dentist", data=data)
    assert "dentist" not in {p.code for p in list_professions(session=db)}
    assert "dentist" in {p.code for p in list_professions(session=db, include_inactive=True)}


def test_a_deactivated_profession_is_refused_as_peer_profession(db: Session) -> None:
    update_profession(
        session=db, actor=COORDINATOR, code="dentist", data=ProfessionUpdate(active=False)
    )
    actor = supporter_actor(db, make_supporter(db))
    with pytest.raises(InvalidInput, match="'dentist' is not an active profession") as refused:
        log_encounter(session=db, actor=actor, data=encounter_data(peer_profession="dentist"))
    assert refused.value.field == "peer_profession"
