"""Hand-made JWTs for testing the token checks: every forgery an attacker might try, built
byte by byte with `cryptography` (not python-jose, which would refuse to make some of them).
Each forgery differs from an honest token in exactly one way, so each proves one check."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from domain.auth.tokens import KeyRing, new_private_key_pem
from domain.columns import utcnow

Signer = Callable[[bytes], bytes]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(value: object) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def jwt_of(header: dict[str, Any], claims: dict[str, Any], sign: Signer | None) -> str:
    signing_input = f"{b64url_json(header)}.{b64url_json(claims)}"
    signature = sign(signing_input.encode()) if sign else b""
    return f"{signing_input}.{b64url(signature)}"


def es_signer(private_key: ec.EllipticCurvePrivateKey, size: int = 32) -> Signer:
    """JWS ECDSA signatures are r || s, fixed width (RFC 7518 section 3.4), not DER."""
    algorithm = hashes.SHA384() if size == 48 else hashes.SHA256()

    def sign(data: bytes) -> bytes:
        r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(algorithm)))
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    return sign


def es256_signer(private_pem: str) -> Signer:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return es_signer(key)


def public_jwk(private_pem: str) -> dict[str, str]:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    numbers = key.public_key().public_numbers()
    x, y = (b64url(n.to_bytes(32, "big")) for n in (numbers.x, numbers.y))
    return {"kty": "EC", "crv": "P-256", "x": x, "y": y}


@dataclass(frozen=True)
class Forger:
    """Tokens for `subject` in the name of a ring's current key."""

    ring: KeyRing
    issuer: str
    audience: str
    subject: str

    @property
    def kid(self) -> str:
        return self.ring.current.kid

    def claims(self, **changes: Any) -> dict[str, Any]:
        """Honest claims; a change to None leaves that claim out."""
        now = int(utcnow().timestamp())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": self.subject,
            "iat": now,
            "exp": now + 900,
            "jti": "forged-token-id",
            "scope": "",
        } | changes
        return {name: value for name, value in claims.items() if value is not None}

    def token(
        self, header: dict[str, Any] | None = None, sign: Signer | None = None, **claims: Any
    ) -> str:
        """An ES256 token signed by the ring's current key unless `header` or `sign` say else."""
        header = {"alg": "ES256", "typ": "JWT", "kid": self.kid} if header is None else header
        return jwt_of(
            header, self.claims(**claims), sign or es256_signer(self.ring.current.private_pem)
        )

    def honest(self) -> str:
        return self.token()


def _alg_none(f: Forger) -> str:
    return jwt_of({"alg": "none", "typ": "JWT", "kid": f.kid}, f.claims(), None)


def _hs256_with_public_key(f: Forger) -> str:
    secret = f.ring.current.public_pem.encode()
    header = {"alg": "HS256", "typ": "JWT", "kid": f.kid}
    return f.token(header, lambda data: hmac.new(secret, data, hashlib.sha256).digest())


def _es384(f: Forger) -> str:
    key = ec.generate_private_key(ec.SECP384R1())
    return f.token({"alg": "ES384", "typ": "JWT", "kid": f.kid}, es_signer(key, size=48))


def _rs256(f: Forger) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    header = {"alg": "RS256", "typ": "JWT", "kid": f.kid}
    return f.token(header, lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256()))


def _flipped_signature_byte(f: Forger) -> str:
    head, payload, signature = f.honest().split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[10] ^= 0x01
    return f"{head}.{payload}.{b64url(bytes(raw))}"


def _another_key_same_kid(f: Forger) -> str:
    return f.token(sign=es256_signer(new_private_key_pem()))


def _payload_swapped(f: Forger) -> str:
    """An honest signature over other claims: a changed subject must break it."""
    head, _, signature = f.honest().split(".")
    return f"{head}.{b64url_json(f.claims(sub='user:999999'))}.{signature}"


def _header_jwk(f: Forger, *, with_kid: bool) -> str:
    attacker = new_private_key_pem()
    header: dict[str, Any] = {"alg": "ES256", "typ": "JWT", "jwk": public_jwk(attacker)}
    if with_kid:
        header["kid"] = f.kid
    return f.token(header, es256_signer(attacker))


def _honest_signature_with_header(name: str, value: object) -> Callable[[Forger], str]:
    """Even a genuine signature does not excuse a header that names its own key."""
    return lambda f: f.token({"alg": "ES256", "typ": "JWT", "kid": f.kid, name: value})


def _claims_a_list(f: Forger) -> str:
    signing_input = f"{b64url_json({'alg': 'ES256', 'kid': f.kid})}.{b64url_json([f.claims()])}"
    signature = es256_signer(f.ring.current.private_pem)(signing_input.encode())
    return f"{signing_input}.{b64url(signature)}"


# name → how to forge it; each one must be refused.
FORGERIES: dict[str, Callable[[Forger], str]] = {
    "alg none": _alg_none,
    "HS256 keyed with the public key PEM": _hs256_with_public_key,
    "ES384, not on the list": _es384,
    "RS256, not on the list": _rs256,
    "a flipped signature byte": _flipped_signature_byte,
    "another P-256 key under the ring's kid": _another_key_same_kid,
    "claims changed under an honest signature": _payload_swapped,
    "expired beyond the leeway": lambda f: f.token(exp=int(utcnow().timestamp()) - 60),
    "missing aud": lambda f: f.token(aud=None),
    "wrong aud": lambda f: f.token(aud="someone-else"),
    "missing iss": lambda f: f.token(iss=None),
    "wrong iss": lambda f: f.token(iss="https://attacker.example"),
    "missing exp": lambda f: f.token(exp=None),
    "missing iat": lambda f: f.token(iat=None),
    "missing jti": lambda f: f.token(jti=None),
    "missing sub": lambda f: f.token(sub=None),
    "sub not a string": lambda f: f.token(sub=1),
    "scope not a string": lambda f: f.token(scope=["admin"]),
    "unknown kid": lambda f: f.token({"alg": "ES256", "typ": "JWT", "kid": "not-in-the-ring"}),
    "missing kid": lambda f: f.token({"alg": "ES256", "typ": "JWT"}),
    "own jwk in the header, with the ring's kid": lambda f: _header_jwk(f, with_kid=True),
    "own jwk in the header, without kid": lambda f: _header_jwk(f, with_kid=False),
    "jku header": _honest_signature_with_header("jku", "https://attacker.example/jwks.json"),
    "x5u header": _honest_signature_with_header("x5u", "https://attacker.example/cert.pem"),
    "x5c header": _honest_signature_with_header("x5c", ["MIIB"]),
    "x5t header": _honest_signature_with_header("x5t", "c29tZS10aHVtYnByaW50"),
    "claims not a JSON object": _claims_a_list,
}

GARBAGE = [
    "",
    "garbage",
    "a.b.c",
    "....",
    "eyJhbGciOiJFUzI1NiJ9..",
    "not-base64!.not-base64!.not-base64!",
    f"{b64url(b'not json')}.{b64url_json({})}.",
    f"{b64url_json(['ES256'])}.{b64url_json({})}.",
    "ünïcödé.tökén.sïg",
]
