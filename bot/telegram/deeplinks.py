"""Subscribe by link: ``t.me/<bot>?start=<payload>`` payloads for countries and topics.

A payload names countries (``c-`` + ISO 3166-1 alpha-2 code) and topics (``t-`` + a
DESIGN §5 slug), joined by ``_``: ``c-MX``, ``t-energy``, ``c-MX_c-KZ_t-economy``. Telegram
passes at most 64 characters of ``A-Za-z0-9_-`` to ``/start``; anything else a client
sends (a hand-edited link, a pasted 4 KB string, SQL, emoji) is refused here by returning
``None`` — the caller then shows the normal welcome, never an error.

Parsing rules, strict where it matters and forgiving where it is harmless: every part
must be a known code or slug (one bad part refuses the whole payload — half a
subscription would surprise the reader more than none); the ``c``/``t`` prefix is lower
case as we generate it; codes and slugs are matched in any letter case (people retype
links); a repeated item counts once.

The ``/links`` listing for admins is formatted here too, with its few Russian strings:
it is the format of these links, as a digest's strings live with ``bot.digest.render``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from bot.digest.render import flag
from bot.nlp.taxonomy import TOPIC_LABELS
from bot.presentation import MAX_MESSAGE_UNITS, telegram_length
from bot.telegram.texts import esc
from storage.models import Subscription, SubscriptionKind

#: Telegram's limit for a ``start`` parameter (Bot API: "up to 64 characters").
MAX_PAYLOAD_CHARS: Final = 64
COUNTRY_PREFIX: Final = "c-"
TOPIC_PREFIX: Final = "t-"
SEPARATOR: Final = "_"

#: What Telegram allows in a start parameter; checked on the whole payload first.
_PAYLOAD_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)
_COUNTRY_PART: Final = re.compile(r"c-([A-Za-z]{2})", re.ASCII)
_TOPIC_PART: Final = re.compile(r"t-([A-Za-z]{1,32})", re.ASCII)
#: Telegram usernames: 5–32 letters, digits and underscores.
_USERNAME_RE: Final = re.compile(r"[A-Za-z0-9_]{5,32}", re.ASCII)

_LINKS_TITLE = "🔗 Ссылки для подписки в одно касание"
_LINKS_HINT = "Нажмите на ссылку, чтобы скопировать. Несколько можно соединить через «_»: {example}"
_LINKS_CONTINUED = "🔗 Ссылки для подписки (продолжение)"
_LINKS_TOPICS = "Темы"
_LINKS_COUNTRIES = "Страны"
_SHARE_TITLE = "🔗 Поделиться подписками — по ссылке подписка в одно касание:"
_SHARE_ALL = "Всё сразу"


@dataclass(frozen=True, slots=True)
class LinkItem:
    """One thing a link subscribes to: a country code (upper case) or a topic slug."""

    kind: SubscriptionKind
    term: str

    @classmethod
    def country(cls, code: str) -> LinkItem:
        return cls(SubscriptionKind.COUNTRY, code.upper())

    @classmethod
    def topic(cls, slug: str) -> LinkItem:
        return cls(SubscriptionKind.TOPIC, slug.lower())

    @classmethod
    def of(cls, subscription: Subscription) -> LinkItem | None:
        """The link item of a country or topic subscription; None for phrases and
        exclusions (a link cannot carry them)."""
        if subscription.kind is SubscriptionKind.COUNTRY:
            return cls.country(subscription.term)
        if subscription.kind is SubscriptionKind.TOPIC:
            return cls.topic(subscription.term)
        return None

    @property
    def part(self) -> str:
        """``c-MX`` or ``t-energy``: this item inside a payload."""
        prefix = COUNTRY_PREFIX if self.kind is SubscriptionKind.COUNTRY else TOPIC_PREFIX
        return prefix + self.term


@functools.cache
def iso_country_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code pycountry knows (the gazetteer's countries).

    Read on first use, not at import: importing this module does nothing.
    """
    import pycountry

    return frozenset(str(country.alpha_2) for country in pycountry.countries)


def parse_start_payload(
    payload: str | None, *, countries: Collection[str] | None = None
) -> list[LinkItem] | None:
    """The items of a ``/start`` payload, in link order without repeats; None when there
    is no payload or it is not entirely valid. Never raises.

    ``payload`` is the text after ``/start`` (aiogram's ``CommandObject.args``),
    surrounding whitespace ignored. ``countries`` are the accepted codes (upper case),
    by default ``iso_country_codes()``; topics are DESIGN §5's slugs.
    """
    if not payload or len(payload) > MAX_PAYLOAD_CHARS + 2:  # cheap bound before strip
        return None
    payload = payload.strip()
    if _PAYLOAD_RE.fullmatch(payload) is None:
        return None
    known = iso_country_codes() if countries is None else countries
    items: dict[LinkItem, None] = {}
    for part in payload.split(SEPARATOR):
        item = _parse_part(part, known)
        if item is None:
            return None
        items[item] = None
    return list(items)


