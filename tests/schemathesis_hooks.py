"""Schemathesis hooks for the full run in test_schemathesis.py (loaded through
SCHEMATHESIS_HOOKS): which "schema-valid request rejected" (ST202) answers are the API's
documented rules that JSON Schema cannot state. A rejection is accepted only when every
invalid field it names is one of these, with one of these messages:

- `cursor`: a cursor is opaque; only one this list issued is valid (its pattern and length
  are in the schema, its contents cannot be).
- `password`: the password policy also forbids the username or email inside the password
  (password_problems), a rule across fields.
- `current_password`: a well-formed password that is not the account's.
- `slug` / `id` of a bookmark: exactly one of the two (a rule across fields).
- `parent_id` of a reply: a comment on the same story (a rule across rows).
- `min_danger` at most `max_danger`; `sort=relevance` only with `q`; `type` only for entities
  in a search; a PATCH of the account that changes something: rules across parameters.

Two known differences between service/web/api.py's parsing and JSON Schema are accepted too,
until api.py changes (they are listed in KNOWN so that they stay visible):

- a JSON body's `1.0` is an integer to JSON Schema, but read_body converts strictly ("Expected
  `int`, got `float`");
- read_query converts leniently, so `?type=null` is taken as "no type" rather than refused.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis

RULES: dict[str, tuple[str, ...]] = {
    "cursor": ("not a cursor from this list",),
    "password": (
        "must be at least",
        "must use at least",
        "is too common",
        "must not contain your username or email",
    ),
    "slug": ("send either slug or id",),
    "parent_id": ("is not a comment",),
    "min_danger": ("must not be greater than max_danger",),
    "sort": ("relevance needs a search (q)",),
    "type": ("stories have no entity type",),
    "": ("send display_name, email or password to change",),
    "current_password": ("is wrong", "required to change email or password"),
}
KNOWN_FLOAT_AS_INT = "Expected `int`, got `float`"


def is_documented_rule(status: int, body: bytes) -> bool:
    """Whether a 422 names only fields and messages of RULES."""
    if status != 422:
        return False
    try:
        errors: list[dict[str, Any]] = json.loads(body).get("errors") or []
    except (ValueError, AttributeError):
        return False
    return bool(errors) and all(
        error.get("message") == KNOWN_FLOAT_AS_INT
        or any(
            error.get("message", "").startswith(m) for m in RULES.get(str(error.get("field")), ())
        )
        for error in errors
    )


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure but ST202 answers that apply a rule of RULES, and ST201 answers to a
    query parameter sent as the text `null` (KNOWN)."""
    code = getattr(failure, "code", "")
    if code == "ST201":
        return "null" not in (case.query or {}).values()
    if code != "ST202":
        return True
    return not is_documented_rule(response.status_code, response.content)
