"""The roster pages (coordinators): who sees them, the list with its filters, a supporter's
page and its form, inviting, importing from CSV, and deactivation seen on the roster."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from html import unescape
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from domain.auth.service import TokenIssuer
from domain.codes import AttendanceStatus, Role, SupporterStatus
from domain.columns import utcnow
from domain.sessions.models import Attendance
from domain.supporters.models import Supporter
from domain.supporters.roster_import import MAX_BYTES
from domain.users.models import User
from tests.api.conftest import bearer
from tests.factories import (
    add_encounter_rows,
    counting_statements,
    events_after,
    last_event_id,
    make_org_unit,
    make_program_session,
    make_supporter,
    make_user,
)
from tests.web.conftest import (
    HTML,
    HTMX,
    Browser,
    assert_security_headers,
    hidden_value,
    is_fragment,
)

PAGES = ["/roster", "/roster/{id}", "/roster/invite", "/roster/import"]
NOT_COORDINATORS = [Role.admin, Role.supporter, Role.resource_editor, Role.report_viewer]
CSV_HEADER = "email,name,profession,org unit\n"


@pytest.fixture
def coordinator(db: Session) -> User:
    return make_user(db, roles=(Role.coordinator,), display_name="Casey Coordinator")


@pytest.fixture
def as_coordinator(coordinator: User, sign_in: Callable[..., Browser]) -> Browser:
    return sign_in(coordinator)


def person(db: Session, name: str, **overrides: Any) -> Supporter:
    user = make_user(db, roles=(Role.supporter,), display_name=name)
    return make_supporter(db, user=user, **overrides)


@pytest.fixture
def listed(db: Session) -> Supporter:
    return person(db, "Robin Roster")


def profile_form(supporter: Supporter, **overrides: str) -> dict[str, str]:
    """The supporter page's form as it comes filled in, with `overrides` typed over it."""
    trained = supporter.trained_on.isoformat() if supporter.trained_on else ""
    return {
        "status": supporter.status.value,
        "profession_code": supporter.profession_code,
        "org_unit_id": str(supporter.org_unit_id or ""),
        "trained_on": trained,
        "max_encounters_per_month": str(supporter.max_encounters_per_month),
    } | overrides


