"""Search across entities and stories: ranked, highlighted, faceted, with spelling suggestions.

Modes: keyword (full-text), semantic (nearest embeddings of the query's, all-MiniLM-L6-v2) and
hybrid (both rankings fused by reciprocal rank fusion, k=60, in one statement: SearchSemantic
in queries/semantic.sql). With no `mode`, hybrid once any row has an embedding and the model
loaded, else keyword. Rows with no embedding yet are found by their words only.
"""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated, Final, Literal

import msgspec
from aiohttp import web

from service.cache.catalog import TTL_QUERY, Keys
from service.cache.engine import CACHE
from service.config import SETTINGS
from service.domain.embeddings import EMBEDDER, Embedder
from service.store.db import DATABASE, Executor, one_connection
from service.store.queries import search as search_queries
from service.store.queries import semantic as semantic_queries
from service.web.api import Routes, read_query
from service.web.cached import digest, public
from service.web.content import TagList, field_problem, tag_list
from service.web.paging import ListQuery, Position, page_of, position
from service.web.problems import unavailable

routes = Routes(tag="search")

# Tags listed in the facets: the most frequent ones over the whole result set.
TOP_TAGS: Final = 10
MAX_SUGGESTIONS: Final = 5

Kind = Literal["ghost", "story"]
Mode = Literal["keyword", "semantic", "hybrid"]
# Vector candidates per kind, and keyword candidates fused with them, in semantic and hybrid
# modes (an HNSW scan yields at most hnsw.ef_search = 40 rows anyway).
SEMANTIC_CANDIDATES: Final = 40
EntityType = search_queries.GhostEntitiesEntityType
SearchTerms = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=200,
        pattern=r"\S",
        description='web search syntax: words, "quoted phrases", OR, -excluded',
        examples=["bloody mary", '"grey lady" -castle'],
    ),
]
MARKED_HTML = (
    "HTML: the text is escaped (&amp; &lt; &gt; &quot;) and matches are wrapped in "
    "<mark></mark>, the only tags it holds"
)


