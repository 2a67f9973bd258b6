"""The log and edit forms (issue 10): an error summary that names and links each field at
fault, a line that shows every answer inside "More details", the supporter's usual peer
professions first."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from domain.encounters.models import Encounter
from domain.encounters.service import log_encounter
from domain.program_settings.service import program_today
from domain.supporters.models import Supporter
from tests.factories import counting_statements, encounter_data, make_supporter, supporter_actor
from tests.web.conftest import HTML, HTMX, Browser, user_of
from tests.web.test_supporter_pages import valid_form

PRE_FILLED_LINE = (
    "Today · In person · You approached · Workplace unknown · No referral · No follow-up"
)


def log(db: Session, supporter: Supporter, profession: str, times: int = 1) -> list[Encounter]:
    actor = supporter_actor(db, supporter)
    data = encounter_data(peer_profession=profession, occurred_on=program_today(db))
    return [log_encounter(session=db, actor=actor, data=data).encounter for _ in range(times)]


def error_summary(page: str) -> str:
    return page.split('<div class="error-summary"')[1].split("</div>")[0]


def summary_links(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', error_summary(page))


def ids_of(page: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', page))


class InputCollector(HTMLParser):
    """Every <input>'s attributes, whatever order the template writes them in."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "input":
            self.inputs.append(dict(attrs))


def has_input(page: str, **attributes: str) -> bool:
    collector = InputCollector()
    collector.feed(page)
    return any(attributes.items() <= found.items() for found in collector.inputs)


def more_details_line(page: str) -> str:
    return page.split('<span class="more-line" data-more-line>')[1].split("</span>")[0]


def more_details_is_open(page: str) -> bool:
    return '<details class="more" open>' in page


def usual_group(page: str) -> list[str]:
    if 'label="You log most often"' not in page:
        return []
    group = page.split('<optgroup label="You log most often">')[1].split("</optgroup>")[0]
    return re.findall(r'<option value="([^"]+)"', group)


# Errors that point.


def test_the_summary_names_each_missing_field_and_links_to_its_first_control(
    client: TestClient, as_supporter: Browser
) -> None:
    form = valid_form(stressors=[], elements=[], support_types=[])
    for field in ("setting", "peer_profession", "duration_band"):
        del form[field]
    page = client.post("/log", data=as_supporter.form(**form), headers=HTML)
    assert page.status_code == 422
    assert "Please check the fields marked below" not in page.text
    assert '<h2 id="error-summary-heading">Check 6 answers</h2>' in error_summary(page.text)
    assert summary_links(page.text) == [
        ("setting", "Choose where it happened"),
        ("peer_profession", "Choose the colleague&#39;s profession"),
        ("duration_band", "Choose how long it took"),
        ("stressors", "Choose what it was about"),
        ("elements", "Choose what you did"),
        ("support_types", "Choose what they needed"),
    ]
    ids = ids_of(page.text)
    for control_id, message in summary_links(page.text):
        assert control_id in ids, control_id
        # The message beside the field says the same.
        assert f'id="{control_id}-error">{message}</p>' in page.text
    # Without JavaScript the summary takes the focus itself.
    assert 'tabindex="-1" autofocus>' in page.text
    # The first control of a group carries the field's name; every other one an id too.
    assert has_input(page.text, id="setting", type="radio", name="setting", value="inpatient_unit")
    assert has_input(page.text, id="setting-icu", type="radio", name="setting", value="icu")
    assert has_input(
        page.text, id="stressors", type="checkbox", name="stressors", value="adverse_event"
    )
    assert not more_details_is_open(page.text)


