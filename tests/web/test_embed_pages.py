"""The embeddable directory `/embed/directory` and its loader `/embed/directory.js`.

Only the configured embed origins may frame it (`frame-ancestors`, no X-Frame-Options); it never
reads or refreshes a session and sets no cookie; published entries only, links to a new tab; no
form that changes anything; cacheable for 5 minutes with an ETag that covers the policy; a bad
address is a 422 page inside the frame."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlmodel import Session

from domain.codes import ResourceCategory, Role
from domain.program_settings.models import ProgramSettingsUpdate
from domain.program_settings.service import get_program_settings, update_program_settings
from domain.web_sessions.models import WebSession
from tests.factories import ADMIN, counting_statements, make_resource, make_user
from tests.web.conftest import (
    HTML,
    HTMX,
    Browser,
    csp_directives,
    is_fragment,
    latest_web_session,
    vary_of,
)
from web import errors as web_errors
from web.pages.directory import PAGE_SIZE

EMBED = "/embed/directory"
LOADER = "/embed/directory.js"
ORIGINS = ["https://intranet.example.org", "http://localhost:8080"]


def allow(db: Session, origins: list[str]) -> None:
    update_program_settings(
        session=db, actor=ADMIN, data=ProgramSettingsUpdate(embed_origins=origins)
    )


def get(client: TestClient, address: str = EMBED, **headers: str) -> Response:
    return client.get(address, headers={**HTML, **headers})


def titles(page: str) -> list[str]:
    return [html.unescape(title) for title in re.findall(r"<h2>(.*?)</h2>", page)]


# Who may frame it.


def test_frame_ancestors_lists_exactly_the_embed_origins(client: TestClient, db: Session) -> None:
    allow(db, ORIGINS)

    answer = get(client)

    assert answer.status_code == 200
    assert csp_directives(answer)["frame-ancestors"] == ORIGINS
    assert "x-frame-options" not in answer.headers


def test_without_embed_origins_nobody_may_frame_it(client: TestClient) -> None:
    answer = get(client)

    assert csp_directives(answer)["frame-ancestors"] == ["'none'"]


def test_the_rest_of_its_policy_stays_strict(client: TestClient, db: Session) -> None:
    allow(db, ORIGINS)

    directives = csp_directives(get(client))

    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]


def test_a_stored_value_that_is_no_origin_never_reaches_the_header(
    client: TestClient, db: Session
) -> None:
    """Saved before the rule existed, or written into the database by hand."""
    settings = get_program_settings(db)
    settings.embed_origins = ["https://a.org; script-src *", "https://intranet.example.org", "*"]
    db.add(settings)
    db.flush()

    answer = get(client)

    assert csp_directives(answer)["frame-ancestors"] == ["https://intranet.example.org"]
    assert "script-src *" not in answer.headers["content-security-policy"]


def test_a_new_embed_origin_changes_the_etag_and_a_304_keeps_the_policy(
    client: TestClient, db: Session
) -> None:
    allow(db, ORIGINS[:1])
    before = get(client)
    unchanged = get(client, **{"If-None-Match": before.headers["etag"]})
    assert unchanged.status_code == 304
    # A cache refreshes the stored headers from a 304: it must carry the embed's own policy.
    assert csp_directives(unchanged)["frame-ancestors"] == ORIGINS[:1]
    assert "x-frame-options" not in unchanged.headers

    allow(db, ORIGINS)
    after = get(client, **{"If-None-Match": before.headers["etag"]})

    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert csp_directives(after)["frame-ancestors"] == ORIGINS


def test_shared_caches_may_keep_it_for_five_minutes(client: TestClient) -> None:
    answer = get(client)

    assert answer.headers["cache-control"] == "public, max-age=300"
    assert "etag" in answer.headers
    assert "hx-request" in answer.headers["vary"].lower()


def test_it_varies_on_every_header_that_picks_the_page_or_the_fragment(
    client: TestClient,
) -> None:
    """htmx restoring history sends HX-Request too, with HX-History-Restore-Request, and gets
    the whole page: a cache keyed on HX-Request alone would hand it the fragment (or hand the
    whole page to a swap, after one crafted request)."""
    restore = {**HTMX, "HX-History-Restore-Request": "true"}
    whole = get(client)
    fragment = client.get(EMBED, headers=HTMX)
    restored = client.get(EMBED, headers=restore)
    not_modified = get(client, **{"If-None-Match": whole.headers["etag"]})
    wrong = get(client, f"{EMBED}?theme=purple")

    assert not is_fragment(restored)
    assert is_fragment(fragment)
    for answer in (whole, fragment, restored, not_modified, wrong):
        assert {"hx-request", "hx-history-restore-request"} <= set(vary_of(answer)), answer


# No session, no cookie, nothing that changes anything.


def test_it_sets_no_cookie_and_leaves_the_session_alone_even_when_one_is_sent(
    client: TestClient, db: Session, sign_in: Callable[..., Browser], new_browser: Callable
) -> None:
    anonymous = get(new_browser())
    browser = sign_in(make_user(db, roles=(Role.coordinator,)))
    web_session = latest_web_session(db, browser.user)
    web_session.last_seen_at -= timedelta(minutes=5)
    db.add(web_session)
    db.flush()
    seen = web_session.last_seen_at

    for address in (EMBED, f"{EMBED}?theme=dark", f"{EMBED}?theme=purple", LOADER):
        answer = get(browser.client, address)
        assert "set-cookie" not in answer.headers, address
    same = get(browser.client)

    assert db.get(WebSession, web_session.id).last_seen_at == seen  # type: ignore[union-attr]
    assert same.content == anonymous.content
    assert "set-cookie" not in get(browser.client, f"{EMBED}?q=x", **HTMX).headers


def test_its_error_pages_never_read_the_session_either(
    db: Session, sign_in: Callable[..., Browser], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 405 (a POST) or a 404 under /embed/ is an error page: it shows no visitor, and never
    even looks the session up, cookie or not."""
    browser = sign_in(make_user(db, roles=(Role.coordinator,)))
    looked_up: list[str] = []

    def noting_lookups(request: Any, session: Any) -> None:
        looked_up.append(request.url.path)

    monkeypatch.setattr(web_errors, "optional_visitor", noting_lookups)

    refused = browser.client.post(EMBED, headers=HTML)
    missing = get(browser.client, "/embed/nothing")
    fragment = browser.client.post(EMBED, headers={**HTML, **HTMX})

    assert refused.status_code == fragment.status_code == 405
    assert missing.status_code == 404
    for answer in (refused, missing, fragment):
        assert "Sign out" not in answer.text
        assert "set-cookie" not in answer.headers
    assert looked_up == []
    # Elsewhere an error page looks the visitor up (to show the workspace's header).
    get(browser.client, "/no-such-page")
    assert looked_up == ["/no-such-page"]


