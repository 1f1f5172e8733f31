"""Telegram HTML → terminal text: styles with colour, plain text without, URLs kept."""

from __future__ import annotations

import pytest

from bot.demo.terminal import sgr, telegram_html_to_terminal

ESC = "\x1b["


@pytest.mark.parametrize(
    ("markup", "plain"),
    [
        ("<b>Дайджест</b>\n7 новостей", "Дайджест\n7 новостей"),
        ("<i>курсив</i> и <u>подчёркнутое</u>", "курсив и подчёркнутое"),
        ("Мексика &amp; Казахстан &lt;3&gt;", "Мексика & Казахстан <3>"),
        (
            '<a href="http://x.test/a?b=1&amp;c=2">Заголовок</a>',
            "Заголовок (http://x.test/a?b=1&c=2)",
        ),
        ('<a href="http://x.test/">http://x.test/</a>', "http://x.test/"),
        ("<blockquote>первая\nвторая</blockquote>", "▎ первая\n▎ вторая"),
        ("<code>code</code> <tg-spoiler>тайна</tg-spoiler>", "code тайна"),
        ("<unknown>текст</unknown>", "текст"),
    ],
)
def test_plain_text_without_colour(markup: str, plain: str) -> None:
    assert telegram_html_to_terminal(markup, color=False) == plain


def test_bold_and_link_styles_with_colour() -> None:
    text = telegram_html_to_terminal(
        '<b>Жирный</b> <a href="http://x.test/">ссылка</a>', color=True
    )
    assert f"{ESC}1mЖирный{ESC}0m" in text
    assert f"{ESC}34;4mссылка{ESC}0m" in text
    assert "(http://x.test/)" in text


def test_nested_styles_combine_and_reset_per_line() -> None:
    text = telegram_html_to_terminal("<b>a <i>b\nc</i></b>", color=True)
    assert f"{ESC}1;3mb{ESC}0m\n{ESC}1;3mc{ESC}0m" in text


def test_unbalanced_markup_does_not_leak_styles() -> None:
    text = telegram_html_to_terminal("<b>открыт <i>вложен</b> после", color=True)
    assert text.endswith(" после")


def test_sgr_is_plain_without_colour() -> None:
    assert sgr("x", "1", color=False) == "x"
    assert sgr("", "1", color=True) == ""
    assert sgr("x", "1", color=True) == f"{ESC}1mx{ESC}0m"
