"""The directory's curation pages (issue 9, item 1): who may use them, the list with its
statuses, filters, counts and pages, adding and changing entries with every message beside its
field and the input kept, the actions and their audit events, the preview that writes nothing,
and the EAP placeholder completed into the crisis panel."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from api.app import create_app
from domain.codes import ResourceCategory, Role
from domain.columns import utcnow
from domain.db import make_engine, unit_of_work
from domain.encounters.service import log_encounter
from domain.migrations import upgrade_to_head
from domain.program_settings.service import program_today
from domain.resources.models import Resource
from domain.resources.service import crisis_resources, months_before
from domain.settings import Settings
from domain.users.models import User
from domain.users.passwords import hash_password
from domain.web_sessions.models import WebSession
from tests.databases import fresh_database, sibling_database_url
from tests.factories import (
    audit_actions,
    encounter_data,
    make_resource,
    make_supporter,
    make_user,
    supporter_actor,
)
from tests.web.conftest import (
    HTML,
    PASSWORD,
    Browser,
    assert_security_headers,
    goes_to_sign_in,
    is_fragment,
    post_sign_in_form,
)
from web.pages import curation as curation_pages

CURATORS = [Role.resource_editor, Role.coordinator]
REFUSED = [(Role.supporter,), (Role.report_viewer,), (Role.admin,), ()]
PAGES = [
    "/curation",
    "/curation/new",
    "/curation/{id}",
    "/curation?status=due&category=wellness&q=x",
]
POSTS = [
    ("/curation/new", {"title": "Refused entry", "category": "wellness"}),
    ("/curation/{id}", {"title": "Refused change", "category": "wellness"}),
    ("/curation/{id}/publish", {}),
    ("/curation/{id}/unpublish", {}),
    ("/curation/{id}/review", {}),
    ("/curation/{id}/delete", {}),
    ("/curation/preview", {"title": "Refused preview", "category": "wellness"}),
]
FULL_FORM = {
    "title": "Staff Sleep Clinic",
    "category": "wellness",
    "description": "Help with insomnia and shift-work sleep.",
    "audiences": ["nurse", "physician"],
    "keywords": "sleep, insomnia, EAP",
    "phone": "(555) 555-0142",
    "text_number": "741741",
    "url": "https://sleep.example.org/staff",
    "email": "sleep@example.org",
    "hours": "Weekdays 8 a.m. to 6 p.m.",
    "location": "Building C, room 12",
    "available_24_7": "1",
    "confidential": "1",
    "cost": "free",
    "last_reviewed_on": "2026-11-02",
}


@pytest.fixture
def editor(db: Session) -> User:
    return make_user(db, roles=(Role.resource_editor,), display_name="Eli Editor")


@pytest.fixture
def as_editor(editor: User, sign_in: Callable[..., Browser]) -> Browser:
    return sign_in(editor)


@pytest.fixture
def entry(db: Session) -> Resource:
    return make_resource(db, title="Quiet Room Walks", category=ResourceCategory.wellness,
                         published=False, last_reviewed_on=None)  # fmt: skip


def stored(db: Session, resource_id: int) -> Resource:
    db.expire_all()
    found = db.get(Resource, resource_id)
    assert found is not None
    return found


def count_titled(db: Session, title: str) -> int:
    return len(db.exec(select(Resource.id).where(Resource.title == title)).all())


def row_of(page: str, resource_id: int | None) -> str:
    return page.split(f'id="resource-{resource_id}"')[1].split("</tr>")[0]


def new_id(location: str) -> int:
    found = re.fullmatch(r"/curation/(\d+)\?done=created", location)
    assert found, location
    return int(found.group(1))


# Who may use the pages.


@pytest.mark.parametrize("role", CURATORS)
@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_for_editors_and_coordinators(
    client: TestClient, db: Session, sign_in: Callable[..., Browser], entry: Resource,
    role: Role, path: str,
) -> None:  # fmt: skip
    sign_in(make_user(db, roles=(role,)))
    page = client.get(path.format(id=entry.id), headers=HTML)
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    assert_security_headers(page)
    assert 'aria-current="page">Directory' in page.text
    assert " style=" not in page.text
    assert "<script>" not in page.text


@pytest.mark.parametrize("roles", REFUSED, ids=str)
@pytest.mark.parametrize("path", PAGES)
def test_everyone_else_is_refused_the_pages(
    client: TestClient, db: Session, sign_in: Callable[..., Browser], entry: Resource,
    roles: tuple[Role, ...], path: str,
) -> None:  # fmt: skip
    user = make_user(db, roles=roles)
    if Role.supporter in roles:
        make_supporter(db, user=user)
    sign_in(user)
    page = client.get(path.format(id=entry.id), headers=HTML)
    assert page.status_code == 403
    assert "Quiet Room Walks" not in page.text


@pytest.mark.parametrize("roles", REFUSED, ids=str)
@pytest.mark.parametrize(("path", "form"), POSTS)
def test_everyone_else_cannot_post(
    client: TestClient, db: Session, sign_in: Callable[..., Browser], entry: Resource,
    roles: tuple[Role, ...], path: str, form: dict[str, str],
) -> None:  # fmt: skip
    browser = sign_in(make_user(db, roles=roles))
    answer = client.post(path.format(id=entry.id), data=browser.form(**form), headers=HTML)
    assert answer.status_code == 403
    assert "Refused" not in answer.text
    after = stored(db, entry.id or 0)
    assert (after.title, after.published, after.last_reviewed_on) == (
        "Quiet Room Walks",
        False,
        None,
    )
    assert count_titled(db, "Refused entry") == 0
    assert audit_actions(db, object_type="resource", object_id=entry.id) == []


@pytest.mark.parametrize("path", list(PAGES))
def test_signed_out_visitors_are_sent_to_sign_in(
    client: TestClient, entry: Resource, path: str
) -> None:
    assert goes_to_sign_in(client.get(path.format(id=entry.id), follow_redirects=False))


@pytest.mark.parametrize(("path", "form"), POSTS)
def test_signed_out_posts_change_nothing(
    client: TestClient, db: Session, entry: Resource, path: str, form: dict[str, str]
) -> None:
    answer = client.post(path.format(id=entry.id), data=form, follow_redirects=False)
    assert goes_to_sign_in(answer) or answer.status_code == 403
    assert stored(db, entry.id or 0).published is False
    assert count_titled(db, "Refused entry") == 0


@pytest.mark.parametrize(("path", "form"), POSTS)
def test_posts_without_the_csrf_token_are_refused(
    client: TestClient, db: Session, as_editor: Browser, entry: Resource, path: str,
    form: dict[str, str],
) -> None:  # fmt: skip
    answer = client.post(path.format(id=entry.id), data=form, headers=HTML)
    assert answer.status_code == 403
    assert "This form has expired" in answer.text
    assert stored(db, entry.id or 0).published is False
    assert audit_actions(db, object_type="resource", object_id=entry.id) == []


# The list.


def test_the_list_shows_each_status_and_counts_them(
    client: TestClient, db: Session, as_editor: Browser
) -> None:
    today = utcnow().date()
    fresh = make_resource(db, title="Fresh counseling", last_reviewed_on=today)
    draft = make_resource(db, title="Draft walk", published=False, last_reviewed_on=today)
    # 12 months ago to the day is due; a day less is not.
    due = make_resource(db, title="Old line", last_reviewed_on=months_before(today, 12))
    almost = make_resource(
        db, title="Almost due", last_reviewed_on=months_before(today, 12) + timedelta(days=1)
    )
    never = make_resource(db, title="Never looked at", last_reviewed_on=None, published=False)
    page = client.get("/curation", headers=HTML).text
    assert 'href="/curation/new"' in page
    assert "Published" in row_of(page, fresh.id)
    assert "Due for review" not in row_of(page, fresh.id)
    assert "Unpublished" in row_of(page, draft.id)
    assert "Due for review" in row_of(page, due.id)
    assert "Due for review" not in row_of(page, almost.id)
    assert "Never reviewed" in row_of(page, never.id)
    assert "Due for review" in row_of(page, never.id)
    assert f'href="/curation/{fresh.id}"' in page

    everything = db.exec(select(Resource)).all()
    published = sum(1 for r in everything if r.published)
    due_count = sum(
        1 for r in everything
        if r.last_reviewed_on is None or r.last_reviewed_on <= months_before(today, 12)
    )  # fmt: skip
    figures = {"all": len(everything), "published": published,
               "unpublished": len(everything) - published, "due": due_count}  # fmt: skip
    for status, figure in figures.items():
        assert re.search(
            rf'href="/curation\?status={status}"[^>]*>\s*<span class="figure">{figure}</span>', page
        ), status


@pytest.mark.parametrize(
    ("status", "shown", "hidden"),
    [
        ("published", ["Fresh counseling", "Old line"], ["Draft walk", "Never looked at"]),
        ("unpublished", ["Draft walk", "Never looked at"], ["Fresh counseling", "Old line"]),
        ("due", ["Old line", "Never looked at"], ["Fresh counseling", "Draft walk"]),
        ("all", ["Fresh counseling", "Old line", "Draft walk", "Never looked at"], []),
    ],
)
def test_the_list_filters_by_status(
    client: TestClient, db: Session, as_editor: Browser, status: str, shown: list[str],
    hidden: list[str],
) -> None:  # fmt: skip
    today = utcnow().date()
    make_resource(db, title="Fresh counseling", last_reviewed_on=today)
    make_resource(db, title="Draft walk", published=False, last_reviewed_on=today)
    make_resource(db, title="Old line", last_reviewed_on=date(2020, 1, 1))
    make_resource(db, title="Never looked at", last_reviewed_on=None, published=False)
    page = client.get("/curation", params={"status": status}, headers=HTML).text
    for title in shown:
        assert f">{title}</a>" in page, title
    for title in hidden:
        assert f">{title}</a>" not in page, title


def test_the_list_filters_by_category_and_searches(
    client: TestClient, db: Session, as_editor: Browser
) -> None:
    make_resource(db, title="Chaplain on call", category=ResourceCategory.spiritual_care)
    make_resource(db, title="Chaplaincy draft", category=ResourceCategory.spiritual_care,
                  published=False)  # fmt: skip
    make_resource(db, title="Legal clinic", category=ResourceCategory.legal)
    by_category = client.get("/curation?category=spiritual_care", headers=HTML).text
    assert ">Chaplain on call</a>" in by_category
    assert ">Chaplaincy draft</a>" in by_category
    assert ">Legal clinic</a>" not in by_category
    searched = client.get("/curation", params={"q": "chaplain"}, headers=HTML).text
    assert ">Chaplain on call</a>" in searched
    assert ">Chaplaincy draft</a>" in searched
    assert ">Legal clinic</a>" not in searched
    drafts = client.get("/curation", params={"q": "chaplain", "status": "unpublished"}).text
    assert ">Chaplaincy draft</a>" in drafts
    assert ">Chaplain on call</a>" not in drafts
    nothing = client.get("/curation", params={"q": "zzqx-nothing"}, headers=HTML)
    assert nothing.status_code == 200
    assert "Nothing found for “zzqx-nothing”" in nothing.text


@pytest.mark.parametrize("q", ["", "Paged entry"])
def test_the_list_pages_never_repeat_or_skip(
    client: TestClient, db: Session, as_editor: Browser, monkeypatch: pytest.MonkeyPatch, q: str
) -> None:
    monkeypatch.setattr(curation_pages, "PAGE_SIZE", 3)
    made = [make_resource(db, title=f"Paged entry {n}", published=bool(n % 2)).id for n in range(8)]
    seen: list[int] = []
    params: dict[str, str] = {"status": "published", "q": q}
    for _ in range(10):
        page = client.get("/curation", params=params, headers=HTML).text
        seen += [int(i) for i in re.findall(r'<tr id="resource-(\d+)"', page)]
        found = re.search(r'href="/curation\?[^"]*after=([^"&]+)">Next page</a>', page)
        if not found:
            break
        params["after"] = found.group(1).replace("%3D", "=")
    expected = [i for n, i in enumerate(made) if n % 2]
    mine = [i for i in seen if i in made]
    assert mine == expected
    assert len(seen) == len(set(seen))


def test_odd_list_parameters_are_a_calm_422(client: TestClient, as_editor: Browser) -> None:
    for query in ("status=stale", "category=casino", "q=" + "x" * 101):
        answer = client.get(f"/curation?{query}", headers=HTML)
        assert answer.status_code == 422, query


@pytest.mark.parametrize(
    "after",
    [
        "999999999999999999",  # 18 digits
        "9999999999999999999",  # 19 digits: past SQLite's 64-bit integers
        "99999999999999999999",  # 20 digits
        "2147483648",  # one past the largest row id
        "0",
        "garbage",
        "-1",
        "١٢",  # digits, but not ASCII ones
    ],
)
def test_a_page_link_this_list_never_gave_is_a_calm_422(
    client: TestClient, as_editor: Browser, after: str
) -> None:
    answer = client.get("/curation", params={"after": after}, headers=HTML)
    assert answer.status_code == 422, answer.text
    assert "This page link is not one this list gave out." in answer.text


def test_the_largest_row_id_is_a_page_link(client: TestClient, as_editor: Browser) -> None:
    answer = client.get("/curation", params={"after": "2147483647"}, headers=HTML)
    assert answer.status_code == 200


def test_the_new_entry_form_proposes_the_programs_today(
    client: TestClient, as_editor: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(curation_pages, "program_today", lambda _session: date(2026, 11, 30))
    page = client.get("/curation/new", headers=HTML).text
    assert 'value="2026-11-30"' in page


# Adding and changing entries.


def test_an_editor_adds_an_entry_with_every_field(
    client: TestClient, db: Session, as_editor: Browser
) -> None:
    answer = client.post("/curation/new", data=as_editor.form(**FULL_FORM), follow_redirects=False)
    assert answer.status_code == 303, answer.text
    resource_id = new_id(answer.headers["location"])
    created = stored(db, resource_id)
    assert (created.title, created.category, created.phone, created.text_number) == (
        "Staff Sleep Clinic",
        ResourceCategory.wellness,
        "(555) 555-0142",
        "741741",
    )
    assert (created.url, created.email, created.hours, created.location) == (
        "https://sleep.example.org/staff", "sleep@example.org", "Weekdays 8 a.m. to 6 p.m.",
        "Building C, room 12")  # fmt: skip
    assert created.keywords == ["sleep", "insomnia", "EAP"]
    assert sorted(r.profession_code for r in created.audience_rows) == ["nurse", "physician"]
    assert (created.available_24_7, created.confidential, created.cost) == (True, True, "free")
    assert created.published is False
    assert created.last_reviewed_on == date(2026, 11, 2)
    assert audit_actions(db, object_type="resource", object_id=resource_id) == ["resource.create"]
    page = client.get(answer.headers["location"], headers=HTML).text
    assert "The entry is added." in page
    assert 'value="sleep, insomnia, EAP"' in page
    assert 'value="nurse" checked' in page


def test_an_entry_for_everyone_says_so_and_can_be_published_at_once(
    client: TestClient, db: Session, as_editor: Browser
) -> None:
    form_page = client.get("/curation/new", headers=HTML).text
    assert "Check none and the entry is for everyone." in form_page
    # Written now, so reviewed now unless the editor says otherwise.
    assert f'name="last_reviewed_on" type="date" value="{program_today(db)}"' in form_page
    answer = client.post(
        "/curation/new",
        data=as_editor.form(title="Open to all", category="wellness", published="1"),
        follow_redirects=False,
    )
    created = stored(db, new_id(answer.headers["location"]))
    assert created.audience_rows == []
    assert created.published is True


BAD_INPUT = {
    "phone": ("call me", "Give a phone number of at least 3 digits"),
    "text_number": ("12", "Give a phone number of at least 3 digits"),
    "url": ("javascript:alert(1)", "Give a web address that starts with https:// or http://"),
    "email": ("nobody", "not a valid email address"),
    "keywords": ("sleep, " + "x" * 61, "Use at most 60 characters."),
    "last_reviewed_on": ("yesterday", "Give a date as YYYY-MM-DD."),
}


@pytest.mark.parametrize("editing", [False, True], ids=["new", "edit"])
def test_errors_show_beside_each_field_with_a_summary_and_keep_every_input(
    client: TestClient, db: Session, as_editor: Browser, entry: Resource, editing: bool
) -> None:
    form = FULL_FORM | {name: value for name, (value, _) in BAD_INPUT.items()}
    path = f"/curation/{entry.id}" if editing else "/curation/new"
    page = client.post(path, data=as_editor.form(**form), headers=HTML)
    assert page.status_code == 422
    text = page.text
    assert 'class="error-summary" role="alert"' in text
    # The same summary as the log form's (web/templates/_form.html), with its own heading.
    assert re.search(r'id="error-summary-heading">Please fix these \d+ before saving</h2>', text)
    assert 'tabindex="-1" autofocus>' in text
    for name, (_value, message) in BAD_INPUT.items():
        if editing and name == "last_reviewed_on":
            continue  # an edit leaves the review to "Mark reviewed"
        beside = text.split(f'id="{name}-error"')[1].split("</p>")[0]
        assert message in beside, name
        assert f'href="#{name}"' in text, name
        assert f'id="{name}"' in text
    for name in ("title", "hours", "location"):
        assert f'value="{FULL_FORM[name]}"' in text
    assert 'value="call me"' in text
    assert 'value="javascript:alert(1)"' in text
    assert ">Help with insomnia and shift-work sleep.</textarea>" in text
    assert 'value="physician" checked' in text
    assert '<option value="free" selected' in text
    assert 'href="javascript:' not in text
    assert count_titled(db, "Staff Sleep Clinic") == 0
    assert audit_actions(db, object_type="resource", object_id=entry.id) == []


@pytest.mark.parametrize("editing", [False, True], ids=["new", "edit"])
def test_a_blank_title_and_category_are_asked_for(
    client: TestClient, db: Session, as_editor: Browser, entry: Resource, editing: bool
) -> None:
    path = f"/curation/{entry.id}" if editing else "/curation/new"
    page = client.post(path, data=as_editor.form(title="  ", category="", phone="988"))
    assert page.status_code == 422
    assert "Fill this in." in page.text.split('id="title-error"')[1].split("</p>")[0]
    assert "Choose one." in page.text.split('id="category-error"')[1].split("</p>")[0]
    assert 'value="988"' in page.text
    assert stored(db, entry.id or 0).title == "Quiet Room Walks"


def test_an_unknown_profession_is_said_beside_the_audiences(
    client: TestClient, as_editor: Browser
) -> None:
    form = as_editor.form(title="Odd", category="wellness", audiences=["astronaut"])
    page = client.post("/curation/new", data=form)
    assert page.status_code == 422
    assert (
        "&#39;astronaut&#39; is not a profession code."
        in page.text.split('id="audiences-error"')[1]
    )


def test_an_editor_changes_an_entry_and_each_change_is_audited(
    client: TestClient, db: Session, as_editor: Browser
) -> None:
    entry = make_resource(db, title="Old name", phone="555-0100", hours="Mondays")
    form = FULL_FORM | {"title": "New name", "phone": "", "hours": "Mondays"}
    answer = client.post(f"/curation/{entry.id}", data=as_editor.form(**form),
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/curation/{entry.id}?done=saved"
    changed = stored(db, entry.id or 0)
    assert (changed.title, changed.phone, changed.hours) == ("New name", None, "Mondays")
    assert changed.published is True  # saving never publishes or unpublishes
    actions = audit_actions(db, object_type="resource", object_id=entry.id)
    assert "resource.change.title" in actions
    assert "resource.change.phone" in actions
    assert "resource.change.keywords" in actions
    assert "resource.change.audiences" in actions
    assert "resource.change.hours" not in actions
    assert "Your changes are saved." in client.get(answer.headers["location"]).text


def test_an_htmx_save_is_sent_on_with_hx_redirect(
    client: TestClient, db: Session, as_editor: Browser, entry: Resource
) -> None:
    answer = client.post(f"/curation/{entry.id}", headers=as_editor.htmx,
                         data={"title": "Quiet walks", "category": "wellness"})  # fmt: skip
    assert answer.status_code == 204
    assert answer.headers["hx-redirect"] == f"/curation/{entry.id}?done=saved"


def test_an_unknown_entry_is_a_404(client: TestClient, as_editor: Browser) -> None:
    assert client.get("/curation/999999", headers=HTML).status_code == 404
    answer = client.post("/curation/999999/publish", data=as_editor.form(), headers=HTML)
    assert answer.status_code == 404


# Actions.


def test_publish_unpublish_and_review_are_audited_and_announced(
    client: TestClient, db: Session, as_editor: Browser, entry: Resource
) -> None:
    steps = [("publish", "The entry is published"), ("unpublish", "The entry is unpublished"),
             ("review", "Marked reviewed today.")]  # fmt: skip
    for action, notice in steps:
        answer = client.post(f"/curation/{entry.id}/{action}", data=as_editor.form(),
                             follow_redirects=False)  # fmt: skip
        assert answer.status_code == 303
        assert answer.headers["location"].startswith(f"/curation/{entry.id}?done=")
        assert notice in client.get(answer.headers["location"]).text
    final = stored(db, entry.id or 0)
    assert final.published is False
    assert final.last_reviewed_on == program_today(db)
    assert audit_actions(db, object_type="resource", object_id=entry.id) == [
        "resource.change.published",
        "resource.change.published",
        "resource.review",
    ]
    htmx = client.post(f"/curation/{entry.id}/publish", headers=as_editor.htmx)
    assert htmx.status_code == 204
    assert htmx.headers["hx-redirect"] == f"/curation/{entry.id}?done=published"


def test_an_unshared_entry_is_deleted(
    client: TestClient, db: Session, as_editor: Browser, entry: Resource
) -> None:
    answer = client.post(f"/curation/{entry.id}/delete", data=as_editor.form(),
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    assert answer.headers["location"] == "/curation?done=deleted"
    db.expire_all()
    assert db.get(Resource, entry.id) is None
    assert audit_actions(db, object_type="resource", object_id=entry.id) == ["resource.delete"]
    assert "The entry is deleted." in client.get(answer.headers["location"]).text
    again = client.post(f"/curation/{entry.id}/delete", data=as_editor.form(),
                        follow_redirects=False)  # fmt: skip
    assert again.status_code == 404
    assert audit_actions(db, object_type="resource", object_id=entry.id) == ["resource.delete"]


def test_an_entry_shared_in_an_encounter_is_kept_with_the_reason(
    client: TestClient, db: Session, as_editor: Browser, entry: Resource
) -> None:
    supporter = make_supporter(db)
    log_encounter(session=db, actor=supporter_actor(db, supporter),
                  data=encounter_data(resources_shared=[entry.id]))  # fmt: skip
    page = client.post(f"/curation/{entry.id}/delete", data=as_editor.form(), headers=HTML)
    assert page.status_code == 409
    assert "This resource was shared in encounters; unpublish it instead." in page.text
    assert '<details class="more" open>' in page.text
    assert stored(db, entry.id or 0).title == "Quiet Room Walks"


# The preview.


def test_the_live_preview_renders_what_is_typed_and_writes_nothing(
    client: TestClient, db: Session, as_editor: Browser
) -> None:
    before = len(db.exec(select(Resource.id)).all())
    typed = {
        "title": "Typed <b>title</b>", "category": "eap", "phone": "1-888-409-0141",
        "url": "javascript:alert(1)", "available_24_7": "1", "cost": "free", "editing": "",
    }  # fmt: skip
    answer = client.post("/curation/preview", headers=as_editor.htmx, data=typed)
    assert answer.status_code == 200
    assert is_fragment(answer)
    text = answer.text
    assert text.count("Typed &lt;b&gt;title&lt;/b&gt;") == 3
    assert text.count('href="tel:18884090141"') == 3
    assert "embed-theme-light" in text
    assert "embed-theme-dark" in text
    assert "Open 24/7" in text
    assert "Free" in text
    assert "javascript:" not in text
    assert 'id="resource-' not in text
    assert len(db.exec(select(Resource.id)).all()) == before


def test_the_preview_button_works_without_javascript(
    client: TestClient, as_editor: Browser, entry: Resource
) -> None:
    form = as_editor.form(title="Walks with a chaplain", category="spiritual_care",
                          phone="call me", editing=str(entry.id))  # fmt: skip
    page = client.post("/curation/preview", data=form, headers=HTML)
    assert page.status_code == 200
    assert not is_fragment(page)
    assert 'value="Walks with a chaplain"' in page.text
    assert 'value="call me"' in page.text
    assert page.text.count("<h3>Walks with a chaplain</h3>") == 3
    assert f'action="/curation/{entry.id}"' in page.text
    assert 'formaction="/curation/preview"' in page.text


def test_the_edit_page_previews_the_stored_entry(
    client: TestClient, db: Session, as_editor: Browser
) -> None:
    entry = make_resource(db, title="Ombuds office", phone="(555) 555-0117", confidential=True)
    page = client.get(f"/curation/{entry.id}", headers=HTML).text
    assert page.count("<h3>Ombuds office</h3>") == 3
    assert 'hx-post="/curation/preview"' in page
    assert 'hx-trigger="input delay:500ms from:#resource-form' in page


# The EAP placeholder (issue 9: completing it puts it in the crisis panel).


def test_an_editor_completes_the_eap_placeholder_into_the_crisis_panel(
    client: TestClient, db: Session, as_editor: Browser
) -> None:
    eap = db.exec(select(Resource).where(Resource.category == ResourceCategory.eap)).first()
    assert eap is not None
    assert eap.published is False
    assert eap.phone is None
    assert "Employee Assistance Program" not in client.get("/crisis").text
    page = client.get(f"/curation/{eap.id}", headers=HTML)
    assert page.status_code == 200
    form = dict(_current_form(page.text).items())
    form |= {"phone": "1-800-555-0199", "hours": "24/7 by phone", "available_24_7": "1"}
    saved = client.post(f"/curation/{eap.id}", data=as_editor.form(**form), follow_redirects=False)
    assert saved.status_code == 303, saved.text
    published = client.post(f"/curation/{eap.id}/publish", data=as_editor.form(),
                            follow_redirects=False)  # fmt: skip
    assert published.status_code == 303
    assert eap.id in [r.id for r in crisis_resources(db)]
    crisis = client.get("/crisis").text
    assert eap.title in crisis
    assert 'href="tel:18005550199"' in crisis
    # The crisis list every page carries.
    assert "Call 1-800-555-0199" in client.get("/curation").text.split("crisis-panel")[1]
    assert audit_actions(db, object_type="resource", object_id=eap.id)[-1] == (
        "resource.change.published"
    )


def _current_form(page: str) -> dict[str, Any]:
    """The text inputs, the textarea and the chosen category of an edit page, as a browser
    would send them back."""
    form: dict[str, Any] = dict(
        re.findall(
            r'<input id="(\w+)" name="\w+" type="(?:text|tel|url|email|date)"[^>]*value="([^"]*)"',
            page,
        )
    )
    form["description"] = (
        page.split('name="description"')[1].split(">", 1)[1].split("</textarea>")[0]
    )
    form["category"] = re.search(r'<option value="(\w+)" selected>', page).group(1)  # type: ignore[union-attr]
    return form


# Through the real request edge: each request commits on success and rolls back otherwise.


@pytest.fixture(scope="module")
def committed_app(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Engine, str]]:
    """The app on a database of its own (SQLite or PostgreSQL, as the pass runs), every
    request in its own unit of work; an editor signed in, and the session's CSRF token."""
    url = sibling_database_url(database_url, "curation_commits")
    folder = tmp_path_factory.mktemp("curation_commits")
    fresh_database(url)
    engine = make_engine(url)
    upgrade_to_head(engine)
    with unit_of_work(engine) as session:
        editor = make_user(session, roles=(Role.resource_editor,),
                           password_hash=hash_password(PASSWORD))  # fmt: skip
        email, user_id = editor.email, editor.id
    settings = Settings(_env_file=None, environment="test", database_url=url, var_dir=folder)
    app = create_app(settings)
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        answer = post_sign_in_form(client, {"email": email, "password": PASSWORD})
        assert answer.status_code == 303, answer.text
        with Session(engine) as session:
            csrf = session.exec(
                select(WebSession.csrf_token).where(WebSession.user_id == user_id)
            ).one()
        yield client, engine, csrf
    engine.dispose()


