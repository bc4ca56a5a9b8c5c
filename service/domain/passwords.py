"""Passwords (argon2id, hashed off the event loop) and session tokens (random, stored hashed)."""

from __future__ import annotations

import asyncio
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
TOKEN_BYTES = 32  # 256 random bits; only the SHA-256 of a token is stored

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
    lowered = password.lower()
    local_part = email.split("@", 1)[0].lower()
    for own in {username.lower(), email.lower(), local_part}:
        if own and len(own) >= 3 and own in lowered:
            problems.append("must not contain your username or email")
            break
    return problems


def new_token() -> str:
    """A new opaque session token for the client."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> bytes:
    """What the database stores for a token: its SHA-256 digest."""
    return hashlib.sha256(token.encode()).digest()
