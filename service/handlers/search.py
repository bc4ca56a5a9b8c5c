"""Search across entities and stories: ranked, highlighted, faceted, with spelling suggestions."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated, Final, Literal

import msgspec
from aiohttp import web

from service.cache.catalog import TTL_MEDIUM, Keys
from service.store.db import DATABASE, Executor, one_connection
from service.store.queries import search as search_queries
from service.web.api import Routes, read_query
from service.web.cached import digest, public
from service.web.content import TagList, field_problem, tag_list
from service.web.paging import ListQuery, Page, Position, keyset_page, position

routes = Routes(tag="search")

# Tags listed in the facets: the most frequent ones over the whole result set.
TOP_TAGS: Final = 10
MAX_SUGGESTIONS: Final = 5

Kind = Literal["ghost", "story"]
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


class FacetCount(msgspec.Struct, frozen=True):
    """How many results have one value."""

    value: str
    count: int


class SearchFacets(msgspec.Struct, frozen=True):
    """Counts over every result of the search (not only this page)."""

    total: int
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
    """One page of results, facets of them all, and suggestions when nothing matched."""

    items: list[SearchHit]
    next_cursor: str | None
    facets: SearchFacets
    did_you_mean: Annotated[
        list[SpellingSuggestion],
        msgspec.Meta(description="close spellings, when the full-text search found nothing"),
    ]


class SearchPosition(Position, frozen=True, tag="search"):
    """Where a page of search results ended."""

    title_match: bool
    rank: float
    kind: Kind
    id: uuid.UUID


def _position(row: search_queries.SearchContentRow) -> SearchPosition:
    return SearchPosition(row.title_match, row.rank, msgspec.convert(row.kind, Kind), row.id)


def _facets(rows: list[search_queries.SearchFacetsRow]) -> SearchFacets:
    groups: dict[str, list[FacetCount]] = {"kind": [], "type": [], "tag": []}
    total = 0
    for row in rows:
        if row.facet == "total":
            total = row.matches
        elif row.bucket is not None:
            groups[row.facet].append(FacetCount(row.bucket, row.matches))
    # kinds and types by count, then value; tags come ordered from the query
    by_count = lambda f: (-f.count, f.value)  # noqa: E731
    return SearchFacets(
        total,
        sorted(groups["kind"], key=by_count),
        sorted(groups["type"], key=by_count),
        groups["tag"],
    )


async def search(db: Executor, query: SearchQuery) -> SearchResults:
    """Run a search: the page, the facets, and spelling suggestions when nothing matched."""
    async with one_connection(db) as conn:
        return await _search(conn, query)


async def _search(db: Executor, query: SearchQuery) -> SearchResults:
    after = position(query.cursor, SearchPosition)
    tags = tag_list(query.tags)
    rows = await search_queries.search_content(
        db,
        query=query.q,
        kind=query.kind,
        tags=tags,
        entity_type=query.entity_type,
        after_id=after.id if after else None,
        after_title_match=after.title_match if after else None,
        after_rank=after.rank if after else None,
        after_kind=after.kind if after else None,
        max_rows=query.limit + 1,
    )
    page: Page[SearchHit] = keyset_page(rows, query.limit, _position, SearchHit)
    facets = _facets(
        await search_queries.search_facets(
            db,
            query=query.q,
            kind=query.kind,
            tags=tags,
            entity_type=query.entity_type,
            max_tags=TOP_TAGS,
        )
    )
    suggestions: list[SpellingSuggestion] = []
    if facets.total == 0:
        spelled = await search_queries.suggest_spellings(
            db, query=query.q, kind=query.kind, max_rows=MAX_SUGGESTIONS
        )
        suggestions = [
            msgspec.convert(s, SpellingSuggestion, from_attributes=True) for s in spelled
        ]
    return SearchResults(page.items, page.next_cursor, facets, suggestions)


@routes.route("GET", "/v1/search", query=SearchQuery, response=SearchResults)
async def search_content(request: web.Request) -> web.Response:
    """Search published entities and stories together, best matches first, with facets."""
    query = read_query(request, SearchQuery)
    if query.entity_type is not None and query.kind == "story":
        raise field_problem("type", "stories have no entity type; use kind=ghost or all")
    # Drafts never appear here, so everyone gets the same answer: cached, with an ETag.
    db = request.app[DATABASE]
    load = partial(search, db.primary, query)
    return await public(request, Keys.search(digest(query)), ttl=TTL_MEDIUM, load=load)
