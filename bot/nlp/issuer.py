"""The issuer's point of view: which country speaks in a release, and its primary counterpart.

Signals, strongest first: the source's declared country (the sources file), the dateline
(«ТАШКЕНТ, 6 марта — Sputnik»), an attribution to an institution («сообщили в пресс-службе
азербайджанского лидера», «со ссылкой на МИД Азербайджана»), an institution named before a
country («МИД России», «акимат Костаная», «посол Казахстана»), and the web address of the
page. ``bot.nlp.prominence`` adds them up per country; the largest total is the home country.
"""

from __future__ import annotations

import re
from typing import Final

from bot.nlp.patterns import capitalised_alternation

# --- votes ------------------------------------------------------------------------------

#: The source's declared country (sources file): the institution publishing is the issuer,
#: unless the text clearly names another (a dateline plus an attribution outweigh it).
SOURCE_VOTE: Final[float] = 3.0
#: A national domain only says where the outlet sits; agencies reprint foreign releases.
URL_VOTE: Final[float] = 1.5
#: A dateline names where the reporter files from, usually the issuer's capital.
DATELINE_VOTE: Final[float] = 2.0
#: «сообщает пресс-служба МИД РУз», «сообщили в пресс-службе азербайджанского лидера»: the
#: text says outright whose release it is.
ATTRIBUTION_VOTE: Final[float] = 2.5
#: How far after an attribution cue the institution's country may stand (characters).
ATTRIBUTION_REACH: Final[int] = 70
#: Missions abroad also speak for their country («Посольство Казахстана в …»), but the
#: receiving side writes about foreign ambassadors too, so they count for less.
MISSION_VOTE: Final[float] = 0.5

#: Words that, just before a country's name, mark that country as the issuing side
#: («МИД России», «министр иностранных дел Узбекистана», «власти Бишкека»).
GOVERNMENT_CUES: Final[frozenset[str]] = frozenset(
    {
        "мид",
        "министерство",
        "министр",
        "дело",
        "правительство",
        "президент",
        "премьер",
        "глава",
        "лидер",
        "власть",
        "минспорт",
        "минздрав",
        "минобороны",
        "минэкономики",
        "акимат",
        "аким",
        "мэрия",
        "хокимият",
        "администрация",
        "парламент",
        "пресс-служба",
        "пресс-центр",
    }
)
MISSION_CUES: Final[frozenset[str]] = frozenset(
    {
        "посольство",
        "посол",
        "генконсульство",
        "консульство",
        "генконсул",
        "консул",
        "представительство",
    }
)
#: Words allowed between an issuer cue and the country («Посольство Республики Казахстан»).
_ISSUER_FILLERS: Final[frozenset[str]] = frozenset({"республика", "королевство", "государство"})
#: «встреча с министром …», «принял посла …»: the cue names the other side of a meeting.
_WITH_PREPOSITIONS: Final[frozenset[str]] = frozenset({"с", "со", "принять"})

#: Attribution cues: the institution named right after them issued the text. Case is
#: spelt out per cue (``capitalised_alternation``): this scans every release.
_ATTRIBUTION_RE: Final[re.Pattern[str]] = re.compile(
    capitalised_alternation(r"пресс-(?:служб|центр)\w*")
    + "|со ссылкой на|"
    + capitalised_alternation(
        r"по (?:данным|информации)",
        r"согласно информации",
        r"сообща(?:ет|ют)\s+(?:в\s+)?",
        r"сообщили\s+(?:в\s+)?",
        r"переда[её]т\s+(?:в\s+)?",
        r"информирует\s+(?:в\s+)?",
    )
)
#: An upper-case city, a comma or full stop and a date, then a dash or an agency:
#: «ТАШКЕНТ, 6 марта — Sputnik», «Астана. 23 февраля. KAZAKHSTAN TODAY», «Мехико, 3 мая».
_DATELINE: Final = r"\s*([А-ЯЁA-Z][А-ЯЁA-Zа-яёa-z\- ]{2,30}?)[,.]\s+\d{1,2}\s+[а-яё]{3,9}\.?"
#: … at the start of the text, or (the first one) after a line break: two patterns, not
#: «(?:^|\n)…», so that the engine can skip to the line breaks.
_DATELINE_AT_START: Final[re.Pattern[str]] = re.compile(_DATELINE)
_DATELINE_AFTER_BREAK: Final[re.Pattern[str]] = re.compile("\n" + _DATELINE)
#: The dateline is read at the top of the text only (a standfirst may come first).
DATELINE_WINDOW: Final[int] = 600

