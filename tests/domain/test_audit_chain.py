"""The audit chain's hash and its verification (pure: domain/audit/chain.py)."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.audit.chain import (
    GENESIS_HASH,
    EventContent,
    StoredEvent,
    event_hash,
    seal_after,
    verify_chain,
)

CONTENT = EventContent(
    at=datetime(2026, 11, 26, 9, 30, 0, 123456, tzinfo=UTC),
    actor="user:12",
    action="user.create",
    object_type="user",
    object_id="34",
    outcome="success",
    ip="203.0.113.9",
)
# The exact bytes hashed, so anyone can recompute an event's hash without this code.
CANONICAL = (
    '{"action":"user.create","actor":"user:12","at":"2026-11-26T09:30:00.123456+00:00",'
    '"ip":"203.0.113.9","object_id":"34","object_type":"user","outcome":"success",'
    f'"prev_hash":"{"0" * 64}","seq":1}}'
)


def chain_of(count: int) -> list[StoredEvent]:
    contents = [
        dataclasses.replace(CONTENT, object_id=str(n), at=CONTENT.at + timedelta(seconds=n))
        for n in range(count)
    ]
    seals = seal_after(None, contents)
    return [
        StoredEvent(id=100 + n, content=content, seq=s.seq, prev_hash=s.prev_hash, hash=s.hash)
        for n, (content, s) in enumerate(zip(contents, seals, strict=True))
    ]


def test_the_hash_is_sha256_of_sorted_compact_json_with_seq_and_prev_hash() -> None:
    expected = hashlib.sha256(CANONICAL.encode()).hexdigest()
    assert event_hash(CONTENT, seq=1, prev_hash=GENESIS_HASH) == expected
    assert expected == "c5104a432a2ee27036a6e215909dc171de85af9d95f27b8769399618967082ab"


def test_the_same_moment_in_another_zone_hashes_the_same() -> None:
    eastern = timezone(timedelta(hours=-5))
    moved = dataclasses.replace(CONTENT, at=CONTENT.at.astimezone(eastern))
    assert event_hash(moved, seq=1, prev_hash=GENESIS_HASH) == event_hash(
        CONTENT, seq=1, prev_hash=GENESIS_HASH
    )


@pytest.mark.parametrize(
    "change",
    [
        {"at": CONTENT.at + timedelta(microseconds=1)},
        {"actor": "user:13"},
        {"action": "user.delete"},
        {"object_type": "supporter"},
        {"object_id": "35"},
        {"object_id": None},
        {"outcome": "failure"},
        {"ip": "203.0.113.10"},
        {"ip": None},
    ],
)
def test_every_field_is_covered_by_the_hash(change: dict[str, object]) -> None:
    changed = dataclasses.replace(CONTENT, **change)  # type: ignore[arg-type]
    assert event_hash(changed, seq=1, prev_hash=GENESIS_HASH) != event_hash(
        CONTENT, seq=1, prev_hash=GENESIS_HASH
    )


def test_the_place_and_the_previous_hash_are_covered_too() -> None:
    first = event_hash(CONTENT, seq=1, prev_hash=GENESIS_HASH)
    assert event_hash(CONTENT, seq=2, prev_hash=GENESIS_HASH) != first
    assert event_hash(CONTENT, seq=1, prev_hash="1" * 64) != first


def test_a_naive_time_is_refused() -> None:
    naive = dataclasses.replace(CONTENT, at=datetime(2026, 11, 26, 9, 30))
    with pytest.raises(ValueError, match="timezone-aware"):
        event_hash(naive, seq=1, prev_hash=GENESIS_HASH)


def test_sealing_continues_after_the_head_in_order() -> None:
    first_three = chain_of(3)
    head = seal_after(None, [e.content for e in first_three])[-1]
    more = seal_after(head, [CONTENT, CONTENT])
    assert [s.seq for s in more] == [4, 5]
    assert more[0].prev_hash == first_three[2].hash
    assert more[1].prev_hash == more[0].hash


def test_an_intact_chain_verifies_every_event_and_names_its_head() -> None:
    events = chain_of(5)
    report = verify_chain(events)
    assert report.first_break is None
    assert report.verified == 5
    assert report.head is not None
    assert (report.head.seq, report.head.hash) == (5, events[4].hash)


def test_an_empty_trail_is_intact() -> None:
    report = verify_chain([])
    assert (report.verified, report.head, report.first_break) == (0, None, None)


def test_a_changed_field_breaks_the_chain_at_that_event() -> None:
    events = chain_of(5)
    forged = dataclasses.replace(events[2].content, outcome="failure")
    events[2] = dataclasses.replace(events[2], content=forged)
    report = verify_chain(events)
    assert report.first_break is not None
    assert report.first_break.event_id == 102
    assert "content does not match its hash" in report.first_break.reason
    assert report.verified == 2


def test_a_removed_event_breaks_the_chain_at_the_next_one() -> None:
    events = chain_of(5)
    del events[2]
    report = verify_chain(events)
    assert report.first_break is not None
    assert report.first_break.event_id == 103
    assert report.first_break.reason == "seq 4 follows seq 2: 1 event(s) missing"


def test_a_removed_event_renumbered_is_caught_by_its_successor_s_prev_hash() -> None:
    events = chain_of(5)
    del events[2]
    events[2] = dataclasses.replace(events[2], seq=3)
    report = verify_chain(events)
    assert report.first_break is not None
    assert report.first_break.event_id == 103
    assert "prev_hash does not match the hash of seq 2" in report.first_break.reason


def test_removing_the_first_event_is_caught() -> None:
    report = verify_chain(chain_of(3)[1:])
    assert report.first_break is not None
    assert report.first_break.event_id == 101
    assert report.first_break.reason == "seq 2 follows seq 0: 1 event(s) missing"


def test_a_repeated_seq_is_caught() -> None:
    events = chain_of(3)
    events.insert(2, events[1])
    report = verify_chain(events)
    assert report.first_break is not None
    assert report.first_break.reason == "seq 2 repeats or goes back (expected 3)"


def test_an_unsealed_event_is_a_break() -> None:
    events = chain_of(2)
    events.append(StoredEvent(id=500, content=CONTENT, seq=None, prev_hash=None, hash=None))
    report = verify_chain(events)
    assert report.first_break is not None
    assert report.first_break.event_id == 500
    assert "not sealed" in report.first_break.reason
    assert report.verified == 2