def table_names(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/roster/\d+">([^<]+)</a>', page)


# Who sees what.


@pytest.mark.parametrize("path", PAGES)
def test_every_roster_page_renders_for_a_coordinator(
    client: TestClient, as_coordinator: Browser, listed: Supporter, path: str
) -> None:
    page = client.get(path.format(id=listed.id))
    assert page.status_code == 200
    assert "<html" in page.text
    assert 'class="page wide"' in page.text
    assert 'href="/roster" aria-current="page"' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert_security_headers(page)


@pytest.mark.parametrize("role", NOT_COORDINATORS)
@pytest.mark.parametrize("path", PAGES)
def test_other_roles_are_refused_every_roster_page(
    client: TestClient, db: Session, sign_in: Any, listed: Supporter, role: Role, path: str
) -> None:
    sign_in(make_user(db, roles=(role,)))
    page = client.get(path.format(id=listed.id), headers=HTML)
    assert page.status_code == 403
    assert "Robin Roster" not in page.text


@pytest.mark.parametrize("role", NOT_COORDINATORS)
def test_other_roles_cannot_post_to_the_roster(
    client: TestClient, db: Session, sign_in: Callable[..., Browser], listed: Supporter, role: Role
) -> None:
    browser = sign_in(make_user(db, roles=(role,)))
    posts = {
        f"/roster/{listed.id}": {"max_encounters_per_month": "3"},
        "/roster/invite": {"email": "x@hospital.example.org", "display_name": "X",
                           "profession_code": "nurse"},
        "/roster/import/apply": {"csv_text": CSV_HEADER + "y@hospital.example.org,Y,nurse,\n"},
    }  # fmt: skip
    for path, fields in posts.items():
        assert client.post(path, data=browser.form(**fields), headers=HTML).status_code == 403
    upload = client.post(
        "/roster/import", data=browser.form(), headers=HTML,
        files={"file": ("r.csv", CSV_HEADER + "z@hospital.example.org,Z,nurse,\n")},
    )  # fmt: skip
    assert upload.status_code == 403
    assert db.exec(select(User).where(col(User.email).in_(["x@hospital.example.org",
        "y@hospital.example.org", "z@hospital.example.org"]))).first() is None  # fmt: skip
    db.refresh(listed)
    assert listed.max_encounters_per_month == 8


@pytest.mark.parametrize("path", PAGES)
def test_signed_out_visitors_are_sent_to_sign_in(client: TestClient, path: str) -> None:
    target = path.format(id=1)
    answer = client.get(target, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/sign-in?next={quote(target, safe='')}"


def test_forms_without_the_csrf_token_are_refused(
    client: TestClient, db: Session, as_coordinator: Browser, listed: Supporter
) -> None:
    posts = {
        f"/roster/{listed.id}": {"max_encounters_per_month": "3"},
        "/roster/invite": {"email": "c@hospital.example.org", "display_name": "C",
                           "profession_code": "nurse"},
        "/roster/import/apply": {"csv_text": CSV_HEADER + "c@hospital.example.org,C,nurse,\n"},
    }  # fmt: skip
    for path, fields in posts.items():
        assert client.post(path, data=fields, headers=HTML).status_code == 403
        assert (
            client.post(path, data={**fields, "csrf_token": "forged"}, headers=HTML).status_code
            == 403
        )
    upload = client.post(
        "/roster/import", data={"csrf_token": "forged"}, headers=HTML,
        files={"file": ("r.csv", CSV_HEADER + "c@hospital.example.org,C,nurse,\n")},
    )  # fmt: skip
    assert upload.status_code == 403
    assert db.exec(select(User).where(User.email == "c@hospital.example.org")).first() is None


# The list.


def test_the_roster_lists_each_supporter_with_their_figures(
    client: TestClient, db: Session, as_coordinator: Browser
) -> None:
    school = make_org_unit(db, name="School of Medicine", kind="school")
    unit = make_org_unit(db, name="Cardiology", parent_id=school.id)
    busy = person(db, "Bea Busy", org_unit_id=unit.id, max_encounters_per_month=2,
                  needs_refresher=True, profession_code="pharmacist")  # fmt: skip
    add_encounter_rows(db, busy, 2, on=utcnow().date())
    held = make_program_session(db, starts_at=utcnow() - timedelta(days=3))
    db.add(Attendance(session_id=held.id or 0, supporter_id=busy.id or 0,
                      status=AttendanceStatus.absent))  # fmt: skip
    db.flush()
    page = client.get("/roster?q=bea").text
    row = page.split("Bea Busy")[1].split("</tr>")[0]
    assert "Pharmacist" in row
    assert "School of Medicine / Cardiology" in row
    assert "2 / 2" in row
    assert "At cap" in row
    assert '<td class="number">1</td>' in row
    assert "Needs a refresher" in row


def test_filters_work_as_a_plain_get_form_and_htmx_gets_only_the_table(
    client: TestClient, db: Session, as_coordinator: Browser
) -> None:
    person(db, "Fil Active")
    person(db, "Fil Paused", status=SupporterStatus.paused)
    page = client.get("/roster?q=fil&status=paused").text
    assert table_names(page) == ["Fil Paused"]
    assert '<option value="paused" selected>' in page
    fragment = client.get("/roster?q=fil&status=active", headers=HTMX)
    assert is_fragment(fragment)
    assert fragment.text.lstrip().startswith('<section id="roster-table"')
    assert table_names(fragment.text) == ["Fil Active"]
    # Sorting: name descending.
    assert table_names(client.get("/roster?q=fil&sort=name&order=desc").text) == [
        "Fil Paused", "Fil Active"
    ]  # fmt: skip


def test_the_plain_form_with_every_field_sent_empty_lists_everyone(
    client: TestClient, db: Session, as_coordinator: Browser, listed: Supporter
) -> None:
    query = "q=&status=&profession=&org_unit=&refresher=&cap=&sort=name&order=asc"
    page = client.get(f"/roster?{query}")
    assert page.status_code == 200
    assert "Robin Roster" in table_names(page.text)


def test_bad_filter_values_answer_422_never_500(
    client: TestClient, as_coordinator: Browser
) -> None:
    bad = ("status=bogus", "org_unit=abc", "org_unit=0", "org_unit=99999999999", "sort=email",
           "cap=maybe", "cursor=zzz", "refresher=1")  # fmt: skip
    for query in bad:
        answer = client.get(f"/roster?{query}", headers=HTML)
        assert answer.status_code == 422, query


def test_pages_follow_the_next_link(
    client: TestClient, db: Session, as_coordinator: Browser
) -> None:
    for n in range(52):
        person(db, f"Pager {n:02d}")
    first = client.get("/roster?q=pager").text
    assert len(table_names(first)) == 50
    next_href = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert next_href is not None
    second = client.get(next_href.group(1).replace("&amp;", "&")).text
    assert table_names(second) == ["Pager 50", "Pager 51"]
    assert 'rel="next"' not in second


def test_the_roster_page_costs_the_same_queries_for_3_or_30_supporters(
    client: TestClient, db: Session, as_coordinator: Browser
) -> None:
    for n in range(3):
        add_encounter_rows(db, person(db, f"Qa {n}"), 1, on=utcnow().date())
    with counting_statements(db) as few:
        assert client.get("/roster?q=qa").status_code == 200
    for n in range(27):
        add_encounter_rows(db, person(db, f"Qa more {n}"), 1, on=utcnow().date())
    with counting_statements(db) as many:
        page = client.get("/roster?q=qa").text
    assert len(table_names(page)) == 30
    assert len(many) == len(few)


# A supporter's page.


def test_a_supporters_page_shows_their_data_history_and_load(
    client: TestClient, db: Session, as_coordinator: Browser, listed: Supporter
) -> None:
    add_encounter_rows(db, listed, 3, on=utcnow().date())
    held = make_program_session(db, starts_at=utcnow() - timedelta(days=5), topic="Moral injury")
    db.add(Attendance(session_id=held.id or 0, supporter_id=listed.id or 0,
                      status=AttendanceStatus.attended))  # fmt: skip
    db.flush()
    page = client.get(f"/roster/{listed.id}").text
    assert "<h1>Robin Roster</h1>" in page
    assert "3 of 8" in page
    assert "Moral injury" in page
    assert "Attended" in page
    assert client.get("/roster/999999", headers=HTML).status_code == 404


def test_changing_a_supporter_saves_and_redirects(
    client: TestClient, db: Session, as_coordinator: Browser, listed: Supporter
) -> None:
    unit = make_org_unit(db, name="Oncology")
    change = profile_form(
        listed, status="paused", profession_code="physician", org_unit_id=str(unit.id),
        max_encounters_per_month="5",
    )  # fmt: skip
    answer = client.post(
        f"/roster/{listed.id}", data=as_coordinator.form(**change), follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/roster/{listed.id}?saved=1"
    db.refresh(listed)
    assert listed.status == SupporterStatus.paused
    assert listed.profession_code == "physician"
    assert listed.org_unit_id == unit.id
    assert listed.max_encounters_per_month == 5
    again = {**change, "max_encounters_per_month": "6"}
    htmx = client.post(
        f"/roster/{listed.id}", data=as_coordinator.form(**again), headers=as_coordinator.htmx
    )
    assert htmx.status_code == 204
    assert htmx.headers["hx-redirect"] == f"/roster/{listed.id}?saved=1"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_encounters_per_month", "0", "Enter a whole number from 1 to 60."),
        ("max_encounters_per_month", "61", "Enter a whole number from 1 to 60."),
        ("max_encounters_per_month", "lots", "Enter a whole number from 1 to 60."),
        ("max_encounters_per_month", "²", "Enter a whole number from 1 to 60."),
        ("max_encounters_per_month", "¹", "Enter a whole number from 1 to 60."),
        ("max_encounters_per_month", "-1", "Enter a whole number from 1 to 60."),
        ("max_encounters_per_month", "1e3", "Enter a whole number from 1 to 60."),
        ("max_encounters_per_month", "", "Enter a whole number from 1 to 60."),
        ("org_unit_id", "²", "Enter a whole number."),
        ("org_unit_id", "¹", "Enter a whole number."),
        ("org_unit_id", "1e3", "Enter a whole number."),
        ("trained_on", "", "A supporter becomes active only after the initial training"),
        ("profession_code", "astronaut", "is not an active profession code"),
    ],
)
def test_bad_changes_show_the_message_beside_the_field_and_keep_the_input(
    client: TestClient, db: Session, as_coordinator: Browser, listed: Supporter,
    field: str, value: str, message: str,
) -> None:  # fmt: skip
    values = profile_form(listed, **{field: value})
    answer = client.post(f"/roster/{listed.id}", data=as_coordinator.form(**values))
    assert answer.status_code == 422
    assert f'id="{field}-error">' in answer.text
    assert message in answer.text
    if field == "max_encounters_per_month":
        assert f'value="{value}"' in answer.text
    db.refresh(listed)
    assert listed.max_encounters_per_month == 8
    assert listed.status == SupporterStatus.active


# Inviting.


def invite_form(**overrides: str) -> dict[str, str]:
    return {
        "email": "Nia.New@hospital.example.org",
        "display_name": "Nia New",
        "profession_code": "nurse",
        "org_unit_id": "",
        "trained_on": "",
    } | overrides


def test_inviting_without_mail_shows_the_link_to_pass_on(
    client: TestClient, db: Session, as_coordinator: Browser
) -> None:
    answer = client.post("/roster/invite", data=as_coordinator.form(**invite_form()))
    assert answer.status_code == 200
    assert "No mail is configured" in answer.text
    link = hidden_link(answer.text)
    assert "/set-password/" in link
    user = db.exec(select(User).where(User.email == "nia.new@hospital.example.org")).one()
    assert user.roles == frozenset({Role.supporter})
    profile = db.exec(select(Supporter).where(Supporter.user_id == user.id)).one()
    assert profile.status == SupporterStatus.candidate
    # The link opens the set-password page.
    assert client.get(urlsplit(link).path).status_code == 200


def hidden_link(page: str) -> str:
    found = re.search(r'class="invitation-link" type="text" readonly value="([^"]+)"', page)
    assert found, "no invitation link on the page"
    return found.group(1)


def test_inviting_with_mail_redirects_to_the_supporter(
    client: TestClient, db: Session, as_coordinator: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("domain.users.invitations.mail_is_configured", lambda: True)
    answer = client.post("/roster/invite", data=as_coordinator.form(**invite_form()),
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    assert re.fullmatch(r"/roster/\d+\?invited=1", answer.headers["location"])
    assert "on its way" in client.get(answer.headers["location"]).text


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "email"),
        ({"display_name": "   "}, "display_name", "Fill this in."),
        ({"profession_code": ""}, "profession_code", "Fill this in."),
        ({"profession_code": "astronaut"}, "profession_code", "not an active profession"),
        ({"org_unit_id": "999999"}, "org_unit_id", "There is no org unit 999999."),
        ({"trained_on": "2999-01-01"}, "trained_on", ""),
    ],
)
def test_bad_invitations_show_the_message_beside_the_field_and_keep_the_input(
    client: TestClient, db: Session, as_coordinator: Browser,
    overrides: dict[str, str], field: str, message: str,
) -> None:  # fmt: skip
    answer = client.post("/roster/invite", data=as_coordinator.form(**invite_form(**overrides)))
    assert answer.status_code == 422
    assert f'id="{field}-error">' in answer.text
    assert message.lower() in answer.text.lower()
    assert 'value="Nia New"' in answer.text or field == "display_name"
    assert db.exec(select(User).where(User.email == "nia.new@hospital.example.org")).first() is None


