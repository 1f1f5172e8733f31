"""Prominence: which of the countries mentioned in a release it is about (``data/README.md``).

Every mention gets a weight — its kind (a name says more than an adjective, more than a
city), its position (title, lead, body) and its role in the sentence: a venue («соревнования
прошли в Китае»), background geography («граничит с Угандой»), a member of a list of
participants («туристы из России, Турции и Китая», «послы Германии, Франции …») count little;
a counterpart («посол Казахстана в США») or a state acting («власти Эстонии», «посольство
Литвы заявило») counts more, and so does every state in a list that a concrete measure
(an expulsion, a visa regime, credentials) concerns. Countries above a threshold are
"about"; the issuer's own country is kept from any mention (``bot.nlp.issuer``).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from bot.nlp import issuer
from bot.nlp.country_forms import CountryMention, tokens

if TYPE_CHECKING:
    from bot.nlp.countries import CountryGazetteer
    from bot.nlp.morph import Morphology

#: How much one mention counts, by kind: a name is the clearest statement that a release is
#: about a country; an adjective («мексиканская сторона») nearly as clear, as is a region or
#: a state company standing for its state; a city is often only the venue or the dateline.
KIND_WEIGHTS: Final[dict[str, float]] = {
    "name": 1.0,
    "abbreviation": 1.0,
    "adjective": 0.7,
    "region": 0.7,
    "company": 0.7,
    "city": 0.35,
}
#: Position weights: the title states what a release is about; the lead (dateline and first
#: sentence) introduces the parties; the rest also carries passing mentions.
TITLE_WEIGHT: Final[float] = 3.0
LEAD_WEIGHT: Final[float] = 2.0
BODY_WEIGHT: Final[float] = 1.0
#: The lead is the first characters of the body: dateline plus first sentence in news style.
#: Counted in characters because datelines («Астана. 10 февраля.») defeat sentence splitting.
LEAD_CHARS: Final[int] = 300
#: A country counts as "substantively about" from this score: two name mentions in the
#: body, one in the lead, or one in the title; a single passing mention (1.0) does not.
MIN_SCORE: Final[float] = 1.9
#: … and only when it is not dwarfed by the main country: a list of many names mentioned
#: in passing by a release about one relationship stays out.
MIN_SHARE_OF_TOP: Final[float] = 0.12
#: The issuer's own country is counted from any mention ("including the issuing
#: institution's own country"), even a city («в Ташкенте»).
MIN_HOME_SCORE: Final[float] = 0.3
#: A counterpart, a state acting, or a state a measure concerns is substantive even when it
#: occurs once in the body: the factor lifts one body mention (1.0) over MIN_SCORE.
CONTEXT_BOOST: Final[float] = 2.0
#: Participants in a list, venues and background geography are present, not "about".
PRESENT_FACTOR: Final[float] = 0.4

#: Background geography («граничит с Угандой») says nothing of what the release is about.
BACKGROUND_WEIGHT: Final[float] = 0.2

#: Kinds whose mention after an institution's title names the issuer («МИД России», «РК»,
#: «акимат Костаная»); an adjective or a company there is usually the other side.
_VOTING_KINDS: Final[frozenset[str]] = frozenset({"name", "abbreviation", "city"})

#: «[.!?…]\s+|\n», written to open with one class so that the engine skips to those
#: characters (an alternation of a class and a letter is tried at every position).
_SENTENCE_BREAK_RE: Final[re.Pattern[str]] = re.compile(r"[.!?…\n](?:(?<=[.!?…])\s+|(?<=\n))")

#: How many characters before a mention are read for its role.
_CONTEXT_CHARS: Final[int] = 140
#: What may stand between two countries of a list.
#: Dashes are not list glue: «Туркменистан – Узбекистан – Китай» is a route, «Латвия –
#: Казахстан» a pair's name.
_LIST_GLUE_RE: Final[re.Pattern[str]] = re.compile(r"\s*(?:,|и|,?\s*а также)\s*")
#: Lemmas just before a list that make its members participants, not subjects: guests and
#: tourists from them, their embassies, envoys and teams.
_PARTICIPANT_CUES: Final[frozenset[str]] = frozenset(
    {"из", "посольство", "посол", "команда", "сборная", "спортсмен", "гость", "турист"}
)
#: Words of a concrete measure: every state in the sentence's list is concerned by it.
_MEASURE_RE: Final[re.Pattern[str]] = re.compile(
    r"высыл|выслать|высланы|депорт|персон\w* нон|визов|безвиз|санкц|запрет|эмбарго"
    r"|верительн|аккредит|отзыв\w* посла",
    re.IGNORECASE,
)
#: Every match of ``_MEASURE_RE`` holds one of these stems (case-folded). Keep in step.
_MEASURE_STEMS_RE: Final[re.Pattern[str]] = re.compile(
    "высл|высыл|депорт|персон|визов|безвиз|санкц|запрет|эмбарго|верительн|аккредит|отзыв"
)


def _names_measure(sentence: str) -> bool:
    """True when ``sentence`` names a concrete measure (``_MEASURE_RE``). The stems are
    looked for first: an IGNORECASE alternation is tried at every position of the text,
    and most sentences have none of them. (``casefold``, not ``lower``: it also maps the
    letter variants IGNORECASE matches.)"""
    return bool(_MEASURE_STEMS_RE.search(sentence.casefold()) and _MEASURE_RE.search(sentence))


#: Event words before «в X»: the country is where something happened.
_VENUE_EVENTS: Final[frozenset[str]] = frozenset(
    {"визит", "поездка", "конференция", "саммит", "форум", "сессия", "заседание", "участие"}
)
_VENUE_VERBS: Final[frozenset[str]] = frozenset(
    {"пройти", "проходить", "состояться", "проводиться", "прилететь", "находиться"}
)
#: Background geography: «граничит с Угандой», «на границе с Афганистаном», «соседние …».
_BACKGROUND_CUES: Final[frozenset[str]] = frozenset(
    {"граница", "граничить", "соседний", "сосед", "приграничный", "омывать"}
)
#: «в регионе … (Indonesia)» etc.: a bracketed country after a place name only locates it.
_IN: Final[frozenset[str]] = frozenset({"в", "во"})


@dataclass(frozen=True, slots=True)
class CountryResult:
    """Countries a text is about, most prominent first, with the primary counterpart."""

    countries: tuple[str, ...]
    primary: str | None
    scores: dict[str, float]


def detect_countries(
    gazetteer: CountryGazetteer,
    morph: Morphology,
    *,
    title: str | None,
    body: str,
    publisher_country: str | None,
    url_country: str | None = None,
    opening: str | None = None,
    language: str = "ru",
) -> CountryResult:
    """The countries a release is about and its primary counterpart (see the module doc).

    ``publisher_country`` is the source's declared country, ``url_country`` the one its
    web address suggests, ``opening`` the raw top of the text (where a dateline stands;
    the body is used when None). ``language`` selects the name tables ("ru", "kk", "en").
    """
    title_text = (title or "").strip()
    body = _strip_title_repeats(title_text, body)
    press = publisher_country or url_country
    scores: dict[str, float] = defaultdict(float)
    votes: dict[str, float] = defaultdict(float)
    first_named: str | None = None
    for part, text in (("title", title_text), ("body", body)):
        found = gazetteer.mentions(text, publisher_country=press, language=language)
        lists = _lists(text, found, morph)
        attributions = issuer.attribution_ranges(text) if part == "body" else []
        window = _Window(text, morph) if found else None
        for index, mention in enumerate(found):
            position = (
                TITLE_WEIGHT
                if part == "title"
                else LEAD_WEIGHT
                if mention.start < LEAD_CHARS
                else BODY_WEIGHT
            )
            assert window is not None  # found is not empty here
            context, after = window.around(mention)
            role = _role(text, mention, context)
            if role == "outlet":
                continue
            if mention.kind in _VOTING_KINDS:
                vote = issuer.cue_vote(context)
            elif mention.kind == "adjective":
                vote = issuer.adjective_vote(context, after)
            elif mention.kind == "company" and position > BODY_WEIGHT:
                # «заявил генеральный директор CNPC»: a state company speaking in the lead.
                vote = 1.0 if issuer.speaker_factor(context, after) > 1.0 else 0.0
            else:
                vote = 0.0
            if vote and position > BODY_WEIGHT:
                vote *= issuer.speaker_factor(context, after)
            weight = KIND_WEIGHTS[mention.kind] * position
            if vote and mention.kind == "city":
                weight = KIND_WEIGHTS["name"] * position  # «власти Бишкека»: the state acts
            if role == "venue":
                weight = min(weight, KIND_WEIGHTS["city"] * position)
            elif role == "background":
                weight = BACKGROUND_WEIGHT * position
            elif context[-1:] == ["из"] and part == "body":
                weight *= PRESENT_FACTOR  # «гости из Таджикистана»: where people come from
            elif index in lists:
                weight *= lists[index]
            elif role == "counterpart" or (vote and part == "body"):
                weight *= CONTEXT_BOOST
            scores[mention.code] += weight
            if first_named is None and (
                mention.kind in ("name", "abbreviation")
                or (part == "title" and mention.kind == "city")
            ):
                # The title's first state or place («В Москве открылись …»), else the body's
                # first state: a place in the body is more often a venue than the actor.
                first_named = mention.code
            if vote and role == "plain":
                votes[mention.code] += vote * position
            for number, (start, end) in enumerate(attributions):
                if start <= mention.start < end:
                    votes[mention.code] += issuer.ATTRIBUTION_VOTE
                    attributions[number] = (0, 0)  # the first country named is the issuer
    if not scores:
        return CountryResult(countries=(), primary=None, scores={})
    _add_publisher_votes(
        gazetteer,
        votes,
        scores=scores,
        publisher_country=publisher_country,
        url_country=url_country,
        opening=opening or body,
    )
    home = max(votes, key=lambda code: votes[code]) if votes else None
    if home is None and first_named is not None:
        home = first_named  # no issuer signal: the first-named state or place is the actor
    # The share is of the best counterpart: the issuer's own country, named in every
    # institution's title, must not push a real counterpart under the share.
    top = max((score for code, score in scores.items() if code != home), default=0.0)
    selected = [
        code
        for code, score in scores.items()
        if (score >= MIN_SCORE and score >= MIN_SHARE_OF_TOP * top)
        or (code == home and score >= MIN_HOME_SCORE)
    ]
    selected.sort(key=lambda code: (-scores[code], code))
    primary = issuer.choose_primary(selected, scores, home, f"{title_text}\n{body}")
    return CountryResult(
        countries=tuple(selected),
        primary=primary,
        scores={code: round(score, 3) for code, score in scores.items()},
    )


class _Window:
    """Lemmas of the words around a mention, inside its sentence; the text is tokenised
    once per release part, not once per mention."""

    def __init__(self, text: str, morph: Morphology) -> None:
        words = tokens(text)
        self._starts = words.starts
        self._breaks = list(map(re.Match.start, _SENTENCE_BREAK_RE.finditer(text)))
        # Every word's lemma once (in C): the windows of a release's mentions overlap and
        # together cover more words than the text has.
        self._lemmas = list(map(morph.lemma, words.folds))

    def around(self, mention: CountryMention) -> tuple[list[str], list[str]]:
        """(lemmas before the mention, lemmas after it), each within ``_CONTEXT_CHARS`` and
        the mention's sentence."""
        previous = bisect_left(self._breaks, mention.start) - 1
        low = mention.start - _CONTEXT_CHARS
        if previous >= 0:
            low = max(low, self._breaks[previous] + 1)
        following = bisect_right(self._breaks, mention.end - 1)
        high = mention.end + _CONTEXT_CHARS
        if following < len(self._breaks):
            high = min(high, self._breaks[following])
        first = bisect_left(self._starts, low)
        here = bisect_left(self._starts, mention.start)
        after_first = bisect_left(self._starts, mention.end)
        last = bisect_left(self._starts, high)
        return self._lemmas[first:here], self._lemmas[after_first:last]


