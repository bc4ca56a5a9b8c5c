"""The digital-twin conversation over HTTP: replies from lore, citations, history, quota."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Sequence
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from apicheck import SignedIn, post, sign_up

from service.app import create_app
from service.config import Settings
from service.domain.conversations import COMPOSER, MAX_QUOTE, Entity, Passage, Reply, quote_of

Client = TestClient[web.Request, web.Application]
Headers = dict[str, str]


PATH = "/v1/ghosts/bloody-mary/conversation"
DESCRIPTION = (
    "A spirit said to appear in a darkened bathroom. Her face is pale and her eyes are "
    "hollow.\n\nSome say she was a witch burned long ago."
)
RITUAL = (
    "The girls lit a single candle in the bathroom. They chanted her name three times into "
    "the glass. Then the candle went out, and the glass began to bleed.\n\n"
    "Nobody slept that night"
)


@pytest.fixture
async def mary(client: Client, editor: SignedIn) -> None:
    """Bloody Mary, her story (linked) and an unlinked story that says the same words."""
    await post(
        client,
        "/v1/ghosts",
        editor.headers,
        {
            "slug": "bloody-mary",
            "name": "Bloody Mary",
            "entity_type": "apparition",
            "danger_level": 3,
            "origin": "England",
            "description": DESCRIPTION,
            "characteristics": ["appears in mirrors", "answers to her name"],
            "status": "published",
        },
    )
    story = {"title": "The Ritual", "body": RITUAL, "status": "published"}
    await post(
        client,
        "/v1/stories",
        editor.headers,
        story | {"slug": "the-ritual", "ghosts": [{"slug": "bloody-mary"}]},
    )
    await post(client, "/v1/stories", editor.headers, story | {"slug": "someone-elses-ritual"})
    await post(
        client,
        "/v1/stories",
        editor.headers,
        story | {"slug": "draft-ritual", "status": "draft", "ghosts": [{"slug": "bloody-mary"}]},
    )


async def say(
    client: Client, headers: Headers, message: str, path: str = PATH, status: int = 201
) -> Any:
    response = await client.post(path, json={"message": message}, headers=headers)
    body = await response.json()
    assert response.status == status, body
    if status == 201:
        assert response.headers["Cache-Control"] == "private, no-store"
    return body


async def history(client: Client, headers: Headers, **params: str) -> Any:
    response = await client.get(PATH, params=params, headers=headers)
    body = await response.json()
    assert response.status == 200, body
    assert response.headers["Cache-Control"] == "private, no-store"
    return body


@pytest.mark.usefixtures("mary")
async def test_the_reply_quotes_and_cites_the_linked_story_passage_that_matches(
    client: Client, reader: SignedIn
) -> None:
    exchange = await say(client, reader.headers, "What happens when they chant your name?")
    message, reply = exchange["message"], exchange["reply"]
    assert (message["role"], message["body"], message["citations"]) == (
        "user",
        "What happens when they chant your name?",
        [],
    )
    assert reply["role"] == "ghost"
    first = reply["citations"][0]
    assert first == {
        "source": "story",
        "quote": "They chanted her name three times into the glass.",
        "story_slug": "the-ritual",
        "story_title": "The Ritual",
    }
    assert f"“{first['quote']}”" in reply["body"]
    assert "Bloody Mary" in reply["body"]  # the entity speaks as itself
    # only its own, published stories are lore
    cited = {c["story_slug"] for c in reply["citations"]}
    assert not cited & {"someone-elses-ritual", "draft-ritual"}
    assert reply["created_at"] > message["created_at"]


@pytest.mark.usefixtures("mary")
async def test_characteristics_and_description_are_lore_too(
    client: Client, reader: SignedIn
) -> None:
    reply = (await say(client, reader.headers, "Were you a witch?"))["reply"]
    assert reply["citations"][0] == {
        "source": "lore",
        "quote": "Some say she was a witch burned long ago.",
        "story_slug": None,
        "story_title": None,
    }
    reply = (await say(client, reader.headers, "Mirrors?"))["reply"]
    assert reply["citations"][0]["quote"] == "appears in mirrors"


@pytest.mark.usefixtures("mary")
async def test_with_nothing_matching_the_reply_falls_back_to_the_description_opening(
    client: Client, reader: SignedIn
) -> None:
    reply = (await say(client, reader.headers, "Do you like football?"))["reply"]
    assert [c["quote"] for c in reply["citations"]] == [
        "A spirit said to appear in a darkened bathroom.",
        "Her face is pale and her eyes are hollow.",
    ]
    assert all(c["source"] == "lore" for c in reply["citations"])


@pytest.mark.usefixtures("mary")
async def test_the_same_message_gets_the_same_reply(
    client: Client, reader: SignedIn, conn: asyncpg.Connection
) -> None:
    other = (await sign_up(client, "otto")).headers
    first = (await say(client, reader.headers, "Why the candle?"))["reply"]
    again = (await say(client, reader.headers, "Why the candle?"))["reply"]
    elsewhere = (await say(client, other, "why  the CANDLE?"))["reply"]
    assert first["id"] != again["id"]
    assert first["body"] == again["body"] == elsewhere["body"]
    assert first["citations"] == again["citations"] == elsewhere["citations"]


@pytest.mark.usefixtures("mary")
async def test_history_is_the_users_own_newest_first_in_keyset_pages(
    client: Client, reader: SignedIn, conn: asyncpg.Connection
) -> None:
    for n in range(3):
        await say(client, reader.headers, f"Question {n} about the candle")
    full = await history(client, reader.headers)
    assert full["next_cursor"] is None
    bodies = [(item["role"], item["body"]) for item in full["items"]]
    assert [role for role, _ in bodies] == ["ghost", "user"] * 3
    assert [body for role, body in bodies if role == "user"] == [
        "Question 2 about the candle",
        "Question 1 about the candle",
        "Question 0 about the candle",
    ]

    paged: list[str] = []
    cursor = None
    while True:
        page = await history(
            client, reader.headers, limit="4", **({"cursor": cursor} if cursor else {})
        )
        assert len(page["items"]) <= 4
        paged += [item["id"] for item in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert paged == [item["id"] for item in full["items"]]

    stranger = (await sign_up(client, "sam")).headers
    assert await history(client, stranger) == {"items": [], "next_cursor": None}


async def test_anonymous_callers_get_401(client: Client) -> None:
    for response in (
        await client.get(PATH),
        await client.post(PATH, json={"message": "hello"}),
    ):
        assert response.status == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.usefixtures("mary")
@pytest.mark.parametrize("slug", ["nobody", "Not_A_Slug", "secret-draft"])
async def test_unknown_and_draft_entities_are_404_for_readers(
    client: Client, editor: SignedIn, reader: SignedIn, slug: str
) -> None:
    await post(
        client,
        "/v1/ghosts",
        editor.headers,
        {"slug": "secret-draft", "name": "Secret", "entity_type": "demon", "danger_level": 5},
    )
    path = f"/v1/ghosts/{slug}/conversation"
    assert (await client.get(path, headers=reader.headers)).status == 404
    await say(client, reader.headers, "hello", path=path, status=404)


@pytest.mark.usefixtures("mary")
async def test_editors_may_talk_to_drafts(client: Client, editor: SignedIn) -> None:
    await post(
        client,
        "/v1/ghosts",
        editor.headers,
        {"slug": "secret-draft", "name": "Secret", "entity_type": "demon", "danger_level": 5},
    )
    reply = (
        await say(
            client, editor.headers, "Who are you?", path="/v1/ghosts/secret-draft/conversation"
        )
    )["reply"]
    assert reply["citations"] == []  # no lore at all: the entity still answers
    assert "Secret" in reply["body"]


@pytest.mark.usefixtures("mary")
@pytest.mark.parametrize(
    "body",
    [{}, {"message": ""}, {"message": "  \n "}, {"message": "x" * 2001}, {"message": 3},
     {"message": "hi", "mood": "spooky"}],
)  # fmt: skip
async def test_bad_messages_are_422_and_store_nothing(
    client: Client, reader: SignedIn, body: dict[str, Any]
) -> None:
    response = await client.post(PATH, json=body, headers=reader.headers)
    assert response.status == 422, await response.json()
    assert (await history(client, reader.headers))["items"] == []


@pytest.mark.usefixtures("mary")
async def test_the_longest_message_is_accepted(client: Client, reader: SignedIn) -> None:
    await say(client, reader.headers, "candle " * 285 + "glass")  # 2000 characters


@pytest.fixture
async def stingy(settings: Settings) -> AsyncIterator[Client]:
    """The app with a daily allowance of two conversation messages on every tier."""
    tight = dataclasses.replace(settings, quota_conversation_messages="2,2,2")
    async with TestClient(TestServer(create_app(tight))) as test_client:
        yield test_client


@pytest.mark.usefixtures("mary")
async def test_messages_over_the_daily_quota_are_429_and_not_stored(
    stingy: Client, reader: SignedIn
) -> None:
    await say(stingy, reader.headers, "one")
    await say(stingy, reader.headers, "two")
    problem = await say(stingy, reader.headers, "three", status=429)
    assert problem["type"].endswith("/quota-exceeded")
    assert problem["quota"] == "conversation_messages" and problem["limit"] == 2
    assert [
        i["body"] for i in (await history(stingy, reader.headers))["items"] if i["role"] == "user"
    ] == [
        "two",
        "one",
    ]


class EchoComposer:
    """A stand-in for a language model: anything with `compose` may answer."""

    async def compose(self, entity: Entity, message: str, passages: Sequence[Passage]) -> Reply:
        return Reply(f"{entity.name} heard: {message}", [])


@pytest.mark.usefixtures("mary")
async def test_the_composer_is_replaceable(settings: Settings, reader: SignedIn) -> None:
    app = create_app(settings)
    app[COMPOSER] = EchoComposer()
    async with TestClient(TestServer(app)) as echo:
        reply = (await say(echo, reader.headers, "Boo"))["reply"]
    assert (reply["body"], reply["citations"]) == ("Bloody Mary heard: Boo", [])


def test_long_passages_are_quoted_up_to_a_word_with_an_ellipsis() -> None:
    quote = quote_of("The  glass\nbled " + "and bled " * 60)
    assert len(quote) <= MAX_QUOTE and quote.endswith("bled…")
    assert quote.startswith("The glass bled and")
    assert quote_of("short and sweet") == "short and sweet"