#: Signs that a release with only its home country is still international (a meeting with an
#: organisation, foreign diplomats, an unlisted state): then its primary country is null,
#: not the home country ("home country for purely domestic items").
_INTERNATIONAL_RE: Final[re.Pattern[str]] = re.compile(
    r"\b(?:ООН|ЕС|ОДКБ|СНГ|ШОС|ЕАЭС|ОБСЕ|НАТО|ОИС|АСЕАН|БРИКС|СВМДА|ЮНЕСКО|ОПЕК|ОТГ|ВОЗ"
    r"|МАГАТЭ|ЮНИСЕФ|ВТО|МВФ|ФАО|UN|EU|UNESCO|UNICEF|NATO|OSCE|WHO|IAEA|COP\d*)\b"
    r"|международн\w+ организац|двусторонн|дипкорпус|дипломатическ\w+ корпус"
    r"|(?:иностранн|зарубежн)\w* "
    r"(?:дипломат|посл|делегац|партн[её]р|коллег|министр|гост|государств|стран)"
    r"|Европейск\w+ [Сс]оюз",
)
_QUOTED_RE: Final[re.Pattern[str]] = re.compile(r"«[^»\n]{0,60}»|\"[^\"\n]{0,60}\"")
#: The primary counterpart must lead the runner-up by this factor; otherwise the release is
#: multilateral and has no primary country.
PRIMARY_LEAD_RATIO: Final[float] = 1.5


def cue_vote(context: list[str]) -> float:
    """How strongly the lemmas just before a country mark it as the issuing side.

    1.0 for a government cue («МИД», «президент», «власти»), ``MISSION_VOTE`` for a
    mission, 0 when the cue is the object of a meeting («встреча с министром …»).
    """
    for position in range(len(context) - 1, max(-1, len(context) - 4), -1):
        lemma = context[position]
        if lemma in GOVERNMENT_CUES or lemma in MISSION_CUES:
            if not _WITH_PREPOSITIONS.isdisjoint(context[max(0, position - 3) : position]):
                return 0.0
            return 1.0 if lemma in GOVERNMENT_CUES else MISSION_VOTE
        if lemma not in _ISSUER_FILLERS:
            return 0.0
    return 0.0


#: Verbs of speech: the institution that speaks in the title or lead is the issuer's voice
#: («Министр иностранных дел Узбекистана сообщил …», «… заявил посол Беларуси»).
SPEECH_VERBS: Final[frozenset[str]] = frozenset(
    {"сообщить", "заявить", "рассказать", "отметить", "написать", "подчеркнуть", "сказать"}
)
#: How much a speaking institution's vote is multiplied.
SPEAKER_FACTOR: Final[float] = 2.0
#: How many words after a mention may stand before its verb of speech.
_SPEECH_REACH: Final[int] = 8


def adjective_vote(context: list[str], after: list[str]) -> float:
    """1.0 when a country adjective qualifies an institution («российского МИД»,
    «пресс-службе азербайджанского лидера»), unless it is the other side of a meeting."""
    if not after or after[0] not in GOVERNMENT_CUES:
        return 0.0
    return 1.0 if _WITH_PREPOSITIONS.isdisjoint(context[-3:]) else 0.0


def speaker_factor(context: list[str], after: list[str]) -> float:
    """``SPEAKER_FACTOR`` when a verb of speech follows the mention (within a few words) or
    stands just before its institution («заявил посол Беларуси»); else 1.0."""
    if not SPEECH_VERBS.isdisjoint(after[:_SPEECH_REACH]) or not SPEECH_VERBS.isdisjoint(
        context[-6:]
    ):
        return SPEAKER_FACTOR
    return 1.0


def attribution_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges right after attribution cues, up to the sentence end."""
    ranges: list[tuple[int, int]] = []
    for match in _ATTRIBUTION_RE.finditer(text):
        end = match.end() + ATTRIBUTION_REACH
        stop = re.search(r"[.!?\n]", text[match.end() : end])
        ranges.append((match.end(), match.end() + stop.start() if stop else end))
    return ranges


def dateline_place(opening: str) -> str | None:
    """The place of a dateline near the top of ``opening`` («ТАШКЕНТ», «Астана»), or None."""
    head = opening[:DATELINE_WINDOW]
    match = _DATELINE_AT_START.match(head) or _DATELINE_AFTER_BREAK.search(head)
    return match.group(1).strip() if match else None


def choose_primary(
    selected: list[str], scores: dict[str, float], home: str | None, text: str
) -> str | None:
    """The main counterpart from the issuer's (``home``) point of view.

    Only the home country → the home country (a domestic item) unless the text deals with
    organisations or foreign diplomats (then None); one foreign country → it; several →
    the best when it leads the runner-up by ``PRIMARY_LEAD_RATIO``, else None.
    """
    if not selected:
        return None
    foreign = [code for code in selected if code != home]
    if not foreign or (home is None and len(selected) == 1):
        # Names in quotes are outlets and companies («Голос СНГ»), not organisations at work.
        unquoted = _QUOTED_RE.sub(" ", text)
        return None if _INTERNATIONAL_RE.search(unquoted) else selected[0]
    if len(foreign) == 1:
        return foreign[0]
    first, second = scores[foreign[0]], scores[foreign[1]]
    return foreign[0] if first >= PRIMARY_LEAD_RATIO * second else None
