"""Every Russian string the bot shows, and the small builders that fill them in.

Messages are Telegram HTML. Anything a user typed or a source supplied passes through
``esc`` exactly once, here; release digests are rendered (and escaped) by bot.digest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from bot import presentation
from bot.presentation import escape, quote
from bot.services.admin import SourceHealth
from bot.services.subscriptions import ChangeReport, Item, Overview
from bot.services.timezones import utc_offset_label, zone_label
from storage.models import DeliveryMode, Stats, Subscriber, SubscriberStatus, SubscriptionKind

#: The shared primitives under the names handlers use: ``esc`` escapes user or web text,
#: ``clip`` quotes a user's input back on one line, shortened and escaped.
esc = escape
clip = quote

# --- commands ------------------------------------------------------------------------

#: (command, description) for setMyCommands, in the order of the menu.
COMMANDS: Final[tuple[tuple[str, str], ...]] = (
    ("start", "Начать и выбрать страны и темы"),
    ("subscribe", "Подписаться: /subscribe Мексика, ИИ"),
    ("unsubscribe", "Отписаться от страны, темы или фразы"),
    ("subscriptions", "Мои подписки и настройки"),
    ("countries", "Выбрать страны"),
    ("topics", "Выбрать темы"),
    ("digest", "Дайджест сейчас"),
    ("latest", "Последние новости: /latest 5"),
    ("search", "Поиск: /search цифровой кодекс"),
    ("week", "Обзор недели с картинкой"),
    ("time", "Время дайджеста: /time 09:00"),
    ("timezone", "Часовой пояс: /timezone Москва"),
    ("mode", "Режим: ежедневно, раз в неделю, сразу или по запросу"),
    ("day", "День обзора недели: /day пн"),
    ("pause", "Приостановить рассылку"),
    ("resume", "Возобновить рассылку"),
    ("stop", "Остановить и удалить данные"),
    ("help", "Что умеет бот"),
)
#: Extra commands shown only to the administrators in ADMIN_IDS.
ADMIN_COMMANDS: Final[tuple[tuple[str, str], ...]] = (
    ("stats", "Статистика"),
    ("sources", "Источники и их состояние"),
    ("ingest", "Опросить источники сейчас"),
    ("links", "Ссылки для подписки в одно касание"),
)

# --- start and help -------------------------------------------------------------------

WELCOME_NEW: Final = (
    "👋 <b>Депеша</b> следит за пресс-релизами и новостями министерств и посольств, "
    "коротко пересказывает их по-русски и присылает дайджест по выбранным странам и темам.\n\n"
    "Выберите страны и темы кнопками ниже или напишите, например:\n"
    "<code>/subscribe Мексика, ИИ</code>\n\n"
    "Дайджест приходит каждый день в {time} ({zone}). Все команды — /help."
)
WELCOME_BACK: Final = (
    "С возвращением! Рассылка снова включена, подписки и настройки сохранены.\n"
    "Дайджест — каждый день в {time} ({zone}). Подписки — /subscriptions, команды — /help."
)

HELP: Final = (
    "<b>Депеша</b> собирает пресс-релизы и новости, определяет страны и темы, "
    "пишет краткое содержание и присылает то, на что вы подписаны.\n\n"
    "<b>Подписки</b>\n"
    "/subscribe <i>что-то</i> — страны и темы своими словами: "
    "<code>/subscribe Мексика, ИИ</code>, <code>/subscribe мексиканские новости</code>\n"
    '/subscribe "<i>фраза</i>" — новости, где есть фраза в любой форме\n'
    "/subscribe -<i>слово</i> — никогда не присылать новости с этим словом\n"
    "/unsubscribe <i>что-то</i> — отписаться (без слов — список с кнопками)\n"
    "/subscriptions — подписки и настройки\n"
    "/countries, /topics — выбор стран и тем кнопками\n\n"
    "<b>Чтение</b>\n"
    "/digest — дайджест сейчас\n"
    "/latest <i>N</i> — N последних новостей по подпискам\n"
    "/search <i>запрос</i> — поиск по всем новостям\n"
    "/week — обзор недели: картинка и главное за неделю\n"
    "<code>@имя_бота запрос</code> в любом чате — найти новость и отправить её собеседнику\n\n"
    "<b>Настройки</b>\n"
    "/time <i>ЧЧ:ММ</i> — время ежедневного дайджеста\n"
    "/timezone <i>зона</i> — часовой пояс: <code>Москва</code>, <code>Asia/Almaty</code>, "
    "<code>UTC+5</code>\n"
    "/mode daily|weekly|instant|off — раз в день, обзор раз в неделю, сразу "
    "или только по запросу\n"
    "/day <i>пн…вс</i> — день недельного обзора (по умолчанию понедельник)\n"
    "/pause, /resume — приостановить и возобновить рассылку\n"
    "/stop — остановить рассылку и удалить данные чата\n"
    "/start — включить рассылку снова, /help — эта справка\n\n"
    "В группах настройки меняют только администраторы."
)
ADMIN_HELP: Final = (
    "\n\n<b>Администратор</b>\n/stats — статистика\n/sources — источники\n"
    "/ingest — опросить источники сейчас\n"
    "/links — ссылки для подписки на каждую страну и тему"
)

# --- subscriptions --------------------------------------------------------------------

SUBSCRIBE_PROMPT: Final = (
    "На что подписаться? Выберите страны и темы кнопками или напишите, например:\n"
    "<code>/subscribe Казахстан и Узбекистан, энергетика</code>\n"
    '<code>/subscribe "цифровой кодекс"</code> — фраза в любой форме\n'
    "<code>/subscribe -спорт</code> — исключить слово"
)
REQUEST_TOO_LONG: Final = (
    "Слишком длинный запрос. Назовите страны, темы или фразы коротко, например:\n"
    "<code>/subscribe Мексика, ИИ</code>"
)
NOTHING_UNDERSTOOD: Final = (
    "Не понял, на что подписаться. Пример: <code>/subscribe Мексика, энергетика</code> "
    "или выберите кнопками: /countries, /topics."
)
UNSUBSCRIBE_LIST: Final = "Нажмите ✖, чтобы отписаться:"
UNSUBSCRIBE_PAGE: Final = "Нажмите ✖, чтобы отписаться (страница {page} из {pages}):"
UNSUBSCRIBE_EMPTY: Final = "Подписок пока нет. Подписаться: /subscribe или /countries, /topics."
UNSUBSCRIBED_ONE: Final = "Отписка: {value}."
ALREADY_GONE: Final = "Этой подписки уже нет."
SUBSCRIPTION_LIMIT: Final = (
    "Слишком много подписок в этом чате; сначала уберите лишние: /unsubscribe."
)

_KIND_LABELS: Final[dict[SubscriptionKind, str]] = {
    SubscriptionKind.COUNTRY: "🌍",
    SubscriptionKind.TOPIC: "🗂",
    SubscriptionKind.KEYWORD: "🔤",
    SubscriptionKind.EXCLUDE: "🚫",
    SubscriptionKind.EXCLUDE_TOPIC: "🚫",
}


def item_label(kind: SubscriptionKind, value: str) -> str:
    """«🌍 Мексика», «🔤 "цифровой кодекс"», «🚫 -спорт» (plain text, for buttons; a long
    phrase is clipped to ``MAX_SHOWN_VALUE``)."""
    value = presentation.clip(presentation.one_line(value), MAX_SHOWN_VALUE)
    if kind is SubscriptionKind.KEYWORD:
        return f"{_KIND_LABELS[kind]} «{value}»"
    if kind is SubscriptionKind.EXCLUDE:
        return f"{_KIND_LABELS[kind]} без «{value}»"
    return f"{_KIND_LABELS[kind]} {value}"


def _items(items: Iterable[Item]) -> str:
    return ", ".join(esc(item_label(item.kind, item.value)) for item in items)


def _unknown_lines(report: ChangeReport) -> list[str]:
    lines = []
    for part in report.unknown:
        suggestions = report.suggestions.get(part, ())
        line = f"❓ Не понял «{esc(part)}»"
        if suggestions:
            line += " — может быть, " + " или ".join(f"«{esc(s)}»" for s in suggestions) + "?"
        else:
            line += " — не знаю такой страны или темы."
        lines.append(line)
    return lines


def subscribe_report(report: ChangeReport) -> str:
    """The answer to /subscribe <text>."""
    if not report.understood:
        lines = _unknown_lines(report)
        return "\n".join([*lines, "", NOTHING_UNDERSTOOD]) if lines else NOTHING_UNDERSTOOD
    lines = []
    if report.changed:
        lines.append("✅ Подписка оформлена: " + _items(report.changed) + ".")
    if report.unchanged:
        lines.append("Уже были в подписках: " + _items(report.unchanged) + ".")
    if report.over_limit:
        lines.append(SUBSCRIPTION_LIMIT)
    lines.extend(_unknown_lines(report))
    lines.append("\nВсе подписки — /subscriptions, ближайшие новости — /digest.")
    return "\n".join(lines)


def unsubscribe_report(report: ChangeReport) -> str:
    """The answer to /unsubscribe <text>."""
    if not report.understood:
        lines = _unknown_lines(report)
        tail = "Не понял, от чего отписаться. Список подписок с кнопками — /unsubscribe."
        return "\n".join([*lines, "", tail]) if lines else tail
    lines = []
    if report.changed:
        lines.append("✅ Отписка: " + _items(report.changed) + ".")
    if report.unchanged:
        lines.append("Этого не было в подписках: " + _items(report.unchanged) + ".")
    lines.extend(_unknown_lines(report))
    return "\n".join(lines)


MODE_LABELS: Final[dict[DeliveryMode, str]] = {
    DeliveryMode.DAILY: "ежедневный дайджест",
    DeliveryMode.WEEKLY: "обзор недели",
    DeliveryMode.INSTANT: "сразу, как только новость появится",
    DeliveryMode.OFF: "только по запросу (/digest)",
}
_STATUS_LABELS: Final[dict[SubscriberStatus, str]] = {
    SubscriberStatus.ACTIVE: "включена",
    SubscriberStatus.PAUSED: "на паузе (/resume — возобновить)",
    SubscriberStatus.BLOCKED: "остановлена (/start — включить)",
}


def zone_text(zone: str, at: datetime) -> str:
    """«Алматы, UTC+5» or just «UTC+5» for offset zones."""
    offset = utc_offset_label(zone, at)
    label = zone_label(zone)
    if label == zone and (zone.startswith("Etc/") or zone == "UTC"):
        return offset
    return f"{esc(label)}, {offset}"


def settings_lines(subscriber: Subscriber, now: datetime) -> list[str]:
    """Delivery settings of one subscriber, one per line."""
    lines = [
        f"Режим: {MODE_LABELS[subscriber.mode]}",
        f"Время дайджеста: {subscriber.digest_time} ({zone_text(subscriber.timezone, now)})",
        f"Рассылка: {_STATUS_LABELS[subscriber.status]}",
    ]
    if (
        subscriber.mode in (DeliveryMode.DAILY, DeliveryMode.WEEKLY)
        and subscriber.status is SubscriberStatus.ACTIVE
        and subscriber.next_digest_at is not None
    ):
        local = subscriber.next_digest_at.astimezone(ZoneInfo(subscriber.timezone))
        what = "дайджест" if subscriber.mode is DeliveryMode.DAILY else "обзор недели"
        lines.append(f"Следующий {what}: {local:%d.%m.%Y %H:%M}")
    return lines


#: Lists show a phrase up to this many characters (the whole phrase still matches): a
#: list of a chat's data stays readable and its lines stay far below Telegram's limit.
MAX_SHOWN_VALUE: Final = 100
#: Values of one kind are joined into lines of about this many characters, so that a long
#: list splits between lines into messages (``replies.pack``), never inside a value.
_LINE_CHARS: Final = 1000
NOT_STARTED: Final = "Рассылка ещё не включена — нажмите /start."
CHAT_DELETED: Final = (
    "🗑 Данные этого чата удалены командой /stop. Чтобы начать заново, нажмите /start."
)


def shown_value(value: str) -> str:
    """A subscription's value as lists show it: one line, clipped, escaped."""
    return clip(value, MAX_SHOWN_VALUE)


