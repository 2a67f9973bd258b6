"""Access tokens: the only module that makes or checks JWTs (it wraps python-jose).

Tokens are signed with ES256 by the current key of a key ring; previous keys still verify, so
keys rotate without downtime. Checking always passes an explicit algorithm list, picks the key
by `kid` from the ring (never from the token), and requires `exp`, `iat`, `iss`, `aud`, `sub`
and `jti`."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwt
from jose.exceptions import JOSEError

ALGORITHM = "ES256"
ALGORITHMS = [ALGORITHM]
ACCESS_TOKEN_LIFETIME = timedelta(minutes=15)
LEEWAY_SECONDS = 30
# Header fields that would let a token choose its own key: never honoured, always refused.
KEY_CARRYING_HEADERS = frozenset({"jwk", "jku", "x5u", "x5c", "x5t"})
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub", "jti")


class InvalidToken(Exception):
    """Any token that is not one of ours, intact and current. The reason is for logs only."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: str
    public_pem: str


@dataclass(frozen=True)
class KeyRing:
    """The first key signs; every key verifies."""

    keys: tuple[SigningKey, ...]

    @property
    def current(self) -> SigningKey:
        return self.keys[0]

    def public_key(self, kid: str) -> str | None:
        return next((key.public_pem for key in self.keys if key.kid == kid), None)


@dataclass(frozen=True)
class AccessClaims:
    subject: str
    scopes: frozenset[str]
    token_id: str
    expires_at: datetime


def signing_key_from_pem(private_pem: str) -> SigningKey:
    private = serialization.load_pem_private_key(private_pem.encode(), password=None)
    if not isinstance(private, ec.EllipticCurvePrivateKey) or private.curve.name != "secp256r1":
        raise ValueError("JWT keys must be EC P-256 private keys in PEM form")
    public_der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    kid = base64.urlsafe_b64encode(hashlib.sha256(public_der).digest()).decode()[:16]
    return SigningKey(kid=kid, private_pem=private_pem, public_pem=public_pem.decode())


def new_private_key_pem() -> str:
    private = ec.generate_private_key(ec.SECP256R1())
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def key_ring_from_files(paths: list[Path]) -> KeyRing:
    return KeyRing(tuple(signing_key_from_pem(path.read_text()) for path in paths))


def development_key_ring(folder: Path) -> KeyRing:
    """A key generated once under var/ for a laptop; production configures its own."""
    folder.mkdir(parents=True, exist_ok=True)
    key_file = folder / "jwt-signing-key.pem"
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(new_private_key_pem())
    return key_ring_from_files([key_file])


def issue_access_token(
    ring: KeyRing,
    *,
    issuer: str,
    audience: str,
    subject: str,
    scopes: frozenset[str],
    now: datetime,
) -> str:
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "iat": int(now.timestamp()),
        "exp": int((now + ACCESS_TOKEN_LIFETIME).timestamp()),
        "jti": secrets.token_urlsafe(16),
        "scope": " ".join(sorted(scopes)),
    }
    key = ring.current
    token: str = jwt.encode(claims, key.private_pem, algorithm=ALGORITHM, headers={"kid": key.kid})
    return token


def check_access_token(ring: KeyRing, token: str, *, issuer: str, audience: str) -> AccessClaims:
    public_key = _verification_key(ring, token)
    try:
        claims = jwt.decode(
            token,
            public_key,
            algorithms=ALGORITHMS,
            audience=audience,
            issuer=issuer,
            options={"leeway": LEEWAY_SECONDS, **{f"require_{c}": True for c in REQUIRED_CLAIMS}},
        )
    except JOSEError as error:
        raise InvalidToken(str(error)) from None
    return _claims_of(claims)


def _verification_key(ring: KeyRing, token: str) -> str:
    try:
        header = jwt.get_unverified_header(token)
    except JOSEError as error:
        raise InvalidToken(f"malformed token: {error}") from None
    if header.get("alg") not in ALGORITHMS:
        raise InvalidToken(f"algorithm {header.get('alg')!r} is not accepted")
    if KEY_CARRYING_HEADERS & set(header):
        raise InvalidToken("the token names its own key")
    public_key = ring.public_key(str(header.get("kid", "")))
    if public_key is None:
        raise InvalidToken("unknown kid")
    return public_key


def _claims_of(claims: dict[str, Any]) -> AccessClaims:
    scope = claims.get("scope", "")
    if not isinstance(scope, str) or not isinstance(claims["sub"], str):
        raise InvalidToken("malformed claims")
    return AccessClaims(
        subject=claims["sub"],
        scopes=frozenset(scope.split()),
        token_id=str(claims["jti"]),
        expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=UTC),
    )
