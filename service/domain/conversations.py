"""The digital twin's voice: replies composed by an entity from passages of its own lore.

`ReplyComposer` is the seam: `LoreComposer` is deterministic and local (templates chosen by the
entity type and a hash of the message, quotes from the retrieved passages); a language model
could implement the same protocol and be set as the app's `COMPOSER`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal, Protocol

import msgspec
from aiohttp import web

# Longest quote taken from one passage, in characters; longer passages are cut at a word.
MAX_QUOTE: Final = 280
# Passages quoted in one reply (the retrieval may offer more).
MAX_QUOTES: Final = 2

Source = Literal["lore", "story"]


@dataclass(frozen=True, slots=True)
class Entity:
    """Who is speaking."""

    slug: str
    name: str
    entity_type: str
    origin: str | None
    location: str | None


@dataclass(frozen=True, slots=True)
class Passage:
    """A piece of the entity's lore; `matched` is false for the description's opening."""

    source: Source
    story_slug: str | None
    story_title: str | None
    text: str
    matched: bool


class Citation(msgspec.Struct, frozen=True):
    """Where a quote in a reply comes from: a story (by slug) or the entity's own lore."""

    source: Source
    quote: str
    story_slug: str | None = None
    story_title: str | None = None


class Reply(msgspec.Struct, frozen=True):
    """A composed reply and the quotes it cites."""

    body: str
    citations: list[Citation]


class ReplyComposer(Protocol):
    """Turns a message and retrieved passages into the entity's reply."""

    async def compose(self, entity: Entity, message: str, passages: Sequence[Passage]) -> Reply:
        """The entity's reply to `message`, citing what it quotes from `passages`."""
        ...


COMPOSER: Final = web.AppKey[ReplyComposer]("twin_composer")


@dataclass(frozen=True, slots=True)
class Voice:
    """Phrases of one kind of entity; `{name}`, `{home}` and `{title}` are filled in."""

    openers: tuple[str, ...]
    story_leads: tuple[str, ...]
    lore_leads: tuple[str, ...]
    unknowing: tuple[str, ...]
    closers: tuple[str, ...]


_LINGERING = Voice(
    openers=(
        "I am {name}, and I remember more than I would like.",
        "You call to {name}? Then listen, while the cold lasts.",
        "So few ask. I am {name}{home}, and I will answer.",
    ),
    story_leads=(
        "In “{title}” they tell it true:",
        "Those who wrote “{title}” saw me clearly:",
        "Read “{title}”, and you will find me there:",
    ),
    lore_leads=(
        "This is what is known of me:",
        "The living wrote this of me:",
        "Remember this about me:",
    ),
    unknowing=(
        "Of that I hold no memory.",
        "That is lost to me, as so much is.",
    ),
    closers=(
        "Now let me fade again.",
        "Do not linger where I linger.",
        "The candle gutters; I must go.",
    ),
)
_RESTLESS = Voice(
    openers=(
        "Ha! {name} hears you. Mind the crockery.",
        "You want answers from {name}? Fine. Catch!",
        "Knock, knock. It is {name}{home}. Who else?",
    ),
    story_leads=(
        "Ask anyone who read “{title}”:",
        "“{title}” got it mostly right:",
        "Go on, look it up in “{title}”:",
    ),
    lore_leads=(
        "Everyone knows this about me:",
        "Here is the bit they always tell:",
        "Write this down before I knock it over:",
    ),
    unknowing=(
        "That? No idea. I was busy slamming doors.",
        "Never heard of it. Ask the pots and pans.",
    ),
    closers=(
        "Now, where did I put your keys?",
        "Bang. That was me.",
        "Leave a light on. I like to switch it off.",
    ),
)
_WAILING = Voice(
    openers=(
        "Hear me, for I am {name}, and my voice carries far.",
        "{name} answers{home}, before the wail rises again.",
        "You ask, and {name} must keen the answer.",
    ),
    story_leads=(
        "Mourners still recite “{title}”:",
        "It is sung in “{title}”:",
        "The lament called “{title}” holds it:",
    ),
    lore_leads=(
        "Thus it is told of me:",
        "This is my sorrow, written down:",
        "Hear what is said of me:",
    ),
    unknowing=(
        "That is not mine to mourn.",
        "No keening carries that word.",
    ),
    closers=(
        "Guard your kin tonight.",
        "When you hear me next, do not answer.",
        "My grief goes on without you.",
    ),
)
_INFERNAL = Voice(
    openers=(
        "You dare question {name}? Very well.",
        "I am {name}{home}. Choose your next words with care.",
        "{name} is listening. That should trouble you.",
    ),
    story_leads=(
        "The fools who wrote “{title}” learned this:",
        "Read “{title}”, if you have the stomach:",
        "“{title}” records what I allowed:",
    ),
    lore_leads=(
        "Mortals wrote this of me:",
        "Know this, and fear it:",
        "This much I permit you to know:",
    ),
    unknowing=(
        "That is beneath my notice.",
        "You ask of nothing I care to answer.",
    ),
    closers=(
        "Now go, before I remember your name.",
        "We will speak again. You will not enjoy it.",
        "Do not call on me lightly.",
    ),
)
_WILD = Voice(
    openers=(
        "Few have seen {name} and told of it. You are asking anyway.",
        "I am {name}{home}, at the edge of what you believe.",
        "{name} hears you from the treeline.",
    ),
    story_leads=(
        "Those who met me wrote “{title}”:",
        "In “{title}” there are tracks of me:",
        "A witness told it in “{title}”:",
    ),
    lore_leads=(
        "This is what the watchers say:",
        "The sightings agree on this:",
        "This is all they have of me:",
    ),
    unknowing=(
        "No one has seen me do that.",
        "There are no tracks of that.",
    ),
    closers=(
        "Look away, and I am gone.",
        "Keep to the path.",
        "You did not see me.",
    ),
)
_FOLK = Voice(
    openers=(
        "Sit, and {name} will tell you the old way.",
        "I am {name}{home}, as your grandmothers knew.",
        "The old folk still speak of {name}. So shall I.",
    ),
    story_leads=(
        "They tell it in “{title}”:",
        "The tale called “{title}” goes:",
        "As “{title}” has it:",
    ),
    lore_leads=(
        "The old saying goes:",
        "This is how it is told:",
        "It is said of me:",
    ),
    unknowing=(
        "The old tales do not speak of that.",
        "No one ever told that tale of me.",
    ),
    closers=(
        "Leave a bowl of milk by the door.",
        "Mind the old ways.",
        "And that is all the tale.",
    ),
)
VOICES: Final[dict[str, Voice]] = {
    "apparition": _LINGERING,
    "spirit": _LINGERING,
    "wraith": _LINGERING,
    "revenant": _LINGERING,
    "poltergeist": _RESTLESS,
    "banshee": _WAILING,
    "demon": _INFERNAL,
    "cryptid": _WILD,
    "shapeshifter": _WILD,
    "folk_spirit": _FOLK,
    "other": _FOLK,
}