def test_a_create_commits_with_its_audit_event_and_a_failed_commit_keeps_nothing(
    committed_app: tuple[TestClient, Engine, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, engine, csrf = committed_app
    form = {"csrf_token": csrf, "title": "Committed entry", "category": "wellness",
            "phone": "988"}  # fmt: skip
    answer = client.post("/curation/new", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    resource_id = new_id(answer.headers["location"])
    with Session(engine) as session:  # another connection sees it: committed
        assert session.get(Resource, resource_id) is not None
        assert audit_actions(session, object_type="resource", object_id=resource_id) == [
            "resource.create"
        ]

    def lost_connection(_session: Session) -> None:
        raise OperationalError("COMMIT", None, Exception("server closed the connection"))

    monkeypatch.setattr(Session, "commit", lost_connection)
    failed = client.post(f"/curation/{resource_id}/publish", data={"csrf_token": csrf},
                         headers=HTML, follow_redirects=False)  # fmt: skip
    assert failed.status_code == 503
    monkeypatch.undo()
    with Session(engine) as session:
        kept = session.get(Resource, resource_id)
        assert kept is not None
        assert kept.published is False
        assert audit_actions(session, object_type="resource", object_id=resource_id) == [
            "resource.create"
        ]
    again = client.post(f"/curation/{resource_id}/publish", data={"csrf_token": csrf},
                        follow_redirects=False)  # fmt: skip
    assert again.status_code == 303
    with Session(engine) as session:
        published = session.get(Resource, resource_id)
        assert published is not None
        assert published.published is True


def test_publishing_the_eap_placeholder_without_a_number_says_why_beside_the_phone(
    client: TestClient, db: Session, as_editor: Browser
) -> None:
    eap = db.exec(select(Resource).where(Resource.category == ResourceCategory.eap)).first()
    assert eap is not None
    assert eap.phone is None

    answer = client.post(f"/curation/{eap.id}/publish", data=as_editor.form(),
                         follow_redirects=False)  # fmt: skip

    assert answer.status_code == 422
    assert "published with a phone or text number" in answer.text
    assert 'id="phone-error"' in answer.text
    db.refresh(eap)
    assert eap.published is False
    assert "Employee Assistance Program" not in client.get("/crisis").text
