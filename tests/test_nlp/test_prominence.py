"""Prominence and the issuer's point of view: one table per failure class (texts written here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlp.analyzer import Analyzer
from bot.nlp.countries import CountryGazetteer
from bot.nlp.foreign_names import ForeignNames
from bot.nlp.morph import Morphology
from bot.nlp.topics import TopicClassifier


@pytest.fixture(scope="module")
def gazetteer(morph: Morphology) -> CountryGazetteer:
    return CountryGazetteer.load(morph)


# (title, body, publisher, countries about, not about)
PRESENT_NOT_ABOUT = [
    pytest.param(
        "Посольство Казахстана провело турнир по футболу",
        "Посольство Казахстана в Египте провело турнир по мини-футболу. В турнире приняли "
        "участие команды посольств Турции, Ирана, Индонезии и Малайзии. Посол Казахстана "
        "вручил кубок победителям, египетская сторона поблагодарила за организацию.",
        "KZ",
        {"KZ", "EG"},
        {"TR", "IR", "ID", "MY"},
        id="teams-at-a-tournament",
    ),
    pytest.param(
        "Туристический поток в Узбекистан вырос",
        "С начала года Узбекистан посетили 5 миллионов туристов. Больше всего гостей прибыло "
        "из Таджикистана, а также из России, Турции и Китая. Министерство туризма Узбекистана "
        "ожидает роста.",
        "UZ",
        {"UZ"},
        {"TJ", "RU", "TR", "CN"},
        id="origin-of-tourists",
    ),
    pytest.param(
        "Учения прошли на границе Таджикистана с Афганистаном",
        "Учения прошли на полигоне в Таджикистане, в 20 километрах от границы с Афганистаном. "
        "Министерство обороны Таджикистана подвело итоги.",
        "TJ",
        {"TJ"},
        {"AF"},
        id="background-neighbour",
    ),
    pytest.param(
        "Министр провёл совещание с послами",
        "Министр иностранных дел Казахстана провёл видеоконференцию с послами Казахстана в "
        "Германии, Франции, Италии и Испании. Обсуждены задачи по продвижению казахстанского "
        "экспорта. Министр поручил послам Казахстана активизировать работу.",
        "KZ",
        {"KZ"},
        {"DE", "FR", "IT", "ES"},
        id="envoys-postings",
    ),
    pytest.param(
        "Посольство Монголии провело приём",
        "Посольство Монголии в Казахстане провело приём по случаю национального праздника. "
        "На приёме присутствовали послы Турции, Ирана, Китая и Японии. Посол Монголии "
        "рассказал о развитии монгольско-казахстанских отношений.",
        "MN",
        {"MN", "KZ"},
        {"TR", "IR", "CN", "JP"},
        id="embassies-at-a-reception",
    ),
    pytest.param(
        "Казахстан направил гуманитарную помощь Руанде",
        "Казахстан направил гуманитарную помощь Руанде. Руанда граничит с Угандой, Танзанией, "
        "Бурунди и Демократической Республикой Конго. Груз для Руанды включает медикаменты.",
        "KZ",
        {"KZ", "RW"},
        {"UG", "TZ", "BI", "CD"},
        id="neighbours-in-a-list",
    ),
    pytest.param(
        "Сборная Узбекистана завоевала 40 медалей",
        "Президент Узбекистана поздравил сборную. Соревнования прошли в Китае. Сборная "
        "Узбекистана заняла третье место в общем зачёте, сообщает пресс-служба президента "
        "Узбекистана.",
        None,
        {"UZ"},
        {"CN"},
        id="venue-of-games",
    ),
]


@pytest.mark.parametrize(("title", "body", "publisher", "about", "not_about"), PRESENT_NOT_ABOUT)
def test_present_is_not_about(
    gazetteer: CountryGazetteer,
    *,
    title: str,
    body: str,
    publisher: str | None,
    about: set[str],
    not_about: set[str],
) -> None:
    result = gazetteer.detect(title=title, body=body, publisher_country=publisher)
    assert about <= set(result.countries)
    assert not (not_about & set(result.countries))


MEASURE_LISTS = [
    pytest.param(
        "Россия ответит на высылку дипломатов",
        "Россия примет ответные меры. Ранее о высылке российских дипломатов заявили власти "
        "Эстонии и Латвии, а посольство Литвы сообщило о высылке четырёх сотрудников.",
        "RU",
        {"RU", "EE", "LV", "LT"},
        id="expulsion",
    ),
]


@pytest.mark.parametrize(("title", "body", "publisher", "about"), MEASURE_LISTS)
def test_states_a_measure_concerns_count(
    gazetteer: CountryGazetteer, *, title: str, body: str, publisher: str, about: set[str]
) -> None:
    result = gazetteer.detect(title=title, body=body, publisher_country=publisher)
    assert about <= set(result.countries)


MISSED_FORMS = [
    ("Из страны высланы четверо польских дипломатов и три литовских.", {"PL", "LT"}),
    ("Делегация Объединённых Арабских Эмиратов прибыла с визитом.", {"AE"}),
    ("Соглашение подписано с компанией Masdar о строительстве станции.", {"AE"}),
    ("В Дагестане открылся новый завод.", {"RU"}),
    ("Гендиректор «Росатома» провёл переговоры.", {"RU"}),
    ("Власти Бишкека объявили о новых мерах.", {"KG"}),
    ("Делегация Алтайского края прибыла в Костанайскую область.", {"RU", "KZ"}),
]


@pytest.mark.parametrize(("text", "codes"), MISSED_FORMS)
def test_forms_that_stand_for_a_state(
    gazetteer: CountryGazetteer, text: str, codes: set[str]
) -> None:
    assert {m.code for m in gazetteer.mentions(text)} == codes


# (body, publisher, url country, opening, expected primary)
ISSUER_VIEW = [
    pytest.param(
        "Министр иностранных дел Туркменистана прилетел в Баку. Его принял президент "
        "Азербайджана. Об этом сообщили в пресс-службе азербайджанского лидера. Стороны "
        "обсудили сотрудничество Туркменистана и Азербайджана.",
        None,
        None,
        None,
        "TM",
        id="attribution-to-a-press-service",
    ),
    pytest.param(
        "Узбекистан и Россия подписали меморандум о медицинском обследовании ветеранов. "
        "Узбекская сторона выделит клиники, российская — специалистов. Россия и Узбекистан "
        "продолжат сотрудничество.",
        None,
        "RU",
        "ТАШКЕНТ, 6 марта — Sputnik. Узбекистан и Россия подписали меморандум",
        "RU",
        id="dateline-beats-the-domain",
    ),
    pytest.param(
        "Аким области встретился с послом Беларуси в Казахстане. Стороны обсудили "
        "сотрудничество Костанайской области с Беларусью. Акимат Костаная предложил проекты.",
        None,
        None,
        None,
        "BY",
        id="regional-government-is-the-issuer",
    ),
    pytest.param(
        "Казахстан и Мексика обсудили торговлю. Посол Казахстана в Мексике встретился с "
        "министром экономики Мексики.",
        "KZ",
        "MX",
        None,
        "MX",
        id="declared-source-country-wins",
    ),
    pytest.param(
        "В Казахстане прошёл форум регионов. Министр национальной экономики Казахстана "
        "подвёл итоги.",
        "KZ",
        None,
        None,
        "KZ",
        id="domestic-item-is-home",
    ),
    pytest.param(
        "Главы МИД Казахстана, Кыргызстана, Таджикистана и Узбекистана обсудили водные "
        "ресурсы региона на встрече СНГ.",
        None,
        None,
        None,
        None,
        id="multilateral-has-none",
    ),
]


@pytest.mark.parametrize(("body", "publisher", "url_country", "opening", "primary"), ISSUER_VIEW)
def test_primary_from_the_issuer_view(
    gazetteer: CountryGazetteer,
    *,
    body: str,
    publisher: str | None,
    url_country: str | None,
    opening: str | None,
    primary: str | None,
) -> None:
    result = gazetteer.detect(
        title=None,
        body=body,
        publisher_country=publisher,
        url_country=url_country,
        opening=opening,
    )
    assert result.primary == primary


FOREIGN = [
    pytest.param(
        "Қазақстан мен Өзбекстан ынтымақтастықты талқылады",
        "Астанада Қазақстан Республикасының Сыртқы істер министрі Өзбекстанның елшісімен "
        "кездесті. Тараптар Қазақстан мен Өзбекстан арасындағы сауда мен инвестиция "
        "мәселелерін талқылады.",
        "kk",
        {"KZ", "UZ"},
        "economy",
        id="kazakh",
    ),
    pytest.param(
        "Kazakhstan and Mexico discuss trade",
        "The Ambassador of Kazakhstan to Mexico met Mexican deputies. The sides discussed "
        "trade and investment between Kazakhstan and Mexico and the Mexican side's interest.",
        "en",
        {"KZ", "MX"},
        "economy",
        id="english",
    ),
]


@pytest.mark.parametrize(("title", "text", "language", "countries", "topic"), FOREIGN)
def test_kazakh_and_english_releases_are_tagged(
    analyzer: Analyzer, *, title: str, text: str, language: str, countries: set[str], topic: str
) -> None:
    analysis = analyzer.analyze(title=title, text=text, publisher_country="KZ")
    assert analysis.language == language
    assert set(analysis.countries) == countries
    assert topic in analysis.topics


@pytest.mark.parametrize(
    ("text", "language", "codes"),
    [
        ("Ресейдің, АҚШ-тың және Түркияның өкілдері", "kk", {"RU", "US", "TR"}),
        ("қазақстандық және өзбек кәсіпкерлері Ташкентте", "kk", {"KZ", "UZ"}),
        ("the United States' envoy and a Uzbek delegation in Beijing", "en", {"US", "UZ", "CN"}),
    ],
)
def test_foreign_forms(
    gazetteer: CountryGazetteer, text: str, language: str, codes: set[str]
) -> None:
    assert {m.code for m in gazetteer.mentions(text, language=language)} == codes


@pytest.mark.parametrize("name", ["Дагестан", "Газпром", "Masdar"])
def test_lookup_leaves_regions_and_companies_to_text(
    gazetteer: CountryGazetteer, name: str
) -> None:
    assert gazetteer.lookup(name) is None


def test_foreign_table_errors_name_the_line(tmp_path: Path) -> None:
    table = tmp_path / "names.tsv"
    table.write_text("lang\tcode\tkind\talias\nkk\tKZ\tplanet\tҚазақстан\n", "utf-8")
    with pytest.raises(ValueError, match=":2:"):
        ForeignNames.load(table)


@pytest.mark.parametrize(
    ("words", "language", "slugs"),
    [
        (["экономикалық", "ынтымақтастық", "инвестициялар"], "kk", {"economy"}),
        (["денсаулық", "сақтау", "вакцинасы"], "kk", {"health"}),
        (["investments", "and", "trade"], "en", {"economy"}),
        (["Tourism", "visas"], "en", {"tourism", "consular"}),
    ],
)
def test_foreign_topic_stems(
    topic_classifier: TopicClassifier, words: list[str], language: str, slugs: set[str]
) -> None:
    keys = topic_classifier.foreign_keys(words, language)
    assert set(topic_classifier.classify(keys, [])) == slugs


def test_analyzer_reads_the_dateline_and_the_source_country(analyzer: Analyzer) -> None:
    text = (
        "ТАШКЕНТ, 6 марта — Sputnik. Узбекистан и Россия подписали меморандум о "
        "сотрудничестве в здравоохранении. Узбекская сторона предоставит клиники, "
        "российская — врачей. Россия и Узбекистан продолжат совместную работу."
    )
    by_dateline = analyzer.analyze(title=None, text=text, url="https://uz.example.ru/news/1")
    assert by_dateline.primary_country == "RU"
    by_source = analyzer.analyze(title=None, text=text, publisher_country="ru")
    assert by_source.primary_country == "UZ"
