"""Password hashing with argon2id (pwdlib's Argon2Hasher uses the argon2id variant)."""

from __future__ import annotations

from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    return PasswordHash((Argon2Hasher(),))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Constant work whether or not there is a hash, so timing does not reveal accounts."""
    if password_hash is None:
        _hasher().verify_and_update(password, _dummy_hash())
        return False
    valid, _ = _hasher().verify_and_update(password, password_hash)
    return valid


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("not-a-real-password-0000")