def _joined_lines(title: str, values: Sequence[str]) -> list[str]:
    lines: list[str] = []
    current = f"<b>{title}:</b> "
    fresh = True
    for value in values:
        if not fresh and len(current) + len(value) > _LINE_CHARS:
            lines.append(current + ",")
            current, fresh = "", True
        current += value if fresh else ", " + value
        fresh = False
    lines.append(current)
    return lines


def overview(view: Overview, now: datetime) -> list[str]:
    """/subscriptions: what the chat follows and how it receives it, as lines to be
    packed into messages (a chat may follow hundreds of long phrases)."""
    blocks = ["📋 <b>Ваши подписки</b>"]
    for kind, title in (
        (SubscriptionKind.COUNTRY, "Страны"),
        (SubscriptionKind.TOPIC, "Темы"),
        (SubscriptionKind.KEYWORD, "Фразы"),
        (SubscriptionKind.EXCLUDE, "Исключены слова"),
        (SubscriptionKind.EXCLUDE_TOPIC, "Исключены темы"),
    ):
        values = [
            esc(item_label(kind, s.value))
            if kind is SubscriptionKind.EXCLUDE_TOPIC
            else shown_value(s.value)
            for s in view.of_kind(kind)
        ]
        if values:
            blocks.extend(_joined_lines(title, values))
    if not view.subscriptions:
        blocks.append("Подписок пока нет: /subscribe Мексика, ИИ — или /countries, /topics.")
    if view.subscriber is None:
        blocks.append("\n" + NOT_STARTED)
    else:
        blocks.append("\n" + "\n".join(settings_lines(view.subscriber, now)))
    return blocks