class SearchQuery(ListQuery, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """What to search for, and in which content."""

    q: SearchTerms
    kind: Literal["ghost", "story", "all"] = "all"
    entity_type: Annotated[
        EntityType | None,
        msgspec.Meta(description="entities of this type only (stories have none)"),
    ] = msgspec.field(default=None, name="type")
    tags: TagList | None = None
    mode: Annotated[
        Mode | None,
        msgspec.Meta(
            description="keyword (full-text), semantic (by meaning: embeddings) or hybrid (both, "
            "fused by reciprocal rank); default hybrid once embeddings exist, else keyword"
        ),
    ] = None


class SearchHit(msgspec.Struct, frozen=True):
    """An entity (name as title) or a story, with its rank and highlighted text."""

    kind: Kind
    id: uuid.UUID
    slug: str
    title: str
    entity_type: EntityType | None
    tags: list[str]
    title_match: Annotated[bool, msgspec.Meta(description="the name or title itself matches")]
    rank: float
    headline: Annotated[str, msgspec.Meta(description=f"the title as {MARKED_HTML}")]
    snippet: Annotated[str, msgspec.Meta(description=f"up to two excerpts as {MARKED_HTML}")]
    similarity: Annotated[
        float | None,
        msgspec.Meta(
            description="semantic and hybrid modes: cosine similarity of the query and the "
            "row's embedding (null: not among the nearest, or not embedded yet)"
        ),
    ] = None


class FacetCount(msgspec.Struct, frozen=True):
    """How many results have one value."""

    value: str
    count: int


class SearchTotal(msgspec.Struct, frozen=True):
    """How many results there are: exactly (eq), or at least `value` (gte) past the count cap."""

    value: int
    relation: Annotated[
        Literal["eq", "gte"],
        msgspec.Meta(description="eq: exactly value; gte: value or more (counting stopped)"),
    ]


class SearchFacets(msgspec.Struct, frozen=True):
    """Counts over the results of the search (not only this page); when the total is a lower
    bound (gte), over the results counted, so each count is a lower bound too."""

    kinds: list[FacetCount]
    entity_types: list[FacetCount]
    tags: Annotated[list[FacetCount], msgspec.Meta(description=f"the {TOP_TAGS} most frequent")]


class SpellingSuggestion(msgspec.Struct, frozen=True):
    """A published name or title spelled like the search."""

    kind: Kind
    slug: str
    title: str
    similarity: float


class SearchResults(msgspec.Struct, frozen=True):
    """One page of results, their total, facets of them all, and suggestions when nothing
    matched. Past the candidate cap only the first matches found are ranked and paged."""

    items: list[SearchHit]
    next_cursor: str | None
    total: SearchTotal
    facets: SearchFacets
    did_you_mean: Annotated[
        list[SpellingSuggestion],
        msgspec.Meta(description="close spellings, when the full-text search found nothing"),
    ]
    mode: Annotated[
        Mode,
        msgspec.Meta(
            description="the mode that answered; in semantic and hybrid modes the results are "
            f"the ranked candidates (up to {SEMANTIC_CANDIDATES} nearest of each kind, plus the "
            "best keyword matches in hybrid), total and kinds count them, and entity_types and "
            "tags are empty"
        ),
    ] = "keyword"


class FusedPosition(Position, frozen=True, tag="fused"):
    """Where a page of semantic or hybrid results ended."""

    score: float
    kind: Kind
    id: uuid.UUID


class SearchPosition(Position, frozen=True, tag="search"):
    """Where a page of search results ended."""

    title_match: bool
    rank: float
    kind: Kind
    id: uuid.UUID


class SearchCaps(msgspec.Struct, frozen=True):
    """How much of a broad search is counted and ranked (SEARCH_COUNT_CAP, _CANDIDATE_CAP)."""

    count: int
    candidates: int


class _FacetRow(msgspec.Struct, frozen=True):
    """One facet bucket as SearchContent's `facets` JSON holds it."""

    facet: str
    bucket: str | None
    matches: int


def _position(hit: SearchHit) -> SearchPosition:
    return SearchPosition(hit.title_match, hit.rank, hit.kind, hit.id)


def _total(row: search_queries.SearchContentRow, cap: int) -> SearchTotal:
    """Each kind was counted up to cap + 1: a count past the cap means "at least"."""
    counted = min(row.ghost_matches, cap) + min(row.story_matches, cap)
    capped = row.ghost_matches > cap or row.story_matches > cap
    return SearchTotal(counted, "gte" if capped else "eq")


def _facets(rows: list[_FacetRow]) -> SearchFacets:
    groups: dict[str, list[FacetCount]] = {"kind": [], "type": [], "tag": []}
    for row in rows:
        if row.bucket is not None:
            groups[row.facet].append(FacetCount(row.bucket, row.matches))
    # kinds and types by count, then value; tags come ordered from the query
    by_count = lambda f: (-f.count, f.value)  # noqa: E731
    return SearchFacets(
        sorted(groups["kind"], key=by_count),
        sorted(groups["type"], key=by_count),
        groups["tag"],
    )


async def search(db: Executor, query: SearchQuery, caps: SearchCaps) -> SearchResults:
    """Run a search: the page, the total and facets, and spelling suggestions when nothing
    matched."""
    async with one_connection(db) as conn:
        return await _search(conn, query, caps)


async def _search(db: Executor, query: SearchQuery, caps: SearchCaps) -> SearchResults:
    after = position(query.cursor, SearchPosition)
    # One round trip: the page, the counts and the facets (SearchContent is always one row).
    row = await search_queries.search_content(
        db,
        query=query.q,
        kind=query.kind,
        tags=tag_list(query.tags),
        entity_type=query.entity_type,
        count_cap=caps.count,
        candidate_cap=caps.candidates,
        after_id=after.id if after else None,
        after_title_match=after.title_match if after else None,
        after_rank=after.rank if after else None,
        after_kind=after.kind if after else None,
        max_rows=query.limit + 1,
        max_tags=TOP_TAGS,
    )
    assert row is not None  # an aggregate-only SELECT always answers one row
    hits = msgspec.convert(row.items, list[SearchHit])
    page = page_of(hits, query.limit, _position)
    total = _total(row, caps.count)
    facets = _facets(msgspec.convert(row.facets, list[_FacetRow]))
    suggestions: list[SpellingSuggestion] = []
    if total.value == 0:
        spelled = await search_queries.suggest_spellings(
            db, query=query.q, kind=query.kind, max_rows=MAX_SUGGESTIONS
        )
        suggestions = [
            msgspec.convert(s, SpellingSuggestion, from_attributes=True) for s in spelled
        ]
    return SearchResults(page.items, page.next_cursor, total, facets, suggestions)


async def search_semantic(
    db: Executor, query: SearchQuery, embedding: list[float], mode: Mode, keyword_cap: int
) -> SearchResults:
    """Run a semantic or hybrid search (one statement) with the query's `embedding`; hybrid
    ranks at most `keyword_cap` keyword matches of each kind (SEARCH_CANDIDATE_CAP)."""
    after = position(query.cursor, FusedPosition)
    rows = await semantic_queries.search_semantic(
        db,
        query=query.q,
        use_keywords=mode == "hybrid",
        kind=query.kind,
        tags=tag_list(query.tags),
        entity_type=query.entity_type,
        candidates=SEMANTIC_CANDIDATES,
        keyword_candidates=keyword_cap,
        embedding=embedding,
        after_id=after.id if after else None,
        after_score=after.score if after else None,
        after_kind=after.kind if after else None,
        max_rows=query.limit + 1,
    )
    hits = [
        msgspec.convert(
            {**msgspec.structs.asdict(row), "rank": row.score}, SearchHit, from_attributes=True
        )
        for row in rows
    ]
    page = page_of(hits, query.limit, lambda hit: FusedPosition(hit.rank, hit.kind, hit.id))
    counts = {"ghost": rows[0].ghost_matches, "story": rows[0].story_matches} if rows else {}
    kinds = sorted(
        (FacetCount(k, n) for k, n in counts.items() if n), key=lambda f: (-f.count, f.value)
    )
    total = SearchTotal(sum(counts.values()), "eq")
    return SearchResults(
        page.items, page.next_cursor, total, SearchFacets(kinds, [], []), [], mode=mode
    )


async def resolve_mode(embedder: Embedder, db: Executor, asked: Mode | None) -> Mode:
    """The mode to answer with: `asked`, or hybrid when embeddings exist, else keyword."""
    if asked is not None:
        if asked != "keyword" and not embedder.available:
            raise unavailable(
                f"semantic search is unavailable ({embedder.error}); use mode=keyword", 60
            )
        return asked
    if embedder.available and await embedder.any_embedded(db):
        return "hybrid"
    return "keyword"


@routes.route("GET", "/v1/search", query=SearchQuery, response=SearchResults, errors=[503])
async def search_content(request: web.Request) -> web.Response:
    """Search published entities and stories together, best matches first, with facets:
    by words, by meaning (semantic) or both (hybrid)."""
    query = read_query(request, SearchQuery)
    if query.entity_type is not None and query.kind == "story":
        raise field_problem("type", "stories have no entity type; use kind=ghost or all")
    embedder = request.app[EMBEDDER]
    mode = await resolve_mode(embedder, request.app[DATABASE].primary, query.mode)
    query = msgspec.structs.replace(query, mode=mode)
    if mode != "keyword":
        db, cache = request.app[DATABASE], request.app[CACHE]

        async def fused() -> SearchResults:
            embedding = await embedder.embed_query(query.q, cache)
            cap = request.app[SETTINGS].search_candidate_cap
            return await search_semantic(db.primary, query, embedding, mode, cap)

        return await public(request, Keys.search(digest(query)), ttl=TTL_QUERY, load=fused)
    # Drafts never appear here, so everyone gets the same answer: cached, with an ETag.
    db, settings = request.app[DATABASE], request.app[SETTINGS]
    caps = SearchCaps(settings.search_count_cap, settings.search_candidate_cap)
    load = partial(search, db.primary, query, caps)
    return await public(request, Keys.search(digest(query)), ttl=TTL_QUERY, load=load)
