"""The extractive summarizer: sentence choice, title restatements, length limits."""

from __future__ import annotations

import pytest

from bot.nlp.analyzer import Analyzer
from bot.nlp.summarize import ELLIPSIS, LANGUAGE_NOTES, MAX_SUMMARY_CHARS, shorten

LONG_SENTENCE = (
    "Посольство Республики Казахстан в Соединённых Штатах Мексики приняло участие в "
    "торжественной церемонии открытия новой парламентской группы дружбы, которая была "
    "создана по инициативе депутатов нижней палаты Генерального конгресса, в рамках "
    "шестьдесят шестого созыва, при участии послов государств Центральной Азии, "
    "представителей деловых кругов, университетов и средств массовой информации обеих стран."
)


def test_long_first_sentence_is_cut_at_a_clause() -> None:
    assert len(LONG_SENTENCE) > MAX_SUMMARY_CHARS
    short = shorten(LONG_SENTENCE)
    assert len(short) <= MAX_SUMMARY_CHARS
    assert short.endswith(ELLIPSIS)
    head = short.removesuffix(ELLIPSIS)
    assert LONG_SENTENCE.startswith(head)
    # the cut is at a clause boundary: the next original character is a comma
    assert LONG_SENTENCE[len(head)] == ","


def test_sentence_without_clauses_is_cut_between_words() -> None:
    sentence = " ".join(["слово"] * 80) + "."
    short = shorten(sentence, 100)
    assert len(short) <= 100
    assert short.removesuffix(ELLIPSIS).split() == ["слово"] * len(short.split())


def test_short_sentence_kept_whole() -> None:
    assert shorten("Короткое предложение.") == "Короткое предложение."


@pytest.mark.parametrize(
    ("title", "text", "expected_start"),
    [
        (
            "Казахстан откроет посольство в Мексике",
            "Мехико, 3 мая 2025 года – Казахстан откроет посольство в Мексике. "
            "Решение поможет расширить торговые связи и упростит выдачу виз гражданам обеих стран.",
            "Решение поможет",
        ),
        (
            None,
            "Астана. 30 июня. ИНТЕРФАКС-КАЗАХСТАН - Стороны подписали соглашение о поставках зерна "
            "в страны Персидского залива. Документ рассчитан на пять лет.",
            "Стороны подписали соглашение",
        ),
        (
            "Встреча послов",
            "Посол встретился с коллегами и обсудил подготовку визита, сообщает Kazinform.",
            "Посол встретился",
        ),
    ],
)
def test_summary_choice(
    analyzer: Analyzer, title: str | None, text: str, expected_start: str
) -> None:
    analysis = analyzer.analyze(title=title, text=text)
    summary = analysis.summary
    # An untitled release gets the news as its headline and a summary that does not
    # repeat it; a titled one gets the news in its summary.
    assert (analysis.title if title is None else summary).startswith(expected_start)
    assert not analysis.title.startswith(summary[:20])
    assert "Kazinform" not in summary
    assert "ИНТЕРФАКС" not in summary
    assert len(summary) <= MAX_SUMMARY_CHARS


def test_long_lead_summary_fits(analyzer: Analyzer) -> None:
    summary = analyzer.analyze(title="Группа дружбы", text=LONG_SENTENCE + " Далее текст.").summary
    assert len(summary) <= MAX_SUMMARY_CHARS
    assert summary.endswith((ELLIPSIS, "."))


def test_short_first_sentence_gets_a_second(analyzer: Analyzer) -> None:
    text = (
        "Казахстан готов обучать студентов. Гранты получат выпускники школ из соседних стран. "
        "Прием документов начнется летом."
    )
    summary = analyzer.analyze(title="Гранты для студентов", text=text).summary
    assert (
        summary
        == "Казахстан готов обучать студентов. Гранты получат выпускники школ из соседних стран."
    )


def test_untitled_release_gets_a_headline_and_a_summary_that_does_not_repeat_it(
    analyzer: Analyzer,
) -> None:
    text = (
        "Казахстан готов обучать студентов. Гранты получат выпускники школ из соседних стран. "
        "Прием документов начнется летом."
    )
    analysis = analyzer.analyze(title=None, text=text)
    sentences = [sentence.rstrip(".") for sentence in text.split(". ")]
    assert analysis.title in sentences
    assert analysis.summary
    assert analysis.title not in analysis.summary


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Қазақстан Республикасының елшісі Мексика парламентінің депутаттарымен кездесті. "
            "Тараптар екіжақты ынтымақтастықты талқылады.",
            "kk",
        ),
        (
            "The Embassy of Kazakhstan in Mexico held a meeting with members of parliament. "
            "The sides discussed trade and investment.",
            "en",
        ),
    ],
)
def test_non_russian_text_gets_a_russian_note(analyzer: Analyzer, text: str, language: str) -> None:
    analysis = analyzer.analyze(title=None, text=text)
    assert analysis.language == language
    assert analysis.summary == LANGUAGE_NOTES[language]
    assert analysis.topics


@pytest.mark.parametrize("text", ["", "   ", "!!!", "<p></p>", "12345"])
def test_empty_and_garbage_inputs(analyzer: Analyzer, text: str) -> None:
    analysis = analyzer.analyze(title=None, text=text)
    assert len(analysis.summary) <= MAX_SUMMARY_CHARS
    assert analysis.topics
    assert analysis.language == "other"
