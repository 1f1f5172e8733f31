"""The country gazetteer: mentions in every case form, homonym guards, detect, lookup."""

from __future__ import annotations

import pytest

from bot.nlp.countries import CountryGazetteer, CountryMention
from bot.nlp.morph import Morphology


@pytest.fixture(scope="module")
def gazetteer() -> CountryGazetteer:
    return CountryGazetteer.load(Morphology())


def codes(gazetteer: CountryGazetteer, text: str) -> set[str]:
    return {m.code for m in gazetteer.mentions(text)}


CASE_FORMS = [
    ("MX", ["Мексика", "Мексики", "Мексике", "Мексику", "Мексикой", "о Мексике"]),
    ("KZ", ["Казахстан", "Казахстана", "Казахстану", "Казахстаном", "Казахстане"]),
    ("US", ["США", "Соединённые Штаты Америки", "Соединенных Штатов", "Соединёнными Штатами"]),
    ("AE", ["ОАЭ", "Объединённые Арабские Эмираты", "Объединённых Арабских Эмиратах"]),
    ("RU", ["Россия", "России", "Россией", "РФ", "Российской Федерации", "Российскую Федерацию"]),
    ("CN", ["Китай", "Китая", "Китаю", "Китаем", "КНР", "Китайской Народной Республики"]),
    ("KR", ["Южная Корея", "Южной Кореи", "Южную Корею", "Республикой Корея"]),
    ("SA", ["Саудовская Аравия", "Саудовской Аравии", "Саудовскую Аравию", "Саудовской Аравией"]),
    ("BY", ["Белоруссия", "Беларусь", "Белоруссии", "Беларуси", "Беларусью"]),
    ("KG", ["Кыргызстан", "Кыргызстане", "Киргизия", "Киргизии", "Кыргызской Республики"]),
    ("GB", ["Великобритания", "Великобритании", "Британией", "Соединённого Королевства"]),
    ("DE", ["Германия", "Германии", "Германию", "ФРГ"]),
    ("KP", ["КНДР", "Северная Корея", "Северной Кореи"]),
    ("UZ", ["Узбекистан", "Узбекистана", "Узбекистаном"]),
]


@pytest.mark.parametrize(
    ("code", "form"), [(code, form) for code, forms in CASE_FORMS for form in forms]
)
def test_every_case_form_is_found(gazetteer: CountryGazetteer, code: str, form: str) -> None:
    text = f"На прошлой неделе делегация посетила {form} с рабочим визитом."
    assert codes(gazetteer, text) == {code}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Мексиканские депутаты приехали в Астану.", {"MX", "KZ"}),
        ("Развитие казахско-мексиканских отношений обсудили послы.", {"KZ", "MX"}),
        ("Состоялся российско-китайский форум.", {"RU", "CN"}),
        ("Узбекско-американские консультации прошли в среду.", {"UZ", "US"}),
        ("Открылась англо-казахстанская школа.", {"GB", "KZ"}),
        ("Турецкая сторона предложила новый маршрут.", {"TR"}),
        ("Группа дружбы «Казахстан – Мексика» провела заседание.", {"KZ", "MX"}),
        ("Форум прошёл в Мехико, а затем в Ташкенте.", {"MX", "UZ"}),
        ("Делегация прибыла в Нью-Дели из Бишкека.", {"IN", "KG"}),
        ("Переговоры в Кот-д’Ивуаре и в Гвинее-Бисау завершены.", {"CI", "GW"}),
        ("Бизнесмены из Латинской Америки приехали на выставку.", set()),
    ],
)
def test_adjectives_compounds_and_cities(
    gazetteer: CountryGazetteer, text: str, expected: set[str]
) -> None:
    assert codes(gazetteer, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Того же мнения придерживается и министр.",
        "Он сказал это для того, чтобы всех успокоить.",
        "Письмо было написано гусиным перу подобным пером, по перу видно мастера.",
        "В комнате стоял чад от сгоревшего масла, дети были в чаду.",
        "Мали ещё дети, когда это случилось.",
        "Он купил белую панаму и поехал на море.",
        "Катар верхних дыхательных путей лечат долго.",
    ],
)
def test_homonyms_are_not_countries(gazetteer: CountryGazetteer, text: str) -> None:
    assert codes(gazetteer, text) & {"TG", "PE", "TD", "ML", "PA", "QA"} == set()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Посол Казахстана вручил верительные грамоты президенту Того.", "TG"),
        ("Министр посетил Перу и Чили.", "PE"),
        ("Гуманитарный груз отправлен в Чад.", "TD"),
        ("Делегация Мали прибыла в Астану.", "ML"),
    ],
)
def test_homonym_countries_are_found_in_context(
    gazetteer: CountryGazetteer, text: str, code: str
) -> None:
    assert code in codes(gazetteer, text)


