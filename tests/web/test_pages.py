from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from domain.codes import Role
from domain.users.service import find_user_by_email, issue_setup_token
from tests.factories import make_user
from web.rendering import static_url

HTML = {"accept": "text/html"}
GOOD_FORM = {
    "email": "Admin@Hospital.example.org",
    "display_name": "Avery Admin",
    "password": "a-long-passphrase",
    "confirm": "a-long-passphrase",
}


def test_home_shows_the_program_name_and_a_sign_in_link(client: TestClient, db: Session) -> None:
    make_user(db, roles=(Role.admin,))
    page = client.get("/")
    assert page.status_code == 200
    assert "<h1>ONE 2 ONE 2 CARE</h1>" in page.text
    assert 'href="/sign-in"' in page.text
    assert "HX-Request" in [part.strip() for part in page.headers["vary"].split(",")]


def test_home_points_to_the_setup_link_before_anyone_exists(client: TestClient) -> None:
    assert "one-time setup link" in client.get("/").text


def test_every_page_carries_strict_security_headers(client: TestClient) -> None:
    headers = client.get("/").headers
    policy = headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_the_stylesheet_is_served_from_the_app(client: TestClient) -> None:
    page = client.get("/").text
    address = static_url("peer-support-0.1.0.css")  # with its content's hash
    assert address.startswith("/static/peer-support-0.1.0.css?v=")
    assert f'href="{address}"' in page
    assert client.get(address).status_code == 200


def test_the_setup_link_creates_the_first_admin_once(client: TestClient, db: Session) -> None:
    token = issue_setup_token(db)
    form = client.get(f"/setup/{token}")
    assert form.status_code == 200
    assert form.headers["cache-control"] == "no-store"
    done = client.post(f"/setup/{token}", data=GOOD_FORM, follow_redirects=False)
    assert done.status_code == 303
    assert "administrator account is ready" in client.get(done.headers["location"]).text
    admin = find_user_by_email(db, "admin@hospital.example.org")
    assert admin is not None
    assert Role.admin in admin.roles
    again = client.get(f"/setup/{token}", headers=HTML)
    assert again.status_code == 404
    assert "Setup is done already" in again.text


def test_invalid_setup_input_is_shown_beside_the_field_and_kept(
    client: TestClient, db: Session
) -> None:
    token = issue_setup_token(db)
    bad = GOOD_FORM | {"email": "avery-at-hospital", "password": "short", "confirm": "short"}
    page = client.post(f"/setup/{token}", data=bad)
    assert page.status_code == 422
    assert 'value="avery-at-hospital"' in page.text
    assert 'value="Avery Admin"' in page.text
    assert 'id="email-error"' in page.text
    assert "Use at least 12 characters." in page.text
    assert "short" not in page.text.replace("shortly", "")


@pytest.mark.parametrize("char", ["\u202e", "\u2067", "\u200f"])
def test_a_direction_control_in_a_name_is_shown_beside_the_field(
    client: TestClient, db: Session, char: str
) -> None:
    token = issue_setup_token(db)
    page = client.post(f"/setup/{token}", data=GOOD_FORM | {"display_name": f"Avery {char}Admin"})
    assert page.status_code == 422
    error = page.text.split('id="display_name-error">')[1].split("</p>")[0]
    assert error == (
        "Remove invisible text-direction characters (such as a right-to-left override) "
        "from this text."
    )
    assert find_user_by_email(db, "admin@hospital.example.org") is None


def test_mismatched_passwords_are_caught(client: TestClient, db: Session) -> None:
    token = issue_setup_token(db)
    page = client.post(f"/setup/{token}", data=GOOD_FORM | {"confirm": "something-else!"})
    assert page.status_code == 422
    assert "The two passwords differ." in page.text


@pytest.mark.parametrize("token", ["made-up", "x" * 300])
def test_a_wrong_setup_link_gets_a_clear_page(client: TestClient, token: str) -> None:
    page = client.get(f"/setup/{token}", headers=HTML)
    assert page.status_code == 404
    assert "not valid" in page.text


def test_unknown_pages_get_a_calm_not_found_page(client: TestClient) -> None:
    page = client.get("/no/such/page", headers=HTML)
    assert page.status_code == 404
    assert "There is nothing at this address." in page.text
    assert '<a class="thumb-link" href="/">Go to the home page</a>' in page.text
