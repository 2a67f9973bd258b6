"""A supporter form posted after the session ended is kept for its person (30-minute idle
limit here): the sign-in page says so, the form comes back filled in after signing in, and
nothing is saved until the person saves it. Only the right person's late post is kept."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, func, select

from domain.codes import Role
from domain.columns import utcnow
from domain.debriefs.models import DebriefRequest
from domain.encounters.models import Encounter
from domain.kept_forms.models import KeptForm
from domain.program_settings.service import get_program_settings
from domain.supporters.models import Supporter
from domain.users.models import User
from domain.web_sessions.models import WebSession
from tests.factories import days_ago, make_supporter, make_user, set_logged_at
from tests.web.conftest import HTML, Browser, latest_web_session
from tests.web.test_supporter_pages import checked, encounters_of, log, valid_form
from web import late_forms
from web.saving_once import LOG_FORM_FIELDS
from web.session import unmask_token

IDLE_MINUTES = 30
KEPT_NOTICE = "Your session ended before this was saved. Check the answers and save."
SIGN_IN_NOTICE = "your answers were kept"


@pytest.fixture(autouse=True)
def idle_limit(db: Session) -> None:
    settings = get_program_settings(db)
    settings.session_idle_minutes = IDLE_MINUTES
    db.add(settings)
    db.flush()


def end_session_by_idleness(db: Session, browser: Browser, *, ended_ago: timedelta) -> None:
    """The browser's session last seen long enough ago to have ended `ended_ago`."""
    web_session = latest_web_session(db, browser.user)
    web_session.last_seen_at = utcnow() - timedelta(minutes=IDLE_MINUTES) - ended_ago
    db.add(web_session)
    db.flush()


def kept_rows(db: Session) -> list[KeptForm]:
    return list(db.exec(select(KeptForm).order_by(col(KeptForm.id))))


def encounter_count(db: Session) -> int:
    return db.exec(select(func.count()).select_from(Encounter)).one()