def test_it_has_no_form_that_changes_anything(client: TestClient) -> None:
    page = get(client).text.lower()

    assert 'method="post"' not in page
    assert "csrf" not in page
    assert re.findall(r'<form method="(\w+)"', page) == ["get"]


def test_it_shows_published_entries_only(client: TestClient, db: Session) -> None:
    make_resource(db, title="Published legal aid", category=ResourceCategory.legal)
    make_resource(db, title="Draft legal aid", category=ResourceCategory.legal, published=False)

    shown = titles(get(client, f"{EMBED}?category=legal").text)

    assert shown == ["Published legal aid"]


def test_sites_open_in_a_new_tab(client: TestClient, db: Session) -> None:
    make_resource(
        db, title="Legal aid", category=ResourceCategory.legal, url="https://legal.example.org/"
    )

    page = get(client, f"{EMBED}?category=legal").text

    site_link = re.search(r'<a [^>]*href="https://legal.example.org/"[^>]*>', page)
    assert site_link is not None
    assert 'target="_blank"' in site_link.group(0)
    assert 'target="_blank" rel="noopener">Open the full directory' in page
    assert 'href="/directory?category=legal"' in page


# Filters, theme, paging.


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_theme_is_the_pages_choice(client: TestClient, theme: str) -> None:
    page = get(client, f"{EMBED}?theme={theme}").text

    assert f'<html lang="en" class="embed embed-theme-{theme}">' in page
    assert f'<meta name="color-scheme" content="{theme}">' in page
    assert f'<input type="hidden" name="theme" value="{theme}">' in page


def test_the_filters_come_from_the_address(client: TestClient, db: Session) -> None:
    make_resource(db, title="Sleep clinic", category=ResourceCategory.counseling)
    make_resource(db, title="Money coaching", category=ResourceCategory.financial)

    page = get(client, f"{EMBED}?category=counseling&q=sleep&audience=nurse").text

    assert titles(page) == ["Sleep clinic"]
    assert '<option value="counseling" selected>' in page
    assert '<option value="nurse" selected>' in page
    assert 'value="sleep"' in page


def test_htmx_gets_the_results_block_only_without_pushing_the_address(
    client: TestClient, db: Session
) -> None:
    make_resource(db, title="Chaplain", category=ResourceCategory.spiritual_care)

    answer = client.get(f"{EMBED}?category=spiritual_care", headers=HTMX)

    assert is_fragment(answer)
    assert titles(answer.text) == ["Chaplain"]
    assert "hx-push-url" not in get(client).text  # the frame's moves stay out of the page's history


