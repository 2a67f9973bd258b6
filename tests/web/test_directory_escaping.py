"""Text that looks like code shows as text on every public view of an entry: the directory, the
embed and the snippet page's preview. Title and description with tags, quotes and template
syntax; a `javascript:` address (stored before the rule that refuses it) never becomes a link."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from domain.codes import ResourceCategory, Role
from tests.factories import make_resource, make_user
from tests.web.conftest import HTML, Browser

HOSTILE_TITLE = "<script>alert(\"t\")</script> {{ 7*7 }} 'single'"
HOSTILE_DESCRIPTION = '<img src=x onerror=alert(1)> {% raw %} "quoted"'


@pytest.fixture
def hostile(db: Session) -> None:
    make_resource(
        db,
        title=HOSTILE_TITLE,
        description=HOSTILE_DESCRIPTION,
        keywords=["<b>kw</b>", "{{ config }}"],
        url="javascript:alert(document.domain)",
        category=ResourceCategory.ombuds,
    )


@pytest.mark.parametrize(
    "address",
    [
        "/directory?category=ombuds",
        "/embed/directory?category=ombuds",
        "/curation/embed?category=ombuds",
    ],
)
@pytest.mark.usefixtures("hostile")
def test_it_shows_as_text(
    client: TestClient, db: Session, sign_in: Callable[..., Browser], address: str
) -> None:
    browser = sign_in(make_user(db, roles=(Role.resource_editor,))).client
    page = browser.get(address, headers=HTML).text

    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt; {{ 7*7 }} &#39;single&#39;" in page
    assert "&lt;img src=x onerror=alert(1)&gt; {% raw %} &#34;quoted&#34;" in page
    assert "javascript:" not in page
    assert ">49<" not in page
