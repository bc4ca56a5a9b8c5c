"""Demo and synthetic data: `python -m service seed [--clean | --synthetic N]`."""

from __future__ import annotations

import asyncio
import random
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from service.config import ROOT

SEEDS_DIR = ROOT / "db" / "seeds"
DEMO_SEED = SEEDS_DIR / "demo.sql"
DEMO_CLEAN = SEEDS_DIR / "demo_clean.sql"
SYNTHETIC_CLEAN = SEEDS_DIR / "synthetic_clean.sql"
CLEAN_FILES = {
    "demo": (DEMO_CLEAN,),
    "synthetic": (SYNTHETIC_CLEAN,),
    "all": (DEMO_CLEAN, SYNTHETIC_CLEAN),
}

BATCH_SIZE = 10_000
# Synthetic rows are marked by their slugs / usernames / emails so they are easy to find.
SYNTHETIC_PREFIX = "synthetic"
ENTITY_TYPES = (
    "apparition", "poltergeist", "demon", "spirit", "revenant", "banshee",
    "wraith", "shapeshifter", "cryptid", "folk_spirit", "other",
)  # fmt: skip
TAGS = (
    "water", "crossroads", "headless", "woman-in-white", "omen", "mirror", "highway", "castle",
    "child", "forest", "cemetery", "ship", "church", "lantern", "wailing", "shapeshifter",
    "japan", "ireland", "mexico", "england", "scotland", "united-states", "russia", "philippines",
    "night", "fog", "bells", "bridge", "lake", "mountain", "winter", "harvest",
)  # fmt: skip
WORDS = (
    "grey", "pale", "weeping", "silent", "hollow", "drowned", "burning", "whispering", "lost",
    "crooked", "veiled", "howling", "forgotten", "restless", "midnight", "ashen", "bleak",
)  # fmt: skip
NOUNS = (
    "lady", "monk", "sailor", "child", "hound", "rider", "bride", "piper", "widow", "knight",
    "ferryman", "miller", "shepherd", "watcher", "lantern", "wolf", "maiden", "stranger",
)  # fmt: skip
ORIGINS = ("England", "Ireland", "Scotland", "Japan", "Mexico", "USA", "Russia", "Philippines")


async def _run_file(database_url: str, path: Path) -> None:
    text = await asyncio.to_thread(path.read_text)
    connection = await asyncpg.connect(database_url)
    try:
        async with connection.transaction():
            await connection.execute(text)
    finally:
        await connection.close()


async def load(database_url: str) -> int:
    """Load the demo dataset in one transaction; loading it again changes nothing."""
    await _run_file(database_url, DEMO_SEED)
    print(f"demo data loaded from {DEMO_SEED.relative_to(ROOT)}", file=sys.stderr)
    return 0


async def clean(database_url: str, what: str = "demo") -> int:
    """Remove exactly the demo dataset (ids with the seed prefix), the synthetic rows, or both."""
    texts = [await asyncio.to_thread(path.read_text) for path in CLEAN_FILES[what]]
    connection = await asyncpg.connect(database_url)
    try:
        async with connection.transaction():
            for text in texts:
                await connection.execute(text)
    finally:
        await connection.close()
    print(f"{'demo and synthetic' if what == 'all' else what} data removed", file=sys.stderr)
    return 0


def _line_of(text: str, position: object) -> int:
    """The 1-based line of a 1-based character position PostgreSQL reported (1 if none)."""
    try:
        offset = int(str(position)) - 1
    except ValueError:
        return 1
    return text.count("\n", 0, max(offset, 0)) + 1


class CopyColumnsError(RuntimeError):
    """A COPY of the synthetic loader does not fit the schema; names the loader's line."""


async def verify(database_url: str) -> list[str]:
    """Run every db/seeds/*.sql and the synthetic loader's COPYs against the schema of
    `database_url`, each in a transaction that is rolled back; problems as `file:line: ...`."""
    problems: list[str] = []
    connection = await asyncpg.connect(database_url)
    try:
        for path in sorted(SEEDS_DIR.glob("*.sql")):
            text = await asyncio.to_thread(path.read_text)
            transaction = connection.transaction()
            await transaction.start()
            try:
                await connection.execute(text)
            except asyncpg.PostgresError as exc:
                line = _line_of(text, getattr(exc, "position", None))
                problems.append(f"{path.relative_to(ROOT)}:{line}: {type(exc).__name__}: {exc}")
            finally:
                await transaction.rollback()
        transaction = connection.transaction()
        await transaction.start()
        try:
            await _fill(connection, 2, random.Random(1), "verify", quiet=True)  # noqa: S311
        except CopyColumnsError as exc:
            problems.append(str(exc))
        finally:
            await transaction.rollback()
    finally:
        await connection.close()
    return problems


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.done = total, label, 0
        self.started = time.perf_counter()

    def advance(self, count: int) -> None:
        """Record `count` more rows and redraw."""
        self.done += count
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        rate = self.done / max(time.perf_counter() - self.started, 1e-9)
        sys.stderr.write(
            f"\r{self.label:<12} [{'#' * filled}{'.' * (width - filled)}] "
            f"{self.done}/{self.total} ({rate:,.0f}/s)"
        )
        if self.done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


async def _copy(
    connection: asyncpg.Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterator[tuple[Any, ...]],
    total: int,
    *,
    quiet: bool = False,
) -> None:
    # Where this COPY's column list is written, for errors: the caller's line.
    caller = sys._getframe(1)
    where = f"{Path(caller.f_code.co_filename).relative_to(ROOT)}:{caller.f_lineno}"
    progress = None if quiet else Progress(total, table)
    batch: list[tuple[Any, ...]] = []

    async def flush() -> None:
        try:
            await connection.copy_records_to_table(table, records=batch, columns=columns)
        except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise CopyColumnsError(
                f"{where}: COPY into {table} ({', '.join(columns)}): {type(exc).__name__}: {exc}"
            ) from exc
        if progress is not None:
            progress.advance(len(batch))

    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH_SIZE:
            await flush()
            batch = []
    if batch or total == 0:
        await flush()


