"""The supporter's pages: who sees what, htmx fragments, logging and changing encounters,
resources, sessions and debriefs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from domain.codes import AttendanceStatus, ResourceCategory, Role, SupporterStatus
from domain.columns import utcnow
from domain.debriefs.models import DebriefRequest, DebriefStatus, DebriefUrgency
from domain.encounters.models import Encounter
from domain.encounters.service import log_encounter
from domain.program_settings.service import program_today
from domain.sessions.models import Attendance
from domain.supporters.models import Supporter
from tests.factories import (
    days_ago,
    encounter_data,
    make_program_session,
    make_resource,
    make_supporter,
    make_user,
    set_logged_at,
    supporter_actor,
)
from tests.web.conftest import (
    HTML,
    HTMX,
    Browser,
    assert_security_headers,
    hidden_value,
    is_fragment,
    user_of,
    vary_of,
)
from web.session import unmask_token

SIGNED_IN_PAGES = [
    "/",
    "/supporter",
    "/guide",
    "/log",
    "/month",
    "/encounters",
    "/encounters/{id}/edit",
    "/encounters/{id}/delete",
    "/resources",
    "/sessions",
    "/debrief",
    "/crisis",
]
SUPPORTER_ONLY = [
    "/supporter",
    "/log",
    "/month",
    "/encounters",
    "/encounters/{id}/edit",
    "/encounters/{id}/delete",
    "/sessions",
    "/debrief",
]
# `/` is the home of each role (tests/web/test_homes.py).
FOR_EVERYONE_SIGNED_IN = ["/guide", "/resources", "/crisis"]
NEEDS_SIGN_IN = [path for path in SIGNED_IN_PAGES if path not in ("/", "/crisis")]


def today() -> date:
    return utcnow().date()


def log(db: Session, supporter: Supporter, **overrides: Any) -> Encounter:
    actor = supporter_actor(db, supporter)
    return log_encounter(session=db, actor=actor, data=encounter_data(**overrides)).encounter


def valid_form(**overrides: Any) -> dict[str, Any]:
    return {
        "occurred_on": today().isoformat(),
        "setting": "icu",
        "peer_profession": "physician",
        "duration_band": "15_to_30",
        "stressors": ["adverse_event", "moral_distress"],
        "elements": ["listening"],
        "support_types": ["emotional"],
        "modality": "in_person",
        "initiated_by": "supporter_approach",
        "peer_org_relation": "unknown",
        "escalation": "none",
        "follow_up": "none",
    } | overrides


def encounters_of(db: Session, supporter: Supporter) -> list[Encounter]:
    query = select(Encounter).where(Encounter.supporter_id == supporter.id)
    return list(db.exec(query.order_by(col(Encounter.id))))


def checked(page: str, name: str, value: str) -> bool:
    return f'name="{name}" value="{value}" checked' in page


def selected(page: str, value: str) -> bool:
    return f'<option value="{value}" selected>' in page


def crisis_header(page: str) -> str:
    return page.split('<header class="site-header">')[1].split("</header>")[0]


@pytest.fixture
def own_encounter(db: Session, supporter: Supporter) -> Encounter:
    return log(db, supporter)


# Who sees which page.


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_every_page_renders_for_a_supporter(
    client: TestClient, as_supporter: Browser, own_encounter: Encounter, path: str
) -> None:
    page = client.get(path.format(id=own_encounter.id))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "hx-request" in vary_of(page)
    assert page.headers["cache-control"] == "no-store"
    assert_security_headers(page)
    if path != "/month":  # the fragment that refreshes the month's list
        assert "<html" in page.text
        header = crisis_header(page.text)
        assert 'href="tel:988"' in header
        assert 'href="sms:741741' in header
        found = re.search(r"""hx-headers='\{"X-CSRF-Token": "([^"]+)"\}'""", page.text)
        assert found is not None
        assert unmask_token(found.group(1)) == as_supporter.csrf


@pytest.mark.parametrize("path", NEEDS_SIGN_IN)
def test_signed_out_visitors_are_sent_to_sign_in_and_back(client: TestClient, path: str) -> None:
    target = path.format(id=1)
    answer = client.get(target, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/sign-in?next={quote(target, safe='')}"


@pytest.mark.parametrize("path", NEEDS_SIGN_IN)
def test_htmx_requests_of_signed_out_visitors_redirect_the_whole_page(
    client: TestClient, path: str
) -> None:
    answer = client.get(path.format(id=1), headers=HTMX, follow_redirects=False)
    assert answer.status_code == 401
    assert answer.headers["hx-redirect"].startswith("/sign-in?next=")


@pytest.mark.parametrize("path", SUPPORTER_ONLY)
def test_supporter_pages_calmly_refuse_people_without_a_supporter_profile(
    client: TestClient, as_member: Browser, own_encounter: Encounter, path: str
) -> None:
    page = client.get(path.format(id=own_encounter.id), headers=HTML)
    assert page.status_code == 403
    assert "<html" in page.text
    assert "These pages are for peer supporters." in page.text
    assert "Traceback" not in page.text
    assert page.headers["cache-control"] == "no-store"
    assert_security_headers(page)


@pytest.mark.parametrize("path", FOR_EVERYONE_SIGNED_IN)
def test_guide_resources_and_crisis_help_are_for_anyone_signed_in(
    client: TestClient, as_member: Browser, path: str
) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert 'href="/log"' not in page.text
    assert 'href="/sessions"' not in page.text
    assert 'href="/encounters"' not in page.text


# Each page and the tab it lights (the keys every page agrees on: sessions and debrief are
# reached from Home, the crisis contacts from the guide).
LIT_TABS = {
    "/": "Home",
    "/supporter": "Home",
    "/guide": "Guide",
    "/log": "Log",
    "/encounters": "My encounters",
    "/encounters/{id}/edit": "My encounters",
    "/encounters/{id}/delete": "My encounters",
    "/resources": "Resources",
    "/sessions": "Home",
    "/debrief": "Home",
    "/crisis": "Guide",
}
TAB_LINK = re.compile(r'<a href="([^"]+)" (aria-current="page")?>([^<]+)</a>')


def tab_bar(page: str) -> list[tuple[str, bool, str]]:
    """The main tab bar's links: (address, lit, name)."""
    nav = page.split('<nav class="site-nav tab-bar" aria-label="Main">')[1].split("</nav>")[0]
    return [(href, bool(lit), name) for href, lit, name in TAB_LINK.findall(nav)]