# --- pickers --------------------------------------------------------------------------

COUNTRIES_HEADER: Final = (
    "🌍 <b>Страны</b> — нажмите, чтобы подписаться или отписаться (✅ — подписаны). "
    "Страница {page} из {pages}.\nЧтобы найти страну, нажмите «🔎 Найти» или напишите "
    "<code>/countries Мексика</code>."
)
COUNTRY_SEARCH_PROMPT: Final = (
    "🔎 Напишите название страны (например, <i>Мексика</i> или <i>ОАЭ</i>):"
)
COUNTRY_SEARCH_RESULTS: Final = "🔎 Нашлось по запросу «{query}» — нажмите, чтобы подписаться:"
COUNTRY_SEARCH_NONE: Final = (
    "Не нашёл страну «{query}». Попробуйте иначе — например, <i>Мексика</i>, <i>США</i>, "
    "<i>Южная Корея</i>: /countries <i>название</i> — или листайте список: /countries."
)
COUNTRY_SEARCH_TEXT_ONLY: Final = "Напишите название страны текстом, например <i>Мексика</i>."
TOPICS_HEADER: Final = "🗂 <b>Темы</b> — нажмите, чтобы подписаться или отписаться (✅ — подписаны)."
PICKER_DONE: Final = "Готово. Подписки — /subscriptions, дайджест — /digest."
TOGGLED_ON: Final = "✅ {name}: подписка оформлена"
TOGGLED_OFF: Final = "{name}: отписка"
BUTTON_STALE: Final = "Эта кнопка устарела — откройте меню заново."

