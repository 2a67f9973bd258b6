"""Offline logging's server side: the web app manifest, the service worker at /sw.js, the CSRF
token the phone's outbox fetches, and POST /log with an Idempotency-Key (the same key logs once;
the same key with other answers is refused; a malformed key gets the form with a message)."""

from __future__ import annotations

import hashlib
import html
import json
import re
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from domain.codes import Role, SupporterStatus
from domain.idempotency.models import IdempotencyRecord
from domain.program_settings.service import program_today
from domain.supporters.models import Supporter
from tests.factories import make_supporter, make_user
from tests.web.conftest import HTML, HTMX, Browser, assert_security_headers, csp_directives
from tests.web.test_supporter_pages import checked, encounters_of, valid_form
from web.app_icons import ICONS, draw
from web.encounter_form import UNANSWERED_MESSAGES
from web.pages.embed import EMBED_PATH
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
        assert f'<script src="{versioned("peer-support-outbox-0.1.0.js")}" defer></script>' in page


def test_the_body_names_the_signed_in_user_for_the_outbox(
    client: TestClient, as_supporter: Browser
) -> None:
    assert f'data-user-id="{as_supporter.user.id}"' in client.get("/").text
    assert "data-outbox-list" in client.get("/").text
    log_page = client.get("/log").text
    assert "data-outbox-list" in log_page
    assert re.search(r"<form [^>]*data-outbox [^>]*hx-post=\"/log\"", log_page)
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
        versioned("peer-support-0.1.0.css"),
        versioned("htmx-2.0.11.min.js"),
        versioned("peer-support-0.1.0.js"),
        versioned("peer-support-outbox-0.1.0.js"),
        versioned("peer-support-icon-192-0.1.0.png"),
    }
    assert all(re.fullmatch(r"/static/[^?]+\?v=[0-9a-f]{12}", path) for path in listed), listed
    for path in listed:
        assert client.get(path).status_code == 200, path


def versioned(name: str) -> str:
    """The address pages load a static file from: its content's hash (12 hex of SHA-256)."""
    return f"/static/{name}?v={hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]}"


def test_every_static_address_a_page_uses_carries_its_contents_hash(
    client: TestClient, as_supporter: Browser
) -> None:
    """The names keep 0.1.0 while the files change between deploys: the hash in the address
    makes a changed file a new address, so the worker's cache never serves old JS to new HTML."""
    page = client.get("/log").text
    loaded = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert loaded, page
    for address in loaded:
        name = address.removeprefix("/static/").split("?")[0]
        assert address == versioned(name)
        assert address in precached_files(), address
    embedded = client.get(EMBED_PATH).text
    frame_script = versioned("peer-support-embed-0.1.0.js")
    assert f'src="{frame_script}"' in embedded
    manifest = client.get("/manifest.webmanifest").json()
    assert all(icon["src"] in precached_files() for icon in manifest["icons"])


def test_the_worker_answers_only_the_exact_addresses_and_drops_other_versions(
    client: TestClient,
) -> None:
    script = client.get("/sw.js").text
    assert "PRECACHE.indexOf(address) === -1" in script  # pathname and ?v= together
    assert "name.indexOf(PREFIX) === 0 && name !== CACHE" in script


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


def test_the_same_key_from_two_supporters_is_two_encounters_each_with_its_own_count(
    client: TestClient,
    db: Session,
    supporter: Supporter,
    as_supporter: Browser,
    sign_in: Callable[..., Browser],
    new_browser: Callable[..., TestClient],
) -> None:
    """A key is the phone's, per person: another supporter's phone using the same key logs its
    own encounter and never gets the first supporter's confirmation."""
    form = valid_form()
    client.post("/log", data=as_supporter.form(**form))  # Sam's first of the month, no key
    sams = client.post("/log", data=as_supporter.form(**form), headers=keyed(as_supporter))
    other_user = make_user(db, roles=(Role.supporter,))
    other_supporter = make_supporter(db, user=other_user)
    other_browser = new_browser()
    other = sign_in(other_user, other_browser)
    theirs = other_browser.post("/log", data=other.form(**form), headers=keyed(other))
    assert theirs.status_code == 200, theirs.text
    assert "This month: <strong>1</strong> of 8." in theirs.text
    assert sams.status_code == 200, sams.text
    assert "This month: <strong>2</strong> of 8." in sams.text
    again = client.post("/log", data=as_supporter.form(**form), headers=keyed(as_supporter))
    assert "This month: <strong>2</strong> of 8." in again.text  # Sam's own answer, replayed
    assert len(encounters_of(db, supporter)) == 2
    assert len(encounters_of(db, other_supporter)) == 1


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


# The outbox sends whose log it is; the form carries what the outbox needs to start afresh.


def test_a_log_saved_by_someone_else_is_refused_and_logs_nothing(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    """A shared phone: the outbox's log was saved while another person was signed in."""
    form = as_supporter.form(**valid_form())
    assert as_supporter.user.id is not None
    someone_else = str(as_supporter.user.id + 1)
    for headers in (
        {**keyed(as_supporter), "X-Outbox-Owner": someone_else},
        {**as_supporter.htmx, "X-Outbox-Owner": "not-a-user"},
        {"X-Outbox-Owner": someone_else},  # a plain form too
    ):
        answer = client.post("/log", data=form, headers=headers, follow_redirects=False)
        assert answer.status_code == 403, answer.text
        assert answer.headers["x-outbox-refused"] == "owner"
        assert "Sign in as the person who saved it to send it." in answer.text
        assert 'value="icu" checked' not in answer.text  # nobody else's answers shown
    assert encounters_of(db, supporter) == []

    own = {**keyed(as_supporter), "X-Outbox-Owner": str(as_supporter.user.id)}
    answer = client.post("/log", data=form, headers=own)
    assert answer.status_code == 200, answer.text
    assert len(encounters_of(db, supporter)) == 1


def form_attribute(page: str, name: str) -> Any:
    found = re.search(rf"<form [^>]*data-outbox [^>]*{name}='([^']*)'", page)
    assert found, page
    return json.loads(html.unescape(found.group(1)))


def test_the_log_form_carries_the_fresh_answers_and_the_unanswered_messages(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    today = program_today(db).isoformat()  # the program's zone, not UTC
    expected_fresh = [
        ["modality", "in_person"], ["initiated_by", "supporter_approach"],
        ["peer_org_relation", "unknown"], ["escalation", "none"], ["follow_up", "none"],
        ["elements", "listening"], ["support_types", "emotional"], ["occurred_on", today],
    ]  # fmt: skip
    refused = client.post(
        "/log", data=as_supporter.form(setting="icu", occurred_on=today), headers=as_supporter.htmx
    )
    assert refused.status_code == 422
    for page in (client.get("/log").text, refused.text):
        assert form_attribute(page, "data-fresh-answers") == expected_fresh
        unanswered = form_attribute(page, "data-unanswered")
        assert unanswered == [list(pair) for pair in UNANSWERED_MESSAGES.items()]
