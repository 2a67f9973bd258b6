"""The admin pages: users (invite, roles, deactivate, resend), API clients (the secret shown
once, revoke) and the audit log (search by actor, action prefix and local dates; CSV export).
Who may see them: admins only."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from domain.api_clients.models import ApiClient, ApiClientCreate
from domain.api_clients.service import create_api_client
from domain.audit.models import AuditEvent
from domain.codes import ApiScope, Role
from domain.settings import get_settings
from domain.users.models import User
from domain.web_sessions.models import WebSession
from tests.api.conftest import bearer
from tests.factories import actor_of, events_after, last_event_id, make_supporter, make_user
from tests.web.conftest import HTML, Browser, assert_security_headers, goes_to_sign_in

ADMIN_PAGES = [
    "/admin/users",
    "/admin/users/invite",
    "/admin/users/{user}",
    "/admin/api-clients",
    "/admin/api-clients/new",
    "/admin/api-clients/{client}/revoke",
    "/admin/audit",
    "/admin/audit/export",
]
ADMIN_FORMS = [
    "/admin/users/invite",
    "/admin/users/{user}/roles",
    "/admin/users/{user}/active",
    "/admin/users/{user}/invitation",
    "/admin/api-clients/new",
    "/admin/api-clients/{client}/revoke",
]
NOT_ADMINS = [Role.coordinator, Role.supporter, Role.report_viewer, Role.resource_editor]


@pytest.fixture
def admin(db: Session) -> User:
    return make_user(db, roles=(Role.admin,), display_name="Ada Admin")


@pytest.fixture
def as_admin(admin: User, sign_in: Callable[..., Browser]) -> Browser:
    return sign_in(admin)


@pytest.fixture
def api_client_row(db: Session, admin: User) -> ApiClient:
    data = ApiClientCreate(name="HR warehouse", scopes=[ApiScope.reports_read])
    client, _ = create_api_client(session=db, actor=actor_of(admin), data=data)
    return client


@pytest.fixture
def mail_configured(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:2525")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("SMTP_URL")
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def no_mail(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Without SMTP_URL unless a test asks for mail (the environment may set one)."""
    monkeypatch.delenv("SMTP_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def address(path: str, user: User, client: ApiClient) -> str:
    return path.format(user=user.id, client=client.id)


def error_beside(page: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    assert found, f"no message beside {field}"
    return found.group(1)


def user_by_email(db: Session, email: str) -> User | None:
    return db.exec(select(User).where(User.email == email)).first()


# Who sees what.


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admins_see_every_admin_page(
    client: TestClient, as_admin: Browser, api_client_row: ApiClient, path: str
) -> None:
    answer = client.get(address(path, as_admin.user, api_client_row), headers=HTML)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert_security_headers(answer)
    if not path.endswith("/export"):
        assert "<html" in answer.text
        assert 'class="workspace-nav"' in answer.text


@pytest.mark.parametrize(
    ("path", "key"),
    [("/admin/users", "users"), ("/admin/api-clients", "api_clients"), ("/admin/audit", "audit")],
)
def test_each_admin_page_marks_its_place_in_the_navigation(
    client: TestClient, as_admin: Browser, path: str, key: str
) -> None:
    page = client.get(path).text
    assert f'<a href="{path}" aria-current="page">' in page


@pytest.mark.parametrize("role", NOT_ADMINS)
@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_everyone_but_admins_is_refused(
    client: TestClient,
    db: Session,
    sign_in: Callable[..., Browser],
    admin: User,
    api_client_row: ApiClient,
    role: Role,
    path: str,
) -> None:
    user = make_user(db, roles=(role,))
    if role is Role.supporter:
        make_supporter(db, user=user)
    sign_in(user)
    before = last_event_id(db)
    answer = client.get(address(path, admin, api_client_row), headers=HTML)
    assert answer.status_code == 403
    assert "These pages are for admins." in answer.text
    assert "HR warehouse" not in answer.text
    assert admin.email not in answer.text
    assert events_after(db, before) == []  # nothing was read on their behalf


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_signed_out_visitors_go_to_sign_in(
    client: TestClient, admin: User, api_client_row: ApiClient, path: str
) -> None:
    target = address(path, admin, api_client_row)
    answer = client.get(target, follow_redirects=False)
    assert goes_to_sign_in(answer)
    assert answer.headers["location"] == f"/sign-in?next={quote(target, safe='')}"


@pytest.mark.parametrize("role", NOT_ADMINS)
@pytest.mark.parametrize("path", ADMIN_FORMS)
def test_forms_refuse_everyone_but_admins(
    client: TestClient,
    db: Session,
    sign_in: Callable[..., Browser],
    admin: User,
    api_client_row: ApiClient,
    role: Role,
    path: str,
) -> None:
    browser = sign_in(make_user(db, roles=(role,)))
    fields = {"email": "new@hospital.example.org", "display_name": "New", "roles": ["admin"],
              "active": "no", "name": "Sneaky", "scopes": ["audit:read"]}  # fmt: skip
    answer = client.post(
        address(path, admin, api_client_row), data=browser.form(**fields), headers=HTML
    )
    assert answer.status_code == 403
    db.refresh(admin)
    db.refresh(api_client_row)
    assert admin.active
    assert admin.roles == {Role.admin}
    assert api_client_row.active
    assert user_by_email(db, "new@hospital.example.org") is None


@pytest.mark.parametrize("path", ADMIN_FORMS)
def test_forms_without_the_csrf_token_are_refused(
    client: TestClient, db: Session, as_admin: Browser, api_client_row: ApiClient, path: str
) -> None:
    other = make_user(db, roles=(Role.coordinator,))
    fields = {"email": "new@hospital.example.org", "display_name": "New", "roles": ["admin"],
              "active": "no", "name": "Sneaky", "scopes": ["audit:read"]}  # fmt: skip
    answer = client.post(address(path, other, api_client_row), data=fields, headers=HTML)
    assert answer.status_code == 403
    assert "This form has expired" in answer.text
    db.refresh(other)
    assert other.active
    assert other.roles == {Role.coordinator}
    assert user_by_email(db, "new@hospital.example.org") is None


# Users: the list.


def test_the_user_list_searches_names_and_emails_and_filters_role_and_status(
    client: TestClient, db: Session, as_admin: Browser
) -> None:
    make_user(db, roles=(Role.coordinator,), display_name="Rosa Parks", email="rp@x.example.org")
    make_user(db, roles=(Role.supporter,), display_name="Ben Okri", email="rosalind@x.example.org")
    make_user(db, roles=(Role.coordinator,), display_name="Rosaline Gone", active=False)
    make_user(db, roles=(Role.supporter,), display_name="Percy 100%_x")

    def names(query: str) -> list[str]:
        page = client.get(f"/admin/users?{query}").text
        return re.findall(r'<th scope="row">([^<]*)</th>', page)

    assert names("q=ROSA") == ["Rosa Parks", "Ben Okri", "Rosaline Gone"]  # name or email
    assert names("q=rosa&role=coordinator") == ["Rosa Parks", "Rosaline Gone"]
    assert names("q=rosa&status=active") == ["Rosa Parks", "Ben Okri"]
    assert names("q=rosa&status=inactive") == ["Rosaline Gone"]
    assert names("q=rosa&role=&status=") == ["Rosa Parks", "Ben Okri", "Rosaline Gone"]
    assert names("q=0%25_") == ["Percy 100%_x"]  # % and _ are plain text
    assert names("q=o_k") == []  # not "any one character"
    page = client.get("/admin/users?q=rosa&role=coordinator").text
    assert 'value="rosa"' in page
    assert '<option value="coordinator" selected>' in page
    assert client.get("/admin/users?role=boss", headers=HTML).status_code == 422


def test_the_user_list_pages_by_50_and_keeps_the_filters(
    client: TestClient, db: Session, as_admin: Browser
) -> None:
    made = [make_user(db, display_name=f"Pager Person {n:02}") for n in range(51)]
    first = client.get("/admin/users?q=pager").text
    assert first.count("Pager Person") == 50 * 2  # the name, and the link's hidden text
    found = re.search(r'href="/admin/users\?([^"]*after=(\d+))">Next page', first)
    assert found is not None
    assert "q=pager" in found.group(1)
    assert int(found.group(2)) == made[49].id
    second = client.get(f"/admin/users?{found.group(1).replace('&amp;', '&')}").text
    assert re.findall(r'<th scope="row">([^<]*)</th>', second) == ["Pager Person 50"]
    assert "Next page" not in second


def test_reading_the_user_list_is_audited(
    client: TestClient, db: Session, as_admin: Browser
) -> None:
    before = last_event_id(db)
    client.get("/admin/users")
    assert [event[0] for event in events_after(db, before)] == ["user.list"]


# Users: inviting.


def invite_form(**overrides: Any) -> dict[str, Any]:
    return {
        "email": "Noor@Hospital.example.org",
        "display_name": "Noor Haddad",
        "roles": ["coordinator", "supporter"],
    } | overrides


def test_inviting_without_mail_shows_the_link_to_pass_on(
    client: TestClient, db: Session, as_admin: Browser
) -> None:
    before = last_event_id(db)
    answer = client.post("/admin/users/invite", data=as_admin.form(**invite_form()))
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    user = user_by_email(db, "noor@hospital.example.org")
    assert user is not None
    assert user.roles == {Role.coordinator, Role.supporter}
    assert user.password_hash is None
    assert "No mail is configured" in answer.text
    found = re.search(r'value="(https?://[^"]*/set-password/([^"]+))"', answer.text)
    assert found is not None
    assert client.get(f"/set-password/{found.group(2)}").status_code == 200
    assert [event[0] for event in events_after(db, before)] == ["user.create", "user.invite"]
    # The list says the invitation is pending; the person's page offers a new one.
    assert "Invited, no password yet" in client.get("/admin/users?q=noor").text
    assert "Send a new invitation" in client.get(f"/admin/users/{user.id}").text


@pytest.mark.usefixtures("mail_configured")
def test_inviting_with_mail_sends_it_and_never_shows_the_link(
    client: TestClient, db: Session, as_admin: Browser
) -> None:
    answer = client.post(
        "/admin/users/invite", data=as_admin.form(**invite_form()), follow_redirects=False
    )
    assert answer.status_code == 303
    user = user_by_email(db, "noor@hospital.example.org")
    assert user is not None
    assert answer.headers["location"] == f"/admin/users/{user.id}?invited=1"
    page = client.get(answer.headers["location"]).text
    assert "Invitation queued for mail" in page
    assert "sent by mail" not in page
    assert "/set-password/" not in page


def test_an_htmx_invitation_by_mail_redirects_the_page(
    client: TestClient, db: Session, as_admin: Browser, mail_configured: None
) -> None:
    answer = client.post(
        "/admin/users/invite", data=as_admin.form(**invite_form()), headers=as_admin.htmx
    )
    assert answer.status_code == 204
    assert answer.headers["hx-redirect"].startswith("/admin/users/")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter an email address, like name@hospital.org."),
        ({"email": ""}, "email", "Fill this in."),
        ({"display_name": "   "}, "display_name", None),
        ({"roles": []}, "roles", "Choose at least one role."),
        ({"roles": ["boss"]}, "roles", "Choose at least one role."),
    ],
)
def test_a_bad_invitation_comes_back_with_the_message_beside_the_field(
    client: TestClient,
    db: Session,
    as_admin: Browser,
    overrides: dict[str, Any],
    field: str,
    message: str | None,
) -> None:
    form = invite_form(**overrides)
    answer = client.post("/admin/users/invite", data=as_admin.form(**form))
    assert answer.status_code == 422
    beside = error_beside(answer.text, field)
    if message:
        assert beside == message
    if field != "display_name":
        assert 'value="Noor Haddad"' in answer.text  # the input is kept
    if field != "roles":
        assert 'name="roles" value="coordinator" checked' in answer.text
    assert user_by_email(db, "noor@hospital.example.org") is None