def _parse_part(part: str, countries: Collection[str]) -> LinkItem | None:
    if (match := _COUNTRY_PART.fullmatch(part)) is not None:
        code = match.group(1).upper()
        return LinkItem.country(code) if code in countries else None
    if (match := _TOPIC_PART.fullmatch(part)) is not None:
        slug = match.group(1).lower()
        return LinkItem.topic(slug) if slug in TOPIC_LABELS else None
    return None


def payload_for(items: Iterable[LinkItem]) -> str:
    """The payload for ``items`` (repeats dropped, order kept): ``c-MX_t-energy``.

    Raises ``ValueError`` when there are no items or the payload would exceed
    ``MAX_PAYLOAD_CHARS`` (about twelve items fit); ``fits`` asks first.
    """
    parts = list(dict.fromkeys(item.part for item in items))
    if not parts:
        raise ValueError("a subscription link needs at least one country or topic")
    payload = SEPARATOR.join(parts)
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise ValueError(f"payload of {len(payload)} characters is over {MAX_PAYLOAD_CHARS}")
    return payload


def fits(items: Iterable[LinkItem]) -> bool:
    """Whether ``items`` make one valid payload (non-empty, ≤ 64 characters)."""
    parts = list(dict.fromkeys(item.part for item in items))
    return bool(parts) and len(SEPARATOR.join(parts)) <= MAX_PAYLOAD_CHARS


def link_for(bot_username: str, items: Iterable[LinkItem]) -> str:
    """``https://t.me/<bot>?start=<payload>``; ``bot_username`` with or without "@".

    Raises ``ValueError`` for an invalid username or payload (see ``payload_for``).
    """
    username = bot_username.removeprefix("@")
    if _USERNAME_RE.fullmatch(username) is None:
        raise ValueError(f"not a Telegram username: {bot_username!r}")
    return f"https://t.me/{username}?start={payload_for(items)}"


def links_pages(
    bot_username: str,
    countries: Sequence[tuple[str, str]],
    *,
    topics: Mapping[str, str] = TOPIC_LABELS,
    limit: int = MAX_MESSAGE_UNITS,
) -> list[str]:
    """Admins' ``/links``: a subscription link for every topic and every country, as
    Telegram HTML messages of at most ``limit`` units (split between lines).

    ``countries`` are (code, Russian name) pairs in display order — the gazetteer's
    ``all_countries()``. Each link is in ``<code>`` so a tap copies it.
    """
    example = link_for(bot_username, [LinkItem.country("MX"), LinkItem.topic("energy")])
    header = "\n".join((f"<b>{esc(_LINKS_TITLE)}</b>", esc(_LINKS_HINT.format(example=example))))
    lines: list[str] = [f"\n<b>{esc(_LINKS_TOPICS)}</b>"]
    lines += [
        f"{esc(label)}: <code>{esc(link_for(bot_username, [LinkItem.topic(slug)]))}</code>"
        for slug, label in topics.items()
    ]
    lines.append(f"\n<b>{esc(_LINKS_COUNTRIES)}</b>")
    for code, name in countries:
        mark = flag(code)
        label = f"{mark} {name}" if mark else name
        link = link_for(bot_username, [LinkItem.country(code)])
        lines.append(f"{esc(label)}: <code>{esc(link)}</code>")
    return _pack(header, f"<b>{esc(_LINKS_CONTINUED)}</b>", lines, limit)


def share_block(bot_username: str, subscriptions: Sequence[Subscription]) -> str | None:
    """/subscriptions: a link for each country and topic subscription (each in ``<code>``
    so a tap copies it), and one for all of them when they fit one payload; None when
    there is none (phrases and exclusions cannot travel in a link) or the username is
    not a valid one."""
    items = [(item, s) for s in subscriptions if (item := LinkItem.of(s)) is not None]
    if not items or _USERNAME_RE.fullmatch(bot_username.removeprefix("@")) is None:
        return None
    lines = [esc(_SHARE_TITLE)]
    for item, subscription in items:
        link = link_for(bot_username, [item])
        lines.append(f"{esc(subscription.value)}: <code>{esc(link)}</code>")
    every = [item for item, _ in items]
    if len(every) > 1 and fits(every):
        lines.append(f"{esc(_SHARE_ALL)}: <code>{esc(link_for(bot_username, every))}</code>")
    return "\n".join(lines)


def _pack(header: str, continued: str, lines: Sequence[str], limit: int) -> list[str]:
    """Lines into messages ≤ ``limit`` units, the first under ``header``, the rest under
    ``continued``."""
    pages: list[str] = []
    current = [header]
    for line in lines:
        trial = "\n".join([*current, line])
        if telegram_length(trial) > limit and len(current) > 1:
            pages.append("\n".join(current))
            current = [continued, line.lstrip("\n")]
        else:
            current.append(line)
    pages.append("\n".join(current))
    return pages
