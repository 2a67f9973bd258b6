"""The embed snippet page `/curation/embed` (resource editors and coordinators): pick filters and
a theme, see the preview, copy a `<script>` tag with this app's absolute address, escaped."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from domain.codes import ResourceCategory, Role
from domain.program_settings.models import ProgramSettingsUpdate
from domain.program_settings.service import get_program_settings, update_program_settings
from tests.factories import ADMIN, make_resource, make_supporter, make_user
from tests.web.conftest import HTML, HTMX, Browser, goes_to_sign_in, is_fragment

SNIPPET_PAGE = "/curation/embed"


@pytest.fixture
def as_role(db: Session, sign_in: Callable[..., Browser]) -> Callable[..., Browser]:
    return lambda *roles: sign_in(make_user(db, roles=roles))


def snippet_of(page: str) -> str:
    found = re.search(r'<textarea id="embed-snippet"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, "no snippet"
    return html.unescape(found.group(1))


@pytest.mark.parametrize("role", [Role.resource_editor, Role.coordinator])
def test_editors_and_coordinators_get_a_snippet_to_paste(
    as_role: Callable[..., Browser], role: Role
) -> None:
    page = as_role(role).client.get(SNIPPET_PAGE, headers=HTML)

    assert page.status_code == 200
    assert snippet_of(page.text) == (
        '<script src="http://127.0.0.1:8000/embed/directory.js" data-theme="light" async></script>'
    )
    assert '<a href="/curation/embed" aria-current="page">Embed</a>' in page.text


@pytest.mark.parametrize("roles", [(Role.admin,), (Role.report_viewer,), (Role.supporter,)])
def test_others_are_refused(
    db: Session, sign_in: Callable[..., Browser], roles: tuple[Role, ...]
) -> None:
    user = make_user(db, roles=roles)
    if Role.supporter in roles:
        make_supporter(db, user=user)

    answer = sign_in(user).client.get(SNIPPET_PAGE, headers=HTML)

    assert answer.status_code == 403
    assert "embed/directory.js" not in answer.text


def test_it_needs_sign_in(client: TestClient) -> None:
    assert goes_to_sign_in(client.get(SNIPPET_PAGE, headers=HTML, follow_redirects=False))


def test_the_chosen_filters_become_data_attributes(as_role: Callable[..., Browser]) -> None:
    page = as_role(Role.resource_editor).client.get(
        SNIPPET_PAGE,
        params={"category": "counseling", "audience": "nurse", "q": "sleep", "theme": "dark"},
        headers=HTML,
    )

    assert snippet_of(page.text) == (
        '<script src="http://127.0.0.1:8000/embed/directory.js" data-category="counseling"'
        ' data-audience="nurse" data-q="sleep" data-theme="dark" async></script>'
    )
    assert '<div class="embed-preview embed-theme-dark">' in page.text


def test_a_search_word_with_quotes_and_tags_stays_inside_its_attribute(
    as_role: Callable[..., Browser],
) -> None:
    words = '"><script>alert(1)</script>'

    page = as_role(Role.resource_editor).client.get(SNIPPET_PAGE, params={"q": words}, headers=HTML)

    assert "<script>alert(1)" not in page.text
    assert 'data-q="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in snippet_of(page.text)


def test_the_preview_shows_the_embeds_entries(db: Session, as_role: Callable[..., Browser]) -> None:
    make_resource(db, title="Legal aid", category=ResourceCategory.legal)
    make_resource(db, title="Legal draft", category=ResourceCategory.legal, published=False)

    page = as_role(Role.resource_editor).client.get(
        SNIPPET_PAGE, params={"category": "legal"}, headers=HTML
    )

    preview = page.text.split('class="embed-preview')[1]
    assert "<h3>Legal aid</h3>" in preview
    assert "Legal draft" not in preview


def test_htmx_gets_the_snippet_and_preview_only(as_role: Callable[..., Browser]) -> None:
    answer = as_role(Role.resource_editor).client.get(
        SNIPPET_PAGE, params={"theme": "dark"}, headers=HTMX
    )

    assert is_fragment(answer)
    assert 'data-theme="dark"' in snippet_of(answer.text)


def test_without_embed_origins_it_says_to_add_one_in_settings(
    as_role: Callable[..., Browser],
) -> None:
    page = as_role(Role.resource_editor).client.get(SNIPPET_PAGE, headers=HTML).text

    assert "No site may embed the directory yet" in page
    assert '<a href="/settings">Settings</a>' in page


def test_it_lists_the_embed_origins_and_the_stored_values_left_out(
    db: Session, as_role: Callable[..., Browser]
) -> None:
    update_program_settings(
        session=db,
        actor=ADMIN,
        data=ProgramSettingsUpdate(embed_origins=["https://intranet.example.org"]),
    )
    settings = get_program_settings(db)
    settings.embed_origins = [*settings.embed_origins, "https://old.example.org/path"]
    db.add(settings)
    db.flush()

    page = as_role(Role.coordinator).client.get(SNIPPET_PAGE, headers=HTML).text

    assert "<code>https://intranet.example.org</code>" in page
    assert "left out: https://old.example.org/path" in page


@pytest.mark.parametrize(
    ("param", "value"), [("theme", "neon"), ("category", "x"), ("audience", "robot")]
)
def test_a_bad_choice_is_shown_beside_its_field(
    as_role: Callable[..., Browser], param: str, value: str
) -> None:
    answer = as_role(Role.resource_editor).client.get(
        SNIPPET_PAGE, params={param: value}, headers=HTML
    )

    assert answer.status_code == 422
    assert f'<p class="error" id="snippet-{param}-error">' in answer.text


def test_a_search_word_with_a_non_breaking_space_or_a_tab_is_fine(
    as_role: Callable[..., Browser],
) -> None:
    answer = as_role(Role.resource_editor).client.get(
        SNIPPET_PAGE, params={"q": "sleep\u00a0\tclinic"}, headers=HTML
    )

    assert answer.status_code == 200
    assert 'data-q="sleep clinic"' in snippet_of(answer.text)


def test_a_wrong_search_word_stays_in_the_box_and_out_of_the_snippet(
    as_role: Callable[..., Browser],
) -> None:
    answer = as_role(Role.resource_editor).client.get(
        SNIPPET_PAGE, params={"q": "sleep\u202e"}, headers=HTML
    )

    assert answer.status_code == 422
    assert 'id="snippet-q-error"' in answer.text
    assert 'value="sleep\u202e"' in answer.text
    assert "data-q" not in snippet_of(answer.text)


def test_the_copy_button_needs_the_script_and_falls_back_to_selecting(
    client: TestClient, as_role: Callable[..., Browser]
) -> None:
    page = as_role(Role.resource_editor).client.get(SNIPPET_PAGE, headers=HTML).text
    script = client.get("/static/peer-support-0.1.0.js").text

    assert 'data-copy-target="#embed-snippet" hidden>Copy</button>' in page
    assert "navigator.clipboard.writeText(source.value)" in script
    assert "source.select()" in script