def test_inviting_an_email_that_has_an_account_says_so_beside_the_email(
    client: TestClient, db: Session, as_admin: Browser
) -> None:
    make_user(db, email="noor@hospital.example.org")
    answer = client.post("/admin/users/invite", data=as_admin.form(**invite_form()))
    assert answer.status_code == 422
    assert error_beside(answer.text, "email") == (
        "A user with the email noor@hospital.example.org exists already."
    )
    assert 'value="Noor@Hospital.example.org"' in answer.text


def test_resending_an_invitation_gives_a_fresh_link_until_a_password_is_chosen(
    client: TestClient, db: Session, as_admin: Browser
) -> None:
    invited = make_user(db, roles=(Role.report_viewer,), password_hash=None)
    before = last_event_id(db)
    answer = client.post(f"/admin/users/{invited.id}/invitation", data=as_admin.form())
    assert answer.status_code == 200
    assert "New link for" in answer.text
    assert "/set-password/" in answer.text
    assert [event[0] for event in events_after(db, before)] == ["user.read", "user.invite"]

    invited.password_hash = "chosen"
    db.add(invited)
    db.flush()
    refused = client.post(f"/admin/users/{invited.id}/invitation", data=as_admin.form())
    assert refused.status_code == 422
    assert "has chosen a password already" in error_beside(refused.text, "invitation")
    assert "/set-password/" not in refused.text


