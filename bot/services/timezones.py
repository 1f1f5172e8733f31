"""What users type for /timezone, resolved to an IANA zone name.

Accepted, in any letter case:

* an IANA name: «Asia/Almaty», «europe/moscow», «UTC»;
* a well-known city (or a country with one zone) in Russian, in any case form, with or
  without «в»: «Алматы», «в Москве», «Нью-Йорке», «Мехико»;
* a UTC offset: «UTC+5», «GMT-3», «+5», «utc +05:00», «МСК+2». Whole hours become
  ``Etc/GMT-5``-style zones — POSIX inverts the sign there, so UTC+5 is ``Etc/GMT-5`` —
  and the half-hour offsets people actually live in (+5:30, +3:30 …) map to a city zone.
"""

from __future__ import annotations

import difflib
import re
from datetime import datetime, timedelta
from typing import Final, Protocol
from zoneinfo import ZoneInfo, available_timezones


class _Lemmatizer(Protocol):
    def lemma(self, word: str) -> str: ...


#: City (or single-zone country) in its dictionary form → IANA zone. The first name of a
#: zone is what the bot shows when it names the zone back to the user.
CITY_ZONES: Final[dict[str, str]] = {
    # Kazakhstan and Central Asia
    "Алматы": "Asia/Almaty",
    "Алма-Ата": "Asia/Almaty",
    "Астана": "Asia/Almaty",
    "Нур-Султан": "Asia/Almaty",
    "Шымкент": "Asia/Almaty",
    "Караганда": "Asia/Almaty",
    "Казахстан": "Asia/Almaty",
    "Актобе": "Asia/Aqtobe",
    "Актау": "Asia/Aqtau",
    "Атырау": "Asia/Atyrau",
    "Уральск": "Asia/Oral",
    "Костанай": "Asia/Qostanay",
    "Кызылорда": "Asia/Qyzylorda",
    "Ташкент": "Asia/Tashkent",
    "Самарканд": "Asia/Samarkand",
    "Узбекистан": "Asia/Tashkent",
    "Бишкек": "Asia/Bishkek",
    "Киргизия": "Asia/Bishkek",
    "Кыргызстан": "Asia/Bishkek",
    "Душанбе": "Asia/Dushanbe",
    "Таджикистан": "Asia/Dushanbe",
    "Ашхабад": "Asia/Ashgabat",
    "Туркменистан": "Asia/Ashgabat",
    "Улан-Батор": "Asia/Ulaanbaatar",
    # Russia, Caucasus, Eastern Europe
    "Москва": "Europe/Moscow",
    "Санкт-Петербург": "Europe/Moscow",
    "Петербург": "Europe/Moscow",
    "Казань": "Europe/Moscow",
    "Сочи": "Europe/Moscow",
    "Калининград": "Europe/Kaliningrad",
    "Самара": "Europe/Samara",
    "Екатеринбург": "Asia/Yekaterinburg",
    "Омск": "Asia/Omsk",
    "Новосибирск": "Asia/Novosibirsk",
    "Красноярск": "Asia/Krasnoyarsk",
    "Иркутск": "Asia/Irkutsk",
    "Владивосток": "Asia/Vladivostok",
    "Минск": "Europe/Minsk",
    "Беларусь": "Europe/Minsk",
    "Белоруссия": "Europe/Minsk",
    "Баку": "Asia/Baku",
    "Азербайджан": "Asia/Baku",
    "Тбилиси": "Asia/Tbilisi",
    "Грузия": "Asia/Tbilisi",
    "Ереван": "Asia/Yerevan",
    "Армения": "Asia/Yerevan",
    "Киев": "Europe/Kyiv",
    "Украина": "Europe/Kyiv",
    "Кишинёв": "Europe/Chisinau",
    "Вильнюс": "Europe/Vilnius",
    "Рига": "Europe/Riga",
    "Таллин": "Europe/Tallinn",
    "Варшава": "Europe/Warsaw",
    "Прага": "Europe/Prague",
    "Будапешт": "Europe/Budapest",
    "Бухарест": "Europe/Bucharest",
    "София": "Europe/Sofia",
    "Белград": "Europe/Belgrade",
    "Афины": "Europe/Athens",
    "Хельсинки": "Europe/Helsinki",
    # Western Europe
    "Берлин": "Europe/Berlin",
    "Германия": "Europe/Berlin",
    "Вена": "Europe/Vienna",
    "Париж": "Europe/Paris",
    "Франция": "Europe/Paris",
    "Лондон": "Europe/London",
    "Великобритания": "Europe/London",
    "Мадрид": "Europe/Madrid",
    "Рим": "Europe/Rome",
    "Италия": "Europe/Rome",
    "Амстердам": "Europe/Amsterdam",
    "Брюссель": "Europe/Brussels",
    "Женева": "Europe/Zurich",
    "Цюрих": "Europe/Zurich",
    "Берн": "Europe/Zurich",
    "Стокгольм": "Europe/Stockholm",
    "Осло": "Europe/Oslo",
    "Копенгаген": "Europe/Copenhagen",
    "Лиссабон": "Europe/Lisbon",
    # Middle East and Africa
    "Стамбул": "Europe/Istanbul",
    "Анкара": "Europe/Istanbul",
    "Турция": "Europe/Istanbul",
    "Дубай": "Asia/Dubai",
    "Абу-Даби": "Asia/Dubai",
    "ОАЭ": "Asia/Dubai",
    "Доха": "Asia/Qatar",
    "Эр-Рияд": "Asia/Riyadh",
    "Тегеран": "Asia/Tehran",
    "Иран": "Asia/Tehran",
    "Тель-Авив": "Asia/Jerusalem",
    "Иерусалим": "Asia/Jerusalem",
    "Каир": "Africa/Cairo",
    "Египет": "Africa/Cairo",
    "Найроби": "Africa/Nairobi",
    "Аддис-Абеба": "Africa/Addis_Ababa",
    "Лагос": "Africa/Lagos",
    "Йоханнесбург": "Africa/Johannesburg",
    # Asia and Oceania
    "Пекин": "Asia/Shanghai",
    "Шанхай": "Asia/Shanghai",
    "Китай": "Asia/Shanghai",
    "Гонконг": "Asia/Hong_Kong",
    "Токио": "Asia/Tokyo",
    "Япония": "Asia/Tokyo",
    "Сеул": "Asia/Seoul",
    "Пхеньян": "Asia/Pyongyang",
    "Дели": "Asia/Kolkata",
    "Нью-Дели": "Asia/Kolkata",
    "Мумбаи": "Asia/Kolkata",
    "Индия": "Asia/Kolkata",
    "Исламабад": "Asia/Karachi",
    "Карачи": "Asia/Karachi",
    "Пакистан": "Asia/Karachi",
    "Кабул": "Asia/Kabul",
    "Катманду": "Asia/Kathmandu",
    "Бангкок": "Asia/Bangkok",
    "Ханой": "Asia/Ho_Chi_Minh",
    "Сингапур": "Asia/Singapore",
    "Куала-Лумпур": "Asia/Kuala_Lumpur",
    "Джакарта": "Asia/Jakarta",
    "Манила": "Asia/Manila",
    "Сидней": "Australia/Sydney",
    "Мельбурн": "Australia/Melbourne",
    "Канберра": "Australia/Sydney",
    "Окленд": "Pacific/Auckland",
    # Americas
    "Нью-Йорк": "America/New_York",
    "Вашингтон": "America/New_York",
    "Бостон": "America/New_York",
    "Чикаго": "America/Chicago",
    "Лос-Анджелес": "America/Los_Angeles",
    "Сан-Франциско": "America/Los_Angeles",
    "Торонто": "America/Toronto",
    "Оттава": "America/Toronto",
    "Монреаль": "America/Toronto",
    "Ванкувер": "America/Vancouver",
    "Мехико": "America/Mexico_City",
    "Гавана": "America/Havana",
    "Куба": "America/Havana",
    "Богота": "America/Bogota",
    "Колумбия": "America/Bogota",
    "Каракас": "America/Caracas",
    "Лима": "America/Lima",
    "Перу": "America/Lima",
    "Сантьяго": "America/Santiago",
    "Буэнос-Айрес": "America/Argentina/Buenos_Aires",
    "Аргентина": "America/Argentina/Buenos_Aires",
    "Бразилиа": "America/Sao_Paulo",
    "Сан-Паулу": "America/Sao_Paulo",
    "Рио-де-Жанейро": "America/Sao_Paulo",
}

