"""`Idempotency-Key` against a real server: parallel retries of one request create one row,
and a server killed in the middle of a stream of writes loses no acknowledged write and
doubles none once the client retries what got no answer."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, text
from sqlmodel import Session, col, func, select

from domain.codes import Role
from domain.columns import utcnow
from domain.encounters.models import Encounter
from domain.idempotency.models import IdempotencyRecord
from domain.resources.models import Resource
from domain.supporters.models import Supporter
from domain.users.models import User
from tests.databases import is_postgresql, sibling_database_url
from tests.factories import ENCOUNTER_BODY, make_supporter, make_user
from tests.live.server import LiveServer, at_once, running_server

PARALLEL = 20
_numbers = itertools.count(1)


@dataclass(frozen=True)
class Creation:
    """One request to send many times, who sends it, and how many rows it has made."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    actor: str  # whose keys
    rows: Callable[[Session], int]


def count(session: Session, table: type[Any], *where: Any) -> int:
    return session.exec(select(func.count()).select_from(table).where(*where)).one()


def encounter_creation(server: LiveServer) -> Creation:
    supporter = server.seed(lambda s: make_supporter(s, max_encounters_per_month=60))
    return Creation(
        "/api/v1/encounters",
        ENCOUNTER_BODY,
        server.bearer(f"user:{supporter.user_id}"),
        f"user:{supporter.user_id}",
        lambda s: count(s, Encounter, col(Encounter.supporter_id) == supporter.id),
    )


def resource_creation(server: LiveServer) -> Creation:
    editor = server.seed(lambda s: make_user(s, roles=(Role.resource_editor,)))
    title = f"Chaplaincy {next(_numbers)}"
    return Creation(
        "/api/v1/resources",
        {"title": title, "category": "spiritual_care"},
        server.bearer(f"user:{editor.id}"),
        f"user:{editor.id}",
        lambda s: count(s, Resource, col(Resource.title) == title),
    )


def supporter_creation(server: LiveServer) -> Creation:
    coordinator = server.seed(lambda s: make_user(s, roles=(Role.coordinator,)))
    person = server.seed(lambda s: make_user(s, roles=(Role.supporter,)))
    return Creation(
        "/api/v1/supporters",
        {"user_id": person.id, "profession_code": "pharmacist"},
        server.bearer(f"user:{coordinator.id}"),
        f"user:{coordinator.id}",
        lambda s: count(s, Supporter, col(Supporter.user_id) == person.id),
    )


def user_creation(server: LiveServer) -> Creation:
    admin = server.seed(lambda s: make_user(s, roles=(Role.admin,)))
    email = f"new.person{next(_numbers)}@hospital.example.org"
    return Creation(
        "/api/v1/users",
        {"email": email, "display_name": "New Person", "roles": ["supporter"]},
        server.bearer(f"user:{admin.id}"),
        f"user:{admin.id}",
        lambda s: count(s, User, col(User.email) == email),
    )


CREATIONS = [encounter_creation, resource_creation, supporter_creation, user_creation]


def still_in_progress(answer: httpx.Response) -> bool:
    return (
        answer.status_code == 409
        and answer.headers["content-type"] == "application/problem+json"
        and "still in progress" in answer.json()["detail"]
        and int(answer.headers["Retry-After"]) >= 1
    )


@pytest.mark.parametrize("make_creation", CREATIONS, ids=lambda make: make.__name__)
def test_parallel_posts_with_one_key_make_one_row_and_answer_alike(
    live_server: LiveServer, make_creation: Callable[[LiveServer], Creation]
) -> None:
    creation = make_creation(live_server)
    headers = creation.headers | {"Idempotency-Key": f"same-{next(_numbers)}"}

    with live_server.client() as http:
        answers = at_once(
            PARALLEL, lambda _: http.post(creation.path, json=creation.body, headers=headers)
        )

    created = [a for a in answers if a.status_code == 201]
    waiting = [a for a in answers if still_in_progress(a)]
    assert [(a.status_code, a.text) for a in answers if a not in created + waiting] == []
    assert len({a.text for a in created}) == 1, "every 201 carries the first answer"
    replayed = [a for a in created if a.headers.get("Idempotent-Replayed") == "true"]
    assert len(replayed) == len(created) - 1
    assert live_server.seed(creation.rows) == 1


def test_a_refused_first_request_leaves_the_key_free_for_the_corrected_one(
    live_server: LiveServer,
) -> None:
    creation = supporter_creation(live_server)
    headers = creation.headers | {"Idempotency-Key": f"fix-{next(_numbers)}"}
    wrong = creation.body | {"profession_code": "astronaut"}

    with live_server.client() as http:
        refused = http.post(creation.path, json=wrong, headers=headers)
        corrected = http.post(creation.path, json=creation.body, headers=headers)
        again = http.post(creation.path, json=creation.body, headers=headers)

    assert refused.status_code == 422, refused.text
    assert corrected.status_code == 201, corrected.text
    assert (again.status_code, again.text) == (201, corrected.text)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert live_server.seed(creation.rows) == 1


