"""Text clean-up: HTML, whitespace, repeated titles, datelines, attributions, sentences."""

from __future__ import annotations

import random

import pytest

from bot.nlp.text import (
    clean_text,
    drop_repeated_title,
    join_broken_lines,
    normalize_whitespace,
    split_sentences,
    strip_attribution,
    strip_dateline,
    strip_html,
    words,
)


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (
            "Мехико, 30 сентября 2025 года – Посольство провело приём.",
            "Посольство провело приём.",
        ),
        ("Астана - 8 октября /KZinform/. Министр принял посла.", "Министр принял посла."),
        (
            "Астана. 30 июня. ИНТЕРФАКС-КАЗАХСТАН - Стороны подписали соглашение.",
            "Стороны подписали соглашение.",
        ),
        ("москва, 1 дек — риа новости. пожар потушен за час.", "пожар потушен за час."),
        ("МОСКВА, 22 октября. /ТАСС/. Глава МИД прибыл с визитом.", "Глава МИД прибыл с визитом."),
        ("30 марта, Минск /Корр. БЕЛТА/. Открылась выставка.", "Открылась выставка."),
        ("ДУШАНБЕ, 17 ноя — Sputnik. Совещание прошло в столице.", "Совещание прошло в столице."),
        (
            "Ташкент, Узбекистан (UzDaily.uz) —15 апреля прошла встреча.",
            "15 апреля прошла встреча.",
        ),
        ("АСТАНА. КАЗИНФОРМ - Делегация посетила завод.", "Делегация посетила завод."),
        # Not datelines: kept as they are.
        ("24 ноября в Москве состоялось заседание.", "24 ноября в Москве состоялось заседание."),
        ("Казахстан и Мексика – давние партнёры.", "Казахстан и Мексика – давние партнёры."),
        (
            "30 января 2025 г. и.о. посла провёл беседу.",
            "30 января 2025 г. и.о. посла провёл беседу.",
        ),
        ("Сегодня, 27 января, министр принял посла.", "Сегодня, 27 января, министр принял посла."),
        ("В Астане 5 мая прошёл форум.", "В Астане 5 мая прошёл форум."),
        ("", ""),
    ],
)
def test_strip_dateline(paragraph: str, expected: str) -> None:
    assert strip_dateline(paragraph) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Посольство откроют в Мексике, сообщает Bizmedia.kz.", "Посольство откроют в Мексике."),
        ("Министр прибыл в Баку — пишет Kazinform", "Министр прибыл в Баку."),
        ("Как передает Report, стороны подписали план.", "Стороны подписали план."),
        ("Об этом сообщает пресс-служба МИД.", ""),
        ("Стороны обсудили торговлю и инвестиции.", "Стороны обсудили торговлю и инвестиции."),
    ],
)
def test_strip_attribution(sentence: str, expected: str) -> None:
    assert strip_attribution(sentence) == expected


def test_title_repeated_twice_is_dropped() -> None:
    title = "Посол провёл встречу с депутатами парламента"
    text = f"{title}\n\n{title}\n\nАлматы, 2 мая 2024 года – Посол встретился с депутатами."
    assert clean_text(text, title) == "Посол встретился с депутатами."


def test_repeated_first_paragraph_dropped_without_title() -> None:
    text = "Открыт новый центр\n\nОткрыт новый центр\n\nЦентр принял первых гостей."
    assert drop_repeated_title(text, None) == "Центр принял первых гостей."


def test_title_run_into_body_keeps_the_rest() -> None:
    title = "Дипломаты обсудили ход реформ и перспективы сотрудничества"
    text = f"{title} Встреча прошла в Астане."
    assert drop_repeated_title(text, title) == "Встреча прошла в Астане."


LONG_LEAD = (
    "Министр иностранных дел Казахстана провёл встречу с послом Мексики, "
    "стороны обсудили торгово-экономическое сотрудничество и визиты"
)


