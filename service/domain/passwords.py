"""Passwords (argon2id, hashed off the event loop) and session tokens (random, stored hashed)."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# NIST SP 800-63B rev. 4 (2025), 3.1.1.2: at least 15 characters when the password is the only
# authenticator, 8 when it is used with a second factor. This service has no second factor.
MIN_PASSWORD_LENGTH = 15
# A password of fewer different characters ("aaaaaaaaaaaaaaa", "abababababababab") is refused:
# its length says nothing about how hard it is to guess.
MIN_DISTINCT_CHARACTERS = 5
MAX_PASSWORD_LENGTH = 256
TOKEN_BYTES = 32  # 256 random bits; only the SHA-256 of a token is stored
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")  # origin in its header

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# A real hash to verify against when the login is unknown, so timing does not reveal it.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


async def hash_password(password: str) -> str:
    """An argon2id hash of `password`, computed in a worker thread."""
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether `password` matches `stored_hash`; None still costs one verification."""
    try:
        return await asyncio.to_thread(_hasher.verify, stored_hash or _DUMMY_HASH, password) and (
            stored_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def password_problems(password: str, *, email: str, username: str) -> list[str]:
    """Why `password` is not acceptable for this account (empty when it is)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"must be at most {MAX_PASSWORD_LENGTH} characters")
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        problems.append(f"must use at least {MIN_DISTINCT_CHARACTERS} different characters")
    lowered = password.lower()
    if is_common(password):
        problems.append("is too common: it is on a list of passwords attackers try first")
    local_part = email.split("@", 1)[0].lower()
    for own in {username.lower(), email.lower(), local_part}:
        if own and len(own) >= 3 and own in lowered:
            problems.append("must not contain your username or email")
            break
    return problems


def is_common(password: str) -> bool:
    """Whether `password`, ignoring case and spaces, is on the common-password list."""
    lowered = password.lower()
    return lowered in _common_passwords() or "".join(lowered.split()) in _common_passwords()


@functools.cache
def _common_passwords() -> frozenset[str]:
    """The list, read once per process on first use."""
    lines = COMMON_PASSWORDS_FILE.read_text().splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def new_token() -> str:
    """A new opaque session token for the client."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> bytes:
    """What the database stores for a token: its SHA-256 digest."""
    return hashlib.sha256(token.encode()).digest()