# --- reading --------------------------------------------------------------------------

NOTHING_NEW: Final = (
    "Пока нет новостей по вашим подпискам. Подписки — /subscriptions, поиск — /search."
)
NO_SUBSCRIPTIONS_FOR_DIGEST: Final = (
    "Чтобы собрать дайджест, подпишитесь на страны или темы: /subscribe Мексика, ИИ."
)
LATEST_BAD_N: Final = "Укажите число от 1 до {max}, например: <code>/latest 5</code>"
SEARCH_PROMPT: Final = "🔎 Что найти? Напишите запрос, например: <i>цифровой кодекс</i>"
SEARCH_EMPTY: Final = "Напишите, что найти, например: <code>/search цифровой кодекс</code>"
SEARCH_TOO_LONG: Final = (
    "Слишком длинный запрос — хватит нескольких слов, например: "
    "<code>/search цифровой кодекс</code>"
)
SEARCH_NONE: Final = "По запросу «{query}» ничего не нашлось. Попробуйте другие слова."

# --- settings -------------------------------------------------------------------------

TIME_SET: Final = "🕘 Дайджест будет приходить в {time} ({zone}). Следующий — {next}."
TIME_BAD: Final = (
    "Не понял время «{value}». Напишите часы и минуты, например: <code>/time 09:00</code> "
    "или <code>/time 18:30</code>."
)
TIME_PROMPT: Final = (
    "🕘 Сейчас дайджест приходит в {time} ({zone}). Выберите время или напишите, например, "
    "<code>/time 08:30</code>."
)
ZONE_SET: Final = "🌐 Часовой пояс: {zone}. Дайджест — в {time} по этому времени."
ZONE_BAD: Final = (
    "Не знаю часовой пояс «{value}».{hint} Примеры: <code>/timezone Москва</code>, "
    "<code>/timezone Asia/Almaty</code>, <code>/timezone UTC+5</code>."
)
ZONE_PROMPT: Final = (
    "🌐 Сейчас: {zone}. Выберите город или напишите, например, <code>/timezone Ташкент</code> "
    "или <code>/timezone UTC+3</code>."
)
MODE_SET: Final = "📬 Режим: {mode}."
MODE_BAD: Final = (
    "Не понял режим «{value}». Варианты: <code>/mode daily</code> — раз в день, "
    "<code>/mode weekly</code> — обзор раз в неделю, "
    "<code>/mode instant</code> — сразу, <code>/mode off</code> — только по запросу."
)
MODE_PROMPT: Final = "📬 Сейчас: {mode}. Как присылать новости?"
PAUSED: Final = "⏸ Рассылка приостановлена. Подписки сохранены; /resume — возобновить."
RESUMED: Final = "▶️ Рассылка возобновлена. {next}"
STOP_CONFIRM: Final = (
    "⛔ Остановить рассылку и удалить все данные этого чата — подписки и настройки? "
    "Это нельзя отменить.\nЕсли нужно лишь отдохнуть от новостей, нажмите «Только пауза»."
)
STOP_DELETED: Final = "🗑 Все данные чата удалены, рассылка остановлена. Вернуться — /start."
STOP_NOTHING: Final = "Данных этого чата уже нет. Вернуться — /start."
STOP_CANCELLED: Final = "Хорошо, ничего не удаляю."
OFFER_DECLINED: Final = "Хорошо. Все команды — /help."
SETTINGS_MENU: Final = "⚙️ <b>Настройки</b>\n{settings}"


