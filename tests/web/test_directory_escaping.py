"""Text that looks like code shows as text wherever an entry is shown: the public directory and
its fragment, the embed (both themes) and its fragment, the curation list, the edit page with
its preview, the preview posted on its own (htmx and without JavaScript) and the snippet page's
preview; the two JSON feeds give it back exactly as stored.

The entry is written straight into the database (as an old row or a manual fix would be): its
title, description, keywords, location, hours and web address hold a script tag, both kinds of
quotes and template syntax. The address is a valid https one that tries to break out of its
`href`. A `javascript:` address stored the same way never becomes a link, anywhere. (The API
refuses to store one, and the feeds leave a stored one out: tests/api/test_public_feeds.py.)"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from uuid import UUID, uuid5

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from sqlmodel import Session

from domain.codes import ResourceCategory, Role
from domain.resources.models import Resource, WebAddress
from tests.factories import make_resource, make_user
from tests.web.conftest import HTML, HTMX, Browser

HOSTILE = "<script>alert(1)</script> \"double\" 'single' {{ 7*7 }} {% raw %}"
ESCAPED = (
    "&lt;script&gt;alert(1)&lt;/script&gt; &#34;double&#34; &#39;single&#39; {{ 7*7 }} {% raw %}"
)
TITLE = f"Title {HOSTILE}"
DESCRIPTION = f"Description {HOSTILE}"
LOCATION = f"Location {HOSTILE}"
HOURS = f"Hours {HOSTILE}"
KEYWORDS = ["<script>alert(1)</script>", "\"double\" 'single'", "{{ 7*7 }}", "{% raw %}"]
# Valid http(s), and written to close the attribute and open a script.
HOSTILE_URL = "https://example.org/\"><script>alert(1)</script>?a={{7*7}}&b={% raw %}&c='single'"
# What the form makes of it (the preview shows the entry as a save would store it).
NORMALIZED_URL = str(TypeAdapter(WebAddress).validate_python(HOSTILE_URL))
SCRIPT_URL = "javascript:alert(document.domain)"
SCRIPT_TITLE = "Old entry with a script address"
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "hx-get", "hx-post")
HSDS_NAMESPACE = UUID("3a648097-710c-499f-8025-4ccd3f0cc57f")


@dataclass
class Markup(HTMLParser):
    """A page as a browser's parser sees it: its tags with their attributes (unescaped) and its
    text (unescaped)."""

    page: str
    tags: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.feed(self.page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def shows(self, text: str) -> bool:
        return any(text in chunk for chunk in self.text)

    def links(self) -> list[str]:
        return [attrs["href"] for tag, attrs in self.tags if tag == "a" and "href" in attrs]

    def value_of(self, input_id: str) -> str:
        (value,) = [a.get("value", "") for tag, a in self.tags if a.get("id") == input_id]
        return value


@dataclass(frozen=True)
class Entries:
    hostile: Resource
    scripted: Resource


@pytest.fixture
def entries(db: Session) -> Entries:
    return Entries(
        hostile=make_resource(
            db, title=TITLE, description=DESCRIPTION, keywords=KEYWORDS, location=LOCATION,
            hours=HOURS, url=HOSTILE_URL, category=ResourceCategory.ombuds,
        ),
        scripted=make_resource(db, title=SCRIPT_TITLE, url=SCRIPT_URL,
                               category=ResourceCategory.ombuds),
    )  # fmt: skip


@pytest.fixture
def editor(db: Session, sign_in: Callable[..., Browser]) -> Browser:
    return sign_in(make_user(db, roles=(Role.resource_editor,)))


def form_of(entry: Resource) -> dict[str, Any]:
    """The edit form as a browser sends it back for the preview."""
    return {
        "title": entry.title, "category": entry.category.value,
        "description": entry.description, "keywords": ", ".join(entry.keywords),
        "location": entry.location, "hours": entry.hours, "url": entry.url,
        "editing": str(entry.id),
    }  # fmt: skip


def assert_nothing_typed_became_markup(page: str, markup: Markup) -> None:
    """No tag, attribute or link came from an entry's text, and no template ran on it."""
    assert "<script>alert" not in page
    assert '"><script>' not in page
    assert "a=49" not in page
    for tag, attrs in markup.tags:
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), attrs
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        if tag == "link" and attrs.get("rel") == "icon":
            continue  # the empty `data:,` icon every page has
        for name in URL_ATTRIBUTES:
            value = attrs.get(name, "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)
    # Wherever the text shows, it shows whole: `{{ 7*7 }}` stays itself, never 49.
    for chunk in markup.text:
        whole = sum(chunk.count(text) for text in (TITLE, DESCRIPTION, LOCATION, HOURS))
        assert chunk.count("alert(1)") == whole, chunk


CARD_PAGES = {
    "directory": ("/directory?category=ombuds", HTML),
    "directory-fragment": ("/directory?category=ombuds", HTMX),
    "embed-light": ("/embed/directory?category=ombuds&theme=light", HTML),
    "embed-dark": ("/embed/directory?category=ombuds&theme=dark", HTML),
    "embed-fragment": ("/embed/directory?category=ombuds", HTMX),
    "snippet-page": ("/curation/embed?category=ombuds", HTML),
}


@pytest.mark.parametrize("shown_on", CARD_PAGES)
def test_an_entry_shows_as_text_and_its_address_stays_in_its_href(
    client: TestClient, entries: Entries, editor: Browser, shown_on: str
) -> None:
    address, headers = CARD_PAGES[shown_on]
    answer = client.get(address, headers=headers)
    assert answer.status_code == 200, answer.text
    page = answer.text
    markup = Markup(page)

    assert_nothing_typed_became_markup(page, markup)
    for text in (TITLE, DESCRIPTION, LOCATION, HOURS):
        assert markup.shows(text), text
    assert f">Title {ESCAPED}</h" in page
    assert HOSTILE_URL in markup.links()
    assert (
        'href="https://example.org/&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;?a={{7*7}}' in page
    )
    # The old `javascript:` entry is listed, without a link to its address.
    assert markup.shows(SCRIPT_TITLE)
    assert "javascript:" not in page


def test_the_curation_list_shows_titles_as_text(
    client: TestClient, entries: Entries, editor: Browser
) -> None:
    page = client.get("/curation?category=ombuds", headers=HTML).text
    markup = Markup(page)

    assert_nothing_typed_became_markup(page, markup)
    assert f'<a href="/curation/{entries.hostile.id}">Title {ESCAPED}</a>' in page
    assert markup.shows(SCRIPT_TITLE)
    assert "javascript:" not in page


def test_the_edit_page_keeps_every_field_as_typed_and_previews_it_as_text(
    client: TestClient, entries: Entries, editor: Browser
) -> None:
    answer = client.get(f"/curation/{entries.hostile.id}", headers=HTML)
    assert answer.status_code == 200
    page = answer.text
    markup = Markup(page)

    assert_nothing_typed_became_markup(page, markup)
    assert markup.value_of("title") == TITLE
    assert markup.value_of("location") == LOCATION
    assert markup.value_of("hours") == HOURS
    assert markup.value_of("url") == HOSTILE_URL
    assert markup.value_of("keywords") == ", ".join(KEYWORDS)
    assert markup.shows(DESCRIPTION)  # the textarea
    assert page.count(f"<h3>Title {ESCAPED}</h3>") == 3  # the directory and both embed themes
    assert markup.links().count(NORMALIZED_URL) == 3


@pytest.mark.parametrize("with_htmx", [True, False], ids=["htmx", "no-javascript"])
def test_the_posted_preview_shows_what_is_typed_as_text(
    client: TestClient, entries: Entries, editor: Browser, with_htmx: bool
) -> None:
    headers = editor.htmx if with_htmx else HTML
    answer = client.post(
        "/curation/preview", data=editor.form(**form_of(entries.hostile)), headers=headers
    )
    assert answer.status_code == 200
    page = answer.text
    markup = Markup(page)

    assert_nothing_typed_became_markup(page, markup)
    assert page.count(f"<h3>Title {ESCAPED}</h3>") == 3
    for text in (DESCRIPTION, LOCATION, HOURS):
        assert markup.shows(text), text
    assert markup.links().count(NORMALIZED_URL) == 3
    if not with_htmx:  # the whole form comes back, as typed
        assert markup.value_of("url") == HOSTILE_URL
        assert markup.value_of("keywords") == ", ".join(KEYWORDS)


def test_a_stored_javascript_address_never_becomes_a_link_when_editing(
    client: TestClient, entries: Entries, editor: Browser
) -> None:
    edit = client.get(f"/curation/{entries.scripted.id}", headers=HTML)
    preview = client.post(
        "/curation/preview", data=editor.form(**form_of(entries.scripted)), headers=editor.htmx
    )

    for answer in (edit, preview):
        assert answer.status_code == 200
        markup = Markup(answer.text)
        assert_nothing_typed_became_markup(answer.text, markup)
        assert not [link for link in markup.links() if "javascript" in link.lower()]
        assert answer.text.count(f"<h3>{SCRIPT_TITLE}</h3>") == 3
        assert "Open site" not in answer.text
    # Kept in its field, so the editor sees what to correct.
    assert Markup(edit.text).value_of("url") == SCRIPT_URL


def feed_item(
    client: TestClient, address: str, params: dict[str, Any], key: str, wanted: Any
) -> dict[str, Any]:
    """The one item of a JSON feed whose `id` is `wanted`."""
    answer = client.get(address, params=params)
    assert answer.status_code == 200
    (item,) = [item for item in answer.json()[key] if item["id"] == wanted]
    return item


def test_the_directory_feed_gives_back_exactly_what_is_stored(
    client: TestClient, entries: Entries
) -> None:
    item = feed_item(client, "/api/v1/directory", {"category": "ombuds"}, "items",
                     entries.hostile.id)  # fmt: skip

    assert (item["title"], item["description"]) == (TITLE, DESCRIPTION)
    assert (item["location"], item["hours"]) == (LOCATION, HOURS)
    assert item["keywords"] == KEYWORDS
    assert item["url"] == HOSTILE_URL


def test_the_hsds_feed_gives_back_exactly_what_is_stored(
    client: TestClient, entries: Entries
) -> None:
    wanted = str(uuid5(HSDS_NAMESPACE, f"resource:{entries.hostile.id}"))
    service = feed_item(client, "/api/v1/directory/hsds", {"per_page": 500}, "contents", wanted)

    assert (service["name"], service["description"]) == (TITLE, DESCRIPTION)
    assert service["service_areas"][0]["name"] == LOCATION
    assert service["schedules"][0]["description"] == HOURS
    assert service["url"] == HOSTILE_URL
