"""The throttle's rules at their boundaries, on a clock the test sets: windows, growing waits,
known addresses, what each kind of attempt counts against, and the purge of expired rows."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from domain.auth.throttle import (
    Attempt,
    CounterKind,
    ThrottleCounter,
    TooManyAttempts,
    account_wait_seconds,
    claim_attempt,
    client_account,
    email_account,
    purge_expired_throttle_rows,
    record_failure,
    record_success,
)
from domain.columns import utcnow

ACCOUNT = email_account("Jordan@Hospital.example.org ")
HOME = "192.0.2.10"
NEW = "198.51.100.77"


@pytest.fixture
def t0() -> datetime:
    return utcnow()


def claim(db: Session, address: str, now: datetime, *, exists: bool = True) -> Attempt:
    return claim_attempt(db, account=ACCOUNT, address=address, account_exists=exists, now=now)


def fail_from_many(db: Session, count: int, now: datetime) -> None:
    for n in range(count):
        attempt = Attempt.of(ACCOUNT, f"203.0.113.{n}", account_exists=True, per_pair=True)
        record_failure(db, attempt, now=now)


def refusal(db: Session, address: str, now: datetime) -> int:
    with pytest.raises(TooManyAttempts) as refused:
        claim(db, address, now)
    wait = refused.value.retry_after_seconds
    assert wait is not None
    return wait


@pytest.mark.parametrize(
    ("failures", "wait"),
    [(0, 0), (9, 0), (10, 1), (11, 2), (12, 4), (13, 8), (19, 512), (20, 900), (50, 900)],
)
def test_the_account_waits_2_to_the_n_minus_10_seconds_at_most_15_minutes(
    failures: int, wait: int
) -> None:
    assert account_wait_seconds(failures) == wait


def test_emails_are_one_account_whatever_their_case() -> None:
    assert (
        ACCOUNT
        == email_account("jordan@hospital.example.org")
        == "email:jordan@hospital.example.org"
    )
    assert client_account("psc_1") != email_account("psc_1")


def test_a_pair_gets_10_claims_in_15_minutes_from_its_first(db: Session, t0: datetime) -> None:
    for minute in range(10):
        claim(db, NEW, t0 + timedelta(minutes=minute))
    assert refusal(db, NEW, t0 + timedelta(minutes=10)) == 5 * 60
    assert refusal(db, NEW, t0 + timedelta(minutes=15) - timedelta(seconds=1)) == 1
    claim(db, NEW, t0 + timedelta(minutes=15))  # a new window


def test_a_refused_attempt_counts_nothing(db: Session, t0: datetime) -> None:
    fail_from_many(db, 25, t0)
    for _ in range(5):
        refusal(db, NEW, t0)
    account = db.get(ThrottleCounter, (CounterKind.account, ACCOUNT))
    assert account is not None
    assert account.count == 25


def test_the_accounts_count_goes_on_after_its_longest_wait(db: Session, t0: datetime) -> None:
    fail_from_many(db, 25, t0)
    assert refusal(db, NEW, t0 + timedelta(seconds=899)) == 1
    claim(db, NEW, t0 + timedelta(seconds=900))  # the wait is over: one more try...
    # ...but no fresh run of quick tries: the next one waits the longest wait again.
    assert refusal(db, "198.51.100.78", t0 + timedelta(seconds=900)) == 900


def test_the_accounts_failures_are_remembered_until_24_hours_after_the_last(
    db: Session, t0: datetime
) -> None:
    fail_from_many(db, 25, t0)
    claim(db, NEW, t0 + timedelta(hours=24) - timedelta(seconds=1))
    assert refusal(db, "198.51.100.78", t0 + timedelta(hours=24) - timedelta(seconds=1)) == 900


def test_the_accounts_failures_are_forgotten_24_hours_after_the_last(
    db: Session, t0: datetime
) -> None:
    fail_from_many(db, 25, t0)
    claim(db, NEW, t0 + timedelta(hours=24))
    # The claim started a new run: one failure, no wait for the next address.
    claim(db, "198.51.100.78", t0 + timedelta(hours=24))


def test_a_known_address_skips_the_accounts_wait_for_30_days(db: Session, t0: datetime) -> None:
    record_success(db, claim(db, HOME, t0), now=t0)
    day29, day31 = t0 + timedelta(days=29), t0 + timedelta(days=31)
    fail_from_many(db, 25, day29)
    claim(db, HOME, day29)
    assert refusal(db, NEW, day29) == 900
    fail_from_many(db, 25, day31)
    assert refusal(db, HOME, day31) == 900


def test_a_success_takes_its_claim_back_and_forgives_its_pair(db: Session, t0: datetime) -> None:
    fail_from_many(db, 3, t0)
    for _ in range(4):
        claim(db, HOME, t0)
    record_success(db, claim(db, HOME, t0), now=t0)
    counts = {(row.kind, row.key): row.count for row in db.exec(select(ThrottleCounter))}
    assert counts[(CounterKind.pair, f"{ACCOUNT}|{HOME}")] == 0
    assert counts[(CounterKind.account, ACCOUNT)] == 7
    assert counts[(CounterKind.address, HOME)] == 4


@pytest.mark.parametrize(
    ("exists", "per_pair", "kinds"),
    [
        (True, True, ["address", "account", "pair"]),  # a user or a known client id
        (False, True, ["address", "account", "pair"]),  # an email nobody has: the same
        (False, False, ["address"]),  # an unknown client id
    ],
)
def test_what_an_attempt_counts_against(exists: bool, per_pair: bool, kinds: list[str]) -> None:
    attempt = Attempt.of(ACCOUNT, NEW, account_exists=exists, per_pair=per_pair)
    assert [kind for kind, _ in attempt.counter_keys()] == kinds


def test_an_unknown_email_waits_like_a_real_account(db: Session, t0: datetime) -> None:
    """Answering a made-up email differently would tell a guesser which emails exist."""
    for n in range(10):
        claim(db, f"203.0.113.{n}", t0, exists=False)
    with pytest.raises(TooManyAttempts) as refused:
        claim(db, NEW, t0, exists=False)
    assert refused.value.retry_after_seconds == 1


def test_the_purge_removes_expired_counters_and_old_known_addresses(
    db: Session, t0: datetime
) -> None:
    def row(kind: CounterKind, key: str, age: timedelta) -> ThrottleCounter:
        return ThrottleCounter(kind=kind, key=key, count=1, window_start=t0 - age, last_at=t0 - age)

    expired = [
        row(CounterKind.pair, "a|1", timedelta(minutes=15)),
        row(CounterKind.account, "a", timedelta(hours=24)),
        row(CounterKind.address, "1", timedelta(hours=2)),
        row(CounterKind.known, "a|1", timedelta(days=30)),
    ]
    live = [
        row(CounterKind.pair, "b|2", timedelta(minutes=14)),
        row(CounterKind.account, "b", timedelta(hours=24) - timedelta(seconds=1)),
        row(CounterKind.address, "2", timedelta(0)),
        row(CounterKind.known, "b|2", timedelta(days=29)),
    ]
    db.add_all(expired + live)
    db.flush()
    assert purge_expired_throttle_rows(db, t0) == 4
    left = {(row.kind, row.key) for row in db.exec(select(ThrottleCounter))}
    assert left == {(row.kind, row.key) for row in live}