async def synthetic(
    database_url: str, entities: int, *, seed: int = 1, interactions: bool = True
) -> int:
    """Generate `entities` entities, entities/2 stories, entities/20 users and 2x interactions
    (none with `interactions=False`: search benchmarks read none and load faster)."""
    if entities < 1:
        raise ValueError("--synthetic needs at least 1 entity")
    started = time.perf_counter()
    connection = await asyncpg.connect(database_url)
    try:
        async with connection.transaction():
            await _fill(
                connection,
                entities,
                random.Random(seed),  # noqa: S311
                uuid.uuid4().hex[:8],
                interactions=interactions,
            )
        # COPY leaves GIN entries in the pending list and no statistics; the planner needs both.
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    elapsed = time.perf_counter() - started
    print(
        f"synthetic: {entities} entities in {elapsed:.1f}s ({entities / elapsed:,.0f} entities/s)",
        file=sys.stderr,
    )
    return 0


async def _fill(
    connection: asyncpg.Connection,
    entities: int,
    rng: random.Random,
    run: str,
    *,
    quiet: bool = False,
    interactions: bool = True,
) -> None:
    """COPY the synthetic rows in (inside the caller's transaction)."""
    now = datetime.now(UTC)
    user_ids = [uuid.uuid4() for _ in range(max(1, entities // 20))]
    entity_ids = [uuid.uuid4() for _ in range(entities)]
    story_ids = [uuid.uuid4() for _ in range(entities // 2)]

    def users() -> Iterator[tuple[Any, ...]]:
        for n, user_id in enumerate(user_ids):
            name = f"{SYNTHETIC_PREFIX}_{run}_{n}"
            # Not a valid argon2 hash: synthetic users cannot sign in.
            yield (
                user_id,
                f"{name}@synthetic.ghostypedia.test",
                name,
                f"User {n}",
                "!",
                "reader",
                "free",
            )

    def ghosts() -> Iterator[tuple[Any, ...]]:
        for n, entity_id in enumerate(entity_ids):
            word, noun = rng.choice(WORDS), rng.choice(NOUNS)
            origin = rng.choice(ORIGINS)
            tags = rng.sample(TAGS, rng.randint(2, 6))
            published = now - timedelta(minutes=n)
            yield (
                entity_id,
                f"{SYNTHETIC_PREFIX}-{run}-{word}-{noun}-{n}",
                f"The {word.title()} {noun.title()} {n}",
                rng.choice(ENTITY_TYPES),
                origin,
                f"{word.title()} Hollow",
                rng.choice(("medieval", "victorian", "modern", "ancient")),
                f"A {word} {noun} said to haunt the {word} places of {origin}, "
                f"seen at {rng.choice(TAGS)}.",
                rng.randint(1, 5),
                [f"{word} voice", f"{noun} shape"],
                tags,
                "published",
                published,
            )

    def stories() -> Iterator[tuple[Any, ...]]:
        for n, story_id in enumerate(story_ids):
            word, noun = rng.choice(WORDS), rng.choice(NOUNS)
            yield (
                story_id,
                f"{SYNTHETIC_PREFIX}-{run}-story-{n}",
                f"The night of the {word} {noun}",
                f"A retelling of the {word} {noun}.",
                f"They say the {word} {noun} walks when the fog comes in. " * 5,
                rng.sample(TAGS, 3),
                rng.randint(2, 15),
                "published",
                now - timedelta(minutes=n),
            )

    def links() -> Iterator[tuple[Any, ...]]:
        for n, story_id in enumerate(story_ids):
            yield (story_id, entity_ids[(2 * n) % len(entity_ids)], "featured", 0)

    def interaction_rows() -> Iterator[tuple[Any, ...]]:
        kinds = ("view", "view", "view", "like", "share", "read")
        for _ in range(entities * 2):
            if rng.random() < 0.7 or not story_ids:
                target: tuple[Any, Any] = (rng.choice(entity_ids), None)
            else:
                target = (None, rng.choice(story_ids))
            yield (
                rng.choice(user_ids),
                *target,
                rng.choice(kinds),
                now - timedelta(seconds=rng.randint(0, 2_592_000)),
            )

    await _copy(connection, "users",
                ("id", "email", "username", "display_name", "password_hash", "role", "tier"),
                users(), len(user_ids), quiet=quiet)  # fmt: skip
    await _copy(connection, "ghost_entities",
                ("id", "slug", "name", "entity_type", "origin", "location", "era",
                 "description", "danger_level", "characteristics", "tags", "status",
                 "published_at"),
                ghosts(), entities, quiet=quiet)  # fmt: skip
    await _copy(connection, "stories",
                ("id", "slug", "title", "summary", "body", "tags", "reading_minutes",
                 "status", "published_at"),
                stories(), len(story_ids), quiet=quiet)  # fmt: skip
    await _copy(connection, "story_ghost_entities",
                ("story_id", "ghost_entity_id", "role", "position"),
                links(), len(story_ids), quiet=quiet)  # fmt: skip
    if interactions:
        await _copy(connection, "interactions",
                    ("user_id", "ghost_entity_id", "story_id", "kind", "created_at"),
                    interaction_rows(), entities * 2, quiet=quiet)  # fmt: skip