#: Offsets that are not whole hours have no ``Etc/`` zone; these cities live on them.
_FRACTIONAL_OFFSETS: Final[dict[tuple[int, int], str]] = {
    (3, 30): "Asia/Tehran",
    (4, 30): "Asia/Kabul",
    (5, 30): "Asia/Kolkata",
    (5, 45): "Asia/Kathmandu",
    (6, 30): "Asia/Yangon",
    (9, 30): "Australia/Darwin",
    (-3, 30): "America/St_Johns",
}

#: Moscow time, which Russian speakers use as a reference («МСК+2»), is UTC+3 all year.
_MSK_OFFSET_HOURS: Final = 3
#: ``Etc/GMT±N`` exists from UTC−12 to UTC+14.
_MIN_OFFSET, _MAX_OFFSET = -12, 14

_OFFSET_RE: Final = re.compile(
    r"^(utc|gmt|мск|msk)?\s*(?:([+\-−–])\s*(\d{1,2})(?:[:.]?(\d{2}))?)?$", re.IGNORECASE
)
_WORD_RE: Final = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_PREPOSITIONS: Final = frozenset({"в", "во", "по", "город", "г"})
#: Case endings tried when a form is not in the dictionary («Эр-Рияде» → «Эр-Рияд»).
_ENDINGS: Final = ("ами", "ах", "ом", "ем", "ой", "ей", "е", "у", "а", "ы", "и", "я", "ю")
_MIN_SUGGEST_RATIO: Final = 0.6