def late_log(
    client: TestClient,
    browser: Browser,
    extra: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    form = browser.form(**valid_form(setting="emergency_department", duration_band="30_to_60"))
    return client.post(
        "/log", data={**form, **(extra or {})}, headers=headers or {}, follow_redirects=False
    )


def hidden_value(page: str, name: str) -> str | None:
    found = re.search(f'<input type="hidden" name="{name}" value="([^"]*)">', page)
    return found.group(1) if found else None


def restored_fields(client: TestClient, address: str = "/log") -> dict[str, str]:
    """The hidden fields of the restored form on `address`: its kept row, its key."""
    page = client.get(address).text
    names = ("kept_form_id", "idempotency_key")
    return {name: value for name in names if (value := hidden_value(page, name)) is not None}


def test_a_log_posted_after_the_session_ended_is_kept_and_sign_in_says_so(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    answer = late_log(client, as_supporter)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=%2Flog&kept=1"
    [kept] = kept_rows(db)
    assert kept.user_id == as_supporter.user.id
    assert kept.address == "/log"
    assert ["setting", "emergency_department"] in kept.fields
    assert ["stressors", "adverse_event"] in kept.fields
    assert ["stressors", "moral_distress"] in kept.fields
    assert all(name != "csrf_token" for name, _ in kept.fields)
    assert encounter_count(db) == 0  # kept, not saved
    sign_in_page = client.get(answer.headers["location"])
    assert SIGN_IN_NOTICE in sign_in_page.text
    assert 'name="kept" value="1"' in sign_in_page.text  # a mistyped password keeps the notice


def test_an_htmx_post_is_kept_and_sent_to_sign_in_with_a_401(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    answer = late_log(client, as_supporter, headers=as_supporter.htmx)
    assert answer.status_code == 401
    assert answer.headers["HX-Redirect"] == "/sign-in?next=%2Flog&kept=1"
    assert len(kept_rows(db)) == 1


def test_a_double_tap_keeps_one_form_the_newer(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    late_log(client, as_supporter)
    form = as_supporter.form(**valid_form(setting="icu"))
    client.post("/log", data=form, follow_redirects=False)
    db.expire_all()
    [kept] = kept_rows(db)
    assert ["setting", "icu"] in kept.fields


@pytest.mark.parametrize(
    "sent", ["wrong-token", "", "ÿ-not-ascii"], ids=["wrong", "missing", "not-ascii"]
)
def test_a_late_post_without_the_sessions_csrf_token_keeps_nothing(
    client: TestClient, db: Session, as_supporter: Browser, sent: str
) -> None:
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    form = {**valid_form(), "csrf_token": sent}
    answer = client.post("/log", data=form, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=%2Flog"
    assert kept_rows(db) == []


def test_a_late_post_with_another_sessions_token_keeps_nothing(
    client: TestClient,
    db: Session,
    as_supporter: Browser,
    sign_in: Callable[..., Browser],
    new_browser: Callable[..., TestClient],
) -> None:
    other = sign_in(make_user(db, roles=(Role.supporter,)), new_browser())
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    answer = client.post("/log", data=other.form(**valid_form()), follow_redirects=False)
    assert answer.headers["location"] == "/sign-in?next=%2Flog"
    assert kept_rows(db) == []


def test_a_post_ended_12_hours_and_a_minute_ago_keeps_nothing(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(hours=11, minutes=59))
    assert late_log(client, as_supporter).headers["location"].endswith("&kept=1")
    for row in kept_rows(db):
        db.delete(row)
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(hours=12, minutes=1))
    answer = late_log(client, as_supporter)
    assert answer.headers["location"] == "/sign-in?next=%2Flog"
    assert kept_rows(db) == []


def test_after_signing_out_or_without_a_cookie_nothing_is_kept(
    client: TestClient, db: Session, as_supporter: Browser, new_browser: Callable[..., TestClient]
) -> None:
    cookie = as_supporter.cookie
    client.post("/sign-out", data=as_supporter.form(), follow_redirects=False)
    replayed = new_browser(cookies={"peer_session": cookie})
    answer = replayed.post("/log", data=as_supporter.form(**valid_form()), follow_redirects=False)
    assert answer.headers["location"] == "/sign-in?next=%2Flog"
    anonymous = new_browser().post("/log", data=valid_form(), follow_redirects=False)
    assert anonymous.headers["location"] == "/sign-in?next=%2Flog"
    assert kept_rows(db) == []


def test_signing_out_after_the_session_ended_forgets_it_at_once(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    forged = client.post("/sign-out", data={"csrf_token": "wrong"}, follow_redirects=False)
    assert forged.status_code == 303
    assert len(db.exec(select(WebSession)).all()) == 1  # only with its CSRF token
    answer = client.post("/sign-out", data=as_supporter.form(), follow_redirects=False)
    assert answer.status_code == 303
    assert db.exec(select(WebSession)).all() == []
    assert late_log(client, as_supporter).headers["location"] == "/sign-in?next=%2Flog"
    assert kept_rows(db) == []


def test_a_deactivated_persons_late_post_keeps_nothing(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    user = db.get(User, as_supporter.user.id)
    assert user is not None
    user.active = False
    db.add(user)
    db.flush()
    assert late_log(client, as_supporter).headers["location"] == "/sign-in?next=%2Flog"
    assert kept_rows(db) == []


@pytest.mark.parametrize("path", ["/availability", "/sign-out", "/encounters/1/delete"])
def test_other_forms_are_not_kept(
    client: TestClient, db: Session, as_supporter: Browser, path: str
) -> None:
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    answer = client.post(path, data=as_supporter.form(available="yes"), follow_redirects=False)
    assert "kept=1" not in answer.headers["location"]
    assert kept_rows(db) == []


# Restoring after signing in.


def kept_then_signed_in_again(
    client: TestClient, db: Session, browser: Browser, sign_in: Callable[..., Browser]
) -> Browser:
    end_session_by_idleness(db, browser, ended_ago=timedelta(minutes=1))
    late_log(client, browser)
    return sign_in(browser.user)


def test_after_signing_in_the_log_form_comes_back_as_it_was(
    client: TestClient, db: Session, as_supporter: Browser, sign_in: Callable[..., Browser]
) -> None:
    kept_then_signed_in_again(client, db, as_supporter, sign_in)
    page = client.get("/log").text
    assert KEPT_NOTICE in page
    assert "Kept " in page
    assert 'action="/kept-forms/discard"' in page
    assert checked(page, "setting", "emergency_department")
    assert checked(page, "duration_band", "30_to_60")
    assert checked(page, "stressors", "adverse_event")
    assert checked(page, "stressors", "moral_distress")
    assert '<option value="physician" selected>' in page
    assert "data-local-today" not in page  # the kept date stays as it was
    assert encounter_count(db) == 0  # shown, still not saved


def test_saving_the_kept_form_logs_one_encounter_and_forgets_the_form(
    client: TestClient,
    db: Session,
    supporter: Supporter,
    as_supporter: Browser,
    sign_in: Callable[..., Browser],
) -> None:
    again = kept_then_signed_in_again(client, db, as_supporter, sign_in)
    saved = late_log(client, again, restored_fields(client))
    assert saved.headers["location"] == "/log?logged=1"
    [stored] = encounters_of(db, supporter)
    assert stored.setting == "emergency_department"
    assert kept_rows(db) == []
    assert KEPT_NOTICE not in client.get("/log").text


def test_an_invalid_save_keeps_the_kept_form(
    client: TestClient, db: Session, as_supporter: Browser, sign_in: Callable[..., Browser]
) -> None:
    again = kept_then_signed_in_again(client, db, as_supporter, sign_in)
    restored = restored_fields(client)
    invalid = client.post("/log", data=again.form(**valid_form(setting=""), **restored))
    assert invalid.status_code == 422
    assert KEPT_NOTICE in invalid.text  # still kept until a save succeeds
    assert hidden_value(invalid.text, "kept_form_id") == restored["kept_form_id"]
    assert len(kept_rows(db)) == 1


def test_saving_the_kept_form_with_htmx_swaps_the_notice_away(
    client: TestClient, db: Session, as_supporter: Browser, sign_in: Callable[..., Browser]
) -> None:
    again = kept_then_signed_in_again(client, db, as_supporter, sign_in)
    form = again.form(**valid_form(), **restored_fields(client))
    saved = client.post("/log", data=form, headers=again.htmx)
    assert saved.status_code == 200
    assert "Encounter logged" in saved.text
    assert KEPT_NOTICE not in saved.text
    assert kept_rows(db) == []
    assert encounter_count(db) == 1


def test_discard_deletes_the_kept_form(
    client: TestClient, db: Session, as_supporter: Browser, sign_in: Callable[..., Browser]
) -> None:
    again = kept_then_signed_in_again(client, db, as_supporter, sign_in)
    answer = client.post(
        "/kept-forms/discard", data=again.form(address="/log"), follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/log"
    assert kept_rows(db) == []
    page = client.get("/log").text
    assert KEPT_NOTICE not in page
    assert checked(page, "modality", "in_person")  # a fresh form again
    assert encounter_count(db) == 0


def test_discard_needs_the_csrf_token_and_a_form_address(
    client: TestClient, db: Session, as_supporter: Browser, sign_in: Callable[..., Browser]
) -> None:
    again = kept_then_signed_in_again(client, db, as_supporter, sign_in)
    refused = client.post("/kept-forms/discard", data={"address": "/log"}, headers=HTML)
    assert refused.status_code == 403
    elsewhere = client.post(
        "/kept-forms/discard", data=again.form(address="https://evil.example/"), headers=HTML
    )
    assert elsewhere.status_code == 404
    assert len(kept_rows(db)) == 1


def test_another_person_never_sees_the_kept_form(
    client: TestClient,
    db: Session,
    as_supporter: Browser,
    sign_in: Callable[..., Browser],
    new_browser: Callable[..., TestClient],
) -> None:
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    late_log(client, as_supporter)
    other_user = make_user(db, roles=(Role.supporter,))
    make_supporter(db, user=other_user)
    other_browser = new_browser()
    other = sign_in(other_user, other_browser)
    page = other_browser.get("/log").text
    assert KEPT_NOTICE not in page
    assert not checked(page, "setting", "emergency_department")
    other_browser.post("/kept-forms/discard", data=other.form(address="/log"))
    assert len(kept_rows(db)) == 1  # theirs to discard, not another's


def test_a_kept_form_older_than_12_hours_is_not_shown(
    client: TestClient, db: Session, as_supporter: Browser, sign_in: Callable[..., Browser]
) -> None:
    kept_then_signed_in_again(client, db, as_supporter, sign_in)
    [kept] = kept_rows(db)
    kept.expires_at = utcnow() - timedelta(minutes=1)  # kept 12 h 01 min ago
    db.add(kept)
    db.flush()
    assert KEPT_NOTICE not in client.get("/log").text


# Changing an encounter and asking for a debrief keep the same way.


def test_a_late_edit_is_kept_restored_and_saved_once(
    client: TestClient,
    db: Session,
    supporter: Supporter,
    as_supporter: Browser,
    sign_in: Callable[..., Browser],
) -> None:
    encounter = log(db, supporter)
    address = f"/encounters/{encounter.id}/edit"
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    form = as_supporter.form(**valid_form(setting="emergency_department"))
    answer = client.post(address, data=form, follow_redirects=False)
    expected = f"/sign-in?next=%2Fencounters%2F{encounter.id}%2Fedit&kept=1"
    assert answer.headers["location"] == expected
    again = sign_in(as_supporter.user)
    page = client.get(address).text
    assert KEPT_NOTICE in page
    assert checked(page, "setting", "emergency_department")
    restored = restored_fields(client, address)
    assert set(restored) == {"kept_form_id"}  # no key on an edit form
    form = again.form(**valid_form(setting="emergency_department"), **restored)
    saved = client.post(address, data=form)
    assert saved.status_code == 200
    db.refresh(encounter)
    assert encounter.setting == "emergency_department"
    assert encounters_of(db, supporter) == [encounter]
    assert kept_rows(db) == []


def test_a_kept_edit_of_an_encounter_too_old_to_change_offers_discard_only(
    client: TestClient,
    db: Session,
    supporter: Supporter,
    as_supporter: Browser,
    sign_in: Callable[..., Browser],
) -> None:
    encounter = log(db, supporter)
    address = f"/encounters/{encounter.id}/edit"
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    client.post(address, data=as_supporter.form(**valid_form(setting="emergency_department")))
    set_logged_at(db, encounter, days_ago(8))
    sign_in(as_supporter.user)
    page = client.get(address).text
    assert "this encounter can no longer be changed" in page
    assert "Discard these changes" in page
    assert f'action="{address}"' not in page  # no form to save
    assert KEPT_NOTICE not in page


def test_a_late_debrief_request_is_kept_and_sent_once_by_the_person(
    client: TestClient,
    db: Session,
    supporter: Supporter,
    as_supporter: Browser,
    sign_in: Callable[..., Browser],
) -> None:
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    answer = client.post(
        "/debrief", data=as_supporter.form(urgency="today"), follow_redirects=False
    )
    assert answer.headers["location"] == "/sign-in?next=%2Fdebrief&kept=1"
    assert db.exec(select(func.count()).select_from(DebriefRequest)).one() == 0
    again = sign_in(as_supporter.user)
    page = client.get("/debrief").text
    assert KEPT_NOTICE in page
    assert "You chose “Today, please”" in page
    sent = client.post("/debrief", data=again.form(urgency="today"), follow_redirects=False)
    assert sent.headers["location"] == "/debrief?sent=1"
    assert db.exec(select(func.count()).select_from(DebriefRequest)).one() == 1
    assert kept_rows(db) == []


def test_an_invalid_edit_keeps_the_kept_forms_notice_and_discard(
    client: TestClient,
    db: Session,
    supporter: Supporter,
    as_supporter: Browser,
    sign_in: Callable[..., Browser],
) -> None:
    encounter = log(db, supporter)
    address = f"/encounters/{encounter.id}/edit"
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    client.post(address, data=as_supporter.form(**valid_form(setting="emergency_department")))
    again = sign_in(as_supporter.user)
    kept_id = str(kept_rows(db)[0].id)  # the restored form carries its kept row's id
    invalid = client.post(
        address, data=again.form(**valid_form(setting="nowhere"), kept_form_id=kept_id)
    )
    assert invalid.status_code == 422
    assert KEPT_NOTICE in invalid.text  # still kept until a save succeeds
    assert 'action="/kept-forms/discard"' in invalid.text
    assert f'name="address" value="{address}"' in invalid.text
    assert len(kept_rows(db)) == 1


def test_an_invalid_debrief_request_keeps_the_kept_forms_notice_and_discard(
    client: TestClient, db: Session, as_supporter: Browser, sign_in: Callable[..., Browser]
) -> None:
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    client.post("/debrief", data=as_supporter.form(urgency="today"))
    again = sign_in(as_supporter.user)
    invalid = client.post("/debrief", data=again.form(urgency="someday"))
    assert invalid.status_code == 422
    assert KEPT_NOTICE in invalid.text
    assert 'name="address" value="/debrief"' in invalid.text
    assert len(kept_rows(db)) == 1


def test_discard_posted_signed_out_signs_in_back_to_the_forms_own_page(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    """Not back to /kept-forms/discard, which answers only POST: to the form's page, whose
    notice offers Discard again."""
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    late_log(client, as_supporter)
    answer = client.post(
        "/kept-forms/discard", data=as_supporter.form(address="/log"), follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=%2Flog"
    assert len(kept_rows(db)) == 1  # nothing discarded signed out
    elsewhere = client.post(
        "/kept-forms/discard",
        data=as_supporter.form(address="https://evil.example/"),
        follow_redirects=False,
    )
    assert elsewhere.headers["location"] == "/sign-in?next=%2F"


# Sessions extend while the person is active.


def test_the_alive_address_extends_a_live_session_and_is_never_cached(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    web_session = latest_web_session(db, as_supporter.user)
    web_session.last_seen_at = utcnow() - timedelta(minutes=IDLE_MINUTES - 1)
    db.add(web_session)
    db.flush()
    alive = client.get("/session/alive")
    assert alive.status_code == 204
    assert alive.headers["cache-control"] == "no-store"
    db.refresh(web_session)
    assert utcnow() - web_session.last_seen_at < timedelta(minutes=1)


def test_the_alive_address_says_401_once_the_session_ended(
    client: TestClient, db: Session, as_supporter: Browser, new_browser: Callable[..., TestClient]
) -> None:
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(seconds=1))
    ended = client.get("/session/alive")
    assert ended.status_code == 401
    assert ended.headers["cache-control"] == "no-store"
    assert new_browser().get("/session/alive").status_code == 401


def test_signed_in_pages_tell_the_script_the_idle_limit(
    client: TestClient, as_supporter: Browser, new_browser: Callable[..., TestClient]
) -> None:
    assert f'data-idle-minutes="{IDLE_MINUTES}"' in client.get("/log").text
    assert "data-idle-minutes" not in new_browser().get("/sign-in").text


def test_a_csrf_token_of_any_characters_is_refused_not_an_error(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    """The live session's check and the ended session's share one comparison (bytes)."""
    refused = client.post("/log", data={**valid_form(), "csrf_token": "ÿ-not-ascii"}, headers=HTML)
    assert refused.status_code == 403
    assert encounter_count(db) == 0


# The log's Idempotency-Key is kept with it: the phone's own retry and the restored form log one
# encounter between them, whichever is sent first.

KEY = "0f8e2c1a-5b7d-4c3e-9a6f-2d1b0c9e8f7a"


def key_header(key: str = KEY) -> dict[str, str]:
    return {"Idempotency-Key": key}


@pytest.mark.parametrize("outbox_first", [True, False], ids=["outbox-first", "restored-first"])
@pytest.mark.parametrize("confirm_with", ["plain", "htmx"])
def test_a_late_log_sent_again_with_its_key_and_confirmed_logs_one_encounter(
    client: TestClient,
    db: Session,
    as_supporter: Browser,
    sign_in: Callable[..., Browser],
    outbox_first: bool,
    confirm_with: str,
) -> None:
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    late = late_log(client, as_supporter, headers={**as_supporter.htmx, **key_header()})
    assert late.status_code == 401
    [kept] = kept_rows(db)
    assert ["idempotency_key", KEY] in kept.fields
    again = sign_in(as_supporter.user)
    restored = restored_fields(client)
    assert restored["idempotency_key"] == KEY

    def outbox() -> Any:  # the phone sends its waiting log again, with its key
        return late_log(client, again, headers={**again.htmx, **key_header()})

    def confirm() -> Any:  # the person saves the restored form (htmx: the script's new key)
        if confirm_with == "plain":
            return late_log(client, again, restored)
        return late_log(client, again, restored, headers={**again.htmx, **key_header("a-new-key")})

    for send in (outbox, confirm) if outbox_first else (confirm, outbox):
        assert send().status_code in (200, 303)
    assert encounter_count(db) == 1
    assert kept_rows(db) == []


def test_a_restored_log_changed_after_its_key_was_used_says_it_was_saved_already(
    client: TestClient, db: Session, as_supporter: Browser, sign_in: Callable[..., Browser]
) -> None:
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    late_log(client, as_supporter, headers={**as_supporter.htmx, **key_header()})
    again = sign_in(as_supporter.user)
    restored = restored_fields(client)
    assert (
        late_log(client, again, headers={**again.htmx, **key_header()}).status_code == 200
    )  # outbox
    changed = client.post("/log", data=again.form(**valid_form(setting="icu"), **restored))
    assert changed.status_code == 422
    assert "already saved from this phone" in changed.text
    assert "Check My encounters" in changed.text
    assert hidden_value(changed.text, "idempotency_key") is None  # the used key is gone
    assert encounter_count(db) == 1
    saved_again = client.post("/log", data=again.form(**valid_form(setting="icu")))
    assert saved_again.status_code == 200  # without the key: a new encounter, as it says
    assert encounter_count(db) == 2


@pytest.mark.parametrize(("length", "kept"), [(255, True), (256, False)])
def test_only_a_valid_key_is_kept(
    client: TestClient, db: Session, as_supporter: Browser, length: int, kept: bool
) -> None:
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    late_log(client, as_supporter, headers={**as_supporter.htmx, **key_header("k" * length)})
    [row] = kept_rows(db)
    assert (["idempotency_key", "k" * length] in row.fields) is kept
    assert [name for name, _ in row.fields].count("idempotency_key") == int(kept)


# A save deletes the kept form it was restored from, and no other.


def test_saving_other_answers_leaves_the_kept_log(
    client: TestClient, db: Session, as_supporter: Browser, sign_in: Callable[..., Browser]
) -> None:
    again = kept_then_signed_in_again(client, db, as_supporter, sign_in)
    restored = restored_fields(client)
    other_tab = client.post("/log", data=again.form(**valid_form(setting="icu")))
    assert other_tab.status_code == 200
    outbox = late_log(client, again, headers={**again.htmx, **key_header("waiting-log-a")})
    assert outbox.status_code == 200
    assert len(kept_rows(db)) == 1  # the kept log B waits to be checked
    assert KEPT_NOTICE in client.get("/log").text
    late_log(client, again, restored)
    assert kept_rows(db) == []
    assert encounter_count(db) == 3


def test_saving_an_edit_without_its_kept_row_leaves_the_kept_edit(
    client: TestClient,
    db: Session,
    supporter: Supporter,
    as_supporter: Browser,
    sign_in: Callable[..., Browser],
) -> None:
    encounter = log(db, supporter)
    address = f"/encounters/{encounter.id}/edit"
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    client.post(address, data=as_supporter.form(**valid_form(setting="emergency_department")))
    again = sign_in(as_supporter.user)
    restored = restored_fields(client, address)
    client.post(address, data=again.form(**valid_form(setting="office")))  # another tab
    assert len(kept_rows(db)) == 1
    client.post(address, data=again.form(**valid_form(setting="emergency_department"), **restored))
    assert kept_rows(db) == []


# Only each form's own fields are kept, and an edit only of an own encounter.


def test_only_the_forms_own_fields_are_kept(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    extra = {"note": "free text", "x" * 1000: "y", "kept_form_id": "5", "urgency": "today"}
    late_log(client, as_supporter, extra)
    client.post("/debrief", data=as_supporter.form(urgency="today", setting="icu", note="z"))
    log_row, debrief_row = kept_rows(db)
    names = {name for name, _ in log_row.fields}
    assert names <= set(LOG_FORM_FIELDS)
    assert {"setting", "stressors"} <= names
    assert names.isdisjoint({"note", "x" * 1000, "kept_form_id", "urgency", "csrf_token"})
    assert debrief_row.fields == [["urgency", "today"]]


def test_a_late_edit_of_anothers_or_a_too_old_encounter_keeps_nothing(
    client: TestClient,
    db: Session,
    supporter: Supporter,
    as_supporter: Browser,
) -> None:
    anothers = log(db, make_supporter(db))
    too_old = log(db, supporter)
    set_logged_at(db, too_old, days_ago(7) - timedelta(minutes=1))
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    for encounter in (anothers, too_old):
        address = f"/encounters/{encounter.id}/edit"
        answer = client.post(
            address, data=as_supporter.form(**valid_form()), follow_redirects=False
        )
        assert answer.status_code == 303
        assert "kept=1" not in answer.headers["location"]
    never_logged = client.post(
        "/encounters/999999/edit", data=as_supporter.form(**valid_form()), follow_redirects=False
    )
    assert "kept=1" not in never_logged.headers["location"]
    assert kept_rows(db) == []


# A form sent with an earlier session's token, over a live session: back to be confirmed.

STALE_NOTICE = "Not saved yet: you signed in again since this page opened."


def csrf_field_of(page: str) -> str:
    value = hidden_value(page, "csrf_token")
    assert value is not None
    return value


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_log_sent_with_an_earlier_sessions_token_comes_back_filled_in(
    client: TestClient,
    db: Session,
    as_supporter: Browser,
    sign_in: Callable[..., Browser],
    htmx: bool,
) -> None:
    tab_a = as_supporter
    tab_b = sign_in(as_supporter.user)  # signed in again in another tab: a new session
    assert tab_b.csrf != tab_a.csrf
    headers = tab_a.htmx if htmx else HTML
    form = tab_a.form(**valid_form(setting="emergency_department"))
    refused = client.post("/log", data=form, headers=headers)
    assert refused.status_code == 403
    assert STALE_NOTICE in refused.text
    assert checked(refused.text, "setting", "emergency_department")
    assert ("<html" in refused.text) is not htmx  # htmx: the form only, swapped in place
    assert encounter_count(db) == 0
    assert unmask_token(csrf_field_of(refused.text)) == tab_b.csrf  # the live session's token
    # Saved again from the re-rendered form: htmx still sends tab A's header from <body>.
    form["csrf_token"] = csrf_field_of(refused.text)
    saved = client.post("/log", data=form, headers=headers, follow_redirects=False)
    assert saved.status_code == (200 if htmx else 303)
    assert encounter_count(db) == 1


def test_a_debrief_sent_with_an_earlier_sessions_token_asks_to_choose_again(
    client: TestClient, db: Session, as_supporter: Browser, sign_in: Callable[..., Browser]
) -> None:
    sign_in(as_supporter.user)
    refused = client.post("/debrief", data=as_supporter.form(urgency="today"), headers=HTML)
    assert refused.status_code == 403
    assert "Not sent yet: you signed in again since this page opened." in refused.text
    assert 'action="/debrief"' in refused.text
    assert db.exec(select(func.count()).select_from(DebriefRequest)).one() == 0


# Keeping never turns a late post into an error page.


def test_a_database_error_while_keeping_falls_back_to_the_plain_sign_in(
    client: TestClient, db: Session, as_supporter: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_unit_of_work(_request: Any) -> Any:
        raise OperationalError("SELECT 1", {}, Exception("the database went away"))

    monkeypatch.setattr(late_forms, "unit_of_work_apart", failing_unit_of_work)
    end_session_by_idleness(db, as_supporter, ended_ago=timedelta(minutes=1))
    answer = late_log(client, as_supporter)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=%2Flog"
    htmx = late_log(client, as_supporter, headers=as_supporter.htmx)
    assert htmx.status_code == 401
    assert htmx.headers["HX-Redirect"] == "/sign-in?next=%2Flog"
    sign_out = client.post("/sign-out", data=as_supporter.form(), follow_redirects=False)
    assert sign_out.status_code == 303
    assert kept_rows(db) == []


@pytest.mark.parametrize(("kept", "notice"), [("1", True), ("yes", False), ("11", False)])
def test_the_sign_in_page_takes_any_kept_value(
    new_browser: Callable[..., TestClient], kept: str, notice: bool
) -> None:
    page = new_browser().get(f"/sign-in?kept={kept}")
    assert page.status_code == 200
    assert (SIGN_IN_NOTICE in page.text) is notice
