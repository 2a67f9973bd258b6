"""How much a page's form may send: 64 KB for every page POST, 384 KB for the roster import
(its file and the text the preview carries back); more gets a calm 413 page, before anything
is parsed. /api/v1 keeps its own limit."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from domain.codes import Role
from domain.users.models import User
from tests.factories import make_user
from tests.web.conftest import HTML, Browser

KB = 1024
CSV_HEADER = "email,name,profession,org unit\n"


@pytest.fixture
def coordinator(db: Session) -> User:
    return make_user(db, roles=(Role.coordinator,))


@pytest.fixture
def as_coordinator(coordinator: User, sign_in: Callable[..., Browser]) -> Browser:
    return sign_in(coordinator)


def assert_calm_413(answer: object) -> None:
    assert answer.status_code == 413  # type: ignore[attr-defined]
    assert "too large for this page" in answer.text  # type: ignore[attr-defined]
    assert "Traceback" not in answer.text  # type: ignore[attr-defined]


def test_a_70_kb_form_to_a_page_is_refused_with_413(
    client: TestClient, as_coordinator: Browser
) -> None:
    answer = client.post(
        "/schedule/new", data=as_coordinator.form(topic="x" * (70 * KB)), headers=HTML
    )
    assert_calm_413(answer)


def test_a_60_kb_form_to_a_page_is_read(client: TestClient, as_coordinator: Browser) -> None:
    answer = client.post(
        "/schedule/new", data=as_coordinator.form(topic="x" * (60 * KB)), headers=HTML
    )
    assert answer.status_code == 422  # read and answered field by field, not refused whole
    assert "too large for this page" not in answer.text


def test_a_streamed_body_without_length_is_counted(
    client: TestClient, as_coordinator: Browser
) -> None:
    def chunks() -> Iterator[bytes]:
        yield f"csrf_token={as_coordinator.csrf}&topic=".encode()
        for _ in range(70):
            yield b"x" * KB

    answer = client.post(
        "/schedule/new",
        content=chunks(),
        headers={**HTML, "content-type": "application/x-www-form-urlencoded"},
    )
    assert_calm_413(answer)


def test_a_250_kb_import_passes_the_size_check(client: TestClient, as_coordinator: Browser) -> None:
    row = "someone@hospital.example.org,Some One,nurse,\n"
    text = CSV_HEADER + row * (250 * KB // len(row))
    assert 249 * KB < len(text) <= 250 * KB
    answer = client.post(
        "/roster/import", data=as_coordinator.form(),
        files={"file": ("roster.csv", text.encode(), "text/csv")},
    )  # fmt: skip
    assert answer.status_code == 422  # parsed: more than 1000 rows, said beside the file
    assert "the limit is 1000" in answer.text
    assert "too large for this page" not in answer.text


def test_a_400_kb_import_is_refused_before_parsing(
    client: TestClient, as_coordinator: Browser
) -> None:
    answer = client.post(
        "/roster/import", data=as_coordinator.form(),
        files={"file": ("roster.csv", b"x" * (400 * KB), "text/csv")}, headers=HTML,
    )  # fmt: skip
    assert_calm_413(answer)


def test_import_text_carried_back_over_256_kb_is_refused(
    client: TestClient, as_coordinator: Browser
) -> None:
    text = CSV_HEADER + "x" * (300 * KB)
    answer = client.post("/roster/import/apply", data=as_coordinator.form(csv_text=text))
    assert answer.status_code == 422
    assert "larger than the limit of 256 KB" in answer.text
