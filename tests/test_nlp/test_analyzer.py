"""The analysis facade: fields, publisher country from the URL, search lemmas."""

from __future__ import annotations

import pytest

from bot.nlp.analyzer import Analyzer, country_from_url


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
