"""Password hashing with argon2id (pwdlib's Argon2Hasher uses the argon2id variant)."""

from __future__ import annotations

import os
from functools import lru_cache
from threading import BoundedSemaphore

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

# argon2 is built to take a core's time and 64 MiB for each password. Checking more at once
# than there are cores only makes each take longer, and starves the requests that hold the
# database's lock of CPU (30 sign-ins at once then made other writers time out): the rest wait.
_checks_at_once = BoundedSemaphore(max(1, os.cpu_count() or 1))


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    return PasswordHash((Argon2Hasher(),))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Constant work whether or not there is a hash, so timing does not reveal accounts."""
    with _checks_at_once:
        if password_hash is None:
            _hasher().verify_and_update(password, _dummy_hash())
            return False
        valid, _ = _hasher().verify_and_update(password, password_hash)
        return valid


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("not-a-real-password-0000")
