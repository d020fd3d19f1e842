"""Password hashes (scrypt) and what a new password must be: at least 10 characters, not
one of the commonest passwords (the 49,233 of zxcvbn's list, MIT, kept from 8 characters,
and common French ones), nor the login itself."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import secrets
from functools import cache
from pathlib import Path

from geo_caisse.core.errors import ValidationError

_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}
MIN_LENGTH = 10
MAX_LENGTH = 200
COMMON = Path(__file__).resolve().parent / "data" / "common_passwords.txt.gz"


@cache
def common_passwords() -> frozenset[str]:
    """The commonest passwords, lower case."""
    with gzip.open(COMMON, "rt", encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip())


def check_new_password(password: object, *, username: str | None = None) -> str:
    """``password`` if a person may choose it; :class:`ValidationError` saying why not."""
    if not isinstance(password, str):
        raise ValidationError("password must be text")
    if len(password) < MIN_LENGTH:
        raise ValidationError(f"password must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise ValidationError(f"password must be at most {MAX_LENGTH} characters")
    low = password.lower()
    if low in common_passwords() or low.rstrip("0123456789!.") in common_passwords():
        raise ValidationError("password is among the commonest passwords: choose another")
    if len(set(low)) < 4:
        raise ValidationError("password repeats too few characters: choose another")
    if username and username.lower() in low:
        raise ValidationError("password must not contain the login")
    return password


def hash_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise ValidationError(f"password must be at least {MIN_LENGTH} characters")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        _, salt, digest = stored.split("$")
    except ValueError:
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    return hmac.compare_digest(candidate.hex(), digest)