# Users: roles and deactivation.


def test_changing_roles_saves_them_and_audits_the_change(
    client: TestClient, db: Session, as_admin: Browser
) -> None:
    person = make_user(db, roles=(Role.supporter,))
    before = last_event_id(db)
    answer = client.post(
        f"/admin/users/{person.id}/roles",
        data=as_admin.form(roles=["coordinator", "report_viewer"]),
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/admin/users/{person.id}?roles=1"
    db.refresh(person)
    assert person.roles == {Role.coordinator, Role.report_viewer}
    assert ("user.roles.change", f"user:{as_admin.user.id}", "user", str(person.id), "success") in (
        events_after(db, before)
    )
    assert "Roles saved." in client.get(answer.headers["location"]).text


def test_no_role_at_all_is_refused_beside_the_roles(
    client: TestClient, db: Session, as_admin: Browser
) -> None:
    person = make_user(db, roles=(Role.supporter,))
    answer = client.post(f"/admin/users/{person.id}/roles", data=as_admin.form())
    assert answer.status_code == 422
    assert error_beside(answer.text, "roles") == "Choose at least one role."
    db.refresh(person)
    assert person.roles == {Role.supporter}


def only_admin(db: Session, admin: User) -> None:
    """Every other admin deactivated: `admin` is the program's only active admin."""
    for other in db.exec(select(User).where(col(User.id) != admin.id)).all():
        if Role.admin in other.roles and other.active:
            other.active = False
            db.add(other)
    db.flush()


def test_the_last_admin_cannot_drop_their_admin_role_and_is_told_beside_the_roles(
    client: TestClient, db: Session, admin: User, as_admin: Browser
) -> None:
    only_admin(db, admin)
    answer = client.post(
        f"/admin/users/{admin.id}/roles", data=as_admin.form(roles=["coordinator"])
    )
    assert answer.status_code == 422
    assert error_beside(answer.text, "roles") == (
        "This is the only active admin; make another admin first."
    )
    assert 'name="roles" value="coordinator" checked' in answer.text  # what was chosen
    assert 'name="roles" value="admin" checked' not in answer.text
    db.refresh(admin)
    assert admin.roles == {Role.admin}


def test_the_last_admin_cannot_deactivate_themselves_and_is_told_beside_the_button(
    client: TestClient, db: Session, admin: User, as_admin: Browser
) -> None:
    only_admin(db, admin)
    answer = client.post(f"/admin/users/{admin.id}/active", data=as_admin.form(active="no"))
    assert answer.status_code == 422
    assert error_beside(answer.text, "active") == (
        "This is the only active admin; make another admin first."
    )
    assert 'aria-describedby="active-error"' in answer.text
    db.refresh(admin)
    assert admin.active


def test_deactivation_signs_the_person_out_and_refuses_their_token_at_once(
    client: TestClient,
    db: Session,
    as_admin: Browser,
    sign_in: Callable[..., Browser],
    new_browser: Callable[..., TestClient],
) -> None:
    person = make_user(db, roles=(Role.coordinator,))
    elsewhere = sign_in(person, new_browser())
    token = bearer(client.app.state.token_issuer, f"user:{person.id}")  # type: ignore[attr-defined]
    assert elsewhere.client.get("/guide").status_code == 200
    assert client.get("/api/v1/me", headers=token).status_code == 200
    before = last_event_id(db)

    answer = client.post(
        f"/admin/users/{person.id}/active", data=as_admin.form(active="no"), follow_redirects=False
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/admin/users/{person.id}?deactivated=1"
    # Ended in the same transaction, not merely refused when next seen.
    assert db.exec(select(WebSession).where(WebSession.user_id == person.id)).all() == []
    assert goes_to_sign_in(elsewhere.client.get("/guide", follow_redirects=False))
    refused = client.get("/api/v1/me", headers=token)
    assert refused.status_code == 401
    assert ("user.deactivate", f"user:{as_admin.user.id}", "user", str(person.id), "success") in (
        events_after(db, before)
    )
    page = client.get(answer.headers["location"]).text
    assert "Deactivated: signed out everywhere" in page
    assert "Reactivate" in page


def test_deactivating_on_the_admin_page_takes_a_supporter_off_the_active_roster_at_once(
    client: TestClient, db: Session, sign_in: Callable[..., Browser]
) -> None:
    """An admin who is also the coordinator deactivates a supporter's account on the admin
    page: the very next roster page and API list of active supporters leave them out."""
    both = sign_in(make_user(db, roles=(Role.admin, Role.coordinator), display_name="Ada Both"))
    supporter = make_supporter(
        db, user=make_user(db, roles=(Role.supporter,), display_name="Robin Leaving")
    )
    other = make_supporter(
        db, user=make_user(db, roles=(Role.supporter,), display_name="Robin Staying")
    )
    token = bearer(client.app.state.token_issuer, f"user:{both.user.id}")  # type: ignore[attr-defined]

    def active_on_the_roster() -> list[str]:
        page = client.get("/roster?q=robin&status=active")
        assert page.status_code == 200
        return re.findall(r'<th scope="row"><a href="/roster/\d+">([^<]+)</a>', page.text)

    def active_in_the_api() -> list[int]:
        answer = client.get("/api/v1/supporters?status=active&limit=200", headers=token)
        assert answer.status_code == 200
        return [item["id"] for item in answer.json()["items"]]

    assert set(active_on_the_roster()) == {"Robin Leaving", "Robin Staying"}
    assert {supporter.id, other.id} <= set(active_in_the_api())

    answer = client.post(f"/admin/users/{supporter.user_id}/active",
                         data=both.form(active="no"), follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303

    assert set(active_on_the_roster()) == {"Robin Staying"}
    listed = active_in_the_api()
    assert supporter.id not in listed
    assert other.id in listed


def test_reactivation_lets_the_person_sign_in_again(
    client: TestClient,
    db: Session,
    as_admin: Browser,
    sign_in: Callable[..., Browser],
    new_browser: Callable[..., TestClient],
) -> None:
    person = make_user(db, roles=(Role.coordinator,), active=False)
    answer = client.post(
        f"/admin/users/{person.id}/active", data=as_admin.form(active="yes"), follow_redirects=False
    )
    assert answer.status_code == 303
    db.refresh(person)
    assert person.active
    assert sign_in(person, new_browser()).client.get("/guide").status_code == 200


def test_a_missing_choice_for_access_is_an_error_not_a_change(
    client: TestClient, db: Session, as_admin: Browser
) -> None:
    person = make_user(db, roles=(Role.coordinator,))
    answer = client.post(f"/admin/users/{person.id}/active", data=as_admin.form(active="maybe"))
    assert answer.status_code == 422
    db.refresh(person)
    assert person.active


def test_an_unknown_user_is_not_found(client: TestClient, as_admin: Browser) -> None:
    assert client.get("/admin/users/999999", headers=HTML).status_code == 404


# API clients.


def test_a_new_api_clients_secret_is_shown_once_and_never_again(
    client: TestClient, db: Session, as_admin: Browser
) -> None:
    before = last_event_id(db)
    answer = client.post(
        "/admin/api-clients/new",
        data=as_admin.form(name="Payroll bridge", scopes=["roster:read", "reports:read"]),
    )
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    found = re.search(r'id="client-secret" class="secret" type="text" value="([^"]+)"', answer.text)
    assert found is not None
    secret = found.group(1)
    stored = db.exec(select(ApiClient).where(ApiClient.name == "Payroll bridge")).one()
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert stored.scopes == {"roster:read", "reports:read"}
    assert [event[0] for event in events_after(db, before)] == ["api_client.create"]

    listed = client.get("/admin/api-clients")
    assert "Payroll bridge" in listed.text
    assert stored.client_id in listed.text
    assert secret not in listed.text
    assert secret not in client.get("/admin/api-clients/new").text
    assert secret not in client.get(f"/admin/api-clients/{stored.id}/revoke").text
    # The secret works at the token endpoint.
    token = client.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_id": stored.client_id,
              "client_secret": secret},
    )  # fmt: skip
    assert token.status_code == 200


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "Bridge", "scopes": []}, "scopes", "Choose at least one scope."),
        ({"name": "", "scopes": ["audit:read"]}, "name", "Fill this in."),
        ({"name": "HR warehouse", "scopes": ["audit:read"]}, "name", None),
    ],
)
def test_a_bad_api_client_comes_back_with_the_message_beside_the_field(
    client: TestClient,
    db: Session,
    as_admin: Browser,
    api_client_row: ApiClient,
    fields: dict[str, Any],
    field: str,
    message: str | None,
) -> None:
    answer = client.post("/admin/api-clients/new", data=as_admin.form(**fields))
    assert answer.status_code == 422
    beside = error_beside(answer.text, field)
    assert beside == message or "exists already" in beside
    assert "client-secret" not in answer.text
    if fields["name"]:
        assert f'value="{fields["name"]}"' in answer.text
    for scope in fields["scopes"]:
        assert f'name="scopes" value="{scope}" checked' in answer.text
    assert len(db.exec(select(ApiClient)).all()) == 1


