from datetime import date, timedelta

import pytest
from pydantic import ValidationError
from sqlmodel import Session

from domain.actors import Actor
from domain.codes import Role
from domain.columns import utcnow
from domain.errors import InvalidInput, PermissionDenied
from domain.program_settings.models import ProgramSettings, ProgramSettingsUpdate
from domain.program_settings.service import (
    ALL_SETTINGS,
    COORDINATOR_SETTINGS,
    changeable_settings,
    get_program_settings,
    read_program_settings,
    update_program_settings,
)
from tests.factories import (
    ADMIN,
    COORDINATOR,
    REPORT_VIEWER,
    RESOURCE_EDITOR,
    SUPPORTER,
    audit_actions,
    make_attendance,
    make_program_session,
    make_supporter,
)

API_CLIENT = Actor.for_api_client(1, frozenset({"reports:read", "audit:read"}))
# A valid new value for every setting, different from the default.
NEW_VALUES: dict[str, object] = {
    "program_name": "Colleagues for care",
    "small_cell_threshold": 5,
    "min_distinct_supporters": 4,
    "default_monthly_cap": 12,
    "refresher_missed_sessions": 2,
    "embed_origins": ["https://intranet.example.org"],
    "session_idle_minutes": 45,
    "session_absolute_hours": 8,
    "time_zone": "Europe/Berlin",
}
ADMIN_ONLY = sorted(
    set(NEW_VALUES) - {"program_name", "default_monthly_cap", "refresher_missed_sessions"}
)


def test_an_admin_reads_the_seeded_settings(db: Session) -> None:
    settings = read_program_settings(session=db, actor=ADMIN)
    assert settings.program_name == "ONE 2 ONE 2 CARE"
    assert settings.small_cell_threshold == 11
    assert settings.min_distinct_supporters == 3
    assert settings.default_monthly_cap == 8
    assert settings.refresher_missed_sessions == 3
    assert settings.embed_origins == []


@pytest.mark.parametrize("actor", [SUPPORTER, REPORT_VIEWER, RESOURCE_EDITOR, API_CLIENT])
def test_only_coordinators_and_admins_read_or_change_the_settings(
    db: Session, actor: Actor
) -> None:
    with pytest.raises(PermissionDenied, match="to read the program settings"):
        read_program_settings(session=db, actor=actor)
    with pytest.raises(PermissionDenied, match="to change the program settings"):
        update_program_settings(
            session=db, actor=actor, data=ProgramSettingsUpdate(small_cell_threshold=5)
        )
    assert get_program_settings(db).small_cell_threshold == 11


def test_an_admin_changes_settings_and_each_changed_field_is_audited(db: Session) -> None:
    data = ProgramSettingsUpdate(
        program_name="Peers for Peers",
        small_cell_threshold=11,  # unchanged: not audited
        embed_origins=["https://intranet.example.org", "http://localhost:8080"],
    )
    settings = update_program_settings(session=db, actor=ADMIN, data=data)
    assert settings.program_name == "Peers for Peers"
    assert settings.embed_origins == ["https://intranet.example.org", "http://localhost:8080"]
    assert audit_actions(db, object_type="program_settings", object_id=settings.id) == [
        "settings.change.program_name",
        "settings.change.embed_origins",
    ]


def test_a_null_setting_is_refused(db: Session) -> None:
    with pytest.raises(InvalidInput) as refused:
        update_program_settings(
            session=db, actor=ADMIN, data=ProgramSettingsUpdate(default_monthly_cap=None)
        )
    assert refused.value.field == "default_monthly_cap"


@pytest.mark.parametrize(
    "origin",
    ["*", "intranet.example.org", "ftp://intranet.example.org", "https://x.org/page", "https://"],
)
def test_an_embed_origin_must_be_an_origin(origin: str) -> None:
    with pytest.raises(ValidationError, match="is not an origin"):
        ProgramSettingsUpdate(embed_origins=[origin])


@pytest.mark.parametrize(
    "values",
    [{"small_cell_threshold": 1}, {"default_monthly_cap": 0}, {"refresher_missed_sessions": 0}],
)
def test_settings_out_of_range_are_refused(values: dict[str, int]) -> None:
    with pytest.raises(ValidationError):
        ProgramSettingsUpdate.model_validate(values)


@pytest.mark.parametrize(("value", "accepted"), [(1, False), (2, True), (20, True), (21, False)])
def test_the_fewest_distinct_supporters_is_2_to_20(value: int, accepted: bool) -> None:
    """1 would switch the rule off: one person's month would show again."""
    if accepted:
        assert ProgramSettingsUpdate(min_distinct_supporters=value).min_distinct_supporters == value
    else:
        with pytest.raises(ValidationError, match="min_distinct_supporters"):
            ProgramSettingsUpdate(min_distinct_supporters=value)


def test_an_admin_changes_the_fewest_distinct_supporters_audited(db: Session) -> None:
    data = ProgramSettingsUpdate(min_distinct_supporters=5)
    settings = update_program_settings(session=db, actor=ADMIN, data=data)
    assert get_program_settings(db).min_distinct_supporters == 5
    assert audit_actions(db, object_type="program_settings", object_id=settings.id) == [
        "settings.change.min_distinct_supporters"
    ]