def test_an_email_that_exists_already_is_a_field_error(
    client: TestClient, db: Session, as_coordinator: Browser
) -> None:
    make_user(db, email="nia.new@hospital.example.org")
    answer = client.post("/roster/invite", data=as_coordinator.form(**invite_form()))
    assert answer.status_code == 422
    assert (
        'id="email-error">A user with the email nia.new@hospital.example.org exists already.'
        in answer.text
    )
    assert 'value="Nia.New@hospital.example.org"' in answer.text


# Importing.


def upload(client: TestClient, browser: Browser, content: bytes | str, **headers: str) -> Any:
    return client.post(
        "/roster/import", data=browser.form(), files={"file": ("roster.csv", content, "text/csv")},
        headers=headers or None,
    )  # fmt: skip


def test_import_previews_then_applies_the_good_rows(
    client: TestClient, db: Session, as_coordinator: Browser
) -> None:
    school = make_org_unit(db, name="School of Medicine", kind="school")
    make_org_unit(db, name="Cardiology", parent_id=school.id)
    make_user(db, email="old@hospital.example.org")
    text = (
        "\ufeff"
        + CSV_HEADER
        + "imp.one@hospital.example.org,Imp One,Nurse,School of Medicine / Cardiology\n"
        + "imp.two@hospital.example.org,Imp Two,pharmacist,\n"
        + "old@hospital.example.org,Old,nurse,\n"
        + "imp.three@hospital.example.org,Imp Three,astronaut,\n"
        + 'imp.four@hospital.example.org,"=HYPERLINK(""http://evil.example"")",nurse,\n'
    )
    preview = upload(client, as_coordinator, text.encode())
    assert preview.status_code == 200
    assert "2 of 5 rows can be imported" in preview.text
    assert "exists already" in preview.text
    assert "astronaut" in preview.text
    assert "like a spreadsheet formula" in preview.text
    assert "Import the 2 good rows" in preview.text
    assert db.exec(select(User).where(col(User.email).like("imp.%"))).all() == []
    carried = hidden_value(preview.text, "csv_text")
    assert unescape(carried) == text.removeprefix("\ufeff")
    applied = client.post(
        "/roster/import/apply", data=as_coordinator.form(csv_text=unescape(carried))
    )
    assert applied.status_code == 200
    assert "2 supporters invited" in applied.text
    assert "3 left out" in applied.text
    emails = set(db.exec(select(User.email).where(col(User.email).like("imp.%"))))
    assert emails == {"imp.one@hospital.example.org", "imp.two@hospital.example.org"}
    assert applied.text.count('class="invitation-link"') == 2


