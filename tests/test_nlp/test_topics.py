"""Topic tagging from the lemma lexicon, on texts written for these tests."""

from __future__ import annotations

import pytest

from bot.nlp.morph import Morphology
from bot.nlp.taxonomy import TOPIC_SLUGS
from bot.nlp.text import lemmatize, split_sentences, words
from bot.nlp.topics import FALLBACK_TOPIC, TopicClassifier


def classify(clf: TopicClassifier, morph: Morphology, title: str, text: str) -> tuple[str, ...]:
    sentences = split_sentences(text)
    return clf.classify(
        lemmatize(words(title), morph), [lemmatize(words(s), morph) for s in sentences]
    )


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        (
            "Казахстан и Мексика нарастят товарооборот",
            "Стороны обсудили рост торговли и новые инвестиционные проекты. Экспорт вырос на 20%.",
            "economy",
        ),
        (
            "Открылось почетное консульство",
            "В городе открылось почетное консульство. Консул будет помогать гражданам с визами.",
            "consular",
        ),
        (
            "Россия и Иран займутся искусственным интеллектом",
            "Министерства подписали соглашение о сотрудничестве в сфере ИИ и цифровых технологий.",
            "technology",
        ),
        (
            "Дни культуры прошли в Дохе",
            "Выставка живописи и концерт ансамбля открыли фестиваль казахской культуры.",
            "culture",
        ),
        (
            "Посол вручил верительные грамоты",
            "Посол вручил верительные грамоты президенту и обсудил политический диалог.",
            "politics",
        ),
        (
            "Гуманитарная помощь отправлена пострадавшим",
            "После землетрясения самолёт доставил палатки и продовольствие для пострадавших.",
            "humanitarian",
        ),
        (
            "Учения ОДКБ пройдут осенью",
            "Вооруженные силы отработают борьбу с терроризмом и обеспечение безопасности границ.",
            "security",
        ),
        (
            "Вузы примут студентов",
            "Университеты выделят стипендии, обучение студентов пройдёт на русском языке.",
            "education",
        ),
        (
            "Ученые изучат Каспий",
            "Академия наук и институты проведут совместные научные исследования.",
            "science",
        ),
        (
            "Турпоток вырос",
            "Туроператоры отмечают рост числа туристов, курорты готовят новые маршруты.",
            "tourism",
        ),
        (
            "Сборная выиграла чемпионат",
            "Спортсмены завоевали медали турнира, тренер похвалил команду после матча.",
            "sport",
        ),
        (
            "Министры здравоохранения договорились",
            "Врачи обменяются опытом лечения, больницы получат вакцины и лекарства.",
            "health",
        ),
        (
            "Построят новую электростанцию",
            "Энергетики увеличат выработку электроэнергии, газ и нефть пойдут на экспорт.",
            "energy",
        ),
        (
            "Обсудили изменение климата",
            "Экологи призвали снизить выбросы и защитить окружающую среду от загрязнения.",
            "ecology",
        ),
    ],
)
def test_main_topic(
    topic_classifier: TopicClassifier, morph: Morphology, title: str, text: str, expected: str
) -> None:
    assert classify(topic_classifier, morph, title, text)[0] == expected


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("", ""),
        ("", "!!! ???"),
        ("Hello", "Lorem ipsum dolor sit amet."),
        ("", "Кошка сидела на окне и смотрела во двор."),
    ],
)
def test_always_one_topic(
    topic_classifier: TopicClassifier, morph: Morphology, title: str, text: str
) -> None:
    topics = classify(topic_classifier, morph, title, text)
    assert topics
    assert set(topics) <= set(TOPIC_SLUGS)


def test_nothing_found_falls_back_to_politics(
    topic_classifier: TopicClassifier, morph: Morphology
) -> None:
    assert classify(topic_classifier, morph, "", "") == (FALLBACK_TOPIC,)


def test_title_counts_more(topic_classifier: TopicClassifier, morph: Morphology) -> None:
    text = "Участники обсудили туризм. Отмечены вопросы торговли."
    assert classify(topic_classifier, morph, "Торговля растёт", text)[0] == "economy"
    assert classify(topic_classifier, morph, "Туризм растёт", text)[0] == "tourism"


def test_humanitarian_cooperation_is_not_aid(
    topic_classifier: TopicClassifier, morph: Morphology
) -> None:
    text = "Стороны обсудили развитие гуманитарного сотрудничества, выставки и гастроли театров."
    assert "humanitarian" not in classify(topic_classifier, morph, "", text)


@pytest.mark.parametrize(
    ("lexicon", "message"),
    [
        ("nosuch\t1\tслово", "unknown topic slug"),
        ("politics\t1", "expected slug<TAB>weight<TAB>words"),
        ("politics\t1\t!!!", "no words"),
    ],
)
def test_bad_lexicon_line(morph: Morphology, lexicon: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TopicClassifier.load(morph, lexicon)