def _add_publisher_votes(
    gazetteer: CountryGazetteer,
    votes: dict[str, float],
    *,
    scores: dict[str, float],
    publisher_country: str | None,
    url_country: str | None,
    opening: str,
) -> None:
    """Votes of the source's country, its web address and the dateline (mentioned only)."""
    place = issuer.dateline_place(opening)
    dateline_country = gazetteer.lookup(place) if place else None
    for code, vote in (
        (publisher_country, issuer.SOURCE_VOTE),
        (url_country, issuer.URL_VOTE),
        (dateline_country, issuer.DATELINE_VOTE),
    ):
        if code is not None and scores.get(code, 0.0) > 0.0:
            votes[code] += vote


def _strip_title_repeats(title: str, body: str) -> str:
    """Drop leading body lines that repeat the title (scrapers often copy it in)."""
    if not title:
        return body
    norm_title = " ".join(title.split())
    lines = body.split("\n")
    index = 0
    while index < len(lines) and (
        not lines[index].strip() or " ".join(lines[index].split()) == norm_title
    ):
        index += 1
    return body if index == 0 else "\n".join(lines[index:])


def _role(text: str, mention: CountryMention, context: list[str]) -> str:
    """How the words before a mention qualify it: venue, background, counterpart, outlet,
    or plain. ``context`` holds the lemmas of the words just before the mention."""
    before = text[max(0, mention.start - 2) : mention.start].rstrip()
    if before.endswith("(") and text[mention.end : mention.end + 1] == ")":
        return "venue"  # «в Гамбурге (ФРГ)»: the country only locates a venue
    if (
        len(context) >= 2
        and context[-1] in {"с", "со", "и"}
        and not _BACKGROUND_CUES.isdisjoint(context[-4:])
    ):
        return "background"
    if context[-3:] and not _BACKGROUND_CUES.isdisjoint(context[-2:]):
        return "background"
    if len(context) >= 2 and context[-1] in _IN:
        window = context[-7:-1]
        if "корреспондент" in window:
            return "outlet"  # «корреспондент Казинформа в Китае»: the reprinting outlet
        if not _VENUE_VERBS.isdisjoint(window[-3:]) or not _VENUE_EVENTS.isdisjoint(context[:-1]):
            return "venue"  # «в рамках визита в …», «соревнования прошли в Китае»
        if len(context) >= 3 and context[-3] in issuer.MISSION_CUES:
            return "counterpart"  # «посол Казахстана в США»: the host country
    return "plain"