def preview_rows(page: str) -> dict[int, tuple[str, str, str]]:
    """Each row of the preview table: line -> (row class, email cell, result cell as text)."""
    table = page.split('<table class="data-table')[1].split("</table>")[0]
    rows = {}
    for row_class, body in re.findall(r'<tr class="(row-good|row-bad)">(.*?)</tr>', table, re.S):
        line = re.search(r'<th scope="row">(\d+)</th>', body)
        assert line is not None
        cells = re.findall(r"<td>(.*?)</td>", body, re.S)
        result = " ".join(unescape(re.sub(r"<[^>]+>", " ", cells[-1])).split())
        rows[int(line.group(1))] = (row_class, unescape(cells[0]), result)
    return rows


def test_the_import_preview_names_each_bad_row_with_its_reason(
    client: TestClient, db: Session, as_coordinator: Browser
) -> None:
    make_user(db, email="taken@hospital.example.org")
    text = (
        CSV_HEADER
        + "fine@hospital.example.org,Fine Row,nurse,\n"  # line 2
        + "taken@hospital.example.org,Taken,nurse,\n"  # line 3
        + "twin@hospital.example.org,Twin One,nurse,\n"  # line 4
        + "odd@hospital.example.org,Odd Job,astronaut,\n"  # line 5
        + "TWIN@hospital.example.org,Twin Two,nurse,\n"  # line 6
        + "noname@hospital.example.org,,nurse,\n"  # line 7
        + "formula@hospital.example.org,=1+2,nurse,\n"  # line 8
        + ",No Email,nurse,\n"  # line 9
    )
    preview = upload(client, as_coordinator, text.encode())
    assert preview.status_code == 200
    assert "1 of 8 rows can be imported" in preview.text
    rows = preview_rows(preview.text)
    assert sorted(rows) == list(range(2, 10))
    assert rows[2] == ("row-good", "fine@hospital.example.org", "Ready")
    expected = {
        3: ("taken@hospital.example.org",
            "A user with the email taken@hospital.example.org exists already."),
        4: ("twin@hospital.example.org",
            "The email twin@hospital.example.org is on line 6 too: keep one row for it."),
        5: ("odd@hospital.example.org", '"astronaut" is not a profession of the program.'),
        6: ("TWIN@hospital.example.org",
            "The email TWIN@hospital.example.org is on line 4 too: keep one row for it."),
        7: ("noname@hospital.example.org", "The name is missing."),
        8: ("formula@hospital.example.org", "like a spreadsheet formula"),
        9: ("", "The email is missing."),
    }  # fmt: skip
    for line, (email, reason) in expected.items():
        row_class, shown_email, result = rows[line]
        assert row_class == "row-bad", line
        assert shown_email == email, line
        assert reason in result, (line, result)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ((CSV_HEADER + "ana@h.org,Ana Núñez,nurse,\n").encode("latin-1"), "not UTF-8"),
        (b"", "This file is empty"),
        (CSV_HEADER.encode(), "only a header row"),
        (b"email,name\nana@h.org,Ana\n", "lacks profession, org unit"),
        (CSV_HEADER.encode() + b"x" * MAX_BYTES, "larger than the limit of 256 KB"),
    ],
)
def test_files_refused_as_a_whole_say_why(
    client: TestClient, as_coordinator: Browser, content: bytes, message: str
) -> None:
    answer = upload(client, as_coordinator, content)
    assert answer.status_code == 422
    assert 'id="file-error">' in answer.text
    assert message in answer.text


