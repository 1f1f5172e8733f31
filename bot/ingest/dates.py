"""Publication dates in every common form → timezone-aware UTC datetimes.

Understood: RFC 822 (``Tue, 30 Sep 2025 14:05:00 +0500``, named zones GMT/UT/Z/MSK …),
ISO 8601 with or without a zone (``2025-09-30T14:05:00.123+05:00``, ``2025-09-30 14:05``,
``2025-09-30``), Unix timestamps (seconds or milliseconds), numeric dates
(``30.09.2025 14:05``, ``30/09/25``), Russian and English month names in any case and
abbreviated («30 сентября 2025 года», «30 сент. 2025 г. в 14:05», «14:05, 1 дек»,
«30 Sep 2025», «Sep 30, 2025»), relative words («сегодня, 14:05», «вчера в 10:00»,
«5 минут назад») and a bare time («14:05», meaning today).

Zones: a date that carries its offset is exact. A naive date is taken in the source's
zone ``tz`` when the caller knows it (a Kazakh ministry writes Astana time), else in UTC.
A date without a year takes the year that puts it no later than two days after ``now``
(«1 дек» read in January is last December). Anything else gives ``None``: a wrong date
is worse than a missing one.

The gate (DESIGN §7.1), one for every parser: ``plausible`` turns a moment before
1990-01-01 or more than ``FUTURE_SLACK`` after ``now`` into no date, and placeholders
(``0000-00-00 00:00:00``, year 1, the Unix epoch) are no date rather than "today" — so
every stored date renders in every zone (``Fri, 31 Dec 9999 23:59:59 GMT`` east of UTC
does not).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_tz

#: The earliest publication date taken: before it are placeholders (the Unix epoch, year
#: 1, 0000-00-00) and typos (0205), not news — no source of this domain predates it.
MIN_YEAR = 1990
EARLIEST = datetime(MIN_YEAR, 1, 1, tzinfo=UTC)

#: How far after now a date may lie: sites in zones ahead of ours, clocks a little fast,
#: an embargoed release. More is a typo or a "never expires" sentinel (9999-12-31).
FUTURE_SLACK = timedelta(days=2)
#: A yearless date may be at most this far in the future before it is read as last year's.
YEARLESS_FUTURE_SLACK = FUTURE_SLACK

# First three letters of a month name in Russian (any case form) and English.
_MONTHS: dict[str, int] = {
    "янв": 1,
    "фев": 2,
    "мар": 3,
    "апр": 4,
    "май": 5,
    "мая": 5,
    "маю": 5,
    "мае": 5,
    "июн": 6,
    "июл": 7,
    "авг": 8,
    "сен": 9,
    "окт": 10,
    "ноя": 11,
    "дек": 12,
    "jan": 1,
    "feb": 2,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}

# Zone abbreviations RFC 822 parsers do not know but Russian-language feeds use.
_NAMED_ZONES: dict[str, int] = {"MSK": 3 * 3600, "MSD": 4 * 3600, "ALMT": 5 * 3600}

_TEXT_DATE = re.compile(
    r"(?<!\d)(\d{1,2})(?:-?(?:го|е))?\s+([a-zа-яё]{3,})\.?,?(?:\s+(\d{4}))?(?!\d)",
    re.IGNORECASE,
)
_TEXT_DATE_MONTH_FIRST = re.compile(
    r"(?<![a-zа-яё])([a-zа-яё]{3,})\.?\s+(\d{1,2}),?\s+(\d{4})(?!\d)", re.IGNORECASE
)
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?!\d)")
_TIME = re.compile(r"(?<![\d.:])(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:])")
_OFFSET = re.compile(r"^\s*\(?(?:GMT|UTC)?\s*([+-])(\d{1,2})(?::?(\d{2}))?\)?", re.IGNORECASE)
_RELATIVE_DAY = re.compile(r"\b(сегодня|вчера|позавчера|today|yesterday)\b", re.IGNORECASE)
_AGO = re.compile(
    r"(?:(\d+)\s+)?(секунд\w*|минут\w*|час\w*|дн(?:я|ей)|день)\s+назад",
    re.IGNORECASE,
)
_EPOCH = re.compile(r"^\d{10}(?:\d{3})?(?:\.\d+)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


class _NoDate(Exception):
    """Raised inside the parsers when a value is recognised as a date form but names no
    usable moment (a placeholder, year 1): parsing stops there instead of reading the
    time of day in it as "today"."""


def plausible(moment: datetime | None, *, now: datetime) -> datetime | None:
    """The gate every parsed date passes: ``moment`` (aware) when it lies between
    ``EARLIEST`` and ``now + FUTURE_SLACK``, else ``None``."""
    if moment is None:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None
    if moment < EARLIEST or moment > now + FUTURE_SLACK:
        return None
    return moment.astimezone(UTC)


def is_placeholder(text: str) -> bool:
    """Whether a date string is a placeholder: every digit zero (``0000-00-00 00:00``), or
    a year before ``MIN_YEAR`` and none after it (``Mon, 01 Jan 0001``, ``1970-01-01``)."""
    digits = [ch for ch in text if ch.isdigit()]
    if digits and all(ch == "0" for ch in digits):
        return True
    years = [int(year) for year in _YEAR.findall(text)]
    return bool(years) and all(year < MIN_YEAR for year in years)


def parse_date(
    value: str | float | None,
    *,
    tz: tzinfo | None = None,
    now: datetime | None = None,
) -> datetime | None:
    """The moment ``value`` names, as an aware UTC datetime, or ``None``.

    ``tz`` is the zone of naive dates (default UTC); ``now`` (aware) anchors relative
    and yearless dates (default: the current time). Numbers are Unix timestamps.
    """
    if value is None or isinstance(value, bool):
        return None
    moment = now or datetime.now(UTC)
    try:
        return plausible(_parse_any(value, tz or UTC, moment), now=moment)
    except _NoDate:
        return None


def _parse_any(value: str | float, zone: tzinfo, now: datetime) -> datetime | None:
    if isinstance(value, int | float):
        return _from_epoch(float(value))
    text = " ".join(value.split())
    if not text:
        return None
    if is_placeholder(text):
        raise _NoDate(text)
    if _EPOCH.match(text):
        return _from_epoch(float(text))
    for parse in (_parse_iso, _parse_rfc822):
        found = parse(text, zone)
        if found is not None:
            return found
    return _parse_free(text, zone, now)


def _from_epoch(seconds: float) -> datetime | None:
    if seconds > 1e11:  # milliseconds
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _finish(moment: datetime, zone: tzinfo) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=zone)
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:  # year 1 east of UTC, year 9999 west of it
        raise _NoDate(str(moment)) from exc


def _parse_iso(text: str, zone: tzinfo) -> datetime | None:
    shape = _ISO_DATE.match(text)
    if shape is None:
        return None
    if int(shape.group(1)) < MIN_YEAR:
        raise _NoDate(text)  # 0001-01-01T00:00:00, 1970-01-01T00:00:00Z
    candidate = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2} \d", text) else text
    candidate = re.sub(r"\s*(UTC|GMT)$", "+00:00", candidate)
    try:
        return _finish(datetime.fromisoformat(candidate), zone)
    except ValueError:
        pass
    # Odd fractions (7+ digits) or a trailing text: keep date, time and zone only.
    match = re.match(
        r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?",
        text,
    )
    if match is None:
        return None
    rebuilt = match.group(1) + ("T" + match.group(2) if match.group(2) else "")
    if match.group(3) and match.group(2):
        rebuilt += match.group(3)
    try:
        return _finish(datetime.fromisoformat(rebuilt), zone)
    except ValueError:
        return None


def _parse_rfc822(text: str, zone: tzinfo) -> datetime | None:
    if not re.search(r"\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}", text):
        return None
    named = re.search(r"\b(MSK|MSD|ALMT)\s*$", text)
    offset: int | None = _NAMED_ZONES[named.group(1)] if named else None
    if named:
        text = text[: named.start()].rstrip()
    parsed = parsedate_tz(text)
    if parsed is None:
        return None
    year, month, day, hour, minute, second = parsed[:6]
    if offset is None:
        offset = parsed[9]
        # "-0000" means "zone unknown" (RFC 2822 §3.3): fall back to the source's zone.
        if offset == 0 and "-0000" in text:
            offset = None
    try:
        moment = datetime(year, month, day, hour, minute, second)  # noqa: DTZ001
    except ValueError:
        return None
    if offset is not None:
        moment = moment.replace(tzinfo=timezone(timedelta(seconds=offset)))
    return _finish(moment, zone)


def _parse_free(text: str, zone: tzinfo, now: datetime) -> datetime | None:
    local_now = now.astimezone(zone)
    ago = _AGO.search(text)
    if ago:
        amount = int(ago.group(1) or 1)
        unit = ago.group(2).lower()
        if unit.startswith("секунд"):
            delta = timedelta(seconds=amount)
        elif unit.startswith("минут"):
            delta = timedelta(minutes=amount)
        elif unit.startswith("час"):
            delta = timedelta(hours=amount)
        else:
            delta = timedelta(days=amount)
        return (now - delta).astimezone(UTC)

    year: int | None
    date_end = 0
    date_start = len(text)
    numeric = _NUMERIC_DATE.search(text)
    textual = _TEXT_DATE.search(text)
    month_first = _TEXT_DATE_MONTH_FIRST.search(text)
    relative = _RELATIVE_DAY.search(text)
    if numeric:
        day, month, year = int(numeric.group(1)), int(numeric.group(2)), int(numeric.group(3))
        if year < 100:
            year += 2000
        date_start, date_end = numeric.span()
    elif textual and textual.group(2)[:3].lower() in _MONTHS:
        day = int(textual.group(1))
        month = _MONTHS[textual.group(2)[:3].lower()]
        year = int(textual.group(3)) if textual.group(3) else None
        date_start, date_end = textual.span()
    elif month_first and month_first.group(1)[:3].lower() in _MONTHS:
        month = _MONTHS[month_first.group(1)[:3].lower()]
        day, year = int(month_first.group(2)), int(month_first.group(3))
        date_start, date_end = month_first.span()
    elif relative:
        back = {"сегодня": 0, "today": 0, "вчера": 1, "yesterday": 1, "позавчера": 2}
        base = local_now - timedelta(days=back[relative.group(1).lower()])
        day, month, year = base.day, base.month, base.year
        date_start, date_end = relative.span()
    else:
        day = month = 0
        year = None

    time_match = None
    for candidate in _TIME.finditer(text):
        if not date_start <= candidate.start() < date_end:
            time_match = candidate
            break
    hour = minute = second = 0
    tzone: tzinfo = zone
    if time_match:
        hour, minute = int(time_match.group(1)), int(time_match.group(2))
        second = int(time_match.group(3) or 0)
        if hour > 23 or minute > 59 or second > 59:
            return None
        offset = _OFFSET.match(text[time_match.end() :])
        if offset:
            sign = -1 if offset.group(1) == "-" else 1
            seconds = sign * (int(offset.group(2)) * 3600 + int(offset.group(3) or 0) * 60)
            tzone = timezone(timedelta(seconds=seconds))
    if month == 0:
        if time_match is None:
            return None
        # A bare time: today in the source's zone.
        day, month, year = local_now.day, local_now.month, local_now.year

    try:
        if year is not None:
            moment = datetime(year, month, day, hour, minute, second, tzinfo=tzone)
        else:
            moment = datetime(local_now.year, month, day, hour, minute, second, tzinfo=tzone)
            if moment - now > YEARLESS_FUTURE_SLACK:
                moment = moment.replace(year=local_now.year - 1)
    except ValueError:
        return None
    return _finish(moment, zone)
