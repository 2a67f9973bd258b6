"""Access tokens: an honest token round-trips, keys rotate, and every forgery is refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from domain.auth.tokens import (
    ACCESS_TOKEN_LIFETIME,
    AccessClaims,
    InvalidToken,
    KeyRing,
    check_access_token,
    issue_access_token,
    new_private_key_pem,
    signing_key_from_pem,
)
from domain.columns import utcnow
from tests.forged_tokens import FORGERIES, GARBAGE, Forger

ISSUER = "peer-support"
AUDIENCE = "peer-support-api"


def new_ring() -> KeyRing:
    return KeyRing((signing_key_from_pem(new_private_key_pem()),))


RING = new_ring()


def issue(
    ring: KeyRing = RING,
    *,
    expired_ago: timedelta | None = None,
    issuer: str = ISSUER,
    audience: str = AUDIENCE,
) -> str:
    now = utcnow() - ACCESS_TOKEN_LIFETIME - expired_ago if expired_ago else utcnow()
    scopes = frozenset({"reports:read"})
    return issue_access_token(
        ring, issuer=issuer, audience=audience, subject="user:7", scopes=scopes, now=now
    )


def check(token: str, ring: KeyRing = RING) -> AccessClaims:
    return check_access_token(ring, token, issuer=ISSUER, audience=AUDIENCE)


def test_an_issued_token_checks_out_with_its_claims() -> None:
    claims = check(issue())
    assert claims.subject == "user:7"
    assert claims.scopes == {"reports:read"}
    assert abs(claims.expires_at - utcnow() - ACCESS_TOKEN_LIFETIME) < timedelta(seconds=5)


def test_each_token_has_its_own_id() -> None:
    assert check(issue()).token_id != check(issue()).token_id


def test_a_token_of_the_previous_key_verifies_while_the_ring_lists_it_second() -> None:
    old_ring = new_ring()
    token = issue(old_ring)
    rotated = KeyRing((new_ring().current, old_ring.current))
    assert check(token, rotated).subject == "user:7"
    with pytest.raises(InvalidToken):
        check(issue(rotated), old_ring)


def test_a_token_of_a_key_dropped_from_the_ring_is_refused() -> None:
    old_ring = new_ring()
    with pytest.raises(InvalidToken):
        check(issue(old_ring), new_ring())


def test_a_token_expired_within_the_leeway_is_still_accepted() -> None:
    check(issue(expired_ago=timedelta(seconds=10)))


def test_a_token_expired_beyond_the_leeway_is_refused() -> None:
    with pytest.raises(InvalidToken):
        check(issue(expired_ago=timedelta(seconds=45)))


@pytest.mark.parametrize(("issuer", "audience"), [("other", AUDIENCE), (ISSUER, "other")])
def test_a_token_for_another_issuer_or_audience_is_refused(issuer: str, audience: str) -> None:
    with pytest.raises(InvalidToken):
        check(issue(issuer=issuer, audience=audience))


def test_the_hand_made_honest_token_is_accepted() -> None:
    """The forgeries below are this token with one thing changed: each refusal proves one check."""
    check(Forger(RING, ISSUER, AUDIENCE, "user:7").honest())


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
def test_a_forged_token_is_refused(forge: Callable[[Forger], str]) -> None:
    with pytest.raises(InvalidToken):
        check(forge(Forger(RING, ISSUER, AUDIENCE, "user:7")))


@pytest.mark.parametrize("garbage", GARBAGE)
def test_garbage_is_refused(garbage: str) -> None:
    with pytest.raises(InvalidToken):
        check(garbage)
