"""The curation pages against a real server: editors publishing, unpublishing, reviewing and
changing one entry at once, and adding entries side by side. Every request is answered
cleanly (a redirect, never a 500), each write is committed with its audit event, and the
stored entry is one of the states sent."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from sqlmodel import Session, col, func, select

from domain.audit.models import AuditEvent
from domain.codes import ResourceCategory, Role
from domain.resources.models import Resource
from domain.users.passwords import hash_password
from tests.factories import make_resource, make_user
from tests.live.server import LiveServer, at_once
from web.session import SIGN_IN_CHECK_COOKIE, SIGN_IN_CHECK_FIELD

PASSWORD = "an editor's live password"


@dataclass
class Editor:
    http: httpx.Client
    csrf: str


def signed_in_editors(server: LiveServer, count: int) -> list[Editor]:
    """`count` people (resource editors and coordinators), each signed in through the sign-in
    page in a browser of their own, with the CSRF token their pages carry."""
    password_hash = hash_password(PASSWORD)
    roles = (Role.resource_editor, Role.coordinator)
    emails = server.seed(
        lambda session: [
            make_user(session, roles=(roles[n % 2],), password_hash=password_hash).email
            for n in range(count)
        ]
    )
    signed_in = []
    for email in emails:
        http = server.client()
        check = "a-sign-in-check-for-the-race"
        http.cookies.set(SIGN_IN_CHECK_COOKIE, check, path="/sign-in")
        answer = http.post(
            "/sign-in", data={"email": email, "password": PASSWORD, SIGN_IN_CHECK_FIELD: check}
        )
        assert answer.status_code == 303, answer.text
        page = http.get("/curation")
        assert page.status_code == 200, page.text
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert found is not None
        signed_in.append(Editor(http, found.group(1)))
    return signed_in


def audit_count(server: LiveServer, resource_id: int) -> int:
    with Session(server.engine) as session:
        query = select(func.count()).where(
            AuditEvent.object_type == "resource", AuditEvent.object_id == str(resource_id)
        )
        return session.exec(query).one()


def test_parallel_publishes_reviews_and_edits_of_one_entry_all_succeed(
    live_server: LiveServer,
) -> None:
    editors = signed_in_editors(live_server, 2)
    marker = f"Raced entry {time.monotonic_ns()}"

    def entry(session: Session) -> int:
        made = make_resource(session, title=marker, published=False, last_reviewed_on=None)
        assert made.id is not None
        return made.id

    resource_id = live_server.seed(entry)
    titles = {f"{marker} v{n}" for n in range(8)}

    def act(n: int) -> httpx.Response:
        who = editors[n % 2]
        htmx = {"HX-Request": "true", "X-CSRF-Token": who.csrf} if n % 3 == 0 else {}
        kind = n % 4
        data: dict[str, str] = {}
        if kind == 0:
            path = f"/curation/{resource_id}/publish"
        elif kind == 1:
            path = f"/curation/{resource_id}/unpublish"
        elif kind == 2:
            path = f"/curation/{resource_id}/review"
        else:
            path = f"/curation/{resource_id}"
            data = {"title": f"{marker} v{n}", "category": "wellness", "phone": f"555-01{n:02d}",
                    "keywords": f"race, round {n}"}  # fmt: skip
        return who.http.post(path, data={"csrf_token": who.csrf, **data}, headers=htmx)

    try:
        for _round in range(3):
            answers = at_once(8, act)
            assert all(a.status_code in (204, 303) for a in answers), [
                (a.status_code, a.text[:300]) for a in answers
            ]
            with Session(live_server.engine) as session:
                stored = session.get(Resource, resource_id)
                assert stored is not None
                assert stored.title in titles
                assert stored.last_reviewed_on is not None
                assert stored.keywords[0] == "race"
            page = editors[0].http.get(f"/curation/{resource_id}")
            assert page.status_code == 200
            assert ("Unpublish</button>" in page.text) is stored.published
        assert audit_count(live_server, resource_id) >= 3 * 2  # reviews and first edits at least
    finally:
        for editor in editors:
            editor.http.close()


def test_parallel_creates_all_succeed(live_server: LiveServer) -> None:
    editors = signed_in_editors(live_server, 2)
    marker = f"Parallel entry {time.monotonic_ns()}"

    def create(n: int) -> httpx.Response:
        who = editors[n % 2]
        data = {"csrf_token": who.csrf, "title": f"{marker} {n}", "category": "counseling",
                "audiences": ["nurse", "physician"], "phone": "988", "published": "1"}  # fmt: skip
        return who.http.post("/curation/new", data=data)

    try:
        answers = at_once(8, create)
        assert [a.status_code for a in answers] == [303] * 8, [a.text[:300] for a in answers]
        with Session(live_server.engine) as session:
            made = session.exec(
                select(Resource).where(col(Resource.title).startswith(marker))
            ).all()
            assert len(made) == 8
            assert all(r.category is ResourceCategory.counseling for r in made)
            assert all(len(r.audience_rows) == 2 for r in made)
            creations = session.exec(
                select(func.count()).where(
                    AuditEvent.action == "resource.create",
                    col(AuditEvent.object_id).in_([str(r.id) for r in made]),
                )
            ).one()
        assert creations == 8
    finally:
        for editor in editors:
            editor.http.close()


def change_events(server: LiveServer, resource_id: int, action: str) -> int:
    with Session(server.engine) as session:
        query = select(func.count()).where(
            AuditEvent.object_type == "resource",
            AuditEvent.object_id == str(resource_id),
            AuditEvent.action == action,
        )
        return session.exec(query).one()


def stored_audiences(server: LiveServer, resource_id: int) -> list[str]:
    with Session(server.engine) as session:
        stored = session.get(Resource, resource_id)
        assert stored is not None
        return sorted(row.profession_code for row in stored.audience_rows)


def test_parallel_audience_edits_store_one_sent_state_and_audit_each_real_change(
    live_server: LiveServer,
) -> None:
    editors = signed_in_editors(live_server, 2)
    marker = f"Audience race {time.monotonic_ns()}"

    def entry(session: Session) -> int:
        made = make_resource(session, title=marker, published=False)
        assert made.id is not None
        return made.id

    resource_id = live_server.seed(entry)

    def edit(audiences: list[str]) -> Callable[[int], httpx.Response]:
        def send(n: int) -> httpx.Response:
            who = editors[n % 2]
            data = {"csrf_token": who.csrf, "title": marker, "category": "wellness",
                    "audiences": audiences}  # fmt: skip
            return who.http.post(f"/curation/{resource_id}", data=data)

        return send

    try:
        # Six editors send the same audiences: one change, one audit event.
        answers = at_once(6, edit(["nurse", "physician"]))
        assert [a.status_code for a in answers] == [303] * 6, [a.text[:300] for a in answers]
        assert stored_audiences(live_server, resource_id) == ["nurse", "physician"]
        assert change_events(live_server, resource_id, "resource.change.audiences") == 1

        # Each sends a different single audience: the entry holds one of them, never a union.
        sent = [["nurse"], ["physician"], ["dentist"], ["nurse"], ["physician"], ["dentist"]]
        answers = at_once(6, lambda n: edit(sent[n])(n))
        assert [a.status_code for a in answers] == [303] * 6, [a.text[:300] for a in answers]
        assert stored_audiences(live_server, resource_id) in sent
        assert 2 <= change_events(live_server, resource_id, "resource.change.audiences") <= 7

        # Four publishes at once: the entry is published once, audited once.
        def publish(n: int) -> httpx.Response:
            who = editors[n % 2]
            return who.http.post(f"/curation/{resource_id}/publish", data={"csrf_token": who.csrf})

        answers = at_once(4, publish)
        assert [a.status_code for a in answers] == [303] * 4, [a.text[:300] for a in answers]
        assert change_events(live_server, resource_id, "resource.change.published") == 1
    finally:
        for editor in editors:
            editor.http.close()


def test_parallel_deletes_delete_once(live_server: LiveServer) -> None:
    editors = signed_in_editors(live_server, 2)
    marker = f"Delete race {time.monotonic_ns()}"

    def entry(session: Session) -> int:
        made = make_resource(session, title=marker)
        assert made.id is not None
        return made.id

    resource_id = live_server.seed(entry)

    def delete(n: int) -> httpx.Response:
        who = editors[n % 2]
        return who.http.post(f"/curation/{resource_id}/delete", data={"csrf_token": who.csrf})

    try:
        answers = at_once(6, delete)
        codes = sorted(a.status_code for a in answers)
        assert codes == [303] + [404] * 5, [(a.status_code, a.text[:300]) for a in answers]
        assert change_events(live_server, resource_id, "resource.delete") == 1
        with Session(live_server.engine) as session:
            assert session.get(Resource, resource_id) is None
    finally:
        for editor in editors:
            editor.http.close()
