"""Slowing down password and secret guessing without locking out the owner.

Threat model: a guesser tries passwords for one account, from one address or from many; or tries
many accounts (made-up or real emails, bogus client ids) from one address. Many honest people
share one address (a hospital's NAT, an integration engine's one egress address), so failures
must slow the guesser, not the owner or the neighbours.

The policy (every number is a constant below; README "Reliability" shows it as a table):
1. Per (account, address): after 10 failures within 15 minutes of the first, that account from
   that address gets 429 until the 15 minutes are over.
2. Per account, across addresses: after its n-th failure (n >= 10) the account accepts the next
   attempt only 2^(n-10) seconds later (1, 2, 4, ... s, at most 15 minutes), answered 429 with
   that Retry-After, never a server-side sleep. The failures are forgotten 24 hours after the
   last one (longer than the longest wait, so a patient guesser stays at one try per 15
   minutes instead of starting over with quick tries once the wait ends). This rule does not
   apply at an address where the account signed in successfully within the last 30 days
   ("a known address"): the owner at their usual workstation or NAT
   still gets in while others guess, held only by rules 1 and 3. From a new address the owner
   waits like the guesser: at most 15 minutes, never a lockout.
3. Per address: after 100 failures within 15 minutes of the first, every attempt from it gets
   429 until the 15 minutes are over.
4. What counts: a wrong password counts in 1, 2 and 3 whether or not the email belongs to
   someone: answering a real account and a made-up email differently would tell a guesser which
   emails exist. (A colleague who gets a guessed email later meets at most 24 hours of growing
   waits, and none at their known addresses.) API clients count per
   client id like accounts; an unknown client id counts only against its address (rule 3), so
   a bogus id never blocks the other clients behind the same address.
5. A success forgives rule 1 for that (account, address) and marks the address known. It does
   not forgive the account's count (rule 2): the owner signing in elsewhere must not hand a
   guesser fresh tries.

Race-free: `claim_attempt` counts the attempt as a failure before the secret is checked, under
a lock on the counter rows (created if missing, locked in one fixed order: address, account,
pair, so two attempts never deadlock): PostgreSQL row locks (SELECT ... FOR UPDATE), SQLite's
write lock that every unit of work takes. Parallel attempts therefore take turns at the counter:
30 parallel wrong passwords for one account get exactly 10 password checks, the rest 429. A
success takes its claim back (`record_success`). The password grant and the page sign-in commit
the claim before running argon2, so no lock is held while the password is checked. Counters
live in the database, so every app instance shares them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, delete, select

from domain.columns import timestamp_column, utcnow
from domain.db import insert_for
from domain.errors import RuleViolation

WINDOW = timedelta(minutes=15)
PAIR_LIMIT = 10
ADDRESS_LIMIT = 100
ACCOUNT_WAITS_FROM = 10  # the 10th failure makes the account wait 2^0 = 1 s
ACCOUNT_MAX_WAIT_SECONDS = 15 * 60
ACCOUNT_MEMORY = timedelta(hours=24)
KNOWN_ADDRESS_LIFETIME = timedelta(days=30)


class CounterKind(StrEnum):
    address = "address"
    account = "account"
    pair = "pair"  # (account, address)
    known = "known"  # an address where the account signed in; `last_at` is that success


class ThrottleCounter(SQLModel, table=True):
    """One counter per (kind, key). `count` failures since `window_start`; `last_at` is the
    latest failure (for `known`, the latest success)."""

    __tablename__ = "auth_throttle"

    kind: str = Field(max_length=16, primary_key=True)
    key: str = Field(max_length=400, primary_key=True)
    count: int = 0
    window_start: datetime = Field(sa_column=timestamp_column())
    last_at: datetime = Field(sa_column=timestamp_column(index=True))


class TooManyAttempts(RuleViolation):
    status_code = 429

    def __init__(self, retry_after: int) -> None:
        if retry_after < 60:
            super().__init__(f"Too many attempts. Try again in {retry_after} s.")
        else:
            minutes = round(retry_after / 60)
            super().__init__(f"Too many attempts. Try again in about {minutes} min.")
        self.retry_after_seconds = retry_after


def email_account(email: str) -> str:
    return f"email:{email.strip().lower()[:320]}"


def client_account(client_id: str) -> str:
    return f"client:{client_id.strip()[:64]}"


@dataclass(frozen=True)
class Attempt:
    """A checked attempt whose counters are locked until the unit of work ends. `account` and
    `pair` are None when it counts per address only (an unknown client id, rule 4)."""

    address: str
    account: str | None
    pair: str | None

    @classmethod
    def of(cls, account: str, address: str, *, account_exists: bool, per_pair: bool) -> Attempt:
        address = address[:45]
        counts_per_account = account_exists or per_pair
        pair = f"{account}|{address}" if counts_per_account else None
        return cls(address=address, account=account if counts_per_account else None, pair=pair)

    def counter_keys(self) -> list[tuple[CounterKind, str]]:
        keys = [(CounterKind.address, self.address)]
        if self.account is not None:
            keys.append((CounterKind.account, self.account))
        if self.pair is not None:
            keys.append((CounterKind.pair, self.pair))
        return keys


def claim_attempt(
    session: Session,
    *,
    account: str,
    address: str,
    account_exists: bool,
    per_pair: bool = True,
    now: datetime | None = None,
) -> Attempt:
    """Count this attempt as a failure before any secret is checked, or raise TooManyAttempts
    (counting nothing). `record_success` takes the claim back. `per_pair=False` counts an
    unknown account against the address only (unknown client ids)."""
    now = now or utcnow()
    attempt = Attempt.of(account, address, account_exists=account_exists, per_pair=per_pair)
    keys = attempt.counter_keys()
    counters = {kind: _locked_counter(session, kind, key, now) for kind, key in keys}
    waits = [_limit_wait(counters[CounterKind.address], ADDRESS_LIMIT, now)]
    if CounterKind.pair in counters:
        waits.append(_limit_wait(counters[CounterKind.pair], PAIR_LIMIT, now))
    if attempt.account and attempt.pair and not _is_known(session, attempt.pair, now):
        waits.append(_account_wait(counters[CounterKind.account], now))
    wait = max(waits)
    if wait:
        raise TooManyAttempts(wait)
    record_failure(session, attempt, now=now)
    return attempt


def record_failure(session: Session, attempt: Attempt, *, now: datetime | None = None) -> None:
    """Count a failure on each of the attempt's counters (the claim does; tests seed with it)."""
    now = now or utcnow()
    for kind, key in attempt.counter_keys():
        counter = _locked_counter(session, kind, key, now)
        if counter.count == 0:
            counter.window_start = now
        counter.count += 1
        counter.last_at = now
        session.add(counter)
    session.flush()