@pytest.mark.parametrize(
    ("text", "title", "expected"),
    [
        # A long first paragraph repeated below, in other letter case and punctuation.
        (f"{LONG_LEAD}\n\n{LONG_LEAD.upper()}!\n\nДалее.", None, "Далее."),
        # The same head, a different end: not a repetition.
        (
            f"{LONG_LEAD}\n\n{LONG_LEAD} на полях форума\n\nДалее.",
            None,
            f"{LONG_LEAD}\n\n{LONG_LEAD} на полях форума\n\nДалее.",
        ),
        # A long title run into a long body, and one the body does not start with.
        (f"{LONG_LEAD}. Встреча прошла в Астане.", LONG_LEAD, "Встреча прошла в Астане."),
        (
            f"Встреча прошла в Астане. {LONG_LEAD}.",
            LONG_LEAD,
            f"Встреча прошла в Астане. {LONG_LEAD}.",
        ),
        # «Σ» lower-cases by what follows it: such heads are fingerprinted whole.
        ("ΟΔΟΣ " * 20 + "\n\n" + "ΟΔΟΣ " * 20 + "\n\nΔΑ.", None, "ΔΑ."),
        ("Α" * 63 + "ΣΒ τέλος\n\n" + "α" * 63 + "σβ τέλος\n\nΔΑ.", None, "ΔΑ."),
    ],
)
def test_repeated_heads_by_fingerprint(text: str, title: str | None, expected: str) -> None:
    assert drop_repeated_title(text, title) == expected


def test_html_entities_and_tags() -> None:
    raw = "<p>Посол&nbsp;вручил &laquo;грамоты&raquo;</p><script>x()</script><br>Далее&amp;т.д."
    cleaned = clean_text(raw)
    assert "<" not in cleaned
    assert "«грамоты»" in cleaned
    assert "x()" not in cleaned
    assert strip_html("a &amp;amp; b") == "a & b"


def test_whitespace_and_meta_lines() -> None:
    raw = "  2024-03-30 14:13 \n\n\n Автор Иван Петров\n\nПосол   провёл\tвстречу. "
    assert clean_text(raw) == "Посол провёл встречу."


def test_glued_sentences_split() -> None:
    assert split_sentences(clean_text("Прошёл форум, сообщает БЕЛТА.В нём участвовали послы.")) == [
        "Прошёл форум, сообщает БЕЛТА.",
        "В нём участвовали послы.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("Первое. Второе предложение!", ["Первое.", "Второе предложение!"]),
        (
            "Встречу провёл С.В. Лавров. Итоги подвели т.е. вчера.",
            ["Встречу провёл С.В. Лавров.", "Итоги подвели т.е. вчера."],
        ),
        ("Строка без точки\n\nДругая строка.", ["Строка без точки", "Другая строка."]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_words_keep_compounds() -> None:
    assert words("казахско-мексиканских отношений, 2025 г.") == [
        "казахско-мексиканских",
        "отношений",
        "2025",
        "г",
    ]


@pytest.mark.parametrize("garbage", ["", "   ", "\n\n", "!!! ??? ...", "<br><br>", "&nbsp;"])
def test_garbage_cleans_to_empty_or_punctuation(garbage: str) -> None:
    cleaned = clean_text(garbage)
    assert not words(cleaned)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["Посол встретился с коллегами, а также", "20-летнего юбилея академии."], 1),
        (["Посол встретился с коллегами из", "соседних стран."], 1),
        (["Делегация посетила", "музей и библиотеку."], 1),
        (["Состоялись встречи:", "- с ректором;", "- с деканом."], 3),
        (["Заголовок без точки", "Первый абзац текста."], 2),
        (["Первое предложение.", "второе с маленькой буквы."], 2),
    ],
)
def test_join_broken_lines(lines: list[str], expected: int) -> None:
    joined = join_broken_lines(lines)
    assert len(joined) == expected
    assert " ".join(joined) == " ".join(lines)


def test_clean_text_mends_a_sentence_broken_by_a_line() -> None:
    text = "Посол обсудил подготовку к юбилею Казахстана, а также\n20-летнего юбилея связей."
    assert clean_text(text) == (
        "Посол обсудил подготовку к юбилею Казахстана, а также 20-летнего юбилея связей."
    )


@pytest.mark.parametrize(
    "paragraph",
    [
        "Одно предложение без точки",
        "Одно предложение.",
        "Цитата: «Мы готовы».",
        "Сокращение т.е. внутри, и ещё одно: г.Алматы.",
        "Первое предложение. Второе предложение!",
        "Смайлик :) и дальше текст",
        "Вопрос? Ответ.",
        "Инициалы С.В. Лаврова и конец.",
        "  пробелы вокруг  ",
        "Встреча прошла в г. Астане. Стороны т. е. министры обсудили 1,5 млн. руб. В итоге…",
        "1. Первый пункт. 2) Второй пункт. а. Третий.",
        "Он сказал: «Мы готовы.» Затем ушёл. (См. выше.) Далее [текст]. {Скобки} конец",
        'Он спросил "почему?" и замолчал. "Ответа нет." — сказал он.',
        "А. С. Пушкин и Mr. Smith. e.g. example. — Тире после точки. — а строчная",
        "Смайлики :-) и ;) подряд ;-( . Конец!!! Вопрос?! Ответ…",
        # Full stops between a lower-case word and a capital: a cut, unless razdel knows
        # the word as an abbreviation, alone or in a pair.
        "Делегация прибыла. Встреча прошла в Астане. Стороны подписали план.",
        "Слово ед. Ч. и мн. Ч. в словаре, повел. Накл. Всё.",
        "Прибыл проф. Иванов и тов. Петров, ок. Полудня; дж. Смит. Конец.",
    ],
)
def test_sentences_are_razdels_within_a_paragraph(paragraph: str) -> None:
    assert split_sentences(paragraph) == _razdel_sentences(paragraph)