def test_an_import_without_a_file_asks_for_one(client: TestClient, as_coordinator: Browser) -> None:
    answer = client.post("/roster/import", data=as_coordinator.form(), files={"x": ("", b"")})
    assert answer.status_code == 422


# Deactivation, through the API, seen at once.


def test_deactivating_through_the_api_takes_them_off_the_active_roster_at_once(
    client: TestClient, db: Session, as_coordinator: Browser, listed: Supporter
) -> None:
    issuer: TokenIssuer = client.app.state.token_issuer  # type: ignore[attr-defined]
    admin = make_user(db, roles=(Role.admin,))
    coordinator_token = bearer(issuer, f"user:{as_coordinator.user.id}")
    active = client.get("/api/v1/supporters?status=active&limit=200", headers=coordinator_token)
    assert listed.id in [item["id"] for item in active.json()["items"]]

    changed = client.patch(f"/api/v1/users/{listed.user_id}", json={"active": False},
                           headers=bearer(issuer, f"user:{admin.id}"))  # fmt: skip
    assert changed.status_code == 200

    active = client.get("/api/v1/supporters?status=active&limit=200", headers=coordinator_token)
    assert listed.id not in [item["id"] for item in active.json()["items"]]
    row = client.get("/roster?q=robin").text.split("Robin Roster")[1].split("</tr>")[0]
    assert "Inactive" in row
    assert "Account deactivated" in row
    again = client.patch(f"/api/v1/supporters/{listed.id}", json={"status": "active"},
                         headers=coordinator_token)  # fmt: skip
    assert again.status_code == 409
    assert "deactivated" in again.json()["detail"]
    page = client.post(
        f"/roster/{listed.id}", data=as_coordinator.form(**profile_form(listed, status="active"))
    )
    assert page.status_code == 422
    assert 'id="status-error">' in page.text
    assert "deactivated" in page.text