def time_set(subscriber: Subscriber, now: datetime) -> str:
    return TIME_SET.format(
        time=subscriber.digest_time,
        zone=zone_text(subscriber.timezone, now),
        next=_next_local(subscriber),
    )


def zone_set(subscriber: Subscriber, now: datetime) -> str:
    return ZONE_SET.format(zone=zone_text(subscriber.timezone, now), time=subscriber.digest_time)


def time_prompt(subscriber: Subscriber, now: datetime) -> str:
    return TIME_PROMPT.format(time=subscriber.digest_time, zone=zone_text(subscriber.timezone, now))


def zone_prompt(subscriber: Subscriber, now: datetime) -> str:
    return ZONE_PROMPT.format(zone=zone_text(subscriber.timezone, now))


def zone_bad(value: str, suggestions: Sequence[str]) -> str:
    hint = ""
    if suggestions:
        hint = " Может быть, " + " или ".join(f"«{esc(s)}»" for s in suggestions) + "?"
    return ZONE_BAD.format(value=clip(value), hint=hint)


def resumed(subscriber: Subscriber) -> str:
    if subscriber.mode is DeliveryMode.DAILY:
        return RESUMED.format(next=f"Следующий дайджест — {_next_local(subscriber)}.")
    if subscriber.mode is DeliveryMode.WEEKLY:
        return RESUMED.format(next=f"Следующий обзор недели — {_next_local(subscriber)}.")
    return RESUMED.format(next=f"Режим: {MODE_LABELS[subscriber.mode]}.")