def _razdel_sentences(paragraph: str) -> list[str]:
    from razdel import sentenize

    return [s.text.strip() for s in sentenize(paragraph) if s.text.strip()]


#: Pieces that make razdel's rules fire: delimiters and spaces of every kind, smileys,
#: abbreviations, initials, list bullets, Roman numerals, lower- and upper-case words.
_SENTENCE_ATOMS = (
    ".", " ", "  ", "\t", "\u00a0", "?", "!", "…", ";", '"', "„", "'", "»", "”", "’", ")",
    "]", "}", "(", "«", ":)", ";-(", "=))", "-", "—", "т", "А", "С", "т.е.", "г.", "ул.",
    "и т.д.", "т. е.", "а", "б", "1", "12", "IV", "§", "2)", "3.", "см.", "млн.", "Т.е.",
    "Москва", "слово", "Слово", "USA", "e.g.", "Mr.",
)  # fmt: skip


def test_full_stops_between_words_cut_as_razdel_does() -> None:
    """The shortcut at a full stop between a lower-case word and a capital cuts as razdel's
    rules do: abbreviations of every kind razdel knows, initials and pairs included."""
    from razdel.segmenters.sokr import HEAD_SOKRS, INITIALS, PAIR_SOKRS, SOKRS

    known = sorted(set(HEAD_SOKRS) | set(SOKRS) | set(INITIALS))
    words = ["слово", "ёлка", "ян", "т", "е", "слово_", "слово1", "Слово", "США", "Д", "Т"]
    words += known + [word.capitalize() for word in known]
    parts = [part for pair in PAIR_SOKRS for part in pair]
    words += parts + [part.capitalize() for part in parts] + [" ".join(p) for p in PAIR_SOKRS]
    stops = [". ", ".  ", ".\u00a0", " ", ", ", "! ", ".", "… ", ". «", ". (", ". —"]
    rng = random.Random(5)
    for _ in range(20_000):
        paragraph = "".join(rng.choice(words) + rng.choice(stops) for _ in range(rng.randint(1, 8)))
        assert split_sentences(paragraph) == _razdel_sentences(paragraph), repr(paragraph)


def test_sentences_are_razdels_for_random_paragraphs() -> None:
    """The shortcut at delimiters with no space after them cuts as razdel's rules do."""
    rng = random.Random(11)
    for _ in range(20_000):
        paragraph = "".join(rng.choice(_SENTENCE_ATOMS) for _ in range(rng.randint(1, 25)))
        assert split_sentences(paragraph) == _razdel_sentences(paragraph), repr(paragraph)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Посол\u00a0прибыл  в   Астану.", "Посол прибыл в Астану."),
        ("Посол\u200b прибыл\u00ad.", "Посол прибыл."),
        ("Строка\r\nдругая", "Строка\nдругая"),
        ("Абзац\n\n\n\nабзац", "Абзац\n\nабзац"),
        ("Ничего лишнего.", "Ничего лишнего."),
    ],
)
def test_normalize_whitespace(text: str, expected: str) -> None:
    assert normalize_whitespace(text) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Стороны подписали соглашение, СООБЩАЕТ Kazinform.", "Стороны подписали соглашение."),
        ("Стороны подписали соглашение, пишет Kazinform.", "Стороны подписали соглашение."),
        ("Стороны подписали соглашение.", "Стороны подписали соглашение."),
    ],
)
def test_trailing_attribution_in_any_case(sentence: str, expected: str) -> None:
    assert strip_attribution(sentence) == expected


def test_glued_sentences_split_after_three_letters_only() -> None:
    text = "Об этом сообщает БЕЛТА.В мероприятии г.Осло С.В.Лавров участвовал."
    assert clean_text(text) == (
        "Об этом сообщает БЕЛТА. В мероприятии г.Осло С.В.Лавров участвовал."
    )
