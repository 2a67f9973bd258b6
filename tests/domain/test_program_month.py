""" "This month" is the program's month (`program_today`, in the program's time zone), not UTC's:
at 2026-12-01 03:30 UTC it is still November 30 in America/New_York (UTC-5 in winter), so an
encounter of November 30 counts for November's load, the cap, the inbox and the debrief prompt;
from 05:00 UTC it is December 1 there."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from domain.debriefs.service import should_prompt_debrief
from domain.inbox.service import inbox_counts, supporters_at_cap
from domain.pagination import PageRequest
from domain.program_settings.service import get_program_settings, program_today
from domain.supporters import roster
from domain.supporters.service import apply_cap, monthly_workload
from tests.factories import COORDINATOR, add_encounter_rows, make_supporter

STILL_NOVEMBER_IN_NEW_YORK = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)
DECEMBER_IN_NEW_YORK = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
NOVEMBER_30 = date(2026, 11, 30)
CAP = 3


@pytest.fixture
def in_new_york(db: Session) -> None:
    settings = get_program_settings(db)
    settings.time_zone = "America/New_York"
    db.add(settings)
    db.flush()


def at_instant(monkeypatch: pytest.MonkeyPatch, instant: datetime) -> None:
    """The clock `program_today` reads (only it: the defaults of the services go through it)."""
    monkeypatch.setattr("domain.program_settings.service.utcnow", lambda: instant)


@pytest.mark.usefixtures("in_new_york")
def test_program_today_is_new_yorks_date_at_the_month_boundary(db: Session) -> None:
    assert program_today(db, STILL_NOVEMBER_IN_NEW_YORK) == NOVEMBER_30
    assert program_today(db, DECEMBER_IN_NEW_YORK) == date(2026, 12, 1)


def test_program_today_follows_the_time_zone_setting(db: Session) -> None:
    settings = get_program_settings(db)
    settings.time_zone = "UTC"
    db.add(settings)
    db.flush()
    assert program_today(db, STILL_NOVEMBER_IN_NEW_YORK) == date(2026, 12, 1)


@pytest.mark.usefixtures("in_new_york")
def test_an_encounter_of_november_30_counts_for_novembers_load_at_0330_utc(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    supporter = make_supporter(db, max_encounters_per_month=CAP, available=True)
    add_encounter_rows(db, supporter, CAP, on=NOVEMBER_30)
    at_instant(monkeypatch, STILL_NOVEMBER_IN_NEW_YORK)
    assert monthly_workload(db, supporter, program_today(db)).count == CAP
    assert supporter.id in [
        row.supporter_id
        for row in supporters_at_cap(session=db, actor=COORDINATOR, page=PageRequest()).items
    ]
    assert inbox_counts(session=db, actor=COORDINATOR).at_cap >= 1
    assert should_prompt_debrief(db, supporter)
    entry = roster.read_roster_entry(session=db, actor=COORDINATOR, supporter_id=supporter.id)
    assert entry.workload.count == CAP
    assert apply_cap(db, COORDINATOR, supporter).cap_reached
    assert not supporter.available


@pytest.mark.usefixtures("in_new_york")
def test_from_0500_utc_november_30_is_last_month(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    supporter = make_supporter(db, max_encounters_per_month=CAP, available=True)
    add_encounter_rows(db, supporter, CAP, on=NOVEMBER_30)
    at_instant(monkeypatch, DECEMBER_IN_NEW_YORK)
    assert monthly_workload(db, supporter, program_today(db)).count == 0
    assert supporter.id not in [
        row.supporter_id
        for row in supporters_at_cap(session=db, actor=COORDINATOR, page=PageRequest()).items
    ]
    assert not should_prompt_debrief(db, supporter)
    assert not apply_cap(db, COORDINATOR, supporter).cap_reached
    assert supporter.available


@pytest.mark.usefixtures("in_new_york")
def test_the_services_take_the_day_as_a_parameter(db: Session) -> None:
    supporter = make_supporter(db, max_encounters_per_month=CAP, available=True)
    add_encounter_rows(db, supporter, CAP, on=NOVEMBER_30)
    november = program_today(db, STILL_NOVEMBER_IN_NEW_YORK)
    december = program_today(db, DECEMBER_IN_NEW_YORK)
    assert should_prompt_debrief(db, supporter, today=november)
    assert not should_prompt_debrief(db, supporter, today=december)
    assert not apply_cap(db, COORDINATOR, supporter, today=december).cap_reached
    assert apply_cap(db, COORDINATOR, supporter, today=november).cap_reached