def quote_of(text: str, limit: int = MAX_QUOTE) -> str:
    """`text` on one line, cut at a word boundary (with an ellipsis) when over `limit`."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:") + "…"


class _Choices:
    """Deterministic picks from a message digest: the same entity and message, the same reply."""

    def __init__(self, entity: Entity, message: str) -> None:
        # Whitespace and case do not change what was asked, so they do not change the answer.
        normalized = " ".join(message.split()).casefold()
        self._digest = hashlib.sha256(f"{entity.slug}\x00{normalized}".encode()).digest()
        self._next = 0

    def pick(self, options: tuple[str, ...]) -> str:
        """The next option chosen by the digest."""
        byte = self._digest[self._next % len(self._digest)]
        self._next += 1
        return options[byte % len(options)]


class LoreComposer:
    """First-person replies quoting the best passages, with no external service."""

    async def compose(self, entity: Entity, message: str, passages: Sequence[Passage]) -> Reply:
        """The entity's reply to `message`, citing what it quotes from `passages`."""
        voice = VOICES.get(entity.entity_type, _FOLK)
        choose = _Choices(entity, message)
        home = f" of {entity.origin}" if entity.origin else ""
        lines = [choose.pick(voice.openers).format(name=entity.name, home=home)]
        quoted = list(passages[:MAX_QUOTES])
        if not quoted or not quoted[0].matched:
            lines.append(choose.pick(voice.unknowing))
        citations: list[Citation] = []
        for passage in quoted:
            quote = quote_of(passage.text)
            if passage.source == "story" and passage.story_title:
                lead = choose.pick(voice.story_leads).format(title=passage.story_title)
            else:
                lead = choose.pick(voice.lore_leads)
            # a quote without end punctuation still ends its sentence in the reply
            stop = "" if quote.endswith((".", "!", "?", "…")) else "."
            lines.append(f"{lead} “{quote}”{stop}")
            citations.append(
                Citation(passage.source, quote, passage.story_slug, passage.story_title)
            )
        lines.append(choose.pick(voice.closers))
        return Reply(" ".join(lines), citations)


DEFAULT_COMPOSER: Final = LoreComposer()


def composer_of(app: web.Application) -> ReplyComposer:
    """The app's composer: `COMPOSER` when set (say, a language model), else `LoreComposer`."""
    return app.get(COMPOSER, DEFAULT_COMPOSER)
