"""The coordinators' sessions, attendance and monthly tally pages: who sees them, scheduling in
the program's time zone, one-tap attendance, and a room view without a suppressed count."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from domain.codes import Role, SessionKind, SupporterStatus
from domain.columns import utcnow
from domain.errors import InvalidInput
from domain.program_settings.service import get_program_settings
from domain.sessions.models import Attendance, ProgramSession
from domain.supporters.models import Supporter
from domain.users.models import User
from tests.factories import (
    add_encounter_rows_by,
    audit_actions,
    make_attendance,
    make_program_session,
    make_supporter,
    make_user,
)
from tests.web.conftest import HTML, Browser, assert_security_headers, is_fragment
from web.pages import schedule as schedule_pages

PAGES = [
    "/schedule",
    "/schedule/new",
    "/schedule/{id}/edit",
    "/schedule/{id}/cancel",
    "/schedule/{id}/attendance",
    "/tally",
    "/tally?month=2026-03&exact=1",
]
POSTS = [
    ("/schedule/new", {"kind": "monthly_session", "topic": "X", "start_date": "2030-01-09",
                       "start_time": "17:00", "duration_minutes": "60"}),
    ("/schedule/{id}/edit", {"kind": "monthly_session", "topic": "X", "start_date": "2030-01-09",
                             "start_time": "17:00", "duration_minutes": "60"}),
    ("/schedule/{id}/cancel", {}),
    ("/schedule/{id}/attendance", {"supporter_id": "1"}),
    ("/schedule/{id}/attendance/{supporter}", {"status": "attended"}),
]  # fmt: skip
REFUSED_ROLES = [Role.supporter, Role.report_viewer, Role.admin, Role.resource_editor]


@pytest.fixture
def coordinator(db: Session) -> User:
    return make_user(db, roles=(Role.coordinator,), display_name="Casey Coordinator")


@pytest.fixture
def as_coordinator(coordinator: User, sign_in: Callable[..., Browser]) -> Browser:
    return sign_in(coordinator)


@pytest.fixture
def held(db: Session, coordinator: User) -> ProgramSession:
    return make_program_session(
        db, starts_at=utcnow() - timedelta(hours=1), topic="Moral distress",
        facilitator_id=coordinator.id, location="Room 4",
    )  # fmt: skip


def named_supporter(db: Session, name: str, **overrides: object) -> Supporter:
    user = make_user(db, roles=(Role.supporter,), display_name=name)
    return make_supporter(db, user=user, **overrides)


def attendance_of(db: Session, held: ProgramSession, supporter: Supporter) -> str | None:
    db.expire_all()
    found = db.get(Attendance, (held.id, supporter.id))
    return found.status.value if found else None


# Who sees the pages.


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_for_a_coordinator(
    client: TestClient, as_coordinator: Browser, held: ProgramSession, path: str
) -> None:
    page = client.get(path.format(id=held.id))
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    assert_security_headers(page)
    assert 'aria-current="page"' in page.text
    assert " style=" not in page.text
    assert "<script>" not in page.text


@pytest.mark.parametrize("role", REFUSED_ROLES)
@pytest.mark.parametrize("path", PAGES)
def test_other_roles_are_refused(
    client: TestClient,
    db: Session,
    sign_in: Callable[..., Browser],
    held: ProgramSession,
    role: Role,
    path: str,
) -> None:
    user = make_user(db, roles=(role,))
    if role is Role.supporter:
        make_supporter(db, user=user)
    sign_in(user)
    page = client.get(path.format(id=held.id), headers=HTML)
    assert page.status_code == 403
    assert "Moral distress" not in page.text


@pytest.mark.parametrize("role", REFUSED_ROLES)
@pytest.mark.parametrize(("path", "form"), POSTS)
def test_other_roles_cannot_post(
    client: TestClient,
    db: Session,
    sign_in: Callable[..., Browser],
    held: ProgramSession,
    role: Role,
    path: str,
    form: dict[str, str],
) -> None:
    supporter = make_supporter(db)
    browser = sign_in(make_user(db, roles=(role,)))
    target = path.format(id=held.id, supporter=supporter.id)
    answer = client.post(target, data=browser.form(**form), headers=HTML)
    assert answer.status_code == 403
    assert db.get(ProgramSession, held.id) is not None
    assert attendance_of(db, held, supporter) is None


@pytest.mark.parametrize("path", [*PAGES, "/schedule?held_after=1"])
def test_signed_out_visitors_are_sent_to_sign_in(client: TestClient, path: str) -> None:
    answer = client.get(path.format(id=1), follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/sign-in?next=")


@pytest.mark.parametrize(("path", "form"), POSTS)
def test_posts_without_the_csrf_token_are_refused(
    client: TestClient,
    db: Session,
    as_coordinator: Browser,
    held: ProgramSession,
    path: str,
    form: dict[str, str],
) -> None:
    supporter = make_supporter(db)
    target = path.format(id=held.id, supporter=supporter.id)
    answer = client.post(target, data=form, headers=HTML)
    assert answer.status_code == 403
    assert "This form has expired" in answer.text
    answer = client.post(target, data={**form, "csrf_token": "forged"}, headers=HTML)
    assert answer.status_code == 403
    assert db.get(ProgramSession, held.id) is not None
    assert attendance_of(db, held, supporter) is None


def test_the_coordinator_navigation_links_sessions_and_tally(
    client: TestClient, as_coordinator: Browser
) -> None:
    page = client.get("/schedule").text
    assert 'href="/schedule" aria-current="page"' in page
    assert 'href="/tally"' in page


# The schedule.


def test_the_schedule_lists_upcoming_and_held_sessions_with_counts(
    client: TestClient, db: Session, as_coordinator: Browser, held: ProgramSession
) -> None:
    coming = make_program_session(
        db, starts_at=utcnow() + timedelta(days=3), topic="Second victims",
        kind=SessionKind.initial_training,
    )  # fmt: skip
    for status in ("attended", "attended", "excused"):
        supporter = make_supporter(db)
        make_attendance(db, held, supporter, status)
    page = client.get("/schedule").text
    upcoming, past = page.split('id="held-heading"')
    assert "Second victims" in upcoming
    assert "Moral distress" in past
    assert "2 attended, 1 excused, 0 absent" in past
    assert "Casey Coordinator" in past
    assert "Room 4" in past
    assert f'href="/schedule/{held.id}/attendance"' in past
    assert f'href="/schedule/{coming.id}/edit"' in upcoming
    month = held.starts_at.astimezone().strftime("%Y-%m")  # both zones agree but near midnight
    assert "/tally?month=" in past
    assert month[:4] in past


def test_the_schedule_shows_times_in_the_program_time_zone(
    client: TestClient, db: Session, as_coordinator: Browser
) -> None:
    make_program_session(db, starts_at=datetime(2031, 1, 15, 22, 30, tzinfo=UTC), topic="Late")
    page = client.get("/schedule").text
    assert "Wed Jan 15, 2031, 5:30 PM" in page  # America/New_York, EST
    assert "America/New_York" in page


def test_the_schedule_comes_page_by_page(
    client: TestClient, db: Session, as_coordinator: Browser
) -> None:
    base = utcnow() - timedelta(days=400)
    for n in range(27):
        make_program_session(db, starts_at=base + timedelta(days=n), topic=f"Topic {n:02d}")
    first = client.get("/schedule").text
    assert "Topic 26" in first
    assert "Topic 02" in first
    assert "Topic 01" not in first
    found = re.search(r'href="/schedule\?held_after=(\d+)"', first)
    assert found is not None
    rest = client.get(f"/schedule?held_after={found.group(1)}").text
    assert "Topic 01" in rest
    assert "Topic 00" in rest
    assert "Topic 02" not in rest


def test_scheduling_a_session_stores_the_program_time_in_utc(
    client: TestClient, db: Session, coordinator: User, as_coordinator: Browser
) -> None:
    form = as_coordinator.form(
        kind="initial_training", topic="Initial training", start_date="2031-07-09",
        start_time="17:30", duration_minutes="120", location="Room 210",
        facilitator_id=str(coordinator.id),
    )  # fmt: skip
    answer = client.post("/schedule/new", data=form, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/schedule?done=scheduled"
    created = db.exec(
        select(ProgramSession).where(ProgramSession.topic == "Initial training")
    ).one()
    assert created.starts_at == datetime(2031, 7, 9, 21, 30, tzinfo=UTC)  # EDT is UTC-4
    assert (created.kind, created.duration_minutes) == (SessionKind.initial_training, 120)
    assert (created.location, created.facilitator_id) == ("Room 210", coordinator.id)
    assert "The session is scheduled." in client.get(answer.headers["location"]).text


def test_scheduling_through_htmx_redirects_with_hx_redirect(
    client: TestClient, as_coordinator: Browser
) -> None:
    form = as_coordinator.form(
        kind="debrief", topic="After the code", start_date="2031-07-09", start_time="09:00",
        duration_minutes="45",
    )  # fmt: skip
    answer = client.post("/schedule/new", data=form, headers=as_coordinator.htmx)
    assert answer.status_code == 204
    assert answer.headers["hx-redirect"] == "/schedule?done=scheduled"


def test_invalid_input_is_shown_beside_the_fields_and_kept(
    client: TestClient, as_coordinator: Browser
) -> None:
    form = as_coordinator.form(
        kind="monthly_session", topic="", start_date="2031-13-01", start_time="17:00",
        duration_minutes="4", location="Room <b>9</b>",
    )  # fmt: skip
    page = client.post("/schedule/new", data=form)
    assert page.status_code == 422
    assert 'id="start_date-error"' in page.text
    assert 'value="2031-13-01"' in page.text
    assert 'value="Room &lt;b&gt;9&lt;/b&gt;"' in page.text
    assert 'value="monthly_session" checked' in page.text
    form |= {"start_date": "2031-02-05"}
    page = client.post("/schedule/new", data=form)
    assert page.status_code == 422
    assert 'id="topic-error"' in page.text
    assert 'id="duration_minutes-error"' in page.text
    assert 'value="4"' in page.text


def test_a_time_skipped_by_the_clocks_going_forward_is_refused_beside_the_time(
    client: TestClient, db: Session, as_coordinator: Browser
) -> None:
    form = as_coordinator.form(
        kind="monthly_session", topic="Spring forward", start_date="2031-03-09",
        start_time="02:30", duration_minutes="60",
    )  # fmt: skip
    page = client.post("/schedule/new", data=form, headers=as_coordinator.htmx)
    assert page.status_code == 422
    assert is_fragment(page)
    assert 'id="start_time-error"' in page.text
    assert "2:30 AM does not exist on Mar 9, 2031 in America/New_York" in page.text
    assert (
        db.exec(select(ProgramSession).where(ProgramSession.topic == "Spring forward")).first()
        is None
    )


def test_a_time_that_happens_twice_is_the_first_and_the_form_says_so(
    client: TestClient, db: Session, as_coordinator: Browser
) -> None:
    form = as_coordinator.form(
        kind="monthly_session", topic="Fall back", start_date="2031-11-02", start_time="01:30",
        duration_minutes="60",
    )  # fmt: skip
    assert client.post("/schedule/new", data=form, follow_redirects=False).status_code == 303
    created = db.exec(select(ProgramSession).where(ProgramSession.topic == "Fall back")).one()
    assert created.starts_at == datetime(2031, 11, 2, 5, 30, tzinfo=UTC)  # 1:30 EDT
    edit = client.get(f"/schedule/{created.id}/edit").text
    assert 'value="01:30"' in edit
    assert "This time happens twice that night" in edit


def test_a_facilitator_who_is_not_a_coordinator_is_refused_beside_the_field(
    client: TestClient, db: Session, as_coordinator: Browser
) -> None:
    viewer = make_user(db, roles=(Role.report_viewer,), display_name="Riley Viewer")
    form = as_coordinator.form(
        kind="monthly_session", topic="Led by a viewer", start_date="2031-02-05",
        start_time="17:00", duration_minutes="60", facilitator_id=str(viewer.id),
    )  # fmt: skip
    page = client.post("/schedule/new", data=form)
    assert page.status_code == 422
    assert 'id="facilitator_id-error"' in page.text
    assert "Riley Viewer is not a coordinator" in page.text
    assert "Riley Viewer</option>" not in page.text  # only coordinators are offered


def test_a_coordinator_changes_a_session(
    client: TestClient, db: Session, as_coordinator: Browser, held: ProgramSession
) -> None:
    form = client.get(f"/schedule/{held.id}/edit").text
    assert 'value="Moral distress"' in form
    assert 'value="Room 4"' in form
    answer = client.post(
        f"/schedule/{held.id}/edit",
        data=as_coordinator.form(
            kind="monthly_session", topic="Moral injury", start_date="2031-01-15",
            start_time="12:00", duration_minutes="90", location="", facilitator_id="",
        ),
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303
    db.refresh(held)
    assert (held.topic, held.duration_minutes, held.location) == ("Moral injury", 90, "")
    assert held.facilitator_id is None
    assert held.starts_at == datetime(2031, 1, 15, 17, 0, tzinfo=UTC)
    assert "program_session.change.topic" in audit_actions(
        db, object_type="program_session", object_id=held.id
    )


def test_a_coordinator_cancels_a_session(
    client: TestClient, db: Session, as_coordinator: Browser, held: ProgramSession
) -> None:
    confirm = client.get(f"/schedule/{held.id}/cancel").text
    assert "Cancel this session?" in confirm
    answer = client.post(
        f"/schedule/{held.id}/cancel", data=as_coordinator.form(), follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/schedule?done=cancelled"
    held_id = held.id
    db.expire_all()
    assert db.get(ProgramSession, held_id) is None


def test_an_unknown_session_is_a_calm_404(client: TestClient, as_coordinator: Browser) -> None:
    for path in ("/schedule/999999/edit", "/schedule/999999/attendance"):
        page = client.get(path, headers=HTML)
        assert page.status_code == 404
        assert "There is no session 999999." in page.text


# Attendance.


def test_the_sheet_lists_every_active_supporter_for_a_monthly_session(
    client: TestClient, db: Session, as_coordinator: Browser, held: ProgramSession
) -> None:
    ana = named_supporter(db, "Ana Active")
    named_supporter(db, "Pat Paused", status=SupporterStatus.paused)
    came = named_supporter(db, "Paula Paused-But-Came", status=SupporterStatus.paused)
    make_attendance(db, held, came, "attended")
    page = client.get(f"/schedule/{held.id}/attendance").text
    assert "Ana Active" in page
    assert "Paula Paused-But-Came" in page
    sheet = page.split('class="attendance-sheet"')[1].split("</ul>")[0]
    assert "Pat Paused" not in sheet
    assert f'id="supporter-{ana.id}"' in sheet
    assert re.search(r"<strong>1</strong> attended", page)
    assert f'action="/schedule/{held.id}/attendance/{ana.id}"' in page


def test_a_training_lists_those_invited_and_offers_to_add_others(
    client: TestClient, db: Session, as_coordinator: Browser
) -> None:
    training = make_program_session(db, kind=SessionKind.initial_training, topic="Training")
    invited = named_supporter(db, "Ivy Invited", status=SupporterStatus.candidate)
    other = named_supporter(db, "Oscar Other")
    make_attendance(db, training, invited, "invited")
    page = client.get(f"/schedule/{training.id}/attendance").text
    sheet = page.split('class="attendance-sheet"')[1].split("</ul>")[0]
    assert "Ivy Invited" in sheet
    assert "Oscar Other" not in sheet
    assert f'<option value="{other.id}">Oscar Other</option>' in page
    answer = client.post(
        f"/schedule/{training.id}/attendance",
        data=as_coordinator.form(supporter_id=str(other.id)),
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert attendance_of(db, training, other) == "invited"
    refused = client.post(
        f"/schedule/{training.id}/attendance", data=as_coordinator.form(supporter_id="")
    )
    assert refused.status_code == 422
    assert 'id="supporter_id-error"' in refused.text


def test_one_tap_records_attendance_without_javascript(
    client: TestClient, db: Session, as_coordinator: Browser, held: ProgramSession
) -> None:
    ana = named_supporter(db, "Ana Active")
    answer = client.post(
        f"/schedule/{held.id}/attendance/{ana.id}",
        data=as_coordinator.form(status="excused"),
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/schedule/{held.id}/attendance#supporter-{ana.id}"
    assert attendance_of(db, held, ana) == "excused"
    page = client.get(answer.headers["location"]).text
    assert 'value="excused" class="tap tap-excused" aria-pressed="true"' in page


def test_an_htmx_tap_swaps_the_row_and_the_counts(
    client: TestClient, db: Session, as_coordinator: Browser, held: ProgramSession
) -> None:
    ana, ben = named_supporter(db, "Ana Active"), named_supporter(db, "Ben Busy")
    answer = client.post(
        f"/schedule/{held.id}/attendance/{ana.id}", data={"status": "attended"},
        headers=as_coordinator.htmx,
    )  # fmt: skip
    assert answer.status_code == 200
    assert is_fragment(answer)
    assert answer.text.lstrip().startswith(f'<li id="supporter-{ana.id}"')
    assert 'value="attended" class="tap tap-attended" aria-pressed="true"' in answer.text
    assert "Ben Busy" not in answer.text
    assert 'id="attendance-counts"' in answer.text
    assert 'hx-swap-oob="true"' in answer.text
    assert re.search(r"<strong>1</strong> attended", answer.text)
    assert re.search(r"<strong>1</strong> not marked", answer.text)
    assert attendance_of(db, held, ana) == "attended"
    assert attendance_of(db, held, ben) is None


def test_a_tap_recomputes_the_refresher_flag(
    client: TestClient, db: Session, as_coordinator: Browser
) -> None:
    ana = named_supporter(db, "Ana Active")
    sessions = [
        make_program_session(db, starts_at=utcnow() - timedelta(days=d)) for d in (60, 30, 1)
    ]
    for program_session in sessions:
        client.post(
            f"/schedule/{program_session.id}/attendance/{ana.id}",
            data=as_coordinator.form(status="absent"),
        )
    db.refresh(ana)
    assert ana.needs_refresher is True
    client.post(
        f"/schedule/{sessions[-1].id}/attendance/{ana.id}",
        data=as_coordinator.form(status="attended"),
    )
    db.refresh(ana)
    assert ana.needs_refresher is False


def test_attendance_before_the_session_starts_is_refused_calmly(
    client: TestClient, db: Session, as_coordinator: Browser
) -> None:
    coming = make_program_session(db, starts_at=utcnow() + timedelta(days=2))
    ana = named_supporter(db, "Ana Active")
    page = client.get(f"/schedule/{coming.id}/attendance").text
    assert "has not started yet" in page
    assert 'class="tap' not in page
    answer = client.post(
        f"/schedule/{coming.id}/attendance/{ana.id}", data={"status": "attended"},
        headers=as_coordinator.htmx,
    )  # fmt: skip
    assert answer.status_code == 422
    assert "until then it is &#39;invited&#39;" in answer.text
    assert attendance_of(db, coming, ana) is None


def test_an_unknown_status_is_refused(
    client: TestClient, db: Session, as_coordinator: Browser, held: ProgramSession
) -> None:
    ana = named_supporter(db, "Ana Active")
    answer = client.post(
        f"/schedule/{held.id}/attendance/{ana.id}", data=as_coordinator.form(status="asleep")
    )
    assert answer.status_code == 422
    assert attendance_of(db, held, ana) is None


def test_reading_the_sheet_is_audited(
    client: TestClient, db: Session, as_coordinator: Browser, held: ProgramSession
) -> None:
    client.get(f"/schedule/{held.id}/attendance")
    assert "supporter.list" in audit_actions(db, object_type="program_session", object_id=held.id)


def test_an_htmx_tap_shows_one_row_and_counts_so_it_is_not_a_roster_read(
    client: TestClient, db: Session, as_coordinator: Browser, held: ProgramSession
) -> None:
    ana = named_supporter(db, "Ana Active")
    client.post(
        f"/schedule/{held.id}/attendance/{ana.id}", data={"status": "attended"},
        headers=as_coordinator.htmx,
    )  # fmt: skip
    assert "supporter.list" not in audit_actions(
        db, object_type="program_session", object_id=held.id
    )


# The monthly tally.


@pytest.fixture
def months() -> tuple[date, date]:
    """The 10th of last month and of the month before, reckoned when the test runs (not when
    the module is imported, which may be in another month)."""
    last = (utcnow().date().replace(day=1) - timedelta(days=1)).replace(day=10)
    return last, (last.replace(day=1) - timedelta(days=1)).replace(day=10)


def busy_month(db: Session, months: tuple[date, date]) -> None:
    """Last month: 30 inpatient encounters from 4 supporters, 23 ICU from 4, and 7 in the ED
    from 2 (a small cell), 9 in an office from 3 (small as well). The month before: 40
    inpatient."""
    last_month, month_before = months
    team = [make_supporter(db) for _ in range(4)]
    add_encounter_rows_by(db, team, 30, on=last_month)
    add_encounter_rows_by(db, team, 23, on=last_month, setting="icu")
    add_encounter_rows_by(db, team[:2], 7, on=last_month, setting="emergency_department")
    add_encounter_rows_by(db, team[:3], 9, on=last_month, setting="office")
    add_encounter_rows_by(db, team, 40, on=month_before)


def row_of(page: str, table: str, value_label: str) -> list[str]:
    section = page.split(f'id="tally-{table}"')[1].split("</table>")[0]
    row = section.split(f'<th scope="row">{value_label}</th>')[1].split("</tr>")[0]
    return re.findall(r'<td class="number">(.*?)</td>', row)


def test_the_room_view_never_carries_a_suppressed_count(
    client: TestClient, db: Session, as_coordinator: Browser, months: tuple[date, date]
) -> None:
    busy_month(db, months)
    month = months[0].strftime("%Y-%m")
    room = client.get(f"/tally?month={month}").text
    assert row_of(room, "setting", "Inpatient unit") == ["30", "40"]
    assert row_of(room, "setting", "ICU")[0] == "23"
    hidden = '<span class="suppressed">hidden</span>'
    assert row_of(room, "setting", "Emergency department")[0] == hidden
    assert row_of(room, "setting", "Office")[0] == hidden
    for count in ("7", "9"):
        assert f">{count}<" not in room
        assert f'"{count}"' not in room
    assert "Exact counts (your screen only, not for the room)" in room

    exact = client.get(f"/tally?month={month}&exact=1").text
    assert row_of(exact, "setting", "Emergency department")[0] == "7"
    assert row_of(exact, "setting", "Office")[0] == "9"
    assert "not for the room" in exact
    assert f'href="/tally?month={month}"' in exact
    # Printed, the exact view gives the room nothing: its figures sit in a block that the
    # print style hides, and the print says why.
    assert '<div class="tally-figures exact-figures">' in exact
    assert "Exact counts: not for printing. Print the room view." in exact
    assert '<div class="tally-figures">' in room
    assert "not for printing" not in room
    css = client.get("/static/peer-support-0.1.0.css").text
    print_rules = css[css.rindex("@media print") :]
    assert ".exact-figures, .exact-notice { display: none !important; }" in print_rules


def figures(page: str) -> list[str]:
    """Every figure of the tally in page order: the summary, each table's cells and the
    matrix (a hidden one reads "hidden")."""
    body = page.split('<dl class="tally-summary">')[1]
    cells = re.findall(r'<(?:dd|td class="number[^"]*")>(.*?)</(?:dd|td)>', body, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


def test_the_room_view_hides_every_small_count_in_every_table(
    client: TestClient, db: Session, as_coordinator: Browser, months: tuple[date, date]
) -> None:
    """With k = 40: 61 ordinary encounters and, for each table, a small group that differs
    from them in that table only (a different size each, so that no two hidden values are
    alike), and 29 the month before. Every exact value the room view hides appears nowhere in
    its page."""
    last_month, month_before = months
    settings = get_program_settings(db)
    settings.small_cell_threshold = 40
    db.add(settings)
    team = [make_supporter(db) for _ in range(4)]
    add_encounter_rows_by(db, team, 61, on=last_month)
    for count, values in (
        (37, {"setting": "icu"}),
        (33, {"stressors": ("patient_death",)}),
        (31, {"elements": ("encouragement",)}),
        (27, {"support_types": ("informational",)}),
        (26, {"escalation": "warm_referral"}),
        (24, {"peer_profession_code": "pharmacist"}),
        (22, {"peer_profession_code": "nurse"}),  # nurse to nurse: not interprofessional
    ):
        add_encounter_rows_by(db, team, count, on=last_month, **values)
    add_encounter_rows_by(db, team, 29, on=month_before)
    month = last_month.strftime("%Y-%m")

    exact = figures(client.get(f"/tally?month={month}&exact=1").text)
    answer = client.get(f"/tally?month={month}")
    room = figures(answer.text)
    assert len(exact) == len(room)
    hidden = {exact_cell for exact_cell, room_cell in zip(exact, room, strict=True)
              if room_cell == "hidden"}  # fmt: skip
    assert {"37", "33", "31", "27", "26", "24", "22", "29"} <= hidden
    for table in ("setting", "stressor", "element", "support_type", "escalation"):
        assert "hidden" in answer.text.split(f'id="tally-{table}"')[1].split("</table>")[0]
    page = re.sub(r'name="csrf_token" value="[^"]*"', "", answer.text)
    page = re.sub(r"hx-headers='[^']*'", "", page)
    distinctive = {value.removesuffix("%") for value in hidden} - {"0", "—"}  # zeros: anywhere
    for number in distinctive:
        assert re.search(rf"(?<![\w.-]){number}(?![\w.])", page) is None, number


def test_the_tally_defaults_to_the_month_of_the_latest_monthly_session(
    client: TestClient, db: Session, as_coordinator: Browser, months: tuple[date, date]
) -> None:
    last_month, month_before = months
    make_program_session(db, starts_at=datetime.combine(month_before, datetime.min.time(), UTC)
                         + timedelta(hours=17), topic="Older")  # fmt: skip
    make_program_session(db, starts_at=datetime.combine(last_month, datetime.min.time(), UTC)
                         + timedelta(hours=17), topic="Latest")  # fmt: skip
    make_program_session(db, starts_at=utcnow() + timedelta(days=40), topic="Not yet")
    page = client.get("/tally").text
    assert f"Monthly tally: {last_month.strftime('%B %Y')}" in page
    assert f"Compared with {month_before.strftime('%B %Y')}" in page
    assert "Latest" in page


def test_a_bad_month_is_refused_beside_the_field(
    client: TestClient, as_coordinator: Browser
) -> None:
    page = client.get("/tally?month=2026-13", headers=HTML)
    assert page.status_code == 422
    assert 'id="month-error"' in page.text
    assert 'value="2026-13"' in page.text
    assert "<h1>Monthly tally</h1>" in page.text
    assert page.text.index("<h1>") < page.text.index('<form method="get" action="/tally"')


def test_reading_the_tally_is_audited_as_a_report_read(
    client: TestClient, db: Session, as_coordinator: Browser
) -> None:
    client.get("/tally?month=2026-03")
    assert audit_actions(db, object_type="report", object_id="tally:2026-03") == ["report.read"]


def test_the_monthly_sessions_link_their_tally(
    client: TestClient, db: Session, as_coordinator: Browser
) -> None:
    make_program_session(db, starts_at=datetime(2026, 3, 18, 21, 0, tzinfo=UTC))
    make_program_session(
        db, kind=SessionKind.debrief, starts_at=datetime(2026, 4, 1, 0, 30, tzinfo=UTC)
    )
    page = client.get("/schedule").text
    assert 'href="/tally?month=2026-03"' in page
    assert 'href="/tally?month=2026-04"' not in page  # a debrief has no tally
    assert 'href="/tally?month=2026-03"' in page


BAD_NUMBERS = ["²", "¹", "-1", "1e3", ""]


@pytest.mark.parametrize("typed", BAD_NUMBERS)
def test_a_duration_that_is_not_a_whole_number_is_refused_beside_it(
    client: TestClient, as_coordinator: Browser, typed: str
) -> None:
    form = as_coordinator.form(
        kind="debrief", topic="After the code", start_date="2031-07-09", start_time="09:00",
        duration_minutes=typed,
    )  # fmt: skip
    page = client.post("/schedule/new", data=form, headers=as_coordinator.htmx)
    assert page.status_code == 422
    assert 'id="duration_minutes-error"' in page.text
    assert "Enter a whole number of minutes." in page.text
    assert '<p class="error" role="alert">Please check the fields marked below.</p>' in page.text


@pytest.mark.parametrize("typed", ["²", "¹", "-1", "1e3", "abc"])
def test_a_facilitator_that_is_not_a_number_is_an_error_not_no_facilitator(
    client: TestClient, db: Session, as_coordinator: Browser, typed: str
) -> None:
    form = as_coordinator.form(
        kind="debrief", topic="Odd facilitator", start_date="2031-07-09", start_time="09:00",
        duration_minutes="45", facilitator_id=typed,
    )  # fmt: skip
    page = client.post("/schedule/new", data=form)
    assert page.status_code == 422
    assert 'id="facilitator_id-error"' in page.text
    assert "Choose a facilitator from the list." in page.text
    found = db.exec(select(ProgramSession).where(ProgramSession.topic == "Odd facilitator"))
    assert found.first() is None


@pytest.mark.parametrize("typed", BAD_NUMBERS)
def test_adding_a_supporter_that_is_not_a_number_is_refused_beside_the_choice(
    client: TestClient, db: Session, as_coordinator: Browser, typed: str
) -> None:
    training = make_program_session(db, kind=SessionKind.initial_training, topic="Training")
    answer = client.post(
        f"/schedule/{training.id}/attendance", data=as_coordinator.form(supporter_id=typed)
    )
    assert answer.status_code == 422
    assert 'id="supporter_id-error"' in answer.text


def test_a_refused_addition_is_shown_beside_the_choice(
    client: TestClient, db: Session, as_coordinator: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    training = make_program_session(db, kind=SessionKind.initial_training, topic="Training")
    other = named_supporter(db, "Oscar Other")

    def refuse(**_: object) -> None:
        raise InvalidInput("This supporter cannot be invited to a training.", field="status")

    monkeypatch.setattr(schedule_pages, "record_attendance", refuse)
    answer = client.post(
        f"/schedule/{training.id}/attendance",
        data=as_coordinator.form(supporter_id=str(other.id)),
    )
    assert answer.status_code == 422
    error = answer.text.split('id="supporter_id-error"')[1].split("</p>")[0]
    assert "This supporter cannot be invited to a training." in error


def test_tap_buttons_and_rows_have_stable_ids_for_the_focus_after_a_swap(
    client: TestClient, db: Session, as_coordinator: Browser, held: ProgramSession
) -> None:
    ana = named_supporter(db, "Ana Active")
    answer = client.post(
        f"/schedule/{held.id}/attendance/{ana.id}", data={"status": "attended"},
        headers=as_coordinator.htmx,
    )  # fmt: skip
    assert answer.status_code == 200
    assert f'<li id="supporter-{ana.id}" tabindex="-1"' in answer.text
    for status in ("attended", "excused", "absent"):
        assert f'id="tap-{ana.id}-{status}"' in answer.text
