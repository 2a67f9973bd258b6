"""The audit chain: what makes the audit trail tamper-evident (DESIGN.md section 3, AuditEvent).

Pure: event content in, hashes and verdicts out. No database, no clock. Sealing (a commit hook,
domain/audit/sealing.py), the migration that sealed the events written before the chain existed,
and `peer-support audit verify` all use these functions, so there is one definition of a hash.

Every sealed event has a place in the chain, `seq` (1, 2, 3, ... without gaps), the hash of the
event before it, `prev_hash` (GENESIS_HASH for seq 1), and its own `hash`: SHA-256 over a
canonical serialization (JSON, sorted keys, no spaces) of its content (`at` in UTC ISO 8601 with
microseconds, `actor`, `action`, `object_type`, `object_id`, `outcome`, `ip`), its `seq` and its
`prev_hash`. The event `id` is not hashed: it is the row's address, `seq` is its place.

The threat we defend against: someone with write access to the database (a stolen backup
restored elsewhere and shipped back, an operator covering their tracks, a bug) changes or
removes past events after disabling the database's refusals (triggers). Then:
- a changed field no longer matches its event's hash;
- a removed event leaves a gap in `seq` (and the next event's `prev_hash` names a hash no event
  has);
- an event inserted between two others needs a `seq` already taken, or renumbering every later
  event;
- an event that was never sealed (written around the sealing hook) has no hash.
What the chain alone cannot show: removal of the newest events (the tail), or the whole trail
rewritten from some point on with freshly computed hashes (the hash has no secret key). Both are
caught by comparing with a head (seq and hash) recorded outside the database earlier, which is
why `verify` prints the head it reached.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64  # the `prev_hash` of the first event


@dataclass(frozen=True)
class EventContent:
    """What an event says; every field is covered by its hash."""

    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str | None
    outcome: str
    ip: str | None


@dataclass(frozen=True)
class Seal:
    seq: int
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class StoredEvent:
    """An event as read back: its row id, its content and its seal (all None if unsealed)."""

    id: int
    content: EventContent
    seq: int | None
    prev_hash: str | None
    hash: str | None


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    verified: int  # events checked before the first break (all of them when intact)
    head: Seal | None  # the last intact event's seal
    first_break: ChainBreak | None


def canonical_at(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("audit events carry timezone-aware times")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(content: EventContent, *, seq: int, prev_hash: str) -> str:
    document = {
        "at": canonical_at(content.at),
        "actor": content.actor,
        "action": content.action,
        "object_type": content.object_type,
        "object_id": content.object_id,
        "outcome": content.outcome,
        "ip": content.ip,
        "seq": seq,
        "prev_hash": prev_hash,
    }
    serialized = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(serialized.encode("utf-8")).hexdigest()


def seal_after(head: Seal | None, contents: Sequence[EventContent]) -> list[Seal]:
    """The seals of new events appended, in the order given, after the chain's `head`."""
    seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    seals = []
    for content in contents:
        seq += 1
        seal = Seal(
            seq=seq, prev_hash=prev_hash, hash=event_hash(content, seq=seq, prev_hash=prev_hash)
        )
        seals.append(seal)
        prev_hash = seal.hash
    return seals


def verify_chain(events: Iterable[StoredEvent]) -> ChainReport:
    """Walk `events` in chain order (sealed ones by seq, then unsealed ones) to the first break."""
    head: Seal | None = None
    verified = 0
    for event in events:
        if event.seq is None or event.prev_hash is None or event.hash is None:
            reason: str | None = "it is not sealed (written around the sealing hook)"
        else:
            seal = Seal(event.seq, event.prev_hash, event.hash)
            reason = break_reason(event.content, seal, head)
        if reason:
            return ChainReport(verified, head, ChainBreak(event.id, reason))
        head = seal
        verified += 1
    return ChainReport(verified, head, None)


def break_reason(content: EventContent, seal: Seal, head: Seal | None) -> str | None:
    """Why an event with this content and seal cannot follow `head`, or None when it does."""
    expected_seq = head.seq + 1 if head else 1
    if seal.seq > expected_seq:
        missing = seal.seq - expected_seq
        return f"seq {seal.seq} follows seq {expected_seq - 1}: {missing} event(s) missing"
    if seal.seq < expected_seq:
        return f"seq {seal.seq} repeats or goes back (expected {expected_seq})"
    expected_prev = head.hash if head else GENESIS_HASH
    if seal.prev_hash != expected_prev:
        return f"its prev_hash does not match the hash of seq {expected_seq - 1}"
    if event_hash(content, seq=seal.seq, prev_hash=seal.prev_hash) != seal.hash:
        return "its content does not match its hash (changed after it was sealed)"
    return None
