"""Parsing /subscribe arguments and the shared phrase lemmatisation."""

from __future__ import annotations

import pytest

from bot.nlp.countries import CountryGazetteer
from bot.nlp.morph import Morphology
from bot.nlp.query import (
    exclusion_term,
    lemmatize_words,
    normalize_phrase,
    parse_subscription_request,
)


@pytest.fixture(scope="module")
def morph() -> Morphology:
    return Morphology()


@pytest.fixture(scope="module")
def gazetteer(morph: Morphology) -> CountryGazetteer:
    return CountryGazetteer.load(morph)


@pytest.mark.parametrize(
    ("text", "countries", "topics"),
    [
        ("Мексика, ИИ", ("MX",), ("technology",)),
        ("мексиканские новости", ("MX",), ()),
        ("Казахстан и Узбекистан", ("KZ", "UZ"), ()),
        ("все новости про Саудовскую Аравию и ОАЭ", ("SA", "AE"), ()),
        ("США; РФ\nКНДР", ("US", "RU", "KP"), ()),
        ("Босния и Герцеговина", ("BA",), ()),
        ("Казахстан – Мексика", ("KZ", "MX"), ()),
        ("энергетика", (), ("energy",)),
        ("по энергетике", (), ("energy",)),
        ("экономику", (), ("economy",)),
        ("спорт", (), ("sport",)),
        ("безопасность", (), ("security",)),
        ("визы", (), ("consular",)),
        ("IT", (), ("technology",)),
        ("ИИ", (), ("technology",)),
        ("искусственный интеллект", (), ("technology",)),
        ("цифровизация", (), ("technology",)),
        ("климат", (), ("ecology",)),
        ("гуманитарка", (), ("humanitarian",)),
        ("Политика и дипломатия", (), ("politics",)),
        ("Консульские вопросы и визы", (), ("consular",)),
        ("тема: здравоохранение", (), ("health",)),
        ("Китай, туризм, образование", ("CN",), ("tourism", "education")),
    ],
)
def test_countries_and_topics(
    gazetteer: CountryGazetteer,
    morph: Morphology,
    text: str,
    countries: tuple[str, ...],
    topics: tuple[str, ...],
) -> None:
    request = parse_subscription_request(text, gazetteer, morph)
    assert request.countries == countries
    assert request.topics == topics
    assert request.unknown == ()


@pytest.mark.parametrize(
    ("text", "keywords", "excludes", "countries", "excluded_topics"),
    [
        ('"цифровой кодекс"', ("цифровой кодекс",), (), (), ()),
        ("«цифровой кодекс»", ("цифровой кодекс",), (), (), ()),
        ("Мексика «Группа дружбы» -бокс", ("Группа дружбы",), ("бокс",), ("MX",), ()),
        ("Мексика «Группа дружбы» -спорт", ("Группа дружбы",), (), ("MX",), ("sport",)),
        ("-спорт", (), (), (), ("sport",)),
        ("-энергетика -бокс", (), ("бокс",), (), ("energy",)),
        ("-нефть", (), (), (), ("energy",)),
        ("Казахстан, −футбол, –хоккей", (), ("футбол", "хоккей"), ("KZ",), ()),
    ],
)
def test_keywords_and_excludes(
    gazetteer: CountryGazetteer,
    morph: Morphology,
    *,
    text: str,
    keywords: tuple[str, ...],
    excludes: tuple[str, ...],
    countries: tuple[str, ...],
    excluded_topics: tuple[str, ...],
) -> None:
    request = parse_subscription_request(text, gazetteer, morph)
    assert request.keywords == keywords
    assert request.excludes == excludes
    assert request.countries == countries
    assert request.excluded_topics == excluded_topics
    assert request.unknown == ()


@pytest.mark.parametrize(
    ("word", "term"),
    [
        ("бокс", "бокс*"),
        ("спортсменами", "спортсмен*"),
        ("нефти", "нефт*"),
        ("санкций", "санкц*"),
        ("футбольный", "футбольн*"),
        ("газ", "газ"),
        ("ИИ", "ии"),
        ("!!", ""),
    ],
)
def test_exclusion_term_is_a_stem(morph: Morphology, word: str, term: str) -> None:
    assert exclusion_term(word, morph) == term


@pytest.mark.parametrize(
    ("text", "unknown", "suggested"),
    [
        ("Мексико", "Мексико", "MX"),
        ("Казахстн", "Казахстн", "KZ"),
        ("энергетка", "энергетка", "energy"),
    ],
)
def test_unknown_parts_get_suggestions(
    gazetteer: CountryGazetteer, morph: Morphology, text: str, unknown: str, suggested: str
) -> None:
    request = parse_subscription_request(text, gazetteer, morph)
    assert request.unknown == (unknown,)
    assert suggested in request.suggestions[unknown]


def test_nonsense_is_unknown_without_suggestions(
    gazetteer: CountryGazetteer, morph: Morphology
) -> None:
    request = parse_subscription_request("Мексика, абвгдейка", gazetteer, morph)
    assert request.countries == ("MX",)
    assert request.unknown == ("абвгдейка",)
    assert "абвгдейка" not in request.suggestions


def test_empty_request(gazetteer: CountryGazetteer, morph: Morphology) -> None:
    request = parse_subscription_request("  ", gazetteer, morph)
    assert request.is_empty


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Цифрового кодекса", "цифровой кодекс"),
        ("цифровой кодекс", "цифровой кодекс"),
        ("Ёлки, ЗЕЛЁНЫЕ", "елка зеленый"),
        ("казахско-мексиканских отношений", "казахско-мексиканский отношение"),
        ("", ""),
    ],
)
def test_normalize_phrase(morph: Morphology, text: str, expected: str) -> None:
    assert normalize_phrase(text, morph) == expected


def test_lemmatize_words_keeps_hyphenated_whole_and_parts(morph: Morphology) -> None:
    assert lemmatize_words("казахско-мексиканских отношений", morph) == [
        "казахско-мексиканский",
        "казахско",
        "мексиканский",
        "отношение",
    ]
    assert lemmatize_words("казахско-мексиканских", morph, with_parts=False) == [
        "казахско-мексиканский"
    ]