def test_a_retry_that_waits_5_seconds_for_an_unfinished_first_is_told_to_come_back(
    live_server: LiveServer,
) -> None:
    """PostgreSQL: the retry waits for the first transaction with its key, at most 5 seconds,
    then answers 409 "still in progress". SQLite: it queues for the write lock, at most 5
    seconds, then answers 503. Either way: Retry-After, nothing created, and once the first
    rolls back (a crash, an error) the key is free."""
    creation = encounter_creation(live_server)
    key = f"held-{next(_numbers)}"
    headers = creation.headers | {"Idempotency-Key": key}
    claim = insert(IdempotencyRecord).values(
        actor=creation.actor, key=key, request_hash="0" * 64, created_at=utcnow()
    )

    with live_server.engine.connect() as first, live_server.client() as http:
        first.begin()
        first.execute(claim)  # the first request's claim, not yet committed
        started = time.monotonic()
        waiting = http.post(creation.path, json=creation.body, headers=headers)
        waited = time.monotonic() - started
        first.rollback()
        after = http.post(creation.path, json=creation.body, headers=headers)

    if is_postgresql(live_server.database_url):
        assert still_in_progress(waiting), waiting.text
        assert waiting.headers["Retry-After"] == "1"
    else:
        assert (waiting.status_code, waiting.headers["Retry-After"]) == (503, "2"), waiting.text
    assert 5 <= waited < 15
    assert after.status_code == 201, after.text
    assert "Idempotent-Replayed" not in after.headers
    assert live_server.seed(creation.rows) == 1


# A server killed in the middle of a stream of idempotent writes.
STREAM = 200
THREADS = 4
KILL_AFTER_ACKNOWLEDGED = 60


@dataclass
class Stream:
    """What the client knows: the answer to each key, or nothing (the server died)."""

    acknowledged: dict[str, int]
    unanswered: list[str]
    lock: threading.Lock


def send(http: httpx.Client, key: str, headers: dict[str, str]) -> httpx.Response:
    return http.post(
        "/api/v1/encounters", json=ENCOUNTER_BODY, headers=headers | {"Idempotency-Key": key}
    )


def write_keys(
    server: LiveServer, keys: list[str], headers: dict[str, str], stream: Stream
) -> None:
    with server.client() as http:
        for key in keys:
            try:
                answer = send(http, key, headers)
            except httpx.TransportError:
                answer = None
            with stream.lock:
                if answer is not None and answer.status_code == 201:
                    stream.acknowledged[key] = answer.json()["id"]
                else:
                    stream.unanswered.append(key)


def test_a_killed_server_loses_no_acknowledged_write_and_doubles_none(
    database_url: str, tmp_path: Path
) -> None:
    url = sibling_database_url(database_url, "idem_kill")
    with running_server(url, tmp_path) as server:
        supporter = server.seed(lambda s: make_supporter(s, max_encounters_per_month=60))
        headers = server.bearer(f"user:{supporter.user_id}")
        keys = [f"stream-{n}" for n in range(STREAM)]
        stream = Stream(acknowledged={}, unanswered=[], lock=threading.Lock())
        writers = [
            threading.Thread(target=write_keys, args=(server, keys[t::THREADS], headers, stream))
            for t in range(THREADS)
        ]
        for writer in writers:
            writer.start()
        wait_until(lambda: len(stream.acknowledged) >= KILL_AFTER_ACKNOWLEDGED)
        server.kill()
        server.start()
        for writer in writers:
            writer.join()
        assert len(stream.acknowledged) < STREAM, "the kill landed after the stream ended"
        assert stream.unanswered, "the kill cut no write in flight"

        with server.client() as http:
            retried = {key: send(http, key, headers) for key in stream.unanswered}

        assert {key: a.status_code for key, a in retried.items() if a.status_code != 201} == {}
        ids = stream.acknowledged | {key: a.json()["id"] for key, a in retried.items()}
        stored = server.seed(
            lambda s: set(
                s.exec(select(Encounter.id).where(Encounter.supporter_id == supporter.id)).all()
            )
        )
        assert stored == set(ids.values()), "every acknowledged write is there, none twice"
        assert len(stored) == STREAM
        records = server.seed(
            lambda s: count(
                s, IdempotencyRecord, col(IdempotencyRecord.actor) == f"user:{supporter.user_id}"
            )
        )
        assert records == STREAM
        if not is_postgresql(url):
            with server.engine.connect() as connection:
                check = connection.execute(text("PRAGMA integrity_check")).scalars().all()
            assert check == ["ok"]


def wait_until(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the stream stalled before the kill"
        time.sleep(0.01)