def test_revoking_asks_first_then_ends_the_clients_tokens(
    client: TestClient, db: Session, as_admin: Browser, api_client_row: ApiClient
) -> None:
    token = bearer(
        client.app.state.token_issuer,  # type: ignore[attr-defined]
        f"client:{api_client_row.id}",
        frozenset({"reports:read"}),
    )
    assert client.get("/api/v1/me", headers=token).status_code == 200
    confirmation = client.get(f"/admin/api-clients/{api_client_row.id}/revoke")
    assert "Revoke HR warehouse?" in confirmation.text
    db.refresh(api_client_row)
    assert api_client_row.active  # asking is not revoking
    before = last_event_id(db)

    answer = client.post(
        f"/admin/api-clients/{api_client_row.id}/revoke",
        data=as_admin.form(),
        follow_redirects=False,
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/api-clients?revoked=1"
    db.refresh(api_client_row)
    assert api_client_row.revoked_at is not None
    assert [event[0] for event in events_after(db, before)] == ["api_client.revoke"]
    assert client.get("/api/v1/me", headers=token).status_code == 401
    listed = client.get(answer.headers["location"]).text
    assert "API client revoked" in listed
    assert f"/admin/api-clients/{api_client_row.id}/revoke" not in listed
    again = client.get(f"/admin/api-clients/{api_client_row.id}/revoke").text
    assert "was revoked on" in again


# The audit log.


def event_at(db: Session, when: datetime, *, actor: str, action: str, **fields: Any) -> AuditEvent:
    event = AuditEvent(at=when, actor=actor, action=action, object_type="test", **fields)
    db.add(event)
    db.flush()
    return event


def listed_actions(client: TestClient, query: str) -> list[str]:
    page = client.get(f"/admin/audit?{query}")
    assert page.status_code == 200, page.text
    return re.findall(r"<td><code>([^<]*)</code></td>\s*<td>test", page.text)


NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


def test_the_audit_log_finds_an_actors_events_by_label_or_email(
    client: TestClient, db: Session, as_admin: Browser
) -> None:
    person = make_user(db, email="finder@hospital.example.org")
    event_at(db, NOW, actor=f"user:{person.id}", action="user.read")
    event_at(db, NOW, actor=f"user:{person.id}1", action="user.list")  # not a prefix match
    event_at(db, NOW, actor="api_client:3", action="report.read")
    assert listed_actions(client, f"actor=user:{person.id}") == ["user.read"]
    assert listed_actions(client, "actor=FINDER@hospital.example.org") == ["user.read"]
    assert listed_actions(client, "actor=api_client:3") == ["report.read"]
    unknown = client.get("/admin/audit?actor=nobody@hospital.example.org")
    assert unknown.status_code == 422
    assert error_beside(unknown.text, "actor") == (
        "No user has the email nobody@hospital.example.org."
    )
    assert 'value="nobody@hospital.example.org"' in unknown.text


def test_the_action_prefix_matches_at_its_boundary_and_takes_wildcards_literally(
    client: TestClient, db: Session, as_admin: Browser
) -> None:
    for action in ("supporter.change.status", "supporter.create", "supporters.export",
                   "supporter", "api_client.revoke", "apiXclient.revoke"):  # fmt: skip
        event_at(db, NOW, actor="test:prefix", action=action)
    newest_first = ["apiXclient.revoke", "api_client.revoke", "supporter", "supporters.export",
                    "supporter.create", "supporter.change.status"]  # fmt: skip

    def found(prefix: str) -> list[str]:
        return listed_actions(client, f"actor=test:prefix&action={quote(prefix)}")

    assert found("supporter.") == ["supporter.create", "supporter.change.status"]
    assert found("supporter") == ["supporter", "supporters.export", "supporter.create",
                                  "supporter.change.status"]  # fmt: skip
    assert found("supporters.") == ["supporters.export"]
    assert found("supporter.change.status") == ["supporter.change.status"]
    assert found("Supporter.") == ["supporter.create", "supporter.change.status"]
    assert found("api_client.") == ["api_client.revoke"]
    assert found("api%") == []
    assert found("") == newest_first


def test_dates_are_local_days_and_both_ends_are_included(
    client: TestClient, db: Session, as_admin: Browser
) -> None:
    # The program's time zone is America/New_York: EST (UTC-5) in March before the 8th,
    # EDT (UTC-4) at the end of March.
    event_at(db, datetime(2026, 3, 1, 4, 59, tzinfo=UTC), actor="test:days", action="a.feb_28")
    event_at(db, datetime(2026, 3, 1, 5, 0, tzinfo=UTC), actor="test:days", action="a.mar_1")
    event_at(db, datetime(2026, 4, 1, 3, 59, tzinfo=UTC), actor="test:days", action="a.mar_31")
    event_at(db, datetime(2026, 4, 1, 4, 0, tzinfo=UTC), actor="test:days", action="a.apr_1")

    def found(query: str) -> list[str]:
        return listed_actions(client, f"actor=test:days&{query}")

    assert found("from=2026-03-01&to=2026-03-31") == ["a.mar_31", "a.mar_1"]
    assert found("from=2026-03-01&to=2026-03-01") == ["a.mar_1"]
    assert found("from=2026-03-31&to=2026-03-31") == ["a.mar_31"]
    assert found("from=2026-04-01") == ["a.apr_1"]
    assert found("to=2026-02-28") == ["a.feb_28"]
    page = client.get("/admin/audit?actor=test:days&from=2026-03-01").text
    assert "2026-03-01 00:00:00" in page  # shown in local time
    assert "2026-02-28 23:59:00" not in page


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=2026-13-01", "from", "Enter a date, like 2026-03-31."),
        ("to=yesterday", "to", "Enter a date, like 2026-03-31."),
        ("from=2026-03-02&to=2026-03-01", "to", "The last day comes before the first."),
    ],
)
def test_bad_dates_are_told_beside_the_field_and_kept(
    client: TestClient, as_admin: Browser, query: str, field: str, message: str
) -> None:
    page = client.get(f"/admin/audit?{query}")
    assert page.status_code == 422
    assert error_beside(page.text, field) == message
    kept = query.split(f"{field}=")[1].split("&")[0]
    assert f'value="{kept}"' in page.text
    assert "Download CSV" not in page.text


