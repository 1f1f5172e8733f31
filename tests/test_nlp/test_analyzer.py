"""The analysis facade: fields, publisher country from the URL, search lemmas."""

from __future__ import annotations

import dataclasses

import pytest

from bot.nlp.analyzer import Analyzer, Release, country_from_url
from bot.nlp.query import lemmatize_words
from bot.nlp.text import clean_text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.gov.kz/memleket/entities/mfa/press/news/details/1?lang=ru", "KZ"),
        ("https://mid.ru/ru/foreign_policy/news/1/", "RU"),
        ("https://uzdaily.uz/ru/post/1", "UZ"),
        ("https://24.kg/obschestvo/1", "KG"),
        ("https://www.mfa.tj/ru/main/view/1", "TJ"),
        ("https://belta.by/politics/view/1", "BY"),
        ("https://report.az/ru/1", "AZ"),
        ("https://eadaily.com/ru/news/1", None),
        ("not a url", None),
        ("", None),
        (None, None),
    ],
)
def test_country_from_url(url: str | None, expected: str | None) -> None:
    assert country_from_url(url) == expected


def test_analysis_fields(analyzer: Analyzer) -> None:
    analysis = analyzer.analyze(
        title="Послы обсудили казахстанско-мексиканское сотрудничество",
        text="Мехико, 3 мая 2025 года – Посол Казахстана встретился с депутатами Мексики. "
        "Стороны обсудили торговлю и инвестиции.",
        url="https://www.gov.kz/news/1",
    )
    assert set(analysis.countries) >= {"KZ", "MX"}
    assert analysis.primary_country == "MX"
    assert analysis.language == "ru"
    assert "посол" in analysis.search_text.split()
    assert "депутат" in analysis.search_text.split()
    assert analysis.summary.startswith("Посол Казахстана")


def test_without_index_only_the_search_text_is_left_out(analyzer: Analyzer) -> None:
    release = {
        "title": None,
        "text": "Астана, 5 мая 2025 года – Министр иностранных дел Казахстана провёл встречу "
        "с послом Мексики. Стороны обсудили торгово-экономическое сотрудничество.\n"
        "Также обсуждалась подготовка визита в Мехико.",
    }
    indexed = analyzer.analyze(**release)
    plain = analyzer.analyze(**release, index=False)
    assert plain.search_text == ""
    assert indexed.search_text
    assert plain == dataclasses.replace(indexed, search_text="")


def test_search_text_is_what_queries_are_matched_with(analyzer: Analyzer) -> None:
    title = "ИИ в торгово-экономическом сотрудничестве"
    text = "Казахстан и ОАЭ обсудили применение ИИ.\nСтороны договорились о встречах."
    analysis = analyzer.analyze(title=title, text=text)
    body = clean_text(text, title)
    expected = lemmatize_words(f"{title}\n{body}", analyzer.morph)
    assert analysis.search_text.split() == expected
    assert {"ии", "оаэ", "торгово-экономический", "экономический"} <= set(expected)


BATCH = [
    Release(
        title="Казахстан и Мексика обсудили торговлю",
        text="Мехико, 3 мая 2025 года – Посол Казахстана встретился с министром экономики "
        "Мексики. Стороны обсудили рост товарооборота и инвестиции.",
        url="https://www.gov.kz/news/1",
    ),
    Release(
        title=None,
        text="Астана, 5 мая 2025 года – Министр иностранных дел Казахстана провёл встречу "
        "с послом Мексики. Стороны обсудили торгово-экономическое сотрудничество.\n"
        "Также обсуждалась подготовка визита в Мехико.",
        publisher_country="KZ",
    ),
    Release(title=None, text="Қазақстан Республикасының елшісі Мексика депутаттарымен кездесті."),
    Release(title="Embassy news", text="The Embassy of Kazakhstan in Mexico held a meeting."),
    Release(title="<b>Заголовок</b>", text="<p>Посольство России в Узбекистане.</p><p>Ещё.</p>"),
    Release(title="Пусто", text=""),
]


def test_a_batch_is_analysed_as_its_releases_one_by_one(analyzer: Analyzer) -> None:
    """The stages run over the whole batch; no release's result depends on its company."""
    alone = [analyzer.analyze_many([release])[0] for release in BATCH]
    assert analyzer.analyze_many(BATCH) == alone
    assert analyzer.analyze_many(BATCH[::-1], index=False) == [
        dataclasses.replace(analysis, search_text="") for analysis in alone[::-1]
    ]
    assert (
        analyzer.analyze(title=BATCH[0].title, text=BATCH[0].text, url=BATCH[0].url) == (alone[0])
    )
    assert analyzer.analyze_many([]) == []