@pytest.mark.parametrize("path", list(LIT_TABS))
def test_a_supporters_tab_bar_has_five_tabs_and_lights_the_page(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser, path: str
) -> None:
    encounter = log(db, supporter)
    tabs = tab_bar(client.get(path.format(id=encounter.id)).text)
    assert [(href, name) for href, _, name in tabs] == [
        ("/", "Home"), ("/log", "Log"), ("/encounters", "My encounters"),
        ("/resources", "Resources"), ("/guide", "Guide"),
    ]  # fmt: skip
    assert [name for _, lit, name in tabs if lit] == [LIT_TABS[path]]


def test_people_without_a_supporter_profile_get_home_resources_and_guide(
    client: TestClient, as_member: Browser
) -> None:
    tabs = tab_bar(client.get("/resources").text)
    assert tabs == [
        ("/", False, "Home"),
        ("/resources", True, "Resources"),
        ("/guide", False, "Guide"),
    ]


def test_signed_out_visitors_get_no_tab_bar(
    client: TestClient, db: Session, supporter: Supporter, sign_in: Any
) -> None:
    assert 'aria-label="Main"' not in client.get("/crisis").text
    # The same page signed in has it: the assertion above is about the tab bar, not its label.
    sign_in(user_of(db, supporter))
    assert 'aria-label="Main"' in client.get("/crisis").text


@pytest.mark.parametrize(
    "role", [Role.admin, Role.coordinator, Role.resource_editor, Role.report_viewer]
)
def test_every_role_without_a_profile_sees_the_shared_pages_only(
    client: TestClient, db: Session, sign_in: Any, role: Role
) -> None:
    sign_in(make_user(db, roles=(role,)))
    for path in FOR_EVERYONE_SIGNED_IN:
        assert client.get(path).status_code == 200
    for path in ("/log", "/encounters", "/sessions", "/debrief"):
        assert client.get(path, headers=HTML).status_code == 403


def test_a_supporter_role_without_a_profile_is_not_a_supporter(
    client: TestClient, db: Session, sign_in: Any
) -> None:
    sign_in(make_user(db, roles=(Role.supporter,)))
    assert client.get("/log", headers=HTML).status_code == 403
    assert client.get("/").status_code == 200


def test_a_profile_without_the_supporter_role_is_not_a_supporter(
    client: TestClient, db: Session, sign_in: Any
) -> None:
    user = make_user(db, roles=(Role.report_viewer,))
    make_supporter(db, user=user)
    sign_in(user)
    assert client.get("/sessions", headers=HTML).status_code == 403