def record_success(session: Session, attempt: Attempt, *, now: datetime | None = None) -> None:
    """Take the claim back, forgive the (account, address) failures and remember the address
    as known (rule 5). The account's other failures stay."""
    now = now or utcnow()
    for kind, key in attempt.counter_keys():
        counter = _locked_counter(session, kind, key, now)
        counter.count = 0 if kind == CounterKind.pair else max(0, counter.count - 1)
        session.add(counter)
    if attempt.pair is not None:
        values = {"kind": CounterKind.known.value, "key": attempt.pair, "count": 0,
                  "window_start": now, "last_at": now}  # fmt: skip
        upsert = insert_for(session, ThrottleCounter).values(**values)
        session.exec(
            upsert.on_conflict_do_update(index_elements=["kind", "key"], set_={"last_at": now})
        )
    session.flush()


def purge_expired_throttle_rows(session: Session, now: datetime) -> int:
    """Delete counters that no longer hold anything back and known addresses past their
    lifetime; returns how many rows went."""
    kind, last_at = col(ThrottleCounter.kind), col(ThrottleCounter.last_at)
    windowed = kind.in_([CounterKind.pair.value, CounterKind.address.value])
    expired = sa.or_(
        sa.and_(windowed, last_at <= now - WINDOW),
        sa.and_(kind == CounterKind.account.value, last_at <= now - ACCOUNT_MEMORY),
        sa.and_(kind == CounterKind.known.value, last_at <= now - KNOWN_ADDRESS_LIFETIME),
    )
    result = session.exec(delete(ThrottleCounter).where(expired))
    return int(result.rowcount or 0)


def _locked_counter(
    session: Session, kind: CounterKind, key: str, now: datetime
) -> ThrottleCounter:
    """The counter row, created if missing and locked until the unit of work ends; a run of
    failures that has expired reads as zero. The upsert creates the row or, when it exists,
    locks it (DO UPDATE takes the row lock where DO NOTHING does not), so a purge deleting it
    at the same moment either waits for this unit of work or ran before the row was made."""
    values = {"kind": kind.value, "key": key, "count": 0, "window_start": now, "last_at": now}
    insert = insert_for(session, ThrottleCounter).values(**values)
    session.exec(
        insert.on_conflict_do_update(
            index_elements=["kind", "key"], set_={"kind": insert.excluded.kind}
        )
    )
    query = (
        select(ThrottleCounter)
        .where(ThrottleCounter.kind == kind.value, ThrottleCounter.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    counter = session.exec(query).one()
    if counter.count and _run_is_over(counter, now):
        counter.count = 0
    return counter


def _run_is_over(counter: ThrottleCounter, now: datetime) -> bool:
    if counter.kind == CounterKind.account:
        return counter.last_at + ACCOUNT_MEMORY <= now
    return counter.window_start + WINDOW <= now


def _limit_wait(counter: ThrottleCounter, limit: int, now: datetime) -> int:
    if counter.count < limit:
        return 0
    return _seconds_until(counter.window_start + WINDOW, now)


def account_wait_seconds(failures: int) -> int:
    """How long the account waits after its n-th failure (rule 2): none below 10, then
    2^(n-10) seconds, at most 15 minutes."""
    if failures < ACCOUNT_WAITS_FROM:
        return 0
    exponent = min(failures - ACCOUNT_WAITS_FROM, 10)  # 2^10 s is past the cap already
    return min(2**exponent, ACCOUNT_MAX_WAIT_SECONDS)


def _account_wait(counter: ThrottleCounter, now: datetime) -> int:
    wait = account_wait_seconds(counter.count)
    return _seconds_until(counter.last_at + timedelta(seconds=wait), now) if wait else 0


def _is_known(session: Session, pair: str, now: datetime) -> bool:
    query = (
        select(ThrottleCounter)
        .where(ThrottleCounter.kind == CounterKind.known.value, ThrottleCounter.key == pair)
        .execution_options(populate_existing=True)
    )
    known = session.exec(query).first()
    return known is not None and known.last_at > now - KNOWN_ADDRESS_LIFETIME


def _seconds_until(moment: datetime, now: datetime) -> int:
    remaining = (moment - now).total_seconds()
    return max(0, math.ceil(remaining))