# The audit trail.


def test_roster_reads_and_changes_are_audited_once_each(
    client: TestClient, db: Session, as_coordinator: Browser, listed: Supporter
) -> None:
    me = f"user:{as_coordinator.user.id}"
    before = last_event_id(db)
    assert client.get("/roster").status_code == 200
    assert events_after(db, before) == [("supporter.list", me, "supporter", None, "success")]
    before = last_event_id(db)
    assert client.get(f"/roster/{listed.id}").status_code == 200
    assert events_after(db, before) == [
        ("supporter.read", me, "supporter", str(listed.id), "success")
    ]
    before = last_event_id(db)
    change = profile_form(listed, max_encounters_per_month="4", status="paused")
    client.post(f"/roster/{listed.id}", data=as_coordinator.form(**change), follow_redirects=False)
    changes = [event[0] for event in events_after(db, before) if event[3] == str(listed.id)]
    assert sorted(set(changes) - {"supporter.read"}) == [
        "supporter.change.max_encounters_per_month",
        "supporter.change.status",
    ]


def test_the_roster_offers_the_service_sorts_and_captions_its_table(
    client: TestClient, as_coordinator: Browser, listed: Supporter
) -> None:
    page = client.get("/roster", headers=HTML).text
    select = page.split('<select id="sort" name="sort">')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\w+)"', select) == ["name", "trained", "load", "missed"]
    assert '<caption class="visually-hidden">Supporters on the roster</caption>' in page
    detail = client.get(f"/roster/{listed.id}", headers=HTML).text
    cap = detail.split('id="max_encounters_per_month"')[1].split(">")[0]
    assert 'min="1" max="60"' in cap