def test_screen_readers_hear_a_status_line_not_the_list(client: TestClient, db: Session) -> None:
    make_resource(db, title="Chaplain on call", category=ResourceCategory.spiritual_care)

    page = get(client, f"{EMBED}?category=spiritual_care").text
    swap = client.get(EMBED, params={"category": "spiritual_care"}, headers=HTMX).text

    assert "aria-live" not in page
    assert 'id="embed-results-status" class="visually-hidden" role="status">1 entry.</p>' in page
    assert page.index('id="embed-results-status"') < page.index('<div id="embed-results">')
    assert '<p id="embed-results-status" hx-swap-oob="innerHTML">1 entry.</p>' in swap


def test_the_more_link_keeps_filters_and_theme_and_walks_every_entry_once(
    client: TestClient, db: Session
) -> None:
    made = sorted(make_resource(db, title=f"Ombuds {n}", category=ResourceCategory.ombuds).title
                  for n in range(PAGE_SIZE + 2))  # fmt: skip
    first = get(client, f"{EMBED}?category=ombuds&theme=dark").text
    more = html.unescape(re.findall(r'<a href="([^"]*)" class="more"', first)[0])
    assert more.startswith(f"{EMBED}?")
    assert "theme=dark" in more
    assert "category=ombuds" in more

    second = get(client, more).text

    assert sorted(titles(first) + titles(second)) == made
    assert 'class="more"' not in second


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("theme=purple", "The theme is light or dark."),
        ("theme=%3Cscript%3E", "The theme is light or dark."),
        ("category=nope", "Choose a category from the list."),
        ("audience=%22%3E%3Cscript%3E", "Choose a profession from the list."),
        (f"q={'y' * 101}", "at most 100 characters"),
        ("q=a%00b", "Remove control characters from this text."),
        ("after=%FF%FE", "not valid"),
    ],
)
def test_a_bad_address_is_a_clear_422_page_never_a_500(
    client: TestClient, db: Session, query: str, message: str
) -> None:
    allow(db, ORIGINS)

    answer = get(client, f"{EMBED}?{query}")

    assert answer.status_code == 422
    assert message in answer.text
    assert "<script>" not in answer.text
    assert answer.headers["cache-control"] == "no-store"
    # Still shown inside the frame (the policy of the embed), with the page's theme kept.
    assert csp_directives(answer)["frame-ancestors"] == ORIGINS


def test_whitespace_is_a_plain_space_and_a_wrong_search_stays_in_the_box(
    client: TestClient, db: Session
) -> None:
    make_resource(db, title="Sleep clinic for staff", category=ResourceCategory.wellness)

    spaced = client.get(EMBED, params={"q": "sleep\u00a0clinic\u00ad"}, headers=HTML)
    wrong = client.get(EMBED, params={"q": "y" * 101}, headers=HTML)

    assert spaced.status_code == 200
    assert 'value="sleep clinic\u00ad"' in spaced.text
    assert "Sleep clinic for staff" in titles(spaced.text)
    assert wrong.status_code == 422
    assert f'value="{"y" * 101}"' in wrong.text


# The loader script.


def test_the_loader_is_cacheable_javascript(client: TestClient) -> None:
    answer = client.get(LOADER)

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/javascript; charset=utf-8"
    assert answer.headers["cache-control"] == "public, max-age=300"
    assert client.get(LOADER, headers={"If-None-Match": answer.headers["etag"]}).status_code == 304


def test_the_loader_trusts_only_its_own_frame_from_the_apps_origin(client: TestClient) -> None:
    script = client.get(LOADER).text

    assert "document.currentScript" in script
    assert "event.origin !== appOrigin || event.source !== frame.contentWindow" in script
    assert "encodeURIComponent(value)" in script
    assert '["category", "audience", "q", "theme"]' in script
    assert 'frame.setAttribute("loading", "lazy")' in script
    assert "frame.title" in script


@pytest.mark.parametrize(
    "address", [f"{EMBED}?category=childcare", "/curation/embed?category=childcare"]
)
def test_the_embed_and_its_preview_cost_the_same_statements_for_3_or_20_entries(
    client: TestClient, db: Session, sign_in: Callable[..., Browser], address: str
) -> None:
    sign_in(make_user(db, roles=(Role.resource_editor,)))

    def statements() -> int:
        db.expire_all()
        with counting_statements(db) as counted:
            assert get(client, address).status_code == 200
        return len(counted)

    for n in range(3):
        make_resource(db, title=f"Childcare {n}", category=ResourceCategory.childcare)
    few = statements()
    for n in range(3, PAGE_SIZE + 5):
        make_resource(db, title=f"Childcare {n}", category=ResourceCategory.childcare)
    assert statements() == few
