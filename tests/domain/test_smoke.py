from sqlmodel import Session

from domain.encounters.service import log_encounter
from tests.factories import encounter_data, make_supporter, supporter_actor


def test_an_active_trained_supporter_logs_an_encounter(db: Session) -> None:
    supporter = make_supporter(db)
    actor = supporter_actor(db, supporter)
    logged = log_encounter(session=db, actor=actor, data=encounter_data())
    assert logged.encounter.interprofessional is True
    assert logged.workload.count == 1