def _fold(text: str) -> str:
    return text.strip().lower().replace("ё", "е")


class TimezoneResolver:
    """Turns a user's /timezone argument into an IANA zone. Build once, reuse.

    ``resolve`` returns the zone or None; ``suggest`` offers close city names for a
    misspelling. ``morph`` lemmatises the input so every case form of a city matches.
    """

    def __init__(self, morph: _Lemmatizer) -> None:
        self._morph = morph
        self._iana = {zone.lower(): zone for zone in available_timezones()}
        self._iana["utc"] = "UTC"
        self._cities: dict[str, str] = {}
        self._display: dict[str, str] = {}
        for name, zone in CITY_ZONES.items():
            self._display.setdefault(_fold(name), name)
            for key in (_fold(name), self._lemma_key(name)):
                self._cities.setdefault(key, zone)

    def _lemma_key(self, text: str) -> str:
        return " ".join(self._morph.lemma(word) for word in _WORD_RE.findall(_fold(text)))

    def resolve(self, text: str) -> str | None:
        """The IANA zone the user means, or None when the text is not understood."""
        raw = text.strip().strip(".!«»\"'")
        if not raw or len(raw) > 64:
            return None
        iana = self._iana.get(raw.lower().replace(" ", "_"))
        if iana is not None:
            return iana
        offset = self._offset_zone(raw)
        if offset is not None:
            return offset
        words = [w for w in _WORD_RE.findall(_fold(raw)) if w not in _PREPOSITIONS]
        if not words:
            return None
        phrase = " ".join(words)
        for key in (phrase, " ".join(self._morph.lemma(w) for w in words)):
            if key in self._cities:
                return self._cities[key]
        for ending in _ENDINGS:
            if phrase.endswith(ending) and phrase[: -len(ending)] in self._cities:
                return self._cities[phrase[: -len(ending)]]
        return None

    def _offset_zone(self, raw: str) -> str | None:
        match = _OFFSET_RE.match(raw.replace(" ", ""))
        if match is None:
            return None
        prefix, sign, hours_text, minutes_text = match.groups()
        if prefix is None and sign is None:
            return None
        is_msk = prefix is not None and prefix.lower() in {"мск", "msk"}
        if sign is None:
            return "Europe/Moscow" if is_msk else "UTC"
        direction = -1 if sign in "-−–" else 1
        hours = (_MSK_OFFSET_HOURS if is_msk else 0) + direction * int(hours_text)
        minutes = int(minutes_text or 0)
        if minutes:
            return _FRACTIONAL_OFFSETS.get((hours, minutes))
        if not _MIN_OFFSET <= hours <= _MAX_OFFSET:
            return None
        if hours == 0:
            return "UTC"
        # POSIX zones count the other way round: Etc/GMT-5 is five hours *ahead* of UTC.
        return f"Etc/GMT{-hours:+d}"

    def suggest(self, text: str, limit: int = 3) -> list[str]:
        """City names close to a misspelt ``text`` («Моськва» → «Москва»), best first."""
        words = [w for w in _WORD_RE.findall(_fold(text)) if w not in _PREPOSITIONS]
        if not words:
            return []
        found = difflib.get_close_matches(
            " ".join(words), list(self._display), n=limit, cutoff=_MIN_SUGGEST_RATIO
        )
        return [self._display[key] for key in found]


def utc_offset_label(zone: str, at: datetime) -> str:
    """«UTC+5», «UTC−3», «UTC+5:30» — the offset of ``zone`` at the moment ``at``."""
    offset = at.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_label(zone: str) -> str:
    """A short human name for a zone: the first city that maps to it, else the IANA name."""
    for name, city_zone in CITY_ZONES.items():
        if city_zone == zone:
            return name
    return zone
