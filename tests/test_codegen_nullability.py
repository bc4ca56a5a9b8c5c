"""Nullability rules of the generator, one query each (tests/codegen_cases/queries/nullability.sql).

Each rule is checked on the generated row struct, and the rows PostgreSQL returns for data with
NULLs wherever the schema allows them must fit those types (tests/test_nullability_property.py
does that for every query).
"""

from __future__ import annotations

import decimal
import typing
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from test_codegen import CASES, SCHEMA, generate_package, scratch_database

from service.store.db import JSONValue


@pytest.fixture(scope="module")
async def null(
    pg_server_dsn: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ModuleType]:
    async with scratch_database(pg_server_dsn, SCHEMA) as dsn:
        root: Path = tmp_path_factory.mktemp("gen")
        yield (await generate_package(dsn, CASES / "queries", root))["nullability"]


def fields(struct: Any) -> dict[str, Any]:
    return typing.get_type_hints(struct)


def test_strict_functions(null: ModuleType) -> None:
    assert fields(null.StrictFunctionsRow) == {
        "upper_name": str,  # upper() is STRICT, over a NOT NULL column
        "upper_email": str | None,  # ... over a nullable one
        "name_length": int,
        "lower_name": str,  # lower() of text (lower() of a range may be NULL)
        "user_function": str | None,  # user-defined STRICT functions are not trusted
        "tag_count": int | None,  # array_length() of an empty array is NULL
        "json_field": str | None,  # a missing key
        "regex_match": str | None,  # substring() with no match
        "rating_or_zero": float,  # GREATEST skips NULLs
        "emptied": str | None,  # NULLIF
    }


def test_coalesce_with_a_not_null_argument(null: ModuleType) -> None:
    assert fields(null.CoalesceRuleRow) == {"contact": str, "maybe_contact": str | None}


def test_view_and_materialized_view_columns_follow_their_definitions(null: ModuleType) -> None:
    h = fields(null.ViewColumnsRow)
    assert (h["id"], h["shout"], h["rating"], h["first_title"]) == (
        uuid.UUID,
        str,  # upper() of a NOT NULL column
        float | None,
        str | None,  # a NOT NULL column on the LEFT JOIN side of the view
    )
    assert (h["n"], h["best"]) == (int, float | None)  # count(*) and max() per group


def test_recursive_cte_columns_are_the_union_of_both_branches(null: ModuleType) -> None:
    assert fields(null.RecursiveTreeRow) == {
        "id": int,
        "parent_id": int | None,
        "depth": int,
        "path": str,
    }
    assert fields(null.RecursiveNullableRow) == {"id": int, "label": str | None}


def test_json_builders_and_text_functions(null: ModuleType) -> None:
    assert fields(null.JsonBuildersRow) == {
        "obj": JSONValue,
        "arr": JSONValue,
        "name_json": JSONValue,
        "concatenated": str,  # concat() skips NULLs
        "formatted": str,
    }


def test_generate_series_and_ordinality(null: ModuleType) -> None:
    assert fields(null.SeriesAndOrdinalityRow) == {
        "n": int,  # generate_series of constants
        "tag": str | None,  # unnest: an element may be NULL
        "position": int,  # WITH ORDINALITY
    }


def test_scalar_subqueries(null: ModuleType) -> None:
    assert fields(null.CountSubqueryRow) == {
        "id": uuid.UUID,
        "hauntings": int,  # count(*) subquery: always one row, never NULL
        "best": float | None,
        "a_title": str | None,  # no row is NULL
    }


def test_aggregates_with_and_without_group_by(null: ModuleType) -> None:
    h = fields(null.GroupedAggregatesRow)
    assert (h["id_sum"], h["first_title"], h["small_sum"]) == (
        decimal.Decimal,
        str,
        int | None,
    )
    assert h["ratings"] == list[float]  # array_agg of a group is never NULL itself
    assert h["flagged_sum"] == decimal.Decimal | None  # FILTER may leave a group empty
    assert fields(null.UngroupedAggregatesRow) == {"id_sum": decimal.Decimal | None, "counted": int}


def test_sequences_and_predicates(null: ModuleType) -> None:
    assert fields(null.NextTicketRow) == {"ticket": int}
    assert fields(null.PredicatesRow) == {
        "differs": bool,  # IS DISTINCT FROM is never NULL
        "starts_with_a": bool,
        "email_starts_with_a": bool | None,
        "known_kind": bool,
    }


def test_not_null_inputs_that_still_give_null(null: ModuleType) -> None:
    assert fields(null.NullFromNonNullRow) == {
        "from_json": int | None,
        "json_text": str,
        "formatted": str | None,
        "current_schema_name": str | None,
        "widened": int | None,  # a computed column's type is not known here: it may be JSON
    }