def test_mention_offsets_and_kind(gazetteer: CountryGazetteer) -> None:
    text = "Посол в США встретился с мексиканскими коллегами."
    found = gazetteer.mentions(text)
    assert found == [
        CountryMention("US", 8, 11, "США", "abbreviation"),
        CountryMention("MX", 25, 38, "мексиканскими", "adjective"),
    ]
    assert all(text[m.start : m.end] == m.surface for m in found)


@pytest.mark.parametrize(
    ("text", "publisher", "expected"),
    [
        ("Граждане РК могут въезжать без визы.", None, "KZ"),
        ("Граждане РК могут въезжать без визы.", "KZ", "KZ"),
        ("Граждане РК могут въезжать без визы.", "KR", "KR"),
        ("МИД КР сообщил о новых правилах.", None, "KG"),
        ("Президент РФ подписал указ.", None, "RU"),
    ],
)
def test_abbreviations_by_publisher(
    gazetteer: CountryGazetteer, text: str, publisher: str | None, expected: str
) -> None:
    found = gazetteer.mentions(text, publisher_country=publisher)
    assert [m.code for m in found] == [expected]


def test_home_only_abbreviation(gazetteer: CountryGazetteer) -> None:
    text = "Об этом сообщили в МИД РТ."
    assert codes(gazetteer, text) == set()
    assert {m.code for m in gazetteer.mentions(text, publisher_country="TJ")} == {"TJ"}


BILATERAL = (
    "Посольство Казахстана в Мексике провело встречу с мексиканскими депутатами. "
    "Посол Казахстана рассказал о реформах. Стороны обсудили развитие казахско-мексиканских "
    "отношений и подготовку визита делегации Мексики в Астану."
)


@pytest.mark.parametrize(
    ("title", "body", "publisher", "countries", "primary"),
    [
        ("Казахстан и Мексика расширяют сотрудничество", BILATERAL, "KZ", {"KZ", "MX"}, "MX"),
        ("Казахстан и Мексика расширяют сотрудничество", BILATERAL, None, {"KZ", "MX"}, "MX"),
        (
            "Министр иностранных дел Узбекистана встретился с послом Японии",
            "Министр иностранных дел Узбекистана принял посла Японии. Обсуждены вопросы "
            "узбекско-японского сотрудничества в сфере образования.",
            "UZ",
            {"UZ", "JP"},
            "JP",
        ),
        (
            "Эксперты стран обсудили энергетику",
            "В заседании приняли участие представители Армении, Беларуси, Казахстана, "
            "Кыргызстана, России и Таджикистана.",
            None,
            {"AM", "BY", "KZ", "KG", "RU", "TJ"},
            None,
        ),
        (
            "В Астане открылся фестиваль",
            "В столице Казахстана открылся фестиваль туризма. Организаторы ждут гостей "
            "из всех регионов Казахстана.",
            "KZ",
            {"KZ"},
            "KZ",
        ),
        (
            "МИД провёл встречу с представителями ООН",
            "Заместитель министра иностранных дел Казахстана встретился с представителями ООН. "
            "Обсуждено сотрудничество Казахстана с агентствами организации.",
            "KZ",
            {"KZ"},
            None,
        ),
        (
            None,
            "Министр иностранных дел Таджикистана в Женеве (Швейцария) провёл встречу с "
            "министром иностранных дел Ирана. Стороны обсудили таджикско-иранские отношения и "
            "торговлю между Таджикистаном и Ираном.",
            "TJ",
            {"TJ", "IR"},
            "IR",
        ),
    ],
)
def test_detect_conventions(
    gazetteer: CountryGazetteer,
    *,
    title: str | None,
    body: str,
    publisher: str | None,
    countries: set[str],
    primary: str | None,
) -> None:
    result = gazetteer.detect(title=title, body=body, publisher_country=publisher)
    assert set(result.countries) == countries
    assert result.primary == primary
    assert list(result.countries) == sorted(result.countries, key=lambda c: -result.scores[c])


