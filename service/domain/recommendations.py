"""Personal recommendations: three signals blended into a stored, expiring list per user.

- content: tag affinity. The tags of what the user viewed, liked, shared, read, bookmarked or
  found helpful, plus their favourite tags, weigh each published item that carries them
  (found with a GIN overlap, `tags && @tags`); entities of a favourite type score more.
- collaborative: people who bookmarked, liked or finished what the user did, and what else
  they bookmarked, liked or finished.
- popular: all-time counters, entities of the user's favourite types first; what a user with
  no signal at all gets, and what fills the list for everyone else.

Every signal skips what the user has seen (viewed, liked, shared, read), bookmarked or
started reading, what they dismissed or found not helpful, and entities outside their
danger range. A refresh replaces the stored
list (an item that stays keeps its id) and the list expires after TTL; `queue_refresh`
queues the `recommendations.refresh` job that runs it in the background.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Final, Literal

from service.jobs import queue as jobs
from service.store.db import Connection, Executor, writer
from service.store.queries import preferences as preference_queries
from service.store.queries import recommendations as queries
from service.store.queries.enums import RecommendationsAlgorithm

KIND: Final = "recommendations.refresh"
# How long a computed list is served before a read queues its refresh.
TTL: Final = datetime.timedelta(hours=6)
# An expired list gets this long while its refresh is queued, so reads queue one refresh.
STALE_GRACE: Final = datetime.timedelta(minutes=5)
LIST_SIZE: Final = 50
CANDIDATES_PER_SIGNAL: Final = 100
TOP_TAGS: Final = 20
# A favourite entity type counts as much as a favourite tag (5, see ListTagAffinities).
TYPE_WEIGHT: Final = 5.0
# How much each signal, scaled to 0..1 within the user's candidates, adds to a score.
SIGNAL_WEIGHTS: Final = {"content": 0.5, "collaborative": 0.35, "popular": 0.15}
# The words after "Because you ..." for what the user did with the item a reason names.
ACTIONS: Final = {
    "read": "read",
    "liked": "liked",
    "shared": "shared",
    "bookmarked": "bookmarked",
    "viewed": "viewed",
    "started": "started reading",
}

Signal = Literal["content", "collaborative", "popular"]
Algorithm = RecommendationsAlgorithm


@dataclass
class Candidate:
    """One item some signal proposes: its share of each signal and the reason each gives."""

    content_type: str
    id: uuid.UUID
    parts: dict[Signal, float] = field(default_factory=dict)
    reasons: dict[Signal, str] = field(default_factory=dict)

    @property
    def score(self) -> float:
        """The blended score."""
        return sum(SIGNAL_WEIGHTS[signal] * part for signal, part in self.parts.items())

    @property
    def algorithm(self) -> Algorithm:
        """Which signals it came from: 'hybrid' when both personal signals agree."""
        personal = [s for s in ("content", "collaborative") if self.parts.get(s, 0.0) > 0]
        if len(personal) == 2:
            return "hybrid"
        if personal == ["content"]:
            return "content"
        if personal == ["collaborative"]:
            return "collaborative"
        return "popular"

    @property
    def reason(self) -> str:
        """The reason of the personal signal that adds most, else the popularity one."""
        personal: list[Signal] = [s for s in ("content", "collaborative") if s in self.reasons]
        if personal:
            best = max(personal, key=lambda s: SIGNAL_WEIGHTS[s] * self.parts.get(s, 0.0))
            return self.reasons[best]
        return self.reasons.get("popular", "Popular on Ghostypedia")


def _type_name(entity_type: str) -> str:
    return entity_type.replace("_", " ")


def _content_reason(row: queries.ListContentCandidatesRow) -> str:
    if row.source_title is not None and row.source_action in ACTIONS:
        return f"Because you {ACTIONS[row.source_action]} {row.source_title}"
    # Only favourite tags brought it: nothing the user did shares its tags.
    return "Matches your interest in " + ", ".join(row.matched_tags[:2])


def blend(
    content: list[queries.ListContentCandidatesRow],
    collaborative: list[queries.ListCollaborativeCandidatesRow],
    popular: list[queries.ListPopularCandidatesRow],
) -> list[Candidate]:
    """The candidates of all signals, each signal scaled to 0..1, best blended score first."""
    found: dict[uuid.UUID, Candidate] = {}

    def candidate(content_type: str, content_id: uuid.UUID) -> Candidate:
        return found.setdefault(content_id, Candidate(content_type, content_id))

    top = max((row.score for row in content), default=0.0)
    for row in content:
        item = candidate(row.content_type, row.id)
        item.parts["content"] = row.score / top if top > 0 else 0.0
        item.reasons["content"] = _content_reason(row)
    top = max((peer.score for peer in collaborative), default=0.0)
    for peer in collaborative:
        item = candidate(peer.content_type, peer.id)
        item.parts["collaborative"] = peer.score / top if top > 0 else 0.0
        item.reasons["collaborative"] = (
            f"People who enjoyed {peer.anchor_title} also liked this"
            if peer.anchor_title is not None
            else "Liked by readers like you"
        )
    # By rank rather than by count: content nobody has touched yet still comes in order.
    for rank, hit in enumerate(popular):
        item = candidate(hit.content_type, hit.id)
        item.parts["popular"] = 1.0 - rank / len(popular)
        item.reasons["popular"] = (
            f"Popular in {_type_name(hit.entity_type)}"
            if hit.favorite and hit.entity_type is not None
            else "Popular on Ghostypedia"
        )
    return sorted(found.values(), key=lambda item: (-item.score, item.id))


async def refresh(conn: Connection, user_id: uuid.UUID, *, only_if_empty: bool = False) -> int:
    """Recompute and store the user's list in the caller's transaction; how many were stored."""
    await queries.lock_recommendations(conn, user_id=user_id)
    if await queries.get_recommendation_user(conn, user_id=user_id) is None:
        return 0
    if only_if_empty:
        # A concurrent first read may have computed the list while this one waited.
        stored = await queries.count_recommendations(conn, user_id=user_id)
        if stored is not None and stored.stored > 0:
            return 0
    profile = await preference_queries.get_preferences(conn, user_id=user_id)
    favorite_types = list(profile.favorite_entity_types) if profile else []
    favorite_tags = list(profile.favorite_tags) if profile else []
    min_danger, max_danger = (profile.min_danger, profile.max_danger) if profile else (1, 5)
    exclusions = await queries.get_recommendation_exclusions(conn, user_id=user_id)
    excluded = exclusions.ids if exclusions is not None else []

    affinities = await queries.list_tag_affinities(
        conn, user_id=user_id, favorite_tags=favorite_tags, max_rows=TOP_TAGS
    )
    content = (
        await queries.list_content_candidates(
            conn,
            user_id=user_id,
            tags=[row.tag for row in affinities],
            weights=[row.weight for row in affinities],
            favorite_types=favorite_types,
            min_danger=min_danger,
            max_danger=max_danger,
            excluded_ids=excluded,
            type_weight=TYPE_WEIGHT,
            max_rows=CANDIDATES_PER_SIGNAL,
        )
        if affinities
        else []
    )
    collaborative = await queries.list_collaborative_candidates(
        conn,
        user_id=user_id,
        excluded_ids=excluded,
        min_danger=min_danger,
        max_danger=max_danger,
        max_rows=CANDIDATES_PER_SIGNAL,
    )
    popular = await queries.list_popular_candidates(
        conn,
        favorite_types=favorite_types,
        min_danger=min_danger,
        max_danger=max_danger,
        excluded_ids=excluded,
        max_rows=CANDIDATES_PER_SIGNAL,
    )
    chosen = blend(content, collaborative, popular)[:LIST_SIZE]
    saved = await queries.save_recommendations(
        conn,
        user_id=user_id,
        content_types=[item.content_type for item in chosen],
        ids=[item.id for item in chosen],
        scores=[item.score for item in chosen],
        reasons=[item.reason for item in chosen],
        algorithms=[item.algorithm for item in chosen],
        ttl=TTL,
    )
    return saved.saved if saved is not None else 0


async def queue_refresh(db: Executor, user_id: uuid.UUID) -> bool:
    """Queue a refresh of the user's list unless one is queued; pass the transaction's conn."""
    # The primary: a replica may not show a job queued a moment ago.
    if await queries.get_queued_recommendation_refresh(writer(db), user_id=user_id) is not None:
        return False
    await jobs.enqueue(db, KIND, {"user_id": str(user_id)})
    return True


@jobs.handler(KIND)
async def refresh_job(payload: jobs.Payload, conn: Connection) -> None:
    """Recompute one user's recommendations (payload: {"user_id": "<uuid>"})."""
    raw = payload.get("user_id")
    try:
        user_id = uuid.UUID(raw) if isinstance(raw, str) else None
    except ValueError:
        user_id = None
    if user_id is None:
        raise jobs.PermanentJobError(f"{KIND} needs a user_id UUID, got {raw!r}")
    await refresh(conn, user_id)
