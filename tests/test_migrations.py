"""Migrations: the committed schema dump is current, and every down undoes its up exactly."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.config import MIGRATIONS_DIR
from service.dev.migrations import SCHEMA_FILE, dbmate, dump_schema, normalized_dump
from service.dev.servers import scratch_database
from service.dev.squawk import up_section

MIGRATIONS = sorted(MIGRATIONS_DIR.glob("*.sql"))


@pytest.fixture
def scratch(pg_server_dsn: str) -> Iterator[str]:
    """An empty database for migrating step by step."""
    with scratch_database(pg_server_dsn, "gp_migrations") as url:
        yield url


def _diff(expected: str, actual: str, label: str) -> str:
    lines = difflib.unified_diff(
        expected.splitlines(), actual.splitlines(), "expected", label, lineterm="", n=2
    )
    return "\n".join(list(lines)[:80])


def test_committed_schema_dump_is_current(scratch: str, tmp_path: Path) -> None:
    dbmate("up", url=scratch)
    actual = dump_schema(scratch, tmp_path / "schema.sql")
    expected = normalized_dump(SCHEMA_FILE.read_text())
    assert actual == expected, "db/schema.sql is stale: run `make migrate` and commit it\n" + _diff(
        expected, actual, "migrated"
    )


def test_each_down_restores_the_previous_schema(scratch: str, tmp_path: Path) -> None:
    steps = tmp_path / "steps"
    steps.mkdir()
    previous = dump_schema(scratch, tmp_path / "0.sql")
    for n, migration in enumerate(MIGRATIONS, start=1):
        (steps / migration.name).symlink_to(migration)
        dbmate("migrate", url=scratch, migrations_dir=steps)
        applied = dump_schema(scratch, tmp_path / f"{n}.sql")
        dbmate("rollback", url=scratch, migrations_dir=steps)
        rolled_back = dump_schema(scratch, tmp_path / f"{n}-down.sql")
        assert rolled_back == previous, f"{migration.name} down does not undo up\n" + _diff(
            previous, rolled_back, "after rollback"
        )
        dbmate("migrate", url=scratch, migrations_dir=steps)
        reapplied = dump_schema(scratch, tmp_path / f"{n}-again.sql")
        assert reapplied == applied, f"{migration.name} differs when re-applied\n" + _diff(
            applied, reapplied, "re-applied"
        )
        previous = applied


@pytest.mark.parametrize("migration", MIGRATIONS, ids=lambda path: path.name)
def test_migration_has_up_and_down_sections(migration: Path) -> None:
    text = migration.read_text()
    body, _ = up_section(text)
    assert body.strip(), "empty up section"
    down = text.split("-- migrate:down", 1)
    assert len(down) == 2 and down[1].strip(), "missing or empty down section"