def test_passing_mention_is_not_counted(gazetteer: CountryGazetteer) -> None:
    body = (
        "Посол Казахстана в Мексике встретился с министром экономики Мексики. "
        "Стороны обсудили торговлю между Казахстаном и Мексикой. "
        * 2
        + "Ранее министр побывал на выставке, где были представлены также компании Франции."
    )
    result = gazetteer.detect(title=None, body=body, publisher_country="KZ")
    assert "FR" not in result.countries
    assert result.primary == "MX"


def test_detect_on_empty_text(gazetteer: CountryGazetteer) -> None:
    result = gazetteer.detect(title=None, body="", publisher_country=None)
    assert result.countries == ()
    assert result.primary is None


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Мексика", "MX"),
        ("мексике", "MX"),
        ("мексиканские", "MX"),
        ("США", "US"),
        ("сша", "US"),
        ("Мехико", "MX"),
        ("Соединённых Штатов Америки", "US"),
        ("южной кореи", "KR"),
        ("оаэ", "AE"),
        ("Белоруссия", "BY"),
        ("Киргизии", "KG"),
        ("Перу", "PE"),
        ("Кот-д'Ивуар", "CI"),
    ],
)
def test_lookup(gazetteer: CountryGazetteer, name: str, code: str) -> None:
    assert gazetteer.lookup(name) == code


@pytest.mark.parametrize("name", ["", "новости", "Мексика и Перу", "Марс"])
def test_lookup_rejects(gazetteer: CountryGazetteer, name: str) -> None:
    assert gazetteer.lookup(name) is None


@pytest.mark.parametrize(
    ("name", "code"),
    [("Мексико", "MX"), ("Казахстн", "KZ"), ("Узбекистн", "UZ"), ("Германя", "DE")],
)
def test_suggest(gazetteer: CountryGazetteer, name: str, code: str) -> None:
    assert gazetteer.suggest(name)[0] == code


def test_suggest_nothing_close(gazetteer: CountryGazetteer) -> None:
    assert gazetteer.suggest("абракадабра") == []


@pytest.mark.parametrize(
    ("code", "name"),
    [("MX", "Мексика"), ("US", "США"), ("AE", "ОАЭ"), ("RU", "Россия"), ("KZ", "Казахстан")],
)
def test_display_names(gazetteer: CountryGazetteer, code: str, name: str) -> None:
    assert gazetteer.name(code) == name


def test_all_countries_sorted_and_complete(gazetteer: CountryGazetteer) -> None:
    countries = gazetteer.all_countries()
    assert len(countries) == 249
    names = [name for _, name in countries]
    assert names.index("Австралия") < names.index("Мексика") < names.index("Япония")
    assert ("KZ", "Казахстан") in countries


def test_an_alias_added_after_a_scan_is_found() -> None:
    gazetteer = CountryGazetteer(Morphology())
    gazetteer.add_alias("MX", "name", "Мексика", frozenset())
    assert codes(gazetteer, "Посол Атлантиды прибыл в Мексику.") == {"MX"}
    # The per-form caches (what «Атлантиды» may be) must not hide the new alias.
    gazetteer.add_alias("AT", "name", "Атлантида", frozenset())
    gazetteer.add_alias("AT", "adjective", "атлантидский", frozenset())
    assert codes(gazetteer, "Посол Атлантиды прибыл в Мексику.") == {"AT", "MX"}
    assert codes(gazetteer, "атлантидская делегация") == {"AT"}


@pytest.mark.parametrize(("typed", "code"), [("сша", "US"), ("Сша", "US"), ("оаэ", "AE")])
def test_lookup_reads_abbreviations_in_any_case(
    gazetteer: CountryGazetteer, typed: str, code: str
) -> None:
    assert gazetteer.lookup(typed) == code


def test_multiword_names_after_a_common_first_word(gazetteer: CountryGazetteer) -> None:
    text = (
        "Посол Республики Казахстан встретился с послом Республики Корея; "
        "Республика провела выборы, Республика Корея — нет."
    )
    found = gazetteer.mentions(text)
    assert [(m.code, m.surface) for m in found] == [
        ("KZ", "Республики Казахстан"),
        ("KR", "Республики Корея"),
        ("KR", "Республика Корея"),
    ]
    assert all(text[m.start : m.end] == m.surface for m in found)