def test_unknown_settings_are_refused() -> None:
    with pytest.raises(ValidationError):
        ProgramSettingsUpdate(debug=True)  # type: ignore[call-arg]


def test_a_missing_settings_row_is_recreated_with_defaults(db: Session) -> None:
    db.delete(get_program_settings(db))
    db.flush()
    assert db.get(ProgramSettings, 1) is None
    assert get_program_settings(db).default_monthly_cap == 8


# Who changes which setting (rule 1 of domain/program_settings/service.py).


def test_every_setting_has_a_test_value() -> None:
    assert set(NEW_VALUES) == ALL_SETTINGS


def test_coordinators_change_three_settings_and_admins_all() -> None:
    assert changeable_settings(COORDINATOR) == {
        "program_name",
        "default_monthly_cap",
        "refresher_missed_sessions",
    }
    assert COORDINATOR_SETTINGS < ALL_SETTINGS
    assert changeable_settings(ADMIN) == ALL_SETTINGS
    both = Actor(audit_label="both", roles=frozenset({Role.coordinator, Role.admin}))
    assert changeable_settings(both) == ALL_SETTINGS
    for actor in (SUPPORTER, REPORT_VIEWER, RESOURCE_EDITOR, API_CLIENT):
        assert changeable_settings(actor) == frozenset()


def test_a_coordinator_reads_the_settings(db: Session) -> None:
    assert read_program_settings(session=db, actor=COORDINATOR).small_cell_threshold == 11


@pytest.mark.parametrize(
    "name", ["program_name", "default_monthly_cap", "refresher_missed_sessions"]
)
def test_a_coordinator_changes_a_coordinator_setting(db: Session, name: str) -> None:
    data = ProgramSettingsUpdate.model_validate({name: NEW_VALUES[name]})
    settings = update_program_settings(session=db, actor=COORDINATOR, data=data)
    assert getattr(settings, name) == NEW_VALUES[name]
    assert audit_actions(db, object_type="program_settings", object_id=settings.id) == [
        f"settings.change.{name}"
    ]


@pytest.mark.parametrize("name", ADMIN_ONLY)
def test_a_coordinator_is_refused_an_admin_setting_and_nothing_changes(
    db: Session, name: str
) -> None:
    before = get_program_settings(db).model_dump()
    data = ProgramSettingsUpdate.model_validate(
        {"program_name": "Colleagues for care", name: NEW_VALUES[name]}
    )
    with pytest.raises(PermissionDenied, match="administrator role to change") as refused:
        update_program_settings(session=db, actor=COORDINATOR, data=data)
    assert refused.value.field == name
    assert get_program_settings(db).model_dump() == before  # the program name did not change
    assert audit_actions(db, object_type="program_settings", object_id=1) == []


def test_a_coordinator_may_send_an_admin_setting_back_unchanged(db: Session) -> None:
    data = ProgramSettingsUpdate(
        small_cell_threshold=11, time_zone="America/New_York", default_monthly_cap=9
    )
    settings = update_program_settings(session=db, actor=COORDINATOR, data=data)
    assert settings.default_monthly_cap == 9
    assert audit_actions(db, object_type="program_settings", object_id=1) == [
        "settings.change.default_monthly_cap"
    ]


@pytest.mark.parametrize("name", sorted(NEW_VALUES))
def test_an_admin_changes_every_setting(db: Session, name: str) -> None:
    data = ProgramSettingsUpdate.model_validate({name: NEW_VALUES[name]})
    settings = update_program_settings(session=db, actor=ADMIN, data=data)
    assert getattr(settings, name) == NEW_VALUES[name]
    assert audit_actions(db, object_type="program_settings", object_id=1) == [
        f"settings.change.{name}"
    ]


def test_changing_the_refresher_rule_reflags_every_supporter_at_once(db: Session) -> None:
    """With 2 monthly sessions missed in a row, lowering the rule to 2 flags the supporter and
    raising it to 3 clears the flag; a supporter with 1 missed stays unflagged throughout."""
    trained = date.today() - timedelta(days=200)
    two_missed = make_supporter(db, trained_on=trained)
    one_missed = make_supporter(db, trained_on=trained)
    older = make_program_session(db, starts_at=utcnow() - timedelta(days=40))
    make_program_session(db, starts_at=utcnow() - timedelta(days=10))
    make_attendance(db, older, one_missed, "attended")

    update_program_settings(
        session=db, actor=COORDINATOR, data=ProgramSettingsUpdate(refresher_missed_sessions=2)
    )
    assert (two_missed.needs_refresher, one_missed.needs_refresher) == (True, False)
    assert audit_actions(db, object_type="supporter", object_id=two_missed.id) == [
        "supporter.change.needs_refresher"
    ]

    update_program_settings(
        session=db, actor=COORDINATOR, data=ProgramSettingsUpdate(refresher_missed_sessions=3)
    )
    assert (two_missed.needs_refresher, one_missed.needs_refresher) == (False, False)