def test_one_missing_answer_is_one_answer_to_check_and_other_answers_are_kept(
    client: TestClient, as_supporter: Browser
) -> None:
    form = valid_form(setting="office", duration_band="over_60", modality="video")
    del form["peer_profession"]
    page = client.post("/log", data=as_supporter.form(**form), headers=HTMX)
    assert page.status_code == 422
    assert "<html" not in page.text  # htmx gets the form alone
    assert '<h2 id="error-summary-heading">Check 1 answer</h2>' in page.text
    assert summary_links(page.text) == [
        ("peer_profession", "Choose the colleague&#39;s profession")
    ]
    assert 'name="setting" value="office" checked' in page.text
    assert 'name="duration_band" value="over_60" checked' in page.text
    assert 'name="modality" value="video" checked' in page.text


def test_a_message_that_does_not_name_its_field_gets_the_name_and_opens_more_details(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    tomorrow = (program_today(db) + timedelta(days=30)).isoformat()
    page = client.post("/log", data=as_supporter.form(**valid_form(occurred_on=tomorrow)))
    assert page.status_code == 422
    [(control_id, message)] = summary_links(page.text)
    assert control_id == "occurred_on"
    assert message == "Date: The encounter date cannot be in the future."
    assert more_details_is_open(page.text)
    assert f'value="{tomorrow}"' in page.text


def test_no_error_no_summary(client: TestClient, as_supporter: Browser) -> None:
    page = client.get("/log", headers=HTML)
    assert 'class="error-summary"' not in page.text
    assert "autofocus" not in page.text


# Nothing saved unseen.


def test_the_more_details_line_shows_every_pre_filled_answer(
    client: TestClient, as_supporter: Browser
) -> None:
    page = client.get("/log", headers=HTML)
    assert more_details_line(page.text) == PRE_FILLED_LINE
    # The line is inside the <summary>: a tap on it opens the section.
    summary = page.text.split("<summary>")[1].split("</summary>")[0]
    assert "More details" in summary
    assert PRE_FILLED_LINE in summary


def test_the_line_follows_the_answers_sent(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    day = program_today(db) - timedelta(days=2)
    form = valid_form(
        occurred_on=day.isoformat(), modality="phone", initiated_by="self_request",
        peer_org_relation="other_department", flow_steps=["listen", "reflect"],
        escalation="warm_referral", follow_up="planned", supporter_needs_debrief="yes",
    )  # fmt: skip
    del form["setting"]
    page = client.post("/log", data=as_supporter.form(**form), headers=HTML)
    assert page.status_code == 422
    assert more_details_line(page.text) == " · ".join(
        [
            day.strftime("%b %-d"), "Phone", "They asked", "Another department", "2 guide steps",
            "Referred (warm hand-off)", "Follow-up planned", "Debrief wanted",
        ]
    )  # fmt: skip


# Words that cannot be confused.

EAP_REFERRAL_PLACE = "Referral or escalation"


def legends_of(page: str) -> dict[str, str]:
    """Each answer group's legend (without "(required)"), by the name its controls send."""
    legends = {}
    for group in re.findall(r"<fieldset.*?</fieldset>", page, re.S):
        legend = re.search(r"<legend>([^<]*)", group)
        name = re.search(r'type="(?:radio|checkbox)" name="([^"]+)"', group)
        if legend and name:
            legends[name.group(1)] = legend.group(1).strip()
    return legends


def hints_of(page: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="hint field-hint" id="([^"]+)-hint">([^<]+)</p>', page))


def test_what_you_did_and_what_they_needed_are_two_unmistakable_groups(
    client: TestClient, as_supporter: Browser
) -> None:
    legends = legends_of(client.get("/log").text)
    assert legends["elements"] == "What you did"
    assert legends["support_types"] == "What they needed"


def test_an_eap_referral_has_one_place_and_every_other_hint_points_there(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    page = client.get("/log").text
    assert legends_of(page)["escalation"] == EAP_REFERRAL_PLACE
    assert has_input(page, id="escalation-warm_referral", name="escalation", value="warm_referral")
    assert "<span>Referred (warm hand-off)</span>" in page  # the one answer for a referral
    hints = hints_of(page)
    about_the_eap = {name for name, hint in hints.items() if "EAP" in hint}
    assert about_the_eap == {"support_types", "escalation", "resources_shared"}
    assert "Choose “Referred (warm hand-off)”" in hints["escalation"]
    for name in about_the_eap - {"escalation"}:
        assert f"under {EAP_REFERRAL_PLACE}" in hints[name], name
    # The lighter step of escalation no longer reads like the resources shared.
    assert "Safety information given" not in page
    assert "<span>Safety talk only</span>" in page


def test_the_follow_up_hint_agrees_with_its_answers_and_workplaces_are_plain_words(
    client: TestClient, as_supporter: Browser
) -> None:
    page = client.get("/log").text
    assert "planned, already done, or none" in hints_of(page)["follow_up"]
    for answer in ("Follow-up planned", "Follow-up done", "No follow-up"):
        assert f"<span>{answer}</span>" in page
    for workplace in ("Your department", "Another department", "Elsewhere in the organization"):
        assert f"<span>{workplace}</span>" in page
    assert "Other school" not in page


# Usual professions first.


def test_the_most_often_logged_peer_professions_come_first(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    log(db, supporter, "pharmacist")
    log(db, supporter, "nurse", times=3)
    page = client.get("/log", headers=HTML)
    assert usual_group(page.text) == ["nurse", "pharmacist"]
    rest = page.text.split('<optgroup label="All professions">')[1].split("</optgroup>")[0]
    assert len(re.findall("<option ", rest)) == 17  # every active profession, the usual too


def test_a_new_supporter_sees_the_plain_list(client: TestClient, as_supporter: Browser) -> None:
    page = client.get("/log", headers=HTML)
    assert usual_group(page.text) == []
    assert "<optgroup" not in page.text
    assert '<option value="physician">Physician</option>' in page.text


def test_a_usual_profession_that_is_chosen_is_selected_once(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    log(db, supporter, "dentist")
    form = valid_form(peer_profession="dentist")
    del form["setting"]
    page = client.post("/log", data=as_supporter.form(**form), headers=HTML)
    assert page.text.count('<option value="dentist" selected>') == 1
    assert usual_group(page.text.replace(" selected", "")) == ["dentist"]


def test_get_log_costs_the_same_statements_for_3_or_30_encounters(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    professions = ["nurse", "physician", "pharmacist", "dentist", "student", "staff"]

    def statements_for_the_page() -> int:
        db.expire_all()
        with counting_statements(db) as statements:
            page = client.get("/log", headers=HTML)
        assert page.status_code == 200
        return len(statements)

    for profession in professions[:3]:
        log(db, supporter, profession)
    few = statements_for_the_page()
    for n in range(27):
        log(db, supporter, professions[n % len(professions)])
    many = statements_for_the_page()
    assert few == many


# The edit form shares all of it.


def test_the_edit_form_has_the_summary_the_line_and_the_usual_professions(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    [encounter] = log(db, supporter, "physician")
    page = client.get(f"/encounters/{encounter.id}/edit", headers=HTML)
    assert more_details_line(page.text) == PRE_FILLED_LINE
    assert usual_group(page.text.replace(" selected", "")) == ["physician"]
    form: dict[str, Any] = valid_form(stressors=[])
    page = client.post(
        f"/encounters/{encounter.id}/edit", data=as_supporter.form(**form), headers=HTML
    )
    assert page.status_code == 422
    assert summary_links(page.text) == [("stressors", "Choose what it was about")]
    assert 'id="stressors-error">Choose what it was about</p>' in page.text


def test_another_supporters_encounters_do_not_shape_my_list(
    client: TestClient, db: Session, sign_in: Callable[..., Browser]
) -> None:
    busy, new = make_supporter(db), make_supporter(db)
    log(db, busy, "dentist", times=2)
    sign_in(user_of(db, new))
    assert usual_group(client.get("/log", headers=HTML).text) == []
