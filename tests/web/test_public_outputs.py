"""Nothing the program keeps about its own work reaches a public output of the directory: not
the encounters that shared an entry, not the supporters who logged them, not the people who
wrote or reviewed the entry, and no count of any of it.

The public outputs: the directory page and its htmx fragment, the embed (both themes) and its
fragment, the embed's loader script, the two JSON feeds, and the crisis page, which lists the
crisis entries (as does the crisis panel on every page). The data is real: supporters with
users, encounters that shared entries a known number of times, an entry written and published
through the curation form by a named editor."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from domain.codes import Role
from domain.encounters.models import EncounterResource
from domain.resources.models import Resource
from domain.users.models import User
from tests.factories import add_encounter_rows, make_supporter, make_user
from tests.web.conftest import HTML, HTMX, Browser
from tests.web.test_frame_headers import every_get_path

SHARED_TITLE = "Staff Wellness Walks"
CRISIS_TITLE = "988 Suicide & Crisis Lifeline"
# How often each entry was shared: numbers that no output has a reason to show.
WALKS_SHARED = 13
CRISIS_SHARED = 14
# The site footer every page has unless it says otherwise (the directory does): a promise about
# the program's records, not a record of it.
SITE_FOOTER_NOTE = "<p>No names, no notes: encounters are logged as codes only.</p>"

PUBLIC_OUTPUTS = {
    "directory": ("/directory", HTML),
    "directory-fragment": ("/directory", HTMX),
    "embed-light": ("/embed/directory?theme=light", HTML),
    "embed-dark": ("/embed/directory?theme=dark", HTML),
    "embed-fragment": ("/embed/directory", HTMX),
    "embed-loader": ("/embed/directory.js", {}),
    "directory-json": ("/api/v1/directory?limit=200", {}),
    "hsds-json": ("/api/v1/directory/hsds?per_page=500", {}),
    "crisis": ("/crisis", HTML),
}
# Words that name the program's own records (singular: the plural contains it).
RECORD_WORDS = ("encounter", "supporter", "debrief", "stressor", "escalation")
# A count, a use or a person, however it might be worded.
USE_PATTERN = re.compile(
    r"\bcounts?\b|_count|count_|times_shared|\bshared\b|\bshares\b|\btimes\b|\bpopular"
    r"|\bused by\b|\blogged by\b|\bsigned in as\b|\bsign out\b|\bedited by\b"
)
# Row ids, UUIDs, dates and times: numbers that are not counts (and may be 13 or 14 by chance).
NOT_COUNTS = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:[+-]\d{2}:\d{2}|Z)?)?"
    r'|resource-\d+|"id":\s*\d+|/curation/\d+'
    r"|\?v=[0-9a-f]+"  # a static file's content hash (`static_url`), no count
)


@dataclass(frozen=True)
class ProgramRecords:
    """What must stay out: the people (emails and names) and how often entries were shared."""

    emails: set[str]
    names: set[str]


@pytest.fixture
def program_records(
    db: Session, sign_in: Callable[..., Browser], new_browser: Callable[..., TestClient]
) -> ProgramRecords:
    editor = make_user(
        db,
        roles=(Role.resource_editor,),
        display_name="Eliot Editorname",
        email="eliot.editorname@hospital.example.org",
    )
    browser = sign_in(editor, new_browser())
    typed = {"title": SHARED_TITLE, "category": "wellness", "published": "1",
             "description": "Lunch-time walks around the hospital grounds."}  # fmt: skip
    written = browser.client.post(
        "/curation/new", data=browser.form(**typed), follow_redirects=False
    )
    assert written.status_code == 303, written.text
    walks = db.exec(select(Resource).where(Resource.title == SHARED_TITLE)).one()
    crisis = db.exec(select(Resource).where(Resource.title == CRISIS_TITLE)).one()

    supporters = [
        make_supporter(db, user=make_user(db, roles=(Role.supporter,), display_name=name,
                                          email=f"{name.split()[1].lower()}@hospital.example.org"))
        for name in ("Quinn Hiddenname", "Rowan Secretname", "Sasha Privatename")
    ]  # fmt: skip
    for turn in range(WALKS_SHARED + CRISIS_SHARED):
        supporter = supporters[turn % len(supporters)]
        shared = walks if turn < WALKS_SHARED else crisis
        assert supporter.trained_on is not None
        assert shared.id is not None
        rows = [EncounterResource(resource_id=shared.id)]
        add_encounter_rows(db, supporter, 1, on=supporter.trained_on, resource_rows=rows)
    make_user(
        db,
        roles=(Role.coordinator,),
        display_name="Casey Coordinatorname",
        email="casey.coordinatorname@hospital.example.org",
    )

    users = db.exec(select(User)).all()
    assert len(users) >= 5
    return ProgramRecords(
        emails={user.email.lower() for user in users},
        names={user.display_name.lower() for user in users},
    )


def test_the_public_outputs_are_every_route_that_shows_an_entry_signed_out(
    client: TestClient, db: Session, program_records: ProgramRecords, new_browser: Callable
) -> None:
    """A new public route that shows entries joins this list (and so the test below)."""
    browser = new_browser()
    showing = set()
    for path in every_get_path(client.app):  # type: ignore[arg-type]
        answer = browser.get(path, headers=HTML, follow_redirects=False)
        if answer.status_code == 200 and SHARED_TITLE in answer.text:
            showing.add(path)

    listed = {address.split("?")[0] for address, _ in PUBLIC_OUTPUTS.values()}
    assert showing <= listed
    assert showing == listed - {"/embed/directory.js", "/crisis"}


@pytest.mark.parametrize("output", PUBLIC_OUTPUTS)
def test_no_public_output_tells_of_encounters_supporters_people_or_counts(
    program_records: ProgramRecords, new_browser: Callable[..., TestClient], output: str
) -> None:
    address, headers = PUBLIC_OUTPUTS[output]
    answer = new_browser().get(address, headers=headers)
    assert answer.status_code == 200, answer.text
    text = answer.text
    lowered = text.lower()

    # The entries are there (their use is not).
    if output == "crisis":
        assert "988 Suicide &amp; Crisis Lifeline" in text
    elif output != "embed-loader":
        assert SHARED_TITLE in text
        assert "Crisis Lifeline" in text
    for word in RECORD_WORDS:
        assert word not in lowered.replace(SITE_FOOTER_NOTE.lower(), ""), word
    assert not USE_PATTERN.search(lowered), USE_PATTERN.search(lowered)
    for person in program_records.emails | program_records.names:
        assert person not in lowered, person
    numbers = re.findall(r"\d+", NOT_COUNTS.sub(" ", text))
    assert str(WALKS_SHARED) not in numbers
    assert str(CRISIS_SHARED) not in numbers
    if output.endswith("-json"):
        assert not keys_naming_people_or_use(json.loads(text))


def keys_naming_people_or_use(document: Any) -> set[str]:
    """Every key, at any depth, that names a person, a supporter or how often an entry is used."""
    suspicious = re.compile(r"encounter|supporter|user|count|shared|email_of|author|editor")
    found: set[str] = set()
    if isinstance(document, dict):
        for key, value in document.items():
            if suspicious.search(key):
                found.add(key)
            found |= keys_naming_people_or_use(value)
    elif isinstance(document, list):
        for value in document:
            found |= keys_naming_people_or_use(value)
    return found
