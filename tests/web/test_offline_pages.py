"""Offline logging's server side: the web app manifest, the service worker at /sw.js, the CSRF
token the phone's outbox fetches, and POST /log with an Idempotency-Key (the same key logs once;
the same key with other answers is refused; a malformed key gets the form with a message)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from domain.codes import SupporterStatus
from domain.idempotency.models import IdempotencyRecord
from domain.supporters.models import Supporter
from tests.web.conftest import HTML, HTMX, Browser, assert_security_headers, csp_directives
from tests.web.test_supporter_pages import checked, encounters_of, valid_form
from web.app_icons import ICONS, draw
from web.pages.offline import precached_files
from web.rendering import STATIC_DIR
from web.session import unmask_token

KEY = "6f1c2a52-5a0e-4d4c-9a7e-0c2b6f1d9e11"


def keyed(browser: Browser, key: str = KEY) -> dict[str, str]:
    return {**browser.htmx, "Idempotency-Key": key}


# Installable: the manifest and its icons.


def test_the_manifest_names_the_app_and_its_icons(client: TestClient) -> None:
    answer = client.get("/manifest.webmanifest")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/manifest+json"
    assert answer.headers["cache-control"] == "no-cache"
    manifest = answer.json()
    assert manifest["name"] == "Peer Support"
    assert manifest["short_name"] == "Peer Support"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/",
        "/",
        "standalone",
    )
    assert (manifest["theme_color"], manifest["background_color"]) == ("#1d6a61", "#f6f7f5")
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/png"
        width, height = struct.unpack(">II", image.content[16:24])  # from the IHDR chunk
        assert f"{width}x{height}" == icon["sizes"]


def test_the_committed_icons_are_what_the_icon_module_draws() -> None:
    """`python -m web.app_icons` writes them; a changed drawing must be written again."""
    for name, (size, maskable) in ICONS.items():
        assert (STATIC_DIR / name).read_bytes() == draw(size, maskable=maskable), name


def test_every_page_links_the_manifest_and_loads_the_outbox(
    client: TestClient, as_supporter: Browser
) -> None:
    for path in ("/", "/log", "/sign-in"):
        page = client.get(path).text
        assert '<link rel="manifest" href="/manifest.webmanifest">' in page
        assert '<meta name="theme-color" content="#1d6a61">' in page
        assert '<script src="/static/peer-support-outbox-0.1.0.js" defer></script>' in page


def test_the_body_names_the_signed_in_user_for_the_outbox(
    client: TestClient, as_supporter: Browser
) -> None:
    assert f'data-user-id="{as_supporter.user.id}"' in client.get("/").text
    assert "data-outbox-list" in client.get("/").text
    log_page = client.get("/log").text
    assert "data-outbox-list" in log_page
    assert "data-outbox hx-post" in log_page
    assert "data-sign-out" in log_page


# The service worker.


def test_the_service_worker_is_served_at_the_root_never_kept_stale(client: TestClient) -> None:
    answer = client.get("/sw.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert answer.headers["cache-control"] == "no-cache"
    assert_security_headers(answer)
    script = answer.text
    assert 'self.PEER_SUPPORT_CACHE = "peer-support-static-' in script
    listed = json.loads(script.split("self.PEER_SUPPORT_PRECACHE = ")[1].split(";\n")[0])
    assert listed == precached_files()
    assert set(listed) >= {
        "/static/peer-support-0.1.0.css",
        "/static/htmx-2.0.11.min.js",
        "/static/peer-support-0.1.0.js",
        "/static/peer-support-outbox-0.1.0.js",
        "/static/peer-support-icon-192-0.1.0.png",
    }
    assert all(path.startswith("/static/") for path in listed)
    for path in listed:
        assert client.get(path).status_code == 200, path


def test_the_policy_lets_the_worker_and_the_manifest_load_from_this_site_only(
    client: TestClient,
) -> None:
    directives = csp_directives(client.get("/sign-in", headers=HTML))
    # worker-src and manifest-src fall back to script-src and default-src.
    assert directives.get("worker-src", directives["script-src"]) == ["'self'"]
    assert directives.get("manifest-src", directives["default-src"]) == ["'self'"]


# The CSRF token for the outbox.


def test_the_csrf_token_endpoint_gives_the_sessions_token_uncached(
    client: TestClient, as_supporter: Browser
) -> None:
    answer = client.get("/session/csrf-token")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    token = answer.json()["csrf_token"]
    assert unmask_token(token) == as_supporter.csrf
    assert client.get("/session/csrf-token").json()["csrf_token"] != token  # masked afresh


def test_the_csrf_token_endpoint_answers_401_json_when_nobody_is_signed_in(
    client: TestClient,
) -> None:
    for cookies in ({}, {"peer_session": "not-a-session"}):
        client.cookies.clear()
        client.cookies.update(cookies)
        answer = client.get("/session/csrf-token", headers=HTML)
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/json"
        assert answer.headers["cache-control"] == "no-store"
        assert answer.json() == {"detail": "Sign in to send."}


# POST /log with an Idempotency-Key.


def test_the_same_key_twice_logs_one_encounter_and_confirms_both_times(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    form = as_supporter.form(**valid_form())
    first = client.post("/log", data=form, headers=keyed(as_supporter))
    again = client.post("/log", data=form, headers=keyed(as_supporter))
    for answer in (first, again):
        assert answer.status_code == 200, answer.text
        assert answer.headers["hx-trigger"] == "encounter-logged"
        assert "This month: <strong>1</strong> of 8." in answer.text
    assert len(encounters_of(db, supporter)) == 1
    # The plain form (no htmx) with the same key: the same redirect, still one encounter.
    plain = client.post("/log", data=form, headers={"Idempotency-Key": KEY}, follow_redirects=False)
    assert (plain.status_code, plain.headers["location"]) == (303, "/log?logged=1")
    assert len(encounters_of(db, supporter)) == 1


def test_the_csrf_token_sent_as_a_header_with_a_fresh_token_logs(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    """What the outbox sends: the fields without csrf_token, the fetched token as a header."""
    token = client.get("/session/csrf-token").json()["csrf_token"]
    headers = {**HTMX, "X-CSRF-Token": token, "Idempotency-Key": KEY}
    answer = client.post("/log", data=valid_form(), headers=headers)
    assert answer.status_code == 200, answer.text
    assert len(encounters_of(db, supporter)) == 1


def test_other_answers_with_a_used_key_are_refused_and_log_nothing_more(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    client.post("/log", data=as_supporter.form(**valid_form()), headers=keyed(as_supporter))
    other = as_supporter.form(**valid_form(setting="emergency_department"))
    refused = client.post("/log", data=other, headers=keyed(as_supporter))
    assert refused.status_code == 422
    assert "Not saved: this encounter was already saved from this phone" in refused.text
    assert checked(refused.text, "setting", "emergency_department")  # the answers are kept
    assert len(encounters_of(db, supporter)) == 1


def test_each_key_is_its_own_encounter(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    form = as_supporter.form(**valid_form())
    for key in ("first-key", "second-key"):
        assert client.post("/log", data=form, headers=keyed(as_supporter, key)).status_code == 200
    assert len(encounters_of(db, supporter)) == 2


def test_without_a_key_every_save_logs_as_before(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    form = as_supporter.form(**valid_form())
    for _ in range(2):
        assert client.post("/log", data=form, headers=as_supporter.htmx).status_code == 200
    assert len(encounters_of(db, supporter)) == 2
    assert db.exec(select(func.count()).select_from(IdempotencyRecord)).one() == 0


@pytest.mark.parametrize(
    "key", ["", "k" * 256, "tab\tinside"], ids=["empty", "256 long", "control"]
)
def test_a_malformed_key_gets_the_form_with_a_message_not_a_500(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser, key: str
) -> None:
    answer = client.post(
        "/log", data=as_supporter.form(**valid_form()), headers=keyed(as_supporter, key)
    )
    assert answer.status_code == 422, answer.text
    assert "Idempotency-Key must be 1 to 255 printable characters." in answer.text
    assert checked(answer.text, "setting", "icu")
    assert encounters_of(db, supporter) == []


def test_a_key_with_255_characters_is_taken(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    answer = client.post(
        "/log", data=as_supporter.form(**valid_form()), headers=keyed(as_supporter, "k" * 255)
    )
    assert answer.status_code == 200, answer.text
    assert len(encounters_of(db, supporter)) == 1


def test_a_refused_save_leaves_its_key_for_the_corrected_answers(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    wrong = valid_form()
    del wrong["setting"]
    refused = client.post("/log", data=as_supporter.form(**wrong), headers=keyed(as_supporter))
    assert refused.status_code == 422
    supporter.status = SupporterStatus.paused
    db.add(supporter)
    db.flush()
    paused = client.post(
        "/log", data=as_supporter.form(**valid_form()), headers=keyed(as_supporter)
    )
    assert paused.status_code == 422
    assert "only active supporters log encounters" in paused.text
    supporter.status = SupporterStatus.active
    db.add(supporter)
    db.flush()
    corrected = client.post(
        "/log", data=as_supporter.form(**valid_form()), headers=keyed(as_supporter)
    )
    assert corrected.status_code == 200, corrected.text
    assert len(encounters_of(db, supporter)) == 1
    records = db.exec(
        select(func.count()).select_from(IdempotencyRecord).where(col(IdempotencyRecord.key) == KEY)
    ).one()
    assert records == 1


def test_a_keyed_save_still_needs_the_csrf_token_and_a_supporter(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    no_token = client.post("/log", data=valid_form(), headers={**HTMX, "Idempotency-Key": KEY})
    assert no_token.status_code == 403
    assert encounters_of(db, supporter) == []


def test_a_member_who_is_not_a_supporter_cannot_log_with_a_key(
    client: TestClient, as_member: Browser
) -> None:
    answer = client.post("/log", data=as_member.form(**valid_form()), headers=keyed(as_member))
    assert answer.status_code == 403
    assert "These pages are for peer supporters." in answer.text


def test_signed_out_a_keyed_htmx_save_is_told_to_sign_in(client: TestClient) -> None:
    answer = client.post("/log", data=valid_form(), headers={**HTMX, "Idempotency-Key": KEY})
    assert answer.status_code == 401
    assert answer.headers["hx-redirect"].startswith("/sign-in?next=")


def test_the_static_folder_holds_the_worker_source_and_the_outbox() -> None:
    for name in ("peer-support-sw-0.1.0.js", "peer-support-outbox-0.1.0.js"):
        assert Path(STATIC_DIR / name).is_file()
