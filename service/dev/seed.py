"""Demo and synthetic data: `python -m service seed [--clean | --synthetic N]`."""

from __future__ import annotations

import random
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from service.config import ROOT

SEEDS_DIR = ROOT / "db" / "seeds"
DEMO_SEED = SEEDS_DIR / "demo.sql"
DEMO_CLEAN = SEEDS_DIR / "demo_clean.sql"

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


async def _run_file(database_url: str, path: Any) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        async with connection.transaction():
            await connection.execute(path.read_text())
    finally:
        await connection.close()


async def load(database_url: str) -> int:
    """Load the demo dataset in one transaction; loading it again changes nothing."""
    await _run_file(database_url, DEMO_SEED)
    print(f"demo data loaded from {DEMO_SEED.relative_to(ROOT)}", file=sys.stderr)
    return 0


async def clean(database_url: str) -> int:
    """Remove exactly the demo dataset (rows whose ids carry the seed prefix)."""
    await _run_file(database_url, DEMO_CLEAN)
    print("demo data removed", file=sys.stderr)
    return 0


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
) -> None:
    progress = Progress(total, table)
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH_SIZE:
            await connection.copy_records_to_table(table, records=batch, columns=columns)
            progress.advance(len(batch))
            batch = []
    if batch or total == 0:
        await connection.copy_records_to_table(table, records=batch, columns=columns)
        progress.advance(len(batch))


async def synthetic(database_url: str, entities: int, *, seed: int = 1) -> int:
    """Generate `entities` entities, entities/2 stories, entities/20 users and 2x interactions."""
    if entities < 1:
        raise ValueError("--synthetic needs at least 1 entity")
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    run = uuid.uuid4().hex[:8]
    now = datetime.now(UTC)
    started = time.perf_counter()
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

    def interactions() -> Iterator[tuple[Any, ...]]:
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

    connection = await asyncpg.connect(database_url)
    try:
        async with connection.transaction():
            await _copy(connection, "users",
                        ("id", "email", "username", "display_name", "password_hash", "role",
                         "tier"),
                        users(), len(user_ids))  # fmt: skip
            await _copy(connection, "ghost_entities",
                        ("id", "slug", "name", "entity_type", "origin", "location", "era",
                         "description", "danger_level", "characteristics", "tags", "status",
                         "published_at"),
                        ghosts(), entities)  # fmt: skip
            await _copy(connection, "stories",
                        ("id", "slug", "title", "summary", "body", "tags", "reading_minutes",
                         "status", "published_at"),
                        stories(), len(story_ids))  # fmt: skip
            await _copy(connection, "story_ghost_entities",
                        ("story_id", "ghost_entity_id", "role", "position"),
                        links(), len(story_ids))  # fmt: skip
            await _copy(connection, "interactions",
                        ("user_id", "ghost_entity_id", "story_id", "kind", "created_at"),
                        interactions(), entities * 2)  # fmt: skip
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