def _next_local(subscriber: Subscriber) -> str:
    if subscriber.next_digest_at is None:
        return "по расписанию"
    local = subscriber.next_digest_at.astimezone(ZoneInfo(subscriber.timezone))
    return f"{local:%d.%m %H:%M}"


# --- groups ---------------------------------------------------------------------------

GROUP_ADMINS_ONLY: Final = "В группе настройки меняют только администраторы."
ADDED_TO_GROUP: Final = (
    "👋 Я Депеша: присылаю дайджест новостей по выбранным странам и темам. "
    "Администратор группы может включить рассылку командой /start — в той теме форума, "
    "куда присылать новости."
)

# --- admin ----------------------------------------------------------------------------

INGEST_STARTED: Final = "⏳ Опрашиваю источники…"
INGEST_DONE: Final = "✅ Готово: {summary}"
INGEST_BUSY: Final = "Опрос источников уже идёт — подождите."
INGEST_FAILED: Final = "Опрос источников не удался: {error}"
NO_SOURCES: Final = "Источников нет: проверьте SOURCES_FILE."
INGEST_SUMMARY: Final = "источников: {sources}, новых релизов: {new}, с ошибкой: {failed}"
#: The last line of `depesha ingest` (a terminal, not Telegram: plain text).
INGEST_CLI_DONE: Final = (
    "Готово за {seconds:.1f} с: источников {sources}, новых релизов {new}, с ошибкой {failed}"
)