def _lists(text: str, found: list[CountryMention], morph: Morphology) -> dict[int, float]:
    """Weight factor of each mention standing in a list of two or more countries.

    A list that a measure concerns boosts every member (CONTEXT_BOOST); a list of
    participants (after «из», «посольства», «команды» …) lowers them (PRESENT_FACTOR);
    other lists of three or more are left plain, pairs («Эстонии и Латвии») are boosted.
    """
    groups: list[list[int]] = []
    for index in range(len(found) - 1):
        left, right = found[index], found[index + 1]
        if left.code == right.code or "adjective" in (left.kind, right.kind):
            continue
        if _LIST_GLUE_RE.fullmatch(text, left.end, right.start):
            if groups and groups[-1][-1] == index:
                groups[-1].append(index + 1)
            else:
                groups.append([index, index + 1])
    factors: dict[int, float] = {}
    for group in groups:
        first = found[group[0]]
        sentence_start = max(text.rfind(".", 0, first.start), text.rfind("\n", 0, first.start))
        sentence_end = text.find(".", found[group[-1]].end)
        sentence = text[sentence_start + 1 : sentence_end if sentence_end >= 0 else len(text)]
        lead_in = [
            morph.lemma(t.lower) for t in tokens(text[max(0, first.start - 60) : first.start])
        ]
        near = set(lead_in[-4:])
        if _names_measure(sentence):
            factor = CONTEXT_BOOST
        elif (
            "из" in lead_in[-2:]  # «туристы из России, Турции и Китая»
            or (_PARTICIPANT_CUES - {"из"}) & near  # «послами Казахстана в Германии, Франции»
            or _BACKGROUND_CUES & near  # «граничит с Угандой, Южным Суданом и Кенией»
        ):
            factor = PRESENT_FACTOR
        else:
            factor = CONTEXT_BOOST
        factors.update(dict.fromkeys(group, factor))
    return factors