def test_people_without_a_supporter_profile_cannot_post_to_supporter_pages(
    client: TestClient, db: Session, as_member: Browser
) -> None:
    refused = client.post("/log", data=as_member.form(**valid_form()), headers=HTML)
    assert refused.status_code == 403
    refused = client.post("/debrief", data=as_member.form(urgency="today"), headers=HTML)
    assert refused.status_code == 403
    assert db.exec(select(func.count()).select_from(Encounter)).one() == 0
    assert db.exec(select(func.count()).select_from(DebriefRequest)).one() == 0


# Logging an encounter.


def test_a_fresh_log_form_has_the_usual_answers_selected(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    page = client.get("/log").text
    # The program's today, which is not UTC's between midnight UTC and midnight in its zone.
    assert f'name="occurred_on" type="date" value="{program_today(db)}"' in page
    assert checked(page, "modality", "in_person")
    assert checked(page, "initiated_by", "supporter_approach")
    assert checked(page, "elements", "listening")
    assert checked(page, "support_types", "emotional")
    assert checked(page, "peer_org_relation", "unknown")
    assert checked(page, "escalation", "none")
    assert checked(page, "follow_up", "none")
    assert not checked(page, "setting", "icu")
    assert not any(checked(page, "stressors", code) for code in ("adverse_event", "personal"))
    assert '<option value="" selected>' not in page  # "Choose…" by default, nothing picked
    assert unmask_token(hidden_value(page, "csrf_token")) == as_supporter.csrf
    assert "<textarea" not in page


def test_logging_a_valid_encounter_redirects_and_stores_it(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    answer = client.post("/log", data=as_supporter.form(**valid_form()), follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/log?logged=1"
    [stored] = encounters_of(db, supporter)
    assert stored.setting == "icu"
    assert stored.peer_profession_code == "physician"
    assert stored.interprofessional is True  # a nurse supporting a physician
    assert sorted(row.stressor for row in stored.stressor_rows) == [
        "adverse_event",
        "moral_distress",
    ]
    thanks = client.get(answer.headers["location"])
    assert "Encounter logged. Thank you." in thanks.text
    assert '<strong id="month-count">1</strong>' in thanks.text


def test_interprofessional_is_derived_from_the_professions(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    form = as_supporter.form(**valid_form(peer_profession="nurse"), interprofessional="true")
    client.post("/log", data=form, follow_redirects=False)
    [stored] = encounters_of(db, supporter)
    assert stored.interprofessional is False


def test_an_invalid_encounter_is_shown_again_with_messages_and_every_answer_kept(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    yesterday = (today() - timedelta(days=1)).isoformat()
    form = valid_form(
        occurred_on=yesterday,
        peer_profession="pharmacist",
        duration_band="30_to_60",
        elements=["listening", "encouragement"],
        support_types=["informational"],
        modality="phone",
        initiated_by="self_request",
        flow_steps=["listen", "reflect"],
        supporter_needs_debrief="yes",
        resources_shared=[],
    )
    del form["setting"]
    form["stressors"] = []
    page = client.post("/log", data=as_supporter.form(**form))
    assert page.status_code == 422
    assert "<html" in page.text
    assert '<h2 id="error-summary-heading">Check 2 answers</h2>' in page.text
    assert '<p class="error" id="setting-error">Choose where it happened</p>' in page.text
    assert 'id="stressors-error">Choose what it was about</p>' in page.text
    assert 'aria-describedby="setting-error"' in page.text
    assert 'id="peer_profession-error"' not in page.text
    assert f'value="{yesterday}"' in page.text
    assert selected(page.text, "pharmacist")
    assert checked(page.text, "duration_band", "30_to_60")
    assert checked(page.text, "elements", "listening")
    assert checked(page.text, "elements", "encouragement")
    assert checked(page.text, "support_types", "informational")
    assert not checked(page.text, "support_types", "emotional")
    assert checked(page.text, "modality", "phone")
    assert not checked(page.text, "modality", "in_person")
    assert checked(page.text, "initiated_by", "self_request")
    assert checked(page.text, "flow_steps", "listen")
    assert checked(page.text, "flow_steps", "reflect")
    assert checked(page.text, "supporter_needs_debrief", "yes")
    assert encounters_of(db, supporter) == []


def test_rules_of_the_domain_are_shown_beside_their_field(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    tomorrow = (today() + timedelta(days=1)).isoformat()
    page = client.post("/log", data=as_supporter.form(**valid_form(occurred_on=tomorrow)))
    assert page.status_code == 422
    assert 'id="occurred_on-error">The encounter date cannot be in the future.' in page.text
    assert f'value="{tomorrow}"' in page.text
    assert checked(page.text, "setting", "icu")
    page = client.post("/log", data=as_supporter.form(**valid_form(peer_profession="wizard")))
    assert page.status_code == 422
    assert 'id="peer_profession-error"' in page.text
    assert encounters_of(db, supporter) == []


def test_a_paused_supporter_gets_the_domains_message(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    supporter.status = SupporterStatus.paused
    db.add(supporter)
    db.flush()
    page = client.post("/log", data=as_supporter.form(**valid_form()))
    assert page.status_code == 422
    assert "Your supporter status is paused: only active supporters log encounters." in page.text
    assert checked(page.text, "setting", "icu")
    assert encounters_of(db, supporter) == []


def test_logging_with_htmx_answers_with_the_confirmation_and_an_event(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    form = as_supporter.form(**valid_form(supporter_needs_debrief="yes"))
    answer = client.post("/log", data=form, headers=as_supporter.htmx)
    assert answer.status_code == 200
    assert answer.headers["hx-trigger"] == "encounter-logged"
    assert is_fragment(answer)
    assert answer.text.lstrip().startswith('<div class="confirmation"')
    assert "This month: <strong>1</strong> of 8." in answer.text
    assert 'href="/debrief"' in answer.text  # the encounter asked for a debrief
    assert "hx-request" in vary_of(answer)
    assert answer.headers["cache-control"] == "no-store"
    assert len(encounters_of(db, supporter)) == 1


def test_an_invalid_htmx_post_gets_the_form_fragment_with_messages(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    form = valid_form(peer_profession="dentist")
    del form["duration_band"]
    answer = client.post("/log", data=as_supporter.form(**form), headers=as_supporter.htmx)
    assert answer.status_code == 422
    assert is_fragment(answer)
    assert answer.text.lstrip().startswith('<form method="post" action="/log"')
    assert 'id="duration_band-error"' in answer.text
    assert selected(answer.text, "dentist")
    assert "hx-trigger" not in answer.headers
    assert encounters_of(db, supporter) == []


def test_htmx_is_told_to_swap_error_answers(client: TestClient, as_supporter: Browser) -> None:
    """htmx leaves 4xx answers unswapped by default: the page's config must let the 422 form
    with its messages in, and other errors' messages too (they retarget the main area)."""
    page = client.get("/log").text
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page)
    assert config is not None
    rules = json.loads(config.group(1))["responseHandling"]
    for status in ("422", "403", "404", "500"):
        assert next(rule for rule in rules if re.fullmatch(rule["code"], status))["swap"] is True
    assert next(rule for rule in rules if re.fullmatch(rule["code"], "204"))["swap"] is False


def test_an_htmx_request_refused_shows_its_message_in_the_main_area(
    client: TestClient, as_supporter: Browser
) -> None:
    answer = client.post("/availability", data={"available": "no"}, headers=HTMX)  # no token
    assert answer.status_code == 403
    assert answer.headers["hx-retarget"] == "#main"
    assert "<html" not in answer.text
    assert "This form has expired" in answer.text


def test_error_pages_keep_the_crisis_button(client: TestClient, as_supporter: Browser) -> None:
    page = client.get("/encounters/999999/edit", headers=HTML)
    assert page.status_code == 404
    assert 'href="tel:988"' in page.text
    assert 'href="sms:741741' in page.text


def test_the_month_fragment_refreshes_on_the_logged_event(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    log(db, supporter, setting="icu")
    fragment = client.get("/month", headers=HTMX)
    assert fragment.status_code == 200
    assert is_fragment(fragment)
    assert fragment.text.startswith('<section class="month" id="month"')
    assert 'hx-trigger="encounter-logged from:body"' in fragment.text
    assert '<strong id="month-count">1</strong> of 8' in fragment.text
    assert "Intensive care unit" in fragment.text or "ICU" in fragment.text


# My encounters: list, change, delete.


def test_my_encounters_are_grouped_by_month_newest_first(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    this_month = today()
    last_month = this_month.replace(day=1) - timedelta(days=1)
    two_months_ago = last_month.replace(day=1) - timedelta(days=1)
    # Logged out of order: late entries for earlier months after this month's.
    log(db, supporter, occurred_on=this_month)
    log(db, supporter, occurred_on=this_month)
    log(db, supporter, occurred_on=two_months_ago)
    log(db, supporter, occurred_on=last_month)
    log(db, supporter, occurred_on=last_month.replace(day=1))
    page = client.get("/encounters").text
    headings = re.findall(
        r"<h2>([A-Za-z]+ \d{4}) <span class=\"muted\">\((\d+)\)</span></h2>", page
    )
    assert headings == [
        (this_month.strftime("%B %Y"), "2"),
        (last_month.strftime("%B %Y"), "2"),
        (two_months_ago.strftime("%B %Y"), "1"),
    ]
    last_months_section = page.split(last_month.strftime("%B %Y"))[1]
    assert last_months_section.index(last_month.strftime("%b %d")) < (
        last_months_section.index(last_month.replace(day=1).strftime("%b %d"))
    )
    assert "Older encounters" not in page


def test_older_encounters_are_a_link_away(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    supporter.max_encounters_per_month = 60
    db.add(supporter)
    logged = [log(db, supporter) for _ in range(51)]
    first_page = client.get("/encounters").text
    assert first_page.count("/edit") == 50
    assert f"/encounters/{logged[-1].id}/edit" in first_page
    assert f"/encounters/{logged[0].id}/edit" not in first_page
    older = re.search(r'href="(/encounters\?before=\d+)">Older encounters</a>', first_page)
    assert older is not None
    second_page = client.get(older.group(1)).text
    assert second_page.count("/edit") == 1
    assert f"/encounters/{logged[0].id}/edit" in second_page
    assert "Older encounters" not in second_page


def test_an_encounter_can_be_changed_within_seven_days(
    client: TestClient, db: Session, as_supporter: Browser, own_encounter: Encounter
) -> None:
    form_page = client.get(f"/encounters/{own_encounter.id}/edit")
    assert checked(form_page.text, "setting", "inpatient_unit")
    assert selected(form_page.text, "physician")
    assert checked(form_page.text, "stressors", "adverse_event")
    assert f'action="/encounters/{own_encounter.id}/edit"' in form_page.text
    changed = valid_form(setting="office", peer_profession="nurse", stressors=["personal"])
    answer = client.post(
        f"/encounters/{own_encounter.id}/edit",
        data=as_supporter.form(**changed),
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/encounters?changed=1"
    db.refresh(own_encounter)
    assert own_encounter.setting == "office"
    assert own_encounter.interprofessional is False
    assert [row.stressor for row in own_encounter.stressor_rows] == ["personal"]
    assert "Encounter changed." in client.get(answer.headers["location"]).text


def test_an_invalid_change_is_shown_again(
    client: TestClient, db: Session, as_supporter: Browser, own_encounter: Encounter
) -> None:
    form = valid_form(setting="office", stressors=[])
    page = client.post(f"/encounters/{own_encounter.id}/edit", data=as_supporter.form(**form))
    assert page.status_code == 422
    assert 'id="stressors-error"' in page.text
    assert checked(page.text, "setting", "office")
    db.refresh(own_encounter)
    assert own_encounter.setting == "inpatient_unit"


def test_after_seven_days_an_encounter_stays_as_it_is(
    client: TestClient, db: Session, as_supporter: Browser, own_encounter: Encounter
) -> None:
    set_logged_at(db, own_encounter, days_ago(8))
    listed = client.get("/encounters").text
    assert f"/encounters/{own_encounter.id}/edit" not in listed
    edit_page = client.get(f"/encounters/{own_encounter.id}/edit")
    assert edit_page.status_code == 200
    assert "Encounters can be changed only within 7 days of logging." in edit_page.text
    assert f'action="/encounters/{own_encounter.id}/edit"' not in edit_page.text
    refused = client.post(
        f"/encounters/{own_encounter.id}/edit",
        data=as_supporter.form(**valid_form(setting="office")),
        follow_redirects=False,
    )
    assert refused.status_code in (409, 422)
    assert "only within 7 days of logging" in refused.text
    db.refresh(own_encounter)
    assert own_encounter.setting == "inpatient_unit"
    delete_page = client.get(f"/encounters/{own_encounter.id}/delete")
    assert "Encounters can be deleted only within 7 days of logging." in delete_page.text
    assert f'action="/encounters/{own_encounter.id}/delete"' not in delete_page.text
    refused = client.post(
        f"/encounters/{own_encounter.id}/delete",
        data=as_supporter.form(),
        headers=HTML,
        follow_redirects=False,
    )
    assert refused.status_code == 409
    assert "only within 7 days of logging" in refused.text
    assert db.get(Encounter, own_encounter.id) is not None


def test_deleting_needs_the_confirmation_pages_post(
    client: TestClient, db: Session, as_supporter: Browser, own_encounter: Encounter
) -> None:
    confirmation = client.get(f"/encounters/{own_encounter.id}/delete")
    assert confirmation.status_code == 200
    assert "Delete this encounter?" in confirmation.text
    assert f'<form method="post" action="/encounters/{own_encounter.id}/delete"' in (
        confirmation.text
    )
    assert db.get(Encounter, own_encounter.id) is not None
    answer = client.post(
        f"/encounters/{own_encounter.id}/delete", data=as_supporter.form(), follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/encounters?deleted=1"
    assert db.exec(select(Encounter).where(Encounter.id == own_encounter.id)).first() is None
    assert "Encounter deleted." in client.get(answer.headers["location"]).text


def test_a_supporter_cannot_see_or_change_anothers_encounters(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    other = make_supporter(db)
    theirs = log(db, other, setting="office")
    listed = client.get("/encounters").text
    assert f"/encounters/{theirs.id}/" not in listed
    for path in (f"/encounters/{theirs.id}/edit", f"/encounters/{theirs.id}/delete"):
        page = client.get(path, headers=HTML)
        assert page.status_code == 404
        assert "office" not in page.text.lower().replace("/office", "")
        refused = client.post(path, data=as_supporter.form(**valid_form()), headers=HTML)
        assert refused.status_code == 404
    db.refresh(theirs)
    assert theirs.setting == "office"
    assert len(encounters_of(db, other)) == 1


@pytest.mark.parametrize("encounter_id", ["0", "-1", "abc", "99999999999999999999"])
def test_a_malformed_encounter_address_gets_a_calm_page(
    client: TestClient, as_supporter: Browser, encounter_id: str
) -> None:
    page = client.get(f"/encounters/{encounter_id}/edit", headers=HTML)
    assert page.status_code == 422
    assert "This address is not valid." in page.text


# Resources.


@pytest.fixture
def night_owl(db: Session) -> int:
    resource = make_resource(
        db,
        title="Nightowl sleep clinic",
        description="Shift workers' sleep",
        category=ResourceCategory.wellness,
        phone="555-010-2000",
        text_number="55501",
        url="https://sleep.example.org/",
    )
    assert resource.id is not None
    return resource.id


@pytest.fixture
def legal_aid(db: Session) -> int:
    resource = make_resource(db, title="Staff legal aid", category=ResourceCategory.legal)
    assert resource.id is not None
    return resource.id


def test_resources_are_searched_by_words_and_category(
    client: TestClient, as_supporter: Browser, night_owl: int, legal_aid: int
) -> None:
    found = client.get("/resources", params={"q": "NIGHTOWL"})
    assert found.status_code == 200
    assert "<html" in found.text
    assert 'value="NIGHTOWL"' in found.text
    assert f'id="resource-{night_owl}"' in found.text
    assert f'id="resource-{legal_aid}"' not in found.text
    assert "1 found" in found.text
    by_category = client.get("/resources", params={"category": "legal"})
    assert f'id="resource-{legal_aid}"' in by_category.text
    assert f'id="resource-{night_owl}"' not in by_category.text
    assert selected(by_category.text, "legal")
    nothing = client.get("/resources", params={"q": "no such thing anywhere"})
    assert "Nothing found for “no such thing anywhere”. Try fewer words" in nothing.text


def test_resources_find_keywords_and_pin_crisis_lines(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    by_keyword = make_resource(db, title="Rest clinic", keywords=["insomnia"])
    crisis = make_resource(
        db, title="Night line", category=ResourceCategory.crisis_line, description="insomnia"
    )
    page = client.get("/resources", params={"q": "Insomn"}).text
    assert page.index(f'id="resource-{crisis.id}"') < page.index(f'id="resource-{by_keyword.id}"')


def test_nothing_found_in_a_category_suggests_all_categories(
    client: TestClient, as_supporter: Browser, night_owl: int
) -> None:
    page = client.get("/resources", params={"q": "nightowl", "category": "legal"})
    assert "Nothing found for “nightowl” in “Legal”. Try all categories." in page.text


def test_more_than_a_page_of_resources_links_the_next(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    entries = [make_resource(db, title=f"Lark {n}") for n in range(201)]
    first = client.get("/resources", params={"q": "lark"}, headers=HTMX)
    assert "200+ found" in first.text
    more = re.search(r'href="(/resources\?[^"]+)">More results', first.text)
    assert more, first.text[-500:]
    rest = client.get(more[1].replace("&amp;", "&"), headers=HTMX)
    assert rest.status_code == 200
    assert f'id="resource-{entries[-1].id}"' in rest.text
    assert f'id="resource-{entries[0].id}"' not in rest.text
    assert "1 found" in rest.text


def test_a_made_up_resources_page_key_gets_a_calm_answer(
    client: TestClient, as_supporter: Browser
) -> None:
    page = client.get("/resources", params={"q": "lark", "after": "9.9.9"}, headers=HTML)
    assert page.status_code == 422
    assert "not one this search gave out" in page.text


def test_all_categories_is_no_filter(
    client: TestClient, as_supporter: Browser, night_owl: int, legal_aid: int
) -> None:
    page = client.get("/resources", params={"q": "", "category": ""})
    assert page.status_code == 200
    assert f'id="resource-{night_owl}"' in page.text
    assert f'id="resource-{legal_aid}"' in page.text
    assert "<h2>988 Suicide &amp; Crisis Lifeline</h2>" in page.text  # a seeded entry


def test_resources_offer_call_text_and_share(
    client: TestClient, as_supporter: Browser, night_owl: int
) -> None:
    page = client.get("/resources", params={"q": "nightowl"}).text
    assert 'href="tel:5550102000"' in page
    assert 'href="sms:55501"' in page
    assert 'href="https://sleep.example.org/" rel="noopener noreferrer"' in page
    assert 'class="button small secondary share"' in page


def test_htmx_resource_searches_get_the_results_only(
    client: TestClient, as_supporter: Browser, night_owl: int
) -> None:
    fragment = client.get("/resources", params={"q": "nightowl"}, headers=HTMX)
    assert fragment.status_code == 200
    assert is_fragment(fragment)
    assert "<form" not in fragment.text
    assert f'id="resource-{night_owl}"' in fragment.text
    assert "1 found" in fragment.text
    assert "hx-request" in vary_of(fragment)


def test_a_history_restore_gets_the_whole_resources_page(
    client: TestClient, as_supporter: Browser, night_owl: int
) -> None:
    """Back and forward after hx-push-url: htmx asks with HX-Request and
    HX-History-Restore-Request, and swaps the answer into <body>."""
    restore = {**HTMX, "HX-History-Restore-Request": "true"}
    page = client.get("/resources", params={"q": "nightowl"}, headers=restore)
    assert page.status_code == 200
    assert "<html" in page.text
    assert '<form method="get" action="/resources"' in page.text


def test_an_overlong_search_gets_a_calm_page(client: TestClient, as_supporter: Browser) -> None:
    page = client.get("/resources", params={"q": "x" * 101}, headers=HTML)
    assert page.status_code == 422
    assert "This address is not valid." in page.text


# Sessions and attendance.


def test_sessions_show_whats_coming_and_the_attendance_record(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    make_program_session(db, starts_at=utcnow() + timedelta(days=3), topic="Moral injury")
    attended = make_program_session(db, starts_at=days_ago(30), topic="Listening blocks")
    missed = make_program_session(db, starts_at=days_ago(60), topic="Red flags")
    for held, status in ((attended, AttendanceStatus.attended), (missed, AttendanceStatus.absent)):
        assert held.id is not None
        assert supporter.id is not None
        db.add(Attendance(session_id=held.id, supporter_id=supporter.id, status=status))
    db.flush()
    page = client.get("/sessions").text
    coming_up, record = page.split("<h2>My attendance</h2>")
    assert "Moral injury" in coming_up
    assert "Listening blocks" not in coming_up
    assert "1 of 2 sessions attended." in record
    assert record.index("Listening blocks") < record.index("Red flags")
    assert "Moral injury" not in record
    # Times stay in the program's time zone as the server wrote them (no rewrite by the phone).
    assert "data-local " not in page
    assert "data-local>" not in page
    script = client.get("/static/peer-support-0.1.0.js").text
    assert "showLocalTimes" not in script


def test_sessions_with_nothing_yet(client: TestClient, as_supporter: Browser) -> None:
    page = client.get("/sessions").text
    assert "Nothing scheduled yet." in page
    assert "No attendance recorded yet." in page


def test_the_home_page_shows_the_next_session(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    make_program_session(db, starts_at=utcnow() + timedelta(days=9), topic="Later one")
    make_program_session(db, starts_at=utcnow() + timedelta(days=2), topic="Sooner one")
    page = client.get("/").text
    assert "Sooner one" in page
    assert "Later one" not in page


# Debriefs.


def open_requests(db: Session, supporter: Supporter) -> list[DebriefRequest]:
    query = select(DebriefRequest).where(
        DebriefRequest.supporter_id == supporter.id, DebriefRequest.status == DebriefStatus.open
    )
    return list(db.exec(query))


def test_asking_for_a_debrief_takes_two_taps(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    page = client.get("/debrief")
    assert page.status_code == 200
    assert 'name="urgency" value="today"' in page.text
    assert 'name="urgency" value="this_week"' in page.text
    assert open_requests(db, supporter) == []
    answer = client.post(
        "/debrief", data=as_supporter.form(urgency="today"), follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/debrief?sent=1"
    [request] = open_requests(db, supporter)
    assert request.urgency == DebriefUrgency.today
    assert "Request saved for the program's trainers." in client.get("/debrief?sent=1").text
    assert "You have asked already" in client.get("/debrief").text


def test_asking_again_keeps_one_request(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    client.post("/debrief", data=as_supporter.form(urgency="today"))
    client.post("/debrief", data=as_supporter.form(urgency="this_week"))
    [request] = open_requests(db, supporter)
    assert request.urgency == DebriefUrgency.this_week


@pytest.mark.parametrize("urgency", ["", "now", "open"])
def test_a_debrief_needs_a_known_urgency(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser, urgency: str
) -> None:
    page = client.post("/debrief", data=as_supporter.form(urgency=urgency))
    assert page.status_code == 422
    assert "Choose when you would like the debrief." in page.text
    assert open_requests(db, supporter) == []


def test_home_offers_a_debrief_only_when_there_is_a_reason(
    client: TestClient, as_supporter: Browser
) -> None:
    page = client.get("/").text
    assert "Would you like a debrief?" not in page
    assert '<a class="thumb-link" href="/debrief">Ask a trainer for a debrief</a>' in page


def test_home_offers_a_debrief_when_the_months_number_is_reached(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    supporter.max_encounters_per_month = 2
    db.add(supporter)
    log(db, supporter)
    assert "Would you like a debrief?" not in client.get("/").text
    log(db, supporter)
    page = client.get("/").text
    assert "You have reached this month's number of encounters." in page
    assert "Would you like a debrief?" in page
    assert '<a class="button small" href="/debrief">Ask for a debrief</a>' in page
    assert "number reached" in page


def test_home_offers_a_debrief_when_an_encounter_this_month_asked_for_one(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    log(db, supporter, supporter_needs_debrief=True)
    page = client.get("/").text
    assert "Would you like a debrief?" in page
    assert "You have reached this month's number" not in page


def test_home_says_a_debrief_was_asked_for(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    log(db, supporter, supporter_needs_debrief=True)
    client.post("/debrief", data=as_supporter.form(urgency="this_week"))
    page = client.get("/").text
    assert "Would you like a debrief?" not in page
    assert "Your debrief request is waiting for a trainer." in page


def test_a_supporter_pauses_and_resumes_new_requests_from_home(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    assert "taking new requests" in client.get("/").text
    answer = client.post("/availability", data=as_supporter.form(available="no"),
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    db.refresh(supporter)
    assert supporter.available is False
    assert "Take requests again" in client.get("/").text
    client.post("/availability", data=as_supporter.form(available="yes"))
    db.refresh(supporter)
    assert supporter.available is True


def test_a_coordinator_who_supports_sees_only_their_own_log_on_their_pages(
    client: TestClient, db: Session, supporter: Supporter, sign_in: Callable[..., Browser]
) -> None:
    """ "My encounters" means mine, even for someone who may read everyone's elsewhere."""
    others = log(db, supporter, setting="icu")
    coordinator = make_user(db, roles=(Role.supporter, Role.coordinator))
    make_supporter(db, user=coordinator)
    sign_in(coordinator)
    assert f"/encounters/{others.id}/edit" not in client.get("/encounters").text
    assert "None yet this month." in client.get("/month").text
    assert client.get(f"/encounters/{others.id}/edit", headers=HTML).status_code == 403


def test_an_unexpected_error_gets_a_calm_page_with_the_crisis_button(
    client: TestClient, as_supporter: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("web.pages.supporter.upcoming_program_sessions", broken)
    client_that_answers = TestClient(
        client.app,
        base_url="http://127.0.0.1",
        raise_server_exceptions=False,
        cookies=client.cookies,
    )
    page = client_that_answers.get("/sessions", headers=HTML)
    assert page.status_code == 500
    assert "Something went wrong on our side" in page.text
    assert 'href="tel:988"' in page.text
    assert "boom" not in page.text