def test_the_audit_log_pages_newest_first_by_50(
    client: TestClient, db: Session, as_admin: Browser
) -> None:
    made = [event_at(db, NOW, actor="test:pages", action=f"page.{n:02}") for n in range(52)]
    first = client.get("/admin/audit?actor=test:pages").text
    actions = re.findall(r"<code>(page\.\d+)</code>", first)
    assert actions == [f"page.{n:02}" for n in range(51, 1, -1)]
    found = re.search(r'href="/admin/audit\?([^"]*before=(\d+))">Older events', first)
    assert found is not None
    assert int(found.group(2)) == made[2].id
    second = client.get(f"/admin/audit?{found.group(1).replace('&amp;', '&')}").text
    assert re.findall(r"<code>(page\.\d+)</code>", second) == ["page.01", "page.00"]
    assert "Older events" not in second


def test_reading_the_audit_log_is_audited(
    client: TestClient, db: Session, as_admin: Browser
) -> None:
    before = last_event_id(db)
    client.get("/admin/audit")
    assert [event[0] for event in events_after(db, before)] == ["audit.read"]


def test_the_csv_export_holds_what_the_filters_select_neutralised_and_is_audited(
    client: TestClient, db: Session, as_admin: Browser
) -> None:
    event_at(db, datetime(2026, 3, 1, 5, tzinfo=UTC), actor="test:csv", action="x.one",
             object_id='=HYPERLINK("http://evil.example","x")')  # fmt: skip
    event_at(db, datetime(2026, 3, 2, 5, tzinfo=UTC), actor="test:csv", action="x.two", ip="@1")
    event_at(db, datetime(2026, 3, 2, 5, tzinfo=UTC), actor="test:csv", action="y.other")
    event_at(db, datetime(2026, 3, 3, 5, tzinfo=UTC), actor="test:csv", action="x.late")
    page = client.get("/admin/audit?actor=test:csv&action=x.&from=2026-03-01&to=2026-03-02").text
    link = re.search(r'href="(/admin/audit/export\?[^"]*)"', page)
    assert link is not None
    before = last_event_id(db)

    answer = client.get(link.group(1).replace("&amp;", "&"))

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["cache-control"] == "no-store"
    assert 'filename="audit-events.csv"' in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0][:5] == ["id", "at_utc", "at_local (America/New_York)", "actor", "action"]
    assert [row[4] for row in rows[1:]] == ["x.two", "x.one"]
    assert rows[2][6] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[1][8] == "'@1"
    assert rows[2][2] == "2026-03-01T00:00:00-05:00"
    assert events_after(db, before) == [
        ("audit.export", f"user:{as_admin.user.id}", "audit_event", None, "success")
    ]


def test_an_export_with_a_bad_filter_shows_the_page_with_the_message(
    client: TestClient, db: Session, as_admin: Browser
) -> None:
    before = last_event_id(db)
    answer = client.get("/admin/audit/export?from=someday")
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert error_beside(answer.text, "from") == "Enter a date, like 2026-03-31."
    assert "audit.export" not in [event[0] for event in events_after(db, before)]


def test_audit_search_fields_name_their_hint_and_their_error(
    client: TestClient, as_admin: Browser
) -> None:
    page = client.get("/admin/audit").text
    assert 'id="audit-actor" name="actor"' in page
    actor = page.split('id="audit-actor"')[1].split(">")[0]
    assert 'aria-describedby="audit-actor-hint"' in actor
    refused = client.get("/admin/audit?actor=nobody@hospital.example.org").text
    actor = refused.split('id="audit-actor"')[1].split(">")[0]
    assert 'aria-describedby="audit-actor-hint actor-error"' in actor