def _when(value: datetime | None, now: datetime) -> str:
    if value is None:
        return "никогда"
    minutes = int((now - value).total_seconds() // 60)
    if minutes < 1:
        return "только что"
    if minutes < 60:
        return f"{minutes} мин назад"
    if minutes < 48 * 60:
        return f"{minutes // 60} ч назад"
    return f"{minutes // (24 * 60)} дн назад"


def stats(data: Stats, now: datetime) -> str:
    """/stats."""
    return "\n".join(
        [
            "📊 <b>Статистика</b>",
            f"Источники: {data.sources} (с ошибками: {data.sources_failing})",
            f"Новости: {data.releases} (за сутки: {data.releases_last_24h})",
            f"Подписчики: активны {data.subscribers_active}, на паузе {data.subscribers_paused},"
            f" заблокировали бота {data.subscribers_blocked}",
            f"Подписки: {data.subscriptions}",
            f"Доставки: отправлено {data.deliveries_sent}, ошибок {data.deliveries_failed},"
            f" в работе {data.deliveries_claimed}",
            f"Последний успешный опрос: {_when(data.last_ingest_at, now)}",
        ]
    )


def sources(health: Sequence[SourceHealth], now: datetime) -> list[str]:
    """/sources: one block per source, each far below Telegram's limit (names and errors
    are clipped); returns the blocks (the caller packs them into messages)."""
    blocks = []
    for entry in health:
        source = entry.source
        mark = "🔴" if entry.failing else ("⚪" if source.never_polled else "🟢")
        lines = [
            f"{mark} <b>{clip(source.name, MAX_SHOWN_VALUE)}</b> ({esc(source.kind)})",
            f"успех: {_when(source.last_success_at, now)}; новостей всего: {source.items_total}",
        ]
        if source.last_error:
            lines.append(
                f"ошибка {_when(source.last_error_at, now)} "
                f"(подряд: {source.consecutive_failures}): {clip(source.last_error, 200)}"
            )
        blocks.append("\n".join(lines))
    return blocks


# --- fallback and errors --------------------------------------------------------------

UNKNOWN_COMMAND: Final = "Не знаю такой команды. Список команд — /help."
NOT_TEXT: Final = "Я понимаю только текстовые команды. Список — /help."
PLAIN_TEXT_HELP: Final = (
    "Я <b>Депеша</b>: присылаю дайджест новостей по странам и темам, которые вы выберете.\n"
    "Подписаться: <code>/subscribe Мексика, ИИ</code> или кнопками — /countries, /topics.\n"
    "Дайджест сейчас — /digest, все команды — /help."
)
PLAIN_TEXT_OFFER: Final = "Подписаться на {items}?"
DIGEST_REPEATED: Final = (
    "Дайджест только что отправлен в этот чат — он выше. Новый можно запросить через минуту."
)
ERROR_APOLOGY: Final = "😔 Что-то пошло не так. Попробуйте ещё раз чуть позже."
THROTTLED: Final = "Не так быстро — подождите пару секунд."

# --- buttons --------------------------------------------------------------------------

BTN_COUNTRIES: Final = "🌍 Страны"
BTN_TOPICS: Final = "🗂 Темы"
BTN_SUBSCRIPTIONS: Final = "📋 Подписки"
BTN_DIGEST: Final = "📰 Дайджест"
BTN_LATEST: Final = "🆕 Последние"
BTN_SEARCH: Final = "🔎 Поиск"
BTN_SETTINGS: Final = "⚙️ Настройки"
BTN_HELP: Final = "❔ Помощь"
BTN_FIND: Final = "🔎 Найти"
BTN_DONE: Final = "Готово"
BTN_PREV: Final = "◀️"
BTN_NEXT: Final = "▶️"
BTN_ALL_COUNTRIES: Final = "Все страны"
BTN_TIME: Final = "🕘 Время"
BTN_ZONE: Final = "🌐 Часовой пояс"
BTN_MODE: Final = "📬 Режим"
BTN_PAUSE: Final = "⏸ Пауза"
BTN_RESUME: Final = "▶️ Возобновить"
BTN_STOP: Final = "⛔ Стоп"
BTN_UNSUBSCRIBE: Final = "✖ Отписаться"
BTN_OFFER_YES: Final = "✅ Подписаться"
BTN_OFFER_NO: Final = "Не нужно"
BTN_STOP_DELETE: Final = "🗑 Да, удалить всё"
BTN_STOP_PAUSE: Final = "⏸ Только пауза"
BTN_CANCEL: Final = "Отмена"
MODE_BUTTONS: Final[dict[DeliveryMode, str]] = {
    DeliveryMode.DAILY: "📅 Раз в день",
    DeliveryMode.WEEKLY: "🗓 Раз в неделю",
    DeliveryMode.INSTANT: "⚡ Сразу",
    DeliveryMode.OFF: "🔕 По запросу",
}


# --- the weekly review, subscribe by link ---------------------------------------------

#: /day buttons, Monday first (the short forms people type after /day).
DAY_BUTTONS: Final = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")
DAY_PROMPT: Final = "🗓 Обзор недели приходит {every} в {time}. Выберите день:"
DAY_SET: Final = "🗓 Обзор недели будет приходить {every} в {time}."
DAY_NOT_WEEKLY: Final = "\nСейчас режим — {mode}; чтобы получать обзор по расписанию: /mode weekly."
DAY_BAD: Final = (
    "Не понял день «{value}». Напишите, например, <code>/day пн</code> или "
    "<code>/day пятница</code> — или выберите кнопкой: /day."
)
WEEK_PREPARING: Final = "📊 Готовлю обзор недели…"
LINKS_NO_USERNAME: Final = "У бота нет имени пользователя — ссылки для подписки недоступны."


def day_text(template: str, subscriber: Subscriber, every: str) -> str:
    """``DAY_PROMPT``/``DAY_SET`` for a subscriber, with the mode hint when the
    scheduled review is not on (its mode is not weekly)."""
    text = template.format(every=esc(every), time=subscriber.digest_time)
    if subscriber.mode is not DeliveryMode.WEEKLY and template is DAY_SET:
        text += DAY_NOT_WEEKLY.format(mode=MODE_LABELS[subscriber.mode])
    return text


# ---------------------------------------------------------------- command line: PostgreSQL

BACKUP_PG_HINT: Final = (
    "База в PostgreSQL (DATABASE_URL): копию делает pg_dump, пароль он берёт из PGPASSWORD"
    " или ~/.pgpass:\n  {dump}\nВосстановление: pg_restore --dbname=<URL пустой базы> <файл>"
)
MIGRATE_PROGRESS: Final = "перенос: {table} — {rows} строк"
MIGRATE_DONE: Final = (
    "Готово: перенесено в {target}: {summary}. Укажите DATABASE_URL и запустите бота."
)
