"""The public directory page `/directory`: no sign-in and the same bytes for everyone (cacheable,
ETag and 304), search and filters, crisis entries first, cursor paging without repeats or gaps,
a helpful message when nothing is found and a 422 page for a bad address. That nothing about the
program's own work shows: tests/web/test_public_outputs.py."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlmodel import Session

from domain.codes import ResourceCategory, Role
from domain.errors import InvalidInput
from domain.resources.models import ResourceAudience
from domain.web_sessions.models import WebSession
from tests.factories import counting_statements, make_resource, make_user
from tests.web.conftest import HTML, HTMX, Browser, is_fragment, latest_web_session, vary_of
from web.pages import directory as directory_page
from web.pages.directory import PAGE_SIZE

DIRECTORY = "/directory"


def titles(page: str) -> list[str]:
    return [html.unescape(title) for title in re.findall(r"<h2>(.*?)</h2>", page)]


def more_link(page: str) -> str | None:
    found = re.search(r'<a href="([^"]*)" class="more"', page)
    return html.unescape(found.group(1)) if found else None


def get(client: TestClient, address: str, **headers: str) -> Response:
    return client.get(address, headers={**HTML, **headers})


def test_anyone_reads_it_without_signing_in(client: TestClient, db: Session) -> None:
    make_resource(db, title="Sleep clinic for staff", category=ResourceCategory.wellness)

    answer = get(client, DIRECTORY)

    assert answer.status_code == 200
    assert "<h1>Resource directory</h1>" in answer.text
    assert "Sleep clinic for staff" in titles(answer.text)
    assert "set-cookie" not in answer.headers


def test_the_front_page_and_the_footer_link_to_it(client: TestClient) -> None:
    front = get(client, "/").text

    assert 'href="/directory"' in front.split("<footer")[0]
    footer = front.split("<footer")[1]
    assert '<a class="thumb-link" href="/directory">Resource directory</a>' in footer


def test_it_is_the_same_for_a_signed_in_person_and_the_session_is_not_touched(
    client: TestClient, db: Session, sign_in: Callable[..., Browser], new_browser: Callable
) -> None:
    anonymous = get(new_browser(), DIRECTORY)
    browser = sign_in(make_user(db, roles=(Role.coordinator,)))
    web_session = latest_web_session(db, browser.user)
    seen = web_session.last_seen_at

    signed_in = get(browser.client, DIRECTORY)

    assert signed_in.content == anonymous.content
    assert signed_in.headers["etag"] == anonymous.headers["etag"]
    assert "set-cookie" not in signed_in.headers
    assert db.get(WebSession, web_session.id).last_seen_at == seen  # type: ignore[union-attr]
    assert "Sign out" not in signed_in.text


def test_it_is_cacheable_and_if_none_match_answers_304(client: TestClient) -> None:
    first = get(client, DIRECTORY)
    assert first.headers["cache-control"] == "public, max-age=60"
    assert "hx-request" in vary_of(first)

    again = get(client, DIRECTORY, **{"If-None-Match": first.headers["etag"]})

    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    for answer in (first, again, get(client, "/directory?category=bogus")):
        assert {"hx-request", "hx-history-restore-request"} <= set(vary_of(answer))


def test_an_edit_changes_the_etag(client: TestClient, db: Session) -> None:
    before = get(client, DIRECTORY).headers["etag"]
    make_resource(db, title="A new entry")

    after = get(client, DIRECTORY, **{"If-None-Match": before})

    assert after.status_code == 200
    assert after.headers["etag"] != before


def test_htmx_gets_the_results_block_only(client: TestClient, db: Session) -> None:
    make_resource(db, title="Chaplain on call", category=ResourceCategory.spiritual_care)

    answer = client.get(DIRECTORY, params={"category": "spiritual_care"}, headers=HTMX)

    assert answer.status_code == 200
    assert is_fragment(answer)
    assert "Chaplain on call" in answer.text
    full = get(client, "/directory?category=spiritual_care")
    assert answer.headers["etag"] != full.headers["etag"]


def test_screen_readers_hear_a_short_status_line_not_the_whole_list(
    client: TestClient, db: Session
) -> None:
    """The live region holds one line ("3 entries." or what to try), outside the results htmx
    swaps; each swap carries its new words out of band into that same element."""
    for n in range(3):
        make_resource(db, title=f"Chaplain {n}", category=ResourceCategory.spiritual_care)

    page = get(client, "/directory?category=spiritual_care").text
    swap = client.get(DIRECTORY, params={"category": "spiritual_care"}, headers=HTMX).text
    empty = client.get(DIRECTORY, params={"q": "zzzqqq"}, headers=HTMX).text
    restored = client.get(
        "/directory?category=spiritual_care",
        headers={**HTMX, "HX-History-Restore-Request": "true"},
    ).text

    assert "aria-live" not in page
    assert page.count('role="status"') == 1
    assert '<p id="results-status" class="visually-hidden" role="status">3 entries.</p>' in page
    assert page.index('id="results-status"') < page.index('<div id="results">')
    assert "hx-swap-oob" not in page
    assert '<p id="results-status" hx-swap-oob="innerHTML">3 entries.</p>' in swap
    assert 'role="status"' not in swap
    status = re.search(r'<p id="results-status" hx-swap-oob="innerHTML">(.*?)</p>', empty)
    assert status
    assert html.unescape(status.group(1)).startswith("Nothing found")
    assert "hx-swap-oob" not in restored
    assert restored.count('id="results-status"') == 1


def test_a_full_page_of_entries_says_more_follow(client: TestClient, db: Session) -> None:
    for n in range(PAGE_SIZE + 1):
        make_resource(db, title=f"Childcare {n}", category=ResourceCategory.childcare)

    page = get(client, "/directory?category=childcare").text

    assert f'role="status">{PAGE_SIZE} entries, more on the next page.</p>' in page


def test_the_form_works_without_javascript_and_searches_as_you_type(client: TestClient) -> None:
    page = get(client, DIRECTORY).text

    assert '<form method="get" action="/directory"' in page
    assert 'hx-get="/directory"' in page
    assert "delay:300ms" in page
    assert 'hx-push-url="true"' in page


def test_it_filters_by_category(client: TestClient, db: Session) -> None:
    make_resource(db, title="Legal aid for staff", category=ResourceCategory.legal)
    make_resource(db, title="Money coaching", category=ResourceCategory.financial)

    shown = titles(get(client, "/directory?category=legal").text)

    assert "Legal aid for staff" in shown
    assert "Money coaching" not in shown
    assert '<option value="legal" selected>' in get(client, "/directory?category=legal").text


def test_it_filters_by_audience_keeping_entries_for_everyone(
    client: TestClient, db: Session
) -> None:
    for_nurses = make_resource(db, title="Nurses circle", category=ResourceCategory.wellness)
    for_pharmacists = make_resource(db, title="Pharmacists circle")
    make_resource(db, title="Circle for everyone")
    db.add(ResourceAudience(resource_id=for_nurses.id, profession_code="nurse"))
    db.add(ResourceAudience(resource_id=for_pharmacists.id, profession_code="pharmacist"))
    db.flush()

    shown = titles(get(client, "/directory?audience=nurse&category=wellness").text)

    assert "Nurses circle" in shown
    assert "Circle for everyone" in shown
    assert "Pharmacists circle" not in shown


def test_it_searches(client: TestClient, db: Session) -> None:
    make_resource(db, title="Counseling for residents")
    make_resource(db, title="Yoga at noon")

    shown = titles(get(client, "/directory?q=counseling").text)

    assert "Counseling for residents" in shown
    assert "Yoga at noon" not in shown


def test_crisis_entries_come_first(client: TestClient, db: Session) -> None:
    make_resource(db, title="Aaa first by id")

    shown = titles(get(client, DIRECTORY).text)

    assert shown[0] in {
        "988 Suicide & Crisis Lifeline",
        "Crisis Text Line",
        "Physician Support Line",
    }
    assert shown.index("Aaa first by id") > shown.index("988 Suicide & Crisis Lifeline")


def test_it_says_what_to_try_when_nothing_is_found(client: TestClient) -> None:
    page = get(client, "/directory?q=zzzyzzyva").text

    assert '<p class="notice nothing-found">Nothing found for “zzzyzzyva”.' in page


def test_the_more_link_walks_every_entry_once(client: TestClient, db: Session) -> None:
    made = {make_resource(db, title=f"Legal entry {n}", category=ResourceCategory.legal).title
            for n in range(2 * PAGE_SIZE + 3)}  # fmt: skip
    seen: list[str] = []
    address: str | None = "/directory?category=legal"
    pages = 0
    while address is not None:
        page = get(client, address)
        assert page.status_code == 200
        seen += titles(page.text)
        address = more_link(page.text)
        pages += 1
        if address:
            assert "category=legal" in address
            assert "after=" in address

    assert pages == 3
    assert sorted(seen) == sorted(made)


def test_an_htmx_more_link_swaps_the_results(client: TestClient, db: Session) -> None:
    for n in range(PAGE_SIZE + 1):
        make_resource(db, title=f"Ombuds {n}", category=ResourceCategory.ombuds)
    page = get(client, "/directory?category=ombuds").text

    assert re.search(r'class="more" hx-get="[^"]+" hx-target="#results" hx-push-url="true"', page)
    second = client.get(more_link(page) or "", headers=HTMX)
    assert is_fragment(second)
    assert len(titles(second.text)) == 1
    assert '<a href="/directory?category=ombuds" hx-get=' in second.text
    assert ">First page</a>" in second.text


@pytest.mark.parametrize(
    ("address", "field", "message"),
    [
        ("/directory?category=bogus", "category", "Choose a category from the list."),
        ("/directory?audience=astronaut", "audience", "Choose a profession from the list."),
        (f"/directory?q={'x' * 101}", "q", "at most 100 characters"),
        ("/directory?q=%00", "q", "Remove control characters from this text."),
        ("/directory?q=a%E2%80%AEb", "q", "Remove invisible text-direction characters"),
        ("/directory?after=%E2%9C%93", "after", "not valid"),
        (f"/directory?after={'9' * 201}", "after", "not valid"),
    ],
)
def test_a_bad_address_is_a_422_page_naming_the_problem(
    client: TestClient, address: str, field: str, message: str
) -> None:
    answer = get(client, address)

    assert answer.status_code == 422
    assert message in answer.text
    assert answer.headers["cache-control"] == "no-store"
    if field in ("q", "category", "audience"):
        assert f'id="directory-{field}-error"' in answer.text


@pytest.mark.parametrize(
    "typed",
    [
        "sleep\u00a0clinic",
        "sleep\tclinic",
        "sleep\r\nclinic",
        " sleep  clinic ",
        "sleep\u3000clinic",
    ],
)
def test_any_whitespace_is_a_plain_space_as_on_the_api(
    client: TestClient, db: Session, typed: str
) -> None:
    """A non-breaking space (pasted from a page), a tab, a line break: the API searches for
    them (200), so the page does too, and shows the words with one plain space between."""
    make_resource(db, title="Sleep clinic for staff", category=ResourceCategory.wellness)

    answer = client.get(DIRECTORY, params={"q": typed}, headers=HTML)
    api = client.get("/api/v1/directory", params={"q": typed})

    assert answer.status_code == api.status_code == 200
    assert "Sleep clinic for staff" in titles(answer.text)
    assert 'name="q" type="search" value="sleep clinic"' in answer.text
    assert more_link(answer.text) is None


def test_a_soft_hyphen_is_searched_for_as_on_the_api(client: TestClient) -> None:
    answer = client.get(DIRECTORY, params={"q": "coun\u00adseling"}, headers=HTML)
    api = client.get("/api/v1/directory", params={"q": "coun\u00adseling"})

    assert answer.status_code == api.status_code == 200


@pytest.mark.parametrize("length", [100, 101])
def test_the_search_text_has_the_apis_limit_of_100_characters(
    client: TestClient, length: int
) -> None:
    answer = client.get(DIRECTORY, params={"q": "x" * length}, headers=HTML)
    api = client.get("/api/v1/directory", params={"q": "x" * length})

    assert answer.status_code == api.status_code == (200 if length == 100 else 422)


def test_a_wrong_search_text_stays_in_the_box_beside_its_message(client: TestClient) -> None:
    typed = "sleep" + "z" * 100

    answer = client.get(DIRECTORY, params={"q": typed}, headers=HTML)

    assert answer.status_code == 422
    assert f'name="q" type="search" value="{typed}"' in answer.text
    assert 'aria-invalid="true" aria-describedby="directory-q-error"' in answer.text
    assert "Search for at most 100 characters." in answer.text
    # The entries shown are searched without it, and no link carries it on.
    assert "988 Suicide &amp; Crisis Lifeline" in answer.text
    assert f"q={typed}" not in answer.text


def test_text_that_looks_like_code_shows_as_text(client: TestClient, db: Session) -> None:
    make_resource(
        db,
        title='<script>alert("t")</script> {{ 7*7 }}',
        description="\"quoted\" 'single' <b>bold</b> {% raw %}",
        category=ResourceCategory.other,
    )

    page = get(client, "/directory?category=other").text

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt; {{ 7*7 }}" in page
    assert "49" not in page.split("<main")[1]
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


def test_the_page_costs_the_same_statements_for_3_or_20_entries(
    client: TestClient, db: Session
) -> None:
    def statements() -> int:
        db.expire_all()
        with counting_statements(db) as counted:
            assert get(client, "/directory?category=childcare").status_code == 200
        return len(counted)

    for n in range(3):
        make_resource(db, title=f"Childcare {n}", category=ResourceCategory.childcare)
    few = statements()
    for n in range(3, PAGE_SIZE + 5):
        make_resource(db, title=f"Childcare {n}", category=ResourceCategory.childcare)
    assert statements() == few


def test_a_cursor_the_search_refuses_shows_the_first_page_with_a_422(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A link from another order or an old version: the search raises, the page explains."""
    searching = directory_page.find_resources

    def refusing_cursors(*, after: str | None = None, **kwargs: object) -> object:
        if after is not None:
            raise InvalidInput("not a cursor of this search", field="cursor")
        return searching(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(directory_page, "find_resources", refusing_cursors)

    answer = get(client, "/directory?after=an-old-cursor")

    assert answer.status_code == 422
    assert "This link to a next page is not valid" in answer.text
    assert "988 Suicide &amp; Crisis Lifeline" in answer.text
