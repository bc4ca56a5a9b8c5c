"""Examples for the OpenAPI document: one value per request body and response, built from each
schema with realistic values for the field names the API uses (the demo data's, where it has
them), so every operation shows a filled-in example without one written per struct.

tests/test_openapi.py validates every example against its schema.
"""

from __future__ import annotations

import re
from typing import Any

# A cursor as the API hands them out: `["name", "Bloody Mary", "<id>"]` in URL-safe base64.
CURSOR = "WyJuYW1lIiwiQmxvb2R5IE1hcnkiLCI1ZWVkMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDEiXQ"
TIME = "2026-10-31T23:59:00Z"
UUID = "5eed0000-0000-4000-8000-000000000001"

# Values by field name; a value that does not fit a field's schema is not used for it.
FIELDS: dict[str, Any] = {
    "action": "user.deactivate",
    "algorithm": "hybrid",
    "body": "I heard her by the river once.",
    "characteristics": ["appears in mirrors", "summoned by name"],
    "content_type": "ghost",
    "current_password": "lantern-in-the-fog",
    "danger_level": 3,
    "description": "A spirit said to appear in a mirror when her name is called three times.",
    "detail": "no such ghost",
    "display_name": "Ada",
    "email": "ada@example.org",
    "era": "18th century",
    "headline": "<b>Bloody</b> <b>Mary</b> appears in the mirror",
    "instance": "/v1/ghosts/no-such-ghost",
    "ip": "203.0.113.7",
    "key": "digital-twin",
    "kind": "like",
    "location": "United Kingdom",
    "login": "ada",
    "message": "Why do you weep by the river?",
    "name": "Bloody Mary",
    "note": "spam reports",
    "origin": "British folklore",
    "password": "lantern-in-the-fog",
    "percent": 100,
    "position": 5120,
    "quote": "She walked along the river, weeping for her children.",
    "reason": "Because you read The Woman at the River",
    "request_id": "4f9c2d1e8a7b4c3d",
    "slug": "bloody-mary",
    "snippet": "…called her name three times before the <b>mirror</b>…",
    "status": "published",
    "story_slug": "the-woman-at-the-river",
    "story_title": "The Woman at the River",
    "summary": "A weeping woman searches the riverbank at night.",
    "tags": ["mirror", "ritual"],
    "favorite_tags": ["water", "woman-in-white"],
    "title": "The Woman at the River",
    "token": "gJ3sX8q0vWm2LrT6yN1bZ4cF7hK9pQ5e",
    "type": "https://ghostypedia.example/problems/not-found",
    "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
    "username": "ada",
    "value": "bloody mary",
    "next_cursor": CURSOR,
    "cursor": CURSOR,
}
FORMATS = {"date-time": TIME, "uuid": UUID, "date": "2026-10-31", "email": "ada@example.org"}


def _fits(value: Any, schema: dict[str, Any]) -> bool:
    """Whether `value` fits the simple constraints of `schema` (enough to pick a hint)."""
    kind = schema.get("type")
    if isinstance(value, bool):
        return kind == "boolean"
    if isinstance(value, int) and kind in ("integer", "number"):
        return bool(schema.get("minimum", value) <= value <= schema.get("maximum", value))
    if isinstance(value, str) and kind == "string":
        if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
            return False
        if "enum" in schema and value not in schema["enum"]:
            return False
        return "pattern" not in schema or re.search(schema["pattern"], value) is not None
    if isinstance(value, list) and kind == "array":
        items = schema.get("items", {})
        return len(value) <= schema.get("maxItems", len(value)) and all(
            _fits(v, items) for v in value
        )
    return False


def example(schema: dict[str, Any], schemas: dict[str, Any], name: str = "") -> Any:
    """An example value of `schema` (`schemas`: the document's components.schemas)."""
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    if "examples" in schema:
        return schema["examples"][0]
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        hint = FIELDS.get(name)
        return hint if hint in schema["enum"] else schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return example(options[0], schemas, name)
    kind = schema.get("type")
    if name in FIELDS and _fits(FIELDS[name], schema):
        return FIELDS[name]
    if kind == "object":
        properties = schema.get("properties", {})
        return {key: example(value, schemas, key) for key, value in properties.items()}
    if kind == "array":
        return (
            [example(schema.get("items", {}), schemas, name)] if schema.get("maxItems", 1) else []
        )
    if kind == "string":
        if schema.get("format") in FORMATS:
            return FORMATS[schema["format"]]
        if name.endswith("_at"):
            return TIME
        if name == "id" or name.endswith("_id"):
            return UUID
        return "text"[: schema.get("maxLength", 4)].ljust(schema.get("minLength", 0), "x")
    if kind == "integer":
        return max(schema.get("minimum", 1), min(schema.get("maximum", 1), 1))
    if kind == "number":
        return max(schema.get("minimum", 0.5), min(schema.get("maximum", 0.5), 0.5))
    if kind == "boolean":
        return True
    return None
